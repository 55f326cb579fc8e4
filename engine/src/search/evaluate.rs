//! Search quality: ranking metrics of the index's BM25 results against graded
//! judgments, and a coordinate search for the field boosts that score best.

use std::collections::BTreeMap;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shoplab_datasets::{CancelToken, Progress};

use super::index::SearchIndex;
use super::judgments::normalise_query;
use super::request::{FieldWeights, SearchRequest};
use crate::error::{Error, Result};
use crate::evaluate::{Latency, latency_of};
use crate::metrics::{MetricSet, Qrels, metrics_at_many};

/// Queries per progress report and cancellation check.
const CHUNK: usize = 256;

/// How to evaluate search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchEvalConfig {
    /// Cut-offs (default 1, 5, 10).
    pub ks: Vec<usize>,
    /// Field boosts of the ranking (default [`FieldWeights::default`]).
    pub weights: FieldWeights,
}

impl Default for SearchEvalConfig {
    fn default() -> Self {
        SearchEvalConfig {
            ks: vec![1, 5, 10],
            weights: FieldWeights::default(),
        }
    }
}

impl SearchEvalConfig {
    fn validate(&self) -> Result<()> {
        if self.ks.is_empty() || self.ks.contains(&0) {
            return Err(Error::invalid(
                "ks",
                format!("{:?}", self.ks),
                "give one or more cut-offs of at least 1, e.g. 1,5,10",
            ));
        }
        self.weights.validate()
    }

    fn max_k(&self) -> usize {
        self.ks.iter().copied().max().unwrap_or(1)
    }
}

/// One judged query's results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryResult {
    /// The query, normalised (lowercase, single spaces).
    pub query: String,
    /// Judged items with gain above 0.
    pub n_relevant: usize,
    /// Metrics at each K, in the order of the config's `ks`.
    pub metrics: Vec<MetricSet>,
}

/// Everything a search evaluation measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchEvalReport {
    /// The configuration evaluated.
    pub config: SearchEvalConfig,
    /// Queries evaluated (with at least one relevant item).
    pub n_queries: usize,
    /// Queries left out because none of their judged items is relevant.
    pub n_skipped: usize,
    /// Mean metrics over evaluated queries, one set per K.
    pub means: Vec<MetricSet>,
    /// Per-query results (for paired tests and drill-down), by query text.
    pub per_query: Vec<QueryResult>,
    /// Per-query ranking latency.
    pub latency: Latency,
}

/// Judgments grouped by normalised query; queries without a relevant item
/// are dropped and counted.
fn group(judgments: &[(String, u32, f64)]) -> (Vec<(String, Qrels)>, usize) {
    let mut by_query: BTreeMap<String, Vec<(u32, f64)>> = BTreeMap::new();
    for (q, item, gain) in judgments {
        by_query
            .entry(normalise_query(q))
            .or_default()
            .push((*item, *gain));
    }
    let mut skipped = 0;
    let mut out = Vec::with_capacity(by_query.len());
    for (q, pairs) in by_query {
        let qrels = Qrels::from_pairs(pairs);
        if qrels.n_relevant() == 0 || q.is_empty() {
            skipped += 1;
        } else {
            out.push((q, qrels));
        }
    }
    (out, skipped)
}

