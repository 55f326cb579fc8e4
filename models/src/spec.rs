//! A learned model's name and parameters, from a spec file, `NAME=VALUE`
//! overrides or the CLI — all landing on the same per-model defaults.
//!
//! Every path goes through the model's own `Default` (partial JSON objects
//! are filled with `#[serde(default)]`, overrides edit the default's JSON
//! object), then `validate()`, so a bad value always names its field.

use candle_core::Device;
use serde_json::{Map, Value};
use shoplab_datasets::{ModelState, Recommender};

use crate::Fitted;
use crate::bpr::{BprParams, fit_bpr, load_bpr};
use crate::error::{Error, Result};
use crate::ials::IalsParams;
use crate::neumf::{NeuMfParams, fit_neumf, load_neumf};
use crate::sequential::gru4rec::{Gru4RecParams, fit_gru4rec, load_gru4rec};
use crate::sequential::sasrec::{SasRecParams, fit_sasrec, load_sasrec};
use crate::train::{FitContext, TrainData};
use crate::two_tower::{TwoTowerParams, fit_two_tower, load_two_tower};

/// Names of the models this module builds.
pub const LEARNED_MODELS: &[&str] = &["bpr", "neumf", "ials", "two_tower", "gru4rec", "sasrec"];

/// One parameter's name, default and one-line help (for the CLI's and the
/// app's parameter lists; the same text as the field's doc comment).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParamDoc {
    /// The key in spec files and `NAME=VALUE` overrides.
    pub name: &'static str,
    /// The model's default, as JSON.
    pub default: Value,
    /// What it is, its default and its allowed range.
    pub help: &'static str,
}

const TRAIN_DOCS: &[(&str, &str)] = &[
    (
        "epochs",
        "Passes over the training pairs; default 100 (RecBole: 300 with early stopping), 1 to 100000.",
    ),
    (
        "batch_size",
        "Positive pairs per mini-batch; default 2048 (RecBole), 1 to 16777216.",
    ),
    (
        "learning_rate",
        "Initial learning rate; default 0.001 (RecBole), above 0.",
    ),
    (
        "optimizer",
        "Optimiser: adam (default, RecBole), adamw or sgd.",
    ),
    (
        "weight_decay",
        "L2 (adam, sgd) or decoupled (adamw) weight decay; default 0 (RecBole), 0 to 1000.",
    ),
    (
        "lr_schedule",
        "Learning-rate schedule: constant (default), cosine or step.",
    ),
    (
        "lr_step_epochs",
        "Step schedule: epochs between decays; default 10, 1 to 100000.",
    ),
    (
        "lr_gamma",
        "Step schedule: factor per decay; default 0.5, above 0 and at most 1.",
    ),
    (
        "patience",
        "Validations without improvement before stopping; default 10 (RecBole stopping_step), 0 = never.",
    ),
    (
        "validate_every",
        "Validate every this many epochs; default 1 (RecBole eval_step), 0 = never.",
    ),
    (
        "negatives",
        "Negative items sampled per positive pair; default 1 (RecBole), 1 to 1000.",
    ),
    (
        "seed",
        "Seed of initialisation, shuffling, negatives and dropout; default 2020 (RecBole), any whole number from 0.",
    ),
];

const BPR_DOCS: &[(&str, &str)] = &[(
    "embedding_size",
    "Length of user and item vectors; default 64 (RecBole), 1 to 4096.",
)];

const NEUMF_DOCS: &[(&str, &str)] = &[
    (
        "mf_embedding_size",
        "Length of the GMF tower's user and item vectors; default 64 (RecBole), 1 to 4096.",
    ),
    (
        "mlp_embedding_size",
        "Length of the MLP tower's user and item vectors; default 64 (RecBole), 1 to 4096.",
    ),
    (
        "mlp_hidden_size",
        "Widths of the MLP's hidden layers; default [128, 64] (RecBole), 1 to 8 layers of 1 to 4096.",
    ),
    (
        "dropout_prob",
        "Dropout before each MLP layer while training; default 0.1 (RecBole), 0 up to 1.",
    ),
];

