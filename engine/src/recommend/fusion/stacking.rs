//! Stacking: a meta-model that re-ranks the candidates its members propose.
//!
//! The candidate generator is part of the spec: each shopper's candidates
//! are the union of every member's top `depth` (the shopper's history left
//! out under the run's protocol). Each candidate gets features: per member
//! its min-max normalised score and 1 / log2(1 + its rank among the
//! candidates), then the item's training popularity (log), the item's age
//! (log days since its first training event) and the shopper's activity
//! (log history length). A logistic regression on these (L2-penalised,
//! standardised features, Newton's method) learns from the validation
//! split: label 1 for the shopper's validation items. The members were
//! fitted on the training part only, so the meta-model never sees what it
//! is tested on. Its NDCG@10 is first measured on half the validation
//! shoppers after fitting on the other half (the figure the run records),
//! then it is fitted on all of them.
//!
//! The regression itself is [`crate::logistic`].

use rayon::prelude::*;
use shoplab_datasets::recommender::rank_order;
use shoplab_datasets::{CancelToken, ModelState, Progress, Recommender, UserQuery, Weighting};

use super::tuning::{FusionReport, TUNING_K};
use super::validation::{ValidationShoppers, score_members};
use super::{Combine, FusionMethod, FusionParams, Normalise, candidates};
use crate::error::{Error, Result};
use crate::evaluate::{EvalOptions, TieBreak, popularity_prior};
use crate::logistic::{LogisticModel, fit_logistic};
use crate::metrics::{Qrels, metrics_at};
use crate::recommend::saved;
use crate::split::Split;

/// What the fit is called in its error messages.
const WHAT: &str = "the stacking meta-model";

/// Features after the members' own: popularity, age, activity.
const EXTRA: [&str; 3] = ["item popularity", "item age", "shopper activity"];

/// The item-side features the meta-model reads, from the training part.
#[derive(Debug, Clone, PartialEq)]
struct ItemFeatures {
    /// ln(1 + training events) per item.
    popularity: Vec<f32>,
    /// ln(1 + days from the item's first training event to the last one of
    /// the training part); 0 for items never seen in training.
    age: Vec<f32>,
}

impl ItemFeatures {
    fn of(split: &Split, n_items: usize) -> Self {
        let train = &split.train;
        let mut count = vec![0u32; n_items];
        let mut first = vec![i64::MAX; n_items];
        let last = train.ts.iter().copied().max().unwrap_or(0);
        for e in 0..train.len() {
            let i = train.items[e] as usize;
            if i < n_items {
                count[i] += 1;
                first[i] = first[i].min(train.ts[e]);
            }
        }
        ItemFeatures {
            popularity: count.iter().map(|&c| (c as f32).ln_1p()).collect(),
            age: first
                .iter()
                .map(|&f| {
                    if f == i64::MAX {
                        0.0
                    } else {
                        ((last - f).max(0) as f32 / 86_400.0).ln_1p()
                    }
                })
                .collect(),
        }
    }
}

/// One shopper's candidates and their feature rows.
struct Candidates {
    items: Vec<u32>,
    x: Vec<f32>,
}

/// The candidates of one shopper and their features, from each member's
/// scores (`rows`, one per member) over the catalogue.
fn candidate_features(
    rows: &[&[f32]],
    candidate: &[bool],
    depth: usize,
    history_len: usize,
    items: &ItemFeatures,
    scratch: &mut Vec<u32>,
) -> Candidates {
    let n = candidate.len();
    let m = rows.len();
    let scale = Combine {
        method: FusionMethod::Weighted,
        normalise: Normalise::MinMax,
        weights: vec![1.0; m],
        rrf_k: 60.0,
        depth,
        exclude_history: false,
    };
    let mut values = vec![vec![0.0f32; n]; m];
    let mut top = vec![false; n];
    for (mi, row) in rows.iter().enumerate() {
        scale.member_values(row, candidate, &mut values[mi], &mut top, scratch);
    }
    let mut chosen: Vec<u32> = Vec::new();
    let mut in_set = vec![false; n];
    for v in &values {
        super::add_top(v, candidate, depth, &mut in_set, &mut chosen);
    }
    chosen.sort_unstable();
    let d = 2 * m + EXTRA.len();
    let mut x = vec![0.0f32; chosen.len() * d];
    for (mi, v) in values.iter().enumerate() {
        // Rank among the candidates by this member's value, ties averaged.
        let mut order: Vec<usize> = (0..chosen.len()).collect();
        order.sort_by(|&a, &b| v[chosen[b] as usize].total_cmp(&v[chosen[a] as usize]));
        let mut start = 0;
        while start < order.len() {
            let s = v[chosen[order[start]] as usize];
            let mut end = start + 1;
            while end < order.len() && v[chosen[order[end]] as usize] == s {
                end += 1;
            }
            let rank = (start + 1 + end) as f32 / 2.0;
            for &k in &order[start..end] {
                x[k * d + 2 * mi] = s;
                x[k * d + 2 * mi + 1] = 1.0 / (1.0 + rank).log2();
            }
            start = end;
        }
    }
    let activity = (history_len as f32).ln_1p();
    for (k, &i) in chosen.iter().enumerate() {
        let row = &mut x[k * d + 2 * m..(k + 1) * d];
        row[0] = items.popularity[i as usize];
        row[1] = items.age[i as usize];
        row[2] = activity;
    }
    Candidates { items: chosen, x }
}

