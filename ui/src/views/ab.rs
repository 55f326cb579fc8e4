//! "Is the difference real?": the Compare view's A/B section. The ticked
//! runs are tested against a chosen baseline, paired per shopper, on a
//! background job (`Project::ab`); the answer shows as a significance
//! table per shopper segment and a cost table with the Pareto front.

use eframe::egui::{self, Color32, RichText};
use shoplab_engine::ab::{AbCell, AbReport, Verdict};
use shoplab_engine::run::RunRecord;

use super::ViewCtx;
use super::compare::Identities;
use crate::command::Command;
use crate::job::JobKind;
use crate::plot_style;

/// The A/B section's state.
#[derive(Debug, Default)]
pub struct AbState {
    /// The baseline run id (default: the first ticked run).
    pub baseline: Option<String>,
    /// The last answer, with the runs it was asked for (baseline first).
    pub report: Option<(Vec<String>, AbReport)>,
    /// Why the last test failed (runs on another split, ...).
    pub error: Option<String>,
    /// Runs the pending test was asked for.
    asked: Vec<String>,
}

impl AbState {
    /// The test's answer arrived.
    pub fn loaded(&mut self, report: AbReport) {
        self.report = Some((std::mem::take(&mut self.asked), report));
        self.error = None;
    }

    /// The test failed; the message names the runs and what differs.
    pub fn failed(&mut self, message: String) {
        self.error = Some(message);
        self.report = None;
    }
}

/// Draws the section for the ticked runs (`runs`, in the table's order).
pub fn ui(
    ui: &mut egui::Ui,
    state: &mut AbState,
    runs: &[RunRecord],
    who: &Identities,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    ui.label(t(
        "Tests each ticked run against a baseline, shopper by shopper: the difference with its 95% interval, p-values adjusted for testing several runs (Holm), and how many shoppers each run wins, ties and loses.",
    ));
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(t("Learn:")).weak());
        for (key, name) in [
            ("paired_test", t("paired comparison")),
            ("t_test", t("t-test and Wilcoxon")),
            ("holm", t("Holm")),
            ("effect_size", t("effect size")),
            ("pareto_front", t("Pareto front")),
            ("tuning_on_test", t("tuning on the test split")),
        ] {
            ui.label(RichText::new(name).weak());
            super::explain_button(ui, ctx.lang, key, out);
        }
    });
    if runs.len() < 2 {
        ui.label(RichText::new(t("Tick at least two runs to test them.")).weak());
        return;
    }
    let ids: Vec<&str> = runs.iter().map(|r| r.id.as_str()).collect();
    let baseline = state
        .baseline
        .clone()
        .filter(|b| ids.contains(&b.as_str()))
        .unwrap_or_else(|| ids[0].to_string());
    let busy = ctx.busy(JobKind::Ab);
    ui.horizontal_wrapped(|ui| {
        ui.label(t("Baseline"));
        egui::ComboBox::from_id_salt("ab_baseline")
            .selected_text(who.label(&baseline))
            .show_ui(ui, |ui| {
                for r in runs {
                    if ui
                        .selectable_label(r.id == baseline, who.label(&r.id))
                        .clicked()
                    {
                        state.baseline = Some(r.id.clone());
                    }
                }
            });
        let button = ui.add_enabled(!busy, egui::Button::new(t("Test against the baseline")));
        if button.clicked() {
            let challengers: Vec<String> = ids
                .iter()
                .filter(|&&id| id != baseline)
                .map(|s| s.to_string())
                .collect();
            state.asked = std::iter::once(baseline.clone())
                .chain(challengers.iter().cloned())
                .collect();
            out.push(Command::AbTest {
                baseline: baseline.clone(),
                challengers,
            });
        }
        if busy {
            ui.spinner();
        }
    });
    if let Some(e) = &state.error {
        ui.colored_label(ui.visuals().warn_fg_color, e);
    }
    let Some((asked, report)) = &state.report else {
        return;
    };
    let current: Vec<String> = std::iter::once(baseline.clone())
        .chain(
            ids.iter()
                .filter(|&&i| i != baseline)
                .map(|s| s.to_string()),
        )
        .collect();
    if *asked != current {
        ui.label(
            RichText::new(t(
                "The runs or the baseline changed since the last test; press the button again.",
            ))
            .weak(),
        );
    }
    report_ui(ui, report, who, ctx, out);
}

