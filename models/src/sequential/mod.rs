//! Sequential "what next" models (GRU4Rec, SASRec) and what they share:
//! training examples built as RecBole builds them, padded batches, the
//! loss over the item table, seeded dropout, and batch scoring.
//!
//! Training examples ([`SeqExamples`]): by default each shopper's training
//! sequence (oldest first) is cut into windows of `max_seq_length` items and
//! the output at every position predicts the item after it (the SASRec
//! paper's scheme); `prefixes` makes every prefix, truncated to its last
//! `max_seq_length` items, one example predicting the item that follows it
//! (RecBole's). Both train on the same targets; windows compute each
//! position once instead of once per later prefix. Sequences are
//! right-padded (real items first, as RecBole does); a network's
//! representation of a sequence is its output at the last real position.
//! The logits of a representation are its dot products with the item
//! embedding table.

pub mod gru4rec;
pub mod sasrec;

use candle_core::{D, DType, Device, Tensor, Var};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use shoplab_datasets::{ModelState, Recommender, Sequences, UserQuery};

use crate::device::{device_name, resolve};
use crate::error::{Error, Result};
use crate::item_table::{LazyShortlist, score_rows, serve_top_k, with_host};
use crate::loss::neg_log_sigmoid;
use crate::train::{FitContext, TrainConfig, TrainData, Trainable, train};
use crate::{Fitted, saved};

/// The training loss of a sequential model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LossType {
    /// Cross-entropy of the next item over ALL items (RecBole's default `CE`).
    #[default]
    Ce,
    /// BPR with one negative item drawn uniformly from the items other than the next one.
    Bpr,
}

/// How a shopper's training sequence becomes training examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeqExamples {
    /// Windows of `max_seq_length` items, a loss at every position (the
    /// SASRec paper's scheme): about `max_seq_length` times less work per
    /// epoch than prefixes, for the same targets and batches of the same
    /// number of targets.
    #[default]
    Windows,
    /// Every prefix predicts its next item (RecBole's augmentation).
    Prefixes,
}

/// Most logits (batch rows x items) one training batch may hold with the
/// cross-entropy loss: 2^28 f32 = 1 GiB per copy (autodiff keeps a few).
pub const CE_LOGITS_LIMIT: usize = 1 << 28;

/// Up to this many shoppers are scored with dot products from the CPU
/// tensors' memory: a `1 x d` by `d x items` product through candle packs
/// the whole table each call (as BPR found).
const HOST_ROWS: usize = 4;

/// Most logits one scoring pass holds (64 MiB), so batch scoring stays bounded.
const SCORE_LOGITS: usize = 1 << 24;

/// A network that turns padded item sequences into one vector per sequence.
/// Implemented by each sequential model's params (they carry the shapes).
pub trait SeqNet: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// Short model name (`gru4rec`).
    const NAME: &'static str;
    /// Format tag of the saved state.
    const FORMAT: &'static str;
    /// Longest sequence read (older items are dropped).
    fn max_len(&self) -> usize;
    /// Names and shapes of every weight array, in a fixed order; the first
    /// is the item table `[n_items + 1, d]` (its last row is the padding item).
    fn shapes(&self, n_items: usize) -> Vec<(String, Vec<usize>)>;
    /// Initial weights in [`SeqNet::shapes`] order (RecBole's initialisers).
    fn init(&self, n_items: usize, rng: &mut ChaCha8Rng, device: &Device) -> Result<Vec<Tensor>>;
    /// `[B, d]`: each sequence's representation at its last real position;
    /// dropout drawn from `dropout` while training, none when `None`.
    fn encode(
        &self,
        w: &[Tensor],
        batch: &PaddedBatch,
        dropout: Option<&mut ChaCha8Rng>,
    ) -> Result<Tensor>;
    /// The trainer's settings, the training loss and the kind of examples.
    fn training(&self) -> (TrainConfig, LossType, SeqExamples);
    /// `[B, T, d]`: the representation at every position, each reading only
    /// the items up to it (what window training needs).
    fn encode_all(
        &self,
        w: &[Tensor],
        batch: &PaddedBatch,
        dropout: Option<&mut ChaCha8Rng>,
    ) -> Result<Tensor>;
}

