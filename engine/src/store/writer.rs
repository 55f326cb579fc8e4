//! Writes records into the open import transaction: resolves the shop's ids
//! to dense indices, skips events stored before (see `identity`) and batches
//! event inserts.
//!
//! Id maps live in memory for the whole import (loaded from the store at its
//! start), because a SQL lookup per event would cost more than the insert.
//! They hash with foldhash: FxHash's weak high bits made hashbrown probe
//! long chains on ids like `user-123`, costing more than the inserts.

use std::path::PathBuf;

use foldhash::HashMap;
use rusqlite::Connection;
use shoplab_datasets::{Event, Item, Judgment, Record, RowError, User};

use super::identity::{EventContent, StoredEvents};

/// Events per multi-row `INSERT`: one statement per 32 rows cuts the
/// per-statement overhead, which dominates single-row inserts.
const EVENT_BATCH: usize = 32;
/// New users per multi-row `INSERT`.
const USER_BATCH: usize = 64;
/// Columns bound per event row.
const EVENT_COLUMNS: usize = 9;
/// Longest raw text kept for a rejected record.
const RAW_CHARS: usize = 300;

/// What one import has done so far; persisted with every chunk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Counts {
    /// Reader outputs (records and row errors) consumed.
    pub records_consumed: u64,
    /// Records stored.
    pub accepted: u64,
    /// Rows rejected by the reader or by the store.
    pub rejected: u64,
    /// Items created (including placeholders for unknown ids).
    pub items: u64,
    /// Existing items overwritten by a later record with the same id.
    pub items_updated: u64,
    /// Users created.
    pub users: u64,
    /// Events stored.
    pub events: u64,
    /// Events skipped because earlier imports stored them already.
    pub duplicates: u64,
    /// Judgments stored or updated.
    pub judgments: u64,
}

/// What became of one record.
enum Outcome {
    /// Stored (or updated).
    Stored,
    /// An event stored before by another import; skipped.
    Duplicate,
    /// Refused by the store, with the reason.
    Refused(String),
}

/// One event with its ids resolved, waiting for its batch.
struct EventRow {
    ts: i64,
    user: u32,
    session: Option<String>,
    item: Option<u32>,
    kind: u8,
    query: Option<i64>,
    value: Option<f64>,
    position: Option<u32>,
}

/// Turns records into rows of the store inside the caller's transaction.
pub(super) struct RecordWriter<'c> {
    conn: &'c Connection,
    import_id: i64,
    file: String,
    /// Whether an unknown item id creates a placeholder item (else the row is
    /// rejected); fixed when the import starts.
    new_items_allowed: bool,
    users: HashMap<Box<str>, u32>,
    items: HashMap<Box<str>, u32>,
    queries: HashMap<Box<str>, i64>,
    pending: Vec<EventRow>,
    batch_sql: String,
    /// Users first seen in events, written at the end of the chunk.
    new_users: Vec<(String, u32)>,
    user_batch_sql: String,
    /// Events of other imports not yet matched; loaded at the first event.
    stored: Option<StoredEvents>,
    /// Scratch space for event keys.
    key_buf: Vec<u8>,
    /// Running totals of the import.
    pub counts: Counts,
}

impl<'c> RecordWriter<'c> {
    /// Loads the id maps of the store and continues from `counts`.
    pub fn new(
        conn: &'c Connection,
        import_id: i64,
        file: String,
        new_items_allowed: bool,
        counts: Counts,
    ) -> rusqlite::Result<Self> {
        let one_row = format!("({})", ["?"; EVENT_COLUMNS].join(","));
        let batch_sql = format!(
            "INSERT INTO events (ts, user_idx, session, item_idx, kind, query_id, value, position, import_id) VALUES {}",
            vec![one_row; EVENT_BATCH].join(",")
        );
        Ok(RecordWriter {
            conn,
            import_id,
            file,
            new_items_allowed,
            users: load_map(conn, "SELECT ext_id, idx FROM users")?,
            items: load_map(conn, "SELECT ext_id, idx FROM items")?,
            queries: load_map(conn, "SELECT text, id FROM queries")?,
            pending: Vec::with_capacity(EVENT_BATCH),
            batch_sql,
            new_users: Vec::new(),
            user_batch_sql: format!(
                "INSERT INTO users (idx, ext_id) VALUES {}",
                ["(?,?)"; USER_BATCH].join(",")
            ),
            stored: None,
            key_buf: Vec::with_capacity(64),
            counts,
        })
    }

