//! Saved-model helpers: every state carries a `format` tag, and loading a
//! state of another format or shape says it came from another ShopLab version.

use candle_core::{Device, Tensor};
use shoplab_datasets::ModelState;

use crate::error::{Error, Result};

/// Fails unless `state` was saved with `format` (e.g. `shoplab-bpr-1`).
pub fn check_format(state: &ModelState, model: &str, format: &str) -> Result<()> {
    match state.get_meta("format") {
        Some(f) if f == format => Ok(()),
        Some(f) => Err(Error::State(format!(
            "this saved {model} model has format `{f}` but this ShopLab reads `{format}`: it was \
             saved by another ShopLab version; retrain the model"
        ))),
        None => Err(Error::State(format!(
            "this saved state is not a {model} model of this ShopLab version (no `format` entry); \
             retrain the model"
        ))),
    }
}

/// The f32 array `name` with shape `dims`, as a tensor on `device`; a missing
/// or mis-shaped array is reported as a version mismatch.
pub fn tensor(
    state: &ModelState,
    model: &str,
    name: &str,
    dims: &[usize],
    device: &Device,
) -> Result<Tensor> {
    let (_, v) = state.f32(name, Some(dims)).map_err(|e| {
        Error::State(format!(
            "the saved {model} model does not match its parameters ({e}): it was saved by another \
             ShopLab version or with other settings; retrain the model"
        ))
    })?;
    Ok(Tensor::from_slice(v, dims, device)?)
}

/// A metadata number, or a version-mismatch error naming it.
pub fn meta_usize(state: &ModelState, model: &str, key: &str) -> Result<usize> {
    state
        .get_meta(key)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            Error::State(format!(
                "the saved {model} model lacks `{key}`: it was saved by another ShopLab version; retrain the model"
            ))
        })
}

/// The values of a tensor as f32, row-major.
pub fn to_vec(t: &Tensor) -> Result<Vec<f32>> {
    Ok(t.flatten_all()?.to_vec1::<f32>()?)
}
