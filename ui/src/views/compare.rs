//! Compare: runs x metrics (sortable, best per column highlighted) and
//! charts (metric@K curves, bars per metric, latency CDF, recall vs
//! latency); hovering shows exact values, and every table and chart exports
//! to CSV and PNG under the project's reports folder. The table is computed
//! when the ticked runs change, not every frame.

use std::collections::BTreeSet;

use eframe::egui::{self, RichText};
use egui_extras::{Column as TableColumn, TableBuilder};
use egui_plot::{Bar, BarChart, Corner, Legend, Line, Plot, PlotPoints, Points, Text};
use shoplab_engine::compare::{Column, Comparison, compare};
use shoplab_engine::metrics::Metric;
use shoplab_engine::run::RunRecord;

use super::{ViewCtx, explain_button, value};
use crate::chart;
use crate::command::Command;
use crate::snapshot::Snapshot;

/// Metrics offered for the curve, bar and scatter charts.
const CHART_METRICS: [Metric; 6] = [
    Metric::Ndcg,
    Metric::Recall,
    Metric::Precision,
    Metric::Mrr,
    Metric::Hit,
    Metric::Map,
];

/// Compare view state.
#[derive(Debug)]
pub struct CompareState {
    /// Run ids ticked for comparison.
    pub selected: BTreeSet<String>,
    /// Table columns.
    pub columns: Vec<Column>,
    /// Column the table is sorted by, and whether descending.
    pub sort: Option<(usize, bool)>,
    /// Metric on the charts.
    pub metric: Metric,
    /// Cut-off on the bar and scatter charts.
    pub k: usize,
    table: Option<Table>,
}

/// The ticked runs and their comparison, kept until the ticks, the runs or
/// the columns change.
#[derive(Debug)]
struct Table {
    columns: Vec<Column>,
    runs: Vec<RunRecord>,
    table: Comparison,
}

impl Table {
    /// Whether this was computed for exactly these runs and columns.
    fn is_for<'a>(&self, runs: impl Iterator<Item = &'a RunRecord>, columns: &[Column]) -> bool {
        self.columns == columns && self.runs.iter().map(|r| &r.id).eq(runs.map(|r| &r.id))
    }
}

impl Default for CompareState {
    fn default() -> Self {
        CompareState {
            selected: BTreeSet::new(),
            columns: Column::defaults(),
            sort: None,
            metric: Metric::Ndcg,
            k: 10,
            table: None,
        }
    }
}

impl CompareState {
    /// A new project: tick all its runs.
    pub fn reset(&mut self, p: &Snapshot) {
        *self = CompareState::default();
        self.selected = p.runs.iter().map(|r| r.id.clone()).collect();
    }

    /// Runs were added: tick the new ones.
    pub fn runs_changed(&mut self, p: &Snapshot) {
        for r in p.runs.iter().rev().take(1) {
            self.selected.insert(r.id.clone());
        }
        self.selected.retain(|id| p.run(id).is_some());
    }
}

