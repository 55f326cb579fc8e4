//! The Compare view's four charts as images: metric@K lines, one bar per
//! run, the latency CDF on a log-scaled time axis, and quality against p95
//! latency. Every chart has a title, both axis titles, ticks chosen for
//! the data (every K, 1-2-5 steps on log axes), and a legend in a column
//! of its own beside the plot, so it never covers data.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use shoplab_engine::compare::Column;
use shoplab_engine::metrics::Metric;

use crate::Export;
use crate::error::ExportError;
use crate::figure::{Drawn, Figure, Pen, ink};
use crate::runs::Shown;

const MARGIN: i32 = 24;
const TOP: i32 = MARGIN + 34 + 26 + 18;
const PLOT_W: i32 = 960;
const PLOT_H: i32 = 600;
const ENTRY_H: i32 = 28;
const LEGEND_GAP: i32 = 28;
const X_AREA: i32 = 76;

/// Which chart, with what it plots.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// One line per run over the cut-offs K, of this metric.
    MetricAtK(Metric),
    /// One bar per run.
    Bars,
    /// Latency per request, cumulative share.
    LatencyCdf,
    /// Measure against p95 latency.
    Scatter,
}

/// How a run's mark looks in the legend.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mark {
    Line,
    Bar,
    Dot,
}

/// A legend entry: the run's label and colour, and a note when the run
/// has nothing to plot (so it is not silently missing).
#[derive(Debug, Clone)]
struct Entry {
    label: String,
    color: RGBColor,
    note: Option<&'static str>,
}

/// One run's colour, label and points (x, y).
type Series = (RGBColor, String, Vec<(f64, f64)>);

/// A chart, laid out for its runs.
#[derive(Debug)]
pub struct ChartFigure {
    kind: Kind,
    pen: Pen,
    title: String,
    subtitle: String,
    x_title: String,
    y_title: String,
    x: Axis,
    y: Axis,
    /// Per run: its colour, label and points (x, y).
    series: Vec<Series>,
    legend: Vec<Entry>,
    /// Bars: each bar's label lines (horizontal) or one vertical label.
    bar_labels: Vec<Vec<String>>,
    bar_labels_vertical: bool,
    empty_message: Option<&'static str>,
    x_area: i32,
    y_area: i32,
    plot: (i32, i32, i32, i32),
    legend_rect: (i32, i32, i32, i32),
    size: (u32, u32),
}

