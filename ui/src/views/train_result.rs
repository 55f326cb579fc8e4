//! The Train view's result side: the last run's metrics as a metric x K
//! table with its run-level figures beside it, and the curves a run
//! collected (live while it runs, kept and marked finished after), one
//! chart per kind of x (shoppers scored, epochs), or one line when a run
//! was too quick to draw one.

use eframe::egui::{self, RichText};
use egui_plot::{Line, Plot, PlotPoints, Points};
use shoplab_engine::compare::{Column, cell_text};
use shoplab_engine::metrics::{Metric, MetricAt};
use shoplab_engine::run::RunRecord;

use super::ViewCtx;
use crate::command::Command;
use crate::job::{Curve, CurveAxis, Curves};
use crate::words;

/// Run-level figures, after the metric x K table (shoppers, cold shoppers
/// and repeats are in the protocol line under it).
const RUN_FIGURES: [Column; 9] = [
    Column::Auc,
    Column::Coverage,
    Column::Diversity,
    Column::Novelty,
    Column::PopularityBias,
    Column::TrainSeconds,
    Column::EvalSeconds,
    Column::LatencyP50,
    Column::LatencyP99,
];

/// Narrowest a row name gets (it wraps to a few lines in narrow windows).
const MIN_NAME_WIDTH: f32 = 96.0;

/// Space between columns (narrow windows: the body's item spacing).
const COL_GAP: f32 = 14.0;

/// Width of a value column.
const VALUE_WIDTH: f32 = 48.0;

/// The run's cut-offs, smallest first.
pub fn run_ks(run: &RunRecord) -> Vec<usize> {
    let mut ks: Vec<usize> = run.metrics.iter().map(|m| m.k).collect();
    ks.sort_unstable();
    ks.dedup();
    ks
}

/// A row name: the plain name with the precise one beside it, its meaning
/// on hover, wrapped at `width`.
fn row_name(ui: &mut egui::Ui, ctx: &ViewCtx<'_>, key: &str, width: f32) {
    let text = words::header(ctx.lang, key);
    let meaning = words::meaning(ctx.lang, key);
    ui.vertical(|ui| {
        ui.set_width(width);
        let r = ui.add(egui::Label::new(text).wrap());
        if let Some(m) = meaning {
            r.on_hover_text(m);
        }
    });
}

/// A value at the top of its cell, level with the first line of a
/// wrapped row name.
fn top_label(ui: &mut egui::Ui, text: String) -> egui::Response {
    ui.vertical(|ui| ui.label(text)).inner
}

/// How wide the row names get: the widest name, as far as the values
/// beside it still fit in `room`, never under [`MIN_NAME_WIDTH`].
fn name_width(
    ui: &egui::Ui,
    ctx: &ViewCtx<'_>,
    keys: &[String],
    values: usize,
    room: f32,
    gap: f32,
) -> f32 {
    let font = egui::TextStyle::Body.resolve(ui.style());
    let widest = keys
        .iter()
        .map(|k| {
            ui.painter()
                .layout_no_wrap(
                    words::header(ctx.lang, k),
                    font.clone(),
                    egui::Color32::WHITE,
                )
                .size()
                .x
        })
        .fold(0.0, f32::max);
    let left = room - values as f32 * (VALUE_WIDTH + gap) - gap;
    widest.min(left).max(MIN_NAME_WIDTH).ceil()
}

