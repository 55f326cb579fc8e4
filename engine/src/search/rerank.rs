//! The learned search re-ranker: BM25 and dense search propose candidates
//! (the union of each one's top `depth`), and a linear model over features
//! of each candidate orders them.
//!
//! Features: BM25's score (over the query's best) and reciprocal rank, the
//! dense cosine (raw and min-max normalised over the candidates) and its
//! reciprocal rank, whether both rankers proposed the item, their product,
//! the share of the query's words (stemmed as the index stems them) found
//! in the title, brand and category path, whether the title holds all of
//! them, and the title's length.
//!
//! Training is pairwise logistic regression (RankNet with a linear scorer):
//! for every judged query of the training half, each pair of candidates
//! with different gains gives the feature difference, labelled by which is
//! better (both orientations, so no intercept is learned). Candidates that
//! are not judged count as gain 0, as evaluation counts them; at most
//! `negatives` of them per query, picked by a seeded hash, keep the pairs
//! balanced. The model is fitted on one half of the judged queries and
//! reported on the other ([`QuerySlice`]), so it is never scored on the
//! queries it learned from.

use std::collections::HashSet;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use shoplab_datasets::{CancelToken, Item, Progress};
use tantivy::tokenizer::TextAnalyzer;

use super::dense::sort_ranked;
use super::evaluate::{QuerySlice, SearchEvalConfig, in_slice, judged_queries};
use super::ranker::{Candidates, Rankers};
use super::relevance::Relevance;
use super::request::FieldWeights;
use super::tokenizer::{analyzer, terms};
use crate::error::{Error, Result};
use crate::logistic::{LogisticModel, fit_logistic};
use crate::metrics::Qrels;

/// The file a project keeps its re-ranker in.
pub const RERANKER_FILE: &str = "reranker.json";

/// Format version of [`Reranker`] files.
const VERSION: u32 = 1;

/// The features, in the order of each row.
pub const FEATURES: [&str; 12] = [
    "bm25 score",
    "bm25 reciprocal rank",
    "dense cosine",
    "dense normalised",
    "dense reciprocal rank",
    "in both lists",
    "bm25 x dense",
    "query words in title",
    "all query words in title",
    "query words in brand",
    "query words in category",
    "title length",
];

/// How the re-ranker is trained; the defaults are what `shoplab
/// train-reranker` uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RerankParams {
    /// Candidates taken from each of BM25 and dense search (default 100).
    pub depth: usize,
    /// Unjudged candidates per query paired with its judged ones (default 30).
    pub negatives: usize,
    /// L2 penalty on the standardised weights (default 1.0).
    pub l2: f64,
    /// Seed of the choice of unjudged candidates (default 2020).
    pub seed: u64,
}

impl Default for RerankParams {
    fn default() -> Self {
        RerankParams {
            depth: 100,
            negatives: 30,
            l2: 1.0,
            seed: 2020,
        }
    }
}

impl RerankParams {
    /// Checks the numbers.
    pub fn validate(&self) -> Result<()> {
        if !(1..=1000).contains(&self.depth) {
            return Err(Error::invalid(
                "depth",
                self.depth,
                "give the candidates per ranker as a number from 1 to 1000 (100 is usual)",
            ));
        }
        if self.negatives == 0 {
            return Err(Error::invalid(
                "negatives",
                self.negatives,
                "give at least 1 unjudged candidate per query",
            ));
        }
        if !(self.l2.is_finite() && self.l2 > 0.0) {
            return Err(Error::invalid(
                "l2",
                self.l2,
                "give a penalty above 0 (1 is usual)",
            ));
        }
        Ok(())
    }
}

/// What the re-ranker was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RerankTraining {
    /// The judged queries it learned from (always a half, never `all`).
    pub queries: QuerySlice,
    /// Queries with a relevant item in that half.
    pub n_queries: usize,
    /// Ordered candidate pairs it was fitted on (before mirroring).
    pub n_pairs: usize,
    /// The relevance setting that turned grades into gains.
    pub relevance: Relevance,
    /// The BM25 field boosts of the candidates.
    pub weights: FieldWeights,
    /// The training parameters.
    pub params: RerankParams,
    /// Seconds to gather candidates and fit (query encoding included).
    pub seconds: f64,
    /// When it was trained (RFC 3339).
    pub trained_at: String,
}

