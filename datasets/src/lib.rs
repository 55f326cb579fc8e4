//! ShopLab's data model, streaming readers for shop data formats, and the
//! synthetic shop generator.
//!
//! This crate knows files and records, never databases or indexes. Start at
//! [`model`] for the records and [`read`] for turning files into them.

pub mod error;
pub mod hint;
pub mod interactions;
pub mod model;
pub mod model_state;
pub mod progress;
pub mod read;
pub mod recommender;
pub mod synthetic;

pub use error::{Error, Result, RowError};
pub use interactions::{Interactions, SeqEvent, Sequences, SparseMatrix, Weighting};
pub use model::{Event, EventKind, Item, Judgment, Record, User};
pub use model_state::{ArrayData, ModelState, NamedArray};
pub use progress::{CancelToken, NoProgress, Progress};
pub use recommender::{Recommender, UserQuery, top_k};
