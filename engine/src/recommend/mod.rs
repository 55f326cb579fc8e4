//! Baseline (non-neural) recommenders and the serde spec that picks one.
//!
//! Each model lives in its own module with a `Params` struct (serde, every
//! field defaulted) and a `fit` function; [`ModelSpec`] ties them together so
//! runs, the CLI and the GUI can name a model and its parameters as data.

pub mod copurchase;
pub mod ease;
pub mod fusion;
pub mod knn;
pub mod learned;
pub mod per_user;
pub mod popularity;
pub mod saved;
pub mod shopper;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shoplab_datasets::{CancelToken, Interactions, Progress, Recommender, Weighting};
use shoplab_models::{LEARNED_MODELS, LearnedSpec};

use crate::error::{Error, Result};

pub use copurchase::{CoPurchaseParams, CoPurchaseScore};
pub use ease::EaseParams;
pub use knn::{ItemKnnParams, UserKnnParams};
pub use popularity::PopularityParams;

use crate::search::ContentParams;

/// A model and its parameters, as stored in run specs: a baseline of this
/// crate or a learned model of `shoplab-models`.
///
/// JSON form: `{"model": "item_knn", "neighbours": 50, "shrink": 10}` or
/// `{"model": "bpr", "epochs": 20}` (a learned model's missing fields take
/// that model's own defaults).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum ModelSpec {
    /// Most popular items (all-time or recent).
    Popularity(PopularityParams),
    /// Item-based k-nearest neighbours.
    ItemKnn(ItemKnnParams),
    /// User-based k-nearest neighbours.
    UserKnn(UserKnnParams),
    /// Embarrassingly shallow autoencoder (Steck 2019).
    Ease(EaseParams),
    /// Frequently bought together.
    CoPurchase(CoPurchaseParams),
    /// Similar items by catalog text, through the search index (fitted by
    /// [`crate::project::Project::fit_model`], which owns the index).
    Content(ContentParams),
    /// Two or more saved runs combined into one ranking (built by
    /// [`crate::project::Project::fuse`], which loads the members).
    Fusion(fusion::FusionParams),
    /// A learned model (BPR, NeuMF, ...), trained by `shoplab-models`.
    #[serde(untagged)]
    Learned(LearnedModel),
}

/// A learned model's spec in a run spec: its name under `model` beside its
/// parameters (see [`shoplab_models::LearnedSpec`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedModel(pub LearnedSpec);

impl Serialize for LearnedModel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut fields = match self.0.params_json() {
            serde_json::Value::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        fields.insert("model".into(), self.0.name().into());
        fields.serialize(s)
    }
}

/// The baselines' derived form, so a bad baseline field keeps serde's own
/// message (an untagged fallback would only say "did not match").
#[derive(Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
enum BaselineSpec {
    Popularity(PopularityParams),
    ItemKnn(ItemKnnParams),
    UserKnn(UserKnnParams),
    Ease(EaseParams),
    CoPurchase(CoPurchaseParams),
    Content(ContentParams),
    Fusion(fusion::FusionParams),
}

impl<'de> Deserialize<'de> for ModelSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let value = serde_json::Value::deserialize(d)?;
        let name = value
            .get("model")
            .and_then(|m| m.as_str())
            .unwrap_or("")
            .to_string();
        if LEARNED_MODELS.contains(&name.as_str()) {
            let mut fields = value.as_object().cloned().unwrap_or_default();
            fields.remove("model");
            return LearnedSpec::from_json(&name, &serde_json::Value::Object(fields))
                .map(|l| ModelSpec::Learned(LearnedModel(l)))
                .map_err(|e| D::Error::custom(e.to_string()));
        }
        let known = MODEL_NAMES.join(", ");
        if let Some(fields) = value.as_object()
            && !fields.contains_key("model")
        {
            let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
            return Err(D::Error::custom(format!(
                "no `model` key naming the model (one of {known}){}",
                if keys.is_empty() {
                    String::new()
                } else {
                    format!("; it has {}", keys.join(", "))
                }
            )));
        }
        let b = BaselineSpec::deserialize(value).map_err(|e| {
            let msg = e.to_string();
            if msg.starts_with("unknown variant") {
                D::Error::custom(format!("unknown model `{name}`; expected one of {known}"))
            } else {
                D::Error::custom(msg)
            }
        })?;
        Ok(match b {
            BaselineSpec::Popularity(p) => ModelSpec::Popularity(p),
            BaselineSpec::ItemKnn(p) => ModelSpec::ItemKnn(p),
            BaselineSpec::UserKnn(p) => ModelSpec::UserKnn(p),
            BaselineSpec::Ease(p) => ModelSpec::Ease(p),
            BaselineSpec::CoPurchase(p) => ModelSpec::CoPurchase(p),
            BaselineSpec::Content(p) => ModelSpec::Content(p),
            BaselineSpec::Fusion(p) => ModelSpec::Fusion(p),
        })
    }
}

