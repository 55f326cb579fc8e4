//! Drawing a figure off screen, whole: one drawing routine per figure,
//! rendered into a PNG (through an RGB buffer) or an SVG document, and the
//! text helpers every figure shares (measured with the export's fonts).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::fonts::Fonts;

/// Drawing errors: plotters reports them as text.
pub(crate) type Drawn = Result<(), String>;

/// Something drawn into an image of a size known in advance.
pub(crate) trait Figure {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws the whole figure onto `root` (of [`Figure::size`]).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn;
}

/// The figure as PNG bytes.
pub(crate) fn png<F: Figure>(figure: &F) -> Result<Vec<u8>, String> {
    let (w, h) = figure.size();
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        figure.draw(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let image = image::RgbImage::from_raw(w, h, buf)
        .ok_or_else(|| "the image buffer has the wrong size".to_string())?;
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// The figure as an SVG document.
pub(crate) fn svg<F: Figure>(figure: &F) -> Result<String, String> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, figure.size()).into_drawing_area();
        figure.draw(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(text)
}

fn segment_width(text: &str, family: FontFamily<'static>, size: f64) -> u32 {
    let font: FontDesc<'static> = (family, size).into_font();
    font.box_size(text).map(|(w, _)| w).unwrap_or_else(|_| {
        // Unmeasurable: assume wide glyphs rather than overlap.
        (text.chars().count() as f64 * size) as u32
    })
}

fn draw_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    (x, y): (i32, i32),
    style: TextStyle<'static>,
    bold: bool,
) -> Drawn {
    area.draw(&Text::new(text.to_string(), (x, y), style.clone()))
        .map_err(|e| e.to_string())?;
    if bold {
        area.draw(&Text::new(text.to_string(), (x + 1, y), style))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Text colours and sizes shared by every figure.
pub(crate) mod ink {
    use plotters::style::RGBColor;
    /// Body text.
    pub const TEXT: RGBColor = RGBColor(33, 33, 33);
    /// Secondary text (subtitles, notes).
    pub const MUTED: RGBColor = RGBColor(100, 100, 100);
    /// Grid lines.
    pub const GRID: RGBColor = RGBColor(226, 226, 226);
    /// Axis lines.
    pub const AXIS: RGBColor = RGBColor(90, 90, 90);
    /// Title size (px).
    pub const TITLE: f64 = 26.0;
    /// Subtitle and note size.
    pub const SMALL: f64 = 15.0;
    /// Tick labels, legend and table cells.
    pub const BODY: f64 = 17.0;
    /// Axis titles.
    pub const AXIS_TITLE: f64 = 18.0;
}

/// Text measuring and drawing with the export's fonts.
#[derive(Debug, Clone)]
pub(crate) struct Pen {
    pub fonts: Fonts,
}

impl Pen {
    /// A text style for `text` at `size` px.
    pub fn style(&self, text: &str, size: f64, color: &'static RGBColor) -> TextStyle<'static> {
        TextStyle::from((self.fonts.family(text), size).into_font()).color(color)
    }

    /// Width of `text` at `size` px.
    pub fn width(&self, text: &str, size: f64) -> u32 {
        self.fonts
            .segments(text)
            .into_iter()
            .map(|(part, family)| segment_width(part, family, size))
            .sum()
    }

    /// Draws `text` with its `anchor` at `(x, y)`; `bold` draws it twice,
    /// a pixel apart (the bundled face has one weight). Text mixing scripts
    /// is drawn a segment at a time, each in the font that has it.
    #[allow(clippy::too_many_arguments)]
    pub fn text<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        text: &str,
        (x, y): (i32, i32),
        size: f64,
        color: &'static RGBColor,
        anchor: (HPos, VPos),
        bold: bool,
    ) -> Drawn {
        let segments = self.fonts.segments(text);
        if let [(_, family)] = segments.as_slice() {
            let style = TextStyle::from((*family, size).into_font())
                .color(color)
                .pos(Pos::new(anchor.0, anchor.1));
            return draw_text(area, text, (x, y), style, bold);
        }
        let total = self.width(text, size) as i32;
        let mut at = match anchor.0 {
            HPos::Left => x,
            HPos::Center => x - total / 2,
            HPos::Right => x - total,
        };
        for (part, family) in segments {
            let style = TextStyle::from((family, size).into_font())
                .color(color)
                .pos(Pos::new(HPos::Left, anchor.1));
            draw_text(area, part, (at, y), style, bold)?;
            at += segment_width(part, family, size) as i32;
        }
        Ok(())
    }

    /// Draws `text` reading upwards with its end at `(x, y)` (labels under
    /// narrow bars).
    pub fn text_up<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        text: &str,
        (x, y): (i32, i32),
        size: f64,
        color: &'static RGBColor,
    ) -> Drawn {
        let mut at = y + self.width(text, size) as i32;
        for (part, family) in self.fonts.segments(text) {
            let style = TextStyle::from((family, size).into_font())
                .color(color)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Left, VPos::Center));
            area.draw(&Text::new(part.to_string(), (x, at), style))
                .map_err(|e| e.to_string())?;
            at -= segment_width(part, family, size) as i32;
        }
        Ok(())
    }

    /// `text` broken into lines no wider than `max` px, at spaces and
    /// after ` · ` (the run label's separator); a word wider than `max`
    /// stays whole on its own line.
    pub fn wrap(&self, text: &str, size: f64, max: u32) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        for part in text.split(" · ") {
            let mut line = String::new();
            for word in part.split(' ').filter(|w| !w.is_empty()) {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if line.is_empty() || self.width(&candidate, size) <= max {
                    line = candidate;
                } else {
                    lines.push(std::mem::take(&mut line));
                    line = word.to_string();
                }
            }
            if !line.is_empty() {
                lines.push(line);
            }
        }
        lines
    }
}
