//! Small records and stores for the store's tests.

use std::path::PathBuf;

use shoplab_datasets::{Event, EventKind, Item, Judgment, Record, RowError};
use tempfile::TempDir;

use super::{ImportSource, Store};
use crate::error::Result;

/// A new store in a temporary folder (kept alive by the returned guard).
pub fn temp_store() -> Result<(TempDir, Store)> {
    let dir = tempfile::tempdir().map_err(|e| crate::Error::io("cannot create", "tempdir", e))?;
    let store = Store::open(&dir.path().join("shop.sqlite"))?;
    Ok((dir, store))
}

/// A source whose fingerprint is its name, so tests pick "same" or "other" data.
pub fn source(name: &str) -> ImportSource {
    ImportSource {
        path: PathBuf::from(name),
        format: "test".into(),
        fingerprint: format!("fp-{name}"),
        size: 1,
    }
}

/// A catalog item.
pub fn item(id: &str, title: &str) -> Record {
    Record::Item(Item {
        id: id.into(),
        title: title.into(),
        ..Item::default()
    })
}

/// An item event without session, query, value or position.
pub fn event(ts: i64, user: &str, item: &str, kind: EventKind) -> Record {
    Record::Event(Event {
        ts,
        user: user.into(),
        session: None,
        item: Some(item.into()),
        kind,
        query: None,
        value: None,
        position: None,
    })
}

/// A judgment.
pub fn judgment(query: &str, item: &str, grade: f64) -> Record {
    Record::Judgment(Judgment {
        query: query.into(),
        item: item.into(),
        grade,
    })
}

/// A row the reader rejected.
pub fn bad_row(line: u64) -> RowError {
    RowError {
        file: PathBuf::from("events.csv"),
        line,
        column: Some("ts".into()),
        reason: "'yesterday' is not a timestamp".into(),
        raw: "u1,i1,yesterday".into(),
    }
}

/// Reader outputs that are all records.
pub fn ok(records: Vec<Record>) -> impl Iterator<Item = std::result::Result<Record, RowError>> {
    records.into_iter().map(Ok)
}
