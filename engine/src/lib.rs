//! ShopLab's engine: the project on disk, the SQLite event store, the tantivy
//! search index, baseline recommenders, evaluation and runs.
//!
//! It is the only crate that owns I/O and state. Every operation a face (CLI,
//! GUI, storefront) can ask for is a plain function here whose inputs and
//! outputs are serde types.

pub mod ab;
pub mod compare;
pub mod create;
pub mod demo;
pub mod error;
pub mod evaluate;
pub mod item_segments;
pub mod logistic;
pub mod metrics;
pub mod percentile;
pub mod project;
pub mod recommend;
pub mod run;
pub mod run_label;
pub mod search;
pub mod significance;
pub mod split;
pub mod store;
pub mod trec;
pub mod truth;

pub use error::{Error, Result};
pub use project::Project;
pub use shoplab_models::DeviceChoice;
