//! Shared fixtures of the models tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use shoplab_datasets::{
    CancelToken, EventKind, Interactions, Progress, Recommender, Sequences, UserQuery, top_k,
};
use shoplab_models::{DeviceChoice, FitContext, TrainData, Validator};

/// Two groups of shoppers who each buy from their own half of the catalog:
/// users `0..n/2` from items `0..m/2`, the rest from `m/2..m`. Each user
/// takes `per_user` distinct random items of their group (seeded).
pub fn planted(n_users: u32, n_items: u32, per_user: u32) -> Interactions {
    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let mut log = Interactions::new(n_users, n_items);
    let half = n_items / 2;
    for u in 0..n_users {
        let base = if u < n_users / 2 { 0 } else { half };
        let mut items: Vec<u32> = (base..base + half).collect();
        items.shuffle(&mut rng);
        for (k, &i) in items.iter().take(per_user as usize).enumerate() {
            log.push(u, i, (u as i64) * 100 + k as i64, EventKind::Purchase, 1.0);
        }
    }
    log
}

/// The group's item range of a planted user.
pub fn group_items(u: u32, n_users: u32, n_items: u32) -> std::ops::Range<u32> {
    let half = n_items / 2;
    if u < n_users / 2 {
        0..half
    } else {
        half..n_items
    }
}

/// Share of top-5 recommendations (training items excluded) that come from
/// the user's own group, over all users.
pub fn group_purity(model: &dyn Recommender, log: &Interactions) -> f64 {
    let m = log.to_matrix(shoplab_datasets::Weighting::Binary);
    let (mut hit, mut all) = (0usize, 0usize);
    for u in 0..log.n_users {
        let (hist, w) = m.row(u as usize);
        let mut s = vec![0f32; model.n_items()];
        model.score(&UserQuery::from_set(Some(u), hist, w), &mut s);
        let g = group_items(u, log.n_users, log.n_items);
        for i in top_k(&s, 5, hist) {
            all += 1;
            hit += usize::from(g.contains(&i));
        }
    }
    hit as f64 / all as f64
}

/// Records what the trainer reports.
#[derive(Default)]
pub struct Recorder {
    pub stages: Mutex<Vec<(String, Option<u64>)>>,
    pub advanced: AtomicUsize,
    pub metrics: Mutex<Vec<(String, f64)>>,
    /// Cancels `cancel` once this many units were advanced (0 = never).
    pub cancel_after: usize,
    pub cancel: CancelToken,
}

impl Progress for Recorder {
    fn stage(&self, name: &str, total: Option<u64>) {
        self.stages.lock().unwrap().push((name.to_string(), total));
    }
    fn advance(&self, n: u64) {
        let now = self.advanced.fetch_add(n as usize, Ordering::SeqCst) + n as usize;
        if self.cancel_after > 0 && now >= self.cancel_after {
            self.cancel.cancel();
        }
    }
    fn metric(&self, name: &str, value: f64) {
        self.metrics.lock().unwrap().push((name.to_string(), value));
    }
}

/// A validator that returns scripted values, one per call.
pub struct Scripted {
    pub values: Vec<f64>,
    pub calls: AtomicUsize,
}

impl Validator for Scripted {
    fn metric_name(&self) -> String {
        "ndcg@10".into()
    }
    fn validate(&self, _model: &dyn Recommender, _cancel: &CancelToken) -> Result<f64, String> {
        let k = self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(self.values.get(k).copied().unwrap_or(0.0))
    }
}

/// Owns what a `TrainData` borrows.
pub struct Data {
    pub log: Interactions,
    pub seqs: Sequences,
}

impl Data {
    pub fn new(log: Interactions) -> Self {
        let seqs = log.sequences();
        Data { log, seqs }
    }
    pub fn view(&self) -> TrainData<'_> {
        TrainData {
            train: &self.log,
            weighting: shoplab_datasets::Weighting::Binary,
            sequences: &self.seqs,
            item_text: None,
        }
    }
}

/// A context on the CPU with no validator or checkpoint.
pub fn ctx<'a>(progress: &'a dyn Progress, cancel: &'a CancelToken) -> FitContext<'a> {
    FitContext {
        progress,
        cancel,
        validator: None,
        checkpoint_dir: None,
        resume_key: "test",
        device: DeviceChoice::Cpu,
    }
}

/// Every score of every user, row-major.
pub fn all_scores(model: &dyn Recommender, n_users: u32) -> Vec<f32> {
    let mut out = Vec::new();
    for u in 0..n_users {
        let mut s = vec![0f32; model.n_items()];
        model.score(&UserQuery::from_set(Some(u), &[], &[]), &mut s);
        out.extend(s);
    }
    out
}