    /// Stores one reader output (`ordinal` is its 1-based position in the
    /// source; `position` gives the reader's file and line, when it knows
    /// them). Returns the row when it was rejected, by the reader or by the
    /// store; it has then been recorded in `rejected_rows`.
    pub fn write(
        &mut self,
        output: Result<Record, RowError>,
        ordinal: u64,
        position: &dyn Fn() -> Option<(PathBuf, u64)>,
    ) -> rusqlite::Result<Option<RowError>> {
        self.counts.records_consumed += 1;
        let mut record = match output {
            Ok(record) => record,
            Err(row) => {
                self.reject(&row)?;
                return Ok(Some(row));
            }
        };
        let outcome = match &mut record {
            Record::Item(item) => self.item(item).map(|()| Outcome::Stored)?,
            Record::User(user) => self.user(user)?,
            Record::Event(event) => self.event(event)?,
            Record::Judgment(judgment) => self.judgment(judgment)?,
        };
        match outcome {
            Outcome::Stored => {
                self.counts.accepted += 1;
                Ok(None)
            }
            Outcome::Duplicate => {
                self.counts.duplicates += 1;
                Ok(None)
            }
            Outcome::Refused(reason) => {
                let row = self.store_rejection(&record, ordinal, position(), reason);
                self.reject(&row)?;
                Ok(Some(row))
            }
        }
    }

    /// Replays an output committed by an earlier run of this import, which a
    /// resumed import skips: an event that matched a stored copy then matches
    /// it again, so the copy is not matched twice. Writes nothing.
    pub fn replay(&mut self, output: &Result<Record, RowError>) -> rusqlite::Result<()> {
        let Ok(Record::Event(event)) = output else {
            return Ok(());
        };
        // An event whose ids are not all known matched nothing stored.
        let Some(&user) = self.users.get(event.user.as_str()) else {
            return Ok(());
        };
        let item = match event.item.as_deref() {
            None => None,
            Some(id) => match self.items.get(id) {
                Some(&idx) => Some(idx),
                None => return Ok(()),
            },
        };
        let query = match event.query.as_deref() {
            None => None,
            Some(text) => match self.queries.get(text) {
                Some(&id) => Some(id),
                None => return Ok(()),
            },
        };
        let content = EventContent {
            ts: event.ts,
            user,
            item,
            kind: event.kind.code(),
            query,
            value: event.value,
            position: event.position,
            session: event.session.as_deref(),
        };
        self.is_stored(&content)?;
        Ok(())
    }

    /// Whether an event with this content was stored by another import and
    /// not yet matched; a match uses that stored copy up.
    fn is_stored(&mut self, content: &EventContent<'_>) -> rusqlite::Result<bool> {
        let stored = match &mut self.stored {
            Some(s) => s,
            None => self
                .stored
                .insert(StoredEvents::load(self.conn, self.import_id)?),
        };
        if stored.is_empty() {
            return Ok(false);
        }
        Ok(stored.claim(content.key(&mut self.key_buf)))
    }

