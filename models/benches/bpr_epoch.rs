//! One BPR epoch on MovieLens-1M-sized synthetic data (6,040 users x 3,706
//! items x 1,000,209 events), the speed target of issue 10 (< 5 s on 2 cores).
//!
//! `cargo bench -p shoplab-models --bench bpr_epoch` (release), or quicker
//! and slower `cargo test -p shoplab-models --bench bpr_epoch`.
//! `SHOPLAB_BENCH_EPOCHS=n` times n epochs; `SHOPLAB_BENCH_MODEL=neumf` times
//! NeuMF instead, `SHOPLAB_BENCH_MODEL=serve` one shopper's top-10 over 100K
//! items from a loaded BPR model; `SHOPLAB_DEVICE=cuda` runs on the GPU (CUDA
//! build). `SHOPLAB_BENCH_CSV=FILE` also writes the synthetic log as
//! `user,item,timestamp` for a peer to time on the same data
//! (bench/peers/recbole_bpr_epoch.py). Set `CANDLE_NUM_THREADS=1` on a busy machine: candle's CPU
//! element-wise pool spin-waits for its workers, which made an epoch 5x
//! slower under load (matrix products keep their own threads).

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

/// Serving: one shopper's scores over a 100K-item catalog from a loaded
/// BPR model (the serving target is top-10 under 2 ms p99).
fn serve() {
    use shoplab_datasets::{ModelState, Recommender, UserQuery, top_k};
    let (users, items, d) = (1000usize, 100_000usize, 64usize);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut st = ModelState::new();
    st.meta("format", shoplab_models::bpr::BPR_FORMAT)
        .meta("n_users", users)
        .meta("n_items", items);
    st.push_f32(
        "user_embedding",
        &[users, d],
        (0..users * d).map(|_| rng.random::<f32>() - 0.5).collect(),
    );
    st.push_f32(
        "item_embedding",
        &[items, d],
        (0..items * d).map(|_| rng.random::<f32>() - 0.5).collect(),
    );
    let bytes = st.to_safetensors().unwrap();
    let t = Instant::now();
    let st = ModelState::from_safetensors(&bytes).unwrap();
    let model =
        shoplab_models::load_bpr(&BprParams::default(), &st, &candle_core::Device::Cpu).unwrap();
    let load = t.elapsed();
    let (mut times, mut plain_times) = (Vec::new(), Vec::new());
    let mut scores = vec![0f32; items];
    for u in 0..300u32 {
        let query = UserQuery::from_set(Some(u), &[], &[]);
        // The serving path: the model's own top 10 (the bfloat16 shortlist).
        let t = Instant::now();
        let top = model.top_k(&query, 10, &[], None);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        // The plain path: every item scored in f32, then the best 10.
        let t = Instant::now();
        scores.iter_mut().for_each(|x| *x = 0.0);
        model.score(&query, &mut scores);
        let plain = top_k(&scores, 10, &[]);
        plain_times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(top.iter().map(|&(i, _)| i).collect::<Vec<_>>(), plain);
    }
    println!(
        "first 5 requests (ms): {:?}",
        times[..5]
            .iter()
            .map(|t| (t * 1000.0).round() / 1000.0)
            .collect::<Vec<_>>()
    );
    // Steady state: the requests after the first 20 (a server warms up once).
    let mut warm = times[20..].to_vec();
    warm.sort_by(f64::total_cmp);
    println!(
        "after 20 warm-up requests: p50 {:.3} ms, p99 {:.3} ms",
        warm[warm.len() / 2],
        warm[warm.len() * 99 / 100]
    );
    times.sort_by(f64::total_cmp);
    plain_times.sort_by(f64::total_cmp);
    println!(
        "plain path (score every item in f32, then top 10): p50 {:.3} ms, p99 {:.3} ms",
        plain_times[plain_times.len() / 2],
        plain_times[plain_times.len() * 99 / 100]
    );
    println!(
        "serve bpr: decode+load {load:.2?}; top-10 over {items} items: p50 {:.3} ms, p99 {:.3} ms",
        times[times.len() / 2],
        times[times.len() * 99 / 100]
    );
}

fn main() {
    if std::env::var("SHOPLAB_BENCH_MODEL").is_ok_and(|m| m == "serve") {
        serve();
        return;
    }
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
    if let Ok(path) = std::env::var("SHOPLAB_BENCH_CSV") {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        writeln!(w, "user,item,timestamp").unwrap();
        for e in 0..log.len() {
            writeln!(w, "{},{},{}", log.users[e], log.items[e], log.ts[e]).unwrap();
        }
        println!("wrote {path}");
    }
    let model = std::env::var("SHOPLAB_BENCH_MODEL").unwrap_or_else(|_| "bpr".into());
    let batch_size = 2048;
    let data = TrainData {
        train: &log,
        weighting: Weighting::Binary,
        sequences: &seqs,
        item_text: None,
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