impl ChartFigure {
    /// Lays out the chart `export` of `shown` runs for `measure`.
    pub(crate) fn new(
        export: &Export,
        shown: &[Shown<'_>],
        measure: Column,
        pen: Pen,
        stamp: &str,
    ) -> Result<Self, ExportError> {
        let kind = match export {
            Export::MetricAtK => match measure {
                Column::Metric(m) => Kind::MetricAtK(m.metric),
                other => return Err(ExportError::NotAtK(other.label())),
            },
            Export::Bars => Kind::Bars,
            Export::LatencyCdf => Kind::LatencyCdf,
            Export::Scatter => Kind::Scatter,
            // The table is not a chart; the caller draws it apart.
            Export::Table { .. } => Kind::Bars,
        };
        let m = measure.label();
        let mut legend = Vec::new();
        let mut series = Vec::new();
        for s in shown {
            let r = s.run;
            let points: Vec<(f64, f64)> = match kind {
                Kind::MetricAtK(metric) => r
                    .metrics
                    .iter()
                    .map(|x| (x.k as f64, metric.of(&x.values)))
                    .filter(|(_, v)| v.is_finite())
                    .collect(),
                Kind::Bars => measure
                    .value(r)
                    .filter(|v| v.is_finite())
                    .map(|v| vec![(0.0, v)])
                    .unwrap_or_default(),
                Kind::LatencyCdf => {
                    let q = &r.summary.latency_quantiles_us;
                    let last = q.len().max(2) - 1;
                    q.iter()
                        .enumerate()
                        .filter(|(_, us)| us.is_finite() && **us >= 0.0)
                        .map(|(p, us)| (*us, p as f64 / last as f64))
                        .collect()
                }
                Kind::Scatter => {
                    let p95 = r.summary.latency_p95_us;
                    match measure.value(r) {
                        Some(v) if v.is_finite() && p95.is_finite() && p95 > 0.0 => {
                            vec![(p95, v)]
                        }
                        _ => Vec::new(),
                    }
                }
            };
            let note = points.is_empty().then_some(match kind {
                Kind::MetricAtK(_) => "(no metrics recorded)",
                Kind::Bars => "(no value)",
                Kind::LatencyCdf => "(no latency recorded)",
                Kind::Scatter => "(no value or latency)",
            });
            legend.push(Entry {
                label: s.label.clone(),
                color: s.color,
                note,
            });
            series.push((s.color, s.label.clone(), points));
        }
        let all = || series.iter().flat_map(|(_, _, p)| p.iter().copied());
        let (title, x_title, y_title, x, y) = match kind {
            Kind::MetricAtK(metric) => {
                let mut ks: Vec<f64> = all().map(|(k, _)| k).collect();
                ks.sort_by(f64::total_cmp);
                ks.dedup();
                let max = all().map(|(_, v)| v).fold(0.0, f64::max);
                (
                    format!("{}@K per run", metric.as_str()),
                    "cut-off K (length of the recommended list)".to_string(),
                    format!("{}@K", metric.as_str()),
                    Axis::at(&ks),
                    Axis::linear(0.0, max * 1.05, true),
                )
            }
            Kind::Bars => {
                let (lo, hi) =
                    all().fold((0.0f64, 0.0f64), |(lo, hi), (_, v)| (lo.min(v), hi.max(v)));
                (
                    format!("{m} by run"),
                    "run".to_string(),
                    m.clone(),
                    Axis::bars(shown.len()),
                    Axis::linear(lo * 1.1, hi * 1.12, true),
                )
            }
            Kind::LatencyCdf => {
                let (lo, hi) = min_max(all().map(|(us, _)| us).filter(|us| *us > 0.0));
                (
                    "Latency per request (CDF)".to_string(),
                    // The ticks carry their unit (`1 ms`, `100 ms`).
                    "time to answer one request (log scale)".to_string(),
                    "share of requests answered within that time".to_string(),
                    Axis::log(lo.unwrap_or(10.0), hi.unwrap_or(1000.0)),
                    Axis::share(),
                )
            }
            Kind::Scatter => {
                let (xlo, xhi) = min_max(all().map(|(x, _)| x));
                let (ylo, yhi) = min_max(all().map(|(_, y)| y));
                let (xlo, xhi) = (xlo.unwrap_or(1.0), xhi.unwrap_or(1000.0));
                let log = xhi / xlo > 20.0;
                let x = if log {
                    Axis::log(xlo, xhi)
                } else {
                    let pad = ((xhi - xlo) * 0.1).max(xhi.abs() * 0.05).max(1.0);
                    Axis::linear((xlo - pad).max(0.0), xhi + pad, false)
                };
                let (ylo, yhi) = (ylo.unwrap_or(0.0), yhi.unwrap_or(1.0));
                // Room for the points' labels; none when there are no points.
                let pad = if all().next().is_none() {
                    0.0
                } else {
                    ((yhi - ylo) * 0.12).max(yhi.abs() * 0.05).max(1e-3)
                };
                (
                    format!("{m} vs p95 latency"),
                    // Log ticks carry their unit (`2 ms`); linear ones are µs.
                    format!(
                        "p95 latency: 95% of requests answered within ({})",
                        if log { "log scale" } else { "µs" }
                    ),
                    m.clone(),
                    x,
                    Axis::linear(ylo - pad, yhi + pad, false),
                )
            }
        };
        let mut splits: Vec<String> = shown.iter().map(|s| s.run.spec.split.to_string()).collect();
        splits.dedup();
        let split = match splits.as_slice() {
            [one] => format!("split: {one}"),
            _ => "splits differ between runs (see the CSV)".to_string(),
        };
        let subtitle = format!("{} runs · {split} · ShopLab, {stamp}", shown.len());
        let empty_message = all().next().is_none().then_some(match kind {
            Kind::LatencyCdf => {
                "No latency recorded for these runs (made by an older ShopLab): train them again"
            }
            _ => "Nothing to plot: none of these runs has this value",
        });

        // Layout: plot on the left, legend column on the right.
        let body = ink::BODY;
        let y_ticks_w = y
            .ticks
            .iter()
            .map(|v| pen.width(&y.format(*v), body) as i32)
            .max()
            .unwrap_or(0);
        let y_area = y_ticks_w + 20 + 34;
        let mut plot_w = PLOT_W;
        let mut x_area = X_AREA;
        let mut bar_labels = Vec::new();
        let mut bar_labels_vertical = false;
        if kind == Kind::Bars {
            plot_w = plot_w.max(shown.len() as i32 * 64 + y_area);
            let slot = ((plot_w - y_area) / shown.len().max(1) as i32 - 8).max(8) as u32;
            bar_labels = shown
                .iter()
                .map(|s| pen.wrap(&s.label, body, slot))
                .collect();
            let fits = bar_labels
                .iter()
                .all(|l| l.len() <= 3 && l.iter().all(|line| pen.width(line, body) <= slot));
            if fits {
                let lines = bar_labels.iter().map(Vec::len).max().unwrap_or(1) as i32;
                x_area = 16 + lines * 21 + 36;
            } else {
                bar_labels_vertical = true;
                bar_labels = shown.iter().map(|s| vec![s.label.clone()]).collect();
                let longest = shown
                    .iter()
                    .map(|s| pen.width(&s.label, body) as i32)
                    .max()
                    .unwrap_or(0);
                x_area = 16 + longest + 40;
            }
        }
        let legend_w = legend
            .iter()
            .map(|e| {
                pen.width(&e.label, body) as i32
                    + e.note.map_or(0, |n| 8 + pen.width(n, ink::SMALL) as i32)
            })
            .max()
            .unwrap_or(0)
            .max(pen.width("Runs", body) as i32)
            + 40;
        let legend_h = 34 + ENTRY_H * legend.len() as i32;
        let plot_h = PLOT_H + (x_area - X_AREA);
        let height = TOP + plot_h.max(legend_h) + MARGIN;
        let title_w = pen.width(&title, ink::TITLE) as i32;
        let sub_w = pen.width(&subtitle, ink::SMALL) as i32;
        let width =
            (MARGIN + plot_w + LEGEND_GAP + legend_w + MARGIN).max(title_w.max(sub_w) + 2 * MARGIN);
        let plot = (MARGIN, TOP, MARGIN + plot_w, TOP + plot_h);
        let legend_x = MARGIN + plot_w + LEGEND_GAP;
        Ok(ChartFigure {
            kind,
            pen,
            title,
            subtitle,
            x_title,
            y_title,
            x,
            y,
            series,
            legend,
            bar_labels,
            bar_labels_vertical,
            empty_message,
            x_area,
            y_area,
            plot,
            legend_rect: (legend_x, TOP, legend_x + legend_w, TOP + legend_h),
            size: (width as u32, height as u32),
        })
    }

    /// Where the legend is drawn: (left, top, right, bottom) in pixels.
    pub fn legend_rect(&self) -> (i32, i32, i32, i32) {
        self.legend_rect
    }

    /// Where the axes and their labels are drawn (left, top, right, bottom).
    pub fn plot_rect(&self) -> (i32, i32, i32, i32) {
        self.plot
    }

    /// Width of the y axis's label area (ticks and title), in pixels.
    pub fn y_label_width(&self) -> i32 {
        self.y_area
    }

    fn mark(&self) -> Mark {
        match self.kind {
            Kind::MetricAtK(_) | Kind::LatencyCdf => Mark::Line,
            Kind::Bars => Mark::Bar,
            Kind::Scatter => Mark::Dot,
        }
    }
}

impl Figure for ChartFigure {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let pen = &self.pen;
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        pen.heading(root, &self.title, &self.subtitle, MARGIN)?;

