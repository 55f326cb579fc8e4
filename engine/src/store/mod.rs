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
mod identity;
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

/// What a user can still do with a store they cannot write to.
const READ_ONLY_ADVICE: &str = "commands that only read the project (stats, imports, runs, compare, search, recommend) still work; to import, make the project folder and its shop.sqlite writable, or copy the project to a writable folder";

/// An open event store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Schema version of the file: the latest for a store opened for writing;
    /// a read-only store may be older (reads adapt, see `history`).
    schema: i64,
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
                    "the folder {} does not exist; {}",
                    dir.display(),
                    shoplab_datasets::hint::CREATE_FIRST.cli
                ),
            ));
        }
        if path.is_file() {
            check_writable(path)?;
        }
        let mut conn = Connection::open(path).map_err(|e| write_error(path, e))?;
        // SQLite quietly opens a file it may not write read-only.
        if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
            return Err(read_only_error(path, "the file is read-only"));
        }
        prepare_for_writing(&mut conn, path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            schema: schema::latest_version(),
        })
    }

    /// Opens an existing store without ever writing to it: no migration, no
    /// journal mode change. Safe beside a running import (WAL readers see the
    /// last commit), and it works on read-only media and in folders owned by
    /// someone else, where SQLite cannot create its `-shm` file: then the
    /// file is opened as immutable, provided no `-wal` file holds changes it
    /// would miss.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(store_error(
                path,
                format!(
                    "no such file; {}",
                    shoplab_datasets::hint::CREATE_AND_IMPORT.cli
                ),
            ));
        }
        let (conn, version) = match open_uri(path, false) {
            Ok(opened) => opened,
            Err(first) if !wal_has_changes(path) => {
                // Nothing in a `-wal` to miss: reading the file as it is is exact.
                open_uri(path, true).map_err(|_| sql_error(path, first))?
            }
            Err(first) if is_access_error(&first) => {
                return Err(store_error(
                    path,
                    "it has changes not yet merged into the file (in its -wal file: another program is writing it, or it was not closed cleanly) and its folder is read-only for you, so they cannot be read safely; open the project once where it is writable (or ask its owner to), then try again",
                ));
            }
            Err(first) => return Err(sql_error(path, first)),
        };
        match check_version(path, version)? {
            0 => Err(store_error(
                path,
                "the file is empty, not an event store; open the project for writing once to create it",
            )),
            v => Ok(Store {
                conn,
                path: path.to_path_buf(),
                schema: v,
            }),
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

/// Opens `path` read-only through a SQLite URI (`immutable` when nothing can
/// change it) and reads its schema version, which is where a read-only open
/// that cannot work fails.
fn open_uri(path: &Path, immutable: bool) -> rusqlite::Result<(Connection, schema::Version)> {
    let uri = format!(
        "file:{}?mode=ro{}",
        uri_path(path),
        if immutable { "&immutable=1" } else { "" }
    );
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let version = schema::version(&conn)?;
    Ok((conn, version))
}

/// A path as the path part of a `file:` URI: bytes other than unreserved
/// characters and `/` percent-encoded (so `?`, `#`, `%` and spaces survive).
fn uri_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let text = if cfg!(windows) {
        format!("/{}", text.replace('\\', "/"))
    } else {
        text.into_owned()
    };
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// True when the store's `-wal` file exists and is not empty.
fn wal_has_changes(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(Path::new(&wal)).is_ok_and(|m| m.len() > 0)
}

/// True for SQLite errors that mean "may not open or write here".
fn is_access_error(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::PermissionDenied)
    )
}

/// Fails with the read-only advice when the store file cannot be opened for
/// writing (read-only medium, immutable file, another user's file).
fn check_writable(path: &Path) -> Result<()> {
    use std::io::ErrorKind;
    match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            Err(read_only_error(
                path,
                &format!("the file is read-only ({e})"),
            ))
        }
        // Anything else SQLite reports in its own words.
        Err(_) => Ok(()),
    }
}

/// An error for a store that must be written but cannot be.
fn read_only_error(path: &Path, why: &str) -> Error {
    store_error(
        path,
        format!("cannot write to it: {why}. The project is read-only here; {READ_ONLY_ADVICE}"),
    )
}

/// Like [`sql_error`], for opening a store to write to: a file that cannot
/// be opened there is most often in a read-only folder.
fn write_error(path: &Path, e: rusqlite::Error) -> Error {
    if is_access_error(&e) && path.is_file() {
        read_only_error(
            path,
            "SQLite cannot open it for writing (is its folder read-only, or owned by another user?)",
        )
    } else {
        sql_error(path, e)
    }
}

/// Sets the connection up for writing: WAL, schema migrated, indexes present.
fn prepare_for_writing(conn: &mut Connection, path: &Path) -> Result<()> {
    let sql = |e| write_error(path, e);
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
            format!("cannot write to it: the file or its folder is read-only; {READ_ONLY_ADVICE}")
        }
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            "cannot open the file; check that it and its folder exist and are readable".to_string()
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
    fn reading_writes_nothing_and_odd_paths_work() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", "/tmp", e))?;
        let folder = dir.path().join("a shop #1 ?x=%20");
        std::fs::create_dir(&folder).map_err(|e| Error::io("mkdir", &folder, e))?;
        let path = folder.join("shop.sqlite");
        drop(Store::open(&path)?);
        let ro = Store::open_read_only(&path)?;
        assert!(ro.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false));
        assert!(ro.imports()?.is_empty());
        assert_eq!(ro.schema, schema::latest_version());
        Ok(())
    }

    #[test]
    fn an_older_store_is_read_as_it_is_and_upgraded_only_for_writing() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", "/tmp", e))?;
        let path = dir.path().join("shop.sqlite");
        drop(Store::open(&path)?);
        // Bring the file back to a version-1 store with one import.
        let conn = Connection::open(&path).map_err(|e| sql_error(&path, e))?;
        conn.execute_batch(
            "ALTER TABLE imports DROP COLUMN duplicates; ALTER TABLE imports DROP COLUMN error; PRAGMA user_version = 1;
             INSERT INTO imports (file, format, fingerprint, size, started_at, status, new_items_allowed, events, records_consumed) VALUES ('e.csv', 'events', 'x', 1, 0, 'cancelled', 0, 5, 5);",
        )
        .map_err(|e| sql_error(&path, e))?;
        drop(conn);
        let ro = Store::open_read_only(&path)?;
        assert_eq!(ro.schema, 1);
        let log = ro.imports()?;
        assert_eq!(
            (log[0].events, log[0].duplicates, log[0].error.clone()),
            (5, 0, None)
        );
        assert_eq!(ro.stats()?.unfinished_imports.len(), 1);
        drop(ro);
        let version = |p: &Path| -> Result<i64> {
            Connection::open(p)
                .and_then(|c| c.pragma_query_value(None, "user_version", |r| r.get(0)))
                .map_err(|e| sql_error(p, e))
        };
        assert_eq!(version(&path)?, 1, "reading did not migrate");
        drop(Store::open(&path)?);
        assert_eq!(version(&path)?, schema::latest_version());
        Ok(())
    }

    #[test]
    fn uri_paths_escape_what_sqlite_would_read_as_syntax() {
        assert_eq!(
            uri_path(Path::new("/a b/c?d#e%f.sqlite")),
            "/a%20b/c%3Fd%23e%25f.sqlite"
        );
        assert_eq!(
            uri_path(Path::new("/x/商店.sqlite")).matches('%').count(),
            6
        );
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
