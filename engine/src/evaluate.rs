//! Offline evaluation of a recommender under a recorded protocol.
//!
//! Full ranking over the whole catalog by default (sampled negatives only on
//! request, and labelled so), the shopper's training items excluded (or kept
//! as candidates under the `repeat` protocol), ties broken by training
//! popularity and then the lower item index.
//!
//! Cold shoppers (test items but no training events) are ranked by no model
//! at all: every history-based model gives them equal scores, so their list
//! would be the tie order. By default they are reported apart, scored by a
//! named fallback (popularity), and left out of the model's means, so every
//! model is compared on the same warm shoppers; a run can instead include
//! them with the fallback's lists (declared in the spec). Warm shoppers for
//! whom a model's scores are all equal are counted (`n_users_no_signal`):
//! their list is the declared tie-break's, nothing the model learnt.
//!
//! Users are scored in batches in parallel: each rayon task asks the model
//! for a block of shoppers at once ([`Recommender::score_batch`], one matrix
//! product for learned models) into its own bounded buffer (at most
//! [`BLOCK_SCORES`] scores), and per-user results are summed in user order
//! afterwards, so every number except the timings is identical for any
//! batch size and thread count. No users x catalog score matrix is ever held
//! whole. A shopper's latency is their share of the block's scoring time
//! plus their own ranking time (serving one shopper alone is measured by
//! `shoplab bench serve`).

use std::cmp::Ordering;
use std::time::Instant;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shoplab_datasets::recommender::rank_order;
use shoplab_datasets::{
    CancelToken, Interactions, Progress, Recommender, Sequences, SparseMatrix, UserQuery, Weighting,
};

use crate::error::{Error, Result};
use crate::metrics::{MetricSet, Qrels, metrics_at_many};
use crate::recommend::{ModelSpec, PopularityParams};

/// Most scores one task's block holds (users x items): 8M floats, 32 MB.
pub const BLOCK_SCORES: usize = 8 << 20;

/// How tied scores are ordered in a ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieBreak {
    /// Equal scores go to the item more training shoppers chose, then the
    /// lower item index (default): ties carry the one signal every shop has,
    /// never the accident of import order.
    #[default]
    Popularity,
    /// Equal scores go to the lower item index (runs before the option).
    ItemIndex,
}

impl TieBreak {
    /// Snake-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TieBreak::Popularity => "popularity",
            TieBreak::ItemIndex => "item_index",
        }
    }
}

/// What happens to shoppers with test items but no training events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColdShoppers {
    /// Scored by the fallback model, reported apart, left out of the model's
    /// means (default).
    #[default]
    Apart,
    /// Scored by the fallback model and included in the model's means.
    Fallback,
    /// Scored by the model itself and included (what runs before the option
    /// did: most models then rank them by tie order alone).
    Model,
}

impl ColdShoppers {
    /// Snake-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ColdShoppers::Apart => "apart",
            ColdShoppers::Fallback => "fallback",
            ColdShoppers::Model => "model",
        }
    }
}

fn legacy_tie_break() -> TieBreak {
    TieBreak::ItemIndex
}

fn legacy_cold() -> ColdShoppers {
    ColdShoppers::Model
}

fn default_fallback() -> ModelSpec {
    ModelSpec::Popularity(PopularityParams::default())
}

/// How to evaluate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvalOptions {
    /// Cut-offs K (default 5, 10, 20).
    pub ks: Vec<usize>,
    /// Leave each shopper's training items out of their ranking and test set (default true).
    pub exclude_train: bool,
    /// Evaluate at most this many shoppers, evenly spread over the user index (default `None`: all).
    pub max_users: Option<usize>,
    /// Most shoppers per parallel work unit (default 256; results do not
    /// depend on it). Small evaluations use smaller units, so progress and
    /// live curves move (at least 16 units per thread, 16 shoppers each).
    pub batch_size: usize,
    /// Rank the test items among this many sampled negatives instead of the
    /// whole catalog (default `None`: full ranking). Sampled metrics are
    /// optimistic and labelled as sampled.
    pub sampled_negatives: Option<usize>,
    /// Seed of the negative sampling (default 42).
    pub seed: u64,
    /// Order of tied scores (default popularity; runs recorded before the
    /// option read as `item_index`, which is what they used).
    #[serde(default = "legacy_tie_break")]
    pub tie_break: TieBreak,
    /// Shoppers with no training events (default `apart`; runs recorded
    /// before the option read as `model`, which is what they did).
    #[serde(default = "legacy_cold")]
    pub cold_shoppers: ColdShoppers,
    /// The model that ranks cold shoppers (default popularity, all time; only
    /// popularity can rank a shopper without history).
    #[serde(default = "default_fallback")]
    pub cold_fallback: ModelSpec,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            ks: vec![5, 10, 20],
            exclude_train: true,
            max_users: None,
            batch_size: 256,
            sampled_negatives: None,
            seed: 42,
            tie_break: TieBreak::default(),
            cold_shoppers: ColdShoppers::default(),
            cold_fallback: default_fallback(),
        }
    }
}

impl EvalOptions {
    /// Checks the options, naming the bad value and what is allowed.
    pub fn validate(&self) -> Result<()> {
        if self.ks.is_empty() || self.ks.contains(&0) {
            return Err(Error::invalid(
                "ks",
                format!("{:?}", self.ks),
                "give one or more cut-offs of at least 1, e.g. 5,10,20",
            ));
        }
        if self.batch_size == 0 {
            return Err(Error::invalid(
                "batch_size",
                0,
                "must be at least 1 (e.g. 256)",
            ));
        }
        if self.sampled_negatives == Some(0) {
            return Err(Error::invalid(
                "sampled_negatives",
                0,
                "must be at least 1, or absent for full ranking",
            ));
        }
        if !matches!(self.cold_fallback, ModelSpec::Popularity(_)) {
            return Err(Error::invalid(
                "cold_fallback",
                self.cold_fallback.name(),
                "only popularity can rank a shopper with no training events; use {\"model\": \"popularity\"} (optionally with window_days)",
            ));
        }
        if self.max_users == Some(0) {
            return Err(Error::invalid(
                "max_users",
                0,
                "must be at least 1, or absent for all shoppers",
            ));
        }
        Ok(())
    }

    /// Plain-words protocol label: `full ranking` or `sampled (N negatives)`,
    /// with `, repeat` when training items stay candidates.
    pub fn protocol(&self) -> String {
        let base = match self.sampled_negatives {
            None => "full ranking".to_string(),
            Some(n) => format!("sampled ({n} negatives)"),
        };
        if self.exclude_train {
            base
        } else {
            format!("{base}, repeat")
        }
    }

    /// The repeat protocol (training items stay candidates and count as hits
    /// when bought again), for buy-again shops.
    pub fn repeat(&self) -> bool {
        !self.exclude_train
    }
}

/// Per-request latency of scoring one shopper and taking their top K.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Latency {
    /// Median, in microseconds.
    pub p50_us: f64,
    /// 95th percentile, in microseconds.
    pub p95_us: f64,
    /// 99th percentile, in microseconds.
    pub p99_us: f64,
    /// Mean, in microseconds.
    pub mean_us: f64,
    /// The 0th, 1st, ..., 100th percentile, in microseconds (101 values;
    /// empty when nothing was timed): the latency distribution for CDF charts.
    pub quantiles_us: Vec<f64>,
}

