//! BPR matrix factorisation (Rendle et al. 2009), as RecBole's `BPR`.
//!
//! A user and an item embedding table; the score of item `i` for user `u`
//! is `e_u · e_i`; trained on `(u, i⁺, i⁻)` triples with the loss
//! `−log σ(s⁺ − s⁻)`, negatives drawn uniformly from items the user has not
//! interacted with.

use candle_core::{Device, Tensor, Var};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use shoplab_datasets::{ModelState, Recommender, UserQuery};

use crate::device::{device_name, resolve};
use crate::error::Result;
use crate::item_table::{LazyShortlist, dot, score_rows, serve_top_k, with_host};
use crate::loss::neg_log_sigmoid;
use crate::negatives::NegativeSampler;
use crate::train::{
    FitContext, LrSchedule, OptimizerKind, TrainConfig, TrainData, Trainable, train,
};
use crate::{Fitted, init, saved, validate};

/// Format tag of a saved BPR state.
pub const BPR_FORMAT: &str = "shoplab-bpr-1";

/// BPR settings. Defaults follow RecBole's BPR where it has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BprParams {
    /// Length of user and item vectors; default 64 (RecBole), 1 to 4096.
    pub embedding_size: usize,
    /// Passes over the training pairs; default 100 (RecBole: 300 with early stopping), 1 to 100000.
    pub epochs: usize,
    /// Positive pairs per mini-batch; default 2048 (RecBole), 1 to 16777216.
    pub batch_size: usize,
    /// Initial learning rate; default 0.001 (RecBole), above 0.
    pub learning_rate: f64,
    /// Optimiser: adam (default, RecBole), adamw or sgd.
    pub optimizer: OptimizerKind,
    /// L2 (adam, sgd) or decoupled (adamw) weight decay; default 0 (RecBole), 0 to 1000.
    pub weight_decay: f64,
    /// Learning-rate schedule: constant (default), cosine or step.
    pub lr_schedule: LrSchedule,
    /// Step schedule: epochs between decays; default 10, 1 to 100000.
    pub lr_step_epochs: usize,
    /// Step schedule: factor per decay; default 0.5, above 0 and at most 1.
    pub lr_gamma: f64,
    /// Validations without improvement before stopping; default 10 (RecBole stopping_step), 0 = never.
    pub patience: usize,
    /// Validate every this many epochs; default 1 (RecBole eval_step), 0 = never.
    pub validate_every: usize,
    /// Negative items sampled per positive pair; default 1 (RecBole), 1 to 1000.
    pub negatives: usize,
    /// Seed of initialisation, shuffling and negatives; default 2020 (RecBole), any whole number from 0.
    pub seed: u64,
}

impl Default for BprParams {
    fn default() -> Self {
        BprParams {
            embedding_size: 64,
            epochs: 100,
            batch_size: 2048,
            learning_rate: 1e-3,
            optimizer: OptimizerKind::Adam,
            weight_decay: 0.0,
            lr_schedule: LrSchedule::Constant,
            lr_step_epochs: 10,
            lr_gamma: 0.5,
            patience: 10,
            validate_every: 1,
            negatives: 1,
            seed: 2020,
        }
    }
}

impl BprParams {
    /// Checks every field; the error names the field, the value and the allowed range.
    pub fn validate(&self) -> Result<()> {
        validate::int_in("embedding_size", self.embedding_size, 1, 4096)?;
        self.train_config().validate()
    }

    /// The trainer's settings.
    pub fn train_config(&self) -> TrainConfig {
        crate::train::train_config_of!(self)
    }
}

/// A trained BPR model, servable on its device.
///
/// Shoppers without a trained vector (`user: None`, or an index beyond the
/// users seen in training) get all-zero scores: the engine's cold-start
/// fallback serves them.
#[derive(Debug, Clone)]
pub struct BprModel {
    user: Tensor,
    item: Tensor,
    n_users: usize,
    n_items: usize,
    dim: usize,
    /// Built on the first served top k (evaluation never needs it).
    shortlist: LazyShortlist,
}

impl BprModel {
    fn new(user: Tensor, item: Tensor) -> Result<Self> {
        let (n_users, dim) = user.dims2()?;
        let n_items = item.dims2()?.0;
        Ok(BprModel {
            user,
            item,
            n_users,
            n_items,
            dim,
            shortlist: LazyShortlist::new(),
        })
    }

