//! Popularity: the same list for every shopper, all-time or recent.
//!
//! An item's popularity is the number of distinct shoppers who interacted with
//! it (so one shopper's hundred views count once). With a window, only events
//! in the last `window_days` before the newest training event count; with a
//! half-life, each shopper counts `0.5^(age / half_life)` by their latest
//! event on the item, so yesterday's favourites outrank last month's.

use serde::{Deserialize, Serialize};
use shoplab_datasets::{CancelToken, Interactions, ModelState, Progress, Recommender, UserQuery};

use super::check_cancel;
use crate::error::{Error, Result};

const SECONDS_PER_DAY: f64 = 86_400.0;

/// Parameters of [`Popularity`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PopularityParams {
    /// Count only events this many days before the newest training event
    /// (default `None`: all time).
    pub window_days: Option<f64>,
    /// Halve a shopper's weight every this many days of age (default `None`: no decay).
    pub half_life_days: Option<f64>,
}

/// A trained popularity model: one score per item.
#[derive(Debug, Clone)]
pub struct Popularity {
    scores: Vec<f32>,
}

/// Counts distinct shoppers per item (within the window, with decay).
pub fn fit(
    train: &Interactions,
    params: &PopularityParams,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<Popularity> {
    check_cancel(cancel)?;
    for (name, value) in [
        ("window_days", params.window_days),
        ("half_life_days", params.half_life_days),
    ] {
        if let Some(v) = value
            && !(v.is_finite() && v > 0.0)
        {
            return Err(Error::invalid(name, v, "must be a positive number of days"));
        }
    }
    progress.stage("count popularity", Some(train.len() as u64));
    let newest = train.ts.iter().copied().max().unwrap_or(0);
    let oldest_kept = params.window_days.map_or(i64::MIN, |d| {
        newest.saturating_sub((d * SECONDS_PER_DAY) as i64)
    });
    // (item, user, -ts): after sorting, the first entry of each (item, user)
    // pair is that shopper's latest event on the item.
    let mut pairs: Vec<(u32, u32, i64)> = (0..train.len())
        .filter(|&e| train.ts[e] >= oldest_kept)
        .map(|e| (train.items[e], train.users[e], -train.ts[e]))
        .collect();
    pairs.sort_unstable();
    pairs.dedup_by_key(|p| (p.0, p.1));
    let mut scores = vec![0f32; train.n_items as usize];
    for &(item, _, neg_ts) in &pairs {
        let weight = match params.half_life_days {
            Some(h) => {
                let age_days = (newest + neg_ts) as f64 / SECONDS_PER_DAY;
                0.5f64.powf(age_days / h)
            }
            None => 1.0,
        };
        scores[item as usize] += weight as f32;
    }
    progress.advance(train.len() as u64);
    progress.finish_stage();
    Ok(Popularity { scores })
}

impl Recommender for Popularity {
    fn name(&self) -> &str {
        "popularity"
    }

    fn n_items(&self) -> usize {
        self.scores.len()
    }

    fn score(&self, _query: &UserQuery<'_>, scores: &mut [f32]) {
        scores.copy_from_slice(&self.scores);
    }

    fn size_bytes(&self) -> usize {
        self.scores.len() * size_of::<f32>()
    }

    fn state(&self) -> ModelState {
        let mut s = super::saved::state("popularity");
        s.push_f32("scores", &[self.scores.len()], self.scores.clone());
        s
    }
}

impl Popularity {
    /// The model saved by [`Recommender::state`].
    pub fn from_state(state: &ModelState) -> Result<Popularity> {
        super::saved::check(state, "popularity")?;
        Ok(Popularity {
            scores: state.f32("scores", None)?.1.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoplab_datasets::{EventKind, NoProgress, top_k};

    const DAY: i64 = 86_400;

    fn log() -> Interactions {
        let mut log = Interactions::new(4, 4);
        // Item 0: one shopper, three times, long ago.
        for t in 0..3 {
            log.push(0, 0, t, EventKind::View, 1.0);
        }
        // Item 1: two shoppers, long ago. Item 2: one shopper, recently.
        log.push(1, 1, 0, EventKind::View, 1.0);
        log.push(2, 1, DAY, EventKind::View, 1.0);
        log.push(3, 2, 10 * DAY, EventKind::View, 1.0);
        log
    }

    fn fitted(params: PopularityParams) -> Vec<f32> {
        fit(&log(), &params, &NoProgress, &CancelToken::new())
            .unwrap_or_else(|e| panic!("{e}"))
            .scores
    }

    #[test]
    fn all_time_counts_distinct_shoppers() {
        let s = fitted(PopularityParams::default());
        assert_eq!(s, vec![1.0, 2.0, 1.0, 0.0]);
        // Ties (items 0 and 2) go to the lower index.
        assert_eq!(top_k(&s, 4, &[]), vec![1, 0, 2, 3]);
    }

    #[test]
    fn window_keeps_recent_events_only() {
        let s = fitted(PopularityParams {
            window_days: Some(9.5),
            half_life_days: None,
        });
        assert_eq!(s, vec![0.0, 1.0, 1.0, 0.0]);
    }

    #[test]
    fn half_life_decays_by_latest_event() {
        let s = fitted(PopularityParams {
            window_days: None,
            half_life_days: Some(9.0),
        });
        // Item 1: ages 10 and 9 days; item 2: age 0.
        let expected = 0.5f32.powf(10.0 / 9.0) + 0.5;
        assert!((s[1] - expected).abs() < 1e-6, "{s:?}");
        assert!((s[2] - 1.0).abs() < 1e-6);
        assert!(s[0] < s[1]);
    }

    #[test]
    fn refuses_non_positive_windows() {
        let err = fit(
            &log(),
            &PopularityParams {
                window_days: Some(0.0),
                half_life_days: None,
            },
            &NoProgress,
            &CancelToken::new(),
        )
        .map(|_| ())
        .unwrap_err();
        assert!(err.to_string().contains("window_days"), "{err}");
    }
}