/// One evaluated shopper's results (for paired significance tests and drill-down).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserResult {
    /// The shopper's index.
    pub user: u32,
    /// Number of test items.
    pub n_test: usize,
    /// Metrics at each K, in the order of `EvalReport::ks`.
    pub metrics: Vec<MetricSet>,
    /// Share of (test item, negative item) pairs ranked correctly.
    pub auc: f64,
    /// The recommended list at the largest K, best first.
    pub top: Vec<u32>,
    /// The model's score of each item in `top`.
    pub top_scores: Vec<f32>,
    /// The shopper had no training events (ranked by the cold fallback
    /// unless the protocol is `model`).
    pub cold: bool,
    /// The scorer gave every candidate the same score: the list is the tie-break's.
    pub no_signal: bool,
    /// A test item tied in score with a non-test candidate where the order
    /// counts (inside the list, or across its cut at the largest K): the
    /// shopper's metrics rest partly on the tie rule, not the model.
    pub tie_decided: bool,
    /// Test items without training events ("new items"): only models that
    /// read item content can rank them.
    pub new_items: usize,
    /// Of those, how many are in the list at each K (order of `EvalReport::ks`).
    pub new_item_hits: Vec<usize>,
}

/// How the cold shoppers fared, reported beside the model's means.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ColdReport {
    /// Who ranked them: the fallback's name (e.g. `popularity`), or the model's under `model`.
    pub scored_by: String,
    /// Cold shoppers evaluated.
    pub n_users: usize,
    /// Their mean metrics, one set per K.
    pub means: Vec<MetricSet>,
    /// Their mean AUC.
    pub auc: f64,
    /// Of them, shoppers whose metrics rest partly on the tie rule.
    #[serde(default)]
    pub n_users_tie_decided: usize,
}

/// Everything an evaluation measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvalReport {
    /// `full ranking` or `sampled (N negatives)`.
    pub protocol: String,
    /// Cut-offs, as requested.
    pub ks: Vec<usize>,
    /// Whether training items were excluded.
    pub exclude_train: bool,
    /// Negatives per shopper when sampled.
    pub sampled_negatives: Option<usize>,
    /// Order of tied scores.
    pub tie_break: TieBreak,
    /// What happened to cold shoppers.
    pub cold_shoppers: ColdShoppers,
    /// Shoppers in the means (cold ones only when `cold_shoppers` is not `apart`).
    pub n_users_evaluated: usize,
    /// Shoppers with test events but no test item left after excluding training items.
    pub n_users_skipped: usize,
    /// Shoppers with test items and no training events (in the means or not).
    pub n_users_cold: usize,
    /// Cold shoppers' results (None when there were none).
    pub cold: Option<ColdReport>,
    /// Shoppers in the means whose scorer gave every candidate the same
    /// score (their lists are the tie-break's, nothing learnt).
    pub n_users_no_signal: usize,
    /// Shoppers in the means whose metrics rest partly on the tie rule (a
    /// test item tied in score with a non-test candidate where order counts).
    pub n_users_tie_decided: usize,
    /// Distinct (shopper, item) pairs in the test part.
    pub n_test_pairs: usize,
    /// Of those, pairs the shopper already had in training (repeats): left
    /// out of the test set under the default protocol (a shopper with only
    /// such pairs is skipped), candidates and hits under `repeat`.
    pub n_test_pairs_seen_in_train: usize,
    /// Of those, pairs whose item no training shopper touched (no
    /// interaction-based model can score them).
    pub n_test_pairs_new_item: usize,
    /// Recall of those new items at each K, over the shoppers in the means
    /// (found new-item pairs / new-item pairs); empty when they had none.
    /// Separates a content-reading model's cold-item skill from the rest.
    pub new_item_recall: Vec<f64>,
    /// Mean metrics over evaluated shoppers, one set per K.
    pub means: Vec<MetricSet>,
    /// Mean per-shopper AUC.
    pub auc: f64,
    /// Distinct items recommended at the largest K / catalog size.
    pub coverage: f64,
    /// Mean share of item pairs with different features in a list at the
    /// largest K (`None` without item features).
    pub diversity: Option<f64>,
    /// Mean self-information `-log2(popularity share)` of recommended items, in bits.
    pub novelty: f64,
    /// Average number of training shoppers of recommended items (ARP).
    pub popularity_bias: f64,
    /// Per-shopper results of the shoppers in the means, by user index.
    pub per_user: Vec<UserResult>,
    /// Per-shopper results of cold shoppers reported apart, by user index.
    pub cold_per_user: Vec<UserResult>,
    /// Per-request latency.
    pub latency: Latency,
    /// Shoppers evaluated per second of wall time.
    pub throughput_users_per_s: f64,
    /// Wall time of the evaluation, in seconds.
    pub wall_seconds: f64,
}

/// What one worker learnt about one shopper.
struct Outcome {
    result: UserResult,
    latency_us: f64,
    /// Counted in the model's means.
    counted: bool,
}

/// Whether `model` has nothing to rank shopper `user` from: no history at
/// all, or (for a model with a learned vector per shopper) no events in the
/// part it was fitted on (`trained`, per user index; `None`: the history is
/// that part). The one rule of `evaluate`, `recommend` and `eval-truth`.
pub fn is_cold(
    model: &dyn Recommender,
    trained: Option<&[bool]>,
    user: usize,
    history: &[u32],
) -> bool {
    history.is_empty()
        || (!model.ranks_from_history()
            && trained.is_some_and(|t| !t.get(user).copied().unwrap_or(false)))
}

