//! Command-line arguments (clap derive). Each subcommand maps to one engine call.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// ShopLab: search and recommendation experiments for a shop's catalog and events.
#[derive(Debug, Parser)]
#[command(name = "shoplab", version, about, long_about = None)]
pub struct Cli {
    /// Project folder (default: the current folder, or $SHOPLAB_PROJECT).
    #[arg(
        long,
        short = 'p',
        global = true,
        env = "SHOPLAB_PROJECT",
        default_value = "."
    )]
    pub project: PathBuf,
    /// Print results as JSON on stdout (for scripts); progress goes nowhere.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do (none: open the desktop app).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the desktop app (the same as running `shoplab` with no command).
    Gui(GuiArgs),
    /// Create a new project folder, optionally importing files or data-set
    /// folders into it all or nothing (on any failure no project is left).
    New(NewArgs),
    /// Show the project's settings, or change them (e.g. `--currency €`).
    Settings {
        /// Currency shown with prices: a symbol ($, €) goes before them, a
        /// code (EUR) after; an empty value shows plain numbers.
        #[arg(long)]
        currency: Option<String>,
    },
    /// Import a catalog, events, users or judgments file (or a data-set folder).
    Import(ImportArgs),
    /// Show the import log, with rejected rows and their reasons.
    Imports {
        /// Rejected rows to show per import.
        #[arg(long, default_value_t = 10)]
        rejected: usize,
    },
    /// Data health: counts, sparsity, cold users and items.
    Stats,
    /// (Re)build the search index and autocomplete from the catalog.
    Index,
    /// Build or refresh the item embeddings for dense and hybrid search
    /// (only new or changed items are encoded; Ctrl-C keeps what is done).
    Embed(EmbedArgs),
    /// Search the catalog.
    Search(SearchArgs),
    /// Suggest query completions for a prefix.
    Suggest {
        /// What the shopper typed so far.
        prefix: String,
        /// How many suggestions.
        #[arg(short = 'n', long, default_value_t = 8)]
        n: usize,
    },
    /// Evaluate search quality on judgments (stored, or derived from search-then-click events).
    EvalSearch(EvalSearchArgs),
    /// Train the learned search re-ranker on one half of the judged queries
    /// (BM25's and dense search's candidates, ordered by a model of their
    /// scores and which fields hold the query's words), then measure it on
    /// the other half against hybrid and BM25, paired per query.
    TrainReranker(TrainRerankerArgs),
    /// Train a recommender, evaluate it under a recorded protocol, and save the run.
    Train(TrainArgs),
    /// List the models, or one model's parameters with defaults and allowed values.
    Models(ModelsArgs),
    /// Score runs against a synthetic shop's known tastes (its truth.json).
    EvalTruth(EvalTruthArgs),
    /// List runs, or rename one (`shoplab runs rename RUN NEW_NAME`).
    Runs {
        /// What to do with the runs (none: list them).
        #[command(subcommand)]
        action: Option<RunsAction>,
    },
    /// Compare runs side by side (default: all runs).
    Compare(CompareArgs),
    /// A/B test: challengers against a baseline, paired per shopper, with
    /// intervals, p-values (Holm-adjusted), effect sizes, wins/ties/losses,
    /// shopper segments and cost.
    Ab(AbArgs),
    /// Fuse two or more runs into one (CombSUM, CombMNZ, weighted sum or
    /// reciprocal rank fusion; weights tuned on the validation split), then
    /// compare the fusion with each member, paired per shopper.
    Fuse(FuseArgs),
    /// Write a comparison as a folder to hand on: a self-contained HTML
    /// report (charts inline, opens offline), CSV and JSON of every number,
    /// and each run's TREC files.
    Report(ReportArgs),
    /// Show a shopper's history and a run's recommendations for them, ranked as the
    /// run's evaluation ranked them; ✓ marks items the shopper took in the test period.
    /// With --per-user: the run's evaluated shoppers, worst first.
    Recommend(RecommendArgs),
    /// Write a synthetic shop (catalog, users, events, judgments, truth) as files.
    Generate(GenerateArgs),
    /// Export a split as RecBole atomic benchmark files (NAME.train/valid/test.inter).
    ExportSplit(ExportSplitArgs),
    /// Run the whole pipeline on the bundled demo shop and print the comparison.
    Demo(DemoArgs),
    /// Measure import, indexing, search and evaluation speed.
    Bench(BenchArgs),
}

