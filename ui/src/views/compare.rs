//! Compare: runs x metrics (sortable, best per column highlighted at the
//! shown precision) and charts (metric@K curves, one bar per run, latency
//! CDF on a log time axis, quality against p95 latency). Every run is named
//! by its label (`run_label::labels` over the project's runs) and drawn in
//! its colour (`palette::run_color` of its position in the project), the
//! same in the runs list, the table and all four charts. The table is
//! computed when the ticked runs change, not every frame; exports go to the
//! report crate through `Command::ExportComparison`.

use std::collections::{BTreeMap, BTreeSet};

use eframe::egui::{self, Color32, RichText};
use egui_extras::{Column as TableColumn, TableBuilder};
use egui_plot::{AxisHints, Bar, BarChart, HoverPosition, Line, Plot, PlotPoints, Points};
use shoplab_engine::compare::{Column, Comparison, compare, shown};
use shoplab_engine::metrics::{Metric, MetricAt};
use shoplab_engine::run::RunRecord;
use shoplab_engine::run_label;
use shoplab_report::Export;

use super::ViewCtx;
use crate::command::Command;
use crate::plot_style::{self, run_color};
use crate::snapshot::Snapshot;
use crate::words;

/// Draws one chart into a column, pushing its export commands.
type DrawChart<'a> = dyn Fn(&mut egui::Ui, &mut Vec<Command>) + 'a;

/// Height of each chart's plot area.
const PLOT_HEIGHT: f32 = 240.0;
/// Below this width the charts stack one per row instead of two.
const TWO_CHARTS_MIN_WIDTH: f32 = 760.0;

/// Every measure the charts offer at cut-off `k`: each ranking metric at
/// `k`, then the run-level figures (one value per run, no K).
pub fn chart_measures(k: usize) -> Vec<Column> {
    Metric::ALL
        .into_iter()
        .map(|metric| Column::Metric(MetricAt { metric, k }))
        .chain([
            Column::Auc,
            Column::Coverage,
            Column::Diversity,
            Column::Novelty,
            Column::PopularityBias,
        ])
        .collect()
}

/// The glossary key of a measure (`ndcg`, `coverage`, …).
fn measure_key(m: Column) -> String {
    match m {
        Column::Metric(at) => at.metric.as_str().to_string(),
        other => other.label(),
    }
}

/// Who a run is to a person: its label and colour, computed over all of
/// the project's runs (so a run keeps both whichever runs are ticked).
#[derive(Debug, Clone, Default)]
pub struct Identities {
    /// (run id, name) of every project run, oldest first: what this was
    /// computed from.
    key: Vec<(String, String)>,
    by_id: BTreeMap<String, (String, usize)>,
}

impl Identities {
    /// Labels and positions of the project's runs (`Snapshot::runs` order).
    pub fn new(project_runs: &[RunRecord]) -> Self {
        let labels = run_label::labels(project_runs);
        Identities {
            key: Self::key_of(project_runs),
            by_id: project_runs
                .iter()
                .zip(labels)
                .enumerate()
                .map(|(pos, (r, label))| (r.id.clone(), (label, pos)))
                .collect(),
        }
    }

    fn key_of(runs: &[RunRecord]) -> Vec<(String, String)> {
        runs.iter()
            .map(|r| (r.id.clone(), r.name.clone()))
            .collect()
    }

    /// Whether this was computed for exactly these runs and names.
    fn is_for(&self, runs: &[RunRecord]) -> bool {
        self.key.len() == runs.len()
            && self
                .key
                .iter()
                .zip(runs)
                .all(|((id, name), r)| *id == r.id && *name == r.name)
    }

    /// A run's label (its id if it is not in the project).
    pub fn label(&self, id: &str) -> String {
        self.by_id
            .get(id)
            .map_or_else(|| id.to_string(), |(l, _)| l.clone())
    }

    /// A run's colour (from its position in the project's runs).
    pub fn color(&self, id: &str) -> Color32 {
        let pos = self.by_id.get(id).map_or(usize::MAX / 2, |(_, p)| *p);
        run_color(pos)
    }
}

/// One run's data in a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Run id.
    pub run: String,
    /// The run's label.
    pub label: String,
    /// The run's colour.
    pub color: Color32,
    /// Points (x, y) in the chart's units.
    pub points: Vec<[f64; 2]>,
}

fn series(who: &Identities, r: &RunRecord, points: Vec<[f64; 2]>) -> Series {
    Series {
        run: r.id.clone(),
        label: who.label(&r.id),
        color: who.color(&r.id),
        points,
    }
}

/// The metric@K chart: one curve of (K, value) per run; empty for a
/// run-level measure (it has no K curve).
pub fn metric_at_k_series(runs: &[RunRecord], who: &Identities, measure: Column) -> Vec<Series> {
    let Column::Metric(at) = measure else {
        return Vec::new();
    };
    runs.iter()
        .map(|r| {
            let pts = r
                .metrics
                .iter()
                .map(|m| [m.k as f64, at.metric.of(&m.values)])
                .collect();
            series(who, r, pts)
        })
        .collect()
}

