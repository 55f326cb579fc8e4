//! Background work: every engine call the app makes runs on a thread of
//! its own, reports through the engine's [`Progress`] into a shared state the
//! UI reads each frame, can be cancelled through its [`CancelToken`], and
//! hands its result back over a channel. A frame only ever takes a short
//! lock on the progress state; it never waits for the work.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use eframe::egui;
use shoplab_datasets::RowError;
use shoplab_datasets::read::Preview;
use shoplab_datasets::{CancelToken, Progress};
use shoplab_engine::project::{IndexReport, Recommendations};
use shoplab_engine::recommend::per_user::PerUser;
use shoplab_engine::run::RunRecord;
use shoplab_engine::search::SearchEvalReport;
use shoplab_engine::store::{ImportReport, StoredEvent};

use crate::snapshot::Snapshot;

/// What a finished job produced.
#[derive(Debug)]
pub enum JobOutcome {
    /// A project was opened (or created, or the demo built) and read.
    Project(Box<Snapshot>),
    /// Files were imported.
    Imported(Vec<ImportReport>),
    /// The search index was rebuilt.
    Indexed(IndexReport),
    /// The item embeddings were built or refreshed.
    Embedded(shoplab_engine::search::EmbedReport),
    /// The learned search re-ranker was trained and saved.
    RerankerTrained(Box<shoplab_engine::search::Reranker>),
    /// A run was trained, evaluated and recorded.
    Run(Box<RunRecord>),
    /// Recommendation lists for one shopper, one per run.
    /// A shopper's lists, and the runs that refused to serve (e.g. trained
    /// before an import), each with its reason.
    Recommendations(Vec<Recommendations>, Vec<String>),
    /// A run's evaluated shoppers and their metric values.
    PerUser(Box<PerUser>),
    /// An A/B comparison of runs.
    Ab(Box<shoplab_engine::ab::AbReport>),
    /// A fused run was built, with one comparison per member.
    Fused(Box<RunRecord>, Vec<shoplab_engine::ab::AbReport>),
    /// One shopper's event timeline.
    Shopper {
        /// The shopper's id.
        user: String,
        /// Newest events first.
        events: Vec<StoredEvent>,
    },
    /// Search quality of the two rankers on the judgments: (left, right).
    SearchEval(Box<(SearchEvalReport, SearchEvalReport)>),
    /// What the import of a file would read.
    Preview(Box<Preview>),
    /// Rejected rows of one import.
    Rejected {
        /// The import.
        import_id: i64,
        /// Its rejected rows (at most a page).
        rows: Vec<RowError>,
    },
    /// Judgments of a query changed (query, (item, grade) pairs).
    Judged(String, Vec<(u32, f64)>),
    /// A run was renamed and the project re-read: (snapshot, run id, new name).
    RunRenamed(Box<Snapshot>, String, String),
    /// Files were written (exports: one CSV, or an image with its SVG and CSV).
    Saved(Vec<std::path::PathBuf>),
    /// Files chosen for a new project were checked: (the paths, their checks).
    SourcesChecked(
        Vec<std::path::PathBuf>,
        Vec<shoplab_engine::create::SourceCheck>,
    ),
    /// A project was created from files: its snapshot and a summary of what
    /// was imported and skipped.
    Created(Box<Snapshot>, String),
}

/// What the engine reported so far.
#[derive(Debug, Clone)]
pub struct JobState {
    /// Current stage name.
    pub stage: String,
    /// Units done in the stage.
    pub done: u64,
    /// Units in the stage, when known.
    pub total: Option<u64>,
    /// When the stage began.
    pub stage_started: Instant,
    /// Live metric curves, one per metric name.
    pub curves: Curves,
    /// How many stages have begun (a curve of shoppers scored restarts when
    /// its evaluation stage begins again).
    stages_begun: u64,
}

/// Live metric curves by metric name (`recall@10`, `loss`, `valid ndcg@10`).
pub type Curves = BTreeMap<String, Curve>;

/// The stage whose units are shoppers scored (the engine's evaluation).
pub const EVALUATE_STAGE: &str = "evaluate";