        let (px0, py0, px1, py1) = self.plot;
        let area = root
            .clone()
            .shrink((px0, py0), ((px1 - px0) as u32, (py1 - py0) as u32));
        let mut chart = ChartBuilder::on(&area)
            .margin_right(20)
            .margin_top(10)
            .x_label_area_size(self.x_area)
            .y_label_area_size(self.y_area)
            .build_cartesian_2d(self.x.clone(), self.y.clone())
            .map_err(e)?;
        let xf = |v: &f64| self.x.format(*v);
        let yf = |v: &f64| self.y.format(*v);
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(self.x_title.as_str())
            .y_desc(self.y_title.as_str())
            .x_label_formatter(&xf)
            .y_label_formatter(&yf)
            .label_style(pen.style("0", ink::BODY, &ink::TEXT))
            .axis_desc_style(pen.style(&self.y_title, ink::AXIS_TITLE, &ink::TEXT))
            .bold_line_style(ink::GRID)
            .light_line_style(ink::GRID)
            .axis_style(ink::AXIS)
            .set_all_tick_mark_size(6);
        if self.kind == Kind::Bars {
            mesh.disable_x_mesh();
        }
        mesh.draw().map_err(e)?;

        // Scatter labels avoid every point and each other.
        let (left_edge, bottom) = chart.backend_coord(&(self.x.lo, self.y.lo));
        let (right_edge, top) = chart.backend_coord(&(self.x.hi, self.y.hi));
        let bounds = (left_edge, top, right_edge, bottom);
        let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
        if self.kind == Kind::Scatter {
            for (_, _, points) in &self.series {
                for p in points {
                    let (cx, cy) = chart.backend_coord(p);
                    placed.push((cx - 9, cy - 9, cx + 9, cy + 9));
                }
            }
        }
        if self.kind == Kind::Scatter {
            // The Pareto front (no run better on both quality and p95 time)
            // as a dashed line from the fastest front run to the best.
            let points: Vec<(f64, f64)> = self
                .series
                .iter()
                .flat_map(|(_, _, p)| p.iter().copied())
                .collect();
            let pairs: Vec<(f64, f64)> = points.iter().map(|&(lat, q)| (q, lat)).collect();
            let mut front: Vec<(f64, f64)> = points
                .iter()
                .zip(shoplab_engine::ab::pareto_front(&pairs))
                .filter(|(_, on)| *on)
                .map(|(p, _)| *p)
                .collect();
            front.sort_by(|a, b| a.0.total_cmp(&b.0));
            if front.len() > 1 {
                chart
                    .draw_series(DashedLineSeries::new(
                        front,
                        8,
                        6,
                        ink::MUTED.stroke_width(2),
                    ))
                    .map_err(e)?;
            }
        }
        let mut labels = Vec::new();
        for (i, (color, label, points)) in self.series.iter().enumerate() {
            match self.kind {
                Kind::MetricAtK(_) | Kind::LatencyCdf => {
                    chart
                        .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))
                        .map_err(e)?;
                    if matches!(self.kind, Kind::MetricAtK(_)) {
                        chart
                            .draw_series(points.iter().map(|p| Circle::new(*p, 5, color.filled())))
                            .map_err(e)?;
                    }
                }
                Kind::Bars => {
                    let x = i as f64;
                    if let Some((_, v)) = points.first() {
                        let base = 0.0f64.clamp(self.y.lo, self.y.hi);
                        chart
                            .draw_series([Rectangle::new(
                                [(x - 0.34, base), (x + 0.34, *v)],
                                color.filled(),
                            )])
                            .map_err(e)?;
                        let (bx, by) = chart.backend_coord(&(x, *v));
                        let vpos = if *v >= 0.0 { VPos::Bottom } else { VPos::Top };
                        let dy = if *v >= 0.0 { -4 } else { 4 };
                        let text = crate::table::cell_text(&Column::Auc, Some(*v));
                        pen.text(
                            root,
                            &text,
                            (bx, by + dy),
                            ink::SMALL,
                            &ink::TEXT,
                            (HPos::Center, vpos),
                            false,
                        )?;
                    }
                    self.bar_label(root, &chart_x(&chart, x, self.y.lo), i)?;
                }
                Kind::Scatter => {
                    for p in points {
                        chart
                            .draw_series([
                                Circle::new(*p, 8, color.filled()),
                                Circle::new(*p, 8, ink::AXIS.stroke_width(1)),
                            ])
                            .map_err(e)?;
                        labels.push((label, chart.backend_coord(p)));
                    }
                }
            }
        }
        for (label, point) in labels {
            place_label(pen, root, label, point, bounds, &mut placed)?;
        }
        if let Some(msg) = self.empty_message {
            let mid_x = (self.plot.0 + self.y_area + self.plot.2) / 2;
            let mid_y = (self.plot.1 + self.plot.3 - self.x_area) / 2;
            pen.text(
                root,
                msg,
                (mid_x, mid_y),
                ink::BODY,
                &ink::MUTED,
                (HPos::Center, VPos::Center),
                false,
            )?;
        }
        self.draw_legend(root)
    }
}

