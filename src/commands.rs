//! One function per subcommand: parse flags into engine specs, call the
//! engine, print a table or JSON.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde::Serialize;
use shoplab_datasets::read::{Format, ReadOptions};
use shoplab_datasets::{CancelToken, EventKind, Progress, Weighting};
use shoplab_engine::DeviceChoice;
use shoplab_engine::compare::{Column, Comparison};
use shoplab_engine::evaluate::EvalOptions;
use shoplab_engine::project::{JudgmentSource, Project};
use shoplab_engine::recommend::ModelSpec;
use shoplab_engine::run::{RunRecord, RunSpec, default_kinds};
use shoplab_engine::run_label::shown_value;
use shoplab_engine::search::{
    FieldWeights, Fusion, GainMapping, QuerySlice, RankerKind, Relevance, SearchEvalConfig,
    SearchEvalReport, SearchRequest, SearchTrecExport, WeightGrid,
};
use shoplab_engine::significance::{PairedConfig, PairedTest};
use shoplab_engine::split::SplitSpec;
use shoplab_engine::store::{ImportOptions, ImportReport};

use crate::cli::*;
use crate::progress::CliProgress;
use crate::table::{num, render};

/// Shared per-invocation context.
pub struct Ctx {
    /// `--json` was given.
    pub json: bool,
    /// Progress reporter (silent with `--json`).
    pub progress: CliProgress,
    /// Cancelled on Ctrl-C.
    pub cancel: CancelToken,
}

impl Ctx {
    /// Prints `value` as JSON, or the text from `human`.
    pub fn emit<T: Serialize>(&self, value: &T, human: impl FnOnce(&T) -> String) -> Result<()> {
        let text = if self.json {
            let mut text = serde_json::to_string_pretty(value).context("cannot write JSON")?;
            text.push('\n');
            text
        } else {
            human(value)
        };
        write_stdout(&text)
    }
}

/// Writes to standard output. A reader that stopped early (`| head`) is not
/// an error: the command ends quietly, as ripgrep and grep do.
fn write_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(e).context("cannot write to standard output"),
    }
}

/// Opens a project for a command that does not write to its store: works on
/// read-only media and beside a running import.
pub(crate) fn open(project: &Path) -> Result<Project> {
    Project::open_read_only(project)
        .with_context(|| format!("cannot open project {}", project.display()))
}

/// Opens a project to import into.
fn open_for_writing(project: &Path) -> Result<Project> {
    Project::open(project).with_context(|| format!("cannot open project {}", project.display()))
}

/// `shoplab new`: an empty project, or one built from files all or nothing.
pub fn new(ctx: &Ctx, a: &NewArgs) -> Result<()> {
    use shoplab_engine::create::{SourceCheck, Verdict, check_sources, create_from, import_list};
    let dir = &a.dir;
    let name = a.name.clone().unwrap_or_else(|| {
        dir.file_name()
            .map_or_else(|| "shop".into(), |n| n.to_string_lossy().into_owned())
    });
    #[derive(Serialize)]
    struct Created {
        root: std::path::PathBuf,
        name: String,
        currency: String,
        checks: Vec<shoplab_engine::create::SourceCheck>,
        imports: Vec<ImportReport>,
        index: Option<shoplab_engine::project::IndexReport>,
    }
    let checks = check_sources(&a.import);
    // Files chosen but none importable: no project, rather than an empty one.
    let files = import_list(&checks).map_err(|e| {
        anyhow::Error::new(e).context(format!("no project was created in {}", dir.display()))
    })?;
    let (mut project, imports, index) = if a.import.is_empty() {
        (Project::create(dir, &name)?, Vec::new(), None)
    } else {
        let created = create_from(
            dir,
            &name,
            &files,
            &ReadOptions::default(),
            &ImportOptions::default(),
            &ctx.progress,
            &ctx.cancel,
        );
        match created {
            Ok(c) => (c.project, c.reports, c.index),
            Err(e) => {
                ctx.progress.abandon_stage();
                return Err(anyhow::Error::new(e).context(format!(
                    "no project was created in {} (nothing is left of the attempt)",
                    dir.display()
                )));
            }
        }
    };
    if let Some(c) = &a.currency {
        project.set_currency(c)?;
    }
    let out = Created {
        root: project.paths.root.clone(),
        name,
        currency: project.settings.currency.clone(),
        checks,
        imports,
        index,
    };
    ctx.emit(&out, |c| {
        let mut s = format!("Created project '{}' in {}.\n", c.name, c.root.display());
        for r in &c.imports {
            s.push_str(&format!(
                "  imported {} as {}: {} items, {} users, {} events, {} judgments, {} rows rejected\n",
                r.file.display(),
                r.format,
                r.items,
                r.users,
                r.events,
                r.judgments,
                r.rejected
            ));
        }
        // A folder read as its files lists each file's verdict.
        let checks: Vec<&SourceCheck> = c
            .checks
            .iter()
            .flat_map(|check| match &check.verdict {
                Verdict::Folder { files } => files.iter().collect(),
                _ => vec![check],
            })
            .collect();
        for check in checks {
            match &check.verdict {
                Verdict::Import { unread, .. } => {
                    for u in unread {
                        s.push_str(&format!("  not read (not part of the data set): {}\n", u.display()));
                    }
                }
                Verdict::PartOf { source } => s.push_str(&format!(
                    "  {} was read as part of {}\n",
                    check.path.display(),
                    source.display()
                )),
                Verdict::Unrecognised { reason } => s.push_str(&format!(
                    "  skipped {}: not a file ShopLab recognises ({})\n",
                    check.path.display(),
                    without_path(reason, &check.path)
                )),
                Verdict::Folder { .. } => {}
            }
        }
        if let Some(i) = &c.index {
            s.push_str(&format!("  indexed {} items for search\n", i.items));
        }
        if c.imports.is_empty() {
            s.push_str(&format!(
                "Next: shoplab -p {} import catalog.csv\n",
                c.root.display()
            ));
        }
        s
    })
}

/// `reason` without a leading "PATH: " when the line names the path already.
fn without_path<'a>(reason: &'a str, path: &Path) -> &'a str {
    reason
        .strip_prefix(&format!("{}: ", path.display()))
        .unwrap_or(reason)
}

/// `shoplab settings`: show the project's settings, or change the currency.
pub fn settings(ctx: &Ctx, project: &Path, currency: Option<&str>) -> Result<()> {
    let mut p = match currency {
        Some(_) => open_for_writing(project)?,
        None => open(project)?,
    };
    if let Some(c) = currency {
        p.set_currency(c)?;
    }
    ctx.emit(&p.settings, |s| {
        format!(
            "name: {}\ncurrency: {}\nformat version: {}\ncreated by: {}\n",
            s.name,
            if s.currency.is_empty() {
                "(none: prices are plain numbers)"
            } else {
                &s.currency
            },
            s.format_version,
            s.created_by
        )
    })
}

