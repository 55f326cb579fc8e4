//! How the app's charts look and read: run colours as egui colours, a
//! legend of coloured labels drawn under a plot (never over its data),
//! grid spacers that give enough tick labels (1-2-5 steps, one mark per
//! bar, 1-2-5 marks per decade on log axes) and latency in µs / ms / s.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{GridInput, GridMark};

/// The colour of the run at `position` in the project's run list
/// (`Snapshot::runs`), the same in every chart and export.
pub fn run_color(position: usize) -> Color32 {
    let [r, g, b] = shoplab_report::palette::run_color(position);
    Color32::from_rgb(r, g, b)
}

/// A small filled square in `color`, as wide as a line of text is high.
pub fn swatch(ui: &mut egui::Ui, color: Color32) -> egui::Response {
    let side = ui.text_style_height(&egui::TextStyle::Body) * 0.8;
    let (rect, response) = ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
    ui.painter().rect_filled(rect, 2.0, color);
    response
}

/// A legend under a plot: a swatch and the label of each series, in rows
/// no wider than the plot (an entry never overflows the column, which
/// would widen every chart below it).
pub fn legend<'a>(ui: &mut egui::Ui, entries: impl IntoIterator<Item = (&'a str, Color32)>) {
    let width = ui.available_width();
    let font = egui::TextStyle::Small.resolve(ui.style());
    let side = ui.text_style_height(&egui::TextStyle::Body) * 0.8;
    let gap = 12.0;
    let mut rows: Vec<Vec<(&str, Color32)>> = vec![Vec::new()];
    let mut used = 0.0;
    for (label, color) in entries {
        let text = ui
            .painter()
            .layout_no_wrap(label.to_string(), font.clone(), Color32::WHITE)
            .size()
            .x;
        let w = side + 4.0 + text + gap;
        if used + w > width && rows.last().is_some_and(|r| !r.is_empty()) {
            rows.push(Vec::new());
            used = 0.0;
        }
        used += w;
        if let Some(row) = rows.last_mut() {
            row.push((label, color));
        }
    }
    for row in rows.into_iter().filter(|r| !r.is_empty()) {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 4.0;
            for (label, color) in row {
                swatch(ui, color);
                let fitted = fit_label(ui, label, &font, ui.available_width().max(24.0));
                let r = ui.add(egui::Label::new(RichText::new(&fitted).small()));
                if fitted != label {
                    r.on_hover_text(label);
                }
                ui.add_space(gap - 4.0);
            }
        });
    }
}

/// A run label that fits `width` points in `font`, shortened by
/// `run_label::shorten` (which keeps the differing end) rather than cut at
/// the end, where two runs of the same name would read alike.
pub fn fit_label(ui: &egui::Ui, label: &str, font: &egui::FontId, width: f32) -> String {
    let fits = |s: &str| {
        ui.painter()
            .layout_no_wrap(s.to_string(), font.clone(), Color32::WHITE)
            .size()
            .x
            <= width
    };
    if fits(label) {
        return label.to_string();
    }
    // Binary search the longest shortened form that fits.
    let (mut lo, mut hi) = (2usize, label.chars().count());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(&shoplab_engine::run_label::shorten(label, mid)) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    shoplab_engine::run_label::shorten(label, lo)
}

/// The largest 1-2-5 step that gives at least `target` marks over `span`.
fn nice_step(span: f64, target: f64) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let raw = span / target.max(1.0);
    let decade = 10f64.powf(raw.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * decade)
        .find(|s| *s <= raw)
        .unwrap_or(decade)
}

/// A tick label with as many decimals as its step needs (`0.2`, `0.05`).
pub fn step_tick(mark: GridMark, _range: &std::ops::RangeInclusive<f64>) -> String {
    let mut decimals = (-mark.step_size.log10().floor()).clamp(0.0, 8.0) as usize;
    // A mark on a coarser step than the grid's still shows its own digits
    // (0.25 is never printed as 0.2).
    while decimals < 8 {
        let scale = 10f64.powi(decimals as i32);
        if ((mark.value * scale).round() - mark.value * scale).abs() < 1e-6 {
            break;
        }
        decimals += 1;
    }
    format!("{:.*}", decimals, mark.value)
}

