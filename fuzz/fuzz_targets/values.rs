//! Cell values: numbers, prices and timestamps never panic, never give a
//! negative or non-finite price, and a number read both ways gives the
//! same value unless it is ambiguous (`1,234`): never 100x off.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "harness.rs"]
mod harness;

fuzz_target!(|text: &str| harness::values(text));
