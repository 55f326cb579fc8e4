//! Iterators that turn table rows into records, several per row if needed,
//! and chain the files of a multi-file data set.

use std::collections::VecDeque;
use std::path::Path;

use crate::error::{Error, Result, RowError};
use crate::model::Record;

use super::parquet::ParquetTable;
use super::table::{Row, Table};

/// Output of a reader: a record or a rejected row.
pub type Output = std::result::Result<Record, RowError>;

/// A boxed stream of outputs.
pub type Stream = Box<dyn Iterator<Item = Output> + Send>;

/// A file read row by row with named columns (CSV / TSV or parquet).
pub trait RowSource: Send {
    /// The next row, or a rejection of it; `None` at the end.
    fn next_row(&mut self) -> Option<std::result::Result<Row<'_>, RowError>>;
    /// Column names.
    fn header(&self) -> &[String];
    /// The file.
    fn path(&self) -> &Path;
}

impl RowSource for Table {
    fn next_row(&mut self) -> Option<std::result::Result<Row<'_>, RowError>> {
        Table::next_row(self)
    }
    fn header(&self) -> &[String] {
        &self.header
    }
    fn path(&self) -> &Path {
        Table::path(self)
    }
}

/// Either kind of table, for data sets distributed in both forms.
pub enum AnyTable {
    /// Delimited text.
    Text(Box<Table>),
    /// Parquet.
    Parquet(Box<ParquetTable>),
}

impl RowSource for AnyTable {
    fn next_row(&mut self) -> Option<std::result::Result<Row<'_>, RowError>> {
        match self {
            AnyTable::Text(t) => t.next_row(),
            AnyTable::Parquet(t) => t.next_row(),
        }
    }
    fn header(&self) -> &[String] {
        match self {
            AnyTable::Text(t) => &t.header,
            AnyTable::Parquet(t) => t.header(),
        }
    }
    fn path(&self) -> &Path {
        match self {
            AnyTable::Text(t) => t.path(),
            AnyTable::Parquet(t) => t.path(),
        }
    }
}

/// Index of a column by name (case-insensitive), or an error naming the columns there are.
pub fn col(t: &impl RowSource, name: &str) -> Result<usize> {
    t.header()
        .iter()
        .position(|h| h.eq_ignore_ascii_case(name))
        .ok_or_else(|| Error::Unreadable {
            path: t.path().to_path_buf(),
            reason: format!(
                "has no '{name}' column (columns: {})",
                super::names::list(t.header())
            ),
        })
}

/// Rows of one table mapped by `f`, which pushes zero or more outputs per row.
pub struct Rows<S, F> {
    table: S,
    f: F,
    pending: VecDeque<Output>,
}

impl<S, F> Iterator for Rows<S, F>
where
    S: RowSource,
    F: FnMut(&Row<'_>, &mut VecDeque<Output>) + Send,
{
    type Item = Output;

    fn next(&mut self) -> Option<Output> {
        loop {
            if let Some(o) = self.pending.pop_front() {
                return Some(o);
            }
            match self.table.next_row()? {
                Err(e) => return Some(Err(e)),
                Ok(row) => (self.f)(&row, &mut self.pending),
            }
        }
    }
}

/// Maps every row of `table` with `f`, boxed.
pub fn stream<S, F>(table: S, f: F) -> Stream
where
    S: RowSource + 'static,
    F: FnMut(&Row<'_>, &mut VecDeque<Output>) + Send + 'static,
{
    Box::new(Rows {
        table,
        f,
        pending: VecDeque::new(),
    })
}
