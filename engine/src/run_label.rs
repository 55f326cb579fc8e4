//! Telling runs apart: a run's label is its name, plus the settings that
//! differ from the other runs of the same name, plus its time when even
//! those agree. The same labels head the app's table, legends and exports
//! and the CLI's `compare`, so a person can match a line to a run anywhere.

use std::collections::BTreeMap;

use crate::run::RunRecord;

/// A run's settings as flat `path = value` pairs (`model.reg = 250`,
/// `split.seed = 42`, `eval.ks = [5,10]`), in a stable order.
pub fn settings(r: &RunRecord) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Ok(v) = serde_json::to_value(&r.spec) {
        flatten("", &v, &mut out);
    }
    // The name is shown anyway; the model's tag is its name.
    out.remove("name");
    out
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        serde_json::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

/// For each run, the settings whose values differ among the runs that share
/// its name (empty for a run whose name is unique in `runs`).
pub fn differing_settings(runs: &[RunRecord]) -> Vec<Vec<(String, String)>> {
    let all: Vec<BTreeMap<String, String>> = runs.iter().map(settings).collect();
    runs.iter()
        .enumerate()
        .map(|(i, r)| {
            let siblings: Vec<usize> = (0..runs.len())
                .filter(|&j| runs[j].name == r.name)
                .collect();
            if siblings.len() < 2 {
                return Vec::new();
            }
            all[i]
                .iter()
                .filter(|(k, v)| siblings.iter().any(|&j| all[j].get(*k) != Some(v)))
                .map(|(k, v)| (short_key(k).to_string(), v.clone()))
                .collect()
        })
        .collect()
}

/// `model.params.reg` reads as `reg`; other paths keep their section
/// (`split.seed`) so a reader knows what was varied.
fn short_key(k: &str) -> &str {
    k.rsplit_once("params.")
        .map(|(_, tail)| tail)
        .or_else(|| k.strip_prefix("model."))
        .unwrap_or(k)
}

/// One label per run: the name; then ` · key=value …` for settings that
/// differ from same-named runs; then ` · MM-DD HH:MM:SS` when runs of the
/// same name and settings remain (re-runs), so every label is distinct
/// unless two runs share name, settings and start second.
pub fn labels(runs: &[RunRecord]) -> Vec<String> {
    let diffs = differing_settings(runs);
    let base: Vec<String> = runs
        .iter()
        .zip(&diffs)
        .map(|(r, d)| {
            let mut s = r.name.clone();
            if !d.is_empty() {
                let parts: Vec<String> = d.iter().map(|(k, v)| format!("{k}={v}")).collect();
                s.push_str(" · ");
                s.push_str(&parts.join(" "));
            }
            s
        })
        .collect();
    base.iter()
        .zip(runs)
        .map(|(b, r)| {
            if base.iter().filter(|o| *o == b).count() > 1 {
                format!("{b} · {}", short_time(&r.created_at))
            } else {
                b.clone()
            }
        })
        .collect()
}

/// `2026-12-01T16:40:05.123+00:00` → `12-01 16:40:05`.
pub fn short_time(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.format("%m-%d %H:%M:%S").to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::{EaseParams, ModelSpec};

    fn ease(id: &str, reg: f32, at: &str) -> RunRecord {
        let mut r = RunRecord {
            id: id.into(),
            name: "ease".into(),
            model: "ease".into(),
            created_at: at.into(),
            ..RunRecord::default()
        };
        r.spec.model = ModelSpec::Ease(EaseParams { reg });
        r
    }

    #[test]
    fn same_named_runs_are_told_apart_by_what_differs() {
        let mut pop = RunRecord {
            name: "popularity".into(),
            ..RunRecord::default()
        };
        pop.spec.model = ModelSpec::default();
        let runs = [
            ease("a", 100.0, "2026-12-01T10:00:00+00:00"),
            ease("b", 250.0, "2026-12-01T11:00:00+00:00"),
            pop,
        ];
        let l = labels(&runs);
        assert_eq!(l[0], "ease · reg=100.0");
        assert_eq!(l[1], "ease · reg=250.0");
        assert_eq!(l[2], "popularity", "a unique name needs nothing more");
    }

    #[test]
    fn re_runs_with_equal_settings_get_their_time() {
        let runs = [
            ease("a", 100.0, "2026-12-01T10:00:00+00:00"),
            ease("b", 100.0, "2026-12-01T11:05:09+00:00"),
        ];
        assert_eq!(
            labels(&runs),
            ["ease · 12-01 10:00:00", "ease · 12-01 11:05:09"]
        );
    }

    #[test]
    fn seeds_and_splits_show_with_their_section() {
        let mut a = ease("a", 100.0, "2026-12-01T10:00:00+00:00");
        let mut b = a.clone();
        a.spec.split = "random".parse().unwrap_or_default();
        b.spec.split = "random".parse().unwrap_or_default();
        if let crate::split::SplitSpec::Random { seed, .. } = &mut b.spec.split {
            *seed = 7;
        }
        let l = labels(&[a, b]);
        assert!(l[1].contains("split.seed=7"), "{l:?}");
    }
}
