//! Runs: one recommender trained and evaluated under a recorded protocol.
//!
//! A run folder holds everything needed to reproduce and re-check it:
//! ```text
//! runs/<id>/run.json       RunRecord: spec, seed, data fingerprint, versions, timings, summary
//! runs/<id>/metrics.json   the full evaluation report without per-user rows
//! runs/<id>/per_user.csv   per-user metric values (for paired significance tests)
//! runs/<id>/run.trec       top-K lists in TREC run format (qid Q0 docid rank rank_score tag)
//! runs/<id>/run.scores.tsv the models' raw scores of those lists (see `trec`)
//! runs/<id>/qrels.trec     the test items in TREC qrels format (qid 0 docid grade)
//! runs/<id>/per_user_cold.csv, cold.trec, cold.scores.tsv, cold_qrels.trec
//!                          the same for cold shoppers reported apart (ranked by the fallback)
//! runs/<id>/model.safetensors, model.json
//!                          the fitted model (see `recommend::saved`), served by
//!                          `recommend` and the app without refitting
//! ```
//! `per_user.csv` and `run.trec` hold exactly the shoppers in the means, so
//! any TREC tool's mean equals the recorded one.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use shoplab_datasets::{CancelToken, EventKind, Interactions, Progress, Recommender, Weighting};

use crate::error::{Error, Result};
use crate::evaluate::{ColdShoppers, EvalOptions, EvalReport, UserResult, evaluate};
use crate::metrics::MetricSet;
use crate::project::{ProjectPaths, read_json, write_atomic, write_json_atomic};
use crate::recommend::ModelSpec;
use crate::recommend::fusion::FusionReport;
use crate::recommend::saved::{self, SavedModel};
use crate::split::{Split, SplitSpec, split};
use crate::trec::{self, TrecWriter};
use shoplab_models::{DeviceChoice, TrainReport};

/// Everything that defines a run. The same struct drives the CLI, the GUI and saved runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunSpec {
    /// Optional display name (defaults to the model name).
    pub name: Option<String>,
    /// The model and its parameters.
    pub model: ModelSpec,
    /// How events are split into train / validation / test.
    pub split: SplitSpec,
    /// Which event kinds count as interactions (default: all item events but searches).
    pub kinds: Vec<EventKind>,
    /// How repeated interactions become matrix values: the matrix the
    /// item-kNN, user-kNN and EASE fits read, and the history weights at
    /// scoring time (popularity and co-purchase count shoppers, whatever it says).
    pub weighting: Weighting,
    /// Evaluation protocol.
    pub eval: EvalOptions,
    /// Where learned models train: `auto` (a GPU when this build has one
    /// that works, else the CPU, said in one line), `cpu`, `cuda[:N]`, `metal`.
    /// Baselines always run on the CPU.
    pub device: DeviceChoice,
}

impl Default for RunSpec {
    fn default() -> Self {
        RunSpec {
            name: None,
            model: ModelSpec::default(),
            split: SplitSpec::default(),
            kinds: default_kinds(),
            weighting: Weighting::Binary,
            eval: EvalOptions::default(),
            device: DeviceChoice::default(),
        }
    }
}

impl RunSpec {
    /// Reads a spec file a user wrote: an unknown key anywhere (a misspelt
    /// `test_fration` would silently keep its default) is refused with the
    /// keys allowed there, and evaluation options left out take today's
    /// defaults, as the CLI flags do (a saved run's missing options instead
    /// read as what runs before them did). A run folder's `run.json` gives
    /// the spec it recorded, read as that run was.
    pub fn from_user_json(text: &str) -> Result<RunSpec> {
        let bad_json = |e: serde_json::Error| Error::invalid("run spec", "JSON", e.to_string());
        let mut given: serde_json::Value = serde_json::from_str(text).map_err(bad_json)?;
        // A run folder's run.json: train again with the spec it recorded,
        // read as that run was (its missing options are what it used).
        if given.get("id").is_some()
            && let Some(spec) = given.get("spec").filter(|s| s.is_object())
        {
            return serde_json::from_value(spec.clone()).map_err(bad_json);
        }
        if let Some(eval) = given.get_mut("eval").and_then(|e| e.as_object_mut()) {
            let today = serde_json::to_value(EvalOptions::default()).map_err(bad_json)?;
            if let serde_json::Value::Object(today) = today {
                for (key, value) in today {
                    eval.entry(key).or_insert(value);
                }
            }
        }
        let spec: RunSpec = serde_json::from_value(given.clone()).map_err(bad_json)?;
        let known = serde_json::to_value(&spec).map_err(bad_json)?;
        unknown_key(&given, &known, "").map_or(Ok(spec), |(path, allowed)| {
            Err(Error::invalid(
                "run spec key",
                path,
                format!("unknown; allowed here: {allowed}"),
            ))
        })
    }
}

/// The first key of `given` (a user's JSON) that `known` (the parsed value
/// written back) lacks, with its path and the keys allowed beside it.
fn unknown_key(
    given: &serde_json::Value,
    known: &serde_json::Value,
    path: &str,
) -> Option<(String, String)> {
    let (serde_json::Value::Object(given), serde_json::Value::Object(known)) = (given, known)
    else {
        return None;
    };
    for (key, value) in given {
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        match known.get(key) {
            None => {
                let allowed: Vec<&str> = known.keys().map(String::as_str).collect();
                return Some((here, allowed.join(", ")));
            }
            Some(k) => {
                if let Some(found) = unknown_key(value, k, &here) {
                    return Some(found);
                }
            }
        }
    }
    None
}

