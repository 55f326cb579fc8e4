//! A/B-style offline comparison: a baseline run against one or more
//! challengers on the same split, paired per shopper.
//!
//! For each metric and challenger: the paired tests of [`crate::significance`]
//! (bootstrap interval, randomisation test, t-test, Wilcoxon, effect size,
//! wins / ties / losses), with Holm's adjustment of the randomisation
//! p-values across challengers (one family per metric); the same per
//! shopper segment (cold, light and heavy shoppers by training events);
//! and cost beside quality (training time, latency percentiles, model size,
//! and which runs sit on the quality-vs-latency Pareto front).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::recommend::per_user::PerUser;
use crate::run::RunRecord;
use crate::significance::{PairedConfig, PairedTest, holm, paired_test};
use crate::split::SplitSpec;

/// What to compare and how to test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AbOptions {
    /// Per-shopper metrics to pair, as in `per_user.csv` (default `ndcg@10`,
    /// `recall@10`); the first is the one the Pareto front and the
    /// helped / hurt lists use.
    pub metrics: Vec<String>,
    /// Resamples, level and seed of the tests (defaults: 10,000 each, 95%, seed 42).
    pub tests: PairedConfig,
    /// Significance level the verdicts use, after Holm's adjustment (default 0.05).
    pub alpha: f64,
}

impl Default for AbOptions {
    fn default() -> Self {
        AbOptions {
            metrics: vec!["ndcg@10".into(), "recall@10".into()],
            tests: PairedConfig::default(),
            alpha: 0.05,
        }
    }
}

/// One run's identity and cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbRun {
    /// Run id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Model name.
    pub model: String,
    /// Seconds spent fitting.
    pub train_seconds: f64,
    /// Median latency per shopper (µs).
    pub latency_p50_us: f64,
    /// 95th percentile latency (µs).
    pub latency_p95_us: f64,
    /// 99th percentile latency (µs).
    pub latency_p99_us: f64,
    /// Bytes of the fitted model.
    pub model_bytes: u64,
    /// Mean of each metric over the paired shoppers (same order as the metrics).
    pub means: Vec<f64>,
    /// On the quality (first metric, higher) vs p99 latency (lower) Pareto front.
    pub pareto: bool,
}

/// One challenger against the baseline on one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbCell {
    /// The metric (`ndcg@10`).
    pub metric: String,
    /// Every paired figure of challenger − baseline.
    pub test: PairedTest,
    /// Holm-adjusted randomisation p-value across the challengers.
    pub p_holm: f64,
    /// `better`, `worse` or `no clear difference` at the chosen level, after Holm.
    pub verdict: Verdict,
}

/// The reading of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Significantly higher than the baseline.
    Better,
    /// Significantly lower.
    Worse,
    /// Not significant after Holm.
    NoClearDifference,
}

impl Verdict {
    /// Words for tables.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::NoClearDifference => "no clear difference",
        }
    }
}

/// A group of shoppers and each challenger's cells on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbSegment {
    /// `all`, `cold`, `light`, `heavy`.
    pub name: String,
    /// Who is in it, in words (`1 to 24 training events`).
    pub description: String,
    /// Paired shoppers in the segment.
    pub shoppers: usize,
    /// Per challenger (same order as the report's), per metric.
    pub cells: Vec<Vec<AbCell>>,
}

/// One shopper whose first metric moved between the baseline and a challenger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovedShopper {
    /// The shop's shopper id.
    pub user: String,
    /// The baseline's value.
    pub baseline: f64,
    /// The challenger's value.
    pub challenger: f64,
}

/// The shoppers a challenger helps and hurts most on the first metric
/// (segment `all`), largest change first, at most [`MOVED_SHOWN`] each.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Moved {
    /// Higher under the challenger.
    pub helped: Vec<MovedShopper>,
    /// Lower under the challenger.
    pub hurt: Vec<MovedShopper>,
}

/// Shoppers listed per side in [`Moved`].
pub const MOVED_SHOWN: usize = 20;

