//! Fused models: two or more saved runs combined into one ranking.
//!
//! A fusion is a run like any other (saved, evaluated, compared,
//! recommended from): its model scores a shopper with every member on the
//! **full catalogue**, puts each member's scores on one scale
//! ([`Normalise`]) and combines them ([`FusionMethod`]). Weights are given,
//! equal, or tuned on the validation split ([`tuning`]), never on the test
//! split; the run records which.
//!
//! The members are the saved models of runs on the same data, split,
//! event kinds, weighting and protocol; the fused model's saved state names
//! them (and the hash of each one's weights), so serving loads them from
//! their run folders and refuses a member that changed or is gone.

pub mod stacking;
pub mod tuning;
mod validation;

use std::path::Path;

use serde::{Deserialize, Serialize};
use shoplab_datasets::{CancelToken, ModelState, Progress, Recommender, UserQuery, Weighting};

use crate::error::{Error, Result};
use crate::evaluate::EvalOptions;
use crate::recommend::saved;
use crate::split::Split;

pub use tuning::{FusionReport, Trial, tune};

/// How each member's scores are put on one scale before combining.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalise {
    /// (s − min) / (max − min) over the shopper's candidates (default).
    #[default]
    MinMax,
    /// (s − mean) / standard deviation over the candidates.
    ZScore,
    /// Borda: (candidates − rank + 1) / candidates, tied scores sharing
    /// their average rank.
    Rank,
}

impl Normalise {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Normalise::MinMax => "min_max",
            Normalise::ZScore => "z_score",
            Normalise::Rank => "rank",
        }
    }
}

/// How the normalised member scores become one score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FusionMethod {
    /// Sum of the normalised scores, members weighed equally.
    CombSum,
    /// CombSUM times the number of members that rank the item in their
    /// top `depth` (Fox & Shaw 1994).
    CombMnz,
    /// Weighted sum of the normalised scores; weights given or tuned on
    /// the validation split (default).
    #[default]
    Weighted,
    /// Reciprocal rank fusion: Σ w / (k + rank) over members, ranks over the
    /// whole catalogue (Cormack et al. 2009); weights equal unless given or
    /// tuned. Reads ranks, so `normalise` does not apply.
    Rrf,
    /// A meta-model (logistic regression on each member's score and rank,
    /// item popularity and age, shopper activity) learnt on the validation
    /// split re-ranks the union of the members' top `depth` (see [`stacking`]).
    Stacking,
}

impl FusionMethod {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FusionMethod::CombSum => "comb_sum",
            FusionMethod::CombMnz => "comb_mnz",
            FusionMethod::Weighted => "weighted",
            FusionMethod::Rrf => "rrf",
            FusionMethod::Stacking => "stacking",
        }
    }

    /// Whether the method reads each member's ranks.
    fn needs_ranks(self, normalise: Normalise) -> bool {
        // Stacking ranks its candidates itself (see `stacking`).
        matches!(self, FusionMethod::CombMnz | FusionMethod::Rrf) || normalise == Normalise::Rank
    }
}

/// How the weights are searched on the validation split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tuning {
    /// No search: the given weights, or equal ones.
    None,
    /// Every weight vector on a simplex grid of step `grid_step`.
    Grid,
    /// `trials` weight vectors drawn uniformly from the simplex.
    Random,
    /// `trials` steps of a tree-structured Parzen estimator (TPE, the
    /// model-based sampler Optuna uses by default).
    Tpe,
}

impl Tuning {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Tuning::None => "none",
            Tuning::Grid => "grid",
            Tuning::Random => "random",
            Tuning::Tpe => "tpe",
        }
    }
}