/// Right-padded item sequences on a device.
#[derive(Debug, Clone)]
pub struct PaddedBatch {
    /// `[B, T]` item indices; padding is the item count (the table's last row).
    pub ids: Tensor,
    /// Real length of each row (1 to T).
    pub lens: Vec<usize>,
    /// Padded length T (the longest row).
    pub t: usize,
}

impl PaddedBatch {
    /// Pads `seqs` (each non-empty) with `pad` to their longest length.
    pub fn new(seqs: &[&[u32]], pad: u32, device: &Device) -> Result<Self> {
        let t = seqs.iter().map(|s| s.len()).max().unwrap_or(1).max(1);
        let mut ids = vec![pad; seqs.len() * t];
        for (row, s) in ids.chunks_mut(t).zip(seqs) {
            row[..s.len()].copy_from_slice(s);
        }
        Ok(PaddedBatch {
            ids: Tensor::from_vec(ids, (seqs.len(), t), device)?,
            lens: seqs.iter().map(|s| s.len().max(1)).collect(),
            t,
        })
    }

    /// Rows in the batch.
    pub fn b(&self) -> usize {
        self.lens.len()
    }

    /// `[B, d]`: row `len - 1` of each sequence from `[B, T, d]` outputs.
    pub fn gather_last(&self, all: &Tensor) -> Result<Tensor> {
        let (b, t, d) = all.dims3()?;
        let idx: Vec<u32> = self
            .lens
            .iter()
            .enumerate()
            .map(|(r, &l)| (r * t + l - 1) as u32)
            .collect();
        let idx = Tensor::from_vec(idx, b, all.device())?;
        Ok(all.reshape((b * t, d))?.index_select(&idx, 0)?)
    }
}

/// A dropout mask of `n` values drawn from the trainer's seeded RNG: 0 with
/// probability `p` (to 1/65536), else `1/(1−p)`. Four draws per random u64,
/// since attention dropout needs millions of values per batch.
pub fn dropout_mask(
    rng: &mut ChaCha8Rng,
    p: f64,
    shape: &[usize],
    device: &Device,
) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    let keep = (1.0 / (1.0 - p)) as f32;
    let cut = (p * 65536.0).round() as u32;
    let mut v = Vec::with_capacity(n + 3);
    while v.len() < n {
        let r: u64 = rng.random();
        for k in 0..4 {
            let x = ((r >> (16 * k)) & 0xffff) as u32;
            v.push(if x < cut { 0.0 } else { keep });
        }
    }
    v.truncate(n);
    Ok(Tensor::from_vec(v, shape, device)?)
}

/// `x` with dropout applied when training (`rng` given and `p > 0`).
pub fn dropout(x: &Tensor, p: f64, rng: Option<&mut ChaCha8Rng>) -> Result<Tensor> {
    match rng {
        Some(rng) if p > 0.0 => {
            let mask = dropout_mask(rng, p, x.dims(), x.device())?;
            Ok((x * mask)?)
        }
        _ => Ok(x.clone()),
    }
}

