//! Loss pieces shared by the models (stable forms, seeded dropout).

use candle_core::{Device, Tensor};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::error::Result;

/// `−log σ(x)` element-wise, computed stably as `relu(−x) + log(1 + exp(−|x|))`.
/// BPR's loss is `neg_log_sigmoid(s⁺ − s⁻)`; binary cross-entropy with
/// logits is `neg_log_sigmoid(z)` for positives and `neg_log_sigmoid(−z)` for negatives.
pub fn neg_log_sigmoid(x: &Tensor) -> Result<Tensor> {
    let relu = x.neg()?.relu()?;
    let soft = x.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?;
    Ok((relu + soft)?)
}

/// A `rows x cols` dropout mask drawn from the trainer's seeded RNG: 0 with
/// probability `p`, else `1/(1−p)` (candle's own dropout is not seeded).
pub fn dropout_mask(
    rng: &mut ChaCha8Rng,
    p: f64,
    (rows, cols): (usize, usize),
    device: &Device,
) -> Result<Tensor> {
    let keep = (1.0 / (1.0 - p)) as f32;
    let v: Vec<f32> = (0..rows * cols)
        .map(|_| if rng.random::<f64>() < p { 0.0 } else { keep })
        .collect();
    Ok(Tensor::from_vec(v, (rows, cols), device)?)
}