/// The last run's metrics: a metric x K table (each value opens the run's
/// shoppers by that metric, as on Compare), then the run-level figures.
pub fn run_tables(ui: &mut egui::Ui, run: &RunRecord, ctx: &ViewCtx<'_>, out: &mut Vec<Command>) {
    let t = |s| ctx.t(s);
    let ks = run_ks(run);
    let room = ui.available_width();
    let gap = if room > 480.0 {
        COL_GAP
    } else {
        ui.spacing().item_spacing.x
    };
    let metric_keys: Vec<String> = Metric::ALL.iter().map(|m| m.as_str().to_string()).collect();
    let figure_keys: Vec<String> = RUN_FIGURES.iter().map(Column::label).collect();
    let metric_w = name_width(ui, ctx, &metric_keys, ks.len(), room, gap);
    // Two name/value pairs a row where they fit: a short table.
    let widest_pair = name_width(ui, ctx, &figure_keys, 1, f32::INFINITY, gap) + VALUE_WIDTH;
    let pairs = if room > 2.0 * widest_pair + 4.0 * gap {
        2
    } else {
        1
    };
    let figure_w = name_width(ui, ctx, &figure_keys, 1, room / pairs as f32, gap);
    // A narrow window scrolls the tables sideways instead of clipping them,
    // with a bar that shows there is more (a floating one hides until hovered).
    let scroll = ui.spacing().scroll;
    if metric_w + ks.len() as f32 * (VALUE_WIDTH + gap) > room {
        ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
    }
    egui::ScrollArea::horizontal()
        .id_salt("train_tables")
        .show(ui, |ui| {
            egui::Grid::new("train_metrics")
                .striped(true)
                .min_col_width(VALUE_WIDTH)
                .spacing(egui::vec2(gap, ui.spacing().item_spacing.y))
                .show(ui, |ui| {
                    ui.label(RichText::new(t("metric")).strong());
                    for k in &ks {
                        ui.label(RichText::new(format!("K = {k}")).strong());
                    }
                    ui.end_row();
                    for metric in Metric::ALL {
                        row_name(ui, ctx, metric.as_str(), metric_w);
                        for &k in &ks {
                            let column = Column::Metric(MetricAt { metric, k });
                            let text = cell_text(Some(&column), column.value(run));
                            let r = top_label(ui, text)
                                .interact(egui::Sense::click())
                                .on_hover_cursor(egui::CursorIcon::PointingHand)
                                .on_hover_text(format!(
                                    "{}\n{}",
                                    column.label(),
                                    t("Click: this run's shoppers by this metric, worst first")
                                ));
                            if r.clicked() {
                                out.push(Command::ShowShoppers {
                                    run: run.id.clone(),
                                    metric: column.label(),
                                });
                            }
                        }
                        ui.end_row();
                    }
                });
            ui.add_space(8.0);
            egui::Grid::new("train_figures")
                .striped(true)
                .min_col_width(VALUE_WIDTH)
                .spacing(egui::vec2(gap, ui.spacing().item_spacing.y))
                .show(ui, |ui| {
                    // Down the columns: quality figures first, then times.
                    let rows = RUN_FIGURES.len().div_ceil(pairs);
                    for row in 0..rows {
                        for column in RUN_FIGURES.iter().skip(row).step_by(rows) {
                            row_name(ui, ctx, &column.label(), figure_w);
                            top_label(ui, cell_text(Some(column), column.value(run)));
                        }
                        ui.end_row();
                    }
                });
            // Room for the floating scroll bar, so it never covers the last row.
            ui.add_space(ui.spacing().scroll.bar_width + 4.0);
        });
    ui.spacing_mut().scroll = scroll;
}

/// The epochs a run's spec asked for (a learned model's `epochs`).
fn planned_epochs(run: &RunRecord) -> Option<u64> {
    serde_json::to_value(&run.spec.model)
        .ok()?
        .get("epochs")?
        .as_u64()
}

/// How a learned run's training went, as (label, value) lines: where it
/// trained, epochs run of those asked, the best epoch and its validation
/// value, whether it stopped early, and the checkpoint it resumed from.
/// Empty for a baseline.
pub fn training_lines(run: &RunRecord, ctx: &ViewCtx<'_>) -> Vec<(&'static str, String)> {
    let t = |s| ctx.t(s);
    let Some(tr) = &run.training else {
        return Vec::new();
    };
    let device = if tr.device.is_empty() {
        run.device.clone()
    } else {
        tr.device.clone()
    };
    let epochs = match planned_epochs(run) {
        Some(n) => format!("{} / {n}", tr.epochs_run),
        None => tr.epochs_run.to_string(),
    };
    // The precise metric name keeps the line short (its plain name is on
    // the validation curve's legend below).
    let metric = tr.metric_name.as_deref().unwrap_or_default();
    let best = match (tr.best_epoch, tr.best_metric) {
        (Some(e), Some(v)) => format!("{e} ({} {metric} = {v:.4})", t("validation")),
        (Some(e), None) => e.to_string(),
        _ => t("none: no validation share, the last epoch is kept").to_string(),
    };
    let stopped = if tr.stopped_early {
        t("yes: validation stopped improving").to_string()
    } else {
        t("no").to_string()
    };
    let resumed = match tr.resumed_from {
        Some(n) => format!("{} {n}", t("yes, from epoch")),
        None => t("no").to_string(),
    };
    vec![
        (t("trained on"), device),
        (t("epochs run"), epochs),
        (t("best epoch"), best),
        (t("stopped early"), stopped),
        (t("resumed"), resumed),
    ]
}

/// A learned run's training summary (nothing for a baseline).
pub fn training_summary(ui: &mut egui::Ui, run: &RunRecord, ctx: &ViewCtx<'_>) {
    let lines = training_lines(run, ctx);
    if lines.is_empty() {
        return;
    }
    ui.label(RichText::new(ctx.t("How training went")).strong());
    // One line each, wrapping between words in a narrow window (a grid
    // cell wrapped a letter a line).
    let help = super::train::help_color(ui);
    for (label, value) in lines {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("{label}:")).color(help));
            ui.label(value);
        });
    }
    ui.add_space(8.0);
}