/// `shoplab runs …`
#[derive(Debug, Subcommand)]
pub enum RunsAction {
    /// Give a run a new display name; its id (folder) stays.
    Rename {
        /// The run: id, id prefix or current name.
        run: String,
        /// The new name (not empty).
        new_name: String,
    },
}

/// `shoplab new`
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Folder to create (it may exist if empty or without project files).
    pub dir: PathBuf,
    /// Display name of the shop (default: the folder name).
    #[arg(long)]
    pub name: Option<String>,
    /// Currency shown with prices, e.g. `$`, `€` or `EUR` (default: none, plain numbers).
    #[arg(long)]
    pub currency: Option<String>,
    /// Files or data-set folders to import (default options), in order. The
    /// project is built aside and appears only if every one imports; files
    /// ShopLab does not recognise (a README, Instacart's aisles.csv given
    /// alone) are skipped and named.
    #[arg(long = "import", value_name = "PATH")]
    pub import: Vec<PathBuf>,
}

/// `shoplab import`
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// File or data-set folder to import.
    pub path: PathBuf,
    /// Format (auto, catalog, events, users, judgments, movielens100k, movielens1m, movielens_csv,
    /// recbole, retailrocket, wands, esci, homedepot, instacart).
    #[arg(long, default_value = "auto")]
    pub format: String,
    /// Column separator (default: detected).
    #[arg(long)]
    pub delimiter: Option<char>,
    /// Text encoding, e.g. utf-8 or windows-1252 (default: detected).
    #[arg(long)]
    pub encoding: Option<String>,
    /// Map a field to a column, e.g. `--map item_id=sku` (repeatable).
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    pub mapping: Vec<String>,
    /// strftime format of the timestamp column (default: detected).
    #[arg(long)]
    pub timestamp_format: Option<String>,
    /// Event kind for files without an event column.
    #[arg(long)]
    pub kind: Option<String>,
    /// Stop at the first rejected row and import nothing.
    #[arg(long)]
    pub strict: bool,
    /// Accept events and judgments naming items that are not in the catalog.
    #[arg(long)]
    pub allow_new_items: bool,
    /// Show the detected format, mapping and first rows without importing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Where the sentence encoder is and how rankers are fused.
#[derive(Debug, Args, Clone, Default)]
pub struct RankerArgs {
    /// Ranker: bm25 (keywords), dense (meaning: sentence vectors), hybrid
    /// (both fused) or learned (both's candidates re-ranked by the model of
    /// `shoplab train-reranker`); all but bm25 need `shoplab embed` first.
    #[arg(long, default_value = "bm25")]
    pub ranker: String,
    /// How hybrid fuses BM25 and dense: weighted[:ALPHA] (min-max normalised
    /// scores, ALPHA = dense weight, default 0.3) or rrf[:K] (reciprocal rank
    /// fusion, K = 60).
    #[arg(long, default_value = "weighted")]
    pub fusion: String,
    /// Folder of the sentence encoder (config.json, tokenizer.json,
    /// model.safetensors). Default: $SHOPLAB_MINILM, else the project's
    /// `encoder` setting, else ~/.cache/shoplab-data/all-MiniLM-L6-v2.
    #[arg(long, value_name = "DIR")]
    pub encoder: Option<PathBuf>,
}