/// What a live curve's x counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurveAxis {
    /// Shoppers scored so far: a metric reported during the evaluation
    /// stage is a running mean, its x the stage's units done.
    Shoppers,
    /// Epochs: a metric reported in any other stage (training). The trainer
    /// reports `loss` once per epoch, so the n-th loss is epoch n, and a
    /// validation metric reported after it belongs to that epoch (one every
    /// few epochs lands on the right one); before any loss, the n-th value
    /// of a metric is epoch n.
    Epochs,
}

/// One live metric's points.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// What x counts.
    pub axis: CurveAxis,
    /// (x, value) points, x never decreasing; one point per x (a later value
    /// at the same x replaces the earlier one).
    pub points: Vec<[f64; 2]>,
    /// The stage it was collected in (see `JobState::stages_begun`).
    stage: u64,
}

impl Curve {
    /// A curve of `axis` with `points` (for tests and restored state).
    pub fn new(axis: CurveAxis, points: Vec<[f64; 2]>) -> Self {
        Curve {
            axis,
            points,
            stage: 0,
        }
    }

    /// Whether it has a line to draw: two points at different x.
    pub fn drawable(&self) -> bool {
        self.points
            .first()
            .is_some_and(|f| self.points.iter().any(|p| p[0] != f[0]))
    }

    /// Adds a point, keeping x in order and one point per x.
    fn push(&mut self, x: f64, value: f64) {
        match self.points.last_mut() {
            // Parallel workers advance before they report: several values
            // can land on one x; the latest includes the most shoppers.
            Some(last) if last[0] >= x => last[1] = value,
            _ => self.points.push([x, value]),
        }
    }
}

impl JobState {
    fn new() -> Self {
        JobState {
            stage: String::new(),
            done: 0,
            total: None,
            stage_started: Instant::now(),
            curves: BTreeMap::new(),
            stages_begun: 0,
        }
    }

    /// Records a live metric's value where its curve's x says.
    fn add_point(&mut self, name: &str, value: f64) {
        let stage = self.stages_begun;
        if self.stage == EVALUATE_STAGE {
            let x = self.done as f64;
            let curve = self
                .curves
                .entry(name.to_string())
                .or_insert_with(|| Curve::new(CurveAxis::Shoppers, Vec::new()));
            if curve.stage != stage {
                // A new evaluation pass: its running mean starts over.
                curve.points.clear();
                curve.stage = stage;
            }
            curve.push(x, value);
            return;
        }
        let losses = self
            .curves
            .get("loss")
            .filter(|c| c.axis == CurveAxis::Epochs)
            .map_or(0, |c| c.points.len());
        let curve = self
            .curves
            .entry(name.to_string())
            .or_insert_with(|| Curve::new(CurveAxis::Epochs, Vec::new()));
        curve.stage = stage;
        let epoch = if name == "loss" || losses == 0 {
            curve.points.len() + 1
        } else {
            losses
        };
        curve.push(epoch as f64, value);
    }

    /// Share of the stage done, when the total is known.
    pub fn fraction(&self) -> Option<f32> {
        self.total
            .filter(|&t| t > 0)
            .map(|t| (self.done as f64 / t as f64).clamp(0.0, 1.0) as f32)
    }

    /// Seconds left in the stage, extrapolated from its pace so far.
    pub fn remaining_seconds(&self) -> Option<f64> {
        let f = f64::from(self.fraction()?);
        let spent = self.stage_started.elapsed().as_secs_f64();
        (f > 0.02 && spent > 0.2).then(|| spent * (1.0 - f) / f)
    }
}

/// The [`Progress`] a job's engine call reports to.
struct Reporter {
    state: Arc<Mutex<JobState>>,
    ctx: egui::Context,
}

impl Reporter {
    fn lock(&self) -> MutexGuard<'_, JobState> {
        // A panic elsewhere while holding the lock only costs a progress update.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn repaint(&self) {
        // Enough for smooth bars and curves, without a repaint per unit.
        self.ctx.request_repaint_after(Duration::from_millis(50));
    }
}

