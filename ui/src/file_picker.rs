//! The in-app file and folder picker: a window sized to the app, several
//! files picked at once (ticked, across folders), a whole folder picked
//! where a data set is a folder, and the folder it was last in remembered
//! (the app keeps it in [`crate::settings::AppSettings::last_folder`]).
//!
//! A native dialog (rfd) was weighed and not taken: on Linux it needs GTK
//! development packages to build or a desktop portal at run time, neither
//! of which servers, CI machines or Xvfb sessions have; this picker works
//! wherever egui does, and files can also be dropped onto the window.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use eframe::egui;

use crate::i18n::{Lang, tr};

/// What the picker picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pick {
    /// One folder.
    #[default]
    Folder,
    /// One or more files, or a folder (a data set kept as a folder).
    Files,
    /// One file, picked by a click, or a data-set folder (the Import panel
    /// previews one source at a time).
    File,
}

/// An open (or closed) picker window.
#[derive(Debug, Default)]
pub struct FilePicker {
    /// Whether the window is shown.
    pub open: bool,
    mode: Pick,
    dir: PathBuf,
    filter: String,
    /// Files ticked so far (kept while moving between folders).
    selected: BTreeSet<PathBuf>,
    /// The listing shown, for (folder, filter): read when either changes
    /// (or the picker reopens), not every frame.
    listing: Option<Listing>,
}

/// A folder's entries as filtered, or why they could not be read.
type Listing = (PathBuf, String, Result<Vec<(PathBuf, bool)>, String>);

