//! Helpers shared by the reader tests: write a fixture, read it whole.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use shoplab_datasets::read::{ReadOptions, open};
use shoplab_datasets::{Record, RowError};

/// Writes `bytes` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Every record and every rejected row of a file.
pub fn read_all(path: &Path, opts: &ReadOptions) -> (Vec<Record>, Vec<RowError>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for r in open(path, opts).unwrap() {
        match r {
            Ok(r) => ok.push(r),
            Err(e) => bad.push(e),
        }
    }
    (ok, bad)
}

/// Detection of everything (format, separator, encoding).
pub fn auto() -> ReadOptions {
    ReadOptions::default()
}