/// Feature names for `members`.
fn feature_names(members: &[String]) -> Vec<String> {
    members
        .iter()
        .flat_map(|m| [format!("{m} score"), format!("{m} rank")])
        .chain(EXTRA.iter().map(|s| s.to_string()))
        .collect()
}

/// A stacked model: its members' saved models, the candidate generator
/// (each member's top `depth`) and the meta-model that ranks the candidates.
pub struct StackedModel {
    members: Vec<Box<dyn Recommender>>,
    member_ids: Vec<String>,
    member_hashes: Vec<String>,
    depth: usize,
    exclude_history: bool,
    meta: LogisticModel,
    items: ItemFeatures,
    n_items: usize,
}

impl StackedModel {
    /// Loads a stacked model saved in a run folder under `runs` (members
    /// from their own folders, checked against the recorded hashes).
    pub fn load(runs: &std::path::Path, state: &ModelState) -> Result<Self> {
        saved::check(state, "fusion")?;
        let meta_text = |key: &str| {
            state
                .get_meta(key)
                .ok_or_else(|| saved::malformed("fusion", &format!("its `{key}` entry is missing")))
        };
        let meta: LogisticModel = serde_json::from_str(meta_text("meta_model")?)
            .map_err(|e| saved::malformed("fusion", &format!("its meta-model: {e}")))?;
        let depth: usize = meta_text("depth")?
            .parse()
            .map_err(|_| saved::malformed("fusion", "its depth"))?;
        let exclude_history = meta_text("exclude_history")? == "true";
        let members: Vec<(String, String)> = serde_json::from_str(meta_text("members")?)
            .map_err(|e| saved::malformed("fusion", &format!("its `members` entry: {e}")))?;
        let loaded = super::load_members(runs, members)?;
        let n_items = loaded.first().map_or(0, |m| m.2.n_items());
        let (_, popularity) = state.f32("item_popularity", Some(&[n_items]))?;
        let (_, age) = state.f32("item_age", Some(&[n_items]))?;
        let items = ItemFeatures {
            popularity: popularity.to_vec(),
            age: age.to_vec(),
        };
        if meta.mean.len() != 2 * loaded.len() + EXTRA.len() {
            return Err(saved::malformed(
                "fusion",
                "its meta-model has another number of features than members",
            ));
        }
        Ok(StackedModel::new(
            loaded,
            depth,
            exclude_history,
            meta,
            items,
        ))
    }

    fn new(
        members: Vec<(String, String, Box<dyn Recommender>)>,
        depth: usize,
        exclude_history: bool,
        meta: LogisticModel,
        items: ItemFeatures,
    ) -> Self {
        let n_items = members.first().map_or(0, |m| m.2.n_items());
        let (ids, hashes, models) = super::unzip_members(members);
        StackedModel {
            members: models,
            member_ids: ids,
            member_hashes: hashes,
            depth,
            exclude_history,
            meta,
            items,
            n_items,
        }
    }
}

impl Recommender for StackedModel {
    fn name(&self) -> &str {
        "fusion"
    }

    fn n_items(&self) -> usize {
        self.n_items
    }

    fn score(&self, query: &UserQuery<'_>, scores: &mut [f32]) {
        self.score_batch(std::slice::from_ref(query), scores);
    }

