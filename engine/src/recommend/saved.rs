//! Saved models: a run's fitted model beside its metrics, served without refitting.
//!
//! ```text
//! runs/<id>/model.safetensors  the model's parameters (Recommender::state)
//! runs/<id>/model.json         SavedModel: format, spec, weighting, what it was fitted on
//! ```
//! Each state carries `format` (this file layout's version) and `model`
//! in its metadata; a loader refuses a state whose format it does not know
//! with a message that names the version and says to retrain, never
//! garbage scores.

use std::path::Path;

use serde::{Deserialize, Serialize};
use shoplab_datasets::{ModelState, Recommender, Weighting};

use crate::error::{Error, Result};
use crate::project::{read_json, write_atomic, write_json_atomic};
use crate::recommend::ModelSpec;

/// Version of the saved-model layout this ShopLab writes and reads.
pub const FORMAT: &str = "shoplab-model/1";

/// File names inside a run folder.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// The description beside the weights.
pub const INFO_FILE: &str = "model.json";

/// What a saved model is and what it was fitted on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedModel {
    /// Layout version ([`FORMAT`] when written by this ShopLab).
    pub format: String,
    /// ShopLab version that saved it.
    pub code_version: String,
    /// The model and its parameters.
    pub spec: ModelSpec,
    /// How repeated interactions were weighted when it was fitted.
    pub weighting: Weighting,
    /// Fingerprint of the whole interaction log of the run.
    pub data_fingerprint: String,
    /// Training events it saw.
    pub n_train: usize,
    /// Users and items of the universe it scores.
    pub n_users: u32,
    /// Items it scores.
    pub n_items: u32,
    /// Where it was trained (`cpu`, `cuda:0`).
    pub device: String,
    /// xxh3-128 of `model.safetensors` with its header's keys sorted
    /// (`xxh3-128c:`; plain `xxh3-128:` hashed the bytes as written, in older
    /// runs): a damaged file is refused instead of serving silently different
    /// scores, and identical weights give identical hashes. Required: a
    /// model without it is refused.
    pub weights_hash: String,
}

impl Default for SavedModel {
    fn default() -> Self {
        SavedModel {
            format: String::new(),
            code_version: String::new(),
            spec: ModelSpec::default(),
            weighting: Weighting::Binary,
            data_fingerprint: String::new(),
            n_train: 0,
            n_users: 0,
            n_items: 0,
            device: "cpu".into(),
            weights_hash: String::new(),
        }
    }
}

/// A new state for `model`, stamped with the format.
pub fn state(model: &str) -> ModelState {
    let mut s = ModelState::new();
    s.meta("format", FORMAT).meta("model", model);
    s
}

/// Refuses a state of another model or layout version.
pub fn check(state: &ModelState, model: &str) -> Result<()> {
    let format = state.get_meta("format").unwrap_or("none");
    if format != FORMAT {
        return Err(Error::invalid(
            "saved model",
            format,
            format!(
                "it was saved by another ShopLab version (layout {format}; this version reads {FORMAT}); train the model again to serve it"
            ),
        ));
    }
    let saved = state.get_meta("model").unwrap_or("none");
    if saved != model {
        return Err(Error::invalid(
            "saved model",
            saved,
            format!("it holds a {saved} model, not {model}"),
        ));
    }
    Ok(())
}

/// A state whose arrays do not fit together.
pub fn malformed(model: &str, why: &str) -> Error {
    Error::invalid(
        "saved model",
        model,
        format!("{why}; the file is damaged or from another version: train the model again"),
    )
}

/// Writes the model's state and description into `dir` (weights first,
/// so a folder with `model.json` always has its weights).
pub fn save(dir: &Path, model: &dyn Recommender, info: &SavedModel) -> Result<()> {
    let bytes = model.state().to_safetensors()?;
    write_atomic(&dir.join(WEIGHTS_FILE), &bytes)?;
    // Through text, as `load` will read it: an f32 setting becomes the
    // number written (0.001), not its f64 widening (0.0010000000474974513).
    let spec = serde_json::to_string(&info.spec)
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t))
        .map_err(|e| {
            Error::invalid(
                "saved model",
                info.spec.name(),
                format!("cannot describe it: {e}"),
            )
        })?;
    let info = SavedModel {
        weights_hash: model_hash(&spec, &bytes),
        ..info.clone()
    };
    write_json_atomic(&dir.join(INFO_FILE), &info)
}

/// The hash of a safetensors file's header (keys sorted) and data.
/// Safetensors writes its metadata map in hash order, so the raw bytes of
/// identical weights differ from save to save; the sorted form does not.
fn weights_hash(bytes: &[u8]) -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hash_weights(&mut hasher, bytes);
    format!("xxh3-128c:{:032x}", hasher.digest128())
}

