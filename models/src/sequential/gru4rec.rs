//! GRU4Rec (Hidasi et al. 2016), as RecBole's `GRU4Rec`: item embedding →
//! dropout → GRU (no biases) → dense layer back to the embedding size; the
//! sequence's representation is the output at its last real position, and
//! an item's score is its dot product with the item embedding.

use candle_core::{Device, Tensor};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use shoplab_datasets::ModelState;

use super::{
    LossType, PaddedBatch, SeqExamples, SeqModel, SeqNet, dropout, fit_seq, load_seq, zero_last_row,
};
use crate::error::Result;
use crate::train::{FitContext, LrSchedule, OptimizerKind, TrainConfig, TrainData};
use crate::{Fitted, init, validate};

/// Format tag of a saved GRU4Rec state.
pub const GRU4REC_FORMAT: &str = "shoplab-gru4rec-1";

/// A trained GRU4Rec model (see [`SeqModel`]).
pub type Gru4RecModel = SeqModel<Gru4RecParams>;

/// GRU4Rec settings. Defaults follow RecBole's GRU4Rec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Gru4RecParams {
    /// Length of item vectors (and of the sequence representation); default 64 (RecBole), 1 to 4096.
    pub embedding_size: usize,
    /// Width of the GRU's hidden state; default 128 (RecBole), 1 to 4096.
    pub hidden_size: usize,
    /// Stacked GRU layers; default 1 (RecBole), 1 to 8.
    pub num_layers: usize,
    /// Dropout on the item vectors while training; default 0.3 (RecBole), 0 up to 1.
    pub dropout_prob: f64,
    /// Most recent items read per sequence; default 50 (RecBole), 1 to 1000.
    pub max_seq_length: usize,
    /// Training loss: ce (default, RecBole: cross-entropy over all items) or bpr (one sampled negative; cheaper on large catalogs).
    pub loss_type: LossType,
    /// Training examples: windows (default: windows of max_seq_length items, a loss at every position; about max_seq_length times less work) or prefixes (RecBole: every prefix predicts its next item).
    pub examples: SeqExamples,
    /// Passes over the training sequences; default 30 (RecBole: 300 with early stopping), 1 to 100000.
    pub epochs: usize,
    /// Training targets (next items) per mini-batch; default 2048 (RecBole), 1 to 16777216.
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
    /// Seed of initialisation, shuffling, negatives and dropout; default 2020 (RecBole), any whole number from 0.
    pub seed: u64,
}

impl Default for Gru4RecParams {
    fn default() -> Self {
        Gru4RecParams {
            embedding_size: 64,
            hidden_size: 128,
            num_layers: 1,
            dropout_prob: 0.3,
            max_seq_length: 50,
            loss_type: LossType::Ce,
            examples: SeqExamples::Windows,
            epochs: 30,
            batch_size: 2048,
            learning_rate: 1e-3,
            optimizer: OptimizerKind::Adam,
            weight_decay: 0.0,
            lr_schedule: LrSchedule::Constant,
            lr_step_epochs: 10,
            lr_gamma: 0.5,
            patience: 10,
            validate_every: 1,
            seed: 2020,
        }
    }
}

impl Gru4RecParams {
    /// Checks every field; the error names the field, the value and the allowed range.
    pub fn validate(&self) -> Result<()> {
        validate::int_in("embedding_size", self.embedding_size, 1, 4096)?;
        validate::int_in("hidden_size", self.hidden_size, 1, 4096)?;
        validate::int_in("num_layers", self.num_layers, 1, 8)?;
        validate::probability("dropout_prob", self.dropout_prob)?;
        validate::int_in("max_seq_length", self.max_seq_length, 1, 1000)?;
        self.train_config().validate()
    }

    /// The trainer's settings.
    pub fn train_config(&self) -> TrainConfig {
        crate::train::train_config_of!(self, 1)
    }
}