/// A fusion's spec: which runs, how they are combined and how the weights
/// are chosen. JSON: `{"model": "fusion", "members": ["<run id>", ...],
/// "method": "weighted", "tuning": "grid"}`; every other field defaulted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FusionParams {
    /// Member run ids (at least two).
    pub members: Vec<String>,
    /// How scores are combined (default `weighted`).
    pub method: FusionMethod,
    /// How each member's scores are scaled (default `min_max`; not used by `rrf`).
    pub normalise: Normalise,
    /// One weight per member; empty: tuned (`weighted`) or equal.
    pub weights: Vec<f64>,
    /// How weights are searched; empty: `grid` for `weighted` without
    /// weights, else none.
    pub tuning: Option<Tuning>,
    /// Weight vectors tried by `random` and `tpe` (default 60).
    pub trials: usize,
    /// Step of the `grid` search (default 0.1).
    pub grid_step: f64,
    /// CombMNZ's list depth, and each member's share of the candidates
    /// the tuning ranks per shopper (default 100).
    pub depth: usize,
    /// RRF's constant k (default 60).
    pub rrf_k: f64,
    /// Seed of the random and TPE searches (default 2020).
    pub seed: u64,
    /// Validation shoppers the tuning scores, evenly spread (default 5000).
    pub max_users: usize,
    /// Stacking: the meta-model's L2 penalty on its standardised
    /// coefficients (default 1).
    pub l2: f64,
}

impl Default for FusionParams {
    fn default() -> Self {
        FusionParams {
            members: Vec::new(),
            method: FusionMethod::default(),
            normalise: Normalise::default(),
            weights: Vec::new(),
            tuning: None,
            trials: 60,
            grid_step: 0.1,
            depth: 100,
            rrf_k: 60.0,
            seed: 2020,
            max_users: 5000,
            l2: 1.0,
        }
    }
}

/// Most weight vectors a grid search may have.
pub const MAX_GRID: usize = 5000;

impl FusionParams {
    /// The search this spec asks for (see [`FusionParams::tuning`]).
    pub fn tuning(&self) -> Tuning {
        self.tuning.unwrap_or(
            if self.method == FusionMethod::Weighted && self.weights.is_empty() {
                Tuning::Grid
            } else {
                Tuning::None
            },
        )
    }

