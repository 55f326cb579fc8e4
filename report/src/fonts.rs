//! Fonts for exported images: egui's own Ubuntu face, bundled as bytes, so
//! a file looks the same on every machine and drawing needs no system font
//! lookup (no fontconfig, nothing at run time); plus, for run names in
//! Chinese, the CJK font file the app found (`ui::fonts`), when given.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ab_glyph::{Font, FontRef};
use plotters::style::{FontFamily, FontStyle, register_font};

/// The family name the bundled Latin font is registered under (also what
/// SVG files name, so a viewer falls back to its own sans-serif face).
pub const SANS: &str = "sans-serif";

/// The fonts one export draws with.
#[derive(Clone)]
pub struct Fonts {
    latin: FontRef<'static>,
    cjk: Option<(&'static str, FontRef<'static>)>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("cjk", &self.cjk.as_ref().map(|(name, _)| *name))
            .finish()
    }
}

/// A registered CJK font: its plotters family name and its bytes.
type Registered = Option<(&'static str, &'static [u8])>;

/// CJK fonts registered so far, by file: plotters keeps font data for the
/// life of the program, so each file is read and registered once.
static CJK: OnceLock<Mutex<HashMap<PathBuf, Registered>>> = OnceLock::new();
static LATIN: OnceLock<Result<FontRef<'static>, String>> = OnceLock::new();

impl Fonts {
    /// The bundled Latin font, plus the CJK font at `cjk` when it can be
    /// read (else Chinese characters draw as boxes; the CSV keeps the text).
    pub fn load(cjk: Option<&Path>) -> Result<Fonts, String> {
        let latin = LATIN
            .get_or_init(|| {
                let bytes = epaint_default_fonts::UBUNTU_LIGHT;
                register_font(SANS, FontStyle::Normal, bytes)
                    .map_err(|_| "the bundled font does not parse".to_string())?;
                FontRef::try_from_slice(bytes).map_err(|e| e.to_string())
            })
            .clone()?;
        let cjk = cjk.and_then(|path| {
            let map = CJK.get_or_init(|| Mutex::new(HashMap::new()));
            let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
            let n = map.len();
            let (name, bytes) = (*map
                .entry(path.to_path_buf())
                .or_insert_with(|| register_cjk(path, n)))?;
            Some((name, FontRef::try_from_slice(bytes).ok()?))
        });
        Ok(Fonts { latin, cjk })
    }

    /// The family to draw `text` in: the Latin font when it has every
    /// character, else the CJK font when there is one.
    pub fn family(&self, text: &str) -> FontFamily<'static> {
        let covered = |f: &FontRef<'static>| {
            text.chars()
                .all(|c| c.is_whitespace() || f.glyph_id(c).0 != 0)
        };
        match &self.cjk {
            Some((name, _)) if !covered(&self.latin) => FontFamily::Name(name),
            _ => FontFamily::Name(SANS),
        }
    }

    /// `text` cut where the font it needs changes: Latin runs in the
    /// bundled font, the rest in the CJK font (when there is one), so a
    /// label mixing Chinese and Latin draws whole whichever CJK font the
    /// machine has (some have no Latin letters).
    pub fn segments<'t>(&self, text: &'t str) -> Vec<(&'t str, FontFamily<'static>)> {
        let Some((name, _)) = &self.cjk else {
            return vec![(text, FontFamily::Name(SANS))];
        };
        let latin = |c: char| c.is_whitespace() || self.latin.glyph_id(c).0 != 0;
        let mut out: Vec<(&'t str, FontFamily<'static>)> = Vec::new();
        let mut start = 0;
        let mut current: Option<bool> = None;
        for (i, c) in text.char_indices() {
            // Spaces stay with the text around them.
            let is_latin = if c.is_whitespace() {
                current.unwrap_or(true)
            } else {
                latin(c)
            };
            if current.is_some_and(|cur| cur != is_latin) {
                out.push((&text[start..i], family(current, name)));
                start = i;
            }
            current = Some(is_latin);
        }
        if start < text.len() || out.is_empty() {
            out.push((&text[start..], family(current, name)));
        }
        out
    }

    /// Whether every character of `text` has a glyph in these fonts (else
    /// it draws as boxes in PNGs).
    pub fn covers(&self, text: &str) -> bool {
        text.chars().all(|c| {
            c.is_whitespace()
                || self.latin.glyph_id(c).0 != 0
                || self.cjk.as_ref().is_some_and(|(_, f)| f.glyph_id(c).0 != 0)
        })
    }

    /// Whether a CJK font was loaded.
    pub fn has_cjk(&self) -> bool {
        self.cjk.is_some()
    }
}

fn family(latin: Option<bool>, cjk: &'static str) -> FontFamily<'static> {
    if latin.unwrap_or(true) {
        FontFamily::Name(SANS)
    } else {
        FontFamily::Name(cjk)
    }
}

fn register_cjk(path: &Path, n: usize) -> Registered {
    let bytes = std::fs::read(path).ok()?;
    FontRef::try_from_slice(&bytes).ok()?;
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    let name: &'static str = Box::leak(format!("shoplab-cjk-{n}").into_boxed_str());
    register_font(name, FontStyle::Normal, bytes).ok()?;
    Some((name, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_text_uses_the_bundled_font_and_a_missing_cjk_font_is_no_error() {
        let f = Fonts::load(Some(Path::new("/nonexistent/font.ttf"))).unwrap();
        assert!(!f.has_cjk());
        assert_eq!(f.family("ease · reg=250 µs").as_str(), SANS);
        assert_eq!(
            f.family("商品").as_str(),
            SANS,
            "no CJK font: boxes, no panic"
        );
    }
}

#[cfg(test)]
mod cjk_tests {
    use super::*;

    /// Runs where the machine has the Droid fallback font (no Latin letters
    /// in it: mixed labels must be cut into segments).
    #[test]
    fn mixed_labels_are_cut_where_the_font_changes() {
        let path = Path::new("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf");
        if !path.is_file() {
            return;
        }
        let f = Fonts::load(Some(path)).unwrap();
        assert!(f.has_cjk());
        let parts: Vec<&str> = f
            .segments("商品 ease · reg=5")
            .iter()
            .map(|(t, _)| *t)
            .collect();
        assert_eq!(parts, ["商品 ", "ease · reg=5"]);
        assert_eq!(f.segments("ease").len(), 1);
    }
}
