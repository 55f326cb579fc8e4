//! What a search asks for and what it returns (serde types shared by the CLI,
//! the GUI and the storefront).

use serde::{Deserialize, Serialize};

use super::explain::ScoreBreakdown;
use crate::error::{Error, Result};

/// Most results one request may ask for (`offset + k`).
pub const MAX_RESULTS: usize = 10_000;

/// BM25 boost of each catalog field; a query term's score is the sum over
/// fields of `boost × BM25(term, field)`. A boost of 0 leaves the field out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FieldWeights {
    /// Title (default 2.0: the most telling and most curated text).
    pub title: f32,
    /// Description (default 0.5: long and noisy).
    pub description: f32,
    /// Brand (default 1.0).
    pub brand: f32,
    /// Category path (default 1.0).
    pub category: f32,
    /// Attribute names and values (default 0.5).
    pub attributes: f32,
}

impl Default for FieldWeights {
    fn default() -> Self {
        FieldWeights {
            title: 2.0,
            description: 0.5,
            brand: 1.0,
            category: 1.0,
            attributes: 0.5,
        }
    }
}

impl FieldWeights {
    /// `(name, boost)` of every field, in a fixed order.
    pub fn named(&self) -> [(&'static str, f32); 5] {
        [
            ("title", self.title),
            ("description", self.description),
            ("brand", self.brand),
            ("category", self.category),
            ("attributes", self.attributes),
        ]
    }

    /// Checks every boost is a finite number >= 0 and at least one is > 0.
    pub fn validate(&self) -> Result<()> {
        for (name, w) in self.named() {
            if !(w.is_finite() && w >= 0.0) {
                return Err(Error::invalid(
                    &format!("weights.{name}"),
                    w,
                    "a field boost must be a number >= 0",
                ));
            }
        }
        if self.named().iter().all(|(_, w)| *w == 0.0) {
            return Err(Error::invalid(
                "weights",
                "all 0",
                "at least one field boost must be above 0, or nothing can match",
            ));
        }
        Ok(())
    }
}

/// One catalog search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchRequest {
    /// What the shopper typed; any text is accepted (no query syntax).
    pub query: String,
    /// Results to return (default 10).
    pub k: usize,
    /// Results to skip, for paging (default 0).
    pub offset: usize,
    /// Only items in this category or below it, written `Tools > Power Tools`
    /// (default none).
    pub category: Option<String>,
    /// Only items of this brand, exactly as listed in the facets (default none).
    pub brand: Option<String>,
    /// Only items priced at least this much (default none; unpriced items are
    /// left out when a price bound is set).
    pub min_price: Option<f64>,
    /// Only items priced at most this much (default none).
    pub max_price: Option<f64>,
    /// Field boosts (default [`FieldWeights::default`]).
    pub weights: FieldWeights,
    /// Attach a BM25 score breakdown to every hit (default false).
    pub explain: bool,
    /// Search as the shopper types: the last word also matches every word it
    /// starts ("shi" finds shirts and ships), unless the query ends with a
    /// space. Default false: the query's words exactly, as evaluation scores them.
    pub prefix: bool,
    /// Count categories and brands of all matches (default true; evaluation
    /// turns it off because counting visits every match).
    pub facets: bool,
    /// Which ranker answers (default BM25; dense and hybrid need item
    /// embeddings, see [`super::dense`]). [`super::SearchIndex`] itself is
    /// BM25 only; [`crate::project::OpenSearch`] and the CLI dispatch.
    pub ranker: super::ranker::RankerKind,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            k: 10,
            offset: 0,
            category: None,
            brand: None,
            min_price: None,
            max_price: None,
            weights: FieldWeights::default(),
            explain: false,
            prefix: false,
            facets: true,
            ranker: super::ranker::RankerKind::Bm25,
        }
    }
}

