//! `shoplab report`: one comparison as a folder a person can hand on.
//!
//! ```text
//! report.html        self-contained: styles and charts (SVG) inline, no script, nothing fetched
//! report.json        the A/B report and every compared run's record
//! significance.csv   one row per segment, challenger and metric: every paired figure
//! comparison.csv     one row per run: the comparison table's columns at full precision
//! trec/<run>.trec, trec/<run>.qrels.trec
//!                    each run's top-K lists and its test items (TREC run / qrels)
//! ```
//! The folder is written aside and renamed into place, so a report either
//! exists whole or not at all.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use shoplab_engine::ab::{AbCell, AbReport, Verdict};
use shoplab_engine::compare::{Column, protocol_text};
use shoplab_engine::metrics::{Metric, MetricAt};
use shoplab_engine::run::RunRecord;

use crate::Export;
use crate::chart::ChartFigure;
use crate::error::ExportError;
use crate::figure::{Figure, Pen, svg};
use crate::fonts::Fonts;
use crate::interval::{IntervalFigure, IntervalRow};
use crate::runs::{Shown, pick};

/// What a report shows and where it goes.
#[derive(Debug, Clone)]
pub struct ReportRequest<'a> {
    /// The shop's display name.
    pub project: &'a str,
    /// All of the project's runs, oldest first (labels and colours).
    pub all_runs: &'a [RunRecord],
    /// The comparison (baseline and challengers among `all_runs`).
    pub ab: &'a AbReport,
    /// Each compared run's folder (for its TREC files), by run id.
    pub run_dirs: &'a [(String, PathBuf)],
    /// The folder to create (must not exist yet).
    pub dir: &'a Path,
    /// A CJK font for run names in Chinese, when one is at hand.
    pub cjk_font: Option<&'a Path>,
}

/// A new folder for a report under `reports`: `report-<time>`, with
/// `-2`, `-3`, ... when reports are written within one second.
pub fn new_report_dir(reports: &Path) -> PathBuf {
    let base = format!("report-{}", chrono::Utc::now().format("%Y%m%d-%H%M%S"));
    let mut dir = reports.join(&base);
    let mut n = 2;
    while dir.exists() {
        dir = reports.join(format!("{base}-{n}"));
        n += 1;
    }
    dir
}