/// The pixel position of `(x, y)` in `chart`.
fn chart_x<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, Cartesian2d<Axis, Axis>>,
    x: f64,
    y: f64,
) -> (i32, i32) {
    chart.backend_coord(&(x, y))
}

impl ChartFigure {
    /// The label under bar `i`, whose axis point is `(x, y)` in pixels.
    fn bar_label<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        &(x, y): &(i32, i32),
        i: usize,
    ) -> Drawn {
        let Some(lines) = self.bar_labels.get(i) else {
            return Ok(());
        };
        if self.bar_labels_vertical {
            let text = lines.join(" ");
            return self
                .pen
                .text_up(root, &text, (x, y + 14), ink::BODY, &ink::TEXT);
        }
        for (li, line) in lines.iter().enumerate() {
            self.pen.text(
                root,
                line,
                (x, y + 14 + li as i32 * 21),
                ink::BODY,
                &ink::TEXT,
                (HPos::Center, VPos::Top),
                false,
            )?;
        }
        Ok(())
    }

    fn draw_legend<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let pen = &self.pen;
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let (x0, y0, _, _) = self.legend_rect;
        pen.text(
            root,
            "Runs",
            (x0, y0),
            ink::BODY,
            &ink::TEXT,
            (HPos::Left, VPos::Top),
            true,
        )?;
        for (i, entry) in self.legend.iter().enumerate() {
            let cy = y0 + 34 + i as i32 * ENTRY_H + ENTRY_H / 2;
            let c = entry.color;
            match self.mark() {
                Mark::Line => {
                    root.draw(&PathElement::new(
                        vec![(x0, cy), (x0 + 26, cy)],
                        c.stroke_width(3),
                    ))
                    .map_err(e)?;
                    if matches!(self.kind, Kind::MetricAtK(_)) {
                        root.draw(&Circle::new((x0 + 13, cy), 5, c.filled()))
                            .map_err(e)?;
                    }
                }
                Mark::Bar => {
                    root.draw(&Rectangle::new(
                        [(x0 + 5, cy - 8), (x0 + 21, cy + 8)],
                        c.filled(),
                    ))
                    .map_err(e)?;
                }
                Mark::Dot => {
                    root.draw(&Circle::new((x0 + 13, cy), 7, c.filled()))
                        .map_err(e)?;
                    root.draw(&Circle::new((x0 + 13, cy), 7, ink::AXIS.stroke_width(1)))
                        .map_err(e)?;
                }
            }
            let tx = x0 + 34;
            pen.text(
                root,
                &entry.label,
                (tx, cy),
                ink::BODY,
                &ink::TEXT,
                (HPos::Left, VPos::Center),
                false,
            )?;
            if let Some(note) = entry.note {
                let nx = tx + pen.width(&entry.label, ink::BODY) as i32 + 8;
                pen.text(
                    root,
                    note,
                    (nx, cy),
                    ink::SMALL,
                    &ink::MUTED,
                    (HPos::Left, VPos::Center),
                    false,
                )?;
            }
        }
        Ok(())
    }
}