/// Event kinds that count as interactions unless a run says otherwise.
pub fn default_kinds() -> Vec<EventKind> {
    vec![
        EventKind::View,
        EventKind::Click,
        EventKind::Cart,
        EventKind::Purchase,
        EventKind::Rating,
    ]
}

/// What a finished run records about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunRecord {
    /// Folder name under `runs/`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Model name (e.g. `ease`).
    pub model: String,
    /// UTC time the run started, RFC 3339.
    pub created_at: String,
    /// The full spec (with the seed inside its split).
    pub spec: RunSpec,
    /// Hash of the interactions the run saw (users, items, times, kinds).
    pub data_fingerprint: String,
    /// ShopLab version that made the run.
    pub code_version: String,
    /// Device used for training.
    pub device: String,
    /// Worker threads used.
    pub threads: usize,
    /// Events in train / validation / test.
    pub n_train: usize,
    /// Validation events.
    pub n_valid: usize,
    /// Test events.
    pub n_test: usize,
    /// Hash of the three parts (see [`split_fingerprint`]), so a run whose
    /// split, recomputed from its spec, is no longer the one it was evaluated
    /// on is refused; absent in runs made before 2026-12-02.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_fingerprint: Option<String>,
    /// Seconds spent fitting the model.
    pub train_seconds: f64,
    /// Seconds spent evaluating.
    pub eval_seconds: f64,
    /// Mean metrics per cut-off K (same order as `spec.eval.ks`).
    pub metrics: Vec<MetricsAtK>,
    /// Mean per-user AUC.
    pub auc: f64,
    /// Beyond-accuracy and cost figures.
    pub summary: RunSummary,
    /// How a learned model's training went (loss and validation curves,
    /// best epoch, early stop, resume); `None` for baselines.
    pub training: Option<TrainReport>,
    /// How a fusion's weights were chosen (members, search, validation
    /// figures); `None` for other models.
    pub fusion: Option<FusionReport>,
}

impl Default for RunRecord {
    fn default() -> Self {
        RunRecord {
            id: String::new(),
            name: String::new(),
            model: String::new(),
            created_at: String::new(),
            spec: RunSpec::default(),
            data_fingerprint: String::new(),
            code_version: code_version(),
            device: "cpu".into(),
            threads: 1,
            n_train: 0,
            n_valid: 0,
            n_test: 0,
            split_fingerprint: None,
            train_seconds: 0.0,
            eval_seconds: 0.0,
            metrics: Vec::new(),
            auc: 0.0,
            summary: RunSummary::default(),
            training: None,
            fusion: None,
        }
    }
}

/// Mean metrics at one cut-off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricsAtK {
    /// The cut-off.
    pub k: usize,
    /// Means over evaluated users.
    #[serde(flatten)]
    pub values: MetricSet,
}

/// Beyond-accuracy and cost figures of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunSummary {
    /// Users with test items that were evaluated.
    pub users_evaluated: usize,
    /// Users left out (no test items).
    pub users_skipped: usize,
    /// Shoppers with test items but no training events ("cold").
    pub users_cold: usize,
    /// What the run did with them: `apart` (reported apart, out of the
    /// means), `fallback` (in the means, ranked by the fallback) or `model`.
    pub cold_protocol: String,
    /// The model that ranked cold shoppers (e.g. `popularity`).
    pub cold_scored_by: String,
    /// Cold shoppers' mean metrics per K (same order as `spec.eval.ks`).
    pub cold_metrics: Vec<MetricsAtK>,
    /// Cold shoppers whose metrics rest partly on the tie rule (in the
    /// means or reported apart, as `cold_protocol` says).
    pub cold_users_tie_decided: usize,
    /// Warm shoppers in the means whose model scores were all equal (their
    /// lists are the tie-break's).
    pub users_no_signal: usize,
    /// Warm shoppers in the means whose metrics rest partly on the tie rule
    /// (a test item tied in score with a non-test candidate where order counts).
    pub users_tie_decided: usize,
    /// Order of tied scores (`popularity` or `item_index`).
    pub tie_break: String,
    /// Distinct (shopper, item) pairs in the test part.
    pub test_pairs: usize,
    /// Test pairs the shopper already had in training.
    pub test_pairs_seen_in_train: usize,
    /// `test_pairs_seen_in_train / test_pairs` (0 without test pairs).
    pub repeat_share: f64,
    /// Test pairs whose item had no training events.
    pub test_pairs_new_item: usize,
    /// Recall of those new items at each K (order of `spec.eval.ks`) over
    /// the shoppers in the means; empty when there were none.
    pub new_item_recall: Vec<f64>,
    /// Distinct recommended items / catalog size, at the largest K.
    pub coverage: f64,
    /// Intra-list diversity at the largest K (None without item categories).
    pub diversity: Option<f64>,
    /// Mean self-information of recommended items, in bits.
    pub novelty: f64,
    /// Average popularity of recommended items (ARP).
    pub popularity_bias: f64,
    /// Per-request latency percentiles in microseconds.
    pub latency_p50_us: f64,
    /// 95th percentile latency.
    pub latency_p95_us: f64,
    /// 99th percentile latency.
    pub latency_p99_us: f64,
    /// Latency percentiles 0..=100 in microseconds (for CDF charts; empty in
    /// runs recorded before they were kept).
    pub latency_quantiles_us: Vec<f64>,
    /// Users scored per second.
    pub throughput_users_per_s: f64,
    /// Model size in bytes.
    pub model_bytes: usize,
    /// "full ranking" or "sampled (N negatives)".
    pub protocol: String,
}