/// A learned run's curves from its record (loss per epoch, validation per
/// validated epoch): what the Train view draws when the live points are
/// gone (the project was reopened, or the run came from the CLI).
pub fn recorded_curves(run: &RunRecord) -> Curves {
    let mut out = Curves::new();
    let Some(tr) = &run.training else {
        return out;
    };
    if !tr.loss_curve.is_empty() {
        // The loss curve holds every completed epoch, the first being epoch 1.
        let points = tr
            .loss_curve
            .iter()
            .enumerate()
            .map(|(i, l)| [(i + 1) as f64, *l])
            .collect();
        out.insert("loss".into(), Curve::new(CurveAxis::Epochs, points));
    }
    if !tr.valid_curve.is_empty() {
        let name = format!("valid {}", tr.metric_name.as_deref().unwrap_or("metric"));
        let points = tr
            .valid_curve
            .iter()
            .map(|(e, v)| [*e as f64, *v])
            .collect();
        out.insert(name, Curve::new(CurveAxis::Epochs, points));
    }
    out
}

/// A chart's worth of curves: same x, comparable values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chart {
    /// Running means while the test shoppers are scored.
    Evaluation,
    /// Training loss per epoch (its own scale).
    Loss,
    /// Other per-epoch metrics (validation).
    Validation,
}

impl Chart {
    /// The chart a curve goes to.
    pub fn of(name: &str, curve: &Curve) -> Chart {
        match curve.axis {
            CurveAxis::Shoppers => Chart::Evaluation,
            CurveAxis::Epochs if name.contains("loss") => Chart::Loss,
            CurveAxis::Epochs => Chart::Validation,
        }
    }

