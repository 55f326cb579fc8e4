//! Ranking metrics at a cut-off K, defined as trec_eval and ranx define them.
//!
//! For one ranked list and the judged items of one user (or query):
//! - `precision@K` = relevant in the top K / K (K, not the list length, even
//!   when fewer than K items were returned — as trec_eval's `P_K`).
//! - `recall@K` = relevant in the top K / all relevant.
//! - `f1@K` = harmonic mean of precision@K and recall@K (0 when both are 0).
//! - `hit@K` = 1 when at least one relevant item is in the top K.
//! - `mrr@K` = 1 / rank of the first relevant item in the top K, else 0.
//! - `map@K` = sum of precision@i at each relevant rank i <= K, divided by
//!   all relevant (trec_eval's `map_cut_K`, ranx's `map@K`).
//! - `ndcg@K` = DCG@K / IDCG@K with linear gain (`gain / log2(rank + 1)`),
//!   the ideal list built from all judged items (ranx's `ndcg`, trec_eval's
//!   `ndcg_cut_K`).
//!
//! An item is relevant when its gain is above 0. A user with nothing relevant
//! gets 0 for every metric; the evaluation leaves such users out of averages
//! and says how many it left out.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Judged items of one user or query: item index and gain (> 0 = relevant).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Qrels {
    /// Sorted ascending, no repeats.
    items: Vec<u32>,
    gains: Vec<f64>,
    /// Gains sorted descending, for the ideal DCG.
    ideal: Vec<f64>,
}

impl Qrels {
    /// From (item, gain) pairs; repeated items keep the highest gain.
    pub fn from_pairs(mut pairs: Vec<(u32, f64)>) -> Self {
        pairs.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        pairs.dedup_by_key(|p| p.0);
        let items = pairs.iter().map(|p| p.0).collect();
        let gains: Vec<f64> = pairs.iter().map(|p| p.1).collect();
        let mut ideal: Vec<f64> = gains.iter().copied().filter(|&g| g > 0.0).collect();
        ideal.sort_by(|a, b| b.total_cmp(a));
        Qrels {
            items,
            gains,
            ideal,
        }
    }

    /// Every listed item relevant with gain 1 (implicit feedback).
    pub fn binary(items: impl IntoIterator<Item = u32>) -> Self {
        Self::from_pairs(items.into_iter().map(|i| (i, 1.0)).collect())
    }

    /// Gain of an item (0 when not judged).
    pub fn gain(&self, item: u32) -> f64 {
        match self.items.binary_search(&item) {
            Ok(i) => self.gains[i],
            Err(_) => 0.0,
        }
    }

    /// Number of relevant items (gain > 0).
    pub fn n_relevant(&self) -> usize {
        self.ideal.len()
    }

    /// Judged items (relevant or not), ascending.
    pub fn items(&self) -> &[u32] {
        &self.items
    }
}

/// The ranking metrics ShopLab reports at a cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Relevant in top K over K.
    Precision,
    /// Relevant in top K over all relevant.
    Recall,
    /// Harmonic mean of precision and recall.
    F1,
    /// Any relevant in top K.
    Hit,
    /// Reciprocal rank of the first relevant item.
    Mrr,
    /// Mean average precision.
    Map,
    /// Normalised discounted cumulative gain.
    Ndcg,
}

impl Metric {
    /// All ranking metrics in display order.
    pub const ALL: [Metric; 7] = [
        Metric::Precision,
        Metric::Recall,
        Metric::F1,
        Metric::Hit,
        Metric::Mrr,
        Metric::Map,
        Metric::Ndcg,
    ];