    /// Refuses specs that cannot run, naming the field and what to do.
    pub fn validate(&self) -> Result<()> {
        let m = self.members.len();
        if m < 2 {
            return Err(Error::invalid(
                "members",
                m,
                "a fusion needs at least two runs; name them (`shoplab fuse RUN RUN ...`)",
            ));
        }
        for (i, id) in self.members.iter().enumerate() {
            if self.members[..i].contains(id) {
                return Err(Error::invalid(
                    "members",
                    id,
                    "is named twice; name each run once",
                ));
            }
        }
        if !self.weights.is_empty() {
            let given = self
                .weights
                .iter()
                .map(f64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            if self.weights.len() != m {
                return Err(Error::invalid(
                    "weights",
                    &given,
                    format!(
                        "{} weights for {m} members: give one weight per member, in the members' order",
                        self.weights.len()
                    ),
                ));
            }
            if self.weights.iter().any(|w| !(w.is_finite() && *w >= 0.0))
                || self.weights.iter().sum::<f64>() <= 0.0
            {
                return Err(Error::invalid(
                    "weights",
                    &given,
                    "give finite numbers of at least 0, not all 0",
                ));
            }
        }
        let tuning = self.tuning();
        if matches!(
            self.method,
            FusionMethod::CombSum | FusionMethod::CombMnz | FusionMethod::Stacking
        ) && (!self.weights.is_empty() || tuning != Tuning::None)
        {
            let (field, value) = if self.weights.is_empty() {
                ("tuning", tuning.as_str().to_string())
            } else {
                ("weights", format!("{:?}", self.weights))
            };
            return Err(Error::invalid(
                field,
                value,
                if self.method == FusionMethod::Stacking {
                    "stacking learns its meta-model's weights on the validation split; give no weights or tuning".to_string()
                } else {
                    format!(
                        "{} weighs members equally; use method `weighted` (or `rrf`) to give or tune weights",
                        self.method.as_str()
                    )
                },
            ));
        }
        if tuning != Tuning::None && !self.weights.is_empty() {
            return Err(Error::invalid(
                "tuning",
                tuning.as_str(),
                "weights were given as well; give weights or tune them, not both",
            ));
        }
        if matches!(tuning, Tuning::Random | Tuning::Tpe) && self.trials < m + 1 {
            return Err(Error::invalid(
                "trials",
                self.trials,
                format!(
                    "use at least {} (equal weights and each member alone come first)",
                    m + 1
                ),
            ));
        }
        if tuning == Tuning::Grid {
            let steps = 1.0 / self.grid_step;
            if !(self.grid_step > 0.0 && self.grid_step <= 0.5)
                || (steps - steps.round()).abs() > 1e-6
            {
                return Err(Error::invalid(
                    "grid_step",
                    self.grid_step,
                    "give a step that divides 1, from 0.5 down, e.g. 0.1, 0.2, 0.25",
                ));
            }
            let n = tuning::grid_size(m, self.grid_step);
            if n > MAX_GRID {
                return Err(Error::invalid(
                    "grid_step",
                    self.grid_step,
                    format!(
                        "{m} members on this grid make {n} weight vectors (at most {MAX_GRID}); \
                         use a larger step or `tuning=tpe`"
                    ),
                ));
            }
        }
        if self.depth == 0 {
            return Err(Error::invalid("depth", 0, "give at least 1 (100 is usual)"));
        }
        if !(self.rrf_k.is_finite() && self.rrf_k >= 0.0) {
            return Err(Error::invalid(
                "rrf_k",
                self.rrf_k,
                "give a number of at least 0 (60 is usual)",
            ));
        }
        if self.max_users == 0 {
            return Err(Error::invalid("max_users", 0, "give at least 1"));
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(Error::invalid(
                "l2",
                self.l2,
                "give a penalty of at least 0 (1 is the default)",
            ));
        }
        Ok(())
    }
}

/// The combination rule a fused model applies (the spec's rule with its
/// final weights).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Combine {
    /// How scores are combined.
    pub method: FusionMethod,
    /// How each member's scores are scaled.
    pub normalise: Normalise,
    /// One weight per member.
    pub weights: Vec<f64>,
    /// RRF's k.
    pub rrf_k: f64,
    /// CombMNZ's list depth.
    pub depth: usize,
    /// Whether the shopper's history items are left out of each member's
    /// scale (the run's protocol excludes them from the ranking).
    pub exclude_history: bool,
}

impl Combine {
    /// What one member contributes per item (its normalised score, or
    /// 1 / (k + rank) for RRF) into `out`, and whether each item is in its
    /// top `depth` into `in_top`; items that are not candidates get 0.
    /// `ranks` is scratch space.
    pub fn member_values(
        &self,
        scores: &[f32],
        candidate: &[bool],
        out: &mut [f32],
        in_top: &mut [bool],
        order: &mut Vec<u32>,
    ) {
        let n_cand = candidate.iter().filter(|c| **c).count();
        out.fill(0.0);
        in_top.fill(false);
        if n_cand == 0 {
            return;
        }
        let finite_min = scores
            .iter()
            .zip(candidate)
            .filter(|(s, c)| **c && s.is_finite())
            .map(|(s, _)| *s)
            .fold(f32::INFINITY, f32::min);
        // NaN and -inf read as the lowest finite score: a member's "no
        // opinion" must not outrank its opinions.
        let clean = |s: f32| if s.is_finite() { s } else { finite_min };
        if self.method.needs_ranks(self.normalise) {
            average_ranks(scores, candidate, &clean, order, out);
            // `out` holds 1-based average ranks of the candidates now.
            for i in 0..out.len() {
                if !candidate[i] {
                    continue;
                }
                let rank = out[i];
                in_top[i] = rank <= self.depth as f32;
                out[i] = match (self.method, self.normalise) {
                    (FusionMethod::Rrf, _) => 1.0 / (self.rrf_k as f32 + rank),
                    (_, Normalise::Rank) => (n_cand as f32 - rank + 1.0) / n_cand as f32,
                    _ => clean(scores[i]),
                };
            }
            if matches!(self.method, FusionMethod::Rrf) || self.normalise == Normalise::Rank {
                return;
            }
        } else {
            for i in 0..out.len() {
                if candidate[i] {
                    out[i] = clean(scores[i]);
                }
            }
        }
        scale(self.normalise, out, candidate);
    }

