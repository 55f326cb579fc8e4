//! A two-tower recommender whose item tower reads the item's text.
//!
//! **Item tower:** `v_i = normalize(mean_{t ∈ bag(i)} T[t] + seen_i · E[i])`:
//! the mean of the item's hashed text-feature rows (title, brand and
//! category path, see [`crate::item_text`]) plus its id row `E[i]`, added
//! only for items that had training events, then scaled to unit length.
//!
//! **User tower:** `q = normalize(Σ_j w_j v_j / Σ_j w_j [+ U[u]])`, the
//! weighted mean of the item vectors of the shopper's history (plus a user
//! id row when `user_embedding` is on), so a shopper new since training who
//! has a history gets a list. An empty history scores all zero (the
//! engine's cold-start fallback answers). Scores are `q · v_i` for every
//! item: the item vectors are computed once (snapshot / load), so serving
//! is one matrix product.
//!
//! **Training:** in-batch sampled softmax with temperature: each example is
//! a (shopper, item) pair; the shopper's vector is built from their history
//! *without* that item (else the model learns to find an item in its own
//! mean), and the softmax runs over the batch's positives plus `negatives`
//! uniformly drawn items per example (mixed negative sampling, Yang et al.
//! 2020), with optional logQ correction (Yi et al. 2019) and accidental
//! hits (the positive appearing as another column) masked out.
//!
//! **Cold items.** Two choices make an item with no training events get a
//! meaningful vector from its text alone. (1) Its id row is never added:
//! it was never trained, so it would only add noise. (2) *Id dropout*: in
//! each batch, each item's id row is dropped with probability `id_dropout`,
//! so the text part alone must place an item near its shoppers, and a
//! text-only vector is a valid item vector rather than a residual next to
//! free id rows that can fit the training log by themselves. (On the
//! synthetic cold-item test the text alone already separates the groups, so
//! dropout 0 and 0.5 both reach recall 1.0 there; the dropout guards
//! catalogs where ids can memorise the log.) The vectors are unit length,
//! so a text-only vector scores on the same scale as a warm item's.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor, Var};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use shoplab_datasets::{ModelState, Recommender, SparseMatrix, UserQuery};

use crate::device::{device_name, resolve};
use crate::error::{Error, Result};
use crate::item_table::{LazyShortlist, score_rows, serve_top_k, with_host};
use crate::item_text::{ItemText, TOKENIZER_VERSION, TextBags, item_buckets};
use crate::train::{
    FitContext, LrSchedule, OptimizerKind, TrainConfig, TrainData, Trainable, train,
};
use crate::{Fitted, init, saved, validate};

/// Format tag of a saved two-tower state.
pub const TWO_TOWER_FORMAT: &str = "shoplab-two-tower-1";

/// Two-tower settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TwoTowerParams {
    /// Length of item, text-feature and user vectors; default 64, 1 to 4096.
    pub embedding_size: usize,
    /// Hash buckets of the items' text features (rows of the text table); default 131072 (2^17), 256 to 4194304.
    pub text_buckets: usize,
    /// Chance of dropping an item's id vector in a training batch, so its text alone must place it; default 0.5, 0 up to 1.
    pub id_dropout: f64,
    /// Softmax temperature over cosine similarities; default 0.1, above 0 and at most 10.
    pub temperature: f64,
    /// Subtract the log of each candidate's sampling chance from its logit (popular items are negatives more often); default true.
    pub logq_correction: bool,
    /// Add a trained per-shopper vector to the mean of their items (new shoppers get the mean alone); default false.
    pub user_embedding: bool,
    /// History items per training example (longer histories: a random subset); default 50, 1 to 10000.
    pub max_history: usize,
    /// Passes over the training pairs; default 100, 1 to 100000.
    pub epochs: usize,
    /// Positive pairs per mini-batch (each other's negatives); default 1024, 1 to 16777216.
    pub batch_size: usize,
    /// Initial learning rate; default 0.001, above 0.
    pub learning_rate: f64,
    /// Optimiser: adam (default), adamw or sgd.
    pub optimizer: OptimizerKind,
    /// L2 (adam, sgd) or decoupled (adamw) weight decay; default 0, 0 to 1000.
    pub weight_decay: f64,
    /// Learning-rate schedule: constant (default), cosine or step.
    pub lr_schedule: LrSchedule,
    /// Step schedule: epochs between decays; default 10, 1 to 100000.
    pub lr_step_epochs: usize,
    /// Step schedule: factor per decay; default 0.5, above 0 and at most 1.
    pub lr_gamma: f64,
    /// Validations without improvement before stopping; default 10, 0 = never.
    pub patience: usize,
    /// Validate every this many epochs; default 1, 0 = never.
    pub validate_every: usize,
    /// Uniformly drawn negative items per positive pair, added to the in-batch ones; default 1, 1 to 1000.
    pub negatives: usize,
    /// Seed of initialisation, shuffling, negatives and dropout; default 2020, any whole number from 0.
    pub seed: u64,
}