/// A whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbReport {
    /// The run the others are measured against.
    pub baseline: AbRun,
    /// The challengers, in the order given.
    pub challengers: Vec<AbRun>,
    /// The paired metrics.
    pub metrics: Vec<String>,
    /// The options used.
    pub options: AbOptions,
    /// Shoppers evaluated by every run (the paired units of segment `all`).
    pub shoppers: usize,
    /// Shoppers evaluated by some runs only, left out of the pairing.
    pub unpaired: usize,
    /// `all` first, then the shopper segments that have shoppers.
    pub segments: Vec<AbSegment>,
    /// Per challenger: the shoppers it helps and hurts most.
    #[serde(default)]
    pub moved: Vec<Moved>,
    /// What the report left out and why (item segments for metrics they
    /// cannot compute, categories beyond the largest few).
    #[serde(default)]
    pub notes: Vec<String>,
}

impl AbReport {
    /// The cells of segment `all`, per challenger.
    pub fn overall(&self) -> &[Vec<AbCell>] {
        self.segments.first().map_or(&[], |s| &s.cells)
    }
}

/// Refuses runs that did not score the same shoppers on the same test
/// events under the same protocol, naming what differs.
pub fn check_comparable(baseline: &RunRecord, other: &RunRecord) -> Result<()> {
    let Some(d) = difference(baseline, other) else {
        return Ok(());
    };
    let advice = if d.what == DATA {
        "the project's events changed between the two trainings: train the older run again so \
         both see the same events"
            .to_string()
    } else {
        format!("train '{}' again with the baseline's settings", other.name)
    };
    Err(Error::NotComparable(format!(
        "runs '{}' and '{}' differ in {} ({} vs {}): a paired comparison needs runs on the same \
         data, split and protocol; {advice}",
        baseline.name, other.name, d.what, d.a, d.b
    )))
}

/// What two runs differ in that makes them incomparable.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// What differs (`their split`, `protocol`, ...).
    pub what: &'static str,
    /// The first run's value.
    pub a: String,
    /// The second run's.
    pub b: String,
}

const DATA: &str = "the events they saw";

/// The first thing that keeps `a` and `b` from being paired per shopper:
/// other events, split, event kinds, exclusion of seen items, tie order or
/// sampled ranking; `None` when they can be.
pub fn difference(baseline: &RunRecord, other: &RunRecord) -> Option<Difference> {
    let differ = |what: &'static str, a: String, b: String| Some(Difference { what, a, b });
    if baseline.data_fingerprint != other.data_fingerprint {
        return differ(
            DATA,
            format!("data {}", short(&baseline.data_fingerprint)),
            format!("data {}", short(&other.data_fingerprint)),
        );
    }
    let (a, b) = (&baseline.spec, &other.spec);
    if as_compared(&a.split) != as_compared(&b.split) {
        return differ("their split", a.split.to_string(), b.split.to_string());
    }
    if a.kinds != b.kinds {
        return differ(
            "the event kinds counted",
            format!("{:?}", a.kinds),
            format!("{:?}", b.kinds),
        );
    }
    if a.eval.exclude_train != b.eval.exclude_train {
        let p = |x: bool| if x { "seen items excluded" } else { "--repeat" }.to_string();
        return differ("protocol", p(a.eval.exclude_train), p(b.eval.exclude_train));
    }
    if a.eval.tie_break != b.eval.tie_break {
        return differ(
            "the order of tied scores",
            a.eval.tie_break.as_str().to_string(),
            b.eval.tie_break.as_str().to_string(),
        );
    }
    if a.eval.sampled_negatives != b.eval.sampled_negatives {
        let s = |x: Option<usize>| x.map_or("full ranking".into(), |n| format!("{n} sampled"));
        return differ(
            "ranking",
            s(a.eval.sampled_negatives),
            s(b.eval.sampled_negatives),
        );
    }
    None
}

/// The split with the settings its method ignores cleared: the seed of a
/// temporal cut or leave-last-out, and the size of leave-last-out's
/// validation part (any fraction above 0 holds out the same interactions).
fn as_compared(split: &SplitSpec) -> SplitSpec {
    let mut s = split.clone();
    match &mut s {
        SplitSpec::Temporal { seed, .. } => *seed = 0,
        SplitSpec::LeaveLastOut {
            seed,
            valid_fraction,
            ..
        } => {
            *seed = 0;
            if *valid_fraction > 0.0 {
                *valid_fraction = 0.5;
            }
        }
        SplitSpec::Random { .. } => {}
    }
    s
}

