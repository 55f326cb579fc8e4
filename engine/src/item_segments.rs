//! Item segments of an A/B comparison: head vs long-tail items and the
//! catalogue's top-level categories.
//!
//! A shopper's value on a segment is the metric computed over the test
//! items of that segment alone (recall@10 of the tail = the share of the
//! shopper's long-tail test items in the top 10), from each run's stored
//! top-K list (`run.trec`) and the split's test items (`qrels.trec`), so
//! no run is scored again. Items outside the segment still take places in
//! the list: a run that fills the top 10 with head items scores low on the
//! tail. Shoppers without a test item in a segment are not paired on it.
//! NDCG, recall, hit, precision and MRR are computed this way (binary
//! relevance, the evaluation's definitions); other metrics have no item
//! segments.

use std::collections::{HashMap, HashSet};

use crate::ab::{AbOptions, AbReport, AbSegment, Table, cells};
use crate::error::Result;

/// Share of the items with training events that count as the head.
pub const HEAD_SHARE: f64 = 0.2;

/// Categories shown as segments, most test items first.
pub const MAX_CATEGORIES: usize = 6;

/// A named set of items (TREC document tokens).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemSegment {
    /// `head`, `tail` or `category:NAME`.
    pub name: String,
    /// Which items, in words.
    pub description: String,
    /// The items' TREC tokens.
    pub items: HashSet<String>,
}

/// Head (the most chosen [`HEAD_SHARE`] of the items with training events)
/// and tail (every other item, including those never chosen in training),
/// from training counts per item index and each item's token.
pub fn head_tail(train_counts: &[u32], tokens: &[String]) -> Vec<ItemSegment> {
    let mut chosen: Vec<usize> = (0..train_counts.len())
        .filter(|&i| train_counts[i] > 0)
        .collect();
    if chosen.is_empty() {
        return Vec::new();
    }
    // Most chosen first; the lower index first among equals, so the cut is stable.
    chosen.sort_by(|&a, &b| train_counts[b].cmp(&train_counts[a]).then(a.cmp(&b)));
    let n_head = ((chosen.len() as f64 * HEAD_SHARE).ceil() as usize).max(1);
    let head: HashSet<usize> = chosen[..n_head].iter().copied().collect();
    let events: u64 = chosen.iter().map(|&i| u64::from(train_counts[i])).sum();
    let head_events: u64 = head.iter().map(|&i| u64::from(train_counts[i])).sum();
    let share = 100.0 * head_events as f64 / events.max(1) as f64;
    let pick = |in_head: bool| -> HashSet<String> {
        tokens
            .iter()
            .enumerate()
            .filter(|(i, _)| head.contains(i) == in_head)
            .map(|(_, t)| t.clone())
            .collect()
    };
    vec![
        ItemSegment {
            name: "head".into(),
            description: format!(
                "test items among the {n_head} most chosen in training (the top {:.0}% of items, {share:.0}% of training events)",
                100.0 * HEAD_SHARE
            ),
            items: pick(true),
        },
        ItemSegment {
            name: "tail".into(),
            description: format!(
                "test items outside the head ({} items, including those never chosen in training)",
                tokens.len() - n_head
            ),
            items: pick(false),
        },
    ]
}

/// One segment per top-level category, the [`MAX_CATEGORIES`] with the
/// most test items (`qrels`) first (ties by name), and how many smaller
/// categories were left out; items without a category are in none.
pub fn categories(
    top_level: &[String],
    tokens: &[String],
    qrels: &HashMap<String, Vec<String>>,
) -> (Vec<ItemSegment>, usize) {
    let of: HashMap<&str, &str> = tokens
        .iter()
        .zip(top_level)
        .filter(|(_, c)| !c.is_empty())
        .map(|(t, c)| (t.as_str(), c.as_str()))
        .collect();
    let mut test_items: HashMap<&str, usize> = HashMap::new();
    for docs in qrels.values() {
        for d in docs {
            if let Some(c) = of.get(d.as_str()) {
                *test_items.entry(c).or_default() += 1;
            }
        }
    }
    let mut ranked: Vec<(&str, usize)> = test_items.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if ranked.len() < 2 {
        return (Vec::new(), 0); // one category is the whole catalogue
    }
    let left_out = ranked.len().saturating_sub(MAX_CATEGORIES);
    let segments = ranked
        .iter()
        .take(MAX_CATEGORIES)
        .map(|&(cat, n)| ItemSegment {
            name: format!("category:{cat}"),
            description: format!("test items in the category {cat} ({n} test pairs)"),
            items: of
                .iter()
                .filter(|(_, c)| **c == cat)
                .map(|(t, _)| t.to_string())
                .collect(),
        })
        .collect();
    (segments, left_out)
}

