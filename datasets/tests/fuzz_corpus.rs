//! Every file of the fuzz corpus (`fuzz/corpus/<target>/`), including the
//! inputs that once crashed a reader, run through the fuzz targets' bodies:
//! CI checks the corpus on stable Rust without running the fuzzer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../fuzz/fuzz_targets/harness.rs"]
mod harness;

use std::path::Path;

fn run(target: &str, f: impl Fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus in {}", dir.display());
    for file in files {
        let data = std::fs::read(&file).unwrap();
        let name = file.display().to_string();
        // Name the input that fails.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&data)));
        assert!(result.is_ok(), "fuzz corpus input {name} fails");
    }
}

#[test]
fn generic_corpus() {
    run("generic", harness::generic);
}

#[test]
fn datasets_corpus() {
    run("datasets", harness::datasets);
}

#[test]
fn detect_corpus() {
    run("detect", harness::detect);
}

#[test]
fn values_corpus() {
    run("values", |data| {
        if let Ok(text) = std::str::from_utf8(data) {
            harness::values(text);
        }
    });
}
