//! One BPR epoch on MovieLens-1M-sized synthetic data (6,040 users x 3,706
//! items x 1,000,209 events), the speed target of issue 10 (< 5 s on 2 cores).
//!
//! `cargo bench -p shoplab-models --bench bpr_epoch` (release), or quicker
//! and slower `cargo test -p shoplab-models --bench bpr_epoch`.
//! `SHOPLAB_BENCH_EPOCHS=n` times n epochs; `SHOPLAB_BENCH_MODEL=neumf`
//! times NeuMF instead; `SHOPLAB_DEVICE=cuda` runs on the GPU (CUDA build).

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::Instant;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use shoplab_datasets::{CancelToken, EventKind, Interactions, NoProgress, Weighting};
use shoplab_models::{
    BprParams, DeviceChoice, FitContext, NeuMfParams, TrainData, fit_bpr, fit_neumf,
};

fn ml1m_like() -> Interactions {
    let (n_users, n_items, n_events) = (6040u32, 3706u32, 1_000_209usize);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut log = Interactions::new(n_users, n_items);
    let mut seen = std::collections::HashSet::new();
    // Popularity skew like MovieLens: item = floor(n * u^2).
    while log.len() < n_events {
        let u = rng.random_range(0..n_users);
        let x: f64 = rng.random();
        let i = ((x * x) * n_items as f64) as u32 % n_items;
        if seen.insert((u, i)) {
            log.push(u, i, log.len() as i64, EventKind::Rating, 1.0);
        }
    }
    log
}

/// CPU seconds this process used (user + system), from /proc; 0 elsewhere.
/// Wall time on a shared machine varies with its load; CPU time does not.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn main() {
    let device: DeviceChoice = std::env::var("SHOPLAB_DEVICE")
        .unwrap_or_else(|_| "cpu".into())
        .parse()
        .unwrap();
    let epochs: usize = std::env::var("SHOPLAB_BENCH_EPOCHS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let t = Instant::now();
    let log = ml1m_like();
    let seqs = log.sequences();
    println!("data: {} events in {:.2?}", log.len(), t.elapsed());
    let model = std::env::var("SHOPLAB_BENCH_MODEL").unwrap_or_else(|_| "bpr".into());
    let batch_size = 2048;
    let data = TrainData {
        train: &log,
        weighting: Weighting::Binary,
        sequences: &seqs,
    };
    let cancel = CancelToken::new();
    let ctx = FitContext {
        progress: &NoProgress,
        cancel: &cancel,
        validator: None,
        checkpoint_dir: None,
        resume_key: "bench",
        device,
    };
    let t = Instant::now();
    let cpu0 = cpu_secs();
    let fitted = if model == "neumf" {
        let p = NeuMfParams {
            epochs,
            validate_every: 0,
            batch_size,
            ..NeuMfParams::default()
        };
        fit_neumf(&p, &data, &ctx).unwrap()
    } else {
        let p = BprParams {
            epochs,
            validate_every: 0,
            batch_size,
            ..BprParams::default()
        };
        fit_bpr(&p, &data, &ctx).unwrap()
    };
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu0;
    let batches = log.len().div_ceil(batch_size);
    println!(
        "{model}: {epochs} epoch(s) of {batches} batches on {} in {secs:.2} s = {:.2} s/epoch wall, \
         {:.2} s/epoch CPU (loss {:?}; load {})",
        fitted.report.device,
        secs / epochs as f64,
        cpu / epochs as f64,
        fitted.report.loss_curve,
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
}