/// Evaluates `model` on `test`, with `train` (the matrix the model was fitted
/// on, user x item) as each shopper's history and `sequences` (the same
/// training events in time order, for sequential models) when given.
/// `trained` marks, per user index, the shoppers with events in the part
/// the model was fitted on, when that is less than the history (a
/// validation part): a model that keeps a learned vector per shopper
/// ([`Recommender::ranks_from_history`] false) has none for the others, so
/// they are cold. `fallback` ranks cold shoppers (see the module docs);
/// without one they are only counted.
/// `item_features` (one id per item, e.g. a category) enables intra-list
/// diversity.
#[allow(clippy::too_many_arguments)] // the protocol's inputs, called from run and tests
pub fn evaluate(
    model: &dyn Recommender,
    fallback: Option<&dyn Recommender>,
    train: &SparseMatrix,
    sequences: Option<&Sequences>,
    trained: Option<&[bool]>,
    test: &Interactions,
    opts: &EvalOptions,
    progress: &dyn Progress,
    cancel: &CancelToken,
    item_features: Option<&[u32]>,
) -> Result<EvalReport> {
    opts.validate()?;
    let n_items = model.n_items();
    if train.n_cols != n_items || test.n_items as usize != n_items {
        return Err(Error::invalid(
            "model",
            model.name(),
            format!(
                "it scores {n_items} items but the training matrix has {} and the test log {}; fit the model on this data",
                train.n_cols, test.n_items
            ),
        ));
    }
    if let Some(f) = item_features
        && f.len() != n_items
    {
        return Err(Error::invalid(
            "item features",
            f.len(),
            format!("need one feature per item ({n_items})"),
        ));
    }
    if let Some(f) = fallback
        && f.n_items() != n_items
    {
        return Err(Error::invalid(
            "cold_fallback",
            f.name(),
            format!("it scores {} items, the model {n_items}", f.n_items()),
        ));
    }
    if opts.cold_shoppers == ColdShoppers::Fallback && fallback.is_none() {
        return Err(Error::invalid(
            "cold_shoppers",
            "fallback",
            "needs a fitted fallback model",
        ));
    }
    let start = Instant::now();
    let test_m = test.to_matrix(Weighting::Binary);
    // Training popularity (shoppers per item): the tie-break and the
    // beyond-accuracy figures.
    let mut popularity = vec![0u32; n_items];
    for &i in &train.indices {
        popularity[i as usize] += 1;
    }
    let prior = popularity_prior(train);
    let prior = match opts.tie_break {
        TieBreak::Popularity => Some(prior.as_slice()),
        TieBreak::ItemIndex => None,
    };
    let history = |u: usize| {
        if u < train.n_rows {
            train.row(u)
        } else {
            (&[][..], &[][..])
        }
    };
    let is_cold = |u: usize| is_cold(model, trained, u, history(u).0);
    let mut eligible = Vec::new();
    let mut n_users_skipped = 0;
    let mut pairs = PairCounts::default();
    for u in 0..test_m.n_rows {
        let items = test_m.row(u).0;
        if items.is_empty() {
            continue;
        }
        let hist = history(u).0;
        pairs.n += items.len();
        pairs.seen += items
            .iter()
            .filter(|i| hist.binary_search(i).is_ok())
            .count();
        pairs.new_item += items
            .iter()
            .filter(|&&i| popularity[i as usize] == 0)
            .count();
        if opts.exclude_train && items.iter().all(|i| hist.binary_search(i).is_ok()) {
            n_users_skipped += 1;
        } else {
            eligible.push(u as u32);
        }
    }
    if let Some(max) = opts.max_users
        && eligible.len() > max
    {
        // Evenly spread picks: the user index often follows signup order.
        eligible = (0..max)
            .map(|i| eligible[i * eligible.len() / max])
            .collect();
    }

    progress.stage("evaluate", Some(eligible.len() as u64));
    let max_k = opts.ks.iter().copied().max().unwrap_or(1);
    let live = LiveMeans::new(opts);
    // A few hundred shoppers used to be one unit: progress jumped from 0 to
    // 100% and the live curves had one point.
    let units = rayon::current_num_threads().max(1) * 16;
    let chunk = opts.batch_size.min((eligible.len() / units).max(16)).max(1);
    let events = |u: usize| sequences.map_or(&[][..], |s| s.of(u));
    // Rows per scoring block: bounded memory whatever the catalog size.
    let block_rows = (BLOCK_SCORES / n_items.max(1)).clamp(1, chunk);
    let outcomes: Vec<Vec<Outcome>> = eligible
        .par_chunks(chunk)
        .map_init(
            || Worker::new(n_items),
            |w, users| {
                if cancel.is_cancelled() {
                    return Err(Error::Cancelled);
                }
                let mut out = Vec::with_capacity(users.len());
                for block in users.chunks(block_rows) {
                    // Who scores each shopper: the model (in one batch) or the fallback.
                    let mut by_model = Vec::with_capacity(block.len());
                    let mut plan = Vec::with_capacity(block.len());
                    for &u in block {
                        let (hist, weights) = history(u as usize);
                        let cold = is_cold(u as usize);
                        let (scorer, counted) = match (cold, opts.cold_shoppers) {
                            (false, _) | (true, ColdShoppers::Model) => (None, true),
                            (true, ColdShoppers::Fallback) => (fallback, true),
                            (true, ColdShoppers::Apart) => (fallback, false),
                        };
                        if scorer.is_none() && cold && opts.cold_shoppers != ColdShoppers::Model {
                            continue; // cold, and no fallback to rank them
                        }
                        let query = UserQuery {
                            user: Some(u),
                            history: hist,
                            weights,
                            events: events(u as usize),
                        };
                        let row = if scorer.is_none() {
                            by_model.push(query);
                            Some(by_model.len() - 1)
                        } else {
                            None
                        };
                        plan.push((u, query, scorer, row, counted, cold));
                    }
                    let clock = Instant::now();
                    w.block.clear();
                    w.block.resize(by_model.len() * n_items, 0.0);
                    if !by_model.is_empty() {
                        model.score_batch(&by_model, &mut w.block);
                    }
                    let share_us =
                        clock.elapsed().as_secs_f64() * 1e6 / by_model.len().max(1) as f64;
                    for (u, query, scorer, row, counted, cold) in plan {
                        let (hist, _) = history(u as usize);
                        let test_items = test_m.row(u as usize).0;
                        let mut o = match (row, scorer) {
                            (Some(r), _) => {
                                let block = std::mem::take(&mut w.block);
                                let o = w.user(
                                    u,
                                    hist,
                                    &block[r * n_items..(r + 1) * n_items],
                                    share_us,
                                    test_items,
                                    opts,
                                    max_k,
                                    prior,
                                );
                                w.block = block;
                                o
                            }
                            (None, Some(f)) => {
                                let clock = Instant::now();
                                let mut scores = std::mem::take(&mut w.single);
                                scores.fill(0.0);
                                f.score(&query, &mut scores);
                                let took = clock.elapsed().as_secs_f64() * 1e6;
                                let o =
                                    w.user(u, hist, &scores, took, test_items, opts, max_k, prior);
                                w.single = scores;
                                o
                            }
                            (None, None) => continue,
                        };
                        o.counted = counted;
                        o.result.cold = cold;
                        let new: Vec<u32> = w
                            .test_items
                            .iter()
                            .copied()
                            .filter(|&i| popularity[i as usize] == 0)
                            .collect();
                        o.result.new_items = new.len();
                        o.result.new_item_hits = opts
                            .ks
                            .iter()
                            .map(|&k| {
                                let top = &o.result.top[..k.min(o.result.top.len())];
                                top.iter().filter(|i| new.contains(i)).count()
                            })
                            .collect();
                        out.push(o);
                    }
                }
                // Counted first, so a live point's x is the shoppers scored so far.
                progress.advance(users.len() as u64);
                live.add(&out, progress);
                Ok(out)
            },
        )
        .collect::<Result<_>>()?;
    progress.finish_stage();
    let outcomes: Vec<Outcome> = outcomes.into_iter().flatten().collect();
    let wall_seconds = start.elapsed().as_secs_f64();
    let n_users_cold = eligible.iter().filter(|&&u| is_cold(u as usize)).count();
    let mut report = summarise(
        outcomes,
        &popularity,
        train,
        opts,
        item_features,
        n_users_skipped,
        wall_seconds,
    );
    report.n_users_cold = n_users_cold;
    if n_users_cold > 0 && report.cold.is_none() {
        // Counted but not scored: no fallback was given.
        report.cold = Some(ColdReport {
            scored_by: String::new(),
            n_users: 0,
            means: vec![MetricSet::default(); opts.ks.len()],
            auc: 0.0,
            n_users_tie_decided: 0,
        });
    }
    if opts.cold_shoppers == ColdShoppers::Model
        && let Some(c) = &mut report.cold
    {
        c.scored_by = model.name().to_string();
    } else if let (Some(c), Some(f)) = (&mut report.cold, fallback) {
        c.scored_by = f.name().to_string();
    }
    report.n_test_pairs = pairs.n;
    report.n_test_pairs_seen_in_train = pairs.seen;
    report.n_test_pairs_new_item = pairs.new_item;
    let (new_total, new_hits) =
        report
            .per_user
            .iter()
            .fold((0usize, vec![0usize; opts.ks.len()]), |(n, mut hits), u| {
                for (h, &x) in hits.iter_mut().zip(&u.new_item_hits) {
                    *h += x;
                }
                (n + u.new_items, hits)
            });
    if new_total > 0 {
        report.new_item_recall = new_hits
            .iter()
            .map(|&h| h as f64 / new_total as f64)
            .collect();
    }
    Ok(report)
}

/// Training shoppers per item (matrix entries are distinct pairs), as the
/// tie-break prior of [`TieBreak::Popularity`].
pub fn popularity_prior(train: &SparseMatrix) -> Vec<f32> {
    let mut prior = vec![0f32; train.n_cols];
    for &i in &train.indices {
        prior[i as usize] += 1.0;
    }
    prior
}

/// Distinct test pairs and how many of them repeat training or name an
/// item without training events.
#[derive(Default)]
struct PairCounts {
    n: usize,
    seen: usize,
    new_item: usize,
}

/// Running means of recall and NDCG at the first K, reported to the
/// progress as live metrics while shoppers are scored, so a user watches
/// the estimate settle instead of waiting for one number at the end.
struct LiveMeans {
    k_index: usize,
    recall: String,
    ndcg: String,
    sums: std::sync::Mutex<(f64, f64, usize)>,
}

impl LiveMeans {
    fn new(opts: &EvalOptions) -> Self {
        let k = opts.ks.first().copied().unwrap_or(10);
        LiveMeans {
            k_index: 0,
            recall: format!("recall@{k}"),
            ndcg: format!("ndcg@{k}"),
            sums: std::sync::Mutex::new((0.0, 0.0, 0)),
        }
    }

