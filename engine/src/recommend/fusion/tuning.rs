//! Choosing a fusion's weights on the validation split.
//!
//! The members were fitted on the training part only, so the validation
//! events are new to all of them: each validation shopper is scored once
//! by every member (history = their training events, the run's protocol
//! for excluding it), and the candidates a fused top 10 can draw from are
//! kept: the union of every member's top `depth`, with each member's
//! normalised value of each. Every weight vector is then ranked and scored
//! (NDCG@10, the evaluation's tie order) from that pool in microseconds per
//! shopper, so hundreds of trials cost little more than one evaluation.
//! An item outside every member's top `depth` would rarely reach a fused
//! top 10; the run's test evaluation ranks the whole catalogue.
//!
//! The search starts from equal weights and each member alone, so a blend
//! is chosen only when it beats every member on validation. Grid, random
//! (uniform on the simplex) and TPE (a tree-structured Parzen estimator:
//! new points drawn near the best quarter of the trials so far, kept where
//! the best quarter's density most exceeds the rest's) share that start.
//! TPE is written here: the Rust crates that offer Bayesian optimisation
//! bring a linear-algebra stack for what is a few dozen lines.

use std::time::Instant;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shoplab_datasets::recommender::rank_order;
use shoplab_datasets::{CancelToken, Progress, Recommender, Weighting};

use super::validation::{ValidationShoppers, score_members};
use super::{Combine, FusionMethod, FusionParams, Tuning, candidates};
use crate::error::{Error, Result};
use crate::evaluate::{EvalOptions, TieBreak, popularity_prior};
use crate::metrics::{Qrels, metrics_at};
use crate::split::Split;

/// The cut-off the tuning optimises (NDCG at 10).
pub const TUNING_K: usize = 10;

/// Fewest candidates each member adds to a validation shopper's pool.
pub const POOL_DEPTH: usize = 100;

/// One weight vector tried and its validation NDCG@10.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// Weights, summing to 1.
    pub weights: Vec<f64>,
    /// Mean validation NDCG@10.
    pub ndcg: f64,
}

/// How a fusion's weights were chosen, recorded with its run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FusionReport {
    /// Member run ids, in weight order.
    pub members: Vec<String>,
    /// Member display names, same order.
    pub member_names: Vec<String>,
    /// The combination method.
    pub method: String,
    /// The normalisation.
    pub normalise: String,
    /// The weights the run uses.
    pub weights: Vec<f64>,
    /// `given`, `equal`, or the search (`grid`, `random`, `tpe`).
    pub chosen_by: String,
    /// The split the weights were tuned on: `validation`, or empty when
    /// they were not tuned.
    pub tuned_on: String,
    /// Validation shoppers scored (0 without a validation split).
    pub validation_users: usize,
    /// Validation NDCG@10 of the chosen weights.
    pub validation_ndcg: f64,
    /// Validation NDCG@10 of each member alone, same order as `members`.
    pub members_validation_ndcg: Vec<f64>,
    /// Every weight vector tried, in order.
    pub trials: Vec<Trial>,
    /// Stacking: the meta-model's coefficient per standardised feature
    /// (each member's score and rank, item popularity and age, shopper
    /// activity), then its intercept.
    pub meta_model: Vec<(String, f64)>,
    /// Seconds spent scoring the validation shoppers and searching.
    pub seconds: f64,
}

/// Number of weight vectors on the simplex grid of `step` for `m` members.
pub fn grid_size(m: usize, step: f64) -> usize {
    let n = steps(step);
    // C(n + m - 1, m - 1), saturating.
    let mut c: f64 = 1.0;
    for i in 0..m.saturating_sub(1) {
        c = c * (n + 1 + i) as f64 / (i + 1) as f64;
    }
    if c > usize::MAX as f64 / 2.0 {
        usize::MAX
    } else {
        c.round() as usize
    }
}

fn steps(step: f64) -> usize {
    ((1.0 / step).round() as usize).max(1)
}

/// Every weight vector with entries in multiples of `step` summing to 1.
pub(crate) fn grid(m: usize, step: f64) -> Vec<Vec<f64>> {
    fn fill(left: usize, slot: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if slot + 1 == cur.len() {
            cur[slot] = left;
            out.push(cur.clone());
            return;
        }
        for k in (0..=left).rev() {
            cur[slot] = k;
            fill(left - k, slot + 1, cur, out);
        }
    }
    let n = steps(step);
    let mut parts = Vec::new();
    fill(n, 0, &mut vec![0; m], &mut parts);
    parts
        .into_iter()
        .map(|p| p.into_iter().map(|k| k as f64 / n as f64).collect())
        .collect()
}