    /// Scores the known users of `queries` as one matrix product; returns
    /// the rows (in query order) of those users.
    fn score_known(&self, queries: &[UserQuery<'_>], out: &mut [f32]) -> Result<()> {
        let n = self.n_items;
        let rows: Vec<(usize, u32)> = queries
            .iter()
            .enumerate()
            .filter_map(|(r, q)| {
                q.user
                    .filter(|&u| (u as usize) < self.n_users)
                    .map(|u| (r, u))
            })
            .collect();
        if rows.is_empty() || n == 0 {
            return Ok(());
        }
        if self.user.device().is_cpu() && rows.len() <= HOST_ROWS {
            for &(r, u) in &rows {
                self.score_host(u as usize, &mut out[r * n..(r + 1) * n])?;
            }
            return Ok(());
        }
        let ids: Vec<u32> = rows.iter().map(|&(_, u)| u).collect();
        let ids = Tensor::from_vec(ids, rows.len(), self.user.device())?;
        let users = self.user.index_select(&ids, 0)?;
        let scores = users.matmul(&self.item.t()?)?;
        let flat = saved::to_vec(&scores)?;
        for (k, &(r, _)) in rows.iter().enumerate() {
            out[r * n..(r + 1) * n].copy_from_slice(&flat[k * n..(k + 1) * n]);
        }
        Ok(())
    }
}

/// Up to this many shoppers are scored with dot products straight from the
/// CPU tensors' memory: a `1 x d` by `d x items` product through candle
/// took 15 ms on 100K items (it copies the transposed table), this ~3 ms.
const HOST_ROWS: usize = 4;

impl BprModel {
    /// One shopper's scores from host memory (see [`HOST_ROWS`]).
    fn score_host(&self, user: usize, out: &mut [f32]) -> Result<()> {
        let d = self.dim;
        let u: Vec<f32> = with_host(&self.user, |v| v[user * d..(user + 1) * d].to_vec())?;
        with_host(&self.item, |items| score_rows(items, d, &u, out))
    }
}

impl Recommender for BprModel {
    /// [`Recommender::top_k`] through the item table's bfloat16 shortlist;
    /// `None` when it does not apply (another device, an unknown shopper).
    fn top_k_shortcut(
        &self,
        query: &UserQuery<'_>,
        k: usize,
        exclude: &[u32],
        prior: Option<&[f32]>,
    ) -> Option<Vec<(u32, f32)>> {
        let user = query.user.filter(|&u| (u as usize) < self.n_users)? as usize;
        let d = self.dim;
        let u: Vec<f32> = with_host(&self.user, |v| v[user * d..(user + 1) * d].to_vec()).ok()?;
        let (cell, table, n) = (&self.shortlist, &self.item, self.n_items);
        serve_top_k(cell, table, n, d, &u, k, exclude, prior)
    }

    fn name(&self) -> &str {
        "bpr"
    }

    fn n_items(&self) -> usize {
        self.n_items
    }

    fn score(&self, query: &UserQuery<'_>, scores: &mut [f32]) {
        self.score_batch(std::slice::from_ref(query), scores);
    }

    fn score_batch(&self, queries: &[UserQuery<'_>], out: &mut [f32]) {
        if let Err(e) = self.score_known(queries, out) {
            // Only a device failure lands here; zero scores let the engine's
            // fallback answer instead of panicking in a serving path.
            tracing::error!("bpr scoring failed: {e}");
            out.iter_mut().for_each(|x| *x = 0.0);
        }
    }

    fn size_bytes(&self) -> usize {
        (self.n_users + self.n_items) * self.dim * 4
    }

    fn state(&self) -> ModelState {
        let mut st = ModelState::new();
        st.meta("format", BPR_FORMAT)
            .meta("model", "bpr")
            .meta("n_users", self.n_users)
            .meta("n_items", self.n_items)
            .meta("embedding_size", self.dim);
        match (saved::to_vec(&self.user), saved::to_vec(&self.item)) {
            (Ok(u), Ok(i)) => {
                st.push_f32("user_embedding", &[self.n_users, self.dim], u)
                    .push_f32("item_embedding", &[self.n_items, self.dim], i);
            }
            (Err(e), _) | (_, Err(e)) => tracing::error!("cannot read bpr weights: {e}"),
        }
        st
    }

    /// A shopper without training events has only the random start vector.
    fn ranks_from_history(&self) -> bool {
        false
    }

    fn device(&self) -> String {
        device_name(self.user.device())
    }
}

/// Rebuilds a trained BPR model from [`Recommender::state`] on `device`.
pub fn load_bpr(params: &BprParams, state: &ModelState, device: &Device) -> Result<BprModel> {
    saved::check_format(state, "bpr", BPR_FORMAT)?;
    let n_users = saved::meta_usize(state, "bpr", "n_users")?;
    let n_items = saved::meta_usize(state, "bpr", "n_items")?;
    let d = params.embedding_size;
    let user = saved::tensor(state, "bpr", "user_embedding", &[n_users, d], device)?;
    let item = saved::tensor(state, "bpr", "item_embedding", &[n_items, d], device)?;
    BprModel::new(user, item)
}

struct BprTrainer {
    user: Var,
    item: Var,
    pos_u: Vec<u32>,
    pos_i: Vec<u32>,
    sampler: NegativeSampler,
    negatives: usize,
    device: Device,
    /// Write gradients by hand on the CPU (off only to test them against autodiff).
    host: bool,
}

impl Trainable for BprTrainer {
    fn name(&self) -> &str {
        "bpr"
    }