/// Draws a scatter point's label beside it: right of the point, else
/// left, at the point's height or moved up or down until it overlaps no
/// point and no label placed before (then a thin line joins it to its
/// point), inside `bounds` (left, top, right, bottom).
fn place_label<DB: DrawingBackend>(
    pen: &Pen,
    root: &DrawingArea<DB, Shift>,
    label: &str,
    (cx, cy): (i32, i32),
    (left, top, right, bottom): (i32, i32, i32, i32),
    placed: &mut Vec<(i32, i32, i32, i32)>,
) -> Drawn {
    let w = pen.width(label, ink::BODY) as i32;
    let h = 20;
    let free = |x0: i32, y: i32| {
        x0 >= left
            && x0 + w <= right
            && y - h / 2 >= top
            && y + h / 2 <= bottom
            && !placed
                .iter()
                .any(|&(a, b, c, d)| x0 < c && x0 + w > a && y - h / 2 < d && y + h / 2 > b)
    };
    let sides = [cx + 12, cx - 12 - w];
    let found = (0..12)
        .map(|i| {
            if i % 2 == 0 {
                i / 2 * h
            } else {
                -(i / 2 + 1) * h
            }
        })
        .flat_map(|dy| sides.iter().map(move |&x0| (x0, cy + dy)))
        .find(|&(x0, y)| free(x0, y));
    let (x0, y) = found.unwrap_or(if cx + 12 + w <= right {
        (sides[0], cy)
    } else {
        (sides[1], cy)
    });
    placed.push((x0, y - h / 2, x0 + w, y + h / 2));
    let right_side = x0 > cx;
    if y != cy {
        let end = if right_side { x0 - 2 } else { x0 + w + 2 };
        root.draw(&PathElement::new(
            vec![(cx, cy), (end, y)],
            ink::MUTED.stroke_width(1),
        ))
        .map_err(|e| e.to_string())?;
    }
    pen.text(
        root,
        label,
        (x0, y),
        ink::BODY,
        &ink::TEXT,
        (HPos::Left, VPos::Center),
        false,
    )
}