/// Writes the report folder; returns the path of `report.html`.
pub fn write_report(req: &ReportRequest<'_>) -> Result<PathBuf, ExportError> {
    let ids: Vec<String> = std::iter::once(&req.ab.baseline)
        .chain(&req.ab.challengers)
        .map(|r| r.id.clone())
        .collect();
    let shown = pick(req.all_runs, &ids)?;
    let parent = req.dir.parent().unwrap_or(Path::new("."));
    if req.dir.exists() {
        return Err(ExportError::Exists(req.dir.to_path_buf()));
    }
    if let Some(file) = parent.ancestors().find(|a| a.is_file()) {
        return Err(ExportError::CreateDir {
            path: req.dir.to_path_buf(),
            source: std::io::Error::other(format!("{} is a file, not a folder", file.display())),
        });
    }
    let create = |e| ExportError::CreateDir {
        path: req.dir.to_path_buf(),
        source: e,
    };
    std::fs::create_dir_all(parent).map_err(create)?;
    let tmp = parent.join(format!(
        ".{}.partial",
        req.dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("report")
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("trec")).map_err(create)?;
    let pen = Pen {
        fonts: Fonts::load(req.cjk_font).map_err(|reason| ExportError::Draw {
            what: req.dir.join("report.html"),
            reason,
        })?,
    };
    let write = |name: &str, bytes: &[u8]| -> Result<(), ExportError> {
        let path = tmp.join(name);
        std::fs::write(&path, bytes).map_err(|e| ExportError::io(&path, e))
    };
    let stamp = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();
    write("report.html", html(req, &shown, &pen, &stamp)?.as_bytes())?;
    let json = serde_json::json!({
        "project": req.project,
        "written": stamp,
        "ab": req.ab,
        "runs": shown.iter().map(|s| s.run).collect::<Vec<_>>(),
    });
    write(
        "report.json",
        serde_json::to_string_pretty(&json)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    write(
        "significance.csv",
        significance_csv(req.ab, &shown).as_bytes(),
    )?;
    write(
        "comparison.csv",
        crate::csv::table(&shown, &Column::defaults()).as_bytes(),
    )?;
    for (id, dir) in req.run_dirs {
        for (from, to) in [("run.trec", "trec"), ("qrels.trec", "qrels.trec")] {
            let src = dir.join(from);
            if src.is_file() {
                let dst = tmp.join("trec").join(format!("{id}.{to}"));
                std::fs::copy(&src, &dst).map_err(|e| ExportError::io(&dst, e))?;
            }
        }
    }
    std::fs::rename(&tmp, req.dir).map_err(|e| ExportError::io(req.dir, e))?;
    Ok(req.dir.join("report.html"))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn p_text(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

fn label_of<'a>(shown: &'a [Shown<'_>], id: &'a str) -> &'a str {
    shown
        .iter()
        .find(|s| s.run.id == id)
        .map_or(id, |s| s.label.as_str())
}

fn color_of(shown: &[Shown<'_>], id: &str) -> [u8; 3] {
    shown
        .iter()
        .find(|s| s.run.id == id)
        .map_or([120, 120, 120], |s| [s.color.0, s.color.1, s.color.2])
}

fn svg_of<F: Figure>(fig: &F, what: &Path) -> Result<String, ExportError> {
    let text = svg(fig).map_err(|reason| ExportError::Draw {
        what: what.to_path_buf(),
        reason,
    })?;
    // The document's XML prolog is not allowed inside HTML.
    Ok(match text.find("<svg") {
        Some(at) => text[at..].to_string(),
        None => text,
    })
}

fn verdict_word(c: &AbCell) -> &'static str {
    if c.test.wins + c.test.losses == 0 {
        return "identical per shopper";
    }
    c.verdict.label()
}

fn html(
    req: &ReportRequest<'_>,
    shown: &[Shown<'_>],
    pen: &Pen,
    stamp: &str,
) -> Result<String, ExportError> {
    let r = req.ab;
    let flips = r.options.tests.permutations;
    let what = req.dir.join("report.html");
    let base = label_of(shown, &r.baseline.id);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\n\
         <h1>{title}</h1>\n<p class=\"meta\">Shop <b>{project}</b> · written {stamp} by ShopLab {version} · \
         {n} shoppers paired{unpaired} · {boot} bootstrap resamples and {flips} sign flips, seed {seed}, \
         verdicts at alpha {alpha} after Holm's adjustment across the {k} challenger(s)</p>\n",
        title = esc(&format!(
            "Is the difference real? Challengers against {base}"
        )),
        project = esc(req.project),
        version = esc(&shoplab_engine::run::code_version()),
        n = r.shoppers,
        unpaired = if r.unpaired > 0 {
            format!(" ({} evaluated by some runs only, left out)", r.unpaired)
        } else {
            String::new()
        },
        boot = r.options.tests.bootstrap,
        seed = r.options.tests.seed,
        alpha = r.options.alpha,
        k = r.challengers.len(),
    );

    // The answer first, in sentences.
    h.push_str("<h2>In short</h2>\n<ul class=\"short\">\n");
    if let (Some(metric), Some(all)) = (r.metrics.first(), r.segments.first()) {
        for (ch, cells) in r.challengers.iter().zip(&all.cells) {
            let Some(c) = cells.first() else { continue };
            let t = &c.test;
            let said = match c.verdict {
                Verdict::Better => "is <b>better</b> than",
                Verdict::Worse => "is <b>worse</b> than",
                Verdict::NoClearDifference => "shows <b>no clear difference</b> from",
            };
            let _ = writeln!(
                h,
                "<li><span class=\"sw\" style=\"background:{}\"></span>{} {said} {} on {metric}: \
                 {:.4} vs {:.4}, difference {:+.4} [95% interval {:+.4}, {:+.4}]{}, p (Holm) {}; \
                 better for {} shoppers, worse for {}, equal for {}.</li>",
                css(color_of(shown, &ch.id)),
                esc(label_of(shown, &ch.id)),
                esc(base),
                t.mean_b,
                t.mean_a,
                t.mean_diff,
                t.ci_low,
                t.ci_high,
                t.relative_lift
                    .map_or(String::new(), |l| format!(", lift {:+.1}%", 100.0 * l)),
                bounded(c.p_holm, t.p_at_floor(flips)),
                t.wins,
                t.losses,
                t.ties
            );
        }
    }
    h.push_str("</ul>\n");
    for note in &r.notes {
        let _ = writeln!(h, "<p class=\"note\">Note: {}</p>", esc(note));
    }

    // Lift with intervals, every metric.
    if let Some(all) = r.segments.first() {
        let mut rows = Vec::new();
        for (ch, cells) in r.challengers.iter().zip(&all.cells) {
            for c in cells {
                rows.push(interval_row(
                    format!("{} · {}", label_of(shown, &ch.id), c.metric),
                    color_of(shown, &ch.id),
                    c,
                    flips,
                ));
            }
        }
        let fig = IntervalFigure::new(
            pen.clone(),
            "Difference from the baseline, with 95% intervals",
            &format!(
                "challenger − {base}, paired per shopper; the intervals are not adjusted for several challengers, the verdicts are (Holm)"
            ),
            "difference (challenger − baseline)",
            rows,
        );
        let _ = write!(
            h,
            "<h2>Lift with intervals</h2>\n<figure>{}</figure>\n",
            svg_of(&fig, &what)?
        );
        h.push_str(&cells_table(r, shown, all, flips));
    }

    // Segments: one forest plot for the first metric, then each table.
    if let Some(metric) = r.metrics.first() {
        let mut rows = Vec::new();
        for seg in &r.segments {
            for (ch, cells) in r.challengers.iter().zip(&seg.cells) {
                if let Some(c) = cells.first() {
                    rows.push(interval_row(
                        format!(
                            "{} · {} ({})",
                            segment_title(&seg.name),
                            label_of(shown, &ch.id),
                            seg.shoppers
                        ),
                        color_of(shown, &ch.id),
                        c,
                        flips,
                    ));
                }
            }
        }
        let fig = IntervalFigure::new(
            pen.clone(),
            &format!("{metric}: difference per segment"),
            "shopper segments (light / heavy / cold by training events) and item segments (head / tail items, categories)",
            &format!("difference in {metric} (challenger − baseline)"),
            rows,
        );
        let _ = write!(
            h,
            "<h2>Who gains: segments</h2>\n<p>Each segment is tested apart (Holm across challengers within it); \
             segments are not adjusted for each other, so read a single segment's verdict as a lead, not a finding.</p>\n\
             <figure>{}</figure>\n",
            svg_of(&fig, &what)?
        );
        for seg in r.segments.iter().skip(1) {
            let _ = writeln!(
                h,
                "<details><summary>{} — {} ({} shoppers)</summary>",
                esc(segment_title(&seg.name)),
                esc(&seg.description),
                seg.shoppers
            );
            h.push_str(&cells_table(r, shown, seg, flips));
            h.push_str("</details>\n");
        }
    }

    // The comparison's charts, as the Compare view draws them.
    h.push_str("<h2>Quality and cost</h2>\n<div class=\"charts\">\n");
    let ndcg10 = Column::Metric(MetricAt {
        metric: Metric::Ndcg,
        k: 10,
    });
    let recall10 = Column::Metric(MetricAt {
        metric: Metric::Recall,
        k: 10,
    });
    for (export, measure) in [
        (Export::MetricAtK, ndcg10),
        (Export::Bars, ndcg10),
        (Export::Scatter, recall10),
        (Export::LatencyCdf, ndcg10),
    ] {
        let fig = ChartFigure::new(&export, shown, measure, pen.clone(), stamp)?;
        let _ = writeln!(h, "<figure>{}</figure>", svg_of(&fig, &what)?);
    }
    h.push_str(
        "</div>\n<p class=\"note\">In the quality-vs-latency chart the dashed line joins the Pareto \
         front: the runs no other run beats on both recall@10 and p95 time.</p>\n",
    );
    h.push_str(&cost_table(r, shown));

    // Who moved most.
    if let Some(metric) = r.metrics.first() {
        h.push_str("<h2>Shoppers it helps and hurts most</h2>\n");
        for (ch, moved) in r.challengers.iter().zip(&r.moved) {
            let list = |v: &[shoplab_engine::ab::MovedShopper]| {
                if v.is_empty() {
                    return "nobody".to_string();
                }
                v.iter()
                    .map(|m| format!("{} {:.3}→{:.3}", esc(&m.user), m.baseline, m.challenger))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                h,
                "<p><b>{}</b> on {metric}: helped: {}<br>hurt: {}</p>",
                esc(label_of(shown, &ch.id)),
                list(&moved.helped),
                list(&moved.hurt)
            );
        }
        h.push_str("<p class=\"note\">`shoplab recommend --user ID --run RUN` (or the app's Recommend view) shows a shopper's history and each run's list.</p>\n");
    }

    // How each run was made and evaluated.
    h.push_str("<h2>The runs</h2>\n<ul>\n");
    for s in shown {
        let mut line = format!(
            "<li><span class=\"sw\" style=\"background:{}\"></span><b>{}</b> ({}, run {}): {}",
            css([s.color.0, s.color.1, s.color.2]),
            esc(&s.label),
            esc(&s.run.model),
            esc(&s.run.id),
            esc(&protocol_text(s.run))
        );
        if let Some(f) = &s.run.fusion {
            let names: Vec<String> = f
                .members
                .iter()
                .zip(&f.weights)
                .enumerate()
                .map(|(i, (m, w))| {
                    format!(
                        "{} {w:.2}",
                        f.member_names.get(i).map_or(m.as_str(), String::as_str)
                    )
                })
                .collect();
            let _ = write!(
                line,
                "<br>Fusion: {} of {} scores, weights {} ({}{}).",
                esc(&f.method),
                esc(&f.normalise),
                esc(&names.join(", ")),
                esc(&f.chosen_by),
                if f.tuned_on.is_empty() {
                    String::new()
                } else {
                    format!(
                        " search on the {} split: validation NDCG@10 {:.4} over {} shoppers",
                        f.tuned_on, f.validation_ndcg, f.validation_users
                    )
                }
            );
        }
        line.push_str("</li>\n");
        h.push_str(&line);
    }
    h.push_str("</ul>\n");
    h.push_str(METHODS);
    h.push_str(
        "<h2>Files</h2>\n<p>Beside this page: <code>report.json</code> (every number), \
         <code>significance.csv</code>, <code>comparison.csv</code>, and <code>trec/</code> with each run's \
         top-K lists and test items in TREC format (trec_eval, pytrec_eval and ranx score them as ShopLab did).</p>\n\
         </body></html>\n",
    );
    Ok(h)
}

/// A size as people read it: 812 B, 3.2 kB, 25.6 MB, 1.2 GB.
fn bytes(n: u64) -> String {
    let n = n as f64;
    if n < 1e3 {
        format!("{n} B")
    } else if n < 1e6 {
        format!("{:.1} kB", n / 1e3)
    } else if n < 1e9 {
        format!("{:.1} MB", n / 1e6)
    } else {
        format!("{:.2} GB", n / 1e9)
    }
}

fn css([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn bounded(p: f64, at_floor: bool) -> String {
    if at_floor {
        format!("≤ {}", p_text(p))
    } else {
        p_text(p)
    }
}

fn interval_row(label: String, color: [u8; 3], c: &AbCell, flips: usize) -> IntervalRow {
    IntervalRow {
        label,
        color,
        diff: c.test.mean_diff,
        low: c.test.ci_low,
        high: c.test.ci_high,
        note: format!(
            "{:+.4}  p Holm {}  {}",
            c.test.mean_diff,
            bounded(c.p_holm, c.test.p_at_floor(flips)),
            verdict_word(c)
        ),
    }
}

fn segment_title(name: &str) -> &str {
    match name {
        "all" => "all shoppers",
        "light" => "light shoppers",
        "heavy" => "heavy shoppers",
        "cold" => "cold shoppers",
        "head" => "head items",
        "tail" => "long-tail items",
        other => other.strip_prefix("category:").unwrap_or(other),
    }
}

fn cells_table(
    r: &AbReport,
    shown: &[Shown<'_>],
    seg: &shoplab_engine::ab::AbSegment,
    flips: usize,
) -> String {
    let mut h = String::from(
        "<table><tr><th>challenger</th><th>metric</th><th>baseline</th><th>challenger</th>\
         <th>difference [95% CI]</th><th>verdict</th><th>p Holm</th><th>win / tie / loss</th>\
         <th>lift</th><th>p (rand.)</th><th>p t-test</th><th>p Wilcoxon</th><th>d_z</th></tr>\n",
    );
    for (ch, cells) in r.challengers.iter().zip(&seg.cells) {
        for c in cells {
            let t = &c.test;
            let floor = t.p_at_floor(flips);
            let class = match c.verdict {
                Verdict::Better => "better",
                Verdict::Worse => "worse",
                Verdict::NoClearDifference => "none",
            };
            let _ = writeln!(
                h,
                "<tr><td><span class=\"sw\" style=\"background:{}\"></span>{}</td><td>{}</td>\
                 <td>{:.4}</td><td>{:.4}</td><td>{:+.4} [{:+.4}, {:+.4}]</td>\
                 <td class=\"{class}\">{}</td><td>{}</td><td>{} / {} / {}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td>{}</td><td>{}</td></tr>",
                css(color_of(shown, &ch.id)),
                esc(label_of(shown, &ch.id)),
                esc(&c.metric),
                t.mean_a,
                t.mean_b,
                t.mean_diff,
                t.ci_low,
                t.ci_high,
                verdict_word(c),
                bounded(c.p_holm, floor),
                t.wins,
                t.ties,
                t.losses,
                t.relative_lift
                    .map_or("-".into(), |l| format!("{:+.1}%", 100.0 * l)),
                bounded(t.p_value, floor),
                t.t_p_value.map_or("-".into(), p_text),
                p_text(t.wilcoxon_p_value),
                t.effect_size.map_or("-".into(), |d| format!("{d:+.2}")),
            );
        }
    }
    h.push_str("</table>\n");
    h
}

fn cost_table(r: &AbReport, shown: &[Shown<'_>]) -> String {
    let mut h = String::from(
        "<table><tr><th>run</th><th>training (s)</th><th>p50 (ms)</th><th>p95 (ms)</th>\
         <th>p99 (ms)</th><th>model size</th><th>Pareto front</th></tr>\n",
    );
    for run in std::iter::once(&r.baseline).chain(&r.challengers) {
        let _ = writeln!(
            h,
            "<tr><td><span class=\"sw\" style=\"background:{}\"></span>{}</td><td>{:.2}</td><td>{:.2}</td>\
             <td>{:.2}</td><td>{:.2}</td><td>{}</td><td>{}</td></tr>",
            css(color_of(shown, &run.id)),
            esc(label_of(shown, &run.id)),
            run.train_seconds,
            run.latency_p50_us / 1e3,
            run.latency_p95_us / 1e3,
            run.latency_p99_us / 1e3,
            bytes(run.model_bytes),
            if run.pareto { "yes" } else { "" }
        );
    }
    h.push_str(
        "</table>\n<p class=\"note\">Pareto front: no other run is at least as good on the first metric \
         and on p99 latency and better on one. Latency is per shopper while the run was evaluated, on the \
         machine that ran it.</p>\n",
    );
    h
}

/// Every cell of every segment as CSV rows.
fn significance_csv(r: &AbReport, shown: &[Shown<'_>]) -> String {
    let mut out = String::from(
        "segment,segment_shoppers,baseline,challenger,metric,baseline_mean,challenger_mean,difference,\
         ci_low,ci_high,relative_lift,p_randomisation,p_holm,p_t_test,t_ci_low,t_ci_high,p_wilcoxon,\
         effect_size_dz,wins,ties,losses,verdict\n",
    );
    let field = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let opt = |v: Option<f64>| v.map_or(String::new(), |x| x.to_string());
    for seg in &r.segments {
        for (ch, cells) in r.challengers.iter().zip(&seg.cells) {
            for c in cells {
                let t = &c.test;
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                    field(&seg.name),
                    seg.shoppers,
                    field(label_of(shown, &r.baseline.id)),
                    field(label_of(shown, &ch.id)),
                    field(&c.metric),
                    t.mean_a,
                    t.mean_b,
                    t.mean_diff,
                    t.ci_low,
                    t.ci_high,
                    opt(t.relative_lift),
                    t.p_value,
                    c.p_holm,
                    opt(t.t_p_value),
                    t.t_ci_low,
                    t.t_ci_high,
                    t.wilcoxon_p_value,
                    opt(t.effect_size),
                    t.wins,
                    t.ties,
                    t.losses,
                    verdict_word(c)
                );
            }
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;\
max-width:1180px;margin:24px auto;padding:0 16px;color:#212121;line-height:1.45}\
h1{font-size:26px}h2{font-size:20px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}\
.meta,.note{color:#555;font-size:14px}table{border-collapse:collapse;font-size:12.5px;margin:8px 0;\
display:block;overflow-x:auto}th,td{border-bottom:1px solid #e4e4e4;padding:3px 6px;text-align:right;\
white-space:nowrap}th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}\
.sw{display:inline-block;width:11px;height:11px;margin-right:6px;border-radius:2px;vertical-align:baseline}\
.better{color:#1b7f3b;font-weight:600}.worse{color:#b3261e;font-weight:600}.none{color:#666}\
figure{margin:12px 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}\
.charts figure svg{width:100%}\
details{margin:6px 0}summary{cursor:pointer;font-weight:600}ul.short li{margin:6px 0}";

const METHODS: &str = "<h2>How to read this</h2>\n<ul>\n\
<li><b>Paired per shopper.</b> Every shopper evaluated by all runs contributes one difference \
(challenger − baseline) per metric; the tests ask whether the mean difference could be zero.</li>\n\
<li><b>95% interval</b>: the 2.5th to 97.5th percentile of the mean difference over bootstrap \
resamples of the shoppers. An interval clear of zero is a difference the data supports.</li>\n\
<li><b>p (rand.)</b>: two-sided randomisation (sign-flip) test; exact over every sign assignment up \
to 16 shoppers. <b>p t-test</b> and <b>p Wilcoxon</b> are the paired t-test and the Wilcoxon \
signed-rank test, given for readers who expect them; the verdict uses the randomisation test.</li>\n\
<li><b>p Holm</b>: Holm's step-down adjustment across the challengers, per metric and segment, so \
testing several runs at once does not manufacture wins.</li>\n\
<li><b>d_z</b>: mean difference over the standard deviation of the differences (0.2 small, 0.5 \
medium). <b>Lift</b>: the difference relative to the baseline's mean.</li>\n\
<li><b>Fused runs</b> choose their weights on the validation split, never the test split these \
figures come from.</li>\n</ul>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_csv_fields_quoted() {
        assert_eq!(esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(css([255, 0, 16]), "#ff0010");
        assert_eq!(bounded(0.0001, true), "≤ 0.0001");
    }
}