/// The bar chart: one bar per run with a value, at (position, value).
pub fn bar_series(runs: &[RunRecord], who: &Identities, measure: Column) -> Vec<Series> {
    runs.iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let v = measure.value(r).filter(|v| v.is_finite())?;
            Some(series(who, r, vec![[i as f64, v]]))
        })
        .collect()
}

/// Latency CDF points of a run: (latency µs, share of requests at most that fast).
pub fn latency_cdf_points(r: &RunRecord) -> Vec<[f64; 2]> {
    let q = &r.summary.latency_quantiles_us;
    q.iter()
        .enumerate()
        .map(|(p, us)| [*us, p as f64 / (q.len().max(2) - 1) as f64])
        .collect()
}

/// The latency CDF: per run with recorded quantiles, (log10 µs, share).
/// Empty when no run recorded latency (the chart then says so).
pub fn latency_series(runs: &[RunRecord], who: &Identities) -> Vec<Series> {
    runs.iter()
        .filter_map(|r| {
            let pts: Vec<[f64; 2]> = latency_cdf_points(r)
                .into_iter()
                // A log axis has no place for 0 µs: clamp to the axis floor.
                .map(|[us, share]| [us.max(0.1).log10(), share])
                .collect();
            (!pts.is_empty()).then(|| series(who, r, pts))
        })
        .collect()
}

/// The scatter: per run with a latency and a value, (log10 p95 µs, value).
pub fn scatter_series(runs: &[RunRecord], who: &Identities, measure: Column) -> Vec<Series> {
    runs.iter()
        .filter_map(|r| {
            let v = measure.value(r).filter(|v| v.is_finite())?;
            let p95 = r.summary.latency_p95_us;
            (p95 > 0.0).then(|| series(who, r, vec![[p95.log10(), v]]))
        })
        .collect()
}

/// Compare view state.
#[derive(Debug)]
pub struct CompareState {
    /// Run ids ticked for comparison.
    pub selected: BTreeSet<String>,
    /// Runs seen so far, so a reload ticks only runs that are new.
    known: BTreeSet<String>,
    /// Table columns.
    pub columns: Vec<Column>,
    /// Column the table is sorted by, and whether descending.
    pub sort: Option<(usize, bool)>,
    /// Measure on the charts (a ranking metric's K is `k`).
    pub measure: Column,
    /// Cut-off on the bar and scatter charts.
    pub k: usize,
    /// A rename in progress: (run id, the name being typed).
    pub renaming: Option<(String, String)>,
    /// The name box just opened: give it the keyboard.
    rename_focus: bool,
    table: Option<Table>,
    who: Identities,
    /// The "Is the difference real?" section.
    pub ab: super::ab::AbState,
    /// The fusion section.
    pub fusion: super::fusion::FusionState,
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
        self.columns == columns
            && self
                .runs
                .iter()
                .map(|r| (&r.id, &r.name))
                .eq(runs.map(|r| (&r.id, &r.name)))
    }
}

impl Default for CompareState {
    fn default() -> Self {
        CompareState {
            selected: BTreeSet::new(),
            known: BTreeSet::new(),
            columns: Column::defaults(),
            sort: None,
            measure: Column::Metric(MetricAt {
                metric: Metric::Ndcg,
                k: 10,
            }),
            k: 10,
            renaming: None,
            rename_focus: false,
            table: None,
            who: Identities::default(),
            ab: Default::default(),
            fusion: Default::default(),
        }
    }
}

impl CompareState {
    /// A new project: tick all its runs.
    pub fn reset(&mut self, p: &Snapshot) {
        *self = CompareState::default();
        self.selected = p.runs.iter().map(|r| r.id.clone()).collect();
        self.known = self.selected.clone();
    }

    /// Runs were added, removed or renamed: tick the new ones, keep the
    /// person's ticks on the others.
    pub fn runs_changed(&mut self, p: &Snapshot) {
        for r in &p.runs {
            if self.known.insert(r.id.clone()) {
                self.selected.insert(r.id.clone());
            }
        }
        self.selected.retain(|id| p.run(id).is_some());
    }

    /// Opens the name box of a run.
    pub fn start_rename(&mut self, run: &RunRecord) {
        self.renaming = Some((run.id.clone(), run.name.clone()));
        self.rename_focus = true;
    }

    /// The labels and colours of the project's runs (recomputed when runs
    /// are added, removed or renamed).
    pub fn identities(&mut self, project_runs: &[RunRecord]) -> &Identities {
        if !self.who.is_for(project_runs) {
            self.who = Identities::new(project_runs);
        }
        &self.who
    }

    /// The charts' measure with a ranking metric at the chosen K.
    pub fn chart_measure(&self) -> Column {
        match self.measure {
            Column::Metric(at) => Column::Metric(MetricAt {
                metric: at.metric,
                k: self.k,
            }),
            other => other,
        }
    }
}

