//! Parquet files read row by row, for data sets distributed that way (the
//! Amazon ESCI shopping queries). Only flat columns are read; values become
//! text like a CSV cell, so the same row mapping serves both forms.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use parquet::record::reader::RowIter;

use crate::error::{Error, Result, RowError};

use super::table::{OwnedFields, Position, Row};

/// A parquet file, one row at a time.
pub struct ParquetTable {
    path: PathBuf,
    header: Vec<String>,
    rows: RowIter<'static>,
    record: OwnedFields,
    row: u64,
    size: u64,
    pos: Arc<Position>,
    file_idx: u64,
    done: bool,
}

impl ParquetTable {
    /// Opens `path`; `pos` receives progress (a file counts as read at its end).
    pub fn open(path: &Path, pos: Arc<Position>) -> Result<ParquetTable> {
        let file = File::open(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        let size = file.metadata().map_or(0, |m| m.len());
        let reader = SerializedFileReader::try_from(file).map_err(|e| Error::Unreadable {
            path: path.to_path_buf(),
            reason: format!("is not a readable parquet file ({e})"),
        })?;
        let header = reader
            .metadata()
            .file_metadata()
            .schema_descr()
            .root_schema()
            .get_fields()
            .iter()
            .map(|f| f.name().to_string())
            .collect();
        Ok(ParquetTable {
            path: path.to_path_buf(),
            header,
            rows: reader.into_iter(),
            record: OwnedFields::default(),
            row: 0,
            size,
            file_idx: pos.register(path),
            pos,
            done: false,
        })
    }

    /// Column names.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next row (its "line" is the 1-based row number), or a rejection.
    pub fn next_row(&mut self) -> Option<std::result::Result<Row<'_>, RowError>> {
        use std::sync::atomic::Ordering;
        if self.done {
            return None;
        }
        let row = match self.rows.next() {
            None => {
                self.done = true;
                self.pos.advance(self.size);
                return None;
            }
            Some(Err(e)) => {
                // A damaged page ends the file: later rows cannot be located.
                self.done = true;
                return Some(Err(RowError {
                    file: self.path.clone(),
                    line: self.row + 1,
                    column: None,
                    reason: format!(
                        "cannot read this parquet row ({e}); the rest of the file is skipped"
                    ),
                    raw: String::new(),
                }));
            }
            Some(Ok(row)) => row,
        };
        self.row += 1;
        self.pos.line.store(self.row, Ordering::Relaxed);
        self.pos.file.store(self.file_idx, Ordering::Relaxed);
        self.record.clear();
        for (_, field) in row.get_column_iter() {
            match field {
                Field::Null => self.record.push_field(""),
                Field::Str(s) => self.record.push_field(s),
                other => self.record.push_field(&other.to_string()),
            }
        }
        Some(Ok(Row {
            line: self.row,
            fields: self.record.as_fields(),
            path: &self.path,
        }))
    }
}
