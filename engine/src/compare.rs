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
    /// Index of the best row per column (None when no row has a value).
    pub best: Vec<Option<usize>>,
}

/// One run's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// Run id.
    pub run: String,
    /// Display name.
    pub name: String,
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
    /// Shoppers in the means whose model scores were all equal (ranked by
    /// the tie-break alone).
    #[serde(default)]
    pub users_no_signal: usize,
}

/// Builds the table for `runs` and `columns`.
pub fn compare(runs: &[RunRecord], columns: &[Column]) -> Comparison {
    let rows: Vec<ComparisonRow> = runs
        .iter()
        .map(|r| ComparisonRow {
            run: r.id.clone(),
            name: r.name.clone(),
            values: columns.iter().map(|c| c.value(r)).collect(),
            protocol: protocol_text(r),
            users_cold: r.summary.users_cold,
            cold_protocol: r.summary.cold_protocol.clone(),
            repeat_share: r.summary.repeat_share,
            users_no_signal: r.summary.users_no_signal,
        })
        .collect();
    let best = columns
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            if c.informational() {
                return None;
            }
            rows.iter()
                .enumerate()
                .filter_map(|(ri, row)| row.values[ci].filter(|v| v.is_finite()).map(|v| (ri, v)))
                .reduce(|a, b| {
                    let better = if c.higher_is_better() {
                        b.1 > a.1
                    } else {
                        b.1 < a.1
                    };
                    if better { b } else { a }
                })
                .map(|(ri, _)| ri)
        })
        .collect();
    Comparison {
        columns: columns.iter().map(Column::label).collect(),
        rows,
        best,
    }
}

/// One line on how a run was evaluated, e.g. `full ranking; temporal,
/// test 20%; 192 cold shoppers apart, not in the means; popularity ndcg@10
/// 0.4506; ties by popularity; 0.0% of test pairs seen in training`.
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
        let fig = first
            .map(|m| format!("; {} ndcg@{} {:.4}", s.cold_scored_by, m.k, m.values.ndcg))
            .unwrap_or_default();
        parts.push(format!("{} cold shoppers {how}{fig}", s.users_cold));
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
        let text = protocol_text(&a);
        assert!(
            text.contains("5 cold shoppers apart, not in the means"),
            "{text}"
        );
        assert!(
            text.contains("40.0% of test pairs seen in training"),
            "{text}"
        );
    }
}
