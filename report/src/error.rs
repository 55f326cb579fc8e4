//! What can go wrong writing an export, each naming what to fix.

use std::path::PathBuf;

impl ExportError {
    /// A file or folder that could not be written.
    pub fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        ExportError::Write {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// An export that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No runs were asked for.
    #[error("no runs to export: tick at least one run")]
    NoRuns,
    /// A run id is not among the project's runs.
    #[error("run {0} is not in this project any more; reload the project and export again")]
    UnknownRun(String),
    /// The metric@K chart was asked for with a figure that has no cut-off.
    #[error(
        "the metric@K chart needs a ranking metric such as ndcg@10, not {0}; choose one as the chart metric"
    )]
    NotAtK(String),
    /// The reports folder cannot be made.
    #[error("cannot create the folder {path}: {source}; choose a folder you can write to")]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file cannot be written (read-only folder, disk full, ...).
    #[error(
        "cannot write {path}: {source}; check that the folder is writable and the disk has room"
    )]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A report folder that exists already (reports never write over one).
    #[error(
        "the folder {0} exists already; a report never writes over one: choose another (--out)"
    )]
    Exists(PathBuf),
    /// The fonts or the drawing failed (a defect, not the user's doing).
    #[error("cannot draw {what}: {reason}")]
    Draw {
        /// The file being drawn.
        what: PathBuf,
        /// What the drawing library said.
        reason: String,
    },
}