impl Default for TwoTowerParams {
    fn default() -> Self {
        TwoTowerParams {
            embedding_size: 64,
            text_buckets: 1 << 17,
            id_dropout: 0.5,
            temperature: 0.1,
            logq_correction: true,
            user_embedding: false,
            max_history: 50,
            epochs: 100,
            batch_size: 1024,
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

impl TwoTowerParams {
    /// Checks every field; the error names the field, the value and the allowed range.
    pub fn validate(&self) -> Result<()> {
        validate::int_in("embedding_size", self.embedding_size, 1, 4096)?;
        validate::int_in("text_buckets", self.text_buckets, 256, 1 << 22)?;
        validate::probability("id_dropout", self.id_dropout)?;
        validate::float_above("temperature", self.temperature, 0.0, 10.0)?;
        validate::int_in("max_history", self.max_history, 1, 10_000)?;
        self.train_config().validate()
    }

    /// The trainer's settings.
    pub fn train_config(&self) -> TrainConfig {
        crate::train::train_config_of!(self)
    }
}

/// A trained two-tower model, servable on its device.
#[derive(Debug, Clone)]
pub struct TwoTowerModel {
    /// Unit-length item vectors, `n_items x dim` (what scoring reads).
    item_vectors: Tensor,
    /// Text-feature table, `buckets x dim` (embeds new items' text).
    token: Tensor,
    /// Item id table, `n_items x dim`.
    item_id: Tensor,
    /// Whether each item had training events (only those add their id row).
    seen: Vec<bool>,
    /// Per-shopper vectors, `n_users x dim`, when trained with `user_embedding`.
    user: Option<Tensor>,
    n_users: usize,
    n_items: usize,
    dim: usize,
    buckets: usize,
    /// Built on the first served top k (evaluation never needs it).
    shortlist: LazyShortlist,
}

/// Up to this many shoppers are scored with dot products straight from the
/// CPU tensor's memory (as BPR: faster than a `1 x d` candle product).
const HOST_ROWS: usize = 4;

/// Scales `v` to unit length in place (a zero vector stays zero).
fn normalize(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>();
    if n > 0.0 {
        let s = 1.0 / n.sqrt();
        v.iter_mut().for_each(|x| *x *= s);
    }
}

/// Item vectors from host tables (the item tower at serving time).
fn item_vectors_host(
    token: &[f32],
    item_id: &[f32],
    seen: &[bool],
    bags: &TextBags,
    dim: usize,
) -> Vec<f32> {
    use rayon::prelude::*;
    let mut out = vec![0f32; seen.len() * dim];
    out.par_chunks_mut(dim).enumerate().for_each(|(i, v)| {
        let b = bags.of(i);
        if !b.is_empty() {
            let w = 1.0 / b.len() as f32;
            for &t in b {
                let row = &token[t as usize * dim..(t as usize + 1) * dim];
                v.iter_mut().zip(row).for_each(|(x, r)| *x += w * r);
            }
        }
        if seen[i] {
            let row = &item_id[i * dim..(i + 1) * dim];
            v.iter_mut().zip(row).for_each(|(x, r)| *x += r);
        }
        normalize(v);
    });
    out
}

impl TwoTowerModel {
    /// Rows `ids` of a `rows x dim` tensor, on the host.
    fn rows(&self, t: &Tensor, ids: &[u32]) -> Result<Vec<f32>> {
        let d = self.dim;
        if t.device().is_cpu() {
            return with_host(t, |v| {
                let mut out = Vec::with_capacity(ids.len() * d);
                for &i in ids {
                    out.extend_from_slice(&v[i as usize * d..(i as usize + 1) * d]);
                }
                out
            });
        }
        let idx = Tensor::from_slice(ids, ids.len(), t.device())?;
        saved::to_vec(&t.index_select(&idx, 0)?)
    }

    /// The user tower: the unit-length shopper vector, or `None` when the
    /// history holds no known item (then the scores stay zero).
    fn user_vector(&self, q: &UserQuery<'_>) -> Result<Option<Vec<f32>>> {
        let d = self.dim;
        let mut items = Vec::with_capacity(q.history.len());
        let mut weights = Vec::with_capacity(q.history.len());
        for (k, &i) in q.history.iter().enumerate() {
            let w = if q.weights.len() == q.history.len() {
                q.weights[k]
            } else {
                1.0
            };
            if (i as usize) < self.n_items && w.is_finite() && w > 0.0 {
                items.push(i);
                weights.push(w);
            }
        }
        let total: f32 = weights.iter().sum();
        if items.is_empty() || total <= 0.0 {
            return Ok(None);
        }
        let rows = self.rows(&self.item_vectors, &items)?;
        let mut v = vec![0f32; d];
        for (row, w) in rows.chunks_exact(d).zip(&weights) {
            v.iter_mut().zip(row).for_each(|(x, r)| *x += w / total * r);
        }
        if let (Some(user), Some(u)) = (&self.user, q.user)
            && (u as usize) < self.n_users
        {
            let row = self.rows(user, &[u])?;
            v.iter_mut().zip(&row).for_each(|(x, r)| *x += r);
        }
        normalize(&mut v);
        Ok(Some(v))
    }

    fn score_into(&self, queries: &[UserQuery<'_>], out: &mut [f32]) -> Result<()> {
        let n = self.n_items;
        let mut rows = Vec::new();
        let mut qs = Vec::new();
        for (r, q) in queries.iter().enumerate() {
            if let Some(v) = self.user_vector(q)? {
                rows.push(r);
                qs.extend(v);
            }
        }
        if rows.is_empty() || n == 0 {
            return Ok(());
        }
        let d = self.dim;
        if self.item_vectors.device().is_cpu() && rows.len() <= HOST_ROWS {
            return with_host(&self.item_vectors, |items| {
                for (k, &r) in rows.iter().enumerate() {
                    score_rows(
                        items,
                        d,
                        &qs[k * d..(k + 1) * d],
                        &mut out[r * n..(r + 1) * n],
                    );
                }
            });
        }
        let q = Tensor::from_vec(qs, (rows.len(), d), self.item_vectors.device())?;
        let scores = q.matmul(&self.item_vectors.t()?)?;
        let flat = saved::to_vec(&scores)?;
        for (k, &r) in rows.iter().enumerate() {
            out[r * n..(r + 1) * n].copy_from_slice(&flat[k * n..(k + 1) * n]);
        }
        Ok(())
    }

    /// The unit-length vector the item tower gives an item with this text and
    /// no training events (a new catalog item), comparable with the
    /// model's item vectors. All zero when the text has no features.
    pub fn embed_item_text(&self, text: &ItemText) -> Result<Vec<f32>> {
        let ids = item_buckets(text, self.buckets);
        let mut v = vec![0f32; self.dim];
        if ids.is_empty() {
            return Ok(v);
        }
        let rows = self.rows(&self.token, &ids)?;
        let w = 1.0 / ids.len() as f32;
        for row in rows.chunks_exact(self.dim) {
            v.iter_mut().zip(row).for_each(|(x, r)| *x += w * r);
        }
        normalize(&mut v);
        Ok(v)
    }

    /// The unit-length item vectors, `n_items x dim` row-major.
    pub fn item_vectors(&self) -> Result<Vec<f32>> {
        saved::to_vec(&self.item_vectors)
    }
}

impl Recommender for TwoTowerModel {
    /// [`Recommender::top_k`] through the item vectors' bfloat16 shortlist;
    /// `None` when it does not apply (another device, no shopper vector).
    fn top_k_shortcut(
        &self,
        query: &UserQuery<'_>,
        k: usize,
        exclude: &[u32],
        prior: Option<&[f32]>,
    ) -> Option<Vec<(u32, f32)>> {
        if !self.item_vectors.device().is_cpu() {
            return None;
        }
        let q = self.user_vector(query).ok()??;
        let (cell, table, n) = (&self.shortlist, &self.item_vectors, self.n_items);
        serve_top_k(cell, table, n, self.dim, &q, k, exclude, prior)
    }

    fn name(&self) -> &str {
        "two_tower"
    }

    fn n_items(&self) -> usize {
        self.n_items
    }

    fn score(&self, query: &UserQuery<'_>, scores: &mut [f32]) {
        self.score_batch(std::slice::from_ref(query), scores);
    }

    fn score_batch(&self, queries: &[UserQuery<'_>], out: &mut [f32]) {
        if let Err(e) = self.score_into(queries, out) {
            // Only a device failure lands here; zero scores let the engine's
            // fallback answer instead of panicking in a serving path.
            tracing::error!("two_tower scoring failed: {e}");
            out.iter_mut().for_each(|x| *x = 0.0);
        }
    }

    fn size_bytes(&self) -> usize {
        let users = if self.user.is_some() { self.n_users } else { 0 };
        (2 * self.n_items + self.buckets + users) * self.dim * 4 + self.n_items
    }

    fn state(&self) -> ModelState {
        let mut st = ModelState::new();
        let d = self.dim;
        st.meta("format", TWO_TOWER_FORMAT)
            .meta("model", "two_tower")
            .meta("tokenizer", TOKENIZER_VERSION)
            .meta("n_users", self.n_users)
            .meta("n_items", self.n_items)
            .meta("embedding_size", d)
            .meta("text_buckets", self.buckets)
            .meta("user_embedding", self.user.is_some());
        let seen: Vec<u32> = self.seen.iter().map(|&s| u32::from(s)).collect();
        st.push_u32("item_seen", &[self.n_items], seen);
        type Arrays<'a> = Vec<(&'a str, Vec<usize>, Vec<f32>)>;
        let read = || -> Result<Arrays<'_>> {
            let mut v = vec![
                (
                    "item_vectors",
                    vec![self.n_items, d],
                    saved::to_vec(&self.item_vectors)?,
                ),
                (
                    "text_embedding",
                    vec![self.buckets, d],
                    saved::to_vec(&self.token)?,
                ),
                (
                    "item_id_embedding",
                    vec![self.n_items, d],
                    saved::to_vec(&self.item_id)?,
                ),
            ];
            if let Some(u) = &self.user {
                v.push(("user_embedding", vec![self.n_users, d], saved::to_vec(u)?));
            }
            Ok(v)
        };
        match read() {
            Ok(arrays) => {
                for (name, dims, values) in arrays {
                    st.push_f32(name, &dims, values);
                }
            }
            Err(e) => tracing::error!("cannot read two_tower weights: {e}"),
        }
        st
    }

    fn device(&self) -> String {
        device_name(self.item_vectors.device())
    }
}

/// Rebuilds a trained two-tower model from [`Recommender::state`] on `device`.
pub fn load_two_tower(
    params: &TwoTowerParams,
    state: &ModelState,
    device: &Device,
) -> Result<TwoTowerModel> {
    const M: &str = "two_tower";
    saved::check_format(state, M, TWO_TOWER_FORMAT)?;
    match state.get_meta("tokenizer") {
        Some(t) if t == TOKENIZER_VERSION => {}
        other => {
            return Err(Error::State(format!(
                "this saved two_tower model reads item text with tokenizer `{}` but this ShopLab \
                 uses `{TOKENIZER_VERSION}`; retrain the model",
                other.unwrap_or("none")
            )));
        }
    }
    let n_users = saved::meta_usize(state, M, "n_users")?;
    let n_items = saved::meta_usize(state, M, "n_items")?;
    let (d, buckets) = (params.embedding_size, params.text_buckets);
    let item_vectors = saved::tensor(state, M, "item_vectors", &[n_items, d], device)?;
    let token = saved::tensor(state, M, "text_embedding", &[buckets, d], device)?;
    let item_id = saved::tensor(state, M, "item_id_embedding", &[n_items, d], device)?;
    let user = if params.user_embedding {
        Some(saved::tensor(
            state,
            M,
            "user_embedding",
            &[n_users, d],
            device,
        )?)
    } else {
        None
    };
    let (_, seen) = state.u32("item_seen", Some(&[n_items])).map_err(|e| {
        Error::State(format!(
            "the saved two_tower model does not match its parameters ({e}): it was saved by \
             another ShopLab version or with other settings; retrain the model"
        ))
    })?;
    Ok(TwoTowerModel {
        item_vectors,
        token,
        item_id,
        seen: seen.iter().map(|&s| s != 0).collect(),
        user,
        n_users,
        n_items,
        dim: d,
        buckets,
        shortlist: LazyShortlist::new(),
    })
}

/// `x / |x|` row by row (a zero row stays zero).
fn normalize_rows(x: &Tensor) -> Result<Tensor> {
    let norm = x.sqr()?.sum_keepdim(1)?.affine(1.0, 1e-12)?.sqrt()?;
    Ok(x.broadcast_div(&norm)?)
}

/// Logit bias that removes a column from a row's softmax (an accidental hit).
const MASKED: f32 = -1e9;

struct TwoTowerTrainer {
    token: Var,
    item: Var,
    user: Option<Var>,
    bags: TextBags,
    seen: Vec<bool>,
    /// Items with training events (uniform negatives are drawn from them).
    seen_items: Vec<u32>,
    /// Training histories (rows of the weighted user x item matrix).
    hist: SparseMatrix,
    /// Example `e` is the pair `(ex_user[e], hist.indices[e])`.
    ex_user: Vec<u32>,
    /// Log of each item's chance to be drawn as a softmax column.
    log_q: Vec<f32>,
    params: TwoTowerParams,
    device: Device,
}

impl TwoTowerTrainer {
    /// The host-side layout of one batch (all draws from `rng` happen here).
    fn plan(&self, examples: &[u32], rng: &mut ChaCha8Rng) -> Batch {
        let b = examples.len();
        let mut local: HashMap<u32, u32> = HashMap::new();
        let mut items: Vec<u32> = Vec::new();
        let mut slot = |i: u32, items: &mut Vec<u32>| -> u32 {
            *local.entry(i).or_insert_with(|| {
                items.push(i);
                (items.len() - 1) as u32
            })
        };
        let pos: Vec<u32> = examples
            .iter()
            .map(|&e| self.hist.indices[e as usize])
            .collect();
        let mut cols: Vec<u32> = pos.clone();
        if !self.seen_items.is_empty() {
            for _ in 0..b * self.params.negatives {
                let k = rng.random_range(0..self.seen_items.len());
                cols.push(self.seen_items[k]);
            }
        }
        let col_local: Vec<u32> = cols.iter().map(|&i| slot(i, &mut items)).collect();
        // Each example's history without its own item, capped at max_history.
        let (mut h_dst, mut h_src, mut h_w) = (Vec::new(), Vec::new(), Vec::new());
        let mut pick: Vec<usize> = Vec::new();
        for (r, &e) in examples.iter().enumerate() {
            let u = self.ex_user[e as usize] as usize;
            let span = self.hist.indptr[u]..self.hist.indptr[u + 1];
            pick.clear();
            pick.extend(span.filter(|&k| k != e as usize));
            let m = self.params.max_history;
            if pick.len() > m {
                // A uniform subset: the first `m` steps of a Fisher–Yates shuffle.
                for j in 0..m {
                    let r = rng.random_range(j..pick.len());
                    pick.swap(j, r);
                }
                pick.truncate(m);
                pick.sort_unstable();
            }
            let total: f32 = pick.iter().map(|&k| self.hist.data[k]).sum();
            if total <= 0.0 {
                continue;
            }
            for &k in &pick {
                h_dst.push(r as u32);
                h_src.push(slot(self.hist.indices[k], &mut items));
                h_w.push(self.hist.data[k] / total);
            }
        }
        let keep: Vec<f32> = items
            .iter()
            .map(|_| f32::from(rng.random::<f64>() >= self.params.id_dropout))
            .collect();
        let (mut t_dst, mut t_src, mut t_w) = (Vec::new(), Vec::new(), Vec::new());
        for (k, &i) in items.iter().enumerate() {
            let bag = self.bags.of(i as usize);
            for &t in bag {
                t_dst.push(k as u32);
                t_src.push(t);
                t_w.push(1.0 / bag.len() as f32);
            }
        }
        // Every row gets the columns' −log q; then accidental hits (the
        // row's positive as another column) are masked. Row copies and a
        // column index keep this O(B·C) in memcpy, not in a branchy loop.
        let c = cols.len();
        let col_bias: Vec<f32> = cols
            .iter()
            .map(|&i| {
                if self.params.logq_correction {
                    -self.log_q[i as usize]
                } else {
                    0.0
                }
            })
            .collect();
        let mut bias = Vec::with_capacity(b * c);
        for _ in 0..b {
            bias.extend_from_slice(&col_bias);
        }
        let mut cols_of: HashMap<u32, Vec<usize>> = HashMap::new();
        for (k, &l) in col_local.iter().enumerate() {
            cols_of.entry(l).or_default().push(k);
        }
        for r in 0..b {
            for &k in cols_of.get(&col_local[r]).into_iter().flatten() {
                if k != r {
                    bias[r * c + k] = MASKED;
                }
            }
        }
        let users = examples.iter().map(|&e| self.ex_user[e as usize]).collect();
        Batch {
            items,
            keep,
            t_dst,
            t_src,
            t_w,
            h_dst,
            h_src,
            h_w,
            col_local,
            bias,
            users,
        }
    }
}

/// One batch laid out on the host.
struct Batch {
    /// The batch's distinct items (global ids); local index = position.
    items: Vec<u32>,
    /// 1 where the item's id row is kept this batch, 0 where dropped.
    keep: Vec<f32>,
    /// Text features: (local item, bucket, 1 / bag size).
    t_dst: Vec<u32>,
    t_src: Vec<u32>,
    t_w: Vec<f32>,
    /// History: (example row, local item, normalised weight).
    h_dst: Vec<u32>,
    h_src: Vec<u32>,
    h_w: Vec<f32>,
    /// Softmax columns (positives first, in row order), as local items.
    col_local: Vec<u32>,
    /// `rows x columns` logit bias: −log q, or [`MASKED`] on accidental hits.
    bias: Vec<f32>,
    /// Each example's user.
    users: Vec<u32>,
}

impl Trainable for TwoTowerTrainer {
    fn name(&self) -> &str {
        "two_tower"
    }

    fn vars(&self) -> Vec<(String, Var)> {
        let mut v = vec![
            ("text_embedding".to_string(), self.token.clone()),
            ("item_id_embedding".to_string(), self.item.clone()),
        ];
        if let Some(u) = &self.user {
            v.push(("user_embedding".to_string(), u.clone()));
        }
        v
    }

    fn n_examples(&self) -> usize {
        self.hist.indices.len()
    }

    fn batch_loss(&self, examples: &[u32], rng: &mut ChaCha8Rng) -> Result<Tensor> {
        let p = self.plan(examples, rng);
        let dev = &self.device;
        let d = self.params.embedding_size;
        let (b, c) = (examples.len(), p.col_local.len());
        let ids = |v: &[u32]| Tensor::from_slice(v, v.len(), dev);
        let col = |v: &[f32]| Tensor::from_slice(v, (v.len(), 1), dev);
        // Item tower for the batch's items.
        let item_ids = ids(&p.items)?;
        let mut v = self
            .item
            .as_tensor()
            .index_select(&item_ids, 0)?
            .broadcast_mul(&col(&p.keep)?)?;
        if !p.t_src.is_empty() {
            let rows = self
                .token
                .as_tensor()
                .index_select(&ids(&p.t_src)?, 0)?
                .broadcast_mul(&col(&p.t_w)?)?;
            v = v.index_add(&ids(&p.t_dst)?, &rows, 0)?;
        }
        let v = normalize_rows(&v)?;
        // User tower: the weighted mean of the history's item vectors.
        let mut q = Tensor::zeros((b, d), DType::F32, dev)?;
        if !p.h_src.is_empty() {
            let rows = v
                .index_select(&ids(&p.h_src)?, 0)?
                .broadcast_mul(&col(&p.h_w)?)?;
            q = q.index_add(&ids(&p.h_dst)?, &rows, 0)?;
        }
        if let Some(u) = &self.user {
            q = (q + u.as_tensor().index_select(&ids(&p.users)?, 0)?)?;
        }
        let q = normalize_rows(&q)?;
        let cands = v.index_select(&ids(&p.col_local)?, 0)?;
        let logits = (q.matmul(&cands.t()?)? / self.params.temperature)?;
        let logits = (logits + Tensor::from_vec(p.bias, (b, c), dev)?)?;
        let ls = candle_nn::ops::log_softmax(&logits, 1)?;
        let target: Vec<u32> = (0..b as u32).collect();
        let target = Tensor::from_vec(target, (b, 1), dev)?;
        Ok(ls.gather(&target, 1)?.neg()?.mean_all()?)
    }

    fn snapshot(&self) -> Result<Box<dyn Recommender>> {
        Ok(Box::new(self.model()?))
    }
}

impl TwoTowerTrainer {
    /// The servable model of the current weights.
    fn model(&self) -> Result<TwoTowerModel> {
        let d = self.params.embedding_size;
        let token = self.token.as_tensor().copy()?;
        let item_id = self.item.as_tensor().copy()?;
        let vectors = item_vectors_host(
            &saved::to_vec(&token)?,
            &saved::to_vec(&item_id)?,
            &self.seen,
            &self.bags,
            d,
        );
        let n_items = self.seen.len();
        Ok(TwoTowerModel {
            item_vectors: Tensor::from_vec(vectors, (n_items, d), &self.device)?,
            token,
            item_id,
            seen: self.seen.clone(),
            user: self
                .user
                .as_ref()
                .map(|u| u.as_tensor().copy())
                .transpose()?,
            n_users: self.hist.n_rows,
            n_items,
            dim: d,
            buckets: self.params.text_buckets,
            shortlist: LazyShortlist::new(),
        })
    }
}

/// Trains the two-tower model on `data`; `data.item_text` (one entry per
/// item) feeds the item tower's text part. Without it the model is an
/// id-only two-tower model and items without events score zero.
pub fn fit_two_tower(
    params: &TwoTowerParams,
    data: &TrainData<'_>,
    ctx: &FitContext<'_>,
) -> Result<Fitted> {
    params.validate()?;
    let (device, note) = resolve(&ctx.device)?;
    let n_users = data.train.n_users as usize;
    let n_items = data.train.n_items as usize;
    if let Some(t) = data.item_text
        && t.len() != n_items
    {
        return Err(Error::invalid(
            "item_text",
            format!("{} entries", t.len()),
            &format!("one text per catalog item ({n_items})"),
        ));
    }
    if data.item_text.is_none() {
        tracing::warn!("two_tower trains without item text: new items will score zero");
    }
    let d = params.embedding_size;
    let bags = TextBags::new(data.item_text, n_items, params.text_buckets);
    let hist = data.train.to_matrix(data.weighting);
    let mut ex_user = Vec::with_capacity(hist.indices.len());
    let mut count = vec![0u64; n_items];
    for u in 0..hist.n_rows {
        let (items, _) = hist.row(u);
        ex_user.extend(std::iter::repeat_n(u as u32, items.len()));
        items.iter().for_each(|&i| count[i as usize] += 1);
    }
    let seen: Vec<bool> = count.iter().map(|&c| c > 0).collect();
    let seen_items: Vec<u32> = (0..n_items as u32).filter(|&i| seen[i as usize]).collect();
    // A column is a batch positive (chance ∝ the item's pairs) or one of the
    // `negatives` uniform draws per positive (chance 1 / seen items).
    let total = hist.indices.len().max(1) as f64;
    let neg = params.negatives as f64;
    let log_q: Vec<f32> = count
        .iter()
        .map(|&c| {
            let q = (c as f64 / total + neg / seen_items.len().max(1) as f64) / (1.0 + neg);
            q.max(f64::MIN_POSITIVE).ln() as f32
        })
        .collect();
    let mut rng = crate::train::init_rng(params.seed);
    let std = 1.0 / (d as f64).sqrt();
    let token = Var::from_tensor(&init::normal(
        &mut rng,
        params.text_buckets,
        d,
        std,
        &device,
    )?)?;
    let item = Var::from_tensor(&init::normal(&mut rng, n_items, d, std, &device)?)?;
    let user = if params.user_embedding {
        // A shopper without training events gets no gradient, so their row
        // would stay random and add noise to the history they bring at test
        // time (validation events): start it, and leave it, at zero.
        let start = init::normal(&mut rng, n_users, d, std, &device)?;
        let trained: Vec<f32> = (0..n_users)
            .map(|u| {
                if u < hist.n_rows && !hist.row(u).0.is_empty() {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        let mask = Tensor::from_vec(trained, (n_users, 1), &device)?;
        Some(Var::from_tensor(&start.broadcast_mul(&mask)?)?)
    } else {
        None
    };
    let t = TwoTowerTrainer {
        token,
        item,
        user,
        bags,
        seen,
        seen_items,
        hist,
        ex_user,
        log_q,
        params: params.clone(),
        device: device.clone(),
    };
    let report = train(&t, &params.train_config(), ctx, &device)?;
    Ok(Fitted {
        model: Box::new(t.model()?),
        report,
        device_note: note,
    })
}
