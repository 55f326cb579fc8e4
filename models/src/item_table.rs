//! An item table in host memory: one shopper's vector scored against every
//! item row, and their top k served exactly while reading half the bytes.
//!
//! BPR, the two-tower model and the sequential models all end in the same
//! step: a query vector dotted with each row of an `items x d` table. For one
//! shopper that step is a pass over the whole table (25.6 MB for 100K items
//! of 64 floats), so serving time is memory traffic. [`Shortlist`] keeps a
//! bfloat16 copy of the table (half the bytes), scores every item
//! approximately from it, and re-scores in full precision only the items its
//! error bound cannot rule out of the top k; the list it returns is the one
//! full scoring would give, item for item and bit for bit.

use candle_core::Tensor;
use rayon::prelude::*;
use shoplab_datasets::recommender::{rank_order, top_k_with_prior};

use crate::error::{Error, Result};

/// Rows per parallel task: big enough to amortise scheduling, small enough
/// that both cores get work on small catalogs.
const ROWS_PER_TASK: usize = 4096;

/// A dot product with 8 independent sums, so it vectorises (a plain
/// `.sum()` over f32 is one serial chain of additions). Every score a model
/// serves from host memory comes from this one function, so the fast and
/// the plain path agree to the last bit.
#[inline(always)]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// The contiguous f32 values of a CPU tensor, or an error on other devices.
pub(crate) fn with_host<R>(t: &Tensor, f: impl FnOnce(&[f32]) -> R) -> Result<R> {
    let (storage, layout) = t.storage_and_layout();
    match (&*storage, layout.contiguous_offsets()) {
        (candle_core::Storage::Cpu(candle_core::CpuStorage::F32(v)), Some((a, b))) => {
            Ok(f(&v[a..b]))
        }
        _ => Err(Error::Device("expected contiguous f32 CPU weights".into())),
    }
}

/// `out[i] = dot(table row i, q)` for every row of a row-major, `d`-wide
/// table, on all cores.
pub(crate) fn score_rows(table: &[f32], d: usize, q: &[f32], out: &mut [f32]) {
    if d == 0 {
        return;
    }
    out.par_chunks_mut(ROWS_PER_TASK)
        .zip(table.par_chunks(ROWS_PER_TASK * d))
        .for_each(|(out, rows)| scan_rows(rows, d, q, out));
}

/// [`score_rows`] on the calling thread (for callers that split the work
/// themselves), compiled for the CPU's widest registers.
pub(crate) fn scan_rows(table: &[f32], d: usize, q: &[f32], out: &mut [f32]) {
    if d == 0 {
        return;
    }
    pulp::Arch::new().dispatch(Scan {
        out,
        rows: table,
        d,
        q,
    });
}

/// A model's shortlist, built on the first served top k (evaluation never
/// needs it, so a model loaded for evaluation never pays for it).
pub(crate) type LazyShortlist = std::sync::OnceLock<Option<Shortlist>>;

/// One shopper's top k for query vector `q` from `table`, a CPU tensor
/// whose first `n x d` values are the item rows, through `cell`'s shortlist
/// (see [`Shortlist::top_k`]); `None` where it does not apply (another
/// device, a value it cannot bound): then the caller scores every item.
#[allow(clippy::too_many_arguments)]
pub(crate) fn serve_top_k(
    cell: &LazyShortlist,
    table: &Tensor,
    n: usize,
    d: usize,
    q: &[f32],
    k: usize,
    exclude: &[u32],
    prior: Option<&[f32]>,
) -> Option<Vec<(u32, f32)>> {
    if !table.device().is_cpu() {
        return None;
    }
    let shortlist = cell
        .get_or_init(|| {
            with_host(table, |v| v.get(..n * d).and_then(|t| Shortlist::new(t, d)))
                .ok()
                .flatten()
        })
        .as_ref()?;
    with_host(table, |v| {
        shortlist.top_k(q, k, exclude, prior, |i| dot(&v[i * d..(i + 1) * d], q))
    })
    .ok()
    .flatten()
}

/// A row type the scan can dot with a full-precision query.
trait Row: Sized {
    fn dot_with(q: &[f32], row: &[Self]) -> f32;
}

impl Row for f32 {
    #[inline(always)]
    fn dot_with(q: &[f32], row: &[f32]) -> f32 {
        dot(row, q)
    }
}

impl Row for u16 {
    #[inline(always)]
    fn dot_with(q: &[f32], row: &[u16]) -> f32 {
        dot_bf16(q, row)
    }
}

/// One task's rows scored under pulp's CPU-feature dispatch: the same
/// arithmetic compiled for AVX2 (or AVX-512) where the CPU has it. Wider
/// registers, the same operations per lane and no fused multiply-add
/// (Rust never contracts `a * b + c`), so the scores are bit-identical to
/// the baseline build's; the scan takes about half the instructions.
struct Scan<'a, R> {
    out: &'a mut [f32],
    rows: &'a [R],
    d: usize,
    q: &'a [f32],
}

impl<R: Row> pulp::WithSimd for Scan<'_, R> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        for (s, row) in self.out.iter_mut().zip(self.rows.chunks_exact(self.d)) {
            *s = R::dot_with(self.q, row);
        }
    }
}