/// Marks at multiples of a 1-2-5 step, about `target` of them across the
/// visible range (egui_plot's own spacer often leaves a single label on
/// short ranges).
pub fn nice_spacer(target: f64) -> impl Fn(GridInput) -> Vec<GridMark> {
    move |input: GridInput| {
        let (lo, hi) = input.bounds;
        let step = nice_step(hi - lo, target);
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        (first..=last)
            .take(200)
            .map(|i| GridMark {
                value: i as f64 * step,
                // Every 2nd/5th/10th mark also stands on the coarser
                // step, so when the plot is too narrow for every label
                // egui_plot still labels those (0.1, 0.2 of 0.05 steps)
                // instead of none.
                step_size: coarser_step(i, step),
            })
            .collect()
    }
}

/// The coarsest 1-2-5 step (up to a hundred times `step`) that the mark
/// `i * step` is a multiple of: with 0.05 steps, 0.1 → 0.1, 0.2 → 0.2,
/// 0.5 → 0.5, 0.25 → 0.05.
fn coarser_step(i: i64, step: f64) -> f64 {
    let mut best = step;
    let decade = 10f64.powf(step.log10().floor());
    for k in 0..3 {
        for m in [1.0, 2.0, 5.0] {
            let c = m * decade * 10f64.powi(k);
            let ratio = c / step;
            let r = ratio.round();
            if c > best && (ratio - r).abs() < 1e-6 && r >= 1.0 && i % (r as i64) == 0 {
                best = c;
            }
        }
    }
    best
}

/// Marks at exactly these values (the cut-offs K a chart has points at);
/// each as strong as the smallest gap, so crowded labels are dropped.
pub fn marks_at(values: Vec<f64>) -> impl Fn(GridInput) -> Vec<GridMark> {
    let gap = values
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .filter(|g| *g > 0.0)
        .fold(f64::INFINITY, f64::min);
    let step_size = if gap.is_finite() { gap } else { 1.0 };
    move |input: GridInput| {
        let (lo, hi) = input.bounds;
        values
            .iter()
            .filter(|v| **v >= lo && **v <= hi)
            .map(|&value| GridMark { value, step_size })
            .collect()
    }
}

/// One mark at every whole number in view (one per bar).
pub fn integer_spacer(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let first = lo.ceil() as i64;
    let last = hi.floor() as i64;
    (first..=last)
        .take(500)
        .map(|i| GridMark {
            value: i as f64,
            step_size: 1.0,
        })
        .collect()
}

/// Marks on a log10 axis: 1, 2 and 5 times each power of ten over wide
/// ranges (decades stronger, so their labels survive when space is short),
/// every multiple over about a decade, and round linear steps over
/// narrower ranges, so a short axis still gets several labels.
pub fn log_spacer(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || hi - lo > 30.0 {
        return Vec::new();
    }
    if hi - lo < 0.6 {
        // Under four-fold: round steps in the axis' own units.
        let (a, b) = (10f64.powf(lo), 10f64.powf(hi));
        let step = nice_step(b - a, 4.0);
        let first = (a / step).ceil() as i64;
        let last = (b / step).floor() as i64;
        return (first..=last)
            .take(50)
            .filter(|i| *i > 0)
            .map(|i| {
                let at = i as f64 * step;
                GridMark {
                    value: at.log10(),
                    // The real distance to the next mark, so egui_plot
                    // drops labels that would overlap.
                    step_size: (at + step).log10() - at.log10(),
                }
            })
            .collect();
    }
    let mantissas: &[f64] = if hi - lo >= 2.0 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    };
    let mut marks = Vec::new();
    for decade in (lo.floor() as i64 - 1)..=(hi.ceil() as i64) {
        for &m in mantissas {
            let value = decade as f64 + m.log10();
            if value >= lo && value <= hi {
                marks.push(GridMark {
                    value,
                    step_size: log_mark_strength(m),
                });
            }
        }
    }
    marks
}