/// `shoplab embed`
#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// Folder of the sentence encoder (default: $SHOPLAB_MINILM, else the
    /// project's `encoder` setting, else ~/.cache/shoplab-data/all-MiniLM-L6-v2).
    #[arg(long, value_name = "DIR")]
    pub encoder: Option<PathBuf>,
}

/// `shoplab search`
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Query text.
    pub query: String,
    /// How many results.
    #[arg(short = 'k', long, default_value_t = 10)]
    pub k: usize,
    /// Only items in this category (path prefix, e.g. "Home > Kitchen").
    #[arg(long)]
    pub category: Option<String>,
    /// Only items of this brand.
    #[arg(long)]
    pub brand: Option<String>,
    /// Lowest price.
    #[arg(long)]
    pub min_price: Option<f64>,
    /// Highest price.
    #[arg(long)]
    pub max_price: Option<f64>,
    /// Explain each result's score: per term and field, its boost, term
    /// frequency, idf and BM25 contribution (with --json, as data).
    #[arg(long)]
    pub explain: bool,
    /// Match the last word as the start of words too ("shi" finds shirts),
    /// as the app does while you type; without it, the words exactly.
    #[arg(long)]
    pub prefix: bool,
    /// Field boosts, e.g. `--weight title=3 --weight brand=1.5`.
    #[arg(long = "weight", value_name = "FIELD=BOOST")]
    pub weights: Vec<String>,
    /// Ranker, fusion and encoder.
    #[command(flatten)]
    pub rank: RankerArgs,
}

/// `shoplab eval-search`
#[derive(Debug, Args)]
pub struct EvalSearchArgs {
    /// Judge with relevance derived from search-then-click/cart/purchase events
    /// instead of the stored judgments.
    #[arg(long)]
    pub derived: bool,
    /// Cut-offs.
    #[arg(long, value_delimiter = ',', default_value = "1,5,10")]
    pub k: Vec<usize>,
    /// Field boosts, e.g. `--weight title=3` (repeatable).
    #[arg(long = "weight", value_name = "FIELD=BOOST")]
    pub weights: Vec<String>,
    /// Search a grid of field boosts and report the best.
    #[arg(long)]
    pub tune: bool,
    /// Lowest grade that counts as relevant (inclusive; 0 = any grade above 0).
    #[arg(long, default_value_t = 1.0, value_name = "GRADE")]
    pub min_grade: f64,
    /// NDCG gain of a relevant item: floor (whole part of the grade, as
    /// trec_eval reads fractional grades), grade (fractions kept) or binary.
    #[arg(long, default_value = "floor", value_name = "MAPPING")]
    pub gain: String,
    /// Also write the evaluation as TREC run, qrels and scores files (for
    /// trec_eval / pytrec_eval) into DIR, or without DIR into the project's
    /// reports/search-eval-<time>/.
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    pub trec: Option<Option<PathBuf>>,
    /// Ranker, fusion and encoder.
    #[command(flatten)]
    pub rank: RankerArgs,
    /// Which queries: all, or a fixed random half (tune, held) to choose
    /// settings on one half and report the other.
    #[arg(long, default_value = "all")]
    pub queries: String,
    /// Also evaluate this ranker on the same queries and test the per-query
    /// NDCG difference (bootstrap 95% interval, randomisation p-value).
    #[arg(long, value_name = "RANKER")]
    pub paired_with: Option<String>,
    /// Try RRF and weighted fusion with alpha 0, 0.1, ..., 1 for hybrid
    /// and report NDCG at the largest cut-off of each, best first.
    #[arg(long)]
    pub tune_fusion: bool,
}