/// Feeds a safetensors file to `hasher` with its header's keys sorted.
fn hash_weights(hasher: &mut xxhash_rust::xxh3::Xxh3, bytes: &[u8]) {
    match split_header(bytes) {
        Some((header, data)) => {
            hasher.update(canonical_json(&header).as_bytes());
            hasher.update(data);
        }
        // Not a safetensors file: loading refuses it anyway.
        None => hasher.update(bytes),
    }
}

/// The hash `save` records: the model settings (`spec`, keys sorted) and
/// the weights as [`weights_hash`], so an edited setting (a head count, a
/// regularisation that folding-in uses) is caught as an edited weight is.
fn model_hash(spec: &serde_json::Value, bytes: &[u8]) -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(canonical_json(spec).as_bytes());
    hasher.update(&[0]);
    hash_weights(&mut hasher, bytes);
    format!("xxh3-128m:{:032x}", hasher.digest128())
}

/// Whether `recorded` (from `model.json`) is the hash of `spec` and
/// `bytes`; models saved before 2026-12-03 hashed the weights alone
/// (`xxh3-128c:`, earlier the raw bytes `xxh3-128:`) and still load.
fn hash_matches(recorded: &str, spec: &serde_json::Value, bytes: &[u8]) -> bool {
    recorded == model_hash(spec, bytes)
        || recorded == weights_hash(bytes)
        || recorded == format!("xxh3-128:{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

/// A safetensors file's header as JSON and the data after it.
fn split_header(bytes: &[u8]) -> Option<(serde_json::Value, &[u8])> {
    let len = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
    let end = 8usize.checked_add(usize::try_from(len).ok()?)?;
    let header = serde_json::from_slice(bytes.get(8..end)?).ok()?;
    Some((header, &bytes[end..]))
}

/// JSON with every object's keys in sorted order.
fn canonical_json(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .into_iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        serde_json::Value::from(k.as_str()),
                        canonical_json(&map[k])
                    )
                })
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        serde_json::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical_json).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// Whether `dir` was saved with a model whose weights file is now missing.
pub fn weights_missing(dir: &Path) -> bool {
    dir.join(INFO_FILE).is_file() && !dir.join(WEIGHTS_FILE).is_file()
}

/// Whether `dir` holds a saved model.
pub fn exists(dir: &Path) -> bool {
    dir.join(INFO_FILE).is_file() && dir.join(WEIGHTS_FILE).is_file()
}

/// Loads the model saved in `dir`.
pub fn load(dir: &Path) -> Result<(SavedModel, Box<dyn Recommender>)> {
    let info_path = dir.join(INFO_FILE);
    let damaged = |source: serde_json::Error| {
        Error::invalid(
            "saved model",
            info_path.display(),
            format!("{source} (damaged or edited); train the model again"),
        )
    };
    // Read as JSON first: the hash covers the `spec` exactly as written.
    let raw: serde_json::Value = read_json(&info_path).map_err(|e| match e {
        Error::Json { source, .. } => damaged(source),
        other => other,
    })?;
    let info: SavedModel = serde_json::from_value(raw.clone()).map_err(damaged)?;
    // The layout decides whether a model loads; `code_version` only records
    // which ShopLab wrote it (a newer release that keeps the layout serves
    // it unchanged).
    if info.format != FORMAT {
        let is = if info.format.is_empty() {
            "it has no `format`".to_string()
        } else {
            format!("its `format` is {:?}", info.format)
        };
        return Err(Error::invalid(
            "saved model",
            info_path.display(),
            format!(
                "{is} but this ShopLab reads {FORMAT:?}: it was saved by another ShopLab version or edited; train the model again"
            ),
        ));
    }
    // Without the hash a damaged or edited weights file could not be told
    // from the one the run scored with.
    if info.weights_hash.is_empty() {
        return Err(Error::invalid(
            "saved model",
            info_path.display(),
            "it has no `weights_hash` (saved before ShopLab kept one, or edited), so its weights cannot be checked; train the model again",
        ));
    }
    let path = dir.join(WEIGHTS_FILE);
    let bytes = std::fs::read(&path).map_err(|e| Error::io("cannot read", &path, e))?;
    let spec = raw.get("spec").unwrap_or(&serde_json::Value::Null);
    if !hash_matches(&info.weights_hash, spec, &bytes) {
        return Err(Error::invalid(
            "saved model",
            path.display(),
            format!(
                "it or the model settings (`spec`) in {} changed since it was saved (damaged or edited), so it would not score as the run did; train the model again",
                info_path.display()
            ),
        ));
    }
    let state = ModelState::from_safetensors(&bytes).map_err(|e| {
        Error::invalid(
            "saved model",
            path.display(),
            format!("{e}; train the model again"),
        )
    })?;
    let model: Box<dyn Recommender> = match &info.spec {
        // A fusion's members are runs beside it under `runs/`.
        ModelSpec::Fusion(p) if p.method == crate::recommend::fusion::FusionMethod::Stacking => {
            Box::new(crate::recommend::fusion::stacking::StackedModel::load(
                dir.parent().unwrap_or(dir),
                &state,
            )?)
        }
        ModelSpec::Fusion(_) => Box::new(crate::recommend::fusion::FusionModel::load(
            dir.parent().unwrap_or(dir),
            &state,
        )?),
        spec => from_state(spec, &state)?,
    };
    if model.n_items() != info.n_items as usize {
        return Err(malformed(
            info.spec.name(),
            &format!(
                "it scores {} items but says it was fitted on {}",
                model.n_items(),
                info.n_items
            ),
        ));
    }
    Ok((info, model))
}