    /// Fused scores from each member's [`Combine::member_values`]: the
    /// weighted sum, times the count of members ranking the item in their
    /// top `depth` for CombMNZ.
    pub fn fuse(&self, values: &[Vec<f32>], in_top: &[Vec<bool>], out: &mut [f32]) {
        out.fill(0.0);
        for (v, w) in values.iter().zip(&self.weights) {
            let w = *w as f32;
            for (o, x) in out.iter_mut().zip(v) {
                *o += w * x;
            }
        }
        if self.method == FusionMethod::CombMnz {
            for (i, o) in out.iter_mut().enumerate() {
                let hits = in_top.iter().filter(|t| t[i]).count();
                *o *= hits as f32;
            }
        }
    }
}

/// Min-max or z-score scaling of the candidates' values in place.
fn scale(normalise: Normalise, v: &mut [f32], candidate: &[bool]) {
    let cands = || {
        v.iter()
            .zip(candidate)
            .filter(|(_, c)| **c)
            .map(|(x, _)| *x)
    };
    match normalise {
        Normalise::MinMax => {
            let (lo, hi) = cands().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), x| {
                (lo.min(x), hi.max(x))
            });
            let span = hi - lo;
            for (x, c) in v.iter_mut().zip(candidate) {
                *x = if *c && span > 0.0 {
                    (*x - lo) / span
                } else {
                    0.0
                };
            }
        }
        Normalise::ZScore => {
            let n = cands().count() as f64;
            let mean = cands().map(f64::from).sum::<f64>() / n;
            let var = cands().map(|x| (f64::from(x) - mean).powi(2)).sum::<f64>() / n;
            let sd = var.sqrt();
            for (x, c) in v.iter_mut().zip(candidate) {
                *x = if *c && sd > 0.0 {
                    ((f64::from(*x) - mean) / sd) as f32
                } else {
                    0.0
                };
            }
        }
        Normalise::Rank => {}
    }
}

/// 1-based ranks of the candidates by descending score into `ranks`
/// (others 0); tied scores share their average rank, so no item gains
/// from the order ties happen to be listed in.
fn average_ranks(
    scores: &[f32],
    candidate: &[bool],
    clean: &dyn Fn(f32) -> f32,
    order: &mut Vec<u32>,
    ranks: &mut [f32],
) {
    order.clear();
    order.extend((0..scores.len() as u32).filter(|&i| candidate[i as usize]));
    order
        .sort_unstable_by(|&a, &b| clean(scores[b as usize]).total_cmp(&clean(scores[a as usize])));
    ranks.fill(0.0);
    let mut start = 0;
    while start < order.len() {
        let s = clean(scores[order[start] as usize]);
        let mut end = start + 1;
        while end < order.len() && clean(scores[order[end] as usize]).total_cmp(&s).is_eq() {
            end += 1;
        }
        // Positions start..end hold ranks start+1 ..= end.
        let avg = (start + 1 + end) as f32 / 2.0;
        for &i in &order[start..end] {
            ranks[i as usize] = avg;
        }
        start = end;
    }
}

