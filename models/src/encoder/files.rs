//! The files of a model folder, read and checked with errors that name the
//! file and say what to do.

use std::path::{Path, PathBuf};

use candle_transformers::models::bert::Config;
use serde::Deserialize;

use super::{Error, Result};

/// The BERT configuration (Hugging Face transformers format).
pub const CONFIG: &str = "config.json";
/// The Hugging Face tokenizer.
pub const TOKENIZER: &str = "tokenizer.json";
/// The weights.
pub const WEIGHTS: &str = "model.safetensors";
/// sentence-transformers' pooling module (optional: mean pooling if absent).
pub const POOLING: &str = "1_Pooling/config.json";
/// sentence-transformers' settings (optional: max_seq_length, do_lower_case).
pub const SENTENCE_CONFIG: &str = "sentence_bert_config.json";

/// The raw bytes of a model folder's files.
pub struct ModelFiles {
    dir: PathBuf,
    pub config_json: Vec<u8>,
    pub tokenizer_json: Vec<u8>,
    pub weights: Vec<u8>,
    pub pooling_json: Option<Vec<u8>>,
    pub sentence_json: Option<Vec<u8>>,
}

/// sentence_bert_config.json.
#[derive(Debug, Default, Deserialize)]
pub struct SentenceConfig {
    /// Truncation length in word pieces, special tokens included.
    pub max_seq_length: Option<usize>,
    /// Lowercase texts before the tokenizer.
    #[serde(default)]
    pub do_lower_case: bool,
}

impl ModelFiles {
    /// Reads the required and optional files of `dir`.
    pub fn read(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::Missing {
                path: dir.to_path_buf(),
                what: "model folder",
            });
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            config_json: read(&dir.join(CONFIG))?,
            tokenizer_json: read(&dir.join(TOKENIZER))?,
            weights: read(&dir.join(WEIGHTS))?,
            pooling_json: read_optional(&dir.join(POOLING))?,
            sentence_json: read_optional(&dir.join(SENTENCE_CONFIG))?,
        })
    }

    fn invalid(&self, file: &str, message: String) -> Error {
        Error::Invalid {
            path: self.dir.join(file),
            message,
        }
    }

    /// config.json as a BERT configuration.
    pub fn config(&self) -> Result<Config> {
        let config: Config = serde_json::from_slice(&self.config_json)
            .map_err(|e| self.invalid(CONFIG, format!("not a BERT config.json ({e})")))?;
        if let Some(kind) = config.model_type.as_deref()
            && kind != "bert"
        {
            return Err(self.invalid(
                CONFIG,
                format!("model_type is {kind:?}; only \"bert\" models are supported"),
            ));
        }
        if config.num_attention_heads == 0
            || !config
                .hidden_size
                .is_multiple_of(config.num_attention_heads)
        {
            return Err(self.invalid(
                CONFIG,
                format!(
                    "hidden_size {} is not a multiple of num_attention_heads {}",
                    config.hidden_size, config.num_attention_heads
                ),
            ));
        }
        Ok(config)
    }

    /// Checks that 1_Pooling/config.json (when present) asks for mean pooling
    /// of `dim`-long token vectors, the only pooling implemented: any other
    /// mode would give silently different vectors.
    pub fn check_pooling(&self, dim: usize) -> Result<()> {
        let Some(json) = &self.pooling_json else {
            return Ok(());
        };
        let value: serde_json::Value = serde_json::from_slice(json)
            .map_err(|e| self.invalid(POOLING, format!("not valid JSON ({e})")))?;
        let Some(fields) = value.as_object() else {
            return Err(self.invalid(POOLING, "not a JSON object".into()));
        };
        let enabled: Vec<&str> = fields
            .iter()
            .filter(|(k, v)| k.starts_with("pooling_mode_") && v.as_bool() == Some(true))
            .map(|(k, _)| k.as_str())
            .collect();
        if enabled != ["pooling_mode_mean_tokens"] {
            return Err(self.invalid(
                POOLING,
                format!(
                    "pooling modes {enabled:?}; only pooling_mode_mean_tokens alone is supported"
                ),
            ));
        }
        if let Some(d) = fields
            .get("word_embedding_dimension")
            .and_then(|v| v.as_u64())
            && d != dim as u64
        {
            return Err(self.invalid(
                POOLING,
                format!(
                    "word_embedding_dimension {d} differs from hidden_size {dim} in config.json"
                ),
            ));
        }
        Ok(())
    }

    /// sentence_bert_config.json, or defaults when absent.
    pub fn sentence_config(&self) -> Result<SentenceConfig> {
        match &self.sentence_json {
            None => Ok(SentenceConfig::default()),
            Some(json) => serde_json::from_slice(json)
                .map_err(|e| self.invalid(SENTENCE_CONFIG, format!("does not parse ({e})"))),
        }
    }

    /// Hash of everything that decides the vectors: weights, config,
    /// tokenizer, pooling and truncation length (32 hex digits).
    pub fn fingerprint(&self, max_tokens: usize) -> String {
        let parts: [&[u8]; 4] = [
            &self.weights,
            &self.config_json,
            &self.tokenizer_json,
            self.pooling_json.as_deref().unwrap_or_default(),
        ];
        let mut lanes = [0x243F_6A88_85A3_08D3_u64, 0x1319_8A2E_0370_7344_u64];
        for (lane, seed) in lanes
            .iter_mut()
            .zip([0x9E37_79B9_7F4A_7C15_u64, 0xC2B2_AE3D_27D4_EB4F])
        {
            for part in parts {
                *lane = hash_bytes(*lane, seed, part);
            }
            *lane = hash_bytes(*lane, seed, &(max_tokens as u64).to_le_bytes());
        }
        format!("{:016x}{:016x}", lanes[0], lanes[1])
    }
}

/// A fast non-cryptographic 64-bit hash step over `bytes` (word at a time:
/// hashing 90 MB of weights must not slow loading down).
fn hash_bytes(mut h: u64, multiplier: u64, bytes: &[u8]) -> u64 {
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        h = (h ^ u64::from_le_bytes(w))
            .wrapping_mul(multiplier)
            .rotate_left(29);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(multiplier).rotate_left(29);
    }
    (h ^ bytes.len() as u64).wrapping_mul(multiplier)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::Missing {
                path: path.to_path_buf(),
                what: "file",
            }
        } else {
            Error::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(Error::Missing { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}