/// Draws the Compare view.
pub fn ui(ui: &mut egui::Ui, state: &mut CompareState, ctx: &ViewCtx<'_>, out: &mut Vec<Command>) {
    let Some(project) = ctx.project else {
        super::no_project(ui, ctx.lang);
        return;
    };
    let t = |s| ctx.t(s);
    if project.runs.is_empty() {
        ui.label(t(
            "No runs yet. Train a model on the Train view; each run appears here.",
        ));
        return;
    }
    egui::Panel::left("runs_list")
        .resizable(true)
        .default_size(220.0)
        .show(ui, |ui| {
            ui.label(RichText::new(t("Runs")).strong());
            ui.horizontal(|ui| {
                if ui.small_button(t("all")).clicked() {
                    state.selected = project.runs.iter().map(|r| r.id.clone()).collect();
                }
                if ui.small_button(t("none")).clicked() {
                    state.selected.clear();
                }
            });
            egui::ScrollArea::vertical().show(ui, |ui| {
                for r in project.runs.iter().rev() {
                    let mut on = state.selected.contains(&r.id);
                    if ui
                        .checkbox(&mut on, &r.name)
                        .on_hover_text(format!(
                            "{}\n{}\n{}",
                            r.id,
                            r.spec.split.method(),
                            r.created_at
                        ))
                        .changed()
                    {
                        if on {
                            state.selected.insert(r.id.clone());
                        } else {
                            state.selected.remove(&r.id);
                        }
                    }
                }
            });
        });
    let ticked = || {
        project
            .runs
            .iter()
            .filter(|r| state.selected.contains(&r.id))
    };
    let cached = state
        .table
        .take()
        .filter(|c| c.is_for(ticked(), &state.columns));
    let cache = cached.unwrap_or_else(|| {
        let runs: Vec<RunRecord> = ticked().cloned().collect();
        Table {
            table: compare(&runs, &state.columns),
            columns: state.columns.clone(),
            runs,
        }
    });
    if cache.runs.is_empty() {
        ui.label(t("Tick runs on the left to compare them."));
        state.table = Some(cache);
        return;
    }
    let (runs, table) = (&cache.runs, &cache.table);
    egui::ScrollArea::vertical().show(ui, |ui| {
        table_ui(ui, state, table, project, ctx, out);
        egui::CollapsingHeader::new(t("How these runs were evaluated"))
            .default_open(true)
            .show(ui, |ui| {
                // The table may be wider than the window: wrap at the visible edge.
                let visible = ui.clip_rect().right() - ui.max_rect().left() - 8.0;
                ui.set_max_width(visible.max(200.0));
                for r in runs {
                    ui.label(
                        RichText::new(format!("{}: {}", r.name, super::protocol_line(r, ctx)))
                            .small(),
                    );
                }
            });
        ui.separator();
        ui.horizontal(|ui| {
            let label = ui.label(t("Chart metric"));
            egui::ComboBox::from_id_salt("chart_metric")
                .selected_text(state.metric.as_str())
                .show_ui(ui, |ui| {
                    for m in CHART_METRICS {
                        ui.selectable_value(&mut state.metric, m, m.as_str());
                    }
                })
                .response
                .labelled_by(label.id);
            explain_button(ui, ctx.lang, state.metric.as_str(), out);
            let k_label = ui.label("K");
            let ks: BTreeSet<usize> = runs
                .iter()
                .flat_map(|r| r.metrics.iter().map(|m| m.k))
                .collect();
            egui::ComboBox::from_id_salt("chart_k")
                .selected_text(state.k.to_string())
                .show_ui(ui, |ui| {
                    for k in ks {
                        ui.selectable_value(&mut state.k, k, k.to_string());
                    }
                })
                .response
                .labelled_by(k_label.id);
        });
        ui.columns(2, |cols| {
            metric_at_k(&mut cols[0], runs, state.metric, project, ctx, out);
            bars(&mut cols[1], runs, state.metric, state.k, project, ctx, out);
        });
        ui.columns(2, |cols| {
            latency_cdf(&mut cols[0], runs, project, ctx, out);
            scatter(&mut cols[1], runs, state.metric, state.k, project, ctx, out);
        });
    });
    state.table = Some(cache);
}

