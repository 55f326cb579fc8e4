//! L2-penalised logistic regression over standardised features, fitted by
//! Newton's method with backtracking: the meta-model of stacked fusion and
//! the scorer of the learned search re-ranker.
//!
//! Written here rather than taken from a crate: the models have a dozen
//! features and a bias, and the Rust logistic-regression crates bring a
//! second linear-algebra stack; the Newton step uses faer, already here for EASE.

use faer::linalg::solvers::DenseSolveCore;
use faer::{MatRef, Side};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A fitted logistic regression over standardised features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    /// Feature names, in order.
    pub features: Vec<String>,
    /// Coefficient per standardised feature, then the intercept.
    pub coef: Vec<f64>,
    /// Feature means (standardisation).
    pub mean: Vec<f64>,
    /// Feature standard deviations (1 where a feature is constant).
    pub sd: Vec<f64>,
}

impl LogisticModel {
    /// The log-odds of one feature row, less the intercept (the same for
    /// every candidate, so the ranking is unchanged and the f32 scores keep
    /// their precision).
    pub fn logit(&self, x: &[f32]) -> f64 {
        (self.coef.iter().zip(x))
            .zip(self.mean.iter().zip(&self.sd))
            .map(|((c, &v), (m, s))| c * ((f64::from(v) - m) / s))
            .sum::<f64>()
    }
}