fn short(fingerprint: &str) -> &str {
    &fingerprint[..fingerprint.len().min(12)]
}

/// Refuses options no comparison of `n_challengers` challengers can use:
/// no metric, a metric named twice, a level outside (0, 1), too few
/// resamples for Holm's threshold. Checked before any slow work.
pub fn check_options(options: &AbOptions, n_challengers: usize) -> Result<()> {
    if options.metrics.is_empty() {
        return Err(Error::invalid(
            "metrics",
            "none",
            "name a metric, e.g. ndcg@10",
        ));
    }
    for (i, m) in options.metrics.iter().enumerate() {
        if options.metrics[..i].contains(m) {
            return Err(Error::invalid(
                "metrics",
                m,
                "is named twice; name each metric once",
            ));
        }
    }
    if !(options.alpha > 0.0 && options.alpha < 1.0) {
        return Err(Error::invalid(
            "alpha",
            options.alpha,
            "give a significance level between 0 and 1, e.g. 0.05",
        ));
    }
    // Below this many resamples the smallest randomisation p-value cannot
    // pass Holm's threshold, so every verdict would read "no clear difference".
    let needed = (n_challengers as f64 / options.alpha).ceil() as usize;
    if options.tests.permutations < needed.max(1000) {
        return Err(Error::invalid(
            "resamples",
            options.tests.permutations,
            format!(
                "use at least {} (10000 is the default): with fewer, p-values near {} after \
                 Holm's adjustment cannot be told apart",
                needed.max(1000),
                options.alpha
            ),
        ));
    }
    Ok(())
}

