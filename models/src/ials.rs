//! Implicit alternating least squares with confidence weighting
//! (Hu, Koren & Volinsky 2008), solved with a few conjugate-gradient steps
//! per row as the `implicit` library's `least_squares_cg` does.
//!
//! The model minimises
//! `Σ_{u,i} c_ui (p_ui − x_u·y_i)² + λ (Σ|x_u|² + Σ|y_i|²)` where `p_ui` is 1
//! for an observed pair and 0 otherwise, and the confidence
//! `c_ui = 1 + alpha · r_ui` reads the run's weighted matrix value `r_ui`
//! (binary, count, kind-weighted or value), so the weighting changes what is
//! learned. Unobserved pairs have confidence 1.
//!
//! Every half-step solves each user (item) independently against the Gram
//! matrix `YᵀY + λI` plus the sparse confidence terms, so rows run in parallel
//! and the result does not depend on the thread count.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shoplab_datasets::{CancelToken, ModelState, Progress, Recommender, SparseMatrix, UserQuery};

/// Saved-state format tag; bump when the arrays or their meaning change.
pub const IALS_FORMAT: &str = "shoplab-ials/1";

/// Rows solved per parallel task; cancel is checked once per task.
const ROWS_PER_TASK: usize = 64;

/// Errors of iALS training and loading.
///
/// At merge this folds into the crate's error enum with one variant:
/// `#[error(transparent)] Ials(#[from] crate::ials::IalsError)`.
#[derive(Debug, thiserror::Error)]
pub enum IalsError {
    /// A parameter is out of its allowed range.
    #[error("iALS parameter `{field}` = {value} is out of range: allowed {allowed}")]
    InvalidParam {
        /// Field name as written in spec files.
        field: &'static str,
        /// The value given.
        value: String,
        /// The allowed range, in words.
        allowed: &'static str,
    },
    /// The interaction matrix cannot be trained on.
    #[error("cannot train iALS: {0}")]
    Data(String),
    /// Training was cancelled; nothing was produced.
    #[error("iALS training was cancelled")]
    Cancelled,
    /// A saved state does not fit this model.
    #[error("saved iALS model does not load: {0}; retrain the model")]
    State(String),
}

/// Result of this module.
pub type Result<T> = std::result::Result<T, IalsError>;

/// iALS hyper-parameters (spec files, CLI and GUI alike).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IalsParams {
    /// Latent dimension of user and item factors; default 64, allowed 1..=1024.
    pub factors: usize,
    /// L2 penalty λ on every factor; default 0.01 (as `implicit`), allowed 0..=1e6 (finite).
    pub regularization: f32,
    /// Confidence scale: c = 1 + alpha·r for an observed value r; default 1.0, allowed 0..=1e6 (finite).
    pub alpha: f32,
    /// Alternating sweeps (users then items); default 15, allowed 1..=1000.
    pub iterations: usize,
    /// Conjugate-gradient steps per row and half-step (`implicit`'s `cg_steps`); default 3, allowed 1..=64.
    pub cg_steps: usize,
    /// Seed of the random factor initialisation; default 42, any u64.
    pub seed: u64,
}

impl Default for IalsParams {
    fn default() -> Self {
        IalsParams {
            factors: 64,
            regularization: 0.01,
            alpha: 1.0,
            iterations: 15,
            cg_steps: 3,
            seed: 42,
        }
    }
}

impl IalsParams {
    /// Checks every field; the error names the field, its value and the allowed range.
    pub fn validate(&self) -> Result<()> {
        fn bad(field: &'static str, value: impl ToString, allowed: &'static str) -> IalsError {
            IalsError::InvalidParam {
                field,
                value: value.to_string(),
                allowed,
            }
        }
        if !(1..=1024).contains(&self.factors) {
            return Err(bad("factors", self.factors, "1 to 1024"));
        }
        if !(self.regularization.is_finite() && (0.0..=1e6).contains(&self.regularization)) {
            return Err(bad("regularization", self.regularization, "0 to 1e6"));
        }
        if !(self.alpha.is_finite() && (0.0..=1e6).contains(&self.alpha)) {
            return Err(bad("alpha", self.alpha, "0 to 1e6"));
        }
        if !(1..=1000).contains(&self.iterations) {
            return Err(bad("iterations", self.iterations, "1 to 1000"));
        }
        if !(1..=64).contains(&self.cg_steps) {
            return Err(bad("cg_steps", self.cg_steps, "1 to 64"));
        }
        Ok(())
    }
}