/// The training settings of the sequential models (no `negatives`: the
/// bpr loss draws one).
const SEQ_TRAIN_DOCS: &[(&str, &str)] = &[
    (
        "loss_type",
        "Training loss: ce (default, RecBole: cross-entropy over all items) or bpr (one sampled negative; cheaper on large catalogs).",
    ),
    (
        "examples",
        "Training examples: windows (default: windows of max_seq_length items, a loss at every position; about max_seq_length times less work) or prefixes (RecBole: every prefix predicts its next item).",
    ),
    (
        "epochs",
        "Passes over the training sequences; default 30 (RecBole: 300 with early stopping), 1 to 100000.",
    ),
    (
        "batch_size",
        "Training targets (next items) per mini-batch; default 2048 (RecBole), 1 to 16777216.",
    ),
    (
        "learning_rate",
        "Initial learning rate; default 0.001 (RecBole), above 0.",
    ),
    (
        "optimizer",
        "Optimiser: adam (default, RecBole), adamw or sgd.",
    ),
    (
        "weight_decay",
        "L2 (adam, sgd) or decoupled (adamw) weight decay; default 0 (RecBole), 0 to 1000.",
    ),
    (
        "lr_schedule",
        "Learning-rate schedule: constant (default), cosine or step.",
    ),
    (
        "lr_step_epochs",
        "Step schedule: epochs between decays; default 10, 1 to 100000.",
    ),
    (
        "lr_gamma",
        "Step schedule: factor per decay; default 0.5, above 0 and at most 1.",
    ),
    (
        "patience",
        "Validations without improvement before stopping; default 10 (RecBole stopping_step), 0 = never.",
    ),
    (
        "validate_every",
        "Validate every this many epochs; default 1 (RecBole eval_step), 0 = never.",
    ),
    (
        "seed",
        "Seed of initialisation, shuffling, negatives and dropout; default 2020 (RecBole), any whole number from 0.",
    ),
];

const GRU4REC_DOCS: &[(&str, &str)] = &[
    (
        "embedding_size",
        "Length of item vectors (and of the sequence representation); default 64 (RecBole), 1 to 4096.",
    ),
    (
        "hidden_size",
        "Width of the GRU's hidden state; default 128 (RecBole), 1 to 4096.",
    ),
    (
        "num_layers",
        "Stacked GRU layers; default 1 (RecBole), 1 to 8.",
    ),
    (
        "dropout_prob",
        "Dropout on the item vectors while training; default 0.3 (RecBole), 0 up to 1.",
    ),
    (
        "max_seq_length",
        "Most recent items read per sequence; default 50 (RecBole), 1 to 1000.",
    ),
];

const SASREC_DOCS: &[(&str, &str)] = &[
    (
        "n_layers",
        "Transformer blocks; default 2 (RecBole), 1 to 12.",
    ),
    (
        "n_heads",
        "Attention heads per block (must divide hidden_size); default 2 (RecBole), 1 to 64.",
    ),
    (
        "hidden_size",
        "Length of item, position and hidden vectors; default 64 (RecBole), 1 to 4096.",
    ),
    (
        "inner_size",
        "Width of the feed-forward layer; default 256 (RecBole), 1 to 16384.",
    ),
    (
        "hidden_dropout_prob",
        "Dropout on embeddings and block outputs while training; default 0.5 (RecBole), 0 up to 1.",
    ),
    (
        "attn_dropout_prob",
        "Dropout on attention weights while training; default 0.5 (RecBole), 0 up to 1.",
    ),
    (
        "hidden_act",
        "Feed-forward activation: gelu (default, RecBole), relu, swish, tanh or sigmoid.",
    ),
    (
        "layer_norm_eps",
        "LayerNorm epsilon; default 1e-12 (RecBole), 0 to 1.",
    ),
    (
        "initializer_range",
        "Standard deviation of the initial weights; default 0.02 (RecBole), above 0 and at most 10.",
    ),
    (
        "max_seq_length",
        "Most recent items read per sequence (and position embeddings); default 50 (RecBole), 1 to 1000.",
    ),
];

