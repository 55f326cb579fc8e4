//! The validation shoppers a fusion learns from, as weight tuning and
//! stacking both read them: warm shoppers (training events) with a
//! validation item that the run's protocol keeps, their queries, their
//! validation items, and every member's scores for a block of them.

use shoplab_datasets::{Recommender, Sequences, SparseMatrix, UserQuery, Weighting};

use crate::evaluate::EvalOptions;
use crate::metrics::Qrels;
use crate::split::Split;

/// The validation shoppers of a split under a run's protocol.
pub(crate) struct ValidationShoppers {
    train: SparseMatrix,
    sequences: Sequences,
    valid: SparseMatrix,
    exclude_train: bool,
    /// The shoppers scored, evenly spread when capped.
    pub users: Vec<u32>,
}

impl ValidationShoppers {
    /// The shoppers the validation evaluation would score (history from the
    /// training part, `weighting` as the run's), at most `max_users`.
    pub fn new(split: &Split, weighting: Weighting, eval: &EvalOptions, max_users: usize) -> Self {
        let train = split.train.to_matrix(weighting);
        let sequences = split.train.sequences();
        let valid = split.valid.to_matrix(Weighting::Binary);
        let mut me = ValidationShoppers {
            train,
            sequences,
            valid,
            exclude_train: eval.exclude_train,
            users: Vec::new(),
        };
        let mut users: Vec<u32> = (0..me.valid.n_rows as u32)
            .filter(|&u| {
                let hist = me.history(u).0;
                !hist.is_empty() && me.relevant_items(u, hist).next().is_some()
            })
            .collect();
        if users.len() > max_users {
            users = (0..max_users)
                .map(|i| users[i * users.len() / max_users])
                .collect();
        }
        me.users = users;
        me
    }

    /// The training matrix (histories; its popularity is the tie-break prior).
    pub fn train(&self) -> &SparseMatrix {
        &self.train
    }

    fn history(&self, u: u32) -> (&[u32], &[f32]) {
        if (u as usize) < self.train.n_rows {
            self.train.row(u as usize)
        } else {
            (&[][..], &[][..])
        }
    }

    fn relevant_items<'a>(&'a self, u: u32, hist: &'a [u32]) -> impl Iterator<Item = u32> + 'a {
        let items: &[u32] = if (u as usize) < self.valid.n_rows {
            self.valid.row(u as usize).0
        } else {
            &[]
        };
        items
            .iter()
            .copied()
            .filter(move |i| !self.exclude_train || hist.binary_search(i).is_err())
    }

    /// One query per shopper of `block`.
    pub fn queries(&self, block: &[u32]) -> Vec<UserQuery<'_>> {
        block
            .iter()
            .map(|&u| {
                let (history, weights) = self.history(u);
                UserQuery {
                    user: Some(u),
                    history,
                    weights,
                    events: self.sequences.of(u as usize),
                }
            })
            .collect()
    }

    /// A query's shopper's validation items (binary relevance).
    pub fn qrels(&self, q: &UserQuery<'_>) -> Qrels {
        Qrels::binary(self.relevant_items(q.user.unwrap_or(0), q.history))
    }
}

/// Every member's scores for `queries`: one row-major queries x items
/// block per member.
pub(crate) fn score_members(
    members: &[&dyn Recommender],
    queries: &[UserQuery<'_>],
    n_items: usize,
) -> Vec<Vec<f32>> {
    members
        .iter()
        .map(|model| {
            let mut block = vec![0.0; queries.len() * n_items];
            model.score_batch(queries, &mut block);
            block
        })
        .collect()
}
