//! The app: its state, the top bar, the status bar, and the loop that turns
//! panels' [`Command`]s into background jobs and applies their results.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use eframe::egui::{self, RichText};
use serde::{Deserialize, Serialize};
use shoplab_datasets::read::{self, ReadOptions};
use shoplab_datasets::{CancelToken, Progress};
use shoplab_engine::Project;
use shoplab_engine::demo;
use shoplab_engine::percentile::percentile;
use shoplab_engine::project::JudgmentSource;
use shoplab_engine::search::{QuerySlice, RankerKind, SearchEvalConfig};
use shoplab_engine::store::ImportOptions;

use crate::chart;
use crate::command::Command;
use crate::creation::counted;
use crate::fonts;
use crate::i18n::{Lang, tr};
use crate::job::{Job, JobKind, JobOutcome};
use crate::searcher::{Answer, Searcher};
use crate::settings::AppSettings;
use crate::snapshot::Snapshot;
use crate::views;
use crate::views::count;

/// The app's views, in the order of the top bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Welcome: recent projects, new project, demo shop.
    Start,
    /// Data health, imports, catalog and shoppers.
    Data,
    /// Query box, two rankers side by side, judgments.
    Search,
    /// Model, parameters, split, progress.
    Train,
    /// Runs x metrics, charts.
    Compare,
    /// A shopper's history beside each run's list.
    Recommend,
    /// Explanations of metrics, models and protocols.
    Learn,
}

impl View {
    /// All views, in top-bar order.
    pub const ALL: [View; 7] = [
        View::Start,
        View::Data,
        View::Search,
        View::Train,
        View::Compare,
        View::Recommend,
        View::Learn,
    ];

    /// The view's name in the interface.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            View::Start => tr(lang, "Start"),
            View::Data => tr(lang, "Data"),
            View::Search => tr(lang, "Search"),
            View::Train => tr(lang, "Train"),
            View::Compare => tr(lang, "Compare"),
            View::Recommend => tr(lang, "Recommend"),
            View::Learn => tr(lang, "Learn"),
        }
    }

    /// Parses a view name as given on the command line.
    pub fn from_name(name: &str) -> Option<View> {
        View::ALL
            .into_iter()
            .find(|v| format!("{v:?}").eq_ignore_ascii_case(name.trim()))
    }
}

/// How the app was started.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// Open this project (else the last one, when the settings say so).
    pub project: Option<PathBuf>,
    /// Build and open the demo shop.
    pub demo: bool,
    /// Show this view once the project is open.
    pub view: Option<View>,
    /// Type this query into the Search view.
    pub query: Option<String>,
    /// Use this language (else the remembered one).
    pub lang: Option<Lang>,
    /// Ignore remembered settings (tests, screenshots).
    pub fresh: bool,
    /// Responsiveness benchmark: visit every view in turn, redrawing
    /// continuously, then write frame times to this JSON file and close.
    pub tour: Option<PathBuf>,
}

/// A message in the status bar.
#[derive(Debug, Clone)]
pub struct Notice {
    /// The text.
    pub text: String,
    /// Whether it reports a failure.
    pub error: bool,
    /// When it was posted.
    pub at: Instant,
}

/// Per-frame timing of the app's own UI code, for the responsiveness benchmark.
#[derive(Debug, Default)]
pub struct FrameTimes {
    /// Milliseconds spent building each recent frame (at most 10 000 kept).
    pub ui_ms: Vec<f64>,
    /// Whole-frame CPU time as eframe reports it (UI, layout, tessellation), ms.
    pub cpu_ms: Vec<f64>,
}

impl FrameTimes {
    fn record(&mut self, ms: f64) {
        if self.ui_ms.len() >= 10_000 {
            self.ui_ms.drain(..5_000);
        }
        self.ui_ms.push(ms);
    }

    /// The `p`-th percentile (0..=100) of recorded UI times, in ms (the
    /// engine's one definition: nearest rank).
    pub fn percentile(&self, p: f64) -> Option<f64> {
        percentile(&self.ui_ms, p)
    }
}

/// The ShopLab desktop app.
pub struct ShopLabApp {
    /// Remembered settings.
    pub settings: AppSettings,
    /// The view shown.
    pub view: View,
    /// The open project, as last read.
    pub project: Option<Snapshot>,
    /// Background work in flight.
    pub jobs: Vec<Job>,
    /// Status-bar messages, newest last.
    pub notices: Vec<Notice>,
    /// Start view state.
    pub start: views::start::StartState,
    /// Data view state.
    pub data: views::data::DataState,
    /// Search view state.
    pub search: views::search::SearchState,
    /// Train view state.
    pub train: views::train::TrainState,
    /// Compare view state.
    pub compare: views::compare::CompareState,
    /// Recommend view state.
    pub recommend: views::recommend::RecommendState,
    /// Learn view state.
    pub learn: views::learn::LearnState,
    /// Frame timing.
    pub frames: FrameTimes,
    /// The CJK font in use, if one was found.
    pub cjk_font: Option<PathBuf>,
    /// The open project's search thread (fed by `Command::Search` / `Suggest`).
    searcher: Option<Searcher>,
    fonts_installed: bool,
    tour: Option<Tour>,
    commands: Vec<Command>,
    pending_png: Option<(
        PathBuf,
        egui::Rect,
        std::sync::mpsc::Receiver<std::sync::Arc<egui::ColorImage>>,
    )>,
    /// The folder of the project being opened (forgotten from the recent list if it fails).
    opening: Option<PathBuf>,
    after_open: Option<View>,
    /// The notices' count right after an import's message, while the index
    /// build it started runs: the build's result joins that message.
    import_notice: Option<usize>,
    fresh: bool,
}