    fn vars(&self) -> Vec<(String, Var)> {
        vec![
            ("user_embedding".into(), self.user.clone()),
            ("item_embedding".into(), self.item.clone()),
        ]
    }

    fn n_examples(&self) -> usize {
        self.pos_u.len()
    }

    fn batch_loss(&self, examples: &[u32], rng: &mut ChaCha8Rng) -> Result<Tensor> {
        let k = self.negatives;
        let mut u = Vec::with_capacity(examples.len() * k);
        let mut p = Vec::with_capacity(examples.len() * k);
        let mut q = Vec::with_capacity(examples.len() * k);
        for &e in examples {
            let (uu, ii) = (self.pos_u[e as usize], self.pos_i[e as usize]);
            for _ in 0..k {
                u.push(uu);
                p.push(ii);
                q.push(self.sampler.sample(uu, rng));
            }
        }
        let n = u.len();
        let u = Tensor::from_vec(u, n, &self.device)?;
        let p = Tensor::from_vec(p, n, &self.device)?;
        let q = Tensor::from_vec(q, n, &self.device)?;
        let eu = self.user.as_tensor().index_select(&u, 0)?;
        let items = self.item.as_tensor();
        let diff = (items.index_select(&p, 0)? - items.index_select(&q, 0)?)?;
        let x = (eu * diff)?.sum(1)?;
        Ok(neg_log_sigmoid(&x)?.mean_all()?)
    }

    fn snapshot(&self) -> Result<Box<dyn Recommender>> {
        Ok(Box::new(BprModel::new(
            self.user.as_tensor().copy()?,
            self.item.as_tensor().copy()?,
        )?))
    }

    fn has_host_gradients(&self) -> bool {
        self.host
    }

