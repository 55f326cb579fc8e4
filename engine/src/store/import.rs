//! Importing a stream of records: idempotent, committed in chunks, resumable
//! after a crash or a cancel, and never touching earlier imports on failure.
//!
//! Each chunk's transaction also stores how many reader outputs the import
//! has consumed, so the committed data and the resume point always agree: a
//! second run of an unfinished import skips exactly those outputs.
//!
//! Every attempt has its own entry in the history unless it continues one
//! that stored part of its file: a file refused as a whole, or a strict
//! import that stopped, keeps its entry (with the reason and its rejected
//! row), and the next attempt starts a new one.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use shoplab_datasets::read::ReadOptions;
use shoplab_datasets::{CancelToken, Progress, Record, RowError};

use super::history::{ImportRecord, ImportStatus};
use super::prefetch::Prefetched;
use super::writer::{Counts, RecordWriter};
use super::{Store, fingerprint, schema};
use crate::error::{Error, Result};

/// Rejected rows returned in an [`ImportReport`]; the rest are in the store.
const SAMPLE_REJECTIONS: usize = 20;
/// SQLite page cache during an import, in KiB (negative = KiB in SQLite).
const IMPORT_CACHE_KIB: i64 = 64 * 1024;
/// SQLite's default page cache, restored after an import so an idle store
/// stays small.
const DEFAULT_CACHE_KIB: i64 = 2000;

/// The file being imported, as recorded in the import history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSource {
    /// The file or data-set folder given by the user.
    pub path: PathBuf,
    /// The reader's format name.
    pub format: String,
    /// Content fingerprint (see [`fingerprint::fingerprint_file`]); imports
    /// with the same fingerprint are the same data.
    pub fingerprint: String,
    /// Size in bytes.
    pub size: u64,
}

/// How to import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportOptions {
    /// Abort and roll back the whole import at the first rejected row
    /// (default: false, rejected rows are stored for review and skipped).
    pub strict: bool,
    /// Create placeholder items for item ids missing from a non-empty catalog
    /// (default: false, such rows are rejected). Into an empty catalog, new
    /// items are always created.
    pub allow_new_items: bool,
    /// Reader outputs per committed chunk (default: 100 000). Larger chunks
    /// import faster; smaller ones lose less work to a crash.
    pub chunk_rows: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            strict: false,
            allow_new_items: false,
            chunk_rows: 100_000,
        }
    }
}

/// What an import did. Counts are the import's totals, over all the runs it
/// took; for a file imported before, they are that earlier import's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Id of the import in the history.
    pub import_id: i64,
    /// The file imported.
    pub file: PathBuf,
    /// The reader's format name.
    pub format: String,
    /// Records stored.
    pub accepted: u64,
    /// Rows rejected (kept in the store, see [`Store::rejected_rows`]).
    pub rejected: u64,
    /// Items created.
    pub items: u64,
    /// Items overwritten by a later record with the same id.
    pub items_updated: u64,
    /// Users created.
    pub users: u64,
    /// Events stored.
    pub events: u64,
    /// Judgments stored or updated.
    pub judgments: u64,
    /// Events of the file that earlier imports had stored already (the rows
    /// an export of "all orders to date" shares with yesterday's); skipped.
    pub duplicates: u64,
    /// The same content was imported before; nothing was added.
    pub already_imported: bool,
    /// An unfinished import was continued after this many reader outputs.
    pub resumed_from: Option<u64>,
    /// The first rejected rows.
    pub sample_rejections: Vec<RowError>,
    /// Things the user should check although every row was stored, e.g.
    /// rows read in a second encoding (Latin-1 rows in a UTF-8 file).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Wall time of this run, in seconds.
    pub elapsed_s: f64,
}

/// A stream of reader outputs that may know where it is in its files.
trait RecordStream: Iterator<Item = Result<Record, RowError>> {
    /// File and 1-based line of the output read last.
    fn location(&self) -> Option<(PathBuf, u64)>;
    /// Total progress units (bytes for files), when known.
    fn total_units(&self) -> Option<u64>;
    /// True when progress units are bytes of the source, not records.
    fn counts_bytes(&self) -> bool;
    /// Progress units done after `consumed` outputs.
    fn units_done(&self, consumed: u64) -> u64;
}

/// Any iterator of outputs: progress counts records, positions are unknown.
struct Plain<I>(I);

impl<I: Iterator<Item = Result<Record, RowError>>> Iterator for Plain<I> {
    type Item = Result<Record, RowError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next()
    }
}

impl<I: Iterator<Item = Result<Record, RowError>>> RecordStream for Plain<I> {
    fn location(&self) -> Option<(PathBuf, u64)> {
        None
    }
    fn total_units(&self) -> Option<u64> {
        None
    }
    fn counts_bytes(&self) -> bool {
        false
    }
    fn units_done(&self, consumed: u64) -> u64 {
        consumed
    }
}

