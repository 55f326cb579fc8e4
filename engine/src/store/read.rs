//! Reading stored records back: the catalog, id lookups, interaction logs for
//! training, a shopper's history, judgments and past search queries.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use shoplab_datasets::{EventKind, Interactions, Item};

use super::Store;
use crate::error::Result;
use crate::search::SearchInteraction;

/// Columns read by [`item_from_row`], in order.
const ITEM_COLUMNS: &str =
    "ext_id, title, description, brand, category, price, attributes, image_url";

/// One stored event with dense indices, as shown in the shopper view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Unix seconds.
    pub ts: i64,
    /// Dense user index.
    pub user: u32,
    /// Session id, when the source had one.
    pub session: Option<String>,
    /// Dense item index; `None` for a search without an item.
    pub item: Option<u32>,
    /// What happened.
    pub kind: EventKind,
    /// Search query text, when the event has one.
    pub query: Option<String>,
    /// Rating, quantity or price, depending on the kind.
    pub value: Option<f64>,
    /// 1-based position in the list it was clicked from.
    pub position: Option<u32>,
}

impl Store {
    /// The whole catalog in index order (`items()[i]` has index `i`).
    pub fn items(&self) -> Result<Vec<Item>> {
        let run = || -> rusqlite::Result<Vec<Item>> {
            let sql = format!("SELECT {ITEM_COLUMNS} FROM items ORDER BY idx");
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map([], item_from_row)?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// The item with index `idx`, if any.
    pub fn item(&self, idx: u32) -> Result<Option<Item>> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE idx = ?");
        self.conn
            .query_row(&sql, [idx], item_from_row)
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The index of the item with the shop's id `ext_id`.
    pub fn item_idx(&self, ext_id: &str) -> Result<Option<u32>> {
        self.lookup("SELECT idx FROM items WHERE ext_id = ?", ext_id)
    }

    /// The index of the user with the shop's id `ext_id`.
    pub fn user_idx(&self, ext_id: &str) -> Result<Option<u32>> {
        self.lookup("SELECT idx FROM users WHERE ext_id = ?", ext_id)
    }

    /// The shop's item ids in index order.
    pub fn item_ids(&self) -> Result<Vec<String>> {
        self.strings("SELECT ext_id FROM items ORDER BY idx")
    }

    /// The shop's user ids in index order.
    pub fn user_ids(&self) -> Result<Vec<String>> {
        self.strings("SELECT ext_id FROM users ORDER BY idx")
    }

    /// Item events of the given kinds, ordered by time (ties in import
    /// order), over the universe of all stored users and items. A missing
    /// event value reads as 1.
    pub fn interactions(&self, kinds: &[EventKind]) -> Result<Interactions> {
        let run = || -> rusqlite::Result<Interactions> {
            let n_users = self.count_dense("users")?;
            let n_items = self.count_dense("items")?;
            let mut out = Interactions::new(n_users, n_items);
            if kinds.is_empty() {
                return Ok(out);
            }
            let codes: Vec<String> = kinds.iter().map(|k| k.code().to_string()).collect();
            // A rowid-ordered full scan streams the table as stored; sorting
            // by time in memory afterwards is cheaper than an index walk.
            let sql = format!(
                "SELECT user_idx, item_idx, ts, kind, value FROM events WHERE item_idx IS NOT NULL AND kind IN ({}) ORDER BY rowid",
                codes.join(",")
            );
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query([])?;
            let mut events = Vec::new();
            while let Some(r) = rows.next()? {
                let kind = kind_at(r, 3)?;
                let value = r.get::<_, Option<f64>>(4)?.unwrap_or(1.0) as f32;
                events.push((
                    r.get::<_, i64>(2)?,
                    r.get::<_, u32>(0)?,
                    r.get::<_, u32>(1)?,
                    kind,
                    value,
                ));
            }
            // Stable, so equal times keep rowid order; near-free on the
            // already time-ordered logs most shops export.
            events.sort_by_key(|e| e.0);
            out.users.reserve_exact(events.len());
            out.items.reserve_exact(events.len());
            out.ts.reserve_exact(events.len());
            out.kinds.reserve_exact(events.len());
            out.values.reserve_exact(events.len());
            for (ts, user, item, kind, value) in events {
                out.users.push(user);
                out.items.push(item);
                out.ts.push(ts);
                out.kinds.push(kind);
                out.values.push(value);
            }
            Ok(out)
        };
        run().map_err(|e| self.err(e))
    }

    /// The latest `limit` events of one user, newest first.
    ///
    /// The first call after an import builds the per-user index (seconds on
    /// millions of events; imports skip it to stay fast). A read-only store
    /// without the index scans instead.
    pub fn user_events(&self, user_idx: u32, limit: usize) -> Result<Vec<StoredEvent>> {
        if let Err(e) = self.conn.execute_batch(super::schema::EVENT_INDEXES) {
            tracing::debug!(error = %e, "no per-user event index; scanning");
        }
        let run = || -> rusqlite::Result<Vec<StoredEvent>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT e.ts, e.user_idx, e.session, e.item_idx, e.kind, q.text, e.value, e.position
                 FROM events e LEFT JOIN queries q ON q.id = e.query_id
                 WHERE e.user_idx = ? ORDER BY e.ts DESC, e.rowid DESC LIMIT ?",
            )?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt.query_map((user_idx, limit), |r| {
                Ok(StoredEvent {
                    ts: r.get(0)?,
                    user: r.get(1)?,
                    session: r.get(2)?,
                    item: r.get(3)?,
                    kind: kind_at(r, 4)?,
                    query: r.get(5)?,
                    value: r.get(6)?,
                    position: r.get(7)?,
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// All judgments as `(query, item index, grade)`, by query then item.
    pub fn judgments(&self) -> Result<Vec<(String, u32, f64)>> {
        let run = || -> rusqlite::Result<Vec<(String, u32, f64)>> {
            let mut stmt = self
                .conn
                .prepare("SELECT query, item_idx, grade FROM judgments ORDER BY query, item_idx")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// Every event that carries a search query, ordered by user, then time
    /// (ties in import order): the input of
    /// [`crate::search::derive_judgments`].
    pub fn search_sessions(&self) -> Result<Vec<SearchInteraction>> {
        let run = || -> rusqlite::Result<Vec<SearchInteraction>> {
            let queries = self.query_texts()?;
            let mut stmt = self.conn.prepare(
                "SELECT user_idx, session, ts, kind, item_idx, query_id, position FROM events WHERE query_id IS NOT NULL ORDER BY rowid",
            )?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let query_id: i64 = r.get(5)?;
                let query = usize::try_from(query_id)
                    .ok()
                    .and_then(|i| queries.get(i))
                    .cloned()
                    .unwrap_or_default();
                out.push(SearchInteraction {
                    user: r.get(0)?,
                    session: r.get(1)?,
                    ts: r.get(2)?,
                    kind: kind_at(r, 3)?,
                    item: r.get(4)?,
                    query,
                    position: r.get(6)?,
                });
            }
            out.sort_by_key(|e| (e.user, e.ts));
            Ok(out)
        };
        run().map_err(|e| self.err(e))
    }

    /// Past search queries with how many events carried each, most frequent
    /// first (ties alphabetical).
    pub fn query_counts(&self) -> Result<Vec<(String, u64)>> {
        let run = || -> rusqlite::Result<Vec<(String, u64)>> {
            let mut stmt = self.conn.prepare(
                "SELECT q.text, c.n FROM (SELECT query_id, COUNT(*) AS n FROM events WHERE query_id IS NOT NULL GROUP BY query_id) c
                 JOIN queries q ON q.id = c.query_id ORDER BY c.n DESC, q.text",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get(0)?, u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0)))
            })?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// Query texts indexed by query id (ids are dense from 0).
    fn query_texts(&self) -> rusqlite::Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT text FROM queries ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect()
    }

    /// Number of rows of a table with dense `idx` keys, in O(1).
    pub(super) fn count_dense(&self, table: &str) -> rusqlite::Result<u32> {
        self.conn.query_row(
            &format!("SELECT COALESCE(MAX(idx) + 1, 0) FROM {table}"),
            [],
            |r| r.get(0),
        )
    }

    /// One `idx` looked up by a text key.
    fn lookup(&self, sql: &str, key: &str) -> Result<Option<u32>> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.query_row([key], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))
    }

    /// A column of strings.
    fn strings(&self, sql: &str) -> Result<Vec<String>> {
        let run = || -> rusqlite::Result<Vec<String>> {
            let mut stmt = self.conn.prepare(sql)?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }
}

/// Reads an [`Item`] selected with [`ITEM_COLUMNS`].
fn item_from_row(r: &Row<'_>) -> rusqlite::Result<Item> {
    let category: String = r.get(4)?;
    let attributes: String = r.get(6)?;
    let attributes: BTreeMap<String, String> = serde_json::from_str(&attributes).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, e.into())
    })?;
    Ok(Item {
        id: r.get(0)?,
        title: r.get(1)?,
        description: r.get(2)?,
        brand: r.get(3)?,
        // Stored joined with " > " (see `Item::category_path`).
        category: if category.is_empty() {
            Vec::new()
        } else {
            category.split(" > ").map(str::to_string).collect()
        },
        price: r.get(5)?,
        attributes,
        image_url: r.get(7)?,
    })
}

/// The event kind stored as a code in column `i`.
pub(super) fn kind_at(r: &Row<'_>, i: usize) -> rusqlite::Result<EventKind> {
    let code: u8 = r.get(i)?;
    EventKind::from_code(code).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Integer,
            format!("unknown event kind code {code}").into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use shoplab_datasets::{CancelToken, Event, NoProgress, Record};

    use super::*;
    use crate::error::Result;
    use crate::store::ImportOptions;
    use crate::store::fixtures::{event, item, judgment, ok, source, temp_store};

    fn search_event(
        ts: i64,
        user: &str,
        item: Option<&str>,
        kind: EventKind,
        query: &str,
    ) -> Record {
        Record::Event(Event {
            ts,
            user: user.into(),
            session: Some("s1".into()),
            item: item.map(str::to_string),
            kind,
            query: Some(query.into()),
            value: None,
            position: item.map(|_| 2),
        })
    }

    fn filled() -> Result<(tempfile::TempDir, Store)> {
        let (dir, mut store) = temp_store()?;
        let mut drill = Item {
            id: "i0".into(),
            title: "Drill".into(),
            category: vec!["Tools".into(), "Power Tools".into()],
            price: Some(59.5),
            ..Item::default()
        };
        drill.attributes.insert("colour".into(), "red".into());
        let records = vec![
            Record::Item(drill),
            item("i1", "Saw"),
            item("i2", "Hammer"),
            // Out of time order on purpose; ties at ts 5 keep file order.
            event(9, "a", "i1", EventKind::Purchase),
            event(5, "b", "i2", EventKind::View),
            event(5, "a", "i0", EventKind::View),
            search_event(3, "a", None, EventKind::Search, "cordless drill"),
            search_event(4, "a", Some("i0"), EventKind::Click, "cordless drill"),
            search_event(6, "b", None, EventKind::Search, "saw"),
            judgment("drill", "i0", 3.0),
            judgment("drill", "i0", 2.0),
        ];
        store.import(
            ok(records),
            &source("f"),
            &ImportOptions::default(),
            &NoProgress,
            &CancelToken::new(),
        )?;
        Ok((dir, store))
    }

    #[test]
    fn items_round_trip_in_index_order() -> Result<()> {
        let (_dir, store) = filled()?;
        let items = store.items()?;
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].category, vec!["Tools", "Power Tools"]);
        assert_eq!(items[0].price, Some(59.5));
        assert_eq!(
            items[0].attributes.get("colour").map(String::as_str),
            Some("red")
        );
        assert!(items[1].category.is_empty() && items[1].price.is_none());
        assert_eq!(store.item(2)?.map(|i| i.title), Some("Hammer".into()));
        assert_eq!(store.item(3)?, None);
        assert_eq!(store.item_idx("zzz")?, None);
        assert_eq!(store.user_ids()?, vec!["a", "b"]);
        Ok(())
    }

    #[test]
    fn interactions_are_time_ordered_and_filtered() -> Result<()> {
        let (_dir, store) = filled()?;
        let log = store.interactions(&[EventKind::View, EventKind::Purchase])?;
        assert_eq!((log.n_users, log.n_items), (2, 3));
        assert_eq!(log.ts, vec![5, 5, 9]);
        assert_eq!(log.users, vec![1, 0, 0]);
        assert_eq!(log.items, vec![2, 0, 1]);
        assert_eq!(
            log.kinds,
            vec![EventKind::View, EventKind::View, EventKind::Purchase]
        );
        assert_eq!(log.values, vec![1.0; 3]);
        assert!(store.interactions(&[])?.is_empty());
        // Searches without an item are never interactions.
        assert_eq!(store.interactions(&EventKind::ALL)?.len(), 4);
        Ok(())
    }

    #[test]
    fn user_events_newest_first_with_query_text() -> Result<()> {
        let (_dir, store) = filled()?;
        let events = store.user_events(0, 3)?;
        assert_eq!(
            events.iter().map(|e| e.ts).collect::<Vec<_>>(),
            vec![9, 5, 4]
        );
        assert_eq!(events[2].query.as_deref(), Some("cordless drill"));
        assert_eq!(events[2].position, Some(2));
        assert_eq!(events[2].session.as_deref(), Some("s1"));
        assert!(store.user_events(7, 10)?.is_empty());
        Ok(())
    }

    #[test]
    fn searches_judgments_and_query_counts() -> Result<()> {
        let (_dir, store) = filled()?;
        let sessions = store.search_sessions()?;
        let keys: Vec<_> = sessions.iter().map(|s| (s.user, s.ts, s.item)).collect();
        assert_eq!(keys, vec![(0, 3, None), (0, 4, Some(0)), (1, 6, None)]);
        assert_eq!(sessions[1].query, "cordless drill");
        // The later grade for the same (query, item) wins.
        assert_eq!(store.judgments()?, vec![("drill".to_string(), 0, 2.0)]);
        assert_eq!(
            store.query_counts()?,
            vec![("cordless drill".to_string(), 2), ("saw".to_string(), 1)]
        );
        Ok(())
    }
}