/// A fitted iALS model: one factor row per user and per item.
#[derive(Debug, Clone)]
pub struct Ials {
    params: IalsParams,
    n_users: usize,
    n_items: usize,
    /// Row-major `n_users x factors`.
    user_factors: Vec<f32>,
    /// Row-major `n_items x factors`.
    item_factors: Vec<f32>,
    /// `YᵀY + λI` (row-major `factors x factors`), for folding in new shoppers.
    item_gram: Vec<f32>,
}

/// Trains iALS on `matrix` (users x items, values already weighted by the
/// engine). Reports stage `train ials` (one unit per iteration) and the
/// training loss per iteration; stops with [`IalsError::Cancelled`] soon
/// after `cancel` is set.
pub fn fit_ials(
    params: &IalsParams,
    matrix: &SparseMatrix,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<Ials> {
    params.validate()?;
    if matrix.indptr.len() != matrix.n_rows + 1 || matrix.data.len() != matrix.indices.len() {
        return Err(IalsError::Data(
            "the interaction matrix is malformed".into(),
        ));
    }
    if let Some(&c) = matrix
        .indices
        .iter()
        .find(|&&c| c as usize >= matrix.n_cols)
    {
        return Err(IalsError::Data(format!(
            "item index {c} is outside the {} items",
            matrix.n_cols
        )));
    }
    if let Some(v) = matrix.data.iter().find(|v| !v.is_finite() || **v < 0.0) {
        return Err(IalsError::Data(format!(
            "interaction weight {v} is negative or not finite; iALS needs weights >= 0"
        )));
    }
    let k = params.factors;
    // Confidence minus one (alpha·r) is what the CG terms use; computed once.
    let by_user = confidence_matrix(matrix, params.alpha);
    let by_item = by_user.transpose();

    // Small random start, as `implicit` (uniform in [0, 0.01)).
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let mut init =
        |n: usize| -> Vec<f32> { (0..n * k).map(|_| rng.random::<f32>() * 0.01).collect() };
    let mut user_factors = init(matrix.n_rows);
    let mut item_factors = init(matrix.n_cols);

    progress.stage("train ials", Some(params.iterations as u64));
    for _ in 0..params.iterations {
        let item_gram = gram(&item_factors, k, params.regularization);
        solve_half(
            &by_user,
            &mut user_factors,
            &item_factors,
            &item_gram,
            params,
            cancel,
        )?;
        let user_gram = gram(&user_factors, k, params.regularization);
        solve_half(
            &by_item,
            &mut item_factors,
            &user_factors,
            &user_gram,
            params,
            cancel,
        )?;
        let loss = training_loss(
            &by_user,
            &user_factors,
            &item_factors,
            k,
            params.regularization,
        );
        progress.metric("loss", loss);
        progress.advance(1);
    }
    progress.finish_stage();
    let item_gram = gram(&item_factors, k, params.regularization);
    Ok(Ials {
        params: params.clone(),
        n_users: matrix.n_rows,
        n_items: matrix.n_cols,
        user_factors,
        item_factors,
        item_gram,
    })
}

/// Rebuilds a model saved by [`Ials::state`]; refuses another format or
/// shape, naming the array.
pub fn load_ials(params: &IalsParams, state: &ModelState) -> Result<Ials> {
    params.validate()?;
    match state.get_meta("format") {
        Some(IALS_FORMAT) => {}
        other => {
            return Err(IalsError::State(format!(
                "its format is {}, this ShopLab reads {IALS_FORMAT}",
                other.unwrap_or("missing")
            )));
        }
    }
    let k = params.factors;
    let read = |name: &str| -> Result<(usize, Vec<f32>)> {
        let (shape, values) = state
            .f32(name, None)
            .map_err(|e| IalsError::State(e.to_string()))?;
        if shape.len() != 2 || shape[1] != k {
            return Err(IalsError::State(format!(
                "array `{name}` has shape {shape:?}, expected [rows, {k}] for factors = {k}"
            )));
        }
        Ok((shape[0], values.to_vec()))
    };
    let (n_users, user_factors) = read("user_factors")?;
    let (n_items, item_factors) = read("item_factors")?;
    if let Some(bad) = user_factors
        .iter()
        .chain(&item_factors)
        .find(|v| !v.is_finite())
    {
        return Err(IalsError::State(format!("a factor is {bad}")));
    }
    let item_gram = gram(&item_factors, k, params.regularization);
    Ok(Ials {
        params: params.clone(),
        n_users,
        n_items,
        user_factors,
        item_factors,
        item_gram,
    })
}

impl Ials {
    /// The parameters it was trained with.
    pub fn params(&self) -> &IalsParams {
        &self.params
    }

    /// Number of users known at training time.
    pub fn n_users(&self) -> usize {
        self.n_users
    }

    /// Factor row of a trained user.
    pub fn user_factor(&self, user: u32) -> Option<&[f32]> {
        let k = self.params.factors;
        let u = user as usize;
        (u < self.n_users).then(|| &self.user_factors[u * k..(u + 1) * k])
    }

    /// Factor row of an item.
    pub fn item_factor(&self, item: u32) -> Option<&[f32]> {
        let k = self.params.factors;
        let i = item as usize;
        (i < self.n_items).then(|| &self.item_factors[i * k..(i + 1) * k])
    }

    /// A shopper's factor computed from their history alone (the exact
    /// least-squares solution against the item factors, as `implicit`'s
    /// `recalculate_user`), for shoppers new since training.
    pub fn fold_in(&self, history: &[u32], weights: &[f32]) -> Vec<f32> {
        let k = self.params.factors;
        // A = YᵀY + λI + Σ (c−1) y yᵀ, b = Σ c y (p = 1 on observed items).
        let mut a: Vec<f64> = self.item_gram.iter().map(|&v| f64::from(v)).collect();
        let mut b = vec![0f64; k];
        for (n, &i) in history.iter().enumerate() {
            let Some(y) = self.item_factor(i) else {
                continue;
            };
            let w = weights.get(n).copied().unwrap_or(1.0);
            let w = if w.is_finite() { w.max(0.0) } else { 0.0 };
            let extra = f64::from(self.params.alpha * w);
            for r in 0..k {
                let yr = f64::from(y[r]);
                b[r] += (1.0 + extra) * yr;
                for c in 0..k {
                    a[r * k + c] += extra * yr * f64::from(y[c]);
                }
            }
        }
        cholesky_solve(&mut a, &mut b, k);
        b.into_iter().map(|v| v as f32).collect()
    }

    /// The training loss (as reported per iteration) of this model on
    /// `matrix` (weighted as for training); NaN when its shape differs.
    pub fn loss(&self, matrix: &SparseMatrix) -> f64 {
        if matrix.n_rows != self.n_users
            || matrix.n_cols != self.n_items
            || matrix.indptr.len() != matrix.n_rows + 1
            || matrix.indices.iter().any(|&i| i as usize >= self.n_items)
        {
            return f64::NAN;
        }
        let conf = confidence_matrix(matrix, self.params.alpha);
        training_loss(
            &conf,
            &self.user_factors,
            &self.item_factors,
            self.params.factors,
            self.params.regularization,
        )
    }

    fn query_factor<'a>(&'a self, query: &UserQuery<'_>) -> std::borrow::Cow<'a, [f32]> {
        // A shopper with no training events has an all-zero row (training
        // solves it against nothing): fold them in from their history, as a
        // shopper new since training.
        match query.user.and_then(|u| self.user_factor(u)) {
            Some(x) if x.iter().any(|&v| v != 0.0) => std::borrow::Cow::Borrowed(x),
            _ => std::borrow::Cow::Owned(self.fold_in(query.history, query.weights)),
        }
    }
}

impl Recommender for Ials {
    fn name(&self) -> &str {
        "ials"
    }

    fn n_items(&self) -> usize {
        self.n_items
    }

    fn score(&self, query: &UserQuery<'_>, scores: &mut [f32]) {
        let x = self.query_factor(query);
        let k = self.params.factors;
        for (s, y) in scores.iter_mut().zip(self.item_factors.chunks_exact(k)) {
            *s = dot(&x, y);
        }
    }

    fn score_batch(&self, queries: &[UserQuery<'_>], out: &mut [f32]) {
        let k = self.params.factors;
        let n = self.n_items;
        if queries.is_empty() || n == 0 {
            return;
        }
        let mut x = Vec::with_capacity(queries.len() * k);
        for q in queries {
            x.extend_from_slice(&self.query_factor(q));
        }
        // One GEMM: scores = X · Yᵀ (queries x k) · (k x items).
        let lhs = faer::MatRef::from_row_major_slice(&x, queries.len(), k);
        let rhs = faer::MatRef::from_row_major_slice(&self.item_factors, n, k).transpose();
        let dst =
            faer::MatMut::from_row_major_slice_mut(&mut out[..queries.len() * n], queries.len(), n);
        faer::linalg::matmul::matmul(dst, faer::Accum::Replace, lhs, rhs, 1.0f32, faer::Par::Seq);
    }

    fn size_bytes(&self) -> usize {
        (self.user_factors.len() + self.item_factors.len()) * 4
    }

    fn state(&self) -> ModelState {
        let k = self.params.factors;
        let mut s = ModelState::new();
        s.push_f32(
            "user_factors",
            &[self.n_users, k],
            self.user_factors.clone(),
        )
        .push_f32(
            "item_factors",
            &[self.n_items, k],
            self.item_factors.clone(),
        )
        .meta("format", IALS_FORMAT)
        .meta("model", "ials")
        .meta("factors", k)
        .meta("n_users", self.n_users)
        .meta("n_items", self.n_items);
        s
    }
}

/// The matrix with each value replaced by `alpha · r` (confidence − 1).
fn confidence_matrix(matrix: &SparseMatrix, alpha: f32) -> SparseMatrix {
    SparseMatrix {
        n_rows: matrix.n_rows,
        n_cols: matrix.n_cols,
        indptr: matrix.indptr.clone(),
        indices: matrix.indices.clone(),
        data: matrix.data.iter().map(|&r| alpha * r).collect(),
    }
}

/// `FᵀF + λI` for row-major factors `F` (`rows x k`), deterministic.
fn gram(factors: &[f32], k: usize, reg: f32) -> Vec<f32> {
    let rows = factors.len() / k.max(1);
    let f = faer::MatRef::from_row_major_slice(factors, rows, k);
    let mut g = vec![0f32; k * k];
    let dst = faer::MatMut::from_row_major_slice_mut(&mut g, k, k);
    faer::linalg::matmul::matmul(
        dst,
        faer::Accum::Replace,
        f.transpose(),
        f,
        1.0f32,
        faer::Par::Seq,
    );
    for d in 0..k {
        g[d * k + d] += reg;
    }
    g
}

/// One half-step: re-solves every row of `x` (rows of `conf`) against the
/// fixed factors `y`, `cg_steps` conjugate-gradient steps from its current value.
fn solve_half(
    conf: &SparseMatrix,
    x: &mut [f32],
    y: &[f32],
    gram: &[f32],
    params: &IalsParams,
    cancel: &CancelToken,
) -> Result<()> {
    let k = params.factors;
    x.par_chunks_mut(k * ROWS_PER_TASK)
        .enumerate()
        .for_each(|(task, rows)| {
            if cancel.is_cancelled() {
                return;
            }
            let first = task * ROWS_PER_TASK;
            pulp::Arch::new().dispatch(SolveRows {
                rows,
                first,
                conf,
                y,
                gram,
                cg_steps: params.cg_steps,
            });
        });
    if cancel.is_cancelled() {
        return Err(IalsError::Cancelled);
    }
    Ok(())
}

/// A chunk of rows to solve, run under pulp's CPU-feature dispatch so the
/// inlined CG loop is compiled for AVX2/FMA (or AVX-512) where present.
struct SolveRows<'a> {
    rows: &'a mut [f32],
    first: usize,
    conf: &'a SparseMatrix,
    y: &'a [f32],
    gram: &'a [f32],
    cg_steps: usize,
}

impl pulp::WithSimd for SolveRows<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let k = self.gram.len().isqrt();
        let mut scratch = vec![0f32; 3 * k];
        for (n, xu) in self.rows.chunks_exact_mut(k).enumerate() {
            let (cols, vals) = self.conf.row(self.first + n);
            solve_row(
                xu,
                cols,
                vals,
                self.y,
                self.gram,
                self.cg_steps,
                &mut scratch,
            );
        }
    }
}

