//! In-memory interaction log and the sparse user x item matrix built from it.
//!
//! This is what every recommender trains on: users and items are dense
//! indices (`0..n_users`, `0..n_items`) assigned by the event store, so the
//! same index always means the same shopper or product within a project.

use serde::{Deserialize, Serialize};

use crate::model::EventKind;

/// Column-oriented log of interactions (one entry per event that names an item).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Interactions {
    /// Number of users; every `users[i] < n_users`.
    pub n_users: u32,
    /// Number of items; every `items[i] < n_items`.
    pub n_items: u32,
    /// User index per event.
    pub users: Vec<u32>,
    /// Item index per event.
    pub items: Vec<u32>,
    /// Unix seconds per event.
    pub ts: Vec<i64>,
    /// Event kind per event.
    pub kinds: Vec<EventKind>,
    /// Rating / quantity per event (1.0 when the source has none).
    pub values: Vec<f32>,
}

impl Interactions {
    /// An empty log over a fixed universe of users and items.
    pub fn new(n_users: u32, n_items: u32) -> Self {
        Interactions {
            n_users,
            n_items,
            ..Default::default()
        }
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// True when there are no events.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Appends one event. Indices must be inside the universe.
    pub fn push(&mut self, user: u32, item: u32, ts: i64, kind: EventKind, value: f32) {
        debug_assert!(user < self.n_users && item < self.n_items);
        self.users.push(user);
        self.items.push(item);
        self.ts.push(ts);
        self.kinds.push(kind);
        self.values.push(value);
    }

    /// The subset of events at the given positions, over the same universe.
    pub fn select(&self, rows: &[usize]) -> Interactions {
        let mut out = Interactions::new(self.n_users, self.n_items);
        out.users.reserve(rows.len());
        out.items.reserve(rows.len());
        out.ts.reserve(rows.len());
        out.kinds.reserve(rows.len());
        out.values.reserve(rows.len());
        for &r in rows {
            out.push(
                self.users[r],
                self.items[r],
                self.ts[r],
                self.kinds[r],
                self.values[r],
            );
        }
        out
    }

    /// Builds the user x item matrix: duplicate (user, item) pairs are merged
    /// with `weighting`, and each row's columns are sorted ascending.
    pub fn to_matrix(&self, weighting: Weighting) -> SparseMatrix {
        let n_rows = self.n_users as usize;
        let mut counts = vec![0usize; n_rows + 1];
        for &u in &self.users {
            counts[u as usize + 1] += 1;
        }
        for i in 0..n_rows {
            counts[i + 1] += counts[i];
        }
        // Bucket events by user, then sort and merge each row.
        let mut next = counts.clone();
        let mut cols = vec![0u32; self.len()];
        let mut vals = vec![0f32; self.len()];
        for e in 0..self.len() {
            let u = self.users[e] as usize;
            let slot = next[u];
            next[u] += 1;
            cols[slot] = self.items[e];
            vals[slot] = weighting.weight(self.kinds[e], self.values[e]);
        }
        let mut indptr = Vec::with_capacity(n_rows + 1);
        let mut indices = Vec::with_capacity(self.len());
        let mut data = Vec::with_capacity(self.len());
        indptr.push(0usize);
        let mut pairs: Vec<(u32, f32)> = Vec::new();
        for u in 0..n_rows {
            pairs.clear();
            pairs.extend((counts[u]..counts[u + 1]).map(|s| (cols[s], vals[s])));
            pairs.sort_unstable_by_key(|p| p.0);
            let mut i = 0;
            while i < pairs.len() {
                let col = pairs[i].0;
                let mut acc = pairs[i].1;
                let mut j = i + 1;
                while j < pairs.len() && pairs[j].0 == col {
                    acc = weighting.merge(acc, pairs[j].1);
                    j += 1;
                }
                indices.push(col);
                data.push(acc);
                i = j;
            }
            indptr.push(indices.len());
        }
        SparseMatrix {
            n_rows,
            n_cols: self.n_items as usize,
            indptr,
            indices,
            data,
        }
    }
}

/// One event of a shopper's history, as sequential models read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqEvent {
    /// Item index.
    pub item: u32,
    /// What the shopper did.
    pub kind: EventKind,
    /// Unix seconds.
    pub ts: i64,
}

/// Every shopper's events in time order (CSR by user): the view sequential
/// models train and score on. Equal times keep the log's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sequences {
    /// User `u`'s events span `indptr[u]..indptr[u + 1]`.
    pub indptr: Vec<usize>,
    /// Events, grouped by user, oldest first.
    pub events: Vec<SeqEvent>,
}

impl Sequences {
    /// User `u`'s events, oldest first (empty for users beyond the log).
    pub fn of(&self, user: usize) -> &[SeqEvent] {
        match (self.indptr.get(user), self.indptr.get(user + 1)) {
            (Some(&a), Some(&b)) => &self.events[a..b],
            _ => &[],
        }
    }

    /// Number of users covered.
    pub fn n_users(&self) -> usize {
        self.indptr.len().saturating_sub(1)
    }
}

impl Interactions {
    /// Each user's events in time order (ties keep the log's order).
    pub fn sequences(&self) -> Sequences {
        let n = self.n_users as usize;
        let mut indptr = vec![0usize; n + 1];
        for &u in &self.users {
            indptr[u as usize + 1] += 1;
        }
        for u in 0..n {
            indptr[u + 1] += indptr[u];
        }
        let mut order: Vec<usize> = (0..self.len()).collect();
        // Stable: equal (user, time) keep their position in the log.
        order.sort_by_key(|&e| (self.users[e], self.ts[e]));
        let events = order
            .into_iter()
            .map(|e| SeqEvent {
                item: self.items[e],
                kind: self.kinds[e],
                ts: self.ts[e],
            })
            .collect();
        Sequences { indptr, events }
    }

