//! Paired significance of a difference between two systems measured on the
//! same units (queries, shoppers): a bootstrap confidence interval of the
//! mean difference, a two-sided randomisation (sign-flip) test, the paired
//! t-test with its interval, the Wilcoxon signed-rank test, an effect size,
//! win / tie / loss counts, and Holm's correction across several
//! challengers. The t and normal distributions come from `statrs`; the
//! rest is written here because no maintained crate does paired tests with
//! SciPy's conventions (`bench/stats/reference.py` makes the fixtures the
//! tests compare with).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::error::{Error, Result};

/// Below this many units every sign assignment is enumerated (exact p-value).
const EXACT_UP_TO: usize = 16;

/// Up to this many non-zero differences without ties, the Wilcoxon p-value
/// is exact (SciPy's `method="auto"` limit); above, the normal approximation.
const WILCOXON_EXACT_UP_TO: usize = 50;

/// Differences closer to 0 than this count as ties (floating-point noise of
/// metrics that are equal).
const TIE: f64 = 1e-12;

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
    /// `mean_diff / mean_a` (None when `mean_a` is 0).
    #[serde(default)]
    pub relative_lift: Option<f64>,
    /// Paired t statistic (None when every difference is equal).
    #[serde(default)]
    pub t_statistic: Option<f64>,
    /// Two-sided p-value of the paired t-test: 1 when every difference is
    /// 0, 0 when all are the same non-zero value, None for a single unit.
    #[serde(default)]
    pub t_p_value: Option<f64>,
    /// Lower end of the t interval of the mean difference at `level`.
    #[serde(default)]
    pub t_ci_low: f64,
    /// Upper end of the t interval.
    #[serde(default)]
    pub t_ci_high: f64,
    /// Wilcoxon signed-rank statistic: the smaller of the positive and
    /// negative rank sums over the non-zero differences (SciPy's two-sided).
    #[serde(default)]
    pub wilcoxon_statistic: f64,
    /// Two-sided p-value of the Wilcoxon test (1 when every difference is 0).
    #[serde(default)]
    pub wilcoxon_p_value: f64,
    /// Whether the Wilcoxon p-value is exact (at most 50 non-zero
    /// differences, no ties among them) rather than the normal approximation
    /// with the tie correction.
    #[serde(default)]
    pub wilcoxon_exact: bool,
    /// Effect size d_z: the mean difference over the differences' standard
    /// deviation (None when that is 0).
    #[serde(default)]
    pub effect_size: Option<f64>,
    /// Units where `b` is higher.
    #[serde(default)]
    pub wins: usize,
    /// Units where both are equal.
    #[serde(default)]
    pub ties: usize,
    /// Units where `a` is higher.
    #[serde(default)]
    pub losses: usize,
}

