//! Hybrid search: BM25's and dense search's top candidates fused into one
//! ranking, by reciprocal rank fusion or by a weighted sum of min-max
//! normalised scores.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::dense::sort_ranked;
use crate::error::{Error, Result};

/// The `k` of reciprocal rank fusion (Cormack et al. 2009).
pub const RRF_K: f32 = 60.0;
/// Candidates taken from each ranker before fusing (at least the page asked for).
pub const CANDIDATES: usize = 100;
/// Default weight of the dense score in [`Fusion::Weighted`], chosen on the
/// tuning half of the Home Depot queries (`eval-search --ranker hybrid
/// --tune-fusion --queries tune`, after BM25's normalisation was fixed to keep
/// lone keyword matches: alpha 0.3 gave NDCG@10 0.4599, 0.2 and 0.4 0.4570,
/// BM25 alone 0.4434, RRF k=60 0.4215; see BENCHMARKS.md).
pub const DEFAULT_ALPHA: f32 = 0.3;

/// How BM25 and dense rankings are fused.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Fusion {
    /// Reciprocal rank fusion: score = sum over rankers of 1 / (k + rank),
    /// rank counted from 1; an item missing from a list gets nothing from it.
    Rrf {
        /// The constant k (60 in the literature).
        k: f32,
    },
    /// `alpha` x dense + (1 - alpha) x BM25, each score min-max normalised
    /// over the union of both candidate lists of the query.
    Weighted {
        /// Weight of the dense score, 0 to 1.
        alpha: f32,
    },
}

impl Default for Fusion {
    /// The fusion chosen on the tuning half of the Home Depot queries.
    fn default() -> Self {
        Fusion::Weighted {
            alpha: DEFAULT_ALPHA,
        }
    }
}

impl Fusion {
    /// Checks the numbers.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Fusion::Rrf { k } if !(k.is_finite() && k >= 0.0) => Err(Error::invalid(
                "rrf k",
                k,
                "give a number of at least 0 (60 is usual)",
            )),
            Fusion::Weighted { alpha } if !(0.0..=1.0).contains(&alpha) => Err(Error::invalid(
                "alpha",
                alpha,
                "give the dense weight as a number from 0 to 1",
            )),
            _ => Ok(()),
        }
    }

    /// Parses `rrf`, `rrf:K`, `weighted` or `weighted:ALPHA`.
    pub fn parse(text: &str) -> Result<Fusion> {
        let t = text.trim().to_ascii_lowercase();
        let (name, value) = t
            .split_once(':')
            .map_or((t.as_str(), None), |(a, b)| (a, Some(b)));
        let num = |v: &str| {
            v.trim()
                .parse::<f32>()
                .map_err(|_| Error::invalid("fusion", text, "the value after ':' must be a number"))
        };
        let f = match (name, value) {
            ("rrf", None) => Fusion::Rrf { k: RRF_K },
            ("rrf", Some(v)) => Fusion::Rrf { k: num(v)? },
            ("weighted", None) => Fusion::default(),
            ("weighted", Some(v)) => Fusion::Weighted { alpha: num(v)? },
            _ => {
                return Err(Error::invalid(
                    "fusion",
                    text,
                    "use rrf, rrf:K, weighted or weighted:ALPHA (dense weight 0 to 1)",
                ));
            }
        };
        f.validate()?;
        Ok(f)
    }

    /// Short text: `rrf:60`, `weighted:0.3`.
    pub fn label(&self) -> String {
        match self {
            Fusion::Rrf { k } => format!("rrf:{k}"),
            Fusion::Weighted { alpha } => format!("weighted:{alpha}"),
        }
    }

    /// Fuses `bm25` and `dense` (each best first). `dense_score` gives the
    /// dense score of any item (weighted fusion scores BM25's candidates that
    /// dense search did not return with their true similarity).
    pub fn fuse(
        &self,
        bm25: &[(u32, f32)],
        dense: &[(u32, f32)],
        dense_score: impl Fn(u32) -> f32,
    ) -> Vec<(u32, f32)> {
        match *self {
            Fusion::Rrf { k } => rrf(&[bm25, dense], k),
            Fusion::Weighted { alpha } => weighted(bm25, dense, dense_score, alpha),
        }
    }
}

/// Reciprocal rank fusion of ranked lists (best first): each item scores
/// the sum of 1 / (k + rank) over the lists holding it, rank from 1.
pub fn rrf(lists: &[&[(u32, f32)]], k: f32) -> Vec<(u32, f32)> {
    let mut score: HashMap<u32, f32> = HashMap::new();
    for list in lists {
        for (rank, &(item, _)) in list.iter().enumerate() {
            *score.entry(item).or_default() += 1.0 / (k + rank as f32 + 1.0);
        }
    }
    let mut out: Vec<(u32, f32)> = score.into_iter().collect();
    sort_ranked(&mut out);
    out
}

