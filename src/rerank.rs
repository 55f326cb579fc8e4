//! `shoplab train-reranker`: the learned search re-ranker, trained on one
//! half of the judged queries and measured on the other against hybrid and
//! BM25, paired per query.

use std::path::Path;

use anyhow::Result;
use serde::Serialize;
use shoplab_datasets::Progress;
use shoplab_engine::project::{JudgmentSource, Project};
use shoplab_engine::search::{
    FieldWeights, QuerySlice, RankerKind, RerankParams, Reranker, SearchEvalConfig,
    SearchEvalReport,
};
use shoplab_engine::significance::{PairedConfig, PairedTest, holm};

use crate::cli::TrainRerankerArgs;
use crate::commands::{Ctx, field_weights, open, relevance};
use crate::table::{num, render};

/// The learned ranker against one other on the held-out half.
#[derive(Debug, Serialize)]
pub struct Against {
    /// The other ranker (`hybrid`, `bm25`).
    pub baseline: String,
    /// Per-query NDCG at the largest cut-off, learned minus baseline.
    pub paired_ndcg: PairedTest,
    /// The randomisation p-value, Holm-adjusted across the baselines.
    pub p_holm: f64,
}

/// What `shoplab train-reranker` prints with `--json`.
#[derive(Debug, Serialize)]
pub struct TrainRerankerOutput {
    /// The saved re-ranker.
    pub reranker: Reranker,
    /// Where it was saved.
    pub path: String,
    /// The learned ranker's evaluation on the other half.
    pub held: SearchEvalReport,
    /// Hybrid's and BM25's on the same queries.
    pub baselines: Vec<SearchEvalReport>,
    /// The paired tests against each.
    pub against: Vec<Against>,
}

/// The half a re-ranker trained on `half` is measured on.
fn other_half(half: QuerySlice) -> QuerySlice {
    match half {
        QuerySlice::Held => QuerySlice::Tune,
        _ => QuerySlice::Held,
    }
}

/// Prints a warning when the saved re-ranker learned from (some of) the
/// queries of `slice` (its figures there are not a fair measure), or when
/// `weights` differ from the boosts it was trained with (it uses its own).
pub fn warn_if_trained_on(p: &Project, slice: QuerySlice, weights: &FieldWeights) {
    if let Ok(Some(r)) = p.saved_reranker() {
        if r.training.weights != *weights {
            note!(
                "note: the learned ranker takes BM25's candidates with the boosts it was trained \
                 with ({}); the boosts given are not used",
                crate::text::weights(&r.training.weights)
            );
        }
        let half = r.training.queries;
        if slice == QuerySlice::All || slice == half {
            note!(
                "note: the re-ranker learned from the {} half of the judged queries; measure \
                 it on the other half (--queries {}) for a fair figure",
                slice_name(half),
                slice_name(other_half(half)),
            );
        }
    }
}

fn slice_name(s: QuerySlice) -> &'static str {
    match s {
        QuerySlice::All => "all",
        QuerySlice::Tune => "tune",
        QuerySlice::Held => "held",
    }
}

