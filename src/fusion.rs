//! `shoplab fuse`: a fused run from saved runs, and its comparison with
//! each member (also printed by `shoplab demo`).

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use shoplab_datasets::Progress;
use shoplab_engine::ab::{AbOptions, AbReport};
use shoplab_engine::recommend::fusion::{FusionParams, FusionReport};
use shoplab_engine::run::RunRecord;

use crate::cli::FuseArgs;
use crate::commands::{Ctx, bounded, open, p_text};
use crate::table::render;

/// What `shoplab fuse` prints with `--json`.
#[derive(Debug, Serialize)]
pub struct FuseOutput {
    /// The fused run.
    pub run: RunRecord,
    /// One paired comparison per member (member = baseline, fusion =
    /// challenger), p-values Holm-adjusted across the members.
    pub against_members: Vec<AbReport>,
}

/// Reads a snake_case name of a serde enum, listing the allowed ones.
fn parse_choice<T: serde::de::DeserializeOwned>(
    flag: &str,
    text: &str,
    allowed: &str,
) -> Result<T> {
    let name = text.trim().to_ascii_lowercase().replace('-', "_");
    serde_json::from_value(serde_json::Value::String(name))
        .map_err(|_| anyhow::anyhow!("invalid --{flag} {text}: use one of {allowed}"))
}

/// The spec the flags describe (defaults from [`FusionParams`]).
pub fn params(a: &FuseArgs) -> Result<FusionParams> {
    let mut p = FusionParams {
        members: a.members.clone(),
        weights: a.weights.clone(),
        ..FusionParams::default()
    };
    if let Some(m) = &a.method {
        p.method = parse_choice("method", m, "comb_sum, comb_mnz, weighted, rrf, stacking")?;
    }
    if let Some(n) = &a.normalise {
        p.normalise = parse_choice("normalise", n, "min_max, z_score, rank")?;
    }
    if let Some(t) = &a.tuning {
        p.tuning = Some(parse_choice("tuning", t, "none, grid, random, tpe")?);
    }
    if let Some(n) = a.trials {
        p.trials = n;
    }
    if let Some(s) = a.grid_step {
        p.grid_step = s;
    }
    if let Some(d) = a.depth {
        p.depth = d;
    }
    if let Some(k) = a.rrf_k {
        p.rrf_k = k;
    }
    if let Some(l2) = a.l2 {
        p.l2 = l2;
    }
    if let Some(s) = a.seed {
        p.seed = s;
    }
    Ok(p)
}

/// `shoplab fuse`
pub fn fuse(ctx: &Ctx, project: &Path, a: &FuseArgs) -> Result<()> {
    let p = open(project)?;
    let params = params(a)?;
    let mut options = AbOptions::default();
    if !a.metrics.is_empty() {
        options.metrics = a.metrics.clone();
    }
    if let Some(n) = a.resamples {
        if n == 0 {
            bail!("invalid --resamples 0: give at least 1000 (10000 is the default)");
        }
        options.tests.bootstrap = n;
        options.tests.permutations = n;
    }
    // Checked before the fusion is built, so a bad option leaves no run behind.
    if let Some(first) = params.members.first() {
        p.check_comparison(first, &options)?;
    }
    let run = p
        .fuse(&params, a.name.as_deref(), &ctx.progress, &ctx.cancel)
        .context("cannot build the fusion")?;
    ctx.progress.finish_stage();
    let against_members = p.fusion_vs_members(&run.id, &options)?;
    let out = FuseOutput {
        run,
        against_members,
    };
    ctx.emit(&out, |o| {
        format!(
            "{}\n{}",
            fused_text(&o.run),
            against_members_text(&o.against_members)
        )
    })
}

/// How a fused run was built, and its validation and test figures.
pub fn fused_text(run: &RunRecord) -> String {
    let mut s = format!("Run {} ({})", run.id, run.name);
    let Some(f) = &run.fusion else {
        return s + "\n";
    };
    s.push_str(&format!(": {}", recipe(f)));
    let names = |i: usize| {
        f.member_names
            .get(i)
            .or(f.members.get(i))
            .cloned()
            .unwrap_or_default()
    };
    if f.validation_users > 0 {
        let alone: Vec<String> = f
            .members_validation_ndcg
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{} alone {v:.4}", names(i)))
            .collect();
        s.push_str(&format!(
            "\n  Validation NDCG@10 ({} shoppers): fusion {:.4}; {}.",
            f.validation_users,
            f.validation_ndcg,
            alone.join(", ")
        ));
        let searched = !matches!(f.chosen_by.as_str(), "given" | "equal");
        if let Some(i) = f.weights.iter().position(|w| *w >= 1.0 - 1e-12)
            && searched
        {
            s.push_str(&format!(
                "\n  The search found no blend better than {} alone on validation: the fusion ranks as it does.",
                names(i)
            ));
        }
    }
    let ndcg = run
        .metrics
        .iter()
        .find(|m| m.k == 10)
        .or(run.metrics.first());
    if let Some(m) = ndcg {
        s.push_str(&format!(
            "\n  Test: {} shoppers, NDCG@{} {:.4}, recall@{} {:.4}; p99 latency {:.0} µs (every member scores each shopper).\n",
            run.summary.users_evaluated,
            m.k,
            m.values.ndcg,
            m.k,
            m.values.recall,
            run.summary.latency_p99_us
        ));
    }
    s
}

