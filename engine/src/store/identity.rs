//! The identity of an event, so that an export of "all orders to date"
//! imported every day adds only its new rows.
//!
//! An event is identified by its whole content as stored (time, shopper,
//! item, kind, query, value, position, session), hashed with XXH3-64. Events
//! count as a multiset: a row that a file holds three times while the store
//! already holds it twice from earlier imports adds one event, so a file
//! imported once always stores exactly what it holds, repeats included.
//!
//! Keys are not stored: they are computed from the stored columns when an
//! import first meets an event, so stores of any schema version deduplicate
//! against everything they hold and no migration rewrites their events. The
//! chance that two different events share a 64-bit key is about
//! `n * m / 2^64` for `n` stored and `m` imported events (below 1e-5 for ten
//! million each); such a clash would show in the reported duplicate count.

use foldhash::{HashMap, HashSet};
use rusqlite::Connection;
use xxhash_rust::xxh3::xxh3_64;

/// The stored columns of an event with its ids resolved to indices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct EventContent<'a> {
    /// Unix seconds.
    pub ts: i64,
    /// User index.
    pub user: u32,
    /// Item index, if any.
    pub item: Option<u32>,
    /// `EventKind::code`.
    pub kind: u8,
    /// Query id, if any.
    pub query: Option<i64>,
    /// Value, if any (NaN is stored as NULL, so it counts as none).
    pub value: Option<f64>,
    /// Position, if any.
    pub position: Option<u32>,
    /// Session id, if any.
    pub session: Option<&'a str>,
}

impl EventContent<'_> {
    /// The event's 64-bit identity; `buf` is scratch space reused between calls.
    pub fn key(&self, buf: &mut Vec<u8>) -> u64 {
        buf.clear();
        buf.extend_from_slice(&self.ts.to_le_bytes());
        buf.extend_from_slice(&self.user.to_le_bytes());
        put(buf, self.item.map(u32::to_le_bytes));
        buf.push(self.kind);
        put(buf, self.query.map(i64::to_le_bytes));
        // SQLite returns -0.0 as 0.0 and stores NaN as NULL: hash what it keeps.
        let value = self
            .value
            .filter(|v| !v.is_nan())
            .map(|v| if v == 0.0 { 0f64 } else { v });
        put(buf, value.map(f64::to_le_bytes));
        put(buf, self.position.map(u32::to_le_bytes));
        if let Some(s) = self.session {
            buf.push(1);
            buf.extend_from_slice(&(s.len() as u64).to_le_bytes());
            buf.extend_from_slice(s.as_bytes());
        } else {
            buf.push(0);
        }
        xxh3_64(buf)
    }
}

/// A tagged optional field, so that "none" never equals some value.
fn put<const N: usize>(buf: &mut Vec<u8>, v: Option<[u8; N]>) {
    match v {
        Some(bytes) => {
            buf.push(1);
            buf.extend_from_slice(&bytes);
        }
        None => buf.push(0),
    }
}

/// The events stored by other imports that this import has not yet matched:
/// each key once in `once`, and in `more` with the number of further copies.
#[derive(Debug, Default)]
pub(super) struct StoredEvents {
    once: HashSet<u64>,
    more: HashMap<u64, u32>,
}

impl StoredEvents {
    /// Loads the identities of every event not written by import `import_id`.
    pub fn load(conn: &Connection, import_id: i64) -> rusqlite::Result<StoredEvents> {
        let mut stored = StoredEvents::default();
        let mut stmt = conn.prepare(
            "SELECT ts, user_idx, item_idx, kind, query_id, value, position, session FROM events WHERE import_id <> ?",
        )?;
        let mut rows = stmt.query([import_id])?;
        let mut buf = Vec::with_capacity(64);
        while let Some(r) = rows.next()? {
            let session: Option<String> = r.get(7)?;
            let key = EventContent {
                ts: r.get(0)?,
                user: r.get(1)?,
                item: r.get(2)?,
                kind: r.get(3)?,
                query: r.get(4)?,
                value: r.get(5)?,
                position: r.get(6)?,
                session: session.as_deref(),
            }
            .key(&mut buf);
            if !stored.once.insert(key) {
                *stored.more.entry(key).or_default() += 1;
            }
        }
        Ok(stored)
    }

    /// True when nothing is left to match (then no key needs computing).
    pub fn is_empty(&self) -> bool {
        self.once.is_empty()
    }

    /// Matches one imported event against a stored copy: true (and that copy
    /// is used up) when one is left, false when the event is new.
    pub fn claim(&mut self, key: u64) -> bool {
        if !self.more.is_empty()
            && let Some(extra) = self.more.get_mut(&key)
        {
            *extra -= 1;
            if *extra == 0 {
                self.more.remove(&key);
            }
            return true;
        }
        self.once.remove(&key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(ts: i64, session: Option<&str>) -> EventContent<'_> {
        EventContent {
            ts,
            user: 1,
            item: Some(2),
            kind: 0,
            query: None,
            value: None,
            position: None,
            session,
        }
    }

    #[test]
    fn every_field_is_part_of_the_identity() {
        let mut buf = Vec::new();
        let base = content(10, Some("s"));
        let k = base.key(&mut buf);
        let variants = [
            EventContent { ts: 11, ..base },
            EventContent { user: 2, ..base },
            EventContent { item: None, ..base },
            EventContent {
                item: Some(0),
                ..base
            },
            EventContent { kind: 1, ..base },
            EventContent {
                query: Some(0),
                ..base
            },
            EventContent {
                value: Some(0.0),
                ..base
            },
            EventContent {
                position: Some(0),
                ..base
            },
            EventContent {
                session: None,
                ..base
            },
            EventContent {
                session: Some(""),
                ..base
            },
        ];
        for v in variants {
            assert_ne!(v.key(&mut buf), k, "{v:?}");
        }
        assert_eq!(content(10, Some("s")).key(&mut buf), k);
        // What SQLite cannot tell apart is the same event.
        let zero = EventContent {
            value: Some(0.0),
            ..base
        }
        .key(&mut buf);
        assert_eq!(
            EventContent {
                value: Some(-0.0),
                ..base
            }
            .key(&mut buf),
            zero
        );
        assert_eq!(
            EventContent {
                value: Some(f64::NAN),
                ..base
            }
            .key(&mut buf),
            k
        );
    }

    #[test]
    fn stored_copies_are_matched_once_each() {
        let mut stored = StoredEvents::default();
        for key in [7, 7, 9] {
            if !stored.once.insert(key) {
                *stored.more.entry(key).or_default() += 1;
            }
        }
        assert!(stored.claim(7));
        assert!(stored.claim(9));
        assert!(!stored.claim(9));
        assert!(stored.claim(7));
        assert!(!stored.claim(7));
        assert!(stored.is_empty());
    }
}
