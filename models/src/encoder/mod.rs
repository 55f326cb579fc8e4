//! Local sentence encoder (BERT family, e.g. all-MiniLM-L6-v2) with the same
//! pipeline as sentence-transformers: WordPiece tokens truncated at the
//! model's maximum length, BERT, attention-masked mean pooling, L2
//! normalisation.
//!
//! The model is read from a local folder (config.json, tokenizer.json,
//! model.safetensors, and 1_Pooling/config.json and sentence_bert_config.json
//! when present); nothing is ever downloaded. `bench/get-minilm DEST` fetches
//! all-MiniLM-L6-v2 into `DEST/all-MiniLM-L6-v2`.

mod files;
mod pooling;
#[doc(hidden)]
pub mod testing;
mod tokenize;

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use shoplab_datasets::{CancelToken, Progress};

pub use pooling::{l2_normalize, mean_pool};
pub use tokenize::WordPieces;

/// What a user should do when the model folder is missing or broken.
pub const HOW_TO_GET: &str = "run bench/get-minilm DEST, or point --encoder at a folder with \
     config.json, tokenizer.json and model.safetensors";

/// Texts encoded per forward pass (sorted by length first, so a batch holds
/// texts of similar length and little padding). On 2 cores, 32, 64 and 128
/// took the same CPU time per title within noise (matrix products dominate).
pub const DEFAULT_BATCH_SIZE: usize = 64;

/// Most padded word pieces (texts x longest text) per forward pass: bounds
/// memory (attention is texts x 12 x width x width) when texts are long.
pub const TOKEN_BUDGET: usize = 8192;

/// Splits texts sorted by decreasing word-piece count (`lengths`) into
/// consecutive batches of at most `batch_size` texts and `token_budget`
/// padded pieces, starting a new batch when a text is less than half as long
/// as the batch's first (longest) one, so one very long title does not make
/// a whole batch of short ones pay for its padding.
fn plan_batches(
    lengths: &[usize],
    batch_size: usize,
    token_budget: usize,
) -> Vec<std::ops::Range<usize>> {
    let mut batches = Vec::new();
    let mut start = 0;
    for (i, &len) in lengths.iter().enumerate() {
        let (n, width) = (i - start, lengths.get(start).copied().unwrap_or(0));
        if n > 0 && (n >= batch_size || (n + 1) * width > token_budget || 2 * len < width) {
            batches.push(start..i);
            start = i;
        }
    }
    if start < lengths.len() {
        batches.push(start..lengths.len());
    }
    batches
}

/// Errors of the sentence encoder.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The model folder or one of its files is not there.
    #[error("{}: {what} not found; {HOW_TO_GET}", path.display())]
    Missing {
        /// The folder or file looked for.
        path: PathBuf,
        /// "model folder" or "file".
        what: &'static str,
    },
    /// A model file exists but cannot be read.
    #[error("{}: cannot be read ({source}); {HOW_TO_GET}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A model file does not parse or describes something unsupported.
    #[error("{}: {message}; {HOW_TO_GET}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The tokenizer failed on an input text.
    #[error("tokenizing text {index}: {message}")]
    Tokenize {
        /// Position of the text in the input.
        index: usize,
        /// The tokenizer's message.
        message: String,
    },
    /// The tensor computation failed (device out of memory, ...).
    #[error("encoder computation failed: {0}")]
    Compute(#[from] candle_core::Error),
    /// The caller's [`CancelToken`] was cancelled.
    #[error("encoding cancelled")]
    Cancelled,
}

/// Result of the encoder.
pub type Result<T> = std::result::Result<T, Error>;

/// Unit-length text vectors, one row per input text, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    dim: usize,
    data: Vec<f32>,
}

impl Embeddings {
    /// Wraps a row-major block of `data.len() / dim` vectors.
    pub fn from_vec(dim: usize, data: Vec<f32>) -> Self {
        debug_assert!(dim > 0 && data.len().is_multiple_of(dim));
        Self { dim, data }
    }
    /// Length of each vector.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }
    /// True when there are no vectors.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// The vector of text `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }
    /// All vectors, row-major.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }
    /// All vectors, row-major, by value.
    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }
}

/// Inner products of `query` with every `dim`-long row of `rows` (row-major)
/// into `out` (one per row): exact dense retrieval's scan. Monomorphic and in
/// this crate so it is built optimised even in debug builds of its callers.
pub fn inner_products(rows: &[f32], dim: usize, query: &[f32], out: &mut [f32]) {
    if dim == 0 || query.len() != dim {
        out.fill(0.0);
        return;
    }
    // The one dot product of the item tables (bit-identical scores, the
    // CPU's widest registers).
    crate::item_table::scan_rows(rows, dim, query, out);
}

/// A loaded sentence encoder.
pub struct SentenceEncoder {
    model: BertModel,
    tokenizer: WordPieces,
    device: Device,
    dim: usize,
    name: String,
    fingerprint: String,
    batch_size: usize,
}

impl std::fmt::Debug for SentenceEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentenceEncoder")
            .field("name", &self.name)
            .field("fingerprint", &self.fingerprint)
            .field("dim", &self.dim)
            .field("max_tokens", &self.tokenizer.max_tokens())
            .field("device", &self.device)
            .finish()
    }
}

