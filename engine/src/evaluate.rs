//! Offline evaluation of a recommender under a recorded protocol.
//!
//! Full ranking over the whole catalog by default (sampled negatives only on
//! request, and labelled so), the shopper's training items excluded, ties
//! broken by the lower item index. Users are scored in batches in parallel,
//! each rayon task with its own score buffer, and per-user results are summed
//! in user order afterwards, so every number except the timings is identical
//! for any batch size and thread count. No users x items score matrix is ever
//! held: memory is one catalog-sized buffer per task plus the top-K lists.

use std::cmp::Ordering;
use std::time::Instant;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shoplab_datasets::{
    CancelToken, Interactions, Progress, Recommender, SparseMatrix, UserQuery, Weighting,
};

use crate::error::{Error, Result};
use crate::metrics::{MetricSet, Qrels, metrics_at_many};

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
    /// Shoppers per parallel work unit (default 256; results do not depend on it).
    pub batch_size: usize,
    /// Rank the test items among this many sampled negatives instead of the
    /// whole catalog (default `None`: full ranking). Sampled metrics are
    /// optimistic and labelled as sampled.
    pub sampled_negatives: Option<usize>,
    /// Seed of the negative sampling (default 42).
    pub seed: u64,
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
        if self.max_users == Some(0) {
            return Err(Error::invalid(
                "max_users",
                0,
                "must be at least 1, or absent for all shoppers",
            ));
        }
        Ok(())
    }

    /// Plain-words protocol label: `full ranking` or `sampled (N negatives)`.
    pub fn protocol(&self) -> String {
        match self.sampled_negatives {
            None => "full ranking".to_string(),
            Some(n) => format!("sampled ({n} negatives)"),
        }
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
    /// Shoppers with test items that were evaluated.
    pub n_users_evaluated: usize,
    /// Shoppers with test events but no test item left after excluding training items.
    pub n_users_skipped: usize,
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
    /// Per-shopper results, by user index.
    pub per_user: Vec<UserResult>,
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
}

