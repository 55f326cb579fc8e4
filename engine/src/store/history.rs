//! The history of imports and the rows they rejected, for review.

use std::path::PathBuf;
use std::str::FromStr;

use rusqlite::Row;
use serde::{Deserialize, Serialize};
use shoplab_datasets::RowError;

use super::Store;
use super::writer::Counts;
use crate::error::Result;

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportStatus {
    /// Under way, or killed before it finished (importing the file again
    /// resumes it).
    Running,
    /// Finished; importing the same file again adds nothing.
    Done,
    /// Stopped by an error, or the file was refused as a whole (see
    /// [`ImportRecord::error`]); importing the file again resumes it when part
    /// of it was stored, else starts a new attempt.
    Failed,
    /// Cancelled by the user; importing the file again resumes it.
    Cancelled,
}

impl ImportStatus {
    /// The name stored in the `imports` table.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Running => "running",
            ImportStatus::Done => "done",
            ImportStatus::Failed => "failed",
            ImportStatus::Cancelled => "cancelled",
        }
    }
}

impl FromStr for ImportStatus {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match s {
            "running" => ImportStatus::Running,
            "done" => ImportStatus::Done,
            "failed" => ImportStatus::Failed,
            "cancelled" => ImportStatus::Cancelled,
            other => return Err(format!("unknown import status '{other}'")),
        })
    }
}

/// One row of the import history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRecord {
    /// Import id, referenced by events, judgments and rejected rows.
    pub id: i64,
    /// The source file as given.
    pub file: PathBuf,
    /// The reader's format name (`csv`, `jsonl`, ...).
    pub format: String,
    /// Content fingerprint of the file (see [`super::fingerprint_file`]).
    pub fingerprint: String,
    /// File size in bytes.
    pub size: u64,
    /// Unix seconds when the import first started.
    pub started_at: i64,
    /// Unix seconds when it finished; `None` while unfinished.
    pub finished_at: Option<i64>,
    /// Where it stands.
    pub status: ImportStatus,
    /// Reader outputs consumed and committed (where a resume starts).
    pub records_consumed: u64,
    /// Records stored.
    pub accepted: u64,
    /// Rows rejected.
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
    /// Events skipped because earlier imports had stored them (a cumulative
    /// export imported again).
    #[serde(default)]
    pub duplicates: u64,
    /// Why the import stopped, or why its file was refused as a whole.
    #[serde(default)]
    pub error: Option<String>,
}

/// Columns read by [`import_from_row`], in order, for a store at schema
/// `version` (version 1 had no `duplicates` and `error`).
pub(super) fn import_columns(version: i64) -> &'static str {
    if version >= 2 {
        "id, file, format, fingerprint, size, started_at, finished_at, status, records_consumed, accepted, rejected, items, items_updated, users, events, judgments, duplicates, error"
    } else {
        "id, file, format, fingerprint, size, started_at, finished_at, status, records_consumed, accepted, rejected, items, items_updated, users, events, judgments, 0, NULL"
    }
}

/// Reads an [`ImportRecord`] selected with [`IMPORT_COLUMNS`].
pub(super) fn import_from_row(r: &Row<'_>) -> rusqlite::Result<ImportRecord> {
    let status: String = r.get(7)?;
    let status = status.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, e.into())
    })?;
    let counts = |i| r.get::<_, i64>(i).map(|v| u64::try_from(v).unwrap_or(0));
    Ok(ImportRecord {
        id: r.get(0)?,
        file: PathBuf::from(r.get::<_, String>(1)?),
        format: r.get(2)?,
        fingerprint: r.get(3)?,
        size: counts(4)?,
        started_at: r.get(5)?,
        finished_at: r.get(6)?,
        status,
        records_consumed: counts(8)?,
        accepted: counts(9)?,
        rejected: counts(10)?,
        items: counts(11)?,
        items_updated: counts(12)?,
        users: counts(13)?,
        events: counts(14)?,
        judgments: counts(15)?,
        duplicates: counts(16)?,
        error: r.get(17)?,
    })
}

impl ImportRecord {
    /// The running totals recorded for this import.
    pub(super) fn counts(&self) -> Counts {
        Counts {
            records_consumed: self.records_consumed,
            accepted: self.accepted,
            rejected: self.rejected,
            items: self.items,
            items_updated: self.items_updated,
            users: self.users,
            events: self.events,
            duplicates: self.duplicates,
            judgments: self.judgments,
        }
    }

    /// True when the import stopped part-way with some of its file stored.
    pub fn is_partial(&self) -> bool {
        self.status != ImportStatus::Done && self.records_consumed > 0
    }
}

impl Store {
    /// Every import, oldest first.
    pub fn imports(&self) -> Result<Vec<ImportRecord>> {
        self.select_imports("ORDER BY id", [])
    }

    /// The files whose latest import stopped part-way, leaving only part of
    /// the file in the store (oldest first). Re-running the import resumes it.
    pub fn unfinished_imports(&self) -> Result<Vec<ImportRecord>> {
        let mut partial = self.select_imports(
            "i WHERE id = (SELECT MAX(id) FROM imports j WHERE j.file = i.file) ORDER BY id",
            [],
        )?;
        partial.retain(ImportRecord::is_partial);
        Ok(partial)
    }

    /// Import records selected by the SQL after `FROM imports`, with its
    /// parameters.
    pub(super) fn select_imports<P: rusqlite::Params>(
        &self,
        rest: &str,
        params: P,
    ) -> Result<Vec<ImportRecord>> {
        let sql = format!("SELECT {} FROM imports {rest}", import_columns(self.schema));
        let run = || -> rusqlite::Result<Vec<ImportRecord>> {
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params, import_from_row)?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// Up to `limit` rows rejected by import `import_id`, in file order.
    pub fn rejected_rows(&self, import_id: i64, limit: usize) -> Result<Vec<RowError>> {
        let run = || -> rusqlite::Result<Vec<RowError>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT file, line, col, reason, raw FROM rejected_rows WHERE import_id = ? ORDER BY rowid LIMIT ?",
            )?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt.query_map((import_id, limit), |r| {
                Ok(RowError {
                    file: PathBuf::from(r.get::<_, String>(0)?),
                    line: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                    column: r.get(2)?,
                    reason: r.get(3)?,
                    raw: r.get(4)?,
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_round_trip() {
        for s in [
            ImportStatus::Running,
            ImportStatus::Done,
            ImportStatus::Failed,
            ImportStatus::Cancelled,
        ] {
            assert_eq!(s.as_str().parse::<ImportStatus>(), Ok(s));
        }
        assert!("paused".parse::<ImportStatus>().is_err());
    }
}
