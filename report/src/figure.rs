//! Drawing a figure off screen, whole: one drawing routine per figure,
//! rendered into a PNG (through an RGB buffer) or an SVG document, and the
//! text helpers every figure shares (measured with the export's fonts).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

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

/// Pixels per figure unit in PNG files: twice the layout size, so text
/// and lines stay sharp when a page or a paper scales the image.
pub(crate) const PNG_SCALE: u32 = 2;

/// The figure as PNG bytes, at [`PNG_SCALE`] times its size.
pub(crate) fn png<F: Figure>(figure: &F) -> Result<Vec<u8>, String> {
    let (w, h) = figure.size();
    let (w, h) = (w * PNG_SCALE, h * PNG_SCALE);
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let inner = BitMapBackend::with_buffer(&mut buf, (w, h));
        let root = Scaled {
            inner,
            k: PNG_SCALE as i32,
        }
        .into_drawing_area();
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

/// A backend drawing everything `k` times larger on `inner`: the figures
/// lay out in one unit system, and text is rasterised at the larger size
/// (not blown up), so PNGs are sharp.
struct Scaled<B> {
    inner: B,
    k: i32,
}

/// A stroke `k` times wider.
struct Wider<'s, S> {
    style: &'s S,
    k: u32,
}

impl<S: BackendStyle> BackendStyle for Wider<'_, S> {
    fn color(&self) -> BackendColor {
        self.style.color()
    }
    fn stroke_width(&self) -> u32 {
        self.style.stroke_width() * self.k
    }
}

impl<B: DrawingBackend> Scaled<B> {
    fn at(&self, (x, y): BackendCoord) -> BackendCoord {
        (x * self.k, y * self.k)
    }
    fn wider<'s, S: BackendStyle>(&self, style: &'s S) -> Wider<'s, S> {
        Wider {
            style,
            k: self.k as u32,
        }
    }
}

impl<B: DrawingBackend> DrawingBackend for Scaled<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        let (w, h) = self.inner.get_size();
        (w / self.k as u32, h / self.k as u32)
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let (x, y) = self.at(point);
        let k = self.k - 1;
        self.inner.draw_rect((x, y), (x + k, y + k), &color, true)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let path = [self.at(from), self.at(to)];
        let style = self.wider(style);
        self.inner.draw_path(path, &style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let (a, (bx, by)) = (self.at(upper_left), self.at(bottom_right));
        let k = self.k - 1;
        let style = self.wider(style);
        self.inner.draw_rect(a, (bx + k, by + k), &style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let path: Vec<BackendCoord> = path.into_iter().map(|p| self.at(p)).collect();
        let style = self.wider(style);
        self.inner.draw_path(path, &style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let c = self.at(center);
        let style = self.wider(style);
        self.inner
            .draw_circle(c, radius * self.k as u32, &style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let vert: Vec<BackendCoord> = vert.into_iter().map(|p| self.at(p)).collect();
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let font = FontDesc::new(
            style.family(),
            style.size() * f64::from(self.k),
            style.style(),
        )
        .transform(style.transform());
        let larger = TextStyle {
            font,
            color: style.color(),
            pos: style.anchor(),
        };
        let pos = self.at(pos);
        self.inner.draw_text(text, &larger, pos)?;
        if matches!(style.style(), FontStyle::Bold) {
            // One weight bundled: bold is the text again, a pixel over.
            self.inner
                .draw_text(text, &larger, (pos.0 + self.k, pos.1))?;
        }
        Ok(())
    }
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

/// Draws `text`; bold text is asked for as bold (SVG viewers use their
/// bold face; the bitmap backend, with one weight, draws it twice a pixel
/// apart in [`Scaled`]).
fn draw_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    (x, y): (i32, i32),
    style: TextStyle<'static>,
    bold: bool,
) -> Drawn {
    let style = if bold {
        TextStyle {
            font: style.font.clone().style(FontStyle::Bold),
            ..style
        }
    } else {
        style
    };
    area.draw(&Text::new(text.to_string(), (x, y), style))
        .map_err(|e| e.to_string())
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

    /// A figure's white page with its title and, under it, a subtitle,
    /// `margin` from the top-left corner (tables and charts alike).
    pub fn heading<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        title: &str,
        subtitle: &str,
        margin: i32,
    ) -> Drawn {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let top_left = (HPos::Left, VPos::Top);
        self.text(
            root,
            title,
            (margin, margin),
            ink::TITLE,
            &ink::TEXT,
            top_left,
            true,
        )?;
        self.text(
            root,
            subtitle,
            (margin, margin + 36),
            ink::SMALL,
            &ink::MUTED,
            top_left,
            false,
        )
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
