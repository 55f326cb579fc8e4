//! The one trait every recommender implements, classic or neural.
//!
//! It lives in the lowest crate so that the engine's baselines and the
//! candle models (which must not depend on the engine) share it.

use std::cmp::Ordering;

use crate::interactions::SeqEvent;
use crate::model_state::ModelState;

/// What a recommender is asked about: one shopper and what they did before.
///
/// Two views of the same history: the sorted set (`history`, `weights`) for
/// models that read a shopper as a bag of items, and the time-ordered
/// events (`events`) for sequential models.
#[derive(Debug, Clone, Copy)]
pub struct UserQuery<'a> {
    /// The shopper's dense index, when they were known at training time.
    pub user: Option<u32>,
    /// Items the shopper interacted with (dense indices, ascending, no repeats).
    pub history: &'a [u32],
    /// Interaction strength for each entry of `history` (same length).
    pub weights: &'a [f32],
    /// The shopper's events, oldest first (items may repeat). Empty when the
    /// caller has no order to give (then sequential models read `history`).
    pub events: &'a [SeqEvent],
}

impl<'a> UserQuery<'a> {
    /// A query from the set view only (no event order).
    pub fn from_set(user: Option<u32>, history: &'a [u32], weights: &'a [f32]) -> Self {
        UserQuery {
            user,
            history,
            weights,
            events: &[],
        }
    }
}

/// A trained model that scores every catalog item for a shopper.
pub trait Recommender: Send + Sync {
    /// Short model name, e.g. `ease`.
    fn name(&self) -> &str;

    /// Size of the item universe; `scores` passed in always has this length.
    fn n_items(&self) -> usize;