    fn add(&self, batch: &[Outcome], progress: &dyn Progress) {
        let (mut recall, mut ndcg) = (0.0, 0.0);
        let batch: Vec<&Outcome> = batch.iter().filter(|o| o.counted).collect();
        for o in &batch {
            if let Some(m) = o.result.metrics.get(self.k_index) {
                recall += m.recall;
                ndcg += m.ndcg;
            }
        }
        let Ok(mut sums) = self.sums.lock() else {
            return;
        };
        sums.0 += recall;
        sums.1 += ndcg;
        sums.2 += batch.len();
        if sums.2 > 0 {
            let n = sums.2 as f64;
            progress.metric(&self.recall, sums.0 / n);
            progress.metric(&self.ndcg, sums.1 / n);
        }
    }
}

/// What the worker knows about an item for the shopper at hand.
const CANDIDATE: u8 = 0;
const EXCLUDED: u8 = 1;
const TEST: u8 = 2;

/// Reusable per-task buffers, so scoring a shopper allocates nothing catalog-sized.
struct Worker {
    /// The model's scores of a block of shoppers (row-major).
    block: Vec<f32>,
    /// One shopper's scores from the fallback.
    single: Vec<f32>,
    /// The shopper at hand's scores (a copy of their block row).
    scores: Vec<f32>,
    /// One of `CANDIDATE`, `EXCLUDED`, `TEST` per item; reset after each shopper.
    marks: Vec<u8>,
    cand: Vec<(f32, u32)>,
    ranked: Vec<u32>,
    test_items: Vec<u32>,
    test_scores: Vec<f32>,
    negatives: Vec<u32>,
}

impl Worker {
    fn new(n_items: usize) -> Self {
        Worker {
            block: Vec::new(),
            single: vec![0.0; n_items],
            scores: vec![0.0; n_items],
            marks: vec![CANDIDATE; n_items],
            cand: Vec::with_capacity(n_items),
            ranked: Vec::new(),
            test_items: Vec::new(),
            test_scores: Vec::new(),
            negatives: Vec::new(),
        }
    }

    #[allow(clippy::too_many_arguments)] // one shopper's inputs, called from one place
    fn user(
        &mut self,
        user: u32,
        hist: &[u32],
        scores: &[f32],
        scoring_us: f64,
        test: &[u32],
        opts: &EvalOptions,
        max_k: usize,
        prior: Option<&[f32]>,
    ) -> Outcome {
        let exclude: &[u32] = if opts.exclude_train { hist } else { &[] };
        for &i in exclude {
            self.marks[i as usize] = EXCLUDED;
        }
        self.test_items.clear();
        self.test_items.extend(
            test.iter()
                .copied()
                .filter(|&i| self.marks[i as usize] != EXCLUDED),
        );
        for &i in &self.test_items {
            self.marks[i as usize] = TEST;
        }
        if let Some(n) = opts.sampled_negatives {
            self.sample_negatives(user, n, opts.seed);
        }

        let clock = Instant::now();
        self.scores.copy_from_slice(scores);
        self.cand.clear();
        if opts.sampled_negatives.is_some() {
            let scores = &self.scores;
            let pick = self.test_items.iter().chain(&self.negatives);
            self.cand.extend(pick.map(|&i| (scores[i as usize], i)));
        } else {
            let marks = &self.marks;
            self.cand.extend(
                self.scores
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| marks[i] != EXCLUDED)
                    .map(|(i, &s)| (s, i as u32)),
            );
        }
        top_of(&mut self.cand, max_k, &mut self.ranked, prior);
        let latency_us = scoring_us + clock.elapsed().as_secs_f64() * 1e6;
        // Every candidate scored the same: the ranking is the tie-break's alone.
        let no_signal = self
            .cand
            .split_first()
            .is_none_or(|(first, rest)| rest.iter().all(|c| c.0.total_cmp(&first.0).is_eq()));

        let tie_decided = self.tie_decided();
        let qrels = Qrels::binary(self.test_items.iter().copied());
        let auc = self.auc(opts.sampled_negatives.is_some());
        for &i in exclude.iter().chain(&self.test_items) {
            self.marks[i as usize] = CANDIDATE;
        }
        Outcome {
            result: UserResult {
                user,
                n_test: self.test_items.len(),
                metrics: metrics_at_many(&self.ranked, &qrels, &opts.ks),
                auc,
                top: self.ranked.clone(),
                top_scores: self
                    .ranked
                    .iter()
                    .map(|&i| self.scores[i as usize])
                    .collect(),
                cold: false,
                no_signal,
                tie_decided,
                new_items: 0,
                new_item_hits: Vec::new(),
            },
            latency_us,
            counted: true,
        }
    }

    /// Whether a test item ties a non-test candidate in score where their
    /// order changes a metric: both inside the list (rank), or the tie group
    /// of the list's last score holding both kinds (who makes the cut). Ties
    /// among test items alone change nothing (binary relevance).
    fn tie_decided(&self) -> bool {
        let Some(&last) = self.ranked.last() else {
            return false;
        };
        let score = |i: u32| self.scores[i as usize];
        let is_test = |i: u32| self.marks[i as usize] == TEST;
        let tied = |a: f32, b: f32| a.total_cmp(&b).is_eq();
        let inside = self.ranked.iter().any(|&t| {
            is_test(t)
                && self
                    .ranked
                    .iter()
                    .any(|&n| !is_test(n) && tied(score(n), score(t)))
        });
        if inside {
            return true;
        }
        let edge = score(last);
        self.test_items.iter().any(|&t| tied(score(t), edge))
            && self.cand.iter().any(|&(s, i)| !is_test(i) && tied(s, edge))
    }

    /// Picks `n` negatives (not test, not excluded) with a per-user stream, so
    /// the draw does not depend on which task evaluates the user.
    fn sample_negatives(&mut self, user: u32, n: usize, seed: u64) {
        self.negatives.clear();
        let marks = &self.marks;
        self.negatives
            .extend((0..marks.len() as u32).filter(|&i| marks[i as usize] == CANDIDATE));
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(u64::from(user));
        let (picked, _) = self.negatives.partial_shuffle(&mut rng, n);
        let len = picked.len();
        self.negatives.truncate(len);
        self.negatives.sort_unstable();
    }

    /// Share of (test, negative) pairs where the test item scores higher
    /// (ties count half). Negatives are the sampled ones, or every item that
    /// is neither a test item nor excluded. 0.5 when there are no negatives.
    fn auc(&mut self, sampled: bool) -> f64 {
        // NaN ranks last in `top_of`, so it is the lowest score here too.
        let key = |s: f32| if s.is_nan() { f32::NEG_INFINITY } else { s };
        self.test_scores.clear();
        self.test_scores.extend(
            self.test_items
                .iter()
                .map(|&i| key(self.scores[i as usize])),
        );
        self.test_scores.sort_unstable_by(f32::total_cmp);
        let t = &self.test_scores;
        let mut correct = 0.0f64;
        let mut n_neg = 0usize;
        let mut count = |s: f32| {
            let s = key(s);
            let below = t.partition_point(|&x| x < s);
            let upto = below + t[below..].partition_point(|&x| x <= s);
            correct += (t.len() - upto) as f64 + 0.5 * (upto - below) as f64;
            n_neg += 1;
        };
        if sampled {
            for &i in &self.negatives {
                count(self.scores[i as usize]);
            }
        } else {
            for (&s, &m) in self.scores.iter().zip(&self.marks) {
                if m == CANDIDATE {
                    count(s);
                }
            }
        }
        if n_neg == 0 || t.is_empty() {
            0.5
        } else {
            correct / (n_neg as f64 * t.len() as f64)
        }
    }
}