impl Progress for Reporter {
    fn stage(&self, name: &str, total: Option<u64>) {
        {
            let mut s = self.lock();
            s.stage = name.to_string();
            s.total = total;
            s.done = 0;
            s.stage_started = Instant::now();
            s.stages_begun += 1;
        }
        self.repaint();
    }

    fn advance(&self, n: u64) {
        self.lock().done += n;
        self.repaint();
    }

    fn metric(&self, name: &str, value: f64) {
        {
            let mut s = self.lock();
            s.add_point(name, value);
        }
        self.repaint();
    }
}

/// What a job is for (one of each kind runs at a time, except exports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Opening, creating or reloading a project.
    Project,
    /// Importing files.
    Import,
    /// Building the search index.
    Index,
    /// Building the item embeddings (dense and hybrid search).
    Embed,
    /// Training the learned search re-ranker.
    Rerank,
    /// Training and evaluating a run.
    Train,
    /// Recommending for a shopper.
    Recommend,
    /// Reading a run's per-shopper metric values.
    PerUser,
    /// Testing runs against a baseline.
    Ab,
    /// Building a fused run and testing it against its members.
    Fuse,
    /// Reading a shopper's events.
    Shopper,
    /// Evaluating search on judgments.
    SearchEval,
    /// Import preview.
    Preview,
    /// Reading rejected rows.
    Rejected,
    /// Saving a judgment.
    Judge,
    /// Writing an export file.
    Export,
}

/// A job in flight.
pub struct Job {
    /// What it is for.
    pub kind: JobKind,
    /// Title shown in the status bar.
    pub title: String,
    /// When it started.
    pub started: Instant,
    /// Its cancel switch.
    pub cancel: CancelToken,
    state: Arc<Mutex<JobState>>,
    result: Receiver<Result<JobOutcome, String>>,
}

impl Job {
    /// Starts `work` on its own thread.
    pub fn spawn<F>(ctx: &egui::Context, kind: JobKind, title: impl Into<String>, work: F) -> Job
    where
        F: FnOnce(&dyn Progress, &CancelToken) -> Result<JobOutcome, String> + Send + 'static,
    {
        let state = Arc::new(Mutex::new(JobState::new()));
        let cancel = CancelToken::new();
        let (tx, rx) = channel();
        let reporter = Reporter {
            state: Arc::clone(&state),
            ctx: ctx.clone(),
        };
        let token = cancel.clone();
        let ctx = ctx.clone();
        let title = title.into();
        let thread_name = format!("shoplab-{kind:?}").to_lowercase();
        let spawned = std::thread::Builder::new()
            .name(thread_name)
            .spawn(move || {
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    work(&reporter, &token)
                }))
                .unwrap_or_else(|panic| Err(panic_message(panic.as_ref())));
                // The app may have closed meanwhile; nothing to tell then.
                let _ = tx.send(result);
                ctx.request_repaint();
            });
        if let Err(e) = spawned {
            // Without a thread the work cannot run: report that as its result.
            let (tx, rx2) = channel();
            let _ = tx.send(Err(format!("cannot start background work: {e}")));
            return Job {
                kind,
                title,
                started: Instant::now(),
                cancel,
                state,
                result: rx2,
            };
        }
        Job {
            kind,
            title,
            started: Instant::now(),
            cancel,
            state,
            result: rx,
        }
    }

    /// A copy of what the engine reported so far.
    pub fn state(&self) -> JobState {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The result, once the work is over (taken once).
    pub fn poll(&self) -> Option<Result<JobOutcome, String>> {
        match self.result.try_recv() {
            Ok(r) => Some(r),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                Some(Err("the background work stopped without a result".into()))
            }
        }
    }
}

