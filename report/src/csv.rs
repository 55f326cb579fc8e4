//! The CSV beside each exported image: one row per run (or per run and
//! point), each row starting with who the run is (id, label, model,
//! parameters, split, seed) so a spreadsheet or a paper can cite it.

use shoplab_engine::compare::Column;
use shoplab_engine::metrics::Metric;

use crate::Export;
use crate::runs::{Shown, params};

/// The columns naming a run, first in every export CSV.
const IDENTITY: [&str; 9] = [
    "run_id",
    "label",
    "name",
    "model",
    "created_at",
    "params",
    "split",
    "seed",
    "users_evaluated",
];

fn identity(s: &Shown<'_>) -> Vec<String> {
    let r = s.run;
    vec![
        r.id.clone(),
        s.label.clone(),
        r.name.clone(),
        r.model.clone(),
        r.created_at.clone(),
        params(r),
        r.spec.split.to_string(),
        r.spec.split.seed().to_string(),
        r.summary.users_evaluated.to_string(),
    ]
}

fn num(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map(|v| v.to_string())
        .unwrap_or_default()
}

fn document(header: &[String], rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory only fails on a defect; the text would then be short.
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(r);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

fn header(extra: &[String]) -> Vec<String> {
    IDENTITY
        .iter()
        .map(|s| s.to_string())
        .chain(extra.iter().cloned())
        .collect()
}

/// The comparison table: one row per run, in table order, every column at
/// full precision (empty where a run has no value).
pub fn table(shown: &[Shown<'_>], columns: &[Column]) -> String {
    let extra: Vec<String> = columns.iter().map(Column::label).collect();
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|s| {
            let mut row = identity(s);
            row.extend(columns.iter().map(|c| num(c.value(s.run))));
            row
        })
        .collect();
    document(&header(&extra), &rows)
}

/// A chart's data: one row per plotted point (per run and K, per run and
/// percentile), or per run; a run with nothing to plot keeps one row with
/// empty values, so it is not silently missing.
pub fn chart(export: &Export, shown: &[Shown<'_>], measure: Column, line_metric: Metric) -> String {
    let m = measure.label();
    let (extra, rows): (Vec<String>, Vec<Vec<String>>) = match export {
        Export::Table { columns } => return table(shown, columns),
        Export::MetricAtK => (
            vec!["k".into(), line_metric.as_str().into()],
            shown
                .iter()
                .flat_map(|s| {
                    let points: Vec<Vec<String>> = s
                        .run
                        .metrics
                        .iter()
                        .map(|x| vec![x.k.to_string(), num(Some(line_metric.of(&x.values)))])
                        .collect();
                    with_identity(s, points, 2)
                })
                .collect(),
        ),
        Export::Bars => (
            vec![m.clone()],
            shown
                .iter()
                .flat_map(|s| with_identity(s, vec![vec![num(measure.value(s.run))]], 1))
                .collect(),
        ),
        Export::LatencyCdf => (
            vec!["percentile".into(), "latency_us".into(), "share".into()],
            shown
                .iter()
                .flat_map(|s| {
                    let q = &s.run.summary.latency_quantiles_us;
                    let last = q.len().max(2) - 1;
                    let points = q
                        .iter()
                        .enumerate()
                        .map(|(p, us)| {
                            vec![
                                p.to_string(),
                                num(Some(*us)),
                                num(Some(p as f64 / last as f64)),
                            ]
                        })
                        .collect();
                    with_identity(s, points, 3)
                })
                .collect(),
        ),
        Export::Scatter => (
            vec!["p95_us".into(), m.clone()],
            shown
                .iter()
                .flat_map(|s| {
                    let row = vec![
                        num(Some(s.run.summary.latency_p95_us)),
                        num(measure.value(s.run)),
                    ];
                    with_identity(s, vec![row], 2)
                })
                .collect(),
        ),
    };
    document(&header(&extra), &rows)
}

/// Each data row prefixed with the run's identity; one empty row when the
/// run has no data.
fn with_identity(s: &Shown<'_>, mut points: Vec<Vec<String>>, width: usize) -> Vec<Vec<String>> {
    if points.is_empty() {
        points.push(vec![String::new(); width]);
    }
    points
        .into_iter()
        .map(|p| identity(s).into_iter().chain(p).collect())
        .collect()
}
