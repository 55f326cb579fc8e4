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
use crate::neumf::{NeuMfParams, fit_neumf, load_neumf};
use crate::train::{FitContext, TrainData};

/// Names of the models this module builds.
pub const LEARNED_MODELS: &[&str] = &["bpr", "neumf"];

/// A learned model with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum LearnedSpec {
    /// BPR matrix factorisation.
    Bpr(BprParams),
    /// NeuMF (GMF + MLP).
    NeuMf(NeuMfParams),
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
                k,
                k,
                &format!("a {model} parameter: {}", keys.join(", ")),
            ));
        }
        let mut one = defaults.clone();
        one.insert(k.clone(), v.clone());
        if let Err(e) = serde_json::from_value::<T>(Value::Object(one)) {
            let msg = e.to_string();
            return Err(Error::invalid(
                k,
                v,
                &format!("a value of the right type ({msg})"),
            ));
        }
    }
    let mut all = defaults;
    all.extend(obj.iter().map(|(k, v)| (k.clone(), v.clone())));
    serde_json::from_value(Value::Object(all))
        .map_err(|e| Error::invalid(model, "parameters", &e.to_string()))
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

    /// The model's name (`bpr`, `neumf`).
    pub fn name(&self) -> &'static str {
        match self {
            LearnedSpec::Bpr(_) => "bpr",
            LearnedSpec::NeuMf(_) => "neumf",
        }
    }

    /// Every parameter as a JSON object (what a run records).
    pub fn params_json(&self) -> Value {
        match self {
            LearnedSpec::Bpr(p) => serde_json::to_value(p),
            LearnedSpec::NeuMf(p) => serde_json::to_value(p),
        }
        .unwrap_or(Value::Null)
    }

    /// Checks every parameter (field, value and allowed range in the error).
    pub fn validate(&self) -> Result<()> {
        match self {
            LearnedSpec::Bpr(p) => p.validate(),
            LearnedSpec::NeuMf(p) => p.validate(),
        }
    }

    /// Trains the model.
    pub fn fit(&self, data: &TrainData<'_>, ctx: &FitContext<'_>) -> Result<Fitted> {
        match self {
            LearnedSpec::Bpr(p) => fit_bpr(p, data, ctx),
            LearnedSpec::NeuMf(p) => fit_neumf(p, data, ctx),
        }
    }

    /// Rebuilds a trained model from its saved state on `device`.
    pub fn load(&self, state: &ModelState, device: &Device) -> Result<Box<dyn Recommender>> {
        Ok(match self {
            LearnedSpec::Bpr(p) => Box::new(load_bpr(p, state, device)?),
            LearnedSpec::NeuMf(p) => Box::new(load_neumf(p, state, device)?),
        })
    }
}