impl ShopLabApp {
    /// The app as eframe creates it: remembered settings, fonts, and the
    /// project to open.
    pub fn new(cc: &eframe::CreationContext<'_>, launch: Launch) -> Self {
        let settings = if launch.fresh {
            AppSettings::default()
        } else {
            cc.storage
                .and_then(|s| eframe::get_value(s, AppSettings::KEY))
                .unwrap_or_default()
        };
        Self::with_settings(&cc.egui_ctx, settings, launch)
    }

    /// The app on a given egui context (also how tests build it).
    pub fn with_settings(ctx: &egui::Context, settings: AppSettings, launch: Launch) -> Self {
        let _ = ctx;
        let mut app = ShopLabApp {
            settings,
            view: View::Start,
            project: None,
            jobs: Vec::new(),
            notices: Vec::new(),
            start: Default::default(),
            data: Default::default(),
            search: Default::default(),
            train: Default::default(),
            compare: Default::default(),
            recommend: Default::default(),
            learn: Default::default(),
            frames: FrameTimes::default(),
            cjk_font: None,
            searcher: None,
            fonts_installed: false,
            tour: launch.tour.map(|out| Tour {
                out,
                started: Instant::now(),
                loaded_after: None,
                png: None,
            }),
            commands: Vec::new(),
            pending_png: None,
            opening: None,
            after_open: launch.view,
            import_notice: None,
            fresh: launch.fresh,
        };
        if let Some(lang) = launch.lang {
            app.settings.lang = lang;
        }
        if let Some(q) = launch.query {
            app.search.type_on_open(q);
        }
        if launch.demo {
            app.commands.push(Command::OpenDemo);
        } else if let Some(p) = launch.project {
            app.commands.push(Command::OpenProject(p));
        } else if app.settings.reopen_last
            && let Some(p) = app.settings.last_project().filter(|p| p.is_dir())
        {
            app.commands.push(Command::OpenProject(p.to_path_buf()));
        }
        app
    }

    /// The interface language.
    pub fn lang(&self) -> Lang {
        self.settings.lang
    }

    /// Queues a command, as a panel would.
    pub fn send(&mut self, cmd: Command) {
        self.commands.push(cmd);
    }

    /// Whether a job of this kind is running.
    pub fn busy(&self, kind: JobKind) -> bool {
        self.jobs.iter().any(|j| j.kind == kind)
    }

    /// Whether any background work is running.
    pub fn working(&self) -> bool {
        !self.jobs.is_empty()
    }

    /// Work that is not per frame: job results, search answers, screenshots.
    pub fn tick(&mut self, ctx: &egui::Context) {
        if !self.fonts_installed {
            // On the first frame, so fonts land in whichever context draws the app.
            self.cjk_font = fonts::install(ctx);
            self.fonts_installed = true;
        }
        self.poll_jobs(ctx);
        self.poll_search();
        self.take_screenshot(ctx);
        let commands = std::mem::take(&mut self.commands);
        for cmd in commands {
            self.apply(ctx, cmd);
        }
        if self.working() {
            // Keep the elapsed-time display moving.
            ctx.request_repaint_after(Duration::from_millis(250));
        }
    }

