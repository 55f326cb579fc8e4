//! Parity of ShopLab's sentence encoder with sentence-transformers on
//! all-MiniLM-L6-v2: the same word-piece ids and vectors with cosine >= 0.999
//! for every text of models/tests/fixtures/minilm_reference.json (made by
//! bench/encoder/reference.py).
//!
//! The model folder comes from `SHOPLAB_MINILM`, else
//! `$SHOPLAB_DATA/all-MiniLM-L6-v2`, else `~/.cache/shoplab-data/all-MiniLM-L6-v2`
//! (`bench/get-minilm` fills it). Without it the test fails when
//! `SHOPLAB_MINILM` or `CI` is set (.ci/run fetches the model) and prints a
//! skip line otherwise.

use std::path::PathBuf;

use candle_core::Device;
use serde::Deserialize;
use shoplab_datasets::{CancelToken, NoProgress};
use shoplab_models::encoder::SentenceEncoder;

#[derive(Deserialize)]
struct Fixture {
    model_sha256: String,
    max_seq_length: usize,
    dim: usize,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    ids: Vec<u32>,
    vector: Vec<f32>,
}

/// The model folder, or None (after the skip line) when it is absent and
/// nothing asks for it.
fn model_dir() -> Option<PathBuf> {
    let explicit = std::env::var_os("SHOPLAB_MINILM").map(PathBuf::from);
    let dir = explicit.clone().unwrap_or_else(|| {
        let data = std::env::var_os("SHOPLAB_DATA")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/shoplab-data"))
            })
            .unwrap_or_else(|| PathBuf::from(".cache/shoplab-data"));
        data.join("all-MiniLM-L6-v2")
    });
    if dir.join("model.safetensors").is_file() {
        return Some(dir);
    }
    assert!(
        explicit.is_none() && std::env::var_os("CI").is_none(),
        "{} has no model.safetensors, but SHOPLAB_MINILM or CI is set: run bench/get-minilm \
         (.ci/run does) and set SHOPLAB_MINILM to the folder it prints",
        dir.display()
    );
    // The skip line is the test's output (shown with --nocapture and in CI logs).
    #[allow(clippy::print_stdout)]
    {
        println!(
            "SKIPPED: no all-MiniLM-L6-v2 in {} (run bench/get-minilm, or set SHOPLAB_MINILM), \
             so the encoder was not compared with sentence-transformers",
            dir.display()
        );
    }
    None
}