/// Names as a sentence lists them: `a`, `a and b`, `a, b and c`.
fn in_words(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn parse_pairs(pairs: &[String], what: &str) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for p in pairs {
        let (k, v) = p
            .split_once('=')
            .with_context(|| format!("{what} '{p}' is not of the form NAME=VALUE"))?;
        let (k, v) = (k.trim().to_string(), v.trim().to_string());
        if k.is_empty() {
            bail!("{what} '{p}' has no name before '='; write NAME=VALUE, e.g. epochs=5");
        }
        if let Some(first) = out.get(&k) {
            bail!("{what} {k} is given twice ({k}={first} and {k}={v}); give it once");
        }
        out.insert(k, v);
    }
    Ok(out)
}

fn read_options(args: &ImportArgs) -> Result<ReadOptions> {
    let format: Format = args
        .format
        .parse()
        .map_err(|e| anyhow::anyhow!("--format {}: {e}", args.format))?;
    let delimiter = match args.delimiter {
        None => None,
        Some(c) if c.is_ascii() => Some(c as u8),
        Some(c) => {
            bail!("--delimiter '{c}' must be a single ASCII character such as , ; | or a tab")
        }
    };
    let default_kind = match &args.kind {
        None => None,
        Some(k) => Some(
            k.parse::<EventKind>()
                .map_err(|e| anyhow::anyhow!("--kind: {e}"))?,
        ),
    };
    Ok(ReadOptions {
        format,
        delimiter,
        encoding: args.encoding.clone(),
        mapping: parse_pairs(&args.mapping, "--map")?,
        timestamp_format: args.timestamp_format.clone(),
        default_kind,
    })
}

/// `shoplab import`
pub fn import(ctx: &Ctx, project: &Path, args: &ImportArgs) -> Result<()> {
    let read = read_options(args)?;
    if args.dry_run {
        let preview = shoplab_datasets::read::inspect(&args.path, &read)?;
        return ctx.emit(&preview, |p| format!("{p}\n"));
    }
    let mut p = open_for_writing(project)?;
    let opts = ImportOptions {
        strict: args.strict,
        allow_new_items: args.allow_new_items,
        ..ImportOptions::default()
    };
    let report = match p.import(&args.path, &read, &opts, &ctx.progress, &ctx.cancel) {
        Ok(report) => report,
        Err(e) => {
            ctx.progress.abandon_stage();
            if matches!(e, shoplab_engine::Error::Cancelled) {
                return Err(cancelled_import(&p, project, args));
            }
            return Err(e.into());
        }
    };
    ctx.progress.finish_stage();
    ctx.emit(&report, |r| {
        let mut s = if r.already_imported {
            format!(
                "{} was imported before (same content); nothing added.\n",
                args.path.display()
            )
        } else {
            format!(
                "Imported {}: {} rows accepted, {} rejected ({} items, {} users, {} events, {} judgments){} in {:.2} s{}.\n",
                args.path.display(),
                r.accepted,
                r.rejected,
                r.items,
                r.users,
                r.events,
                r.judgments,
                if r.duplicates > 0 {
                    format!(
                        "; {} duplicates of stored events skipped (rows earlier imports already stored)",
                        r.duplicates
                    )
                } else {
                    String::new()
                },
                r.elapsed_s,
                r.resumed_from
                    .map(|n| format!(", resumed after {n} rows"))
                    .unwrap_or_default()
            )
        };
        for w in &r.warnings {
            s.push_str(&format!("  warning: {w}\n"));
        }
        for e in &r.sample_rejections {
            s.push_str(&format!("  rejected {e}\n"));
        }
        if r.rejected > r.sample_rejections.len() as u64 {
            s.push_str("  (all rejected rows: shoplab imports --rejected 1000)\n");
        }
        s
    })?;
    if !report.already_imported && report.accepted == 0 && report.duplicates == 0 {
        bail!(
            "nothing could be imported from {}: every row was rejected (see the reasons above)",
            args.path.display()
        );
    }
    Ok(())
}

/// The error for an import cancelled with Ctrl-C: what is stored and the
/// command that resumes it.
fn cancelled_import(p: &Project, project: &Path, args: &ImportArgs) -> anyhow::Error {
    let stored = p
        .store()
        .imports()
        .ok()
        .and_then(|log| log.into_iter().rev().find(|i| i.file == args.path))
        .map_or(0, |i| i.records_consumed);
    let mut command = format!(
        "shoplab -p {} import {}",
        project.display(),
        args.path.display()
    );
    let original: Vec<String> = std::env::args().skip(1).collect();
    if original.iter().any(|a| a.starts_with("--")) {
        // Options change what is read; the user's own command line resumes.
        command = format!("shoplab {}", original.join(" "));
    }
    anyhow::Error::new(shoplab_engine::Error::Cancelled).context(format!(
        "Import of {} cancelled: the first {stored} rows are stored, the rest is not (`shoplab imports` lists it as cancelled).\nTo resume where it stopped, run the same command again: {command}",
        args.path.display()
    ))
}

/// Imports files of a folder (the generated synthetic layout) with default
/// options, in order, finishing each progress stage.
pub fn import_files(
    ctx: &Ctx,
    p: &mut Project,
    dir: &Path,
    files: &[&str],
) -> Result<Vec<ImportReport>> {
    files
        .iter()
        .map(|f| {
            let r = p.import(
                &dir.join(f),
                &ReadOptions::default(),
                &ImportOptions::default(),
                &ctx.progress,
                &ctx.cancel,
            )?;
            ctx.progress.finish_stage();
            Ok(r)
        })
        .collect()
}