const TWO_TOWER_DOCS: &[(&str, &str)] = &[
    (
        "embedding_size",
        "Length of item, text-feature and user vectors; default 64, 1 to 4096.",
    ),
    (
        "text_buckets",
        "Hash buckets of the items' text features (rows of the text table); default 131072 (2^17), 256 to 4194304.",
    ),
    (
        "id_dropout",
        "Chance of dropping an item's id vector in a training batch, so its text alone must place it; default 0.5, 0 up to 1.",
    ),
    (
        "temperature",
        "Softmax temperature over cosine similarities; default 0.1, above 0 and at most 10.",
    ),
    (
        "logq_correction",
        "Subtract the log of each candidate's sampling chance from its logit (popular items are negatives more often); default true.",
    ),
    (
        "user_embedding",
        "Add a trained per-shopper vector to the mean of their items (new shoppers get the mean alone); default false.",
    ),
    (
        "max_history",
        "History items per training example (longer histories: a random subset); default 50, 1 to 10000.",
    ),
    (
        "batch_size",
        "Positive pairs per mini-batch (each other's negatives); default 1024, 1 to 16777216.",
    ),
    (
        "negatives",
        "Uniformly drawn negative items per positive pair, added to the in-batch ones; default 1, 1 to 1000.",
    ),
    (
        "epochs",
        "Passes over the training pairs; default 100, 1 to 100000.",
    ),
];

const IALS_DOCS: &[(&str, &str)] = &[
    (
        "factors",
        "Length of shopper and item vectors; default 64, 1 to 1024.",
    ),
    (
        "regularization",
        "L2 penalty on every factor; default 0.01 (as implicit), 0 to 1000000.",
    ),
    (
        "alpha",
        "Confidence scale: an observed value r counts 1 + alpha*r (the run's weighting gives r); default 1.0, 0 to 1000000.",
    ),
    (
        "iterations",
        "Alternating sweeps (shoppers, then items); default 15, 1 to 1000.",
    ),
    (
        "cg_steps",
        "Conjugate-gradient steps per row and sweep (implicit's cg_steps); default 3, 1 to 64.",
    ),
    ("seed", "Seed of the random starting factors; default 42."),
];

/// A learned model with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum LearnedSpec {
    /// BPR matrix factorisation.
    Bpr(BprParams),
    /// NeuMF (GMF + MLP).
    NeuMf(NeuMfParams),
    /// Implicit ALS with confidence weighting (closed-form sweeps, no trainer).
    Ials(IalsParams),
    /// GRU4Rec (sequential: a GRU over the shopper's recent items).
    Gru4Rec(Gru4RecParams),
    /// SASRec (sequential: causal self-attention over the shopper's recent items).
    SasRec(SasRecParams),
    /// Two-tower model whose item tower reads the item's text.
    TwoTower(TwoTowerParams),
}