fn fixture() -> Fixture {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minilm_reference.json");
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture parses")
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

#[test]
fn minilm_matches_sentence_transformers() {
    let Some(dir) = model_dir() else { return };
    let fixture = fixture();
    let encoder = SentenceEncoder::load(&dir, &Device::Cpu).expect("model loads");
    let model = format!(
        "{} (the fixture was made from the model.safetensors with sha256 {})",
        dir.display(),
        fixture.model_sha256
    );
    assert_eq!(encoder.dim(), fixture.dim, "{model}");
    assert_eq!(encoder.max_tokens(), fixture.max_seq_length, "{model}");

    let mut id_mismatches = Vec::new();
    for (i, case) in fixture.cases.iter().enumerate() {
        let ids = encoder.token_ids(&case.text).expect("tokenizes");
        if ids != case.ids {
            id_mismatches.push(format!(
                "text {i} {:?}:\n  ours {ids:?}\n  ref  {:?}",
                case.text, case.ids
            ));
        }
    }

    let texts: Vec<&str> = fixture.cases.iter().map(|c| c.text.as_str()).collect();
    let vectors = encoder
        .encode(&texts, &NoProgress, &CancelToken::new())
        .expect("encodes");
    assert_eq!(vectors.len(), texts.len());
    let mut worst = (f64::INFINITY, 0);
    let mut max_abs = 0f32;
    for (i, case) in fixture.cases.iter().enumerate() {
        let ours = vectors.row(i);
        let norm = ours
            .iter()
            .map(|x| f64::from(*x).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(
            (norm - 1.0).abs() < 1e-4,
            "text {i} {:?}: norm {norm}",
            case.text
        );
        let c = cosine(ours, &case.vector);
        if c < worst.0 {
            worst = (c, i);
        }
        for (x, y) in ours.iter().zip(&case.vector) {
            max_abs = max_abs.max((x - y).abs());
        }
    }
    #[allow(clippy::print_stdout)]
    {
        println!(
            "encoder parity: {} texts, token ids equal for {}, min cosine {:.9} (1 - {:.1e}, text {} {:?}), \
             max |difference| {max_abs:.2e}",
            texts.len(),
            texts.len() - id_mismatches.len(),
            worst.0,
            1.0 - worst.0,
            worst.1,
            texts[worst.1]
        );
    }
    assert!(
        id_mismatches.is_empty(),
        "word-piece ids differ from sentence-transformers for {} texts ({model}):\n{}",
        id_mismatches.len(),
        id_mismatches.join("\n")
    );
    assert!(
        worst.0 >= 0.999,
        "cosine with sentence-transformers is {:.6} < 0.999 for text {} {:?} ({model})",
        worst.0,
        worst.1,
        texts[worst.1]
    );
}

/// Encoding speed on real titles (not part of the suite): set
/// `SHOPLAB_ENCODE_CSV` to a CSV whose column `product_title` holds titles
/// (Latin-1 or UTF-8), optionally `SHOPLAB_ENCODE_N` (default 5000) and
/// `SHOPLAB_ENCODE_BATCH`, then
/// `cargo test -p shoplab-models --test encoder_parity -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark: needs the model and SHOPLAB_ENCODE_CSV"]
fn encode_throughput() {
    let Some(dir) = model_dir() else { return };
    let csv = std::env::var_os("SHOPLAB_ENCODE_CSV").expect("set SHOPLAB_ENCODE_CSV");
    let n: usize =
        std::env::var("SHOPLAB_ENCODE_N").map_or(5000, |v| v.parse().expect("SHOPLAB_ENCODE_N"));
    let bytes = std::fs::read(&csv).expect("csv readable");
    // Latin-1 bytes map one to one onto the first 256 code points.
    let text: String = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
    };
    let mut titles: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let col = csv_fields(header)
        .iter()
        .position(|h| h == "product_title")
        .expect("product_title column");
    for line in lines {
        if let Some(t) = csv_fields(line).into_iter().nth(col)
            && seen.insert(t.clone())
        {
            titles.push(t);
        }
        if titles.len() == n {
            break;
        }
    }
    let t0 = std::time::Instant::now();
    let mut encoder = SentenceEncoder::load(&dir, &Device::Cpu).expect("model loads");
    let load_s = t0.elapsed().as_secs_f64();
    if let Ok(b) = std::env::var("SHOPLAB_ENCODE_BATCH") {
        encoder.set_batch_size(b.parse().expect("SHOPLAB_ENCODE_BATCH"));
    }
    let refs: Vec<&str> = titles.iter().map(String::as_str).collect();
    let pieces: usize = refs
        .iter()
        .map(|t| encoder.token_ids(t).map_or(0, |v| v.len()))
        .sum();
    let t1 = std::time::Instant::now();
    let out = encoder
        .encode(&refs, &NoProgress, &CancelToken::new())
        .expect("encodes");
    let s = t1.elapsed().as_secs_f64();
    assert_eq!(out.len(), refs.len());
    #[allow(clippy::print_stdout)]
    {
        println!(
            "load {load_s:.2} s; {} titles ({:.1} pieces each) in {s:.2} s = {:.0} titles/s, batch {}, \
             threads {}; 100K titles ≈ {:.0} s",
            refs.len(),
            pieces as f64 / refs.len() as f64,
            refs.len() as f64 / s,
            encoder.batch_size(),
            candle_core::utils::get_num_threads(),
            100_000.0 * s / refs.len() as f64
        );
    }
}

/// Fields of one CSV line (quotes and doubled quotes; no line breaks inside).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                if let Some(f) = fields.last_mut() {
                    f.push('"');
                }
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}