    /// Draws the whole window into `ui`.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let started = Instant::now();
        let lang = self.lang();
        egui::Panel::top("top_bar").show(ui, |ui| self.top_bar(ui, lang));
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar(ui, lang));
        egui::CentralPanel::default().show(ui, |ui| self.central(ui, lang));
        if !self.commands.is_empty() {
            ui.ctx().request_repaint();
        }
        self.frames.record(started.elapsed().as_secs_f64() * 1000.0);
    }

    fn top_bar(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.horizontal(|ui| {
            ui.heading(RichText::new("ShopLab").strong());
            ui.separator();
            for v in View::ALL {
                let needs_project = !matches!(v, View::Start | View::Learn);
                let enabled = !needs_project || self.project.is_some();
                let button = egui::Button::selectable(self.view == v, v.label(lang));
                if ui.add_enabled(enabled, button).clicked() {
                    self.view = v;
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let mut chosen = lang;
                let combo = egui::ComboBox::from_id_salt("lang")
                    .selected_text(lang.native_name())
                    .show_ui(ui, |ui| {
                        for l in Lang::ALL {
                            ui.selectable_value(&mut chosen, l, l.native_name());
                        }
                    })
                    .response;
                // Right to left: the label lands left of the box. In a narrow
                // window the box speaks for itself (its hover names it).
                if ui.available_width() > 260.0 {
                    let label = ui.label(tr(lang, "Language"));
                    combo.labelled_by(label.id);
                } else {
                    combo.on_hover_text(tr(lang, "Language"));
                }
                if chosen != lang {
                    self.settings.lang = chosen;
                }
                // The project's name takes the room that is left, never the
                // tabs' (it used to overlap them in a 760 px window).
                if let Some(p) = &self.project {
                    ui.add(egui::Label::new(RichText::new(&p.name).strong()).truncate())
                        .on_hover_text(format!("{}\n{}", p.name, p.root.display()));
                }
            });
        });
    }

    fn status_bar(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.horizontal_wrapped(|ui| {
            let mut cancel = None;
            for (i, job) in self.jobs.iter().enumerate() {
                let state = job.state();
                ui.spinner();
                let mut text = format!(
                    "{} · {} · {:.0} s",
                    job.title,
                    state.stage,
                    job.started.elapsed().as_secs_f64()
                );
                if let Some(left) = state.remaining_seconds() {
                    text.push_str(&format!(" · {} {:.0} s", tr(lang, "left"), left));
                }
                if let Some(f) = state.fraction() {
                    ui.add(
                        egui::ProgressBar::new(f)
                            .desired_width(120.0)
                            .show_percentage(),
                    );
                }
                ui.label(text);
                if ui.small_button(tr(lang, "Cancel")).clicked() {
                    cancel = Some(i);
                }
                ui.separator();
            }
            if let Some(i) = cancel {
                self.jobs[i].cancel.cancel();
            }
            if let Some(n) = self.notices.last() {
                let color = if n.error {
                    ui.visuals().error_fg_color
                } else {
                    ui.visuals().text_color()
                };
                // Wrapped, so a long message is read whole (the bar grows).
                ui.add(egui::Label::new(RichText::new(&n.text).color(color)).wrap());
            }
        });
    }

    fn central(&mut self, ui: &mut egui::Ui, lang: Lang) {
        let mut out = Vec::new();
        let view = if self.project.is_none() && !matches!(self.view, View::Learn) {
            View::Start
        } else {
            self.view
        };
        let ctx = views::ViewCtx {
            lang,
            project: self.project.as_ref(),
            jobs: &self.jobs,
            picker_start: self.settings.picker_start(),
        };
        match view {
            View::Start => views::start::ui(
                ui,
                &mut self.start,
                &self.settings,
                self.cjk_font.as_deref(),
                &ctx,
                &mut out,
            ),
            View::Data => views::data::ui(ui, &mut self.data, &ctx, &mut out),
            View::Search => views::search::ui(ui, &mut self.search, &ctx, &mut out),
            View::Train => views::train::ui(ui, &mut self.train, &ctx, &mut out),
            View::Compare => views::compare::ui(ui, &mut self.compare, &ctx, &mut out),
            View::Recommend => views::recommend::ui(ui, &mut self.recommend, &ctx, &mut out),
            View::Learn => views::learn::ui(ui, &mut self.learn, &ctx, &mut out),
        }
        self.commands.extend(out);
    }

    fn notify(&mut self, text: impl Into<String>, error: bool) {
        let text = text.into();
        if error {
            tracing::warn!("{text}");
        }
        self.notices.push(Notice {
            text,
            error,
            at: Instant::now(),
        });
        if self.notices.len() > 50 {
            self.notices.remove(0);
        }
    }

    fn spawn<F>(&mut self, ctx: &egui::Context, kind: JobKind, title: &str, work: F)
    where
        F: FnOnce(&dyn Progress, &CancelToken) -> Result<JobOutcome, String> + Send + 'static,
    {
        let lang = self.lang();
        if !matches!(kind, JobKind::Export | JobKind::Judge) && self.busy(kind) {
            self.notify(
                format!(
                    "{}: {}",
                    tr(lang, "Still working on the previous request"),
                    title
                ),
                true,
            );
            return;
        }
        self.jobs.push(Job::spawn(ctx, kind, title, work));
    }

    fn root(&self) -> Option<PathBuf> {
        self.project.as_ref().map(|p| p.root.clone())
    }

    /// (Re)starts the search thread on the project's index (none without
    /// one), and has the Search view ask again for what it shows.
    fn start_searcher(&mut self, ctx: &egui::Context, p: &Snapshot) {
        self.searcher = p.has_index.then(|| Searcher::start(ctx, p.root.clone()));
        self.search.restart();
    }

    /// Hands the search thread's newest answers to the Search view.
    fn poll_search(&mut self) {
        let Some(s) = &self.searcher else { return };
        for answer in s.poll() {
            match answer {
                Answer::Search {
                    seq,
                    results,
                    micros,
                } if seq == s.last_search => self.search.results = Some((results, micros)),
                Answer::Suggest { seq, list } if seq == s.last_suggest => {
                    self.search.suggestions = list
                }
                Answer::Unavailable(e) => self.search.unavailable = Some(e),
                _ => {}
            }
        }
    }

    /// Applies one command.
    pub fn apply(&mut self, ctx: &egui::Context, cmd: Command) {
        let lang = self.lang();
        match cmd {
            Command::Show(v) => self.view = v,
            Command::SetLang(l) => self.settings.lang = l,
            Command::Notify(text) => self.notify(text, false),
            Command::Explain(key) => {
                self.learn.selected = Some(key.to_string());
                self.view = View::Learn;
            }
            Command::OpenProject(dir) => {
                self.opening = Some(dir.clone());
                let title = format!("{} {}", tr(lang, "Opening"), dir.display());
                self.spawn(ctx, JobKind::Project, &title, move |p, c| {
                    Snapshot::open(&dir, p, c)
                        .map(|s| JobOutcome::Project(Box::new(s)))
                        .map_err(|e| e.to_string())
                });
            }
            Command::CreateProject {
                dir,
                files,
                skipped,
            } => {
                self.start.error = None;
                let title = format!("{} {}", tr(lang, "Creating"), dir.display());
                self.spawn(ctx, JobKind::Project, &title, move |p, c| {
                    crate::creation::create_project(&dir, &files, &skipped, lang, p, c)
                        .map_err(|e| crate::creation::app_error(&e))
                });
            }
            Command::CheckSources(files) => {
                let title = tr(lang, "Checking the chosen files").to_string();
                self.spawn(ctx, JobKind::Preview, &title, move |_, _| {
                    let checks = shoplab_engine::create::check_sources(&files);
                    Ok(JobOutcome::SourcesChecked(files, checks))
                });
            }
            Command::RememberFolder(dir) => self.settings.last_folder = Some(dir),
            Command::SetCurrency(currency) => {
                let Some(root) = self.root() else { return };
                let title = tr(lang, "Saving the project settings").to_string();
                self.spawn(ctx, JobKind::Project, &title, move |p, c| {
                    let mut project = Project::open(&root).map_err(|e| e.to_string())?;
                    project.set_currency(&currency).map_err(|e| e.to_string())?;
                    Snapshot::read(&project, p, c)
                        .map(|s| JobOutcome::Project(Box::new(s)))
                        .map_err(|e| e.to_string())
                });
            }
            Command::OpenDemo => {
                let dir = self.demo_dir();
                let title = tr(lang, "Building the demo shop").to_string();
                self.spawn(ctx, JobKind::Project, &title, move |p, c| {
                    let project = if demo::is_demo(&dir) && Project::open(&dir).is_ok() {
                        Project::open(&dir)
                    } else {
                        demo::build(&dir, p, c).map(|b| b.project)
                    };
                    project
                        .and_then(|proj| Snapshot::read(&proj, p, c))
                        .map(|s| JobOutcome::Project(Box::new(s)))
                        .map_err(|e| e.to_string())
                });
            }
            Command::Reload => {
                if let Some(root) = self.root() {
                    let title = tr(lang, "Reading the project").to_string();
                    self.spawn(ctx, JobKind::Project, &title, move |p, c| {
                        Snapshot::open(&root, p, c)
                            .map(|s| JobOutcome::Project(Box::new(s)))
                            .map_err(|e| e.to_string())
                    });
                }
            }
            Command::Preview(path, opts) => {
                let title = format!("{} {}", tr(lang, "Reading"), path.display());
                self.spawn(ctx, JobKind::Preview, &title, move |_, _| {
                    read::inspect(&path, &opts)
                        .map(|p| JobOutcome::Preview(Box::new(p)))
                        .map_err(|e| e.to_string())
                });
            }
            Command::Import(files, opts) => {
                let Some(root) = self.root() else { return };
                let title = tr(lang, "Importing").to_string();
                self.spawn(ctx, JobKind::Import, &title, move |p, c| {
                    import_into(&root, &files, &opts, p, c)
                        .map_err(|e| crate::creation::app_error(&e))
                });
            }
            Command::BuildIndex => {
                let Some(root) = self.root() else { return };
                let title = tr(lang, "Building the search index").to_string();
                self.spawn(ctx, JobKind::Index, &title, move |p, c| {
                    let project = Project::open(&root).map_err(|e| e.to_string())?;
                    project
                        .build_index(p, c)
                        .map(JobOutcome::Indexed)
                        .map_err(|e| e.to_string())
                });
            }
            Command::BuildEmbeddings => {
                let Some(root) = self.root() else { return };
                let title = tr(lang, "Building embeddings").to_string();
                self.spawn(ctx, JobKind::Embed, &title, move |p, c| {
                    let project = Project::open(&root).map_err(|e| e.to_string())?;
                    project
                        .embed(&project.encoder_dir(None), p, c)
                        .map(JobOutcome::Embedded)
                        .map_err(|e| e.to_string())
                });
            }
            Command::TrainReranker => {
                let Some(root) = self.root() else { return };
                let title = tr(lang, "Training the search re-ranker").to_string();
                self.spawn(ctx, JobKind::Rerank, &title, move |p, c| {
                    let project = Project::open(&root).map_err(|e| e.to_string())?;
                    let config = SearchEvalConfig {
                        queries: QuerySlice::Tune,
                        ..Default::default()
                    };
                    project
                        .train_reranker(
                            JudgmentSource::Stored,
                            &config,
                            &Default::default(),
                            &project.encoder_dir(None),
                            p,
                            c,
                        )
                        .map(|r| JobOutcome::RerankerTrained(Box::new(r)))
                        .map_err(|e| e.to_string())
                });
            }
            Command::Search(requests) => {
                if let Some(s) = &mut self.searcher {
                    s.search(requests);
                }
            }
            Command::Suggest(prefix) => {
                if let Some(s) = &mut self.searcher {
                    s.suggest(&prefix);
                }
            }
            Command::LoadRejected(import_id) => {
                let Some(root) = self.root() else { return };
                let title = tr(lang, "Reading rejected rows").to_string();
                self.spawn(ctx, JobKind::Rejected, &title, move |_, _| {
                    let project = Project::open_read_only(&root).map_err(|e| e.to_string())?;
                    project
                        .rejected_rows(import_id, 500)
                        .map(|rows| JobOutcome::Rejected { import_id, rows })
                        .map_err(|e| e.to_string())
                });
            }
            Command::LoadShopper(user) => {
                let Some(root) = self.root() else { return };
                let title = format!("{} {user}", tr(lang, "Reading shopper"));
                self.spawn(ctx, JobKind::Shopper, &title, move |_, _| {
                    let project = Project::open_read_only(&root).map_err(|e| e.to_string())?;
                    let events = project
                        .shopper_events(&user, 1000)
                        .map_err(|e| e.to_string())?;
                    Ok(JobOutcome::Shopper { user, events })
                });
            }
            Command::Judge { query, item, grade } => {
                let Some(root) = self.root() else { return };
                let title = tr(lang, "Saving judgment").to_string();
                self.spawn(ctx, JobKind::Judge, &title, move |_, _| {
                    let project = Project::open(&root).map_err(|e| e.to_string())?;
                    project
                        .judge(&query, item, grade)
                        .map_err(|e| e.to_string())?;
                    let list = project.judgments_of(&query).map_err(|e| e.to_string())?;
                    Ok(JobOutcome::Judged(query, list))
                });
            }
            Command::LoadJudgments(query) => {
                let Some(root) = self.root() else { return };
                let title = tr(lang, "Reading judgments").to_string();
                self.spawn(ctx, JobKind::Judge, &title, move |_, _| {
                    let project = Project::open(&root).map_err(|e| e.to_string())?;
                    let list = project.judgments_of(&query).map_err(|e| e.to_string())?;
                    Ok(JobOutcome::Judged(query, list))
                });
            }
            Command::EvaluateSearch(left, right) => {
                let Some(root) = self.root() else { return };
                let title = tr(lang, "Evaluating search").to_string();
                self.spawn(ctx, JobKind::SearchEval, &title, move |p, c| {
                    let project = Project::open_read_only(&root).map_err(|e| e.to_string())?;
                    // With the learned ranker on either side, both are
                    // measured on the half the re-ranker did not learn from.
                    let queries = match (left.1, right.1) {
                        (RankerKind::Learned, _) | (_, RankerKind::Learned) => project
                            .saved_reranker()
                            .ok()
                            .flatten()
                            .map_or(QuerySlice::All, |r| match r.training.queries {
                                QuerySlice::Held => QuerySlice::Tune,
                                _ => QuerySlice::Held,
                            }),
                        _ => QuerySlice::All,
                    };
                    let config = |(weights, ranker)| SearchEvalConfig {
                        weights,
                        ranker,
                        queries,
                        ..Default::default()
                    };
                    let mut both = project
                        .evaluate_search_rankers(
                            JudgmentSource::Stored,
                            &[config(left), config(right)],
                            &project.encoder_dir(None),
                            p,
                            c,
                        )
                        .map_err(|e| e.to_string())?;
                    let (Some(r), Some(l)) = (both.pop(), both.pop()) else {
                        return Err("the evaluation returned nothing".into());
                    };
                    Ok(JobOutcome::SearchEval(Box::new((l, r))))
                });
            }
            Command::Train(spec) => {
                // One run at a time: a second Train (a double click, a queued
                // repeat) is refused here, whatever the view showed.
                if self.busy(JobKind::Train) {
                    return;
                }
                let Some(root) = self.root() else {
                    self.train.starting = false;
                    return;
                };
                self.train.run_started();
                let title = format!(
                    "{} {}",
                    tr(lang, "Training"),
                    crate::words::model(lang, spec.model.name())
                );
                self.spawn(ctx, JobKind::Train, &title, move |p, c| {
                    let project = Project::open_read_only(&root).map_err(|e| e.to_string())?;
                    project
                        .run(&spec, p, c)
                        .map(|r| JobOutcome::Run(Box::new(r)))
                        .map_err(|e| e.to_string())
                });
            }
            Command::CancelTraining => {
                for job in self.jobs.iter().filter(|j| j.kind == JobKind::Train) {
                    job.cancel.cancel();
                }
            }
            Command::RecommendFor { user, runs } => {
                self.view = View::Recommend;
                self.recommend.show_shopper(&user, &runs);
            }
            Command::ShowShoppers { run, metric } => {
                self.view = View::Recommend;
                self.recommend.show_per_user(&run, &metric);
            }
            Command::LoadPerUser(run) => {
                let Some(root) = self.root() else { return };
                let title = format!("{} {run}", tr(lang, "Reading the shoppers of run"));
                self.spawn(ctx, JobKind::PerUser, &title, move |_, _| {
                    let project = Project::open_read_only(&root).map_err(|e| e.to_string())?;
                    project
                        .per_user(&run)
                        .map(|t| JobOutcome::PerUser(Box::new(t)))
                        .map_err(|e| e.to_string())
                });
            }
            Command::AbTest {
                baseline,
                challengers,
            } => {
                let Some(root) = self.root() else { return };
                let title = tr(lang, "Testing runs against the baseline").to_string();
                self.spawn(ctx, JobKind::Ab, &title, move |_, _| {
                    let project = Project::open_read_only(&root).map_err(|e| e.to_string())?;
                    project
                        .ab(&baseline, &challengers, &Default::default())
                        .map(|r| JobOutcome::Ab(Box::new(r)))
                        .map_err(|e| e.to_string())
                });
            }
            Command::Fuse(params) => {
                let Some(root) = self.root() else { return };
                let title = tr(lang, "Fusing runs").to_string();
                self.spawn(ctx, JobKind::Fuse, &title, move |p, c| {
                    let project = Project::open_read_only(&root).map_err(|e| e.to_string())?;
                    let run = project
                        .fuse(&params, None, p, c)
                        .map_err(|e| e.to_string())?;
                    let against = project
                        .fusion_vs_members(&run.id, &Default::default())
                        .map_err(|e| e.to_string())?;
                    Ok(JobOutcome::Fused(Box::new(run), against))
                });
            }
            Command::Recommend { user, runs } => {
                let Some(root) = self.root() else { return };
                let k = self.settings.recommend_k;
                let title = format!("{} {user}", tr(lang, "Recommending for"));
                self.spawn(ctx, JobKind::Recommend, &title, move |p, c| {
                    let project = Project::open_read_only(&root).map_err(|e| e.to_string())?;
                    // One run refusing (trained before an import, say)
                    // does not hide the others' lists.
                    let mut lists = Vec::new();
                    let mut refused = Vec::new();
                    for run in &runs {
                        match project.recommend(Some(run), &user, k, p, c) {
                            Ok(list) => lists.push(list),
                            Err(e) => refused.push(e.to_string()),
                        }
                    }
                    if lists.is_empty() && !refused.is_empty() {
                        return Err(refused.join("\n"));
                    }
                    Ok(JobOutcome::Recommendations(lists, refused))
                });
            }
            Command::RenameRun { run, name } => {
                let Some(root) = self.root() else { return };
                let title = format!("{} {run}", tr(lang, "Renaming run"));
                self.spawn(ctx, JobKind::Project, &title, move |p, c| {
                    let renamed = Project::open_read_only(&root)
                        .and_then(|project| project.rename_run(&run, &name))
                        .map_err(|e| e.to_string())?;
                    Snapshot::open(&root, p, c)
                        .map(|s| JobOutcome::RunRenamed(Box::new(s), renamed.id, renamed.name))
                        .map_err(|e| e.to_string())
                });
            }
            Command::ExportComparison {
                runs,
                export,
                measure,
            } => {
                let Some(p) = &self.project else { return };
                // Labels and colours depend on all of the project's runs.
                let all = p.runs.clone();
                let dir = p.reports_dir.clone();
                let cjk = self.cjk_font.clone();
                let title = format!(
                    "{} {}",
                    tr(lang, "Exporting"),
                    shoplab_report::export::stem(&export)
                );
                self.spawn(ctx, JobKind::Export, &title, move |_, _| {
                    shoplab_report::write(&shoplab_report::Request {
                        all_runs: &all,
                        runs: &runs,
                        export: &export,
                        measure,
                        dir: &dir,
                        cjk_font: cjk.as_deref(),
                    })
                    .map(JobOutcome::Saved)
                    .map_err(|e| e.to_string())
                });
            }
            Command::WriteReport(report) => {
                let (Some(p), Some(root)) = (&self.project, self.root()) else {
                    return;
                };
                let all = p.runs.clone();
                let dir = shoplab_report::new_report_dir(&p.reports_dir);
                let name = p.name.clone();
                let cjk = self.cjk_font.clone();
                let title = tr(lang, "Writing the HTML report").to_string();
                self.spawn(ctx, JobKind::Export, &title, move |_, _| {
                    let project = Project::open_read_only(&root).map_err(|e| e.to_string())?;
                    let run_dirs: Vec<(String, PathBuf)> = std::iter::once(&report.baseline)
                        .chain(&report.challengers)
                        .map(|r| (r.id.clone(), project.run_dir(&r.id)))
                        .collect();
                    shoplab_report::write_report(&shoplab_report::ReportRequest {
                        project: &name,
                        all_runs: &all,
                        ab: &report,
                        run_dirs: &run_dirs,
                        dir: &dir,
                        cjk_font: cjk.as_deref(),
                    })
                    .map(|html| JobOutcome::Saved(vec![html]))
                    .map_err(|e| e.to_string())
                });
            }
            Command::ExportPng { path, rect } => {
                let (tx, rx) = std::sync::mpsc::channel();
                let repaint = ctx.clone();
                self.pending_png = Some((path, rect, rx));
                let callback = egui::ScreenshotCallback::new(move |image| {
                    let _ = tx.send(image);
                    repaint.request_repaint();
                });
                ctx.send_viewport_cmd(egui::ViewportCommand::Screenshot(callback));
            }
        }
    }

    fn demo_dir(&self) -> PathBuf {
        self.settings
            .demo_dir
            .clone()
            .or_else(|| eframe::storage_dir("ShopLab").map(|d| d.join("shoplab-demo")))
            .unwrap_or_else(|| PathBuf::from("shoplab-demo"))
    }

    fn take_screenshot(&mut self, ctx: &egui::Context) {
        let Some((_, _, rx)) = &self.pending_png else {
            return;
        };
        let image = match rx.try_recv() {
            Ok(image) => image,
            Err(std::sync::mpsc::TryRecvError::Empty) => return,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.pending_png = None;
                let text = tr(
                    self.lang(),
                    "This display cannot take screenshots; export CSV instead",
                );
                self.notify(text, true);
                return;
            }
        };
        if let Some((path, rect, _)) = self.pending_png.take() {
            let ppp = ctx.pixels_per_point();
            let title = format!("{} {}", tr(self.lang(), "Saving"), path.display());
            self.spawn(ctx, JobKind::Export, &title, move |_, _| {
                chart::save_png(&image, rect, ppp, &path).map(|()| JobOutcome::Saved(vec![path]))
            });
        }
    }

    fn poll_jobs(&mut self, ctx: &egui::Context) {
        let mut finished = Vec::new();
        self.jobs.retain(|job| match job.poll() {
            Some(result) => {
                finished.push((job.kind, job.title.clone(), job.state(), result));
                false
            }
            None => true,
        });
        for (kind, title, state, result) in finished {
            if kind == JobKind::Train {
                self.train.last_curves = state.curves;
                self.train.starting = false;
            }
            match result {
                Ok(outcome) => self.finish(ctx, outcome),
                Err(e) => {
                    // The engine's advice names CLI flags; the window names what to click.
                    let e = shoplab_datasets::hint::for_app(&e);
                    let lang = self.lang();
                    if kind == JobKind::Project
                        && let Some(dir) = self.opening.take()
                    {
                        self.settings.forget(&dir);
                    }
                    let cancelled = e.contains("cancel");
                    let text = if cancelled {
                        format!("{}: {}", title, tr(lang, "cancelled"))
                    } else if kind == JobKind::Preview {
                        // "Reading FILE" would say the file twice: a reader's
                        // error starts with the file it could not read.
                        e
                    } else {
                        format!("{title}: {e}")
                    };
                    if kind == JobKind::Train {
                        self.train.last_error = Some(text.clone());
                    }
                    if kind == JobKind::Recommend {
                        self.recommend.error = Some(text.clone());
                    }
                    if kind == JobKind::PerUser {
                        self.recommend.per_user.failed(text.clone());
                    }
                    if kind == JobKind::Ab {
                        self.compare.ab.failed(text.clone());
                    }
                    if kind == JobKind::Fuse {
                        self.compare.fusion.failed(text.clone());
                    }
                    if kind == JobKind::Preview {
                        self.data.import.error = Some(text.clone());
                    }
                    if kind == JobKind::Project && !cancelled {
                        // Shown in full on the Start view, where the user acted.
                        self.start.error = Some(text.clone());
                    }
                    self.notify(text, !cancelled);
                }
            }
        }
    }

    fn finish(&mut self, ctx: &egui::Context, outcome: JobOutcome) {
        let lang = self.lang();
        match outcome {
            JobOutcome::SourcesChecked(files, checks) => self.start.set_checks(files, checks),
            JobOutcome::Created(snapshot, summary) => {
                self.start.created();
                // A view asked for at launch was for the project opened then;
                // a new project is looked at first in Data, as an opened one is.
                self.after_open = Some(View::Data);
                self.finish(ctx, JobOutcome::Project(snapshot));
                self.notify(summary, false);
            }
            JobOutcome::Project(snapshot) => {
                self.opening = None;
                self.start.error = None;
                let first_open = self
                    .project
                    .as_ref()
                    .is_none_or(|p| p.root != snapshot.root);
                self.settings.remember(&snapshot.root);
                if first_open {
                    // Messages about the previous project do not belong to this one.
                    self.notices.clear();
                    ctx.send_viewport_cmd(egui::ViewportCommand::Title(format!(
                        "ShopLab — {}",
                        snapshot.name
                    )));
                }
                if first_open {
                    // A reload of the same project (after an import, an index
                    // build) is silent: its notice would hide what the import said.
                    self.notify(
                        format!(
                            "{} {} ({:.1} s)",
                            tr(lang, "Opened"),
                            snapshot.name,
                            snapshot.load_seconds
                        ),
                        false,
                    );

                    self.search.reset();
                    self.start_searcher(ctx, &snapshot);
                    self.compare.reset(&snapshot);
                    self.recommend.reset();
                    self.train.reset();
                    self.data.reset();
                    if let Some(v) = self.after_open.take() {
                        self.view = v;
                    } else if self.view == View::Start {
                        self.view = View::Data;
                    }
                } else {
                    self.compare.runs_changed(&snapshot);
                    if snapshot.has_index && self.searcher.is_none() {
                        self.search.reset();
                        self.start_searcher(ctx, &snapshot);
                    }
                }
                self.project = Some(*snapshot);
            }
            JobOutcome::Imported(reports) => {
                let mut message = reports
                    .iter()
                    .map(|r| import_message(lang, r))
                    .collect::<Vec<_>>()
                    .join("\n");
                // Rows read in a second encoding are stored, but the user must hear of it.
                let warnings: Vec<&String> = reports.iter().flat_map(|r| &r.warnings).collect();
                for w in &warnings {
                    message.push_str(&format!("\n{}: {w}", tr(lang, "Check")));
                }
                self.notify(message, !warnings.is_empty());
                self.data.import.reset();
                // New or changed items (or new searches, for autocomplete) make the index stale.
                let catalog_changed = reports
                    .iter()
                    .any(|r| r.items > 0 || r.items_updated > 0 || r.events > 0);
                if catalog_changed || self.project.as_ref().is_some_and(|p| !p.has_index) {
                    self.import_notice = Some(self.notices.len());
                    self.commands.push(Command::BuildIndex);
                } else {
                    self.commands.push(Command::Reload);
                }
            }
            JobOutcome::Indexed(report) => {
                let built = format!(
                    "{}: {} ({:.1} s)",
                    tr(lang, "Search index built"),
                    counted(lang, report.items as u64, "item", "items"),
                    report.seconds
                );
                // After an import the import's message stays in view, the index beside it.
                let after_import = self.import_notice.take() == Some(self.notices.len());
                match self.notices.last_mut() {
                    Some(n) if after_import => {
                        n.text.push_str(&format!("\n{built}"));
                    }
                    _ => self.notify(built, false),
                }
                if let Some(p) = self.project.take() {
                    self.start_searcher(ctx, &p);
                    self.project = Some(p);
                }
                self.commands.push(Command::Reload);
            }
            JobOutcome::Embedded(report) => {
                self.notify(
                    format!(
                        "{}: {} ({:.1} s)",
                        tr(lang, "Embeddings built"),
                        counted(lang, report.encoded as u64, "item", "items"),
                        report.seconds
                    ),
                    false,
                );
                // The search thread loads the vectors once: reopen it.
                if let Some(p) = self.project.take() {
                    self.start_searcher(ctx, &p);
                    self.project = Some(p);
                }
                self.search.restart();
            }
            JobOutcome::RerankerTrained(r) => {
                let t = &r.training;
                self.notify(
                    format!(
                        "{}: {} , {} ({:.1} s)",
                        tr(lang, "Search re-ranker trained"),
                        counted(lang, t.n_queries as u64, "query", "queries"),
                        counted(lang, t.n_pairs as u64, "pair", "pairs"),
                        t.seconds
                    ),
                    false,
                );
                // The search thread loads the re-ranker with the vectors: reopen it.
                if let Some(p) = self.project.take() {
                    self.start_searcher(ctx, &p);
                    self.project = Some(p);
                }
                self.search.restart();
                self.commands.push(Command::Reload);
            }
            JobOutcome::Run(record) => {
                self.notify(
                    format!(
                        "{} {} ({:.1} s)",
                        tr(lang, "Run recorded:"),
                        record.name,
                        record.train_seconds + record.eval_seconds
                    ),
                    false,
                );
                self.train.run_recorded(&record.id);
                if let Some(p) = &mut self.project {
                    p.runs.push(*record);
                    self.compare.runs_changed(p);
                }
            }
            JobOutcome::Recommendations(lists, refused) => {
                self.recommend.take_lists(lists, refused);
            }
            JobOutcome::PerUser(table) => self.recommend.per_user.loaded(*table),
            JobOutcome::Ab(report) => self.compare.ab.loaded(*report),
            JobOutcome::Fused(run, against) => {
                self.notify(
                    format!("{} {}", tr(lang, "Fused run recorded:"), run.name),
                    false,
                );
                if let Some(p) = &mut self.project {
                    p.runs.push((*run).clone());
                    self.compare.runs_changed(p);
                }
                self.compare.fusion.loaded(*run, against);
            }
            JobOutcome::Shopper { user, events } => self.data.shopper = Some((user, events)),
            JobOutcome::SearchEval(reports) => self.search.eval = Some(*reports),
            JobOutcome::Preview(preview) => self.data.import.set_preview(*preview),
            JobOutcome::Rejected { import_id, rows } => {
                self.data.rejected = Some((import_id, rows))
            }
            JobOutcome::Judged(query, list) => self.search.set_judgments(query, list),
            JobOutcome::RunRenamed(snapshot, id, name) => {
                self.finish(ctx, JobOutcome::Project(snapshot));
                self.notify(
                    format!("{} {id}: \"{name}\"", tr(lang, "Run renamed:")),
                    false,
                );
            }
            JobOutcome::Saved(paths) => self.notify(saved_message(lang, &paths), false),
        }
    }
}

