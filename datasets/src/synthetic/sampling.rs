//! Random draws the generator needs beyond uniform numbers.
//!
//! Hand-written rather than taken from `rand_distr` because the shop must be
//! byte-identical on every machine: these use the `libm` crate's portable `exp`,
//! `log`, `pow` and `cos` instead of the platform's maths library, whose last bits
//! differ between operating systems.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator's random source: ChaCha8, whose output is specified bit for bit.
pub(crate) type ShopRng = ChaCha8Rng;

/// Independent random streams, one per part of the shop, so that changing how one
/// part draws never shifts the numbers another part sees.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Catalog = 1,
    Shoppers = 2,
    Events = 3,
    Judgments = 4,
}

/// A fresh random source for one part of the shop.
pub(crate) fn rng(seed: u64, stream: Stream) -> ShopRng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64);
    rng
}

/// Uniform in `[0, 1)`.
pub(crate) fn uniform(rng: &mut ShopRng) -> f64 {
    rng.random::<f64>()
}

/// Uniform index in `0..n`; `n` must be at least 1.
pub(crate) fn index(rng: &mut ShopRng, n: usize) -> usize {
    // Drawn as u64 so the stream does not depend on the platform's pointer width.
    rng.random_range(0..n.max(1) as u64) as usize
}

/// Standard normal by the Box-Muller transform.
pub(crate) fn normal(rng: &mut ShopRng) -> f64 {
    let u1 = 1.0 - uniform(rng); // (0, 1], so the log is finite
    let u2 = uniform(rng);
    (-2.0 * libm::log(u1)).sqrt() * libm::cos(std::f64::consts::TAU * u2)
}

/// Log-normal with the given median and log-scale spread.
pub(crate) fn log_normal(rng: &mut ShopRng, median: f64, sigma: f64) -> f64 {
    median * libm::exp(sigma * normal(rng))
}

/// Gamma(shape, 1) by Marsaglia and Tsang's method (boosted for shape < 1).
pub(crate) fn gamma(rng: &mut ShopRng, shape: f64) -> f64 {
    if shape < 1.0 {
        let u = 1.0 - uniform(rng);
        return gamma(rng, shape + 1.0) * libm::pow(u, 1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = 1.0 - uniform(rng);
        if libm::log(u) < 0.5 * x * x + d - d * v + d * libm::log(v) {
            return d * v;
        }
    }
}

/// A point of the `k`-dimensional symmetric Dirichlet(`alpha`) distribution.
pub(crate) fn dirichlet(rng: &mut ShopRng, alpha: f64, k: usize) -> Vec<f64> {
    let mut x: Vec<f64> = (0..k).map(|_| gamma(rng, alpha).max(1e-12)).collect();
    let total: f64 = x.iter().sum();
    x.iter_mut().for_each(|v| *v /= total);
    x
}

/// 1 + the number of successes before the first failure, capped at `max`.
pub(crate) fn geometric(rng: &mut ShopRng, continue_p: f64, max: u32) -> u32 {
    let mut n = 1;
    while n < max && uniform(rng) < continue_p {
        n += 1;
    }
    n
}

/// Zipf weights `1 / rank^s` for ranks 1..=n.
pub(crate) fn zipf_weights(n: usize, s: f64) -> Vec<f64> {
    (1..=n).map(|r| libm::pow(r as f64, -s)).collect()
}

/// Running totals of `weights`, for [`pick`].
pub(crate) fn cumulative(weights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    weights
        .into_iter()
        .map(|w| {
            total += w;
            total
        })
        .collect()
}

/// Index drawn with probability proportional to its weight, given the running totals
/// of the weights; `cum` must not be empty.
pub(crate) fn pick(rng: &mut ShopRng, cum: &[f64]) -> usize {
    let total = cum.last().copied().unwrap_or(0.0);
    pick_at(cum, uniform(rng) * total)
}

/// The index whose slice of the running totals contains `x`.
pub(crate) fn pick_at(cum: &[f64], x: f64) -> usize {
    cum.partition_point(|&c| c <= x)
        .min(cum.len().saturating_sub(1))
}

/// Walker's alias table: a weighted draw in constant time with two random numbers and
/// one memory access, where a binary search over running totals would touch a dozen
/// cache lines of a large table. (`rand` 0.10 has no alias table; the one in
/// `rand_distr` is not portable bit for bit, see the module comment.)
#[derive(Debug, Clone, Default)]
pub(crate) struct AliasTable {
    /// Per slot: the chance to keep the slot, and the index drawn otherwise.
    slots: Vec<(f64, u32)>,
}

impl AliasTable {
    /// A table drawing index `i` with probability `weights[i] / sum(weights)`; all
    /// weights must be finite and non-negative, and not all zero.
    pub fn new(weights: &[f64]) -> AliasTable {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut slots: Vec<(f64, u32)> = (0..n as u32).map(|i| (1.0, i)).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            slots[s] = (scaled[s], l as u32);
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Whatever is left is 1 up to rounding and keeps its own slot.
        AliasTable { slots }
    }

    /// Draws an index; the table must not be empty.
    pub fn draw(&self, rng: &mut ShopRng) -> usize {
        let i = index(rng, self.slots.len());
        let (keep, alias) = self.slots[i];
        if uniform(rng) < keep {
            i
        } else {
            alias as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| rng(1, Stream::Catalog).random()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let b: u64 = rng(1, Stream::Events).random();
        assert_ne!(a[0], b);
    }

    #[test]
    fn moments_are_about_right() {
        let mut r = rng(9, Stream::Catalog);
        let n = 20_000;
        let mean = |f: &mut dyn FnMut() -> f64| (0..n).map(|_| f()).sum::<f64>() / n as f64;
        assert!(mean(&mut || normal(&mut r)).abs() < 0.05);
        assert!((mean(&mut || gamma(&mut r, 2.5)) - 2.5).abs() < 0.1);
        assert!((mean(&mut || gamma(&mut r, 0.3)) - 0.3).abs() < 0.03);
        let d = dirichlet(&mut r, 0.5, 5);
        assert!((d.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn alias_table_follows_weights() {
        let table = AliasTable::new(&[1.0, 0.0, 3.0, 4.0]);
        let mut r = rng(4, Stream::Events);
        let mut counts = [0u32; 4];
        for _ in 0..16_000 {
            counts[table.draw(&mut r)] += 1;
        }
        assert_eq!(counts[1], 0, "a zero weight is never drawn");
        for (i, expected) in [(0, 2_000.0), (2, 6_000.0), (3, 8_000.0)] {
            assert!(
                (f64::from(counts[i]) - expected).abs() < 300.0,
                "{counts:?}"
            );
        }
    }

    #[test]
    fn pick_follows_weights() {
        let cum = cumulative([1.0, 0.0, 3.0]);
        let mut r = rng(3, Stream::Events);
        let mut counts = [0u32; 3];
        for _ in 0..8_000 {
            counts[pick(&mut r, &cum)] += 1;
        }
        assert_eq!(counts[1], 0, "a zero weight is never drawn");
        assert!(
            (counts[2] as f64 / counts[0] as f64 - 3.0).abs() < 0.4,
            "{counts:?}"
        );
        assert_eq!(pick_at(&cum, 4.0), 2, "the top end stays in range");
    }
}