fn table_ui(
    ui: &mut egui::Ui,
    state: &mut CompareState,
    table: &Comparison,
    p: &Snapshot,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    let mut order: Vec<usize> = (0..table.rows.len()).collect();
    if let Some((col, desc)) = state.sort {
        order.sort_by(|&a, &b| {
            let va = table.rows[a]
                .values
                .get(col)
                .copied()
                .flatten()
                .unwrap_or(f64::NEG_INFINITY);
            let vb = table.rows[b]
                .values
                .get(col)
                .copied()
                .flatten()
                .unwrap_or(f64::NEG_INFINITY);
            va.total_cmp(&vb)
        });
        if desc {
            order.reverse();
        }
    }
    let mut sort_clicked = None;
    let response = ui
        .push_id("compare_table", |ui| {
            TableBuilder::new(ui)
                .striped(true)
                .vscroll(false)
                .column(TableColumn::initial(180.0).clip(true))
                .columns(TableColumn::auto().at_least(64.0), table.columns.len())
                .header(22.0, |mut h| {
                    h.col(|ui| {
                        ui.strong(t("run"));
                    });
                    for (i, name) in table.columns.iter().enumerate() {
                        h.col(|ui| {
                            let arrow = match state.sort {
                                Some((c, true)) if c == i => " v",
                                Some((c, false)) if c == i => " ^",
                                _ => "",
                            };
                            let r = ui.button(format!("{name}{arrow}"));
                            let r = match crate::glossary::entry(name) {
                                Some(e) => r.on_hover_text(e.what[ctx.lang.index()]),
                                None => r,
                            };
                            if r.clicked() {
                                sort_clicked = Some(i);
                            }
                        });
                    }
                })
                .body(|mut body| {
                    for &ri in &order {
                        let row = &table.rows[ri];
                        body.row(20.0, |mut r| {
                            r.col(|ui| {
                                ui.label(&row.name).on_hover_text(&row.run);
                            });
                            for (ci, v) in row.values.iter().enumerate() {
                                r.col(|ui| {
                                    let best = table.best.get(ci).copied().flatten() == Some(ri);
                                    let text = RichText::new(cell(
                                        table.columns.get(ci).and_then(|c| c.parse().ok()),
                                        *v,
                                    ));
                                    if best {
                                        ui.label(
                                            text.strong()
                                                .background_color(ui.visuals().selection.bg_fill),
                                        )
                                        .on_hover_text(t("best in this column"));
                                    } else {
                                        ui.label(text);
                                    }
                                });
                            }
                        });
                    }
                });
        })
        .response;
    if let Some(i) = sort_clicked {
        state.sort = match state.sort {
            Some((c, d)) if c == i => Some((i, !d)),
            // Best first: descending for "higher is better" columns.
            _ => Some((i, state.columns.get(i).is_none_or(Column::higher_is_better))),
        };
    }
    ui.horizontal(|ui| {
        if ui.button(t("Export table as CSV")).clicked() {
            let mut header = vec!["run", "name"];
            header.extend(table.columns.iter().map(String::as_str));
            let rows: Vec<Vec<String>> = table
                .rows
                .iter()
                .map(|r| {
                    let mut v = vec![r.run.clone(), r.name.clone()];
                    v.extend(
                        r.values
                            .iter()
                            .map(|x| x.map(|x| x.to_string()).unwrap_or_default()),
                    );
                    v
                })
                .collect();
            out.push(Command::ExportCsv {
                path: chart::export_path(&p.reports_dir, "comparison", "csv"),
                text: chart::csv(&header, &rows),
            });
        }
        if ui.button(t("Export table as PNG")).clicked() {
            out.push(Command::ExportPng {
                path: chart::export_path(&p.reports_dir, "comparison", "png"),
                rect: response.rect,
            });
        }
    });
}

/// Export buttons under a chart.
fn export_buttons(
    ui: &mut egui::Ui,
    rect: egui::Rect,
    stem: &str,
    csv: impl FnOnce() -> String,
    p: &Snapshot,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        if ui
            .small_button("CSV")
            .on_hover_text(ctx.t("Export the chart's data as CSV"))
            .clicked()
        {
            out.push(Command::ExportCsv {
                path: chart::export_path(&p.reports_dir, stem, "csv"),
                text: csv(),
            });
        }
        if ui
            .small_button("PNG")
            .on_hover_text(ctx.t("Export the chart as PNG"))
            .clicked()
        {
            out.push(Command::ExportPng {
                path: chart::export_path(&p.reports_dir, stem, "png"),
                rect,
            });
        }
    });
}