/// Conjugate gradient on `(YᵀY + λI + Yᵀ(C−I)Y) x = YᵀC p` for one row,
/// `implicit`'s `least_squares_cg` step for step (warm start from `x`).
#[inline(always)]
fn solve_row(
    x: &mut [f32],
    cols: &[u32],
    extra: &[f32],
    y: &[f32],
    gram: &[f32],
    cg_steps: usize,
    scratch: &mut [f32],
) {
    let k = x.len();
    if cols.is_empty() {
        x.fill(0.0);
        return;
    }
    let (r, rest) = scratch.split_at_mut(k);
    let (p, ap) = rest.split_at_mut(k);
    // r = YᵀC p − (YᵀY + λI + Yᵀ(C−I)Y) x
    symv(gram, x, r);
    for v in r.iter_mut() {
        *v = -*v;
    }
    for (&i, &e) in cols.iter().zip(extra) {
        let yi = &y[i as usize * k..(i as usize + 1) * k];
        let t = (1.0 + e) - e * dot(yi, x);
        axpy(t, yi, r);
    }
    p.copy_from_slice(r);
    let mut rs_old = dot(r, r);
    if rs_old < 1e-20 {
        return;
    }
    for _ in 0..cg_steps {
        // ap = (YᵀY + λI) p + Yᵀ(C−I)Y p, without forming YᵀCY.
        symv(gram, p, ap);
        for (&i, &e) in cols.iter().zip(extra) {
            let yi = &y[i as usize * k..(i as usize + 1) * k];
            axpy(e * dot(yi, p), yi, ap);
        }
        let step = rs_old / dot(p, ap);
        axpy(step, p, x);
        axpy(-step, ap, r);
        let rs_new = dot(r, r);
        if rs_new < 1e-20 {
            break;
        }
        let beta = rs_new / rs_old;
        for (pv, &rv) in p.iter_mut().zip(r.iter()) {
            *pv = rv + beta * *pv;
        }
        rs_old = rs_new;
    }
}