fn parse_params<T: serde::de::DeserializeOwned + serde::Serialize + Default>(
    model: &str,
    obj: &Map<String, Value>,
) -> Result<T> {
    let Value::Object(defaults) =
        serde_json::to_value(T::default()).map_err(|e| Error::State(e.to_string()))?
    else {
        return Err(Error::State(format!(
            "{model}: parameters are not an object"
        )));
    };
    let keys: Vec<&str> = defaults.keys().map(|k| k.as_str()).collect();
    // Check key by key so an error names the field and its value.
    for (k, v) in obj {
        if !defaults.contains_key(k) {
            return Err(Error::invalid(
                "parameter",
                k,
                &format!("one of {model}'s parameters: {}", keys.join(", ")),
            ));
        }
        let mut one = defaults.clone();
        one.insert(k.clone(), v.clone());
        if let Err(e) = serde_json::from_value::<T>(Value::Object(one)) {
            // serde names a Rust type (`usize`, `f32`); say it in words and
            // add the field's help line, which gives the allowed range.
            let help = LearnedSpec::param_docs(model)
                .ok()
                .and_then(|docs| docs.into_iter().find(|d| d.name == k))
                .map(|d| d.help);
            let mut expected = type_error_in_words(&e.to_string(), help);
            // `"epochs": "3"` in a spec file: a number written as text.
            let quoted_number = v.as_str().is_some_and(|t| {
                serde_json::from_str::<Value>(t).is_ok_and(|x| x.is_number() || x.is_boolean())
            });
            if quoted_number && e.to_string().contains("invalid type: string") {
                expected.push_str(", given as text in quotes: write it without the quotes");
            }
            return Err(Error::invalid(k, shown_value(v), &expected));
        }
    }
    let mut all = defaults;
    all.extend(obj.iter().map(|(k, v)| (k.clone(), v.clone())));
    serde_json::from_value(Value::Object(all))
        .map_err(|e| Error::invalid(model, "parameters", &e.to_string()))
}

/// What a parameter must be, from serde's type error and the field's help
/// line: `a whole number (length of …; default 64, 1 to 4096)`.
pub fn type_error_in_words(serde_msg: &str, help: Option<&str>) -> String {
    let wanted = serde_msg.rsplit("expected ").next().unwrap_or("").trim();
    let kind = match wanted {
        // The help line gives the allowed range, which may start above 0.
        "usize" | "u64" | "u32" | "u16" | "u8" if help.is_some() => "a whole number".to_string(),
        "usize" | "u64" | "u32" | "u16" | "u8" => "a whole number of 0 or more".to_string(),
        "i64" | "i32" => "a whole number".to_string(),
        "f32" | "f64" => "a finite number".to_string(),
        "a boolean" => "true or false".to_string(),
        // An enum's message already lists its names.
        _ if serde_msg.starts_with("unknown variant") => serde_msg
            .split_once("expected ")
            .map_or(serde_msg.to_string(), |(_, names)| names.to_string()),
        _ => format!("a value of the right type ({serde_msg})"),
    };
    match help {
        Some(help) => {
            let help = help.trim_end_matches('.');
            let mut chars = help.chars();
            let help = chars.next().map_or(String::new(), |c| {
                c.to_lowercase().chain(chars).collect::<String>()
            });
            format!("{kind} ({help})")
        }
        None => kind,
    }
}

/// A JSON value as the user wrote it (strings without their quotes).
fn shown_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A `NAME=VALUE` override's value as JSON: numbers, booleans, arrays and
/// quoted strings as written, anything else as a plain string (`adamw`).
fn override_value(v: &str) -> Value {
    serde_json::from_str(v.trim()).unwrap_or_else(|_| Value::String(v.trim().to_string()))
}

impl LearnedSpec {
    /// The model's defaults, or an error naming the known models.
    pub fn default_for(name: &str) -> Result<Self> {
        Self::from_json(name, &Value::Object(Map::new()))
    }

    /// From a (possibly partial) JSON object of parameters; missing fields take the model's defaults.
    pub fn from_json(name: &str, params: &Value) -> Result<Self> {
        let empty = Map::new();
        let obj = match params {
            Value::Object(o) => o,
            Value::Null => &empty,
            other => {
                return Err(Error::invalid(
                    "params",
                    other,
                    "a JSON object of NAME: VALUE",
                ));
            }
        };
        let spec = match name.trim().to_ascii_lowercase().as_str() {
            "bpr" => LearnedSpec::Bpr(parse_params("bpr", obj)?),
            "neumf" => LearnedSpec::NeuMf(parse_params("neumf", obj)?),
            "ials" => LearnedSpec::Ials(parse_params("ials", obj)?),
            "gru4rec" => LearnedSpec::Gru4Rec(parse_params("gru4rec", obj)?),
            "sasrec" => LearnedSpec::SasRec(parse_params("sasrec", obj)?),
            "two_tower" | "two-tower" | "twotower" => {
                LearnedSpec::TwoTower(parse_params("two_tower", obj)?)
            }
            other => {
                return Err(Error::invalid("model", other, &LEARNED_MODELS.join(", ")));
            }
        };
        spec.validate()?;
        Ok(spec)
    }