fn report_ui(
    ui: &mut egui::Ui,
    r: &AbReport,
    who: &Identities,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "{}: {} · {} {}",
            t("Baseline"),
            who.label(&r.baseline.id),
            r.shoppers,
            t("shoppers paired")
        ));
        if ui
            .add_enabled(!ctx.busy(JobKind::Export), egui::Button::new(t("Write an HTML report")))
            .on_hover_text(t(
                "A folder to hand on: a page with these tables and charts that opens in any browser offline, with CSV, JSON and TREC files beside it.",
            ))
            .clicked()
        {
            out.push(Command::WriteReport(Box::new(r.clone())));
        }
    });
    for note in &r.notes {
        ui.label(RichText::new(note).weak().small());
    }
    // Lift with intervals: every challenger and metric on all shoppers,
    // then the first metric per segment.
    if let Some(all) = r.segments.first() {
        let rows: Vec<IntervalRow> = r
            .challengers
            .iter()
            .zip(&all.cells)
            .flat_map(|(ch, cells)| {
                cells.iter().map(move |c| IntervalRow {
                    label: format!("{} · {}", who.label(&ch.id), c.metric),
                    color: who.color(&ch.id),
                    cell: c,
                })
            })
            .collect();
        ui.strong(t("Difference from the baseline, with 95% intervals"));
        interval_chart(ui, "ab_lift", &rows, ctx);
    }
    if let Some(metric) = r.metrics.first() {
        let rows: Vec<IntervalRow> = r
            .segments
            .iter()
            .flat_map(|seg| {
                r.challengers
                    .iter()
                    .zip(&seg.cells)
                    .filter_map(move |(ch, cells)| {
                        cells.first().map(|c| IntervalRow {
                            label: format!(
                                "{} · {} ({})",
                                short_segment(&seg.name, ctx),
                                who.label(&ch.id),
                                seg.shoppers
                            ),
                            color: who.color(&ch.id),
                            cell: c,
                        })
                    })
            })
            .collect();
        ui.strong(format!("{metric}: {}", t("difference per segment")));
        interval_chart(ui, "ab_segments", &rows, ctx);
    }
    for (k, seg) in r.segments.iter().enumerate() {
        let title = format!(
            "{} ({} {})",
            segment_name(&seg.name, ctx),
            seg.shoppers,
            t("shoppers")
        );
        let title = match seg.name.strip_prefix("category:") {
            Some(cat) => format!(
                "{} {cat} ({} {})",
                t("Test items in the category"),
                seg.shoppers,
                t("shoppers")
            ),
            None => title,
        };
        egui::CollapsingHeader::new(title)
            .id_salt(("ab_segment", k))
            .default_open(k == 0)
            .show(ui, |ui| {
                // A narrow window scrolls the table sideways instead of cutting it.
                egui::ScrollArea::horizontal()
                    .id_salt(("ab_scroll", k))
                    .show(ui, |ui| {
                        egui::Grid::new(("ab_grid", k))
                            .striped(true)
                            .show(ui, |ui| {
                                for h in [
                                    "Run",
                                    "Metric",
                                    "Baseline",
                                    "This run",
                                    "Difference [95% interval]",
                                    "Lift",
                                    "p (Holm)",
                                    "Wins / ties / losses",
                                    "Verdict",
                                ] {
                                    ui.strong(t(h));
                                }
                                ui.end_row();
                                for (ch, cells) in r.challengers.iter().zip(&seg.cells) {
                                    for c in cells {
                                        let flips = r.options.tests.permutations;
                                        row(
                                            ui,
                                            &who.label(&ch.id),
                                            who.color(&ch.id),
                                            c,
                                            flips,
                                            ctx,
                                        );
                                    }
                                }
                            });
                    });
            });
    }
    if let Some(metric) = r.metrics.first() {
        for (k, (ch, moved)) in r.challengers.iter().zip(&r.moved).enumerate() {
            let title = format!(
                "{} {} · {metric}",
                t("Shoppers it helps and hurts most:"),
                who.label(&ch.id)
            );
            egui::CollapsingHeader::new(title)
                .id_salt(("ab_moved", k))
                .default_open(false)
                .show(ui, |ui| {
                    ui.label(
                        RichText::new(t(
                            "Click a shopper to see their history and both runs' lists on Recommend.",
                        ))
                        .weak(),
                    );
                    ui.columns(2, |cols| {
                        for (col, (head, list)) in cols.iter_mut().zip([
                            (t("Helped"), &moved.helped),
                            (t("Hurt"), &moved.hurt),
                        ]) {
                            col.strong(head);
                            if list.is_empty() {
                                col.label(RichText::new(t("nobody")).weak());
                            }
                            for m in list.iter() {
                                let text =
                                    format!("{}  {:.3} -> {:.3}", m.user, m.baseline, m.challenger);
                                if col.link(text).clicked() {
                                    out.push(Command::RecommendFor {
                                        user: m.user.clone(),
                                        runs: vec![r.baseline.id.clone(), ch.id.clone()],
                                    });
                                }
                            }
                        }
                    });
                });
        }
    }
    egui::CollapsingHeader::new(t("Cost beside quality"))
        .id_salt("ab_cost")
        .default_open(true)
        .show(ui, |ui| {
            egui::ScrollArea::horizontal().id_salt("ab_cost_scroll").show(ui, |ui| {
            egui::Grid::new("ab_cost_grid").striped(true).show(ui, |ui| {
                for h in [
                    "Run",
                    "Training (s)",
                    "p50 (ms)",
                    "p95 (ms)",
                    "p99 (ms)",
                    "Model size",
                    "Pareto front",
                ] {
                    ui.strong(t(h));
                }
                ui.end_row();
                for run in std::iter::once(&r.baseline).chain(&r.challengers) {
                    ui.horizontal(|ui| {
                        plot_style::swatch(ui, who.color(&run.id));
                        ui.label(who.label(&run.id));
                    });
                    ui.label(format!("{:.2}", run.train_seconds));
                    ui.label(format!("{:.2}", run.latency_p50_us / 1e3));
                    ui.label(format!("{:.2}", run.latency_p95_us / 1e3));
                    ui.label(format!("{:.2}", run.latency_p99_us / 1e3));
                    ui.label(format!("{:.1} MB", run.model_bytes as f64 / 1e6));
                    ui.label(if run.pareto { t("yes") } else { "" });
                    ui.end_row();
                }
            });
            });
            ui.label(
                RichText::new(t(
                    "On the Pareto front: no other run is at least as good on the first metric and on p99 latency and better on one.",
                ))
                .weak(),
            );
        });
}