/// Compares `baseline` with `challengers` (each a run and its per-shopper
/// values). `activity` maps shopper ids to their training events under the
/// split, for the light / heavy segments (none: segment `all` and `cold` only).
pub fn compare_runs(
    baseline: (&RunRecord, &PerUser),
    challengers: &[(&RunRecord, &PerUser)],
    activity: Option<&HashMap<String, usize>>,
    options: &AbOptions,
) -> Result<AbReport> {
    if challengers.is_empty() {
        return Err(Error::invalid(
            "challengers",
            "none",
            "name at least one run to compare with the baseline",
        ));
    }
    check_options(options, challengers.len())?;
    for (i, (run, _)) in challengers.iter().enumerate() {
        if challengers[..i].iter().any(|(r, _)| r.id == run.id) {
            return Err(Error::invalid(
                "challenger",
                &run.name,
                "is named twice (perhaps by name and by id); each run counts once in Holm's \
                 adjustment, so name it once",
            ));
        }
    }
    for (run, _) in challengers {
        check_comparable(baseline.0, run)?;
        if run.id == baseline.0.id {
            return Err(Error::invalid(
                "challenger",
                &run.name,
                "is the baseline itself; pick another run",
            ));
        }
    }
    // Each run's values per shopper id and metric, and whether it was cold.
    let all: Vec<(&RunRecord, &PerUser)> = std::iter::once(baseline)
        .chain(challengers.iter().copied())
        .collect();
    let mut tables = Vec::with_capacity(all.len());
    for (run, pu) in &all {
        let cols: Vec<usize> = options
            .metrics
            .iter()
            .map(|m| {
                pu.column(m).ok_or_else(|| {
                    Error::invalid(
                        "metric",
                        m,
                        format!(
                            "run '{}' has no such per-shopper column; it has {}",
                            run.name,
                            pu.columns.join(", ")
                        ),
                    )
                })
            })
            .collect::<Result<_>>()?;
        let table: HashMap<&str, (bool, Vec<f64>)> = pu
            .rows
            .iter()
            .map(|r| {
                let v = cols.iter().map(|&c| r.values[c]).collect();
                (r.user.as_str(), (r.cold, v))
            })
            .collect();
        tables.push(table);
    }
    // Shoppers every run evaluated, in the baseline's file order.
    let base_pu = baseline.1;
    let paired: Vec<&str> = base_pu
        .rows
        .iter()
        .map(|r| r.user.as_str())
        .filter(|u| tables.iter().all(|t| t.contains_key(u)))
        .collect();
    let union: std::collections::HashSet<&str> =
        tables.iter().flat_map(|t| t.keys().copied()).collect();
    if paired.is_empty() {
        return Err(Error::Empty(
            "no shopper was evaluated by every run; nothing to pair".into(),
        ));
    }
    // Cold in any run: a shopper one run ranked by its fallback (BPR and
    // NeuMF have no vector for a shopper with only validation events) is
    // not a warm pair, whichever run is the baseline.
    let cold = |u: &str| tables.iter().any(|t| t.get(u).is_some_and(|(c, _)| *c));
    let warm: Vec<&str> = paired.iter().copied().filter(|u| !cold(u)).collect();
    let cold_users: Vec<&str> = paired.iter().copied().filter(|u| cold(u)).collect();

    let mut segments = Vec::new();
    let mut add = |name: &str, description: String, users: &[&str]| -> Result<()> {
        if users.is_empty() {
            return Ok(());
        }
        segments.push(AbSegment {
            name: name.into(),
            description,
            shoppers: users.len(),
            cells: cells(&tables, users, options)?,
        });
        Ok(())
    };
    add(
        "all",
        "every shopper evaluated by all runs with training events".into(),
        &warm,
    )?;
    if let Some(act) = activity {
        // A warm shopper missing from `act` has no training events (only
        // validation ones): light, so light and heavy share out every warm shopper.
        let events = |u: &str| act.get(u).copied().unwrap_or(0);
        let mut counts: Vec<usize> = warm.iter().map(|u| events(u)).collect();
        counts.sort_unstable();
        if let Some(&median) = counts.get(counts.len().saturating_sub(1) / 2) {
            let light: Vec<&str> = warm
                .iter()
                .copied()
                .filter(|u| events(u) <= median)
                .collect();
            let heavy: Vec<&str> = warm
                .iter()
                .copied()
                .filter(|u| events(u) > median)
                .collect();
            add(
                "light",
                format!("at most {median} training events (the lower half)"),
                &light,
            )?;
            add(
                "heavy",
                format!("more than {median} training events"),
                &heavy,
            )?;
        }
    }
    add(
        "cold",
        "no training events (in at least one run: ranked by its fallback there)".into(),
        &cold_users,
    )?;
    if segments.is_empty() {
        return Err(Error::Empty("no shopper to compare".into()));
    }

    // Means over the paired warm shoppers (or cold ones when there are none).
    let headline = &segments[0];
    let units: Vec<&str> = if warm.is_empty() {
        cold_users.clone()
    } else {
        warm.clone()
    };
    let mut runs: Vec<AbRun> = all
        .iter()
        .enumerate()
        .map(|(k, (r, _))| {
            let means = (0..options.metrics.len())
                .map(|m| units.iter().map(|u| tables[k][u].1[m]).sum::<f64>() / units.len() as f64)
                .collect();
            AbRun {
                id: r.id.clone(),
                name: r.name.clone(),
                model: r.model.clone(),
                train_seconds: r.train_seconds,
                latency_p50_us: r.summary.latency_p50_us,
                latency_p95_us: r.summary.latency_p95_us,
                latency_p99_us: r.summary.latency_p99_us,
                model_bytes: r.summary.model_bytes as u64,
                means,
                pareto: false,
            }
        })
        .collect();
    mark_pareto(&mut runs);
    let moved = (1..tables.len())
        .map(|k| moved_shoppers(&tables, k, &units))
        .collect();
    let shoppers = headline.shoppers;
    let baseline_run = runs.remove(0);
    Ok(AbReport {
        baseline: baseline_run,
        challengers: runs,
        metrics: options.metrics.clone(),
        options: options.clone(),
        shoppers,
        unpaired: union.len() - paired.len(),
        segments,
        moved,
        notes: Vec::new(),
    })
}

