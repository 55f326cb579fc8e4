//! Why a hit scored what it did, as typed rows instead of tantivy's
//! explanation tree: one row per query term found in one field, with the
//! field's boost, the term's frequency in the field, its idf and its BM25
//! score, so that the rows' contributions add up to the hit's score.
//!
//! The rows are computed from the very term queries the search ORs together
//! (see [`super::index`]), each explained on its own by tantivy with the
//! same searcher statistics, so a row's BM25 is bit for bit the score the
//! search summed. Filters score 0 and are listed apart.
//!
//! In a prefix search the completions of the word being typed count once:
//! one row, the best `(completion, field)`, scaled by the prefix weight,
//! exactly as the search's disjunction-max clause scores them.

use serde::{Deserialize, Serialize};
use tantivy::query::{EnableScoring, Explanation, Query, TermQuery, Weight};
use tantivy::schema::{Field, IndexRecordOption, Term};
use tantivy::{DocAddress, Searcher};

use crate::error::Result;

/// One query term's share of a hit's score, in one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermContribution {
    /// The index term (lowercased and stemmed, e.g. `shirt` for "Shirts").
    pub term: String,
    /// The field it was found in (`title`, `description`, `brand`, `category`, `attributes`).
    pub field: String,
    /// The field's boost in the request.
    pub field_weight: f32,
    /// Occurrences of the term in this item's field.
    pub term_freq: f32,
    /// Length of this item's field in terms (as BM25 reads it).
    pub field_length: f32,
    /// Inverse document frequency: rarer terms weigh more.
    pub idf: f32,
    /// BM25 score of the term in the field before the boost.
    pub bm25: f32,
    /// `field_weight × bm25 × scale`: what this row adds to the hit's score.
    pub contribution: f32,
    /// 1 for a word of the query; the prefix weight (below 1) for the one row
    /// of the word being typed, which counts only its best completion.
    #[serde(default = "one")]
    pub scale: f32,
    /// True when the term matched only as a completion of the last word
    /// typed (a prefix search), not as a word of the query itself.
    pub from_prefix: bool,
}

fn one() -> f32 {
    1.0
}

/// A hit's score taken apart: the rows sum to [`ScoreBreakdown::score`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreBreakdown {
    /// The hit's score.
    pub score: f32,
    /// Term-in-field contributions, largest first.
    pub terms: Vec<TermContribution>,
    /// Active filters (category, brand, price): they choose which items
    /// match and add 0 to the score.
    pub filters: Vec<String>,
}

impl ScoreBreakdown {
    /// The sum of the rows' contributions (equal to `score` up to float rounding).
    pub fn sum(&self) -> f32 {
        self.terms.iter().map(|t| t.contribution).sum()
    }
}

/// One `(field, term)` clause of a search, ready to explain any hit.
struct Clause {
    field_name: &'static str,
    term: String,
    weight: f32,
    scorer: Box<dyn Weight>,
}

/// Explains hits of one search: prepared once per search, used per hit.
pub(crate) struct Explainer {
    /// The full words' clauses: each adds its score.
    clauses: Vec<Clause>,
    /// The completions' clauses: only the best one counts, times `prefix_weight`.
    completions: Vec<Clause>,
    prefix_weight: f32,
    filters: Vec<String>,
}

