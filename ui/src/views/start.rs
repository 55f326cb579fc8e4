//! Start: open the demo shop in one click, reopen a recent project, open a
//! project folder, or create a project from files.

use std::path::{Path, PathBuf};

use eframe::egui::{self, RichText};

use super::ViewCtx;
use crate::command::Command;
use crate::file_picker::{FilePicker, Pick};
use crate::job::JobKind;
use crate::settings::AppSettings;

/// What the picker is choosing for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Target {
    #[default]
    OpenFolder,
    NewFolder,
    NewFiles,
}

/// Start view state.
#[derive(Debug, Default)]
pub struct StartState {
    /// Folder typed or picked for "Open".
    pub open_dir: String,
    /// Folder for a new project.
    pub new_dir: String,
    /// Files to import into the new project.
    pub new_files: Vec<PathBuf>,
    picker: FilePicker,
    target: Target,
}

/// Draws the Start view.
pub fn ui(
    ui: &mut egui::Ui,
    state: &mut StartState,
    settings: &AppSettings,
    cjk_font: Option<&Path>,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    let lang = ctx.lang;
    let opening = ctx.busy(JobKind::Project);
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.add_space(8.0);
        ui.heading(RichText::new(t("Welcome to ShopLab")).size(26.0));
        ui.label(t("A workbench for shop search and recommendations: bring a catalog and your shoppers' events, get a search engine, recommendation lists, and honest answers to which model is better."));
        ui.add_space(12.0);

        ui.group(|ui| {
            ui.heading(t("Try it"));
            ui.label(t("The demo shop is a small synthetic shop (800 products, 400 shoppers, 30,000 events) with every model already trained. It builds in a few seconds and works offline."));
            if ui
                .add_enabled(!opening, egui::Button::new(RichText::new(t("Open the demo shop")).strong()))
                .clicked()
            {
                out.push(Command::OpenDemo);
            }
        });
        ui.add_space(8.0);

        ui.columns(2, |cols| {
            let ui = &mut cols[0];
            ui.group(|ui| {
                ui.heading(t("Recent projects"));
                if settings.recent.is_empty() {
                    ui.label(RichText::new(t("None yet.")).weak());
                }
                for p in &settings.recent {
                    let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    if ui
                        .add_enabled(!opening, egui::Button::new(&name))
                        .on_hover_text(p.display().to_string())
                        .clicked()
                    {
                        out.push(Command::OpenProject(p.clone()));
                    }
                }
                ui.separator();
                let label = ui.label(t("Open a project folder"));
                ui.horizontal(|ui| {
                    ui.text_edit_singleline(&mut state.open_dir).labelled_by(label.id);
                    if ui.button(t("Browse…")).clicked() {
                        state.target = Target::OpenFolder;
                        state.picker.show_at(Pick::Folder, settings.last_project().and_then(Path::parent));
                    }
                    let ok = !state.open_dir.trim().is_empty() && !opening;
                    if ui.add_enabled(ok, egui::Button::new(t("Open"))).clicked() {
                        out.push(Command::OpenProject(PathBuf::from(state.open_dir.trim())));
                    }
                });
            });
            let ui = &mut cols[1];
            ui.group(|ui| {
                ui.heading(t("New project from files"));
                ui.label(t("A catalog (items), shoppers' events and optional search judgments as CSV, TSV, JSON lines or Parquet; column names are recognised automatically. Files can also be dropped onto the window."));
                ui.horizontal(|ui| {
                    let label = ui.label(t("Folder"));
                    ui.text_edit_singleline(&mut state.new_dir).labelled_by(label.id);
                    if ui.button(t("Browse…")).clicked() {
                        state.target = Target::NewFolder;
                        state.picker.show_at(Pick::Folder, None);
                    }
                });
                let mut remove = None;
                for (i, f) in state.new_files.iter().enumerate() {
                    ui.horizontal(|ui| {
                        ui.label(f.display().to_string());
                        if ui.small_button("x").clicked() {
                            remove = Some(i);
                        }
                    });
                }
                if let Some(i) = remove {
                    state.new_files.remove(i);
                }
                ui.horizontal(|ui| {
                    if ui.button(t("Add file…")).clicked() {
                        state.target = Target::NewFiles;
                        state.picker.show_at(Pick::Files, state.new_files.last().and_then(|f| f.parent()));
                    }
                    let ok = !state.new_dir.trim().is_empty() && !opening;
                    if ui.add_enabled(ok, egui::Button::new(t("Create"))).clicked() {
                        out.push(Command::CreateProject {
                            dir: PathBuf::from(state.new_dir.trim()),
                            files: state.new_files.clone(),
                        });
                    }
                });
            });
        });
        if cjk_font.is_none() {
            ui.add_space(8.0);
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "No Chinese font found: Chinese text shows as boxes. Install fonts-noto-cjk (Debian/Ubuntu) or set SHOPLAB_CJK_FONT to a .ttf/.otf/.ttc file.",
            );
        }
    });
    // Files dropped onto the window join the new project's list.
    let dropped: Vec<PathBuf> = ui.ctx().input(|i| {
        i.raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .collect()
    });
    state.new_files.extend(dropped);
    if let Some(picked) = state.picker.ui(ui.ctx(), lang) {
        match state.target {
            Target::OpenFolder => {
                if let Some(p) = picked.first() {
                    state.open_dir = p.display().to_string();
                }
            }
            Target::NewFolder => {
                if let Some(p) = picked.first() {
                    state.new_dir = p.display().to_string();
                }
            }
            Target::NewFiles => state.new_files.extend(picked),
        }
    }
}
