//! Side-by-side tables of runs x metrics.
//!
//! This comparison is descriptive (means, best per column); the
//! per-user values every run stores are what the significance tests of the
//! fusion / A-B work pair up.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::metrics::MetricAt;
use crate::run::RunRecord;

/// One column of a comparison table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// A ranking metric at a cut-off, e.g. `ndcg@10`.
    Metric(MetricAt),
    /// Mean per-user AUC.
    Auc,
    /// Catalog coverage at the largest K.
    Coverage,
    /// Intra-list diversity at the largest K.
    Diversity,
    /// Novelty in bits.
    Novelty,
    /// Average recommendation popularity.
    PopularityBias,
    /// Training seconds.
    TrainSeconds,
    /// Evaluation seconds.
    EvalSeconds,
    /// Median latency per request (µs).
    LatencyP50,
    /// 95th percentile latency (µs).
    LatencyP95,
    /// 99th percentile latency (µs).
    LatencyP99,
    /// Shoppers in the means.
    Users,
    /// Shoppers with test items but no training events.
    ColdUsers,
    /// Share of test pairs the shopper already had in training.
    RepeatShare,
}

impl Column {
    /// Columns shown when none are asked for.
    pub fn defaults() -> Vec<Column> {
        let at = |m: &str| Column::from_str(m).ok();
        [
            "recall@10",
            "ndcg@10",
            "mrr@10",
            "hit@10",
            "map@10",
            "precision@10",
        ]
        .iter()
        .filter_map(|m| at(m))
        .chain([
            Column::Auc,
            Column::Coverage,
            Column::Novelty,
            Column::TrainSeconds,
            Column::LatencyP95,
            Column::Users,
            Column::ColdUsers,
            Column::RepeatShare,
        ])
        .collect()
    }

    /// Header text.
    pub fn label(&self) -> String {
        match self {
            Column::Metric(m) => m.to_string(),
            Column::Auc => "auc".into(),
            Column::Coverage => "coverage".into(),
            Column::Diversity => "diversity".into(),
            Column::Novelty => "novelty".into(),
            Column::PopularityBias => "popularity_bias".into(),
            Column::TrainSeconds => "train_s".into(),
            Column::EvalSeconds => "eval_s".into(),
            Column::LatencyP50 => "p50_us".into(),
            Column::LatencyP95 => "p95_us".into(),
            Column::LatencyP99 => "p99_us".into(),
            Column::Users => "users".into(),
            Column::ColdUsers => "cold_users".into(),
            Column::RepeatShare => "repeat_share".into(),
        }
    }

    /// Whether the column holds a whole count (shown without decimals).
    pub fn is_count(&self) -> bool {
        matches!(self, Column::Users | Column::ColdUsers)
    }

    /// Whether the column describes the data rather than ranks runs (no
    /// best value is marked).
    pub fn informational(&self) -> bool {
        matches!(
            self,
            Column::Users | Column::ColdUsers | Column::RepeatShare
        )
    }

    /// Whether a larger value is better (for highlighting the best run).
    pub fn higher_is_better(&self) -> bool {
        !matches!(
            self,
            Column::PopularityBias
                | Column::TrainSeconds
                | Column::EvalSeconds
                | Column::LatencyP50
                | Column::LatencyP95
                | Column::LatencyP99
        )
    }

    /// The column's value for a run (None when the run lacks it, e.g. a K it
    /// was not evaluated at).
    pub fn value(&self, r: &RunRecord) -> Option<f64> {
        let s = &r.summary;
        match self {
            Column::Metric(m) => r
                .metrics
                .iter()
                .find(|x| x.k == m.k)
                .map(|x| m.metric.of(&x.values)),
            Column::Auc => Some(r.auc),
            Column::Coverage => Some(s.coverage),
            Column::Diversity => s.diversity,
            Column::Novelty => Some(s.novelty),
            Column::PopularityBias => Some(s.popularity_bias),
            Column::TrainSeconds => Some(r.train_seconds),
            Column::EvalSeconds => Some(r.eval_seconds),
            Column::LatencyP50 => Some(s.latency_p50_us),
            Column::LatencyP95 => Some(s.latency_p95_us),
            Column::LatencyP99 => Some(s.latency_p99_us),
            Column::Users => Some(s.users_evaluated as f64),
            // Runs recorded before cold shoppers were counted have no value.
            Column::ColdUsers => (!s.cold_protocol.is_empty()).then_some(s.users_cold as f64),
            Column::RepeatShare => (s.test_pairs > 0).then_some(s.repeat_share),
        }
    }
}

