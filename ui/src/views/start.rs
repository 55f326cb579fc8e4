//! Start: open the demo shop in one click, reopen a recent project, open a
//! project folder, or create a project from files and data-set folders
//! (each checked first: what it is, what is skipped).

use std::path::{Path, PathBuf};

use eframe::egui::{self, RichText};
use shoplab_engine::create::{SourceCheck, Verdict};

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
#[derive(Debug)]
pub struct StartState {
    /// Folder typed or picked for "Open".
    pub open_dir: String,
    /// Folder for a new project.
    pub new_dir: String,
    /// Files and data-set folders to import into the new project.
    pub new_files: Vec<PathBuf>,
    /// What each of `new_files` is, for the list it was checked for.
    pub checks: Option<(Vec<PathBuf>, Vec<SourceCheck>)>,
    /// Leave out files ShopLab does not recognise (default: yes).
    pub skip_unrecognised: bool,
    /// Why the last open or create failed, shown in full under the forms.
    pub error: Option<String>,
    /// The file list a check was last asked for (asked once per change).
    asked: Option<Vec<PathBuf>>,
    picker: FilePicker,
    target: Target,
}

impl Default for StartState {
    fn default() -> Self {
        StartState {
            open_dir: String::new(),
            new_dir: String::new(),
            new_files: Vec::new(),
            checks: None,
            skip_unrecognised: true,
            error: None,
            asked: None,
            picker: FilePicker::default(),
            target: Target::default(),
        }
    }
}

impl StartState {
    /// Takes the checks of `files` (ignored if the list changed meanwhile).
    pub fn set_checks(&mut self, files: Vec<PathBuf>, checks: Vec<SourceCheck>) {
        if files == self.new_files {
            self.checks = Some((files, checks));
        }
    }

    /// Clears the form after a project was created.
    pub fn created(&mut self) {
        self.new_dir.clear();
        self.new_files.clear();
        self.checks = None;
        self.asked = None;
        self.error = None;
    }

    /// The checks of the current file list, once known.
    fn current_checks(&self) -> Option<&[SourceCheck]> {
        self.checks
            .as_ref()
            .filter(|(files, _)| *files == self.new_files)
            .map(|(_, c)| c.as_slice())
    }

    /// (files to import, files not recognised and left out) for the current
    /// checks; files read as part of a chosen data set are neither.
    fn plan(&self, checks: &[SourceCheck]) -> (Vec<PathBuf>, Vec<PathBuf>) {
        let mut import = Vec::new();
        let mut skipped = Vec::new();
        for c in checks {
            match &c.verdict {
                Verdict::Import { .. } => import.push(c.path.clone()),
                Verdict::Unrecognised { .. } if !self.skip_unrecognised => {
                    import.push(c.path.clone());
                }
                Verdict::Unrecognised { .. } => skipped.push(c.path.clone()),
                Verdict::PartOf { .. } => {}
                // A folder's unrecognised files are always left out: the
                // folder was chosen for the files ShopLab can read.
                Verdict::Folder { files } => {
                    import.extend(c.to_import());
                    skipped.extend(
                        files
                            .iter()
                            .filter(|f| !f.imported())
                            .map(|f| f.path.clone()),
                    );
                }
            }
        }
        (import, skipped)
    }
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
    // Ask once per change of the file list what each file is.
    if !state.new_files.is_empty()
        && state.current_checks().is_none()
        && state.asked.as_ref() != Some(&state.new_files)
    {
        state.asked = Some(state.new_files.clone());
        out.push(Command::CheckSources(state.new_files.clone()));
    }
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
        if let Some(e) = &state.error {
            ui.group(|ui| {
                ui.colored_label(ui.visuals().error_fg_color, RichText::new(e).strong());
            });
            ui.add_space(8.0);
        }
        // Side by side where there is room, one under the other in a small window.
        if ui.available_width() >= 900.0 {
            ui.columns(2, |cols| {
                open_group(&mut cols[0], state, settings, ctx, out);
                new_group(&mut cols[1], state, ctx, out);
            });
        } else {
            open_group(ui, state, settings, ctx, out);
            ui.add_space(8.0);
            new_group(ui, state, ctx, out);
        }
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
    add_files(state, dropped);
    if let Some(picked) = state.picker.ui(ui.ctx(), lang) {
        out.push(Command::RememberFolder(state.picker.folder().to_path_buf()));
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
            Target::NewFiles => add_files(state, picked),
        }
    }
}

/// Adds files to the new project's list, each once.
fn add_files(state: &mut StartState, files: Vec<PathBuf>) {
    for f in files {
        if !state.new_files.contains(&f) {
            state.new_files.push(f);
        }
    }
}

fn open_group(
    ui: &mut egui::Ui,
    state: &mut StartState,
    settings: &AppSettings,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    let opening = ctx.busy(JobKind::Project);
    group(ui, |ui| {
        ui.heading(t("Recent projects"));
        if settings.recent.is_empty() {
            ui.label(RichText::new(t("None yet.")).weak());
        }
        for p in &settings.recent {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
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
            let width = (ui.available_width() - 140.0).max(120.0);
            ui.add(egui::TextEdit::singleline(&mut state.open_dir).desired_width(width))
                .labelled_by(label.id);
            if ui.button(t("Browse…")).clicked() {
                state.target = Target::OpenFolder;
                state.picker.show_at(Pick::Folder, ctx.picker_start);
            }
            let ok = !state.open_dir.trim().is_empty() && !opening;
            if ui.add_enabled(ok, egui::Button::new(t("Open"))).clicked() {
                out.push(Command::OpenProject(PathBuf::from(state.open_dir.trim())));
            }
        });
    });
}