/// What a run is, for its hover: label, id, time, split, seed and every
/// setting.
fn run_details(r: &RunRecord, label: &str, ctx: &ViewCtx<'_>) -> String {
    let mut s = format!(
        "{label}\n{} {}\n{} {}\n{} {}",
        ctx.t("run id:"),
        r.id,
        ctx.t("started:"),
        r.created_at,
        ctx.t("split:"),
        crate::words::split(ctx.lang, &r.spec.split)
    );
    for (k, v) in run_label::settings(r) {
        s.push_str(&format!("\n{k} = {v}"));
    }
    s
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
    let who = state.identities(&project.runs).clone();
    egui::Panel::left("runs_list")
        .resizable(true)
        .default_size(220.0)
        .show(ui, |ui| runs_list(ui, state, project, &who, ctx, out));
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
    let mut cache = cached.unwrap_or_else(|| {
        let runs: Vec<RunRecord> = ticked().cloned().collect();
        let mut table = compare(&runs, &state.columns);
        shoplab_engine::compare::mark_imported_since(&mut table, &runs, &project.imports);
        for row in &mut table.rows {
            // Labels over the whole project, as in every other place.
            row.label = who.label(&row.run);
        }
        Table {
            table,
            columns: state.columns.clone(),
            runs,
        }
    });
    if cache.runs.is_empty() {
        ui.label(t("Tick runs on the left to compare them."));
        state.table = Some(cache);
        return;
    }
    // Charts list runs in the table's current order.
    let order = row_order(state, &cache.table);
    let ordered: Vec<RunRecord> = order.iter().map(|&i| cache.runs[i].clone()).collect();
    egui::ScrollArea::vertical()
        .id_salt("compare_page")
        .show(ui, |ui| {
            table_ui(ui, state, &cache.table, &order, &ordered, &who, ctx, out);
            egui::CollapsingHeader::new(t("How these runs were evaluated"))
                .default_open(true)
                .show(ui, |ui| {
                    for r in &ordered {
                        ui.horizontal_wrapped(|ui| {
                            plot_style::swatch(ui, who.color(&r.id));
                            ui.label(RichText::new(format!(
                                "{}: {}",
                                who.label(&r.id),
                                super::protocol_line(r, ctx)
                            )));
                        });
                        let stale = cache
                            .table
                            .rows
                            .iter()
                            .any(|row| row.run == r.id && row.imported_since);
                        if stale {
                            ui.label(
                                RichText::new(t("Trained before the project's last import of items or events: its figures are on older data; train it again to compare on today's."))
                                    .color(ui.visuals().warn_fg_color),
                            );
                        }
                    }
                });
            egui::CollapsingHeader::new(t("Is the difference real?"))
                .default_open(true)
                .show(ui, |ui| {
                    super::ab::ui(ui, &mut state.ab, &ordered, &who, ctx, out);
                });
            egui::CollapsingHeader::new(t("Fuse runs into one"))
                .default_open(false)
                .show(ui, |ui| {
                    super::fusion::ui(ui, &mut state.fusion, &ordered, &who, ctx, out);
                });
            ui.separator();
            measure_picker(ui, state, &ordered, ctx, out);
            let measure = state.chart_measure();
            let charts: [&DrawChart<'_>; 4] = [
                &|ui, out| metric_at_k(ui, &ordered, &who, measure, ctx, out),
                &|ui, out| bars(ui, &ordered, &who, measure, ctx, out),
                &|ui, out| latency_cdf(ui, &ordered, &who, measure, ctx, out),
                &|ui, out| scatter(ui, &ordered, &who, measure, ctx, out),
            ];
            if ui.available_width() >= TWO_CHARTS_MIN_WIDTH {
                for pair in charts.chunks(2) {
                    ui.columns(2, |cols| {
                        for (col, chart) in cols.iter_mut().zip(pair) {
                            chart(col, out);
                        }
                    });
                    ui.add_space(8.0);
                }
            } else {
                // A small window: one chart per row, each as wide as the view.
                for chart in charts {
                    chart(ui, out);
                    ui.add_space(8.0);
                }
            }
        });
    // Keep the cache (and its rows' labels) for the next frame.
    for row in &mut cache.table.rows {
        row.label = who.label(&row.run);
    }
    state.table = Some(cache);
}

fn runs_list(
    ui: &mut egui::Ui,
    state: &mut CompareState,
    project: &Snapshot,
    who: &Identities,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    ui.label(RichText::new(t("Runs")).strong());
    ui.horizontal(|ui| {
        if ui.small_button(t("all")).clicked() {
            state.selected = project.runs.iter().map(|r| r.id.clone()).collect();
        }
        if ui.small_button(t("none")).clicked() {
            state.selected.clear();
        }
    });
    ui.label(
        RichText::new(t("Right-click a run to rename it."))
            .small()
            .weak(),
    );
    egui::ScrollArea::vertical()
        .id_salt("runs_list_scroll")
        .show(ui, |ui| {
            for r in project.runs.iter().rev() {
                let label = who.label(&r.id);
                if state.renaming.as_ref().is_some_and(|(id, _)| *id == r.id) {
                    rename_box(ui, state, ctx, out);
                    continue;
                }
                let mut on = state.selected.contains(&r.id);
                let response = ui
                    .horizontal(|ui| {
                        plot_style::swatch(ui, who.color(&r.id));
                        // Fitted to the panel (keeping what differs), so a
                        // long label does not widen the list over the table;
                        // widening the panel shows more, the hover all.
                        let sp = ui.spacing();
                        let room = ui.available_width()
                            - sp.icon_width
                            - sp.icon_spacing
                            - 2.0 * sp.button_padding.x;
                        let font = egui::TextStyle::Body.resolve(ui.style());
                        // At least the default panel's room: the panel
                        // sizes to its content, so fitting to less would
                        // shrink it frame by frame.
                        let shown = plot_style::fit_label(ui, &label, &font, room.max(160.0));
                        ui.checkbox(&mut on, shown)
                    })
                    .inner
                    .on_hover_text(run_details(r, &label, ctx));
                if response.changed() {
                    if on {
                        state.selected.insert(r.id.clone());
                    } else {
                        state.selected.remove(&r.id);
                    }
                }
                response.context_menu(|ui| {
                    if ui.button(t("Rename…")).clicked() {
                        state.start_rename(r);
                        ui.close();
                    }
                });
            }
        });
}