impl FromStr for Column {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let key = s.trim().to_ascii_lowercase();
        Ok(match key.as_str() {
            "auc" => Column::Auc,
            "coverage" => Column::Coverage,
            "diversity" => Column::Diversity,
            "novelty" => Column::Novelty,
            "popularity_bias" | "arp" => Column::PopularityBias,
            "train_s" | "train" => Column::TrainSeconds,
            "eval_s" | "eval" => Column::EvalSeconds,
            "p50_us" | "p50" => Column::LatencyP50,
            "p95_us" | "p95" => Column::LatencyP95,
            "p99_us" | "p99" => Column::LatencyP99,
            "users" => Column::Users,
            "cold_users" | "cold" => Column::ColdUsers,
            "repeat_share" | "repeats" => Column::RepeatShare,
            _ => Column::Metric(key.parse::<MetricAt>().map_err(|reason| {
                Error::invalid(
                    "column",
                    s,
                    format!(
                        "{reason}; other columns: auc, coverage, diversity, novelty, popularity_bias, train_s, eval_s, p50_us, p95_us, p99_us, users, cold_users, repeat_share"
                    ),
                )
            })?),
        })
    }
}

/// A table of runs x columns, with the best row per column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Column headers.
    pub columns: Vec<String>,
    /// One row per run, in the order asked.
    pub rows: Vec<ComparisonRow>,
    /// Per column, the one row that is best at the shown precision
    /// ([`shown`]); None when no row has a value, when the best are tied at
    /// the shown precision, or for data columns (see `best_rows` for ties).
    pub best: Vec<Option<usize>>,
    /// Per column, every row whose shown value equals the best one; empty
    /// when all rows show the same value (nothing stands out) or the column
    /// describes data rather than ranking runs.
    #[serde(default)]
    pub best_rows: Vec<Vec<usize>>,
}

impl Comparison {
    /// Whether row `row` is (one of) the best in column `col`.
    pub fn is_best(&self, row: usize, col: usize) -> bool {
        self.best_rows.get(col).is_some_and(|b| b.contains(&row))
    }
}

/// One run's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// Run id.
    pub run: String,
    /// Display name.
    pub name: String,
    /// The run's label among the compared runs (`run_label::labels`): its
    /// name plus the settings that tell it from same-named runs.
    #[serde(default)]
    pub label: String,
    /// Value per column.
    pub values: Vec<Option<f64>>,
    /// The run's protocol in words (ranking, split, cold shoppers, ties).
    #[serde(default)]
    pub protocol: String,
    /// Shoppers with test items but no training events.
    #[serde(default)]
    pub users_cold: usize,
    /// What the run did with them (`apart`, `fallback`, `model`; empty for
    /// runs recorded before they were counted).
    #[serde(default)]
    pub cold_protocol: String,
    /// Share of test pairs already seen in training.
    #[serde(default)]
    pub repeat_share: f64,
    /// An import added or changed items or events after this run was made,
    /// so its figures describe older data than the other rows may
    /// (set by [`mark_imported_since`]).
    #[serde(default)]
    pub imported_since: bool,
    /// Shoppers in the means whose model scores were all equal (ranked by
    /// the tie-break alone).
    #[serde(default)]
    pub users_no_signal: usize,
    /// Shoppers in the means whose metrics rest partly on the tie rule.
    #[serde(default)]
    pub users_tie_decided: usize,
}

/// Marks the rows of runs made before an import that added or changed
/// items or events: the table then says which figures are on older data
/// (serving such a run is refused; comparing it is allowed, but not silently).
pub fn mark_imported_since(
    table: &mut Comparison,
    runs: &[RunRecord],
    imports: &[crate::store::ImportRecord],
) {
    let last_change = imports
        .iter()
        .filter(|i| i.items + i.items_updated + i.events > 0)
        .map(|i| i.finished_at.unwrap_or(i.started_at))
        .max();
    let Some(last_change) = last_change else {
        return;
    };
    for row in &mut table.rows {
        let made = runs
            .iter()
            .find(|r| r.id == row.run)
            .and_then(|r| chrono::DateTime::parse_from_rfc3339(&r.created_at).ok())
            .map(|t| t.timestamp());
        row.imported_since = made.is_some_and(|t| t < last_change);
    }
}

/// A value of `column` as a table shows it (app, CLI, exported images):
/// counts whole, shares as percentages, the rest as [`shown`]; a dash for
/// no value.
pub fn cell_text(column: Option<&Column>, v: Option<f64>) -> String {
    match (column, v) {
        (_, None) => "–".into(),
        (Some(Column::Users | Column::ColdUsers), Some(v)) => format!("{v:.0}"),
        (Some(Column::RepeatShare), Some(v)) => format!("{:.1}%", 100.0 * v),
        (_, Some(v)) => shown(v),
    }
}