    /// Writes one score per item into `scores` (higher means recommend sooner).
    ///
    /// `scores` arrives filled with zeros. Items the caller will exclude (the
    /// shopper's training items) may get any score.
    fn score(&self, query: &UserQuery<'_>, scores: &mut [f32]);

    /// Scores a batch of shoppers into `out`, a row-major
    /// `queries.len() x n_items` block that arrives filled with zeros.
    /// Learned models override it to score the batch as one matrix product
    /// on their device; the result must equal calling [`Recommender::score`]
    /// per shopper (up to float rounding).
    fn score_batch(&self, queries: &[UserQuery<'_>], out: &mut [f32]) {
        let n = self.n_items();
        for (q, row) in queries.iter().zip(out.chunks_mut(n.max(1))) {
            self.score(q, row);
        }
    }

    /// The `k` best items for one shopper, best first, with their scores,
    /// skipping `exclude` (sorted ascending), ties broken by `prior` then
    /// the lower index: exactly [`Recommender::score`] followed by
    /// [`top_k_with_prior`]. This is the serving path; models with a faster
    /// way to find the same list (without scoring every item at full
    /// precision) provide [`Recommender::top_k_shortcut`].
    fn top_k(
        &self,
        query: &UserQuery<'_>,
        k: usize,
        exclude: &[u32],
        prior: Option<&[f32]>,
    ) -> Vec<(u32, f32)> {
        self.top_k_shortcut(query, k, exclude, prior)
            .unwrap_or_else(|| top_k_by_scoring(self, query, k, exclude, prior))
    }

    /// A faster exact way to [`Recommender::top_k`], where the model has
    /// one: the same items and scores, or `None` to score every item.
    fn top_k_shortcut(
        &self,
        _query: &UserQuery<'_>,
        _k: usize,
        _exclude: &[u32],
        _prior: Option<&[f32]>,
    ) -> Option<Vec<(u32, f32)>> {
        None
    }

    /// Approximate size of the trained parameters in bytes (for cost reports).
    fn size_bytes(&self) -> usize {
        0
    }

    /// The fitted parameters, to save with the run so the model can be
    /// served later without refitting (see [`crate::ModelState`]).
    fn state(&self) -> ModelState;

    /// Whether the model can rank a shopper it was not fitted on from the
    /// history they bring (most can). Models that learn a vector per
    /// shopper (BPR, NeuMF) cannot: their shoppers without training events
    /// are cold, whatever else they did since.
    fn ranks_from_history(&self) -> bool {
        true
    }

    /// Where the model computes (`cpu`, `cuda:0`, ...).
    fn device(&self) -> String {
        "cpu".into()
    }
}

/// [`Recommender::top_k`] the plain way: every item scored, then the best
/// `k` taken. Overrides fall back on it when their shortcut does not apply.
pub fn top_k_by_scoring<R: Recommender + ?Sized>(
    model: &R,
    query: &UserQuery<'_>,
    k: usize,
    exclude: &[u32],
    prior: Option<&[f32]>,
) -> Vec<(u32, f32)> {
    let mut scores = vec![0f32; model.n_items()];
    model.score(query, &mut scores);
    top_k_with_prior(&scores, k, exclude, prior)
        .into_iter()
        .map(|i| (i, scores[i as usize]))
        .collect()
}

/// Indices of the `k` highest scores, best first, skipping `exclude` (sorted
/// ascending). Ties are broken by the lower item index, so rankings never depend
/// on thread count or batch size.
pub fn top_k(scores: &[f32], k: usize, exclude: &[u32]) -> Vec<u32> {
    top_k_with_prior(scores, k, exclude, None)
}

/// Scores examined per step of [`top_k_with_prior`]'s skip test.
const BLOCK: usize = 64;

/// Best first: higher score, then higher `prior` (when given), then lower
/// item index; NaN scores last. The one order every ShopLab ranking uses.
pub fn rank_order(a: (f32, u32), b: (f32, u32), prior: Option<&[f32]>) -> Ordering {
    b.0.partial_cmp(&a.0)
        .unwrap_or_else(|| a.0.is_nan().cmp(&b.0.is_nan()))
        .then_with(|| match prior {
            Some(p) => p[b.1 as usize].total_cmp(&p[a.1 as usize]),
            None => Ordering::Equal,
        })
        .then(a.1.cmp(&b.1))
}

/// [`top_k`] with a tie-breaker: among equal scores, the item with the
/// higher `prior` (e.g. its training popularity) comes first, then the
/// lower index. `prior`, when given, has one value per item.
pub fn top_k_with_prior(
    scores: &[f32],
    k: usize,
    exclude: &[u32],
    prior: Option<&[f32]>,
) -> Vec<u32> {
    let better = |a: &(f32, u32), b: &(f32, u32)| rank_order(*a, *b, prior);
    if k == 0 {
        return Vec::new();
    }
    // One pass keeping a small buffer: an item no better than the current
    // k-th best can never enter the final top k (the order is total), so
    // most of a large catalog costs one comparison and nothing is copied.
    let limit = (4 * k).max(64);
    let mut cand: Vec<(f32, u32)> = Vec::with_capacity(limit.min(scores.len()) + 1);
    let mut kth: Option<(f32, u32)> = None;
    let mut ex = exclude.iter().peekable();
    for (b, block) in scores.chunks(BLOCK).enumerate() {
        // Once the buffer holds a k-th best with a real score, a block with
        // no score >= it holds nothing that could enter (NaN ranks last, and
        // `>=` keeps equal scores, which the prior or index may still lift):
        // skip it with one branch-free pass that vectorises. On a 100K-item
        // catalog this is most of the work of serving a top 10.
        if let Some((ks, _)) = kth
            && !ks.is_nan()
            && !block.iter().fold(false, |hit, &s| hit | (s >= ks))
        {
            continue;
        }
        for (j, &s) in block.iter().enumerate() {
            let i = (b * BLOCK + j) as u32;
            while ex.peek().is_some_and(|&&e| e < i) {
                ex.next();
            }
            if ex.peek() == Some(&&i) {
                continue;
            }
            if let Some(w) = &kth
                && better(&(s, i), w) != Ordering::Less
            {
                continue;
            }
            cand.push((s, i));
            if cand.len() >= limit {
                cand.select_nth_unstable_by(k - 1, better);
                cand.truncate(k);
                kth = cand.last().copied();
            }
        }
    }
    if cand.len() > k {
        cand.select_nth_unstable_by(k - 1, better);
        cand.truncate(k);
    }
    cand.sort_unstable_by(better);
    cand.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_orders_breaks_ties_and_excludes() {
        let s = [0.5, 0.9, 0.9, 0.1, f32::NAN, 0.7];
        assert_eq!(top_k(&s, 3, &[]), vec![1, 2, 5]);
        assert_eq!(top_k(&s, 3, &[1, 5]), vec![2, 0, 3]);
        assert_eq!(top_k(&s, 10, &[]), vec![1, 2, 5, 0, 3, 4]);
        assert_eq!(top_k(&s, 0, &[]), Vec::<u32>::new());
    }

    #[test]
    fn prior_breaks_ties_before_the_index() {
        let s = [1.0, 2.0, 1.0, 1.0, f32::NAN];
        let prior = [0.0, 0.0, 5.0, 3.0, 9.0];
        // Item 1 leads on score; 2 and 3 beat 0 on the prior; NaN stays last.
        assert_eq!(
            top_k_with_prior(&s, 5, &[], Some(&prior)),
            vec![1, 2, 3, 0, 4]
        );
        assert_eq!(top_k_with_prior(&s, 2, &[1], Some(&prior)), vec![2, 3]);
        assert_eq!(top_k_with_prior(&s, 5, &[], None), top_k(&s, 5, &[]));
    }

    proptest::proptest! {
        /// The one-pass buffer gives exactly the first k of a full sort, on
        /// catalogs larger than its buffer, with ties, NaN, exclusions and a prior.
        #[test]
        fn top_k_equals_the_head_of_a_full_sort(
            raw in proptest::collection::vec(0u8..14, 0..1500),
            k in 1usize..30,
            ex_every in 2usize..9,
            nan_every in 5usize..50,
            with_prior: bool,
        ) {
            let scores: Vec<f32> = raw
                .iter()
                .enumerate()
                .map(|(i, &v)| match v {
                    _ if i % nan_every == 0 => f32::NAN,
                    12 => f32::INFINITY,
                    13 => f32::NEG_INFINITY,
                    v => f32::from(v),
                })
                .collect();
            let prior: Vec<f32> = (0..scores.len()).map(|i| ((i * 7) % 5) as f32).collect();
            let prior = with_prior.then_some(&prior[..]);
            let exclude: Vec<u32> = (0..scores.len() as u32).filter(|i| *i as usize % ex_every == 1).collect();
            let mut all: Vec<(f32, u32)> = scores
                .iter()
                .enumerate()
                .map(|(i, &s)| (s, i as u32))
                .filter(|(_, i)| !exclude.contains(i))
                .collect();
            all.sort_by(|a, b| rank_order(*a, *b, prior));
            let want: Vec<u32> = all.iter().take(k).map(|&(_, i)| i).collect();
            proptest::prop_assert_eq!(top_k_with_prior(&scores, k, &exclude, prior), want);
        }
    }
}
