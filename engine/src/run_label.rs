//! Telling runs apart: a run's label is its name, plus the settings that
//! differ from the other runs of the same name, plus its time when even
//! those agree. The same labels head the app's table, legends and exports
//! and the CLI's `compare`, so a person can match a line to a run anywhere.

use std::collections::BTreeMap;

use crate::run::RunRecord;

/// A run's settings as flat `path = value` pairs (`model.reg = 250`,
/// `split.seed = 42`, `eval.ks = [5, 10]`, `model.window_days = none`), in
/// a stable order, each value as people read it (`shown_value`).
pub fn settings(r: &RunRecord) -> BTreeMap<String, String> {
    raw_settings(r)
        .into_iter()
        .map(|(k, v)| (k, shown_value(&v)))
        .collect()
}

/// The settings as stored (JSON values), so runs are compared on what they
/// are, not on how it reads.
fn raw_settings(r: &RunRecord) -> BTreeMap<String, serde_json::Value> {
    let mut out = BTreeMap::new();
    if let Ok(v) = serde_json::to_value(&r.spec) {
        flatten("", &v, &mut out);
    }
    // The name is shown anyway; the model's tag is its name.
    out.remove("name");
    // A fusion's weights are an outcome of its tuning: show the ones it uses.
    if let Some(f) = &r.fusion
        && let Ok(w) = serde_json::to_value(&f.weights)
    {
        out.insert("model.weights".into(), w);
    }
    out
}

