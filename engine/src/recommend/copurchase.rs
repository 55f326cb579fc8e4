//! "Frequently bought together": item pairs bought by the same shopper within
//! a basket window.
//!
//! Only purchase and add-to-cart events count, unless the log has none (then
//! every event counts, so view-only shops still get a model). Each shopper
//! counts a pair at most once. A pair is scored by confidence
//! `P(b | a) = co(a, b) / buyers(a)` or by lift
//! `co(a, b) · buyers / (buyers(a) · buyers(b))`. A shopper's score for an item
//! sums the pair scores from their `recent` latest items.

use serde::{Deserialize, Serialize};
use shoplab_datasets::{
    CancelToken, EventKind, Interactions, ModelState, Progress, Recommender, UserQuery,
};

use super::check_cancel;
use crate::error::{Error, Result};

/// How an item pair is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoPurchaseScore {
    /// Share of the first item's buyers who also bought the second.
    #[default]
    Confidence,
    /// How much more often the pair is bought together than by chance.
    Lift,
}

/// Parameters of [`CoPurchase`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CoPurchaseParams {
    /// Two events at most this many seconds apart are one basket (default 3600; same second counts).
    pub window_seconds: i64,
    /// Pair score (default confidence).
    pub score: CoPurchaseScore,
    /// Latest items of the shopper that seed the recommendations (default 5).
    pub recent: usize,
    /// Best partners kept per item, to bound memory (default 100).
    pub neighbours: usize,
}

impl Default for CoPurchaseParams {
    fn default() -> Self {
        CoPurchaseParams {
            window_seconds: 3_600,
            score: CoPurchaseScore::Confidence,
            recent: 5,
            neighbours: 100,
        }
    }
}

/// A trained co-purchase model.
#[derive(Debug, Clone)]
pub struct CoPurchase {
    n_items: usize,
    /// Item `a`'s partners span `partner_ptr[a]..partner_ptr[a + 1]`.
    partner_ptr: Vec<usize>,
    partners: Vec<u32>,
    partner_scores: Vec<f32>,
    /// Each training shopper's latest distinct items, newest first.
    recent_ptr: Vec<usize>,
    recent: Vec<u32>,
}

