//! The engine's one error type. Every message says what went wrong with which
//! file, field or value, and what the user can do about it.

use std::path::PathBuf;

/// Errors of the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("cannot create", "cannot write", ...).
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A folder that should be a ShopLab project is not one.
    #[error(
        "{path} is not a ShopLab project (no shop.sqlite in it). {hint}", hint = shoplab_datasets::hint::NEW_PROJECT.cli_with(&path.display().to_string())
    )]
    NotAProject {
        /// The folder given.
        path: PathBuf,
    },
    /// The event store failed.
    #[error("event store {path}: {message}")]
    Store {
        /// The database file.
        path: PathBuf,
        /// What went wrong and what to do.
        message: String,
    },
    /// The search index failed.
    #[error("search index {path}: {message}")]
    Index {
        /// The index folder.
        path: PathBuf,
        /// What went wrong and what to do.
        message: String,
    },
    /// A file could not be read as a data source.
    #[error(transparent)]
    Data(#[from] shoplab_datasets::Error),
    /// A parameter given by the user is out of range or malformed.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidParameter {
        /// The parameter's name as the user knows it.
        name: String,
        /// The offending value.
        value: String,
        /// Why it is invalid and what is allowed.
        reason: String,
    },
    /// Training or loading a learned model failed (divergence, device, saved state).
    #[error(transparent)]
    Model(shoplab_models::Error),
    /// The sentence encoder failed to load or run (its message says how to get the model).
    #[error(transparent)]
    Encoder(shoplab_models::encoder::Error),
    /// Nothing to work on (e.g. no events imported yet).
    #[error("{0}")]
    Empty(String),
    /// Runs that cannot be paired (different data, split or protocol); the
    /// message names both runs and what differs.
    #[error("{0}")]
    NotComparable(String),
    /// Something named by the user does not exist (a run id, a user id, ...).
    #[error("{kind} '{name}' not found{hint}")]
    NotFound {
        /// What kind of thing ("run", "user", ...).
        kind: &'static str,
        /// The name given.
        name: String,
        /// Extra advice, starting with ". " when present.
        hint: String,
    },
    /// The user cancelled the work; stored data is unchanged or consistent.
    #[error("cancelled")]
    Cancelled,
    /// A JSON record on disk could not be read or written.
    #[error("{path}: {source}")]
    Json {
        /// The JSON file.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
}

/// Result alias of the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid(name: &str, value: impl ToString, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name: name.to_string(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Shorthand for an [`Error::Io`] with a path.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