/// `shoplab train-reranker`
#[derive(Debug, Args)]
pub struct TrainRerankerArgs {
    /// Learn from relevance derived from search-then-click/cart/purchase
    /// events instead of the stored judgments.
    #[arg(long)]
    pub derived: bool,
    /// The half of the judged queries to learn from (tune or held); the
    /// other half is the one it is measured on.
    #[arg(long, default_value = "tune")]
    pub queries: String,
    /// Lowest grade that counts as relevant (as in eval-search).
    #[arg(long, default_value_t = 1.0, value_name = "GRADE")]
    pub min_grade: f64,
    /// Gain of a relevant item: floor, grade or binary (as in eval-search).
    #[arg(long, default_value = "floor", value_name = "MAPPING")]
    pub gain: String,
    /// Field boosts of BM25's candidates, e.g. `--weight title=3` (repeatable).
    #[arg(long = "weight", value_name = "FIELD=BOOST")]
    pub weights: Vec<String>,
    /// Candidates taken from each of BM25 and dense search.
    #[arg(long, default_value_t = 100)]
    pub depth: usize,
    /// Unjudged candidates per query paired with the judged ones.
    #[arg(long, default_value_t = 30)]
    pub negatives: usize,
    /// L2 penalty on the model's weights.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub l2: f64,
    /// Seed of the choice of unjudged candidates.
    #[arg(long, default_value_t = 2020)]
    pub seed: u64,
    /// Folder of the sentence encoder (default as for `embed`).
    #[arg(long, value_name = "DIR")]
    pub encoder: Option<PathBuf>,
}

/// `shoplab train`
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Model: popularity, item_knn, user_knn, ease, co_purchase, content, or
    /// `all` (the baselines); learned: bpr, neumf, ials, two_tower, gru4rec,
    /// sasrec (parameters: `shoplab models NAME`). Recent popularity:
    /// `popularity --param window_days=7`.
    pub model: String,
    /// Model parameter, e.g. `--param neighbours=50` (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// How events are split.
    #[command(flatten)]
    pub split: SplitArgs,
    /// Cut-offs for metrics.
    #[arg(long, value_delimiter = ',', default_value = "5,10,20")]
    pub k: Vec<usize>,
    /// Event kinds that count as interactions (default: all but search).
    #[arg(long, value_delimiter = ',')]
    pub kinds: Vec<String>,
    /// How repeated interactions count: binary, count, kind_weighted, value.
    #[arg(long, default_value = "binary")]
    pub weighting: String,
    /// Score against N sampled negatives instead of the full catalog (labelled "sampled").
    #[arg(long)]
    pub sampled: Option<usize>,
    /// Shoppers with no training events: `apart` (ranked by popularity, reported
    /// apart, out of the means), `fallback` (ranked by popularity, in the means)
    /// or `model` (ranked by the model itself, as runs before this option).
    #[arg(long, default_value = "apart")]
    pub cold: String,
    /// Order of tied scores: `popularity` (more training shoppers first) or `item_index`.
    #[arg(long, default_value = "popularity")]
    pub tie_break: String,
    /// Repeat protocol for buy-again shops: training items stay candidates and
    /// count as hits when the shopper comes back to them.
    #[arg(long)]
    pub repeat: bool,
    /// Display name of the run.
    #[arg(long)]
    pub name: Option<String>,
    /// Where learned models train: auto (a GPU when this build has one, else
    /// the CPU), cpu, cuda, cuda:N or metal.
    #[arg(long, default_value = "auto")]
    pub device: String,
    /// Read the whole run spec from a JSON file (the flags above are ignored,
    /// with a note naming them; `--name` still names the run).
    #[arg(long)]
    pub spec: Option<PathBuf>,
}

/// `shoplab models`
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// A model name, e.g. `bpr`: list its parameters.
    pub model: Option<String>,
}

/// `shoplab eval-truth`
#[derive(Debug, Args)]
pub struct EvalTruthArgs {
    /// The truth.json written by `shoplab generate` (or the demo's data/truth.json).
    pub truth: PathBuf,
    /// Runs (ids, prefixes or names); default: all.
    #[arg(long = "run")]
    pub runs: Vec<String>,
    /// Cut-off K.
    #[arg(short = 'k', long, default_value_t = 10)]
    pub k: usize,
}

