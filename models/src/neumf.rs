//! NeuMF (He et al. 2017), as RecBole's `NeuMF`: a GMF tower (element-wise
//! product of user and item vectors) and an MLP tower (concatenated vectors
//! through ReLU layers with dropout), joined by one linear output; trained
//! with binary cross-entropy on observed pairs and sampled negatives.

use candle_core::{Device, Tensor, Var};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use shoplab_datasets::{ModelState, Recommender, UserQuery};

use crate::device::{device_name, resolve};
use crate::error::{Error, Result};
use crate::loss::{dropout_mask, neg_log_sigmoid};
use crate::negatives::NegativeSampler;
use crate::train::{
    FitContext, LrSchedule, OptimizerKind, TrainConfig, TrainData, Trainable, train,
};
use crate::{Fitted, init, saved, validate};

/// Format tag of a saved NeuMF state.
pub const NEUMF_FORMAT: &str = "shoplab-neumf-1";

/// Upper bound on (user, item) pairs pushed through the MLP at once when
/// ranking the whole catalog, so memory stays bounded (~16 MB per layer).
const SCORE_PAIRS: usize = 1 << 15;

/// NeuMF settings. Defaults follow RecBole's NeuMF where it has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NeuMfParams {
    /// Length of the GMF tower's user and item vectors; default 64 (RecBole), 1 to 4096.
    pub mf_embedding_size: usize,
    /// Length of the MLP tower's user and item vectors; default 64 (RecBole), 1 to 4096.
    pub mlp_embedding_size: usize,
    /// Widths of the MLP's hidden layers; default [128, 64] (RecBole), 1 to 8 layers of 1 to 4096.
    pub mlp_hidden_size: Vec<usize>,
    /// Dropout before each MLP layer while training; default 0.1 (RecBole), 0 up to 1.
    pub dropout_prob: f64,
    /// Passes over the training pairs; default 100 (RecBole: 300 with early stopping), 1 to 100000.
    pub epochs: usize,
    /// Positive pairs per mini-batch (each with its negatives); default 2048 (RecBole), 1 to 16777216.
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
    /// Seed of initialisation, shuffling, negatives and dropout; default 2020 (RecBole), any whole number from 0.
    pub seed: u64,
}

