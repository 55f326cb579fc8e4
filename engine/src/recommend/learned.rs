//! Learned models in runs: what the engine gives `shoplab-models` (the
//! split, the validation split as a [`Validator`], a checkpoint folder and a
//! resume key) and what it takes back (the model, its training curves).
//!
//! Checkpoints live in `<project>/checkpoints/<key>/`, where the key hashes
//! everything that decides the trained weights (model spec, weighting,
//! split, kinds, data fingerprint). A run killed mid-training and started
//! again with the same spec resumes from its last finished epoch; a run that
//! is recorded, fails or is cancelled removes its folder (a cancel discards
//! the work, as the app promises: nothing is recorded).

use std::path::{Path, PathBuf};

use shoplab_datasets::{CancelToken, Interactions, NoProgress, Progress, Recommender, Weighting};
use shoplab_models::{
    DeviceChoice, FitContext, ItemText, LearnedSpec, TrainData, TrainReport, Validator,
};

/// Whether the model reads the catalog's text (title, brand, category).
pub fn reads_item_text(spec: &LearnedSpec) -> bool {
    matches!(spec, LearnedSpec::TwoTower(_))
}

use crate::error::{Error, Result};
use crate::evaluate::{ColdShoppers, EvalOptions, evaluate};
use crate::split::Split;

/// The metric early stopping and the live validation curve follow.
pub const VALID_METRIC: &str = "ndcg@10";

/// One plain sentence about a learned model, for UIs.
pub fn description(name: &str) -> &'static str {
    match name {
        "bpr" => {
            "Learns a taste vector per shopper and per item so that chosen items outscore unchosen ones (BPR matrix factorisation)."
        }
        "neumf" => {
            "A neural network that combines a matrix-factorisation part with a multi-layer perceptron over shopper and item vectors (NeuMF)."
        }
        "ials" => {
            "Factorises the shopper x item matrix, trusting repeated interactions more (implicit ALS with confidence weighting)."
        }
        "two_tower" => {
            "Learns item vectors from item ids and their title, brand and category, so new items with no events are recommended too (two-tower)."
        }
        "gru4rec" => {
            "Reads the shopper's items in time order with a recurrent network and predicts what comes next (GRU4Rec)."
        }
        "sasrec" => {
            "Reads the shopper's items in time order with self-attention and predicts what comes next (SASRec)."
        }
        _ => "A learned model.",
    }
}

/// Whether the run's weighting changes what the model learns (iALS reads
/// the weighted matrix as confidence; the others learn from which items a
/// shopper chose).
pub fn uses_weighting(name: &str) -> bool {
    name == "ials"
}

/// The engine's error for a models-crate error (cancel stays a cancel;
/// a bad parameter stays a named parameter).
pub fn error(e: shoplab_models::Error) -> Error {
    match e {
        shoplab_models::Error::Cancelled => Error::Cancelled,
        shoplab_models::Error::Invalid {
            field,
            value,
            allowed,
        } => Error::invalid(&field, value, format!("expected {allowed}")),
        other => Error::Model(other),
    }
}

/// Full ranking on the validation split with the test's metric code.
pub struct SplitValidator<'a> {
    train: shoplab_datasets::SparseMatrix,
    sequences: shoplab_datasets::Sequences,
    valid: &'a Interactions,
    opts: EvalOptions,
}

impl<'a> SplitValidator<'a> {
    /// A validator over `split`, or `None` when it has no validation events.
    /// It follows the run's protocol (`eval`: training items excluded or
    /// kept as candidates, tie order), so early stopping optimises what the
    /// test measures; always full ranking at K = 10.
    pub fn new(split: &'a Split, weighting: Weighting, eval: &EvalOptions) -> Option<Self> {
        if split.valid.is_empty() {
            return None;
        }
        Some(SplitValidator {
            train: split.train.to_matrix(weighting),
            sequences: split.train.sequences(),
            valid: &split.valid,
            opts: EvalOptions {
                ks: vec![10],
                cold_shoppers: ColdShoppers::Apart,
                exclude_train: eval.exclude_train,
                tie_break: eval.tie_break,
                ..EvalOptions::default()
            },
        })
    }
}

impl Validator for SplitValidator<'_> {
    fn metric_name(&self) -> String {
        VALID_METRIC.into()
    }

    fn validate(
        &self,
        model: &dyn Recommender,
        cancel: &CancelToken,
    ) -> std::result::Result<f64, String> {
        let report = evaluate(
            model,
            None,
            &self.train,
            Some(&self.sequences),
            None,
            self.valid,
            &self.opts,
            &NoProgress,
            cancel,
            None,
        )
        .map_err(|e| e.to_string())?;
        Ok(report.means.first().map_or(0.0, |m| m.ndcg))
    }
}

/// A trained learned model and how its training went.
pub struct LearnedFit {
    /// The servable model.
    pub model: Box<dyn Recommender>,
    /// Curves, best epoch, resume facts and the device.
    pub report: TrainReport,
    /// A one-line note when `auto` fell back to the CPU.
    pub device_note: Option<String>,
}

/// Where a run's checkpoints live, under the project's `checkpoints/`.
pub fn checkpoint_dir(checkpoints: &Path, key: &str) -> PathBuf {
    checkpoints.join(key.replace(':', "-"))
}

/// Trains `spec` on the split's training part, validating on its
/// validation part (when it has one), checkpointing into `checkpoint_dir`
/// (when given) under `resume_key`.
#[allow(clippy::too_many_arguments)] // the run's inputs, called from the project only
pub fn fit(
    spec: &LearnedSpec,
    split: &Split,
    item_text: Option<&[ItemText]>,
    weighting: Weighting,
    eval: &EvalOptions,
    device: DeviceChoice,
    checkpoint_dir: Option<&Path>,
    resume_key: &str,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<LearnedFit> {
    let sequences = split.train.sequences();
    let data = TrainData {
        train: &split.train,
        weighting,
        sequences: &sequences,
        item_text,
    };
    let validator = SplitValidator::new(split, weighting, eval);
    if let Some(dir) = checkpoint_dir {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create folder", dir, e))?;
    }
    let ctx = FitContext {
        progress,
        cancel,
        validator: validator.as_ref().map(|v| v as &dyn Validator),
        checkpoint_dir,
        resume_key,
        device,
    };
    let outcome = spec.fit(&data, &ctx);
    if let Some(dir) = checkpoint_dir
        && matches!(outcome, Err(shoplab_models::Error::Cancelled))
    {
        // Cancel discards the work; a kill (no chance to clean up) resumes.
        let _ = std::fs::remove_dir_all(dir);
    }
    let fitted = outcome.map_err(error)?;
    Ok(LearnedFit {
        model: fitted.model,
        report: fitted.report,
        device_note: fitted.device_note,
    })
}

/// Rebuilds a saved learned model on the CPU (serving).
pub fn load(
    spec: &LearnedSpec,
    state: &shoplab_datasets::ModelState,
) -> Result<Box<dyn Recommender>> {
    spec.load(state, &candle_device_cpu()).map_err(error)
}

fn candle_device_cpu() -> shoplab_models::Device {
    shoplab_models::Device::Cpu
}