/// How to split events into train / validation / test (shared by commands).
#[derive(Debug, Args)]
pub struct SplitArgs {
    /// Split: temporal, leave_last_out or random.
    #[arg(long = "split", default_value = "temporal")]
    pub method: String,
    /// Fraction of events (temporal, random) held out for test.
    #[arg(long)]
    pub test_fraction: Option<f64>,
    /// Fraction of the training part held out for validation (leave_last_out:
    /// any value above 0 holds out each shopper's n interactions before the test ones).
    #[arg(long)]
    pub valid_fraction: Option<f64>,
    /// Random seed of the split.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// `shoplab compare`
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Runs (ids, id prefixes or names); default: all.
    pub runs: Vec<String>,
    /// Columns, e.g. `recall@10,ndcg@10,auc,coverage,p95_us`.
    #[arg(long, value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Also write the table and the four charts (metric@K, bars, latency
    /// CDF, quality vs latency) into this folder, each as PNG, SVG and CSV.
    #[arg(long, value_name = "DIR")]
    pub export: Option<std::path::PathBuf>,
    /// What the bar and scatter charts plot, e.g. `ndcg@10` or `auc`
    /// (default: the first metric among the columns, else ndcg@10); the
    /// metric@K chart draws its metric over every K.
    #[arg(long, requires = "export")]
    pub measure: Option<String>,
}

/// `shoplab ab`
#[derive(Debug, Args)]
pub struct AbArgs {
    /// The baseline run (id, id prefix or name).
    pub baseline: String,
    /// One or more challenger runs.
    #[arg(required = true)]
    pub challengers: Vec<String>,
    /// Per-shopper metrics to pair (default `ndcg@10,recall@10`).
    #[arg(long, value_delimiter = ',')]
    pub metrics: Vec<String>,
    /// Bootstrap resamples and random sign flips (default 10000 each; at
    /// least 1000).
    #[arg(long)]
    pub resamples: Option<usize>,
    /// Significance level of the verdicts, after Holm (default 0.05).
    #[arg(long, allow_negative_numbers = true)]
    pub alpha: Option<f64>,
    /// Seed of the bootstrap and the randomisation test (default 42).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// `shoplab report`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The comparison: a baseline and its challengers, as `shoplab ab` takes them.
    #[command(flatten)]
    pub ab: AbArgs,
    /// The folder to create (default: the project's reports folder,
    /// `report-<time>`); it must not exist yet.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `shoplab fuse`
#[derive(Debug, Args)]
pub struct FuseArgs {
    /// The member runs (ids, id prefixes or names), two or more, trained on
    /// the same split with its saved model.
    #[arg(required = true, num_args = 2..)]
    pub members: Vec<String>,
    /// comb_sum, comb_mnz, weighted, rrf or stacking (default weighted).
    #[arg(long)]
    pub method: Option<String>,
    /// How each member's scores are scaled: min_max, z_score or rank
    /// (default min_max; rrf reads ranks).
    #[arg(long)]
    pub normalise: Option<String>,
    /// One weight per member, comma-separated, for `weighted` (default:
    /// tuned on validation) and `rrf` (default: equal); `comb_sum` and
    /// `comb_mnz` weigh members equally.
    #[arg(long, value_delimiter = ',')]
    pub weights: Vec<f64>,
    /// Weight search on the validation split: none, grid, random or tpe
    /// (default grid for `weighted` without weights, else none).
    #[arg(long)]
    pub tuning: Option<String>,
    /// Weight vectors tried by random and tpe (default 60).
    #[arg(long)]
    pub trials: Option<usize>,
    /// Step of the grid search (default 0.1).
    #[arg(long)]
    pub grid_step: Option<f64>,
    /// CombMNZ's list depth and each member's candidates per shopper in
    /// the tuning (default 100).
    #[arg(long)]
    pub depth: Option<usize>,
    /// RRF's constant k (default 60).
    #[arg(long)]
    pub rrf_k: Option<f64>,
    /// Stacking: the meta-model's L2 penalty (default 1).
    #[arg(long)]
    pub l2: Option<f64>,
    /// Seed of the random and TPE searches (default 2020).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Display name of the fused run (default `fusion(A+B)`).
    #[arg(long)]
    pub name: Option<String>,
    /// Per-shopper metrics of the comparison (default `ndcg@10,recall@10`).
    #[arg(long, value_delimiter = ',')]
    pub metrics: Vec<String>,
    /// Bootstrap resamples and sign flips of the comparison (default 10000).
    #[arg(long)]
    pub resamples: Option<usize>,
}

/// `shoplab recommend`
#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// The shopper's id.
    #[arg(long, required_unless_present = "per_user")]
    pub user: Option<String>,
    /// Instead of one shopper's list: the run's evaluated shoppers with
    /// their metric values (its per_user.csv), worst first by `--by`.
    #[arg(long, conflicts_with = "user")]
    pub per_user: bool,
    /// With `--per-user`: the metric to sort by, e.g. `ndcg@10`, `recall@20`, `auc`.
    #[arg(long, default_value = "ndcg@10", requires = "per_user")]
    pub by: String,
    /// Run whose model to use (id, prefix or name); default: the latest run.
    #[arg(long)]
    pub run: Option<String>,
    /// How many recommendations.
    #[arg(short = 'k', long, default_value_t = 10)]
    pub k: usize,
}