impl RecordStream for Prefetched {
    fn location(&self) -> Option<(PathBuf, u64)> {
        Prefetched::location(self)
    }
    fn total_units(&self) -> Option<u64> {
        Some(self.total_bytes())
    }
    fn counts_bytes(&self) -> bool {
        true
    }
    fn units_done(&self, _consumed: u64) -> u64 {
        self.bytes_read()
    }
}

/// Why loading stopped early.
enum Stop {
    /// The user cancelled.
    Cancelled,
    /// A strict import met a rejected row.
    Rejected(RowError),
    /// SQLite failed.
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for Stop {
    fn from(e: rusqlite::Error) -> Self {
        Stop::Sql(e)
    }
}

/// The import being run.
struct Job<'a> {
    id: i64,
    file: String,
    new_items_allowed: bool,
    counts: Counts,
    opts: &'a ImportOptions,
}

impl Store {
    /// Imports reader outputs from `source`. Rows the reader or the store
    /// rejects are kept in `rejected_rows`; see [`ImportOptions`] for strict
    /// mode and unknown items. Importing content imported before adds
    /// nothing; an unfinished import of the same content is resumed.
    pub fn import<I>(
        &mut self,
        records: I,
        source: &ImportSource,
        opts: &ImportOptions,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<ImportReport>
    where
        I: Iterator<Item = std::result::Result<Record, RowError>>,
    {
        self.import_stream(Plain(records), source, opts, progress, cancel)
    }

    /// Reads `path` with the datasets readers and imports it (see
    /// [`Store::import`]). Progress is in bytes of the source. A file the
    /// readers refuse as a whole (binary, empty, unreadable header) gets a
    /// failed entry in the history with the reason.
    pub fn import_file(
        &mut self,
        path: &Path,
        read: &ReadOptions,
        opts: &ImportOptions,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<ImportReport> {
        let opened = shoplab_datasets::read::open(path, read)
            .map_err(Error::from)
            .and_then(|records| {
                let fingerprint = fingerprint::fingerprint_files(records.files())?;
                Ok((records, fingerprint))
            });
        let (records, fingerprint) = match opened {
            Ok(opened) => opened,
            Err(e) => {
                self.record_refusal(path, read.format.name(), &e);
                return Err(e);
            }
        };
        let source = ImportSource {
            path: path.to_path_buf(),
            format: records.format().name().to_string(),
            fingerprint,
            size: records.total_bytes(),
        };
        let tracker = records.tracker();
        let records = Prefetched::spawn(records)
            .map_err(|e| Error::io("cannot start a reader thread for", path, e))?;
        let mut report = self.import_stream(records, &source, opts, progress, cancel)?;
        report.warnings = tracker
            .mixed_encodings()
            .iter()
            .map(ToString::to_string)
            .collect();
        Ok(report)
    }

    fn import_stream<S: RecordStream>(
        &mut self,
        mut records: S,
        source: &ImportSource,
        opts: &ImportOptions,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<ImportReport> {
        let started = Instant::now();
        if opts.chunk_rows == 0 {
            return Err(Error::invalid(
                "chunk_rows",
                0,
                "it must be at least 1 (default 100000)",
            ));
        }
        let earlier = self.latest_import(&source.fingerprint)?;
        let (job, resumed_from) = match earlier {
            Some(done) if done.status == ImportStatus::Done => {
                return self.report(done.id, true, None, started);
            }
            // Continue an attempt that stored part of the file (or was
            // killed before its first chunk; it stored nothing either way).
            Some(unfinished)
                if unfinished.records_consumed > 0
                    || unfinished.status == ImportStatus::Running =>
            {
                let job = self.resume_job(&unfinished, source, opts)?;
                (job, Some(unfinished.records_consumed))
            }
            // Nothing or a refused / stopped attempt that stored nothing:
            // that attempt keeps its entry and this one gets its own.
            _ => (self.new_job(source, opts)?, None),
        };
        let total = records.total_units();
        if records.counts_bytes() {
            progress.stage_bytes("import", total);
        } else {
            progress.stage("import", total);
        }

        self.bulk_mode(true).map_err(|e| self.err(e))?;
        let loaded = self.load(&mut records, &job, progress, cancel);
        // Both the bulk settings and the event indexes come back whatever
        // happened, so readers stay fast.
        let restored = self.bulk_mode(false).map_err(|e| self.err(e));
        match loaded {
            Ok(()) => {
                // Only a stage that ran to its end is finished; the caller
                // reports one that stopped through the error.
                progress.finish_stage();
                restored?;
                self.report(job.id, false, resumed_from, started)
            }
            Err(stop) => {
                restored?;
                Err(self.record_stop(&job, stop))
            }
        }
    }

    /// The newest import of content with this fingerprint.
    fn latest_import(&self, fingerprint: &str) -> Result<Option<ImportRecord>> {
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT MAX(id) FROM imports WHERE fingerprint = ? AND fingerprint <> ''",
                [fingerprint],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .flatten();
        match id {
            None => Ok(None),
            Some(id) => Ok(self.select_imports("WHERE id = ?", [id])?.pop()),
        }
    }

    /// Records a file the readers refused as a whole, so the history shows
    /// the attempt and why. Best effort: the refusal itself is what the user
    /// must see, so a store that cannot be written only logs a warning.
    fn record_refusal(&self, path: &Path, format: &str, error: &Error) {
        if !path.exists() {
            // Nothing there to refuse: the error names the path.
            return;
        }
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        let fingerprint = if path.is_file() {
            fingerprint::fingerprint_file(path).unwrap_or_default()
        } else {
            String::new()
        };
        let at = now();
        if let Err(e) = self.conn.execute(
            "INSERT INTO imports (file, format, fingerprint, size, started_at, status, new_items_allowed, error) VALUES (?,?,?,?,?,'failed',0,?)",
            (
                path.to_string_lossy(),
                format,
                fingerprint,
                sql_int(size),
                at,
                error.to_string(),
            ),
        ) {
            tracing::warn!(file = %path.display(), error = %e, "cannot record the refused file in the import history");
        }
    }

    /// Starts a new import in the history.
    fn new_job<'a>(&self, source: &ImportSource, opts: &'a ImportOptions) -> Result<Job<'a>> {
        let run = || -> rusqlite::Result<Job<'a>> {
            let catalog_empty: bool =
                self.conn
                    .query_row("SELECT NOT EXISTS (SELECT 1 FROM items)", [], |r| r.get(0))?;
            // Decided once, so a resumed import treats unknown items the same.
            let new_items_allowed = opts.allow_new_items || catalog_empty;
            let file = source.path.to_string_lossy().into_owned();
            self.conn.execute(
                "INSERT INTO imports (file, format, fingerprint, size, started_at, status, new_items_allowed) VALUES (?,?,?,?,?,'running',?)",
                (
                    &file,
                    &source.format,
                    &source.fingerprint,
                    sql_int(source.size),
                    now(),
                    new_items_allowed,
                ),
            )?;
            Ok(Job {
                id: self.conn.last_insert_rowid(),
                file,
                new_items_allowed,
                counts: Counts::default(),
                opts,
            })
        };
        run().map_err(|e| self.err(e))
    }