    /// Writes the events still waiting for a full batch.
    pub fn flush(&mut self) -> rusqlite::Result<()> {
        self.flush_users()?;
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO events (ts, user_idx, session, item_idx, kind, query_id, value, position, import_id) VALUES (?,?,?,?,?,?,?,?,?)",
        )?;
        for row in self.pending.drain(..) {
            bind_event(&mut stmt, 0, &row, self.import_id)?;
            stmt.raw_execute()?;
        }
        Ok(())
    }

    /// Records a rejected row for later review.
    fn reject(&mut self, row: &RowError) -> rusqlite::Result<()> {
        self.counts.rejected += 1;
        self.conn
            .prepare_cached(
                "INSERT INTO rejected_rows (import_id, file, line, col, reason, raw) VALUES (?,?,?,?,?,?)",
            )?
            .execute((
                self.import_id,
                row.file.to_string_lossy(),
                i64::try_from(row.line).unwrap_or(i64::MAX),
                &row.column,
                &row.reason,
                &row.raw,
            ))?;
        Ok(())
    }

    /// A rejection by the store of a record the reader accepted. Without the
    /// reader's line (line 0), the reason says which record of the file it was.
    fn store_rejection(
        &self,
        record: &Record,
        ordinal: u64,
        position: Option<(PathBuf, u64)>,
        reason: String,
    ) -> RowError {
        let raw: String = serde_json::to_string(record)
            .unwrap_or_default()
            .chars()
            .take(RAW_CHARS)
            .collect();
        match position {
            Some((file, line)) => RowError {
                file,
                line,
                column: None,
                reason,
                raw,
            },
            None => RowError {
                file: self.file.clone().into(),
                line: 0,
                column: None,
                reason: format!("record {ordinal}: {reason}"),
                raw,
            },
        }
    }

    /// Inserts an item, or overwrites the stored one with the same id.
    fn item(&mut self, item: &Item) -> rusqlite::Result<()> {
        let attributes = to_json(&item.attributes)?;
        let category = item.category_path();
        if let Some(&idx) = self.items.get(item.id.as_str()) {
            self.conn
                .prepare_cached(
                    "UPDATE items SET title = ?, description = ?, brand = ?, category = ?, price = ?, attributes = ?, image_url = ? WHERE idx = ?",
                )?
                .execute((
                    &item.title,
                    &item.description,
                    &item.brand,
                    &category,
                    item.price,
                    &attributes,
                    &item.image_url,
                    idx,
                ))?;
            self.counts.items_updated += 1;
            return Ok(());
        }
        let idx = self.items.len() as u32;
        self.conn
            .prepare_cached(
                "INSERT INTO items (idx, ext_id, title, description, brand, category, price, attributes, image_url) VALUES (?,?,?,?,?,?,?,?,?)",
            )?
            .execute((
                idx,
                &item.id,
                &item.title,
                &item.description,
                &item.brand,
                &category,
                item.price,
                &attributes,
                &item.image_url,
            ))?;
        self.items.insert(item.id.as_str().into(), idx);
        self.counts.items += 1;
        Ok(())
    }

    /// Inserts a user or replaces the attributes of the stored one.
    fn user(&mut self, user: &User) -> rusqlite::Result<Outcome> {
        if user.id.is_empty() {
            return Ok(Outcome::Refused("the user id is empty".into()));
        }
        let attributes = to_json(&user.attributes)?;
        match self.users.get(user.id.as_str()) {
            Some(&idx) => {
                // The user may still be waiting in `new_users`.
                self.flush_users()?;
                self.conn
                    .prepare_cached("UPDATE users SET attributes = ? WHERE idx = ?")?
                    .execute((&attributes, idx))?;
            }
            None => {
                self.insert_user(&user.id, &attributes)?;
            }
        }
        Ok(Outcome::Stored)
    }

    /// Queues an event, creating its user (and query) on first sight, unless
    /// another import stored it already. Takes the session string out of an
    /// accepted event instead of copying it.
    fn event(&mut self, event: &mut Event) -> rusqlite::Result<Outcome> {
        if event.user.is_empty() {
            return Ok(Outcome::Refused("the user id is empty".into()));
        }
        // The item is checked first so that a refused event creates nothing.
        let item = match event.item.as_deref() {
            None => None,
            Some(id) => match self.item_for(id)? {
                Ok(idx) => Some(idx),
                Err(reason) => return Ok(Outcome::Refused(reason)),
            },
        };
        let user = match self.users.get(event.user.as_str()) {
            Some(&idx) => idx,
            None => {
                let idx = self.users.len() as u32;
                self.users.insert(event.user.as_str().into(), idx);
                self.new_users.push((std::mem::take(&mut event.user), idx));
                self.counts.users += 1;
                idx
            }
        };
        let query = match event.query.as_deref() {
            None => None,
            Some(text) => Some(self.query_id(text)?),
        };
        // A duplicate names only known ids, so it has created nothing above.
        let content = EventContent {
            ts: event.ts,
            user,
            item,
            kind: event.kind.code(),
            query,
            value: event.value,
            position: event.position,
            session: event.session.as_deref(),
        };
        if self.is_stored(&content)? {
            return Ok(Outcome::Duplicate);
        }
        self.pending.push(EventRow {
            ts: event.ts,
            user,
            session: event.session.take(),
            item,
            kind: event.kind.code(),
            query,
            value: event.value,
            position: event.position,
        });
        if self.pending.len() == EVENT_BATCH {
            self.write_batch()?;
        }
        self.counts.events += 1;
        Ok(Outcome::Stored)
    }

    /// Stores a judgment; a later grade for the same (query, item) wins.
    fn judgment(&mut self, judgment: &Judgment) -> rusqlite::Result<Outcome> {
        if !judgment.grade.is_finite() {
            return Ok(Outcome::Refused(format!(
                "grade {} is not a number",
                judgment.grade
            )));
        }
        let item = match self.item_for(&judgment.item)? {
            Ok(idx) => idx,
            Err(reason) => return Ok(Outcome::Refused(reason)),
        };
        self.conn
            .prepare_cached(
                "INSERT INTO judgments (query, item_idx, grade, import_id) VALUES (?,?,?,?) ON CONFLICT (query, item_idx) DO UPDATE SET grade = excluded.grade, import_id = excluded.import_id",
            )?
            .execute((&judgment.query, item, judgment.grade, self.import_id))?;
        self.counts.judgments += 1;
        Ok(Outcome::Stored)
    }

    /// The index of item `id`, creating a placeholder when allowed; the inner
    /// error is the rejection reason.
    fn item_for(&mut self, id: &str) -> rusqlite::Result<Result<u32, String>> {
        if let Some(&idx) = self.items.get(id) {
            return Ok(Ok(idx));
        }
        if id.is_empty() {
            return Ok(Err("the item id is empty".into()));
        }
        if !self.new_items_allowed {
            return Ok(Err(format!(
                "unknown item '{id}': it is not in the catalog; {}",
                shoplab_datasets::hint::ALLOW_NEW_ITEMS.cli
            )));
        }
        let idx = self.items.len() as u32;
        self.conn
            .prepare_cached("INSERT INTO items (idx, ext_id) VALUES (?, ?)")?
            .execute((idx, id))?;
        self.items.insert(id.into(), idx);
        self.counts.items += 1;
        Ok(Ok(idx))
    }

    /// Creates a user with the next dense index.
    fn insert_user(&mut self, id: &str, attributes: &str) -> rusqlite::Result<u32> {
        let idx = self.users.len() as u32;
        self.conn
            .prepare_cached("INSERT INTO users (idx, ext_id, attributes) VALUES (?,?,?)")?
            .execute((idx, id, attributes))?;
        self.users.insert(id.into(), idx);
        self.counts.users += 1;
        Ok(idx)
    }

    /// The id of a query text, adding it on first sight.
    fn query_id(&mut self, text: &str) -> rusqlite::Result<i64> {
        if let Some(&id) = self.queries.get(text) {
            return Ok(id);
        }
        let id = self.queries.len() as i64;
        self.conn
            .prepare_cached("INSERT INTO queries (id, text) VALUES (?, ?)")?
            .execute((id, text))?;
        self.queries.insert(text.into(), id);
        Ok(id)
    }

    /// Writes the users first seen in events, sorted by id: their `ext_id`
    /// index then fills in order, which costs a fraction of random inserts.
    fn flush_users(&mut self) -> rusqlite::Result<()> {
        if self.new_users.is_empty() {
            return Ok(());
        }
        self.new_users.sort_unstable();
        let mut chunks = self.new_users.chunks_exact(USER_BATCH);
        let mut stmt = self.conn.prepare_cached(&self.user_batch_sql)?;
        for chunk in chunks.by_ref() {
            for (i, (id, idx)) in chunk.iter().enumerate() {
                stmt.raw_bind_parameter(2 * i + 1, idx)?;
                stmt.raw_bind_parameter(2 * i + 2, id)?;
            }
            stmt.raw_execute()?;
        }
        let mut one = self
            .conn
            .prepare_cached("INSERT INTO users (idx, ext_id) VALUES (?, ?)")?;
        for (id, idx) in chunks.remainder() {
            one.execute((idx, id))?;
        }
        self.new_users.clear();
        Ok(())
    }

    /// Writes one full batch of pending events with a single statement.
    fn write_batch(&mut self) -> rusqlite::Result<()> {
        let mut stmt = self.conn.prepare_cached(&self.batch_sql)?;
        for (i, row) in self.pending.iter().enumerate() {
            bind_event(&mut stmt, i * EVENT_COLUMNS, row, self.import_id)?;
        }
        stmt.raw_execute()?;
        self.pending.clear();
        Ok(())
    }
}

