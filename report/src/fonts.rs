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

    /// Whether a CJK font was loaded.
    pub fn has_cjk(&self) -> bool {
        self.cjk.is_some()
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