/// Challenger `k`'s largest gains and losses on the first metric over `users`.
fn moved_shoppers(tables: &[Table<'_>], k: usize, users: &[&str]) -> Moved {
    let mut rows: Vec<MovedShopper> = users
        .iter()
        .map(|u| MovedShopper {
            user: (*u).to_string(),
            baseline: tables[0][u].1[0],
            challenger: tables[k][u].1[0],
        })
        .collect();
    let change = |m: &MovedShopper| m.challenger - m.baseline;
    // Largest change first; equal changes by shopper id, so the list is stable.
    rows.sort_by(|a, b| {
        change(b)
            .abs()
            .total_cmp(&change(a).abs())
            .then_with(|| a.user.cmp(&b.user))
    });
    let pick = |up: bool| -> Vec<MovedShopper> {
        rows.iter()
            .filter(|m| {
                if up {
                    change(m) > 1e-12
                } else {
                    change(m) < -1e-12
                }
            })
            .take(MOVED_SHOWN)
            .cloned()
            .collect()
    };
    Moved {
        helped: pick(true),
        hurt: pick(false),
    }
}

/// Per shopper: whether they were cold, and their value of each metric.
pub(crate) type Table<'a> = HashMap<&'a str, (bool, Vec<f64>)>;

/// Every challenger's cells over `users`, Holm-adjusted per metric.
pub(crate) fn cells(
    tables: &[Table<'_>],
    users: &[&str],
    options: &AbOptions,
) -> Result<Vec<Vec<AbCell>>> {
    let n_ch = tables.len() - 1;
    let mut out: Vec<Vec<AbCell>> = vec![Vec::new(); n_ch];
    for (m, metric) in options.metrics.iter().enumerate() {
        let base: Vec<f64> = users.iter().map(|u| tables[0][u].1[m]).collect();
        let tests: Vec<PairedTest> = (1..tables.len())
            .map(|k| {
                let ch: Vec<f64> = users.iter().map(|u| tables[k][u].1[m]).collect();
                paired_test(&base, &ch, &options.tests)
            })
            .collect::<Result<_>>()?;
        let adjusted = holm(&tests.iter().map(|t| t.p_value).collect::<Vec<_>>());
        for (k, (test, p)) in tests.into_iter().zip(adjusted).enumerate() {
            let verdict = verdict(&test, p, options.alpha);
            out[k].push(AbCell {
                metric: metric.clone(),
                test,
                p_holm: p,
                verdict,
            });
        }
    }
    Ok(out)
}

/// Marks the runs no other run dominates: at least as good on the first
/// metric (higher) and on p99 latency (lower), and better on one. Runs
/// without a latency figure (0) are left off.
fn mark_pareto(runs: &mut [AbRun]) {
    let points: Vec<(f64, f64)> = runs
        .iter()
        .map(|r| (r.means.first().copied().unwrap_or(0.0), r.latency_p99_us))
        .collect();
    for (r, on) in runs.iter_mut().zip(pareto_front(&points)) {
        r.pareto = on;
    }
}

/// Which of the (quality, latency) points no other point dominates (at
/// least as good on both, better on one); points without a latency (0)
/// are never on the front and dominate nothing.
pub fn pareto_front(points: &[(f64, f64)]) -> Vec<bool> {
    points
        .iter()
        .enumerate()
        .map(|(i, &(q, l))| {
            l > 0.0
                && !points.iter().enumerate().any(|(j, &(q2, l2))| {
                    j != i && l2 > 0.0 && q2 >= q && l2 <= l && (q2 > q || l2 < l)
                })
        })
        .collect()
}

/// One report per member of a fusion (the member as baseline, the fusion
/// as its one challenger), with each randomisation p-value Holm-adjusted
/// across the members, per segment and metric: "does the fusion beat each
/// of its members" is one family of tests.
pub fn adjust_across_baselines(reports: &mut [AbReport]) {
    let Some(first) = reports.first() else {
        return;
    };
    let alpha = first.options.alpha;
    let segments: Vec<String> = first.segments.iter().map(|s| s.name.clone()).collect();
    let n_metrics = first.metrics.len();
    for name in &segments {
        for m in 0..n_metrics {
            let at = |r: &AbReport| {
                r.segments
                    .iter()
                    .position(|s| &s.name == name)
                    .filter(|&i| r.segments[i].cells.first().is_some_and(|c| c.len() > m))
            };
            let found: Vec<(usize, usize)> = reports
                .iter()
                .enumerate()
                .filter_map(|(k, r)| at(r).map(|i| (k, i)))
                .collect();
            let p: Vec<f64> = found
                .iter()
                .map(|&(k, i)| reports[k].segments[i].cells[0][m].test.p_value)
                .collect();
            for (&(k, i), adjusted) in found.iter().zip(holm(&p)) {
                let cell = &mut reports[k].segments[i].cells[0][m];
                cell.p_holm = adjusted;
                cell.verdict = verdict(&cell.test, adjusted, alpha);
            }
        }
    }
}

fn verdict(test: &PairedTest, p_holm: f64, alpha: f64) -> Verdict {
    if p_holm >= alpha {
        Verdict::NoClearDifference
    } else if test.mean_diff > 0.0 {
        Verdict::Better
    } else {
        Verdict::Worse
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::per_user::PerUserRow;
    use crate::split::SplitSpec;

    fn run(id: &str, p99: f64) -> RunRecord {
        let mut r = RunRecord {
            id: id.into(),
            name: id.into(),
            model: id.into(),
            data_fingerprint: "abc".into(),
            ..RunRecord::default()
        };
        r.summary.latency_p99_us = p99;
        r
    }

    fn per_user(id: &str, values: &[(&str, f64, bool)]) -> PerUser {
        PerUser {
            run: id.into(),
            columns: vec!["ndcg@10".into()],
            rows: values
                .iter()
                .map(|&(u, v, cold)| PerUserRow {
                    user: u.into(),
                    n_test: 1,
                    values: vec![v],
                    cold,
                    no_signal: false,
                    tie_decided: false,
                })
                .collect(),
            sampled_negatives: None,
        }
    }

    fn opts() -> AbOptions {
        AbOptions {
            metrics: vec!["ndcg@10".into()],
            ..AbOptions::default()
        }
    }

    #[test]
    fn a_clear_gain_is_better_after_holm_and_noise_is_not() {
        let users: Vec<String> = (0..60).map(|i| format!("u{i}")).collect();
        let vals = |f: &dyn Fn(usize) -> f64| -> Vec<(&str, f64, bool)> {
            users
                .iter()
                .enumerate()
                .map(|(i, u)| (u.as_str(), f(i), false))
                .collect()
        };
        let base = per_user("a", &vals(&|i| (i % 5) as f64 / 10.0));
        let gain = per_user("b", &vals(&|i| (i % 5) as f64 / 10.0 + 0.1));
        let noise = per_user(
            "c",
            &vals(&|i| (i % 5) as f64 / 10.0 + if i % 2 == 0 { 0.05 } else { -0.05 }),
        );
        let (ra, rb, rc) = (run("a", 100.0), run("b", 50.0), run("c", 200.0));
        let act: HashMap<String, usize> = users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.clone(), i + 1))
            .collect();
        let r = compare_runs(
            (&ra, &base),
            &[(&rb, &gain), (&rc, &noise)],
            Some(&act),
            &opts(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.shoppers, 60);
        let all = r.overall();
        assert_eq!(all[0][0].verdict, Verdict::Better);
        assert_eq!(all[0][0].test.wins, 60);
        assert_eq!(all[1][0].verdict, Verdict::NoClearDifference);
        // Holm: the adjusted p is at least the raw one.
        assert!(all.iter().all(|c| c[0].p_holm >= c[0].test.p_value));
        // Light and heavy split the 60 shoppers at the median (30 events).
        let names: Vec<&str> = r.segments.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["all", "light", "heavy"]);
        assert_eq!(r.segments[1].shoppers + r.segments[2].shoppers, 60);
        // Helped and hurt: b lifts every shopper by 0.1; c moves half up, half down.
        assert_eq!(r.moved[0].helped.len(), MOVED_SHOWN);
        assert!(r.moved[0].hurt.is_empty());
        let m = &r.moved[1];
        assert!(!m.helped.is_empty() && !m.hurt.is_empty());
        assert!(m.hurt.iter().all(|x| x.challenger < x.baseline));
        // b is better and faster than a: a is off the front; c is slower and no better.
        assert!(r.challengers[0].pareto && !r.baseline.pareto && !r.challengers[1].pareto);
    }

    #[test]
    fn runs_on_different_splits_or_data_are_refused_by_name() {
        let a = run("a", 1.0);
        let mut b = run("b", 1.0);
        let mut seeded = run("s", 1.0);
        if let SplitSpec::Temporal { seed, .. } = &mut seeded.spec.split {
            *seed = 5;
        }
        assert!(
            check_comparable(&a, &seeded).is_ok(),
            "a temporal cut does not use its seed"
        );
        let mut ties = run("t", 1.0);
        ties.spec.eval.tie_break = crate::evaluate::TieBreak::ItemIndex;
        assert!(check_comparable(&a, &ties).is_err());
        b.spec.split = SplitSpec::Random {
            test_ratio: 0.1,
            valid_fraction: 0.0,
            seed: 7,
        };
        let e = check_comparable(&a, &b).expect_err("different split");
        assert!(
            e.to_string().contains("split") && e.to_string().contains("'b'"),
            "{e}"
        );
        let mut c = run("c", 1.0);
        c.data_fingerprint = "other".into();
        let e = check_comparable(&a, &c).expect_err("different data");
        assert!(e.to_string().contains("events"), "{e}");
        let mut d = run("d", 1.0);
        d.spec.eval.exclude_train = false;
        assert!(check_comparable(&a, &d).is_err());
        assert!(check_comparable(&a, &run("e", 2.0)).is_ok());

        // Leave-last-out holds out the same validation interactions for any
        // fraction above 0, but none at 0.
        let loo = |id: &str, v: f64| {
            let mut r = run(id, 1.0);
            r.spec.split = SplitSpec::LeaveLastOut {
                n: 1,
                valid_fraction: v,
                seed: 42,
            };
            r
        };
        assert!(check_comparable(&loo("l1", 0.1), &loo("l5", 0.5)).is_ok());
        assert!(check_comparable(&loo("l0", 0.0), &loo("l1", 0.1)).is_err());
        assert_eq!(
            loo("l1", 0.1).spec.split.to_string(),
            "leave last 1 out, the 1 before for validation"
        );
    }

    #[test]
    fn a_shopper_cold_in_either_run_is_cold_whichever_is_the_baseline() {
        // y is cold for b only (as a validation-only shopper is for BPR).
        let a = per_user(
            "a",
            &[("x", 0.5, false), ("y", 0.2, false), ("z", 0.0, true)],
        );
        let b = per_user(
            "b",
            &[("x", 0.6, false), ("y", 0.1, true), ("z", 0.1, true)],
        );
        let (ra, rb) = (run("a", 1.0), run("b", 1.0));
        for (base, ch) in [((&ra, &a), (&rb, &b)), ((&rb, &b), (&ra, &a))] {
            let r = compare_runs(base, &[ch], None, &opts()).unwrap_or_else(|e| panic!("{e}"));
            let sizes: Vec<(&str, usize)> = r
                .segments
                .iter()
                .map(|s| (s.name.as_str(), s.shoppers))
                .collect();
            assert_eq!(sizes, vec![("all", 1), ("cold", 2)]);
        }
    }

    #[test]
    fn shoppers_missing_from_a_run_are_left_out_and_counted() {
        let base = per_user(
            "a",
            &[("x", 0.5, false), ("y", 0.2, false), ("z", 0.0, true)],
        );
        let ch = per_user("b", &[("x", 0.6, false), ("z", 0.1, true)]);
        let (ra, rb) = (run("a", 1.0), run("b", 1.0));
        let r = compare_runs((&ra, &base), &[(&rb, &ch)], None, &opts())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((r.shoppers, r.unpaired), (1, 1));
        assert_eq!(r.segments.last().map(|s| s.name.as_str()), Some("cold"));
        let bad = AbOptions {
            metrics: vec!["ndcg@99".into()],
            ..AbOptions::default()
        };
        let e = compare_runs((&ra, &base), &[(&rb, &ch)], None, &bad).expect_err("no column");
        assert!(e.to_string().contains("ndcg@99"), "{e}");
        let twice = compare_runs((&ra, &base), &[(&rb, &ch), (&rb, &ch)], None, &opts());
        assert!(
            twice.is_err(),
            "a challenger named twice would count twice in Holm"
        );
        let few = AbOptions {
            tests: PairedConfig {
                permutations: 19,
                ..PairedConfig::default()
            },
            ..opts()
        };
        assert!(compare_runs((&ra, &base), &[(&rb, &ch)], None, &few).is_err());
    }
}