/// Counts co-purchases in `train`.
pub fn fit(
    train: &Interactions,
    params: &CoPurchaseParams,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<CoPurchase> {
    check_cancel(cancel)?;
    if params.window_seconds < 0 {
        return Err(Error::invalid(
            "window_seconds",
            params.window_seconds,
            "must be 0 or more seconds",
        ));
    }
    for (name, v) in [("recent", params.recent), ("neighbours", params.neighbours)] {
        if v == 0 {
            return Err(Error::invalid(name, v, "must be at least 1"));
        }
    }
    progress.stage("co-purchase pairs", Some(u64::from(train.n_users)));
    let n_items = train.n_items as usize;
    let is_basket = |k: EventKind| matches!(k, EventKind::Purchase | EventKind::Cart);
    let any_basket = train.kinds.iter().any(|&k| is_basket(k));
    // Events by shopper, then time (ties by item, then position: deterministic).
    let mut order: Vec<usize> = (0..train.len()).collect();
    order.sort_unstable_by_key(|&e| (train.users[e], train.ts[e], train.items[e], e));

    let mut buyers = vec![0u32; n_items];
    let mut n_buyers = 0u32;
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut user_pairs: Vec<(u32, u32)> = Vec::new();
    let mut user_items: Vec<u32> = Vec::new();
    let mut basket: Vec<(i64, u32)> = Vec::new();
    let mut recent_ptr = vec![0usize];
    let mut recent = Vec::new();
    let mut start = 0;
    for user in 0..train.n_users {
        if user % 1024 == 0 {
            check_cancel(cancel)?;
        }
        let end = start
            + order[start..]
                .iter()
                .take_while(|&&e| train.users[e] == user)
                .count();
        let events = &order[start..end];
        start = end;
        // Latest distinct items, of any kind, newest first.
        for &e in events.iter().rev() {
            let item = train.items[e];
            let kept = &recent[recent_ptr[recent_ptr.len() - 1]..];
            if kept.len() == params.recent {
                break;
            }
            if !kept.contains(&item) {
                recent.push(item);
            }
        }
        recent_ptr.push(recent.len());

        basket.clear();
        basket.extend(
            events
                .iter()
                .filter(|&&e| !any_basket || is_basket(train.kinds[e]))
                .map(|&e| (train.ts[e], train.items[e])),
        );
        if basket.is_empty() {
            continue;
        }
        n_buyers += 1;
        user_items.clear();
        user_items.extend(basket.iter().map(|b| b.1));
        user_items.sort_unstable();
        user_items.dedup();
        for &i in &user_items {
            buyers[i as usize] += 1;
        }
        user_pairs.clear();
        for (i, &(t, a)) in basket.iter().enumerate() {
            for &(_, b) in basket[i + 1..]
                .iter()
                .take_while(|(u, _)| u - t <= params.window_seconds)
            {
                if a != b {
                    user_pairs.push((a.min(b), a.max(b)));
                }
            }
        }
        user_pairs.sort_unstable();
        user_pairs.dedup();
        pairs.extend_from_slice(&user_pairs);
    }
    progress.advance(u64::from(train.n_users));
    pairs.sort_unstable();

    // Directed pair scores, grouped by the first item.
    let mut directed: Vec<(u32, f32, u32)> = Vec::new();
    for run in pairs.chunk_by(|x, y| x == y) {
        let (a, b) = run[0];
        let co = run.len() as f32;
        for (x, y) in [(a, b), (b, a)] {
            let s = match params.score {
                CoPurchaseScore::Confidence => co / buyers[x as usize] as f32,
                CoPurchaseScore::Lift => {
                    co * n_buyers as f32 / (buyers[x as usize] as f32 * buyers[y as usize] as f32)
                }
            };
            directed.push((x, s, y));
        }
    }
    // Per item: best score first, ties to the lower partner; keep the best few.
    directed.sort_unstable_by(|p, q| p.0.cmp(&q.0).then(q.1.total_cmp(&p.1)).then(p.2.cmp(&q.2)));
    let mut partner_ptr = vec![0usize; n_items + 1];
    let mut partners = Vec::new();
    let mut partner_scores = Vec::new();
    for group in directed.chunk_by(|p, q| p.0 == q.0) {
        for &(_, s, y) in group.iter().take(params.neighbours) {
            partners.push(y);
            partner_scores.push(s);
        }
        partner_ptr[group[0].0 as usize + 1] = group.len().min(params.neighbours);
    }
    for i in 0..n_items {
        partner_ptr[i + 1] += partner_ptr[i];
    }
    progress.finish_stage();
    Ok(CoPurchase {
        n_items,
        partner_ptr,
        partners,
        partner_scores,
        recent_ptr,
        recent,
    })
}

impl CoPurchase {
    fn add_partners(&self, item: u32, scores: &mut [f32]) {
        let item = item as usize;
        if item < self.n_items {
            let span = self.partner_ptr[item]..self.partner_ptr[item + 1];
            for (&b, &s) in self.partners[span.clone()]
                .iter()
                .zip(&self.partner_scores[span])
            {
                scores[b as usize] += s;
            }
        }
    }
}

impl Recommender for CoPurchase {
    fn name(&self) -> &str {
        "co_purchase"
    }

    fn n_items(&self) -> usize {
        self.n_items
    }

    /// Seeds with the shopper's latest training items when they were known at
    /// training time; a new shopper's query has no times, so all of its
    /// history seeds.
    fn score(&self, query: &UserQuery<'_>, scores: &mut [f32]) {
        match query.user.map(|u| u as usize) {
            Some(u)
                if u + 1 < self.recent_ptr.len() && self.recent_ptr[u] < self.recent_ptr[u + 1] =>
            {
                for &item in &self.recent[self.recent_ptr[u]..self.recent_ptr[u + 1]] {
                    self.add_partners(item, scores);
                }
            }
            _ => {
                for &item in query.history {
                    self.add_partners(item, scores);
                }
            }
        }
    }

    fn size_bytes(&self) -> usize {
        (self.partner_ptr.len() + self.recent_ptr.len()) * size_of::<usize>()
            + self.partners.len() * (size_of::<u32>() + size_of::<f32>())
            + self.recent.len() * size_of::<u32>()
    }

    fn state(&self) -> ModelState {
        let mut s = super::saved::state("co_purchase");
        s.meta("n_items", self.n_items)
            .push_offsets("partner_ptr", &self.partner_ptr)
            .push_u32("partners", &[self.partners.len()], self.partners.clone())
            .push_f32(
                "partner_scores",
                &[self.partner_scores.len()],
                self.partner_scores.clone(),
            )
            .push_offsets("recent_ptr", &self.recent_ptr)
            .push_u32("recent", &[self.recent.len()], self.recent.clone());
        s
    }
}

impl CoPurchase {
    /// The model saved by [`Recommender::state`].
    pub fn from_state(state: &ModelState) -> Result<CoPurchase> {
        super::saved::check(state, "co_purchase")?;
        let n_items = state.meta_usize("n_items")?;
        let partner_ptr = state.offsets("partner_ptr")?;
        let partners = state.u32("partners", None)?.1.to_vec();
        let partner_scores = state
            .f32("partner_scores", Some(&[partners.len()]))?
            .1
            .to_vec();
        let recent_ptr = state.offsets("recent_ptr")?;
        let recent = state.u32("recent", None)?.1.to_vec();
        let fits = partner_ptr.len() == n_items + 1
            && partner_ptr.last() == Some(&partners.len())
            && recent_ptr.last() == Some(&recent.len())
            && partners
                .iter()
                .chain(&recent)
                .all(|&i| (i as usize) < n_items);
        if !fits {
            return Err(super::saved::malformed(
                "co_purchase",
                "its lists do not match its item count",
            ));
        }
        Ok(CoPurchase {
            n_items,
            partner_ptr,
            partners,
            partner_scores,
            recent_ptr,
            recent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoplab_datasets::NoProgress;

    fn log() -> Interactions {
        let mut log = Interactions::new(4, 4);
        log.push(0, 0, 0, EventKind::Purchase, 1.0);
        log.push(0, 1, 100, EventKind::Cart, 1.0);
        log.push(0, 2, 10_000, EventKind::Purchase, 1.0); // a later basket
        log.push(1, 1, 3_600, EventKind::Purchase, 1.0); // exactly one window apart
        log.push(1, 0, 0, EventKind::Purchase, 1.0);
        log.push(1, 0, 50, EventKind::Purchase, 1.0); // repeat: still one pair
        log.push(2, 2, 5, EventKind::Purchase, 1.0);
        log.push(2, 0, 5, EventKind::Purchase, 1.0); // same second counts
        log.push(3, 3, 5, EventKind::View, 1.0); // views are ignored when purchases exist
        log.push(3, 0, 5, EventKind::View, 1.0);
        log
    }

    fn model(score: CoPurchaseScore, recent: usize) -> CoPurchase {
        let params = CoPurchaseParams {
            score,
            recent,
            ..CoPurchaseParams::default()
        };
        fit(&log(), &params, &NoProgress, &CancelToken::new()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn partners(m: &CoPurchase, item: usize) -> Vec<(u32, f32)> {
        let span = m.partner_ptr[item]..m.partner_ptr[item + 1];
        m.partners[span.clone()]
            .iter()
            .copied()
            .zip(m.partner_scores[span].iter().copied())
            .collect()
    }

    #[test]
    fn confidence_of_hand_counted_pairs() {
        // Buyers: item 0: 3, item 1: 2, item 2: 2. Pairs: (0,1) by 2 shoppers, (0,2) by 1.
        let m = model(CoPurchaseScore::Confidence, 5);
        assert_eq!(partners(&m, 0), vec![(1, 2.0 / 3.0), (2, 1.0 / 3.0)]);
        assert_eq!(partners(&m, 1), vec![(0, 1.0)]);
        assert_eq!(partners(&m, 2), vec![(0, 0.5)]);
        assert_eq!(partners(&m, 3), vec![]);
    }

    #[test]
    fn lift_of_hand_counted_pairs() {
        // 3 shoppers bought something: lift(0,1) = 2·3 / (3·2), lift(0,2) = 1·3 / (3·2).
        let m = model(CoPurchaseScore::Lift, 5);
        assert_eq!(partners(&m, 0), vec![(1, 1.0), (2, 0.5)]);
        assert_eq!(partners(&m, 2), vec![(0, 0.5)]);
    }

    #[test]
    fn scores_from_recent_items_or_the_whole_history() {
        let m = model(CoPurchaseScore::Confidence, 1);
        // Shopper 0's latest item is 2, whose only partner is 0.
        let mut s = [0.0; 4];
        m.score(
            &UserQuery {
                user: Some(0),
                history: &[0, 1, 2],
                weights: &[1.0; 3],
                events: &[],
            },
            &mut s,
        );
        assert_eq!(s, [0.5, 0.0, 0.0, 0.0]);
        // A new shopper: every history item seeds.
        let mut s = [0.0; 4];
        m.score(
            &UserQuery {
                user: None,
                history: &[1, 2],
                weights: &[1.0; 2],
                events: &[],
            },
            &mut s,
        );
        assert_eq!(s, [1.5, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn view_only_logs_use_every_event() {
        let mut log = Interactions::new(1, 3);
        log.push(0, 0, 0, EventKind::View, 1.0);
        log.push(0, 2, 10, EventKind::View, 1.0);
        let m = fit(
            &log,
            &CoPurchaseParams::default(),
            &NoProgress,
            &CancelToken::new(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(partners(&m, 0), vec![(2, 1.0)]);
    }
}
