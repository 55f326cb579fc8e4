//! Tests that need no downloaded model: error messages, pooling maths, and a
//! tiny randomly initialised BERT written to a temporary folder (batching,
//! order, padding, cancel). Parity with sentence-transformers on the real
//! model is in models/tests/encoder_parity.rs.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use candle_core::{Device, Tensor};
use shoplab_datasets::{CancelToken, NoProgress, Progress};

use super::*;

use super::testing::{tiny_config, write_json, write_tiny_model as tiny_model};

fn load_err(dir: &Path) -> String {
    match SentenceEncoder::load(dir, &Device::Cpu) {
        Ok(_) => panic!("loading {} should fail", dir.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn missing_folder_names_it_and_says_how_to_get_the_model() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("all-MiniLM-L6-v2");
    let msg = load_err(&dir);
    assert!(msg.contains(&dir.display().to_string()), "{msg}");
    assert!(msg.contains("model folder not found"), "{msg}");
    assert!(msg.contains("bench/get-minilm"), "{msg}");
}

#[test]
fn missing_file_is_named() {
    let tmp = tempfile::tempdir().expect("tmp");
    tiny_model(tmp.path(), 16);
    std::fs::remove_file(tmp.path().join("tokenizer.json")).expect("rm");
    let msg = load_err(tmp.path());
    assert!(msg.contains("tokenizer.json: file not found"), "{msg}");
    assert!(msg.contains("bench/get-minilm"), "{msg}");
}

#[test]
fn unparsable_files_are_named() {
    let tmp = tempfile::tempdir().expect("tmp");
    tiny_model(tmp.path(), 16);
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "config.json",
            b"{\"hidden_size\": ",
            "not a BERT config.json",
        ),
        ("tokenizer.json", b"[1, 2]", "not a valid tokenizer.json"),
        (
            "model.safetensors",
            b"not safetensors",
            "not a readable safetensors file",
        ),
        (
            "1_Pooling/config.json",
            b"{\"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": false}",
            "only pooling_mode_mean_tokens alone is supported",
        ),
    ];
    for (file, bytes, expected) in cases {
        let path = tmp.path().join(file);
        let good = std::fs::read(&path).expect("read");
        std::fs::write(&path, bytes).expect("write");
        let msg = load_err(tmp.path());
        assert!(msg.contains(&path.display().to_string()), "{file}: {msg}");
        assert!(msg.contains(expected), "{file}: {msg}");
        assert!(msg.contains("bench/get-minilm"), "{file}: {msg}");
        std::fs::write(&path, good).expect("restore");
    }
    // Weights that do not match config.json: a missing tensor is named.
    let mut config = tiny_config();
    config["num_hidden_layers"] = serde_json::json!(3);
    write_json(&tmp.path().join("config.json"), &config);
    let msg = load_err(tmp.path());
    assert!(msg.contains("model.safetensors"), "{msg}");
    assert!(msg.contains("encoder.layer.2"), "{msg}");
}

#[test]
fn mean_pool_ignores_padding() -> candle_core::Result<()> {
    let hidden = Tensor::new(
        &[
            [[1f32, 2.], [3., 4.], [100., 100.]],
            [[5., 6.], [-7., -7.], [-7., -7.]],
            [[9., 9.], [9., 9.], [9., 9.]],
        ],
        &Device::Cpu,
    )?;
    let mask = Tensor::new(&[[1u32, 1, 0], [1, 0, 0], [0, 0, 0]], &Device::Cpu)?;
    let pooled = mean_pool(&hidden, &mask)?.to_vec2::<f32>()?;
    assert_eq!(pooled, vec![vec![2., 3.], vec![5., 6.], vec![0., 0.]]);
    Ok(())
}

#[test]
fn l2_normalize_gives_unit_rows_and_keeps_zero_rows() -> candle_core::Result<()> {
    let x = Tensor::new(&[[3f32, 4.], [0., 0.], [-1., 0.]], &Device::Cpu)?;
    let y = l2_normalize(&x)?.to_vec2::<f32>()?;
    assert_eq!(y, vec![vec![0.6, 0.8], vec![0., 0.], vec![-1., 0.]]);
    Ok(())
}

#[derive(Default)]
struct Counting {
    stages: AtomicU64,
    advanced: AtomicU64,
}

impl Progress for Counting {
    fn stage(&self, _name: &str, _total: Option<u64>) {
        self.stages.fetch_add(1, Ordering::Relaxed);
    }
    fn advance(&self, n: u64) {
        self.advanced.fetch_add(n, Ordering::Relaxed);
    }
}

const TEXTS: &[&str] = &[
    "red cordless drills",
    "",
    "oak table lamp 3/4-in.",
    "家具",
    "RED DRILL",
    "lamp",
    "cordless cordless cordless cordless cordless cordless cordless cordless cordless",
    "Zzz unknown é",
];