/// The name box of the run being renamed: Enter or "Save name" renames
/// (in the background), Escape or "Cancel" closes it.
fn rename_box(
    ui: &mut egui::Ui,
    state: &mut CompareState,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    let Some((id, text)) = state.renaming.as_mut() else {
        return;
    };
    let label = ui.label(RichText::new(t("New name of the run")).small());
    let edit = ui
        .add(egui::TextEdit::singleline(text).desired_width(f32::INFINITY))
        .labelled_by(label.id);
    if std::mem::take(&mut state.rename_focus) {
        edit.request_focus();
    }
    let empty = text.trim().is_empty();
    let mut save = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    let mut cancel = ui.input(|i| i.key_pressed(egui::Key::Escape));
    ui.horizontal(|ui| {
        save |= ui
            .add_enabled(!empty, egui::Button::new(t("Save name")))
            .clicked();
        cancel |= ui.button(t("Cancel")).clicked();
    });
    if empty {
        ui.label(
            RichText::new(t("A run needs a name; its id stays as it is."))
                .small()
                .color(ui.visuals().warn_fg_color),
        );
    }
    if cancel {
        state.renaming = None;
    } else if save && !empty {
        out.push(Command::RenameRun {
            run: id.clone(),
            name: text.trim().to_string(),
        });
        state.renaming = None;
    }
}

/// The table's row order under the current sort.
fn row_order(state: &CompareState, table: &Comparison) -> Vec<usize> {
    let mut order: Vec<usize> = (0..table.rows.len()).collect();
    if let Some((col, desc)) = state.sort {
        let key = |i: usize| {
            table.rows[i]
                .values
                .get(col)
                .copied()
                .flatten()
                .unwrap_or(f64::NEG_INFINITY)
        };
        order.sort_by(|&a, &b| key(a).total_cmp(&key(b)));
        if desc {
            order.reverse();
        }
    }
    order
}

