//! Seeded weight initialisation (candle's own initialisers use an unseeded RNG).

use candle_core::{Device, Tensor};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::error::Result;

/// `rows x cols` values from N(0, std²) (Box–Muller on the seeded stream).
pub fn normal(
    rng: &mut ChaCha8Rng,
    rows: usize,
    cols: usize,
    std: f64,
    device: &Device,
) -> Result<Tensor> {
    let n = rows * cols;
    let mut v = Vec::with_capacity(n + 1);
    while v.len() < n {
        let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
        let u2: f64 = rng.random::<f64>();
        let r = (-2.0 * u1.ln()).sqrt() * std;
        let a = 2.0 * std::f64::consts::PI * u2;
        v.push((r * a.cos()) as f32);
        v.push((r * a.sin()) as f32);
    }
    v.truncate(n);
    Ok(Tensor::from_vec(v, (rows, cols), device)?)
}

/// Xavier (Glorot) normal for a `rows x cols` table, as torch's
/// `xavier_normal_` (fan_in = cols, fan_out = rows).
pub fn xavier_normal(
    rng: &mut ChaCha8Rng,
    rows: usize,
    cols: usize,
    device: &Device,
) -> Result<Tensor> {
    let std = (2.0 / (rows + cols) as f64).sqrt();
    normal(rng, rows, cols, std, device)
}

/// `rows x cols` values from U(-bound, bound) (torch's default `Linear` init
/// uses bound = 1/sqrt(fan_in)).
pub fn uniform(
    rng: &mut ChaCha8Rng,
    rows: usize,
    cols: usize,
    bound: f64,
    device: &Device,
) -> Result<Tensor> {
    let v: Vec<f32> = (0..rows * cols)
        .map(|_| ((rng.random::<f64>() * 2.0 - 1.0) * bound) as f32)
        .collect();
    Ok(Tensor::from_vec(v, (rows, cols), device)?)
}