    /// Lowercase name as used in `ndcg@10`.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Precision => "precision",
            Metric::Recall => "recall",
            Metric::F1 => "f1",
            Metric::Hit => "hit",
            Metric::Mrr => "mrr",
            Metric::Map => "map",
            Metric::Ndcg => "ndcg",
        }
    }

    /// The metric's value in a computed set.
    pub fn of(self, m: &MetricSet) -> f64 {
        match self {
            Metric::Precision => m.precision,
            Metric::Recall => m.recall,
            Metric::F1 => m.f1,
            Metric::Hit => m.hit,
            Metric::Mrr => m.mrr,
            Metric::Map => m.map,
            Metric::Ndcg => m.ndcg,
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        Metric::ALL
            .into_iter()
            .find(|m| m.as_str() == s || (s == "hit_rate" && *m == Metric::Hit))
            .ok_or_else(|| {
                format!(
                    "unknown metric '{s}' (expected precision, recall, f1, hit, mrr, map or ndcg)"
                )
            })
    }
}

/// A metric at a cut-off, e.g. `ndcg@10`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MetricAt {
    /// Which metric.
    pub metric: Metric,
    /// Cut-off K.
    pub k: usize,
}

impl fmt::Display for MetricAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.metric, self.k)
    }
}

impl FromStr for MetricAt {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (m, k) = s
            .split_once('@')
            .ok_or_else(|| format!("'{s}' is not of the form metric@K, e.g. ndcg@10"))?;
        let k: usize = k
            .trim()
            .parse()
            .map_err(|_| format!("'{k}' in '{s}' is not a cut-off K (a positive whole number)"))?;
        if k == 0 {
            return Err(format!("K must be at least 1 in '{s}'"));
        }
        Ok(MetricAt {
            metric: m.parse()?,
            k,
        })
    }
}

/// All ranking metrics of one list at one cut-off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricSet {
    /// precision@K
    pub precision: f64,
    /// recall@K
    pub recall: f64,
    /// f1@K
    pub f1: f64,
    /// hit@K
    pub hit: f64,
    /// mrr@K
    pub mrr: f64,
    /// map@K
    pub map: f64,
    /// ndcg@K
    pub ndcg: f64,
}

impl MetricSet {
    /// Adds another set field by field (for averaging).
    pub fn add(&mut self, o: &MetricSet) {
        self.precision += o.precision;
        self.recall += o.recall;
        self.f1 += o.f1;
        self.hit += o.hit;
        self.mrr += o.mrr;
        self.map += o.map;
        self.ndcg += o.ndcg;
    }

    /// Divides every field by `n` (no-op for 0).
    pub fn scale(&mut self, n: f64) {
        if n == 0.0 {
            return;
        }
        self.precision /= n;
        self.recall /= n;
        self.f1 /= n;
        self.hit /= n;
        self.mrr /= n;
        self.map /= n;
        self.ndcg /= n;
    }
}

/// Metrics of `ranked` (best first; may be shorter than K) at cut-off `k`.
pub fn metrics_at(ranked: &[u32], qrels: &Qrels, k: usize) -> MetricSet {
    metrics_at_many(ranked, qrels, &[k])[0]
}