/// `shoplab train-reranker`
pub fn train_reranker(ctx: &Ctx, project: &Path, a: &TrainRerankerArgs) -> Result<()> {
    let p = open(project)?;
    let source = if a.derived {
        JudgmentSource::Derived
    } else {
        JudgmentSource::Stored
    };
    let half = QuerySlice::parse(&a.queries)?;
    let config = SearchEvalConfig {
        weights: field_weights(&a.weights)?,
        relevance: relevance(a.min_grade, &a.gain)?,
        queries: half,
        ..SearchEvalConfig::default()
    };
    let params = RerankParams {
        depth: a.depth,
        negatives: a.negatives,
        l2: a.l2,
        seed: a.seed,
    };
    let encoder = p.encoder_dir(a.encoder.as_deref());
    let reranker = p.train_reranker(
        source,
        &config,
        &params,
        &encoder,
        &ctx.progress,
        &ctx.cancel,
    )?;
    ctx.progress.finish_stage();
    let held = SearchEvalConfig {
        queries: other_half(half),
        ..config
    };
    let configs: Vec<SearchEvalConfig> =
        [RankerKind::Learned, RankerKind::Hybrid, RankerKind::Bm25]
            .into_iter()
            .map(|ranker| SearchEvalConfig {
                ranker,
                ..held.clone()
            })
            .collect();
    let mut reports =
        p.evaluate_search_rankers(source, &configs, &encoder, &ctx.progress, &ctx.cancel)?;
    ctx.progress.finish_stage();
    let learned = reports.remove(0);
    let mut against = Vec::new();
    for base in &reports {
        let test = shoplab_engine::search::paired_ndcg(base, &learned, &PairedConfig::default())?;
        against.push(Against {
            baseline: base.config.ranker.as_str().to_string(),
            p_holm: test.p_value,
            paired_ndcg: test,
        });
    }
    let adjusted = holm(&against.iter().map(|x| x.p_value()).collect::<Vec<_>>());
    for (x, p) in against.iter_mut().zip(adjusted) {
        x.p_holm = p;
    }
    let out = TrainRerankerOutput {
        reranker,
        path: p.paths.reranker().display().to_string(),
        held: learned,
        baselines: reports,
        against,
    };
    ctx.emit(&out, text)
}

impl Against {
    fn p_value(&self) -> f64 {
        self.paired_ndcg.p_value
    }
}

/// The human summary: what it learned, then the held-out comparison.
fn text(o: &TrainRerankerOutput) -> String {
    let t = &o.reranker.training;
    let m = &o.reranker.model;
    let mut weights: Vec<(&String, f64)> = m.features.iter().zip(m.coef.iter().copied()).collect();
    weights.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    let mut rows = vec![vec!["feature".to_string(), "weight".to_string()]];
    rows.extend(
        weights
            .iter()
            .map(|(f, w)| vec![f.to_string(), format!("{w:+.3}")]),
    );
    let k = o.held.config.ks.iter().max().copied().unwrap_or(10);
    let mut table = vec![vec![
        "ranker".to_string(),
        format!("ndcg@{k}"),
        "difference (learned − it) [95% CI]".to_string(),
        "p (Holm)".to_string(),
    ]];
    let ndcg = |r: &SearchEvalReport| {
        r.means
            .iter()
            .zip(&r.config.ks)
            .find(|(_, kk)| **kk == k)
            .map(|(m, _)| m.ndcg)
    };
    table.push(vec![
        "learned".into(),
        num(ndcg(&o.held)),
        String::new(),
        String::new(),
    ]);
    for (b, x) in o.baselines.iter().zip(&o.against) {
        let t = &x.paired_ndcg;
        table.push(vec![
            x.baseline.clone(),
            num(ndcg(b)),
            format!("{:+.4} [{:+.4}, {:+.4}]", t.mean_diff, t.ci_low, t.ci_high),
            format!("{:.4}", x.p_holm),
        ]);
    }
    let verdict = o
        .against
        .iter()
        .map(|x| {
            let t = &x.paired_ndcg;
            let word = if x.p_holm < 0.05 && t.ci_low > 0.0 {
                "beats"
            } else if x.p_holm < 0.05 && t.ci_high < 0.0 {
                "is worse than"
            } else {
                "shows no clear difference from"
            };
            format!("the learned ranker {word} {}", x.baseline)
        })
        .collect::<Vec<_>>()
        .join("; ");
    format!(
        "Re-ranker trained on the {} half: {} queries, {} candidate pairs, {:.1} s; saved to {}\n\
         Weights of the standardised features, largest first:\n{}\n\
         Measured on the {} half ({} queries, none seen in training):\n{}\n\
         In short: {verdict} (p Holm-adjusted across the two).\n",
        slice_name(t.queries),
        t.n_queries,
        t.n_pairs,
        t.seconds,
        o.path,
        render(&rows),
        slice_name(o.held.config.queries),
        o.held.n_queries,
        render(&table),
    )
}