fn min_max(values: impl Iterator<Item = f64>) -> (Option<f64>, Option<f64>) {
    values
        .filter(|v| v.is_finite())
        .fold((None, None), |(lo, hi), v| {
            (
                Some(lo.map_or(v, |l: f64| l.min(v))),
                Some(hi.map_or(v, |h: f64| h.max(v))),
            )
        })
}

/// An axis with the ticks ShopLab chooses: nice linear steps, every K, or
/// 1-2-5 steps per decade on a log scale.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
    ticks: Vec<f64>,
    /// Decimals of linear tick labels; `None` formats as time (log axes)
    /// or as a percentage (shares).
    decimals: Option<usize>,
    percent: bool,
}

impl Axis {
    /// A linear axis covering `min..max` in nice steps (from zero when
    /// `from_zero` and the data are positive).
    fn linear(min: f64, max: f64, from_zero: bool) -> Axis {
        let (mut min, mut max) = (min, max);
        if from_zero {
            min = min.min(0.0);
        }
        // Also catches NaN bounds.
        if max.partial_cmp(&min) != Some(std::cmp::Ordering::Greater) {
            max = min + if min == 0.0 { 1.0 } else { min.abs() * 0.1 };
        }
        let step = nice_step(max - min, 6);
        let lo = (min / step).floor() * step;
        let hi = (max / step).ceil() * step;
        let n = ((hi - lo) / step).round() as usize;
        let ticks = (0..=n).map(|i| lo + i as f64 * step).collect();
        let decimals = (-step.log10().floor()).max(0.0) as usize;
        Axis {
            lo,
            hi,
            log: false,
            ticks,
            decimals: Some(decimals.min(6)),
            percent: false,
        }
    }

