//! `shoplab bench`: the speed targets of BENCHMARKS.md, measured end to end
//! through the same engine calls the CLI uses.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use shoplab_datasets::Progress;
use shoplab_datasets::synthetic::{Shop, ShopSpec};
use shoplab_engine::percentile::Percentiles;
use shoplab_engine::project::{JudgmentSource, Project};
use shoplab_engine::recommend::ModelSpec;
use shoplab_engine::run::RunSpec;
use shoplab_engine::search::SearchRequest;

use crate::cli::BenchArgs;
use crate::commands::{Ctx, import_files};
use crate::table::{num, render};

/// One measured figure.
#[derive(Debug, Serialize)]
pub struct Figure {
    /// What was measured.
    pub what: String,
    /// The value.
    pub value: f64,
    /// Its unit.
    pub unit: String,
    /// Data it was measured on.
    pub data: String,
}

fn fig(what: &str, value: f64, unit: &str, data: &str) -> Figure {
    Figure {
        what: what.into(),
        value,
        unit: unit.into(),
        data: data.into(),
    }
}

/// Peak resident memory of this process so far, in MiB (Linux; None elsewhere).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Runs the benchmarks named in `args.what`.
pub fn run(ctx: &Ctx, args: &BenchArgs) -> Result<()> {
    let scratch = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
            Scratch::Kept(d.clone())
        }
        None => Scratch::Temp(tempfile::tempdir().context("cannot create a temporary folder")?),
    };
    let dir = scratch.path().to_path_buf();
    let all = args.what == "all";
    let mut figures = Vec::new();
    let known = ["all", "import", "index", "search", "eval", "gpu", "ab"];
    if !known.contains(&args.what.as_str()) {
        bail!(
            "unknown benchmark '{}': expected one of {}",
            args.what,
            known.join(", ")
        );
    }
    if args.what == "gpu" {
        // Not part of `all`: it is the GPU machine's check (bench/gpu/check.sh).
        let check = crate::gpu_check::run(ctx, &dir.join("gpu"))?;
        return ctx.emit(&check, crate::gpu_check::text);
    }
    if args.what == "ab" {
        figures.extend(bench_ab(ctx, &dir.join("ab"))?);
    }
    if all || args.what == "import" {
        figures.extend(bench_import(ctx, &dir.join("import"), args.events)?);
    }
    if all || args.what == "index" || args.what == "search" {
        figures.extend(bench_index_search(ctx, &dir.join("index"), args.items)?);
    }
    if all || args.what == "eval" {
        figures.extend(bench_eval(ctx, &dir.join("eval"))?);
    }
    ctx.emit(&figures, |f| {
        let mut rows = vec![vec![
            "what".to_string(),
            "value".to_string(),
            "unit".to_string(),
            "data".to_string(),
        ]];
        for x in f {
            rows.push(vec![
                x.what.clone(),
                num(Some(x.value)),
                x.unit.clone(),
                x.data.clone(),
            ]);
        }
        render(&rows)
    })
}

enum Scratch {
    Kept(PathBuf),
    Temp(tempfile::TempDir),
}

impl Scratch {
    fn path(&self) -> &Path {
        match self {
            Scratch::Kept(p) => p,
            Scratch::Temp(t) => t.path(),
        }
    }
}

fn fresh_project(dir: &Path) -> Result<Project> {
    let root = dir.join("project");
    if root.exists() {
        std::fs::remove_dir_all(&root)
            .with_context(|| format!("cannot clear {}", root.display()))?;
    }
    Ok(Project::create(&root, "bench")?)
}

pub(crate) fn generate_files(ctx: &Ctx, dir: &Path, spec: &ShopSpec) -> Result<()> {
    if dir.join("events.csv").is_file() && dir.join("catalog.csv").is_file() {
        return Ok(());
    }
    ctx.progress.stage("generate synthetic shop", None);
    Shop::generate(spec)
        .write_files(dir)
        .with_context(|| format!("cannot write the synthetic shop to {}", dir.display()))?;
    ctx.progress.finish_stage();
    Ok(())
}

fn bench_import(ctx: &Ctx, dir: &Path, events: u64) -> Result<Vec<Figure>> {
    let data = dir.join(format!("data-{events}"));
    generate_files(ctx, &data, &ShopSpec::with_events(events))?;
    let mut p = fresh_project(dir)?;
    import_files(ctx, &mut p, &data, &["catalog.csv", "users.csv"])?;
    let start = Instant::now();
    let r = import_files(ctx, &mut p, &data, &["events.csv"])?.remove(0);
    let secs = start.elapsed().as_secs_f64();
    let label = format!("synthetic, {} events", r.events);
    let mut out = vec![
        fig(
            "import events (end to end)",
            r.events as f64 / secs,
            "events/s",
            &label,
        ),
        fig("import events wall time", secs, "s", &label),
    ];
    if let Some(mib) = peak_rss_mib() {
        out.push(fig("peak memory of the process", mib, "MiB", &label));
    }
    Ok(out)
}