/// A value as tables show it (the CLI's and the app's): no decimals from
/// 1000 up, two from 10 up, four below. The best of a column is judged on
/// this text, so two runs that differ only beyond it tie.
pub fn shown(v: f64) -> String {
    if v.abs() >= 1000.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

/// The rows that are best in one column at the shown precision: all rows
/// tied for best, none when every row shows the same value. `values` holds
/// the column's value per row.
pub fn best_rows(values: &[Option<f64>], higher_is_better: bool) -> Vec<usize> {
    let at_shown: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(ri, v)| {
            let v = v.filter(|v| v.is_finite())?;
            // Parsing the shown text back gives the value a reader compares.
            Some((ri, shown(v).parse::<f64>().unwrap_or(v)))
        })
        .collect();
    let best = at_shown
        .iter()
        .map(|(_, v)| *v)
        .reduce(|a, b| if higher_is_better { a.max(b) } else { a.min(b) });
    let Some(best) = best else {
        return Vec::new();
    };
    let rows: Vec<usize> = at_shown
        .iter()
        .filter(|(_, v)| *v == best)
        .map(|(ri, _)| *ri)
        .collect();
    if rows.len() > 1 && rows.len() == at_shown.len() {
        // All equal as shown: nothing stands out.
        return Vec::new();
    }
    rows
}

/// Builds the table for `runs` and `columns`; rows are labelled with
/// `run_label::labels` over `runs`.
pub fn compare(runs: &[RunRecord], columns: &[Column]) -> Comparison {
    let labels = crate::run_label::labels(runs);
    let rows: Vec<ComparisonRow> = runs
        .iter()
        .zip(labels)
        .map(|(r, label)| ComparisonRow {
            run: r.id.clone(),
            name: r.name.clone(),
            label,
            values: columns.iter().map(|c| c.value(r)).collect(),
            protocol: protocol_text(r),
            users_cold: r.summary.users_cold,
            cold_protocol: r.summary.cold_protocol.clone(),
            repeat_share: r.summary.repeat_share,
            users_no_signal: r.summary.users_no_signal,
            users_tie_decided: r.summary.users_tie_decided,
            imported_since: false,
        })
        .collect();
    let best_rows: Vec<Vec<usize>> = columns
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            if c.informational() {
                return Vec::new();
            }
            let values: Vec<Option<f64>> = rows.iter().map(|r| r.values[ci]).collect();
            best_rows(&values, c.higher_is_better())
        })
        .collect();
    let best = best_rows
        .iter()
        .map(|b| match b.as_slice() {
            [one] => Some(*one),
            _ => None,
        })
        .collect();
    Comparison {
        columns: columns.iter().map(Column::label).collect(),
        rows,
        best,
        best_rows,
    }
}

