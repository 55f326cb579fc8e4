//! Text to word-piece ids, as sentence-transformers does it.
//!
//! Why the `tokenizers` crate and not a hand-written BERT WordPiece: it is
//! the very code behind the Python "fast" tokenizer that sentence-transformers
//! calls, so the parity is by construction (the fixture test checks it token
//! for token, Chinese and accents included), and it costs no build time:
//! candle-core 0.11.1 already depends on it with the same minimal features
//! (`default-features = false, features = ["fancy-regex"]`: no onig, no C++).
//!
//! tokenizer.json of all-MiniLM-L6-v2 says "truncate and pad to 128", but
//! sentence-transformers overrides both on every call: it truncates at
//! `max_seq_length` (256, from sentence_bert_config.json) and pads to the
//! longest text of the batch. We do the same: truncation at `max_tokens`
//! (special tokens included), no padding here (the encoder pads per batch).

use std::path::Path;

use tokenizers::{Tokenizer, TruncationParams};

use super::{Error, Result};

/// A BERT tokenizer set up the way sentence-transformers uses it.
pub struct WordPieces {
    tokenizer: Tokenizer,
    max_tokens: usize,
    lowercase_input: bool,
}

impl WordPieces {
    /// Reads tokenizer.json (`json`, read from `path`) and sets truncation at
    /// `max_tokens` word pieces; `lowercase_input` mirrors
    /// sentence-transformers' `do_lower_case` (lowercasing before the
    /// tokenizer, on top of what the tokenizer itself normalises).
    pub fn new(json: &[u8], path: &Path, max_tokens: usize, lowercase_input: bool) -> Result<Self> {
        let invalid = |message: String| Error::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let mut tokenizer = Tokenizer::from_bytes(json)
            .map_err(|e| invalid(format!("not a valid tokenizer.json ({e})")))?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| invalid(format!("cannot truncate at {max_tokens} tokens ({e})")))?;
        tokenizer.with_padding(None);
        Ok(Self {
            tokenizer,
            max_tokens,
            lowercase_input,
        })
    }

    /// Maximum word pieces per text, special tokens included.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// Number of ids the tokenizer can produce (special tokens included).
    pub fn vocab_size(&self) -> usize {
        self.tokenizer.get_vocab_size(true)
    }

    /// Word-piece ids of each text: [CLS] pieces [SEP], truncated.
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<u32>>> {
        let lowered: Vec<String>;
        let inputs: Vec<&str> = if self.lowercase_input {
            lowered = texts.iter().map(|t| t.to_lowercase()).collect();
            lowered.iter().map(String::as_str).collect()
        } else {
            texts.to_vec()
        };
        match self.tokenizer.encode_batch(inputs.clone(), true) {
            Ok(encodings) => Ok(encodings
                .into_iter()
                .map(|e| e.get_ids().to_vec())
                .collect()),
            // The batch call does not say which text failed: find it.
            Err(batch_error) => {
                for (index, text) in inputs.into_iter().enumerate() {
                    if let Err(e) = self.tokenizer.encode(text, true) {
                        return Err(Error::Tokenize {
                            index,
                            message: e.to_string(),
                        });
                    }
                }
                Err(Error::Tokenize {
                    index: 0,
                    message: batch_error.to_string(),
                })
            }
        }
    }
}
