//! Errors of the datasets crate.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A failure that stops reading a whole source (as opposed to one bad row).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file or folder could not be opened or read.
    #[error("cannot read {path}: {source}. Check that the path exists and is readable.")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error(
        "cannot write {path}: {source}. Check that the folder is writable and the disk has space."
    )]
    Write {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The source is not in a form ShopLab can read; `reason` says why and what to do.
    #[error("{path}: {reason}")]
    Unreadable {
        /// The offending file.
        path: PathBuf,
        /// What is wrong and what to do about it.
        reason: String,
    },
    /// A saved model's parameters do not hold what its loader expects.
    #[error("the saved model does not load: {0}")]
    ModelState(String),
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One row that could not be turned into a record. Readers yield these and go on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowError {
    /// The file the row is in.
    pub file: PathBuf,
    /// 1-based line number in that file.
    pub line: u64,
    /// The column (header name or 1-based number) at fault, when one is.
    pub column: Option<String>,
    /// What is wrong, in plain words.
    pub reason: String,
    /// The raw row text (truncated to a few hundred characters), for review.
    pub raw: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)?;
        if let Some(c) = &self.column {
            write!(f, " column '{c}'")?;
        }
        write!(f, ": {}", self.reason)
    }
}