/// `shoplab imports`
pub fn imports(ctx: &Ctx, project: &Path, rejected: usize) -> Result<()> {
    let p = open(project)?;
    #[derive(Serialize)]
    struct Entry {
        #[serde(flatten)]
        import: shoplab_engine::store::ImportRecord,
        rejected_rows: Vec<shoplab_datasets::RowError>,
    }
    let list = p
        .imports()?
        .into_iter()
        .map(|i| {
            let rows = p.rejected_rows(i.id, rejected)?;
            Ok(Entry {
                import: i,
                rejected_rows: rows,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    ctx.emit(&list, |list| {
        let mut s = String::new();
        for e in list {
            s.push_str(&format!("{}\n", crate::text::import_line(&e.import)));
            for r in &e.rejected_rows {
                s.push_str(&format!("    {r}\n"));
            }
        }
        if list.is_empty() {
            s.push_str("No imports yet.\n");
        }
        s
    })
}

/// `shoplab stats` (warns about files whose import did not finish)
pub fn stats(ctx: &Ctx, project: &Path) -> Result<()> {
    let p = open(project)?;
    let stats = p.stats()?;
    ctx.emit(&stats, |s| {
        let mut text = crate::text::stats(s);
        for f in &s.derived_times {
            text.push_str(&format!(
                "note: {} has no dates, so ShopLab made them up: each shopper's first order on 2017-01-01, later orders by their days since the prior order. The order and gaps within a shopper are real; dates do not line up across shoppers (hence the many events on 2017-01-01).\n",
                f.display()
            ));
        }
        text
    })
}

/// `shoplab index`
pub fn index(ctx: &Ctx, project: &Path) -> Result<()> {
    let p = open(project)?;
    let r = p.build_index(&ctx.progress, &ctx.cancel)?;
    ctx.progress.finish_stage();
    ctx.emit(&r, |r| {
        format!(
            "Indexed {} items and {} autocomplete entries in {:.2} s.\n",
            r.items, r.suggestions, r.seconds
        )
    })
}

pub(crate) fn field_weights(pairs: &[String]) -> Result<FieldWeights> {
    let mut w = FieldWeights::default();
    for (k, v) in parse_pairs(pairs, "--weight")? {
        let boost: f32 = v
            .parse()
            .with_context(|| format!("--weight {k}={v}: '{v}' is not a number"))?;
        let slot = match k.as_str() {
            "title" => &mut w.title,
            "description" => &mut w.description,
            "brand" => &mut w.brand,
            "category" => &mut w.category,
            "attributes" => &mut w.attributes,
            _ => bail!(
                "--weight {k}={v}: no field '{k}'; fields are title, description, brand, category, attributes"
            ),
        };
        *slot = boost;
    }
    w.validate()?;
    Ok(w)
}

/// `shoplab search`
pub fn search(ctx: &Ctx, project: &Path, a: &SearchArgs) -> Result<()> {
    let p = open(project)?;
    let req = SearchRequest {
        query: a.query.clone(),
        k: a.k,
        category: a.category.clone(),
        brand: a.brand.clone(),
        min_price: a.min_price,
        max_price: a.max_price,
        weights: field_weights(&a.weights)?,
        explain: a.explain,
        prefix: a.prefix,
        ranker: RankerKind::parse(&a.rank.ranker)?,
        ..SearchRequest::default()
    };
    let kind = req.ranker;
    if kind == RankerKind::Learned && !a.weights.is_empty() {
        note!(
            "note: the learned ranker takes BM25's candidates with the boosts it was trained \
             with; --weight is not used"
        );
    }
    let res = if kind == RankerKind::Bm25 {
        p.search(&req)?
    } else {
        let dir = p.encoder_dir(a.rank.encoder.as_deref());
        let rankers = p.rankers(Some(&dir), Fusion::parse(&a.rank.fusion)?)?;
        rankers.search(kind, &req)?
    };
    ctx.emit(&res, crate::text::search_results)
}

/// `shoplab embed`
pub fn embed(ctx: &Ctx, project: &Path, a: &EmbedArgs) -> Result<()> {
    let p = open(project)?;
    let dir = p.encoder_dir(a.encoder.as_deref());
    let r = p.embed(&dir, &ctx.progress, &ctx.cancel)?;
    ctx.progress.finish_stage();
    ctx.emit(&r, |r| {
        format!(
            "{} items: {} texts encoded ({:.1} texts/s), {} vectors reused, in {:.1} s with {}.\nVectors: {}\n",
            r.n_items,
            r.encoded,
            r.texts_per_s,
            r.reused,
            r.seconds,
            r.encoder,
            r.path.display()
        )
    })
}

/// `shoplab suggest`
pub fn suggest(ctx: &Ctx, project: &Path, prefix: &str, n: usize) -> Result<()> {
    let p = open(project)?;
    let s = p.suggest(prefix, n)?;
    ctx.emit(&s, |s| s.iter().map(|x| format!("{}\n", x.text)).collect())
}

/// The relevance setting of `--min-grade` and `--gain`.
pub(crate) fn relevance(min_grade: f64, gain: &str) -> Result<Relevance> {
    Ok(Relevance {
        min_grade,
        gain: gain
            .parse::<GainMapping>()
            .map_err(|e| anyhow!("--gain: {e}"))?,
    })
}

/// `shoplab eval-search`
pub fn eval_search(ctx: &Ctx, project: &Path, a: &EvalSearchArgs) -> Result<()> {
    let p = open(project)?;
    let source = if a.derived {
        JudgmentSource::Derived
    } else {
        JudgmentSource::Stored
    };
    let relevance = relevance(a.min_grade, &a.gain)?;
    if a.tune {
        if a.trec.is_some() {
            bail!(
                "--trec exports an evaluation; run it without --tune (with the boosts --tune found)"
            );
        }
        let grid = WeightGrid {
            start: field_weights(&a.weights)?,
            relevance,
            ..WeightGrid::default()
        };
        let tried = p.tune_search(source, &grid, &ctx.progress, &ctx.cancel)?;
        ctx.progress.finish_stage();
        return ctx.emit(&tried, |g| {
            let mut rows = vec![vec!["boosts".to_string(), "ndcg@10".to_string()]];
            for (w, v) in g.iter().take(10) {
                rows.push(vec![crate::text::weights(w), num(Some(*v))]);
            }
            format!(
                "Best first (coordinate ascent over field boosts):\n{}",
                render(&rows)
            )
        });
    }
    let config = SearchEvalConfig {
        ks: a.k.clone(),
        weights: field_weights(&a.weights)?,
        relevance,
        ranker: RankerKind::parse(&a.rank.ranker)?,
        fusion: Fusion::parse(&a.rank.fusion)?,
        queries: QuerySlice::parse(&a.queries)?,
    };
    let encoder = p.encoder_dir(a.rank.encoder.as_deref());
    if a.tune_fusion {
        let grid = shoplab_engine::search::fusion_grid();
        let tried = p.tune_fusion(source, &config, &encoder, &grid, &ctx.progress, &ctx.cancel)?;
        ctx.progress.finish_stage();
        #[derive(Serialize)]
        struct Tried {
            fusion: String,
            ndcg: f64,
        }
        let tried: Vec<Tried> = tried
            .into_iter()
            .map(|(f, v)| Tried {
                fusion: f.label(),
                ndcg: v,
            })
            .collect();
        let k = config.ks.iter().max().copied().unwrap_or(10);
        return ctx.emit(&tried, |t| {
            let mut rows = vec![vec!["fusion".to_string(), format!("ndcg@{k}")]];
            for x in t {
                rows.push(vec![x.fusion.clone(), num(Some(x.ndcg))]);
            }
            format!(
                "Hybrid fusions on the {} queries, best first:\n{}",
                a.queries,
                render(&rows)
            )
        });
    }
    if config.ranker == RankerKind::Learned {
        crate::rerank::warn_if_trained_on(&p, config.queries, &config.weights);
    }
    if let Some(other) = &a.paired_with {
        if a.trec.is_some() {
            bail!("--trec exports one evaluation; run it without --paired-with");
        }
        let base_config = SearchEvalConfig {
            ranker: RankerKind::parse(other)?,
            ..config.clone()
        };
        let mut both = p.evaluate_search_rankers(
            source,
            &[config.clone(), base_config],
            &encoder,
            &ctx.progress,
            &ctx.cancel,
        )?;
        ctx.progress.finish_stage();
        let (Some(base), Some(report)) = (both.pop(), both.pop()) else {
            bail!("the paired evaluation returned nothing");
        };
        let test = shoplab_engine::search::paired_ndcg(&base, &report, &PairedConfig::default())?;
        #[derive(Serialize)]
        struct Paired<'a> {
            report: &'a SearchEvalReport,
            baseline: &'a SearchEvalReport,
            paired_ndcg: PairedTest,
        }
        let k = config.ks.iter().max().copied().unwrap_or(10);
        return ctx.emit(
            &Paired {
                report: &report,
                baseline: &base,
                paired_ndcg: test,
            },
            |x| {
                let t = &x.paired_ndcg;
                format!(
                    "{}\nBaseline {}:\n{}\nNDCG@{k} {} − {} over {} queries: {:+.4} \
                     (95% bootstrap interval {:+.4} to {:+.4}; randomisation p = {:.4})\n",
                    crate::text::search_eval(x.report),
                    x.baseline.config.ranker.as_str(),
                    crate::text::search_eval(x.baseline),
                    x.report.config.ranker.as_str(),
                    x.baseline.config.ranker.as_str(),
                    t.n,
                    t.mean_diff,
                    t.ci_low,
                    t.ci_high,
                    t.p_value
                )
            },
        );
    }
    let report = p.evaluate_search_ranker(source, &config, &encoder, &ctx.progress, &ctx.cancel)?;
    ctx.progress.finish_stage();
    let Some(dir) = &a.trec else {
        return ctx.emit(&report, crate::text::search_eval);
    };
    let dir = dir.clone().unwrap_or_else(|| {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        p.paths.reports().join(format!("search-eval-{stamp}"))
    });
    let export = p.export_search_trec(source, &report, &dir)?;
    #[derive(Serialize)]
    struct Exported<'a> {
        #[serde(flatten)]
        report: &'a SearchEvalReport,
        trec: SearchTrecExport,
    }
    ctx.emit(
        &Exported {
            report: &report,
            trec: export,
        },
        |e| {
            format!(
                "{}TREC files in {} (run.trec, qrels.trec, run.scores.tsv, queries.tsv); \
                 trec_eval -c -l {} reproduces these numbers{}\n",
                crate::text::search_eval(e.report),
                dir.display(),
                e.trec.relevance_level,
                if e.trec.gain_scale > 1 {
                    format!(
                        " (gains multiplied by {} to be whole numbers)",
                        e.trec.gain_scale
                    )
                } else {
                    String::new()
                }
            )
        },
    )
}

fn split_spec(a: &SplitArgs) -> Result<SplitSpec> {
    let mut spec: SplitSpec = a
        .method
        .parse()
        .map_err(|e| anyhow::anyhow!("--split: {e}"))?;
    if let Some(t) = a.test_fraction {
        spec.set_test_fraction(t)?;
    }
    if let Some(v) = a.valid_fraction {
        spec.set_valid_fraction(v)?;
    }
    if let Some(s) = a.seed {
        spec.set_seed(s);
    }
    Ok(spec)
}

fn kinds(list: &[String]) -> Result<Vec<EventKind>> {
    if list.is_empty() {
        return Ok(default_kinds());
    }
    list.iter()
        .map(|k| {
            k.parse::<EventKind>()
                .map_err(|e| anyhow::anyhow!("--kinds: {e}"))
        })
        .collect()
}

/// Builds run specs from `shoplab train` flags (several for `all`).
pub fn train_specs(a: &TrainArgs) -> Result<Vec<RunSpec>> {
    if let Some(file) = &a.spec {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read run spec {}", file.display()))?;
        let mut spec = RunSpec::from_user_json(&text)
            .with_context(|| format!("{} is not a valid run spec", file.display()))?;
        // The file says how the run is computed; --name only labels it.
        if let Some(name) = &a.name {
            spec.name = Some(name.clone());
        }
        let ignored = flags_beside_spec(a, &spec);
        if !ignored.is_empty() {
            note!(
                "note: {} ignored: the run follows {} (put these settings in the file)",
                ignored.join(", "),
                file.display()
            );
        }
        return Ok(vec![spec]);
    }
    let weighting: Weighting =
        serde_json::from_value(serde_json::Value::String(a.weighting.clone())).map_err(|_| {
            anyhow::anyhow!(
                "--weighting {}: expected binary, count, kind_weighted or value",
                a.weighting
            )
        })?;
    let params = parse_pairs(&a.params, "--param")?;
    let models: Vec<ModelSpec> = if a.model == "all" {
        if !params.is_empty() {
            bail!(
                "--param cannot be combined with `all`: train models one at a time to set parameters"
            );
        }
        ModelSpec::all_defaults()
    } else {
        vec![ModelSpec::from_name_and_params(&a.model, &params)?]
    };
    let split = split_spec(&a.split)?;
    let snake =
        |s: &str| serde_json::Value::String(s.trim().to_ascii_lowercase().replace('-', "_"));
    let cold_shoppers = serde_json::from_value(snake(&a.cold))
        .map_err(|_| anyhow::anyhow!("--cold {}: expected apart, fallback or model", a.cold))?;
    let tie_break = serde_json::from_value(snake(&a.tie_break)).map_err(|_| {
        anyhow::anyhow!(
            "--tie-break {}: expected popularity or item_index",
            a.tie_break
        )
    })?;
    let eval = EvalOptions {
        ks: a.k.clone(),
        sampled_negatives: a.sampled,
        exclude_train: !a.repeat,
        cold_shoppers,
        tie_break,
        ..EvalOptions::default()
    };
    let kinds = kinds(&a.kinds)?;
    let device: shoplab_engine::DeviceChoice = a
        .device
        .parse()
        .map_err(|e| anyhow::anyhow!("--device: {e}"))?;
    let several = models.len() > 1;
    Ok(models
        .into_iter()
        .map(|model| RunSpec {
            // `train all --name X` names each run X-<model>, so its runs stay
            // apart in `runs`, `compare` and the app.
            name: a.name.as_ref().map(|n| {
                if several {
                    format!("{n}-{}", model.name())
                } else {
                    n.clone()
                }
            }),
            model,
            split: split.clone(),
            kinds: kinds.clone(),
            weighting,
            eval: eval.clone(),
            device,
        })
        .collect())
}

/// The flags given beside `--spec` that the spec file overrides (those
/// left at their defaults are not named).
fn flags_beside_spec(a: &TrainArgs, spec: &RunSpec) -> Vec<&'static str> {
    let model = a.model.trim().to_ascii_lowercase().replace('-', "_");
    let checks = [
        (model != spec.model.name(), "the model name"),
        (!a.params.is_empty(), "--param"),
        (a.k != [5, 10, 20], "--k"),
        (!a.kinds.is_empty(), "--kinds"),
        (a.weighting != "binary", "--weighting"),
        (a.sampled.is_some(), "--sampled"),
        (a.cold != "apart", "--cold"),
        (a.tie_break != "popularity", "--tie-break"),
        (a.repeat, "--repeat"),
        (a.device != "auto", "--device"),
        (a.split.method != "temporal", "--split"),
        (a.split.test_fraction.is_some(), "--test-fraction"),
        (a.split.valid_fraction.is_some(), "--valid-fraction"),
        (a.split.seed.is_some(), "--seed"),
    ];
    checks
        .into_iter()
        .filter_map(|(given, flag)| given.then_some(flag))
        .collect()
}

/// One model in `shoplab models`.
#[derive(serde::Serialize)]
struct ModelInfo {
    name: &'static str,
    learned: bool,
    description: &'static str,
    parameters: serde_json::Value,
}

/// `shoplab models [NAME]`
pub fn models(ctx: &Ctx, a: &crate::cli::ModelsArgs) -> Result<()> {
    use shoplab_engine::recommend::learned_param_docs;
    let mut all = ModelSpec::all_defaults();
    all.push(ModelSpec::Content(Default::default()));
    all.extend(ModelSpec::learned_defaults());
    let pick: Vec<&ModelSpec> = match &a.model {
        Some(name) => {
            let name = name.trim().to_ascii_lowercase().replace('-', "_");
            let found: Vec<&ModelSpec> = all.iter().filter(|m| m.name() == name).collect();
            if found.is_empty() {
                let names: Vec<&str> = all.iter().map(ModelSpec::name).collect();
                bail!("unknown model '{name}'; models: {}", names.join(", "));
            }
            found
        }
        None => all.iter().collect(),
    };
    let infos: Vec<ModelInfo> = pick
        .into_iter()
        .map(|m| {
            let parameters = if m.is_learned() {
                serde_json::to_value(learned_param_docs(m.name())).unwrap_or_default()
            } else {
                let mut v = serde_json::to_value(m).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.remove("model");
                }
                v
            };
            ModelInfo {
                name: m.name(),
                learned: m.is_learned(),
                description: m.description(),
                parameters,
            }
        })
        .collect();
    let detail = a.model.is_some();
    ctx.emit(&infos, |infos| {
        let mut out = String::new();
        for m in infos {
            use std::fmt::Write as _;
            let _ = writeln!(
                out,
                "{}{}  {}",
                m.name,
                if m.learned { " (learned)" } else { "" },
                m.description
            );
            if detail {
                match &m.parameters {
                    serde_json::Value::Array(docs) => {
                        for d in docs {
                            let _ = writeln!(
                                out,
                                "  {} = {}\n      {}",
                                d["name"].as_str().unwrap_or(""),
                                shown_value(&d["default"]),
                                d["help"].as_str().unwrap_or("")
                            );
                        }
                    }
                    serde_json::Value::Object(o) => {
                        for (k, v) in o {
                            let _ = writeln!(out, "  {k} = {}", shown_value(v));
                        }
                    }
                    _ => {}
                }
            }
        }
        out
    })
}

