//! A SASRec and a GRU4Rec epoch on MovieLens-1M-sized synthetic sequences
//! (6,040 users x 3,706 items x 1,000,209 events, max_seq_length 50, batch
//! 2048, RecBole's defaults otherwise): the GPU target is a SASRec
//! epoch under 2 s on an H200; on the CPU there is no target, this measures.
//!
//! `RAYON_NUM_THREADS=2 CANDLE_NUM_THREADS=1 cargo test -p shoplab-models
//! --bench sasrec_epoch --config 'profile.dev.package.shoplab-models.opt-level=2'
//! --config 'profile.dev.package.shoplab-datasets.opt-level=2'` (or `cargo
//! bench` for a release build). Set RAYON_NUM_THREADS: without it candle
//! 0.11.1 reads /proc/cpuinfo on every CPU matrix product (its thread
//! count), which made one GRU4Rec shopper cost 13.7 ms of CPU instead of 0.95. A full CPU epoch takes minutes, so by
//! default the trainer runs `SHOPLAB_BENCH_BATCHES` (default 8) batches of
//! the first epoch and the epoch time is extrapolated from their mean;
//! `SHOPLAB_BENCH_FULL=1` times a whole epoch. `SHOPLAB_BENCH_MODEL=sasrec`
//! or `gru4rec` picks one (default both), `SHOPLAB_BENCH_LOSS=bpr` the BPR
//! loss, `SHOPLAB_BENCH_EXAMPLES=prefixes` RecBole's prefix examples instead
//! of windows, `SHOPLAB_DEVICE=cuda` the GPU (CUDA build). After the trainer's
//! figures, one batch is split into forward, loss and backward
//! (`SHOPLAB_BENCH_SPLIT_ONLY=1`: only that). `SHOPLAB_BENCH_MODEL=serve`
//! times one shopper's top-10 over 100K items from a loaded model instead.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use candle_core::{Device, Tensor};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use shoplab_datasets::{CancelToken, EventKind, Interactions, Progress, Weighting};
use shoplab_models::sequential::{PaddedBatch, SeqNet};
use shoplab_models::{
    DeviceChoice, Error, FitContext, Gru4RecParams, LossType, SasRecParams, SeqExamples, TrainData,
    fit_gru4rec, fit_sasrec, resolve,
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
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

/// Counts batches; cancels after `stop_after` (0 = never); notes when the
/// first batch ended, so the timed batches exclude set-up.
struct Batches {
    done: AtomicUsize,
    /// Batches in the epoch, as the trainer announces them.
    total: AtomicUsize,
    stop_after: usize,
    cancel: CancelToken,
    first: std::sync::Mutex<Option<(Instant, f64)>>,
}

impl Progress for Batches {
    fn stage(&self, _: &str, total: Option<u64>) {
        self.total
            .store(total.unwrap_or(0) as usize, Ordering::SeqCst);
    }
    fn advance(&self, n: u64) {
        let now = self.done.fetch_add(n as usize, Ordering::SeqCst) + n as usize;
        if now == 1 {
            *self.first.lock().unwrap() = Some((Instant::now(), cpu_secs()));
        }
        if self.stop_after > 0 && now >= self.stop_after {
            self.cancel.cancel();
        }
    }
    fn metric(&self, _: &str, _: f64) {}
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// One batch split into its parts: forward, logits + loss, backward.
fn split_one_batch<N: SeqNet>(net: &N, seqs: &shoplab_datasets::Sequences, device: &Device) {
    let n_items = 3706usize;
    let l = net.max_len();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let w: Vec<Tensor> = net
        .init(n_items, &mut rng, device)
        .unwrap()
        .into_iter()
        .map(|t| {
            candle_core::Var::from_tensor(&t)
                .unwrap()
                .as_tensor()
                .clone()
        })
        .collect();
    let mut prefixes = Vec::new();
    let mut targets = Vec::new();
    while prefixes.len() < 2048 {
        let u = rng.random_range(0..seqs.n_users());
        let ev = seqs.of(u);
        if ev.len() < 2 {
            continue;
        }
        let e = rng.random_range(1..ev.len());
        let p: Vec<u32> = ev[e.saturating_sub(l)..e].iter().map(|x| x.item).collect();
        prefixes.push(p);
        targets.push(ev[e].item);
    }
    let refs: Vec<&[u32]> = prefixes.iter().map(|p| p.as_slice()).collect();
    let t0 = Instant::now();
    let batch = PaddedBatch::new(&refs, n_items as u32, device).unwrap();
    let rep = net.encode(&w, &batch, Some(&mut rng)).unwrap();
    let _ = rep.sum_all().unwrap().to_scalar::<f32>();
    let t1 = Instant::now();
    let table = w[0].narrow(0, 0, n_items).unwrap();
    let logits = rep.matmul(&table.t().unwrap()).unwrap();
    let lse = candle_nn::ops::log_softmax(&logits, 1).unwrap();
    let tgt = Tensor::from_vec(targets, (2048, 1), device).unwrap();
    let loss = lse
        .gather(&tgt, 1)
        .unwrap()
        .mean_all()
        .unwrap()
        .neg()
        .unwrap();
    let _ = loss.to_scalar::<f32>();
    let t2 = Instant::now();
    let _g = loss.backward().unwrap();
    let t3 = Instant::now();
    println!(
        "  one batch of 2048 (T = {}): forward {:.2} s, logits + CE {:.2} s, backward {:.2} s",
        batch.t,
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        (t3 - t2).as_secs_f64()
    );
}

/// Serving: one shopper's top-10 (50 recent events) over a 100K-item
/// catalog from a loaded model with default sizes and random weights.
fn serve<N: SeqNet>(net: &N, items: usize) {
    use shoplab_datasets::{ModelState, Recommender, SeqEvent, UserQuery, top_k};
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let w = net.init(items, &mut rng, &Device::Cpu).unwrap();
    let mut st = ModelState::new();
    st.meta("format", N::FORMAT).meta("n_items", items);
    for ((name, dims), t) in net.shapes(items).iter().zip(&w) {
        st.push_f32(name, dims, t.flatten_all().unwrap().to_vec1().unwrap());
    }
    let bytes = st.to_safetensors().unwrap();
    let t = Instant::now();
    let st = ModelState::from_safetensors(&bytes).unwrap();
    let model = shoplab_models::sequential::load_seq(net, &st, &Device::Cpu).unwrap();
    let load_time = t.elapsed();
    let mut times = Vec::new();
    let mut scores = vec![0f32; items];
    let c0 = cpu_secs();
    for u in 0..200u32 {
        let events: Vec<SeqEvent> = (0..50)
            .map(|k| SeqEvent {
                item: (u * 7919 + k * 104_729) % items as u32,
                kind: EventKind::View,
                ts: k as i64,
            })
            .collect();
        let q = UserQuery {
            user: None,
            history: &[],
            weights: &[],
            events: &events,
        };
        let t = Instant::now();
        scores.iter_mut().for_each(|x| *x = 0.0);
        model.score(&q, &mut scores);
        let top = top_k(&scores, 10, &[]);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(top.len(), 10);
    }
    let cpu_ms = (cpu_secs() - c0) * 1e3 / 200.0;
    times.sort_by(f64::total_cmp);
    println!(
        "serve {}: decode+load {load_time:.2?}; 50 events -> top-10 over {items} items: p50 {:.3} ms, \
         p99 {:.3} ms wall, mean {cpu_ms:.2} ms CPU (load {})",
        N::NAME,
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        load()
    );
}

fn main() {
    if std::env::var("SHOPLAB_BENCH_MODEL").is_ok_and(|m| m == "serve") {
        for items in [100, 100_000] {
            serve(&SasRecParams::default(), items);
            serve(&Gru4RecParams::default(), items);
        }
        return;
    }
    let device: DeviceChoice = std::env::var("SHOPLAB_DEVICE")
        .unwrap_or_else(|_| "cpu".into())
        .parse()
        .unwrap();
    let full = std::env::var("SHOPLAB_BENCH_FULL").is_ok_and(|v| v == "1");
    let batches: usize = std::env::var("SHOPLAB_BENCH_BATCHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
        .max(2);
    let loss = match std::env::var("SHOPLAB_BENCH_LOSS").as_deref() {
        Ok("bpr") => LossType::Bpr,
        _ => LossType::Ce,
    };
    let which = std::env::var("SHOPLAB_BENCH_MODEL").unwrap_or_default();
    let examples = match std::env::var("SHOPLAB_BENCH_EXAMPLES").as_deref() {
        Ok("prefixes") => SeqExamples::Prefixes,
        _ => SeqExamples::Windows,
    };
    let split_only = std::env::var("SHOPLAB_BENCH_SPLIT_ONLY").is_ok_and(|v| v == "1");
    let t = Instant::now();
    let log = ml1m_like();
    let seqs = log.sequences();
    let targets = log.len()
        - (0..seqs.n_users())
            .filter(|&u| !seqs.of(u).is_empty())
            .count();
    println!(
        "data: {} events, {targets} training targets ({:.2?})",
        log.len(),
        t.elapsed()
    );
    let data = TrainData {
        train: &log,
        weighting: Weighting::Binary,
        sequences: &seqs,
        item_text: None,
    };
    for model in ["sasrec", "gru4rec"] {
        if !which.is_empty() && which != model {
            continue;
        }
        let (dev, _) = resolve(&device).unwrap();
        if split_only {
            if model == "sasrec" {
                split_one_batch(&SasRecParams::default(), &seqs, &dev);
            } else {
                split_one_batch(&Gru4RecParams::default(), &seqs, &dev);
            }
            continue;
        }
        let progress = Batches {
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
            stop_after: if full { 0 } else { batches },
            cancel: CancelToken::new(),
            first: std::sync::Mutex::new(None),
        };
        let ctx = FitContext {
            progress: &progress,
            cancel: &progress.cancel,
            validator: None,
            checkpoint_dir: None,
            resume_key: "bench",
            device,
        };
        let (t0, c0) = (Instant::now(), cpu_secs());
        let r = if model == "sasrec" {
            let p = SasRecParams {
                epochs: 1,
                validate_every: 0,
                loss_type: loss,
                examples,
                ..SasRecParams::default()
            };
            fit_sasrec(&p, &data, &ctx).map(|f| f.report.loss_curve)
        } else {
            let p = Gru4RecParams {
                epochs: 1,
                validate_every: 0,
                loss_type: loss,
                examples,
                ..Gru4RecParams::default()
            };
            fit_gru4rec(&p, &data, &ctx).map(|f| f.report.loss_curve)
        };
        let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_secs() - c0);
        match r {
            Ok(curve) => println!(
                "{model} ({loss:?}): one full epoch in {wall:.1} s wall, {cpu:.1} s CPU (loss {curve:?}; load {})",
                load()
            ),
            Err(Error::Cancelled) => {
                let (tf, cf) = progress.first.lock().unwrap().unwrap();
                let n = progress.done.load(Ordering::SeqCst) - 1;
                let per = tf.elapsed().as_secs_f64() / n as f64;
                let per_epoch = progress.total.load(Ordering::SeqCst);
                let per_cpu = (cpu_secs() - cf) / n as f64;
                println!(
                    "{model} ({loss:?}, {examples:?}): {per:.2} s/batch wall, {per_cpu:.2} s/batch CPU over {n} \
                     of {per_epoch} batches => epoch ~{:.0} s wall, ~{:.0} s CPU (load {})",
                    per * per_epoch as f64,
                    per_cpu * per_epoch as f64,
                    load()
                );
            }
            Err(e) => panic!("{e}"),
        }
        if model == "sasrec" {
            split_one_batch(&SasRecParams::default(), &seqs, &dev);
        } else {
            split_one_batch(&Gru4RecParams::default(), &seqs, &dev);
        }
    }
}