/// f32 to bfloat16 bits, rounding to nearest (ties to even).
fn to_bf16(x: f32) -> u16 {
    let b = x.to_bits();
    ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) as u16
}

/// [`dot`] of a full-precision query with a bfloat16 row (the same lanes).
#[inline(always)]
fn dot_bf16(q: &[f32], row: &[u16]) -> f32 {
    let wide = |h: u16| f32::from_bits(u32::from(h) << 16);
    let mut acc = [0f32; 8];
    let (cq, cr) = (q.chunks_exact(8), row.chunks_exact(8));
    let tail: f32 = cq
        .remainder()
        .iter()
        .zip(cr.remainder())
        .map(|(x, &y)| x * wide(y))
        .sum();
    for (x, y) in cq.zip(cr) {
        for k in 0..8 {
            acc[k] += x[k] * wide(y[k]);
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// A bfloat16 copy of an item table and the largest row length, for
/// serving one shopper's top k exactly with half the memory traffic.
#[derive(Debug, Clone)]
pub(crate) struct Shortlist {
    rows: Vec<u16>,
    d: usize,
    /// Largest Euclidean row length of the full-precision table.
    max_norm: f64,
}

impl Shortlist {
    /// The copy of a row-major, `d`-wide table; `None` when a value is not
    /// finite or too large for bfloat16 (then serving scores every item).
    pub(crate) fn new(table: &[f32], d: usize) -> Option<Self> {
        if d == 0 || !table.len().is_multiple_of(d) {
            return None;
        }
        let rows: Vec<u16> = table.iter().map(|&x| to_bf16(x)).collect();
        let finite = rows
            .iter()
            .all(|&h| f32::from_bits(u32::from(h) << 16).is_finite());
        if !finite {
            return None;
        }
        let max_norm = table
            .chunks_exact(d)
            .map(|r| r.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>())
            .fold(0f64, f64::max)
            .sqrt();
        Some(Shortlist { rows, d, max_norm })
    }

    /// The best `k` items for query vector `q`, best first, with the scores
    /// `exact(item)` gives, skipping `exclude` (ascending) and breaking ties
    /// by `prior` then the lower index: the same list as scoring every item
    /// with `exact` and taking [`top_k_with_prior`]. `exact` must be a dot
    /// product of `q` with the item's full-precision row (any order of
    /// summation). `None` when the shortcut cannot promise that (a query
    /// value not finite, fewer than `k` items left): score every item then.
    ///
    /// Why it is exact: with `u = 2⁻⁸` (bfloat16's rounding) and `γ` the
    /// f32 rounding of a `d`-term dot product, any item's approximate score
    /// `a` and exact score `s` differ by at most
    /// `B = (u + 3γ)·|q|·max|row|`. The `k` best approximate scores are all
    /// at least `A`, so `k` items score at least `A − B` exactly, and every
    /// member of the exact top `k` has `a ≥ s − B ≥ A − 2B`: re-scoring
    /// those candidates exactly and ranking them gives the exact list.
    pub(crate) fn top_k(
        &self,
        q: &[f32],
        k: usize,
        exclude: &[u32],
        prior: Option<&[f32]>,
        exact: impl Fn(usize) -> f32,
    ) -> Option<Vec<(u32, f32)>> {
        let d = self.d;
        if q.len() != d || !q.iter().all(|x| x.is_finite()) {
            return None;
        }
        let n = self.rows.len() / d;
        if k == 0 {
            return Some(Vec::new());
        }
        let mut approx = vec![0f32; n];
        approx
            .par_chunks_mut(ROWS_PER_TASK)
            .zip(self.rows.par_chunks(ROWS_PER_TASK * d))
            .for_each(|(out, rows)| pulp::Arch::new().dispatch(Scan { out, rows, d, q }));
        let best = top_k_with_prior(&approx, k, exclude, None);
        if best.len() < k {
            return None;
        }
        let kth = best
            .iter()
            .map(|&i| f64::from(approx[i as usize]))
            .fold(f64::INFINITY, f64::min);
        let q_norm = q
            .iter()
            .map(|&x| f64::from(x) * f64::from(x))
            .sum::<f64>()
            .sqrt();
        let unit = f64::from(f32::EPSILON) / 2.0;
        let terms = (d + 10) as f64;
        let gamma = terms * unit / (1.0 - terms * unit);
        // 1% over the bound covers the rounding of the norms themselves;
        // the constant covers bfloat16's subnormals.
        let bound = 1.01 * ((2f64).powi(-8) + 3.0 * gamma) * q_norm * self.max_norm + 1e-30;
        let floor = kth - 2.0 * bound;
        if !kth.is_finite() || !floor.is_finite() {
            return None;
        }
        let mut ex = exclude.iter().peekable();
        let mut cand: Vec<(f32, u32)> = Vec::new();
        for (i, &a) in approx.iter().enumerate() {
            if f64::from(a) < floor {
                continue;
            }
            let i = i as u32;
            while ex.peek().is_some_and(|&&e| e < i) {
                ex.next();
            }
            if ex.peek() == Some(&&i) {
                continue;
            }
            cand.push((exact(i as usize), i));
        }
        cand.sort_unstable_by(|a, b| rank_order(*a, *b, prior));
        cand.truncate(k);
        Some(cand.into_iter().map(|(s, i)| (i, s)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain path: every item scored with [`dot`], then the best `k`.
    fn plain(
        table: &[f32],
        d: usize,
        q: &[f32],
        k: usize,
        ex: &[u32],
        prior: Option<&[f32]>,
    ) -> Vec<(u32, f32)> {
        let mut s = vec![0f32; table.len() / d];
        score_rows(table, d, q, &mut s);
        top_k_with_prior(&s, k, ex, prior)
            .into_iter()
            .map(|i| (i, s[i as usize]))
            .collect()
    }

    #[test]
    fn bf16_rounds_to_nearest_even() {
        assert_eq!(to_bf16(1.0), 0x3F80);
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to even (1).
        assert_eq!(to_bf16(1.0 + 2f32.powi(-8)), 0x3F80);
        assert_eq!(to_bf16(1.0 + 3.0 * 2f32.powi(-8)), 0x3F82);
        assert_eq!(to_bf16(-2.5), 0xC020);
        assert!(Shortlist::new(&[f32::MAX, 0.0], 2).is_none());
        assert!(Shortlist::new(&[f32::NAN, 0.0], 2).is_none());
    }

    #[test]
    fn near_ties_below_bfloat16_precision_are_ranked_exactly() {
        // Rows that differ only past bfloat16's 8 bits, and exact duplicates:
        // the approximate scores tie, the exact ones do not (or tie exactly).
        let d = 3;
        let mut table = Vec::new();
        for i in 0..300 {
            let e = i as f32 * 1e-6;
            table.extend([1.0 + e, 0.5 - e, 0.25]);
        }
        table.extend([1.0, 0.5, 0.25, 1.0, 0.5, 0.25]);
        let q = [0.9, 0.1, -0.3];
        let sl = Shortlist::new(&table, d).unwrap();
        let prior: Vec<f32> = (0..302).map(|i| (i % 3) as f32).collect();
        for p in [None, Some(&prior[..])] {
            let fast = sl
                .top_k(&q, 10, &[5, 299], p, |i| {
                    dot(&table[i * d..(i + 1) * d], &q)
                })
                .unwrap();
            assert_eq!(fast, plain(&table, d, &q, 10, &[5, 299], p));
        }
    }

    #[test]
    fn declines_what_it_cannot_promise() {
        let table = [1.0, 2.0, 3.0, 4.0];
        let sl = Shortlist::new(&table, 2).unwrap();
        let exact = |i: usize| dot(&table[i * 2..i * 2 + 2], &[1.0, 1.0]);
        assert!(sl.top_k(&[f32::NAN, 1.0], 1, &[], None, exact).is_none());
        assert!(sl.top_k(&[1.0, 1.0], 2, &[0], None, exact).is_none());
        assert_eq!(sl.top_k(&[1.0, 1.0], 0, &[], None, exact), Some(vec![]));
    }

    proptest! {
        /// The shortlist's list is the plain list, item for item and bit for
        /// bit, on tables with repeated rows (exact ties), small integers
        /// (many ties), wide ranges, exclusions and a prior.
        #[test]
        fn shortlist_equals_scoring_every_item(
            d in 1usize..20,
            n in 1usize..400,
            k in 1usize..25,
            seed in any::<u64>(),
            scale in prop_oneof![Just(1e-3f32), Just(1.0f32), Just(1e3f32)],
            ints: bool,
            with_prior: bool,
            ex_every in 2usize..11,
        ) {
            use rand::{RngExt, SeedableRng};
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let mut value = || if ints {
                f32::from(rng.random_range(-3i8..4))
            } else {
                (rng.random::<f32>() - 0.5) * scale
            };
            let mut table: Vec<f32> = (0..n * d).map(|_| value()).collect();
            // Every seventh row repeats the row before it.
            for r in (1..n).filter(|r| r % 7 == 0) {
                let (a, b) = table.split_at_mut(r * d);
                b[..d].copy_from_slice(&a[(r - 1) * d..]);
            }
            let q: Vec<f32> = (0..d).map(|_| value()).collect();
            let ex: Vec<u32> = (0..n as u32).filter(|i| *i as usize % ex_every == 3).collect();
            let prior: Vec<f32> = (0..n).map(|i| ((i * 5) % 4) as f32).collect();
            let prior = with_prior.then_some(&prior[..]);
            let sl = Shortlist::new(&table, d).unwrap();
            let fast = sl.top_k(&q, k, &ex, prior, |i| dot(&table[i * d..(i + 1) * d], &q));
            let want = plain(&table, d, &q, k, &ex, prior);
            match fast {
                Some(list) => prop_assert_eq!(
                    list.iter().map(|&(i, s)| (i, s.to_bits())).collect::<Vec<_>>(),
                    want.iter().map(|&(i, s)| (i, s.to_bits())).collect::<Vec<_>>()
                ),
                None => prop_assert!(want.len() < k),
            }
        }
    }
}
