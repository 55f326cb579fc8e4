//! The SQLite event store: the project's items, users, events, search
//! judgments and the history of every import, in one `shop.sqlite` file.
//!
//! Items and users get dense 0-based indices (`idx`) the first time the store
//! sees them; every model and metric uses those indices, so they never change
//! once given. The file is in WAL mode, so readers (the GUI, the storefront)
//! keep working while an import writes.

mod fingerprint;
#[cfg(test)]
mod fixtures;
mod history;
mod import;
mod judge;
mod prefetch;
mod read;
mod schema;
mod stats;
mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::error::{Error, Result};

pub use fingerprint::{fingerprint_file, fingerprint_files};
pub use history::{ImportRecord, ImportStatus};
pub use import::{ImportOptions, ImportReport, ImportSource};
pub use read::StoredEvent;
pub use stats::{COLD_THRESHOLD, DayCount, StoreStats};

/// How long a write waits for another writer before giving up with a clear
/// "another program has it open" error.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection: an import cycles through about
/// a dozen, which must all stay cached.
const STATEMENT_CACHE: usize = 32;

/// An open event store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens the store at `path` for reading and writing, creating it when
    /// missing and bringing an older schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            return Err(store_error(
                path,
                format!(
                    "the folder {} does not exist; create the project first (`shoplab new`)",
                    dir.display()
                ),
            ));
        }
        let mut conn = Connection::open(path).map_err(|e| sql_error(path, e))?;
        prepare_for_writing(&mut conn, path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing store without ever writing to it (safe beside a
    /// running import, and on read-only media).
    pub fn open_read_only(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(store_error(
                path,
                "no such file; create the project with `shoplab new` and import data first",
            ));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| sql_error(path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| sql_error(path, e))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let version = schema::version(&conn).map_err(|e| sql_error(path, e))?;
        match check_version(path, version)? {
            v if v == schema::latest_version() => Ok(Store {
                conn,
                path: path.to_path_buf(),
            }),
            0 => Err(store_error(
                path,
                "the file is empty, not an event store; open the project for writing once to create it",
            )),
            v => Err(store_error(
                path,
                format!(
                    "the store has schema version {v} and needs upgrading to {}; open it once for writing (any `shoplab` command that imports) first",
                    schema::latest_version()
                ),
            )),
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Maps a SQLite error to an engine error naming this store.
    fn err(&self, e: rusqlite::Error) -> Error {
        sql_error(&self.path, e)
    }
}

/// Sets the connection up for writing: WAL, schema migrated, indexes present.
fn prepare_for_writing(conn: &mut Connection, path: &Path) -> Result<()> {
    let sql = |e| sql_error(path, e);
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(sql)?;
    let from = check_version(path, schema::version(conn).map_err(sql)?)?;
    // WAL is a property of the file: once set, it stays.
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))
        .map_err(sql)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(store_error(
            path,
            format!("cannot switch to WAL mode (got '{mode}'); keep the project on a local disk"),
        ));
    }
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(sql)?;
    schema::migrate(conn, from).map_err(sql)
}

/// The schema version to migrate from, or an error for files this build must
/// not touch.
fn check_version(path: &Path, version: schema::Version) -> Result<i64> {
    match version {
        schema::Version::Empty => Ok(0),
        schema::Version::At(v) if v <= schema::latest_version() => Ok(v),
        schema::Version::At(v) => Err(store_error(
            path,
            format!(
                "it was written by a newer ShopLab (schema version {v}; this version knows up to {}); update ShopLab to open it",
                schema::latest_version()
            ),
        )),
        schema::Version::Foreign => Err(store_error(
            path,
            "it is a SQLite database of another program, not a ShopLab event store; pick the project's shop.sqlite",
        )),
    }
}

/// An [`Error::Store`] with the given message.
fn store_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Store {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Turns a SQLite error into a message that says what to do.
fn sql_error(path: &Path, e: rusqlite::Error) -> Error {
    let message = match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "another program has it open and is writing to it (another ShopLab window, import or storefront?); close that program or wait for it to finish, then try again".to_string()
        }
        Some(ErrorCode::ReadOnly) => {
            "the file or its folder is read-only; make it writable, or open the project read-only"
                .to_string()
        }
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            "cannot open the file; check that it and its folder exist and are readable and writable"
                .to_string()
        }
        Some(ErrorCode::NotADatabase) => {
            "it is not a SQLite file (not a ShopLab event store); pick the project's shop.sqlite"
                .to_string()
        }
        Some(ErrorCode::DatabaseCorrupt) => {
            "the file is damaged; restore it from a backup or import the data again into a new project".to_string()
        }
        Some(ErrorCode::DiskFull) => {
            "the disk is full; free some space and run the import again (it resumes where it stopped)".to_string()
        }
        _ => e.to_string(),
    };
    store_error(path, message)
}

#[cfg(test)]
mod tests {
    use rusqlite::ffi;

    use super::*;

    fn message(r: Result<Store>) -> String {
        r.err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn creates_then_reopens_and_reads_only() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", "/tmp", e))?;
        let path = dir.path().join("shop.sqlite");
        assert!(message(Store::open_read_only(&path)).contains("no such file"));
        drop(Store::open(&path)?);
        let store = Store::open(&path)?;
        let mode: String = store
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .map_err(|e| store.err(e))?;
        assert_eq!(mode, "wal");
        let ro = Store::open_read_only(&path)?;
        assert!(ro.items()?.is_empty());
        Ok(())
    }

    #[test]
    fn refuses_files_it_must_not_touch() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", "/tmp", e))?;
        let text = dir.path().join("notes.sqlite");
        std::fs::write(&text, "x".repeat(4096)).map_err(|e| Error::io("write", &text, e))?;
        assert!(message(Store::open(&text)).contains("not a SQLite file"));

        let foreign = dir.path().join("other.sqlite");
        rusqlite::Connection::open(&foreign)
            .and_then(|c| c.execute_batch("CREATE TABLE t (x)"))
            .map_err(|e| sql_error(&foreign, e))?;
        assert!(message(Store::open(&foreign)).contains("another program"));

        let newer = dir.path().join("newer.sqlite");
        drop(Store::open(&newer)?);
        rusqlite::Connection::open(&newer)
            .and_then(|c| c.pragma_update(None, "user_version", 99))
            .map_err(|e| sql_error(&newer, e))?;
        let m = message(Store::open(&newer));
        assert!(m.contains("newer ShopLab") && m.contains("99"));
        assert!(message(Store::open_read_only(&newer)).contains("newer ShopLab"));

        let missing = dir.path().join("no-such-folder").join("shop.sqlite");
        assert!(message(Store::open(&missing)).contains("does not exist"));
        Ok(())
    }

    #[test]
    fn sqlite_errors_say_what_to_do() {
        let busy = rusqlite::Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_BUSY), None);
        let m = sql_error(Path::new("shop.sqlite"), busy).to_string();
        assert!(
            m.starts_with("event store shop.sqlite:") && m.contains("another program has it open")
        );
        let ro = rusqlite::Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_READONLY), None);
        assert!(
            sql_error(Path::new("s"), ro)
                .to_string()
                .contains("read-only")
        );
    }
}
