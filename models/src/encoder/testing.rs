//! A tiny randomly initialised BERT model folder (8-d vectors, a 22-piece
//! vocabulary) for tests that need a loadable encoder but not the real model:
//! the encoder's own tests and the engine's dense-search tests.

use std::path::Path;

use candle_core::{DType, Device};
use candle_nn::{VarBuilder, VarMap};
use candle_transformers::models::bert::{BertModel, Config};

const VOCAB: &[&str] = &[
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "red", "drill", "##s", "cord", "##less", "3",
    "/", "4", "-", "in", ".", "家", "具", "lamp", "oak", "table", "é",
];

/// config.json of the tiny model.
pub fn tiny_config() -> serde_json::Value {
    serde_json::json!({
        "architectures": ["BertModel"],
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "hidden_size": 8,
        "initializer_range": 0.02,
        "intermediate_size": 16,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": 32,
        "model_type": "bert",
        "num_attention_heads": 2,
        "num_hidden_layers": 2,
        "pad_token_id": 0,
        "type_vocab_size": 2,
        "vocab_size": VOCAB.len(),
    })
}

fn tiny_tokenizer() -> serde_json::Value {
    let vocab: serde_json::Map<String, serde_json::Value> = VOCAB
        .iter()
        .enumerate()
        .map(|(i, t)| ((*t).to_owned(), serde_json::json!(i)))
        .collect();
    serde_json::json!({
        "version": "1.0",
        "truncation": {"max_length": 128, "strategy": "LongestFirst", "stride": 0},
        "padding": {"strategy": {"Fixed": 128}, "direction": "Right", "pad_to_multiple_of": null,
                    "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"},
        "added_tokens": [],
        "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                       "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
        "decoder": null,
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    })
}

/// Writes `value` as pretty JSON (panics on error: tests only).
pub fn write_json(path: &Path, value: &serde_json::Value) {
    std::fs::write(path, serde_json::to_vec_pretty(value).expect("json")).expect("write");
}

/// Writes a complete tiny model folder with random weights (panics on I/O
/// errors: tests only); `max_seq_length` goes into sentence_bert_config.json.
pub fn write_tiny_model(dir: &Path, max_seq_length: usize) {
    std::fs::create_dir_all(dir.join("1_Pooling")).expect("mkdir");
    write_json(&dir.join("config.json"), &tiny_config());
    write_json(&dir.join("tokenizer.json"), &tiny_tokenizer());
    write_json(
        &dir.join("1_Pooling/config.json"),
        &serde_json::json!({"word_embedding_dimension": 8, "pooling_mode_cls_token": false,
                            "pooling_mode_mean_tokens": true, "pooling_mode_max_tokens": false}),
    );
    write_json(
        &dir.join("sentence_bert_config.json"),
        &serde_json::json!({"max_seq_length": max_seq_length, "do_lower_case": false}),
    );
    // Loading a BERT from an empty VarMap creates every weight with its
    // initialiser (random linears and embeddings); saving writes them out.
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let config: Config = serde_json::from_value(tiny_config()).expect("config");
    BertModel::load(vb, &config).expect("init");
    varmap.save(dir.join("model.safetensors")).expect("save");
}