/// A trained re-ranker, as saved in `reranker.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reranker {
    /// File format version.
    pub version: u32,
    /// Fingerprint of the sentence encoder whose vectors it was trained with.
    pub encoder: String,
    /// The scorer: weights per standardised feature ([`FEATURES`]).
    pub model: LogisticModel,
    /// How it was trained.
    pub training: RerankTraining,
}

impl Reranker {
    /// Candidates taken from each ranker.
    pub fn depth(&self) -> usize {
        self.training.params.depth
    }

    /// Reads a saved re-ranker; `None` when there is no file. `encoder` is
    /// the fingerprint of the encoder in use: a re-ranker trained on other
    /// vectors is refused with what to do.
    pub fn load(path: &std::path::Path, encoder: &str) -> Result<Option<Reranker>> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("cannot read", path, e)),
        };
        let retrain = |why: String| {
            Error::invalid(
                "re-ranker",
                path.display(),
                format!("{why}; train it again (`shoplab train-reranker`)"),
            )
        };
        let r: Reranker =
            serde_json::from_str(&text).map_err(|e| retrain(format!("it cannot be read ({e})")))?;
        if r.version != VERSION {
            return Err(retrain(format!(
                "it is format version {}, this ShopLab reads version {VERSION}",
                r.version
            )));
        }
        r.check().map_err(retrain)?;
        r.training.params.validate()?;
        r.training.weights.validate()?;
        if r.encoder != encoder {
            return Err(Error::invalid(
                "re-ranker",
                path.display(),
                "it was trained with another text encoder's vectors; train it again \
                 (`shoplab train-reranker`) with the encoder in use",
            ));
        }
        Ok(Some(r))
    }

    /// What is wrong with the model's numbers, if anything: feature names
    /// and order, array lengths, finite values, positive deviations.
    fn check(&self) -> std::result::Result<(), String> {
        let m = &self.model;
        let d = FEATURES.len();
        if m.features.len() != d || m.features.iter().zip(FEATURES).any(|(a, b)| a != b) {
            return Err(format!(
                "`model.features` must be these {d}, in order: {}",
                FEATURES.join(", ")
            ));
        }
        for (field, values, want) in [
            ("model.coef", &m.coef, d + 1),
            ("model.mean", &m.mean, d),
            ("model.sd", &m.sd, d),
        ] {
            if values.len() != want {
                return Err(format!(
                    "`{field}` has {} values, {want} expected",
                    values.len()
                ));
            }
            if let Some(v) = values.iter().find(|v| !v.is_finite()) {
                return Err(format!("`{field}` holds {v}, not a finite number"));
            }
        }
        if let Some(s) = m.sd.iter().find(|s| **s <= 0.0) {
            return Err(format!("`model.sd` holds {s}; deviations must be above 0"));
        }
        // Scores must stay finite: the largest possible |logit| is bounded
        // by the weights times the standardised range of the features.
        if m.coef.iter().any(|c| c.abs() > 1e6) {
            return Err("`model.coef` holds a weight beyond ±1e6".into());
        }
        Ok(())
    }

    /// The candidates of `c` ordered by the model, best first (ties: lower
    /// item first); `query` is the normalised query text.
    pub fn rank(&self, c: &Candidates, query: &str, items: &[Item]) -> Vec<(u32, f32)> {
        let mut analyzer = analyzer();
        let rows = features(c, query, items, &mut analyzer);
        let mut out: Vec<(u32, f32)> = rows
            .items
            .iter()
            .zip(rows.x.chunks(FEATURES.len()))
            .map(|(&i, row)| (i, self.model.logit(row) as f32))
            .collect();
        sort_ranked(&mut out);
        out
    }
}

/// One query's candidates and their feature rows.
struct Rows {
    items: Vec<u32>,
    x: Vec<f32>,
}