    fn score_batch(&self, queries: &[UserQuery<'_>], out: &mut [f32]) {
        let n = self.n_items;
        if n == 0 {
            return;
        }
        let members: Vec<&dyn Recommender> = self.members.iter().map(|m| m.as_ref()).collect();
        let blocks = score_members(&members, queries, n);
        let mut cand = Vec::new();
        let mut scratch = Vec::new();
        let d = self.meta.mean.len();
        for (r, (q, row)) in queries.iter().zip(out.chunks_mut(n)).enumerate() {
            candidates(n, q.history, self.exclude_history, &mut cand);
            let rows: Vec<&[f32]> = blocks.iter().map(|b| &b[r * n..(r + 1) * n]).collect();
            let c = candidate_features(
                &rows,
                &cand,
                self.depth,
                q.history.len(),
                &self.items,
                &mut scratch,
            );
            // Non-candidates rank below every candidate.
            row.fill(f32::MIN);
            for (k, &i) in c.items.iter().enumerate() {
                row[i as usize] = self.meta.logit(&c.x[k * d..(k + 1) * d]) as f32;
            }
        }
    }

    fn size_bytes(&self) -> usize {
        self.members.iter().map(|m| m.size_bytes()).sum::<usize>() + 8 * self.n_items
    }

    fn state(&self) -> ModelState {
        let mut s = saved::state("fusion");
        let members: Vec<(&String, &String)> =
            self.member_ids.iter().zip(&self.member_hashes).collect();
        s.meta("kind", "stacking")
            .meta(
                "meta_model",
                serde_json::to_string(&self.meta).unwrap_or_default(),
            )
            .meta("depth", self.depth)
            .meta("exclude_history", self.exclude_history)
            .meta(
                "members",
                serde_json::to_string(&members).unwrap_or_default(),
            )
            .push_f32(
                "item_popularity",
                &[self.n_items],
                self.items.popularity.clone(),
            )
            .push_f32("item_age", &[self.n_items], self.items.age.clone());
        s
    }

    fn ranks_from_history(&self) -> bool {
        self.members.iter().all(|m| m.ranks_from_history())
    }

    fn device(&self) -> String {
        self.members
            .first()
            .map_or_else(|| "cpu".into(), |m| m.device())
    }
}

/// One validation shopper's candidates, features and labels.
struct Example {
    items: Vec<u32>,
    x: Vec<f32>,
    qrels: Qrels,
}

/// Fits the stacked model of `members` on `split`'s validation part.
#[allow(clippy::too_many_arguments)] // the run's parts, called from `fusion::fit`
pub fn fit(
    params: &FusionParams,
    members: Vec<(String, String, Box<dyn Recommender>)>,
    split: &Split,
    weighting: Weighting,
    eval: &EvalOptions,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<(StackedModel, FusionReport)> {
    let start = std::time::Instant::now();
    if split.valid.is_empty() {
        return Err(Error::invalid(
            "method",
            "stacking",
            "the meta-model learns from the validation part, and the members' split has none; \
             train the members with --valid-fraction 0.1",
        ));
    }
    let n = members.first().map_or(0, |m| m.2.n_items());
    let m = members.len();
    let d = 2 * m + EXTRA.len();
    let depth = params.depth.max(TUNING_K).min(n);
    let items = ItemFeatures::of(split, n);
    let shoppers = ValidationShoppers::new(split, weighting, eval, params.max_users);
    let users = &shoppers.users;
    progress.stage(
        "stacking: score the validation shoppers with each member",
        Some(users.len() as u64),
    );
    let models: Vec<&dyn Recommender> = members.iter().map(|x| x.2.as_ref()).collect();
    let examples: Vec<Vec<Example>> = users
        .par_chunks(64)
        .map(|block| {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let queries = shoppers.queries(block);
            let scored = score_members(&models, &queries, n);
            let mut cand = Vec::new();
            let mut scratch = Vec::new();
            let out = queries
                .iter()
                .enumerate()
                .map(|(r, q)| {
                    candidates(n, q.history, eval.exclude_train, &mut cand);
                    let rows: Vec<&[f32]> = scored.iter().map(|b| &b[r * n..(r + 1) * n]).collect();
                    let c = candidate_features(
                        &rows,
                        &cand,
                        depth,
                        q.history.len(),
                        &items,
                        &mut scratch,
                    );
                    Example {
                        items: c.items,
                        x: c.x,
                        qrels: shoppers.qrels(q),
                    }
                })
                .collect();
            progress.advance(block.len() as u64);
            Ok(out)
        })
        .collect::<Result<_>>()?;
    progress.finish_stage();
    let examples: Vec<Example> = examples.into_iter().flatten().collect();
    let names = feature_names(&members.iter().map(|x| x.0.clone()).collect::<Vec<_>>());
    let prior = match eval.tie_break {
        TieBreak::Popularity => Some(popularity_prior(shoppers.train())),
        TieBreak::ItemIndex => None,
    };
    let gather = |pick: &dyn Fn(usize) -> bool| {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (k, e) in examples.iter().enumerate().filter(|(k, _)| pick(*k)) {
            let _ = k;
            x.extend_from_slice(&e.x);
            y.extend(e.items.iter().map(|&i| e.qrels.gain(i) > 0.0));
        }
        (x, y)
    };
    // Honest validation figure: fit on the even shoppers, score the odd ones.
    let (x_even, y_even) = gather(&|k| k % 2 == 0);
    let half = fit_logistic(&x_even, &y_even, d, params.l2, names.clone(), WHAT)?;
    let ndcg_of = |score: &dyn Fn(&Example, usize) -> f64| {
        let held: Vec<&Example> = examples.iter().skip(1).step_by(2).collect();
        if held.is_empty() {
            return 0.0;
        }
        held.iter()
            .map(|e| {
                let mut c: Vec<(f32, u32)> = e
                    .items
                    .iter()
                    .enumerate()
                    .map(|(k, &i)| (score(e, k) as f32, i))
                    .collect();
                c.sort_by(|a, b| rank_order(*a, *b, prior.as_deref()));
                let ranked: Vec<u32> = c.iter().take(TUNING_K).map(|x| x.1).collect();
                metrics_at(&ranked, &e.qrels, TUNING_K).ndcg
            })
            .sum::<f64>()
            / held.len() as f64
    };
    let validation_ndcg = ndcg_of(&|e, k| half.logit(&e.x[k * d..(k + 1) * d]));
    let members_validation_ndcg: Vec<f64> = (0..m)
        .map(|mi| ndcg_of(&|e, k| f64::from(e.x[k * d + 2 * mi])))
        .collect();
    let (x_all, y_all) = gather(&|_| true);
    let meta = fit_logistic(&x_all, &y_all, d, params.l2, names, WHAT)?;
    let report = FusionReport {
        members: params.members.clone(),
        method: FusionMethod::Stacking.as_str().into(),
        normalise: "min_max".into(),
        chosen_by: "stacking".into(),
        tuned_on: "validation".into(),
        // The held-out (odd) half the validation figures come from.
        validation_users: examples.len() / 2,
        validation_ndcg,
        members_validation_ndcg,
        meta_model: meta
            .features
            .iter()
            .cloned()
            .zip(meta.coef.iter().copied())
            .chain(std::iter::once(("intercept".to_string(), meta.coef[d])))
            .collect(),
        seconds: start.elapsed().as_secs_f64(),
        ..FusionReport::default()
    };
    Ok((
        StackedModel::new(members, depth, eval.exclude_train, meta, items),
        report,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_each_members_top_and_features_line_up() {
        let a = [5.0f32, 4.0, 3.0, 2.0, 1.0, 0.0];
        let b = [0.0f32, 1.0, 2.0, 3.0, 4.0, 9.0];
        let cand = [true, true, true, true, true, false];
        let items = ItemFeatures {
            popularity: vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
            age: vec![1.0; 6],
        };
        let c = candidate_features(&[&a, &b], &cand, 2, 3, &items, &mut Vec::new());
        // A's top 2: 0, 1; B's top 2 among candidates: 4, 3 (5 is history).
        assert_eq!(c.items, vec![0, 1, 3, 4]);
        let d = 2 * 2 + EXTRA.len();
        assert_eq!(c.x.len(), 4 * d);
        // Item 0: A's best (score 1, rank 1), B's worst among candidates.
        assert_eq!(c.x[0], 1.0);
        assert_eq!(c.x[1], 1.0);
        assert_eq!(c.x[2], 0.0);
        assert_eq!(c.x[4], 0.1);
        assert!((c.x[6] - 3f32.ln_1p()).abs() < 1e-6);
    }
}