/// One cell as a table row: the run, the metric, both means, the
/// difference with its interval, lift, Holm's p, wins/ties/losses, verdict.
pub(super) fn row(
    ui: &mut egui::Ui,
    label: &str,
    color: Color32,
    c: &AbCell,
    flips: usize,
    ctx: &ViewCtx<'_>,
) {
    let s = &c.test;
    ui.horizontal(|ui| {
        plot_style::swatch(ui, color);
        ui.label(label);
    });
    ui.label(&c.metric);
    ui.label(format!("{:.4}", s.mean_a));
    ui.label(format!("{:.4}", s.mean_b));
    ui.label(format!(
        "{:+.4} [{:+.4}, {:+.4}]",
        s.mean_diff, s.ci_low, s.ci_high
    ))
    .on_hover_text(format!(
        "t-test p {} · Wilcoxon p {:.4} · randomisation p {:.4} · d_z {}",
        s.t_p_value.map_or("-".into(), |p| format!("{p:.4}")),
        s.wilcoxon_p_value,
        s.p_value,
        s.effect_size.map_or("-".into(), |d| format!("{d:+.2}"))
    ));
    ui.label(
        s.relative_lift
            .map_or("-".into(), |l| format!("{:+.1}%", 100.0 * l)),
    );
    // At the floor of the sign-flip test (no flip reached the observed
    // difference) the p-value is an upper bound.
    let at_floor = s.p_at_floor(flips);
    let p = if c.p_holm < 1e-4 {
        format!("{:.1e}", c.p_holm)
    } else {
        format!("{:.4}", c.p_holm)
    };
    // Holm never lowers a p-value: at the floor it is a bound too.
    ui.label(if at_floor { format!("≤ {p}") } else { p });
    ui.label(format!("{} / {} / {}", s.wins, s.ties, s.losses));
    let (text, color) = match c.verdict {
        Verdict::Better => (ctx.t("better"), Color32::from_rgb(60, 170, 90)),
        Verdict::Worse => (ctx.t("worse"), Color32::from_rgb(210, 80, 70)),
        Verdict::NoClearDifference => {
            (ctx.t("no clear difference"), ui.visuals().weak_text_color())
        }
    };
    ui.colored_label(color, text);
    ui.end_row();
}