/// ShopLab version string recorded in runs.
pub fn code_version() -> String {
    format!("shoplab {}", env!("CARGO_PKG_VERSION"))
}

/// Hash of the interaction log (xxh3-128 over users, items, times and
/// kinds, as the store fingerprints files): equal logs, equal fingerprints,
/// on any machine and release.
pub fn fingerprint(log: &Interactions) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&log.n_users.to_le_bytes());
    h.update(&log.n_items.to_le_bytes());
    for i in 0..log.len() {
        h.update(&log.users[i].to_le_bytes());
        h.update(&log.items[i].to_le_bytes());
        h.update(&log.ts[i].to_le_bytes());
        h.update(&[log.kinds[i].code()]);
    }
    format!("xxh3-128:{:032x}", h.digest128())
}

/// What decides a learned model's trained weights, hashed: the model spec,
/// weighting, split, kinds and the training events. Equal keys, equal
/// training, so a checkpoint under this key can be resumed.
pub fn resume_key(spec: &RunSpec, train: &Interactions) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let decisive = serde_json::json!({
        "model": spec.model,
        "weighting": spec.weighting,
        "split": spec.split,
        "kinds": spec.kinds,
    });
    h.update(decisive.to_string().as_bytes());
    h.update(fingerprint(train).as_bytes());
    format!("{}-{:032x}", spec.model.name(), h.digest128())
}

/// Hash of a split's three parts (each part's events, in order).
pub fn split_fingerprint(split: &Split) -> String {
    [&split.train, &split.valid, &split.test]
        .map(fingerprint)
        .join("/")
}

/// Refuses a run whose split, recomputed from its spec on `log`, is not the
/// one it was evaluated on: a protocol changed since, so its held-out items
/// and lists would silently disagree with its metrics. Runs record a hash of
/// their parts; older ones (before 2026-12-02) are checked by their part
/// sizes and, for leave-last-out, which then held out every event of a
/// shopper's last distinct item, against that rule: they pass only where it
/// gives the same parts as today's (no repeats or same-second ties).
pub(crate) fn check_same_split(
    record: &RunRecord,
    log: &Interactions,
    split: &Split,
) -> Result<()> {
    // Changed data is the likelier cause, and the one the user can act on.
    if !record.data_fingerprint.is_empty() && record.data_fingerprint != fingerprint(log) {
        return Err(stale_data(record));
    }
    check_split_rule(record, log, split)
}

/// [`check_same_split`] once the data is known to be the run's.
pub(crate) fn check_split_rule(
    record: &RunRecord,
    log: &Interactions,
    split: &Split,
) -> Result<()> {
    let then = (record.n_train, record.n_valid, record.n_test);
    let now = (split.train.len(), split.valid.len(), split.test.len());
    let same = match &record.split_fingerprint {
        Some(fp) => *fp == split_fingerprint(split),
        None if then == (0, 0, 0) => true,
        None => {
            then == now
                && (!matches!(record.spec.split, SplitSpec::LeaveLastOut { .. })
                    || crate::split::split_before_2026_12_02(log, &record.spec.split)? == *split)
        }
    };
    if same {
        return Ok(());
    }
    Err(Error::invalid(
        "run",
        &record.id,
        format!(
            "its split ({}) recomputed now from the same events is not the one it was \
             evaluated on ({} / {} / {} training / validation / test events then, {} / {} / {} \
             now): it was made by an earlier ShopLab, whose split rule differs (until \
             2026-12-02 leave-last-out held out every event of a shopper's last distinct item; \
             now the latest interaction); train it again",
            record.spec.split, then.0, then.1, then.2, now.0, now.1, now.2
        ),
    ))
}

/// The refusal for a run whose project's events or catalog changed since it
/// was trained: its shopper and item numbers, split and metrics describe
/// other data, so serving, comparing or fusing it would mislead.
pub(crate) fn stale_data(record: &RunRecord) -> Error {
    Error::invalid(
        "run",
        &record.id,
        "the project's events or catalog changed since this run was trained, so its model, \
         split and metrics describe other data; train it again",
    )
}

/// Inputs a run needs from the project besides its spec.
pub struct RunInputs<'a> {
    /// All interactions of the chosen kinds.
    pub log: &'a Interactions,
    /// External user ids, by user index (for per-user files and TREC export).
    pub user_ids: &'a [String],
    /// External item ids, by item index.
    pub item_ids: &'a [String],
    /// Category id per item, for intra-list diversity.
    pub item_categories: Option<&'a [u32]>,
}

/// A fitted model plus the split it was fitted on.
pub struct Fitted {
    /// The trained model.
    pub model: Box<dyn Recommender>,
    /// The split used.
    pub split: Split,
    /// Seconds spent fitting.
    pub train_seconds: f64,
    /// A learned model's training report.
    pub training: Option<TrainReport>,
    /// A fusion's tuning report.
    pub fusion: Option<FusionReport>,
}

/// What fitting a run's model gives back.
pub struct Trained {
    /// The model.
    pub model: Box<dyn Recommender>,
    /// A learned model's training report.
    pub training: Option<TrainReport>,
    /// A fusion's tuning report.
    pub fusion: Option<FusionReport>,
}

impl From<Box<dyn Recommender>> for Trained {
    fn from(model: Box<dyn Recommender>) -> Self {
        Trained {
            model,
            training: None,
            fusion: None,
        }
    }
}

/// Fits a run's model on a split's training part (the project supplies one
/// that can also fit models needing its search index, a validation split
/// or a checkpoint folder).
pub type FitModel<'a> =
    dyn Fn(&RunSpec, &Split, &dyn Progress, &CancelToken) -> Result<Trained> + 'a;

