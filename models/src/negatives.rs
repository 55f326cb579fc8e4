//! Negative sampling: items a user has not interacted with, uniformly (as RecBole).

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use shoplab_datasets::{Interactions, Weighting};

/// Each user's training items (sorted) for rejection sampling.
#[derive(Debug, Clone)]
pub struct NegativeSampler {
    indptr: Vec<usize>,
    items: Vec<u32>,
    n_items: u32,
    /// One bit per (user, item) when that fits in [`BITSET_MAX_BITS`]: an
    /// O(1) test instead of a binary search (a third of a BPR epoch otherwise).
    bits: Option<Vec<u64>>,
}

/// Largest user x item bitset kept (32 MiB).
const BITSET_MAX_BITS: usize = 1 << 28;

impl NegativeSampler {
    /// The sampler for a training log.
    pub fn new(train: &Interactions) -> Self {
        let m = train.to_matrix(Weighting::Binary);
        let n_items = train.n_items as usize;
        let total = m.n_rows.saturating_mul(n_items);
        let bits = (total <= BITSET_MAX_BITS).then(|| {
            let mut b = vec![0u64; total.div_ceil(64)];
            for u in 0..m.n_rows {
                for &i in &m.indices[m.indptr[u]..m.indptr[u + 1]] {
                    let k = u * n_items + i as usize;
                    b[k / 64] |= 1 << (k % 64);
                }
            }
            b
        });
        NegativeSampler {
            indptr: m.indptr,
            items: m.indices,
            n_items: train.n_items,
            bits,
        }
    }

    /// The distinct `(user, item)` pairs of the log, by user then item.
    pub fn positives(&self) -> (Vec<u32>, Vec<u32>) {
        let mut users = Vec::with_capacity(self.items.len());
        for u in 0..self.indptr.len().saturating_sub(1) {
            users.extend(std::iter::repeat_n(
                u as u32,
                self.indptr[u + 1] - self.indptr[u],
            ));
        }
        (users, self.items.clone())
    }

    /// True when `user` interacted with `item` in training.
    pub fn seen(&self, user: u32, item: u32) -> bool {
        let u = user as usize;
        if u + 1 >= self.indptr.len() || item >= self.n_items {
            return false;
        }
        if let Some(b) = &self.bits {
            let k = u * self.n_items as usize + item as usize;
            return b[k / 64] >> (k % 64) & 1 == 1;
        }
        self.items[self.indptr[u]..self.indptr[u + 1]]
            .binary_search(&item)
            .is_ok()
    }

    /// A uniformly drawn item `user` has not interacted with (any item when
    /// the user has seen nearly all of them).
    pub fn sample(&self, user: u32, rng: &mut ChaCha8Rng) -> u32 {
        let mut item = 0;
        for _ in 0..64 {
            item = rng.random_range(0..self.n_items.max(1));
            if !self.seen(user, item) {
                return item;
            }
        }
        item
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use shoplab_datasets::EventKind;

    #[test]
    fn samples_only_unseen_items_with_and_without_the_bitset() {
        let mut log = Interactions::new(3, 10);
        for i in [0, 2, 3, 9] {
            log.push(1, i, 0, EventKind::View, 1.0);
        }
        let mut s = NegativeSampler::new(&log);
        for slow in [false, true] {
            if slow {
                s.bits = None;
            }
            assert!(s.seen(1, 3) && !s.seen(1, 4) && !s.seen(0, 3) && !s.seen(7, 0));
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            let drawn: std::collections::BTreeSet<u32> =
                (0..500).map(|_| s.sample(1, &mut rng)).collect();
            assert_eq!(
                drawn.into_iter().collect::<Vec<_>>(),
                vec![1, 4, 5, 6, 7, 8]
            );
        }
        assert_eq!(s.positives(), (vec![1, 1, 1, 1], vec![0, 2, 3, 9]));
    }
}