    /// A linear axis with a tick at each of `values` (the cut-offs K).
    fn at(values: &[f64]) -> Axis {
        let (lo, hi) = match (values.first(), values.last()) {
            (Some(&a), Some(&b)) if b > a => (a, b),
            (Some(&a), _) => (a - 1.0, a + 1.0),
            _ => (0.0, 10.0),
        };
        let pad = (hi - lo) * 0.04;
        let decimals = if values.iter().all(|v| v.fract() == 0.0) {
            0
        } else {
            2
        };
        Axis {
            lo: lo - pad,
            hi: hi + pad,
            log: false,
            ticks: values.to_vec(),
            decimals: Some(decimals),
            percent: false,
        }
    }

    /// Slots for `n` bars, without ticks (each bar is labelled).
    fn bars(n: usize) -> Axis {
        Axis {
            lo: -0.6,
            hi: n.max(1) as f64 - 0.4,
            log: false,
            ticks: Vec::new(),
            decimals: Some(0),
            percent: false,
        }
    }

    /// A share from 0 to 100% in steps of 10%.
    fn share() -> Axis {
        Axis {
            lo: 0.0,
            hi: 1.0,
            log: false,
            ticks: (0..=10).map(|i| f64::from(i) / 10.0).collect(),
            decimals: None,
            percent: true,
        }
    }

    /// A log-scaled time axis (µs) from the decade at or below `min` to the
    /// one at or above `max`, ticked 1-2-5 (or sparser over many decades).
    fn log(min: f64, max: f64) -> Axis {
        let min = if min > 0.0 { min } else { 1.0 };
        let max = max.max(min);
        let lo = 10f64.powf(min.log10().floor());
        let mut hi = 10f64.powf(max.log10().ceil());
        if hi <= lo * 1.0001 {
            hi = lo * 10.0;
        }
        let decades = (hi / lo).log10().round() as i32;
        let steps: &[f64] = match decades {
            0..=2 => &[1.0, 2.0, 5.0],
            3..=4 => &[1.0, 3.0],
            _ => &[1.0],
        };
        let mut ticks = Vec::new();
        for d in 0..=decades {
            for m in steps {
                let v = lo * 10f64.powi(d) * m;
                if v <= hi * 1.0001 {
                    ticks.push(v);
                }
            }
        }
        Axis {
            lo,
            hi,
            log: true,
            ticks,
            decimals: None,
            percent: false,
        }
    }

    /// A tick's text.
    fn format(&self, v: f64) -> String {
        if self.percent {
            return format!("{:.0}%", v * 100.0);
        }
        match self.decimals {
            Some(d) if !self.log => format!("{v:.d$}"),
            _ => time_us(v),
        }
    }

    fn t(&self, v: f64) -> f64 {
        if self.log { v.max(self.lo).ln() } else { v }
    }
}

/// A duration in microseconds as people write it: `500 µs`, `2 ms`, `1.5 s`.
fn time_us(us: f64) -> String {
    let (v, unit) = if us >= 1e6 {
        (us / 1e6, "s")
    } else if us >= 1e3 {
        (us / 1e3, "ms")
    } else {
        (us, "µs")
    };
    let text = format!("{v:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} {unit}")
}