/// One GRU layer (PyTorch's equations, no biases) over right-padded input
/// given step by step (`xs[t]` is `[B, in]`): `w_ih` `[3H, in]`, `w_hh`
/// `[3H, H]`, gates in the order reset, update, new. Returns the output of
/// every step (`[B, H]` each) and the state after each row's last real step
/// `[B, H]`: past a row's length the state is carried unchanged (masked),
/// so padding never reaches it.
///
/// The weights are split per gate once, and the input arrives per step,
/// so autodiff never slices a large activation (candle's gradient of a
/// slice is a zero tensor of the whole: 50 steps of that cost seconds).
pub fn gru_layer(
    xs: &[Tensor],
    w_ih: &Tensor,
    w_hh: &Tensor,
    lens: &[usize],
) -> Result<(Vec<Tensor>, Tensor)> {
    let Some(first) = xs.first() else {
        return Err(crate::Error::State(
            "gru4rec: an empty sequence batch".into(),
        ));
    };
    let b = first.dims2()?.0;
    let hs = w_hh.dims2()?.0 / 3;
    let dev = first.device();
    let gate = |w: &Tensor, k: usize| -> Result<Tensor> { Ok(w.narrow(0, k * hs, hs)?.t()?) };
    let (ir, iz, inn) = (gate(w_ih, 0)?, gate(w_ih, 1)?, gate(w_ih, 2)?);
    let (hr, hz, hn) = (gate(w_hh, 0)?, gate(w_hh, 1)?, gate(w_hh, 2)?);
    let mut h = Tensor::zeros((b, hs), first.dtype(), dev)?;
    let mut outs = Vec::with_capacity(xs.len());
    for (step, x) in xs.iter().enumerate() {
        let r = candle_nn::ops::sigmoid(&(x.matmul(&ir)? + h.matmul(&hr)?)?)?;
        let z = candle_nn::ops::sigmoid(&(x.matmul(&iz)? + h.matmul(&hz)?)?)?;
        let n = (x.matmul(&inn)? + (r * h.matmul(&hn)?)?)?.tanh()?;
        // h' = (1 − z) ⊙ n + z ⊙ h
        let next = (&n + (z * (&h - &n)?)?)?;
        h = if lens.iter().all(|&l| l > step) {
            next
        } else {
            let m: Vec<f32> = lens.iter().map(|&l| f32::from(l > step)).collect();
            let m = Tensor::from_vec(m, (b, 1), dev)?;
            (&h + (next - &h)?.broadcast_mul(&m)?)?
        };
        outs.push(h.clone());
    }
    Ok((outs, h))
}

impl SeqNet for Gru4RecParams {
    const NAME: &'static str = "gru4rec";
    const FORMAT: &'static str = GRU4REC_FORMAT;

    fn max_len(&self) -> usize {
        self.max_seq_length
    }

    fn training(&self) -> (TrainConfig, LossType, SeqExamples) {
        (self.train_config(), self.loss_type, self.examples)
    }

    fn shapes(&self, n_items: usize) -> Vec<(String, Vec<usize>)> {
        let (e, h) = (self.embedding_size, self.hidden_size);
        let mut v = vec![("item_embedding".to_string(), vec![n_items + 1, e])];
        for l in 0..self.num_layers {
            let inp = if l == 0 { e } else { h };
            v.push((format!("gru.{l}.weight_ih"), vec![3 * h, inp]));
            v.push((format!("gru.{l}.weight_hh"), vec![3 * h, h]));
        }
        v.push(("dense.weight".into(), vec![e, h]));
        v.push(("dense.bias".into(), vec![1, e]));
        v
    }

    fn init(&self, n_items: usize, rng: &mut ChaCha8Rng, device: &Device) -> Result<Vec<Tensor>> {
        let h = self.hidden_size;
        self.shapes(n_items)
            .iter()
            .map(|(name, d)| {
                let (rows, cols) = (d[0], d[1]);
                if name == "item_embedding" {
                    // RecBole: xavier_normal_ (the padding row starts at zero).
                    zero_last_row(init::xavier_normal(rng, rows, cols, device)?)
                } else if name.starts_with("gru.") {
                    // RecBole: xavier_uniform_ on each GRU weight matrix.
                    let bound = (6.0 / (rows + cols) as f64).sqrt();
                    init::uniform(rng, rows, cols, bound, device)
                } else {
                    // torch's Linear default: U(±1/sqrt(fan_in)), fan_in = hidden_size.
                    init::uniform(rng, rows, cols, 1.0 / (h as f64).sqrt(), device)
                }
            })
            .collect()
    }

    fn encode(
        &self,
        w: &[Tensor],
        batch: &PaddedBatch,
        dropout_rng: Option<&mut ChaCha8Rng>,
    ) -> Result<Tensor> {
        let (_, h) = self.layers(w, batch, dropout_rng)?;
        let k = 1 + 2 * self.num_layers;
        super::linear(&h, &w[k], Some(&w[k + 1]))
    }

    fn encode_all(
        &self,
        w: &[Tensor],
        batch: &PaddedBatch,
        dropout_rng: Option<&mut ChaCha8Rng>,
    ) -> Result<Tensor> {
        let (outs, _) = self.layers(w, batch, dropout_rng)?;
        let k = 1 + 2 * self.num_layers;
        super::linear(&Tensor::stack(&outs, 1)?, &w[k], Some(&w[k + 1]))
    }
}

impl Gru4RecParams {
    /// The stacked GRU over a batch: the last layer's state after every
    /// step (`T` tensors `[B, hidden]`) and at each row's last real item.
    fn layers(
        &self,
        w: &[Tensor],
        batch: &PaddedBatch,
        dropout_rng: Option<&mut ChaCha8Rng>,
    ) -> Result<(Vec<Tensor>, Tensor)> {
        // Each step's items looked up on their own (see [`gru_layer`]).
        let ids = batch.ids.t()?.contiguous()?;
        let mut rng = dropout_rng;
        let mut xs = Vec::with_capacity(batch.t);
        for step in 0..batch.t {
            let x = w[0].index_select(&ids.get(step)?, 0)?;
            xs.push(dropout(&x, self.dropout_prob, rng.as_deref_mut())?);
        }
        let mut last = None;
        for l in 0..self.num_layers {
            let (outs, h) = gru_layer(&xs, &w[1 + 2 * l], &w[2 + 2 * l], &batch.lens)?;
            xs = outs;
            last = Some(h);
        }
        let h = last.ok_or_else(|| crate::Error::State("gru4rec: no GRU layer".into()))?;
        Ok((xs, h))
    }
}