    /// From `NAME=VALUE` pairs over the model's defaults (the CLI's and the app's path).
    pub fn from_name_and_params(name: &str, overrides: &[(String, String)]) -> Result<Self> {
        let obj: Map<String, Value> = overrides
            .iter()
            .map(|(k, v)| (k.trim().to_string(), override_value(v)))
            .collect();
        Self::from_json(name, &Value::Object(obj))
    }

    /// Every parameter of model `name` with its default and help, in spec order.
    pub fn param_docs(name: &str) -> Result<Vec<ParamDoc>> {
        let spec = Self::default_for(name)?;
        let (own, train) = match spec {
            LearnedSpec::Bpr(_) => (BPR_DOCS, TRAIN_DOCS),
            LearnedSpec::NeuMf(_) => (NEUMF_DOCS, TRAIN_DOCS),
            LearnedSpec::Ials(_) => (IALS_DOCS, &[][..]),
            LearnedSpec::Gru4Rec(_) => (GRU4REC_DOCS, SEQ_TRAIN_DOCS),
            LearnedSpec::SasRec(_) => (SASREC_DOCS, SEQ_TRAIN_DOCS),
            LearnedSpec::TwoTower(_) => (TWO_TOWER_DOCS, TRAIN_DOCS),
        };
        let defaults = spec.params_json();
        Ok(own
            .iter()
            // A model's own entry replaces the shared one of the same name
            // (its default or meaning differs).
            .chain(
                train
                    .iter()
                    .filter(|(n, _)| !own.iter().any(|(o, _)| o == n)),
            )
            .map(|&(name, help)| ParamDoc {
                name,
                default: defaults.get(name).cloned().unwrap_or(Value::Null),
                help,
            })
            .collect())
    }