impl Default for NeuMfParams {
    fn default() -> Self {
        NeuMfParams {
            mf_embedding_size: 64,
            mlp_embedding_size: 64,
            mlp_hidden_size: vec![128, 64],
            dropout_prob: 0.1,
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

impl NeuMfParams {
    /// Checks every field; the error names the field, the value and the allowed range.
    pub fn validate(&self) -> Result<()> {
        validate::int_in("mf_embedding_size", self.mf_embedding_size, 1, 4096)?;
        validate::int_in("mlp_embedding_size", self.mlp_embedding_size, 1, 4096)?;
        let n = self.mlp_hidden_size.len();
        if !(1..=8).contains(&n)
            || self
                .mlp_hidden_size
                .iter()
                .any(|&w| !(1..=4096).contains(&w))
        {
            return Err(Error::invalid(
                "mlp_hidden_size",
                format!("{:?}", self.mlp_hidden_size),
                "a list of 1 to 8 layer widths, each from 1 to 4096, e.g. [128, 64]",
            ));
        }
        validate::probability("dropout_prob", self.dropout_prob)?;
        self.train_config().validate()
    }

    /// The trainer's settings.
    pub fn train_config(&self) -> TrainConfig {
        crate::train::train_config_of!(self)
    }

    /// Names and shapes of every parameter array, in a fixed order.
    fn shapes(&self, n_users: usize, n_items: usize) -> Vec<(String, Vec<usize>)> {
        let (dm, dp) = (self.mf_embedding_size, self.mlp_embedding_size);
        let mut v = vec![
            ("user_mf".to_string(), vec![n_users, dm]),
            ("item_mf".to_string(), vec![n_items, dm]),
            ("user_mlp".to_string(), vec![n_users, dp]),
            ("item_mlp".to_string(), vec![n_items, dp]),
        ];
        let mut fan_in = 2 * dp;
        for (k, &w) in self.mlp_hidden_size.iter().enumerate() {
            v.push((format!("mlp.{k}.weight"), vec![w, fan_in]));
            v.push((format!("mlp.{k}.bias"), vec![1, w]));
            fan_in = w;
        }
        v.push(("predict.weight".into(), vec![1, dm + fan_in]));
        v.push(("predict.bias".into(), vec![1, 1]));
        v
    }
}

/// The weights of a NeuMF model (as tensors, trainable or not).
#[derive(Debug, Clone)]
struct Weights {
    user_mf: Tensor,
    item_mf: Tensor,
    user_mlp: Tensor,
    item_mlp: Tensor,
    /// `(weight [out, in], bias [1, out])` per hidden layer.
    layers: Vec<(Tensor, Tensor)>,
    predict_w: Tensor,
    predict_b: Tensor,
}

impl Weights {
    fn from_list(list: &[Tensor]) -> Result<Self> {
        let n_layers = (list.len().saturating_sub(6)) / 2;
        if list.len() != 6 + 2 * n_layers {
            return Err(Error::State("neumf: wrong number of weight arrays".into()));
        }
        Ok(Weights {
            user_mf: list[0].clone(),
            item_mf: list[1].clone(),
            user_mlp: list[2].clone(),
            item_mlp: list[3].clone(),
            layers: (0..n_layers)
                .map(|k| (list[4 + 2 * k].clone(), list[5 + 2 * k].clone()))
                .collect(),
            predict_w: list[4 + 2 * n_layers].clone(),
            predict_b: list[5 + 2 * n_layers].clone(),
        })
    }

    fn list(&self) -> Vec<Tensor> {
        let mut v = vec![
            self.user_mf.clone(),
            self.item_mf.clone(),
            self.user_mlp.clone(),
            self.item_mlp.clone(),
        ];
        for (w, b) in &self.layers {
            v.push(w.clone());
            v.push(b.clone());
        }
        v.push(self.predict_w.clone());
        v.push(self.predict_b.clone());
        v
    }

    /// Logits of `(users[k], items[k])` pairs; dropout masks drawn from
    /// `dropout` while training.
    fn forward_pairs(
        &self,
        users: &Tensor,
        items: &Tensor,
        mut dropout: Option<(&mut ChaCha8Rng, f64)>,
    ) -> Result<Tensor> {
        let gmf = (self.user_mf.index_select(users, 0)? * self.item_mf.index_select(items, 0)?)?;
        let mut x = Tensor::cat(
            &[
                self.user_mlp.index_select(users, 0)?,
                self.item_mlp.index_select(items, 0)?,
            ],
            1,
        )?;
        for (w, b) in &self.layers {
            if let Some((rng, p)) = dropout.as_mut()
                && *p > 0.0
            {
                let mask = dropout_mask(rng, *p, x.dims2()?, x.device())?;
                x = (x * mask)?;
            }
            x = x.matmul(&w.t()?)?.broadcast_add(b)?.relu()?;
        }
        let h = Tensor::cat(&[gmf, x], 1)?;
        let z = h
            .matmul(&self.predict_w.t()?)?
            .broadcast_add(&self.predict_b)?;
        Ok(z.squeeze(1)?)
    }
}

/// A trained NeuMF model, servable on its device.
///
/// Shoppers without trained vectors (`user: None`, or an index beyond the
/// users seen in training) get all-zero scores: the engine's cold-start
/// fallback serves them.
#[derive(Debug, Clone)]
pub struct NeuMfModel {
    w: Weights,
    /// The item half of the first MLP layer, `item_mlp · W1_itemᵀ` (`[items, h1]`), computed once.
    item_h1: Tensor,
    /// The GMF part of the output weight (`[mf, 1]`) and the MLP part (`[last, 1]`).
    w_mf: Tensor,
    w_mlp: Tensor,
    n_users: usize,
    n_items: usize,
    dp: usize,
}

impl NeuMfModel {
    fn new(w: Weights) -> Result<Self> {
        let (n_users, dm) = w.user_mf.dims2()?;
        let n_items = w.item_mf.dims2()?.0;
        let dp = w.user_mlp.dims2()?.1;
        let (w1, _) = w
            .layers
            .first()
            .ok_or_else(|| Error::State("neumf: no MLP layer".into()))?;
        let item_h1 = w.item_mlp.matmul(&w1.narrow(1, dp, dp)?.t()?)?;
        let pw = w.predict_w.t()?.contiguous()?;
        let last = pw.dims2()?.0 - dm;
        Ok(NeuMfModel {
            w_mf: pw.narrow(0, 0, dm)?,
            w_mlp: pw.narrow(0, dm, last)?,
            item_h1,
            w,
            n_users,
            n_items,
            dp,
        })
    }

    /// Scores every item for the given known users (`[users, items]`).
    fn score_users(&self, users: &[u32]) -> Result<Vec<f32>> {
        let dev = self.w.user_mf.device();
        let b = users.len();
        let ids = Tensor::from_slice(users, b, dev)?;
        let gmf = self
            .w
            .user_mf
            .index_select(&ids, 0)?
            .broadcast_mul(&self.w_mf.t()?)?
            .matmul(&self.w.item_mf.t()?)?;
        let (w1, b1) = &self.w.layers[0];
        // The user half of the first layer, once per user.
        let a = self
            .w
            .user_mlp
            .index_select(&ids, 0)?
            .matmul(&w1.narrow(1, 0, self.dp)?.t()?)?
            .broadcast_add(b1)?;
        let h1 = a.dims2()?.1;
        let chunk = (SCORE_PAIRS / b.max(1)).max(1);
        let mut parts = Vec::new();
        let mut start = 0;
        while start < self.n_items {
            let c = chunk.min(self.n_items - start);
            let items = self.item_h1.narrow(0, start, c)?;
            let mut x = a
                .unsqueeze(1)?
                .broadcast_add(&items.unsqueeze(0)?)?
                .relu()?
                .reshape((b * c, h1))?;
            for (w, bias) in &self.w.layers[1..] {
                x = x.matmul(&w.t()?)?.broadcast_add(bias)?.relu()?;
            }
            parts.push(x.matmul(&self.w_mlp)?.reshape((b, c))?);
            start += c;
        }
        let mlp = Tensor::cat(&parts, 1)?;
        let z = (gmf + mlp)?.broadcast_add(&self.w.predict_b)?;
        saved::to_vec(&z)
    }
}

impl Recommender for NeuMfModel {
    fn name(&self) -> &str {
        "neumf"
    }

    fn n_items(&self) -> usize {
        self.n_items
    }

    fn score(&self, query: &UserQuery<'_>, scores: &mut [f32]) {
        self.score_batch(std::slice::from_ref(query), scores);
    }

    fn score_batch(&self, queries: &[UserQuery<'_>], out: &mut [f32]) {
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
            return;
        }
        let users: Vec<u32> = rows.iter().map(|&(_, u)| u).collect();
        match self.score_users(&users) {
            Ok(flat) => {
                for (k, &(r, _)) in rows.iter().enumerate() {
                    out[r * n..(r + 1) * n].copy_from_slice(&flat[k * n..(k + 1) * n]);
                }
            }
            Err(e) => {
                // Only a device failure lands here; zero scores let the
                // engine's fallback answer instead of panicking while serving.
                tracing::error!("neumf scoring failed: {e}");
                out.iter_mut().for_each(|x| *x = 0.0);
            }
        }
    }

    fn size_bytes(&self) -> usize {
        self.w.list().iter().map(|t| t.elem_count() * 4).sum()
    }

    fn state(&self) -> ModelState {
        let mut st = ModelState::new();
        st.meta("format", NEUMF_FORMAT)
            .meta("model", "neumf")
            .meta("n_users", self.n_users)
            .meta("n_items", self.n_items);
        let names = names_for(self.w.layers.len());
        for (name, t) in names.iter().zip(self.w.list()) {
            match saved::to_vec(&t) {
                Ok(v) => {
                    st.push_f32(name, t.dims(), v);
                }
                Err(e) => tracing::error!("cannot read neumf weights: {e}"),
            }
        }
        st
    }

    /// A shopper without training events has only the random start vector.
    fn ranks_from_history(&self) -> bool {
        false
    }

    fn device(&self) -> String {
        device_name(self.w.user_mf.device())
    }
}

fn names_for(n_layers: usize) -> Vec<String> {
    let mut v: Vec<String> = ["user_mf", "item_mf", "user_mlp", "item_mlp"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for k in 0..n_layers {
        v.push(format!("mlp.{k}.weight"));
        v.push(format!("mlp.{k}.bias"));
    }
    v.push("predict.weight".into());
    v.push("predict.bias".into());
    v
}

/// Rebuilds a trained NeuMF model from [`Recommender::state`] on `device`.
pub fn load_neumf(params: &NeuMfParams, state: &ModelState, device: &Device) -> Result<NeuMfModel> {
    saved::check_format(state, "neumf", NEUMF_FORMAT)?;
    let n_users = saved::meta_usize(state, "neumf", "n_users")?;
    let n_items = saved::meta_usize(state, "neumf", "n_items")?;
    let list = params
        .shapes(n_users, n_items)
        .iter()
        .map(|(name, dims)| saved::tensor(state, "neumf", name, dims, device))
        .collect::<Result<Vec<_>>>()?;
    NeuMfModel::new(Weights::from_list(&list)?)
}

struct NeuMfTrainer {
    vars: Vec<(String, Var)>,
    pos_u: Vec<u32>,
    pos_i: Vec<u32>,
    sampler: NegativeSampler,
    negatives: usize,
    dropout: f64,
    device: Device,
}

impl NeuMfTrainer {
    fn weights(&self) -> Result<Weights> {
        let list: Vec<Tensor> = self
            .vars
            .iter()
            .map(|(_, v)| v.as_tensor().clone())
            .collect();
        Weights::from_list(&list)
    }
}

impl Trainable for NeuMfTrainer {
    fn name(&self) -> &str {
        "neumf"
    }

    fn vars(&self) -> Vec<(String, Var)> {
        self.vars.clone()
    }

    fn n_examples(&self) -> usize {
        self.pos_u.len()
    }

    fn batch_loss(&self, examples: &[u32], rng: &mut ChaCha8Rng) -> Result<Tensor> {
        let k = self.negatives;
        let cap = examples.len() * (k + 1);
        let (mut u, mut i, mut sign) = (
            Vec::with_capacity(cap),
            Vec::with_capacity(cap),
            Vec::with_capacity(cap),
        );
        for &e in examples {
            let (uu, ii) = (self.pos_u[e as usize], self.pos_i[e as usize]);
            u.push(uu);
            i.push(ii);
            sign.push(1f32);
            for _ in 0..k {
                u.push(uu);
                i.push(self.sampler.sample(uu, rng));
                sign.push(-1f32);
            }
        }
        let n = u.len();
        let u = Tensor::from_vec(u, n, &self.device)?;
        let i = Tensor::from_vec(i, n, &self.device)?;
        let sign = Tensor::from_vec(sign, n, &self.device)?;
        let z = self
            .weights()?
            .forward_pairs(&u, &i, Some((rng, self.dropout)))?;
        // BCE with logits: −log σ(z) for positives, −log σ(−z) for negatives.
        Ok(neg_log_sigmoid(&(z * sign)?)?.mean_all()?)
    }

    fn snapshot(&self) -> Result<Box<dyn Recommender>> {
        let list = self
            .vars
            .iter()
            .map(|(_, v)| v.as_tensor().copy())
            .collect::<candle_core::Result<Vec<_>>>()?;
        Ok(Box::new(NeuMfModel::new(Weights::from_list(&list)?)?))
    }
}

/// Trains NeuMF on `data` (see [`crate::train::train`] for checkpoints,
/// validation and cancel).
pub fn fit_neumf(
    params: &NeuMfParams,
    data: &TrainData<'_>,
    ctx: &FitContext<'_>,
) -> Result<Fitted> {
    params.validate()?;
    let (device, note) = resolve(&ctx.device)?;
    let n_users = data.train.n_users as usize;
    let n_items = data.train.n_items as usize;
    let mut rng = crate::train::init_rng(params.seed);
    let mut vars = Vec::new();
    for (name, dims) in params.shapes(n_users, n_items) {
        let (rows, cols) = (dims[0], dims[1]);
        let t = if name.ends_with("_mf") || name.ends_with("_mlp") {
            // RecBole: embeddings from N(0, 0.01²).
            init::normal(&mut rng, rows, cols, 0.01, &device)?
        } else {
            // torch's Linear default: U(±1/sqrt(fan_in)) for weight and
            // bias; a bias follows its weight, whose columns are the fan-in.
            let fan_in = if name.ends_with("weight") {
                cols
            } else {
                vars.last().map_or(1, |(_, v): &(String, Var)| v.dims()[1])
            };
            init::uniform(&mut rng, rows, cols, 1.0 / (fan_in as f64).sqrt(), &device)?
        };
        vars.push((name, Var::from_tensor(&t)?));
    }
    let sampler = NegativeSampler::new(data.train);
    let (pos_u, pos_i) = sampler.positives();
    let t = NeuMfTrainer {
        vars,
        pos_u,
        pos_i,
        sampler,
        negatives: params.negatives,
        dropout: params.dropout_prob,
        device: device.clone(),
    };
    let report = train(&t, &params.train_config(), ctx, &device)?;
    let list = t
        .vars
        .iter()
        .map(|(_, v)| v.as_tensor().copy())
        .collect::<candle_core::Result<Vec<_>>>()?;
    let model = NeuMfModel::new(Weights::from_list(&list)?)?;
    Ok(Fitted {
        model: Box::new(model),
        report,
        device_note: note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_ranking_equals_the_pairwise_forward() {
        let p = NeuMfParams {
            mf_embedding_size: 4,
            mlp_embedding_size: 3,
            mlp_hidden_size: vec![5, 2],
            ..NeuMfParams::default()
        };
        let dev = Device::Cpu;
        let mut rng = crate::train::init_rng(1);
        let list: Vec<Tensor> = p
            .shapes(3, 70)
            .iter()
            .map(|(_, d)| init::normal(&mut rng, d[0], d[1], 0.5, &dev))
            .collect::<Result<_>>()
            .unwrap_or_else(|e| panic!("{e}"));
        let w = Weights::from_list(&list).unwrap_or_else(|e| panic!("{e}"));
        let m = NeuMfModel::new(w.clone()).unwrap_or_else(|e| panic!("{e}"));
        let full = m.score_users(&[2, 0]).unwrap_or_else(|e| panic!("{e}"));
        for (row, user) in [(0usize, 2u32), (1, 0)] {
            let users =
                Tensor::from_vec(vec![user; 70], 70, &dev).unwrap_or_else(|e| panic!("{e}"));
            let items = Tensor::arange(0u32, 70, &dev).unwrap_or_else(|e| panic!("{e}"));
            let z = w
                .forward_pairs(&users, &items, None)
                .and_then(|z| saved::to_vec(&z));
            let z = z.unwrap_or_else(|e| panic!("{e}"));
            for j in 0..70 {
                let got = full[row * 70 + j];
                assert!(
                    (got - z[j]).abs() < 1e-4,
                    "user {user} item {j}: {got} vs {}",
                    z[j]
                );
            }
        }
    }
}
