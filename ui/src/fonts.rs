//! Fonts: egui's own fonts cover Latin text; Chinese product titles and
//! the 简体中文 interface need a CJK font. ShopLab uses the first one found
//! among well-known system locations (or `SHOPLAB_CJK_FONT`), because every
//! desktop that shows Chinese has one and a full CJK font is too large
//! (15+ MB) to ship in the binary.

use std::path::PathBuf;

use eframe::egui::{self, FontData, FontDefinitions, FontFamily};

/// Known CJK fonts: (path, face index inside a collection). Noto Sans CJK
/// collections hold the Simplified Chinese face at index 2.
const CANDIDATES: &[(&str, u32)] = &[
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    (
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        2,
    ),
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
        0,
    ),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    (
        "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
        0,
    ),
    (
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        0,
    ),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("/System/Library/Fonts/STHeiti Light.ttc", 0),
    ("/System/Library/Fonts/Hiragino Sans GB.ttc", 0),
    ("/Library/Fonts/Arial Unicode.ttf", 0),
    ("C:\\Windows\\Fonts\\msyh.ttc", 0),
    ("C:\\Windows\\Fonts\\simhei.ttf", 0),
    ("C:\\Windows\\Fonts\\simsun.ttc", 0),
];

/// Adds a CJK fallback font to egui's defaults; returns the file used, or
/// `None` when no CJK font was found (Chinese then shows as boxes, and the
/// app says so on the start screen).
pub fn install(ctx: &egui::Context) -> Option<PathBuf> {
    let mut fonts = FontDefinitions::default();
    let found = find();
    if let Some((path, bytes, index)) = found.clone() {
        let mut data = FontData::from_owned(bytes);
        data.index = index;
        fonts.font_data.insert("cjk".into(), data.into());
        for family in [FontFamily::Proportional, FontFamily::Monospace] {
            // Last: Latin text keeps egui's fonts, CJK falls through to this one.
            fonts.families.entry(family).or_default().push("cjk".into());
        }
        ctx.set_fonts(fonts);
        tracing::info!("CJK font: {}", path.display());
        return Some(path);
    }
    tracing::warn!("no CJK font found; set SHOPLAB_CJK_FONT to a .ttf/.otf/.ttc file");
    None
}

fn find() -> Option<(PathBuf, Vec<u8>, u32)> {
    // `none` turns the search off (to see what a machine without CJK fonts shows).
    if std::env::var_os("SHOPLAB_CJK_FONT").is_some_and(|v| v == "none") {
        return None;
    }
    let from_env = std::env::var_os("SHOPLAB_CJK_FONT").map(|p| (PathBuf::from(p), 0));
    from_env
        .into_iter()
        .chain(CANDIDATES.iter().map(|&(p, i)| (PathBuf::from(p), i)))
        .find_map(|(path, index)| {
            let bytes = std::fs::read(&path).ok()?;
            Some((path, bytes, index))
        })
}
