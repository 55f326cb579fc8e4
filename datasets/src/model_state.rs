//! A fitted model's parameters as named arrays, and their safetensors form.
//!
//! Every recommender, classic or learned, hands its fitted state to the
//! engine as a [`ModelState`]; the engine saves it beside the run
//! (`model.safetensors`) and gives it back to the model's loader, so
//! `recommend` and the app serve a run's own model instead of refitting it.
//! Safetensors is the format candle and the Python tools read, so a saved
//! model can be re-checked outside ShopLab.

use std::collections::HashMap;

use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use crate::error::{Error, Result};
use crate::interactions::SparseMatrix;

/// The values of one array.
#[derive(Debug, Clone, PartialEq)]
pub enum ArrayData {
    /// 32-bit floats (weights, scores).
    F32(Vec<f32>),
    /// Unsigned indices (item ids, CSR columns).
    U32(Vec<u32>),
    /// Signed 64-bit values (offsets, times).
    I64(Vec<i64>),
}

impl ArrayData {
    fn len(&self) -> usize {
        match self {
            ArrayData::F32(v) => v.len(),
            ArrayData::U32(v) => v.len(),
            ArrayData::I64(v) => v.len(),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            ArrayData::F32(_) => "f32",
            ArrayData::U32(_) => "u32",
            ArrayData::I64(_) => "i64",
        }
    }
}

/// One named array with its shape (row-major).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedArray {
    /// Name, unique within a state (e.g. `item_embedding`).
    pub name: String,
    /// Shape; the product equals the number of values.
    pub shape: Vec<usize>,
    /// Values.
    pub data: ArrayData,
}

/// A fitted model's parameters: named arrays plus text metadata.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelState {
    /// The arrays, in the order the model listed them.
    pub arrays: Vec<NamedArray>,
    /// Free text facts (format version, dimensions) stored in the file header.
    pub metadata: Vec<(String, String)>,
}