/// One row of an interval chart.
struct IntervalRow<'a> {
    label: String,
    color: Color32,
    cell: &'a AbCell,
}

/// Differences as dots with their 95% interval as a line, zero marked: a
/// row whose line stays clear of zero is a difference the data supports
/// (before Holm's adjustment, which the tables apply).
fn interval_chart(ui: &mut egui::Ui, id: &str, rows: &[IntervalRow<'_>], ctx: &ViewCtx<'_>) {
    use egui_plot::{AxisHints, Line, Plot, PlotPoints, Points, VLine};
    if rows.is_empty() {
        return;
    }
    let n = rows.len();
    let y_of = move |i: usize| (n - 1 - i) as f64;
    let max_chars = (ui.available_width() * 0.45 / 6.5).clamp(20.0, 48.0) as usize;
    let names: Vec<String> = rows
        .iter()
        .map(|r| shoplab_engine::run_label::shorten(&r.label, max_chars))
        .collect();
    let y_axis = AxisHints::new_y()
        .formatter(move |mark, _| {
            let v = mark.value.round();
            if (mark.value - v).abs() < 1e-6 && v >= 0.0 && (v as usize) < n {
                names[n - 1 - v as usize].clone()
            } else {
                String::new()
            }
        })
        .label_spacing(8.0..=10.0);
    let plot = Plot::new(id)
        .height((26.0 * n as f32 + 60.0).max(120.0))
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .custom_y_axes(vec![y_axis])
        .x_axis_label(ctx.t("difference (this run − baseline)"))
        .y_grid_spacer(plot_style::integer_spacer)
        .x_grid_spacer(plot_style::nice_spacer(5.0))
        .x_axis_formatter(plot_style::step_tick)
        .include_x(0.0)
        .include_y(-0.6)
        .include_y(n as f64 - 0.4)
        .show_crosshair(false);
    // Zero stands out from the grid: the question is which side of it each line lies.
    let zero = ui.visuals().strong_text_color();
    plot.show(ui, |plot| {
        plot.vline(VLine::new("0", 0.0).color(zero).width(1.5));
        for (i, r) in rows.iter().enumerate() {
            let t = &r.cell.test;
            let y = y_of(i);
            plot.line(
                Line::new(
                    &r.label,
                    PlotPoints::from(vec![[t.ci_low, y], [t.ci_high, y]]),
                )
                .id((id, i, "ci"))
                .color(r.color)
                .width(3.0),
            );
            plot.points(
                Points::new(&r.label, PlotPoints::from(vec![[t.mean_diff, y]]))
                    .id((id, i, "mean"))
                    .color(r.color)
                    .radius(5.0),
            );
        }
    });
}

/// A segment's short name for chart rows.
fn short_segment(name: &str, ctx: &ViewCtx<'_>) -> String {
    match name {
        "all" => ctx.t("all shoppers").to_string(),
        "light" => ctx.t("light shoppers").to_string(),
        "heavy" => ctx.t("heavy shoppers").to_string(),
        "cold" => ctx.t("cold shoppers").to_string(),
        "head" => ctx.t("head items").to_string(),
        "tail" => ctx.t("long-tail items").to_string(),
        other => other.strip_prefix("category:").unwrap_or(other).to_string(),
    }
}

fn segment_name(name: &str, ctx: &ViewCtx<'_>) -> &'static str {
    match name {
        "all" => ctx.t("All shoppers with training events"),
        "light" => ctx.t("Light shoppers (training events up to the median)"),
        "heavy" => ctx.t("Heavy shoppers (training events above the median)"),
        "cold" => ctx.t("Cold shoppers (no training events)"),
        "head" => ctx.t("Head items (the most chosen fifth of the catalogue)"),
        "tail" => ctx.t("Long-tail items (all the others)"),
        _ => ctx.t("Other shoppers"),
    }
}