/// `shoplab train`
pub fn train(ctx: &Ctx, project: &Path, a: &TrainArgs) -> Result<()> {
    let p = open(project)?;
    let mut specs = train_specs(a)?;
    let mut skipped = Vec::new();
    if a.model == "all" {
        // The content model reads the search index; include it once there is one.
        match p.search_index() {
            Ok(_) => {
                if let Some(first) = specs.first().cloned() {
                    specs.push(RunSpec {
                        model: ModelSpec::Content(Default::default()),
                        ..first
                    });
                }
            }
            Err(_) => skipped.push(Skipped {
                model: "content",
                reason: "no search index yet (build it with `shoplab index`, then `shoplab train content`)"
                    .into(),
            }),
        }
    }
    let unaffected: Vec<&str> = specs
        .iter()
        .filter(|s| s.weighting != Weighting::Binary)
        .filter(|s| !s.model.uses_weighting() && !matches!(s.model, ModelSpec::Content(_)))
        .map(|s| s.model.name())
        .collect();
    if !unaffected.is_empty() {
        note!(
            "note: the weighting reaches item_knn, user_knn, ease and ials; {} learn only which items a shopper chose and ignore it",
            unaffected.join(", ")
        );
    }
    let cpu_only: Vec<&str> = specs
        .iter()
        .filter(|s| !s.model.is_learned())
        .filter(|s| !matches!(s.device, DeviceChoice::Auto | DeviceChoice::Cpu))
        .map(|s| s.model.name())
        .collect();
    if !cpu_only.is_empty() {
        note!(
            "note: {} run on the CPU whatever the device; --device applies to learned models",
            cpu_only.join(", ")
        );
    }
    let unvalidated: Vec<&str> = specs
        .iter()
        .filter(|s| s.split.valid_fraction() > 0.0 && !s.model.uses_validation())
        .map(|s| s.model.name())
        .collect();
    if !unvalidated.is_empty() {
        note!(
            "note: {} {} not use a validation part: its events are left out of {} training, and at test time they are part of the shoppers' histories (excluded from the ranking, as for every run on this split, so runs compare fairly); leave out --valid-fraction to train on them",
            in_words(&unvalidated),
            if unvalidated.len() == 1 { "does" } else { "do" },
            if unvalidated.len() == 1 {
                "its"
            } else {
                "their"
            },
        );
    }
    for s in &skipped {
        note!("skipped {}: {}", s.model, s.reason);
    }
    let several = specs.len() > 1;
    let mut records = Vec::new();
    for spec in specs {
        match p.run(&spec, &ctx.progress, &ctx.cancel) {
            Ok(r) => {
                ctx.progress.finish_stage();
                if let Some(note) = r.training.as_ref().and_then(|t| t.device_note.as_ref()) {
                    note!("note: {note}");
                }
                if let Some(n) = r.training.as_ref().and_then(|t| t.resumed_from) {
                    note!(
                        "note: resumed from the checkpoint of an interrupted training after epoch {n}; train_s counts the resumed part only"
                    );
                }
                records.push(r);
            }
            // With `all`, a model that cannot run on this data (EASE on a huge
            // catalog, say) is reported once, with no timing, and the others still run.
            Err(e) if several && !matches!(e, shoplab_engine::Error::Cancelled) => {
                ctx.progress.abandon_stage();
                note!("skipped {}: {e}", spec.model.name());
                skipped.push(Skipped {
                    model: spec.model.name(),
                    reason: e.to_string(),
                });
            }
            Err(e) => {
                ctx.progress.abandon_stage();
                let what = if matches!(e, shoplab_engine::Error::Cancelled) {
                    "cancelled"
                } else {
                    "failed"
                };
                return Err(e).with_context(|| format!("run of {} {what}", spec.model.name()));
            }
        }
    }
    if records.is_empty() {
        let names: Vec<&str> = skipped.iter().map(|s| s.model).collect();
        bail!(
            "no model could be trained ({} skipped, reasons above)",
            names.join(", ")
        );
    }
    ctx.emit(&records, |rs| {
        let mut s = String::new();
        for r in rs {
            s.push_str(&format!(
                "Run {} ({}): trained in {:.2} s, evaluated {} users in {:.2} s.\n  {}\n",
                r.id,
                r.name,
                r.train_seconds,
                r.summary.users_evaluated,
                r.eval_seconds,
                shoplab_engine::compare::protocol_text(r)
            ));
        }
        s.push('\n');
        s.push_str(&comparison_text(&shoplab_engine::compare::compare(
            rs,
            &Column::defaults(),
        )));
        s
    })
}