impl PairedTest {
    /// Whether the randomisation p-value sits at its floor for `flips` sign
    /// flips (none reached the observed difference): an upper bound, not a value.
    pub fn p_at_floor(&self, flips: usize) -> bool {
        !self.exact && self.p_value <= (1.0 + 1e-9) / (flips as f64 + 1.0)
    }
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
    // One zero tolerance for every figure: differences within TIE of 0
    // (floating-point noise of equal metrics) are 0 for the t-test, the
    // effect size and the interval as for Wilcoxon and the counts.
    let d: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(x, y)| y - x)
        .map(|x| if x.abs() <= TIE { 0.0 } else { x })
        .collect();
    // + 0.0: an empty or all-zero float sum can be -0.0, printed "-0.0000".
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64 + 0.0;
    let observed = mean(&d);
    // A zero difference adds 0 to any resample's sum and whatever its sign:
    // both resamplings draw only among the others (the same distributions,
    // at a fraction of the cost when many shoppers tie, as on top-10 metrics).
    let nonzero: Vec<f64> = d.iter().copied().filter(|x| *x != 0.0).collect();
    // Bootstrap: resample units with replacement, percentile interval. Of
    // the n draws, Binomial(n, m/n) land on the m non-zero differences, each
    // of those uniformly; the others add 0. Two indices per random u64 (32
    // bits each, multiply-shift): each unit's chance differs from 1/m by
    // less than m/2^32 (under 1e-5 for fewer than 40,000 units).
    let m = nonzero.len();
    let pick = |bits: u64| ((bits * m as u64) >> 32) as usize;
    let landing = Binomial::new(n as u64, m as f64 / n as f64)
        .map_err(|e| Error::invalid("bootstrap", format!("{m} of {n}"), e.to_string()))?;
    let mut means = resample(config.bootstrap.max(1), config.seed, 1, |rng, count| {
        (0..count)
            .map(|_| {
                let c = landing.sample(rng) as usize;
                let mut sum = 0.0;
                for _ in 0..c / 2 {
                    let r: u64 = rng.random();
                    sum += nonzero[pick(r & 0xffff_ffff)] + nonzero[pick(r >> 32)];
                }
                if c % 2 == 1 {
                    sum += nonzero[pick(u64::from(rng.random::<u32>()))];
                }
                sum / n as f64
            })
            .collect()
    });
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
        // Flipping the differences in set F gives total − 2·Σ_F. Per block
        // of 8 differences a table holds the sum of each of its 256 subsets,
        // so one random byte and one lookup flip 8 differences at once.
        let tables = subset_sums(&nonzero);
        let total: f64 = nonzero.iter().sum();
        let hits: f64 = resample(r, config.seed, 2, |rng, count| {
            let mut hits = 0.0;
            for _ in 0..count {
                let mut flipped = 0.0;
                for blocks in tables.chunks(8 * 256) {
                    let bits: u64 = rng.random();
                    for (j, table) in blocks.chunks_exact(256).enumerate() {
                        flipped += table[(bits >> (8 * j)) as usize & 0xff];
                    }
                }
                if (total - 2.0 * flipped).abs() >= obs {
                    hits += 1.0;
                }
            }
            vec![hits]
        })
        .iter()
        .sum();
        ((hits + 1.0) / (r + 1) as f64, false)
    };
    let mean_a = mean(a);
    let t = t_test(&d, config.level);
    let w = wilcoxon(&d);
    let sd = t.sd;
    Ok(PairedTest {
        n,
        mean_a,
        mean_b: mean(b),
        mean_diff: observed,
        ci_low: at(tail),
        ci_high: at(1.0 - tail),
        p_value,
        exact,
        relative_lift: (mean_a != 0.0).then(|| observed / mean_a),
        t_statistic: t.statistic,
        t_p_value: t.p_value,
        t_ci_low: t.ci.0,
        t_ci_high: t.ci.1,
        wilcoxon_statistic: w.statistic,
        wilcoxon_p_value: w.p_value,
        wilcoxon_exact: w.exact,
        effect_size: (sd > 0.0).then(|| observed / sd),
        wins: d.iter().filter(|&&x| x > TIE).count(),
        ties: d.iter().filter(|&&x| x.abs() <= TIE).count(),
        losses: d.iter().filter(|&&x| x < -TIE).count(),
    })
}

/// For each block of 8 values (the last one padded with 0), the sums of its
/// 256 subsets, subset `mask` holding value `i` when bit `i` is set; blocks
/// follow each other.
fn subset_sums(values: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(values.len().div_ceil(8) * 256);
    for block in values.chunks(8) {
        let start = out.len();
        out.push(0.0);
        for mask in 1usize..256 {
            let low = mask.trailing_zeros() as usize;
            let x = block.get(low).copied().unwrap_or(0.0);
            let rest = out[start + (mask & (mask - 1))];
            out.push(rest + x);
        }
    }
    out
}

/// Resamples per random stream: each block of this many draws has its own
/// seeded generator, so the figures do not depend on the number of threads.
const STREAM: usize = 500;

/// Runs `total` resamples as blocks in parallel, block `k` drawing from a
/// generator seeded by (`seed`, `tag`, `k`); `block(rng, count)` returns its
/// values, concatenated in block order.
fn resample<F>(total: usize, seed: u64, tag: u64, block: F) -> Vec<f64>
where
    F: Fn(&mut ChaCha8Rng, usize) -> Vec<f64> + Sync,
{
    use rayon::prelude::*;
    let blocks = total.div_ceil(STREAM);
    (0..blocks)
        .into_par_iter()
        .flat_map_iter(|k| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(tag << 32 | k as u64);
            let count = STREAM.min(total - k * STREAM);
            block(&mut rng, count)
        })
        .collect()
}

