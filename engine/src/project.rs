//! A ShopLab project: one folder holding the event store, the search index,
//! runs and reports.
//!
//! ```text
//! myshop/
//!   shoplab.json     project marker and settings
//!   shop.sqlite      event store (WAL mode)
//!   index/           tantivy catalog index
//!   embeddings/      item vectors per text encoder (dense and hybrid search)
//!   runs/<run-id>/   one folder per training + evaluation run
//!   reports/         exported tables and charts
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use shoplab_datasets::read::ReadOptions;
use shoplab_datasets::{CancelToken, EventKind, Interactions, Item, Progress, Recommender};

use crate::compare::{Column, Comparison, compare};
use crate::error::{Error, Result};
use crate::recommend::ModelSpec;
use crate::recommend::learned;
use crate::run::resume_key;
use crate::run::{
    RunInputs, RunRecord, RunSpec, Trained, evaluate_and_record, find_run, fit, list_runs,
};
use crate::search::{
    Autocomplete, ContentModel, FieldWeights, SearchEvalConfig, SearchEvalReport, SearchIndex,
    SearchRequest, SearchResults, SearchTrecExport, Suggestion, WeightGrid, derive_judgments,
    evaluate_search, export_trec, tune_field_weights,
};
use crate::split::{RepeatedPairs, Split, split, split_warnings};
use crate::store::{ImportOptions, ImportReport, Store};

/// File name of the event store inside a project.
pub const STORE_FILE: &str = "shop.sqlite";
/// File name of the project marker and settings.
pub const SETTINGS_FILE: &str = "shoplab.json";

/// Paths of the parts of a project folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPaths {
    /// The project folder.
    pub root: PathBuf,
}

impl ProjectPaths {
    /// Paths inside `root` (nothing is checked or created).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ProjectPaths { root: root.into() }
    }
    /// `shop.sqlite`
    pub fn store(&self) -> PathBuf {
        self.root.join(STORE_FILE)
    }
    /// `shoplab.json`
    pub fn settings(&self) -> PathBuf {
        self.root.join(SETTINGS_FILE)
    }
    /// `index/`
    pub fn index(&self) -> PathBuf {
        self.root.join("index")
    }
    /// `embeddings/`: item vectors per encoder (see [`crate::search::dense`]).
    pub fn embeddings(&self) -> PathBuf {
        self.root.join(crate::search::dense::EMBEDDINGS_DIR)
    }
    /// `runs/`
    pub fn runs(&self) -> PathBuf {
        self.root.join("runs")
    }
    /// `runs/<id>/`
    pub fn run(&self, id: &str) -> PathBuf {
        self.runs().join(id)
    }
    /// `checkpoints/`: learned models' per-epoch checkpoints while they train.
    pub fn checkpoints(&self) -> PathBuf {
        self.root.join("checkpoints")
    }

    /// Reports folder.
    pub fn reports(&self) -> PathBuf {
        self.root.join("reports")
    }
    /// `reranker.json`: the learned search re-ranker (see [`crate::search::rerank`]).
    pub fn reranker(&self) -> PathBuf {
        self.root.join(crate::search::rerank::RERANKER_FILE)
    }
}

/// Project-wide settings stored in `shoplab.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Human name of the shop.
    pub name: String,
    /// Format version of the project folder.
    pub format_version: u32,
    /// ShopLab version that created the project.
    pub created_by: String,
    /// Currency of the catalog's prices, shown with them (`$`, `€`, `EUR`);
    /// empty: prices are shown as plain numbers.
    pub currency: String,
    /// Folder of the sentence encoder for dense and hybrid search (empty:
    /// `SHOPLAB_MINILM`, else `~/.cache/shoplab-data/all-MiniLM-L6-v2`; a
    /// `--encoder DIR` flag and `SHOPLAB_MINILM` take precedence).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub encoder: String,
}

/// Longest currency text accepted (a symbol or a short code).
const MAX_CURRENCY_CHARS: usize = 8;

/// A price with the project's currency: a symbol goes before the number
/// (`$12.50`), a code or word after it (`12.50 EUR`); none: `12.50`.
pub fn format_price(price: f64, currency: &str) -> String {
    let c = currency.trim();
    if c.is_empty() {
        format!("{price:.2}")
    } else if c.chars().any(char::is_alphabetic) {
        format!("{price:.2} {c}")
    } else {
        format!("{c}{price:.2}")
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            name: String::new(),
            format_version: 1,
            created_by: format!("shoplab {}", env!("CARGO_PKG_VERSION")),
            currency: String::new(),
            encoder: String::new(),
        }
    }
}

/// Refuses a folder that already holds a project (its store or settings).
pub(crate) fn refuse_existing(paths: &ProjectPaths) -> Result<()> {
    if paths.store().exists() || paths.settings().exists() {
        return Err(Error::invalid(
            "project folder",
            paths.root.display(),
            "it already holds a ShopLab project; open it instead, or pick a new folder",
        ));
    }
    Ok(())
}

/// Creates the folder layout of a new project (the store is created by
/// [`crate::store::Store::open`]). Fails if `root` already holds a project.
pub fn create_layout(root: &Path, name: &str) -> Result<ProjectPaths> {
    let paths = ProjectPaths::new(root);
    refuse_existing(&paths)?;
    for dir in [paths.root.clone(), paths.runs(), paths.reports()] {
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create folder", &dir, e))?;
    }
    let settings = Settings {
        name: name.to_string(),
        ..Settings::default()
    };
    write_json_atomic(&paths.settings(), &settings)?;
    Ok(paths)
}

/// Checks that `root` is a project and returns its paths and settings.
pub fn open_layout(root: &Path) -> Result<(ProjectPaths, Settings)> {
    let paths = ProjectPaths::new(root);
    if !paths.store().is_file() {
        return Err(Error::NotAProject {
            path: root.to_path_buf(),
        });
    }
    let settings = if paths.settings().is_file() {
        read_json(&paths.settings())?
    } else {
        Settings::default()
    };
    Ok((paths, settings))
}