/// Splits the log and fits the spec's model on the training part.
pub fn fit(
    spec: &RunSpec,
    log: &Interactions,
    fit_model: &FitModel<'_>,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<Fitted> {
    // Bad cut-offs or sampling are refused before minutes of training.
    spec.eval.validate()?;
    if let Some(n) = spec.eval.sampled_negatives
        && n >= log.n_items as usize
    {
        // Every other item would be drawn: full ranking labelled "sampled".
        return Err(Error::invalid(
            "sampled_negatives",
            n,
            format!(
                "the catalog has only {} items, so that many negatives is the whole catalog; leave it out for full ranking",
                log.n_items
            ),
        ));
    }
    let started = Instant::now();
    let split = split(log, &spec.split)?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "run: split");
    if split.train.is_empty() {
        return Err(Error::Empty(
            "the training split is empty: import events first, or lower the test fraction".into(),
        ));
    }
    progress.stage(&format!("train {}", spec.model.name()), None);
    let start = Instant::now();
    let trained = fit_model(spec, &split, progress, cancel)?;
    let train_seconds = start.elapsed().as_secs_f64();
    progress.finish_stage();
    Ok(Fitted {
        model: trained.model,
        split,
        train_seconds,
        training: trained.training,
        fusion: trained.fusion,
    })
}