/// The `k` best candidates into `out`, best first, in the order of
/// [`shoplab_datasets::recommender::rank_order`] (score, then `prior`, then
/// the lower index; NaN last). Uses a linear-time selection, then sorts only
/// the `k` selected; `cand` keeps every candidate.
fn top_of(cand: &mut [(f32, u32)], k: usize, out: &mut Vec<u32>, prior: Option<&[f32]>) {
    out.clear();
    if k == 0 || cand.is_empty() {
        return;
    }
    let better = |a: &(f32, u32), b: &(f32, u32)| -> Ordering { rank_order(*a, *b, prior) };
    let k = k.min(cand.len());
    if cand.len() > k {
        cand.select_nth_unstable_by(k - 1, better);
    }
    let top = &mut cand[..k];
    top.sort_unstable_by(better);
    out.extend(top.iter().map(|c| c.1));
}

/// Averages per-user outcomes (in user order) into the report.
fn summarise(
    outcomes: Vec<Outcome>,
    popularity: &[u32],
    train: &SparseMatrix,
    opts: &EvalOptions,
    item_features: Option<&[u32]>,
    n_users_skipped: usize,
    wall_seconds: f64,
) -> EvalReport {
    let n_items = train.n_cols;
    let n_train_users = (0..train.n_rows)
        .filter(|&r| train.indptr[r] < train.indptr[r + 1])
        .count()
        .max(1) as f64;
    // Items no training shopper touched count as touched once: novelty stays finite.
    let self_info = |i: u32| -(f64::from(popularity[i as usize].max(1)) / n_train_users).log2();

    let n = outcomes.iter().filter(|o| o.counted).count();
    let mut means = vec![MetricSet::default(); opts.ks.len()];
    let mut cold: Option<ColdReport> = None;
    let mut cold_per_user = Vec::new();
    let mut n_users_no_signal = 0;
    let mut n_users_tie_decided = 0;
    let mut auc = 0.0;
    let mut recommended = vec![false; n_items];
    let (mut novelty, mut arp, mut n_lists) = (0.0, 0.0, 0usize);
    let (mut diversity, mut n_diverse) = (0.0, 0usize);
    let mut latencies = Vec::with_capacity(n);
    let mut per_user = Vec::with_capacity(n);
    for o in outcomes {
        if o.result.cold {
            let c = cold.get_or_insert_with(|| ColdReport {
                means: vec![MetricSet::default(); opts.ks.len()],
                ..ColdReport::default()
            });
            c.n_users += 1;
            c.n_users_tie_decided += usize::from(o.result.tie_decided);
            c.auc += o.result.auc;
            for (m, u) in c.means.iter_mut().zip(&o.result.metrics) {
                m.add(u);
            }
        }
        if !o.counted {
            cold_per_user.push(o.result);
            continue;
        }
        if o.result.no_signal {
            n_users_no_signal += 1;
        }
        if o.result.tie_decided {
            n_users_tie_decided += 1;
        }
        for (m, u) in means.iter_mut().zip(&o.result.metrics) {
            m.add(u);
        }
        auc += o.result.auc;
        latencies.push(o.latency_us);
        if !o.result.top.is_empty() {
            n_lists += 1;
            let len = o.result.top.len() as f64;
            novelty += o.result.top.iter().map(|&i| self_info(i)).sum::<f64>() / len;
            arp += o
                .result
                .top
                .iter()
                .map(|&i| f64::from(popularity[i as usize]))
                .sum::<f64>()
                / len;
            for &i in &o.result.top {
                recommended[i as usize] = true;
            }
        }
        if let Some(features) = item_features
            && o.result.top.len() >= 2
        {
            let mut differ = 0usize;
            for (a, &x) in o.result.top.iter().enumerate() {
                differ += o.result.top[a + 1..]
                    .iter()
                    .filter(|&&y| features[x as usize] != features[y as usize])
                    .count();
            }
            let pairs = o.result.top.len() * (o.result.top.len() - 1) / 2;
            diversity += differ as f64 / pairs as f64;
            n_diverse += 1;
        }
        per_user.push(o.result);
    }
    let nf = n as f64;
    for m in &mut means {
        m.scale(nf);
    }
    if let Some(c) = &mut cold {
        let cn = c.n_users as f64;
        for m in &mut c.means {
            m.scale(cn);
        }
        c.auc /= cn.max(1.0);
    }
    let mean_of = |sum: f64, count: usize| if count == 0 { 0.0 } else { sum / count as f64 };
    EvalReport {
        new_item_recall: Vec::new(),
        protocol: opts.protocol(),
        ks: opts.ks.clone(),
        exclude_train: opts.exclude_train,
        sampled_negatives: opts.sampled_negatives,
        tie_break: opts.tie_break,
        cold_shoppers: opts.cold_shoppers,
        n_users_evaluated: n,
        n_users_skipped,
        n_users_cold: 0,
        cold,
        n_users_no_signal,
        n_users_tie_decided,
        n_test_pairs: 0,
        n_test_pairs_seen_in_train: 0,
        n_test_pairs_new_item: 0,
        means,
        auc: mean_of(auc, n),
        coverage: if n_items == 0 {
            0.0
        } else {
            recommended.iter().filter(|&&r| r).count() as f64 / n_items as f64
        },
        diversity: item_features.map(|_| mean_of(diversity, n_diverse)),
        novelty: mean_of(novelty, n_lists),
        popularity_bias: mean_of(arp, n_lists),
        per_user,
        cold_per_user,
        latency: latency_of(latencies),
        throughput_users_per_s: if wall_seconds > 0.0 {
            nf / wall_seconds
        } else {
            0.0
        },
        wall_seconds,
    }
}