/// Evaluates `model` on `test`, with `train` (the matrix the model was fitted
/// on, user x item) as each shopper's history. `item_features` (one id per
/// item, e.g. a category) enables intra-list diversity.
pub fn evaluate(
    model: &dyn Recommender,
    train: &SparseMatrix,
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
    let start = Instant::now();
    let test_m = test.to_matrix(Weighting::Binary);
    let history = |u: usize| {
        if u < train.n_rows {
            train.row(u)
        } else {
            (&[][..], &[][..])
        }
    };
    let mut eligible = Vec::new();
    let mut n_users_skipped = 0;
    for u in 0..test_m.n_rows {
        let items = test_m.row(u).0;
        if items.is_empty() {
            continue;
        }
        let hist = history(u).0;
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
    let outcomes: Vec<Vec<Outcome>> = eligible
        .par_chunks(opts.batch_size)
        .map_init(
            || Worker::new(n_items),
            |w, users| {
                if cancel.is_cancelled() {
                    return Err(Error::Cancelled);
                }
                let out = users
                    .iter()
                    .map(|&u| {
                        let (hist, weights) = history(u as usize);
                        w.user(
                            model,
                            u,
                            hist,
                            weights,
                            test_m.row(u as usize).0,
                            opts,
                            max_k,
                        )
                    })
                    .collect::<Vec<Outcome>>();
                live.add(&out, progress);
                progress.advance(users.len() as u64);
                Ok(out)
            },
        )
        .collect::<Result<_>>()?;
    progress.finish_stage();
    let outcomes: Vec<Outcome> = outcomes.into_iter().flatten().collect();
    let wall_seconds = start.elapsed().as_secs_f64();
    Ok(summarise(
        outcomes,
        train,
        opts,
        item_features,
        n_users_skipped,
        wall_seconds,
    ))
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
        for o in batch {
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
        model: &dyn Recommender,
        user: u32,
        hist: &[u32],
        weights: &[f32],
        test: &[u32],
        opts: &EvalOptions,
        max_k: usize,
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
        self.scores.fill(0.0);
        let query = UserQuery {
            user: Some(user),
            history: hist,
            weights,
        };
        model.score(&query, &mut self.scores);
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
        top_of(&mut self.cand, max_k, &mut self.ranked);
        let latency_us = clock.elapsed().as_secs_f64() * 1e6;

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
            },
            latency_us,
        }
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

/// Best first: higher score, then lower item index; NaN last. The same order
/// as [`shoplab_datasets::top_k`], on a reused buffer.
fn better(a: &(f32, u32), b: &(f32, u32)) -> Ordering {
    b.0.partial_cmp(&a.0)
        .unwrap_or_else(|| a.0.is_nan().cmp(&b.0.is_nan()))
        .then(a.1.cmp(&b.1))
}

/// The `k` best candidates into `out`, best first. Uses a linear-time
/// selection, then sorts only the `k` selected.
fn top_of(cand: &mut [(f32, u32)], k: usize, out: &mut Vec<u32>) {
    out.clear();
    if k == 0 || cand.is_empty() {
        return;
    }
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
    train: &SparseMatrix,
    opts: &EvalOptions,
    item_features: Option<&[u32]>,
    n_users_skipped: usize,
    wall_seconds: f64,
) -> EvalReport {
    let n_items = train.n_cols;
    // Training popularity: shoppers per item (matrix entries are distinct pairs).
    let mut popularity = vec![0u32; n_items];
    for &i in &train.indices {
        popularity[i as usize] += 1;
    }
    let n_train_users = (0..train.n_rows)
        .filter(|&r| train.indptr[r] < train.indptr[r + 1])
        .count()
        .max(1) as f64;
    // Items no training shopper touched count as touched once: novelty stays finite.
    let self_info = |i: u32| -(f64::from(popularity[i as usize].max(1)) / n_train_users).log2();

    let n = outcomes.len();
    let mut means = vec![MetricSet::default(); opts.ks.len()];
    let mut auc = 0.0;
    let mut recommended = vec![false; n_items];
    let (mut novelty, mut arp, mut n_lists) = (0.0, 0.0, 0usize);
    let (mut diversity, mut n_diverse) = (0.0, 0usize);
    let mut latencies = Vec::with_capacity(n);
    let mut per_user = Vec::with_capacity(n);
    for o in outcomes {
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
    let mean_of = |sum: f64, count: usize| if count == 0 { 0.0 } else { sum / count as f64 };
    EvalReport {
        protocol: opts.protocol(),
        ks: opts.ks.clone(),
        exclude_train: opts.exclude_train,
        sampled_negatives: opts.sampled_negatives,
        n_users_evaluated: n,
        n_users_skipped,
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
            &train.to_matrix(Weighting::Binary),
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
    /// - u2 trained on nothing, tests {0, 5}: ranking 0 1 2 3 4 5.
    #[test]
    fn hand_computed_report() {
        let model = Fixed(vec![5.0, 4.0, 4.0, 3.0, 1.0, 0.0]);
        let train = log(3, 6, &[(0, 0), (1, 1)]);
        let test = log(3, 6, &[(0, 2), (0, 4), (1, 1), (2, 0), (2, 5), (2, 0)]);
        let opts = EvalOptions {
            ks: vec![1, 2, 5],
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
            ..EvalOptions::default()
        };
        let r = run(&model, &train, &test, &opts, None);
        assert_eq!((r.n_users_evaluated, r.n_users_skipped), (2, 0));
        // u0 ranking 0 1: item 2 missed. u1 ranking 0 1: hit at rank 2.
        assert!(close(r.per_user[0].metrics[0].hit, 0.0));
        assert!(close(r.per_user[1].metrics[0].mrr, 0.5));
        assert_eq!(r.diversity, None);
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
                &x,
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
            &x,
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
            top_of(&mut cand, k, &mut out);
            prop_assert_eq!(out, top_k(&scores, k, &[]));
        }
    }
}