/// Evaluates a fitted model and writes the run folder. Returns the record.
pub fn evaluate_and_record(
    paths: &ProjectPaths,
    spec: &RunSpec,
    inputs: &RunInputs<'_>,
    fitted: &Fitted,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<RunRecord> {
    let created_at = chrono::Utc::now();
    // Test-time history: training and validation events (see `Split::history`).
    let history = fitted.split.history();
    let train_matrix = history.to_matrix(spec.weighting);
    let trained = fitted.split.trained_shoppers();
    let start = Instant::now();
    let fallback = cold_fallback(spec, fitted, cancel)?;
    let report = evaluate(
        fitted.model.as_ref(),
        fallback.as_deref(),
        &train_matrix,
        Some(&history.sequences()),
        Some(&trained),
        &fitted.split.test,
        &spec.eval,
        progress,
        cancel,
        inputs.item_categories,
    )?;
    let eval_seconds = start.elapsed().as_secs_f64();
    tracing::info!(seconds = eval_seconds, "run: evaluated");
    let model_name = fitted.model.name().to_string();
    let record = RunRecord {
        id: new_run_id(
            paths,
            &created_at,
            spec.name.as_deref().unwrap_or(&model_name),
        ),
        name: spec.name.clone().unwrap_or_else(|| model_name.clone()),
        model: model_name,
        created_at: created_at.to_rfc3339(),
        spec: spec.clone(),
        data_fingerprint: fingerprint(inputs.log),
        code_version: code_version(),
        device: fitted.model.device(),
        threads: rayon::current_num_threads(),
        n_train: fitted.split.train.len(),
        n_valid: fitted.split.valid.len(),
        n_test: fitted.split.test.len(),
        split_fingerprint: Some(split_fingerprint(&fitted.split)),
        train_seconds: fitted.train_seconds,
        eval_seconds,
        metrics: spec
            .eval
            .ks
            .iter()
            .zip(&report.means)
            .map(|(&k, m)| MetricsAtK { k, values: *m })
            .collect(),
        auc: report.auc,
        summary: summary_of(&report, fitted.model.size_bytes()),
        training: fitted.training.clone(),
        fusion: fitted.fusion.clone(),
    };
    let written = std::time::Instant::now();
    write_run(paths, &record, &report, inputs, fitted, &train_matrix)?;
    tracing::info!(
        seconds = written.elapsed().as_secs_f64(),
        "run: files written"
    );
    Ok(record)
}

/// The fitted cold fallback, when cold shoppers are ranked by it and any exist.
fn cold_fallback(
    spec: &RunSpec,
    fitted: &Fitted,
    cancel: &CancelToken,
) -> Result<Option<Box<dyn Recommender>>> {
    if spec.eval.cold_shoppers == ColdShoppers::Model {
        return Ok(None);
    }
    spec.eval.validate()?;
    // Quiet: a popularity count takes milliseconds and is not the run's model.
    let model = spec.eval.cold_fallback.fit(
        &fitted.split.train,
        Weighting::Binary,
        &shoplab_datasets::NoProgress,
        cancel,
    )?;
    Ok(Some(model))
}

fn summary_of(r: &EvalReport, model_bytes: usize) -> RunSummary {
    let ks = &r.ks;
    RunSummary {
        users_evaluated: r.n_users_evaluated,
        users_skipped: r.n_users_skipped,
        users_cold: r.n_users_cold,
        cold_protocol: r.cold_shoppers.as_str().to_string(),
        cold_scored_by: r
            .cold
            .as_ref()
            .map(|c| c.scored_by.clone())
            .unwrap_or_default(),
        cold_metrics: r
            .cold
            .as_ref()
            .map(|c| {
                ks.iter()
                    .zip(&c.means)
                    .map(|(&k, m)| MetricsAtK { k, values: *m })
                    .collect()
            })
            .unwrap_or_default(),
        cold_users_tie_decided: r.cold.as_ref().map_or(0, |c| c.n_users_tie_decided),
        users_no_signal: r.n_users_no_signal,
        users_tie_decided: r.n_users_tie_decided,
        tie_break: r.tie_break.as_str().to_string(),
        test_pairs: r.n_test_pairs,
        test_pairs_seen_in_train: r.n_test_pairs_seen_in_train,
        repeat_share: if r.n_test_pairs == 0 {
            0.0
        } else {
            r.n_test_pairs_seen_in_train as f64 / r.n_test_pairs as f64
        },
        test_pairs_new_item: r.n_test_pairs_new_item,
        new_item_recall: r.new_item_recall.clone(),
        coverage: r.coverage,
        diversity: r.diversity,
        novelty: r.novelty,
        popularity_bias: r.popularity_bias,
        latency_p50_us: r.latency.p50_us,
        latency_p95_us: r.latency.p95_us,
        latency_p99_us: r.latency.p99_us,
        latency_quantiles_us: r.latency.quantiles_us.clone(),
        throughput_users_per_s: r.throughput_users_per_s,
        model_bytes,
        protocol: r.protocol.clone(),
    }
}

fn new_run_id(paths: &ProjectPaths, at: &chrono::DateTime<chrono::Utc>, name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let base = format!("{}-{}", at.format("%Y%m%d-%H%M%S"), slug.trim_matches('-'));
    let mut id = base.clone();
    let mut n = 2;
    while paths.run(&id).exists() {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// Writes the run folder; the record goes last so a folder with `run.json`
/// is always complete.
fn write_run(
    paths: &ProjectPaths,
    record: &RunRecord,
    report: &EvalReport,
    inputs: &RunInputs<'_>,
    fitted: &Fitted,
    train_matrix: &shoplab_datasets::SparseMatrix,
) -> Result<()> {
    let dir = paths.run(&record.id);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create folder", &dir, e))?;
    let mut lean = report.clone();
    lean.per_user.clear();
    lean.cold_per_user.clear();
    write_json_atomic(&dir.join("metrics.json"), &lean)?;
    write_atomic(
        &dir.join("per_user.csv"),
        per_user_csv(record, &report.per_user, inputs.user_ids).as_bytes(),
    )?;
    trec_files(record, &report.per_user, inputs, fitted, train_matrix)
        .write(&dir, "run", "qrels")?;
    if !report.cold_per_user.is_empty() {
        // Cold shoppers reported apart: the fallback's lists, re-checkable the same way.
        write_atomic(
            &dir.join("per_user_cold.csv"),
            per_user_csv(record, &report.cold_per_user, inputs.user_ids).as_bytes(),
        )?;
        trec_files(record, &report.cold_per_user, inputs, fitted, train_matrix).write(
            &dir,
            "cold",
            "cold_qrels",
        )?;
    }
    let info = SavedModel {
        format: saved::FORMAT.into(),
        code_version: record.code_version.clone(),
        spec: record.spec.model.clone(),
        weighting: record.spec.weighting,
        data_fingerprint: record.data_fingerprint.clone(),
        n_train: record.n_train,
        n_users: inputs.log.n_users,
        n_items: inputs.log.n_items,
        device: record.device.clone(),
        weights_hash: String::new(), // set by `save` from the bytes it writes
    };
    saved::save(&dir, fitted.model.as_ref(), &info)?;
    write_json_atomic(&dir.join("run.json"), record)
}

/// The run's model and split for serving: the saved model when the run has
/// one and the project's events are still those it was fitted on. A run
/// whose events or catalog changed since is refused (train it again); a
/// baseline recorded before models were saved is fitted again from its spec
/// on the same data. Returns whether it refitted.
pub fn load_or_fit(
    paths: &ProjectPaths,
    record: &RunRecord,
    log: &Interactions,
    fit_model: &FitModel<'_>,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<(Fitted, bool)> {
    let dir = paths.run(&record.id);
    if saved::weights_missing(&dir) {
        return Err(Error::invalid(
            "saved model",
            dir.join(saved::WEIGHTS_FILE).display(),
            "the run's model.json is there but its weights file is missing; train the model again",
        ));
    }
    let same_data = record.data_fingerprint == fingerprint(log);
    if saved::exists(&dir) && same_data {
        let (_, model) = saved::load(&dir)?;
        let split = split(log, &record.spec.split)?;
        check_split_rule(record, log, &split)?;
        return Ok((
            Fitted {
                model,
                split,
                train_seconds: 0.0,
                training: None,
                fusion: None,
            },
            false,
        ));
    }
    if !same_data {
        // Refitting would serve another model under this run's name and
        // metrics (a new-user test caught EASE doing so silently).
        if matches!(record.spec.model, ModelSpec::Fusion(_)) {
            return Err(Error::invalid(
                "run",
                &record.id,
                "the project's events or catalog changed since this fusion's members were trained; train them again and build the fusion anew",
            ));
        }
        return Err(stale_data(record));
    }
    if record.spec.model.is_learned() {
        // Same data but no model.json: a learned model is not refitted
        // behind the user's back (hours, other random draws).
        return Err(Error::invalid(
            "saved model",
            dir.join(saved::INFO_FILE).display(),
            "the run's saved model is missing; train the model again",
        ));
    }
    // Runs recorded before models were saved, on unchanged data: the
    // deterministic baselines (and a fusion of saved members) refit to the
    // same model.
    Ok((fit(&record.spec, log, fit_model, progress, cancel)?, true))
}

fn per_user_csv(record: &RunRecord, users: &[UserResult], user_ids: &[String]) -> String {
    let mut out = String::from("user_id,n_test,auc");
    for k in &record.spec.eval.ks {
        for m in crate::metrics::Metric::ALL {
            let _ = write!(out, ",{m}@{k}");
        }
    }
    out.push_str(",cold,no_signal,tie_decided\n");
    for u in users {
        let id = user_ids.get(u.user as usize).map_or("?", String::as_str);
        let _ = write!(out, "{},{},{}", csv_field(id), u.n_test, u.auc);
        for set in &u.metrics {
            for m in crate::metrics::Metric::ALL {
                let _ = write!(out, ",{}", m.of(set));
            }
        }
        let _ = writeln!(
            out,
            ",{},{},{}",
            u8::from(u.cold),
            u8::from(u.no_signal),
            u8::from(u.tie_decided)
        );
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// TREC run and qrels for the evaluated users (the lists the evaluation
/// ranked, not a second scoring pass), written through [`TrecWriter`] so
/// trec_eval, pytrec_eval and ranx score exactly the order ShopLab scored.
fn trec_files(
    record: &RunRecord,
    users: &[UserResult],
    inputs: &RunInputs<'_>,
    fitted: &Fitted,
    train_matrix: &shoplab_datasets::SparseMatrix,
) -> TrecWriter {
    let test = fitted.split.test.to_matrix(Weighting::Binary);
    let mut w = TrecWriter::new(&record.name);
    let doc = |item: u32| {
        trec::token(
            inputs
                .item_ids
                .get(item as usize)
                .map_or("", String::as_str),
            item as usize,
        )
    };
    for u in users {
        let user = u.user as usize;
        let qid = trec::token(inputs.user_ids.get(user).map_or("", String::as_str), user);
        let ranked: Vec<(String, f64)> = u
            .top
            .iter()
            .zip(&u.top_scores)
            .map(|(&item, &score)| (doc(item), f64::from(score)))
            .collect();
        w.ranked(&qid, &ranked);
        let hist = train_matrix.row(user).0;
        for &item in test.row(user).0 {
            if record.spec.eval.exclude_train && hist.binary_search(&item).is_ok() {
                continue;
            }
            w.judged(&qid, &doc(item), 1);
        }
    }
    w
}

/// All runs of a project, oldest first. Folders without `run.json`
/// (interrupted runs) are skipped.
pub fn list_runs(paths: &ProjectPaths) -> Result<Vec<RunRecord>> {
    let (runs, broken) = scan_runs(paths)?;
    for b in &broken {
        tracing::warn!("skipped: {b}");
    }
    Ok(runs)
}

/// A run folder whose `run.json` cannot be read: left out of every list
/// (one damaged file must not hide the other runs), and named so the user
/// can move or delete it.
#[derive(Debug, Clone)]
pub struct BrokenRun {
    /// The run folder.
    pub dir: std::path::PathBuf,
    /// Why its `run.json` could not be read.
    pub why: String,
}

impl std::fmt::Display for BrokenRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "run folder {} cannot be read ({}); move or delete that folder",
            self.dir.display(),
            self.why
        )
    }
}

/// The readable runs, oldest first, and the folders whose `run.json` is not.
pub fn scan_runs(paths: &ProjectPaths) -> Result<(Vec<RunRecord>, Vec<BrokenRun>)> {
    let dir = paths.runs();
    let mut out = Vec::new();
    let mut broken = Vec::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((out, broken)),
        Err(e) => return Err(Error::io("cannot list", &dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("cannot list", &dir, e))?;
        let file = entry.path().join("run.json");
        if file.is_file() {
            let folder = entry.file_name().to_string_lossy().into_owned();
            match read_json::<RunRecord>(&file) {
                // Every field has a default, so `{}` parses: a record must at
                // least carry its own folder's id to be a run.
                Ok(r) if r.id == folder && !r.model.is_empty() && !r.created_at.is_empty() => {
                    out.push(r)
                }
                Ok(r) => broken.push(BrokenRun {
                    dir: entry.path(),
                    why: if r.id.is_empty() {
                        format!("{} has no run id", file.display())
                    } else if r.id != folder {
                        format!(
                            "{} names run {:?}, not its folder {folder:?}",
                            file.display(),
                            r.id
                        )
                    } else {
                        format!(
                            "{} lacks the model or the time it was made, which every run records",
                            file.display()
                        )
                    },
                }),
                Err(e) => broken.push(BrokenRun {
                    dir: entry.path(),
                    why: e.to_string(),
                }),
            }
        }
    }
    out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    broken.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok((out, broken))
}

/// Loads one run by id, or by a unique prefix of it, or by its display name
/// (the latest run of that name).
pub fn find_run(paths: &ProjectPaths, key: &str) -> Result<RunRecord> {
    if key.trim().is_empty() {
        return Err(Error::invalid(
            "run",
            "''",
            "give a run id, id prefix or name (see `shoplab runs`)",
        ));
    }
    let (runs, broken) = scan_runs(paths)?;
    // Asked for by its folder name: say why it cannot be read.
    let folder_is = |b: &BrokenRun, exact: bool| {
        b.dir.file_name().is_some_and(|n| {
            let n = n.to_string_lossy();
            if exact { n == key } else { n.starts_with(key) }
        })
    };
    if let Some(b) = broken.iter().find(|b| folder_is(b, true)) {
        return Err(Error::invalid("run", key, b.to_string()));
    }
    for b in &broken {
        tracing::warn!("skipped: {b}");
    }
    if let Some(r) = runs.iter().find(|r| r.id == key) {
        return Ok(r.clone());
    }
    // An exact name beats a model name, which beats an id prefix; a key that
    // fits several runs at the first level it fits is refused, never
    // silently resolved to the newest.
    let levels: [&dyn Fn(&RunRecord) -> bool; 3] =
        [&|r| r.name == key, &|r| r.model == key, &|r| {
            r.id.starts_with(key)
        }];
    for (level, fits) in levels.iter().enumerate() {
        let matching: Vec<&RunRecord> = runs.iter().filter(|r| fits(r)).collect();
        match matching.as_slice() {
            [] => continue,
            [one] => return Ok((*one).clone()),
            many => {
                let what = ["are named", "are of the model", "have ids starting with"][level];
                let ids: Vec<&str> = many.iter().rev().take(5).map(|r| r.id.as_str()).collect();
                return Err(Error::invalid(
                    "run",
                    key,
                    format!(
                        "{} runs {what} '{key}' ({}{}); give a run id (see `shoplab runs`)",
                        many.len(),
                        ids.join(", "),
                        if many.len() > 5 { ", …" } else { "" }
                    ),
                ));
            }
        }
    }
    // Nothing readable fits: an unreadable folder the key names by prefix.
    if let Some(b) = broken.iter().find(|b| folder_is(b, false)) {
        return Err(Error::invalid("run", key, b.to_string()));
    }
    Err(Error::NotFound {
        kind: "run",
        name: key.to_string(),
        hint: ". List runs with `shoplab runs`".into(),
    })
}

/// Renames a run (found by id, id prefix or name, as `find_run`): only the
/// display name in its `run.json` changes, rewritten atomically; the id, the
/// folder and every other field (even ones a newer ShopLab added) stay.
/// Returns the renamed record.
pub fn rename_run(paths: &ProjectPaths, key: &str, new_name: &str) -> Result<RunRecord> {
    let name = new_name.trim();
    if name.is_empty() {
        return Err(Error::invalid(
            "name",
            new_name,
            "a run's name cannot be empty; type a name such as `ease strong reg`",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "name",
            new_name.escape_debug(),
            "a run's name must be one line without control characters",
        ));
    }
    let run = find_run(paths, key)?;
    let file = paths.run(&run.id).join("run.json");
    // Edit the JSON as a value so fields this version does not know survive.
    let mut value: serde_json::Value = read_json(&file)?;
    let Some(fields) = value.as_object_mut() else {
        return Err(Error::invalid(
            "run",
            file.display(),
            "run.json is not a JSON object; the run folder is damaged",
        ));
    };
    fields.insert("name".into(), serde_json::Value::String(name.to_string()));
    write_json_atomic(&file, &value)?;
    read_json(&file)
}

/// True when `dir` holds a complete run.
pub fn is_run_dir(dir: &Path) -> bool {
    dir.join("run.json").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_whose_split_changed_since_is_refused() {
        // Shopper 0 buys item 1 twice: the old leave-last-out held out both
        // events (1 training event left), the current one the latest only.
        let mut log = Interactions::new(2, 4);
        log.push(0, 1, 10, EventKind::Purchase, 1.0);
        log.push(0, 2, 20, EventKind::Purchase, 1.0);
        log.push(0, 1, 30, EventKind::Purchase, 1.0);
        let spec = RunSpec {
            split: "leave_last_out"
                .parse()
                .unwrap_or_else(|e: String| panic!("{e}")),
            ..RunSpec::default()
        };
        let parts = split(&log, &spec.split).unwrap_or_else(|e| panic!("{e}"));
        let record = |sizes: (usize, usize, usize), fp: Option<String>| RunRecord {
            id: "old-run".into(),
            spec: spec.clone(),
            n_train: sizes.0,
            n_valid: sizes.1,
            n_test: sizes.2,
            split_fingerprint: fp,
            ..RunRecord::default()
        };
        let refused = |r: &RunRecord, log: &Interactions, parts: &Split| {
            check_same_split(r, log, parts)
                .map(|_| ())
                .err()
                .map(|e| e.to_string())
        };
        // A run made today records its parts' hash and passes.
        let today = record((2, 0, 1), Some(split_fingerprint(&parts)));
        assert_eq!(refused(&today, &log, &parts), None);
        // A run made by the old rule: other sizes.
        let err = refused(&record((1, 0, 2), None), &log, &parts).unwrap_or_default();
        assert!(
            err.contains("old-run") && err.contains("train it again"),
            "{err}"
        );
        // No hash and today's sizes, but the old rule splits this log otherwise.
        assert!(refused(&record((2, 0, 1), None), &log, &parts).is_some());
        // Without repeats both rules agree: an old run still serves.
        let mut plain = Interactions::new(1, 4);
        plain.push(0, 1, 10, EventKind::Purchase, 1.0);
        plain.push(0, 2, 20, EventKind::Purchase, 1.0);
        let plain_parts = split(&plain, &spec.split).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            refused(&record((1, 0, 1), None), &plain, &plain_parts),
            None
        );
        // A changed part under the same sizes is caught by the hash.
        let mut other = parts.clone();
        other.test.ts[0] = 31;
        assert!(refused(&today, &log, &other).is_some());
    }

    #[test]
    fn user_specs_refuse_unknown_keys_and_take_todays_defaults() {
        let readme = r#"{"model": {"model": "item_knn", "neighbours": 50, "shrink": 10},
            "split": {"method": "leave_last_out", "n": 1, "seed": 42},
            "eval": {"ks": [10, 20], "exclude_train": true}}"#;
        let spec = RunSpec::from_user_json(readme).unwrap_or_else(|e| panic!("{e}"));
        // Left out: today's defaults, as the flags give (not the legacy
        // defaults that old run.json files read with).
        assert_eq!(spec.eval.tie_break, EvalOptions::default().tie_break);
        assert_eq!(
            spec.eval.cold_shoppers,
            EvalOptions::default().cold_shoppers
        );
        assert_eq!(spec.eval.ks, vec![10, 20]);
        for (text, path) in [
            (
                r#"{"split": {"method": "temporal", "test_fration": 0.3}}"#,
                "split.test_fration",
            ),
            (
                r#"{"eval": {"ks": [10], "tie_brake": "popularity"}}"#,
                "eval.tie_brake",
            ),
            (r#"{"bogus": 1}"#, "bogus"),
            (
                r#"{"model": {"model": "bpr", "learnin_rate": 0.1}}"#,
                "learnin_rate",
            ),
        ] {
            let err = RunSpec::from_user_json(text)
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(err.contains(path), "{text}: {err}");
        }
        // A run's own record of its spec reads back unchanged, alone or as
        // the `spec` of its run.json.
        let written = serde_json::to_string(&spec).unwrap_or_default();
        assert_eq!(RunSpec::from_user_json(&written).ok(), Some(spec.clone()));
        let record = serde_json::to_string(&RunRecord {
            id: "20261202-x".into(),
            spec: spec.clone(),
            ..RunRecord::default()
        })
        .unwrap_or_default();
        assert_eq!(RunSpec::from_user_json(&record).ok(), Some(spec));
    }

    #[test]
    fn fingerprint_follows_the_data() {
        let mut a = Interactions::new(2, 3);
        a.push(0, 1, 100, EventKind::View, 1.0);
        a.push(1, 2, 200, EventKind::Purchase, 1.0);
        let b = a.clone();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert!(fingerprint(&a).starts_with("xxh3-128:"));
        let mut c = a.clone();
        c.ts[1] = 201;
        assert_ne!(fingerprint(&a), fingerprint(&c));
        let mut d = a.clone();
        d.kinds[0] = EventKind::Click;
        assert_ne!(fingerprint(&a), fingerprint(&d));
    }

    #[test]
    fn renaming_keeps_the_id_and_other_fields_and_refuses_empty_names() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let paths = ProjectPaths::new(dir.path());
        let run_dir = paths.run("20261201-100000-ease");
        std::fs::create_dir_all(&run_dir).unwrap_or_else(|e| panic!("{e}"));
        let record = RunRecord {
            id: "20261201-100000-ease".into(),
            name: "ease".into(),
            model: "ease".into(),
            created_at: "2026-12-01T10:00:00+00:00".into(),
            ..RunRecord::default()
        };
        let mut json = serde_json::to_value(&record).unwrap_or_default();
        json["from_a_newer_version"] = serde_json::json!(7);
        write_json_atomic(&run_dir.join("run.json"), &json).unwrap_or_else(|e| panic!("{e}"));

        let renamed =
            rename_run(&paths, "20261201", "  ease strong reg ").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(renamed.id, record.id, "the id stays");
        assert_eq!(renamed.name, "ease strong reg", "trimmed");
        assert_eq!(
            find_run(&paths, "ease strong reg").map(|r| r.id).ok(),
            Some(record.id.clone())
        );
        let back: serde_json::Value =
            read_json(&run_dir.join("run.json")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back["from_a_newer_version"], 7, "unknown fields survive");
        assert_eq!(back["created_at"], "2026-12-01T10:00:00+00:00");

        for bad in ["", "   ", "two\nlines"] {
            let err = rename_run(&paths, &record.id, bad)
                .err()
                .map(|e| e.to_string());
            assert!(err.is_some_and(|e| e.contains("name")), "{bad:?} refused");
        }
        assert_eq!(
            find_run(&paths, &record.id).map(|r| r.name).ok().as_deref(),
            Some("ease strong reg"),
            "a refused rename changes nothing"
        );
        assert!(rename_run(&paths, "no-such-run", "x").is_err());
    }

    #[test]
    fn a_broken_run_json_is_skipped_and_named_not_fatal_to_the_others() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let paths = ProjectPaths::new(dir.path());
        let good = RunRecord {
            id: "20261201-100000-ease".into(),
            name: "ease".into(),
            model: "ease".into(),
            created_at: "2026-12-01T10:00:00+00:00".into(),
            ..RunRecord::default()
        };
        for (id, text) in [
            (
                good.id.as_str(),
                serde_json::to_string(&good).unwrap_or_default(),
            ),
            ("20261201-110000-bpr", "{".to_string()),
            ("20261201-120000-empty", "{}".to_string()),
            (
                "20261201-130000-moved",
                serde_json::to_string(&good).unwrap_or_default(),
            ),
            (
                "20261201-140000-m",
                r#"{"id":"20261201-140000-m"}"#.to_string(),
            ),
        ] {
            std::fs::create_dir_all(paths.run(id)).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(paths.run(id).join("run.json"), text).unwrap_or_else(|e| panic!("{e}"));
        }
        let listed: Vec<String> = list_runs(&paths)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(listed, vec![good.id.clone()]);
        let (_, broken) = scan_runs(&paths).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(broken.len(), 4, "{broken:?}");
        assert!(broken[3].why.contains("lacks the model"), "{broken:?}");
        assert!(broken[1].why.contains("no run id"), "{broken:?}");
        assert!(broken[2].why.contains("not its folder"), "{broken:?}");
        // By a prefix of the broken folder only: the reason too.
        let err = find_run(&paths, "20261201-12")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no run id"), "{err}");
        assert!(find_run(&paths, "").is_err());
        let said = broken[0].to_string();
        assert!(
            said.contains("20261201-110000-bpr") && said.contains("move or delete"),
            "{said}"
        );
        assert_eq!(find_run(&paths, "ease").map(|r| r.id).ok(), Some(good.id));
        // Asked for by its own id: the reason, not "not found".
        let err = find_run(&paths, "20261201-110000-bpr")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("move or delete"), "{err}");
    }
}
