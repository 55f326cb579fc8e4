//! Search quality: ranking metrics of the index's BM25 results against graded
//! judgments, and a coordinate search for the field boosts that score best.
//!
//! The protocol, which the TREC export ([`super::export`]) reproduces:
//! - judgments are grouped by normalised query text (lowercase, single
//!   spaces); a query whose text is blank is left out (`n_blank`);
//! - grades become gains by the configured [`Relevance`] (default: relevant
//!   iff grade >= 1, gain = floor(grade), as trec_eval reads such grades);
//! - a query with no relevant item is left out of every mean (`n_skipped`);
//! - every other query is ranked by [`SearchIndex::rank`] (the same order as
//!   `search`: score, then lower item index) to depth max(ks); a query that
//!   finds nothing, or has no searchable word, scores 0 and is counted in the
//!   means (`n_no_hits`);
//! - means are plain averages over the evaluated queries.

use std::collections::BTreeMap;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shoplab_datasets::{CancelToken, Progress};

use super::hybrid::Fusion;
use super::index::SearchIndex;
use super::judgments::normalise_query;
use super::ranker::{RankerKind, Rankers};
use super::relevance::Relevance;
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
    /// Which grades are relevant and their gains (default
    /// [`Relevance::default`]: grade >= 1, gain floor(grade)).
    pub relevance: Relevance,
    /// The ranker evaluated (default BM25).
    pub ranker: RankerKind,
    /// How hybrid fuses (default [`Fusion::default`]; unused by the others).
    pub fusion: Fusion,
    /// Which judged queries are evaluated (default all; `tune` and `held`
    /// are a fixed random half each, for choosing settings on one half and
    /// reporting the other).
    pub queries: QuerySlice,
}

/// A fixed split of the judged queries into two random halves, by a hash of
/// the normalised query text (the same on every machine and run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuerySlice {
    /// Every query.
    #[default]
    All,
    /// The half settings are chosen on.
    Tune,
    /// The other half, reported after choosing.
    Held,
}

impl QuerySlice {
    /// Whether normalised `query` belongs to the slice.
    pub fn contains(self, query: &str) -> bool {
        let tune = xxhash_rust::xxh3::xxh3_64_with_seed(query.as_bytes(), 0x5EED_F00D) & 1 == 0;
        match self {
            QuerySlice::All => true,
            QuerySlice::Tune => tune,
            QuerySlice::Held => !tune,
        }
    }

    /// Parses `all`, `tune` or `held`.
    pub fn parse(text: &str) -> Result<QuerySlice> {
        match text.trim().to_ascii_lowercase().as_str() {
            "all" => Ok(QuerySlice::All),
            "tune" => Ok(QuerySlice::Tune),
            "held" => Ok(QuerySlice::Held),
            _ => Err(Error::invalid("queries", text, "use all, tune or held")),
        }
    }
}

impl Default for SearchEvalConfig {
    fn default() -> Self {
        SearchEvalConfig {
            ks: vec![1, 5, 10],
            weights: FieldWeights::default(),
            relevance: Relevance::default(),
            ranker: RankerKind::default(),
            fusion: Fusion::default(),
            queries: QuerySlice::default(),
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
        self.relevance.validate()?;
        self.fusion.validate()?;
        self.weights.validate()
    }

    fn max_k(&self) -> usize {
        self.ks.iter().copied().max().unwrap_or(1)
    }
}

/// One judged query's results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryResult {
    /// The query's id in TREC exports (`q1`, `q2`, … over the judged
    /// queries in text order, evaluated or not).
    #[serde(default)]
    pub qid: String,
    /// The query, normalised (lowercase, single spaces).
    pub query: String,
    /// Judged items that are relevant (gain above 0).
    pub n_relevant: usize,
    /// Metrics at each K, in the order of the config's `ks`.
    pub metrics: Vec<MetricSet>,
    /// The ranked item indices, best first (at most max(ks)).
    #[serde(default)]
    pub items: Vec<u32>,
    /// Their BM25 scores.
    #[serde(default)]
    pub scores: Vec<f32>,
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
    /// Judged queries left out because their text is blank.
    #[serde(default)]
    pub n_blank: usize,
    /// Evaluated queries that found nothing (scored 0, counted in the means).
    #[serde(default)]
    pub n_no_hits: usize,
    /// Mean metrics over evaluated queries, one set per K.
    pub means: Vec<MetricSet>,
    /// Per-query results (for paired tests and drill-down), by query text.
    pub per_query: Vec<QueryResult>,
    /// Per-query ranking latency (dense and hybrid: after the query is
    /// encoded; see `query_encoding`).
    pub latency: Latency,
    /// Dense and hybrid: latency of encoding one query alone (a sample of
    /// the queries), to add to `latency` for a search's total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_encoding: Option<Latency>,
}