/// A model `train all` did not run, and why.
struct Skipped {
    model: &'static str,
    reason: String,
}

/// Text form of a comparison table; the best value per column gets a `*`,
/// and each run's protocol (cold shoppers, ties, repeats) follows the table.
pub fn comparison_text(c: &Comparison) -> String {
    let mut rows = vec![
        std::iter::once("run".to_string())
            .chain(c.columns.iter().cloned())
            .collect::<Vec<_>>(),
    ];
    for (ri, row) in c.rows.iter().enumerate() {
        let mut cells = vec![row_label(row).to_string()];
        for (ci, v) in row.values.iter().enumerate() {
            let count = c
                .columns
                .get(ci)
                .and_then(|h| h.parse::<Column>().ok())
                .is_some_and(|col| col.is_count());
            let mut cell = match v {
                Some(x) if count => format!("{x:.0}"),
                _ => num(*v),
            };
            if c.rows.len() > 1 && c.is_best(ri, ci) {
                cell.push('*');
            }
            cells.push(cell);
        }
        rows.push(cells);
    }
    let mut s = render(&rows);
    if c.rows.len() > 1 {
        s.push_str(
            "* best in column at the shown precision (ties all marked; none when all equal)\n",
        );
    }
    let protocols: Vec<&str> = c.rows.iter().map(|r| r.protocol.as_str()).collect();
    if protocols.iter().all(|p| *p == protocols[0]) {
        if let Some(p) = protocols.first().filter(|p| !p.is_empty()) {
            s.push_str(&format!("Protocol: {p}.\n"));
        }
    } else {
        s.push_str("Protocols differ:\n");
        for r in &c.rows {
            s.push_str(&format!("  {}: {}\n", row_label(r), r.protocol));
        }
    }
    for r in c.rows.iter().filter(|r| r.users_no_signal > 0) {
        s.push_str(&format!(
            "{}: {} shoppers got equal scores for every item (no signal); their lists are the tie-break's.\n",
            row_label(r),
            r.users_no_signal
        ));
    }
    for r in c.rows.iter().filter(|r| r.imported_since) {
        s.push_str(&format!(
            "{}: trained before the project's last import of items or events, so its figures are on older data; train it again to compare on today's.\n",
            row_label(r)
        ));
    }
    let tied: Vec<String> = c
        .rows
        .iter()
        .filter(|r| r.users_tie_decided > 0)
        .map(|r| format!("{} {}", row_label(r), r.users_tie_decided))
        .collect();
    if !tied.is_empty() {
        s.push_str(&format!(
            "Shoppers whose metrics rest partly on tie order (a test item tied another candidate's score where the order counts): {}.\n",
            tied.join(", ")
        ));
    }
    s
}

