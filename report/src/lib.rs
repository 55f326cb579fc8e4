//! Files a person reads: a comparison's table and charts written to disk
//! whole (title, axes, legend), whatever the app's scroll position, and
//! the same from the CLI. Runs keep one colour everywhere ([`palette`]) and
//! one label everywhere (`shoplab_engine::run_label`).
//!
//! Drawing uses plotters' bitmap and SVG backends with text from egui's
//! bundled font ([`fonts`]): no system font lookup, nothing fetched at run
//! time.

pub mod chart;
pub mod csv;
pub mod error;
pub mod export;
mod figure;
pub mod fonts;
pub mod html;
pub mod interval;
pub mod palette;
pub mod runs;
pub mod table;

use shoplab_engine::compare::Column;

pub use error::ExportError;
pub use export::{Request, write, write_all};
pub use html::{ReportRequest, new_report_dir, write_report};

/// What to write from the Compare view (or `shoplab compare --export`).
#[derive(Debug, Clone, PartialEq)]
pub enum Export {
    /// The whole table, every row and column (PNG), and a CSV with each
    /// run's parameters, split and seed beside its values.
    Table {
        /// The columns, in the order shown.
        columns: Vec<Column>,
    },
    /// Metric against cut-off K, one line per run.
    MetricAtK,
    /// Metric at one K, one bar per run.
    Bars,
    /// Latency per request, cumulative share (log-scaled time axis).
    LatencyCdf,
    /// Metric at one K against p95 latency.
    Scatter,
}
