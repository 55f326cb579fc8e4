//! EASE, the embarrassingly shallow autoencoder (Steck, WWW 2019).
//!
//! Closed form: `G = XᵀX + λI`, `P = G⁻¹`, `B = -P / diag(P)` column-wise with
//! `diag(B) = 0`; a shopper's scores are `x_u B`. The item x item matrices are
//! dense, so catalogs above [`MAX_ITEMS`] are refused before any allocation.
//! Everything is `f32`: with λ in the hundreds `G` is well conditioned, and
//! single precision halves the time and memory of the inverse.

use faer::linalg::solvers::DenseSolveCore;
use faer::{MatRef, Side};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shoplab_datasets::{CancelToken, ModelState, Progress, Recommender, SparseMatrix, UserQuery};

use super::check_cancel;
use crate::error::{Error, Result};

/// Largest catalog EASE accepts (its dense matrices grow with the square).
pub const MAX_ITEMS: usize = 30_000;

/// Gram columns per parallel work unit (progress and cancellation granularity).
const CHUNK_COLS: usize = 32;

/// Parameters of [`Ease`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EaseParams {
    /// L2 regularisation λ added to the Gram diagonal (default 250.0, as
    /// RecBole's `reg_weight`). Larger values favour popular items less.
    pub reg: f32,
}

impl Default for EaseParams {
    fn default() -> Self {
        EaseParams { reg: 250.0 }
    }
}

/// A trained EASE model: the dense item x item weights.
#[derive(Debug, Clone)]
pub struct Ease {
    n_items: usize,
    /// `B` in row-major order: row `h` holds what item `h` adds to every item.
    weights: Vec<f32>,
}

/// Peak bytes of the fit: three dense n x n `f32` matrices live at once
/// (the Cholesky factor, the inverse and the inverse's scratch).
fn peak_bytes(n: usize) -> f64 {
    3.0 * (n as f64) * (n as f64) * size_of::<f32>() as f64
}