/// How far (in decades) a log mark at mantissa `m` stands from the marks
/// labelled before it: decades 1, then 2 and 5 (about 0.3 decade apart),
/// then every other multiple only as far as its real gap to the next one
/// (`9` is 0.046 decade from `10`). egui_plot labels a mark only when its
/// step spans enough points, so a short axis keeps 1-2-5 labels and never
/// prints `9 ms` on top of `10 ms`.
fn log_mark_strength(m: f64) -> f64 {
    match m as u32 {
        1 => 1.0,
        2 | 5 => 0.3,
        _ => ((m + 1.0) / m).log10(),
    }
}

/// Bounds to include so a chart of values that are all (nearly) equal
/// shows a sensible range around them (±10%, or ±0.05 around zero, never
/// below zero for non-negative values) instead of egui_plot's arbitrary
/// span around a flat line; `None` when the values already spread.
pub fn flat_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !(lo.is_finite() && hi.is_finite()) {
        return None;
    }
    let scale = lo.abs().max(hi.abs());
    if hi - lo > 1e-9 * scale.max(1e-12) && hi - lo > 1e-12 {
        return None;
    }
    let mid = (lo + hi) / 2.0;
    let pad = if scale > 0.0 { scale * 0.1 } else { 0.05 };
    let low = if mid >= 0.0 {
        (mid - pad).max(0.0)
    } else {
        mid - pad
    };
    Some((low, mid + pad))
}

/// A latency in µs as people read it: `850 µs`, `1.2 ms`, `2 s`.
pub fn micros(us: f64) -> String {
    let trim = |v: f64| {
        if v >= 100.0 || (v - v.round()).abs() < 1e-9 {
            format!("{v:.0}")
        } else if v >= 10.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.2}")
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        }
    };
    if us >= 1e6 {
        format!("{} s", trim(us / 1e6))
    } else if us >= 1e3 {
        format!("{} ms", trim(us / 1e3))
    } else {
        format!("{} µs", trim(us))
    }
}

