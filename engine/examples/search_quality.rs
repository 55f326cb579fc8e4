//! BM25 search quality on the Home Depot product search relevance data.
//!
//! ```text
//! cargo run --release -p shoplab-engine --example search_quality -- \
//!     ../shared/data/homedepot/train-public.csv
//! ```
//!
//! Reads the judgments file (Latin-1 CSV with columns
//! `id,product_uid,product_title,search_term,relevance`), indexes the product
//! titles, and prints NDCG@10 with the default field boosts and with boosts
//! tuned on the same judgments (grade = relevance - 1, so 1 = irrelevant),
//! under the default relevance setting (grade >= 1 relevant, gain
//! floor(grade), as trec_eval reads these grades) and under ShopLab's former
//! rule (any grade above 0, fractional gains).
#![allow(clippy::print_stdout)] // An example reports on standard output.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use shoplab_datasets::{CancelToken, Item, NoProgress};
use shoplab_engine::search::{
    GainMapping, Relevance, SearchEvalConfig, SearchIndex, WeightGrid, evaluate_search,
    tune_field_weights,
};

/// Splits one CSV text into records of fields (RFC 4180 quoting; the file is
/// small and regular, so a tiny parser keeps the example dependency-free).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "../shared/data/homedepot/train-public.csv".into()),
    );
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    // Latin-1: every byte is the code point of the same value.
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    let rows = parse_csv(&text);
    let mut items: Vec<Item> = Vec::new();
    let mut idx_of: HashMap<String, u32> = HashMap::new();
    let mut judgments = Vec::new();
    for (line, row) in rows.iter().enumerate().skip(1) {
        let [_, uid, title, query, relevance] = row.as_slice() else {
            return Err(format!("{}:{}: expected 5 columns", path.display(), line + 1).into());
        };
        let relevance: f64 = relevance.parse().map_err(|_| {
            format!(
                "{}:{} column 'relevance': '{relevance}' is not a number",
                path.display(),
                line + 1
            )
        })?;
        let idx = *idx_of.entry(uid.clone()).or_insert_with(|| {
            items.push(Item {
                id: uid.clone(),
                title: title.replace("&amp;", "&"),
                ..Item::default()
            });
            (items.len() - 1) as u32
        });
        judgments.push((query.clone(), idx, relevance - 1.0));
    }
    println!("{} judgments, {} products", judgments.len(), items.len());

    let dir = tempfile::tempdir()?;
    let index_dir = dir.path().join("index");
    let stats = SearchIndex::build(
        &index_dir,
        items.iter().enumerate().map(|(i, it)| (i as u32, it)),
        &NoProgress,
        &CancelToken::new(),
    )?;
    println!("indexed in {} ms", stats.took_ms);
    let index = SearchIndex::open(&index_dir)?;

    let ndcg10 = |r: &shoplab_engine::search::SearchEvalReport| {
        r.config
            .ks
            .iter()
            .position(|&k| k == 10)
            .map_or(f64::NAN, |i| r.means[i].ndcg)
    };
    let former = Relevance {
        min_grade: 0.0,
        gain: GainMapping::Grade,
    };
    for relevance in [Relevance::default(), former] {
        let config = SearchEvalConfig {
            relevance,
            ..SearchEvalConfig::default()
        };
        let report = evaluate_search(
            &index,
            &judgments,
            &config,
            &NoProgress,
            &CancelToken::new(),
        )?;
        println!(
            "default weights {:?}, {}: NDCG@10 = {:.4} over {} queries ({} skipped), latency p50 {:.0} us, p99 {:.0} us",
            config.weights,
            relevance.describe(),
            ndcg10(&report),
            report.n_queries,
            report.n_skipped,
            report.latency.p50_us,
            report.latency.p99_us
        );
    }

    let start = Instant::now();
    let tried = tune_field_weights(
        &index,
        &judgments,
        &WeightGrid::default(),
        &NoProgress,
        &CancelToken::new(),
    )?;
    let (best, best_ndcg) = tried.first().copied().ok_or("tuning tried nothing")?;
    println!(
        "tuned weights {best:?}: NDCG@10 = {best_ndcg:.4} ({} settings in {:.1} s)",
        tried.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