/// A metric these segments can compute: its name and cut-off.
fn parse_metric(m: &str) -> Option<(&str, usize)> {
    let (name, k) = m.split_once('@')?;
    let k: usize = k.parse().ok()?;
    matches!(name, "ndcg" | "recall" | "hit" | "precision" | "mrr").then_some((name, k))
}

/// `metric@k` of `ranked` against `relevant` (binary), as the evaluation
/// defines them.
fn value(name: &str, k: usize, ranked: &[String], relevant: &HashSet<&str>) -> f64 {
    let top = &ranked[..k.min(ranked.len())];
    let hits: Vec<usize> = top
        .iter()
        .enumerate()
        .filter(|(_, d)| relevant.contains(d.as_str()))
        .map(|(r, _)| r)
        .collect();
    match name {
        "recall" => hits.len() as f64 / relevant.len() as f64,
        "hit" => f64::from(u8::from(!hits.is_empty())),
        "precision" => hits.len() as f64 / k as f64,
        "mrr" => hits.first().map_or(0.0, |&r| 1.0 / (r + 1) as f64),
        _ => {
            let dcg: f64 = hits.iter().map(|&r| 1.0 / ((r + 2) as f64).log2()).sum();
            let ideal: f64 = (0..relevant.len().min(k))
                .map(|r| 1.0 / ((r + 2) as f64).log2())
                .sum();
            // + 0.0: an empty float sum is -0.0, which would print as "-0.0000".
            dcg / ideal + 0.0
        }
    }
}

