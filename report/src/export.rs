//! Writing an export: the figure as PNG and SVG, its data as CSV, into the
//! project's reports folder as `<stem>-<time>.<ext>`, each file written
//! atomically (a temporary name, then a rename), never over an older file.

use std::path::{Path, PathBuf};

use shoplab_engine::compare::Column;
use shoplab_engine::metrics::{Metric, MetricAt};
use shoplab_engine::run::RunRecord;

use crate::Export;
use crate::chart::ChartFigure;
use crate::error::ExportError;
use crate::figure::{self, Figure, Pen};
use crate::fonts::Fonts;
use crate::runs::{Shown, pick};
use crate::table::TableFigure;

/// What to export, of which runs, where.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// All of the project's runs, oldest first (labels and colours depend on them).
    pub all_runs: &'a [RunRecord],
    /// The runs to show (ids), in table order.
    pub runs: &'a [String],
    /// The table or which chart.
    pub export: &'a Export,
    /// The bar and scatter charts' measure; the metric@K chart uses its metric.
    pub measure: Column,
    /// The folder to write into (created when missing).
    pub dir: &'a Path,
    /// A CJK font file for run names in Chinese (the app's; none on the CLI
    /// unless `SHOPLAB_CJK_FONT` names one).
    pub cjk_font: Option<&'a Path>,
}

/// The file name stem of an export.
pub fn stem(export: &Export) -> &'static str {
    match export {
        Export::Table { .. } => "comparison",
        Export::MetricAtK => "metric-at-k",
        Export::Bars => "bars",
        Export::LatencyCdf => "latency-cdf",
        Export::Scatter => "quality-vs-latency",
    }
}

/// The metric the metric@K chart draws for `measure`: its own metric, or
/// nDCG when the measure is a run-level figure (the chart's title says so).
pub fn line_metric(measure: Column) -> Metric {
    match measure {
        Column::Metric(MetricAt { metric, .. }) => metric,
        _ => Metric::Ndcg,
    }
}

/// Writes one export (PNG, SVG and CSV); returns the paths written.
pub fn write(req: &Request<'_>) -> Result<Vec<PathBuf>, ExportError> {
    let shown = pick(req.all_runs, req.runs)?;
    let now = chrono::Utc::now();
    let stamp = now.format("%Y-%m-%d %H:%M UTC").to_string();
    let base = free_base(
        req.dir,
        stem(req.export),
        &now.format("%Y%m%d-%H%M%S").to_string(),
    );
    create_dir(req.dir)?;
    let pen = Pen {
        fonts: Fonts::load(req.cjk_font).map_err(|reason| ExportError::Draw {
            what: base.with_extension("png"),
            reason,
        })?,
    };
    let csv = crate::csv::chart(req.export, &shown, req.measure, line_metric(req.measure));
    match req.export {
        Export::Table { columns } => {
            let fig = TableFigure::new(&shown, columns, pen, &stamp);
            write_figure(&fig, &base, &csv)
        }
        chart => {
            let measure = match chart {
                Export::MetricAtK => match req.measure {
                    m @ Column::Metric(_) => m,
                    _ => Column::Metric(MetricAt {
                        metric: Metric::Ndcg,
                        k: 10,
                    }),
                },
                _ => req.measure,
            };
            let fig = ChartFigure::new(chart, &shown, measure, pen, &stamp)?;
            write_figure(&fig, &base, &csv)
        }
    }
}

/// Writes the table (with `columns`) and all four charts (for `measure`);
/// returns every path written, table first.
pub fn write_all(
    all_runs: &[RunRecord],
    runs: &[String],
    columns: &[Column],
    measure: Column,
    dir: &Path,
    cjk_font: Option<&Path>,
) -> Result<Vec<PathBuf>, ExportError> {
    let exports = [
        Export::Table {
            columns: columns.to_vec(),
        },
        Export::MetricAtK,
        Export::Bars,
        Export::LatencyCdf,
        Export::Scatter,
    ];
    let mut paths = Vec::new();
    for export in &exports {
        paths.extend(write(&Request {
            all_runs,
            runs,
            export,
            measure,
            dir,
            cjk_font,
        })?);
    }
    Ok(paths)
}

fn write_figure<F: Figure>(fig: &F, base: &Path, csv: &str) -> Result<Vec<PathBuf>, ExportError> {
    let png_path = base.with_extension("png");
    let svg_path = base.with_extension("svg");
    let csv_path = base.with_extension("csv");
    let png = figure::png(fig).map_err(|reason| ExportError::Draw {
        what: png_path.clone(),
        reason,
    })?;
    let svg = figure::svg(fig).map_err(|reason| ExportError::Draw {
        what: svg_path.clone(),
        reason,
    })?;
    save(&png_path, &png)?;
    save(&svg_path, svg.as_bytes())?;
    save(&csv_path, csv.as_bytes())?;
    Ok(vec![png_path, svg_path, csv_path])
}

/// `<dir>/<stem>-<time>` (no extension), with `-2`, `-3`, ... added when a
/// file of that name exists already (two exports in one second).
fn free_base(dir: &Path, stem: &str, time: &str) -> PathBuf {
    let taken = |b: &Path| {
        ["png", "svg", "csv"]
            .iter()
            .any(|ext| b.with_extension(ext).exists())
    };
    let first = dir.join(format!("{stem}-{time}"));
    if !taken(&first) {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{stem}-{time}-{n}")))
        .find(|b| !taken(b))
        .unwrap_or(first)
}

fn create_dir(dir: &Path) -> Result<(), ExportError> {
    std::fs::create_dir_all(dir).map_err(|source| ExportError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })
}

fn save(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    shoplab_engine::project::write_atomic(path, bytes).map_err(|e| ExportError::Write {
        path: path.to_path_buf(),
        source: match e {
            shoplab_engine::Error::Io { source, .. } => source,
            other => std::io::Error::other(other.to_string()),
        },
    })
}

/// The runs of a request as shown (labels and colours), for callers that
/// list them.
pub fn shown<'a>(
    all_runs: &'a [RunRecord],
    runs: &[String],
) -> Result<Vec<Shown<'a>>, ExportError> {
    pick(all_runs, runs)
}