/// The responsiveness benchmark's state.
struct Tour {
    out: PathBuf,
    started: Instant,
    loaded_after: Option<f64>,
    /// The window PNG the tour saved on Compare (checks export end to end).
    png: Option<PathBuf>,
}

/// Seconds the tour spends on each view once the project is open.
const TOUR_STEP_S: f64 = 4.0;

impl ShopLabApp {
    /// Drives the benchmark tour; true when it is over.
    fn tour(&mut self, ctx: &egui::Context) -> bool {
        let Some(tour) = &mut self.tour else {
            return false;
        };
        ctx.request_repaint();
        let now = tour.started.elapsed().as_secs_f64();
        if self.project.is_none() {
            return now > 600.0;
        }
        let loaded = *tour.loaded_after.get_or_insert(now);
        let step = ((now - loaded) / TOUR_STEP_S) as usize;
        let plan = [
            View::Data,
            View::Data,
            View::Search,
            View::Train,
            View::Compare,
            View::Recommend,
            View::Learn,
        ];
        match plan.get(step) {
            Some(&v) => {
                self.view = v;
                if step == 1 {
                    self.data.tab = views::data::Tab::Catalog;
                }
                if v == View::Search && self.search.query.is_empty() {
                    self.search.query = "red".into();
                }
                // Halfway through Compare, save the window as a PNG, as a user's export would.
                if v == View::Compare
                    && tour.png.is_none()
                    && now - loaded > (step as f64 + 0.5) * TOUR_STEP_S
                    && let Some(p) = &self.project
                {
                    let path = chart::export_path(&p.reports_dir, "tour-window", "png");
                    tour.png = Some(path.clone());
                    self.commands.push(Command::ExportPng {
                        path,
                        rect: ctx.content_rect(),
                    });
                }
                false
            }
            None => true,
        }
    }