/// `Σ_{u,i} c_ui (p_ui − x_u·y_i)² + λ(|X|² + |Y|²)` divided by the total
/// confidence of all cells (as `implicit` reports it), using
/// `Σ_i (x·y_i)² = xᵀ(YᵀY)x` so only observed cells are visited.
fn training_loss(conf: &SparseMatrix, x: &[f32], y: &[f32], k: usize, reg: f32) -> f64 {
    let gram = gram(y, k, 0.0);
    let n_rows = conf.n_rows;
    let per_task: Vec<(f64, f64)> = x
        .par_chunks(k * ROWS_PER_TASK)
        .enumerate()
        .map(|(task, rows)| {
            let mut gx = vec![0f32; k];
            let mut loss = 0f64;
            let mut conf_sum = 0f64;
            for (n, xu) in rows.chunks_exact(k).enumerate() {
                let (cols, extra) = conf.row(task * ROWS_PER_TASK + n);
                symv(&gram, xu, &mut gx);
                loss += f64::from(dot(xu, &gx));
                for (&i, &e) in cols.iter().zip(extra) {
                    let s = f64::from(dot(&y[i as usize * k..(i as usize + 1) * k], xu));
                    let c = 1.0 + f64::from(e);
                    loss += c * (1.0 - s) * (1.0 - s) - s * s;
                    conf_sum += f64::from(e);
                }
                loss += f64::from(reg) * f64::from(dot(xu, xu));
            }
            (loss, conf_sum)
        })
        .collect();
    let (mut loss, mut conf_sum) = (0f64, 0f64);
    for (l, c) in per_task {
        loss += l;
        conf_sum += c;
    }
    loss += f64::from(reg) * y.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>();
    let cells = (n_rows as f64) * (conf.n_cols as f64) + conf_sum;
    loss / cells.max(1.0)
}