impl Default for ModelSpec {
    /// Item-kNN: strong, fast, and fits any catalog size.
    fn default() -> Self {
        ModelSpec::ItemKnn(ItemKnnParams::default())
    }
}

/// Baseline names accepted by [`ModelSpec::from_name_and_params`], in display order.
pub const BASELINE_NAMES: [&str; 6] = [
    "popularity",
    "item_knn",
    "user_knn",
    "ease",
    "co_purchase",
    "content",
];

/// Every model name, baselines then learned ones, in display order.
pub static MODEL_NAMES: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    BASELINE_NAMES
        .iter()
        .chain(LEARNED_MODELS.iter())
        .copied()
        .collect()
});

impl ModelSpec {
    /// Short snake_case name, as in the JSON tag (e.g. `item_knn`).
    pub fn name(&self) -> &'static str {
        match self {
            ModelSpec::Popularity(_) => "popularity",
            ModelSpec::ItemKnn(_) => "item_knn",
            ModelSpec::UserKnn(_) => "user_knn",
            ModelSpec::Ease(_) => "ease",
            ModelSpec::CoPurchase(_) => "co_purchase",
            ModelSpec::Content(_) => "content",
            ModelSpec::Fusion(_) => "fusion",
            ModelSpec::Learned(l) => l.0.name(),
        }
    }

    /// One plain sentence about the model, for UIs.
    pub fn description(&self) -> &'static str {
        match self {
            ModelSpec::Popularity(_) => {
                "Recommends what most shoppers interacted with (optionally only recently); the same list for everyone."
            }
            ModelSpec::ItemKnn(_) => {
                "Recommends items similar to those the shopper already chose, where similar means liked by the same shoppers."
            }
            ModelSpec::UserKnn(_) => {
                "Finds the shoppers whose history looks most like this shopper's and recommends what they chose."
            }
            ModelSpec::Ease(_) => {
                "Learns, in one closed-form step, how much each item predicts every other item (EASE, Steck 2019)."
            }
            ModelSpec::CoPurchase(_) => {
                "Frequently bought together: items bought by the same shoppers within a short time of the shopper's recent items."
            }
            ModelSpec::Content(_) => {
                "Recommends items whose title, brand and category read like those the shopper chose (search-index similarity)."
            }
            ModelSpec::Fusion(_) => {
                "Combines the rankings of two or more trained runs (their scores put on one scale and summed with weights chosen on the validation split)."
            }
            ModelSpec::Learned(l) => learned::description(l.0.name()),
        }
    }

    /// Every learned model with its default parameters, in display order.
    pub fn learned_defaults() -> Vec<ModelSpec> {
        LEARNED_MODELS
            .iter()
            .filter_map(|n| LearnedSpec::default_for(n).ok())
            .map(|l| ModelSpec::Learned(LearnedModel(l)))
            .collect()
    }

    /// Whether this is a learned (candle) model.
    pub fn is_learned(&self) -> bool {
        matches!(self, ModelSpec::Learned(_))
    }

    /// Every baseline with its default parameters, in display order (what
    /// `shoplab train all` trains; learned models take minutes, not seconds).
    pub fn all_defaults() -> Vec<ModelSpec> {
        vec![
            ModelSpec::Popularity(PopularityParams::default()),
            ModelSpec::ItemKnn(ItemKnnParams::default()),
            ModelSpec::UserKnn(UserKnnParams::default()),
            ModelSpec::Ease(EaseParams::default()),
            ModelSpec::CoPurchase(CoPurchaseParams::default()),
        ]
    }

    /// A spec from a model name and `NAME=VALUE` parameters given as text
    /// (values are read as JSON when they parse, else as strings). Unknown
    /// names and parameters are refused with the list of valid ones.
    pub fn from_name_and_params(
        name: &str,
        params: &BTreeMap<String, String>,
    ) -> Result<ModelSpec> {
        let name = name.trim().to_ascii_lowercase().replace('-', "_");
        if name == "fusion" {
            return Err(Error::invalid(
                "model",
                "fusion",
                "a fusion combines runs already trained: build it with `shoplab fuse RUN RUN ...`",
            ));
        }
        if LEARNED_MODELS.contains(&name.as_str()) {
            let pairs: Vec<(String, String)> =
                params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            return LearnedSpec::from_name_and_params(&name, &pairs)
                .map(|l| ModelSpec::Learned(LearnedModel(l)))
                .map_err(learned::error);
        }
        let Some(default) = ModelSpec::all_defaults()
            .into_iter()
            .chain([ModelSpec::Content(ContentParams::default())])
            .find(|m| m.name() == name)
        else {
            return Err(Error::invalid(
                "model",
                &name,
                format!("unknown model; expected one of {}", MODEL_NAMES.join(", ")),
            ));
        };
        let serde_json::Value::Object(mut fields) =
            serde_json::to_value(&default).map_err(|e| {
                Error::invalid("model", &name, format!("cannot encode its parameters: {e}"))
            })?
        else {
            return Err(Error::invalid(
                "model",
                &name,
                "parameters are not an object",
            ));
        };
        for (key, text) in params {
            if key == "model" || !fields.contains_key(key) {
                let known: Vec<&str> = fields
                    .keys()
                    .map(String::as_str)
                    .filter(|k| *k != "model")
                    .collect();
                return Err(Error::invalid(
                    key,
                    text,
                    format!(
                        "{name} has no such parameter; its parameters are {}",
                        known.join(", ")
                    ),
                ));
            }
            let value = serde_json::from_str(text)
                .unwrap_or_else(|_| serde_json::Value::String(text.clone()));
            // Checked one at a time so the error names this parameter.
            let mut one = fields.clone();
            one.insert(key.clone(), value.clone());
            if let Err(e) = serde_json::from_value::<ModelSpec>(serde_json::Value::Object(one)) {
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg);
                return Err(Error::invalid(
                    key,
                    text,
                    format!(
                        "expected {}",
                        shoplab_models::spec::type_error_in_words(msg, None)
                    ),
                ));
            }
            fields.insert(key.clone(), value);
        }
        serde_json::from_value(serde_json::Value::Object(fields)).map_err(|e| {
            let given: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            Error::invalid(
                &format!("{name} parameters"),
                given.join(" "),
                e.to_string(),
            )
        })
    }

    /// Whether `weighting` changes what this model learns: the matrix
    /// models (item-kNN, user-kNN, EASE) fit the weighted user x item
    /// matrix; popularity and co-purchase count distinct shoppers.
    pub fn uses_weighting(&self) -> bool {
        match self {
            ModelSpec::ItemKnn(_) | ModelSpec::UserKnn(_) | ModelSpec::Ease(_) => true,
            ModelSpec::Learned(l) => learned::uses_weighting(l.0.name()),
            _ => false,
        }
    }

    /// Whether fitting reads the validation part (early stopping, tuning,
    /// stacking); for the other models a validation share only withholds
    /// those events from training and from the shoppers' test histories.
    pub fn uses_validation(&self) -> bool {
        use fusion::{FusionMethod, Tuning};
        match self {
            ModelSpec::Learned(l) => !matches!(l.0, LearnedSpec::Ials(_)),
            ModelSpec::Fusion(p) => {
                p.method == FusionMethod::Stacking || p.tuning() != Tuning::None
            }
            _ => false,
        }
    }

    /// Trains the model on `train`, whose repeated interactions become
    /// matrix values by `weighting` (see [`ModelSpec::uses_weighting`]).
    pub fn fit(
        &self,
        train: &Interactions,
        weighting: Weighting,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<Box<dyn Recommender>> {
        Ok(match self {
            ModelSpec::Popularity(p) => Box::new(popularity::fit(train, p, progress, cancel)?),
            ModelSpec::ItemKnn(p) => Box::new(knn::fit_item_knn(
                &train.to_matrix(weighting),
                p,
                progress,
                cancel,
            )?),
            ModelSpec::UserKnn(p) => Box::new(knn::fit_user_knn(
                &train.to_matrix(weighting),
                p,
                progress,
                cancel,
            )?),
            ModelSpec::Ease(p) => {
                Box::new(ease::fit(&train.to_matrix(weighting), p, progress, cancel)?)
            }
            ModelSpec::CoPurchase(p) => Box::new(copurchase::fit(train, p, progress, cancel)?),
            ModelSpec::Content(_) => {
                return Err(Error::invalid(
                    "model",
                    "content",
                    "the content model reads the search index: fit it through the project (`shoplab train content` after `shoplab index`)",
                ));
            }
            ModelSpec::Fusion(_) => {
                return Err(Error::invalid(
                    "model",
                    "fusion",
                    "a fusion combines saved runs: build it through the project (`shoplab fuse RUN RUN ...`)",
                ));
            }
            ModelSpec::Learned(l) => {
                // No validation split, checkpoints or catalog text here: the
                // project's fit path gives those (see `learned::fit`).
                let sequences = train.sequences();
                let data = shoplab_models::TrainData {
                    train,
                    weighting,
                    sequences: &sequences,
                    item_text: None,
                };
                let ctx = shoplab_models::FitContext {
                    progress,
                    cancel,
                    validator: None,
                    checkpoint_dir: None,
                    resume_key: "",
                    device: shoplab_models::DeviceChoice::Cpu,
                };
                l.0.fit(&data, &ctx).map_err(learned::error)?.model
            }
        })
    }
}