impl ModelState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an f32 array of the given shape.
    pub fn push_f32(&mut self, name: &str, shape: &[usize], values: Vec<f32>) -> &mut Self {
        self.push(name, shape, ArrayData::F32(values))
    }

    /// Adds a u32 array of the given shape.
    pub fn push_u32(&mut self, name: &str, shape: &[usize], values: Vec<u32>) -> &mut Self {
        self.push(name, shape, ArrayData::U32(values))
    }

    /// Adds an i64 array of the given shape.
    pub fn push_i64(&mut self, name: &str, shape: &[usize], values: Vec<i64>) -> &mut Self {
        self.push(name, shape, ArrayData::I64(values))
    }

    /// Adds a metadata entry.
    pub fn meta(&mut self, key: &str, value: impl ToString) -> &mut Self {
        self.metadata.push((key.to_string(), value.to_string()));
        self
    }

    fn push(&mut self, name: &str, shape: &[usize], data: ArrayData) -> &mut Self {
        self.arrays.push(NamedArray {
            name: name.to_string(),
            shape: shape.to_vec(),
            data,
        });
        self
    }

    /// A metadata value.
    pub fn get_meta(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Approximate size of the arrays in bytes.
    pub fn size_bytes(&self) -> usize {
        self.arrays
            .iter()
            .map(|a| match &a.data {
                ArrayData::F32(v) => v.len() * 4,
                ArrayData::U32(v) => v.len() * 4,
                ArrayData::I64(v) => v.len() * 8,
            })
            .sum()
    }

    fn find(&self, name: &str) -> Result<&NamedArray> {
        self.arrays
            .iter()
            .find(|a| a.name == name)
            .ok_or_else(|| Error::ModelState(format!("it has no array named `{name}`")))
    }

    fn check_shape(a: &NamedArray, shape: Option<&[usize]>) -> Result<()> {
        let n: usize = a.shape.iter().product();
        if n != a.data.len() {
            return Err(Error::ModelState(format!(
                "array `{}` has shape {:?} but {} values",
                a.name,
                a.shape,
                a.data.len()
            )));
        }
        if let Some(want) = shape
            && want != a.shape.as_slice()
        {
            return Err(Error::ModelState(format!(
                "array `{}` has shape {:?}, expected {want:?}",
                a.name, a.shape
            )));
        }
        Ok(())
    }

    /// The f32 array `name`, checked against `shape` when given; returns its shape and values.
    pub fn f32(&self, name: &str, shape: Option<&[usize]>) -> Result<(&[usize], &[f32])> {
        let a = self.find(name)?;
        Self::check_shape(a, shape)?;
        match &a.data {
            ArrayData::F32(v) => Ok((&a.shape, v)),
            other => Err(wrong_kind(name, "f32", other)),
        }
    }

    /// The u32 array `name`, checked against `shape` when given.
    pub fn u32(&self, name: &str, shape: Option<&[usize]>) -> Result<(&[usize], &[u32])> {
        let a = self.find(name)?;
        Self::check_shape(a, shape)?;
        match &a.data {
            ArrayData::U32(v) => Ok((&a.shape, v)),
            other => Err(wrong_kind(name, "u32", other)),
        }
    }

    /// The i64 array `name`, checked against `shape` when given.
    pub fn i64(&self, name: &str, shape: Option<&[usize]>) -> Result<(&[usize], &[i64])> {
        let a = self.find(name)?;
        Self::check_shape(a, shape)?;
        match &a.data {
            ArrayData::I64(v) => Ok((&a.shape, v)),
            other => Err(wrong_kind(name, "i64", other)),
        }
    }

    /// The state in safetensors form (little-endian, arrays sorted by name).
    pub fn to_safetensors(&self) -> Result<Vec<u8>> {
        let mut bytes: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
        for a in &self.arrays {
            Self::check_shape(a, None)?;
            let (dtype, raw) = match &a.data {
                ArrayData::F32(v) => (Dtype::F32, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
                ArrayData::U32(v) => (Dtype::U32, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
                ArrayData::I64(v) => (Dtype::I64, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            };
            bytes.push((a.name.clone(), dtype, a.shape.clone(), raw));
        }
        let views = bytes
            .iter()
            .map(|(name, dtype, shape, raw)| {
                TensorView::new(*dtype, shape.clone(), raw)
                    .map(|v| (name.clone(), v))
                    .map_err(|e| Error::ModelState(format!("array `{name}`: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let meta: HashMap<String, String> = self.metadata.iter().cloned().collect();
        safetensors::serialize(views, Some(meta))
            .map_err(|e| Error::ModelState(format!("cannot encode: {e}")))
    }

    /// Reads a state written by [`ModelState::to_safetensors`] (or any
    /// safetensors file of f32 / u32 / i64 arrays).
    pub fn from_safetensors(bytes: &[u8]) -> Result<ModelState> {
        let st = SafeTensors::deserialize(bytes)
            .map_err(|e| Error::ModelState(format!("not a safetensors file: {e}")))?;
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| Error::ModelState(format!("not a safetensors file: {e}")))?;
        let mut metadata: Vec<(String, String)> = header
            .metadata()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        metadata.sort();
        let mut arrays = Vec::new();
        let mut tensors = st.tensors();
        tensors.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, view) in tensors {
            let raw = view.data();
            let data = match view.dtype() {
                Dtype::F32 => ArrayData::F32(
                    raw.chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect(),
                ),
                Dtype::U32 => ArrayData::U32(
                    raw.chunks_exact(4)
                        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect(),
                ),
                Dtype::I64 => ArrayData::I64(
                    raw.chunks_exact(8)
                        .map(|c| {
                            i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])
                        })
                        .collect(),
                ),
                other => {
                    return Err(Error::ModelState(format!(
                        "array `{name}` has type {other:?}; ShopLab reads f32, u32 and i64"
                    )));
                }
            };
            arrays.push(NamedArray {
                name,
                shape: view.shape().to_vec(),
                data,
            });
        }
        Ok(ModelState { arrays, metadata })
    }
}

impl ModelState {
    /// Adds a CSR matrix as three arrays `<prefix>.indptr` (i64),
    /// `<prefix>.indices` (u32) and `<prefix>.data` (f32); its column count
    /// goes into the metadata.
    pub fn push_csr(&mut self, prefix: &str, m: &SparseMatrix) -> &mut Self {
        self.push_offsets(&format!("{prefix}.indptr"), &m.indptr)
            .push_u32(&format!("{prefix}.indices"), &[m.nnz()], m.indices.clone())
            .push_f32(&format!("{prefix}.data"), &[m.nnz()], m.data.clone())
            .meta(&format!("{prefix}.n_cols"), m.n_cols)
    }

    /// Reads a CSR matrix written by [`ModelState::push_csr`], checking that
    /// offsets rise, end at the value count and columns stay inside.
    pub fn csr(&self, prefix: &str) -> Result<SparseMatrix> {
        let indptr = self.offsets(&format!("{prefix}.indptr"))?;
        let (_, indices) = self.u32(&format!("{prefix}.indices"), None)?;
        let (_, data) = self.f32(&format!("{prefix}.data"), Some(&[indices.len()]))?;
        let n_cols: usize = self
            .get_meta(&format!("{prefix}.n_cols"))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| Error::ModelState(format!("`{prefix}.n_cols` is missing")))?;
        let bad = |why: &str| Error::ModelState(format!("matrix `{prefix}`: {why}"));
        if indptr.first() != Some(&0) || indptr.last() != Some(&indices.len()) {
            return Err(bad("its offsets do not span its values"));
        }
        if indptr.windows(2).any(|w| w[0] > w[1]) {
            return Err(bad("its offsets go down"));
        }
        if indices.iter().any(|&c| c as usize >= n_cols) {
            return Err(bad("a column is outside the matrix"));
        }
        Ok(SparseMatrix {
            n_rows: indptr.len() - 1,
            n_cols,
            indptr,
            indices: indices.to_vec(),
            data: data.to_vec(),
        })
    }

    /// Adds a list of offsets (stored as i64).
    pub fn push_offsets(&mut self, name: &str, offsets: &[usize]) -> &mut Self {
        self.push_i64(
            name,
            &[offsets.len()],
            offsets.iter().map(|&o| o as i64).collect(),
        )
    }

    /// Reads offsets written by [`ModelState::push_offsets`] (rising, from 0).
    pub fn offsets(&self, name: &str) -> Result<Vec<usize>> {
        let (_, raw) = self.i64(name, None)?;
        let out: Vec<usize> = raw
            .iter()
            .map(|&o| usize::try_from(o))
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| Error::ModelState(format!("`{name}` holds a negative offset")))?;
        if out.is_empty() || out.windows(2).any(|w| w[0] > w[1]) {
            return Err(Error::ModelState(format!(
                "`{name}` is not a list of rising offsets"
            )));
        }
        Ok(out)
    }

    /// The integer metadata entry `key`, or an error naming it.
    pub fn meta_usize(&self, key: &str) -> Result<usize> {
        self.get_meta(key)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| Error::ModelState(format!("`{key}` is missing from its metadata")))
    }
}

fn wrong_kind(name: &str, want: &str, got: &ArrayData) -> Error {
    Error::ModelState(format!(
        "array `{name}` holds {} values, expected {want}",
        got.kind()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safetensors_round_trip_keeps_every_array_and_fact() {
        let mut s = ModelState::new();
        s.push_f32(
            "w",
            &[2, 3],
            vec![1.0, -2.5, 3.0, f32::MIN_POSITIVE, 0.0, 7.25],
        )
        .push_u32("cols", &[3], vec![0, 7, u32::MAX])
        .push_i64("ptr", &[2], vec![-1, i64::MAX])
        .meta("format", 1);
        let bytes = s.to_safetensors().unwrap_or_else(|e| panic!("{e}"));
        let back = ModelState::from_safetensors(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.f32("w", Some(&[2, 3])).ok(), s.f32("w", None).ok());
        assert_eq!(
            back.u32("cols", None).map(|x| x.1.to_vec()).ok(),
            Some(vec![0, 7, u32::MAX])
        );
        assert_eq!(
            back.i64("ptr", None).map(|x| x.1.to_vec()).ok(),
            Some(vec![-1, i64::MAX])
        );
        assert_eq!(back.get_meta("format"), Some("1"));
    }

    #[test]
    fn wrong_names_shapes_and_kinds_are_named() {
        let mut s = ModelState::new();
        s.push_f32("w", &[2], vec![1.0, 2.0]);
        let msg = |r: Result<()>| r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg(s.f32("v", None).map(|_| ())).contains("`v`"));
        assert!(msg(s.f32("w", Some(&[3])).map(|_| ())).contains("expected [3]"));
        assert!(msg(s.u32("w", None).map(|_| ())).contains("f32"));
        assert!(ModelState::from_safetensors(b"garbage").is_err());
        let m = SparseMatrix {
            n_rows: 2,
            n_cols: 5,
            indptr: vec![0, 2, 3],
            indices: vec![1, 4, 0],
            data: vec![0.5, 1.5, -2.0],
        };
        let mut st = ModelState::new();
        st.push_csr("nb", &m);
        let back = ModelState::from_safetensors(&st.to_safetensors().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.csr("nb").ok(), Some(m));
        let mut broken = st.clone();
        broken.arrays[1].data = ArrayData::U32(vec![1, 9, 0]);
        assert!(msg(broken.csr("nb").map(|_| ())).contains("outside"));
        let mut bad = ModelState::new();
        bad.push_f32("w", &[3], vec![1.0]);
        assert!(bad.to_safetensors().is_err());
    }
}