/// Binds one event's columns starting after parameter `offset`.
fn bind_event(
    stmt: &mut rusqlite::Statement<'_>,
    offset: usize,
    row: &EventRow,
    import_id: i64,
) -> rusqlite::Result<()> {
    stmt.raw_bind_parameter(offset + 1, row.ts)?;
    stmt.raw_bind_parameter(offset + 2, row.user)?;
    stmt.raw_bind_parameter(offset + 3, &row.session)?;
    stmt.raw_bind_parameter(offset + 4, row.item)?;
    stmt.raw_bind_parameter(offset + 5, row.kind)?;
    stmt.raw_bind_parameter(offset + 6, row.query)?;
    stmt.raw_bind_parameter(offset + 7, row.value)?;
    stmt.raw_bind_parameter(offset + 8, row.position)?;
    stmt.raw_bind_parameter(offset + 9, import_id)
}

/// Loads a `(text, integer)` table into a map.
fn load_map<V: rusqlite::types::FromSql>(
    conn: &Connection,
    sql: &str,
) -> rusqlite::Result<HashMap<Box<str>, V>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?.into_boxed_str(), r.get(1)?))
    })?;
    rows.collect()
}

/// Attributes as the JSON text stored in the `attributes` columns.
fn to_json(attributes: &std::collections::BTreeMap<String, String>) -> rusqlite::Result<String> {
    serde_json::to_string(attributes).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))
}
