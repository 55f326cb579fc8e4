//! Paired significance of a difference between two systems measured on the
//! same units (queries, shoppers): a bootstrap confidence interval of the
//! mean difference and a two-sided randomisation (sign-flip) test.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Below this many units every sign assignment is enumerated (exact p-value).
const EXACT_UP_TO: usize = 16;

/// How to test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PairedConfig {
    /// Bootstrap resamples (default 10,000).
    pub bootstrap: usize,
    /// Random sign flips of the randomisation test (default 10,000).
    pub permutations: usize,
    /// Confidence level of the interval (default 0.95).
    pub level: f64,
    /// Seed of both resamplings (default 42): the same inputs give the same figures.
    pub seed: u64,
}

impl Default for PairedConfig {
    fn default() -> Self {
        PairedConfig {
            bootstrap: 10_000,
            permutations: 10_000,
            level: 0.95,
            seed: 42,
        }
    }
}

/// The result of a paired test of `b - a`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PairedTest {
    /// Paired units.
    pub n: usize,
    /// Mean of `a`.
    pub mean_a: f64,
    /// Mean of `b`.
    pub mean_b: f64,
    /// Mean of `b - a`.
    pub mean_diff: f64,
    /// Lower end of the bootstrap percentile interval of the mean difference.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Two-sided p-value of the randomisation test (H0: the sign of each
    /// difference is arbitrary).
    pub p_value: f64,
    /// Whether `p_value` was computed exactly (all sign assignments).
    pub exact: bool,
}

/// Tests the paired difference `b[i] - a[i]`.
pub fn paired_test(a: &[f64], b: &[f64], config: &PairedConfig) -> Result<PairedTest> {
    if a.len() != b.len() {
        return Err(Error::invalid(
            "paired values",
            format!("{} vs {}", a.len(), b.len()),
            "both systems must be measured on the same units",
        ));
    }
    if a.is_empty() {
        return Err(Error::Empty("no paired values to test".into()));
    }
    if !(config.level > 0.0 && config.level < 1.0) {
        return Err(Error::invalid(
            "level",
            config.level,
            "give a confidence level between 0 and 1, e.g. 0.95",
        ));
    }
    let n = a.len();
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let observed = mean(&d);
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);

    // Bootstrap: resample units with replacement, percentile interval.
    let mut means: Vec<f64> = (0..config.bootstrap.max(1))
        .map(|_| (0..n).map(|_| d[rng.random_range(0..n)]).sum::<f64>() / n as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    let tail = (1.0 - config.level) / 2.0;
    let at = |q: f64| {
        let pos = (q * (means.len() - 1) as f64).round() as usize;
        means[pos.min(means.len() - 1)]
    };

    // Randomisation: flip each difference's sign; p = share of assignments
    // whose |sum| reaches the observed one (with a small tolerance for
    // rounding). Exact below EXACT_UP_TO units, else Monte Carlo with the
    // observed assignment counted (p never 0).
    let obs = d.iter().sum::<f64>().abs() - 1e-12;
    let (p_value, exact) = if n <= EXACT_UP_TO {
        let total = 1u64 << n;
        let hits = (0..total)
            .filter(|mask| {
                let s: f64 = d
                    .iter()
                    .enumerate()
                    .map(|(i, x)| if mask >> i & 1 == 1 { -x } else { *x })
                    .sum();
                s.abs() >= obs
            })
            .count();
        (hits as f64 / total as f64, true)
    } else {
        let r = config.permutations.max(1);
        let hits = (0..r)
            .filter(|_| {
                let s: f64 = d
                    .iter()
                    .map(|x| if rng.random::<bool>() { -x } else { *x })
                    .sum();
                s.abs() >= obs
            })
            .count();
        ((hits + 1) as f64 / (r + 1) as f64, false)
    };
    Ok(PairedTest {
        n,
        mean_a: mean(a),
        mean_b: mean(b),
        mean_diff: observed,
        ci_low: at(tail),
        ci_high: at(1.0 - tail),
        p_value,
        exact,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_randomisation_p_value() {
        // Differences 1, 2, 3 (b - a). The 8 sign assignments give sums
        // ±6, ±4, ±2, 0, 0: |sum| >= 6 in 2 of 8, p = 0.25 exactly.
        let a = [0.0, 0.0, 0.0];
        let b = [1.0, 2.0, 3.0];
        let t = paired_test(&a, &b, &PairedConfig::default()).expect("test");
        assert!(t.exact);
        assert_eq!(t.p_value, 0.25);
        assert!((t.mean_diff - 2.0).abs() < 1e-12);
        assert!((t.mean_b - 2.0).abs() < 1e-12 && t.mean_a == 0.0);
        // Differences 1, -1: sums 0, 0, 2, -2 -> |sum| >= 0 always, p = 1.
        let t = paired_test(&[0.0, 1.0], &[1.0, 0.0], &PairedConfig::default()).expect("test");
        assert_eq!(t.p_value, 1.0);
    }

    #[test]
    fn hand_computed_bootstrap_interval() {
        // Equal differences: every resample has mean 0.5, the interval is a point.
        let t = paired_test(&[0.0; 30], &[0.5; 30], &PairedConfig::default()).expect("test");
        assert_eq!((t.ci_low, t.ci_high), (0.5, 0.5));
        // Differences 0 and 1: resampled means are 0, 0.5, 1 with chances
        // 1/4, 1/2, 1/4, so the 95% interval is [0, 1].
        let t = paired_test(&[0.0, 0.0], &[0.0, 1.0], &PairedConfig::default()).expect("test");
        assert_eq!((t.ci_low, t.ci_high), (0.0, 1.0));
    }

    #[test]
    fn a_large_consistent_gain_is_significant_and_noise_is_not() {
        let a: Vec<f64> = (0..200).map(|i| (i % 7) as f64 / 7.0).collect();
        let better: Vec<f64> = a.iter().map(|x| x + 0.05).collect();
        let t = paired_test(&a, &better, &PairedConfig::default()).expect("test");
        assert!(!t.exact);
        assert!(t.p_value < 0.001 && t.ci_low > 0.0, "{t:?}");
        let noise: Vec<f64> = a
            .iter()
            .enumerate()
            .map(|(i, x)| if i % 2 == 0 { x + 0.05 } else { x - 0.05 })
            .collect();
        let t = paired_test(&a, &noise, &PairedConfig::default()).expect("test");
        assert!(
            t.p_value > 0.5 && t.ci_low < 0.0 && t.ci_high > 0.0,
            "{t:?}"
        );
        assert!(paired_test(&a, &a[1..], &PairedConfig::default()).is_err());
    }
}
