//! Progress reporting and cancellation for long work.
//!
//! The library calls a [`Progress`]; the CLI implements it with progress bars,
//! the GUI with a channel to its UI thread. Work checks a [`CancelToken`]
//! between chunks and stops cleanly, leaving stored data consistent.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Receives progress of long work. Implementations must be cheap to call.
pub trait Progress: Send + Sync {
    /// A new stage begins (`total` is the number of units, when known).
    fn stage(&self, name: &str, total: Option<u64>);
    /// A new stage that counts bytes of a source being read (an import);
    /// by default reported like any other stage.
    fn stage_bytes(&self, name: &str, total_bytes: Option<u64>) {
        self.stage(name, total_bytes);
    }
    /// `n` more units of the current stage are done.
    fn advance(&self, n: u64);
    /// A live metric (e.g. training loss at an epoch).
    fn metric(&self, _name: &str, _value: f64) {}
    /// The current stage is finished.
    fn finish_stage(&self) {}
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _name: &str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
}

/// Shared flag that asks long work to stop.
#[derive(Debug, Default, Clone)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the work to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// True once [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
