//! Reads a source on its own thread, so that parsing text overlaps with
//! SQLite writing the records before it: on two cores this is most of the
//! difference between a parse-then-write loop and the import target.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use shoplab_datasets::read::{Cursor, Source, Tracker};
use shoplab_datasets::{Record, RowError};

/// Reader outputs per message: large enough that channel costs vanish,
/// small enough that memory stays flat (a few MB in flight).
const BATCH: usize = 2048;
/// Batches in flight between the threads.
const IN_FLIGHT: usize = 4;

type Output = Result<Record, RowError>;

/// A [`Source`] read ahead on a background thread.
pub(super) struct Prefetched {
    rx: Option<Receiver<Vec<(Output, Cursor)>>>,
    batch: std::vec::IntoIter<(Output, Cursor)>,
    last: Cursor,
    tracker: Tracker,
    reader: Option<JoinHandle<()>>,
}

impl Prefetched {
    /// Starts reading `source` on its own thread.
    pub(super) fn spawn(source: Source) -> std::io::Result<Prefetched> {
        let tracker = source.tracker();
        let (tx, rx) = sync_channel(IN_FLIGHT);
        let reader = std::thread::Builder::new()
            .name("shoplab-reader".into())
            .spawn(move || read_ahead(source, tx))?;
        Ok(Prefetched {
            rx: Some(rx),
            batch: Vec::new().into_iter(),
            last: Cursor::default(),
            tracker,
            reader: Some(reader),
        })
    }

    /// File and line of the output returned last.
    pub(super) fn location(&self) -> Option<(PathBuf, u64)> {
        self.tracker.locate(self.last)
    }

    /// Total bytes of the source's files.
    pub(super) fn total_bytes(&self) -> u64 {
        self.tracker.total_bytes()
    }

    /// Bytes the reader thread has read (it runs a few batches ahead).
    pub(super) fn bytes_read(&self) -> u64 {
        self.tracker.bytes_read()
    }
}

fn read_ahead(source: Source, tx: SyncSender<Vec<(Output, Cursor)>>) {
    let tracker = source.tracker();
    let mut batch = Vec::with_capacity(BATCH);
    for output in source {
        batch.push((output, tracker.cursor()));
        if batch.len() == BATCH {
            // The consumer hung up (import stopped): stop reading.
            if tx
                .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                .is_err()
            {
                return;
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(batch);
    }
}

impl Iterator for Prefetched {
    type Item = Output;

    fn next(&mut self) -> Option<Output> {
        loop {
            if let Some((output, cursor)) = self.batch.next() {
                self.last = cursor;
                return Some(output);
            }
            let rx = self.rx.as_ref()?;
            match rx.recv() {
                Ok(batch) => self.batch = batch.into_iter(),
                Err(_) => {
                    self.rx = None;
                    if let Some(h) = self.reader.take()
                        && let Err(panic) = h.join()
                    {
                        // Never let a crashed reader look like the end of the
                        // file: the import would be marked done with rows
                        // missing. Crashing leaves it resumable instead.
                        std::panic::resume_unwind(panic);
                    }
                    return None;
                }
            }
        }
    }
}

impl Drop for Prefetched {
    fn drop(&mut self) {
        // Hang up first so a reader blocked on a full channel wakes and ends.
        self.rx = None;
        if let Some(h) = self.reader.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoplab_datasets::read::{ReadOptions, open};

    #[test]
    fn yields_what_the_source_yields_with_positions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.csv");
        let mut text = String::from("timestamp,user_id,item_id,event\n");
        for i in 0..5000 {
            text.push_str(&format!(
                "{},U{},P{},view\n",
                1_700_000_000 + i,
                i % 7,
                i % 11
            ));
        }
        text.push_str("bad,U1,P1,view\n");
        std::fs::write(&path, text).unwrap();
        let direct: Vec<_> = open(&path, &ReadOptions::default()).unwrap().collect();
        let mut pre = Prefetched::spawn(open(&path, &ReadOptions::default()).unwrap()).unwrap();
        let mut got = Vec::new();
        while let Some(o) = pre.next() {
            if o.is_err() {
                assert_eq!(pre.location().map(|l| l.1), Some(5002));
            }
            got.push(o);
        }
        assert_eq!(got, direct);
        assert_eq!(pre.bytes_read(), pre.total_bytes());
    }

    #[test]
    fn dropping_early_stops_the_reader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.csv");
        let mut text = String::from("timestamp,user_id,item_id,event\n");
        for i in 0..50_000 {
            text.push_str(&format!("{},U1,P1,view\n", 1_700_000_000 + i));
        }
        std::fs::write(&path, text).unwrap();
        let mut pre = Prefetched::spawn(open(&path, &ReadOptions::default()).unwrap()).unwrap();
        assert!(pre.next().is_some());
        drop(pre); // must not hang
    }
}