    /// Continues an unfinished import.
    fn resume_job<'a>(
        &self,
        earlier: &ImportRecord,
        source: &ImportSource,
        opts: &'a ImportOptions,
    ) -> Result<Job<'a>> {
        let run = || -> rusqlite::Result<bool> {
            self.conn.execute(
                "UPDATE imports SET status = 'running', file = ?, format = ?, error = NULL, finished_at = NULL WHERE id = ?",
                (source.path.to_string_lossy(), &source.format, earlier.id),
            )?;
            // Rows rejected by an attempt that committed nothing after them
            // (a strict stop keeps its row outside any chunk) belong to that
            // attempt: the committed ones come first and number `rejected`.
            self.conn.execute(
                "DELETE FROM rejected_rows WHERE rowid IN (SELECT rowid FROM rejected_rows WHERE import_id = ?1 ORDER BY rowid LIMIT -1 OFFSET ?2)",
                (earlier.id, sql_int(earlier.rejected)),
            )?;
            self.conn.query_row(
                "SELECT new_items_allowed FROM imports WHERE id = ?",
                [earlier.id],
                |r| r.get(0),
            )
        };
        let allowed = run().map_err(|e| self.err(e))?;
        Ok(Job {
            id: earlier.id,
            file: source.path.to_string_lossy().into_owned(),
            new_items_allowed: allowed || opts.allow_new_items,
            counts: earlier.counts(),
            opts,
        })
    }

    /// Skips the outputs an earlier run committed, then writes the rest
    /// chunk by chunk. A strict import is one transaction, so its first
    /// rejection rolls all of it back.
    fn load<S: RecordStream>(
        &self,
        records: &mut S,
        job: &Job<'_>,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> std::result::Result<(), Stop> {
        let conn = &self.conn;
        // The per-user index serves only the shopper timeline; keeping it
        // up to date costs a third of an import, so it is dropped here and
        // rebuilt on first use (see `Store::user_events`).
        conn.execute_batch(schema::DROP_EVENT_INDEXES)?;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let result = (|| {
            let mut writer = RecordWriter::new(
                conn,
                job.id,
                job.file.clone(),
                job.new_items_allowed,
                job.counts,
            )?;
            let mut ordinal = 0u64;
            while ordinal < job.counts.records_consumed {
                if ordinal.is_multiple_of(job.opts.chunk_rows as u64) && cancel.is_cancelled() {
                    return Err(Stop::Cancelled);
                }
                let Some(output) = records.next() else {
                    break;
                };
                writer.replay(&output)?;
                ordinal += 1;
            }
            let mut units = records.units_done(ordinal);
            if units > 0 {
                progress.advance(units);
            }
            loop {
                if cancel.is_cancelled() {
                    return Err(Stop::Cancelled);
                }
                let mut in_chunk = 0;
                let mut exhausted = false;
                while in_chunk < job.opts.chunk_rows {
                    let Some(output) = records.next() else {
                        exhausted = true;
                        break;
                    };
                    ordinal += 1;
                    in_chunk += 1;
                    let rejected = writer.write(output, ordinal, &|| records.location())?;
                    if let Some(row) = rejected
                        && job.opts.strict
                    {
                        return Err(Stop::Rejected(row));
                    }
                }
                writer.flush()?;
                save_counts(conn, job.id, &writer.counts)?;
                if exhausted {
                    conn.execute(
                        "UPDATE imports SET status = 'done', finished_at = ? WHERE id = ?",
                        (now(), job.id),
                    )?;
                }
                if exhausted || !job.opts.strict {
                    conn.execute_batch("COMMIT")?;
                }
                let done = records.units_done(ordinal);
                progress.advance(done.saturating_sub(units));
                units = done;
                if exhausted {
                    return Ok(());
                }
                if !job.opts.strict {
                    conn.execute_batch("BEGIN IMMEDIATE")?;
                }
            }
        })();
        if result.is_err() && !conn.is_autocommit() {
            // Best effort: the error being returned matters more than this one.
            let _ = conn.execute_batch("ROLLBACK");
        }
        result
    }

    /// Marks an import that stopped early, with why, and turns the stop into
    /// an error.
    fn record_stop(&self, job: &Job<'_>, stop: Stop) -> Error {
        let (status, error) = match stop {
            Stop::Cancelled => (ImportStatus::Cancelled, Error::Cancelled),
            Stop::Sql(e) => (ImportStatus::Failed, self.err(e)),
            Stop::Rejected(row) => {
                let message = format!(
                    "strict import of {} stopped at the first rejected row, so nothing of it was stored: {row}. Fix the row, or import without --strict to skip bad rows",
                    job.file
                );
                // The rejected row stays reviewable although the import rolled back.
                let _ = self.conn.execute(
                    "INSERT INTO rejected_rows (import_id, file, line, col, reason, raw) VALUES (?,?,?,?,?,?)",
                    (
                        job.id,
                        row.file.to_string_lossy(),
                        sql_int(row.line),
                        &row.column,
                        &row.reason,
                        &row.raw,
                    ),
                );
                (
                    ImportStatus::Failed,
                    Error::Store {
                        path: self.path.clone(),
                        message,
                    },
                )
            }
        };
        let reason = match &error {
            Error::Cancelled => None,
            other => Some(other.to_string()),
        };
        if let Err(e) = self.conn.execute(
            "UPDATE imports SET status = ?, error = ? WHERE id = ?",
            (status.as_str(), reason, job.id),
        ) {
            tracing::warn!(import = job.id, error = %e, "cannot record why the import stopped");
        }
        error
    }

    /// Switches the settings that make bulk loading fast on or off. Skipping
    /// fsync is safe for a killed process (the OS still has the writes); only
    /// a power cut mid-import could lose the WAL tail, and it resumes then.
    fn bulk_mode(&self, on: bool) -> rusqlite::Result<()> {
        let (sync, cache) = if on {
            ("OFF", -IMPORT_CACHE_KIB)
        } else {
            ("NORMAL", -DEFAULT_CACHE_KIB)
        };
        self.conn.pragma_update(None, "synchronous", sync)?;
        self.conn.pragma_update(None, "cache_size", cache)?;
        Ok(())
    }

    /// The report of import `id` as stored.
    fn report(
        &self,
        id: i64,
        already_imported: bool,
        resumed_from: Option<u64>,
        started: Instant,
    ) -> Result<ImportReport> {
        let record = self
            .select_imports("WHERE id = ?", [id])?
            .pop()
            .ok_or_else(|| Error::Store {
                path: self.path.clone(),
                message: format!("import #{id} vanished from the history while it ran"),
            })?;
        Ok(ImportReport {
            import_id: id,
            file: record.file,
            format: record.format,
            accepted: record.accepted,
            rejected: record.rejected,
            items: record.items,
            items_updated: record.items_updated,
            users: record.users,
            events: record.events,
            judgments: record.judgments,
            duplicates: record.duplicates,
            already_imported,
            resumed_from,
            sample_rejections: self.rejected_rows(id, SAMPLE_REJECTIONS)?,
            warnings: Vec::new(),
            elapsed_s: started.elapsed().as_secs_f64(),
        })
    }
}