#[allow(clippy::too_many_arguments)]
fn table_ui(
    ui: &mut egui::Ui,
    state: &mut CompareState,
    table: &Comparison,
    order: &[usize],
    ordered: &[RunRecord],
    who: &Identities,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    let mut sort_clicked = None;
    let (run_w, split_w) = if ui.available_width() < 900.0 {
        // A narrow window keeps some metric columns in view; the run
        // column gets the room (labels tell runs apart, the split reads
        // in full on hover).
        (150.0, 90.0)
    } else {
        (250.0, 130.0)
    };
    // A wide table scrolls sideways inside the page (small windows).
    egui::ScrollArea::horizontal()
        .id_salt("compare_table_h")
        .show(ui, |ui| {
            ui.push_id("compare_table", |ui| {
                TableBuilder::new(ui)
                    .striped(true)
                    .vscroll(false)
                    .column(TableColumn::initial(run_w).at_least(100.0).clip(true))
                    .column(TableColumn::initial(split_w).at_least(80.0).clip(true))
                    .columns(TableColumn::auto().at_least(64.0), table.columns.len())
                    .header(22.0, |mut h| {
                        h.col(|ui| {
                            ui.strong(t("run"));
                        });
                        h.col(|ui| {
                            ui.strong(t("split")).on_hover_text(t(
                                "How the run's events were split into training and test",
                            ));
                        });
                        for (i, name) in table.columns.iter().enumerate() {
                            h.col(|ui| {
                                let arrow = match state.sort {
                                    Some((c, true)) if c == i => " v",
                                    Some((c, false)) if c == i => " ^",
                                    _ => "",
                                };
                                let r =
                                    ui.button(format!("{}{arrow}", words::header(ctx.lang, name)));
                                let key = name.split('@').next().unwrap_or(name);
                                let r = match crate::glossary::entry(key) {
                                    Some(e) => r.on_hover_text(format!(
                                        "{name}\n{}",
                                        e.what[ctx.lang.index()]
                                    )),
                                    None => r.on_hover_text(name.as_str()),
                                };
                                if r.clicked() {
                                    sort_clicked = Some(i);
                                }
                            });
                        }
                    })
                    .body(|mut body| {
                        for (&ri, run) in order.iter().zip(ordered) {
                            let row = &table.rows[ri];
                            body.row(20.0, |mut r| {
                                r.col(|ui| {
                                    ui.horizontal(|ui| {
                                        plot_style::swatch(ui, who.color(&row.run));
                                        // Shortened keeping the settings that
                                        // differ; the hover has the full label.
                                        let font = egui::TextStyle::Body.resolve(ui.style());
                                        let fitted = plot_style::fit_label(
                                            ui,
                                            &row.label,
                                            &font,
                                            ui.available_width(),
                                        );
                                        ui.add(
                                            egui::Label::new(fitted)
                                                .truncate()
                                                .show_tooltip_when_elided(false),
                                        )
                                        .on_hover_text(run_details(run, &row.label, ctx));
                                    });
                                });
                                r.col(|ui| {
                                    let split = crate::words::split(ctx.lang, &run.spec.split);
                                    // A cut split shows in full on hover
                                    // (egui's own tooltip for elided text).
                                    ui.add(egui::Label::new(&split).truncate());
                                });
                                for (ci, v) in row.values.iter().enumerate() {
                                    r.col(|ui| {
                                        let column: Option<Column> =
                                            table.columns.get(ci).and_then(|c| c.parse().ok());
                                        let text = RichText::new(cell(column, *v));
                                        let shown = if table.is_best(ri, ci) {
                                            ui.label(
                                                text.strong().background_color(
                                                    ui.visuals().selection.bg_fill,
                                                ),
                                            )
                                            .on_hover_text(t("best in this column"))
                                        } else {
                                            ui.label(text)
                                        };
                                        // Per-shopper figures open the run's shoppers
                                        // sorted by this one (the drill-down).
                                        if v.is_some()
                                            && matches!(column, Some(Column::Metric(_) | Column::Auc))
                                        {
                                            let r = shown
                                                .interact(egui::Sense::click())
                                                .on_hover_cursor(egui::CursorIcon::PointingHand)
                                                .on_hover_text(t(
                                                    "Click: this run's shoppers by this metric, worst first",
                                                ));
                                            if r.clicked() {
                                                out.push(Command::ShowShoppers {
                                                    run: row.run.clone(),
                                                    metric: table.columns[ci].clone(),
                                                });
                                            }
                                        }
                                    });
                                }
                            });
                        }
                    });
            });
            // Room for the floating scroll bar, so it never covers the last row.
            ui.add_space(ui.spacing().scroll.bar_width + 4.0);
        });
    if let Some(i) = sort_clicked {
        state.sort = match state.sort {
            Some((c, d)) if c == i => Some((i, !d)),
            // Best first: descending for "higher is better" columns.
            _ => Some((i, state.columns.get(i).is_none_or(Column::higher_is_better))),
        };
    }
    ui.horizontal(|ui| {
        if ui
            .button(t("Export table"))
            .on_hover_text(t(
                "Write the whole table (every row and column) as PNG and CSV, with each run's settings, split and seed",
            ))
            .clicked()
        {
            out.push(Command::ExportComparison {
                runs: ordered.iter().map(|r| r.id.clone()).collect(),
                export: Export::Table {
                    columns: state.columns.clone(),
                },
                measure: state.chart_measure(),
            });
        }
        ui.label(
            RichText::new(t("highlighted: best at the precision shown (ties all marked)"))
                .small()
                .weak(),
        );
    });
}

fn measure_picker(
    ui: &mut egui::Ui,
    state: &mut CompareState,
    runs: &[RunRecord],
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let lang = ctx.lang;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label(ctx.t("Chart measure"));
        let current = state.chart_measure();
        egui::ComboBox::from_id_salt("chart_metric")
            .selected_text(words::header(lang, &current.label()))
            .show_ui(ui, |ui| {
                for m in chart_measures(state.k) {
                    let text = words::header(lang, &m.label());
                    let on = measure_key(m) == measure_key(current);
                    if ui.selectable_label(on, text).clicked() {
                        state.measure = m;
                    }
                }
            })
            .response
            .labelled_by(label.id);
        let key = measure_key(current);
        words::term(ui, lang, &key, out);
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
}

/// A chart's title and its export button.
fn chart_header(
    ui: &mut egui::Ui,
    title: String,
    export: Option<(Export, &[RunRecord], Column)>,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        ui.label(RichText::new(title).strong());
        if let Some((export, runs, measure)) = export
            && ui
                .small_button(ctx.t("Export chart"))
                .on_hover_text(
                    ctx.t("Write the whole chart (title, axes, legend) as PNG and its data as CSV"),
                )
                .clicked()
        {
            out.push(Command::ExportComparison {
                runs: runs.iter().map(|r| r.id.clone()).collect(),
                export,
                measure,
            });
        }
    });
}

/// Hover text of a point: the run's label, then x and y.
fn hover_label(
    series: &[Series],
    x: impl Fn(f64) -> String,
    y: impl Fn(f64) -> String,
) -> impl Fn(&HoverPosition<'_>) -> Option<String> {
    let names: BTreeSet<String> = series.iter().map(|s| s.label.clone()).collect();
    move |pos: &HoverPosition<'_>| match pos {
        HoverPosition::NearDataPoint {
            plot_name,
            position,
            ..
        } if names.contains(*plot_name) => {
            Some(format!("{plot_name}\n{}\n{}", x(position.x), y(position.y)))
        }
        _ => None,
    }
}

fn legend(ui: &mut egui::Ui, series: &[Series]) {
    plot_style::legend(ui, series.iter().map(|s| (s.label.as_str(), s.color)));
}

