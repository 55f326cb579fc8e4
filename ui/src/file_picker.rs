//! A small in-app file and folder picker. Native dialogs need GTK or a
//! desktop portal on Linux (heavy to build, absent on many servers and in
//! CI); this one works everywhere egui does, and files can also be dropped
//! onto the window.

use std::path::{Path, PathBuf};

use eframe::egui;

use crate::i18n::{Lang, tr};

/// What the picker picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pick {
    /// One folder.
    #[default]
    Folder,
    /// One or more files.
    Files,
}

/// An open (or closed) picker window.
#[derive(Debug, Default)]
pub struct FilePicker {
    /// Whether the window is shown.
    pub open: bool,
    mode: Pick,
    dir: PathBuf,
    filter: String,
    error: Option<String>,
    /// The listing shown, for (folder, filter): read when either changes
    /// (or the picker reopens), not every frame.
    listing: Option<Listing>,
}

/// A folder's entries as filtered, or why they could not be read.
type Listing = (PathBuf, String, Result<Vec<(PathBuf, bool)>, String>);

impl FilePicker {
    /// Opens the picker at `start` (or the current folder).
    pub fn show_at(&mut self, mode: Pick, start: Option<&Path>) {
        self.open = true;
        self.mode = mode;
        self.filter.clear();
        self.error = None;
        self.listing = None;
        self.dir = start
            .map(Path::to_path_buf)
            .filter(|p| p.is_dir())
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("/"));
    }

    /// Draws the window; returns what was picked, once.
    pub fn ui(&mut self, ctx: &egui::Context, lang: Lang) -> Option<Vec<PathBuf>> {
        if !self.open {
            return None;
        }
        let mut picked = None;
        let mut open = true;
        let title = match self.mode {
            Pick::Folder => tr(lang, "Choose a folder"),
            Pick::Files => tr(lang, "Choose files"),
        };
        egui::Window::new(title)
            .open(&mut open)
            .default_size([520.0, 420.0])
            .collapsible(false)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    if ui.button("..").on_hover_text(tr(lang, "Up")).clicked()
                        && let Some(parent) = self.dir.parent()
                    {
                        self.dir = parent.to_path_buf();
                    }
                    let label = ui.label(tr(lang, "Folder"));
                    let mut text = self.dir.display().to_string();
                    if ui
                        .add(egui::TextEdit::singleline(&mut text).desired_width(f32::INFINITY))
                        .labelled_by(label.id)
                        .changed()
                    {
                        self.dir = PathBuf::from(text);
                    }
                });
                ui.horizontal(|ui| {
                    let label = ui.label(tr(lang, "Filter"));
                    ui.text_edit_singleline(&mut self.filter)
                        .labelled_by(label.id);
                });
                ui.separator();
                let stale = self
                    .listing
                    .as_ref()
                    .is_none_or(|(d, f, _)| *d != self.dir || *f != self.filter);
                if stale {
                    let entries = list(&self.dir, &self.filter);
                    self.listing = Some((self.dir.clone(), self.filter.clone(), entries));
                }
                let entries = self.listing.as_ref().map(|(_, _, e)| e.clone());
                match entries.unwrap_or_else(|| Ok(Vec::new())) {
                    Err(e) => {
                        ui.colored_label(ui.visuals().error_fg_color, e);
                    }
                    Ok(entries) => {
                        egui::ScrollArea::vertical()
                            .max_height(280.0)
                            .show(ui, |ui| {
                                for (path, is_dir) in entries {
                                    let name = path
                                        .file_name()
                                        .map(|n| n.to_string_lossy().into_owned())
                                        .unwrap_or_default();
                                    let label = if is_dir { format!("{name}/") } else { name };
                                    let r = ui.selectable_label(false, label);
                                    if r.double_clicked() || (is_dir && r.clicked()) {
                                        if is_dir {
                                            self.dir = path;
                                        } else if self.mode == Pick::Files {
                                            picked = Some(vec![path]);
                                        }
                                    } else if r.clicked() && self.mode == Pick::Files {
                                        picked = Some(vec![path]);
                                    }
                                }
                            });
                    }
                }
                ui.separator();
                if self.mode == Pick::Folder && ui.button(tr(lang, "Use this folder")).clicked() {
                    picked = Some(vec![self.dir.clone()]);
                }
                if let Some(e) = &self.error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
            });
        if !open || picked.is_some() {
            self.open = false;
        }
        picked
    }
}

/// Folders first, then files, each by name; hidden entries left out.
fn list(dir: &Path, filter: &str) -> Result<Vec<(PathBuf, bool)>, String> {
    let read = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let filter = filter.to_lowercase();
    let mut out: Vec<(PathBuf, bool)> = read
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter(|e| {
            filter.is_empty()
                || e.file_name()
                    .to_string_lossy()
                    .to_lowercase()
                    .contains(&filter)
        })
        .map(|e| {
            let p = e.path();
            let is_dir = p.is_dir();
            (p, is_dir)
        })
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_folders_first_and_filters_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("zfolder")).unwrap();
        std::fs::write(dir.path().join("a.csv"), "x").unwrap();
        std::fs::write(dir.path().join("b.txt"), "x").unwrap();
        std::fs::write(dir.path().join(".hidden"), "x").unwrap();
        let all = list(dir.path(), "").unwrap();
        let names: Vec<_> = all
            .iter()
            .map(|(p, _)| p.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["zfolder", "a.csv", "b.txt"]);
        assert_eq!(list(dir.path(), "CSV").unwrap().len(), 1);
        assert!(list(&dir.path().join("missing"), "").is_err());
    }
}