/// Stores the running totals of an import in its open chunk.
fn save_counts(conn: &rusqlite::Connection, id: i64, c: &Counts) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE imports SET records_consumed = ?, accepted = ?, rejected = ?, items = ?, items_updated = ?, users = ?, events = ?, judgments = ?, duplicates = ? WHERE id = ?",
    )?
    .execute((
        sql_int(c.records_consumed),
        sql_int(c.accepted),
        sql_int(c.rejected),
        sql_int(c.items),
        sql_int(c.items_updated),
        sql_int(c.users),
        sql_int(c.events),
        sql_int(c.judgments),
        sql_int(c.duplicates),
        id,
    ))?;
    Ok(())
}

/// A count as SQLite's signed integer (counts never come near the limit).
pub(super) fn sql_int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Unix seconds now.
fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use shoplab_datasets::{EventKind, NoProgress};

    use super::*;
    use crate::store::fixtures::{bad_row, event, item, judgment, ok, source, temp_store};

    /// Cancels the token once `after` chunks have been reported.
    struct CancelAfter {
        token: CancelToken,
        after: u64,
        chunks: AtomicU64,
    }

    impl Progress for CancelAfter {
        fn stage(&self, _name: &str, _total: Option<u64>) {}
        fn advance(&self, _n: u64) {
            if self.chunks.fetch_add(1, Ordering::Relaxed) + 1 >= self.after {
                self.token.cancel();
            }
        }
    }

    fn events(n: i64) -> Vec<Record> {
        (0..n)
            .map(|i| {
                event(
                    i,
                    &format!("u{}", i % 3),
                    &format!("i{}", i % 4),
                    EventKind::View,
                )
            })
            .collect()
    }

    fn count(store: &Store, sql: &str) -> i64 {
        store.conn.query_row(sql, [], |r| r.get(0)).unwrap_or(-1)
    }

    fn opts(chunk_rows: usize) -> ImportOptions {
        ImportOptions {
            chunk_rows,
            ..ImportOptions::default()
        }
    }

    #[test]
    fn imports_items_users_events_and_judgments() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        let mut records = vec![item("i0", "Drill"), item("i1", "Saw")];
        // More events than one multi-row batch, plus a remainder.
        records.extend((0..70).map(|t| event(t, &format!("u{}", t % 5), "i1", EventKind::Click)));
        records.push(judgment("saw", "i1", 2.0));
        let cancel = CancelToken::new();
        let report = store.import(ok(records), &source("a"), &opts(16), &NoProgress, &cancel)?;
        assert_eq!(
            (report.accepted, report.rejected, report.items, report.users),
            (73, 0, 2, 5)
        );
        assert_eq!((report.events, report.judgments), (70, 1));
        assert!(!report.already_imported && report.resumed_from.is_none());
        assert_eq!(count(&store, "SELECT COUNT(*) FROM events"), 70);
        assert_eq!(store.item_idx("i1")?, Some(1));
        assert_eq!(store.user_idx("u4")?, Some(4));
        let history = store.imports()?;
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].status, ImportStatus::Done);
        assert_eq!(history[0].records_consumed, 73);
        assert!(history[0].finished_at.is_some());
        Ok(())
    }

    #[test]
    fn same_content_twice_adds_nothing() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        let cancel = CancelToken::new();
        let first = store.import(ok(events(10)), &source("a"), &opts(4), &NoProgress, &cancel)?;
        let again = store.import(ok(events(10)), &source("a"), &opts(4), &NoProgress, &cancel)?;
        assert!(again.already_imported);
        assert_eq!(again.import_id, first.import_id);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM events"), 10);
        assert_eq!(store.imports()?.len(), 1);
        // Other content is a new import (whose events, all stored before,
        // are skipped as duplicates).
        let other = store.import(ok(events(2)), &source("b"), &opts(4), &NoProgress, &cancel)?;
        assert!(!other.already_imported && other.import_id != first.import_id);
        assert_eq!((other.events, other.duplicates), (0, 2));
        assert_eq!(count(&store, "SELECT COUNT(*) FROM events"), 10);
        assert_eq!(store.imports()?.len(), 2);
        Ok(())
    }

    #[test]
    fn cancelled_import_resumes_exactly_once() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        let outputs = || {
            let mut v: Vec<std::result::Result<Record, RowError>> =
                events(10).into_iter().map(Ok).collect();
            v.insert(4, Err(bad_row(5)));
            v.into_iter()
        };
        let token = CancelToken::new();
        let stopper = CancelAfter {
            token: token.clone(),
            after: 1,
            chunks: AtomicU64::new(0),
        };
        let stopped = store.import(outputs(), &source("a"), &opts(3), &stopper, &token);
        assert!(matches!(stopped, Err(Error::Cancelled)));
        let history = store.imports()?;
        assert_eq!(history[0].status, ImportStatus::Cancelled);
        assert_eq!(history[0].records_consumed, 3);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM events"), 3);

        // The second run skips the three committed outputs and stores the
        // rest (including the reader's rejection) exactly once.
        let report = store.import(
            outputs(),
            &source("a"),
            &opts(3),
            &NoProgress,
            &CancelToken::new(),
        )?;
        assert_eq!(report.resumed_from, Some(3));
        assert_eq!(
            (report.accepted, report.rejected, report.events),
            (10, 1, 10)
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM events"), 10);
        assert_eq!(count(&store, "SELECT COUNT(DISTINCT ts) FROM events"), 10);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM rejected_rows"), 1);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM users"), 3);
        assert_eq!(store.imports()?[0].status, ImportStatus::Done);
        Ok(())
    }

    #[test]
    fn reader_rejections_are_kept_with_their_place() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        let outputs = vec![Ok(event(1, "u", "i", EventKind::View)), Err(bad_row(7))];
        let report = store.import(
            outputs.into_iter(),
            &source("a"),
            &ImportOptions::default(),
            &NoProgress,
            &CancelToken::new(),
        )?;
        assert_eq!((report.accepted, report.rejected), (1, 1));
        assert_eq!(report.sample_rejections, vec![bad_row(7)]);
        assert_eq!(store.rejected_rows(report.import_id, 10)?, vec![bad_row(7)]);
        Ok(())
    }

    #[test]
    fn unknown_items_need_the_catalog_or_permission() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        let cancel = CancelToken::new();
        let defaults = ImportOptions::default();
        store.import(
            ok(vec![item("i0", "Drill")]),
            &source("cat"),
            &defaults,
            &NoProgress,
            &cancel,
        )?;
        let refused = store.import(
            ok(vec![
                event(1, "u", "nope", EventKind::View),
                judgment("q", "nope", 1.0),
            ]),
            &source("ev"),
            &defaults,
            &NoProgress,
            &cancel,
        )?;
        assert_eq!(
            (refused.accepted, refused.rejected, refused.users),
            (0, 2, 0)
        );
        let reason = &refused.sample_rejections[0].reason;
        assert!(reason.contains("unknown item 'nope'") && reason.contains("--allow-new-items"));
        assert!(reason.starts_with("record 1"));
        let allowed = ImportOptions {
            allow_new_items: true,
            ..ImportOptions::default()
        };
        let report = store.import(
            ok(vec![event(1, "u", "nope", EventKind::View)]),
            &source("ev2"),
            &allowed,
            &NoProgress,
            &cancel,
        )?;
        assert_eq!((report.accepted, report.items), (1, 1));
        assert_eq!(store.item_idx("nope")?, Some(1));
        Ok(())
    }

    #[test]
    fn events_into_an_empty_catalog_create_items() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        let report = store.import(
            ok(events(8)),
            &source("a"),
            &ImportOptions::default(),
            &NoProgress,
            &CancelToken::new(),
        )?;
        assert_eq!((report.accepted, report.items, report.users), (8, 4, 3));
        assert_eq!(store.item_ids()?, vec!["i0", "i1", "i2", "i3"]);
        Ok(())
    }

    #[test]
    fn a_later_duplicate_item_updates_it() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        let report = store.import(
            ok(vec![
                item("i0", "Old"),
                item("i1", "Other"),
                item("i0", "New"),
            ]),
            &source("a"),
            &ImportOptions::default(),
            &NoProgress,
            &CancelToken::new(),
        )?;
        assert_eq!(
            (report.accepted, report.items, report.items_updated),
            (3, 2, 1)
        );
        assert_eq!(store.item(0)?.map(|i| i.title), Some("New".to_string()));
        Ok(())
    }

    #[test]
    fn strict_import_rolls_back_whole_and_keeps_the_row() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        let cancel = CancelToken::new();
        store.import(
            ok(events(4)),
            &source("earlier"),
            &opts(2),
            &NoProgress,
            &cancel,
        )?;
        let strict = ImportOptions {
            strict: true,
            chunk_rows: 2,
            ..ImportOptions::default()
        };
        let mut outputs: Vec<std::result::Result<Record, RowError>> = (10..15)
            .map(|t| Ok(event(t, "new-user", "i0", EventKind::Click)))
            .collect();
        outputs.push(Err(bad_row(9)));
        let failed = store.import(
            outputs.into_iter(),
            &source("s"),
            &strict,
            &NoProgress,
            &cancel,
        );
        let message = failed.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("events.csv:9") && message.contains("without --strict"));
        assert_eq!(count(&store, "SELECT COUNT(*) FROM events"), 4);
        assert_eq!(store.user_idx("new-user")?, None);
        let history = store.imports()?;
        assert_eq!(history[1].status, ImportStatus::Failed);
        assert_eq!(history[1].records_consumed, 0);
        assert_eq!(store.rejected_rows(history[1].id, 5)?, vec![bad_row(9)]);
        Ok(())
    }

    #[test]
    fn users_first_seen_in_events_keep_their_order() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        // More than one multi-row batch of new users, ids not in sorted order.
        let mut records: Vec<Record> = (0..70)
            .map(|u| event(u, &format!("u{}", 69 - u), "i0", EventKind::View))
            .collect();
        let mut profile = shoplab_datasets::User {
            id: "u69".into(),
            ..Default::default()
        };
        profile.attributes.insert("region".into(), "north".into());
        records.push(Record::User(profile));
        let report = store.import(
            ok(records),
            &source("a"),
            &ImportOptions::default(),
            &NoProgress,
            &CancelToken::new(),
        )?;
        assert_eq!((report.users, report.accepted), (70, 71));
        let ids = store.user_ids()?;
        assert_eq!((ids[0].as_str(), ids[69].as_str()), ("u69", "u0"));
        let attributes: String = store
            .conn
            .query_row("SELECT attributes FROM users WHERE idx = 0", [], |r| {
                r.get(0)
            })
            .map_err(|e| store.err(e))?;
        assert_eq!(attributes, r#"{"region":"north"}"#);
        Ok(())
    }

    /// Events `e{t}` by one shopper on one item, at the given times.
    fn at(times: &[i64]) -> Vec<std::result::Result<Record, RowError>> {
        times
            .iter()
            .map(|&t| Ok(event(t, "u", "i", EventKind::Purchase)))
            .collect()
    }

    #[test]
    fn a_cumulative_export_adds_only_its_new_events() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        let cancel = CancelToken::new();
        // Time 1 happens twice for real.
        let first = store.import(
            at(&[0, 1, 1, 2]).into_iter(),
            &source("monday"),
            &opts(2),
            &NoProgress,
            &cancel,
        )?;
        assert_eq!((first.events, first.duplicates), (4, 0));
        // Everything to date (another order) plus a third time-1 row and time 3.
        let second = store.import(
            at(&[2, 1, 0, 1, 1, 3]).into_iter(),
            &source("tuesday"),
            &opts(2),
            &NoProgress,
            &cancel,
        )?;
        assert_eq!(
            (second.accepted, second.events, second.duplicates),
            (2, 2, 4)
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM events"), 6);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM events WHERE ts = 1"), 3);
        assert_eq!(store.imports()?[1].duplicates, 4);
        // Any difference in content is a different event.
        let mut other = event(0, "u", "i", EventKind::Purchase);
        if let Record::Event(e) = &mut other {
            e.value = Some(2.0);
        }
        let third = store.import(
            ok(vec![other, event(0, "u", "i", EventKind::View)]),
            &source("wednesday"),
            &opts(2),
            &NoProgress,
            &cancel,
        )?;
        assert_eq!((third.events, third.duplicates), (2, 0));
        Ok(())
    }

    #[test]
    fn a_resumed_import_matches_each_stored_copy_once() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        store.import(
            at(&[0, 1, 1, 2]).into_iter(),
            &source("a"),
            &opts(2),
            &NoProgress,
            &CancelToken::new(),
        )?;
        // Time 1 three times: one more than stored.
        let b = || at(&[1, 0, 1, 1, 2, 3]).into_iter();
        let token = CancelToken::new();
        let stopper = CancelAfter {
            token: token.clone(),
            after: 1,
            chunks: AtomicU64::new(0),
        };
        let stopped = store.import(b(), &source("b"), &opts(2), &stopper, &token);
        assert!(matches!(stopped, Err(Error::Cancelled)));
        assert_eq!(store.imports()?[1].duplicates, 2);
        let report = store.import(
            b(),
            &source("b"),
            &opts(2),
            &NoProgress,
            &CancelToken::new(),
        )?;
        assert_eq!(report.resumed_from, Some(2));
        assert_eq!((report.events, report.duplicates), (2, 4));
        assert_eq!(count(&store, "SELECT COUNT(*) FROM events"), 6);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM events WHERE ts = 1"), 3);
        Ok(())
    }

    #[test]
    fn each_strict_attempt_keeps_its_own_reject() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        let strict = ImportOptions {
            strict: true,
            chunk_rows: 2,
            ..ImportOptions::default()
        };
        let outputs = || {
            let mut v = at(&[0, 1, 2]);
            v.push(Err(bad_row(5)));
            v.into_iter()
        };
        for _ in 0..2 {
            let r = store.import(
                outputs(),
                &source("s"),
                &strict,
                &NoProgress,
                &CancelToken::new(),
            );
            assert!(r.is_err());
        }
        let history = store.imports()?;
        assert_eq!(history.len(), 2, "one entry per attempt");
        for h in &history {
            assert_eq!(h.status, ImportStatus::Failed);
            assert!(h.error.as_deref().unwrap_or_default().contains("--strict"));
            assert_eq!(store.rejected_rows(h.id, 10)?, vec![bad_row(5)]);
        }
        // A later import of the same file without --strict is a third attempt.
        let report = store.import(
            outputs(),
            &source("s"),
            &opts(2),
            &NoProgress,
            &CancelToken::new(),
        )?;
        assert_eq!((report.events, report.rejected), (3, 1));
        assert_eq!(store.rejected_rows(report.import_id, 10)?.len(), 1);
        assert_eq!(store.imports()?.len(), 3);
        Ok(())
    }

    #[test]
    fn a_resume_drops_the_rejects_of_an_attempt_that_committed_nothing() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        let outputs = || {
            let mut v = at(&[0]);
            v.push(Err(bad_row(2)));
            v.extend(at(&[1, 2]));
            v.push(Err(bad_row(5)));
            v.into_iter()
        };
        let token = CancelToken::new();
        let stopper = CancelAfter {
            token: token.clone(),
            after: 1,
            chunks: AtomicU64::new(0),
        };
        assert!(
            store
                .import(outputs(), &source("f"), &opts(2), &stopper, &token)
                .is_err()
        );
        let strict = ImportOptions {
            strict: true,
            chunk_rows: 2,
            ..ImportOptions::default()
        };
        for _ in 0..2 {
            let r = store.import(
                outputs(),
                &source("f"),
                &strict,
                &NoProgress,
                &CancelToken::new(),
            );
            assert!(r.is_err());
        }
        let report = store.import(
            outputs(),
            &source("f"),
            &opts(2),
            &NoProgress,
            &CancelToken::new(),
        )?;
        assert_eq!((report.events, report.rejected), (3, 2));
        assert_eq!(
            store.rejected_rows(report.import_id, 10)?,
            vec![bad_row(2), bad_row(5)]
        );
        assert_eq!(store.imports()?.len(), 1);
        Ok(())
    }

    #[test]
    fn zero_chunk_rows_is_refused() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        let r = store.import(
            ok(events(1)),
            &source("a"),
            &opts(0),
            &NoProgress,
            &CancelToken::new(),
        );
        assert!(matches!(r, Err(Error::InvalidParameter { .. })));
        Ok(())
    }

    #[test]
    fn options_default_from_empty_json() -> std::result::Result<(), serde_json::Error> {
        let o: ImportOptions = serde_json::from_str("{}")?;
        assert_eq!(o, ImportOptions::default());
        assert_eq!(o.chunk_rows, 100_000);
        Ok(())
    }
}