/// Solves EASE on a user x item matrix.
pub fn fit(
    x: &SparseMatrix,
    params: &EaseParams,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<Ease> {
    check_cancel(cancel)?;
    let n = x.n_cols;
    if !(params.reg.is_finite() && params.reg > 0.0) {
        return Err(Error::invalid(
            "reg",
            params.reg,
            "must be a positive number (e.g. 250)",
        ));
    }
    if n > MAX_ITEMS {
        return Err(Error::invalid(
            "catalog size for ease",
            n,
            format!(
                "EASE keeps dense {n} x {n} matrices and would need about {:.1} GiB of memory; it accepts at most {MAX_ITEMS} items. Use item_knn for this catalog",
                peak_bytes(n) / f64::from(1u32 << 30)
            ),
        ));
    }
    progress.stage("ease: gram matrix", Some(n as u64));
    let xt = x.transpose();
    // Column j of G = Σ over shoppers u of item j: x_uj · x_u (column-major).
    // Only its lower triangle (rows >= j) is filled: `llt(Side::Lower)` reads no more.
    let mut gram = vec![0f32; n * n];
    if n > 0 {
        gram.par_chunks_mut(n * CHUNK_COLS)
            .enumerate()
            .try_for_each(|(chunk, cols)| {
                check_cancel(cancel)?;
                for (offset, col) in cols.chunks_mut(n).enumerate() {
                    let j = chunk * CHUNK_COLS + offset;
                    let (users, xuj) = xt.row(j);
                    for (&u, &w) in users.iter().zip(xuj) {
                        let (items, xu) = x.row(u as usize);
                        let from = items.partition_point(|&a| (a as usize) < j);
                        for (&a, &v) in items[from..].iter().zip(&xu[from..]) {
                            col[a as usize] += w * v;
                        }
                    }
                    col[j] += params.reg;
                }
                progress.advance((cols.len() / n) as u64);
                Ok::<_, Error>(())
            })?;
    }
    progress.finish_stage();
    check_cancel(cancel)?;
    progress.stage("ease: inverse", None);
    let llt = MatRef::from_column_major_slice(&gram, n, n)
        .llt(Side::Lower)
        .map_err(|e| {
            Error::invalid(
                "reg",
                params.reg,
                format!("XᵀX + reg·I is not positive definite ({e}); raise reg"),
            )
        })?;
    drop(gram);
    let p = llt.inverse();
    drop(llt);
    check_cancel(cancel)?;
    // P is symmetric, so its column h is row h: B[h][j] = -P[j][h] / P[j][j].
    let diag: Vec<f32> = (0..n).map(|j| p[(j, j)]).collect();
    let mut weights = vec![0f32; n * n];
    weights
        .par_chunks_mut(n.max(1))
        .enumerate()
        .for_each(|(h, row)| {
            for (j, (b, &pjh)) in row.iter_mut().zip(p.col_as_slice(h)).enumerate() {
                *b = if j == h { 0.0 } else { -pjh / diag[j] };
            }
        });
    progress.finish_stage();
    Ok(Ease {
        n_items: n,
        weights,
    })
}

impl Recommender for Ease {
    fn name(&self) -> &str {
        "ease"
    }

    fn n_items(&self) -> usize {
        self.n_items
    }

    fn score(&self, query: &UserQuery<'_>, scores: &mut [f32]) {
        for (&h, &w) in query.history.iter().zip(query.weights) {
            let h = h as usize;
            if h < self.n_items {
                let row = &self.weights[h * self.n_items..(h + 1) * self.n_items];
                for (s, &b) in scores.iter_mut().zip(row) {
                    *s += w * b;
                }
            }
        }
    }

    fn size_bytes(&self) -> usize {
        self.weights.len() * size_of::<f32>()
    }

    fn state(&self) -> ModelState {
        let mut s = super::saved::state("ease");
        s.push_f32(
            "weights",
            &[self.n_items, self.n_items],
            self.weights.clone(),
        );
        s
    }
}

impl Ease {
    /// The model saved by [`Recommender::state`].
    pub fn from_state(state: &ModelState) -> Result<Ease> {
        super::saved::check(state, "ease")?;
        let (shape, w) = state.f32("weights", None)?;
        let n = shape.first().copied().unwrap_or(0);
        if shape != [n, n] {
            return Err(super::saved::malformed(
                "ease",
                "its weights are not square",
            ));
        }
        Ok(Ease {
            n_items: n,
            weights: w.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoplab_datasets::{EventKind, Interactions, NoProgress, Weighting};

    /// B computed with NumPy: `G = X.T @ X + 2 I; P = inv(G); B = -P / diag(P); B[diag] = 0`.
    const NUMPY_B: [[f64; 4]; 4] = [
        [0.0, 0.363_636_363_6, -0.012_658_227_8, 0.227_272_727_3],
        [0.405_063_291_1, 0.0, 0.405_063_291_1, -0.181_818_181_8],
        [-0.012_658_227_8, 0.363_636_363_6, 0.0, 0.227_272_727_3],
        [0.253_164_557, -0.181_818_181_8, 0.253_164_557, 0.0],
    ];

    fn matrix() -> SparseMatrix {
        let rows: [&[u32]; 5] = [&[0, 1], &[0, 1, 2], &[1, 2], &[2, 3], &[0, 3]];
        let mut log = Interactions::new(5, 4);
        for (u, items) in rows.iter().enumerate() {
            for &i in *items {
                log.push(u as u32, i, 0, EventKind::Purchase, 1.0);
            }
        }
        log.to_matrix(Weighting::Binary)
    }

    #[test]
    fn weights_match_numpy() {
        let m = fit(
            &matrix(),
            &EaseParams { reg: 2.0 },
            &NoProgress,
            &CancelToken::new(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for (h, row) in NUMPY_B.iter().enumerate() {
            for (j, &b) in row.iter().enumerate() {
                let got = f64::from(m.weights[h * 4 + j]);
                assert!((got - b).abs() < 1e-5, "B[{h}][{j}] = {got}, NumPy {b}");
            }
        }
        // x_u B for a shopper with items 0 and 2 (NumPy: [-0.01266, 0.72727, -0.01266, 0.45455]).
        let mut scores = [0.0; 4];
        m.score(
            &UserQuery {
                user: None,
                history: &[0, 2],
                weights: &[1.0, 1.0],
                events: &[],
            },
            &mut scores,
        );
        for (&got, want) in scores.iter().zip([
            -0.012_658_227_8,
            0.727_272_727_3,
            -0.012_658_227_8,
            0.454_545_454_5,
        ]) {
            assert!((f64::from(got) - want).abs() < 1e-5, "{scores:?}");
        }
    }

    #[test]
    fn refuses_huge_catalogs_and_bad_reg() {
        let huge = SparseMatrix {
            n_rows: 0,
            n_cols: MAX_ITEMS + 1,
            indptr: vec![0],
            ..SparseMatrix::default()
        };
        let err = fit(
            &huge,
            &EaseParams::default(),
            &NoProgress,
            &CancelToken::new(),
        )
        .map(|_| ())
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("30001") && msg.contains("GiB") && msg.contains("item_knn"),
            "{msg}"
        );
        assert!(
            fit(
                &matrix(),
                &EaseParams { reg: 0.0 },
                &NoProgress,
                &CancelToken::new()
            )
            .is_err()
        );
    }

    #[test]
    fn empty_catalog_fits() {
        let empty = SparseMatrix {
            indptr: vec![0],
            ..SparseMatrix::default()
        };
        let m = fit(
            &empty,
            &EaseParams::default(),
            &NoProgress,
            &CancelToken::new(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.n_items(), 0);
    }
}