/// "weighted sum of min_max scores, weights a 0.70, b 0.30 (grid search on the validation split, 66 trials, 1.2 s)".
pub fn recipe(f: &FusionReport) -> String {
    let names: Vec<&str> = (0..f.members.len())
        .map(|i| {
            f.member_names
                .get(i)
                .or(f.members.get(i))
                .map_or("", String::as_str)
        })
        .collect();
    let weights: Vec<String> = names
        .iter()
        .zip(&f.weights)
        .map(|(n, w)| format!("{n} {w:.2}"))
        .collect();
    let what = match f.method.as_str() {
        "rrf" => "reciprocal rank fusion".to_string(),
        "comb_sum" => format!("CombSUM of {} scores", f.normalise),
        "comb_mnz" => format!("CombMNZ of {} scores", f.normalise),
        "stacking" => {
            let coef: Vec<String> = f
                .meta_model
                .iter()
                .map(|(name, c)| format!("{name} {c:+.2}"))
                .collect();
            return format!(
                "stacking: a logistic meta-model re-ranks the members' top candidates, learnt on the \
                 validation split ({:.1} s); coefficients on standardised features: {}",
                f.seconds,
                coef.join(", ")
            );
        }
        _ => format!("weighted sum of {} scores", f.normalise),
    };
    let how = match f.chosen_by.as_str() {
        "given" => "weights given".to_string(),
        "equal" => "equal weights".to_string(),
        search => format!(
            "{search} search on the {} split, {} trials, {:.1} s",
            f.tuned_on,
            f.trials.len(),
            f.seconds
        ),
    };
    format!("{what}, weights {} ({how})", weights.join(", "))
}

/// The fusion against each member on the test split, and the verdict
/// against the best member.
pub fn against_members_text(reports: &[AbReport]) -> String {
    let Some(first) = reports.first() else {
        return String::new();
    };
    let flips = first.options.tests.permutations;
    let mut rows = vec![
        [
            "member",
            "metric",
            "member",
            "fusion",
            "difference [95% CI]",
            "lift",
            "p (rand.)",
            "p Holm",
            "win/tie/loss",
            "verdict",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for r in reports {
        let Some(cells) = r.overall().first() else {
            continue;
        };
        for c in cells {
            let t = &c.test;
            let floor = t.p_at_floor(flips);
            rows.push(vec![
                r.baseline.name.clone(),
                c.metric.clone(),
                format!("{:.4}", t.mean_a),
                format!("{:.4}", t.mean_b),
                format!("{:+.4} [{:+.4}, {:+.4}]", t.mean_diff, t.ci_low, t.ci_high),
                t.relative_lift
                    .map_or("-".into(), |v| format!("{:+.1}%", 100.0 * v)),
                bounded(t.p_value, floor),
                bounded(c.p_holm, floor),
                format!("{}/{}/{}", t.wins, t.ties, t.losses),
                if t.wins + t.losses == 0 {
                    "identical per shopper".to_string()
                } else {
                    c.verdict.label().to_string()
                },
            ]);
        }
    }
    let mut s = format!(
        "Fusion against each member on the test split ({} shoppers paired; p Holm across the {} members):\n",
        first.shoppers,
        reports.len()
    );
    s.push_str(&render(&rows));
    // The best member on the first metric, and the fusion's verdict against it.
    let best = reports
        .iter()
        .filter_map(|r| r.overall().first().and_then(|c| c.first()).map(|c| (r, c)))
        .max_by(|a, b| a.1.test.mean_a.total_cmp(&b.1.test.mean_a));
    if let Some((r, c)) = best {
        let t = &c.test;
        let said = match c.verdict {
            shoplab_engine::ab::Verdict::Better => "beats",
            shoplab_engine::ab::Verdict::Worse => "is worse than",
            shoplab_engine::ab::Verdict::NoClearDifference => "does not differ clearly from",
        };
        s.push_str(&format!(
            "The fusion {said} its best member, {} ({} {:.4} vs {:.4}, difference {:+.4} [{:+.4}, {:+.4}], p Holm {}).\n",
            r.baseline.name,
            c.metric,
            t.mean_b,
            t.mean_a,
            t.mean_diff,
            t.ci_low,
            t.ci_high,
            p_text(c.p_holm)
        ));
    }
    s
}