/// A panic inside engine work becomes an error message, not a crash of the app.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".into());
    format!("internal error in background work ({what}); please report it")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(job: &Job) -> Result<JobOutcome, String> {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(r) = job.poll() {
                return r;
            }
            assert!(Instant::now() < until, "job did not finish");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn progress_and_curves_reach_the_ui_state_and_the_result_comes_back() {
        let ctx = egui::Context::default();
        let job = Job::spawn(&ctx, JobKind::Train, "t", |p, _| {
            p.stage("evaluate", Some(4));
            for i in 0..4 {
                p.advance(1);
                p.metric("recall@10", f64::from(i) / 10.0);
            }
            Ok(JobOutcome::Saved(vec!["x".into()]))
        });
        assert!(matches!(wait(&job), Ok(JobOutcome::Saved(_))));
        let s = job.state();
        assert_eq!(
            (s.stage.as_str(), s.done, s.total),
            ("evaluate", 4, Some(4))
        );
        assert_eq!(s.fraction(), Some(1.0));
        assert_eq!(s.curves["recall@10"].points.len(), 4);
        assert_eq!(s.curves["recall@10"].points[3], [4.0, 0.3]);
        assert_eq!(s.curves["recall@10"].axis, CurveAxis::Shoppers);
    }

    fn reported(work: impl FnOnce(&Reporter)) -> JobState {
        let r = Reporter {
            state: Arc::new(Mutex::new(JobState::new())),
            ctx: egui::Context::default(),
        };
        work(&r);
        r.lock().clone()
    }

    #[test]
    fn shopper_curves_keep_one_point_per_x_and_restart_with_their_stage() {
        let s = reported(|p| {
            p.stage(EVALUATE_STAGE, Some(64));
            // Two workers advanced before either reported.
            p.advance(16);
            p.advance(16);
            p.metric("recall@10", 0.1);
            p.metric("recall@10", 0.2);
            p.advance(32);
            p.metric("recall@10", 0.3);
        });
        assert_eq!(s.curves["recall@10"].points, vec![[32.0, 0.2], [64.0, 0.3]]);
        let s = reported(|p| {
            p.stage(EVALUATE_STAGE, Some(2));
            p.advance(1);
            p.metric("recall@10", 0.1);
            p.advance(1);
            p.metric("recall@10", 0.2);
            p.stage(EVALUATE_STAGE, Some(2));
            p.advance(2);
            p.metric("recall@10", 0.5);
        });
        assert_eq!(s.curves["recall@10"].points, vec![[2.0, 0.5]]);
        assert!(!s.curves["recall@10"].drawable());
    }

    #[test]
    fn training_metrics_are_per_epoch_whatever_the_stage_counts() {
        let s = reported(|p| {
            // Progress per batch: x must still be the epoch.
            p.stage("train bpr", Some(300));
            for epoch in 1..=4 {
                p.advance(100);
                p.metric("loss", 1.0 / f64::from(epoch));
                if epoch % 2 == 0 {
                    p.metric("valid ndcg@10", 0.1 * f64::from(epoch));
                }
            }
            p.stage(EVALUATE_STAGE, Some(10));
            p.advance(10);
            p.metric("ndcg@10", 0.3);
        });
        let loss = &s.curves["loss"];
        assert_eq!(loss.axis, CurveAxis::Epochs);
        assert_eq!(
            loss.points.iter().map(|p| p[0]).collect::<Vec<_>>(),
            [1.0, 2.0, 3.0, 4.0]
        );
        let valid = &s.curves["valid ndcg@10"];
        assert_eq!(valid.axis, CurveAxis::Epochs);
        assert_eq!(valid.points, vec![[2.0, 0.2], [4.0, 0.4]]);
        assert_eq!(s.curves["ndcg@10"].axis, CurveAxis::Shoppers);
        assert_eq!(s.curves["ndcg@10"].points, vec![[10.0, 0.3]]);
    }

    #[test]
    fn cancel_reaches_the_work_and_a_panic_becomes_an_error() {
        let ctx = egui::Context::default();
        let job = Job::spawn(&ctx, JobKind::Train, "t", |_, cancel| {
            while !cancel.is_cancelled() {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err("cancelled".into())
        });
        job.cancel.cancel();
        assert_eq!(wait(&job).err().as_deref(), Some("cancelled"));
        let job = Job::spawn(&ctx, JobKind::Train, "t", |_, _| panic!("boom"));
        assert!(wait(&job).err().is_some_and(|e| e.contains("boom")));
    }
}
