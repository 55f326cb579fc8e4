//! Data-set folders: the first byte picks a layout, the rest is split on
//! `\n@@\n` into its files, in the order listed.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::datasets(data));
