//! Small file helpers for the app: CSV text, atomic writes, export file
//! names, and a PNG cut from a window screenshot (the responsiveness tour's
//! check). The Compare view's table and charts are not cut from the screen:
//! `Command::ExportComparison` has `shoplab_report` draw them off screen,
//! whole, whatever the scroll position.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui::{ColorImage, Rect};

/// Writes `text` to `path` through a temporary file and a rename.
pub fn write_text(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    shoplab_engine::project::write_atomic(path, text.as_bytes()).map_err(|e| e.to_string())
}

/// Saves the `rect` (in points) of a window screenshot as a PNG.
pub fn save_png(
    image: &Arc<ColorImage>,
    rect: Rect,
    pixels_per_point: f32,
    path: &Path,
) -> Result<(), String> {
    let [w, h] = image.size;
    let px = |v: f32, max: usize| ((v * pixels_per_point).round().max(0.0) as usize).min(max);
    let (x0, y0) = (px(rect.min.x, w), px(rect.min.y, h));
    let (x1, y1) = (px(rect.max.x, w), px(rect.max.y, h));
    if x1 <= x0 || y1 <= y0 {
        return Err(
            "the area to save is empty or off screen; scroll it into view and try again".into(),
        );
    }
    let mut out = image::RgbaImage::new((x1 - x0) as u32, (y1 - y0) as u32);
    for y in y0..y1 {
        for x in x0..x1 {
            let c = image.pixels[y * w + x];
            out.put_pixel(
                (x - x0) as u32,
                (y - y0) as u32,
                image::Rgba(c.to_srgba_unmultiplied()),
            );
        }
    }
    let mut bytes = Vec::new();
    out.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .map_err(|e| format!("cannot encode {}: {e}", path.display()))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    shoplab_engine::project::write_atomic(path, &bytes).map_err(|e| e.to_string())
}

/// Where an export named `stem` goes: `<stem>-<time>.<ext>` in the
/// project's reports folder (`Snapshot::reports_dir`, from the engine).
pub fn export_path(reports_dir: &Path, stem: &str, ext: &str) -> PathBuf {
    let now = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    reports_dir.join(format!("{stem}-{now}.{ext}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use eframe::egui::{Color32, pos2};

    #[test]
    fn png_is_cut_from_the_screenshot_at_the_right_place() {
        let mut img = ColorImage::filled([20, 10], Color32::BLACK);
        img.pixels[3 * 20 + 4] = Color32::RED;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r/chart.png");
        // 2 pixels per point: points (2,1)-(6,4) are pixels (4,2)-(12,8).
        save_png(
            &Arc::new(img),
            Rect::from_min_max(pos2(2.0, 1.0), pos2(6.0, 4.0)),
            2.0,
            &path,
        )
        .unwrap();
        let back = image::open(&path).unwrap().to_rgba8();
        assert_eq!(back.dimensions(), (8, 6));
        assert_eq!(back.get_pixel(0, 1).0, [255, 0, 0, 255]);
        assert_eq!(back.get_pixel(1, 1).0, [0, 0, 0, 255]);
        let off = save_png(
            &Arc::new(ColorImage::filled([4, 4], Color32::BLACK)),
            Rect::from_min_max(pos2(10.0, 10.0), pos2(20.0, 20.0)),
            1.0,
            &path,
        );
        assert!(off.is_err());
    }
}