impl SentenceEncoder {
    /// Loads the model in folder `dir` onto `device`. Reads only local files.
    pub fn load(dir: &Path, device: &Device) -> Result<Self> {
        let files = files::ModelFiles::read(dir)?;
        let config: Config = files.config()?;
        let dim = config.hidden_size;
        files.check_pooling(dim)?;
        let st = files.sentence_config()?;
        let max_tokens = st
            .max_seq_length
            .unwrap_or(config.max_position_embeddings)
            .min(config.max_position_embeddings);
        let tokenizer = WordPieces::new(
            &files.tokenizer_json,
            &dir.join(files::TOKENIZER),
            max_tokens,
            st.do_lower_case,
        )?;
        if tokenizer.vocab_size() > config.vocab_size {
            return Err(Error::Invalid {
                path: dir.join(files::TOKENIZER),
                message: format!(
                    "{} word pieces, but config.json's vocab_size is {}: they belong to different models",
                    tokenizer.vocab_size(),
                    config.vocab_size
                ),
            });
        }
        let weights_path = dir.join(files::WEIGHTS);
        let tensors =
            candle_core::safetensors::load_buffer(&files.weights, device).map_err(|e| {
                Error::Invalid {
                    path: weights_path.clone(),
                    message: format!("not a readable safetensors file ({e})"),
                }
            })?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, device);
        let model = BertModel::load(vb, &config).map_err(|e| Error::Invalid {
            path: weights_path.clone(),
            message: format!("does not hold the BERT weights config.json describes ({e})"),
        })?;
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        Ok(Self {
            model,
            tokenizer,
            device: device.clone(),
            dim,
            name,
            fingerprint: files.fingerprint(max_tokens),
            batch_size: DEFAULT_BATCH_SIZE,
        })
    }

    /// Length of the vectors.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Maximum word pieces per text, [CLS] and [SEP] included; longer texts
    /// are truncated (256 for all-MiniLM-L6-v2, as in sentence-transformers).
    pub fn max_tokens(&self) -> usize {
        self.tokenizer.max_tokens()
    }

    /// Display name: the model folder's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Identity of the model: a hash of its weights, config, tokenizer and
    /// maximum length. Vectors stored with another fingerprint came from
    /// another model and must be recomputed.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The device the model runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Texts per forward pass.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Sets the texts per forward pass (at least 1).
    pub fn set_batch_size(&mut self, batch_size: usize) {
        self.batch_size = batch_size.max(1);
    }

    /// Word-piece ids of `text` as the model sees it ([CLS] ... [SEP],
    /// truncated at [`SentenceEncoder::max_tokens`]).
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        let mut ids = self.tokenizer.encode(&[text])?;
        Ok(ids.pop().unwrap_or_default())
    }

    /// Encodes `texts` into unit-length vectors (row `i` is text `i`).
    /// Reports one progress stage counting texts, advanced per batch, and
    /// checks `cancel` before each batch.
    pub fn encode(
        &self,
        texts: &[&str],
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<Embeddings> {
        progress.stage("Encoding texts", Some(texts.len() as u64));
        let mut out = vec![0f32; texts.len() * self.dim];
        // Sorting by word-piece count keeps padding (wasted work) small;
        // results go back to their input rows.
        let ids = self.tokenizer.encode(texts)?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(ids[i].len()));
        let lengths: Vec<usize> = order.iter().map(|&i| ids[i].len()).collect();
        for range in plan_batches(&lengths, self.batch_size, TOKEN_BUDGET) {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let chunk = &order[range];
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            let vectors = self.forward(&batch)?;
            for (row, &i) in chunk.iter().enumerate() {
                out[i * self.dim..(i + 1) * self.dim]
                    .copy_from_slice(&vectors[row * self.dim..(row + 1) * self.dim]);
            }
            progress.advance(chunk.len() as u64);
        }
        progress.finish_stage();
        Ok(Embeddings::from_vec(self.dim, out))
    }

    /// One padded batch through BERT, pooling and normalisation; returns the
    /// batch's vectors row-major.
    fn forward(&self, batch: &[&[u32]]) -> Result<Vec<f32>> {
        let width = batch.iter().map(|ids| ids.len()).max().unwrap_or(0);
        let mut ids = vec![0u32; batch.len() * width];
        let mut mask = vec![0u32; batch.len() * width];
        for (row, piece_ids) in batch.iter().enumerate() {
            ids[row * width..row * width + piece_ids.len()].copy_from_slice(piece_ids);
            mask[row * width..row * width + piece_ids.len()].fill(1);
        }
        let shape = (batch.len(), width);
        let ids = Tensor::from_vec(ids, shape, &self.device)?;
        let mask = Tensor::from_vec(mask, shape, &self.device)?;
        let token_types = ids.zeros_like()?;
        let hidden = self.model.forward(&ids, &token_types, Some(&mask))?;
        let pooled = l2_normalize(&mean_pool(&hidden, &mask)?)?;
        Ok(pooled.flatten_all()?.to_vec1::<f32>()?)
    }
}

#[cfg(test)]
mod tests;