/// Percentiles ([`crate::percentile`], nearest rank) and the mean of per-request times (µs).
pub(crate) fn latency_of(us: Vec<f64>) -> Latency {
    let us = crate::percentile::Percentiles::new(us);
    let pct = |p: f64| us.at(p).unwrap_or(0.0);
    if us.is_empty() {
        return Latency::default();
    }
    Latency {
        p50_us: pct(50.0),
        p95_us: pct(95.0),
        p99_us: pct(99.0),
        mean_us: us.mean().unwrap_or(0.0),
        quantiles_us: (0..=100).map(|p| pct(f64::from(p))).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use shoplab_datasets::{EventKind, NoProgress, top_k};

    /// Scores every item with a fixed table, whatever the shopper.
    struct Fixed(Vec<f32>);

    impl Recommender for Fixed {
        fn state(&self) -> shoplab_datasets::ModelState {
            shoplab_datasets::ModelState::new()
        }

        fn name(&self) -> &str {
            "fixed"
        }
        fn n_items(&self) -> usize {
            self.0.len()
        }
        fn score(&self, _q: &UserQuery<'_>, scores: &mut [f32]) {
            scores.copy_from_slice(&self.0);
        }
    }

    /// Scores item i with (i * (user + 3)) mod 11: different per shopper, many ties.
    struct Hashy(usize);

    impl Recommender for Hashy {
        fn state(&self) -> shoplab_datasets::ModelState {
            shoplab_datasets::ModelState::new()
        }

        fn name(&self) -> &str {
            "hashy"
        }
        fn n_items(&self) -> usize {
            self.0
        }
        fn score(&self, q: &UserQuery<'_>, scores: &mut [f32]) {
            let u = q.user.unwrap_or(0) as usize;
            for (i, s) in scores.iter_mut().enumerate() {
                *s = ((i * (u + 3)) % 11) as f32;
            }
        }
    }

    fn log(n_users: u32, n_items: u32, pairs: &[(u32, u32)]) -> Interactions {
        let mut log = Interactions::new(n_users, n_items);
        for &(u, i) in pairs {
            log.push(u, i, 0, EventKind::Purchase, 1.0);
        }
        log
    }

    fn run(
        model: &dyn Recommender,
        train: &Interactions,
        test: &Interactions,
        opts: &EvalOptions,
        f: Option<&[u32]>,
    ) -> EvalReport {
        evaluate(
            model,
            None,
            &train.to_matrix(Weighting::Binary),
            None,
            None,
            test,
            opts,
            &NoProgress,
            &CancelToken::new(),
            f,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Three shoppers over six items, scores [5, 4, 4, 3, 1, 0]:
    /// - u0 trained on 0, tests {2, 4}: ranking 1 2 3 4 5 (0 excluded; 1 and 2 tie, 1 first).
    /// - u1 trained on 1, tests {1}: its only test item was trained on, so it is skipped.
    /// - u2 trained on nothing, tests {0, 5}: ranking 0 1 2 3 4 5 (the
    ///   protocol that scores cold shoppers with the model itself).
    #[test]
    fn hand_computed_report() {
        let model = Fixed(vec![5.0, 4.0, 4.0, 3.0, 1.0, 0.0]);
        let train = log(3, 6, &[(0, 0), (1, 1)]);
        let test = log(3, 6, &[(0, 2), (0, 4), (1, 1), (2, 0), (2, 5), (2, 0)]);
        let opts = EvalOptions {
            ks: vec![1, 2, 5],
            cold_shoppers: ColdShoppers::Model,
            tie_break: TieBreak::ItemIndex,
            ..EvalOptions::default()
        };
        let features = [0, 0, 1, 1, 0, 2];
        let r = run(&model, &train, &test, &opts, Some(&features));
        assert_eq!((r.n_users_evaluated, r.n_users_skipped), (2, 1));
        assert_eq!(
            r.per_user
                .iter()
                .map(|u| (u.user, u.n_test))
                .collect::<Vec<_>>(),
            vec![(0, 2), (2, 2)]
        );
        assert_eq!(r.protocol, "full ranking");

        let u0 = &r.per_user[0].metrics;
        // u0 @2: ranking 1 2 -> hit at rank 2.
        assert!(close(u0[1].precision, 0.5) && close(u0[1].recall, 0.5) && close(u0[1].mrr, 0.5));
        // u0 @5: hits at ranks 2 and 4.
        let idcg = 1.0 + 1.0 / 3f64.log2();
        assert!(close(
            u0[2].ndcg,
            (1.0 / 3f64.log2() + 1.0 / 5f64.log2()) / idcg
        ));
        assert!(close(u0[2].map, (0.5 + 2.0 / 4.0) / 2.0));
        let u2 = &r.per_user[1].metrics;
        assert!(close(u2[0].hit, 1.0) && close(u2[0].precision, 1.0));
        assert!(close(u2[2].recall, 0.5) && close(u2[2].ndcg, 1.0 / idcg));
        // Means over the two evaluated shoppers.
        assert!(close(r.means[0].hit, 0.5));
        assert!(close(r.means[2].recall, 0.75));
        assert!(close(r.means[1].mrr, (0.5 + 1.0) / 2.0));

        // AUC, u0: negatives {1, 3, 5}; test 2 (4) beats 3 and 5, ties 1 -> 2.5;
        // test 4 (1) beats 5 -> 1. (2.5 + 1) / 6. u2: negatives {1, 2, 3, 4};
        // test 0 beats all 4, test 5 none -> 4 / 8.
        assert!(close(r.per_user[0].auc, 3.5 / 6.0));
        assert!(close(r.per_user[1].auc, 0.5));
        assert!(close(r.auc, (3.5 / 6.0 + 0.5) / 2.0));

        // Beyond accuracy at K = 5: u0 recommends 1..=5, u2 recommends 0..=4 -> all 6 items.
        assert!(close(r.coverage, 1.0));
        // Popularity (training shoppers per item, of 2): item 0 -> 1, item 1 -> 1, others 0 (counted as 1).
        assert!(close(r.popularity_bias, (1.0 / 5.0 + 2.0 / 5.0) / 2.0));
        assert!(close(r.novelty, 1.0));
        // Diversity: u0 features [0,1,1,0,2]: equal pairs (0,0), (1,1) -> 8/10;
        // u2 features [0,0,1,1,0]: equal pairs 3 + 1 = 4 -> 6/10.
        assert!(
            r.diversity.is_some_and(|d| close(d, 0.7)),
            "{:?}",
            r.diversity
        );
    }

    #[test]
    fn including_training_items_changes_the_ranking() {
        let model = Fixed(vec![5.0, 4.0, 4.0, 3.0, 1.0, 0.0]);
        let train = log(3, 6, &[(0, 0), (1, 1)]);
        let test = log(3, 6, &[(0, 2), (1, 1)]);
        let opts = EvalOptions {
            ks: vec![2],
            exclude_train: false,
            tie_break: TieBreak::ItemIndex,
            ..EvalOptions::default()
        };
        let r = run(&model, &train, &test, &opts, None);
        assert_eq!((r.n_users_evaluated, r.n_users_skipped), (2, 0));
        // u0 ranking 0 1: item 2 missed. u1 ranking 0 1: hit at rank 2.
        assert!(close(r.per_user[0].metrics[0].hit, 0.0));
        assert!(close(r.per_user[1].metrics[0].mrr, 0.5));
        assert_eq!(r.diversity, None);
    }

    #[test]
    fn shoppers_whose_metrics_rest_on_ties_are_counted() {
        // Items 1 and 2 tie at 2.0, 3 and 4 at 1.0; top-2 is [0, 1].
        let model = Fixed(vec![3.0, 2.0, 2.0, 1.0, 1.0, 0.0]);
        let train = log(5, 6, &[(0, 5), (1, 5), (2, 5), (3, 5), (4, 5)]);
        let test = log(5, 6, &[(0, 0), (1, 1), (2, 3), (3, 1), (3, 2), (4, 2)]);
        let opts = EvalOptions {
            ks: vec![2],
            exclude_train: false,
            tie_break: TieBreak::ItemIndex,
            ..EvalOptions::default()
        };
        let r = run(&model, &train, &test, &opts, None);
        let decided: Vec<bool> = r.per_user.iter().map(|u| u.tie_decided).collect();
        // u0: a clear winner. u1: its hit made the cut only by item index
        // (2 ties it). u2: tied, but below the cut either way. u3: the tie
        // is between its two test items, so no order changes a metric.
        // u4: its test item lost the tie at the cut.
        assert_eq!(decided, vec![false, true, false, false, true]);
        assert_eq!(r.n_users_tie_decided, 2);
    }

    /// Scores item h + 1 for each history item h: a model that knows
    /// nothing about a shopper without history, as kNN and EASE.
    struct Next(usize);

    impl Recommender for Next {
        fn state(&self) -> shoplab_datasets::ModelState {
            shoplab_datasets::ModelState::new()
        }

        fn name(&self) -> &str {
            "next"
        }
        fn n_items(&self) -> usize {
            self.0
        }
        fn score(&self, q: &UserQuery<'_>, scores: &mut [f32]) {
            for &h in q.history {
                if let Some(s) = scores.get_mut(h as usize + 1) {
                    *s += 1.0;
                }
            }
        }
    }

    /// Train: u0 {0}, u1 {0, 3}, u2 {3}, u3 nothing (cold).
    /// Test: u0 {1}, u1 {3, 4}, u2 {5}, u3 {0}.
    fn cold_case() -> (Interactions, Interactions) {
        (
            log(4, 6, &[(0, 0), (1, 0), (1, 3), (2, 3)]),
            log(4, 6, &[(0, 1), (1, 3), (1, 4), (2, 5), (3, 0)]),
        )
    }

    fn eval_with(
        model: &dyn Recommender,
        fallback: Option<&dyn Recommender>,
        opts: &EvalOptions,
    ) -> EvalReport {
        let (train, test) = cold_case();
        evaluate(
            model,
            fallback,
            &train.to_matrix(Weighting::Binary),
            None,
            None,
            &test,
            opts,
            &NoProgress,
            &CancelToken::new(),
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Fixed`] as a model with a learned vector per shopper (as BPR).
    struct PerShopper(Fixed);

    impl Recommender for PerShopper {
        fn state(&self) -> shoplab_datasets::ModelState {
            self.0.state()
        }
        fn name(&self) -> &str {
            "per_shopper"
        }
        fn n_items(&self) -> usize {
            self.0.n_items()
        }
        fn score(&self, q: &UserQuery<'_>, scores: &mut [f32]) {
            self.0.score(q, scores);
        }
        fn ranks_from_history(&self) -> bool {
            false
        }
    }

    #[test]
    fn shoppers_without_training_events_are_cold_for_per_shopper_models() {
        // History (training + validation) gives every shopper events, but
        // u2 had only validation events: the model was never fitted on them.
        let (_, test) = cold_case();
        let history = log(4, 6, &[(0, 0), (1, 0), (1, 3), (2, 3), (3, 2)]);
        let trained = [true, true, false, false];
        let popularity = Fixed(vec![2.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
        let run = |model: &dyn Recommender| {
            evaluate(
                model,
                Some(&popularity),
                &history.to_matrix(Weighting::Binary),
                None,
                Some(&trained),
                &test,
                &EvalOptions::default(),
                &NoProgress,
                &CancelToken::new(),
                None,
            )
            .unwrap_or_else(|e| panic!("{e}"))
        };
        let per_shopper = run(&PerShopper(Fixed(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0])));
        assert_eq!(
            (per_shopper.n_users_evaluated, per_shopper.n_users_cold),
            (2, 2)
        );
        let cold: Vec<u32> = per_shopper.cold_per_user.iter().map(|u| u.user).collect();
        assert_eq!(cold, vec![2, 3]);
        assert_eq!(per_shopper.cold.map(|c| c.scored_by), Some("fixed".into()));
        // A model that reads the history ranks both from it.
        let from_history = run(&Next(6));
        assert_eq!(
            (from_history.n_users_evaluated, from_history.n_users_cold),
            (4, 0)
        );
    }

    #[test]
    fn cold_shoppers_are_reported_apart_with_the_fallback() {
        // The fallback: training popularity (items 0 and 3 by two shoppers).
        let popularity = Fixed(vec![2.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
        let opts = EvalOptions {
            ks: vec![1, 2],
            ..EvalOptions::default()
        };
        let r = eval_with(&Next(6), Some(&popularity), &opts);
        // u3 is cold: out of the means, ranked by the fallback (0 first: a hit).
        assert_eq!((r.n_users_evaluated, r.n_users_cold), (3, 1));
        assert!(r.per_user.iter().all(|u| !u.cold && u.user != 3));
        let cold = r.cold.clone().unwrap_or_default();
        assert_eq!((cold.scored_by.as_str(), cold.n_users), ("fixed", 1));
        assert!(close(cold.means[0].hit, 1.0));
        // Its hit (item 0) ties item 3 in the fallback's scores: the tie
        // rule put it first, and that is counted for the cold group.
        assert_eq!(cold.n_users_tie_decided, 1);
        assert!(r.cold_per_user[0].tie_decided);
        assert_eq!(r.cold_per_user.len(), 1);
        // u0 hits at 1; u1 ties 1 and 4 (equal popularity 0, so the lower
        // index first): hit at 2; u2 misses.
        assert!(close(r.means[0].hit, 1.0 / 3.0), "{:?}", r.means);
        assert!(close(r.means[1].hit, 2.0 / 3.0), "{:?}", r.means);
        assert_eq!(r.n_users_no_signal, 0);
        // Test pairs: 5; (1, 3) repeats training; items 1, 4, 5 are new.
        assert_eq!(
            (
                r.n_test_pairs,
                r.n_test_pairs_seen_in_train,
                r.n_test_pairs_new_item
            ),
            (5, 1, 3)
        );

        // Included with the fallback: in the means, still counted as cold.
        let inc = EvalOptions {
            cold_shoppers: ColdShoppers::Fallback,
            ..opts.clone()
        };
        let r = eval_with(&Next(6), Some(&popularity), &inc);
        assert_eq!((r.n_users_evaluated, r.n_users_cold), (4, 1));
        assert!(close(r.means[0].hit, 2.0 / 4.0));

        // Scored by the model itself, the cold shopper's all-zero scores are
        // ranked by the tie-break alone: counted as "no signal".
        let legacy = EvalOptions {
            cold_shoppers: ColdShoppers::Model,
            ..opts.clone()
        };
        let r = eval_with(&Next(6), None, &legacy);
        assert_eq!((r.n_users_evaluated, r.n_users_no_signal), (4, 1));
        assert_eq!(r.cold.map(|c| c.scored_by), Some("next".to_string()));

        // Apart without a fallback: counted, never scored.
        let r = eval_with(&Next(6), None, &opts);
        assert_eq!((r.n_users_evaluated, r.n_users_cold), (3, 1));
        assert!(r.cold_per_user.is_empty());
        // Including them needs a fallback.
        let (train, test) = cold_case();
        assert!(
            evaluate(
                &Next(6),
                None,
                &train.to_matrix(Weighting::Binary),
                None,
                None,
                &test,
                &inc,
                &NoProgress,
                &CancelToken::new(),
                None,
            )
            .is_err()
        );
    }

    #[test]
    fn ties_go_to_the_more_popular_item() {
        // A model with no opinion for a warm shopper: every score equal.
        let flat = Fixed(vec![1.0; 6]);
        let opts = EvalOptions {
            ks: vec![1],
            cold_shoppers: ColdShoppers::Model,
            ..EvalOptions::default()
        };
        let r = eval_with(&flat, None, &opts);
        // u2 (history {3}): candidates 0,1,2,4,5 tie; item 0 has two
        // training shoppers, so it leads; by index it would too, so look at u0
        // (history {0}): 3 is the popular one and comes before 1 and 2.
        let u0 = r
            .per_user
            .iter()
            .find(|u| u.user == 0)
            .map(|u| u.top.clone());
        assert_eq!(u0, Some(vec![3]));
        assert_eq!(r.n_users_no_signal, 4);
        let by_index = EvalOptions {
            tie_break: TieBreak::ItemIndex,
            ..opts
        };
        let r = eval_with(&flat, None, &by_index);
        let u0 = r
            .per_user
            .iter()
            .find(|u| u.user == 0)
            .map(|u| u.top.clone());
        assert_eq!(u0, Some(vec![1]));
    }

    #[test]
    fn repeat_protocol_keeps_training_items_as_candidates() {
        let opts = EvalOptions {
            ks: vec![2],
            exclude_train: false,
            cold_shoppers: ColdShoppers::Model,
            ..EvalOptions::default()
        };
        assert_eq!(opts.protocol(), "full ranking, repeat");
        assert!(opts.repeat());
        // u1 (history {0, 3}) tests {3, 4}: 3 is a candidate and a hit now.
        let r = eval_with(&Fixed(vec![0.0, 0.0, 0.0, 5.0, 4.0, 0.0]), None, &opts);
        let u1 = r
            .per_user
            .iter()
            .find(|u| u.user == 1)
            .cloned()
            .unwrap_or_default();
        assert_eq!((u1.n_test, u1.top.clone()), (2, vec![3, 4]));
        assert!(close(u1.metrics[0].recall, 1.0));
    }

    #[test]
    fn old_records_read_as_the_protocol_they_used() {
        let old: EvalOptions =
            serde_json::from_str(r#"{"ks": [10]}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(old.tie_break, TieBreak::ItemIndex);
        assert_eq!(old.cold_shoppers, ColdShoppers::Model);
        let new = EvalOptions::default();
        assert_eq!(
            (new.tie_break, new.cold_shoppers),
            (TieBreak::Popularity, ColdShoppers::Apart)
        );
        let bad = EvalOptions {
            cold_fallback: ModelSpec::Ease(Default::default()),
            ..EvalOptions::default()
        };
        assert!(bad.validate().is_err());
    }

    fn random_case() -> (Interactions, Interactions) {
        let mut train = Interactions::new(50, 23);
        let mut test = Interactions::new(50, 23);
        for u in 0..50u32 {
            for i in 0..23u32 {
                match (u * 13 + i * 7) % 9 {
                    0 | 1 => train.push(u, i, 0, EventKind::View, 1.0),
                    2 => test.push(u, i, 0, EventKind::View, 1.0),
                    _ => {}
                }
            }
        }
        (train, test)
    }

    /// Everything but the timings.
    fn strip(mut r: EvalReport) -> EvalReport {
        r.latency = Latency::default();
        r.throughput_users_per_s = 0.0;
        r.wall_seconds = 0.0;
        r
    }

    #[test]
    fn results_do_not_depend_on_batch_size_or_threads() {
        let (train, test) = random_case();
        let model = Hashy(23);
        for sampled in [None, Some(5)] {
            let mut reports = Vec::new();
            for threads in [1, 2] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap_or_else(|e| panic!("{e}"));
                for batch_size in [1, 7, 256] {
                    let opts = EvalOptions {
                        batch_size,
                        sampled_negatives: sampled,
                        ..EvalOptions::default()
                    };
                    reports.push(strip(
                        pool.install(|| run(&model, &train, &test, &opts, Some(&[0; 23]))),
                    ));
                }
            }
            assert!(reports[0].n_users_evaluated > 40);
            for r in &reports[1..] {
                assert_eq!(r, &reports[0]);
            }
        }
    }

    #[test]
    fn a_small_evaluation_reports_progress_and_live_points_as_it_goes() {
        /// Records what the evaluation reports.
        #[derive(Default)]
        struct Seen {
            advances: std::sync::Mutex<Vec<u64>>,
            done: std::sync::atomic::AtomicU64,
            first_x: std::sync::Mutex<Option<u64>>,
        }
        impl Progress for Seen {
            fn stage(&self, _: &str, _: Option<u64>) {}
            fn advance(&self, n: u64) {
                self.done.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
                self.advances
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(n);
            }
            fn metric(&self, _: &str, _: f64) {
                let x = self.done.load(std::sync::atomic::Ordering::SeqCst);
                self.first_x
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(x);
            }
        }
        let (train, test) = random_case();
        let seen = Seen::default();
        let r = evaluate(
            &Hashy(23),
            None,
            &train.to_matrix(Weighting::Binary),
            None,
            None,
            &test,
            &EvalOptions::default(),
            &seen,
            &CancelToken::new(),
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let advances = seen
            .advances
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        assert!(r.n_users_evaluated > 40);
        // Fewer shoppers than one default unit (256), yet several steps.
        assert!(advances.len() >= 2, "{advances:?}");
        assert!(
            seen.first_x
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_some_and(|x| x > 0)
        );
    }

    #[test]
    fn max_users_spreads_picks_and_sampling_is_labelled() {
        let (train, test) = random_case();
        let opts = EvalOptions {
            ks: vec![5],
            max_users: Some(5),
            sampled_negatives: Some(3),
            ..EvalOptions::default()
        };
        let r = run(&Hashy(23), &train, &test, &opts, None);
        assert_eq!(r.n_users_evaluated, 5);
        assert_eq!(r.protocol, "sampled (3 negatives)");
        assert!(
            r.per_user.last().is_some_and(|u| u.user > 30),
            "picks reach the end of the index"
        );
        // Sampled lists hold only the test items and 3 negatives, so short ones are complete.
        for u in r.per_user.iter().filter(|u| u.n_test <= 2) {
            assert!(close(u.metrics[0].recall, 1.0), "{u:?}");
            assert!(close(u.metrics[0].precision, u.n_test as f64 / 5.0));
        }
        assert!(r.per_user.iter().any(|u| u.n_test <= 2));
    }

    #[test]
    fn refuses_bad_options_and_mismatched_models() {
        let (train, test) = random_case();
        let x = train.to_matrix(Weighting::Binary);
        let eval = |model: &dyn Recommender, opts: &EvalOptions| {
            evaluate(
                model,
                None,
                &x,
                None,
                None,
                &test,
                opts,
                &NoProgress,
                &CancelToken::new(),
                None,
            )
            .map(|_| ())
        };
        for bad in [
            EvalOptions {
                ks: vec![],
                ..EvalOptions::default()
            },
            EvalOptions {
                ks: vec![0, 5],
                ..EvalOptions::default()
            },
            EvalOptions {
                batch_size: 0,
                ..EvalOptions::default()
            },
            EvalOptions {
                sampled_negatives: Some(0),
                ..EvalOptions::default()
            },
        ] {
            assert!(eval(&Hashy(23), &bad).is_err(), "{bad:?}");
        }
        let err = eval(&Hashy(7), &EvalOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("hashy") && err.contains("23"), "{err}");
        let cancel = CancelToken::new();
        cancel.cancel();
        let r = evaluate(
            &Hashy(23),
            None,
            &x,
            None,
            None,
            &test,
            &EvalOptions::default(),
            &NoProgress,
            &cancel,
            None,
        );
        assert!(matches!(r, Err(Error::Cancelled)));
    }

    #[test]
    fn latency_percentiles_use_nearest_rank() {
        let l = latency_of((1..=100).map(f64::from).collect());
        assert_eq!(
            (l.p50_us, l.p95_us, l.p99_us, l.mean_us),
            (50.0, 95.0, 99.0, 50.5)
        );
    }

    proptest! {
        #[test]
        fn top_of_matches_top_k(
            scores in prop::collection::vec(prop_oneof![(-3i32..3).prop_map(|x| x as f32), Just(f32::NAN)], 0..40),
            k in 0usize..45,
        ) {
            let mut cand: Vec<(f32, u32)> = scores.iter().enumerate().map(|(i, &s)| (s, i as u32)).collect();
            let mut out = Vec::new();
            top_of(&mut cand, k, &mut out, None);
            prop_assert_eq!(&out, &top_k(&scores, k, &[]));
            let prior: Vec<f32> = (0..scores.len()).map(|i| ((i * 7) % 4) as f32).collect();
            let mut cand: Vec<(f32, u32)> = scores.iter().enumerate().map(|(i, &s)| (s, i as u32)).collect();
            top_of(&mut cand, k, &mut out, Some(&prior));
            prop_assert_eq!(out, shoplab_datasets::recommender::top_k_with_prior(&scores, k, &[], Some(&prior)));
        }

        /// `tie_decided` against its meaning, computed apart: the DCG at the
        /// largest K differs between the tie orders most and least
        /// favourable to the test items (binary relevance, discounts
        /// strictly falling).
        #[test]
        fn tie_decided_means_the_tie_order_can_change_the_metrics(
            scores in prop::collection::vec((0i32..4).prop_map(|x| x as f32), 2..14),
            test_mask in prop::collection::vec(any::<bool>(), 14),
            k in 1usize..8,
        ) {
            let n = scores.len();
            let test: Vec<u32> = (0..n as u32).filter(|&i| test_mask[i as usize]).collect();
            prop_assume!(!test.is_empty());
            let pairs: Vec<(u32, u32)> = test.iter().map(|&i| (0, i)).collect();
            let opts = EvalOptions {
                ks: vec![k],
                exclude_train: false,
                tie_break: TieBreak::ItemIndex,
                ..EvalOptions::default()
            };
            // One training event (item 0) keeps the shopper warm.
            let r = run(&Fixed(scores.clone()), &log(1, n as u32, &[(0, 0)]), &log(1, n as u32, &pairs), &opts, None);
            let dcg = |test_first: bool| {
                let mut order: Vec<u32> = (0..n as u32).collect();
                order.sort_by(|&a, &b| {
                    let key = |i: u32| test_mask[i as usize] == test_first;
                    scores[b as usize].total_cmp(&scores[a as usize]).then(key(b).cmp(&key(a)))
                });
                order.iter().take(k).enumerate()
                    .filter(|&(_, &i)| test_mask[i as usize])
                    .map(|(r, _)| 1.0 / ((r + 2) as f64).log2())
                    .sum::<f64>()
            };
            prop_assert_eq!(r.per_user.len(), 1);
            prop_assert_eq!(r.per_user[0].tie_decided, dcg(true) != dcg(false));
        }
    }
}