/// The data series of the metric@K chart: (run name, [(K, value)]).
pub fn metric_at_k_series(runs: &[RunRecord], metric: Metric) -> Vec<(String, Vec<[f64; 2]>)> {
    runs.iter()
        .map(|r| {
            let pts = r
                .metrics
                .iter()
                .map(|m| [m.k as f64, metric.of(&m.values)])
                .collect();
            (r.name.clone(), pts)
        })
        .collect()
}

fn metric_at_k(
    ui: &mut egui::Ui,
    runs: &[RunRecord],
    metric: Metric,
    p: &Snapshot,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    ui.label(RichText::new(format!("{}@K {}", metric.as_str(), ctx.t("per run"))).strong());
    let series = metric_at_k_series(runs, metric);
    let r = Plot::new("metric_at_k")
        .height(240.0)
        .legend(Legend::default())
        .x_axis_label("K")
        .y_axis_label(metric.as_str())
        .allow_scroll(false)
        .show(ui, |plot| {
            for (name, pts) in &series {
                plot.line(Line::new(name.clone(), PlotPoints::from(pts.clone())));
                plot.points(Points::new(name.clone(), PlotPoints::from(pts.clone())).radius(3.0));
            }
        });
    let rows: Vec<Vec<String>> = series
        .iter()
        .flat_map(|(n, pts)| {
            pts.iter()
                .map(move |[k, v]| vec![n.clone(), k.to_string(), v.to_string()])
        })
        .collect();
    export_buttons(
        ui,
        r.response.rect,
        "metric-at-k",
        || chart::csv(&["run", "k", metric.as_str()], &rows),
        p,
        ctx,
        out,
    );
}

fn bars(
    ui: &mut egui::Ui,
    runs: &[RunRecord],
    metric: Metric,
    k: usize,
    p: &Snapshot,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let label = format!("{}@{k}", metric.as_str());
    ui.label(RichText::new(format!("{label} {}", ctx.t("by run"))).strong());
    let values: Vec<(String, Option<f64>)> = runs
        .iter()
        .map(|r| {
            let v = r
                .metrics
                .iter()
                .find(|m| m.k == k)
                .map(|m| metric.of(&m.values));
            (r.name.clone(), v)
        })
        .collect();
    let names: Vec<String> = values.iter().map(|(n, _)| n.clone()).collect();
    let chart_bars: Vec<Bar> = values
        .iter()
        .enumerate()
        .filter_map(|(i, (n, v))| v.map(|v| Bar::new(i as f64, v).name(n).width(0.6)))
        .collect();
    let r = Plot::new("bars")
        .height(240.0)
        .allow_scroll(false)
        .y_axis_label(label.clone())
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new(label.clone(), chart_bars))
        });
    let rows: Vec<Vec<String>> = values
        .iter()
        .map(|(n, v)| vec![n.clone(), v.map(|v| v.to_string()).unwrap_or_default()])
        .collect();
    export_buttons(
        ui,
        r.response.rect,
        "bars",
        || chart::csv(&["run", &label], &rows),
        p,
        ctx,
        out,
    );
}

/// Latency CDF points of a run: (latency µs, share of requests at most that fast).
pub fn latency_cdf_points(r: &RunRecord) -> Vec<[f64; 2]> {
    let q = &r.summary.latency_quantiles_us;
    q.iter()
        .enumerate()
        .map(|(p, us)| [*us, p as f64 / (q.len().max(2) - 1) as f64])
        .collect()
}