/// A row's label, or its name in tables written before labels existed.
fn row_label(r: &shoplab_engine::compare::ComparisonRow) -> &str {
    if r.label.is_empty() {
        &r.name
    } else {
        &r.label
    }
}

/// `shoplab eval-truth`
pub fn eval_truth(ctx: &Ctx, project: &Path, a: &EvalTruthArgs) -> Result<()> {
    let p = open(project)?;
    let truth = shoplab_datasets::synthetic::Truth::read(&a.truth)
        .with_context(|| format!("cannot read the truth file {}", a.truth.display()))?;
    let scores = p.score_against_truth(&truth, &a.runs, a.k, &ctx.progress, &ctx.cancel)?;
    ctx.emit(&scores, |s| truth_table(s))
}

/// Text table of truth scores.
pub fn truth_table(scores: &[shoplab_engine::truth::TruthScore]) -> String {
    let k = scores.first().map_or(10, |s| s.k);
    // The id tells same-named runs apart (`runs` lists them by id too).
    let mut rows = vec![vec![
        "id".to_string(),
        "run".to_string(),
        format!("truth_ndcg@{k}"),
        format!("truth_overlap@{k}"),
        "shoppers".to_string(),
    ]];
    for s in scores {
        rows.push(vec![
            s.run.clone(),
            s.name.clone(),
            num(Some(s.truth_ndcg)),
            num(Some(s.truth_overlap)),
            s.users.to_string(),
        ]);
    }
    render(&rows)
}

/// `shoplab runs`
pub fn runs(ctx: &Ctx, project: &Path) -> Result<()> {
    let p = open(project)?;
    let runs = p.runs()?;
    ctx.emit(&runs, |rs: &Vec<RunRecord>| {
        // The label tells same-named runs apart, as in `compare` and the app.
        let labels = shoplab_engine::run_label::labels(rs);
        let mut rows = vec![vec![
            "id".to_string(),
            "run".to_string(),
            "model".to_string(),
            "split".to_string(),
            "ndcg@10".to_string(),
            "users".to_string(),
            "cold".to_string(),
            "repeats".to_string(),
            "train_s".to_string(),
        ]];
        for (r, label) in rs.iter().zip(labels) {
            rows.push(vec![
                r.id.clone(),
                label,
                r.model.clone(),
                match r.spec.eval.sampled_negatives {
                    // Sampled metrics are optimistic: say so wherever they appear.
                    Some(n) => format!("{}; sampled ({n} negatives)", r.spec.split),
                    None => r.spec.split.to_string(),
                },
                num(Column::Metric("ndcg@10".parse().unwrap_or(
                    shoplab_engine::metrics::MetricAt {
                        metric: shoplab_engine::metrics::Metric::Ndcg,
                        k: 10,
                    },
                ))
                .value(r)),
                r.summary.users_evaluated.to_string(),
                if r.summary.cold_protocol.is_empty() {
                    "?".to_string()
                } else {
                    format!("{} {}", r.summary.users_cold, r.summary.cold_protocol)
                },
                if r.summary.test_pairs == 0 {
                    "?".to_string()
                } else {
                    format!("{:.1}%", 100.0 * r.summary.repeat_share)
                },
                num(Some(r.train_seconds)),
            ]);
        }
        if rs.is_empty() {
            "No runs yet: shoplab train ease\n".into()
        } else {
            let mut s = render(&rows);
            s.push_str("cold: shoppers with test items but no training events, and what the run did with them (apart: out of the means); repeats: test pairs already seen in training; ?: run made before these were counted\n");
            s
        }
    })
}

/// `shoplab runs rename RUN NEW_NAME`: prints the renamed run (its record
/// with `--json`).
pub fn rename_run(ctx: &Ctx, project: &Path, run: &str, new_name: &str) -> Result<()> {
    let p = open(project)?;
    let renamed = p.rename_run(run, new_name)?;
    ctx.emit(&renamed, |r: &RunRecord| {
        format!("Renamed run {} to \"{}\" (the id stays).\n", r.id, r.name)
    })
}

/// `shoplab compare`
pub fn compare(ctx: &Ctx, project: &Path, a: &CompareArgs) -> Result<()> {
    let p = open(project)?;
    let columns = if a.columns.is_empty() {
        Column::defaults()
    } else {
        a.columns
            .iter()
            .map(|c| c.parse::<Column>())
            .collect::<Result<Vec<_>, _>>()?
    };
    let table = p.compare(&a.runs, &columns)?;
    if table.rows.is_empty() {
        bail!("no runs to compare: train some first (`shoplab train all`)");
    }
    // A cut-off no run evaluated shows `-` everywhere: say why.
    let empty: Vec<&str> = table
        .columns
        .iter()
        .enumerate()
        .filter(|&(i, _)| {
            table
                .rows
                .iter()
                .all(|r| r.values.get(i).is_none_or(Option::is_none))
        })
        .map(|(_, c)| c.as_str())
        .collect();
    if !empty.is_empty() {
        note!(
            "note: no compared run has a value for {} (a metric needs its K among the run's --k cut-offs)",
            empty.join(", ")
        );
    }
    let Some(dir) = &a.export else {
        return ctx.emit(&table, comparison_text);
    };
    let measure = match &a.measure {
        Some(m) => m.parse::<Column>()?,
        None => columns
            .iter()
            .copied()
            .find(|c| matches!(c, Column::Metric(_)))
            .map_or_else(|| "ndcg@10".parse::<Column>(), Ok)?,
    };
    // Labels and colours come from the whole project, as in the app.
    let all = p.runs()?;
    let ids: Vec<String> = table.rows.iter().map(|r| r.run.clone()).collect();
    let cjk = std::env::var_os("SHOPLAB_CJK_FONT").map(std::path::PathBuf::from);
    if let Ok(fonts) = shoplab_report::fonts::Fonts::load(cjk.as_deref()) {
        let labels = shoplab_engine::run_label::labels(&all);
        if let Some(l) = labels.iter().find(|l| !fonts.covers(l)) {
            note!(
                "note: the run name '{l}' has characters the bundled font lacks; they draw as boxes in the PNGs (the CSV and SVG keep them). Set SHOPLAB_CJK_FONT to a CJK .ttf/.otf/.ttc file to draw them."
            );
        }
    }
    // The error names the folder or file and what to do.
    let files = shoplab_report::write_all(&all, &ids, &columns, measure, dir, cjk.as_deref())?;
    #[derive(Serialize)]
    struct Exported {
        comparison: Comparison,
        files: Vec<std::path::PathBuf>,
    }
    ctx.emit(
        &Exported {
            comparison: table,
            files,
        },
        |e| {
            let mut s = comparison_text(&e.comparison);
            s.push_str("\nWrote:\n");
            for f in &e.files {
                s.push_str(&format!("  {}\n", f.display()));
            }
            s
        },
    )
}