impl SearchRequest {
    /// A request for `query` with every other setting at its default.
    pub fn new(query: impl Into<String>) -> Self {
        SearchRequest {
            query: query.into(),
            ..SearchRequest::default()
        }
    }

    /// Checks the numbers (not the query text, which the index checks).
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 || self.k > MAX_RESULTS {
            return Err(Error::invalid(
                "k",
                self.k,
                format!("ask for 1 to {MAX_RESULTS} results"),
            ));
        }
        if self.offset.saturating_add(self.k) > MAX_RESULTS {
            return Err(Error::invalid(
                "offset",
                self.offset,
                format!("offset + k may be at most {MAX_RESULTS}; narrow the query instead"),
            ));
        }
        for (name, v) in [("min_price", self.min_price), ("max_price", self.max_price)] {
            if let Some(v) = v.filter(|v| !v.is_finite()) {
                return Err(Error::invalid(name, v, "a price bound must be a number"));
            }
        }
        if let (Some(lo), Some(hi)) = (self.min_price, self.max_price)
            && lo > hi
        {
            return Err(Error::invalid(
                "min_price",
                lo,
                format!("is above max_price = {hi}; swap them"),
            ));
        }
        self.weights.validate()
    }
}

/// One found item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Dense item index.
    pub item: u32,
    /// The shop's item id.
    pub id: String,
    /// BM25 score (higher is better).
    pub score: f32,
    /// Title.
    pub title: String,
    /// Brand (may be empty).
    pub brand: String,
    /// Category path, `A > B > C` (may be empty).
    pub category: String,
    /// Price, when known.
    pub price: Option<f64>,
    /// Why it scored what it did, when asked for.
    pub explanation: Option<ScoreBreakdown>,
}

/// The completions of the last word of a prefix search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrefixMatch {
    /// The last word as the index folds it (lowercase, no accents), unstemmed.
    pub word: String,
    /// Index terms it was completed to: the word itself (when indexed), then
    /// the most frequent first; empty when no
    /// item contains a word starting with it.
    pub terms: Vec<String>,
}

/// How many matches fall in one category or brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    /// Category path (`A > B`, usable as [`SearchRequest::category`]) or brand.
    pub value: String,
    /// Matching items.
    pub count: u64,
}

/// Category and brand counts over all matches of a query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    /// Sub-categories one level below the requested category (or top level),
    /// most matches first.
    pub category: Vec<FacetCount>,
    /// Brands, most matches first.
    pub brand: Vec<FacetCount>,
}

/// The answer to a [`SearchRequest`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// The requested page of hits, best first.
    pub hits: Vec<Hit>,
    /// Matching items in all.
    pub total_hits: u64,
    /// Category and brand counts (empty when not asked for).
    pub facets: Facets,
    /// What the last word was completed to, for a prefix search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<PrefixMatch>,
    /// Time spent in the engine, in microseconds.
    pub took_us: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_fills_defaults_and_validate_rejects_bad_numbers() {
        let r: SearchRequest =
            serde_json::from_str(r#"{"query":"drill","weights":{"title":3}}"#).unwrap_or_default();
        assert_eq!(r.k, 10);
        assert_eq!(r.weights.title, 3.0);
        assert_eq!(r.weights.brand, 1.0);
        assert!(r.validate().is_ok());
        let bad = |f: fn(&mut SearchRequest)| {
            let mut r = SearchRequest::new("x");
            f(&mut r);
            r.validate().is_err()
        };
        assert!(bad(|r| r.k = 0));
        assert!(bad(|r| r.offset = MAX_RESULTS));
        assert!(bad(|r| r.min_price = Some(f64::NAN)));
        assert!(bad(|r| {
            r.min_price = Some(5.0);
            r.max_price = Some(1.0);
        }));
        assert!(bad(|r| r.weights.title = -1.0));
        assert!(bad(|r| r.weights = FieldWeights {
            title: 0.0,
            description: 0.0,
            brand: 0.0,
            category: 0.0,
            attributes: 0.0,
        }));
    }
}