#[test]
fn batches_give_the_same_vectors_as_one_text_at_a_time_in_input_order() -> Result<()> {
    let tmp = tempfile::tempdir().expect("tmp");
    tiny_model(tmp.path(), 12);
    let mut encoder = SentenceEncoder::load(tmp.path(), &Device::Cpu)?;
    assert_eq!(encoder.dim(), 8);
    assert_eq!(encoder.max_tokens(), 12);
    let progress = Counting::default();
    encoder.set_batch_size(3);
    let batched = encoder.encode(TEXTS, &progress, &CancelToken::new())?;
    assert_eq!(progress.stages.load(Ordering::Relaxed), 1);
    assert_eq!(
        progress.advanced.load(Ordering::Relaxed),
        TEXTS.len() as u64
    );
    assert_eq!(batched.len(), TEXTS.len());
    for (i, text) in TEXTS.iter().enumerate() {
        let alone = encoder.encode(&[text], &NoProgress, &CancelToken::new())?;
        let (a, b) = (batched.row(i), alone.row(0));
        let diff = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        assert!(
            diff < 1e-5,
            "text {i} {text:?}: batched and alone differ by {diff}"
        );
        let norm = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "text {i}: norm {norm}");
    }
    // Different texts give different vectors (the rows are not all equal).
    assert_ne!(batched.row(0), batched.row(2));
    Ok(())
}

#[test]
fn truncates_at_max_tokens_with_special_tokens() -> Result<()> {
    let tmp = tempfile::tempdir().expect("tmp");
    tiny_model(tmp.path(), 12);
    let encoder = SentenceEncoder::load(tmp.path(), &Device::Cpu)?;
    assert_eq!(
        encoder.token_ids("red cordless drills")?,
        vec![2, 5, 8, 9, 6, 7, 3]
    );
    assert_eq!(encoder.token_ids("")?, vec![2, 3]);
    assert_eq!(encoder.token_ids("家具 x")?, vec![2, 16, 17, 1, 3]);
    let long = encoder.token_ids(TEXTS[6])?;
    assert_eq!(long.len(), 12);
    assert_eq!((long[0], long[11]), (2, 3));
    Ok(())
}

#[test]
fn cancel_stops_before_the_next_batch() -> Result<()> {
    let tmp = tempfile::tempdir().expect("tmp");
    tiny_model(tmp.path(), 12);
    let encoder = SentenceEncoder::load(tmp.path(), &Device::Cpu)?;
    let cancel = CancelToken::new();
    cancel.cancel();
    let progress = Counting::default();
    let result = encoder.encode(TEXTS, &progress, &cancel);
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert_eq!(progress.advanced.load(Ordering::Relaxed), 0);
    Ok(())
}

#[test]
fn fingerprint_changes_with_the_weights_and_the_length() -> Result<()> {
    let tmp = tempfile::tempdir().expect("tmp");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    tiny_model(&a, 12);
    tiny_model(&b, 12);
    let fa = SentenceEncoder::load(&a, &Device::Cpu)?
        .fingerprint()
        .to_owned();
    assert_eq!(fa.len(), 32);
    assert_eq!(SentenceEncoder::load(&a, &Device::Cpu)?.fingerprint(), fa);
    // Same architecture, other random weights.
    assert_ne!(SentenceEncoder::load(&b, &Device::Cpu)?.fingerprint(), fa);
    write_json(
        &a.join("sentence_bert_config.json"),
        &serde_json::json!({"max_seq_length": 10}),
    );
    assert_ne!(SentenceEncoder::load(&a, &Device::Cpu)?.fingerprint(), fa);
    Ok(())
}

#[test]
fn empty_input_gives_no_vectors() -> Result<()> {
    let tmp = tempfile::tempdir().expect("tmp");
    tiny_model(tmp.path(), 12);
    let encoder = SentenceEncoder::load(tmp.path(), &Device::Cpu)?;
    let out = encoder.encode(&[], &NoProgress, &CancelToken::new())?;
    assert!(out.is_empty());
    assert_eq!(out.dim(), 8);
    Ok(())
}

#[test]
fn batches_follow_size_budget_and_length_breaks() {
    // Sorted longest first: the 256-piece outlier goes alone.
    let lengths = [256, 40, 39, 39, 30, 21, 20, 20, 19, 3, 2];
    let got = plan_batches(&lengths, 4, 8192);
    assert_eq!(got, vec![0..1, 1..5, 5..9, 9..11]);
    // The token budget caps long batches: 3 x 100 > 250.
    assert_eq!(
        plan_batches(&[100, 100, 100, 90], 64, 250),
        vec![0..2, 2..4]
    );
    // One text longer than the budget still gets its batch.
    assert_eq!(plan_batches(&[300, 290], 64, 250), vec![0..1, 1..2]);
    assert!(plan_batches(&[], 8, 100).is_empty());
    let all: usize = plan_batches(&lengths, 3, 100).iter().map(|r| r.len()).sum();
    assert_eq!(all, lengths.len());
}

#[test]
fn encoder_can_be_shared_across_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<SentenceEncoder>();
    shared::<Embeddings>();
}