/// `x · wᵀ + b` over the last dimension of a tensor of any rank (`w` is
/// `[out, in]`, `b` is `[1, out]`).
pub fn linear(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Result<Tensor> {
    let dims = x.dims().to_vec();
    let inp = dims[dims.len() - 1];
    let rows = x.elem_count() / inp.max(1);
    let out = w.dims2()?.0;
    let mut y = x.reshape((rows, inp))?.matmul(&w.t()?)?;
    if let Some(b) = b {
        y = y.broadcast_add(b)?;
    }
    let mut od = dims;
    let last = od.len() - 1;
    od[last] = out;
    Ok(y.reshape(od)?)
}

/// Layer normalisation over the last dimension with `gamma`, `beta` of
/// shape `[1, d]` (candle's fused op has no gradient; this one does).
pub fn layer_norm(x: &Tensor, gamma: &Tensor, beta: &Tensor, eps: f64) -> Result<Tensor> {
    let d = x.dim(D::Minus1)? as f64;
    let mean = (x.sum_keepdim(D::Minus1)? / d)?;
    let xc = x.broadcast_sub(&mean)?;
    let var = (xc.sqr()?.sum_keepdim(D::Minus1)? / d)?;
    let y = xc.broadcast_div(&(var + eps)?.sqrt()?)?;
    Ok(y.broadcast_mul(gamma)?.broadcast_add(beta)?)
}

/// The training examples. With prefixes, example `k` is the prefix
/// `items[max(start, end − L)..end]` followed by `items[end]`; with windows,
/// it is the input `items[start..end]` whose targets are
/// `items[start + 1..=end]` (at most L of them).
#[derive(Debug, Clone)]
struct Examples {
    items: Vec<u32>,
    start: Vec<u32>,
    end: Vec<u32>,
    kind: SeqExamples,
}

impl Examples {
    fn new(seqs: &Sequences, n_items: usize, kind: SeqExamples, max_len: usize) -> Self {
        let mut items = Vec::with_capacity(seqs.events.len());
        let (mut start, mut end) = (Vec::new(), Vec::new());
        let max_len = max_len.max(1);
        for u in 0..seqs.n_users() {
            let a = items.len();
            items.extend(
                seqs.of(u)
                    .iter()
                    .map(|e| e.item)
                    .filter(|&i| (i as usize) < n_items),
            );
            match kind {
                SeqExamples::Prefixes => {
                    for e in a + 1..items.len() {
                        start.push(a as u32);
                        end.push(e as u32);
                    }
                }
                SeqExamples::Windows => {
                    // From the newest target back, so the most recent
                    // windows are full and only the oldest may be short.
                    let mut last = items.len();
                    while last > a + 1 {
                        let first = last.saturating_sub(max_len).max(a + 1);
                        start.push((first - 1) as u32);
                        end.push((last - 1) as u32);
                        last = first;
                    }
                }
            }
        }
        Examples {
            items,
            start,
            end,
            kind,
        }
    }

    fn prefix(&self, k: usize, max_len: usize) -> (&[u32], u32) {
        let (a, e) = (self.start[k] as usize, self.end[k] as usize);
        (
            &self.items[a.max(e.saturating_sub(max_len))..e],
            self.items[e],
        )
    }

    /// A window's input items and its targets (the items one step later).
    fn window(&self, k: usize) -> (&[u32], &[u32]) {
        let (a, e) = (self.start[k] as usize, self.end[k] as usize);
        (&self.items[a..e], &self.items[a + 1..=e])
    }
}

/// The items a query's sequence model reads: the last `max_len` items of
/// `events` (oldest first), or, when `events` is empty, of `history` in
/// index order (a set has no order; the engine passes events whenever it
/// has them). Items outside the trained catalog are skipped.
pub fn query_items(q: &UserQuery<'_>, max_len: usize, n_items: usize) -> Vec<u32> {
    let all: Vec<u32> = if q.events.is_empty() {
        q.history
            .iter()
            .copied()
            .filter(|&i| (i as usize) < n_items)
            .collect()
    } else {
        q.events
            .iter()
            .map(|e| e.item)
            .filter(|&i| (i as usize) < n_items)
            .collect()
    };
    all[all.len().saturating_sub(max_len)..].to_vec()
}

/// A trained sequential model, servable on its device. It needs no user
/// id: a shopper unseen at training time with a history gets a real list;
/// an empty history gets all-zero scores (the engine's cold fallback serves them).
#[derive(Debug, Clone)]
pub struct SeqModel<N: SeqNet> {
    net: N,
    weights: Vec<Tensor>,
    /// The first `n_items` rows of the item table, `[n_items, d]`.
    items_t: Tensor,
    n_items: usize,
    /// Built on the first served top k (evaluation never needs it).
    shortlist: LazyShortlist,
}

impl<N: SeqNet> SeqModel<N> {
    fn new(net: N, weights: Vec<Tensor>, n_items: usize) -> Result<Self> {
        let items_t = weights[0].narrow(0, 0, n_items)?.t()?.contiguous()?;
        Ok(SeqModel {
            net,
            weights,
            items_t,
            n_items,
            shortlist: LazyShortlist::new(),
        })
    }

    /// The parameters the model was built with.
    pub fn params(&self) -> &N {
        &self.net
    }

    /// `[B, n_items]` scores of non-empty sequences.
    fn score_seqs(&self, seqs: &[&[u32]]) -> Result<Vec<f32>> {
        let batch = PaddedBatch::new(seqs, self.n_items as u32, self.weights[0].device())?;
        let rep = self.net.encode(&self.weights, &batch, None)?;
        if self.weights[0].device().is_cpu() && seqs.len() <= HOST_ROWS {
            return self.dots_host(&saved::to_vec(&rep)?);
        }
        saved::to_vec(&rep.matmul(&self.items_t)?)
    }

    /// Scores of a few representations (`reps`, row-major `[r, d]`) as dot
    /// products straight from the item table's CPU memory (see [`HOST_ROWS`]).
    fn dots_host(&self, reps: &[f32]) -> Result<Vec<f32>> {
        let d = self.weights[0].dims2()?.1;
        let n = self.n_items;
        with_host(&self.weights[0], |v| {
            let table = &v[..n * d];
            let mut out = vec![0f32; reps.len() / d.max(1) * n];
            for (rep, o) in reps.chunks_exact(d).zip(out.chunks_mut(n)) {
                score_rows(table, d, rep, o);
            }
            out
        })
    }
}

impl<N: SeqNet> Recommender for SeqModel<N> {
    /// [`Recommender::top_k`] through the item table's bfloat16 shortlist;
    /// `None` when it does not apply (another device, an empty history).
    fn top_k_shortcut(
        &self,
        query: &UserQuery<'_>,
        k: usize,
        exclude: &[u32],
        prior: Option<&[f32]>,
    ) -> Option<Vec<(u32, f32)>> {
        let table = &self.weights[0];
        if !table.device().is_cpu() {
            return None;
        }
        let n = self.n_items;
        let seq = query_items(query, self.net.max_len(), n);
        if seq.is_empty() {
            return None;
        }
        let d = table.dims2().ok()?.1;
        let batch = PaddedBatch::new(&[&seq[..]], n as u32, table.device()).ok()?;
        let rep = saved::to_vec(&self.net.encode(&self.weights, &batch, None).ok()?).ok()?;
        serve_top_k(&self.shortlist, table, n, d, &rep, k, exclude, prior)
    }

    fn name(&self) -> &str {
        N::NAME
    }

    fn n_items(&self) -> usize {
        self.n_items
    }

    fn score(&self, query: &UserQuery<'_>, scores: &mut [f32]) {
        self.score_batch(std::slice::from_ref(query), scores);
    }

    /// Pads the batch and scores it with one forward pass and one matrix
    /// product per chunk (chunks bound the logits held at once).
    fn score_batch(&self, queries: &[UserQuery<'_>], out: &mut [f32]) {
        let n = self.n_items;
        let seqs: Vec<(usize, Vec<u32>)> = queries
            .iter()
            .enumerate()
            .map(|(r, q)| (r, query_items(q, self.net.max_len(), n)))
            .filter(|(_, s)| !s.is_empty())
            .collect();
        if seqs.is_empty() || n == 0 {
            return;
        }
        let chunk = (SCORE_LOGITS / n).clamp(1, 1024);
        for part in seqs.chunks(chunk) {
            let refs: Vec<&[u32]> = part.iter().map(|(_, s)| s.as_slice()).collect();
            match self.score_seqs(&refs) {
                Ok(flat) => {
                    for (k, (r, _)) in part.iter().enumerate() {
                        out[r * n..(r + 1) * n].copy_from_slice(&flat[k * n..(k + 1) * n]);
                    }
                }
                Err(e) => {
                    // Only a device failure lands here; zero scores let the
                    // engine's fallback answer instead of panicking.
                    tracing::error!("{} scoring failed: {e}", N::NAME);
                    out.iter_mut().for_each(|x| *x = 0.0);
                    return;
                }
            }
        }
    }

    fn size_bytes(&self) -> usize {
        self.weights.iter().map(|t| t.elem_count() * 4).sum()
    }

    fn state(&self) -> ModelState {
        let mut st = ModelState::new();
        st.meta("format", N::FORMAT)
            .meta("model", N::NAME)
            .meta("n_items", self.n_items);
        for ((name, _), t) in self.net.shapes(self.n_items).iter().zip(&self.weights) {
            match saved::to_vec(t) {
                Ok(v) => {
                    st.push_f32(name, t.dims(), v);
                }
                Err(e) => tracing::error!("cannot read {} weights: {e}", N::NAME),
            }
        }
        st
    }

    fn device(&self) -> String {
        device_name(self.weights[0].device())
    }
}

/// Rebuilds a trained sequential model from its saved state on `device`;
/// another format or other shapes say to retrain.
pub fn load_seq<N: SeqNet>(net: &N, state: &ModelState, device: &Device) -> Result<SeqModel<N>> {
    saved::check_format(state, N::NAME, N::FORMAT)?;
    let n_items = saved::meta_usize(state, N::NAME, "n_items")?;
    let weights = net
        .shapes(n_items)
        .iter()
        .map(|(name, dims)| saved::tensor(state, N::NAME, name, dims, device))
        .collect::<Result<Vec<_>>>()?;
    SeqModel::new(net.clone(), weights, n_items)
}

/// The loss of representations `rep` `[B, d]` against the next items.
fn next_item_loss(
    rep: &Tensor,
    table: &Tensor,
    targets: &[u32],
    loss: LossType,
    rng: &mut ChaCha8Rng,
) -> Result<Tensor> {
    let n_items = table.dims2()?.0;
    let dev = rep.device();
    let b = targets.len();
    match loss {
        LossType::Ce => {
            let logits = rep.matmul(&table.t()?)?;
            let max = logits.max_keepdim(1)?.detach();
            let z = logits.broadcast_sub(&max)?;
            let lse = z.exp()?.sum_keepdim(1)?.log()?;
            let tgt = Tensor::from_slice(targets, (b, 1), dev)?;
            let picked = z.gather(&tgt, 1)?;
            Ok((lse - picked)?.mean_all()?)
        }
        LossType::Bpr => {
            let neg: Vec<u32> = targets
                .iter()
                .map(|&t| {
                    if n_items < 2 {
                        return t;
                    }
                    loop {
                        let j = rng.random_range(0..n_items as u32);
                        if j != t {
                            return j;
                        }
                    }
                })
                .collect();
            let pos = Tensor::from_slice(targets, b, dev)?;
            let neg = Tensor::from_vec(neg, b, dev)?;
            let diff = (table.index_select(&pos, 0)? - table.index_select(&neg, 0)?)?;
            let x = (rep * diff)?.sum(1)?;
            Ok(neg_log_sigmoid(&x)?.mean_all()?)
        }
    }
}

struct SeqTrainer<N: SeqNet> {
    net: N,
    vars: Vec<(String, Var)>,
    ex: Examples,
    n_items: usize,
    loss: LossType,
    device: Device,
}

impl<N: SeqNet> SeqTrainer<N> {
    fn weights(&self) -> Vec<Tensor> {
        self.vars
            .iter()
            .map(|(_, v)| v.as_tensor().clone())
            .collect()
    }

    fn copy(&self) -> Result<SeqModel<N>> {
        let w = self
            .vars
            .iter()
            .map(|(_, v)| v.as_tensor().copy())
            .collect::<candle_core::Result<Vec<_>>>()?;
        SeqModel::new(self.net.clone(), w, self.n_items)
    }
}

impl<N: SeqNet> Trainable for SeqTrainer<N> {
    fn name(&self) -> &str {
        N::NAME
    }

    fn vars(&self) -> Vec<(String, Var)> {
        self.vars.clone()
    }

    fn n_examples(&self) -> usize {
        self.ex.end.len()
    }

    fn batch_loss(&self, examples: &[u32], rng: &mut ChaCha8Rng) -> Result<Tensor> {
        let w = self.weights();
        let table = w[0].narrow(0, 0, self.n_items)?;
        let pad = self.n_items as u32;
        match self.ex.kind {
            SeqExamples::Prefixes => {
                let l = self.net.max_len();
                let (seqs, targets): (Vec<&[u32]>, Vec<u32>) = examples
                    .iter()
                    .map(|&k| self.ex.prefix(k as usize, l))
                    .unzip();
                let batch = PaddedBatch::new(&seqs, pad, &self.device)?;
                let rep = self.net.encode(&w, &batch, Some(rng))?;
                next_item_loss(&rep, &table, &targets, self.loss, rng)
            }
            SeqExamples::Windows => {
                let (seqs, targets): (Vec<&[u32]>, Vec<&[u32]>) =
                    examples.iter().map(|&k| self.ex.window(k as usize)).unzip();
                let batch = PaddedBatch::new(&seqs, pad, &self.device)?;
                let all = self.net.encode_all(&w, &batch, Some(rng))?;
                // Every real position of every window, and its next item.
                let idx: Vec<u32> = batch
                    .lens
                    .iter()
                    .enumerate()
                    .flat_map(|(r, &len)| (0..len).map(move |p| (r * batch.t + p) as u32))
                    .collect();
                let targets: Vec<u32> = targets.concat();
                let (b, t, d) = all.dims3()?;
                let idx = Tensor::from_vec(idx, targets.len(), &self.device)?;
                let rep = all.reshape((b * t, d))?.index_select(&idx, 0)?;
                next_item_loss(&rep, &table, &targets, self.loss, rng)
            }
        }
    }

    fn snapshot(&self) -> Result<Box<dyn Recommender>> {
        Ok(Box::new(self.copy()?))
    }
}

/// Trains a sequential network on `data`'s sequences (see [`crate::train::train`]).
///
/// `cfg.batch_size` counts targets in both kinds of examples: with windows a
/// batch holds `batch_size / max_seq_length` windows (at least one), so an
/// epoch takes about as many steps as with prefixes.
pub fn fit_seq<N: SeqNet>(net: &N, data: &TrainData<'_>, ctx: &FitContext<'_>) -> Result<Fitted> {
    let (cfg, loss, examples) = net.training();
    let n_items = data.train.n_items as usize;
    if loss == LossType::Ce && cfg.batch_size.saturating_mul(n_items) > CE_LOGITS_LIMIT {
        return Err(Error::invalid(
            "batch_size",
            cfg.batch_size,
            &format!(
                "at most {} with loss_type ce over {n_items} items (the logits of a batch \
                 would not fit in memory); lower batch_size or set loss_type = bpr",
                (CE_LOGITS_LIMIT / n_items.max(1)).max(1)
            ),
        ));
    }
    let mut cfg = cfg;
    if examples == SeqExamples::Windows {
        cfg.batch_size = (cfg.batch_size / net.max_len().max(1)).max(1);
    }
    let (device, note) = resolve(&ctx.device)?;
    let mut rng = crate::train::init_rng(cfg.seed);
    let vars = net
        .shapes(n_items)
        .into_iter()
        .zip(net.init(n_items, &mut rng, &device)?)
        .map(|((name, _), t)| Ok((name, Var::from_tensor(&t)?)))
        .collect::<Result<Vec<_>>>()?;
    let t = SeqTrainer {
        net: net.clone(),
        vars,
        ex: Examples::new(data.sequences, n_items, examples, net.max_len()),
        n_items,
        loss,
        device: device.clone(),
    };
    let report = train(&t, &cfg, ctx, &device)?;
    Ok(Fitted {
        model: Box::new(t.copy()?),
        report,
        device_note: note,
    })
}

/// The padding row of a fresh item table is zero (RecBole's `padding_idx`).
fn zero_last_row(t: Tensor) -> Result<Tensor> {
    let rows = t.dims2()?.0;
    let keep = t.narrow(0, 0, rows - 1)?;
    let pad = Tensor::zeros((1, t.dims2()?.1), DType::F32, t.device())?;
    Ok(Tensor::cat(&[keep, pad], 0)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoplab_datasets::{EventKind, Interactions};

    #[test]
    fn examples_are_every_truncated_prefix_and_its_next_item() {
        let mut log = Interactions::new(2, 10);
        for (k, i) in [3u32, 1, 4, 1, 5].iter().enumerate() {
            log.push(0, *i, k as i64, EventKind::Purchase, 1.0);
        }
        log.push(1, 9, 0, EventKind::Purchase, 1.0);
        let ex = Examples::new(&log.sequences(), 10, SeqExamples::Prefixes, 3);
        let got: Vec<(Vec<u32>, u32)> = (0..ex.end.len())
            .map(|k| {
                let (p, t) = ex.prefix(k, 3);
                (p.to_vec(), t)
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (vec![3], 1),
                (vec![3, 1], 4),
                (vec![3, 1, 4], 1),
                (vec![1, 4, 1], 5),
            ]
        );
    }

    #[test]
    fn windows_cover_every_target_once_newest_first() {
        let mut log = Interactions::new(3, 10);
        for (k, i) in [3u32, 1, 4, 1, 5, 9].iter().enumerate() {
            log.push(0, *i, k as i64, EventKind::Purchase, 1.0);
        }
        log.push(1, 9, 0, EventKind::Purchase, 1.0);
        log.push(2, 2, 0, EventKind::Purchase, 1.0);
        log.push(2, 6, 1, EventKind::Purchase, 1.0);
        let windows = |len: usize| -> Vec<(Vec<u32>, Vec<u32>)> {
            let ex = Examples::new(&log.sequences(), 10, SeqExamples::Windows, len);
            (0..ex.end.len())
                .map(|k| {
                    let (input, targets) = ex.window(k);
                    (input.to_vec(), targets.to_vec())
                })
                .collect()
        };
        let got = windows(2);
        // Shopper 0's five targets in windows of two from the newest back;
        // shopper 1 (one event) has none; shopper 2 one.
        assert_eq!(
            got,
            vec![
                (vec![1, 5], vec![5, 9]),
                (vec![1, 4], vec![4, 1]),
                (vec![3], vec![1]),
                (vec![2], vec![6]),
            ]
        );
        // Windows longer than every sequence: one window per shopper.
        assert_eq!(
            windows(50),
            vec![
                (vec![3, 1, 4, 1, 5], vec![1, 4, 1, 5, 9]),
                (vec![2], vec![6]),
            ]
        );
    }

    #[test]
    fn dropout_mask_keeps_the_share_and_scales() {
        let mut rng = crate::train::epoch_rng(1, 0);
        let m = dropout_mask(&mut rng, 0.3, &[100, 100], &Device::Cpu)
            .and_then(|t| saved::to_vec(&t))
            .unwrap_or_else(|e| panic!("{e}"));
        let zeros = m.iter().filter(|&&x| x == 0.0).count() as f64 / 1e4;
        assert!((zeros - 0.3).abs() < 0.02, "{zeros}");
        assert!(m.iter().all(|&x| x == 0.0 || (x - 1.0 / 0.7).abs() < 1e-6));
    }
}
