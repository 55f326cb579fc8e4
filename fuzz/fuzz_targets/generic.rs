//! Generic files (CSV, TSV, JSON lines, gzip of them): the first byte picks
//! the file name, the format and the encoding option; the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::generic(data));