/// `out = a · v` for a row-major square `a`.
#[inline(always)]
fn symv(a: &[f32], v: &[f32], out: &mut [f32]) {
    let k = v.len();
    for (o, row) in out.iter_mut().zip(a.chunks_exact(k)) {
        *o = dot(row, v);
    }
}

/// Dot product with eight independent lanes (vectorises without reassociation).
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ac, ar) = a.split_at(a.len() - a.len() % 8);
    let (bc, br) = b.split_at(ac.len());
    for (x, y) in ac.chunks_exact(8).zip(bc.chunks_exact(8)) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut tail = 0f32;
    for (x, y) in ar.iter().zip(br) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// `out += s · v`.
#[inline(always)]
fn axpy(s: f32, v: &[f32], out: &mut [f32]) {
    for (o, &x) in out.iter_mut().zip(v) {
        *o += s * x;
    }
}

/// Solves `a x = b` in place (`b` becomes `x`) for symmetric positive
/// definite `a` (row-major `k x k`); a tiny ridge keeps it definite when
/// λ = 0 and the history is short.
fn cholesky_solve(a: &mut [f64], b: &mut [f64], k: usize) {
    let scale = (0..k)
        .map(|d| a[d * k + d].abs())
        .fold(0.0, f64::max)
        .max(1e-12);
    for d in 0..k {
        a[d * k + d] += 1e-9 * scale;
    }
    for j in 0..k {
        let mut s = a[j * k + j];
        for p in 0..j {
            s -= a[j * k + p] * a[j * k + p];
        }
        let l = s.max(1e-12 * scale).sqrt();
        a[j * k + j] = l;
        for i in j + 1..k {
            let mut s = a[i * k + j];
            for p in 0..j {
                s -= a[i * k + p] * a[j * k + p];
            }
            a[i * k + j] = s / l;
        }
    }
    for i in 0..k {
        let mut s = b[i];
        for p in 0..i {
            s -= a[i * k + p] * b[p];
        }
        b[i] = s / a[i * k + i];
    }
    for i in (0..k).rev() {
        let mut s = b[i];
        for p in i + 1..k {
            s -= a[p * k + i] * b[p];
        }
        b[i] = s / a[i * k + i];
    }
}