fn latency_cdf(
    ui: &mut egui::Ui,
    runs: &[RunRecord],
    p: &Snapshot,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        ui.label(RichText::new(ctx.t("Latency per request (CDF)")).strong());
        explain_button(ui, ctx.lang, "latency", out);
    });
    let series: Vec<(String, Vec<[f64; 2]>)> = runs
        .iter()
        .map(|r| (r.name.clone(), latency_cdf_points(r)))
        .filter(|(_, pts)| !pts.is_empty())
        .collect();
    if series.len() < runs.len() {
        ui.label(RichText::new(ctx.t("Runs recorded by an older ShopLab have no latency distribution; they are left out.")).small().weak());
    }
    let r = Plot::new("latency_cdf")
        .height(240.0)
        .legend(Legend::default().position(Corner::RightBottom))
        .x_axis_label(ctx.t("microseconds"))
        .y_axis_label(ctx.t("share of requests"))
        .allow_scroll(false)
        .show(ui, |plot| {
            for (name, pts) in &series {
                plot.line(Line::new(name.clone(), PlotPoints::from(pts.clone())));
            }
        });
    let rows: Vec<Vec<String>> = series
        .iter()
        .flat_map(|(n, pts)| {
            pts.iter()
                .map(move |[us, q]| vec![n.clone(), us.to_string(), q.to_string()])
        })
        .collect();
    export_buttons(
        ui,
        r.response.rect,
        "latency-cdf",
        || chart::csv(&["run", "latency_us", "share"], &rows),
        p,
        ctx,
        out,
    );
}

fn scatter(
    ui: &mut egui::Ui,
    runs: &[RunRecord],
    metric: Metric,
    k: usize,
    p: &Snapshot,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let label = format!("{}@{k}", metric.as_str());
    ui.label(RichText::new(format!("{label} {}", ctx.t("vs p95 latency"))).strong());
    let pts: Vec<(String, [f64; 2])> = runs
        .iter()
        .filter_map(|r| {
            let v = r
                .metrics
                .iter()
                .find(|m| m.k == k)
                .map(|m| metric.of(&m.values))?;
            Some((r.name.clone(), [r.summary.latency_p95_us, v]))
        })
        .collect();
    let r = Plot::new("scatter")
        .height(240.0)
        .legend(Legend::default().position(Corner::RightBottom))
        .x_axis_label(ctx.t("p95 latency (µs)"))
        .y_axis_label(label.clone())
        .allow_scroll(false)
        .show(ui, |plot| {
            for (name, xy) in &pts {
                plot.points(Points::new(name.clone(), PlotPoints::from(vec![*xy])).radius(6.0));
                plot.text(
                    Text::new(name.clone(), (*xy).into(), format!("  {name}"))
                        .anchor(egui::Align2::LEFT_CENTER),
                );
            }
        });
    let rows: Vec<Vec<String>> = pts
        .iter()
        .map(|(n, [x, y])| vec![n.clone(), x.to_string(), y.to_string()])
        .collect();
    export_buttons(
        ui,
        r.response.rect,
        "quality-vs-latency",
        || chart::csv(&["run", "p95_us", &label], &rows),
        p,
        ctx,
        out,
    );
}

/// A table cell: counts as whole numbers, shares as percentages, the rest
/// as metric values.
fn cell(column: Option<Column>, v: Option<f64>) -> String {
    match (column, v) {
        (Some(Column::Users | Column::ColdUsers), Some(v)) => format!("{v:.0}"),
        (Some(Column::RepeatShare), Some(v)) => format!("{:.1}%", 100.0 * v),
        _ => value(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: &str) -> RunRecord {
        RunRecord {
            id: id.into(),
            name: id.into(),
            ..RunRecord::default()
        }
    }

    #[test]
    fn the_table_is_kept_until_the_runs_or_columns_change() {
        let runs = [run("a"), run("b"), run("c")];
        let columns = Column::defaults();
        let kept = Table {
            columns: columns.clone(),
            runs: runs[..2].to_vec(),
            table: compare(&runs[..2], &columns),
        };
        assert!(kept.is_for(runs[..2].iter(), &columns));
        assert!(!kept.is_for(runs.iter(), &columns), "a run ticked");
        assert!(!kept.is_for(runs[..1].iter(), &columns), "a run unticked");
        assert!(!kept.is_for([&runs[0], &runs[2]].into_iter(), &columns));
        assert!(
            !kept.is_for(runs[..2].iter(), &columns[1..]),
            "columns changed"
        );
    }
}