/// Trains GRU4Rec on `data.sequences` (see [`crate::train::train`] for
/// checkpoints, validation and cancel).
pub fn fit_gru4rec(
    params: &Gru4RecParams,
    data: &TrainData<'_>,
    ctx: &FitContext<'_>,
) -> Result<Fitted> {
    params.validate()?;
    fit_seq(params, data, ctx)
}

/// Rebuilds a trained GRU4Rec model from its saved state on `device`.
pub fn load_gru4rec(
    params: &Gru4RecParams,
    state: &ModelState,
    device: &Device,
) -> Result<Gru4RecModel> {
    load_seq(params, state, device)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    /// The GRU equations written out by hand, one row and step at a time.
    fn by_hand(x: &[Vec<f64>], w_ih: &[f64], w_hh: &[f64], inp: usize, hs: usize) -> Vec<f64> {
        let mut h = vec![0.0; hs];
        for xt in x {
            let row = |w: &[f64], k: usize, v: &[f64], n: usize| -> f64 {
                (0..n).map(|j| w[k * n + j] * v[j]).sum()
            };
            let mut next = vec![0.0; hs];
            for k in 0..hs {
                let r = sig(row(w_ih, k, xt, inp) + row(w_hh, k, &h, hs));
                let z = sig(row(w_ih, hs + k, xt, inp) + row(w_hh, hs + k, &h, hs));
                let n = (row(w_ih, 2 * hs + k, xt, inp) + r * row(w_hh, 2 * hs + k, &h, hs)).tanh();
                next[k] = (1.0 - z) * n + z * h[k];
            }
            h = next;
        }
        h
    }

    #[test]
    fn gru_cell_matches_a_hand_computation_and_masks_padding() {
        let (inp, hs, t) = (2usize, 3usize, 3usize);
        let w_ih: Vec<f64> = (0..3 * hs * inp)
            .map(|k| ((k * 7 % 11) as f64 - 5.0) / 6.0)
            .collect();
        let w_hh: Vec<f64> = (0..3 * hs * hs)
            .map(|k| ((k * 5 % 13) as f64 - 6.0) / 7.0)
            .collect();
        // Row 0 has 3 real steps; row 1 has 2, then padding (garbage values).
        let xs: Vec<Vec<Vec<f64>>> = vec![
            vec![vec![0.5, -1.0], vec![1.5, 0.25], vec![-0.75, 2.0]],
            vec![vec![-0.5, 0.8], vec![0.3, -1.2], vec![9.0, 9.0]],
        ];
        let lens = [3usize, 2];
        let f = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        let dev = Device::Cpu;
        let flat: Vec<f32> = xs.iter().flatten().flatten().map(|&x| x as f32).collect();
        let x = Tensor::from_vec(flat, (2, t, inp), &dev).unwrap_or_else(|e| panic!("{e}"));
        let steps: Vec<Tensor> = (0..t)
            .map(|k| x.narrow(1, k, 1).and_then(|v| v.squeeze(1)))
            .collect::<candle_core::Result<_>>()
            .unwrap_or_else(|e| panic!("{e}"));
        let wi = Tensor::from_vec(f(&w_ih), (3 * hs, inp), &dev).unwrap_or_else(|e| panic!("{e}"));
        let wh = Tensor::from_vec(f(&w_hh), (3 * hs, hs), &dev).unwrap_or_else(|e| panic!("{e}"));
        let (outs, last) = gru_layer(&steps, &wi, &wh, &lens).unwrap_or_else(|e| panic!("{e}"));
        let last = crate::saved::to_vec(&last).unwrap_or_else(|e| panic!("{e}"));
        let outs = Tensor::stack(&outs, 1)
            .and_then(|o| o.flatten_all()?.to_vec1::<f32>())
            .unwrap_or_else(|e| panic!("{e}"));
        for (row, &len) in lens.iter().enumerate() {
            let want = by_hand(&xs[row][..len], &w_ih, &w_hh, inp, hs);
            for k in 0..hs {
                let got = last[row * hs + k];
                assert!(
                    (got as f64 - want[k]).abs() < 1e-5,
                    "row {row}: {got} vs {}",
                    want[k]
                );
                // The output at the last real step is that state too.
                let o = outs[(row * t + len - 1) * hs + k];
                assert!((o as f64 - want[k]).abs() < 1e-5);
            }
            // Every real step's output matches the hand computation of its prefix.
            for step in 0..len {
                let want = by_hand(&xs[row][..=step], &w_ih, &w_hh, inp, hs);
                for k in 0..hs {
                    let o = outs[(row * t + step) * hs + k] as f64;
                    assert!((o - want[k]).abs() < 1e-5, "row {row} step {step}");
                }
            }
        }
    }
}
