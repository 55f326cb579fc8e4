//! Differences with their intervals (a forest plot): one row per
//! challenger and metric, or per segment, a dot at the mean paired
//! difference and a line across its 95% bootstrap interval, with zero
//! marked, so "is the interval clear of zero" reads at a glance.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::figure::{Drawn, Figure, Pen, ink};

const MARGIN: i32 = 24;
const TOP: i32 = MARGIN + 34 + 26 + 18;
const ROW_H: i32 = 34;
const PLOT_W: i32 = 560;
const AXIS_H: i32 = 70;
const GAP: i32 = 16;
const MAX_LABEL: u32 = 420;

/// `text`, shortened with "…" to at most `max` px at body size.
fn fit(pen: &Pen, text: &str, max: u32) -> String {
    if pen.width(text, ink::BODY) <= max {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut n = chars.len();
    while n > 1 {
        n -= 1;
        let cut: String = chars[..n].iter().collect::<String>() + "…";
        if pen.width(&cut, ink::BODY) <= max {
            return cut;
        }
    }
    "…".into()
}

/// One row of the plot.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalRow {
    /// What the row is (`ease · ndcg@10`, `tail items`).
    pub label: String,
    /// The run's colour.
    pub color: [u8; 3],
    /// Mean paired difference.
    pub diff: f64,
    /// Interval ends.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Text at the row's right (`p Holm 0.03 · better`).
    pub note: String,
}

/// A laid-out forest plot.
#[derive(Debug)]
pub struct IntervalFigure {
    pen: Pen,
    title: String,
    subtitle: String,
    x_title: String,
    rows: Vec<IntervalRow>,
    label_w: i32,
    note_w: i32,
    range: (f64, f64),
}

impl IntervalFigure {
    /// A plot of `rows` under `title`, its x axis titled `x_title`.
    pub(crate) fn new(
        pen: Pen,
        title: &str,
        subtitle: &str,
        x_title: &str,
        mut rows: Vec<IntervalRow>,
    ) -> Self {
        // A label wider than the label column is cut with an ellipsis, so
        // it never runs into the intervals.
        for r in &mut rows {
            r.label = fit(&pen, &r.label, MAX_LABEL);
        }
        let label_w = rows
            .iter()
            .map(|r| pen.width(&r.label, ink::BODY) as i32)
            .max()
            .unwrap_or(0)
            .clamp(60, MAX_LABEL as i32)
            + 28;
        let note_w = rows
            .iter()
            .map(|r| pen.width(&r.note, ink::SMALL) as i32)
            .max()
            .unwrap_or(0)
            + GAP;
        let finite = |v: f64| v.is_finite().then_some(v);
        let lo = rows
            .iter()
            .filter_map(|r| finite(r.low))
            .fold(0.0f64, f64::min);
        let hi = rows
            .iter()
            .filter_map(|r| finite(r.high))
            .fold(0.0f64, f64::max);
        let pad = ((hi - lo) * 0.08).max(1e-6);
        IntervalFigure {
            pen,
            title: title.into(),
            subtitle: subtitle.into(),
            x_title: x_title.into(),
            rows,
            label_w,
            note_w,
            range: (lo - pad, hi + pad),
        }
    }

    fn x(&self, v: f64) -> i32 {
        let (lo, hi) = self.range;
        let left = MARGIN + self.label_w;
        left + ((v - lo) / (hi - lo) * f64::from(PLOT_W)).round() as i32
    }
}

impl Figure for IntervalFigure {
    fn size(&self) -> (u32, u32) {
        let w = MARGIN + self.label_w + PLOT_W + GAP + self.note_w + MARGIN;
        let h = TOP + self.rows.len().max(1) as i32 * ROW_H + AXIS_H + MARGIN;
        (w.max(640) as u32, h as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let pen = &self.pen;
        pen.heading(root, &self.title, &self.subtitle, MARGIN)?;
        let bottom = TOP + self.rows.len().max(1) as i32 * ROW_H;
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        // Ticks and grid.
        let (lo, hi) = self.range;
        let step = nice_step(hi - lo);
        let mut t = (lo / step).ceil() * step;
        while t <= hi + 1e-12 {
            let x = self.x(t);
            root.draw(&PathElement::new(vec![(x, TOP), (x, bottom)], ink::GRID))
                .map_err(err)?;
            pen.text(
                root,
                &format!("{t:+.3}")
                    .replace("+0.000", "0")
                    .replace("-0.000", "0"),
                (x, bottom + 8),
                ink::SMALL,
                &ink::MUTED,
                (HPos::Center, VPos::Top),
                false,
            )?;
            t += step;
        }
        let zero = self.x(0.0);
        root.draw(&PathElement::new(
            vec![(zero, TOP - 6), (zero, bottom)],
            ink::AXIS.stroke_width(2),
        ))
        .map_err(err)?;
        pen.text(
            root,
            &self.x_title,
            (MARGIN + self.label_w + PLOT_W / 2, bottom + 38),
            ink::AXIS_TITLE,
            &ink::TEXT,
            (HPos::Center, VPos::Top),
            false,
        )?;
        for (i, r) in self.rows.iter().enumerate() {
            let y = TOP + i as i32 * ROW_H + ROW_H / 2;
            let color = RGBColor(r.color[0], r.color[1], r.color[2]);
            root.draw(&Rectangle::new(
                [(MARGIN, y - 7), (MARGIN + 14, y + 7)],
                color.filled(),
            ))
            .map_err(err)?;
            pen.text(
                root,
                &r.label,
                (MARGIN + 22, y),
                ink::BODY,
                &ink::TEXT,
                (HPos::Left, VPos::Center),
                false,
            )?;
            if r.low.is_finite() && r.high.is_finite() {
                root.draw(&PathElement::new(
                    vec![(self.x(r.low), y), (self.x(r.high), y)],
                    color.stroke_width(3),
                ))
                .map_err(err)?;
                for end in [r.low, r.high] {
                    root.draw(&PathElement::new(
                        vec![(self.x(end), y - 6), (self.x(end), y + 6)],
                        color.stroke_width(2),
                    ))
                    .map_err(err)?;
                }
            }
            if r.diff.is_finite() {
                root.draw(&Circle::new((self.x(r.diff), y), 6, color.filled()))
                    .map_err(err)?;
            }
            pen.text(
                root,
                &r.note,
                (MARGIN + self.label_w + PLOT_W + GAP, y),
                ink::SMALL,
                &ink::MUTED,
                (HPos::Left, VPos::Center),
                false,
            )?;
        }
        Ok(())
    }
}

/// A round tick step giving about six ticks over `range`.
fn nice_step(range: f64) -> f64 {
    let raw = (range / 6.0).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.5 {
        1.0
    } else if f <= 3.0 {
        2.0
    } else if f <= 7.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}
