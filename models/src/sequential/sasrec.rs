//! SASRec (Kang & McAuley 2018), as RecBole's `SASRec`: item plus learned
//! position embeddings, LayerNorm and dropout, then post-LayerNorm
//! Transformer blocks (multi-head self-attention under a causal and padding
//! mask, a point-wise feed-forward network, residuals); the sequence's
//! representation is the output at its last real position, and an item's
//! score is its dot product with the item embedding.

use candle_core::{D, Device, Tensor};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use shoplab_datasets::ModelState;

use super::{
    LossType, PaddedBatch, SeqExamples, SeqModel, SeqNet, dropout, fit_seq, layer_norm, linear,
    load_seq, zero_last_row,
};
use crate::error::{Error, Result};
use crate::train::{FitContext, LrSchedule, OptimizerKind, TrainConfig, TrainData};
use crate::{Fitted, init, validate};

/// Format tag of a saved SASRec state.
pub const SASREC_FORMAT: &str = "shoplab-sasrec-1";

/// A trained SASRec model (see [`SeqModel`]).
pub type SasRecModel = SeqModel<SasRecParams>;

/// What RecBole adds to a masked attention score (exp of it is 0 in f32).
const MASKED: f32 = -10000.0;

/// The feed-forward network's activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HiddenAct {
    /// GELU with the exact erf form (RecBole's `gelu`).
    #[default]
    Gelu,
    /// max(0, x).
    Relu,
    /// x · sigmoid(x).
    Swish,
    /// tanh(x).
    Tanh,
    /// 1 / (1 + e^−x).
    Sigmoid,
}

impl HiddenAct {
    fn apply(self, x: &Tensor) -> Result<Tensor> {
        Ok(match self {
            HiddenAct::Gelu => x.gelu_erf()?,
            HiddenAct::Relu => x.relu()?,
            HiddenAct::Swish => (x * candle_nn::ops::sigmoid(x)?)?,
            HiddenAct::Tanh => x.tanh()?,
            HiddenAct::Sigmoid => candle_nn::ops::sigmoid(x)?,
        })
    }
}

/// SASRec settings. Defaults follow RecBole's SASRec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SasRecParams {
    /// Transformer blocks; default 2 (RecBole), 1 to 12.
    pub n_layers: usize,
    /// Attention heads per block (must divide hidden_size); default 2 (RecBole), 1 to 64.
    pub n_heads: usize,
    /// Length of item, position and hidden vectors; default 64 (RecBole), 1 to 4096.
    pub hidden_size: usize,
    /// Width of the feed-forward layer; default 256 (RecBole), 1 to 16384.
    pub inner_size: usize,
    /// Dropout on embeddings and block outputs while training; default 0.5 (RecBole), 0 up to 1.
    pub hidden_dropout_prob: f64,
    /// Dropout on attention weights while training; default 0.5 (RecBole), 0 up to 1.
    pub attn_dropout_prob: f64,
    /// Feed-forward activation: gelu (default, RecBole), relu, swish, tanh or sigmoid.
    pub hidden_act: HiddenAct,
    /// LayerNorm epsilon; default 1e-12 (RecBole), 0 to 1.
    pub layer_norm_eps: f64,
    /// Standard deviation of the initial weights; default 0.02 (RecBole), above 0 and at most 10.
    pub initializer_range: f64,
    /// Most recent items read per sequence (and position embeddings); default 50 (RecBole), 1 to 1000.
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