/// A round step (1, 2 or 5 times a power of ten) giving about `target`
/// intervals over `range`.
fn nice_step(range: f64, target: usize) -> f64 {
    let raw = range / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f < 1.5 {
        1.0
    } else if f < 3.0 {
        2.0
    } else if f < 7.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let (a, b) = (self.t(self.lo), self.t(self.hi));
        let f = if b > a {
            (self.t(*value) - a) / (b - a)
        } else {
            0.0
        };
        limit.0 + (f * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        self.ticks.clone()
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axes_tick_every_1_2_5_and_read_as_times() {
        let a = Axis::log(130.0, 4200.0);
        assert_eq!((a.lo, a.hi), (100.0, 10_000.0));
        let labels: Vec<String> = a.ticks.iter().map(|v| a.format(*v)).collect();
        assert_eq!(
            labels,
            [
                "100 µs", "200 µs", "500 µs", "1 ms", "2 ms", "5 ms", "10 ms"
            ]
        );
        // Within one decade there are still several ticks.
        assert!(Axis::log(20.0, 30.0).ticks.len() >= 3);
    }

    #[test]
    fn linear_axes_have_several_round_ticks() {
        let a = Axis::linear(0.0, 0.31, true);
        assert!(a.ticks.len() >= 4, "{:?}", a.ticks);
        assert!(a.hi >= 0.31 && a.lo == 0.0);
        assert_eq!(a.format(0.05), "0.05");
        let k = Axis::at(&[5.0, 10.0, 20.0]);
        assert_eq!(k.ticks, [5.0, 10.0, 20.0]);
        assert_eq!(k.format(10.0), "10");
    }
}

#[cfg(test)]
mod layout_tests {
    use super::*;
    use crate::fonts::Fonts;
    use shoplab_engine::run::RunRecord;

    fn shown(runs: &[RunRecord]) -> Vec<Shown<'_>> {
        let ids: Vec<String> = runs.iter().map(|r| r.id.clone()).collect();
        crate::runs::pick(runs, &ids).unwrap()
    }

    fn pen() -> Pen {
        Pen {
            fonts: Fonts::load(None).unwrap(),
        }
    }

    #[test]
    fn runs_without_latency_are_named_in_the_legend_and_an_empty_chart_says_why() {
        let mut with = RunRecord {
            id: "a".into(),
            name: "ease".into(),
            ..RunRecord::default()
        };
        with.summary.latency_quantiles_us = (0..=100).map(|p| 100.0 + f64::from(p)).collect();
        let without = RunRecord {
            id: "b".into(),
            name: "old".into(),
            ..RunRecord::default()
        };
        let runs = [with, without];
        let s = shown(&runs);
        let measure = Column::Auc;
        let fig = ChartFigure::new(&Export::LatencyCdf, &s, measure, pen(), "now").unwrap();
        assert_eq!(fig.legend[0].note, None);
        assert_eq!(fig.legend[1].note, Some("(no latency recorded)"));
        assert!(fig.empty_message.is_none());
        assert!(fig.x.log, "time is on a log scale");
        // Ticks read `100 µs`, `1 ms`: the title names no unit that
        // contradicts them.
        assert!(!fig.x_title.contains("µs"), "{}", fig.x_title);
        let fig = ChartFigure::new(&Export::LatencyCdf, &s[1..], measure, pen(), "now").unwrap();
        assert!(fig.empty_message.is_some_and(|m| m.contains("No latency")));
    }

    #[test]
    fn narrow_bars_get_upright_labels_and_wide_ones_wrap_under_the_bar() {
        let runs: Vec<RunRecord> = (0..40)
            .map(|i| RunRecord {
                id: format!("r{i}"),
                name: format!("a rather long run name number {i}"),
                ..RunRecord::default()
            })
            .collect();
        let seven: Vec<RunRecord> = (0..7)
            .map(|i| RunRecord {
                id: format!("e{i}"),
                name: format!("ease · reg=1{i}50.0"),
                ..RunRecord::default()
            })
            .collect();
        let fig =
            ChartFigure::new(&Export::Bars, &shown(&seven), Column::Auc, pen(), "now").unwrap();
        assert!(!fig.bar_labels_vertical);
        assert_eq!(
            fig.bar_labels[0],
            ["ease", "reg=1050.0"],
            "wrapped at the dot"
        );
        let fig =
            ChartFigure::new(&Export::Bars, &shown(&runs), Column::Auc, pen(), "now").unwrap();
        assert!(fig.bar_labels_vertical);
        assert_eq!(fig.bar_labels.len(), 40, "a label under every bar");
        // The legend is beside the plot and tall enough for every run.
        let (_, top, _, bottom) = fig.legend_rect();
        assert!(bottom - top >= 40 * ENTRY_H);
        assert!(fig.size().1 as i32 >= bottom);
    }
}