    fn write_tour(&self) {
        let Some(tour) = &self.tour else { return };
        let stats = |v: &[f64]| {
            serde_json::json!({
                "frames": v.len(),
                "p50_ms": percentile(v, 50.0),
                "p95_ms": percentile(v, 95.0),
                "p99_ms": percentile(v, 99.0),
                "max_ms": percentile(v, 100.0),
            })
        };
        let report = serde_json::json!({
            "project": self.project.as_ref().map(|p| p.root.display().to_string()),
            "events": self.project.as_ref().map(|p| p.stats.events),
            "items": self.project.as_ref().map(|p| p.stats.items),
            "project_loaded_after_s": tour.loaded_after,
            "png_export": tour.png.as_ref().map(|p| serde_json::json!({
                "path": p.display().to_string(),
                "written": p.is_file(),
            })),
            "ui_code": stats(&self.frames.ui_ms),
            "whole_frame_cpu": stats(&self.frames.cpu_ms),
        });
        let text = serde_json::to_string_pretty(&report).unwrap_or_default();
        if let Err(e) = chart::write_text(&tour.out, &text) {
            tracing::warn!("cannot write the tour report: {e}");
        }
    }
}

impl eframe::App for ShopLabApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.tick(ctx);
        if self.tour(ctx) {
            self.write_tour();
            self.tour = None;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        if let Some(cpu) = frame.info().cpu_usage
            && self.frames.cpu_ms.len() < 100_000
        {
            self.frames.cpu_ms.push(f64::from(cpu) * 1000.0);
        }
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if !self.fresh {
            eframe::set_value(storage, AppSettings::KEY, &self.settings);
        }
    }
}