impl Default for SasRecParams {
    fn default() -> Self {
        SasRecParams {
            n_layers: 2,
            n_heads: 2,
            hidden_size: 64,
            inner_size: 256,
            hidden_dropout_prob: 0.5,
            attn_dropout_prob: 0.5,
            hidden_act: HiddenAct::Gelu,
            layer_norm_eps: 1e-12,
            initializer_range: 0.02,
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

impl SasRecParams {
    /// Checks every field; the error names the field, the value and the allowed range.
    pub fn validate(&self) -> Result<()> {
        validate::int_in("n_layers", self.n_layers, 1, 12)?;
        validate::int_in("n_heads", self.n_heads, 1, 64)?;
        validate::int_in("hidden_size", self.hidden_size, 1, 4096)?;
        if !self.hidden_size.is_multiple_of(self.n_heads) {
            return Err(Error::invalid(
                "n_heads",
                self.n_heads,
                &format!(
                    "a divisor of hidden_size = {} (each head reads an equal share)",
                    self.hidden_size
                ),
            ));
        }
        validate::int_in("inner_size", self.inner_size, 1, 16384)?;
        validate::probability("hidden_dropout_prob", self.hidden_dropout_prob)?;
        validate::probability("attn_dropout_prob", self.attn_dropout_prob)?;
        validate::float_in("layer_norm_eps", self.layer_norm_eps, 0.0, 1.0)?;
        validate::float_above("initializer_range", self.initializer_range, 0.0, 10.0)?;
        validate::int_in("max_seq_length", self.max_seq_length, 1, 1000)?;
        self.train_config().validate()
    }

    /// The trainer's settings.
    pub fn train_config(&self) -> TrainConfig {
        crate::train::train_config_of!(self, 1)
    }

    /// Weights per Transformer block.
    const PER_LAYER: usize = 16;

    /// The blocks over every position, or with `last_only`, the last block
    /// for each row's last real position alone (`[B, H]`): only that output
    /// is used, and the last block's queries, feed-forward network and
    /// norms are most of a block's work.
    fn forward(
        &self,
        w: &[Tensor],
        batch: &PaddedBatch,
        mut rng: Option<&mut ChaCha8Rng>,
        last_only: bool,
    ) -> Result<Tensor> {
        let (b, t, h) = (batch.b(), batch.t, self.hidden_size);
        let (nh, eps) = (self.n_heads, self.layer_norm_eps);
        let dh = h / nh;
        let dev = batch.ids.device();
        let items = w[0]
            .index_select(&batch.ids.flatten_all()?, 0)?
            .reshape((b, t, h))?;
        let x = items.broadcast_add(&w[1].narrow(0, 0, t)?.unsqueeze(0)?)?;
        let x = layer_norm(&x, &w[2], &w[3], eps)?;
        let mut x = dropout(&x, self.hidden_dropout_prob, rng.as_deref_mut())?;
        // Query q sees key k when k <= q (causal) and k is a real item.
        let mut mask = vec![0f32; b * t * t];
        for (r, &len) in batch.lens.iter().enumerate() {
            for q in 0..t {
                for k in 0..t {
                    if k > q || k >= len {
                        mask[(r * t + q) * t + k] = MASKED;
                    }
                }
            }
        }
        let mask = Tensor::from_vec(mask, (b, 1, t, t), dev)?;
        // The last real position sees every real key.
        let mut mask_last = vec![0f32; b * t];
        for (r, &len) in batch.lens.iter().enumerate() {
            mask_last[r * t + len..(r + 1) * t].fill(MASKED);
        }
        let mask_last = Tensor::from_vec(mask_last, (b, 1, 1, t), dev)?;
        let scale = 1.0 / (dh as f64).sqrt();
        for l in 0..self.n_layers {
            let p = &w[4 + l * Self::PER_LAYER..4 + (l + 1) * Self::PER_LAYER];
            let heads = |y: Tensor, tq: usize| -> Result<Tensor> {
                Ok(y.reshape((b, tq, nh, dh))?.transpose(1, 2)?.contiguous()?)
            };
            let pruned = last_only && l + 1 == self.n_layers;
            // Queries (and the residual) of every position, or of the last real one.
            let (xq, tq, mask) = if pruned {
                (batch.gather_last(&x)?.unsqueeze(1)?, 1, &mask_last)
            } else {
                (x.clone(), t, &mask)
            };
            let q = heads((linear(&xq, &p[0], Some(&p[1]))? * scale)?, tq)?;
            let k = heads(linear(&x, &p[2], Some(&p[3]))?, t)?;
            let v = heads(linear(&x, &p[4], Some(&p[5]))?, t)?;
            let scores = q.matmul(&k.t()?.contiguous()?)?.broadcast_add(mask)?;
            // Softmax; the shift by the row maximum only keeps exp() in
            // range and cancels out, so it needs no gradient.
            let max = scores.max_keepdim(D::Minus1)?.detach();
            let e = scores.broadcast_sub(&max)?.exp()?;
            let probs = e.broadcast_div(&e.sum_keepdim(D::Minus1)?)?;
            let probs = dropout(&probs, self.attn_dropout_prob, rng.as_deref_mut())?;
            let ctx = probs
                .matmul(&v)?
                .transpose(1, 2)?
                .contiguous()?
                .reshape((b, tq, h))?;
            let a = linear(&ctx, &p[6], Some(&p[7]))?;
            let a = dropout(&a, self.hidden_dropout_prob, rng.as_deref_mut())?;
            x = layer_norm(&(a + &xq)?, &p[8], &p[9], eps)?;
            let f = self.hidden_act.apply(&linear(&x, &p[10], Some(&p[11]))?)?;
            let f = linear(&f, &p[12], Some(&p[13]))?;
            let f = dropout(&f, self.hidden_dropout_prob, rng.as_deref_mut())?;
            x = layer_norm(&(f + &x)?, &p[14], &p[15], eps)?;
        }
        if last_only { Ok(x.squeeze(1)?) } else { Ok(x) }
    }
}

impl SeqNet for SasRecParams {
    const NAME: &'static str = "sasrec";
    const FORMAT: &'static str = SASREC_FORMAT;

    fn max_len(&self) -> usize {
        self.max_seq_length
    }

    fn training(&self) -> (TrainConfig, LossType, SeqExamples) {
        (self.train_config(), self.loss_type, self.examples)
    }

    fn shapes(&self, n_items: usize) -> Vec<(String, Vec<usize>)> {
        let (h, i) = (self.hidden_size, self.inner_size);
        let mut v = vec![
            ("item_embedding".to_string(), vec![n_items + 1, h]),
            (
                "position_embedding".to_string(),
                vec![self.max_seq_length, h],
            ),
            ("layer_norm.weight".to_string(), vec![1, h]),
            ("layer_norm.bias".to_string(), vec![1, h]),
        ];
        for l in 0..self.n_layers {
            let mut add = |name: &str, dims: [usize; 2]| {
                v.push((format!("layer.{l}.{name}"), dims.to_vec()));
            };
            for n in ["query", "key", "value", "attn_out"] {
                add(&format!("{n}.weight"), [h, h]);
                add(&format!("{n}.bias"), [1, h]);
            }
            add("attn_norm.weight", [1, h]);
            add("attn_norm.bias", [1, h]);
            add("ffn_in.weight", [i, h]);
            add("ffn_in.bias", [1, i]);
            add("ffn_out.weight", [h, i]);
            add("ffn_out.bias", [1, h]);
            add("ffn_norm.weight", [1, h]);
            add("ffn_norm.bias", [1, h]);
        }
        v
    }

    fn init(&self, n_items: usize, rng: &mut ChaCha8Rng, device: &Device) -> Result<Vec<Tensor>> {
        let std = self.initializer_range;
        self.shapes(n_items)
            .iter()
            .map(|(name, d)| {
                let (rows, cols) = (d[0], d[1]);
                // RecBole: Linear and Embedding weights N(0, range²), biases
                // 0, LayerNorm weight 1 and bias 0.
                if name == "item_embedding" {
                    zero_last_row(init::normal(rng, rows, cols, std, device)?)
                } else if name.ends_with("norm.weight") {
                    Ok(Tensor::ones((rows, cols), candle_core::DType::F32, device)?)
                } else if name.ends_with("bias") {
                    Ok(Tensor::zeros(
                        (rows, cols),
                        candle_core::DType::F32,
                        device,
                    )?)
                } else {
                    init::normal(rng, rows, cols, std, device)
                }
            })
            .collect()
    }

    fn encode(
        &self,
        w: &[Tensor],
        batch: &PaddedBatch,
        rng: Option<&mut ChaCha8Rng>,
    ) -> Result<Tensor> {
        self.forward(w, batch, rng, true)
    }

    fn encode_all(
        &self,
        w: &[Tensor],
        batch: &PaddedBatch,
        rng: Option<&mut ChaCha8Rng>,
    ) -> Result<Tensor> {
        self.forward(w, batch, rng, false)
    }
}

/// Trains SASRec on `data.sequences` (see [`crate::train::train`] for
/// checkpoints, validation and cancel).
pub fn fit_sasrec(
    params: &SasRecParams,
    data: &TrainData<'_>,
    ctx: &FitContext<'_>,
) -> Result<Fitted> {
    params.validate()?;
    fit_seq(params, data, ctx)
}

/// Rebuilds a trained SASRec model from its saved state on `device`.
pub fn load_sasrec(
    params: &SasRecParams,
    state: &ModelState,
    device: &Device,
) -> Result<SasRecModel> {
    load_seq(params, state, device)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Changing a later item never changes an earlier position's output,
    /// and a padded row equals the same sequence unpadded.
    #[test]
    fn causal_and_padding_masks_hold() {
        let p = SasRecParams {
            hidden_size: 8,
            inner_size: 16,
            n_heads: 2,
            max_seq_length: 6,
            initializer_range: 0.5,
            ..SasRecParams::default()
        };
        let dev = Device::Cpu;
        let n_items = 20;
        let mut rng = crate::train::init_rng(3);
        let w = p
            .init(n_items, &mut rng, &dev)
            .unwrap_or_else(|e| panic!("{e}"));
        let run = |seqs: &[&[u32]]| -> Vec<f32> {
            let batch =
                PaddedBatch::new(seqs, n_items as u32, &dev).unwrap_or_else(|e| panic!("{e}"));
            p.encode_all(&w, &batch, None)
                .and_then(|t| crate::saved::to_vec(&t))
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let h = 8;
        let a = run(&[&[1, 2, 3, 4, 5, 6]]);
        let changed = run(&[&[1, 2, 3, 9, 5, 6]]);
        // Positions 0..3 see only items 1, 2, 3: unchanged.
        assert_eq!(a[..3 * h], changed[..3 * h]);
        // Position 3 reads the changed item: its output must move (the check can fail).
        assert!(
            a[3 * h..4 * h]
                .iter()
                .zip(&changed[3 * h..4 * h])
                .any(|(x, y)| (x - y).abs() > 1e-4)
        );
        // The pruned last block gives the last real position's output.
        let seqs: [&[u32]; 2] = [&[1, 2, 3, 4, 5, 6], &[7, 8, 9]];
        let batch = PaddedBatch::new(&seqs, n_items as u32, &dev).unwrap_or_else(|e| panic!("{e}"));
        let last = p
            .encode(&w, &batch, None)
            .and_then(|t| crate::saved::to_vec(&t))
            .unwrap_or_else(|e| panic!("{e}"));
        let all = run(&seqs);
        for (r, pos) in [(0usize, 5usize), (1, 2)] {
            for k in 0..h {
                let want = all[(r * 6 + pos) * h + k];
                assert!((last[r * h + k] - want).abs() < 1e-5, "row {r}");
            }
        }
        // A row padded to 6 equals the 3-item sequence alone at its real positions.
        let padded = run(&[&[1, 2, 3, 4, 5, 6], &[7, 8, 9]]);
        let alone = run(&[&[7, 8, 9]]);
        for k in 0..3 * h {
            assert!((padded[6 * h + k] - alone[k]).abs() < 1e-5, "pos {}", k / h);
        }
    }
}