    /// The gradient of `mean(−log σ(x))`, `x = e_u · (e_i − e_j)`, by hand:
    /// `dL/dx = −σ(−x)/n`, spread onto the three rows involved.
    fn host_gradients(
        &self,
        examples: &[u32],
        rng: &mut ChaCha8Rng,
        grads: &mut [Vec<f32>],
    ) -> Result<f64> {
        let k = self.negatives;
        let mut triples = Vec::with_capacity(examples.len() * k);
        for &e in examples {
            let (u, i) = (self.pos_u[e as usize], self.pos_i[e as usize]);
            for _ in 0..k {
                triples.push((u as usize, i as usize, self.sampler.sample(u, rng) as usize));
            }
        }
        let [gu, gi] = grads else {
            return Err(crate::Error::State("bpr has two parameter tables".into()));
        };
        let d = self.user.dims()[1];
        let n = triples.len().max(1) as f32;
        let mut diff = vec![0f32; d];
        with_host(self.user.as_tensor(), |users| {
            with_host(self.item.as_tensor(), |items| {
                let mut loss = 0f64;
                for &(u, i, j) in &triples {
                    let eu = &users[u * d..(u + 1) * d];
                    let (ei, ej) = (&items[i * d..(i + 1) * d], &items[j * d..(j + 1) * d]);
                    for ((t, a), b) in diff.iter_mut().zip(ei).zip(ej) {
                        *t = a - b;
                    }
                    let x = dot(eu, &diff);
                    loss += f64::from((-x).max(0.0) + (-x.abs()).exp().ln_1p());
                    let c = -1.0 / (1.0 + x.exp()) / n;
                    for (g, t) in gu[u * d..(u + 1) * d].iter_mut().zip(&diff) {
                        *g += c * t;
                    }
                    for (g, e) in gi[i * d..(i + 1) * d].iter_mut().zip(eu) {
                        *g += c * e;
                    }
                    for (g, e) in gi[j * d..(j + 1) * d].iter_mut().zip(eu) {
                        *g -= c * e;
                    }
                }
                loss / f64::from(n)
            })
        })?
    }
}

/// Trains BPR on `data` (see [`crate::train::train`] for checkpoints,
/// validation and cancel).
pub fn fit_bpr(params: &BprParams, data: &TrainData<'_>, ctx: &FitContext<'_>) -> Result<Fitted> {
    params.validate()?;
    let (device, note) = resolve(&ctx.device)?;
    let n_users = data.train.n_users as usize;
    let n_items = data.train.n_items as usize;
    let d = params.embedding_size;
    let mut rng = crate::train::init_rng(params.seed);
    let user = Var::from_tensor(&init::xavier_normal(&mut rng, n_users, d, &device)?)?;
    let item = Var::from_tensor(&init::xavier_normal(&mut rng, n_items, d, &device)?)?;
    let sampler = NegativeSampler::new(data.train);
    let (pos_u, pos_i) = sampler.positives();
    let t = BprTrainer {
        user,
        item,
        pos_u,
        pos_i,
        sampler,
        negatives: params.negatives,
        device: device.clone(),
        host: true,
    };
    let report = train(&t, &params.train_config(), ctx, &device)?;
    let model = BprModel::new(t.user.as_tensor().copy()?, t.item.as_tensor().copy()?)?;
    Ok(Fitted {
        model: Box::new(model),
        report,
        device_note: note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoplab_datasets::{CancelToken, EventKind, Interactions, NoProgress};

    /// The hand-written CPU gradients train the same model as autodiff.
    #[test]
    fn host_gradients_match_autodiff() {
        let mut log = Interactions::new(12, 15);
        for u in 0..12u32 {
            for k in 0..4u32 {
                log.push(u, (u * 5 + k * 3) % 15, 0, EventKind::View, 1.0);
            }
        }
        let cancel = CancelToken::new();
        let seqs = log.sequences();
        let data = TrainData {
            train: &log,
            weighting: shoplab_datasets::Weighting::Binary,
            sequences: &seqs,
            item_text: None,
        };
        let ctx = FitContext {
            progress: &NoProgress,
            cancel: &cancel,
            validator: None,
            checkpoint_dir: None,
            resume_key: "t",
            device: crate::DeviceChoice::Cpu,
        };
        let params = BprParams {
            embedding_size: 6,
            epochs: 4,
            batch_size: 8,
            learning_rate: 0.05,
            negatives: 2,
            validate_every: 0,
            ..BprParams::default()
        };
        let run = |host: bool| {
            let mut rng = crate::train::init_rng(params.seed);
            let dev = Device::Cpu;
            let user =
                init::xavier_normal(&mut rng, 12, 6, &dev).and_then(|t| Ok(Var::from_tensor(&t)?));
            let item =
                init::xavier_normal(&mut rng, 15, 6, &dev).and_then(|t| Ok(Var::from_tensor(&t)?));
            let sampler = NegativeSampler::new(data.train);
            let (pos_u, pos_i) = sampler.positives();
            let t = BprTrainer {
                user: user.unwrap_or_else(|e| panic!("{e}")),
                item: item.unwrap_or_else(|e| panic!("{e}")),
                pos_u,
                pos_i,
                sampler,
                negatives: 2,
                device: dev.clone(),
                host,
            };
            let report =
                train(&t, &params.train_config(), &ctx, &dev).unwrap_or_else(|e| panic!("{e}"));
            let w = saved::to_vec(t.user.as_tensor()).unwrap_or_else(|e| panic!("{e}"));
            (report.loss_curve, w)
        };
        let (lh, wh) = run(true);
        let (la, wa) = run(false);
        for (a, b) in lh.iter().zip(&la) {
            assert!((a - b).abs() < 1e-5, "loss {a} vs {b}");
        }
        for (a, b) in wh.iter().zip(&wa) {
            assert!((a - b).abs() < 1e-4, "weight {a} vs {b}");
        }
        assert!(lh.first() > lh.last());
    }
}