/// Adds a member's best `depth` candidates by its `values` (ties to the
/// lower item) to `pool`, each item once (`in_pool` marks those added).
pub(crate) fn add_top(
    values: &[f32],
    candidate: &[bool],
    depth: usize,
    in_pool: &mut [bool],
    pool: &mut Vec<u32>,
) {
    let mut c: Vec<u32> = (0..values.len() as u32)
        .filter(|&i| candidate[i as usize])
        .collect();
    let by_value = |a: &u32, b: &u32| {
        values[*b as usize]
            .total_cmp(&values[*a as usize])
            .then(a.cmp(b))
    };
    if depth < c.len() {
        c.select_nth_unstable_by(depth, by_value);
        c.truncate(depth);
    }
    for i in c {
        if !in_pool[i as usize] {
            in_pool[i as usize] = true;
            pool.push(i);
        }
    }
}

/// Which items are candidates for a shopper: all, or all but their history.
pub fn candidates(n_items: usize, history: &[u32], exclude_history: bool, out: &mut Vec<bool>) {
    out.clear();
    out.resize(n_items, true);
    if exclude_history {
        for &i in history {
            if let Some(c) = out.get_mut(i as usize) {
                *c = false;
            }
        }
    }
}

/// A member as the fused models hold it: its run id, the hash of its saved
/// weights, its model.
pub type Member = (String, String, Box<dyn Recommender>);

/// Members as three lists: run ids, weight hashes, models.
pub(crate) fn unzip_members(
    members: Vec<Member>,
) -> (Vec<String>, Vec<String>, Vec<Box<dyn Recommender>>) {
    let mut ids = Vec::with_capacity(members.len());
    let mut hashes = Vec::with_capacity(members.len());
    let mut models = Vec::with_capacity(members.len());
    for (id, hash, model) in members {
        ids.push(id);
        hashes.push(hash);
        models.push(model);
    }
    (ids, hashes, models)
}

/// A fused model: its members' saved models and the rule that combines them.
pub struct FusionModel {
    members: Vec<Box<dyn Recommender>>,
    member_ids: Vec<String>,
    member_hashes: Vec<String>,
    combine: Combine,
    n_items: usize,
}

impl FusionModel {
    /// A fused model of `members` (run ids, the weight hash of each saved
    /// model, the loaded models) under `combine`.
    pub fn new(
        members: Vec<(String, String, Box<dyn Recommender>)>,
        combine: Combine,
    ) -> Result<Self> {
        let n_items = members.first().map_or(0, |m| m.2.n_items());
        if let Some((id, _, m)) = members.iter().find(|m| m.2.n_items() != n_items) {
            return Err(Error::invalid(
                "members",
                id,
                format!(
                    "its model scores {} items, the first member's {n_items}: members must be runs on the same data",
                    m.n_items()
                ),
            ));
        }
        if combine.weights.len() != members.len() {
            return Err(Error::invalid(
                "weights",
                combine.weights.len(),
                format!("need one per member ({})", members.len()),
            ));
        }
        let (ids, hashes, models) = unzip_members(members);
        Ok(FusionModel {
            members: models,
            member_ids: ids,
            member_hashes: hashes,
            combine,
            n_items,
        })
    }

    /// The combination rule, with its final weights.
    pub fn combine(&self) -> &Combine {
        &self.combine
    }

    /// The member run ids, in weight order.
    pub fn member_ids(&self) -> &[String] {
        &self.member_ids
    }

    /// Loads a fused model saved in a run folder under `runs`: its members
    /// from their own run folders, each checked against the weights hash
    /// the fusion recorded.
    pub fn load(runs: &Path, state: &ModelState) -> Result<Self> {
        saved::check(state, "fusion")?;
        let meta = |key: &str| {
            state
                .get_meta(key)
                .ok_or_else(|| saved::malformed("fusion", &format!("its `{key}` entry is missing")))
        };
        let combine: Combine = serde_json::from_str(meta("combine")?)
            .map_err(|e| saved::malformed("fusion", &format!("its `combine` entry: {e}")))?;
        let members: Vec<(String, String)> = serde_json::from_str(meta("members")?)
            .map_err(|e| saved::malformed("fusion", &format!("its `members` entry: {e}")))?;
        FusionModel::new(load_members(runs, members)?, combine)
    }
}