/// Weighted fusion: over the union of both lists, BM25 scores are divided
/// by the query's best BM25 score (an item BM25 did not return counts 0, so
/// every keyword match, even a lone or tied one, keeps its weight and ranks
/// above non-matches when `alpha` is 0), dense scores (from `dense_score`)
/// are min-max normalised to 0..1, and the two are combined as `alpha` x
/// dense + (1 - alpha) x BM25. Dense scores that are all equal contribute 0.
pub fn weighted(
    bm25: &[(u32, f32)],
    dense: &[(u32, f32)],
    dense_score: impl Fn(u32) -> f32,
    alpha: f32,
) -> Vec<(u32, f32)> {
    let bm25_of: HashMap<u32, f32> = bm25.iter().copied().collect();
    let best = bm25.iter().map(|h| h.1).fold(0.0f32, f32::max);
    let mut union: Vec<u32> = bm25.iter().chain(dense).map(|h| h.0).collect();
    union.sort_unstable();
    union.dedup();
    // BM25 scores of matches are positive; a non-match is 0.
    let b: Vec<f32> = union
        .iter()
        .map(|i| match bm25_of.get(i) {
            Some(&s) if best > 0.0 && s.is_finite() => (s / best).max(0.0),
            _ => 0.0,
        })
        .collect();
    let d: Vec<f32> = union.iter().map(|&i| dense_score(i)).collect();
    let d = min_max(&d);
    let mut out: Vec<(u32, f32)> = union
        .iter()
        .enumerate()
        .map(|(j, &i)| (i, alpha * d[j] + (1.0 - alpha) * b[j]))
        .collect();
    sort_ranked(&mut out);
    out
}

/// Values rescaled to 0..1 by their minimum and maximum; all 0 when they
/// are all equal (or not finite).
fn min_max(v: &[f32]) -> Vec<f32> {
    let lo = v.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return vec![0.0; v.len()];
    }
    v.iter().map(|x| (x - lo) / span).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[(u32, f32)], b: &[(u32, f32)]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.0 == y.0 && (x.1 - y.1).abs() < 1e-6)
    }

    #[test]
    fn rrf_of_a_hand_made_case() {
        // BM25: 7, 3, 5; dense: 3, 9. k = 60.
        let bm25 = [(7, 12.0), (3, 8.0), (5, 1.0)];
        let dense = [(3, 0.9), (9, 0.8)];
        let got = rrf(&[&bm25, &dense], 60.0);
        // 3: 1/62 + 1/61; 7: 1/61; 9: 1/62; 5: 1/63.
        let want = [
            (3, 1.0 / 62.0 + 1.0 / 61.0),
            (7, 1.0 / 61.0),
            (9, 1.0 / 62.0),
            (5, 1.0 / 63.0),
        ];
        assert!(close(&got, &want), "{got:?}");
        // Equal fused scores rank the lower item first.
        let tie = rrf(&[&[(4, 1.0)], &[(2, 1.0)]], 60.0);
        assert_eq!(tie.iter().map(|h| h.0).collect::<Vec<_>>(), vec![2, 4]);
    }

    #[test]
    fn weighted_fusion_of_a_hand_made_case() {
        // BM25 10, 6, 2 on items 1, 2, 3; dense returns 4 and 2; every
        // item's dense score: 1 -> 0.2, 2 -> 0.6, 3 -> 0.4, 4 -> 1.0.
        let bm25 = [(1, 10.0), (2, 6.0), (3, 2.0)];
        let dense = [(4, 1.0), (2, 0.6)];
        let ds = |i: u32| [0.0, 0.2, 0.6, 0.4, 1.0][i as usize];
        let got = weighted(&bm25, &dense, ds, 0.5);
        // BM25 over the best score 10, item 4 not matched: 1, 0.6, 0.2, 0.
        // Dense normalised (0.2..1.0): 0, 0.5, 0.25, 1.
        // 0.5 x each: 1 -> 0.5, 2 -> 0.55, 3 -> 0.225, 4 -> 0.5.
        let want = [(2, 0.55), (1, 0.5), (4, 0.5), (3, 0.225)];
        assert!(close(&got, &want), "{got:?}");
        // alpha 0 is BM25's ranking: its matches in its order, then the rest.
        let bm25_only = weighted(&bm25, &dense, ds, 0.0);
        assert_eq!(
            bm25_only.iter().map(|h| h.0).collect::<Vec<_>>(),
            vec![1, 2, 3, 4]
        );
        // A lone keyword match keeps its full BM25 weight (it used to get 0).
        let lone = weighted(&[(3, 29.2)], &dense, ds, 0.4);
        let three = lone.iter().find(|h| h.0 == 3).map(|h| h.1);
        // Union {2, 3, 4}: item 3 has the lowest dense score (0 after
        // min-max) but all of BM25's 0.6 share.
        assert!(three.is_some_and(|s| (s - 0.6).abs() < 1e-6), "{lone:?}");
        assert_eq!(weighted(&[(3, 29.2)], &dense, ds, 0.0)[0].0, 3);
        let dense_only = weighted(&bm25, &dense, ds, 1.0);
        assert_eq!(
            dense_only.iter().map(|h| h.0).collect::<Vec<_>>(),
            vec![4, 2, 3, 1]
        );
    }

    #[test]
    fn parse_and_validate() {
        assert_eq!(Fusion::parse("rrf").ok(), Some(Fusion::Rrf { k: 60.0 }));
        assert_eq!(
            Fusion::parse("weighted:0.7").ok(),
            Some(Fusion::Weighted { alpha: 0.7 })
        );
        assert!(Fusion::parse("weighted:1.5").is_err());
        assert!(Fusion::parse("sum").is_err());
    }
}