/// `shoplab ab`
pub fn ab(ctx: &Ctx, project: &Path, a: &AbArgs) -> Result<()> {
    let p = open(project)?;
    let report = p.ab(&a.baseline, &a.challengers, &ab_options(a)?)?;
    ctx.emit(&report, ab_text)
}

/// The A/B options the flags give (defaults from `AbOptions`).
pub fn ab_options(a: &AbArgs) -> Result<shoplab_engine::ab::AbOptions> {
    let mut options = shoplab_engine::ab::AbOptions::default();
    if !a.metrics.is_empty() {
        options.metrics = a.metrics.clone();
    }
    if let Some(n) = a.resamples {
        if n == 0 {
            bail!("invalid --resamples 0: give at least 1 (10000 is the default)");
        }
        options.tests.bootstrap = n;
        options.tests.permutations = n;
    }
    if let Some(alpha) = a.alpha {
        options.alpha = alpha;
    }
    if let Some(seed) = a.seed {
        options.tests.seed = seed;
    }
    Ok(options)
}

/// The A/B report as tables: one per segment, a row per challenger and metric.
pub fn ab_text(r: &shoplab_engine::ab::AbReport) -> String {
    let pct = |x: Option<f64>| x.map_or("-".into(), |v| format!("{:+.1}%", 100.0 * v));
    let flips = r.options.tests.permutations;
    // Runs are named by their display name, or their id where two share one.
    let runs: Vec<&shoplab_engine::ab::AbRun> =
        std::iter::once(&r.baseline).chain(&r.challengers).collect();
    let label = |run: &shoplab_engine::ab::AbRun| {
        if runs.iter().filter(|o| o.name == run.name).count() > 1 {
            run.id.clone()
        } else {
            run.name.clone()
        }
    };
    let shoppers = |n: usize| format!("{n} shopper{}", if n == 1 { "" } else { "s" });
    let mut s = format!(
        "Baseline: {} ({}). {} paired{}.\n",
        label(&r.baseline),
        r.baseline.model,
        shoppers(r.shoppers),
        if r.unpaired > 0 {
            format!(", {} evaluated by some runs only left out", r.unpaired)
        } else {
            String::new()
        }
    );
    for seg in &r.segments {
        s.push_str(&format!(
            "\n{} — {} ({})\n",
            seg.name,
            seg.description,
            shoppers(seg.shoppers)
        ));
        let mut rows = vec![
            [
                "challenger",
                "metric",
                "baseline",
                "challenger",
                "difference [95% CI]",
                "lift",
                "p (rand.)",
                "p Holm",
                "p t-test",
                "p Wilcoxon",
                "d_z",
                "win/tie/loss",
                "verdict",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for (ch, cells) in r.challengers.iter().zip(&seg.cells) {
            for c in cells {
                let t = &c.test;
                let at_floor = t.p_at_floor(flips);
                rows.push(vec![
                    label(ch),
                    c.metric.clone(),
                    format!("{:.4}", t.mean_a),
                    format!("{:.4}", t.mean_b),
                    format!("{:+.4} [{:+.4}, {:+.4}]", t.mean_diff, t.ci_low, t.ci_high),
                    pct(t.relative_lift),
                    bounded(t.p_value, at_floor),
                    // Holm never lowers a p-value: at the floor it is a bound too.
                    bounded(c.p_holm, at_floor),
                    t.t_p_value.map_or("-".into(), p_text),
                    p_text(t.wilcoxon_p_value),
                    t.effect_size.map_or("-".into(), |d| format!("{d:+.2}")),
                    format!("{}/{}/{}", t.wins, t.ties, t.losses),
                    if t.wins + t.losses == 0 {
                        "identical per shopper".to_string()
                    } else {
                        c.verdict.label().to_string()
                    },
                ]);
            }
        }
        s.push_str(&render(&rows));
    }
    if let Some(metric) = r.metrics.first() {
        for (ch, moved) in r.challengers.iter().zip(&r.moved) {
            let list = |v: &[shoplab_engine::ab::MovedShopper]| {
                v.iter()
                    .take(5)
                    .map(|m| format!("{} {:.3}→{:.3}", m.user, m.baseline, m.challenger))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            s.push_str(&format!(
                "\n{} on {metric}: most helped: {}\n{} on {metric}: most hurt: {}\n",
                label(ch),
                if moved.helped.is_empty() {
                    "none".into()
                } else {
                    list(&moved.helped)
                },
                label(ch),
                if moved.hurt.is_empty() {
                    "none".into()
                } else {
                    list(&moved.hurt)
                },
            ));
        }
        s.push_str(
            "(`shoplab recommend --user ID --run RUN` shows a shopper's history and a run's list; \
             --json lists 20 each way.)\n",
        );
    }
    s.push_str("\nCost\n");
    let mut rows = vec![
        [
            "run", "train s", "p50 µs", "p95 µs", "p99 µs", "model", "Pareto",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for run in &runs {
        rows.push(vec![
            label(run),
            format!("{:.2}", run.train_seconds),
            format!("{:.0}", run.latency_p50_us),
            format!("{:.0}", run.latency_p95_us),
            format!("{:.0}", run.latency_p99_us),
            crate::text::bytes(run.model_bytes),
            if run.pareto {
                "yes".into()
            } else {
                String::new()
            },
        ]);
    }
    s.push_str(&render(&rows));
    s.push_str(&format!(
        "p (rand.): two-sided randomisation test (every sign assignment up to 16 shoppers, else \
         {flips} random sign flips; \"<=\" where none reached the observed difference). p Holm: \
         adjusted across the {} challenger(s), per metric and segment; verdicts at alpha {} after \
         Holm. Metrics and segments are not adjusted for each other: read a single segment's \
         verdict as a lead, not a finding. Pareto: no other run is at least as good on both {} \
         and p99 latency and better on one.\n",
        r.challengers.len(),
        r.options.alpha,
        r.metrics.first().map_or("", String::as_str)
    ));
    for note in &r.notes {
        s.push_str(&format!("note: {note}\n"));
    }
    s
}

pub(crate) fn bounded(p: f64, at_floor: bool) -> String {
    if at_floor {
        format!("<= {}", p_text(p))
    } else {
        p_text(p)
    }
}

pub(crate) fn p_text(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

/// `shoplab recommend`
pub fn recommend(ctx: &Ctx, project: &Path, a: &RecommendArgs) -> Result<()> {
    let p = open(project)?;
    let Some(user) = a.user.as_deref() else {
        return per_user(ctx, &p, a);
    };
    let r = p.recommend(a.run.as_deref(), user, a.k, &ctx.progress, &ctx.cancel)?;
    ctx.progress.finish_stage();
    ctx.emit(&r, recommend_text)
}

/// `shoplab recommend --per-user`: a run's evaluated shoppers, worst first by `--by`.
fn per_user(ctx: &Ctx, p: &Project, a: &RecommendArgs) -> Result<()> {
    let run = match &a.run {
        Some(r) => r.clone(),
        None => p
            .runs()?
            .pop()
            .map(|r| r.id)
            .context("no runs yet: train a model first (`shoplab train ease`)")?,
    };
    let mut table = p.per_user(&run)?;
    let Some(col) = table.column(&a.by) else {
        bail!(
            "--by {}: run {} has no such column; it has {}",
            a.by,
            table.run,
            table.columns.join(", ")
        );
    };
    table.rows.sort_by(|x, y| {
        x.values[col]
            .total_cmp(&y.values[col])
            .then(x.user.cmp(&y.user))
    });
    let sampled = table.sampled_negatives;
    ctx.emit(&table, |t| {
        let mut s = format!(
            "Shoppers of run {} by {} (worst first), {} shoppers:\n",
            t.run,
            a.by,
            t.rows.len()
        );
        if let Some(n) = sampled {
            s.push_str(&format!(
                "(sampled run: each test item was ranked against {n} sampled items only, not the whole catalogue; the values are optimistic)\n"
            ));
        }
        for r in &t.rows {
            s.push_str(&format!(
                "  {:<16} {:>8.4}  {} held out{}{}\n",
                r.user,
                r.values[col],
                r.n_test,
                if r.cold { ", cold" } else { "" },
                if r.no_signal {
                    ", all scores equal"
                } else if r.tie_decided {
                    ", tie order counts"
                } else {
                    ""
                }
            ));
        }
        if t.rows.iter().any(|r| r.tie_decided && !r.no_signal) {
            s.push_str(
                "\"tie order counts\": a held-out item tied another item's score inside the list or at its cut, so the value follows the run's tie rule.\n",
            );
        }
        s
    })
}

/// `shoplab recommend` as text: history, then the list with held-out hits marked.
fn recommend_text(r: &shoplab_engine::project::Recommendations) -> String {
    let mut s = format!("Shopper {} — recent history:\n", r.user);
    for it in r.history.iter().take(10) {
        // Held-out items are in the log but not in what the model read.
        let held = r.held_out.iter().any(|h| h.id == it.id);
        s.push_str(&format!(
            "  {:<12} {}  [{}]{}\n",
            it.id,
            it.title,
            it.category,
            if held {
                "  (test period, held out)"
            } else {
                ""
            }
        ));
    }
    if r.history.is_empty() {
        s.push_str("  (none)\n");
    }
    s.push_str(&format!(
        "\nRecommended by run {} ({}):\n",
        r.run, r.scored_by
    ));
    if r.cold {
        s.push_str(&format!(
            "  (no training events under this run's split: ranked by {})\n",
            r.scored_by
        ));
    }
    if let Some(n) = r.sampled_negatives {
        s.push_str(&format!(
            "  (sampled run: its metrics and run.trec rank each test item against {n} sampled items only; \
             this list ranks the whole catalogue, so it is not the evaluated ranking)\n"
        ));
    }
    if r.items.len() > 1 && r.items.iter().all(|it| it.score == r.items[0].score) {
        s.push_str("  (all these scores are equal: the order is the run's tie rule)\n");
    }
    for (i, it) in r.items.iter().enumerate() {
        s.push_str(&format!(
            "{:>3}. {} {:<12} {}  [{}]  {:.4}\n",
            i + 1,
            if it.hit { "✓" } else { " " },
            it.item.id,
            it.item.title,
            it.item.category,
            it.score
        ));
    }
    if r.held_out.is_empty() {
        s.push_str(
            "\nNo held-out items: the shopper took nothing new in this run's test period \
             (items they had already taken count only in runs made with --repeat).\n",
        );
    } else {
        let hits = r.items.iter().filter(|it| it.hit).count();
        s.push_str(&format!(
            "\n✓ taken in the test period: {hits} of {} held-out items found\n",
            r.held_out.len()
        ));
    }
    s
}

/// Parses `--size` of `generate` / `bench`.
pub fn shop_spec(size: &str, seed: Option<u64>) -> Result<shoplab_datasets::synthetic::ShopSpec> {
    use shoplab_datasets::synthetic::ShopSpec;
    let mut spec =
        match size {
            "demo" => ShopSpec::demo(),
            "ml1m" => ShopSpec::movielens_1m_sized(),
            n => ShopSpec::with_events(n.replace('_', "").parse::<u64>().with_context(|| {
                format!("--size {n}: expected demo, ml1m or a number of events")
            })?),
        };
    if let Some(s) = seed {
        spec.seed = s;
    }
    Ok(spec)
}

/// `shoplab generate`
pub fn generate(ctx: &Ctx, a: &GenerateArgs) -> Result<()> {
    let spec = shop_spec(&a.size, a.seed)?;
    ctx.progress.stage("generate", None);
    let shop = shoplab_datasets::synthetic::Shop::generate(&spec);
    let written = shop
        .write_files(&a.out)
        .with_context(|| format!("cannot write the synthetic shop to {}", a.out.display()))?;
    ctx.progress.finish_stage();
    ctx.emit(&written, |w| {
        format!(
            "Wrote a synthetic shop to {}:\n  {} ({} items)\n  {} ({} shoppers)\n  {} ({} events)\n  \
             {} ({} judgments)\n  {} (the tastes it was generated from)\n",
            w.dir.display(),
            w.catalog.display(),
            w.n_items,
            w.users.display(),
            w.n_users,
            w.events.display(),
            w.n_events,
            w.judgments.display(),
            w.n_judgments,
            w.truth.display()
        )
    })
}

/// `shoplab export-split`
pub fn export_split(ctx: &Ctx, project: &Path, a: &ExportSplitArgs) -> Result<()> {
    let p = open(project)?;
    let spec = RunSpec {
        split: split_spec(&a.split)?,
        ..RunSpec::default()
    };
    let out = p.export_split(&spec, &a.out, &a.name, a.dedup)?;
    for w in &out.warnings {
        note!("warning: {w}");
    }
    ctx.emit(&out, |o| {
        format!(
            "Wrote {} (train {}, valid {}, test {} events).\n",
            o.files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            o.sizes[0],
            o.sizes[1],
            o.sizes[2]
        )
    })
}