/// The paired t-test of differences `d`.
struct TTest {
    statistic: Option<f64>,
    p_value: Option<f64>,
    ci: (f64, f64),
    /// Sample standard deviation of `d` (n − 1 in the denominator).
    sd: f64,
}

fn t_test(d: &[f64], level: f64) -> TTest {
    let n = d.len() as f64;
    let m = d.iter().sum::<f64>() / n;
    let var = if d.len() > 1 {
        d.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    // A spread that is only rounding noise of equal differences is none.
    let sd = if var.sqrt() <= 1e-12 * m.abs().max(1.0) {
        0.0
    } else {
        var.sqrt()
    };
    let se = sd / n.sqrt();
    if d.len() < 2 {
        return TTest {
            statistic: None,
            p_value: None,
            ci: (m, m),
            sd,
        };
    }
    // Equal differences: no spread, so no t; the test is decided by the mean.
    if se <= 0.0 {
        let p = if m.abs() <= TIE { 1.0 } else { 0.0 };
        return TTest {
            statistic: None,
            p_value: Some(p),
            ci: (m, m),
            sd,
        };
    }
    let t = m / se;
    match StudentsT::new(0.0, 1.0, n - 1.0) {
        Ok(dist) => {
            let p = (2.0 * dist.cdf(-t.abs())).min(1.0);
            let q = dist.inverse_cdf(0.5 + level / 2.0);
            TTest {
                statistic: Some(t),
                p_value: Some(p),
                ci: (m - q * se, m + q * se),
                sd,
            }
        }
        Err(_) => TTest {
            statistic: Some(t),
            p_value: None,
            ci: (f64::NAN, f64::NAN),
            sd,
        },
    }
}

/// The Wilcoxon signed-rank test (zeros dropped, SciPy's `zero_method="wilcox"`).
struct Wilcoxon {
    statistic: f64,
    p_value: f64,
    exact: bool,
}

fn wilcoxon(d: &[f64]) -> Wilcoxon {
    let nz: Vec<f64> = d.iter().copied().filter(|x| x.abs() > TIE).collect();
    let n = nz.len();
    if n == 0 {
        return Wilcoxon {
            statistic: 0.0,
            p_value: 1.0,
            exact: false,
        };
    }
    // Average ranks of |d|, and the size of every group of ties.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| nz[i].abs().total_cmp(&nz[j].abs()));
    let mut ranks = vec![0.0; n];
    let mut tie_term = 0.0;
    let mut has_ties = false;
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && (nz[order[end]].abs() - nz[order[start]].abs()).abs() <= TIE {
            end += 1;
        }
        let avg = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = avg;
        }
        let t = (end - start) as f64;
        if end - start > 1 {
            has_ties = true;
            tie_term += t * t * t - t;
        }
        start = end;
    }
    let r_plus: f64 = nz
        .iter()
        .zip(&ranks)
        .filter(|(x, _)| **x > 0.0)
        .map(|(_, r)| r)
        .sum();
    let total = n as f64 * (n as f64 + 1.0) / 2.0;
    let r_minus = total - r_plus;
    let statistic = r_plus.min(r_minus);
    if n <= WILCOXON_EXACT_UP_TO && !has_ties {
        // Integer rank sums: the exact null distribution of R+ by counting
        // the subsets of {1..n} with each sum (2^50 < 2^53: exact in f64).
        let max = n * (n + 1) / 2;
        let mut counts = vec![0f64; max + 1];
        counts[0] = 1.0;
        for k in 1..=n {
            for s in (k..=max).rev() {
                counts[s] += counts[s - k];
            }
        }
        let all = 2f64.powi(n as i32);
        let k = r_plus.round() as usize;
        let cdf: f64 = counts[..=k].iter().sum::<f64>() / all;
        let sf: f64 = counts[k..].iter().sum::<f64>() / all;
        return Wilcoxon {
            statistic,
            p_value: (2.0 * cdf.min(sf)).min(1.0),
            exact: true,
        };
    }
    let nf = n as f64;
    let mean = nf * (nf + 1.0) / 4.0;
    let var = (nf * (nf + 1.0) * (2.0 * nf + 1.0) - tie_term / 2.0) / 24.0;
    let p = match (var > 0.0, Normal::new(0.0, 1.0)) {
        (true, Ok(norm)) => (2.0 * norm.cdf(-((r_plus - mean) / var.sqrt()).abs())).min(1.0),
        _ => 1.0,
    };
    Wilcoxon {
        statistic,
        p_value: p,
        exact: false,
    }
}