/// Fits `y ~ x` (rows of `d` features) by Newton's method on the
/// L2-penalised log-likelihood (the intercept is not penalised).
pub fn fit_logistic(
    x: &[f32],
    y: &[bool],
    d: usize,
    l2: f64,
    names: Vec<String>,
    what: &str,
) -> Result<LogisticModel> {
    let n = y.len();
    if n == 0 || x.len() != n * d {
        return Err(Error::Empty(format!("no examples to fit {what} on")));
    }
    let mut mean = vec![0.0; d];
    for row in x.chunks(d) {
        for j in 0..d {
            mean[j] += f64::from(row[j]);
        }
    }
    for m in &mut mean {
        *m /= n as f64;
    }
    let mut sd = vec![0.0; d];
    for row in x.chunks(d) {
        for j in 0..d {
            sd[j] += (f64::from(row[j]) - mean[j]).powi(2);
        }
    }
    for s in &mut sd {
        *s = (*s / n as f64).sqrt();
        if *s < 1e-12 {
            *s = 1.0;
        }
    }
    let p = d + 1;
    let mut beta = vec![0.0; p];
    let positives = y.iter().filter(|v| **v).count();
    let rate = (positives as f64 + 0.5) / (n as f64 + 1.0);
    beta[d] = (rate / (1.0 - rate)).ln();
    let z = |row: &[f32], j: usize| {
        if j == d {
            1.0
        } else {
            (f64::from(row[j]) - mean[j]) / sd[j]
        }
    };
    // The penalised log-likelihood (the intercept is not penalised).
    let objective = |beta: &[f64]| -> f64 {
        let mut ll = 0.0;
        for (row, &label) in x.chunks(d).zip(y) {
            let eta: f64 = (0..p).map(|j| beta[j] * z(row, j)).sum();
            let softplus = eta.max(0.0) + (-eta.abs()).exp().ln_1p();
            ll += f64::from(u8::from(label)) * eta - softplus;
        }
        ll - 0.5 * l2 * beta[..d].iter().map(|b| b * b).sum::<f64>()
    };
    for _ in 0..50 {
        let mut grad = vec![0.0; p];
        let mut hess = vec![0.0; p * p];
        for (row, &label) in x.chunks(d).zip(y) {
            let eta: f64 = (0..p).map(|j| beta[j] * z(row, j)).sum();
            let mu = 1.0 / (1.0 + (-eta).exp());
            let w = (mu * (1.0 - mu)).max(1e-12);
            let r = f64::from(u8::from(label)) - mu;
            for a in 0..p {
                let za = z(row, a);
                grad[a] += r * za;
                for b in 0..=a {
                    hess[a * p + b] += w * za * z(row, b);
                }
            }
        }
        for a in 0..d {
            grad[a] -= l2 * beta[a];
            hess[a * p + a] += l2;
        }
        // Symmetric: fill the upper triangle from the lower.
        for a in 0..p {
            for b in 0..a {
                hess[b * p + a] = hess[a * p + b];
            }
        }
        let llt = MatRef::from_column_major_slice(&hess, p, p)
            .llt(Side::Lower)
            .map_err(|_| {
                Error::invalid(
                    "l2",
                    l2,
                    format!("the features of {what} are degenerate on these examples; raise l2"),
                )
            })?;
        let inv = llt.inverse();
        let delta: Vec<f64> = (0..p)
            .map(|a| (0..p).map(|b| inv[(a, b)] * grad[b]).sum())
            .collect();
        // Backtracking: halve the Newton step until the penalised
        // likelihood rises, so nearly separable data cannot make it diverge.
        let current = objective(&beta);
        let mut scale = 1.0;
        let mut moved = 0.0f64;
        while scale > 1e-6 {
            let trial: Vec<f64> = beta
                .iter()
                .zip(&delta)
                .map(|(b, dl)| b + scale * dl)
                .collect();
            if objective(&trial) >= current - 1e-12 {
                moved = delta
                    .iter()
                    .map(|dl| (scale * dl).abs())
                    .fold(0.0, f64::max);
                beta = trial;
                break;
            }
            scale /= 2.0;
        }
        if moved < 1e-8 {
            break;
        }
    }
    Ok(LogisticModel {
        features: names,
        coef: beta,
        mean,
        sd,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Newton's method lands where the penalised log-likelihood's gradient
    /// is zero, and the coefficients point the way the data does.
    #[test]
    fn logistic_fit_zeroes_the_penalised_gradient() {
        let (d, n) = (3usize, 400usize);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..n {
            let a = ((i * 37) % 101) as f32 / 100.0;
            let b = ((i * 53) % 97) as f32 / 96.0;
            let c = 0.5f32; // constant: its sd is 0, standardised to nothing
            x.extend([a, b, c]);
            // Mostly a > b, with some noise from the index.
            y.push(a - b + (((i * 7) % 11) as f32 - 5.0) / 20.0 > 0.0);
        }
        let l2 = 0.5;
        let m = fit_logistic(
            &x,
            &y,
            d,
            l2,
            vec!["a".into(), "b".into(), "c".into()],
            "test",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(m.coef[0] > 1.0 && m.coef[1] < -1.0, "{:?}", m.coef);
        let p = d + 1;
        let mut grad = vec![0.0; p];
        for (row, &label) in x.chunks(d).zip(&y) {
            let z: Vec<f64> = (0..d)
                .map(|j| (f64::from(row[j]) - m.mean[j]) / m.sd[j])
                .chain([1.0])
                .collect();
            let eta: f64 = z.iter().zip(&m.coef).map(|(a, b)| a * b).sum();
            let r = f64::from(u8::from(label)) - 1.0 / (1.0 + (-eta).exp());
            for j in 0..p {
                grad[j] += r * z[j];
            }
        }
        for (g, c) in grad.iter_mut().zip(&m.coef).take(d) {
            *g -= l2 * c;
        }
        assert!(grad.iter().all(|g| g.abs() < 1e-6), "{grad:?}");
        assert_eq!(m.coef[2], 0.0, "a constant feature gets no weight");
    }

    /// Perfectly separable labels (the case that made the plain Newton step
    /// run off to ±1e11 on the demo shop) stay finite and rank correctly.
    #[test]
    fn separable_labels_do_not_diverge() {
        let x: Vec<f32> = (0..200).map(|i| i as f32 / 200.0).collect();
        let y: Vec<bool> = x.iter().map(|v| *v > 0.7).collect();
        let m = fit_logistic(&x, &y, 1, 1e-3, vec!["a".into()], "test")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            m.coef.iter().all(|c| c.is_finite() && c.abs() < 1e4),
            "{:?}",
            m.coef
        );
        assert!(m.logit(&[0.9]) > m.logit(&[0.5]));
    }
}