/// A setting's value for people: an unset option reads `none`, a whole
/// number has no `.0` (`reg=50`), text is bare, lists read `5, 10`.
pub fn shown_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "none".to_string(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            // Whole floats (`50.0`) read as integers; others keep the
            // shortest form serde_json wrote (`0.1`, not `0.10000000149`).
            (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            // An f32 parameter widened to f64 (`0.009999999776482582`)
            // reads as the f32 it is (`0.01`).
            (_, _, Some(f)) if f64::from(f as f32) == f => (f as f32).to_string(),
            _ => n.to_string(),
        },
        serde_json::Value::Array(items) => {
            items.iter().map(shown_value).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut BTreeMap<String, serde_json::Value>) {
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
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

/// For each run, the settings whose values differ among the runs that share
/// its name (empty for a run whose name is unique in `runs`).
pub fn differing_settings(runs: &[RunRecord]) -> Vec<Vec<(String, String)>> {
    let all: Vec<BTreeMap<String, serde_json::Value>> = runs.iter().map(raw_settings).collect();
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
                .map(|(k, v)| (short_key(k).to_string(), shown_value(v)))
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

/// One label per run, distinct for distinct run ids: the name; then
/// ` · key=value …` for settings that differ from same-named runs; then
/// ` · MM-DD HH:MM:SS` when runs of the same name and settings remain
/// (re-runs); then ` #1`, ` #2` … in creation order when even the second
/// agrees (two runs started in the same second).
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
    let timed: Vec<String> = base
        .iter()
        .zip(runs)
        .map(|(b, r)| {
            if base.iter().filter(|o| *o == b).count() > 1 {
                format!("{b} · {}", short_time(&r.created_at))
            } else {
                b.clone()
            }
        })
        .collect();
    (0..runs.len())
        .map(|i| {
            let mut twins: Vec<usize> = (0..runs.len()).filter(|&j| timed[j] == timed[i]).collect();
            if twins.len() < 2 {
                return timed[i].clone();
            }
            // Creation order: the full timestamp (sub-second), then the id
            // (`…-ease` before `…-ease-2` before `…-ease-10`).
            twins.sort_by(|&a, &b| {
                let (ra, rb) = (&runs[a], &runs[b]);
                created_key(&ra.created_at)
                    .cmp(&created_key(&rb.created_at))
                    .then(ra.id.len().cmp(&rb.id.len()))
                    .then(ra.id.cmp(&rb.id))
            });
            let n = twins.iter().position(|&j| j == i).unwrap_or(0) + 1;
            format!("{} #{n}", timed[i])
        })
        .collect()
}

/// `label` in at most `max` characters, keeping what tells runs apart:
/// labels end in what differs (settings, time, `#n`), so a long one loses
/// the end of its name first (`populari… · window_days=none`), then its
/// middle (`item_…bours=200`), never its end.
pub fn shorten(label: &str, max: usize) -> String {
    let chars: Vec<char> = label.chars().collect();
    if chars.len() <= max {
        return label.to_string();
    }
    if max < 2 {
        return "…".to_string();
    }
    if let Some((name, rest)) = label.split_once(" · ") {
        let rest_len = rest.chars().count() + 3;
        let budget = max.saturating_sub(rest_len + 1);
        if budget >= 3 {
            let head: String = name.chars().take(budget).collect();
            return format!("{head}… · {rest}");
        }
    }
    let head = ((max - 1) / 3).max(1);
    let tail = max - 1 - head;
    let start: String = chars[..head].iter().collect();
    let end: String = chars[chars.len() - tail..].iter().collect();
    format!("{start}…{end}")
}

/// A creation time that sorts in time order (parsed when it parses).
fn created_key(rfc3339: &str) -> (Option<chrono::DateTime<chrono::FixedOffset>>, String) {
    (
        chrono::DateTime::parse_from_rfc3339(rfc3339).ok(),
        rfc3339.to_string(),
    )
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
        assert_eq!(l[0], "ease · reg=100");
        assert_eq!(l[1], "ease · reg=250");
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

    #[test]
    fn runs_started_in_the_same_second_are_numbered_in_creation_order() {
        // `shoplab train ease --param reg=500` twice within a second: ids
        // `…-ease` and `…-ease-2`, the same settings and start second.
        let runs = [
            ease(
                "20261201-174625-ease-2",
                500.0,
                "2026-12-01T17:46:25.900+00:00",
            ),
            ease(
                "20261201-174625-ease",
                500.0,
                "2026-12-01T17:46:25.100+00:00",
            ),
            ease(
                "20261201-174625-ease-10",
                500.0,
                "2026-12-01T17:46:25.900+00:00",
            ),
        ];
        let l = labels(&runs);
        assert_eq!(
            l,
            [
                "ease · 12-01 17:46:25 #2",
                "ease · 12-01 17:46:25 #1",
                "ease · 12-01 17:46:25 #3"
            ]
        );
    }

    #[test]
    fn values_read_as_people_write_them() {
        use serde_json::json;
        assert_eq!(shown_value(&json!(null)), "none");
        assert_eq!(shown_value(&json!(50.0)), "50");
        assert_eq!(shown_value(&json!(30)), "30");
        assert_eq!(shown_value(&json!(0.25)), "0.25");
        assert_eq!(shown_value(&json!(0.01f32)), "0.01");
        assert_eq!(shown_value(&json!(0.1f64)), "0.1");
        assert_eq!(shown_value(&json!("purchase")), "purchase");
        assert_eq!(shown_value(&json!([5, 10])), "5, 10");
        let pop = |days: Option<u32>, at: &str| {
            let mut r = RunRecord {
                id: at.into(),
                name: "popularity".into(),
                created_at: at.into(),
                ..RunRecord::default()
            };
            r.spec.model =
                serde_json::from_value(json!({"model": "popularity", "window_days": days}))
                    .unwrap_or_default();
            r
        };
        let l = labels(&[
            pop(None, "2026-12-01T10:00:00+00:00"),
            pop(Some(30), "2026-12-01T11:00:00+00:00"),
        ]);
        assert_eq!(
            l,
            [
                "popularity · window_days=none",
                "popularity · window_days=30"
            ]
        );
    }

    #[test]
    fn shortened_labels_keep_what_differs() {
        let knn = ["item_knn · neighbours=200", "item_knn · neighbours=50"];
        let short: Vec<String> = knn.iter().map(|l| shorten(l, 16)).collect();
        assert_ne!(short[0], short[1], "{short:?}");
        assert!(short.iter().all(|s| s.chars().count() <= 16), "{short:?}");
        assert!(short[0].ends_with("=200"), "{short:?}");
        assert_eq!(
            shorten("popularity · window_days=none", 28),
            "populari… · window_days=none"
        );
        assert_eq!(shorten("ease", 28), "ease");
        for max in 2..30 {
            let a = shorten("ease · 12-01 17:46:25 #1", max);
            assert!(a.chars().count() <= max, "{a} in {max}");
            if max >= 4 {
                assert_ne!(a, shorten("ease · 12-01 17:46:25 #2", max), "at {max}");
            }
        }
    }
}
