//! What the views show of a project, read once on a background thread
//! (and again after imports and runs), so drawing never touches SQLite.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use shoplab_datasets::{CancelToken, Item, Progress};
use shoplab_engine::Project;
use shoplab_engine::project::JudgmentSource;
use shoplab_engine::run::RunRecord;
use shoplab_engine::store::{ImportRecord, StoreStats};

/// The catalog, with a lowercase search key per item for instant filtering.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Items by index.
    pub items: Vec<Item>,
    /// Lowercase "id title brand category" per item.
    pub keys: Vec<String>,
}

impl Catalog {
    fn new(items: Vec<Item>) -> Self {
        let keys = items
            .iter()
            .map(|it| {
                format!("{} {} {} {}", it.id, it.title, it.brand, it.category_path()).to_lowercase()
            })
            .collect();
        Catalog { items, keys }
    }

    /// Item by index.
    pub fn get(&self, idx: u32) -> Option<&Item> {
        self.items.get(idx as usize)
    }
}

/// A project as the views see it.
#[derive(Debug)]
pub struct Snapshot {
    /// The project folder.
    pub root: PathBuf,
    /// Its display name.
    pub name: String,
    /// Currency shown with prices ("" for plain numbers), a project setting.
    pub currency: String,
    /// Data health.
    pub stats: StoreStats,
    /// Import history, oldest first.
    pub imports: Vec<ImportRecord>,
    /// Recorded runs, oldest first.
    pub runs: Vec<RunRecord>,
    /// The catalog.
    pub catalog: Arc<Catalog>,
    /// Shopper ids by user index.
    pub users: Arc<Vec<String>>,
    /// Whether a search index has been built.
    pub has_index: bool,
    /// Where exports go (the project's `reports/` folder).
    pub reports_dir: PathBuf,
    /// Judged queries with their number of judgments, most judged first.
    pub judged_queries: Vec<(String, usize)>,
    /// How the saved search re-ranker was trained, when there is one.
    pub reranker: Option<shoplab_engine::search::rerank::RerankTraining>,
    /// Seconds the read took.
    pub load_seconds: f64,
}

impl Snapshot {
    /// Reads everything the views need from an open project.
    pub fn read(
        project: &Project,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> shoplab_engine::Result<Snapshot> {
        let start = Instant::now();
        progress.stage("read project", Some(5));
        let stats = project.stats()?;
        progress.advance(1);
        check(cancel)?;
        let imports = project.imports()?;
        let runs = project.runs()?;
        progress.advance(1);
        let catalog = Catalog::new(project.items()?);
        progress.advance(1);
        check(cancel)?;
        let users = project.user_ids()?;
        progress.advance(1);
        let mut judged: std::collections::BTreeMap<String, usize> = Default::default();
        for (q, _, _) in project.judgments(JudgmentSource::Stored)? {
            *judged.entry(q).or_default() += 1;
        }
        let mut judged_queries: Vec<(String, usize)> = judged.into_iter().collect();
        judged_queries.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        progress.advance(1);
        progress.finish_stage();
        Ok(Snapshot {
            root: project.paths.root.clone(),
            name: project.settings.name.clone(),
            currency: project.settings.currency.clone(),
            stats,
            imports,
            runs,
            catalog: Arc::new(catalog),
            users: Arc::new(users),
            has_index: project.has_index(),
            reports_dir: project.reports_dir(),
            judged_queries,
            // An unreadable file shows as none here; the learned column says why.
            reranker: project.saved_reranker().ok().flatten().map(|r| r.training),
            load_seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// Opens the project at `root` and reads it.
    pub fn open(
        root: &Path,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> shoplab_engine::Result<Snapshot> {
        Snapshot::read(&Project::open_read_only(root)?, progress, cancel)
    }

    /// A run by id.
    pub fn run(&self, id: &str) -> Option<&RunRecord> {
        self.runs.iter().find(|r| r.id == id)
    }
}

fn check(cancel: &CancelToken) -> shoplab_engine::Result<()> {
    if cancel.is_cancelled() {
        Err(shoplab_engine::Error::Cancelled)
    } else {
        Ok(())
    }
}
