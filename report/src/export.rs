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
use crate::runs::pick;
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
    write_at(req, chrono::Utc::now())
}

/// [`write`], with the time that names the files (one time for a set).
fn write_at(
    req: &Request<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<PathBuf>, ExportError> {
    let shown = pick(req.all_runs, req.runs)?;
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
    let now = chrono::Utc::now();
    let mut paths = Vec::new();
    for export in &exports {
        paths.extend(write_at(
            &Request {
                all_runs,
                runs,
                export,
                measure,
                dir,
                cjk_font,
            },
            now,
        )?);
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

#[cfg(test)]
mod tests {
    use super::*;
    use shoplab_engine::metrics::MetricSet;
    use shoplab_engine::recommend::{EaseParams, ModelSpec};
    use shoplab_engine::run::MetricsAtK;

    /// An EASE run with `reg`, metrics at K = 5, 10, 20 and a latency spread.
    fn run(i: usize, reg: f32) -> RunRecord {
        let mut r = RunRecord {
            id: format!("run-{i:02}"),
            name: "ease".into(),
            model: "ease".into(),
            created_at: format!("2026-12-01T10:{:02}:00+00:00", i % 60),
            ..RunRecord::default()
        };
        r.spec.model = ModelSpec::Ease(EaseParams { reg });
        let base = 0.1 + i as f64 * 0.01;
        r.metrics = [5, 10, 20]
            .iter()
            .map(|&k| MetricsAtK {
                k,
                values: MetricSet {
                    ndcg: base + k as f64 * 0.005,
                    recall: base + k as f64 * 0.01,
                    ..MetricSet::default()
                },
            })
            .collect();
        r.auc = 0.7 + i as f64 * 0.001;
        r.summary.users_evaluated = 239;
        r.summary.latency_p95_us = 100.0 + 20.0 * i as f64;
        r.summary.latency_quantiles_us = (0..=100)
            .map(|p| 50.0 + 3.0 * p as f64 + i as f64)
            .collect();
        r
    }

    fn runs(n: usize) -> Vec<RunRecord> {
        (0..n).map(|i| run(i, 10.0 * (i + 1) as f32)).collect()
    }

    fn ids(runs: &[RunRecord]) -> Vec<String> {
        runs.iter().map(|r| r.id.clone()).collect()
    }

    fn pen() -> Pen {
        Pen {
            fonts: Fonts::load(None).unwrap(),
        }
    }

    fn ndcg10() -> Column {
        "ndcg@10".parse().unwrap()
    }

    #[test]
    fn the_table_image_grows_with_its_rows_so_forty_runs_are_whole() {
        let columns = Column::defaults();
        let all = runs(40);
        let small = pick(&all, &ids(&all[..2])).unwrap();
        let big = pick(&all, &ids(&all)).unwrap();
        let (_, h2) = TableFigure::new(&small, &columns, pen(), "now").size();
        let (w40, h40) = TableFigure::new(&big, &columns, pen(), "now").size();
        assert!(h40 >= h2 + 38 * 30, "{h2} -> {h40}");
        let fig = TableFigure::new(&big, &columns, pen(), "now");
        let png = figure::png(&fig).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_rgb8();
        let k = figure::PNG_SCALE;
        assert_eq!(img.dimensions(), (w40 * k, h40 * k));
        // The last row's label is drawn (its colour swatch is at the left).
        let last_row_y = (TableFigure::table_top() + 36 + 39 * 30 + 15) as u32;
        let [r, g, b] = crate::palette::run_color(39);
        assert_eq!(
            img.get_pixel((24 + 10 + 7) * k, last_row_y * k).0,
            [r, g, b]
        );
    }

    /// Non-white pixels in a rectangle given in figure units.
    fn ink_in(img: &image::RgbImage, rect: (i32, i32, i32, i32)) -> usize {
        let k = figure::PNG_SCALE as i32;
        let (x0, y0, x1, y1) = (rect.0 * k, rect.1 * k, rect.2 * k, rect.3 * k);
        let mut n = 0;
        for y in y0.max(0)..y1.min(img.height() as i32) {
            for x in x0.max(0)..x1.min(img.width() as i32) {
                if img.get_pixel(x as u32, y as u32).0 != [255, 255, 255] {
                    n += 1;
                }
            }
        }
        n
    }

    #[test]
    fn every_chart_draws_its_legend_beside_the_plot_and_its_axes() {
        let all = runs(5);
        let shown = pick(&all, &ids(&all)).unwrap();
        for export in [
            Export::MetricAtK,
            Export::Bars,
            Export::LatencyCdf,
            Export::Scatter,
        ] {
            let fig = ChartFigure::new(&export, &shown, ndcg10(), pen(), "now").unwrap();
            let img = image::load_from_memory(&figure::png(&fig).unwrap())
                .unwrap()
                .to_rgb8();
            let k = figure::PNG_SCALE;
            assert_eq!(img.dimensions(), (fig.size().0 * k, fig.size().1 * k));
            let legend = fig.legend_rect();
            let plot = fig.plot_rect();
            assert!(
                legend.0 >= plot.2,
                "{export:?}: the legend is beside the plot"
            );
            assert!(ink_in(&img, legend) > 200, "{export:?}: legend drawn");
            let y_axis = (plot.0, plot.1, plot.0 + fig.y_label_width(), plot.3);
            assert!(ink_in(&img, y_axis) > 200, "{export:?}: y ticks and title");
            let x_axis = (plot.0, plot.3 - 60, plot.2, plot.3);
            assert!(ink_in(&img, x_axis) > 200, "{export:?}: x ticks and title");
        }
    }

    #[test]
    fn the_metric_at_k_chart_needs_a_ranking_metric() {
        let all = runs(2);
        let shown = pick(&all, &ids(&all)).unwrap();
        let err = ChartFigure::new(&Export::MetricAtK, &shown, Column::Auc, pen(), "now");
        assert!(matches!(err, Err(ExportError::NotAtK(c)) if c == "auc"));
        // A run-level figure is fine for bars and the scatter.
        assert!(ChartFigure::new(&Export::Bars, &shown, Column::Auc, pen(), "now").is_ok());
    }

    #[test]
    fn csv_rows_carry_params_split_and_seed_one_row_per_run() {
        let all = runs(3);
        let shown = pick(&all, &ids(&all)).unwrap();
        let text = crate::csv::table(&shown, &[ndcg10(), Column::Auc]);
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        for col in [
            "run_id", "label", "params", "split", "seed", "ndcg@10", "auc",
        ] {
            assert!(header.iter().any(|h| h == col), "{col} in {header:?}");
        }
        let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        let at = |name: &str| header.iter().position(|h| h == name).unwrap();
        assert_eq!(&rows[1][at("params")], "reg=20");
        assert_eq!(&rows[1][at("seed")], "42");
        assert_eq!(&rows[1][at("label")], "ease · reg=20");
        assert!(rows[1][at("split")].starts_with("temporal"));
        assert_eq!(rows[2][at("ndcg@10")].parse::<f64>().unwrap(), 0.17);
        // Charts: one row per run and K.
        let lines = crate::csv::chart(&Export::MetricAtK, &shown, ndcg10(), Metric::Ndcg);
        assert_eq!(lines.lines().count(), 1 + 3 * 3);
    }

    #[test]
    fn write_puts_png_svg_and_csv_in_the_folder_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let all = runs(3);
        let ids = ids(&all);
        let req = Request {
            all_runs: &all,
            runs: &ids,
            export: &Export::LatencyCdf,
            measure: ndcg10(),
            dir: &dir.path().join("reports"),
            cjk_font: None,
        };
        let first = write(&req).unwrap();
        let second = write(&req).unwrap();
        for p in first.iter().chain(&second) {
            assert!(p.is_file(), "{}", p.display());
        }
        assert_ne!(
            first, second,
            "a second export in the same second gets its own name"
        );
        assert!(
            first[0]
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("latency-cdf-")
        );
        let svg = std::fs::read_to_string(&first[1]).unwrap();
        assert!(svg.contains("<svg") && svg.contains("Latency per request"));
    }

    #[test]
    fn an_unwritable_folder_is_a_typed_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, "x").unwrap();
        let all = runs(1);
        let ids = ids(&all);
        let bad = file.join("reports");
        let err = write(&Request {
            all_runs: &all,
            runs: &ids,
            export: &Export::Bars,
            measure: ndcg10(),
            dir: &bad,
            cjk_font: None,
        })
        .unwrap_err();
        assert!(matches!(&err, ExportError::CreateDir { path, .. } if *path == bad));
        assert!(
            err.to_string().contains(&bad.display().to_string()),
            "{err}"
        );
    }
}