/// Metrics at several cut-offs in one pass over the list.
pub fn metrics_at_many(ranked: &[u32], qrels: &Qrels, ks: &[usize]) -> Vec<MetricSet> {
    let n_rel = qrels.n_relevant();
    if n_rel == 0 {
        return vec![MetricSet::default(); ks.len()];
    }
    let max_k = ks.iter().copied().max().unwrap_or(0);
    // Running sums per rank, read off at each K.
    let mut hits = 0usize;
    let mut first_hit: Option<usize> = None;
    let mut ap_sum = 0.0;
    let mut dcg = 0.0;
    let mut at = Vec::with_capacity(max_k + 1); // (hits, ap_sum, dcg) after rank r
    at.push((0usize, 0.0f64, 0.0f64));
    for (r, &item) in ranked.iter().take(max_k).enumerate() {
        let rank = r + 1;
        let g = qrels.gain(item);
        if g > 0.0 {
            hits += 1;
            first_hit.get_or_insert(rank);
            ap_sum += hits as f64 / rank as f64;
            dcg += g / ((rank + 1) as f64).log2();
        }
        at.push((hits, ap_sum, dcg));
    }
    ks.iter()
        .map(|&k| {
            let (h, ap, d) = at[k.min(at.len() - 1)];
            let idcg: f64 = qrels
                .ideal
                .iter()
                .take(k)
                .enumerate()
                .map(|(i, g)| g / ((i + 2) as f64).log2())
                .sum();
            let precision = h as f64 / k as f64;
            let recall = h as f64 / n_rel as f64;
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            MetricSet {
                precision,
                recall,
                f1,
                hit: if h > 0 { 1.0 } else { 0.0 },
                mrr: first_hit
                    .filter(|&r| r <= k)
                    .map_or(0.0, |r| 1.0 / r as f64),
                map: ap / n_rel as f64,
                ndcg: if idcg > 0.0 { d / idcg } else { 0.0 },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn hand_computed_binary_example() {
        // Relevant: 3, 7, 9. Ranked: 7 x 3 x x (9 not retrieved).
        let q = Qrels::binary([3, 7, 9]);
        let m = metrics_at(&[7, 1, 3, 4, 5], &q, 5);
        assert!(close(m.precision, 2.0 / 5.0));
        assert!(close(m.recall, 2.0 / 3.0));
        assert!(close(m.f1, 2.0 * 0.4 * (2.0 / 3.0) / (0.4 + 2.0 / 3.0)));
        assert!(close(m.hit, 1.0));
        assert!(close(m.mrr, 1.0));
        assert!(close(m.map, (1.0 + 2.0 / 3.0) / 3.0));
        let dcg = 1.0 + 1.0 / 4f64.log2();
        let idcg = 1.0 + 1.0 / 3f64.log2() + 1.0 / 4f64.log2();
        assert!(close(m.ndcg, dcg / idcg));
    }

    #[test]
    fn shorter_list_than_k_divides_precision_by_k() {
        let q = Qrels::binary([1]);
        let m = metrics_at(&[1], &q, 10);
        assert!(close(m.precision, 0.1));
        assert!(close(m.ndcg, 1.0));
    }

    #[test]
    fn graded_ndcg_uses_linear_gains() {
        let q = Qrels::from_pairs(vec![(1, 2.0), (2, 1.0), (3, 0.0)]);
        let m = metrics_at(&[2, 1, 3], &q, 3);
        let dcg = 1.0 + 2.0 / 3f64.log2();
        let idcg = 2.0 + 1.0 / 3f64.log2();
        assert!(close(m.ndcg, dcg / idcg));
        // Item 3 is judged but not relevant.
        assert_eq!(q.n_relevant(), 2);
    }

    #[test]
    fn nothing_relevant_gives_zeros() {
        let m = metrics_at(&[1, 2], &Qrels::binary([]), 5);
        assert_eq!(m, MetricSet::default());
    }

    #[test]
    fn parse_metric_at() {
        let m: MetricAt = "NDCG@10".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.to_string(), "ndcg@10");
        assert!("ndcg@0".parse::<MetricAt>().is_err());
        assert!("ndcg".parse::<MetricAt>().is_err());
    }
}

/// Values from ranx, cross-checked with pytrec_eval (trec_eval), printed by
/// `bench/peers/metric_reference.py`; the cases are repeated there.
#[cfg(test)]
mod reference_tests {
    use super::*;

    /// (case, K, [precision, recall, f1, hit, mrr, map, ndcg]).
    const REFERENCE: &[(&str, usize, [f64; 7])] = &[
        (
            "binary",
            1,
            [
                1.0,
                0.3333333333333333,
                0.5,
                1.0,
                1.0,
                0.3333333333333333,
                1.0,
            ],
        ),
        (
            "binary",
            3,
            [
                0.6666666666666666,
                0.6666666666666666,
                0.6666666666666666,
                1.0,
                1.0,
                0.5555555555555555,
                0.7039180890341347,
            ],
        ),
        (
            "binary",
            5,
            [
                0.4,
                0.6666666666666666,
                0.5,
                1.0,
                1.0,
                0.5555555555555555,
                0.7039180890341347,
            ],
        ),
        (
            "binary",
            10,
            [
                0.2,
                0.6666666666666666,
                0.30769230769230765,
                1.0,
                1.0,
                0.5555555555555555,
                0.7039180890341347,
            ],
        ),
        (
            "graded",
            1,
            [
                1.0,
                0.3333333333333333,
                0.5,
                1.0,
                1.0,
                0.3333333333333333,
                0.3333333333333333,
            ],
        ),
        (
            "graded",
            3,
            [
                0.6666666666666666,
                0.6666666666666666,
                0.6666666666666666,
                1.0,
                1.0,
                0.6666666666666666,
                0.4749950106150897,
            ],
        ),
        (
            "graded",
            5,
            [
                0.6,
                1.0,
                0.7499999999999999,
                1.0,
                1.0,
                0.8666666666666667,
                0.7187145953619216,
            ],
        ),
        (
            "graded",
            10,
            [
                0.3,
                1.0,
                0.4615384615384615,
                1.0,
                1.0,
                0.8666666666666667,
                0.7187145953619216,
            ],
        ),
        ("no_hit", 1, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        ("no_hit", 5, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        (
            "short_list",
            1,
            [1.0, 0.5, 0.6666666666666666, 1.0, 1.0, 0.5, 1.0],
        ),
        (
            "short_list",
            5,
            [
                0.2,
                0.5,
                0.28571428571428575,
                1.0,
                1.0,
                0.5,
                0.6131471927654584,
            ],
        ),
        (
            "short_list",
            10,
            [
                0.1,
                0.5,
                0.16666666666666669,
                1.0,
                1.0,
                0.5,
                0.6131471927654584,
            ],
        ),
        (
            "late_hits",
            5,
            [
                0.2,
                0.25,
                0.22222222222222224,
                1.0,
                0.3333333333333333,
                0.08333333333333333,
                0.19519002499605084,
            ],
        ),
        (
            "late_hits",
            10,
            [
                0.3,
                0.75,
                0.4285714285714285,
                1.0,
                0.3333333333333333,
                0.24166666666666664,
                0.4470913458557617,
            ],
        ),
        (
            "late_hits",
            20,
            [
                0.2,
                1.0,
                0.33333333333333337,
                1.0,
                0.3333333333333333,
                0.32499999999999996,
                0.5525869300908721,
            ],
        ),
    ];

    /// The judged items and ranked list of each case.
    fn case(name: &str) -> (Qrels, Vec<u32>) {
        match name {
            "binary" => (Qrels::binary([3, 7, 9]), vec![7, 1, 3, 4, 5]),
            "graded" => (
                Qrels::from_pairs(vec![(1, 2.0), (2, 1.0), (3, 0.0), (8, 3.0)]),
                vec![2, 1, 3, 5, 8, 6],
            ),
            "no_hit" => (Qrels::binary([4]), vec![1, 2, 3]),
            "short_list" => (Qrels::binary([1, 2]), vec![2]),
            "late_hits" => (
                Qrels::binary([10, 11, 12, 13]),
                vec![0, 1, 10, 2, 3, 11, 4, 5, 6, 12, 7, 13],
            ),
            other => panic!("unknown case {other}"),
        }
    }

    #[test]
    fn metrics_match_ranx_and_trec_eval() {
        for &(name, k, expected) in REFERENCE {
            let (qrels, ranked) = case(name);
            let got = metrics_at(&ranked, &qrels, k);
            for (metric, want) in Metric::ALL.into_iter().zip(expected) {
                let value = metric.of(&got);
                assert!(
                    (value - want).abs() < 1e-12,
                    "{name} {metric}@{k}: ours {value}, reference {want}"
                );
            }
        }
    }

    #[test]
    fn several_cut_offs_in_one_pass_match_single_ones() {
        let (qrels, ranked) = case("late_hits");
        let many = metrics_at_many(&ranked, &qrels, &[20, 5, 10]);
        for (set, k) in many.iter().zip([20, 5, 10]) {
            assert_eq!(*set, metrics_at(&ranked, &qrels, k));
        }
    }
}