fn metric_at_k(
    ui: &mut egui::Ui,
    runs: &[RunRecord],
    who: &Identities,
    measure: Column,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let Column::Metric(at) = measure else {
        chart_header(ui, format!("{}@K", measure.label()), None, ctx, out);
        ui.label(
            RichText::new(ctx.t(
                "This is one figure per run, not measured at each K: it has no K curve. See the bars and the scatter.",
            ))
            .weak(),
        );
        return;
    };
    let name = at.metric.as_str();
    chart_header(
        ui,
        format!("{name}@K {}", ctx.t("per run")),
        Some((Export::MetricAtK, runs, measure)),
        ctx,
        out,
    );
    let series = metric_at_k_series(runs, who, measure);
    // K values are whole numbers: one mark at each K a run was evaluated at.
    let ks: Vec<f64> = runs
        .iter()
        .flat_map(|r| r.metrics.iter().map(|m| m.k))
        .collect::<BTreeSet<usize>>()
        .into_iter()
        .map(|k| k as f64)
        .collect();
    let y_name = name.to_string();
    let mut plot = Plot::new("metric_at_k");
    // Equal values (flat lines) get a range around them, not -6..8.
    if let Some((lo, hi)) =
        plot_style::flat_range(series.iter().flat_map(|s| s.points.iter().map(|p| p[1])))
    {
        plot = plot.include_y(lo).include_y(hi);
    }
    plot.height(PLOT_HEIGHT)
        .x_axis_label("K")
        .y_axis_label(words::header(ctx.lang, name))
        .x_grid_spacer(plot_style::marks_at(ks))
        .x_axis_formatter(|m, _| format!("{:.0}", m.value))
        .y_grid_spacer(plot_style::nice_spacer(5.0))
        .y_axis_formatter(plot_style::step_tick)
        .label_formatter(hover_label(
            &series,
            |x| format!("K = {x:.0}"),
            move |y| format!("{y_name} = {}", shown(y)),
        ))
        .allow_scroll(false)
        .show(ui, |plot| {
            for s in &series {
                plot.line(
                    Line::new(s.label.clone(), PlotPoints::from(s.points.clone()))
                        .id(("k_line", &s.run))
                        .color(s.color)
                        .width(2.0)
                        .allow_band(false),
                );
                plot.points(
                    Points::new(s.label.clone(), PlotPoints::from(s.points.clone()))
                        .id(("k_points", &s.run))
                        .color(s.color)
                        .radius(3.0),
                );
            }
        });
    legend(ui, &series);
}

