//! The runs an export shows, each with the label and the colour it has in
//! the app and in every other file: labels are computed over all of the
//! project's runs (so same-named runs read as in the app), colours follow
//! a run's position in the project's run list.

use plotters::style::RGBColor;
use shoplab_engine::run::RunRecord;
use shoplab_engine::run_label;

use crate::error::ExportError;
use crate::palette::run_color;

/// One run as an export shows it.
#[derive(Debug, Clone)]
pub struct Shown<'a> {
    /// The run.
    pub run: &'a RunRecord,
    /// Its label (`shoplab_engine::run_label::labels`).
    pub label: String,
    /// Its colour (`palette::run_color` of its position in the project).
    pub color: RGBColor,
}

/// The runs `ids` (in that order) out of the project's runs `all`
/// (oldest first, as `Project::runs` lists them).
pub fn pick<'a>(all: &'a [RunRecord], ids: &[String]) -> Result<Vec<Shown<'a>>, ExportError> {
    if ids.is_empty() {
        return Err(ExportError::NoRuns);
    }
    let labels = run_label::labels(all);
    ids.iter()
        .map(|id| {
            let pos = all
                .iter()
                .position(|r| &r.id == id)
                .ok_or_else(|| ExportError::UnknownRun(id.clone()))?;
            let [r, g, b] = run_color(pos);
            Ok(Shown {
                run: &all[pos],
                label: labels[pos].clone(),
                color: RGBColor(r, g, b),
            })
        })
        .collect()
}

/// Every model parameter of a run as `key=value` pairs joined by `; `
/// (`reg=250`, `window_days=none; half_life_days=none`), from its stored
/// spec: unset options are listed too, so a reader sees the run's whole
/// configuration (an all-time popularity run is not a blank cell).
pub fn params(r: &RunRecord) -> String {
    run_label::settings(r)
        .into_iter()
        .filter_map(|(k, v)| {
            let key = k.strip_prefix("model.")?;
            (key != "model").then(|| format!("{}={v}", key.rsplit('.').next().unwrap_or(key)))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoplab_engine::recommend::{EaseParams, ModelSpec};

    fn ease(id: &str, reg: f32) -> RunRecord {
        let mut r = RunRecord {
            id: id.into(),
            name: "ease".into(),
            model: "ease".into(),
            ..RunRecord::default()
        };
        r.spec.model = ModelSpec::Ease(EaseParams { reg });
        r
    }

    #[test]
    fn same_named_runs_get_distinct_labels_and_colours_of_their_project_position() {
        let all = [ease("a", 100.0), ease("b", 250.0), ease("c", 500.0)];
        // Only two shown, in table order: labels still name what differs in the project.
        let shown = pick(&all, &["c".into(), "a".into()]).unwrap();
        assert_eq!(shown[0].label, "ease · reg=500");
        assert_eq!(shown[1].label, "ease · reg=100");
        assert_ne!(shown[0].label, shown[1].label);
        let [r, g, b] = run_color(2);
        assert_eq!(shown[0].color, RGBColor(r, g, b));
        assert!(matches!(
            pick(&all, &["zz".into()]),
            Err(ExportError::UnknownRun(id)) if id == "zz"
        ));
        assert!(matches!(pick(&all, &[]), Err(ExportError::NoRuns)));
        assert_eq!(params(&all[1]), "reg=250");
    }

    #[test]
    fn params_list_unset_options_as_none() {
        let mut pop = RunRecord {
            name: "popularity".into(),
            ..RunRecord::default()
        };
        // All time, no decay: both options unset.
        pop.spec.model = ModelSpec::Popularity(Default::default());
        assert_eq!(params(&pop), "half_life_days=none; window_days=none");
    }
}
