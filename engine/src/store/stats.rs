//! Data-health figures of a store: sizes, time span, sparsity, cold users and
//! items, and events per day for the GUI's timeline.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shoplab_datasets::EventKind;

use super::read::kind_at;
use super::{ImportRecord, Store};
use crate::error::Result;

/// Users or items with fewer item events than this count as cold.
pub const COLD_THRESHOLD: u32 = 5;
/// Seconds per day, for the per-day histogram (UTC days).
const DAY_SECONDS: i64 = 86_400;

/// Events on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// Unix seconds of the day's midnight (UTC).
    pub day: i64,
    /// Events that day.
    pub events: u64,
    /// Events that day per kind (kinds without events left out).
    #[serde(default)]
    pub by_kind: BTreeMap<EventKind, u64>,
}

/// What a store holds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StoreStats {
    /// Items in the catalog (including placeholders).
    pub items: u64,
    /// Users.
    pub users: u64,
    /// Events of all kinds.
    pub events: u64,
    /// Events per kind (kinds without events are left out).
    pub events_by_kind: BTreeMap<EventKind, u64>,
    /// Events that name an item.
    pub item_events: u64,
    /// Distinct (user, item) pairs among item events.
    pub user_item_pairs: u64,
    /// Share of the user x item matrix that is empty, 0..=1 (1 when empty).
    pub sparsity: f64,
    /// Users with fewer than [`COLD_THRESHOLD`] item events.
    pub cold_users: u64,
    /// Items with fewer than [`COLD_THRESHOLD`] item events.
    pub cold_items: u64,
    /// Search judgments.
    pub judgments: u64,
    /// Distinct queries among judgments.
    pub judged_queries: u64,
    /// Distinct search queries among events.
    pub distinct_queries: u64,
    /// Time of the first event (Unix seconds).
    pub first_ts: Option<i64>,
    /// Time of the last event (Unix seconds).
    pub last_ts: Option<i64>,
    /// Events per UTC day, days in order (days without events left out).
    pub events_per_day: Vec<DayCount>,
    /// Imports in the history.
    pub imports: u64,
    /// Rows rejected over all imports.
    pub rejected_rows: u64,
    /// Files whose latest import stopped part-way (cancelled, failed or
    /// killed), so the store holds only part of them; importing each again
    /// resumes it.
    #[serde(default)]
    pub unfinished_imports: Vec<ImportRecord>,
    /// Files whose reader made up the event times because the data has none
    /// (Instacart: every shopper's first order on 2017-01-01, later orders
    /// by their days since the prior order), so calendar dates (and the
    /// per-day counts) mean nothing across shoppers.
    #[serde(default)]
    pub derived_times: Vec<std::path::PathBuf>,
}

impl Store {
    /// Computes the store's statistics in one pass over the events.
    pub fn stats(&self) -> Result<StoreStats> {
        let mut stats = self.compute_stats().map_err(|e| self.err(e))?;
        stats.unfinished_imports = self.unfinished_imports()?;
        let mut derived: Vec<std::path::PathBuf> = self
            .imports()?
            .into_iter()
            .filter(|i| {
                i.format
                    .parse::<shoplab_datasets::read::Format>()
                    .is_ok_and(shoplab_datasets::read::Format::times_derived)
            })
            .map(|i| i.file)
            .collect();
        derived.dedup();
        stats.derived_times = derived;
        Ok(stats)
    }

