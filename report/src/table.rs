//! The comparison table as an image: every run and every column, the
//! header row, the best value per column marked as the app marks it
//! (bold on a highlight), each run's colour beside its label, and under
//! the table how each run was split and seeded.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use shoplab_engine::compare::{Column, Comparison, compare};
use shoplab_engine::run::RunRecord;

use crate::figure::{Drawn, Figure, Pen, ink};
use crate::runs::Shown;

const MARGIN: i32 = 24;
const PAD: i32 = 10;
const HEADER_H: i32 = 36;
const ROW_H: i32 = 30;
const NOTE_H: i32 = 22;
const SWATCH: i32 = 14;
/// The app's highlight for the best value (egui's light selection colour).
const BEST: RGBColor = RGBColor(144, 209, 255);
const STRIPE: RGBColor = RGBColor(245, 245, 245);
const HEADER_BG: RGBColor = RGBColor(232, 236, 241);

/// A table cell as the app writes it: counts whole, shares as percentages,
/// other values with the precision of their size.
pub fn cell_text(column: &Column, v: Option<f64>) -> String {
    shoplab_engine::compare::cell_text(Some(column), v)
}

/// One line on how a run was split and seeded, for notes under figures.
pub fn split_note(s: &Shown<'_>) -> String {
    let r: &RunRecord = s.run;
    let params = crate::runs::params(r);
    let mut note = format!(
        "{}: split {}, seed {}; {} shoppers evaluated",
        s.label,
        r.spec.split,
        r.spec.split.seed(),
        r.summary.users_evaluated
    );
    if !params.is_empty() {
        note.push_str(&format!("; {params}"));
    }
    note
}

/// The table figure, laid out for its runs and columns.
#[derive(Debug)]
pub struct TableFigure<'a> {
    shown: &'a [Shown<'a>],
    columns: &'a [Column],
    table: Comparison,
    pen: Pen,
    title: String,
    subtitle: String,
    widths: Vec<i32>,
    notes: Vec<String>,
    size: (u32, u32),
}

impl<'a> TableFigure<'a> {
    /// Lays out the table of `shown` runs (table order) and `columns`.
    pub(crate) fn new(
        shown: &'a [Shown<'a>],
        columns: &'a [Column],
        pen: Pen,
        stamp: &str,
    ) -> Self {
        let runs: Vec<RunRecord> = shown.iter().map(|s| s.run.clone()).collect();
        let table = compare(&runs, columns);
        let w = |t: &str| pen.width(t, ink::BODY) as i32;
        let mut widths = vec![
            shown
                .iter()
                .map(|s| w(&s.label) + SWATCH + 8)
                .chain([w("run")])
                .max()
                .unwrap_or(0)
                + 2 * PAD,
        ];
        for (ci, c) in columns.iter().enumerate() {
            let cells = table
                .rows
                .iter()
                .map(|r| w(&cell_text(c, r.values[ci])) + 1);
            widths.push(cells.chain([w(&c.label()), 56]).max().unwrap_or(0) + 2 * PAD);
        }
        let notes: Vec<String> = shown.iter().map(split_note).collect();
        let title = "Run comparison".to_string();
        let subtitle = format!(
            "{} runs · highlighted: best in its column · ShopLab, {stamp}",
            shown.len()
        );
        let content_w = [
            widths.iter().sum::<i32>(),
            pen.width(&title, ink::TITLE) as i32,
            pen.width(&subtitle, ink::SMALL) as i32,
        ]
        .into_iter()
        .chain(notes.iter().map(|n| pen.width(n, ink::SMALL) as i32))
        .max()
        .unwrap_or(0);
        let height = Self::table_top()
            + HEADER_H
            + ROW_H * shown.len() as i32
            + 18
            + NOTE_H * notes.len() as i32
            + MARGIN;
        TableFigure {
            shown,
            columns,
            table,
            pen,
            title,
            subtitle,
            widths,
            notes,
            size: ((content_w + 2 * MARGIN) as u32, height as u32),
        }
    }

    pub(crate) fn table_top() -> i32 {
        MARGIN + 34 + 26 + 8
    }
}

impl Figure for TableFigure<'_> {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let pen = &self.pen;
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        pen.heading(root, &self.title, &self.subtitle, MARGIN)?;
        let left = (HPos::Left, VPos::Top);
        let top = Self::table_top();
        let total_w: i32 = self.widths.iter().sum();
        let x0 = MARGIN;
        // Header.
        root.draw(&Rectangle::new(
            [(x0, top), (x0 + total_w, top + HEADER_H)],
            HEADER_BG.filled(),
        ))
        .map_err(e)?;
        let mid = |y: i32, h: i32| y + h / 2;
        pen.text(
            root,
            "run",
            (x0 + PAD, mid(top, HEADER_H)),
            ink::BODY,
            &ink::TEXT,
            (HPos::Left, VPos::Center),
            true,
        )?;
        let mut x = x0 + self.widths[0];
        for (ci, c) in self.columns.iter().enumerate() {
            let w = self.widths[ci + 1];
            pen.text(
                root,
                &c.label(),
                (x + w - PAD, mid(top, HEADER_H)),
                ink::BODY,
                &ink::TEXT,
                (HPos::Right, VPos::Center),
                true,
            )?;
            x += w;
        }
        // Rows, in table order.
        for (ri, (s, row)) in self.shown.iter().zip(&self.table.rows).enumerate() {
            let y = top + HEADER_H + ri as i32 * ROW_H;
            if ri % 2 == 1 {
                root.draw(&Rectangle::new(
                    [(x0, y), (x0 + total_w, y + ROW_H)],
                    STRIPE.filled(),
                ))
                .map_err(e)?;
            }
            let cy = mid(y, ROW_H);
            root.draw(&Rectangle::new(
                [
                    (x0 + PAD, cy - SWATCH / 2),
                    (x0 + PAD + SWATCH, cy + SWATCH / 2),
                ],
                s.color.filled(),
            ))
            .map_err(e)?;
            pen.text(
                root,
                &s.label,
                (x0 + PAD + SWATCH + 8, cy),
                ink::BODY,
                &ink::TEXT,
                (HPos::Left, VPos::Center),
                false,
            )?;
            let mut x = x0 + self.widths[0];
            for (ci, c) in self.columns.iter().enumerate() {
                let w = self.widths[ci + 1];
                let best = self.table.best.get(ci).copied().flatten() == Some(ri);
                if best {
                    root.draw(&Rectangle::new(
                        [(x + 3, y + 3), (x + w - 3, y + ROW_H - 3)],
                        BEST.filled(),
                    ))
                    .map_err(e)?;
                }
                let text = cell_text(c, row.values[ci]);
                pen.text(
                    root,
                    &text,
                    (x + w - PAD, cy),
                    ink::BODY,
                    &ink::TEXT,
                    (HPos::Right, VPos::Center),
                    best,
                )?;
                x += w;
            }
        }
        // Frame and header rule.
        let bottom = top + HEADER_H + ROW_H * self.shown.len() as i32;
        root.draw(&Rectangle::new(
            [(x0, top), (x0 + total_w, bottom)],
            ink::GRID.stroke_width(1),
        ))
        .map_err(e)?;
        root.draw(&PathElement::new(
            vec![(x0, top + HEADER_H), (x0 + total_w, top + HEADER_H)],
            ink::AXIS.stroke_width(1),
        ))
        .map_err(e)?;
        for (i, note) in self.notes.iter().enumerate() {
            let y = bottom + 18 + i as i32 * NOTE_H;
            pen.text(root, note, (x0, y), ink::SMALL, &ink::MUTED, left, false)?;
        }
        Ok(())
    }
}