    /// The model's name (`bpr`, `neumf`, `ials`, `two_tower`, `gru4rec`, `sasrec`).
    pub fn name(&self) -> &'static str {
        match self {
            LearnedSpec::Bpr(_) => "bpr",
            LearnedSpec::NeuMf(_) => "neumf",
            LearnedSpec::Ials(_) => "ials",
            LearnedSpec::Gru4Rec(_) => "gru4rec",
            LearnedSpec::SasRec(_) => "sasrec",
            LearnedSpec::TwoTower(_) => "two_tower",
        }
    }

    /// Every parameter as a JSON object (what a run records).
    pub fn params_json(&self) -> Value {
        match self {
            LearnedSpec::Bpr(p) => serde_json::to_value(p),
            LearnedSpec::NeuMf(p) => serde_json::to_value(p),
            LearnedSpec::Ials(p) => serde_json::to_value(p),
            LearnedSpec::Gru4Rec(p) => serde_json::to_value(p),
            LearnedSpec::SasRec(p) => serde_json::to_value(p),
            LearnedSpec::TwoTower(p) => serde_json::to_value(p),
        }
        .unwrap_or(Value::Null)
    }

    /// Checks every parameter (field, value and allowed range in the error).
    pub fn validate(&self) -> Result<()> {
        match self {
            LearnedSpec::Bpr(p) => p.validate(),
            LearnedSpec::NeuMf(p) => p.validate(),
            LearnedSpec::Ials(p) => Ok(p.validate()?),
            LearnedSpec::Gru4Rec(p) => p.validate(),
            LearnedSpec::SasRec(p) => p.validate(),
            LearnedSpec::TwoTower(p) => p.validate(),
        }
    }

    /// Trains the model.
    pub fn fit(&self, data: &TrainData<'_>, ctx: &FitContext<'_>) -> Result<Fitted> {
        match self {
            LearnedSpec::Bpr(p) => fit_bpr(p, data, ctx),
            LearnedSpec::NeuMf(p) => fit_neumf(p, data, ctx),
            LearnedSpec::Ials(p) => crate::ials::fit_in_run(p, data, ctx),
            LearnedSpec::Gru4Rec(p) => fit_gru4rec(p, data, ctx),
            LearnedSpec::SasRec(p) => fit_sasrec(p, data, ctx),
            LearnedSpec::TwoTower(p) => fit_two_tower(p, data, ctx),
        }
    }

    /// Rebuilds a trained model from its saved state on `device`.
    pub fn load(&self, state: &ModelState, device: &Device) -> Result<Box<dyn Recommender>> {
        Ok(match self {
            LearnedSpec::Bpr(p) => Box::new(load_bpr(p, state, device)?),
            LearnedSpec::NeuMf(p) => Box::new(load_neumf(p, state, device)?),
            LearnedSpec::Ials(p) => Box::new(crate::ials::load_ials(p, state)?),
            LearnedSpec::Gru4Rec(p) => Box::new(load_gru4rec(p, state, device)?),
            LearnedSpec::SasRec(p) => Box::new(load_sasrec(p, state, device)?),
            LearnedSpec::TwoTower(p) => Box::new(load_two_tower(p, state, device)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_has_help_and_every_help_a_parameter() {
        for name in LEARNED_MODELS {
            let docs = LearnedSpec::param_docs(name).unwrap_or_else(|e| panic!("{e}"));
            let mut documented: Vec<&str> = docs.iter().map(|d| d.name).collect();
            documented.sort_unstable();
            let params = LearnedSpec::default_for(name)
                .map(|s| s.params_json())
                .unwrap_or_else(|e| panic!("{e}"));
            let mut keys: Vec<&str> = params
                .as_object()
                .map(|o| o.keys().map(|k| k.as_str()).collect())
                .unwrap_or_default();
            keys.sort_unstable();
            assert_eq!(documented, keys, "{name}");
            assert!(
                docs.iter()
                    .all(|d| !d.default.is_null() && d.help.contains("default"))
            );
        }
    }

    #[test]
    fn a_number_written_as_text_in_a_spec_file_is_told_so() {
        let err = LearnedSpec::from_json("bpr", &serde_json::json!({"epochs": "3"}))
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("epochs")
                && err.contains("without the quotes")
                && err.contains("1 to 100000"),
            "{err}"
        );
        // Not a number at all: no advice about quotes.
        let err =
            LearnedSpec::from_name_and_params("bpr", &[("learning_rate".into(), "nan".into())])
                .map(|_| ())
                .unwrap_err()
                .to_string();
        assert!(!err.contains("quotes"), "{err}");
    }

    #[test]
    fn a_value_of_the_wrong_type_is_told_what_is_allowed() {
        for (name, key, value, allowed) in [
            ("gru4rec", "batch_size", "-1", "1 to 16777216"),
            ("sasrec", "epochs", "1.5", "1 to 100000"),
            ("bpr", "seed", "-1", "any whole number from 0"),
        ] {
            let err = LearnedSpec::from_name_and_params(name, &[(key.into(), value.into())])
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(err.contains(key) && err.contains(allowed), "{err}");
            // Rust type names stay out of the message.
            assert!(!err.contains("usize") && !err.contains("u64"), "{err}");
        }
        for (name, key, value, wanted) in [
            (
                "bpr",
                "embedding_size",
                "-3",
                "= -3 is not allowed; expected a whole number (length",
            ),
            (
                "bpr",
                "learning_rate",
                "nan",
                "= nan is not allowed; expected a finite number (initial learning rate",
            ),
            (
                "ials",
                "factors",
                "1.5",
                "= 1.5 is not allowed; expected a whole number (",
            ),
            (
                "sasrec",
                "hidden_act",
                "elu",
                "= elu is not allowed; expected one of `gelu`",
            ),
        ] {
            let err = LearnedSpec::from_name_and_params(name, &[(key.into(), value.into())])
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(err.contains(&format!("{key} {wanted}")), "{err}");
        }
    }
}
