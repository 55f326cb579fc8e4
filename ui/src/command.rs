//! What panels ask the app to do. Views never do I/O or call `Project`: they
//! push a [`Command`], and the app turns it into state changes, background
//! jobs or requests to its search thread (ARCHITECTURE.md, threading rule).

use std::path::PathBuf;

use shoplab_datasets::read::ReadOptions;
use shoplab_engine::run::RunSpec;
use shoplab_engine::search::{FieldWeights, SearchRequest};

use crate::app::View;
use crate::i18n::Lang;

/// A request from a panel to the app.
#[derive(Debug, Clone)]
pub enum Command {
    /// Show another view.
    Show(View),
    /// Switch the interface language.
    SetLang(Lang),
    /// Open the project in this folder.
    OpenProject(PathBuf),
    /// Create a project in this folder and import these files into it, all
    /// or nothing (`crate::creation`).
    CreateProject {
        /// The new project's folder.
        dir: PathBuf,
        /// Files or data-set folders to import, in order.
        files: Vec<PathBuf>,
        /// Chosen files left out as not recognised, named in the result.
        skipped: Vec<PathBuf>,
    },
    /// Check what each chosen file or folder is before creating a project
    /// from them (answered with `JobOutcome::SourcesChecked`).
    CheckSources(Vec<PathBuf>),
    /// Remember the folder the file picker was in.
    RememberFolder(PathBuf),
    /// Set the open project's currency for prices ("" for plain numbers).
    SetCurrency(String),
    /// Build (or rebuild) the demo shop and open it.
    OpenDemo,
    /// Re-read the open project.
    Reload,
    /// Read a file the way an import would and show the first rows.
    Preview(PathBuf, ReadOptions),
    /// Import files into the open project, then rebuild the index.
    Import(Vec<PathBuf>, ReadOptions),
    /// Rebuild the search index.
    BuildIndex,
    /// Build or refresh the item embeddings for dense and hybrid search.
    BuildEmbeddings,
    /// Train the learned search re-ranker on the tune half of the judged queries.
    TrainReranker,
    /// Run these searches on the search thread (one per ranker); the answer
    /// replaces the Search view's results, older answers are dropped.
    Search(Vec<SearchRequest>),
    /// Ask the search thread for completions of what is typed.
    Suggest(String),
    /// Load the rejected rows of an import.
    LoadRejected(i64),
    /// Load one shopper's event timeline.
    LoadShopper(String),
    /// Grade a search result for a query (`None` clears the judgment).
    Judge {
        /// The query.
        query: String,
        /// Item index.
        item: u32,
        /// Grade, or `None` to remove.
        grade: Option<f64>,
    },
    /// Load the judgments of a query.
    LoadJudgments(String),
    /// Evaluate both search rankers (boosts, ranker) on the judgments.
    EvaluateSearch(
        (FieldWeights, shoplab_engine::search::RankerKind),
        (FieldWeights, shoplab_engine::search::RankerKind),
    ),
    /// Train and evaluate a run.
    Train(Box<RunSpec>),
    /// Stop the running training.
    CancelTraining,
    /// Recommend for a shopper with each of these runs.
    Recommend {
        /// The shopper's id.
        user: String,
        /// Run ids.
        runs: Vec<String>,
    },
    /// Show the Recommend view for this shopper and ask for the lists (a
    /// drill-down link from Data, Compare or the per-user list).
    RecommendFor {
        /// The shopper's id.
        user: String,
        /// Run ids to show (empty: keep the runs already ticked there).
        runs: Vec<String>,
    },
    /// Show a run's evaluated shoppers sorted by a metric, worst first, on
    /// the Recommend view (a drill-down link from a metric in Compare).
    ShowShoppers {
        /// The run id.
        run: String,
        /// The metric column, e.g. `ndcg@10`, `recall@20`, `auc`.
        metric: String,
    },
    /// Load a run's per-shopper metric values (its per_user.csv).
    LoadPerUser(String),
    /// Test challenger runs against a baseline run, paired per shopper
    /// (answered with `JobOutcome::Ab`).
    AbTest {
        /// The baseline run id.
        baseline: String,
        /// The challenger run ids.
        challengers: Vec<String>,
    },
    /// Write an A/B comparison as an HTML report folder (with CSV, JSON
    /// and TREC files) into the project's reports folder.
    WriteReport(Box<shoplab_engine::ab::AbReport>),
    /// Build a fused run of member runs and compare it with each member
    /// (answered with `JobOutcome::Fused`).
    Fuse(Box<shoplab_engine::recommend::fusion::FusionParams>),
    /// Save a screen area as a PNG (the benchmark tour's check that the
    /// window can be captured; user exports use `ExportComparison`).
    ExportPng {
        /// Destination.
        path: PathBuf,
        /// The area, in points.
        rect: eframe::egui::Rect,
    },
    /// Write the comparison of these runs (ids, in the order shown) to the
    /// project's reports folder: the whole table or one chart, as PNG and
    /// CSV, drawn off screen so scrolling does not matter.
    ExportComparison {
        /// Run ids, in table order.
        runs: Vec<String>,
        /// The table or which chart.
        export: shoplab_report::Export,
        /// The charts' measure: a ranking metric at the chosen K
        /// (`Column::Metric`), or a run-level figure (AUC, coverage,
        /// novelty, diversity, popularity bias) for the bar and scatter
        /// charts; the metric@K chart uses the metric of a `Column::Metric`.
        measure: shoplab_engine::compare::Column,
    },
    /// Give a run a new display name (its id stays); the app rewrites its
    /// `run.json` in the background and re-reads the project.
    RenameRun {
        /// Run id.
        run: String,
        /// The new name (not empty).
        name: String,
    },
    /// Open the Learn view at an entry.
    Explain(&'static str),
    /// Show a message in the status bar.
    Notify(String),
}
