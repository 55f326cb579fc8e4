//! Iterators that turn table rows into records, several per row if needed,
//! and chain the files of a multi-file data set.

use std::collections::VecDeque;

use crate::error::RowError;
use crate::model::Record;

use super::table::{Row, Table};

/// Output of a reader: a record or a rejected row.
pub type Output = Result<Record, RowError>;

/// A boxed stream of outputs.
pub type Stream = Box<dyn Iterator<Item = Output> + Send>;

/// Rows of one table mapped by `f`, which pushes zero or more outputs per row.
pub struct Rows<F> {
    table: Table,
    f: F,
    pending: VecDeque<Output>,
}

impl<F> Rows<F>
where
    F: FnMut(&Row<'_>, &mut VecDeque<Output>) + Send,
{
    /// Maps every row of `table` with `f`.
    pub fn new(table: Table, f: F) -> Self {
        Rows {
            table,
            f,
            pending: VecDeque::new(),
        }
    }
}

impl<F> Iterator for Rows<F>
where
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

/// Boxes a [`Rows`].
pub fn stream<F>(table: Table, f: F) -> Stream
where
    F: FnMut(&Row<'_>, &mut VecDeque<Output>) + Send + 'static,
{
    Box::new(Rows::new(table, f))
}