/// Reads a JSON file into `T`.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("cannot read", path, e))?;
    serde_json::from_slice(&bytes).map_err(|source| Error::Json {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `value` as pretty JSON through a temporary file and a rename, so a
/// crash or a full disk never leaves a half-written file behind.
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_vec_pretty(value).map_err(|source| Error::Json {
        path: path.to_path_buf(),
        source,
    })?;
    write_atomic(path, &text)
}

/// Writes bytes through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp-write");
    std::fs::write(&tmp, bytes).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("cannot write", &tmp, e)
    })?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io("cannot replace", path, e))
}

/// An open project: the folder, its settings and its event store. Every
/// operation the CLI, the GUI or the storefront offers is a method here.
pub struct Project {
    /// Where everything lives.
    pub paths: ProjectPaths,
    /// Settings from `shoplab.json`.
    pub settings: Settings,
    store: Store,
}

/// What `Project::build_index` did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexReport {
    /// Items indexed.
    pub items: usize,
    /// Autocomplete entries.
    pub suggestions: usize,
    /// Seconds taken.
    pub seconds: f64,
}

/// Where search judgments come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JudgmentSource {
    /// Imported judgments (a judgments file, Home Depot, WANDS, ESCI, the synthetic truth).
    #[default]
    Stored,
    /// Derived from search-then-click / cart / purchase events.
    Derived,
}

/// A shopper's history beside a run's recommendations.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recommendations {
    /// The shopper's id.
    pub user: String,
    /// The run used.
    pub run: String,
    /// Items the shopper interacted with (newest first, at most 50),
    /// including the test period's (`held_out` says which those are).
    pub history: Vec<ItemSummary>,
    /// Recommended items, best first, with scores.
    pub items: Vec<ScoredItem>,
    /// Who ranked them: the run's model, or its cold fallback (e.g.
    /// `popularity`) for a shopper with no training events.
    #[serde(default)]
    pub scored_by: String,
    /// The items the shopper took in the run's test period (its split,
    /// recomputed from the run's spec), as its evaluation counted them.
    #[serde(default)]
    pub held_out: Vec<ItemSummary>,
    /// The shopper has no training events under the run's split.
    #[serde(default)]
    pub cold: bool,
    /// The run was evaluated on sampled candidates (this many sampled items
    /// per test item): its metrics and `run.trec` rank those, while this
    /// list ranks the whole catalogue.
    #[serde(default)]
    pub sampled_negatives: Option<usize>,
}

/// An item as shown in lists.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemSummary {
    /// The shop's item id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Category path.
    pub category: String,
}

/// A recommended item and its score.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoredItem {
    /// The item.
    #[serde(flatten)]
    pub item: ItemSummary,
    /// The model's score.
    pub score: f32,
    /// The shopper took this item in the run's test period (a held-out hit).
    #[serde(default)]
    pub hit: bool,
}

/// What `Project::export_split` wrote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SplitExport {
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Events per part: train, valid, test.
    pub sizes: [usize; 3],
    /// Held-out rows repeating a (shopper, item) pair of an earlier part,
    /// counted before any deduplication.
    pub repeated: RepeatedPairs,
    /// Whether repeated pairs were removed from validation and test.
    pub deduplicated: bool,
    /// What the user should know about the files (empty validation part,
    /// repeated pairs), one sentence each.
    pub warnings: Vec<String>,
}

impl Project {
    /// Creates a new project in `root` (the folder may exist but must not hold a project).
    pub fn create(root: &Path, name: &str) -> Result<Project> {
        let paths = create_layout(root, name)?;
        let store = Store::open(&paths.store())?;
        let (paths, settings) = open_layout(&paths.root)?;
        Ok(Project {
            paths,
            settings,
            store,
        })
    }

    /// Opens an existing project to import into (the store is migrated to
    /// this version's schema when older).
    pub fn open(root: &Path) -> Result<Project> {
        Self::open_with(root, Store::open)
    }

    /// Opens an existing project without writing to its store (no migration,
    /// no journal files where they cannot be made): for everything but
    /// imports, and on read-only media or another user's folder. Runs,
    /// indexes and reports are still written as files where asked for.
    pub fn open_read_only(root: &Path) -> Result<Project> {
        Self::open_with(root, Store::open_read_only)
    }

    fn open_with(root: &Path, open_store: fn(&Path) -> Result<Store>) -> Result<Project> {
        let (paths, settings) = open_layout(root)?;
        let store = open_store(&paths.store())?;
        Ok(Project {
            paths,
            settings,
            store,
        })
    }