    fn title(self, ctx: &ViewCtx<'_>) -> &'static str {
        match self {
            Chart::Evaluation => ctx.t("Running mean over the shoppers scored"),
            Chart::Loss => ctx.t("Training loss per epoch"),
            Chart::Validation => ctx.t("Validation per epoch"),
        }
    }

    fn x_label(self, ctx: &ViewCtx<'_>) -> &'static str {
        match self {
            Chart::Evaluation => ctx.t("shoppers scored"),
            Chart::Loss | Chart::Validation => ctx.t("epoch"),
        }
    }
}

/// The curves grouped by chart, in display order (training first).
pub fn charts(curves: &Curves) -> Vec<(Chart, Vec<(&str, &Curve)>)> {
    let mut out: Vec<(Chart, Vec<(&str, &Curve)>)> = Vec::new();
    for (name, curve) in curves {
        let chart = Chart::of(name, curve);
        match out.iter_mut().find(|(c, _)| *c == chart) {
            Some((_, list)) => list.push((name.as_str(), curve)),
            None => out.push((chart, vec![(name.as_str(), curve)])),
        }
    }
    out.sort_by_key(|(c, _)| match c {
        Chart::Loss => 0,
        Chart::Validation => 1,
        Chart::Evaluation => 2,
    });
    out
}

/// The title line of a chart: what it shows, and whether it is still
/// growing or what the run left.
pub fn chart_title(chart: Chart, finished: bool, ctx: &ViewCtx<'_>) -> String {
    let state = if finished {
        ctx.t("finished")
    } else {
        ctx.t("live")
    };
    format!("{} ({state})", chart.title(ctx))
}

/// The curves of a run: live while it runs (`finished` false), the whole
/// collected curve after. A chart whose curves have fewer than two points
/// is one line instead (never an axis around nothing). `salt` tells runs
/// apart, so a chart never keeps an earlier run's zoom.
pub fn curves(ui: &mut egui::Ui, curves: &Curves, finished: bool, salt: &str, ctx: &ViewCtx<'_>) {
    for (chart, list) in charts(curves) {
        ui.add_space(6.0);
        let title = chart_title(chart, finished, ctx);
        let drawable: Vec<(&str, &Curve)> =
            list.iter().copied().filter(|(_, c)| c.drawable()).collect();
        if drawable.is_empty() {
            let why = if finished {
                ctx.t("the run was too quick for a curve (fewer than two points)")
            } else {
                ctx.t("the curve appears from the second point")
            };
            ui.label(RichText::new(format!("{}: {why}", chart.title(ctx))).weak());
            continue;
        }
        ui.label(RichText::new(title).strong());
        chart_ui(ui, chart, &drawable, salt, ctx);
    }
}

/// A curve's name for people: a metric's plain name beside its precise
/// one, validation metrics marked as such, the loss named.
pub fn curve_label(name: &str, ctx: &ViewCtx<'_>) -> String {
    if name == "loss" {
        return format!("{} (loss)", ctx.t("training loss"));
    }
    match name.strip_prefix("valid ") {
        Some(metric) => format!(
            "{}: {}",
            ctx.t("validation"),
            words::header(ctx.lang, metric)
        ),
        None => words::header(ctx.lang, name),
    }
}

/// Grid marks at whole numbers only: x counts epochs or shoppers.
fn whole_marks(input: egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    let mut marks = crate::plot_style::nice_spacer(6.0)(input);
    marks.retain(|m| m.value.fract() == 0.0);
    marks
}

fn chart_ui(
    ui: &mut egui::Ui,
    chart: Chart,
    list: &[(&str, &Curve)],
    salt: &str,
    ctx: &ViewCtx<'_>,
) {
    let series: Vec<(String, egui::Color32, &Curve)> = list
        .iter()
        .enumerate()
        .map(|(i, (name, curve))| {
            (
                curve_label(name, ctx),
                crate::plot_style::run_color(i),
                *curve,
            )
        })
        .collect();
    let points = || list.iter().flat_map(|(_, c)| c.points.iter());
    let mut plot = Plot::new(("train_curves", salt, chart))
        .height(200.0)
        .x_axis_label(chart.x_label(ctx))
        .x_grid_spacer(whole_marks)
        .x_axis_formatter(|m, _| format!("{:.0}", m.value))
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_boxed_zoom(false);
    // Bounds from the data alone: the chart never shows an axis around
    // nothing, nor keeps a range the data left.
    for p in points() {
        plot = plot.include_x(p[0]);
    }
    match crate::plot_style::flat_range(points().map(|p| p[1])) {
        Some((lo, hi)) => plot = plot.include_y(lo).include_y(hi),
        None => {
            for p in points() {
                plot = plot.include_y(p[1]);
            }
        }
    }
    let epochs = chart != Chart::Evaluation;
    plot.show(ui, |plot| {
        for (label, color, curve) in &series {
            plot.line(
                Line::new(label.clone(), PlotPoints::from(curve.points.clone()))
                    .color(*color)
                    .width(2.0)
                    .allow_band(false),
            );
            if epochs {
                // An epoch is a measurement: show where each one is.
                plot.points(
                    Points::new(label.clone(), PlotPoints::from(curve.points.clone()))
                        .color(*color)
                        .radius(2.5),
                );
            }
        }
    });
    // Under the plot, never over the curves.
    crate::plot_style::legend(ui, series.iter().map(|(l, c, _)| (l.as_str(), *c)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curves(list: &[(&str, CurveAxis, &[[f64; 2]])]) -> Curves {
        list.iter()
            .map(|(n, a, p)| ((*n).to_string(), Curve::new(*a, p.to_vec())))
            .collect()
    }

    #[test]
    fn loss_validation_and_evaluation_curves_get_their_own_charts() {
        let c = curves(&[
            (
                "recall@10",
                CurveAxis::Shoppers,
                &[[16.0, 0.1], [32.0, 0.2]],
            ),
            ("ndcg@10", CurveAxis::Shoppers, &[[16.0, 0.1], [32.0, 0.2]]),
            ("loss", CurveAxis::Epochs, &[[1.0, 0.7], [2.0, 0.5]]),
            (
                "valid ndcg@10",
                CurveAxis::Epochs,
                &[[1.0, 0.1], [2.0, 0.2]],
            ),
        ]);
        let charts = charts(&c);
        let shape: Vec<(Chart, Vec<&str>)> = charts
            .iter()
            .map(|(c, l)| (*c, l.iter().map(|(n, _)| *n).collect()))
            .collect();
        assert_eq!(
            shape,
            vec![
                (Chart::Loss, vec!["loss"]),
                (Chart::Validation, vec!["valid ndcg@10"]),
                (Chart::Evaluation, vec!["ndcg@10", "recall@10"]),
            ]
        );
    }

    #[test]
    fn curves_are_named_for_people_in_both_languages() {
        for lang in crate::i18n::Lang::ALL {
            let ctx = ViewCtx {
                lang,
                project: None,
                jobs: &[],
                picker_start: None,
            };
            let valid = curve_label("valid ndcg@10", &ctx);
            assert!(valid.ends_with(&words::header(lang, "ndcg@10")), "{valid}");
            assert!(valid.starts_with(ctx.t("validation")), "{valid}");
            assert!(curve_label("loss", &ctx).ends_with("(loss)"));
            assert_eq!(
                curve_label("recall@5", &ctx),
                words::header(lang, "recall@5")
            );
        }
    }

    #[test]
    fn a_curve_needs_two_points_at_different_x() {
        let one = Curve::new(CurveAxis::Shoppers, vec![[239.0, 0.2]]);
        assert!(!one.drawable());
        let same_x = Curve::new(CurveAxis::Shoppers, vec![[0.0, 0.2], [0.0, 0.3]]);
        assert!(!same_x.drawable());
        let two = Curve::new(CurveAxis::Epochs, vec![[1.0, 0.2], [2.0, 0.3]]);
        assert!(two.drawable());
    }
}