/// A learned model's parameters with defaults and help (empty for other names).
pub fn learned_param_docs(name: &str) -> Vec<shoplab_models::ParamDoc> {
    LearnedSpec::param_docs(name).unwrap_or_default()
}

/// `Err(Cancelled)` once the user asked to stop.
fn check_cancel(cancel: &CancelToken) -> Result<()> {
    if cancel.is_cancelled() {
        Err(Error::Cancelled)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoplab_datasets::{EventKind, NoProgress, top_k};

    #[test]
    fn spec_json_round_trips_with_defaults() {
        let spec: ModelSpec = serde_json::from_str(r#"{"model": "item_knn", "neighbours": 7}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        let ModelSpec::ItemKnn(p) = &spec else {
            panic!("{spec:?}")
        };
        assert_eq!(p.neighbours, 7);
        assert_eq!(p.shrink, ItemKnnParams::default().shrink);
        let back: ModelSpec =
            serde_json::from_str(&serde_json::to_string(&spec).unwrap_or_default())
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, spec);
        for m in ModelSpec::all_defaults() {
            let json = serde_json::to_value(&m).unwrap_or_default();
            assert_eq!(json["model"], m.name());
            assert!(!m.description().is_empty());
        }
    }

    #[test]
    fn from_name_and_params_parses_and_refuses_typos() {
        let params = BTreeMap::from([("reg".to_string(), "10.5".to_string())]);
        let spec =
            ModelSpec::from_name_and_params("EASE", &params).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec, ModelSpec::Ease(EaseParams { reg: 10.5 }));
        let bad = BTreeMap::from([("lambda".to_string(), "3".to_string())]);
        let err = ModelSpec::from_name_and_params("ease", &bad)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("lambda") && err.contains("reg"), "{err}");
        assert!(ModelSpec::from_name_and_params("svd", &BTreeMap::new()).is_err());
        let bad_value = BTreeMap::from([("neighbours".to_string(), "many".to_string())]);
        let err = ModelSpec::from_name_and_params("item_knn", &bad_value)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("invalid neighbours = many: expected a whole number"),
            "{err}"
        );
        let bad_reg = BTreeMap::from([("reg".to_string(), "abc".to_string())]);
        let err = ModelSpec::from_name_and_params("ease", &bad_reg)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("invalid reg = abc: expected a finite number"),
            "{err}"
        );
        // A spec object without its `model` key says so and shows its keys.
        let err = serde_json::from_str::<ModelSpec>(r#"{"modle": "ease"}"#)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no `model` key") && err.contains("modle"),
            "{err}"
        );
    }

    #[test]
    fn every_default_model_fits_and_ranks_a_small_log() {
        let mut log = Interactions::new(4, 5);
        for (u, i, t) in [
            (0, 0, 1),
            (0, 1, 2),
            (1, 0, 3),
            (1, 1, 4),
            (1, 2, 5),
            (2, 0, 6),
            (3, 3, 7),
        ] {
            log.push(u, i, t, EventKind::Purchase, 1.0);
        }
        let hist = [0u32];
        let q = shoplab_datasets::UserQuery {
            user: Some(2),
            history: &hist,
            weights: &[1.0],
            events: &[],
        };
        for spec in ModelSpec::all_defaults() {
            let model = spec
                .fit(&log, Weighting::Binary, &NoProgress, &CancelToken::new())
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(model.name(), spec.name());
            let mut scores = vec![0.0; model.n_items()];
            model.score(&q, &mut scores);
            // Item 1 is bought with item 0 by two shoppers: every model ranks it first.
            assert_eq!(
                top_k(&scores, 1, &hist),
                vec![1],
                "{}: {scores:?}",
                spec.name()
            );
        }
    }

    #[test]
    fn fitting_stops_when_cancelled() {
        let cancel = CancelToken::new();
        cancel.cancel();
        let mut log = Interactions::new(1, 2);
        log.push(0, 1, 0, EventKind::View, 1.0);
        for spec in ModelSpec::all_defaults() {
            assert!(
                matches!(
                    spec.fit(&log, Weighting::Binary, &NoProgress, &cancel),
                    Err(Error::Cancelled)
                ),
                "{}",
                spec.name()
            );
        }
    }

    /// Count weighting reaches the fit: a shopper who viewed item 1 five
    /// times pulls item-kNN's similarities (and EASE's weights) towards it,
    /// so the same query ranks differently than under binary weighting.
    #[test]
    fn count_weighting_changes_what_matrix_models_learn() {
        // u0 chose 0 and 1 (1 five times), u1 chose 0 and 2, u2 chose 1 and 2.
        let mut log = Interactions::new(3, 3);
        log.push(0, 0, 0, EventKind::View, 1.0);
        for t in 1..=5 {
            log.push(0, 1, t, EventKind::View, 1.0);
        }
        log.push(1, 0, 6, EventKind::View, 1.0);
        log.push(1, 2, 7, EventKind::View, 1.0);
        log.push(2, 1, 8, EventKind::View, 1.0);
        log.push(2, 2, 9, EventKind::View, 1.0);
        let hist = [0u32];
        let q = shoplab_datasets::UserQuery {
            user: None,
            history: &hist,
            weights: &[1.0],
            events: &[],
        };
        for spec in [
            ModelSpec::ItemKnn(ItemKnnParams::default()),
            ModelSpec::Ease(EaseParams { reg: 1.0 }),
            ModelSpec::UserKnn(UserKnnParams::default()),
        ] {
            let scores = |w: Weighting| {
                let m = spec
                    .fit(&log, w, &NoProgress, &CancelToken::new())
                    .unwrap_or_else(|e| panic!("{e}"));
                let mut s = vec![0.0; 3];
                m.score(&q, &mut s);
                s
            };
            let (binary, count) = (scores(Weighting::Binary), scores(Weighting::Count));
            // Binary: items 1 and 2 are symmetric for a shopper who chose 0.
            assert!(
                (binary[1] - binary[2]).abs() < 1e-6,
                "{}: {binary:?}",
                spec.name()
            );
            // Count: u0's repeats tie item 1 to item 0 more strongly.
            assert!(count[1] > count[2] + 1e-4, "{}: {count:?}", spec.name());
            assert!(spec.uses_weighting());
        }
        assert!(!ModelSpec::Popularity(PopularityParams::default()).uses_weighting());
    }
}
