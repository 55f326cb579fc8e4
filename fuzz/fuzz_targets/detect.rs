//! Format detection and previews: one file under a name that steers
//! detection (data-set file names, extensions), read with defaults.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::detect(data));