impl Explainer {
    /// Prepares the clauses `fields × terms` of a search (fields with a boost
    /// above 0) and `fields × prefix_terms`, the completions of the word being
    /// typed, worth `prefix_weight` times the best of them.
    pub fn new(
        searcher: &Searcher,
        fields: &[(&'static str, Field, f32)],
        terms: &[String],
        prefix_terms: &[String],
        prefix_weight: f32,
        filters: Vec<String>,
    ) -> Result<Explainer> {
        Ok(Explainer {
            clauses: clauses(searcher, fields, terms)?,
            completions: clauses(searcher, fields, prefix_terms)?,
            prefix_weight,
            filters,
        })
    }

    /// The breakdown of the hit at `addr` that scored `score`.
    pub fn explain(&self, searcher: &Searcher, addr: DocAddress, score: f32) -> ScoreBreakdown {
        let reader = searcher.segment_reader(addr.segment_ord);
        let row = |c: &Clause, scale: f32, from_prefix: bool| {
            // An error means the item does not contain the term in this field.
            let e = c.scorer.explain(reader, addr.doc_id).ok()?;
            let parts = Parts::of(&e);
            // Multiplied in the order the boost queries multiply.
            let boosted = c.weight * e.value();
            Some(TermContribution {
                term: c.term.clone(),
                field: c.field_name.to_string(),
                field_weight: c.weight,
                term_freq: parts.freq,
                field_length: parts.length,
                idf: parts.idf,
                bm25: e.value(),
                contribution: if scale == 1.0 {
                    boosted
                } else {
                    boosted * scale
                },
                scale,
                from_prefix,
            })
        };
        let mut terms: Vec<TermContribution> = self
            .clauses
            .iter()
            .filter_map(|c| row(c, 1.0, false))
            .filter(|t| t.contribution > 0.0)
            .collect();
        // The first best wins ties, as the disjunction-max keeps the maximum.
        let best = self
            .completions
            .iter()
            .filter_map(|c| row(c, self.prefix_weight, true))
            .filter(|t| t.contribution > 0.0)
            .reduce(|a, b| {
                if b.contribution > a.contribution {
                    b
                } else {
                    a
                }
            });
        terms.extend(best);
        terms.sort_by(|a, b| {
            b.contribution
                .total_cmp(&a.contribution)
                .then_with(|| a.term.cmp(&b.term))
                .then_with(|| a.field.cmp(&b.field))
        });
        ScoreBreakdown {
            score,
            terms,
            filters: self.filters.clone(),
        }
    }
}

/// One clause per boosted field and term, each with its BM25 weight.
fn clauses(
    searcher: &Searcher,
    fields: &[(&'static str, Field, f32)],
    terms: &[String],
) -> Result<Vec<Clause>> {
    let scoring = EnableScoring::enabled_from_searcher(searcher);
    let mut clauses = Vec::new();
    for &(field_name, field, weight) in fields.iter().filter(|f| f.2 > 0.0) {
        for term in terms {
            let query = TermQuery::new(
                Term::from_field_text(field, term),
                IndexRecordOption::WithFreqs,
            );
            let scorer = query
                .weight(scoring)
                .map_err(|e| crate::Error::invalid("explain", term, e.to_string()))?;
            clauses.push(Clause {
                field_name,
                term: term.clone(),
                weight,
                scorer,
            });
        }
    }
    Ok(clauses)
}

/// The numbers inside a BM25 term explanation (tantivy keeps its tree
/// private, so it is read through its serialised form).
#[derive(Debug, Default)]
struct Parts {
    idf: f32,
    freq: f32,
    length: f32,
}

impl Parts {
    fn of(e: &Explanation) -> Parts {
        let mut parts = Parts::default();
        if let Ok(tree) = serde_json::to_value(e) {
            parts.visit(&tree);
        }
        parts
    }

    fn visit(&mut self, node: &serde_json::Value) {
        let value = node["value"].as_f64().unwrap_or(0.0) as f32;
        let description = node["description"].as_str().unwrap_or_default();
        if description.starts_with("idf") {
            self.idf = value;
        } else if description.starts_with("freq, ") {
            self.freq = value;
        } else if description.starts_with("dl, ") {
            self.length = value;
        }
        if let Some(details) = node["details"].as_array() {
            for d in details {
                self.visit(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use shoplab_datasets::Item;

    use crate::error::Result;
    use crate::search::SearchRequest;
    use crate::search::test_catalog::indexed_pairs;

    fn item(title: &str, description: &str) -> Item {
        Item {
            id: title.to_string(),
            title: title.to_string(),
            description: description.to_string(),
            ..Item::default()
        }
    }

    #[test]
    fn contributions_sum_to_the_score_over_two_fields() -> Result<()> {
        let items = [
            item(
                "Red cotton shirt",
                "A red shirt of soft cotton, red as a cherry",
            ),
            item("Blue shirt", "Cotton and linen"),
            item("Red kettle", "Boils water"),
            item("Garden hose", "Green"),
        ];
        let (_dir, index) = indexed_pairs(items.iter().enumerate().map(|(i, it)| (i as u32, it)))?;
        let mut req = SearchRequest::new("red cotton shirts");
        req.explain = true;
        req.weights.title = 2.0;
        req.weights.description = 0.7;
        let r = index.search(&req)?;
        assert_eq!(r.total_hits, 3);
        for hit in &r.hits {
            let b = hit.explanation.as_ref().expect("asked for explanations");
            assert_eq!(b.score, hit.score);
            assert!(
                (b.sum() - hit.score).abs() < 1e-4,
                "{} sums to {} but scored {}",
                hit.title,
                b.sum(),
                hit.score
            );
            assert!(
                b.terms
                    .windows(2)
                    .all(|w| w[0].contribution >= w[1].contribution)
            );
        }
        let top = &r.hits[0];
        assert_eq!(top.item, 0);
        let b = top.explanation.as_ref().expect("explained");
        // Three terms in the title and three in the description.
        assert_eq!(b.terms.len(), 6);
        let red_in_description = b
            .terms
            .iter()
            .find(|t| t.term == "red" && t.field == "description")
            .expect("red is in the description");
        assert_eq!(red_in_description.term_freq, 2.0);
        assert_eq!(red_in_description.field_weight, 0.7);
        assert!(red_in_description.idf > 0.0);
        assert!((red_in_description.contribution - 0.7 * red_in_description.bm25).abs() < 1e-6);
        assert!(b.terms.iter().all(|t| !t.from_prefix));
        Ok(())
    }

    #[test]
    fn filters_are_listed_and_add_nothing() -> Result<()> {
        let mut items = [item("Red shirt", ""), item("Red kettle", "")];
        items[0].price = Some(9.5);
        items[1].price = Some(30.0);
        let (_dir, index) = indexed_pairs(items.iter().enumerate().map(|(i, it)| (i as u32, it)))?;
        let mut req = SearchRequest::new("red");
        req.explain = true;
        let unfiltered = index.search(&req)?;
        assert!(
            unfiltered.hits[0]
                .explanation
                .as_ref()
                .is_some_and(|b| b.filters.is_empty())
        );
        req.max_price = Some(10.0);
        let r = index.search(&req)?;
        assert_eq!(r.total_hits, 1);
        let b = r.hits[0].explanation.as_ref().expect("explained");
        assert_eq!(b.filters, ["price at most 10"]);
        assert_eq!(
            r.hits[0].score,
            unfiltered
                .hits
                .iter()
                .find(|h| h.item == 0)
                .map_or(0.0, |h| h.score)
        );
        assert!((b.sum() - r.hits[0].score).abs() < 1e-4);
        Ok(())
    }
}