/// Weights scaled to sum to 1, rounded to 12 decimals (0.6, not
/// 0.6000000000000001, in records and tables).
fn normalised(w: &[f64]) -> Vec<f64> {
    let s: f64 = w.iter().sum();
    w.iter().map(|x| (x / s * 1e12).round() / 1e12).collect()
}

/// One validation shopper's candidate pool.
struct PoolUser {
    /// Pool items.
    items: Vec<u32>,
    /// `items.len() x members` values (item-major).
    values: Vec<f32>,
    /// Members ranking each pool item in their top `depth`.
    tops: Vec<u8>,
    /// The shopper's validation items (binary relevance).
    qrels: Qrels,
}

/// Every validation shopper's pool, built once.
struct Pool {
    users: Vec<PoolUser>,
    members: usize,
    method: FusionMethod,
    prior: Option<Vec<f32>>,
}

impl Pool {
    /// Mean NDCG@10 of `weights` over the pool's shoppers.
    fn ndcg(&self, weights: &[f64]) -> f64 {
        self.ndcg_as(weights, self.method)
    }

    /// [`Pool::ndcg`] under another combination rule (a member alone is
    /// its own ranking, which CombMNZ's multiplier would change).
    fn ndcg_as(&self, weights: &[f64], method: FusionMethod) -> f64 {
        if self.users.is_empty() {
            return 0.0;
        }
        let prior = self.prior.as_deref();
        let per_user: Vec<f64> = self
            .users
            .par_iter()
            .map(|u| {
                let mut cand: Vec<(f32, u32)> = u
                    .items
                    .iter()
                    .enumerate()
                    .map(|(j, &item)| {
                        let v = &u.values[j * self.members..(j + 1) * self.members];
                        // Summed in member order in f32, as FusionModel does.
                        let mut s = 0f32;
                        for (x, w) in v.iter().zip(weights) {
                            s += *w as f32 * x;
                        }
                        if method == FusionMethod::CombMnz {
                            s *= f32::from(u.tops[j]);
                        }
                        (s, item)
                    })
                    .collect();
                let k = TUNING_K.min(cand.len());
                if k < cand.len() {
                    cand.select_nth_unstable_by(k, |a, b| rank_order(*a, *b, prior));
                    cand.truncate(k);
                }
                cand.sort_unstable_by(|a, b| rank_order(*a, *b, prior));
                let ranked: Vec<u32> = cand.iter().map(|c| c.1).collect();
                metrics_at(&ranked, &u.qrels, TUNING_K).ndcg
            })
            .collect();
        per_user.iter().sum::<f64>() / per_user.len() as f64
    }
}

/// Scores the validation shoppers with every member and keeps their pools.
fn build_pool(
    members: &[&dyn Recommender],
    combine: &Combine,
    split: &Split,
    weighting: Weighting,
    eval: &EvalOptions,
    max_users: usize,
    cancel: &CancelToken,
) -> Result<Pool> {
    let n = members.first().map_or(0, |m| m.n_items());
    let shoppers = ValidationShoppers::new(split, weighting, eval, max_users);
    let users = &shoppers.users;
    let m = members.len();
    // CombMNZ's depth may be small; the candidates a fused top 10 draws
    // from are never fewer than POOL_DEPTH per member.
    let depth = combine.depth.max(POOL_DEPTH).min(n);
    let chunk = 64usize.min((crate::evaluate::BLOCK_SCORES / n.max(1) / m.max(1)).max(1));
    let pools: Vec<Vec<PoolUser>> = users
        .par_chunks(chunk)
        .map(|block| {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let queries = shoppers.queries(block);
            let scored = score_members(members, &queries, n);
            let mut values = vec![vec![0.0f32; n]; m];
            let mut tops = vec![vec![false; n]; m];
            let mut cand = Vec::new();
            let mut order = Vec::new();
            let mut in_pool = vec![false; n];
            let mut out = Vec::with_capacity(block.len());
            for (r, q) in queries.iter().enumerate() {
                candidates(n, q.history, combine.exclude_history, &mut cand);
                let mut items: Vec<u32> = Vec::new();
                for mi in 0..m {
                    combine.member_values(
                        &scored[mi][r * n..(r + 1) * n],
                        &cand,
                        &mut values[mi],
                        &mut tops[mi],
                        &mut order,
                    );
                    // This member's best `depth` candidates by its own value.
                    super::add_top(&values[mi], &cand, depth, &mut in_pool, &mut items);
                }
                items.sort_unstable();
                let mut vals = Vec::with_capacity(items.len() * m);
                let mut top_counts = Vec::with_capacity(items.len());
                for &i in &items {
                    in_pool[i as usize] = false;
                    let mut t = 0u8;
                    for mi in 0..m {
                        vals.push(values[mi][i as usize]);
                        t += u8::from(tops[mi][i as usize]);
                    }
                    top_counts.push(t);
                }
                out.push(PoolUser {
                    items,
                    values: vals,
                    tops: top_counts,
                    qrels: shoppers.qrels(q),
                });
            }
            Ok(out)
        })
        .collect::<Result<_>>()?;
    let prior = match eval.tie_break {
        TieBreak::Popularity => Some(popularity_prior(shoppers.train())),
        TieBreak::ItemIndex => None,
    };
    Ok(Pool {
        users: pools.into_iter().flatten().collect(),
        members: m,
        method: combine.method,
        prior,
    })
}