/// Holm's step-down adjustment of p-values from several tests of one family
/// (e.g. every challenger against the baseline): each adjusted value is at
/// least the raw one, the order of the raw values is kept, and none exceeds 1.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let mut out = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
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

    #[test]
    fn subset_tables_hold_every_subsets_sum() {
        let v: Vec<f64> = (0..11).map(|i| (i as f64 + 1.0) * 0.1).collect();
        let t = subset_sums(&v);
        assert_eq!(t.len(), 2 * 256);
        for (block, values) in v.chunks(8).enumerate() {
            for mask in 0..256usize {
                let want: f64 = (0..8)
                    .filter(|i| mask >> i & 1 == 1)
                    .map(|i| values.get(i).copied().unwrap_or(0.0))
                    .sum();
                assert!(
                    (t[block * 256 + mask] - want).abs() < 1e-12,
                    "{block} {mask}"
                );
            }
        }
    }

    /// The Monte Carlo sign-flip p-value (drawing among the non-zero
    /// differences, 8 per table lookup) agrees with the exact p-value,
    /// enumerated here over all 2^20 assignments, within sampling error;
    /// ties in the data change nothing.
    #[test]
    fn monte_carlo_sign_flips_agree_with_enumeration() {
        let nonzero: Vec<f64> = (0..20)
            .map(|i| ((i * 37 % 23) as f64 - 9.0) / 10.0 + 0.05)
            .collect();
        let observed = nonzero.iter().sum::<f64>().abs() - 1e-12;
        let total = 1u64 << nonzero.len();
        let hits = (0..total)
            .filter(|mask| {
                let s: f64 = nonzero
                    .iter()
                    .enumerate()
                    .map(|(i, x)| if mask >> i & 1 == 1 { -x } else { *x })
                    .sum();
                s.abs() >= observed
            })
            .count();
        let exact = hits as f64 / total as f64;
        let mut d = nonzero.clone();
        d.extend([0.0; 30]);
        let config = PairedConfig {
            permutations: 40_000,
            ..PairedConfig::default()
        };
        let t = paired_test(&vec![0.0; d.len()], &d, &config).expect("test");
        assert!(!t.exact);
        let se = (exact * (1.0 - exact) / 40_000.0).sqrt();
        assert!(
            (t.p_value - exact).abs() < 4.0 * se + 1e-4,
            "{} vs exact {exact}",
            t.p_value
        );
    }

    /// The bootstrap that draws only among non-zero differences has the
    /// spread of the plain bootstrap: sd of the mean = sd(d)·sqrt((n−1)/n)/sqrt(n).
    #[test]
    fn bootstrap_with_ties_has_the_plain_bootstraps_spread() {
        let n = 400;
        let d: Vec<f64> = (0..n)
            .map(|i| {
                if i % 3 == 0 {
                    ((i % 11) as f64 - 4.0) / 10.0
                } else {
                    0.0
                }
            })
            .collect();
        let mean = d.iter().sum::<f64>() / n as f64;
        let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        let want_sd = (var / n as f64).sqrt();
        // The interval of a near-normal mean: ±1.96 sd around the mean.
        let config = PairedConfig {
            bootstrap: 40_000,
            ..PairedConfig::default()
        };
        let t = paired_test(&vec![0.0; n], &d, &config).expect("test");
        let half = (t.ci_high - t.ci_low) / 2.0;
        assert!(
            (half / (1.96 * want_sd) - 1.0).abs() < 0.05,
            "half width {half} vs {}",
            1.96 * want_sd
        );
        assert!(((t.ci_high + t.ci_low) / 2.0 - mean).abs() < 0.1 * half);
        // All ties: every resample is 0.
        let t = paired_test(&[0.3; 50], &[0.3; 50], &PairedConfig::default()).expect("test");
        assert_eq!((t.ci_low, t.ci_high, t.p_value), (0.0, 0.0, 1.0));
    }
}