impl FilePicker {
    /// Opens the picker at `start` (else the current folder).
    pub fn show_at(&mut self, mode: Pick, start: Option<&Path>) {
        self.open = true;
        self.mode = mode;
        self.filter.clear();
        self.selected.clear();
        self.listing = None;
        self.dir = start
            .map(Path::to_path_buf)
            .filter(|p| p.is_dir())
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("/"));
    }

    /// The folder shown (after a pick: where the picked things are), for
    /// remembering where the user was.
    pub fn folder(&self) -> &Path {
        &self.dir
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
            Pick::File => tr(lang, "Choose a file"),
        };
        // Most of the window, whatever its size (760x480 included).
        let screen = ctx.content_rect();
        let size = egui::vec2(
            (screen.width() - 40.0).clamp(300.0, 900.0),
            (screen.height() - 80.0).clamp(220.0, 640.0),
        );
        egui::Window::new(title)
            .open(&mut open)
            .default_size(size)
            .max_size(egui::vec2(screen.width() - 16.0, screen.height() - 16.0))
            .default_pos(screen.center() - size / 2.0)
            .constrain(true)
            .resizable(true)
            .collapsible(false)
            .show(ctx, |ui| picked = self.body(ui, lang));
        if !open || picked.is_some() {
            self.open = false;
        }
        picked
    }

    fn body(&mut self, ui: &mut egui::Ui, lang: Lang) -> Option<Vec<PathBuf>> {
        let mut picked = None;
        ui.horizontal(|ui| {
            if ui.button(tr(lang, "Up")).clicked()
                && let Some(parent) = self.dir.parent()
            {
                self.dir = parent.to_path_buf();
            }
            if ui.button(tr(lang, "Home folder")).clicked()
                && let Some(home) = std::env::var_os("HOME")
            {
                self.dir = PathBuf::from(home);
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
            if self.mode == Pick::Files {
                ui.label(
                    egui::RichText::new(tr(
                        lang,
                        "Tick several files; double-click adds one at once.",
                    ))
                    .weak(),
                );
            }
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
        // Room for the buttons under the list.
        let list_height = (ui.available_height() - 44.0).max(80.0);
        match entries.unwrap_or_else(|| Ok(Vec::new())) {
            Err(e) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            Ok(entries) => {
                egui::ScrollArea::vertical()
                    .max_height(list_height)
                    .min_scrolled_height(list_height)
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        for (path, is_dir) in entries {
                            let name = path
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            if is_dir {
                                if ui.selectable_label(false, format!("{name}/")).clicked() {
                                    self.dir = path;
                                }
                            } else if self.mode == Pick::Files {
                                let mut ticked = self.selected.contains(&path);
                                let r = ui.checkbox(&mut ticked, &name);
                                if r.double_clicked() {
                                    self.selected.insert(path.clone());
                                    picked = Some(self.selected.iter().cloned().collect());
                                } else if r.changed() {
                                    if ticked {
                                        self.selected.insert(path);
                                    } else {
                                        self.selected.remove(&path);
                                    }
                                }
                            } else if self.mode == Pick::File {
                                if ui.selectable_label(false, &name).clicked() {
                                    picked = Some(vec![path]);
                                }
                            } else {
                                ui.add_enabled(false, egui::Label::new(name));
                            }
                        }
                    });
            }
        }
        ui.separator();
        ui.horizontal_wrapped(|ui| match self.mode {
            Pick::Folder => {
                if ui.button(tr(lang, "Use this folder")).clicked() {
                    picked = Some(vec![self.dir.clone()]);
                }
            }
            Pick::Files => {
                let n = self.selected.len();
                let add = format!("{} ({n})", tr(lang, "Add the ticked files"));
                if ui.add_enabled(n > 0, egui::Button::new(add)).clicked() {
                    picked = Some(self.selected.iter().cloned().collect());
                }
                if ui
                    .button(tr(lang, "Add this whole folder (a data set)"))
                    .clicked()
                {
                    picked = Some(vec![self.dir.clone()]);
                }
                if n > 0 && ui.button(tr(lang, "Clear ticks")).clicked() {
                    self.selected.clear();
                }
            }
            Pick::File => {
                if ui
                    .button(tr(lang, "Use this whole folder (a data set)"))
                    .clicked()
                {
                    picked = Some(vec![self.dir.clone()]);
                }
            }
        });
        if picked.is_some()
            && self.mode == Pick::Files
            && let Some(first) = self.selected.iter().next()
            && let Some(parent) = first.parent()
        {
            // Remembered as where the files came from.
            self.dir = parent.to_path_buf();
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

    /// Draws the picker in a kittest harness; the state is (picker, picks).
    fn harness(
        picker: FilePicker,
    ) -> egui_kittest::Harness<'static, (FilePicker, Vec<Vec<PathBuf>>)> {
        egui_kittest::Harness::builder()
            .with_size(egui::vec2(760.0, 480.0))
            .build_ui_state(
                |ui, (picker, picks): &mut (FilePicker, Vec<Vec<PathBuf>>)| {
                    if let Some(p) = picker.ui(ui.ctx(), Lang::En) {
                        picks.push(p);
                    }
                },
                (picker, Vec::new()),
            )
    }

    #[test]
    fn several_files_are_ticked_and_added_at_once_and_the_folder_is_kept() {
        use egui_kittest::kittest::Queryable;
        let dir = tempfile::tempdir().unwrap();
        for f in ["a.csv", "b.csv", "c.csv"] {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        let mut picker = FilePicker::default();
        picker.show_at(Pick::Files, Some(dir.path()));
        let mut h = harness(picker);
        h.run();
        h.get_by_label("a.csv").click();
        h.run();
        h.get_by_label("c.csv").click();
        h.run();
        h.get_by_label("Add the ticked files (2)").click();
        h.run();
        let (picker, picks) = h.state();
        assert_eq!(
            picks.as_slice(),
            [vec![dir.path().join("a.csv"), dir.path().join("c.csv")]]
        );
        assert!(!picker.open);
        assert_eq!(picker.folder(), dir.path(), "where the files came from");
    }

    #[test]
    fn a_whole_folder_can_be_added_as_a_data_set() {
        use egui_kittest::kittest::Queryable;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("instacart")).unwrap();
        std::fs::write(dir.path().join("instacart").join("products.csv"), "x").unwrap();
        let mut picker = FilePicker::default();
        picker.show_at(Pick::Files, Some(dir.path()));
        let mut h = harness(picker);
        h.run();
        h.get_by_label("instacart/").click();
        h.run();
        h.get_by_label("Add this whole folder (a data set)").click();
        h.run();
        assert_eq!(h.state().1, [vec![dir.path().join("instacart")]]);
    }
}