fn bars(
    ui: &mut egui::Ui,
    runs: &[RunRecord],
    who: &Identities,
    measure: Column,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let label = measure.label();
    chart_header(
        ui,
        format!("{label} {}", ctx.t("by run")),
        Some((Export::Bars, runs, measure)),
        ctx,
        out,
    );
    let series = bar_series(runs, who, measure);
    if series.is_empty() {
        ui.label(RichText::new(ctx.t("None of these runs recorded this measure.")).weak());
        return;
    }
    // Horizontal bars, first table row on top: each bar's run label sits
    // beside it on the axis, however many runs and however long the labels.
    let n = runs.len();
    // Shortened keeping each label's differing end (settings, time, #n).
    // The axis takes under half of the chart's width for its labels.
    let max_chars = (ui.available_width() * 0.45 / 6.5).clamp(20.0, 40.0) as usize;
    let names: Vec<String> = runs
        .iter()
        .map(|r| run_label::shorten(&who.label(&r.id), max_chars))
        .collect();
    let y_of = move |i: f64| (n as f64 - 1.0) - i;
    let axis_names = names.clone();
    let y_axis = AxisHints::new_y()
        .formatter(move |mark, _| {
            let i = y_of(mark.value).round();
            if (y_of(mark.value) - i).abs() < 1e-6 && i >= 0.0 {
                axis_names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .label_spacing(8.0..=10.0);
    let x_name = label.clone();
    Plot::new("bars")
        .height(PLOT_HEIGHT.max(28.0 * n as f32 + 60.0))
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .custom_y_axes(vec![y_axis])
        .x_axis_label(words::header(ctx.lang, &label))
        .y_grid_spacer(plot_style::integer_spacer)
        .x_grid_spacer(plot_style::nice_spacer(4.0))
        .x_axis_formatter(plot_style::step_tick)
        .include_x(0.0)
        .show_crosshair(false)
        .show(ui, |plot| {
            for s in &series {
                let [i, v] = s.points[0];
                let text = format!("{}\n{x_name} = {}", s.label, shown(v));
                plot.bar_chart(
                    BarChart::new(
                        s.label.clone(),
                        vec![Bar::new(y_of(i), v).name(&s.label).width(0.6).fill(s.color)],
                    )
                    .id(("bar", &s.run))
                    .color(s.color)
                    .horizontal()
                    .element_formatter(Box::new(move |_, _| text.clone())),
                );
            }
        });
}

fn latency_cdf(
    ui: &mut egui::Ui,
    runs: &[RunRecord],
    who: &Identities,
    measure: Column,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let series = latency_series(runs, who);
    chart_header(
        ui,
        ctx.t("Latency per request (CDF)").to_string(),
        (!series.is_empty()).then_some((Export::LatencyCdf, runs, measure)),
        ctx,
        out,
    );
    if series.is_empty() {
        ui.label(RichText::new(ctx.t("No latency recorded for these runs.")).weak());
        return;
    }
    if series.len() < runs.len() {
        ui.label(
            RichText::new(ctx.t(
                "Runs recorded by an older ShopLab have no latency distribution; they are left out.",
            ))
            .small()
            .weak(),
        );
    }
    Plot::new("latency_cdf")
        .height(PLOT_HEIGHT)
        .x_axis_label(ctx.t("time per request (log scale)"))
        .x_axis_formatter(plot_style::log_micros_tick)
        .x_grid_spacer(plot_style::log_spacer)
        .y_axis_label(ctx.t("share of requests"))
        .y_axis_formatter(|m, _| format!("{:.0}%", 100.0 * m.value))
        .y_grid_spacer(plot_style::nice_spacer(5.0))
        .include_y(0.0)
        .include_y(1.0)
        .label_formatter(hover_label(
            &series,
            |x| plot_style::micros(10f64.powf(x)),
            |y| format!("{:.0}%", 100.0 * y),
        ))
        .allow_scroll(false)
        .show(ui, |plot| {
            for s in &series {
                plot.line(
                    Line::new(s.label.clone(), PlotPoints::from(s.points.clone()))
                        .id(("cdf", &s.run))
                        .color(s.color)
                        .width(2.0)
                        // Dense quantiles must stay a line, never a filled band.
                        .allow_band(false),
                );
            }
        });
    legend(ui, &series);
}

fn scatter(
    ui: &mut egui::Ui,
    runs: &[RunRecord],
    who: &Identities,
    measure: Column,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let label = measure.label();
    let series = scatter_series(runs, who, measure);
    chart_header(
        ui,
        format!("{label} {}", ctx.t("vs p95 latency")),
        (!series.is_empty()).then_some((Export::Scatter, runs, measure)),
        ctx,
        out,
    );
    if series.is_empty() {
        ui.label(RichText::new(ctx.t("No latency recorded for these runs.")).weak());
        return;
    }
    let y_name = label.clone();
    let front = front_points(&series);
    let front_name = ctx.t("Pareto front");
    let ui_weak = ui.visuals().weak_text_color();
    let mut plot = Plot::new("scatter");
    // Equal values or latencies get a range around them.
    if let Some((lo, hi)) =
        plot_style::flat_range(series.iter().flat_map(|s| s.points.iter().map(|p| p[1])))
    {
        plot = plot.include_y(lo).include_y(hi);
    }
    if let Some((lo, hi)) =
        plot_style::flat_range(series.iter().flat_map(|s| s.points.iter().map(|p| p[0])))
    {
        // log10(µs): a tenth of a decade either side.
        let mid = (lo + hi) / 2.0;
        plot = plot.include_x(mid - 0.1).include_x(mid + 0.1);
    }
    plot.height(PLOT_HEIGHT)
        .x_axis_label(ctx.t("p95 time per request (log scale)"))
        .x_axis_formatter(plot_style::log_micros_tick)
        .x_grid_spacer(plot_style::log_spacer)
        .y_axis_label(words::header(ctx.lang, &label))
        .y_grid_spacer(plot_style::nice_spacer(5.0))
        .y_axis_formatter(plot_style::step_tick)
        .set_margin_fraction(egui::vec2(0.1, 0.1))
        .label_formatter(hover_label(
            &series,
            |x| format!("p95 {}", plot_style::micros(10f64.powf(x))),
            move |y| format!("{y_name} = {}", shown(y)),
        ))
        .allow_scroll(false)
        .show(ui, |plot| {
            if front.len() > 1 {
                plot.line(
                    Line::new(front_name, PlotPoints::from(front.clone()))
                        .id("pareto_front")
                        .color(ui_weak)
                        .style(egui_plot::LineStyle::dashed_loose())
                        .width(1.5),
                );
            }
            for s in &series {
                plot.points(
                    Points::new(s.label.clone(), PlotPoints::from(s.points.clone()))
                        .id(("scatter", &s.run))
                        .color(s.color)
                        .radius(6.0),
                );
            }
        });
    legend(ui, &series);
    ui.label(
        RichText::new(ctx.t(
            "Dashed: the Pareto front, the runs no other run beats on both quality and p95 time.",
        ))
        .weak()
        .small(),
    );
}

/// The scatter's points on the quality-vs-latency Pareto front, by rising latency.
fn front_points(series: &[Series]) -> Vec<[f64; 2]> {
    let points: Vec<[f64; 2]> = series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .collect();
    // x is log10 of the p95 time: 10^x > 0 for every plotted point.
    let pairs: Vec<(f64, f64)> = points.iter().map(|p| (p[1], 10f64.powf(p[0]))).collect();
    let mut front: Vec<[f64; 2]> = points
        .iter()
        .zip(shoplab_engine::ab::pareto_front(&pairs))
        .filter(|(_, on)| *on)
        .map(|(p, _)| *p)
        .collect();
    front.sort_by(|a, b| a[0].total_cmp(&b[0]));
    front
}

/// A table cell: counts as whole numbers, shares as percentages, the rest
/// at the precision the best is judged on.
fn cell(column: Option<Column>, v: Option<f64>) -> String {
    shoplab_engine::compare::cell_text(column.as_ref(), v)
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
        let mut renamed = runs[..2].to_vec();
        renamed[0].name = "new name".into();
        assert!(!kept.is_for(renamed.iter(), &columns), "a run renamed");
    }

    #[test]
    fn every_recorded_measure_can_be_charted() {
        let names: Vec<String> = chart_measures(10).iter().map(Column::label).collect();
        for want in [
            "precision@10",
            "recall@10",
            "f1@10",
            "hit@10",
            "mrr@10",
            "map@10",
            "ndcg@10",
            "auc",
            "coverage",
            "diversity",
            "novelty",
            "popularity_bias",
        ] {
            assert!(names.iter().any(|n| n == want), "{want} missing: {names:?}");
        }
    }

    fn ease(id: &str, reg: f32, latency: bool) -> RunRecord {
        use shoplab_engine::recommend::{EaseParams, ModelSpec};
        let mut r = run(id);
        r.name = "ease".into();
        r.model = "ease".into();
        r.created_at = format!("2026-12-01T10:00:0{}+00:00", id.len());
        r.spec.model = ModelSpec::Ease(EaseParams { reg });
        r.metrics = [5, 10]
            .into_iter()
            .map(|k| shoplab_engine::run::MetricsAtK {
                k,
                values: shoplab_engine::metrics::MetricSet {
                    ndcg: f64::from(reg) / 1000.0,
                    ..Default::default()
                },
            })
            .collect();
        r.summary.coverage = 0.5;
        if latency {
            r.summary.latency_quantiles_us = (0..=100).map(|q| 100.0 + f64::from(q)).collect();
            r.summary.latency_p95_us = 195.0;
        }
        r
    }

    #[test]
    fn two_runs_of_one_model_with_different_settings_get_distinct_labels() {
        let runs = [ease("a", 100.0, true), ease("bb", 250.0, true)];
        let who = Identities::new(&runs);
        let (a, b) = (who.label("a"), who.label("bb"));
        assert_ne!(a, b);
        assert!(a.contains("reg=100") && b.contains("reg=250"), "{a} / {b}");
        assert_ne!(who.color("a"), who.color("bb"));
    }

    #[test]
    fn a_run_keeps_its_colour_in_every_chart_whichever_runs_are_ticked() {
        let project = [
            ease("a", 100.0, true),
            ease("bb", 250.0, true),
            ease("ccc", 500.0, true),
        ];
        let who = Identities::new(&project);
        // Only the last two ticked, in the table's (sorted) order.
        let ticked = [project[2].clone(), project[1].clone()];
        let ndcg = Column::Metric(MetricAt {
            metric: Metric::Ndcg,
            k: 10,
        });
        let all = [
            metric_at_k_series(&ticked, &who, ndcg),
            bar_series(&ticked, &who, ndcg),
            latency_series(&ticked, &who),
            scatter_series(&ticked, &who, ndcg),
        ];
        for chart in &all {
            assert_eq!(chart.len(), 2);
            for s in chart {
                let pos = project.iter().position(|r| r.id == s.run).unwrap_or(99);
                assert_eq!(s.color, run_color(pos), "{} in chart", s.run);
                assert_eq!(s.label, who.label(&s.run));
            }
        }
        // Run-level figures chart as bars and dots, but have no K curve.
        assert!(metric_at_k_series(&ticked, &who, Column::Coverage).is_empty());
        assert_eq!(bar_series(&ticked, &who, Column::Coverage).len(), 2);
        assert_eq!(scatter_series(&ticked, &who, Column::Coverage).len(), 2);
    }

    #[test]
    fn runs_without_latency_get_an_honest_empty_chart() {
        let runs = [ease("a", 100.0, false), ease("bb", 250.0, false)];
        let who = Identities::new(&runs);
        assert!(latency_series(&runs, &who).is_empty());
        assert!(scatter_series(&runs, &who, Column::Auc).is_empty());
        let mut harness = egui_kittest::Harness::new_ui(|ui| {
            let ctx = ViewCtx {
                lang: crate::i18n::Lang::En,
                project: None,
                jobs: &[],
                picker_start: None,
            };
            let mut out = Vec::new();
            latency_cdf(ui, &runs, &who, Column::Auc, &ctx, &mut out);
        });
        harness.run();
        use egui_kittest::kittest::Queryable;
        harness.get_by_label("No latency recorded for these runs.");
        assert!(
            harness.query_by_label("Export chart").is_none(),
            "nothing to export"
        );
        // With latency: log10 of µs on the x axis, shares up to 1.
        let timed = [ease("a", 100.0, true)];
        let s = latency_series(&timed, &Identities::new(&timed));
        let first = s[0].points[0];
        assert!(
            (first[0] - 2.0).abs() < 1e-9 && first[1] == 0.0,
            "{first:?}"
        );
    }

    #[test]
    fn cells_show_the_precision_the_best_is_judged_on() {
        let ndcg = "ndcg@10".parse().ok();
        assert_eq!(cell(ndcg, Some(0.1 + 0.2)), cell(ndcg, Some(0.3)));
        assert_eq!(cell(ndcg, None), "–");
        assert_eq!(cell(Some(Column::Users), Some(45.0)), "45");
    }
}