    /// One user's events in time order (ties keep the log's order): one
    /// pass over the log, for serving a single shopper.
    pub fn events_of(&self, user: u32) -> Vec<SeqEvent> {
        let mut out: Vec<SeqEvent> = (0..self.len())
            .filter(|&e| self.users[e] == user)
            .map(|e| SeqEvent {
                item: self.items[e],
                kind: self.kinds[e],
                ts: self.ts[e],
            })
            .collect();
        out.sort_by_key(|e| e.ts);
        out
    }
}

/// How events become matrix entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weighting {
    /// 1 for any interaction (the standard implicit-feedback protocol).
    #[default]
    Binary,
    /// Number of interactions.
    Count,
    /// Sum of per-kind weights (purchase 4, cart 2, view/click 1).
    KindWeighted,
    /// The event value (e.g. a rating); duplicates keep the latest.
    Value,
}

impl Weighting {
    fn weight(self, kind: EventKind, value: f32) -> f32 {
        match self {
            Weighting::Binary | Weighting::Count => 1.0,
            Weighting::KindWeighted => kind.default_weight().max(1.0),
            Weighting::Value => value,
        }
    }

    fn merge(self, acc: f32, next: f32) -> f32 {
        match self {
            Weighting::Binary => 1.0,
            Weighting::Count | Weighting::KindWeighted => acc + next,
            Weighting::Value => next,
        }
    }
}

/// Compressed sparse rows (CSR) with `f32` values and sorted column indices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseMatrix {
    /// Number of rows.
    pub n_rows: usize,
    /// Number of columns.
    pub n_cols: usize,
    /// Row `r` spans `indptr[r]..indptr[r + 1]`.
    pub indptr: Vec<usize>,
    /// Column index of each stored value.
    pub indices: Vec<u32>,
    /// Stored values.
    pub data: Vec<f32>,
}

impl SparseMatrix {
    /// Column indices and values of one row.
    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let span = self.indptr[r]..self.indptr[r + 1];
        (&self.indices[span.clone()], &self.data[span])
    }

    /// Number of stored values.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// The transpose, also in CSR form with sorted columns.
    pub fn transpose(&self) -> SparseMatrix {
        let mut counts = vec![0usize; self.n_cols + 1];
        for &c in &self.indices {
            counts[c as usize + 1] += 1;
        }
        for i in 0..self.n_cols {
            counts[i + 1] += counts[i];
        }
        let mut next = counts.clone();
        let mut indices = vec![0u32; self.nnz()];
        let mut data = vec![0f32; self.nnz()];
        for r in 0..self.n_rows {
            let (cols, vals) = self.row(r);
            for (&c, &v) in cols.iter().zip(vals) {
                let slot = next[c as usize];
                next[c as usize] += 1;
                // Rows are visited in order, so each output row stays sorted.
                indices[slot] = r as u32;
                data[slot] = v;
            }
        }
        SparseMatrix {
            n_rows: self.n_cols,
            n_cols: self.n_rows,
            indptr: counts,
            indices,
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> Interactions {
        let mut i = Interactions::new(3, 4);
        i.push(0, 2, 10, EventKind::View, 1.0);
        i.push(0, 1, 11, EventKind::Purchase, 1.0);
        i.push(0, 2, 12, EventKind::Cart, 1.0);
        i.push(2, 3, 13, EventKind::Rating, 4.5);
        i
    }

    #[test]
    fn matrix_merges_duplicates_and_sorts_columns() {
        let m = log().to_matrix(Weighting::Count);
        assert_eq!(m.row(0), (&[1u32, 2][..], &[1.0f32, 2.0][..]));
        assert_eq!(m.row(1).0.len(), 0);
        assert_eq!(m.row(2), (&[3u32][..], &[1.0f32][..]));
        let kw = log().to_matrix(Weighting::KindWeighted);
        assert_eq!(kw.row(0).1, &[4.0, 3.0]);
        let v = log().to_matrix(Weighting::Value);
        assert_eq!(v.row(2).1, &[4.5]);
    }

    #[test]
    fn sequences_are_per_user_in_time_order() {
        let mut l = log();
        l.push(0, 0, 5, EventKind::Click, 1.0);
        l.push(0, 3, 11, EventKind::View, 1.0);
        let s = l.sequences();
        let items: Vec<u32> = s.of(0).iter().map(|e| e.item).collect();
        // Time 5 first; the two events at time 11 keep the log's order.
        assert_eq!(items, vec![0, 2, 1, 3, 2]);
        assert!(s.of(1).is_empty());
        assert_eq!(s.of(2).len(), 1);
        assert!(s.of(9).is_empty());
        assert_eq!(s.n_users(), 3);
        assert_eq!(l.events_of(0), s.of(0));
    }

    #[test]
    fn transpose_twice_is_identity() {
        let m = log().to_matrix(Weighting::Binary);
        let t = m.transpose();
        assert_eq!(t.n_rows, 4);
        assert_eq!(t.row(2), (&[0u32][..], &[1.0f32][..]));
        assert_eq!(t.transpose(), m);
    }
}
