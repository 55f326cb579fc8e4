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
}

impl NegativeSampler {
    /// The sampler for a training log.
    pub fn new(train: &Interactions) -> Self {
        let m = train.to_matrix(Weighting::Binary);
        NegativeSampler {
            indptr: m.indptr,
            items: m.indices,
            n_items: train.n_items,
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
        if u + 1 >= self.indptr.len() {
            return false;
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