/// Distinct terms of `text` as the index analyses it.
fn term_set(analyzer: &mut TextAnalyzer, text: &str) -> HashSet<String> {
    terms(analyzer, text).into_iter().collect()
}

/// Share of `query` terms found in `field` (0 for a query without terms).
fn cover(query: &[String], field: &HashSet<String>) -> f32 {
    if query.is_empty() {
        return 0.0;
    }
    query.iter().filter(|t| field.contains(*t)).count() as f32 / query.len() as f32
}

/// The union of both candidate lists (ascending item) and each one's features.
fn features(c: &Candidates, query: &str, items: &[Item], analyzer: &mut TextAnalyzer) -> Rows {
    let mut q: Vec<String> = terms(analyzer, query);
    q.sort_unstable();
    q.dedup();
    let mut union: Vec<u32> = c.bm25.iter().chain(&c.dense).map(|h| h.0).collect();
    union.sort_unstable();
    union.dedup();
    let rank_in = |list: &[(u32, f32)]| -> std::collections::HashMap<u32, (usize, f32)> {
        list.iter()
            .enumerate()
            .map(|(r, &(i, s))| (i, (r, s)))
            .collect()
    };
    let (bm25, dense) = (rank_in(&c.bm25), rank_in(&c.dense));
    let best = c.bm25.iter().map(|h| h.1).fold(0.0f32, f32::max);
    let cosine: Vec<f32> = union
        .iter()
        .map(|i| {
            dense
                .get(i)
                .map(|d| d.1)
                .or_else(|| c.dense_of_bm25.get(i).copied())
                .unwrap_or(0.0)
        })
        .collect();
    let lo = cosine.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = cosine.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let span = hi - lo;
    let mut x = Vec::with_capacity(union.len() * FEATURES.len());
    for (j, &i) in union.iter().enumerate() {
        let b = bm25.get(&i);
        let d = dense.get(&i);
        let b_score = match b {
            Some(&(_, s)) if best > 0.0 && s.is_finite() => (s / best).max(0.0),
            _ => 0.0,
        };
        let d_norm = if span.is_finite() && span > 0.0 {
            (cosine[j] - lo) / span
        } else {
            0.0
        };
        let rr = |r: Option<&(usize, f32)>| r.map_or(0.0, |&(r, _)| 1.0 / (r as f32 + 1.0));
        let (title, brand, category) = match items.get(i as usize) {
            Some(it) => (
                terms(analyzer, &it.title),
                term_set(analyzer, &it.brand),
                term_set(analyzer, &it.category.join(" ")),
            ),
            None => Default::default(),
        };
        let title_len = title.len();
        let title: HashSet<String> = title.into_iter().collect();
        let in_title = cover(&q, &title);
        x.extend([
            b_score,
            rr(b),
            cosine[j],
            d_norm,
            rr(d),
            f32::from(u8::from(b.is_some() && d.is_some())),
            b_score * d_norm,
            in_title,
            f32::from(u8::from(!q.is_empty() && in_title >= 1.0)),
            cover(&q, &brand),
            cover(&q, &category),
            (title_len as f32).ln_1p(),
        ]);
    }
    Rows { items: union, x }
}

/// A hash in `0..u64::MAX` of (seed, query, item): which unjudged candidates
/// a query pairs with, the same on every machine.
fn pick(seed: u64, query: &str, item: u32) -> u64 {
    let mut bytes = query.as_bytes().to_vec();
    bytes.extend(item.to_le_bytes());
    xxhash_rust::xxh3::xxh3_64_with_seed(&bytes, seed)
}

