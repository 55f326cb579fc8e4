//! The one error type of the models crate.

use std::path::PathBuf;

/// Everything that can go wrong while fitting, loading or serving a learned model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is outside its allowed range (named so the user can fix it).
    #[error("{field} = {value} is not allowed; expected {allowed}")]
    Invalid {
        /// The parameter's name, as written in a spec file or `NAME=VALUE`.
        field: String,
        /// The value that was given.
        value: String,
        /// The allowed range or forms.
        allowed: String,
    },
    /// Training was cancelled; nothing was returned.
    #[error("cancelled")]
    Cancelled,
    /// The loss became NaN or infinite.
    #[error(
        "training diverged at epoch {epoch}, batch {batch} (loss {loss}); lower learning_rate \
         (the last good checkpoint, if any, was kept)"
    )]
    Diverged {
        /// Epoch (1-based) where the loss stopped being finite.
        epoch: usize,
        /// Batch (1-based) within that epoch.
        batch: usize,
        /// The offending loss value.
        loss: f64,
    },
    /// The compute device could not be used.
    #[error("device: {0}")]
    Device(String),
    /// A tensor operation failed.
    #[error("tensor operation failed: {0}")]
    Candle(#[from] candle_core::Error),
    /// A saved model or checkpoint does not match this version of ShopLab.
    #[error("{0}")]
    State(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

impl From<crate::ials::IalsError> for Error {
    fn from(e: crate::ials::IalsError) -> Self {
        use crate::ials::IalsError;
        match e {
            IalsError::Cancelled => Error::Cancelled,
            IalsError::InvalidParam {
                field,
                value,
                allowed,
            } => Error::invalid(field, value, allowed),
            other => Error::State(other.to_string()),
        }
    }
}

/// Result alias of the models crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Invalid`] for `field` holding `value`, allowed `allowed`.
    pub fn invalid(field: &str, value: impl ToString, allowed: &str) -> Self {
        Error::Invalid {
            field: field.to_string(),
            value: value.to_string(),
            allowed: allowed.to_string(),
        }
    }

    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