/// One judged query: its TREC id, normalised text and judgments as gains.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JudgedQuery {
    /// `q1`, `q2`, … in text order.
    pub qid: String,
    /// Normalised text.
    pub query: String,
    /// Every judged item with its gain under the relevance setting.
    pub qrels: Qrels,
}

/// Judgments grouped by normalised query, in text order, with gains from
/// `relevance`; the second value counts blank queries (left out).
pub(crate) fn group(
    judgments: &[(String, u32, f64)],
    relevance: &Relevance,
) -> (Vec<JudgedQuery>, usize) {
    let mut by_query: BTreeMap<String, Vec<(u32, f64)>> = BTreeMap::new();
    for (q, item, grade) in judgments {
        by_query
            .entry(normalise_query(q))
            .or_default()
            .push((*item, relevance.gain(*grade)));
    }
    let n_blank = usize::from(by_query.remove("").is_some());
    let queries = by_query
        .into_iter()
        .enumerate()
        .map(|(i, (query, pairs))| JudgedQuery {
            qid: format!("q{}", i + 1),
            query,
            // Gains rise with grades, so keeping an item's highest gain keeps
            // its highest grade's gain.
            qrels: Qrels::from_pairs(pairs),
        })
        .collect();
    (queries, n_blank)
}

/// The judged queries with a relevant item in `slice`, and how many had none.
fn evaluable_in(queries: Vec<JudgedQuery>, slice: QuerySlice) -> (Vec<JudgedQuery>, usize) {
    evaluable(
        queries
            .into_iter()
            .filter(|q| slice.contains(&q.query))
            .collect(),
    )
}

/// The judged queries with a relevant item, and how many had none.
fn evaluable(queries: Vec<JudgedQuery>) -> (Vec<JudgedQuery>, usize) {
    let n = queries.len();
    let kept: Vec<JudgedQuery> = queries
        .into_iter()
        .filter(|q| q.qrels.n_relevant() > 0)
        .collect();
    let skipped = n - kept.len();
    (kept, skipped)
}