/// The members' saved models (run id, weights hash) from their folders
/// under `runs`, each checked against the hash the fusion recorded.
pub(crate) fn load_members(runs: &Path, members: Vec<(String, String)>) -> Result<Vec<Member>> {
    {
        let mut loaded = Vec::with_capacity(members.len());
        for (id, hash) in members {
            let dir = runs.join(&id);
            if !saved::exists(&dir) {
                return Err(Error::invalid(
                    "fusion member",
                    &id,
                    "this run (or its saved model) is gone, so the fusion cannot score; build the fusion again from runs that exist",
                ));
            }
            let (info, model) = saved::load(&dir)?;
            if !hash.is_empty() && info.weights_hash != hash {
                return Err(Error::invalid(
                    "fusion member",
                    &id,
                    "its saved model changed since the fusion was built; build the fusion again",
                ));
            }
            loaded.push((id, hash, model));
        }
        Ok(loaded)
    }
}

impl Recommender for FusionModel {
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
        let blocks = validation::score_members(&members, queries, n);
        let mut values = vec![vec![0.0; n]; self.members.len()];
        let mut in_top = vec![vec![false; n]; self.members.len()];
        let mut cand = Vec::new();
        let mut order = Vec::new();
        for (r, (q, row)) in queries.iter().zip(out.chunks_mut(n)).enumerate() {
            candidates(n, q.history, self.combine.exclude_history, &mut cand);
            for (m, block) in blocks.iter().enumerate() {
                self.combine.member_values(
                    &block[r * n..(r + 1) * n],
                    &cand,
                    &mut values[m],
                    &mut in_top[m],
                    &mut order,
                );
            }
            self.combine.fuse(&values, &in_top, row);
        }
    }

    fn size_bytes(&self) -> usize {
        self.members.iter().map(|m| m.size_bytes()).sum()
    }

    fn state(&self) -> ModelState {
        let mut s = saved::state("fusion");
        let members: Vec<(&String, &String)> =
            self.member_ids.iter().zip(&self.member_hashes).collect();
        s.meta(
            "combine",
            serde_json::to_string(&self.combine).unwrap_or_default(),
        )
        .meta(
            "members",
            serde_json::to_string(&members).unwrap_or_default(),
        );
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

/// A fusion of `members` (run id, weights hash, saved model, each fitted on
/// `split`'s training part): its weights chosen as `params` asks (see
/// [`tune`]) and the report of how.
#[allow(clippy::too_many_arguments)] // the run's parts, called from the project
pub fn fit(
    params: &FusionParams,
    members: Vec<(String, String, Box<dyn Recommender>)>,
    split: &Split,
    weighting: Weighting,
    eval: &EvalOptions,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<(Box<dyn Recommender>, FusionReport)> {
    params.validate()?;
    if params.method == FusionMethod::Stacking {
        let (model, report) =
            stacking::fit(params, members, split, weighting, eval, progress, cancel)?;
        return Ok((Box::new(model), report));
    }
    let mut combine = Combine {
        method: params.method,
        normalise: params.normalise,
        weights: vec![1.0; members.len()],
        rrf_k: params.rrf_k,
        depth: params.depth,
        exclude_history: eval.exclude_train,
    };
    let models: Vec<&dyn Recommender> = members.iter().map(|m| m.2.as_ref()).collect();
    let (weights, report) = tune(
        params, &models, &combine, split, weighting, eval, progress, cancel,
    )?;
    combine.weights = weights;
    Ok((Box::new(FusionModel::new(members, combine)?), report))
}

#[cfg(test)]
mod tests;