    /// The event store, for the engine's own modules and tests; the CLI and
    /// the app use `Project`'s methods instead (ARCHITECTURE.md, "the facade").
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Imports a file or data-set folder.
    pub fn import(
        &mut self,
        path: &Path,
        read: &ReadOptions,
        opts: &ImportOptions,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<ImportReport> {
        self.store.import_file(path, read, opts, progress, cancel)
    }

    /// Sets the currency shown with prices (empty: plain numbers) and saves
    /// it in the project's settings.
    pub fn set_currency(&mut self, currency: &str) -> Result<()> {
        let c = currency.trim();
        if c.chars().count() > MAX_CURRENCY_CHARS || c.chars().any(char::is_control) {
            return Err(Error::invalid(
                "currency",
                c,
                format!(
                    "use a symbol or a short code such as $, €, ¥, EUR or 元 (at most {MAX_CURRENCY_CHARS} characters), or nothing for plain numbers"
                ),
            ));
        }
        let mut settings = self.settings.clone();
        settings.currency = c.to_string();
        write_json_atomic(&self.paths.settings(), &settings)?;
        self.settings = settings;
        Ok(())
    }

    /// Rebuilds the search index and the autocomplete dictionary from the catalog.
    pub fn build_index(
        &self,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<IndexReport> {
        let start = std::time::Instant::now();
        let items = self.store.items()?;
        if items.is_empty() {
            return Err(Error::Empty(
                "the catalog is empty: import a catalog (or a data set with items) first".into(),
            ));
        }
        let stats = SearchIndex::build(
            &self.paths.index(),
            items.iter().enumerate().map(|(i, it)| (i as u32, it)),
            progress,
            cancel,
        )?;
        let queries = self.store.query_counts()?;
        let ac = Autocomplete::build(&self.search_index()?, &queries)?;
        ac.save(&self.paths.index())?;
        Ok(IndexReport {
            items: stats.n_items as usize,
            suggestions: ac.len(),
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// Opens the search index (built by [`Project::build_index`]).
    pub fn search_index(&self) -> Result<SearchIndex> {
        SearchIndex::open(&self.paths.index())
    }

    /// Runs one search.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        self.search_index()?.search(req)
    }

    /// The encoder folder to use: `flag`, else `SHOPLAB_MINILM`, else the
    /// project's `encoder` setting, else the default cache folder.
    pub fn encoder_dir(&self, flag: Option<&Path>) -> PathBuf {
        crate::search::dense::encoder_dir(flag, Some(&self.settings.encoder))
    }

    /// Builds or refreshes the item embeddings for the encoder in
    /// `encoder_dir` (only new or changed item texts are encoded).
    pub fn embed(
        &self,
        encoder_dir: &Path,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<crate::search::EmbedReport> {
        let items = self.store.items()?;
        if items.is_empty() {
            return Err(Error::Empty(
                "the catalog is empty: import a catalog (or a data set with items) first".into(),
            ));
        }
        progress.stage("Loading the text encoder", None);
        let encoder = crate::search::dense::load_encoder(encoder_dir)?;
        progress.finish_stage();
        crate::search::build_embeddings(&self.paths.root, &items, &encoder, progress, cancel)
    }

    /// The BM25 index with, when `encoder_dir` is given, the encoder and the
    /// stored item vectors for dense and hybrid search (an error says what to
    /// do when they are missing or out of date).
    pub fn rankers(
        &self,
        encoder_dir: Option<&Path>,
        fusion: crate::search::Fusion,
    ) -> Result<crate::search::Rankers> {
        let bm25 = self.search_index()?;
        let dense = match encoder_dir {
            None => None,
            Some(dir) => {
                let encoder = crate::search::dense::load_encoder(dir)?;
                let items = self.store.items()?;
                let index = crate::search::DenseIndex::open(&self.paths.root, &items, &encoder)?;
                Some(crate::search::ranker::DenseParts {
                    encoder,
                    index,
                    items,
                })
            }
        };
        // A broken or outdated re-ranker only disables the learned ranker.
        let (reranker, reranker_error) = match &dense {
            None => (None, None),
            Some(parts) => {
                match crate::search::Reranker::load(
                    &self.paths.reranker(),
                    parts.encoder.fingerprint(),
                ) {
                    Ok(r) => (r, None),
                    Err(e) => (None, Some(e.to_string())),
                }
            }
        };
        Ok(crate::search::Rankers {
            bm25,
            dense,
            fusion,
            reranker,
            reranker_error,
        })
    }

    /// Search quality of `config.ranker` on `source`'s judgments (dense and
    /// hybrid use the encoder in `encoder_dir`).
    pub fn evaluate_search_ranker(
        &self,
        source: JudgmentSource,
        config: &SearchEvalConfig,
        encoder_dir: &Path,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<SearchEvalReport> {
        if config.ranker == crate::search::RankerKind::Bm25 {
            return self.evaluate_search(source, config, progress, cancel);
        }
        let judgments = self.judgments(source)?;
        if judgments.is_empty() {
            return self.evaluate_search(source, config, progress, cancel);
        }
        let rankers = self.rankers(Some(encoder_dir), config.fusion)?;
        crate::search::evaluate_rankers(&rankers, &judgments, config, progress, cancel)
    }

    /// Several rankers' search quality on the same queries of `source`'s
    /// judgments (see [`crate::search::evaluate_many`]): the queries are
    /// encoded once; `encoder_dir` is used when one of them needs vectors.
    pub fn evaluate_search_rankers(
        &self,
        source: JudgmentSource,
        configs: &[SearchEvalConfig],
        encoder_dir: &Path,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<Vec<SearchEvalReport>> {
        let judgments = self.judgments(source)?;
        let needs = configs.iter().any(|c| c.ranker.needs_embeddings());
        if judgments.is_empty() || !needs {
            return configs
                .iter()
                .map(|c| self.evaluate_search(source, c, progress, cancel))
                .collect();
        }
        let rankers = self.rankers(Some(encoder_dir), crate::search::Fusion::default())?;
        crate::search::evaluate_many(&rankers, &judgments, configs, progress, cancel)
    }

    /// Trains the learned search re-ranker on `source`'s judged queries of
    /// `config.queries` (a half) and saves it as `reranker.json` (replacing
    /// the one before only once the new one is complete).
    pub fn train_reranker(
        &self,
        source: JudgmentSource,
        config: &SearchEvalConfig,
        params: &crate::search::RerankParams,
        encoder_dir: &Path,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<crate::search::Reranker> {
        crate::search::rerank::check(config, params)?;
        let judgments = self.judgments(source)?;
        if judgments.is_empty() {
            return Err(Error::Empty(
                "no judged queries to learn from: import judgments (`shoplab import --format \
                 judgments`), judge results in the Search view, or derive them from search events"
                    .into(),
            ));
        }
        let rankers = self.rankers(Some(encoder_dir), crate::search::Fusion::default())?;
        let reranker =
            crate::search::rerank::train(&rankers, &judgments, config, params, progress, cancel)?;
        write_json_atomic(&self.paths.reranker(), &reranker)?;
        Ok(reranker)
    }

    /// The saved re-ranker as it is on disk (no encoder check), if any.
    pub fn saved_reranker(&self) -> Result<Option<crate::search::Reranker>> {
        let path = self.paths.reranker();
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|source| Error::Json { path, source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io("cannot read", path, e)),
        }
    }

    /// Hybrid search quality under each of `fusions` on `config`'s queries
    /// (see [`crate::search::tune_fusion`]), best first.
    pub fn tune_fusion(
        &self,
        source: JudgmentSource,
        config: &SearchEvalConfig,
        encoder_dir: &Path,
        fusions: &[crate::search::Fusion],
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<Vec<(crate::search::Fusion, f64)>> {
        let judgments = self.judgments(source)?;
        let rankers = self.rankers(Some(encoder_dir), config.fusion)?;
        crate::search::tune_fusion(&rankers, &judgments, config, fusions, progress, cancel)
    }

    /// Query completions for a prefix.
    pub fn suggest(&self, prefix: &str, n: usize) -> Result<Vec<Suggestion>> {
        Ok(Autocomplete::open(&self.paths.index())?.suggest(prefix, n))
    }

    /// Search judgments as (query, item index, gain).
    pub fn judgments(&self, source: JudgmentSource) -> Result<Vec<(String, u32, f64)>> {
        match source {
            JudgmentSource::Stored => self.store.judgments(),
            JudgmentSource::Derived => Ok(derive_judgments(&self.store.search_sessions()?)),
        }
    }

    /// Search quality of the index with the given boosts on judgments.
    pub fn evaluate_search(
        &self,
        source: JudgmentSource,
        config: &SearchEvalConfig,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<SearchEvalReport> {
        let judgments = self.judgments(source)?;
        if judgments.is_empty() {
            return Err(Error::Empty(match source {
                JudgmentSource::Stored => "no search judgments stored: import a judgments file, or use --derived to judge by search-then-click events".into(),
                JudgmentSource::Derived => "no searches followed by clicks, carts or purchases in the events: import events with a query column, or import judgments".into(),
            }));
        }
        evaluate_search(&self.search_index()?, &judgments, config, progress, cancel)
    }

    /// Writes a search evaluation of `source`'s judgments as TREC run, qrels
    /// and scores into `dir` (see [`crate::search::export`]).
    pub fn export_search_trec(
        &self,
        source: JudgmentSource,
        report: &SearchEvalReport,
        dir: &Path,
    ) -> Result<SearchTrecExport> {
        export_trec(
            report,
            &self.judgments(source)?,
            &self.store.item_ids()?,
            dir,
        )
    }

    /// Field boosts tried by coordinate ascent on the judgments, best first.
    pub fn tune_search(
        &self,
        source: JudgmentSource,
        grid: &WeightGrid,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<Vec<(FieldWeights, f64)>> {
        let judgments = self.judgments(source)?;
        tune_field_weights(&self.search_index()?, &judgments, grid, progress, cancel)
    }

    /// Interactions of the given kinds over all users and items.
    pub fn interactions(&self, kinds: &[EventKind]) -> Result<Interactions> {
        self.store.interactions(kinds)
    }

    /// Fits a run's model on a split, including the models that need the
    /// search index (content) or a validation split and checkpoints (learned).
    pub fn fit_model(
        &self,
        spec: &RunSpec,
        split: &Split,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<Trained> {
        let train = &split.train;
        match &spec.model {
            ModelSpec::Content(params) => Ok(Trained::from(Box::new(ContentModel::fit(
                &self.search_index()?,
                train.n_items,
                params,
                progress,
                cancel,
            )?)
                as Box<dyn Recommender>)),
            ModelSpec::Learned(l) => {
                let key = resume_key(spec, train);
                let dir = learned::checkpoint_dir(&self.paths.checkpoints(), &key);
                let texts = if learned::reads_item_text(&l.0) {
                    Some(self.item_texts()?)
                } else {
                    None
                };
                let out = learned::fit(
                    &l.0,
                    split,
                    texts.as_deref(),
                    spec.weighting,
                    &spec.eval,
                    spec.device,
                    Some(&dir),
                    &key,
                    progress,
                    cancel,
                );
                // Recorded, failed or cancelled: the checkpoint has served.
                // A kill leaves it, and the same run started again resumes.
                let _ = std::fs::remove_dir_all(&dir);
                let mut fitted = out?;
                fitted.report.device_note = fitted.device_note.take();
                Ok(Trained {
                    model: fitted.model,
                    training: Some(fitted.report),
                    fusion: None,
                })
            }
            ModelSpec::Fusion(params) => {
                let members = params
                    .members
                    .iter()
                    .map(|id| {
                        let (info, model) = crate::recommend::saved::load(&self.paths.run(id))?;
                        Ok((id.clone(), info.weights_hash, model))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let (model, mut report) = crate::recommend::fusion::fit(
                    params,
                    members,
                    split,
                    spec.weighting,
                    &spec.eval,
                    progress,
                    cancel,
                )?;
                report.member_names = params
                    .members
                    .iter()
                    .map(|id| find_run(&self.paths, id).map(|r| r.name))
                    .collect::<Result<_>>()?;
                Ok(Trained {
                    model,
                    training: None,
                    fusion: Some(report),
                })
            }
            other => Ok(other.fit(train, spec.weighting, progress, cancel)?.into()),
        }
    }

    /// Trains and evaluates one run, records it under `runs/`, and returns its record.
    pub fn run(
        &self,
        spec: &RunSpec,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<RunRecord> {
        let start = std::time::Instant::now();
        let log = self.interactions(&spec.kinds)?;
        if log.is_empty() {
            let kinds: Vec<String> = spec.kinds.iter().map(ToString::to_string).collect();
            return Err(Error::Empty(format!(
                "no events of the kinds this run uses ({}); if the project has no events yet, {}; otherwise choose other event kinds",
                kinds.join(", "),
                shoplab_datasets::hint::IMPORT_EVENTS.cli
            )));
        }
        let user_ids = self.store.user_ids()?;
        let item_ids = self.store.item_ids()?;
        let categories = self.item_categories()?;
        tracing::info!(
            seconds = start.elapsed().as_secs_f64(),
            events = log.len(),
            "run: data loaded"
        );
        let fit_model = |s: &RunSpec, sp: &Split, p: &dyn Progress, c: &CancelToken| {
            self.fit_model(s, sp, p, c)
        };
        let fitted = fit(spec, &log, &fit_model, progress, cancel)?;
        let inputs = RunInputs {
            log: &log,
            user_ids: &user_ids,
            item_ids: &item_ids,
            item_categories: Some(&categories),
        };
        evaluate_and_record(&self.paths, spec, &inputs, &fitted, progress, cancel)
    }

    /// Each item's title, brand and category path, by item index (what
    /// text-reading models learn from).
    pub fn item_texts(&self) -> Result<Vec<shoplab_models::ItemText>> {
        Ok(self
            .store
            .items()?
            .iter()
            .map(|it| shoplab_models::ItemText::new(&it.title, &it.brand, &it.category_path()))
            .collect())
    }

    /// A dense category id per item (same path = same id), for diversity.
    pub fn item_categories(&self) -> Result<Vec<u32>> {
        let mut ids: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        Ok(self
            .store
            .items()?
            .iter()
            .map(|it| {
                let next = ids.len() as u32;
                *ids.entry(it.category_path()).or_insert(next)
            })
            .collect())
    }

    /// All runs, oldest first.
    pub fn runs(&self) -> Result<Vec<RunRecord>> {
        list_runs(&self.paths)
    }

    /// Gives a run (id, id prefix or name) a new display name; its id stays.
    pub fn rename_run(&self, key: &str, new_name: &str) -> Result<RunRecord> {
        crate::run::rename_run(&self.paths, key, new_name)
    }

    /// A comparison table of the named runs (all when `keys` is empty).
    pub fn compare(&self, keys: &[String], columns: &[Column]) -> Result<Comparison> {
        let runs = if keys.is_empty() {
            self.runs()?
        } else {
            keys.iter()
                .map(|k| find_run(&self.paths, k))
                .collect::<Result<Vec<_>>>()?
        };
        let mut table = compare(&runs, columns);
        crate::compare::mark_imported_since(&mut table, &runs, &self.imports()?);
        Ok(table)
    }

    /// A shopper's history and the top-`k` items of a run's model for them,
    /// ranked as the run's evaluation ranked them (from the shopper's
    /// training events under the run's split, recomputed from its spec), with
    /// the items they took in the test period marked as hits.
    pub fn recommend(
        &self,
        run_key: Option<&str>,
        user: &str,
        k: usize,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<Recommendations> {
        let record = match run_key {
            Some(key) => find_run(&self.paths, key)?,
            None => self.runs()?.pop().ok_or_else(|| {
                Error::Empty("no runs yet: train a model first (`shoplab train ease`)".into())
            })?,
        };
        if k == 0 {
            return Err(Error::invalid(
                "k",
                0,
                "give the number of items to list, at least 1 (e.g. 10)",
            ));
        }
        let user_idx = self.store.user_idx(user)?.ok_or_else(|| Error::NotFound {
            kind: "user",
            name: user.to_string(),
            hint: ". User ids are the shop's own ids, as in the events file".into(),
        })?;
        let log = self.interactions(&record.spec.kinds)?;
        let fit_model = |s: &RunSpec, sp: &Split, p: &dyn Progress, c: &CancelToken| {
            self.fit_model(s, sp, p, c)
        };
        let (fitted, _) =
            crate::run::load_or_fit(&self.paths, &record, &log, &fit_model, progress, cancel)?;
        let list = crate::recommend::shopper::rank(&record.spec, &fitted, user_idx, k, cancel)?;
        let items = self.store.items()?;
        let item_ids = self.store.item_ids()?;
        let summary = |i: u32| ItemSummary {
            id: item_ids.get(i as usize).cloned().unwrap_or_default(),
            title: items
                .get(i as usize)
                .map(|it| it.title.clone())
                .unwrap_or_default(),
            category: items
                .get(i as usize)
                .map(Item::category_path)
                .unwrap_or_default(),
        };
        let mut recent: Vec<(i64, u32)> = (0..log.len())
            .filter(|&e| log.users[e] == user_idx)
            .map(|e| (log.ts[e], log.items[e]))
            .collect();
        recent.sort_by(|a, b| b.cmp(a));
        let mut seen = std::collections::HashSet::new();
        let history = recent
            .into_iter()
            .filter(|(_, i)| seen.insert(*i))
            .take(50)
            .map(|(_, i)| summary(i))
            .collect();
        Ok(Recommendations {
            user: user.to_string(),
            run: record.id,
            history,
            items: list
                .ranked
                .iter()
                .map(|&(i, score, hit)| ScoredItem {
                    item: summary(i),
                    score,
                    hit,
                })
                .collect(),
            scored_by: list.scored_by,
            held_out: list.held_out.iter().map(|&i| summary(i)).collect(),
            cold: list.cold,
            sampled_negatives: record.spec.eval.sampled_negatives,
        })
    }

    /// A run's folder (its TREC files, for reports that copy them).
    pub fn run_dir(&self, id: &str) -> PathBuf {
        self.paths.run(id)
    }

    /// A run's evaluated shoppers and their per-user metric values (its
    /// `per_user.csv`, and `per_user_cold.csv` when cold shoppers were
    /// reported apart).
    pub fn per_user(&self, run_key: &str) -> Result<crate::recommend::per_user::PerUser> {
        let record = find_run(&self.paths, run_key)?;
        let mut table = crate::recommend::per_user::read(&record.id, &self.paths.run(&record.id))?;
        table.sampled_negatives = record.spec.eval.sampled_negatives;
        Ok(table)
    }

    /// A/B comparison of `baseline` with `challengers` (run keys), paired per
    /// shopper; light / heavy segments count each shopper's training events
    /// under the baseline's split.
    pub fn ab(
        &self,
        baseline: &str,
        challengers: &[String],
        options: &crate::ab::AbOptions,
    ) -> Result<crate::ab::AbReport> {
        let base = find_run(&self.paths, baseline)?;
        let others = challengers
            .iter()
            .map(|k| find_run(&self.paths, k))
            .collect::<Result<Vec<_>>>()?;
        // Refuse before the (slower) split and per-shopper reads.
        for o in &others {
            crate::ab::check_comparable(&base, o)?;
        }
        let read = |r: &RunRecord| crate::recommend::per_user::read(&r.id, &self.paths.run(&r.id));
        let base_pu = read(&base)?;
        let other_pu = others.iter().map(read).collect::<Result<Vec<_>>>()?;
        let log = self.interactions(&base.spec.kinds)?;
        let parts = split(&log, &base.spec.split)?;
        crate::run::check_same_split(&base, &log, &parts)?;
        let ids = self.store.user_ids()?;
        let mut counts = vec![0usize; ids.len().max(parts.train.n_users as usize)];
        for &u in &parts.train.users {
            counts[u as usize] += 1;
        }
        let activity: std::collections::HashMap<String, usize> = ids
            .into_iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .collect();
        let pairs: Vec<(&RunRecord, &crate::recommend::per_user::PerUser)> =
            others.iter().zip(&other_pu).collect();
        let mut report =
            crate::ab::compare_runs((&base, &base_pu), &pairs, Some(&activity), options)?;
        // Item segments, from each run's stored lists and the split's test items.
        let item_ids = self.store.item_ids()?;
        let tokens: Vec<String> = item_ids
            .iter()
            .enumerate()
            .map(|(i, id)| crate::trec::token(id, i))
            .collect();
        let mut counts = vec![0u32; tokens.len()];
        for &i in &parts.train.items {
            if let Some(c) = counts.get_mut(i as usize) {
                *c += 1;
            }
        }
        let lists = std::iter::once(&base)
            .chain(&others)
            .map(|r| crate::trec::read_run(&self.paths.run(&r.id).join("run.trec")))
            .collect::<Result<Vec<_>>>()?;
        // Only the shoppers every run listed (warm in all of them): the
        // category counts then describe the pairs compared, whichever run
        // is the baseline.
        let mut qrels = crate::trec::read_qrels(&self.paths.run(&base.id).join("qrels.trec"))?;
        qrels.retain(|u, _| lists.iter().all(|l| l.contains_key(u)));
        let top_level: Vec<String> = self
            .store
            .items()?
            .iter()
            .map(|it| it.category.first().cloned().unwrap_or_default())
            .collect();
        let mut segments = crate::item_segments::head_tail(&counts, &tokens);
        let (by_category, left_out) = crate::item_segments::categories(&top_level, &tokens, &qrels);
        segments.extend(by_category);
        crate::item_segments::add_item_segments(&mut report, &lists, &qrels, &segments, options)?;
        if left_out > 0 {
            report.notes.push(format!(
                "categories: the {} top-level categories with the most test pairs have segments; \
                 {left_out} smaller ones have none (an item counts in its top-level category only)",
                crate::item_segments::MAX_CATEGORIES
            ));
        }
        Ok(report)
    }

    /// Builds and evaluates a fusion of the runs `params.members` names
    /// (ids, id prefixes or names; resolved to ids in the recorded spec):
    /// they must be runs on the project's current events with one split,
    /// event kinds, weighting and protocol, each with its saved model. The
    /// fused run takes their split and protocol; its weights are chosen as
    /// `params` says (see [`crate::recommend::fusion::tune`]).
    pub fn fuse(
        &self,
        params: &crate::recommend::fusion::FusionParams,
        name: Option<&str>,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<RunRecord> {
        let records = params
            .members
            .iter()
            .map(|k| find_run(&self.paths, k))
            .collect::<Result<Vec<_>>>()?;
        let mut params = params.clone();
        params.members = records.iter().map(|r| r.id.clone()).collect();
        params.validate()?;
        // Recorded as chosen, so the run's spec says how its weights came about.
        params.tuning = Some(params.tuning());
        let first = &records[0];
        let log = self.interactions(&first.spec.kinds)?;
        let current = crate::run::fingerprint(&log);
        let weighting = |w: shoplab_datasets::Weighting| {
            serde_json::to_value(w)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        for r in &records {
            let differ = |what: &str, a: String, b: String| {
                Err(Error::NotComparable(format!(
                    "members '{}' and '{}' differ in {what} ({a} vs {b}): a fusion scores every \
                     shopper with each member under one split and protocol; train the members \
                     with the same --split, --test-fraction, --valid-fraction, --seed, event kinds, \
                     weighting and protocol",
                    first.name, r.name
                )))
            };
            if let Some(d) = crate::ab::difference(first, r) {
                return differ(d.what, d.a, d.b);
            }
            if r.spec.weighting != first.spec.weighting {
                return differ(
                    "the weighting of repeated events",
                    weighting(first.spec.weighting),
                    weighting(r.spec.weighting),
                );
            }
            let (a, b) = (&first.spec.eval, &r.spec.eval);
            if a.cold_shoppers != b.cold_shoppers || a.cold_fallback != b.cold_fallback {
                return differ(
                    "how cold shoppers are ranked",
                    a.cold_shoppers.as_str().to_string(),
                    b.cold_shoppers.as_str().to_string(),
                );
            }
            if a.max_users != b.max_users {
                let n = |x: Option<usize>| x.map_or("all".to_string(), |n| n.to_string());
                return differ("shoppers evaluated", n(a.max_users), n(b.max_users));
            }
            if r.data_fingerprint != current {
                return Err(crate::run::stale_data(r));
            }
            if !crate::recommend::saved::exists(&self.paths.run(&r.id)) {
                return Err(Error::invalid(
                    "run",
                    &r.name,
                    "has no saved model (it was recorded before runs kept their models); train it again",
                ));
            }
        }
        // A member whose split changed since (an older ShopLab's protocol)
        // would be fused under another split than it was evaluated on.
        let parts = split(&log, &first.spec.split)?;
        for r in &records {
            // Their data was checked above, against the project's.
            crate::run::check_split_rule(r, &log, &parts)?;
        }
        let default_name = format!(
            "fusion({})",
            records
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join("+")
        );
        let spec = RunSpec {
            name: Some(name.map_or(default_name, str::to_string)),
            model: ModelSpec::Fusion(params),
            split: first.spec.split.clone(),
            kinds: first.spec.kinds.clone(),
            weighting: first.spec.weighting,
            eval: first.spec.eval.clone(),
            device: shoplab_models::DeviceChoice::Cpu,
        };
        self.run(&spec, progress, cancel)
    }

    /// Refuses comparison `options` that a comparison with `run` (one
    /// challenger) could not use, before slow work that would be wasted:
    /// options out of range, or a metric the run has no per-shopper column for.
    pub fn check_comparison(&self, run: &str, options: &crate::ab::AbOptions) -> Result<()> {
        crate::ab::check_options(options, 1)?;
        let per_user = self.per_user(run)?;
        for m in &options.metrics {
            if per_user.column(m).is_none() {
                return Err(Error::invalid(
                    "metric",
                    m,
                    format!(
                        "run '{run}' has no such per-shopper column; it has {}",
                        per_user.columns.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A fused run against each of its members, paired per shopper: one
    /// A/B report per member (the member as baseline), p-values
    /// Holm-adjusted across the members.
    pub fn fusion_vs_members(
        &self,
        fused: &str,
        options: &crate::ab::AbOptions,
    ) -> Result<Vec<crate::ab::AbReport>> {
        let record = find_run(&self.paths, fused)?;
        let ModelSpec::Fusion(params) = &record.spec.model else {
            return Err(Error::invalid(
                "run",
                &record.name,
                "is not a fusion; compare runs with `shoplab ab`",
            ));
        };
        let mut reports = params
            .members
            .iter()
            .map(|m| self.ab(m, std::slice::from_ref(&record.id), options))
            .collect::<Result<Vec<_>>>()?;
        crate::ab::adjust_across_baselines(&mut reports);
        Ok(reports)
    }

    /// Writes a split as RecBole atomic benchmark files
    /// (`NAME.train.inter`, `NAME.valid.inter`, `NAME.test.inter`), so peers
    /// score exactly the same test interactions. With `dedup`, held-out rows
    /// that repeat an earlier (shopper, item) pair are left out.
    pub fn export_split(
        &self,
        spec: &RunSpec,
        dir: &Path,
        name: &str,
        dedup: bool,
    ) -> Result<SplitExport> {
        let log = self.interactions(&spec.kinds)?;
        let mut parts = split(&log, &spec.split)?;
        let repeated = if dedup {
            parts.dedup()
        } else {
            parts.repeated_pairs()
        };
        let warnings = split_warnings(&spec.split, &repeated, dedup);
        let user_ids = self.store.user_ids()?;
        let item_ids = self.store.item_ids()?;
        std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create folder", dir, e))?;
        let mut files = Vec::new();
        for (part, data) in [
            ("train", &parts.train),
            ("valid", &parts.valid),
            ("test", &parts.test),
        ] {
            let mut text = String::from("user_id:token\titem_id:token\ttimestamp:float\n");
            for e in 0..data.len() {
                use std::fmt::Write as _;
                let _ = writeln!(
                    text,
                    "{}\t{}\t{}",
                    user_ids[data.users[e] as usize], item_ids[data.items[e] as usize], data.ts[e]
                );
            }
            let file = dir.join(format!("{name}.{part}.inter"));
            write_atomic(&file, text.as_bytes())?;
            files.push(file);
        }
        Ok(SplitExport {
            files,
            sizes: [parts.train.len(), parts.valid.len(), parts.test.len()],
            repeated,
            deduplicated: dedup,
            warnings,
        })
    }
}

/// The search index and its autocomplete held open, for a face that answers
/// many searches in a row (the app's search thread); from
/// [`Project::open_search`]. Ranks exactly as [`Project::search`] does; a
/// request for the dense or hybrid ranker loads the encoder and the item
/// vectors on first use (once: reopen after building embeddings).
pub struct OpenSearch {
    rankers: crate::search::Rankers,
    autocomplete: Option<Autocomplete>,
    root: PathBuf,
    encoder_dir: PathBuf,
    dense: std::sync::OnceLock<std::result::Result<crate::search::Rankers, String>>,
}

impl OpenSearch {
    /// Runs one search with the request's ranker.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        if !req.ranker.needs_embeddings() {
            return self.rankers.bm25.search(req);
        }
        let dense = self.dense.get_or_init(|| {
            Project::open_read_only(&self.root)
                .and_then(|p| p.rankers(Some(&self.encoder_dir), crate::search::Fusion::default()))
                .map_err(|e| e.to_string())
        });
        match dense {
            Ok(r) => r.search(req.ranker, req),
            Err(e) => Err(Error::Empty(e.clone())),
        }
    }

    /// Query completions for a prefix (none when the autocomplete file is missing).
    pub fn suggest(&self, prefix: &str, n: usize) -> Vec<Suggestion> {
        self.autocomplete
            .as_ref()
            .map(|a| a.suggest(prefix, n))
            .unwrap_or_default()
    }
}

/// What the faces read and write besides training and search, so that the
/// CLI and the app never reach into the store or the folder layout.
// Full paths instead of `use` lines keep this block self-contained.
impl Project {
    /// Whether `root` holds a project (what [`Project::open`] checks first).
    pub fn is_project(root: &Path) -> bool {
        ProjectPaths::new(root).store().is_file()
    }

    /// Data health: counts, sparsity, cold items and shoppers.
    pub fn stats(&self) -> Result<crate::store::StoreStats> {
        self.store.stats()
    }

    /// Import history, oldest first.
    pub fn imports(&self) -> Result<Vec<crate::store::ImportRecord>> {
        self.store.imports()
    }

    /// Up to `limit` rows an import rejected, in file order.
    pub fn rejected_rows(
        &self,
        import_id: i64,
        limit: usize,
    ) -> Result<Vec<shoplab_datasets::RowError>> {
        self.store.rejected_rows(import_id, limit)
    }

    /// The catalog, by item index.
    pub fn items(&self) -> Result<Vec<Item>> {
        self.store.items()
    }

    /// Shopper ids, by user index.
    pub fn user_ids(&self) -> Result<Vec<String>> {
        self.store.user_ids()
    }

    /// Up to `limit` events of the shopper with the shop's id `user`.
    pub fn shopper_events(
        &self,
        user: &str,
        limit: usize,
    ) -> Result<Vec<crate::store::StoredEvent>> {
        let idx = self.store.user_idx(user)?.ok_or_else(|| Error::NotFound {
            kind: "shopper",
            name: user.to_string(),
            hint: " in this project. Shopper ids are the shop's own ids, as in the events file"
                .into(),
        })?;
        self.store.user_events(idx, limit)
    }

    /// Stored judgments of one query as (item index, grade).
    pub fn judgments_of(&self, query: &str) -> Result<Vec<(u32, f64)>> {
        self.store.judgments_of(query)
    }

    /// Grades item `item` for `query`, or removes its judgment when `grade` is `None`.
    pub fn judge(&self, query: &str, item: u32, grade: Option<f64>) -> Result<()> {
        match grade {
            Some(g) => self.store.set_judgment(query, item, g),
            None => self.store.clear_judgment(query, item).map(|_| ()),
        }
    }

    /// Whether a search index has been built (it may still fail to open if damaged).
    pub fn has_index(&self) -> bool {
        // tantivy writes meta.json last when it commits; SearchIndex::open checks the same file.
        self.paths.index().join("meta.json").is_file()
    }

    /// The folder exported tables and charts go to (`reports/`).
    pub fn reports_dir(&self) -> PathBuf {
        self.paths.reports()
    }

    /// Opens the search index and autocomplete once for many searches.
    pub fn open_search(&self) -> Result<OpenSearch> {
        let index = self.search_index()?;
        let autocomplete = Autocomplete::open(&self.paths.index()).ok();
        Ok(OpenSearch {
            rankers: crate::search::Rankers {
                bm25: index,
                dense: None,
                fusion: crate::search::Fusion::default(),
                reranker: None,
                reranker_error: None,
            },
            root: self.paths.root.clone(),
            encoder_dir: self.encoder_dir(None),
            dense: std::sync::OnceLock::new(),
            autocomplete,
        })
    }
}

#[cfg(test)]
mod facade_tests {
    use super::*;
    use shoplab_datasets::NoProgress;

    #[test]
    fn the_faces_read_and_write_through_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Project::create(&dir.path().join("shop"), "t").unwrap();
        assert!(Project::is_project(&dir.path().join("shop")));
        assert!(!Project::is_project(dir.path()));
        assert!(!p.has_index());
        assert!(p.open_search().is_err());
        assert!(p.reports_dir().is_dir(), "created with the project");
        let catalog = dir.path().join("catalog.csv");
        std::fs::write(
            &catalog,
            "item_id,title,brand,category,price\na,Red shoe,Acme,Shoes,10\nb,Blue boot,Acme,Shoes,12\n",
        )
        .unwrap();
        let cancel = CancelToken::new();
        let (read, import) = (ReadOptions::default(), ImportOptions::default());
        p.import(&catalog, &read, &import, &NoProgress, &cancel)
            .unwrap();
        assert_eq!(p.stats().unwrap().items, 2);
        assert_eq!(p.imports().unwrap().len(), 1);
        assert_eq!(p.items().unwrap()[1].title, "Blue boot");
        p.build_index(&NoProgress, &cancel).unwrap();
        assert!(p.has_index());
        let open = p.open_search().unwrap();
        let req = SearchRequest::new("red");
        let hits: Vec<u32> = open
            .search(&req)
            .unwrap()
            .hits
            .iter()
            .map(|h| h.item)
            .collect();
        let direct: Vec<u32> = p
            .search(&req)
            .unwrap()
            .hits
            .iter()
            .map(|h| h.item)
            .collect();
        assert_eq!((hits, direct), (vec![0], vec![0]));
        p.judge("red shoe", 0, Some(2.0)).unwrap();
        assert_eq!(p.judgments_of("red shoe").unwrap(), [(0, 2.0)]);
        p.judge("red shoe", 0, None).unwrap();
        assert!(p.judgments_of("red shoe").unwrap().is_empty());
        let e = p.shopper_events("nobody", 10).unwrap_err().to_string();
        assert!(e.contains("shopper 'nobody' not found"), "{e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_then_open_and_refuse_twice() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("shop");
        let paths = create_layout(&root, "demo").unwrap();
        assert!(paths.runs().is_dir());
        // No store yet: not a project.
        assert!(matches!(open_layout(&root), Err(Error::NotAProject { .. })));
        std::fs::write(paths.store(), b"").unwrap();
        let (_, s) = open_layout(&root).unwrap();
        assert_eq!(s.name, "demo");
        assert!(create_layout(&root, "again").is_err());
    }

    #[test]
    fn currency_is_a_saved_setting_and_prices_show_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("shop");
        let mut p = Project::create(&root, "shop").unwrap();
        assert_eq!(p.settings.currency, "", "none by default");
        p.set_currency(" € ").unwrap();
        assert_eq!(Project::open(&root).unwrap().settings.currency, "€");
        assert!(p.set_currency("a very long currency").is_err());
        assert_eq!(p.settings.currency, "€", "a refused value changes nothing");
        assert_eq!(format_price(12.5, ""), "12.50");
        assert_eq!(format_price(12.5, "$"), "$12.50");
        assert_eq!(format_price(3.0, "EUR"), "3.00 EUR");
        assert_eq!(format_price(3.0, "元"), "3.00 元");
    }
}