/// The index's top `k` items for `query`; a query with no searchable words
/// ranks nothing (a real miss, not an error).
fn ranked(index: &SearchIndex, query: &str, k: usize, weights: FieldWeights) -> Result<Vec<u32>> {
    let req = SearchRequest {
        k,
        weights,
        facets: false,
        ..SearchRequest::new(query)
    };
    match index.rank(&req) {
        Ok(hits) => Ok(hits.into_iter().map(|(item, _)| item).collect()),
        Err(Error::InvalidParameter { name, .. }) if name == "query" => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

fn mean_of(results: &[QueryResult], n_ks: usize) -> Vec<MetricSet> {
    let mut means = vec![MetricSet::default(); n_ks];
    for r in results {
        for (m, q) in means.iter_mut().zip(&r.metrics) {
            m.add(q);
        }
    }
    for m in &mut means {
        m.scale(results.len() as f64);
    }
    means
}

/// Runs every judged query (one at a time, so latencies are those of a lone
/// request) and scores its top `max(ks)` against the judgments.
pub fn evaluate_search(
    index: &SearchIndex,
    judgments: &[(String, u32, f64)],
    config: &SearchEvalConfig,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<SearchEvalReport> {
    config.validate()?;
    let (queries, n_skipped) = group(judgments);
    if queries.is_empty() {
        return Err(Error::Empty(format!(
            "no judged query has a relevant item ({n_skipped} queries, all with gain 0); \
             import judgments or search events with clicks first"
        )));
    }
    let max_k = config.max_k();
    progress.stage("evaluating search", Some(queries.len() as u64));
    let mut per_query = Vec::with_capacity(queries.len());
    let mut times = Vec::with_capacity(queries.len());
    for (i, (query, qrels)) in queries.into_iter().enumerate() {
        if i.is_multiple_of(CHUNK) && cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let start = Instant::now();
        let list = ranked(index, &query, max_k, config.weights)?;
        times.push(start.elapsed().as_secs_f64() * 1e6);
        per_query.push(QueryResult {
            metrics: metrics_at_many(&list, &qrels, &config.ks),
            n_relevant: qrels.n_relevant(),
            query,
        });
        if (i + 1).is_multiple_of(CHUNK) {
            progress.advance(CHUNK as u64);
        }
    }
    progress.advance((per_query.len() % CHUNK) as u64);
    progress.finish_stage();
    Ok(SearchEvalReport {
        config: config.clone(),
        n_queries: per_query.len(),
        n_skipped,
        means: mean_of(&per_query, config.ks.len()),
        per_query,
        latency: latency_of(times),
    })
}

/// The boosts [`tune_field_weights`] tries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WeightGrid {
    /// Values tried for each field's boost (default 0, 0.5, 1, 2, 4).
    pub values: Vec<f32>,
    /// Passes over the fields (default 2).
    pub rounds: usize,
    /// Boosts to start from (default [`FieldWeights::default`]).
    pub start: FieldWeights,
    /// Cut-off of the NDCG being maximised (default 10).
    pub k: usize,
}

impl Default for WeightGrid {
    fn default() -> Self {
        WeightGrid {
            values: vec![0.0, 0.5, 1.0, 2.0, 4.0],
            rounds: 2,
            start: FieldWeights::default(),
            k: 10,
        }
    }
}

fn with_field(w: FieldWeights, field: usize, value: f32) -> FieldWeights {
    let mut w = w;
    let slot = match field {
        0 => &mut w.title,
        1 => &mut w.description,
        2 => &mut w.brand,
        3 => &mut w.category,
        _ => &mut w.attributes,
    };
    *slot = value;
    w
}

/// Coordinate ascent over field boosts: for each field in turn, tries every
/// grid value with the other boosts fixed and keeps the best mean NDCG@k;
/// repeats for `rounds` passes. Returns every setting tried with its NDCG@k,
/// best first (the first is the one to use).
pub fn tune_field_weights(
    index: &SearchIndex,
    judgments: &[(String, u32, f64)],
    grid: &WeightGrid,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<Vec<(FieldWeights, f64)>> {
    if grid.k == 0 {
        return Err(Error::invalid(
            "k",
            0,
            "the NDCG cut-off must be at least 1",
        ));
    }
    if let Some(v) = grid.values.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
        return Err(Error::invalid("values", v, "boosts must be numbers >= 0"));
    }
    grid.start.validate()?;
    let (queries, n_skipped) = group(judgments);
    if queries.is_empty() {
        return Err(Error::Empty(format!(
            "no judged query has a relevant item ({n_skipped} queries); nothing to tune on"
        )));
    }
    let ndcg = |w: FieldWeights| -> Result<f64> {
        let sum = queries
            .par_iter()
            .map(|(q, qrels)| {
                let list = ranked(index, q, grid.k, w)?;
                Ok(metrics_at_many(&list, qrels, &[grid.k])[0].ndcg)
            })
            .sum::<Result<f64>>()?;
        Ok(sum / queries.len() as f64)
    };
    let n_fields = FieldWeights::default().named().len();
    progress.stage(
        "tuning field weights",
        Some((grid.rounds * n_fields * grid.values.len()) as u64 + 1),
    );
    let mut tried: Vec<(FieldWeights, f64)> = vec![(grid.start, ndcg(grid.start)?)];
    progress.advance(1);
    let mut best = tried[0];
    for _ in 0..grid.rounds {
        for field in 0..n_fields {
            for &v in &grid.values {
                if cancel.is_cancelled() {
                    return Err(Error::Cancelled);
                }
                progress.advance(1);
                let w = with_field(best.0, field, v);
                if w.validate().is_err() || tried.iter().any(|t| t.0 == w) {
                    continue;
                }
                let score = ndcg(w)?;
                tried.push((w, score));
                progress.metric("ndcg", score);
                if score > best.1 {
                    best = (w, score);
                }
            }
        }
    }
    progress.finish_stage();
    // Stable sort keeps the earlier (closer to the start) setting first on ties.
    tried.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(tried)
}

#[cfg(test)]
mod tests {
    use shoplab_datasets::NoProgress;

    use super::*;
    use crate::search::test_catalog::indexed;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn metrics_on_a_tiny_judged_set_match_hand_computation() -> Result<()> {
        let (_dir, index) = indexed()?;
        // "claw hammer": the claw hammer (2) ranks first, the hammer drill (1) second.
        let top = index.rank(&SearchRequest::new("claw hammer"))?;
        assert_eq!(top.iter().map(|h| h.0).collect::<Vec<_>>(), [2, 1]);
        let judgments = vec![
            ("Claw Hammer".to_string(), 1, 1.0),
            ("claw hammer".to_string(), 2, 2.0),
            ("garden hose".to_string(), 7, 3.0),
            ("garden hose".to_string(), 0, 1.0), // relevant but never retrieved
            ("jeans".to_string(), 6, 0.0),       // nothing relevant: skipped
        ];
        let config = SearchEvalConfig {
            ks: vec![1, 2],
            ..SearchEvalConfig::default()
        };
        let report = evaluate_search(
            &index,
            &judgments,
            &config,
            &NoProgress,
            &CancelToken::new(),
        )?;
        assert_eq!(report.n_queries, 2);
        assert_eq!(report.n_skipped, 1);
        let hammer = &report.per_query[0];
        assert_eq!(hammer.query, "claw hammer");
        assert_eq!(hammer.n_relevant, 2);
        assert!(close(hammer.metrics[1].ndcg, 1.0));
        let hose = &report.per_query[1];
        // Ranked [7]: DCG@2 = 3; IDCG@2 = 3 + 1/log2(3).
        let hose_ndcg2 = 3.0 / (3.0 + 1.0 / 3f64.log2());
        assert!(close(hose.metrics[1].ndcg, hose_ndcg2));
        assert!(close(hose.metrics[1].recall, 0.5));
        assert!(close(report.means[1].ndcg, (1.0 + hose_ndcg2) / 2.0));
        assert!(close(report.means[0].precision, 1.0));
        assert!(close(report.means[1].precision, 0.75));
        assert!(report.latency.p99_us >= report.latency.p50_us);
        Ok(())
    }

    #[test]
    fn nothing_relevant_is_an_error_and_bad_ks_are_rejected() -> Result<()> {
        let (_dir, index) = indexed()?;
        let none = [("drill".to_string(), 0, 0.0)];
        let cfg = SearchEvalConfig::default();
        let err = evaluate_search(&index, &none, &cfg, &NoProgress, &CancelToken::new());
        assert!(matches!(err, Err(Error::Empty(_))));
        let bad = SearchEvalConfig { ks: vec![0], ..cfg };
        let j = [("drill".to_string(), 0, 1.0)];
        assert!(evaluate_search(&index, &j, &bad, &NoProgress, &CancelToken::new()).is_err());
        Ok(())
    }

    #[test]
    fn tuning_finds_boosts_that_fit_the_judgments() -> Result<()> {
        let (_dir, index) = indexed()?;
        // Shoppers searching "tools" want the hand tool, only reachable via the category.
        let judgments = vec![
            ("hand tools".to_string(), 2, 1.0),
            ("power drill".to_string(), 0, 1.0),
        ];
        let grid = WeightGrid {
            values: vec![0.0, 1.0, 4.0],
            rounds: 1,
            ..WeightGrid::default()
        };
        let tried =
            tune_field_weights(&index, &judgments, &grid, &NoProgress, &CancelToken::new())?;
        assert!(tried.windows(2).all(|w| w[0].1 >= w[1].1));
        let start = tried.iter().find(|t| t.0 == grid.start).map(|t| t.1);
        assert!(start.is_some_and(|s| tried[0].1 >= s));
        assert!(tried[0].0.category > 0.0);
        Ok(())
    }
}