    fn compute_stats(&self) -> rusqlite::Result<StoreStats> {
        let n_users = self.count_dense("users")?;
        let n_items = self.count_dense("items")?;
        let count = |sql: &str| -> rusqlite::Result<u64> {
            let n: i64 = self.conn.query_row(sql, [], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        let mut stats = StoreStats {
            items: u64::from(n_items),
            users: u64::from(n_users),
            judgments: count("SELECT COUNT(*) FROM judgments")?,
            judged_queries: count("SELECT COUNT(DISTINCT query) FROM judgments")?,
            distinct_queries: count(
                "SELECT COUNT(DISTINCT query_id) FROM events WHERE query_id IS NOT NULL",
            )?,
            imports: count("SELECT COUNT(*) FROM imports")?,
            rejected_rows: count("SELECT COUNT(*) FROM rejected_rows")?,
            ..StoreStats::default()
        };

        let mut per_user = vec![0u32; n_users as usize];
        let mut per_item = vec![0u32; n_items as usize];
        // (user, item) packed in one u64 so sorting and deduplicating is cheap.
        let mut pairs: Vec<u64> = Vec::new();
        // Per day: counts indexed by `EventKind::code` (cheaper than a map per event).
        let mut per_day: BTreeMap<i64, [u64; 6]> = BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare("SELECT ts, user_idx, item_idx, kind FROM events")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let ts: i64 = r.get(0)?;
            let user: u32 = r.get(1)?;
            let item: Option<u32> = r.get(2)?;
            let kind = kind_at(r, 3)?;
            *stats.events_by_kind.entry(kind).or_default() += 1;
            stats.events += 1;
            stats.first_ts = Some(stats.first_ts.map_or(ts, |t| t.min(ts)));
            stats.last_ts = Some(stats.last_ts.map_or(ts, |t| t.max(ts)));
            per_day
                .entry(ts.div_euclid(DAY_SECONDS) * DAY_SECONDS)
                .or_default()[usize::from(kind.code())] += 1;
            if let Some(item) = item {
                stats.item_events += 1;
                if let Some(c) = per_user.get_mut(user as usize) {
                    *c += 1;
                }
                if let Some(c) = per_item.get_mut(item as usize) {
                    *c += 1;
                }
                pairs.push(u64::from(user) << 32 | u64::from(item));
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        stats.user_item_pairs = pairs.len() as u64;
        let cells = f64::from(n_users) * f64::from(n_items);
        stats.sparsity = if cells > 0.0 {
            1.0 - pairs.len() as f64 / cells
        } else {
            1.0
        };
        stats.cold_users = per_user.iter().filter(|&&c| c < COLD_THRESHOLD).count() as u64;
        stats.cold_items = per_item.iter().filter(|&&c| c < COLD_THRESHOLD).count() as u64;
        stats.events_per_day = per_day
            .into_iter()
            .map(|(day, counts)| DayCount {
                day,
                events: counts.iter().sum(),
                by_kind: EventKind::ALL
                    .into_iter()
                    .filter(|k| counts[usize::from(k.code())] > 0)
                    .map(|k| (k, counts[usize::from(k.code())]))
                    .collect(),
            })
            .collect();
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use shoplab_datasets::{CancelToken, NoProgress};

    use super::*;
    use crate::store::ImportOptions;
    use crate::store::fixtures::{event, ok, source, temp_store};

    #[test]
    fn counts_sparsity_cold_and_days() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        assert_eq!(store.stats()?.sparsity, 1.0);
        let mut records: Vec<_> = (0..6)
            .map(|t| event(t * 3600, "heavy", "i0", EventKind::View))
            .collect();
        records.push(event(DAY_SECONDS + 10, "light", "i1", EventKind::Purchase));
        records.push(event(DAY_SECONDS + 20, "light", "i1", EventKind::Purchase));
        store.import(
            ok(records),
            &source("a"),
            &ImportOptions::default(),
            &NoProgress,
            &CancelToken::new(),
        )?;
        let s = store.stats()?;
        assert_eq!((s.items, s.users, s.events, s.item_events), (2, 2, 8, 8));
        assert_eq!(s.events_by_kind.get(&EventKind::View), Some(&6));
        assert_eq!(s.events_by_kind.get(&EventKind::Purchase), Some(&2));
        assert_eq!(s.user_item_pairs, 2);
        assert!((s.sparsity - 0.5).abs() < 1e-12);
        assert_eq!((s.cold_users, s.cold_items), (1, 1));
        assert_eq!((s.first_ts, s.last_ts), (Some(0), Some(DAY_SECONDS + 20)));
        assert_eq!(
            s.events_per_day,
            vec![
                DayCount {
                    day: 0,
                    events: 6,
                    by_kind: [(EventKind::View, 6)].into()
                },
                DayCount {
                    day: DAY_SECONDS,
                    events: 2,
                    by_kind: [(EventKind::Purchase, 2)].into()
                }
            ]
        );
        assert_eq!((s.imports, s.rejected_rows), (1, 0));
        Ok(())
    }
}