/// One line on how a run was evaluated, e.g. `full ranking; temporal,
/// test 20%; 192 cold shoppers apart, not in the means (ranked by popularity: their ndcg@10
/// 0.4506); ties by popularity; 0.0% of test pairs seen in training`.
/// Model-specific counts (shoppers without signal) are not part of it.
pub fn protocol_text(r: &RunRecord) -> String {
    let s = &r.summary;
    let mut parts = vec![s.protocol.clone(), r.spec.split.to_string()];
    if s.cold_protocol.is_empty() {
        parts.push("cold shoppers not counted (run made before they were)".into());
    } else if s.users_cold > 0 {
        let first = s
            .cold_metrics
            .iter()
            .find(|m| m.k == 10)
            .or(s.cold_metrics.first());
        let how = match s.cold_protocol.as_str() {
            "apart" => "apart, not in the means",
            "fallback" => "in the means",
            _ => "in the means, ranked by the model itself",
        };
        let tied = match s.cold_users_tie_decided {
            0 => String::new(),
            n => format!(", {n} of them partly by tie order"),
        };
        let fig = first
            .map(|m| {
                format!(
                    " (ranked by {}: their ndcg@{} {:.4}{tied})",
                    s.cold_scored_by, m.k, m.values.ndcg
                )
            })
            .unwrap_or_default();
        let noun = if s.users_cold == 1 {
            "cold shopper"
        } else {
            "cold shoppers"
        };
        parts.push(format!("{} {noun} {how}{fig}", s.users_cold));
    } else {
        parts.push("no cold shoppers".into());
    }
    if !s.tie_break.is_empty() {
        parts.push(format!("ties by {}", s.tie_break.replace('_', " ")));
    }
    if s.test_pairs > 0 {
        parts.push(format!(
            "{:.1}% of test pairs seen in training{}",
            100.0 * s.repeat_share,
            if r.spec.eval.exclude_train && s.test_pairs_seen_in_train > 0 {
                " (left out of rankings and test sets)"
            } else {
                ""
            }
        ));
    }
    if s.test_pairs_new_item > 0 {
        parts.push(format!(
            "{} test pairs name items without training events",
            s.test_pairs_new_item
        ));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::MetricSet;
    use crate::run::MetricsAtK;

    fn run(id: &str, ndcg: f64, train: f64) -> RunRecord {
        RunRecord {
            id: id.into(),
            name: id.into(),
            metrics: vec![MetricsAtK {
                k: 10,
                values: MetricSet {
                    ndcg,
                    ..MetricSet::default()
                },
            }],
            train_seconds: train,
            ..RunRecord::default()
        }
    }

    #[test]
    fn best_respects_direction_and_missing_values() {
        let cols: Vec<Column> = ["ndcg@10", "ndcg@20", "train_s"]
            .iter()
            .map(|c| c.parse().unwrap())
            .collect();
        let t = compare(&[run("a", 0.3, 2.0), run("b", 0.4, 5.0)], &cols);
        assert_eq!(t.best, vec![Some(1), None, Some(0)]);
        assert_eq!(t.rows[0].values[1], None);
        assert!("bogus".parse::<Column>().is_err());
    }

    #[test]
    fn best_is_judged_at_the_shown_precision() {
        let cols: Vec<Column> = ["ndcg@10", "train_s"]
            .iter()
            .map(|c| c.parse().unwrap())
            .collect();
        // A difference in the 17th digit is no difference.
        assert_ne!(0.1 + 0.2, 0.3, "the values really differ");
        let t = compare(
            &[run("a", 0.3, 2.0), run("b", 0.1 + 0.2, 2.0 + 1e-12)],
            &cols,
        );
        assert_eq!(t.best, vec![None, None]);
        assert!(!t.is_best(0, 0) && !t.is_best(1, 0), "all equal: none");
        // Two tied best at four decimals, one worse: both tied are marked.
        let t = compare(
            &[
                run("a", 0.41234, 3.0),
                run("b", 0.41231, 2.0),
                run("c", 0.2, 2.00001),
            ],
            &cols,
        );
        assert_eq!(t.best_rows[0], vec![0, 1]);
        assert_eq!(t.best[0], None, "no single winner");
        assert_eq!(
            t.best_rows[1],
            vec![1, 2],
            "lower is better, tied at 2.0000"
        );
        // A real difference at the shown precision still wins.
        let t = compare(&[run("a", 0.4123, 2.0), run("b", 0.4124, 2.0)], &cols);
        assert_eq!(t.best[0], Some(1));
        assert!(t.is_best(1, 0) && !t.is_best(0, 0));
        assert_eq!(shown(12.345_6), "12.35");
        assert_eq!(shown(0.123_456), "0.1235");
        assert_eq!(shown(1234.5), "1234");
    }

    #[test]
    fn rows_carry_labels_that_tell_same_named_runs_apart() {
        use crate::recommend::{EaseParams, ModelSpec};
        let mut a = run("a", 0.3, 1.0);
        let mut b = run("b", 0.3, 1.0);
        for (r, reg) in [(&mut a, 100.0), (&mut b, 250.0)] {
            r.name = "ease".into();
            r.spec.model = ModelSpec::Ease(EaseParams { reg });
        }
        let t = compare(&[a, b], &Column::defaults());
        assert_ne!(t.rows[0].label, t.rows[1].label);
        assert!(t.rows[1].label.contains("reg=250"), "{}", t.rows[1].label);
    }

    #[test]
    fn data_columns_are_not_ranked_and_the_protocol_names_cold_shoppers() {
        let mut a = run("a", 0.3, 2.0);
        a.summary.users_cold = 5;
        a.summary.cold_protocol = "apart".into();
        a.summary.cold_scored_by = "popularity".into();
        a.summary.test_pairs = 10;
        a.summary.test_pairs_seen_in_train = 4;
        a.summary.repeat_share = 0.4;
        let b = run("b", 0.4, 5.0);
        let cols: Vec<Column> = ["ndcg@10", "cold_users", "repeat_share"]
            .iter()
            .map(|c| c.parse().unwrap())
            .collect();
        let t = compare(&[a.clone(), b], &cols);
        assert_eq!(t.best, vec![Some(1), None, None]);
        assert_eq!(t.rows[0].values[1], Some(5.0));
        // Runs recorded before cold shoppers were counted have no value.
        assert_eq!(t.rows[1].values[1], None);
        assert_eq!(t.rows[0].users_cold, 5);
        a.summary.cold_users_tie_decided = 2;
        a.summary.cold_metrics = vec![crate::run::MetricsAtK {
            k: 10,
            values: Default::default(),
        }];
        let text = protocol_text(&a);
        assert!(
            text.contains("5 cold shoppers apart, not in the means"),
            "{text}"
        );
        assert!(text.contains("2 of them partly by tie order"), "{text}");
        assert!(
            text.contains("40.0% of test pairs seen in training"),
            "{text}"
        );
    }
}