/// Appends one segment per item segment to `report`: every run's lists
/// (`lists`, baseline first, shopper token → ranked item tokens) scored on
/// that segment's test items (`qrels`), paired over the shoppers every run
/// listed who have a test item in it, Holm-adjusted across challengers as
/// the other segments are. Nothing is added when a metric is not one of
/// NDCG, recall, hit, precision or MRR.
pub fn add_item_segments(
    report: &mut AbReport,
    lists: &[HashMap<String, Vec<String>>],
    qrels: &HashMap<String, Vec<String>>,
    segments: &[ItemSegment],
    options: &AbOptions,
) -> Result<()> {
    let Some(metrics) = options
        .metrics
        .iter()
        .map(|m| parse_metric(m))
        .collect::<Option<Vec<_>>>()
    else {
        let other: Vec<&str> = options
            .metrics
            .iter()
            .filter(|m| parse_metric(m).is_none())
            .map(String::as_str)
            .collect();
        report.notes.push(format!(
            "no item segments (head, tail, categories): they are computed for ndcg, recall, hit, \
             precision and mrr at a cut-off, not for {}; compare those metrics apart to see them",
            other.join(", ")
        ));
        return Ok(());
    };
    let Some(base) = lists.first() else {
        return Ok(());
    };
    // Shoppers every run listed, in a stable order.
    let mut users: Vec<&str> = base
        .keys()
        .map(String::as_str)
        .filter(|u| lists.iter().all(|l| l.contains_key(*u)) && qrels.contains_key(*u))
        .collect();
    users.sort_unstable();
    for seg in segments {
        let relevant: HashMap<&str, HashSet<&str>> = users
            .iter()
            .map(|&u| {
                let rel: HashSet<&str> = qrels[u]
                    .iter()
                    .map(String::as_str)
                    .filter(|d| seg.items.contains(*d))
                    .collect();
                (u, rel)
            })
            .filter(|(_, rel)| !rel.is_empty())
            .collect();
        let seg_users: Vec<&str> = users
            .iter()
            .copied()
            .filter(|u| relevant.contains_key(u))
            .collect();
        if seg_users.is_empty() {
            continue;
        }
        let tables: Vec<Table<'_>> = lists
            .iter()
            .map(|l| {
                seg_users
                    .iter()
                    .map(|&u| {
                        let v = metrics
                            .iter()
                            .map(|&(name, k)| value(name, k, &l[u], &relevant[u]))
                            .collect();
                        (u, (false, v))
                    })
                    .collect()
            })
            .collect();
        report.segments.push(AbSegment {
            name: seg.name.clone(),
            description: seg.description.clone(),
            shoppers: seg_users.len(),
            cells: cells(&tables, &seg_users, options)?,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("i{i}")).collect()
    }

    #[test]
    fn head_is_the_most_chosen_fifth_and_tail_the_rest() {
        // 10 items chosen in training (one never): the head is the 2 most chosen.
        let counts = [5, 1, 9, 1, 1, 1, 1, 1, 1, 1, 0];
        let s = head_tail(&counts, &toks(11));
        assert_eq!(s[0].items, ["i2", "i0"].map(String::from).into());
        assert_eq!(s[1].items.len(), 9);
        assert!(s[1].items.contains("i10"), "never chosen is tail");
        assert!(s[0].description.contains("64%"), "{}", s[0].description);
    }

    #[test]
    fn segment_values_count_only_the_segments_test_items() {
        let ranked: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let rel: HashSet<&str> = ["b", "z"].into();
        assert_eq!(value("recall", 2, &ranked, &rel), 0.5);
        assert_eq!(value("hit", 1, &ranked, &rel), 0.0);
        assert_eq!(value("mrr", 4, &ranked, &rel), 0.5);
        assert_eq!(value("precision", 4, &ranked, &rel), 0.25);
        let ndcg = value("ndcg", 4, &ranked, &rel);
        let want = (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg - want).abs() < 1e-12);
        assert!(parse_metric("auc").is_none() && parse_metric("map@10").is_none());
    }

    proptest::proptest! {
        /// With every item in the segment, a shopper's segment value is the
        /// evaluation's own metric (metrics.rs) of the same list.
        #[test]
        fn a_segment_of_every_item_reproduces_the_evaluation(
            ranked in proptest::collection::vec(0u32..30, 0..25),
            relevant in proptest::collection::btree_set(0u32..30, 1..8),
            k in 1usize..20,
        ) {
            let mut seen = HashSet::new();
            let ranked: Vec<u32> = ranked.into_iter().filter(|i| seen.insert(*i)).collect();
            let want = crate::metrics::metrics_at(
                &ranked,
                &crate::metrics::Qrels::binary(relevant.iter().copied()),
                k,
            );
            let tokens: Vec<String> = ranked.iter().map(|i| format!("i{i}")).collect();
            let rel_tokens: Vec<String> = relevant.iter().map(|i| format!("i{i}")).collect();
            let rel: HashSet<&str> = rel_tokens.iter().map(String::as_str).collect();
            for (name, w) in [
                ("ndcg", want.ndcg),
                ("recall", want.recall),
                ("hit", want.hit),
                ("precision", want.precision),
                ("mrr", want.mrr),
            ] {
                let got = value(name, k, &tokens, &rel);
                proptest::prop_assert!((got - w).abs() < 1e-12, "{} {} vs {}", name, got, w);
            }
        }
    }

    #[test]
    fn categories_rank_by_test_items_and_need_two() {
        let cats: Vec<String> = ["A", "B", "B", ""].map(String::from).to_vec();
        let q = HashMap::from([(
            "u".to_string(),
            vec!["i1".to_string(), "i2".into(), "i0".into()],
        )]);
        let (s, left_out) = categories(&cats, &toks(4), &q);
        assert_eq!(s[0].name, "category:B");
        assert_eq!(s[1].name, "category:A");
        assert_eq!(left_out, 0);
        let (one, _) = categories(&["A".to_string()], &toks(1), &q);
        assert!(one.is_empty());
    }
}