/// `shoplab generate`
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Output folder.
    pub out: PathBuf,
    /// Preset: demo, ml1m (MovieLens-1M-sized), or a number of events.
    #[arg(long, default_value = "demo")]
    pub size: String,
    /// Random seed.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// `shoplab export-split`
#[derive(Debug, Args)]
pub struct ExportSplitArgs {
    /// Output folder.
    pub out: PathBuf,
    /// Data set name used in file names (NAME.train.inter ...).
    #[arg(long, default_value = "shoplab")]
    pub name: String,
    /// How events are split.
    #[command(flatten)]
    pub split: SplitArgs,
    /// Leave out validation and test rows that repeat an earlier (shopper, item) pair.
    #[arg(long)]
    pub dedup: bool,
}

/// `shoplab demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to create the demo project (replaced if it is an earlier demo).
    #[arg(long, default_value = "shoplab-demo")]
    pub dir: PathBuf,
}

/// `shoplab gui`
#[derive(Debug, Args, Default)]
pub struct GuiArgs {
    /// Project folder to open (default: the one given with -p, else the last one opened).
    pub dir: Option<PathBuf>,
    /// Build and open the demo shop.
    #[arg(long)]
    pub demo: bool,
    /// View to show first: start, data, search, train, compare, recommend or learn.
    #[arg(long)]
    pub view: Option<String>,
    /// Query to put in the Search view's box.
    #[arg(long)]
    pub query: Option<String>,
    /// Interface language: en or zh.
    #[arg(long)]
    pub lang: Option<String>,
    /// Ignore remembered settings and do not save them (for screenshots and tests).
    #[arg(long)]
    pub fresh: bool,
    /// Responsiveness benchmark: visit every view, then write frame times to this JSON file and quit.
    #[arg(long, value_name = "FILE")]
    pub tour: Option<PathBuf>,
}

/// `shoplab bench`
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// What to measure: import, index, search, eval, all (those four),
    /// gpu (the GPU check: learned models on GPU and CPU, score parity), or
    /// ab (an A/B comparison of five runs on ML-1M-sized data).
    #[arg(default_value = "all")]
    pub what: String,
    /// Events for the import benchmark.
    #[arg(long, default_value_t = 10_000_000)]
    pub events: u64,
    /// Products for the index and search benchmarks.
    #[arg(long, default_value_t = 100_000)]
    pub items: usize,
    /// Scratch folder (default: a temporary folder, removed afterwards).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}