/// A tick on a log10(µs) axis, as a latency.
pub fn log_micros_tick(mark: GridMark, _range: &std::ops::RangeInclusive<f64>) -> String {
    micros(10f64.powf(mark.value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(lo: f64, hi: f64) -> GridInput {
        GridInput {
            bounds: (lo, hi),
            base_step_size: 0.0,
        }
    }

    #[test]
    fn spacers_give_enough_marks() {
        let marks = nice_spacer(5.0)(input(0.30, 0.34));
        assert!(marks.len() >= 5, "{}", marks.len());
        let marks = nice_spacer(4.0)(input(0.0, 0.84));
        assert!(
            marks.len() >= 4,
            "0 to 0.84 in four steps or more: {}",
            marks.len()
        );
        let labels: Vec<String> = marks.iter().map(|m| step_tick(*m, &(0.0..=1.0))).collect();
        assert_eq!(labels[1], "0.2", "{labels:?}");
        let bars = integer_spacer(input(-0.5, 6.5));
        let at: Vec<f64> = bars.iter().map(|m| m.value).collect();
        assert_eq!(at, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "a mark per bar");
        // 10 µs .. 100 ms: 1-2-5 marks in each of four decades, plus 100 ms.
        let log = log_spacer(input(1.0, 5.0));
        assert_eq!(log.len(), 13);
        let ticks: Vec<String> = log
            .iter()
            .map(|m| log_micros_tick(*m, &(0.0..=1.0)))
            .collect();
        assert_eq!(ticks[0], "10 µs");
        assert!(ticks.contains(&"2 ms".to_string()), "{ticks:?}");
        assert_eq!(ticks.last().map(String::as_str), Some("100 ms"));
        // 130..320 µs: several round marks, not a lone "200 µs".
        let narrow: Vec<String> = log_spacer(input(130f64.log10(), 320f64.log10()))
            .iter()
            .map(|m| log_micros_tick(*m, &(0.0..=1.0)))
            .collect();
        assert!(narrow.len() >= 3, "{narrow:?}");
        assert!(narrow.contains(&"200 µs".to_string()), "{narrow:?}");
    }

    #[test]
    fn short_log_axes_label_1_2_5_only_so_labels_never_overlap() {
        // 8 ms .. 125 ms on a 400-point axis, as egui_plot paints it: a
        // label only where its step spans more than 60 points.
        let (lo, hi) = (8000f64.log10(), 125_000f64.log10());
        let per_decade = 400.0 / (hi - lo);
        let painted: Vec<f64> = log_spacer(input(lo, hi))
            .iter()
            .filter(|m| m.step_size * per_decade > 60.0)
            .map(|m| m.value)
            .collect();
        let ticks: Vec<String> = painted.iter().map(|v| micros(10f64.powf(*v))).collect();
        for w in painted.windows(2) {
            assert!(
                (w[1] - w[0]) * per_decade > 40.0,
                "labels overlap: {ticks:?}"
            );
        }
        assert!(!ticks.contains(&"9 ms".to_string()), "{ticks:?}");
        assert!(ticks.contains(&"10 ms".to_string()), "{ticks:?}");
        assert!(ticks.contains(&"20 ms".to_string()), "{ticks:?}");
    }

    #[test]
    fn labels_fitted_to_a_narrow_column_stay_distinct() {
        let ctx = egui::Context::default();
        let mut fitted = Vec::new();
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
            let font = egui::TextStyle::Body.resolve(ui.style());
            for label in [
                "item_knn · neighbours=200",
                "item_knn · neighbours=50",
                "popularity · window_days=none",
                "popularity · window_days=30",
            ] {
                let f = fit_label(ui, label, &font, 110.0);
                let w = ui
                    .painter()
                    .layout_no_wrap(f.clone(), font.clone(), Color32::WHITE)
                    .size()
                    .x;
                assert!(w <= 110.0, "{f} is {w} wide");
                fitted.push(f);
            }
            assert_eq!(fit_label(ui, "ease", &font, 110.0), "ease");
        });
        // No renderer takes the font atlas here.
        out.textures_delta.clear();
        assert_ne!(fitted[0], fitted[1], "{fitted:?}");
        assert_ne!(fitted[2], fitted[3], "{fitted:?}");
    }

    #[test]
    fn a_narrow_axis_still_labels_round_values() {
        // 0 .. 0.33 across 280 points (the bars chart beside long run
        // labels): egui_plot labels a mark only when its step spans more
        // than 60 points.
        let per_unit = 280.0 / 0.33;
        let painted: Vec<String> = nice_spacer(4.0)(input(0.0, 0.33))
            .into_iter()
            .filter(|m| m.step_size * per_unit > 60.0)
            .map(|m| step_tick(m, &(0.0..=1.0)))
            .collect();
        assert!(painted.len() >= 3, "{painted:?}");
        assert!(painted.contains(&"0.2".to_string()), "{painted:?}");
        // Wide enough for every mark: each reads as itself.
        let all: Vec<String> = nice_spacer(4.0)(input(0.0, 0.33))
            .into_iter()
            .map(|m| step_tick(m, &(0.0..=1.0)))
            .collect();
        assert_eq!(all, ["0", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3"]);
    }

    #[test]
    fn flat_values_get_a_range_around_them() {
        let (lo, hi) = flat_range([0.3, 0.3, 0.3]).unwrap();
        assert!(
            (lo - 0.27).abs() < 1e-9 && (hi - 0.33).abs() < 1e-9,
            "{lo} {hi}"
        );
        assert_eq!(flat_range([0.0, 0.0]), Some((0.0, 0.05)));
        assert_eq!(
            flat_range([0.1, 0.3]),
            None,
            "spread values bound themselves"
        );
        assert_eq!(flat_range([f64::NAN]), None);
        let (lo, hi) = flat_range([-2.0]).unwrap();
        assert!(lo < -2.0 && hi > -2.0);
    }

    #[test]
    fn latencies_read_in_their_unit() {
        assert_eq!(micros(850.0), "850 µs");
        assert_eq!(micros(1234.0), "1.23 ms");
        assert_eq!(micros(2_000_000.0), "2 s");
        assert_eq!(micros(5.5), "5.5 µs");
    }
}
