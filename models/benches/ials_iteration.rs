//! Seconds per iALS iteration on MovieLens-1M-sized synthetic data, to set
//! beside the `implicit` library (bench/peers/implicit_ials.py reads the
//! same interactions from the CSV this writes).
//!
//! Run (2 threads, as the comparison in BENCHMARKS.md):
//! `RAYON_NUM_THREADS=2 cargo bench -p shoplab-models --bench ials_iteration -- [CSV_OUT]`
//! (the figures in BENCHMARKS.md were taken with the dev profile's already
//! built dependencies and this crate at opt-level 3: add
//! `--profile dev --config 'profile.dev.package.shoplab-models.opt-level=3'
//! --config 'profile.dev.package.shoplab-models.debug-assertions=false'
//! --config 'profile.dev.package.shoplab-models.overflow-checks=false'`).
//! Prints one JSON line; the median excludes nothing (the loss pass is
//! inside each iteration, and also timed alone as `loss_pass_s`).
#![allow(clippy::print_stdout)]

use std::collections::HashSet;
use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use shoplab_datasets::{CancelToken, Progress, SparseMatrix};
use shoplab_models::ials::{IalsParams, fit_ials};

const USERS: usize = 6_040;
const ITEMS: usize = 3_706;
const NNZ: usize = 1_000_209;

/// Binary users x items matrix with skewed user activity and item
/// popularity (powers of uniforms), seed 2024; the same every run.
fn synthetic() -> SparseMatrix {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut seen: HashSet<u64> = HashSet::with_capacity(NNZ * 2);
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(NNZ);
    while pairs.len() < NNZ {
        let u = ((USERS as f64) * rng.random::<f64>().powf(1.5)) as u32;
        let i = ((ITEMS as f64) * rng.random::<f64>().powi(2)) as u32;
        if seen.insert(u64::from(u) << 32 | u64::from(i)) {
            pairs.push((u, i));
        }
    }
    pairs.sort_unstable();
    let mut indptr = vec![0usize; USERS + 1];
    for &(u, _) in &pairs {
        indptr[u as usize + 1] += 1;
    }
    for r in 0..USERS {
        indptr[r + 1] += indptr[r];
    }
    SparseMatrix {
        n_rows: USERS,
        n_cols: ITEMS,
        indptr,
        indices: pairs.iter().map(|p| p.1).collect(),
        data: vec![1.0; NNZ],
    }
}

/// Records the time of every finished iteration.
struct Clock(Mutex<Vec<Instant>>);

impl Progress for Clock {
    fn stage(&self, _name: &str, _total: Option<u64>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Instant::now());
    }
    fn advance(&self, _n: u64) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Instant::now());
    }
}

fn main() -> std::io::Result<()> {
    let m = synthetic();
    // `cargo bench` passes `--bench`; the first other argument is the CSV path.
    if let Some(path) = std::env::args().skip(1).find(|a| !a.starts_with("--")) {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
        writeln!(out, "user,item")?;
        for u in 0..m.n_rows {
            for &i in m.row(u).0 {
                writeln!(out, "{u},{i}")?;
            }
        }
        out.flush()?;
    }
    let params = IalsParams {
        factors: 64,
        regularization: 0.01,
        alpha: 1.0,
        iterations: 7,
        cg_steps: 3,
        seed: 42,
    };
    let clock = Clock(Mutex::new(Vec::new()));
    let model =
        fit_ials(&params, &m, &clock, &CancelToken::new()).map_err(std::io::Error::other)?;
    let marks = clock.0.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut per_iter: Vec<f64> = marks
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64())
        .collect();
    let all = per_iter.clone();
    per_iter.sort_by(f64::total_cmp);
    let median = per_iter[per_iter.len() / 2];
    let t = Instant::now();
    let loss = model.loss(&m);
    let loss_s = t.elapsed().as_secs_f64();
    println!(
        "{{\"tool\":\"shoplab\",\"users\":{USERS},\"items\":{ITEMS},\"nnz\":{},\"factors\":64,\"cg_steps\":3,\"threads\":{},\"median_s_per_iter\":{median:.4},\"per_iter_s\":{all:?},\"loss_pass_s\":{loss_s:.4},\"final_loss\":{loss:.6}}}",
        m.nnz(),
        rayon::current_num_threads()
    );
    Ok(())
}