#[cfg(test)]
mod tests;

/// Records the loss curve while passing every report on.
struct LossCurve<'a> {
    inner: &'a dyn Progress,
    losses: std::sync::Mutex<Vec<f64>>,
}

impl Progress for LossCurve<'_> {
    fn stage(&self, name: &str, total: Option<u64>) {
        self.inner.stage(name, total);
    }
    fn advance(&self, n: u64) {
        self.inner.advance(n);
    }
    fn metric(&self, name: &str, value: f64) {
        if name == "loss"
            && let Ok(mut l) = self.losses.lock()
        {
            l.push(value);
        }
        self.inner.metric(name, value);
    }
    fn finish_stage(&self) {
        self.inner.finish_stage();
    }
}

/// iALS inside a run: the run's weighted matrix, its progress and cancel,
/// and a training report (loss per sweep). iALS solves in closed form on
/// the CPU whatever device the run names; it has no epochs to validate or
/// checkpoint (a sweep of 6,040 x 3,706 takes under a second).
pub fn fit_in_run(
    params: &IalsParams,
    data: &crate::train::TrainData<'_>,
    ctx: &crate::train::FitContext<'_>,
) -> crate::error::Result<crate::Fitted> {
    let matrix = data.train.to_matrix(data.weighting);
    let curve = LossCurve {
        inner: ctx.progress,
        losses: std::sync::Mutex::new(Vec::new()),
    };
    let model = fit_ials(params, &matrix, &curve, ctx.cancel)?;
    let loss_curve = curve.losses.into_inner().unwrap_or_default();
    let device_note = (ctx.device != crate::device::DeviceChoice::Cpu
        && ctx.device != crate::device::DeviceChoice::Auto)
        .then(|| "iALS solves on the CPU; the device choice does not apply to it".to_string());
    Ok(crate::Fitted {
        model: Box::new(model),
        report: crate::train::TrainReport {
            epochs_run: loss_curve.len(),
            loss_curve,
            device: "cpu".into(),
            ..Default::default()
        },
        device_note,
    })
}