#[cfg(test)]
mod file_tests {
    use shoplab_datasets::NoProgress;

    use super::*;
    use crate::store::fixtures::temp_store;

    #[test]
    fn imports_a_csv_file_once_and_places_store_rejections() -> Result<()> {
        let (dir, mut store) = temp_store()?;
        let catalog = dir.path().join("items.csv");
        std::fs::write(&catalog, "item_id,title\ni0,Drill\n")
            .map_err(|e| Error::io("cannot write", &catalog, e))?;
        let events = dir.path().join("events.csv");
        std::fs::write(
            &events,
            "user_id,item_id,timestamp,event\nu1,i0,1700000000,view\nu1,ghost,1700000001,purchase\n",
        )
        .map_err(|e| Error::io("cannot write", &events, e))?;
        let (read, opts, cancel) = (
            ReadOptions::default(),
            ImportOptions::default(),
            CancelToken::new(),
        );
        let cat = store.import_file(&catalog, &read, &opts, &NoProgress, &cancel)?;
        assert_eq!((cat.items, cat.accepted), (1, 1));
        let report = store.import_file(&events, &read, &opts, &NoProgress, &cancel)?;
        assert_eq!((report.accepted, report.rejected), (1, 1));
        let row = &report.sample_rejections[0];
        // The store rejected it, but the reader knew where it was.
        assert_eq!((row.file.as_path(), row.line), (events.as_path(), 3));
        assert!(row.reason.starts_with("unknown item 'ghost'"));
        let again = store.import_file(&events, &read, &opts, &NoProgress, &cancel)?;
        assert!(again.already_imported);
        assert_eq!(store.stats()?.events, 1);
        Ok(())
    }