/// The index's top `k` `(item, score)` for `query`, in the order `search`
/// shows them; a query with no searchable words ranks nothing (a real miss,
/// not an error).
fn ranked(
    index: &SearchIndex,
    query: &str,
    k: usize,
    weights: FieldWeights,
) -> Result<Vec<(u32, f32)>> {
    let req = SearchRequest {
        k,
        weights,
        facets: false,
        ..SearchRequest::new(query)
    };
    match index.rank(&req) {
        Ok(hits) => Ok(hits),
        Err(Error::InvalidParameter { name, .. }) if name == "query" => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

fn items_of(hits: &[(u32, f32)]) -> Vec<u32> {
    hits.iter().map(|h| h.0).collect()
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

/// Runs every judged query by BM25 (one at a time, so latencies are those
/// of a lone request) and scores its top `max(ks)` against the judgments.
pub fn evaluate_search(
    index: &SearchIndex,
    judgments: &[(String, u32, f64)],
    config: &SearchEvalConfig,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<SearchEvalReport> {
    let config = SearchEvalConfig {
        ranker: RankerKind::Bm25,
        ..config.clone()
    };
    evaluate_ranked(judgments, &config, progress, cancel, &|q: &str, k| {
        ranked(index, q, k, config.weights)
    })
}

/// Evaluates `config.ranker` of `rankers` on the same queries, judgments and
/// relevance setting as [`evaluate_search`] (so per-query values pair up by
/// query across rankers). Dense, hybrid and learned encode the queries
/// first in batches; their latency is that of ranking an encoded query, and
/// `query_encoding` that of encoding one alone.
pub fn evaluate_rankers(
    rankers: &Rankers,
    judgments: &[(String, u32, f64)],
    config: &SearchEvalConfig,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<SearchEvalReport> {
    let mut reports = evaluate_many(
        rankers,
        judgments,
        std::slice::from_ref(config),
        progress,
        cancel,
    )?;
    reports
        .pop()
        .ok_or_else(|| Error::Empty("nothing evaluated".into()))
}

/// [`evaluate_rankers`] for several configurations on the same queries
/// (they must share the query slice), encoding the queries once.
pub fn evaluate_many(
    rankers: &Rankers,
    judgments: &[(String, u32, f64)],
    configs: &[SearchEvalConfig],
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<Vec<SearchEvalReport>> {
    let Some(first) = configs.first() else {
        return Ok(Vec::new());
    };
    if configs.iter().any(|c| c.queries != first.queries) {
        return Err(Error::invalid(
            "queries",
            "mixed",
            "evaluate rankers together only on the same queries",
        ));
    }
    for c in configs {
        c.validate()?;
    }
    let encoded = if configs.iter().any(|c| c.ranker.needs_embeddings()) {
        Some(rankers.encode_queries(&in_slice(judgments, first.queries), 200, progress, cancel)?)
    } else {
        None
    };
    let mut out = Vec::with_capacity(configs.len());
    for config in configs {
        let report = match (&encoded, config.ranker) {
            (Some((vectors, encoding)), kind) if kind.needs_embeddings() => {
                let rank = |q: &str, k: usize| {
                    let req = SearchRequest {
                        k,
                        weights: config.weights,
                        facets: false,
                        ..SearchRequest::new(q)
                    };
                    rankers.rank_with(
                        kind,
                        &config.fusion,
                        &req,
                        vectors.get(q).map(Vec::as_slice),
                    )
                };
                let mut report = evaluate_ranked(judgments, config, progress, cancel, &rank)?;
                report.query_encoding = Some(encoding.clone());
                report
            }
            _ => evaluate_search(&rankers.bm25, judgments, config, progress, cancel)?,
        };
        out.push(report);
    }
    Ok(out)
}

/// The evaluated queries of `config` (its slice, with a relevant item),
/// the number without a relevant item, and the number of blank ones.
pub(crate) fn judged_queries(
    judgments: &[(String, u32, f64)],
    config: &SearchEvalConfig,
) -> Result<(Vec<JudgedQuery>, usize, usize)> {
    config.validate()?;
    let (judged, n_blank) = group(judgments, &config.relevance);
    let (queries, n_skipped) = evaluable_in(judged, config.queries);
    if queries.is_empty() {
        return Err(Error::Empty(format!(
            "no judged query has a relevant item ({n_skipped} queries, none with a grade that \
             counts as relevant under '{}'); lower the threshold (--min-grade), or import \
             judgments or search events with clicks first",
            config.relevance.describe()
        )));
    }
    Ok((queries, n_skipped, n_blank))
}

/// The judgments whose normalised query is in `slice` (only those are encoded).
pub(crate) fn in_slice(
    judgments: &[(String, u32, f64)],
    slice: QuerySlice,
) -> Vec<(String, u32, f64)> {
    judgments
        .iter()
        .filter(|j| slice.contains(&normalise_query(&j.0)))
        .cloned()
        .collect()
}

/// Mean NDCG at max(ks) of hybrid search under each of `fusions`, on the
/// queries of `config` (its slice): each query's BM25 and dense candidates
/// are computed once and fused every way. Best first.
pub fn tune_fusion(
    rankers: &Rankers,
    judgments: &[(String, u32, f64)],
    config: &SearchEvalConfig,
    fusions: &[Fusion],
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<Vec<(Fusion, f64)>> {
    for f in fusions {
        f.validate()?;
    }
    let (queries, _, _) = judged_queries(judgments, config)?;
    let (vectors, _) =
        rankers.encode_queries(&in_slice(judgments, config.queries), 0, progress, cancel)?;
    let max_k = config.max_k();
    let mut sums = vec![0f64; fusions.len()];
    progress.stage("fusing candidates", Some(queries.len() as u64));
    for (i, q) in queries.iter().enumerate() {
        if i.is_multiple_of(CHUNK) && cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let depth = max_k.max(super::hybrid::CANDIDATES);
        let c = rankers.candidates_of_judged(&q.query, config.weights, &vectors, depth)?;
        for (sum, f) in sums.iter_mut().zip(fusions) {
            let items = items_of(&c.fuse(f, max_k));
            *sum += crate::metrics::metrics_at_many(&items, &q.qrels, &[max_k])[0].ndcg;
        }
        progress.advance(1);
    }
    progress.finish_stage();
    let mut out: Vec<(Fusion, f64)> = fusions
        .iter()
        .zip(sums)
        .map(|(f, s)| (*f, s / queries.len() as f64))
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(out)
}

/// The fusions [`tune_fusion`] tries by default: RRF with k = 60 and the
/// weighted sum with alpha = 0, 0.1, ..., 1.
pub fn fusion_grid() -> Vec<Fusion> {
    let mut grid = vec![Fusion::Rrf {
        k: super::hybrid::RRF_K,
    }];
    grid.extend((0..=10).map(|i| Fusion::Weighted {
        alpha: i as f32 / 10.0,
    }));
    grid
}

/// Paired test of `b` against `a` on NDCG at the largest cut-off, per query
/// (both must have evaluated the same queries, as two rankers on the same
/// judgments and relevance setting do).
pub fn paired_ndcg(
    a: &SearchEvalReport,
    b: &SearchEvalReport,
    config: &crate::significance::PairedConfig,
) -> Result<crate::significance::PairedTest> {
    let at = |r: &SearchEvalReport| -> Result<BTreeMap<String, f64>> {
        let k = r
            .config
            .ks
            .iter()
            .position(|&k| k == r.config.max_k())
            .unwrap_or(0);
        Ok(r.per_query
            .iter()
            .map(|q| (q.query.clone(), q.metrics.get(k).map_or(0.0, |m| m.ndcg)))
            .collect())
    };
    let (ma, mb) = (at(a)?, at(b)?);
    if ma.len() != mb.len() || !ma.keys().eq(mb.keys()) || a.config.max_k() != b.config.max_k() {
        return Err(Error::invalid(
            "paired evaluation",
            format!("{} vs {} queries", ma.len(), mb.len()),
            "the two evaluations must cover the same queries with the same cut-offs",
        ));
    }
    let va: Vec<f64> = ma.values().copied().collect();
    let vb: Vec<f64> = mb.values().copied().collect();
    crate::significance::paired_test(&va, &vb, config)
}

/// A ranker as evaluation calls it: a normalised query and a depth to its
/// ranked `(item, score)`.
type RankFn<'a> = dyn Fn(&str, usize) -> Result<Vec<(u32, f32)>> + 'a;

/// The evaluation loop shared by every ranker: `rank(query, k)` gives a
/// normalised query's top `k`.
fn evaluate_ranked(
    judgments: &[(String, u32, f64)],
    config: &SearchEvalConfig,
    progress: &dyn Progress,
    cancel: &CancelToken,
    rank: &RankFn<'_>,
) -> Result<SearchEvalReport> {
    let (queries, n_skipped, n_blank) = judged_queries(judgments, config)?;
    let max_k = config.max_k();
    progress.stage("evaluating search", Some(queries.len() as u64));
    let mut per_query = Vec::with_capacity(queries.len());
    let mut times = Vec::with_capacity(queries.len());
    for (i, q) in queries.into_iter().enumerate() {
        if i.is_multiple_of(CHUNK) && cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let start = Instant::now();
        let hits = rank(&q.query, max_k)?;
        times.push(start.elapsed().as_secs_f64() * 1e6);
        let items = items_of(&hits);
        per_query.push(QueryResult {
            metrics: metrics_at_many(&items, &q.qrels, &config.ks),
            n_relevant: q.qrels.n_relevant(),
            qid: q.qid,
            query: q.query,
            scores: hits.iter().map(|h| h.1).collect(),
            items,
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
        n_blank,
        n_no_hits: per_query.iter().filter(|q| q.items.is_empty()).count(),
        means: mean_of(&per_query, config.ks.len()),
        per_query,
        latency: latency_of(times),
        query_encoding: None,
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
    /// Relevance threshold and gains of that NDCG (default
    /// [`Relevance::default`], as in [`SearchEvalConfig`]).
    pub relevance: Relevance,
}

impl Default for WeightGrid {
    fn default() -> Self {
        WeightGrid {
            values: vec![0.0, 0.5, 1.0, 2.0, 4.0],
            rounds: 2,
            start: FieldWeights::default(),
            k: 10,
            relevance: Relevance::default(),
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
    grid.relevance.validate()?;
    let (judged, _) = group(judgments, &grid.relevance);
    let (queries, n_skipped) = evaluable(judged);
    if queries.is_empty() {
        return Err(Error::Empty(format!(
            "no judged query has a relevant item ({n_skipped} queries); nothing to tune on"
        )));
    }
    let ndcg = |w: FieldWeights| -> Result<f64> {
        let sum = queries
            .par_iter()
            .map(|q| {
                let list = items_of(&ranked(index, &q.query, grid.k, w)?);
                Ok(metrics_at_many(&list, &q.qrels, &[grid.k])[0].ndcg)
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
    use crate::search::relevance::GainMapping;
    use crate::search::test_catalog::{indexed, indexed_pairs, washers};

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
    fn search_and_evaluation_rank_tied_hits_alike_lower_item_first() -> Result<()> {
        let catalog = washers();
        // Documents in reverse item order: the index's own tie order (by
        // document) is then the opposite of the documented rule.
        let (_dir, index) = indexed_pairs(
            catalog
                .iter()
                .enumerate()
                .rev()
                .map(|(i, it)| (i as u32, it)),
        )?;
        let query = "1/2 washers";
        let all = index.search(&SearchRequest {
            k: 40,
            ..SearchRequest::new(query)
        })?;
        assert_eq!(all.hits.len(), 40);
        for w in all.hits.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            assert!(
                a.score > b.score || (a.score == b.score && a.item < b.item),
                "{} ({}) before {} ({})",
                a.item,
                a.score,
                b.item,
                b.score
            );
        }
        let top = index.search(&SearchRequest::new(query))?;
        assert_eq!(top.hits, all.hits[..10]);
        assert!(
            top.hits.windows(2).any(|w| w[0].score == w[1].score),
            "the fixture must tie in the top 10"
        );
        // Paging continues the same order.
        let page2 = index.search(&SearchRequest {
            offset: 10,
            ..SearchRequest::new(query)
        })?;
        assert_eq!(page2.hits, all.hits[10..20]);

        let judgments: Vec<(String, u32, f64)> = (0..40)
            .map(|i| ("1/2 Washers".to_string(), i, 1.0))
            .collect();
        let config = SearchEvalConfig {
            ks: vec![5, 10],
            ..SearchEvalConfig::default()
        };
        let report = evaluate_search(
            &index,
            &judgments,
            &config,
            &NoProgress,
            &CancelToken::new(),
        )?;
        let q = &report.per_query[0];
        assert_eq!(q.query, query);
        let shown: Vec<u32> = top.hits.iter().map(|h| h.item).collect();
        assert_eq!(q.items, shown);
        let scores: Vec<f32> = top.hits.iter().map(|h| h.score).collect();
        assert_eq!(q.scores, scores);
        Ok(())
    }

    #[test]
    fn relevance_threshold_and_gain_are_options_recorded_with_the_result() -> Result<()> {
        let (_dir, index) = indexed()?;
        // "claw hammer" ranks [2, 1]; item 1 is the better match by the grades.
        let judgments = vec![
            ("claw hammer".to_string(), 1, 1.67),
            ("claw hammer".to_string(), 2, 0.67),
            ("garden hose".to_string(), 7, 0.33), // relevant only when any grade > 0 is
        ];
        let run = |min_grade: f64, gain: GainMapping| {
            let config = SearchEvalConfig {
                ks: vec![2],
                relevance: Relevance { min_grade, gain },
                ..SearchEvalConfig::default()
            };
            evaluate_search(
                &index,
                &judgments,
                &config,
                &NoProgress,
                &CancelToken::new(),
            )
        };
        let log2_3 = 3f64.log2();

        // Default (trec_eval): relevant iff grade >= 1, gain floor(grade).
        let default = evaluate_search(
            &index,
            &judgments,
            &SearchEvalConfig {
                ks: vec![2],
                ..SearchEvalConfig::default()
            },
            &NoProgress,
            &CancelToken::new(),
        )?;
        assert_eq!((default.n_queries, default.n_skipped), (1, 1));
        let m = default.means[0];
        assert!(close(m.ndcg, 1.0 / log2_3), "{m:?}");
        assert!(close(m.precision, 0.5));
        assert!(close(m.mrr, 0.5));
        let json = serde_json::to_value(&default).unwrap_or_default();
        assert_eq!(json["config"]["relevance"]["min_grade"], 1.0);
        assert_eq!(json["config"]["relevance"]["gain"], "floor");

        // ShopLab's former rule: any grade above 0, fractional gains.
        let any = run(0.0, GainMapping::Grade)?;
        assert_eq!((any.n_queries, any.n_skipped), (2, 0));
        let hammer = &any.per_query[0].metrics[0];
        let ndcg = (0.67 + 1.67 / log2_3) / (1.67 + 0.67 / log2_3);
        assert!(close(hammer.ndcg, ndcg), "{hammer:?}");
        assert!(close(hammer.precision, 1.0));

        // Binary gains above a threshold.
        let binary = run(0.5, GainMapping::Binary)?;
        assert!(close(binary.per_query[0].metrics[0].ndcg, 1.0));
        let strict = run(1.5, GainMapping::Binary)?;
        assert!(close(strict.means[0].ndcg, 1.0 / log2_3));

        // A threshold the gain mapping cannot honour is refused.
        assert!(run(0.5, GainMapping::Floor).is_err());
        // Nothing relevant under the setting: a clear error naming it.
        let err = run(2.0, GainMapping::Floor).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("grade >= 2") && e.contains("--min-grade")));
        Ok(())
    }

    #[test]
    fn queries_that_find_nothing_score_zero_and_count() -> Result<()> {
        let (_dir, index) = indexed()?;
        let judgments = vec![
            ("garden hose".to_string(), 7, 2.0),
            ("?!--".to_string(), 7, 2.0),     // no searchable word
            ("zeppelin".to_string(), 0, 1.0), // nothing matches
            ("   ".to_string(), 1, 1.0),      // blank: left out
        ];
        let report = evaluate_search(
            &index,
            &judgments,
            &SearchEvalConfig::default(),
            &NoProgress,
            &CancelToken::new(),
        )?;
        assert_eq!(report.n_queries, 3);
        assert_eq!(report.n_no_hits, 2);
        assert_eq!(report.n_blank, 1);
        assert!(close(report.means[2].ndcg, 1.0 / 3.0));
        let qids: Vec<&str> = report.per_query.iter().map(|q| q.qid.as_str()).collect();
        assert_eq!(qids, ["q1", "q2", "q3"]);
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