/// The weights of a fusion of `members` (fitted on `split`'s training
/// part) and how they were chosen: given, equal, or searched on the
/// validation split as `params` asks. `combine` carries the method and
/// protocol; its weights are ignored.
#[allow(clippy::too_many_arguments)] // the run's parts, called from one place
pub fn tune(
    params: &FusionParams,
    members: &[&dyn Recommender],
    combine: &Combine,
    split: &Split,
    weighting: Weighting,
    eval: &EvalOptions,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<(Vec<f64>, FusionReport)> {
    params.validate()?;
    let start = Instant::now();
    let m = members.len();
    let tuning = params.tuning();
    let equal = vec![1.0 / m as f64; m];
    let mut report = FusionReport {
        members: params.members.clone(),
        method: combine.method.as_str().into(),
        normalise: if combine.method == FusionMethod::Rrf {
            "ranks".into()
        } else {
            combine.normalise.as_str().into()
        },
        chosen_by: if !params.weights.is_empty() {
            "given".into()
        } else if tuning == Tuning::None {
            "equal".into()
        } else {
            tuning.as_str().into()
        },
        ..FusionReport::default()
    };
    if split.valid.is_empty() {
        if tuning != Tuning::None {
            return Err(Error::invalid(
                "tuning",
                tuning.as_str(),
                "the members' split has no validation part to tune the weights on (never the \
                 test part); train the members with --valid-fraction 0.1, or give weights",
            ));
        }
        let w = if params.weights.is_empty() {
            equal
        } else {
            params.weights.clone()
        };
        report.weights = w.clone();
        return Ok((w, report));
    }
    progress.stage("score the validation shoppers with each member", None);
    let pool = build_pool(
        members,
        combine,
        split,
        weighting,
        eval,
        params.max_users,
        cancel,
    )?;
    progress.finish_stage();
    report.validation_users = pool.users.len();
    let one_hot = |j: usize| {
        (0..m)
            .map(|i| f64::from(u8::from(i == j)))
            .collect::<Vec<_>>()
    };
    let mut start_points = vec![if params.weights.is_empty() {
        equal.clone()
    } else {
        normalised(&params.weights)
    }];
    start_points.extend((0..m).map(one_hot));
    if tuning == Tuning::Grid {
        // One list, so progress counts the vectors actually tried.
        for w in grid(m, params.grid_step) {
            if !start_points
                .iter()
                .any(|s| s.iter().zip(&w).all(|(a, b)| (a - b).abs() < 1e-9))
            {
                start_points.push(w);
            }
        }
    }
    let planned = match tuning {
        Tuning::None | Tuning::Grid => start_points.len(),
        Tuning::Random | Tuning::Tpe => params.trials,
    };
    let stage = if tuning == Tuning::None {
        "validation NDCG@10 of the fusion and of each member".to_string()
    } else {
        format!("tune fusion weights ({})", tuning.as_str())
    };
    progress.stage(&stage, Some(planned as u64));
    let mut trials: Vec<Trial> = Vec::new();
    let try_weights = |w: Vec<f64>, trials: &mut Vec<Trial>| -> Result<()> {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let w = normalised(&w);
        if trials
            .iter()
            .any(|t| t.weights.iter().zip(&w).all(|(a, b)| (a - b).abs() < 1e-9))
        {
            return Ok(());
        }
        let ndcg = pool.ndcg(&w);
        trials.push(Trial { weights: w, ndcg });
        progress.advance(1);
        Ok(())
    };
    for w in start_points {
        try_weights(w, &mut trials)?;
    }
    // Each member's own ranking: one-hot weights without CombMNZ's multiplier
    // (the normalised values, or RRF's 1 / (k + rank), keep its order).
    report.members_validation_ndcg = (0..m)
        .map(|j| pool.ndcg_as(&one_hot(j), FusionMethod::Weighted))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    match tuning {
        Tuning::None | Tuning::Grid => {}
        Tuning::Random => {
            while trials.len() < params.trials {
                try_weights(dirichlet(&mut rng, m), &mut trials)?;
            }
        }
        Tuning::Tpe => {
            let startup = (params.trials / 4).max(m + 4).min(params.trials);
            while trials.len() < startup {
                try_weights(dirichlet(&mut rng, m), &mut trials)?;
            }
            while trials.len() < params.trials {
                let before = trials.len();
                let next = tpe_next(&trials, m, &mut rng);
                try_weights(next, &mut trials)?;
                if trials.len() == before {
                    // Already tried (a clamped draw landed on a corner): explore instead.
                    try_weights(dirichlet(&mut rng, m), &mut trials)?;
                }
            }
        }
    }
    progress.finish_stage();
    let chosen = if tuning == Tuning::None {
        trials[0].clone()
    } else {
        // The first of the best: equal weights win ties, then each member alone.
        trials
            .iter()
            .fold(None::<&Trial>, |best, t| match best {
                Some(b) if b.ndcg >= t.ndcg => Some(b),
                _ => Some(t),
            })
            .cloned()
            .unwrap_or_else(|| trials[0].clone())
    };
    if tuning != Tuning::None {
        report.tuned_on = "validation".into();
    }
    let weights = if params.weights.is_empty() || tuning != Tuning::None {
        chosen.weights.clone()
    } else {
        params.weights.clone()
    };
    report.weights = weights.clone();
    report.validation_ndcg = chosen.ndcg;
    report.trials = trials;
    report.seconds = start.elapsed().as_secs_f64();
    Ok((weights, report))
}

/// A point drawn uniformly from the simplex (Dirichlet(1, ..., 1)).
fn dirichlet(rng: &mut ChaCha8Rng, m: usize) -> Vec<f64> {
    let e: Vec<f64> = (0..m)
        .map(|_| -rng.random::<f64>().max(f64::MIN_POSITIVE).ln())
        .collect();
    normalised(&e)
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// TPE's next weight vector: 32 draws around the best quarter of the
/// trials, kept where l(x) / g(x) (Gaussian kernel densities of the best
/// quarter and of the rest) is highest.
fn tpe_next(trials: &[Trial], m: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let mut order: Vec<usize> = (0..trials.len()).collect();
    order.sort_by(|&a, &b| trials[b].ndcg.total_cmp(&trials[a].ndcg).then(a.cmp(&b)));
    let n_good = trials.len().div_ceil(4).max(1);
    let good: Vec<&[f64]> = order[..n_good]
        .iter()
        .map(|&i| trials[i].weights.as_slice())
        .collect();
    let rest: Vec<&[f64]> = order[n_good..]
        .iter()
        .map(|&i| trials[i].weights.as_slice())
        .collect();
    let rest = if rest.is_empty() { good.clone() } else { rest };
    let bandwidth = |k: usize| (0.5 * (k as f64).powf(-1.0 / (m as f64 + 4.0))).clamp(0.03, 0.5);
    let (bw_good, bw_rest) = (bandwidth(good.len()), bandwidth(rest.len()));
    let log_density = |x: &[f64], pts: &[&[f64]], bw: f64| {
        let logs: Vec<f64> = pts
            .iter()
            .map(|p| {
                -p.iter().zip(x).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / (2.0 * bw * bw)
                    - m as f64 * bw.ln()
            })
            .collect();
        let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        top + (logs.iter().map(|l| (l - top).exp()).sum::<f64>() / pts.len() as f64).ln()
    };
    let mut best: Option<(f64, Vec<f64>)> = None;
    for _ in 0..32 {
        let centre = good[rng.random_range(0..good.len())];
        let mut x: Vec<f64> = centre
            .iter()
            .map(|c| (c + bw_good * normal(rng)).clamp(0.0, 1.0))
            .collect();
        if x.iter().sum::<f64>() <= 0.0 {
            x = dirichlet(rng, m);
        }
        let x = normalised(&x);
        let gain = log_density(&x, &good, bw_good) - log_density(&x, &rest, bw_rest);
        if best.as_ref().is_none_or(|(g, _)| gain > *g) {
            best = Some((gain, x));
        }
    }
    best.map_or_else(|| dirichlet(rng, m), |(_, x)| x)
}