/// The training pairs of one query: feature differences (better minus
/// worse), for every pair of candidates with different gains, unjudged
/// candidates limited to `negatives`.
fn pairs_of(rows: &Rows, qrels: &Qrels, query: &str, params: &RerankParams) -> Vec<f32> {
    let d = FEATURES.len();
    let gains: Vec<f64> = rows.items.iter().map(|&i| qrels.gain(i)).collect();
    let judged: HashSet<u32> = qrels.items().iter().copied().collect();
    let mut unjudged: Vec<(u64, usize)> = rows
        .items
        .iter()
        .enumerate()
        .filter(|(_, i)| !judged.contains(i))
        .map(|(j, &i)| (pick(params.seed, query, i), j))
        .collect();
    unjudged.sort_unstable();
    let mut keep: Vec<usize> = (0..rows.items.len())
        .filter(|&j| judged.contains(&rows.items[j]))
        .collect();
    keep.extend(unjudged.iter().take(params.negatives).map(|p| p.1));
    let mut out = Vec::new();
    for &a in &keep {
        for &b in &keep {
            if gains[a] > gains[b] {
                let (ra, rb) = (&rows.x[a * d..(a + 1) * d], &rows.x[b * d..(b + 1) * d]);
                out.extend(ra.iter().zip(rb).map(|(p, q)| p - q));
            }
        }
    }
    out
}

/// Checks a training request before any work: the parameters, and that it
/// learns from one half of the queries only.
pub fn check(config: &SearchEvalConfig, params: &RerankParams) -> Result<()> {
    params.validate()?;
    if config.queries == QuerySlice::All {
        return Err(Error::invalid(
            "queries",
            "all",
            "train on one half (tune) so the other (held) is left to measure the re-ranker on",
        ));
    }
    Ok(())
}