fn bench_index_search(ctx: &Ctx, dir: &Path, items: usize) -> Result<Vec<Figure>> {
    let data = dir.join(format!("catalog-{items}"));
    let spec = ShopSpec {
        n_items: items as u32,
        n_users: 1000,
        n_events: 20_000,
        ..ShopSpec::demo()
    };
    generate_files(ctx, &data, &spec)?;
    let mut p = fresh_project(dir)?;
    import_files(ctx, &mut p, &data, &["catalog.csv", "judgments.csv"])?;
    let r = p.build_index(&ctx.progress, &ctx.cancel)?;
    ctx.progress.finish_stage();
    let label = format!("synthetic catalog, {} items", r.items);
    let mut out = vec![fig(
        "index build (incl. autocomplete)",
        r.seconds,
        "s",
        &label,
    )];

    let index = p.search_index()?;
    let mut queries: Vec<String> = p
        .judgments(JudgmentSource::Stored)?
        .into_iter()
        .map(|(q, _, _)| q)
        .collect();
    queries.dedup();
    if queries.is_empty() {
        return Ok(out);
    }
    // Warm up, then time each query on its own, in three forms: what the
    // `search` command does (hits + total + facets), hits + total only, and
    // the ranking alone (what evaluation and fusion use).
    let request = |q: &str, facets: bool| SearchRequest {
        query: q.to_string(),
        facets,
        ..SearchRequest::default()
    };
    for q in queries.iter().take(200) {
        index.search(&request(q, true))?;
    }
    type Variant<'a> = (&'a str, &'a dyn Fn(&str) -> Result<()>);
    let with_facets = |q: &str| {
        index
            .search(&request(q, true))
            .map(|_| ())
            .map_err(anyhow::Error::from)
    };
    let hits_only = |q: &str| {
        index
            .search(&request(q, false))
            .map(|_| ())
            .map_err(anyhow::Error::from)
    };
    let rank_only = |q: &str| {
        index
            .rank(&request(q, false))
            .map(|_| ())
            .map_err(anyhow::Error::from)
    };
    let variants: [Variant<'_>; 3] = [
        ("search (hits, total, facets)", &with_facets),
        ("search (hits, total)", &hits_only),
        ("rank (top 10 ids and scores)", &rank_only),
    ];
    let qlabel = format!(
        "{label}, {} distinct queries x 4 rounds, top 10, warm",
        queries.len()
    );
    for (name, run) in variants {
        let mut lat = Vec::new();
        for _ in 0..4 {
            for q in &queries {
                let t = Instant::now();
                run(q)?;
                lat.push(t.elapsed().as_secs_f64() * 1e6);
            }
        }
        // The same percentile definition as run and search latencies (nearest rank).
        let lat = Percentiles::new(lat);
        for p in [50.0, 95.0, 99.0] {
            let v = lat.at(p).unwrap_or(0.0);
            out.push(fig(&format!("{name} p{p}"), v, "µs", &qlabel));
        }
    }
    Ok(out)
}

/// The A/B comparison target of issue 11: five runs on ML-1M-sized data,
/// 10,000 bootstrap resamples and 10,000 sign flips per test (defaults),
/// both default metrics, every shopper segment.
fn bench_ab(ctx: &Ctx, dir: &Path) -> Result<Vec<Figure>> {
    let data = dir.join("ml1m-sized");
    generate_files(ctx, &data, &ShopSpec::movielens_1m_sized())?;
    let mut p = fresh_project(dir)?;
    import_files(ctx, &mut p, &data, &["catalog.csv", "events.csv"])?;
    let models = ["popularity", "item_knn", "user_knn", "ease", "co_purchase"];
    let mut ids = Vec::new();
    for model in models {
        let spec = RunSpec {
            model: ModelSpec::from_name_and_params(model, &Default::default())?,
            ..RunSpec::default()
        };
        ids.push(p.run(&spec, &ctx.progress, &ctx.cancel)?.id);
        ctx.progress.finish_stage();
    }
    let options = shoplab_engine::ab::AbOptions::default();
    let start = Instant::now();
    let report = p.ab(&ids[0], &ids[1..], &options)?;
    let secs = start.elapsed().as_secs_f64();
    let tests: usize = report
        .segments
        .iter()
        .map(|s| s.cells.iter().map(Vec::len).sum::<usize>())
        .sum();
    Ok(vec![fig(
        "A/B comparison of 5 runs (baseline + 4 challengers)",
        secs,
        "s",
        &format!(
            "synthetic ML-1M-sized, {} shoppers paired, {} paired tests ({} metrics x {} segments), \
             {} resamples and {} sign flips each",
            report.shoppers,
            tests,
            report.metrics.len(),
            report.segments.len(),
            options.tests.bootstrap,
            options.tests.permutations
        ),
    )])
}

fn bench_eval(ctx: &Ctx, dir: &Path) -> Result<Vec<Figure>> {
    let data = dir.join("ml1m-sized");
    generate_files(ctx, &data, &ShopSpec::movielens_1m_sized())?;
    let mut p = fresh_project(dir)?;
    import_files(ctx, &mut p, &data, &["catalog.csv", "events.csv"])?;
    let mut out = Vec::new();
    for model in ["item_knn", "ease", "user_knn", "popularity"] {
        let spec = RunSpec {
            model: ModelSpec::from_name_and_params(model, &Default::default())?,
            ..RunSpec::default()
        };
        let start = Instant::now();
        let r = p.run(&spec, &ctx.progress, &ctx.cancel)?;
        let secs = start.elapsed().as_secs_f64();
        ctx.progress.finish_stage();
        let label = format!(
            "synthetic ML-1M-sized: {} train / {} test events, {} users evaluated, full ranking",
            r.n_train, r.n_test, r.summary.users_evaluated
        );
        out.push(fig(
            &format!("{model}: load + split + fit + evaluate"),
            secs,
            "s",
            &label,
        ));
        out.push(fig(&format!("{model}: fit"), r.train_seconds, "s", &label));
        out.push(fig(
            &format!("{model}: evaluate"),
            r.eval_seconds,
            "s",
            &label,
        ));
    }
    Ok(out)
}
