//! The store's tables and their versioned migrations.
//!
//! The schema version lives in SQLite's `PRAGMA user_version`: version `n`
//! means the first `n` entries of [`MIGRATIONS`] have run. Migrations are only
//! ever appended, never edited, so every older store can be brought forward.

use rusqlite::Connection;

/// Migration `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // Version 1. Item and user `idx` are the dense 0-based indices used by
    // every model. Queries get their own table because shoppers repeat them:
    // an integer per event is smaller and faster to write than the text.
    // Events have no foreign keys and no indexes while loading; see
    // `EVENT_INDEXES`.
    r#"
    CREATE TABLE items (
        idx INTEGER PRIMARY KEY,
        ext_id TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        brand TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL DEFAULT '',
        price REAL,
        attributes TEXT NOT NULL DEFAULT '{}',
        image_url TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE users (
        idx INTEGER PRIMARY KEY,
        ext_id TEXT NOT NULL UNIQUE,
        attributes TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE queries (
        id INTEGER PRIMARY KEY,
        text TEXT NOT NULL UNIQUE
    );
    CREATE TABLE events (
        ts INTEGER NOT NULL,
        user_idx INTEGER NOT NULL,
        session TEXT,
        item_idx INTEGER,
        kind INTEGER NOT NULL,
        query_id INTEGER,
        value REAL,
        position INTEGER,
        import_id INTEGER NOT NULL
    );
    CREATE TABLE judgments (
        query TEXT NOT NULL,
        item_idx INTEGER NOT NULL,
        grade REAL NOT NULL,
        import_id INTEGER NOT NULL,
        UNIQUE (query, item_idx)
    );
    CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        file TEXT NOT NULL,
        format TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        size INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
        new_items_allowed INTEGER NOT NULL,
        records_consumed INTEGER NOT NULL DEFAULT 0,
        accepted INTEGER NOT NULL DEFAULT 0,
        rejected INTEGER NOT NULL DEFAULT 0,
        items INTEGER NOT NULL DEFAULT 0,
        items_updated INTEGER NOT NULL DEFAULT 0,
        users INTEGER NOT NULL DEFAULT 0,
        events INTEGER NOT NULL DEFAULT 0,
        judgments INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX imports_by_fingerprint ON imports (fingerprint);
    CREATE TABLE rejected_rows (
        import_id INTEGER NOT NULL,
        file TEXT NOT NULL,
        line INTEGER NOT NULL,
        col TEXT,
        reason TEXT NOT NULL,
        raw TEXT NOT NULL
    );
    CREATE INDEX rejected_rows_by_import ON rejected_rows (import_id);
    "#,
    // Version 2. `duplicates`: events of the file already stored by earlier
    // imports (cumulative exports), skipped. `error`: why an import stopped or
    // why its file was refused as a whole. Both read as 0 / NULL from a
    // version-1 store opened read-only (see `history::import_columns`).
    r#"
    ALTER TABLE imports ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE imports ADD COLUMN error TEXT;
    "#,
];

/// Indexes on `events`. Imports drop them and build them again at the end,
/// because one sorted build is far cheaper than keeping a B-tree up to date
/// through millions of inserts in random user order.
pub(crate) const EVENT_INDEXES: &str =
    "CREATE INDEX IF NOT EXISTS events_by_user_ts ON events (user_idx, ts);";

/// Drops what [`EVENT_INDEXES`] creates.
pub(crate) const DROP_EVENT_INDEXES: &str = "DROP INDEX IF EXISTS events_by_user_ts;";

/// The schema version this build writes.
pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Where a database file stands relative to this build's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    /// No tables at all: a new, empty file.
    Empty,
    /// A ShopLab store at this schema version.
    At(i64),
    /// Tables but no version: some other program's SQLite file.
    Foreign,
}

/// Reads the schema version of `conn`.
pub(crate) fn version(conn: &Connection) -> rusqlite::Result<Version> {
    let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if v > 0 {
        return Ok(Version::At(v));
    }
    let tables: i64 = conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))?;
    Ok(if tables == 0 {
        Version::Empty
    } else {
        Version::Foreign
    })
}

/// Runs the migrations after `from` in one transaction, so a store is never
/// left half-migrated.
pub(crate) fn migrate(conn: &mut Connection, from: i64) -> rusqlite::Result<()> {
    let from = usize::try_from(from).unwrap_or(0);
    let Some(pending) = MIGRATIONS.get(from..).filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let tx = conn.transaction()?;
    for sql in pending {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", latest_version())?;
    tx.execute_batch(EVENT_INDEXES)?;
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_an_empty_database_once() -> rusqlite::Result<()> {
        let mut conn = Connection::open_in_memory()?;
        assert_eq!(version(&conn)?, Version::Empty);
        migrate(&mut conn, 0)?;
        assert_eq!(version(&conn)?, Version::At(latest_version()));
        // A second run has nothing to do and must not fail on existing tables.
        migrate(&mut conn, latest_version())?;
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?;
        assert_eq!(n, 0);
        Ok(())
    }

    #[test]
    fn a_version_1_store_keeps_its_imports() -> rusqlite::Result<()> {
        let mut conn = Connection::open_in_memory()?;
        let tx = conn.transaction()?;
        tx.execute_batch(MIGRATIONS[0])?;
        tx.pragma_update(None, "user_version", 1)?;
        tx.execute(
            "INSERT INTO imports (file, format, fingerprint, size, started_at, status, new_items_allowed, events) VALUES ('e.csv', 'events', 'x', 1, 0, 'done', 0, 5)",
            [],
        )?;
        tx.commit()?;
        migrate(&mut conn, 1)?;
        assert_eq!(version(&conn)?, Version::At(latest_version()));
        let row: (i64, i64, Option<String>) =
            conn.query_row("SELECT events, duplicates, error FROM imports", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        assert_eq!(row, (5, 0, None));
        Ok(())
    }

    #[test]
    fn tables_without_a_version_are_foreign() -> rusqlite::Result<()> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch("CREATE TABLE notes (body TEXT)")?;
        assert_eq!(version(&conn)?, Version::Foreign);
        Ok(())
    }
}