/// Trains a re-ranker on the judged queries of `config.queries` (`tune` or
/// `held`; `all` is refused, so a half is always left to report on), with
/// candidates from `rankers` under `config.weights` and gains from
/// `config.relevance`.
pub fn train(
    rankers: &Rankers,
    judgments: &[(String, u32, f64)],
    config: &SearchEvalConfig,
    params: &RerankParams,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<Reranker> {
    check(config, params)?;
    let start = Instant::now();
    let parts = rankers.dense.as_ref().ok_or_else(|| {
        Error::Empty(
            "the re-ranker needs item embeddings: build them first (`shoplab embed`, or \
             Build embeddings in the Search view)"
                .into(),
        )
    })?;
    let (queries, _, _) = judged_queries(judgments, config)?;
    let (vectors, _) =
        rankers.encode_queries(&in_slice(judgments, config.queries), 0, progress, cancel)?;
    progress.stage("gathering candidates", Some(queries.len() as u64));
    let mut analyzer = analyzer();
    let mut diffs = Vec::new();
    for (n, q) in queries.iter().enumerate() {
        if n % 64 == 0 && cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let c = rankers.candidates_of_judged(&q.query, config.weights, &vectors, params.depth)?;
        let rows = features(&c, &q.query, &parts.items, &mut analyzer);
        diffs.extend(pairs_of(&rows, &q.qrels, &q.query, params));
        progress.advance(1);
    }
    progress.finish_stage();
    let d = FEATURES.len();
    let n_pairs = diffs.len() / d;
    if n_pairs == 0 {
        return Err(Error::Empty(
            "no judged query has candidates with different gains to learn from; judge more \
             results (or import judgments) first"
                .into(),
        ));
    }
    progress.stage("fitting the re-ranker", None);
    // Each pair both ways: the fitted intercept is then 0 and the model
    // is antisymmetric, as a pairwise preference must be.
    let mut x = Vec::with_capacity(diffs.len() * 2);
    x.extend_from_slice(&diffs);
    x.extend(diffs.iter().map(|v| -v));
    let mut y = vec![true; n_pairs];
    y.extend(std::iter::repeat_n(false, n_pairs));
    let names = FEATURES.iter().map(|s| s.to_string()).collect();
    let model = fit_logistic(&x, &y, d, params.l2, names, "the search re-ranker")?;
    progress.finish_stage();
    let reranker = Reranker {
        version: VERSION,
        encoder: parts.encoder.fingerprint().to_string(),
        model,
        training: RerankTraining {
            queries: config.queries,
            n_queries: queries.len(),
            n_pairs,
            relevance: config.relevance,
            weights: config.weights,
            params: params.clone(),
            seconds: start.elapsed().as_secs_f64(),
            trained_at: chrono::Utc::now().to_rfc3339(),
        },
    };
    reranker.check().map_err(|why| {
        Error::invalid(
            "l2",
            params.l2,
            format!("the fitted re-ranker is unusable ({why}); raise l2"),
        )
    })?;
    Ok(reranker)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(title: &str, brand: &str, category: &[&str]) -> Item {
        Item {
            id: title.into(),
            title: title.into(),
            brand: brand.into(),
            category: category.iter().map(|s| s.to_string()).collect(),
            ..Item::default()
        }
    }

    fn candidates() -> Candidates {
        Candidates {
            bm25: vec![(0, 10.0), (1, 5.0)],
            dense: vec![(2, 0.9), (0, 0.5)],
            dense_of_bm25: [(0, 0.5), (1, 0.1)].into_iter().collect(),
        }
    }

    fn catalog() -> Vec<Item> {
        vec![
            item("Cordless Drill 18V", "Ryobi", &["Tools", "Drills"]),
            item("Drill bits set", "Bosch", &["Tools"]),
            item("Impact driver", "Ryobi", &["Tools", "Drivers"]),
        ]
    }

    #[test]
    fn features_of_a_hand_made_case() {
        let rows = features(&candidates(), "ryobi drills", &catalog(), &mut analyzer());
        assert_eq!(rows.items, vec![0, 1, 2]);
        let d = FEATURES.len();
        let row = |i: usize| &rows.x[i * d..(i + 1) * d];
        let near = |got: &[f32], want: &[f32]| {
            assert!(
                got.len() == want.len() && got.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6),
                "{got:?} vs {want:?}"
            )
        };
        // Item 0: BM25 best (1.0, rank 1), dense 0.5 of 0.1..0.9 -> 0.5, rank 2.
        let r0 = row(0);
        near(&r0[..7], &[1.0, 1.0, 0.5, 0.5, 0.5, 1.0, 0.5]);
        // "drills" stems to "drill", in the title; "ryobi" is not: 1 of 2.
        assert_eq!(r0[7], 0.5);
        assert_eq!(r0[8], 0.0);
        assert_eq!(r0[9], 0.5, "ryobi is the brand");
        assert_eq!(r0[10], 0.5, "drills is in the category path");
        let words = terms(&mut analyzer(), "Cordless Drill 18V").len();
        assert!(words >= 3);
        assert!(
            (r0[11] - (words as f32).ln_1p()).abs() < 1e-6,
            "{words} words"
        );
        // Item 1: BM25 half the best, second; dense only by its own score 0.1.
        let r1 = row(1);
        near(&r1[..7], &[0.5, 0.5, 0.1, 0.0, 0.0, 0.0, 0.0]);
        // Item 2: dense only, first.
        let r2 = row(2);
        near(&r2[..7], &[0.0, 0.0, 0.9, 1.0, 1.0, 0.0, 0.0]);
        assert_eq!(r2[9], 0.5);
    }

    #[test]
    fn pairs_prefer_higher_gains_and_cap_unjudged() {
        let rows = features(&candidates(), "ryobi drills", &catalog(), &mut analyzer());
        let d = FEATURES.len();
        // Item 2 judged gain 2, item 0 judged gain 1, item 1 unjudged.
        let qrels = Qrels::from_pairs(vec![(2, 2.0), (0, 1.0)]);
        let all = pairs_of(&rows, &qrels, "q", &RerankParams::default());
        // 2 > 0, 2 > 1, 0 > 1.
        assert_eq!(all.len(), 3 * d);
        let one = RerankParams {
            negatives: 1,
            ..RerankParams::default()
        };
        assert_eq!(pairs_of(&rows, &qrels, "q", &one).len(), 3 * d);
        // One judged item and two unjudged: the cap keeps one of them.
        let qrels = Qrels::from_pairs(vec![(2, 1.0)]);
        assert_eq!(pairs_of(&rows, &qrels, "q", &one).len(), d);
        assert_eq!(
            pairs_of(&rows, &qrels, "q", &RerankParams::default()).len(),
            2 * d
        );
    }

    #[test]
    fn a_trained_model_orders_by_what_it_learned() {
        // Pairs where title coverage decides: the fitted weight is positive
        // and the better-covered candidate ranks first.
        let d = FEATURES.len();
        let mut x = Vec::new();
        for k in 0..50 {
            let mut row = vec![0.0f32; d];
            row[7] = 0.5 + (k % 5) as f32 / 10.0;
            row[0] = ((k % 3) as f32 - 1.0) / 10.0;
            x.extend(row);
        }
        let n = x.len() / d;
        let mut both = x.clone();
        both.extend(x.iter().map(|v| -v));
        let mut y = vec![true; n];
        y.extend(std::iter::repeat_n(false, n));
        let names = FEATURES.iter().map(|s| s.to_string()).collect();
        let model =
            fit_logistic(&both, &y, d, 1.0, names, "test").unwrap_or_else(|e| panic!("{e}"));
        assert!(model.coef[7] > 0.0, "{:?}", model.coef);
        assert!(
            model.coef[d].abs() < 1e-9,
            "mirrored pairs learn no intercept"
        );
    }

    #[test]
    fn a_saved_re_ranker_loads_only_with_its_encoder() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join(RERANKER_FILE);
        assert!(matches!(Reranker::load(&path, "enc-a"), Ok(None)));
        let names = FEATURES.iter().map(|s| s.to_string()).collect();
        let d = FEATURES.len();
        let x: Vec<f32> = (0..4 * d).map(|i| ((i * 7) % 5) as f32 - 2.0).collect();
        let model = fit_logistic(&x, &[true, false, true, false], d, 1.0, names, "test")
            .unwrap_or_else(|e| panic!("{e}"));
        let r = Reranker {
            version: VERSION,
            encoder: "enc-a".into(),
            model,
            training: RerankTraining {
                queries: QuerySlice::Tune,
                n_queries: 1,
                n_pairs: 2,
                relevance: Relevance::default(),
                weights: FieldWeights::default(),
                params: RerankParams::default(),
                seconds: 0.0,
                trained_at: String::new(),
            },
        };
        crate::project::write_json_atomic(&path, &r).unwrap_or_else(|e| panic!("{e}"));
        let back = Reranker::load(&path, "enc-a").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.as_ref(), Some(&r));
        let other = Reranker::load(&path, "enc-b").err().map(|e| e.to_string());
        assert!(
            other
                .as_deref()
                .is_some_and(|m| m.contains("another text encoder")),
            "{other:?}"
        );
        // Edited numbers are refused, naming the field.
        let mut edits: Vec<(Reranker, &str)> = Vec::new();
        let mut e = r.clone();
        e.model.coef.pop();
        edits.push((e, "model.coef"));
        let mut e = r.clone();
        e.model.sd[3] = 0.0;
        edits.push((e, "model.sd"));
        let mut e = r.clone();
        e.model.mean.truncate(3);
        edits.push((e, "model.mean"));
        let mut e = r.clone();
        e.model.coef[0] = 1e308;
        edits.push((e, "model.coef"));
        let mut e = r.clone();
        e.model.features.swap(0, 1);
        edits.push((e, "model.features"));
        let mut e = r.clone();
        e.training.params.depth = 0;
        edits.push((e, "depth"));
        for (edited, field) in edits {
            crate::project::write_json_atomic(&path, &edited).unwrap_or_else(|e| panic!("{e}"));
            let msg = Reranker::load(&path, "enc-a").err().map(|e| e.to_string());
            assert!(
                msg.as_deref().is_some_and(|m| m.contains(field)),
                "{field}: {msg:?}"
            );
        }
    }

    #[test]
    fn bad_parameters_are_refused() {
        for p in [
            RerankParams {
                depth: 0,
                ..RerankParams::default()
            },
            RerankParams {
                negatives: 0,
                ..RerankParams::default()
            },
            RerankParams {
                l2: f64::NAN,
                ..RerankParams::default()
            },
        ] {
            assert!(p.validate().is_err(), "{p:?}");
        }
    }
}
