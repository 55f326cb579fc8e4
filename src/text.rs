//! Human-readable renderings of engine results for the terminal.
//! (Presentation belongs to the face; the engine returns plain data.)

use shoplab_engine::metrics::Metric;
use shoplab_engine::search::{FieldWeights, SearchEvalReport, SearchResults};
use shoplab_engine::store::{ImportRecord, StoreStats};

use crate::table::{num, render};

fn date(ts: Option<i64>) -> String {
    ts.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map_or_else(|| "-".to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// Data health in a few lines, then a warning per file whose import did not
/// finish.
pub fn stats(s: &StoreStats) -> String {
    let mut text = health(s);
    for i in &s.unfinished_imports {
        text.push_str(&format!(
            "warning: the last import of {} did not finish ({} after {} rows), so the project holds only part of it; run `shoplab import {}` again to resume\n",
            i.file.display(),
            i.status.as_str(),
            i.records_consumed,
            i.file.display()
        ));
    }
    text
}

fn health(s: &StoreStats) -> String {
    let kinds: Vec<String> = s
        .events_by_kind
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    format!(
        "{} items, {} users, {} events ({} to {}), {} judgments on {} queries\n\
         events by kind: {}\n\
         sparsity {:.3}%, cold users {} and cold items {} (fewer than {} item events), {} distinct searches\n\
         {} imports, {} rejected rows (see `shoplab imports`)\n",
        s.items,
        s.users,
        s.events,
        date(s.first_ts),
        date(s.last_ts),
        s.judgments,
        s.judged_queries,
        if kinds.is_empty() {
            "-".to_string()
        } else {
            kinds.join(", ")
        },
        s.sparsity * 100.0,
        s.cold_users,
        s.cold_items,
        shoplab_engine::store::COLD_THRESHOLD,
        s.distinct_queries,
        s.imports,
        s.rejected_rows
    )
}

/// One entry of the import log (a second line says why it stopped).
pub fn import_line(r: &ImportRecord) -> String {
    let mut line = format!(
        "#{} {} [{}] {}: {} accepted, {} rejected{} ({} items, {} users, {} events, {} judgments), started {}",
        r.id,
        r.file.display(),
        r.format,
        r.status.as_str(),
        r.accepted,
        r.rejected,
        if r.duplicates > 0 {
            format!(", {} duplicates of stored events skipped", r.duplicates)
        } else {
            String::new()
        },
        r.items,
        r.users,
        r.events,
        r.judgments,
        chrono::DateTime::from_timestamp(r.started_at, 0).map_or_else(
            || "-".to_string(),
            |d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string()
        )
    );
    if let Some(error) = &r.error {
        line.push_str(&format!("\n    {error}"));
    }
    line
}

/// Search hits as a table, then facets.
pub fn search_results(r: &SearchResults) -> String {
    let mut rows = vec![vec![
        "#".to_string(),
        "id".to_string(),
        "title".to_string(),
        "brand".to_string(),
        "category".to_string(),
        "price".to_string(),
        "score".to_string(),
    ]];
    for (i, h) in r.hits.iter().enumerate() {
        rows.push(vec![
            (i + 1).to_string(),
            h.id.clone(),
            h.title.clone(),
            h.brand.clone(),
            h.category.clone(),
            h.price.map_or_else(String::new, |p| format!("{p:.2}")),
            format!("{:.3}", h.score),
        ]);
    }
    let noun = if r.total_hits == 1 { "item" } else { "items" };
    let mut s = format!("{} matching {noun} ({} µs)\n", r.total_hits, r.took_us);
    if !r.hits.is_empty() {
        s.push_str(&render(&rows));
    }
    if r.total_hits == 0 && r.prefix.is_none() {
        s.push_str(
            "no item contains any of these words (--prefix also matches words starting with the last one)\n",
        );
    }
    if let Some(p) = &r.prefix {
        if p.terms.is_empty() {
            s.push_str(&format!(
                "no item contains a word starting with '{}'\n",
                p.word
            ));
        } else {
            s.push_str(&format!(
                "'{}' completed to: {}\n",
                p.word,
                p.terms.join(", ")
            ));
        }
    }
    for h in &r.hits {
        if let Some(e) = &h.explanation {
            s.push_str(&format!("\n{} {}:\n{}", h.id, h.title, score_breakdown(e)));
        }
    }
    let facet = |name: &str, list: &[shoplab_engine::search::FacetCount]| {
        if list.is_empty() {
            return String::new();
        }
        let parts: Vec<String> = list
            .iter()
            .take(8)
            .map(|f| format!("{} ({})", f.value, f.count))
            .collect();
        format!("{name}: {}\n", parts.join(", "))
    };
    s.push_str(&facet("categories", &r.facets.category));
    s.push_str(&facet("brands", &r.facets.brand));
    s
}

/// Search-quality means per K and latency.
pub fn search_eval(r: &SearchEvalReport) -> String {
    let mut rows = vec![
        std::iter::once("K".to_string())
            .chain(Metric::ALL.iter().map(|m| m.to_string()))
            .collect::<Vec<_>>(),
    ];
    for (k, m) in r.config.ks.iter().zip(&r.means) {
        rows.push(
            std::iter::once(k.to_string())
                .chain(Metric::ALL.iter().map(|x| num(Some(x.of(m)))))
                .collect(),
        );
    }
    let ranker = match r.config.ranker {
        shoplab_engine::search::RankerKind::Hybrid => {
            format!("hybrid ({})", r.config.fusion.label())
        }
        k => k.as_str().to_string(),
    };
    let encoding = r.query_encoding.as_ref().map_or(String::new(), |l| {
        format!(
            "encoding one query alone (add to the above): p50 {:.0} µs, p99 {:.0} µs\n",
            l.p50_us, l.p99_us
        )
    });
    format!(
        "Ranker {ranker}: {} queries judged ({} left out: nothing relevant; {} found nothing and score 0), {}, boosts {}\n{}latency per query: p50 {:.0} µs, p95 {:.0} µs, p99 {:.0} µs\n{encoding}",
        r.n_queries,
        r.n_skipped,
        r.n_no_hits,
        r.config.relevance.describe(),
        weights(&r.config.weights),
        render(&rows),
        r.latency.p50_us,
        r.latency.p95_us,
        r.latency.p99_us
    )
}

/// Field boosts as `title=2 description=0.5 ...`.
pub fn weights(w: &FieldWeights) -> String {
    w.named()
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A hit's score taken apart: one row per term and field, largest first,
/// with a bar proportional to its share, then the total and the filters.
pub fn score_breakdown(b: &shoplab_engine::search::ScoreBreakdown) -> String {
    const BAR: usize = 20;
    let mut rows = vec![vec![
        "term".to_string(),
        "field".to_string(),
        "boost".to_string(),
        "tf".to_string(),
        "idf".to_string(),
        "bm25".to_string(),
        "contribution".to_string(),
        String::new(),
    ]];
    let max = b
        .terms
        .iter()
        .map(|t| t.contribution)
        .fold(0.0f32, f32::max);
    for t in &b.terms {
        let n = if max > 0.0 {
            ((t.contribution / max) * BAR as f32).round() as usize
        } else {
            0
        };
        let term = if t.from_prefix {
            format!("{}*", t.term)
        } else {
            t.term.clone()
        };
        rows.push(vec![
            term,
            t.field.clone(),
            if t.scale == 1.0 {
                format!("{:.2}", t.field_weight)
            } else {
                format!("{:.2}×{}", t.field_weight, t.scale)
            },
            format!("{}", t.term_freq),
            format!("{:.3}", t.idf),
            format!("{:.3}", t.bm25),
            format!("{:.3}", t.contribution),
            "#".repeat(n.max(1)),
        ]);
    }
    let mut s = render(&rows);
    s.push_str(&format!("total {:.3} (score {:.3})\n", b.sum(), b.score));
    if b.terms.iter().any(|t| t.from_prefix) {
        s.push_str(&format!(
            "* completes the last word typed: only its best completion counts, at {} of its score\n",
            shoplab_engine::search::PREFIX_WEIGHT
        ));
    }
    for f in &b.filters {
        s.push_str(&format!("filter: {f} (adds 0)\n"));
    }
    s
}

/// A byte count in the largest unit that keeps it at least 1 (`12.3 MB`).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