fn new_group(ui: &mut egui::Ui, state: &mut StartState, ctx: &ViewCtx<'_>, out: &mut Vec<Command>) {
    let t = |s| ctx.t(s);
    let opening = ctx.busy(JobKind::Project);
    group(ui, |ui| {
        ui.heading(t("New project from files"));
        ui.label(t("A catalog (items), shoppers' events and optional search judgments as CSV, TSV, JSON lines or Parquet, or a whole data-set folder (Instacart, MovieLens, RetailRocket, …); column names are recognised automatically. Files can also be dropped onto the window."));
        ui.horizontal(|ui| {
            let label = ui.label(t("Folder"));
            let width = (ui.available_width() - 90.0).max(120.0);
            ui.add(egui::TextEdit::singleline(&mut state.new_dir).desired_width(width))
                .labelled_by(label.id);
            if ui.button(t("Browse…")).clicked() {
                state.target = Target::NewFolder;
                state.picker.show_at(Pick::Folder, ctx.picker_start);
            }
        });
        let checks = state.current_checks().map(<[SourceCheck]>::to_vec);
        let mut remove = None;
        for (i, f) in state.new_files.iter().enumerate() {
            let check = checks.as_ref().and_then(|c| c.get(i));
            ui.horizontal_wrapped(|ui| {
                if ui
                    .small_button("x")
                    .on_hover_text(t("Remove from the list"))
                    .clicked()
                {
                    remove = Some(i);
                }
                let name = f.file_name().map_or_else(
                    || f.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                ui.label(RichText::new(name).strong())
                    .on_hover_text(f.display().to_string());
                verdict(ui, check, state.skip_unrecognised, ctx);
            });
        }
        if let Some(i) = remove {
            state.new_files.remove(i);
        }
        let unrecognised = checks.as_ref().is_some_and(|c| {
            c.iter()
                .any(|c| matches!(c.verdict, Verdict::Unrecognised { .. }))
        });
        if unrecognised {
            ui.checkbox(
                &mut state.skip_unrecognised,
                t("Skip the files ShopLab does not recognise"),
            );
            if !state.skip_unrecognised {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    t("They will be tried as they are; if one cannot be read, the project is not created."),
                );
            }
        }
        ui.horizontal(|ui| {
            if ui.button(t("Add files or a folder…")).clicked() {
                state.target = Target::NewFiles;
                let start = state
                    .new_files
                    .last()
                    .and_then(|f| f.parent())
                    .or(ctx.picker_start);
                state.picker.show_at(Pick::Files, start);
            }
            let checked = state.new_files.is_empty() || checks.is_some();
            let ok = !state.new_dir.trim().is_empty() && !opening && checked;
            let create = ui.add_enabled(ok, egui::Button::new(RichText::new(t("Create")).strong()));
            if !checked {
                ui.spinner();
                ui.label(t("Checking the chosen files"));
            }
            if create.clicked() {
                let (files, skipped) = state.plan(checks.as_deref().unwrap_or_default());
                out.push(Command::CreateProject {
                    dir: PathBuf::from(state.new_dir.trim()),
                    files,
                    skipped,
                });
            }
        });
        ui.label(
            RichText::new(t("Nothing is written unless every file imports: a failed or cancelled creation leaves no folder behind."))
                .weak(),
        );
    });
}

/// A framed box as wide as the column (less room for the floating scroll
/// bar), its text laid out left-aligned, not justified.
fn group(ui: &mut egui::Ui, body: impl FnOnce(&mut egui::Ui)) {
    let width = ui.available_width() - 12.0;
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(width - 14.0);
        ui.with_layout(egui::Layout::top_down(egui::Align::Min), body);
    });
}

/// What creation will do with one chosen path, in a few words.
fn verdict(ui: &mut egui::Ui, check: Option<&SourceCheck>, skip: bool, ctx: &ViewCtx<'_>) {
    let t = |s| ctx.t(s);
    let Some(check) = check else {
        ui.label(RichText::new("…").weak());
        return;
    };
    let file = |p: &Path| {
        p.file_name().map_or_else(
            || p.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    };
    match &check.verdict {
        Verdict::Import {
            format,
            files,
            unread,
        } => {
            let mut text = format!("{}: {format}", t("imported as"));
            if files.len() > 1 {
                let names: Vec<String> = files.iter().map(|f| file(f)).collect();
                text.push_str(&format!(" ({} {})", t("reads the files"), names.join(", ")));
            }
            ui.label(text);
            if !unread.is_empty() {
                let names: Vec<String> = unread.iter().map(|f| file(f)).collect();
                ui.label(RichText::new(format!("{} {}", t("not read:"), names.join(", "))).weak());
            }
        }
        Verdict::PartOf { source } => {
            ui.label(format!("{} {}", t("read as part of"), file(source)));
        }
        Verdict::Folder { files } => {
            let read: Vec<String> = files
                .iter()
                .filter_map(|f| match &f.verdict {
                    Verdict::Import { format, .. } => Some(format!("{} ({format})", file(&f.path))),
                    _ => None,
                })
                .collect();
            ui.label(format!("{} {}", t("read as its files:"), read.join(", ")));
            let left: Vec<String> = files
                .iter()
                .filter(|f| !f.imported())
                .map(|f| file(&f.path))
                .collect();
            if !left.is_empty() {
                ui.label(
                    RichText::new(format!(
                        "{} {}",
                        t("not recognised, skipped:"),
                        left.join(", ")
                    ))
                    .weak(),
                );
            }
        }
        Verdict::Unrecognised { reason } => {
            let what = if skip {
                t("not recognised, skipped")
            } else {
                t("not recognised, tried anyway")
            };
            ui.colored_label(ui.visuals().warn_fg_color, what)
                .on_hover_text(shoplab_datasets::hint::for_app(reason));
        }
    }
}
