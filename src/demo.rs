//! `shoplab demo`: the whole pipeline on the bundled demo shop, in seconds.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;
use shoplab_datasets::Progress;
use shoplab_engine::compare::{Column, Comparison, compare};
use shoplab_engine::demo;
use shoplab_engine::project::{IndexReport, JudgmentSource};
use shoplab_engine::search::{SearchEvalConfig, SearchEvalReport};
use shoplab_engine::store::{ImportReport, StoreStats};

use crate::commands::{Ctx, comparison_text};

/// Everything the demo did, for `--json`.
#[derive(Serialize)]
struct DemoReport {
    project: String,
    imports: Vec<ImportReport>,
    stats: StoreStats,
    index: IndexReport,
    comparison: Comparison,
    /// The fused run against each of its members.
    fusion: Vec<shoplab_engine::ab::AbReport>,
    search_judged: SearchEvalReport,
    search_derived: Option<SearchEvalReport>,
    truth: Vec<shoplab_engine::truth::TruthScore>,
    seconds: f64,
}

/// Runs the demo into `dir`.
pub fn run(ctx: &Ctx, dir: &Path) -> Result<()> {
    let start = std::time::Instant::now();
    let built = demo::build(dir, &ctx.progress, &ctx.cancel)
        .with_context(|| format!("cannot build the demo shop in {}", dir.display()))?;
    let (project, imports, index, records) =
        (built.project, built.imports, built.index, built.runs);
    let comparison = compare(&records, &Column::defaults());
    let fused = records.last().context("the demo built no runs")?.clone();
    let fusion = project.fusion_vs_members(&fused.id, &shoplab_engine::ab::AbOptions::default())?;
    let config = SearchEvalConfig::default();
    let search_judged =
        project.evaluate_search(JudgmentSource::Stored, &config, &ctx.progress, &ctx.cancel)?;
    let search_derived = project
        .evaluate_search(JudgmentSource::Derived, &config, &ctx.progress, &ctx.cancel)
        .ok();
    ctx.progress.finish_stage();
    let truth = shoplab_datasets::synthetic::Truth::read(&built.truth)
        .with_context(|| format!("cannot read {}", built.truth.display()))?;
    let truth = project.score_against_truth(&truth, &[], 10, &ctx.progress, &ctx.cancel)?;
    let report = DemoReport {
        project: dir.display().to_string(),
        imports,
        stats: project.stats()?,
        index,
        comparison,
        fusion,
        search_judged,
        search_derived,
        truth,
        seconds: start.elapsed().as_secs_f64(),
    };
    ctx.emit(&report, |r| {
        let mut s = format!(
            "ShopLab demo shop in {}\n{}\nRecommenders (temporal split: the last 20% of events by time are the test set, the 10% before it validation; full ranking, training items excluded):\n",
            r.project,
            crate::text::stats(&r.stats)
        );
        s.push_str(&comparison_text(&r.comparison));
        s.push_str("\nA fused run (EASE + content; weights tuned on the validation split):\n");
        s.push_str(&crate::fusion::fused_text(&fused));
        s.push_str(&crate::fusion::against_members_text(&r.fusion));
        s.push_str("\nAgainst the shoppers' true tastes (known because the shop is synthetic):\n");
        s.push_str(&crate::commands::truth_table(&r.truth));
        s.push_str("\nSearch quality, BM25, on the shop's graded judgments:\n");
        s.push_str(&crate::text::search_eval(&r.search_judged));
        if let Some(d) = &r.search_derived {
            s.push_str("\nSearch quality on judgments derived from search-then-click/purchase events:\n");
            s.push_str(&crate::text::search_eval(d));
        }
        s.push_str(&format!(
            "\nDone in {:.1} s. Explore it:\n  shoplab -p {p} search \"wireless headphones\"\n  shoplab -p {p} compare\n  shoplab -p {p} recommend --user U000001 --run ease\n",
            r.seconds,
            p = r.project
        ));
        s
    })
}