/// Rebuilds a model of `spec` from its saved state.
pub fn from_state(spec: &ModelSpec, state: &ModelState) -> Result<Box<dyn Recommender>> {
    use crate::recommend::{copurchase, ease, knn, popularity};
    Ok(match spec {
        ModelSpec::Popularity(_) => Box::new(popularity::Popularity::from_state(state)?),
        ModelSpec::ItemKnn(_) => Box::new(knn::ItemKnn::from_state(state)?),
        ModelSpec::UserKnn(p) => Box::new(knn::UserKnn::from_state(state, p)?),
        ModelSpec::Ease(_) => Box::new(ease::Ease::from_state(state)?),
        ModelSpec::CoPurchase(_) => Box::new(copurchase::CoPurchase::from_state(state)?),
        ModelSpec::Content(_) => Box::new(crate::search::ContentModel::from_state(state)?),
        ModelSpec::Learned(l) => crate::recommend::learned::load(&l.0, state)?,
        ModelSpec::Fusion(_) => {
            return Err(Error::invalid(
                "saved model",
                "fusion",
                "a fused model loads its members from their run folders: open it with `saved::load`",
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoplab_datasets::{CancelToken, EventKind, Interactions, NoProgress, UserQuery};

    fn log() -> Interactions {
        let mut log = Interactions::new(6, 7);
        for (u, i, t) in [
            (0, 0, 1),
            (0, 1, 2),
            (1, 0, 3),
            (1, 1, 4),
            (1, 2, 5),
            (2, 0, 6),
            (3, 3, 7),
            (3, 4, 8),
            (4, 3, 9),
            (4, 5, 10),
            (5, 6, 11),
            (5, 1, 12),
        ] {
            log.push(u, i, t, EventKind::Purchase, 1.0);
        }
        log
    }

    /// Every baseline, saved and loaded back, scores every shopper exactly as the fitted one.
    #[test]
    fn every_baseline_serves_identical_scores_after_a_round_trip() {
        let log = log();
        let m = log.to_matrix(Weighting::Binary);
        for spec in ModelSpec::all_defaults() {
            let fitted = spec
                .fit(&log, Weighting::Binary, &NoProgress, &CancelToken::new())
                .unwrap_or_else(|e| panic!("{e}"));
            let bytes = fitted
                .state()
                .to_safetensors()
                .unwrap_or_else(|e| panic!("{e}"));
            let state = ModelState::from_safetensors(&bytes).unwrap_or_else(|e| panic!("{e}"));
            let loaded =
                from_state(&spec, &state).unwrap_or_else(|e| panic!("{}: {e}", spec.name()));
            assert_eq!(loaded.name(), fitted.name());
            for u in 0..6u32 {
                let (h, w) = m.row(u as usize);
                let q = UserQuery::from_set(Some(u), h, w);
                let (mut a, mut b) = (vec![0.0; 7], vec![0.0; 7]);
                fitted.score(&q, &mut a);
                loaded.score(&q, &mut b);
                assert_eq!(a, b, "{} user {u}", spec.name());
            }
        }
    }

    #[test]
    fn a_state_of_another_version_or_model_says_to_retrain() {
        let mut s = ModelState::new();
        s.meta("format", "shoplab-model/0").meta("model", "ease");
        let err = check(&s, "ease").map(|_| ()).unwrap_err().to_string();
        assert!(
            err.contains("another ShopLab version") && err.contains("train"),
            "{err}"
        );
        let err = check(&state("popularity"), "ease")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("popularity"), "{err}");
        // Arrays missing: the loader names the array instead of scoring garbage.
        let err = from_state(&ModelSpec::Ease(Default::default()), &state("ease"))
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("weights"), "{err}");
    }

    /// `model.json` edited to drop the hash, or naming another layout, is
    /// refused: the zeroed weights beside it are never served.
    #[test]
    fn load_refuses_a_model_json_without_its_hash_or_of_another_format() {
        let log = log();
        // 0.3 is not exact in f32: the hash must survive the text round trip.
        let spec = ModelSpec::Ease(crate::recommend::ease::EaseParams { reg: 0.3 });
        let fitted = spec
            .fit(&log, Weighting::Binary, &NoProgress, &CancelToken::new())
            .unwrap_or_else(|e| panic!("{e}"));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let info = SavedModel {
            format: FORMAT.into(),
            spec,
            n_items: 7,
            n_users: 6,
            ..SavedModel::default()
        };
        save(dir.path(), fitted.as_ref(), &info).unwrap_or_else(|e| panic!("{e}"));
        assert!(load(dir.path()).is_ok());
        let path = dir.path().join(INFO_FILE);
        let saved: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap_or_default()).unwrap_or_default();
        let edit = |key: &str, value: Option<&str>| {
            let mut v = saved.clone();
            match value {
                Some(x) => v[key] = x.into(),
                None => {
                    v.as_object_mut().map(|o| o.remove(key));
                }
            }
            std::fs::write(&path, v.to_string()).unwrap_or_else(|e| panic!("{e}"));
            load(dir.path()).map(|_| ()).unwrap_err().to_string()
        };
        let err = edit("weights_hash", None);
        assert!(
            err.contains("weights_hash") && err.contains("train"),
            "{err}"
        );
        let err = edit("weights_hash", Some(""));
        assert!(err.contains("weights_hash"), "{err}");
        let err = edit("format", Some("shoplab-model/2"));
        assert!(
            err.contains("shoplab-model/2") && err.contains("another ShopLab version"),
            "{err}"
        );
        // The model settings are covered by the hash.
        let mut v = saved.clone();
        v["spec"]["reg"] = 100.0.into();
        std::fs::write(&path, v.to_string()).unwrap_or_else(|e| panic!("{e}"));
        let err = load(dir.path()).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("`spec`") && err.contains("changed"), "{err}");
        let err = edit("format", Some(""));
        assert!(err.contains("no `format`"), "{err}");
        // The ShopLab version that wrote it is a record, not a gate.
        std::fs::write(&path, {
            let mut v = saved.clone();
            v["code_version"] = "shoplab 0.0.9".into();
            v.to_string()
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(load(dir.path()).is_ok());
    }

    /// Identical weights hash alike however safetensors ordered the header,
    /// a changed value does not, and older runs' raw-byte hashes still match.
    #[test]
    fn the_weights_hash_ignores_header_order_but_not_values() {
        let mut s = state("ease");
        for k in ["a", "b", "c", "d", "e", "f", "g", "h"] {
            s.meta(k, k);
        }
        s.push_f32("weights", &[2, 2], vec![1.0, 2.0, 3.0, 4.0]);
        let encodings: Vec<Vec<u8>> = (0..16).map(|_| s.to_safetensors().unwrap()).collect();
        // Safetensors really does write the header in varying orders (else
        // this test would prove nothing).
        let distinct: std::collections::HashSet<&Vec<u8>> = encodings.iter().collect();
        assert!(distinct.len() > 1);
        let first = weights_hash(&encodings[0]);
        assert!(first.starts_with("xxh3-128c:"), "{first}");
        for bytes in &encodings {
            assert_eq!(weights_hash(bytes), first);
        }
        let old = format!(
            "xxh3-128:{:032x}",
            xxhash_rust::xxh3::xxh3_128(&encodings[0])
        );
        let spec = serde_json::json!({"model": "ease"});
        assert!(
            hash_matches(&old, &spec, &encodings[0]) && !hash_matches("", &spec, &encodings[0])
        );
        assert!(hash_matches(&first, &spec, &encodings[0]));
        let with_spec = model_hash(&spec, &encodings[0]);
        for bytes in &encodings {
            assert_eq!(model_hash(&spec, bytes), with_spec);
        }
        assert!(!hash_matches(
            &with_spec,
            &serde_json::json!({"model": "ease", "l2": 1}),
            &encodings[0]
        ));
        let mut damaged = encodings[0].clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert!(!hash_matches(&first, &spec, &damaged) && !hash_matches(&old, &spec, &damaged));
    }
}