/// "Saved in <folder>: comparison-<time> (.png, .svg, .csv)" when the
/// files share a folder and a name; else every path.
fn saved_message(lang: Lang, paths: &[PathBuf]) -> String {
    let dir = paths.first().and_then(|p| p.parent());
    let stem = paths.first().and_then(|p| p.file_stem());
    let exts: Option<Vec<String>> = paths
        .iter()
        .map(|p| {
            (p.parent() == dir && p.file_stem() == stem)
                .then(|| p.extension().map(|e| format!(".{}", e.to_string_lossy())))
                .flatten()
        })
        .collect();
    match (dir, stem, exts) {
        (Some(dir), Some(stem), Some(exts)) if paths.len() > 1 => format!(
            "{} {}: {} ({})",
            tr(lang, "Saved in"),
            dir.display(),
            stem.to_string_lossy(),
            exts.join(", ")
        ),
        _ => {
            let all: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            format!("{} {}", tr(lang, "Saved"), all.join(", "))
        }
    }
}

/// What one import did, in a sentence: "Imported events.csv: 3 rows
/// accepted, 0 rejected", or that the same content came before.
pub fn import_message(lang: Lang, r: &shoplab_engine::store::ImportReport) -> String {
    let file = r.file.file_name().map_or_else(
        || r.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    if r.already_imported {
        return format!(
            "{file} {}",
            tr(lang, "was imported before (same content); nothing added.")
        );
    }
    let mut message = format!(
        "{} {file}: {}, {} {}",
        tr(lang, "Imported"),
        counted(lang, r.accepted, "row accepted", "rows accepted"),
        count(r.rejected),
        tr(lang, "rejected")
    );
    if r.duplicates > 0 {
        message.push_str(&format!(
            ", {}",
            counted(
                lang,
                r.duplicates,
                "duplicate of stored events skipped",
                "duplicates of stored events skipped"
            )
        ));
    }
    message
}

/// Imports files into the project at `root`.
fn import_into(
    root: &Path,
    files: &[PathBuf],
    opts: &ReadOptions,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> shoplab_engine::Result<JobOutcome> {
    let mut project = Project::open(root)?;
    let mut reports = Vec::new();
    for f in files {
        reports.push(project.import(f, opts, &ImportOptions::default(), progress, cancel)?);
        progress.finish_stage();
    }
    Ok(JobOutcome::Imported(reports))
}