    #[test]
    fn a_file_refused_as_a_whole_is_in_the_history() -> Result<()> {
        let (dir, mut store) = temp_store()?;
        let binary = dir.path().join("photo.csv");
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0".to_vec();
        bytes.extend((0..2000u32).flat_map(|i| i.to_le_bytes()));
        std::fs::write(&binary, &bytes).map_err(|e| Error::io("cannot write", &binary, e))?;
        let (read, opts, cancel) = (
            ReadOptions::default(),
            ImportOptions::default(),
            CancelToken::new(),
        );
        for attempt in 1..=2 {
            let err = store.import_file(&binary, &read, &opts, &NoProgress, &cancel);
            let message = err.err().map(|e| e.to_string()).unwrap_or_default();
            let history = store.imports()?;
            assert_eq!(history.len(), attempt);
            let entry = &history[attempt - 1];
            assert_eq!(entry.status, ImportStatus::Failed);
            assert_eq!(entry.file, binary);
            assert_eq!(entry.error.as_deref(), Some(message.as_str()));
            assert!(message.contains("binary"), "{message}");
            assert_eq!(entry.size, bytes.len() as u64);
        }
        // A path that does not exist is not a file to log.
        let missing = dir.path().join("nope.csv");
        assert!(
            store
                .import_file(&missing, &read, &opts, &NoProgress, &cancel)
                .is_err()
        );
        assert_eq!(store.imports()?.len(), 2);
        assert!(store.unfinished_imports()?.is_empty());
        Ok(())
    }
}
