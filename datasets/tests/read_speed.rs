//! Reading speed of a synthetic events file (ignored by default: run in
//! release with `cargo test --release -p shoplab-datasets --test read_speed
//! -- --ignored --nocapture`; `SHOPLAB_SPEED_EVENTS` sets the size).

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::Instant;

use shoplab_datasets::read::{ReadOptions, open};
use shoplab_datasets::synthetic::{Shop, ShopSpec};

#[test]
#[ignore = "a measurement, not a check; run in release"]
fn read_events_speed() {
    let events: u64 = std::env::var("SHOPLAB_SPEED_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    Shop::generate(&ShopSpec::with_events(events))
        .write_files(dir.path())
        .unwrap();
    let path = dir.path().join("events.csv");
    let bytes = std::fs::metadata(&path).unwrap().len();
    let mut best = f64::MAX;
    let mut n = 0u64;
    for _ in 0..3 {
        let start = Instant::now();
        n = 0;
        for r in open(&path, &ReadOptions::default()).unwrap() {
            r.unwrap();
            n += 1;
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "read {n} events ({:.0} MB) in {best:.3} s: {:.2}M events/s, {:.0} MB/s",
        bytes as f64 / 1e6,
        n as f64 / best / 1e6,
        bytes as f64 / best / 1e6
    );
}
