//! Content similarity via the index: items are similar when their titles,
//! brands and categories share distinctive words.
//!
//! For every item a more-like-this query is built from its own title, brand
//! and category terms (the rarest ones, as those say most about the item),
//! and the index's BM25 top hits become its neighbours, with scores divided
//! by the best hit's score (normally the item itself) so similarities fall in
//! (0, 1] whatever the length of the text. A shopper's score for an item is
//! the sum of the similarities from their history items to it, weighted by
//! interaction strength, as in item-kNN. It needs no interactions at all, so
//! it also recommends brand-new items.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shoplab_datasets::{CancelToken, ModelState, Progress, Recommender, SparseMatrix, UserQuery};
use tantivy::TantivyDocument;
use tantivy::collector::TopDocs;
use tantivy::query::BooleanQuery;
use tantivy::schema::{Field, Term, Value};

use super::index::{SearchIndex, boosted_term, index_error};
use super::request::FieldWeights;
use super::tokenizer;
use crate::error::{Error, Result};

/// Items per parallel work unit (progress and cancellation granularity).
const CHUNK: usize = 256;

/// Parameters of [`ContentModel`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContentParams {
    /// Similar items kept per item (default 50).
    pub neighbours: usize,
    /// Most (field, term) pairs in an item's query, rarest first (default 25).
    pub max_query_terms: usize,
}

impl Default for ContentParams {
    fn default() -> Self {
        ContentParams {
            neighbours: 50,
            max_query_terms: 25,
        }
    }
}

/// A fitted content-similarity model: the kept neighbours of every item.
#[derive(Debug, Clone)]
pub struct ContentModel {
    /// Row `i` lists item `i`'s neighbours (ascending) and similarities.
    neighbours: SparseMatrix,
}

impl ContentModel {
    /// Finds the neighbours of every indexed item below `n_items`.
    pub fn fit(
        index: &SearchIndex,
        n_items: u32,
        params: &ContentParams,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<ContentModel> {
        if params.neighbours == 0 {
            return Err(Error::invalid("neighbours", 0, "must be at least 1"));
        }
        if params.max_query_terms == 0 {
            return Err(Error::invalid("max_query_terms", 0, "must be at least 1"));
        }
        let addrs: Vec<_> = index.doc_addresses().collect();
        progress.stage("finding similar items", Some(addrs.len() as u64));
        let rows = addrs
            .par_chunks(CHUNK)
            .map(|chunk| {
                if cancel.is_cancelled() {
                    return Err(Error::Cancelled);
                }
                let out = chunk
                    .iter()
                    .map(|&addr| similar_items(index, addr, params))
                    .collect::<Result<Vec<_>>>();
                progress.advance(chunk.len() as u64);
                out
            })
            .collect::<Result<Vec<_>>>()?;
        progress.finish_stage();

        let mut by_item: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n_items as usize];
        for (item, mut sims) in rows.into_iter().flatten() {
            if let Some(row) = by_item.get_mut(item as usize) {
                sims.retain(|&(j, _)| j < n_items);
                sims.sort_unstable_by_key(|s| s.0);
                *row = sims;
            }
        }
        let mut m = SparseMatrix {
            n_rows: n_items as usize,
            n_cols: n_items as usize,
            indptr: Vec::with_capacity(n_items as usize + 1),
            ..SparseMatrix::default()
        };
        m.indptr.push(0);
        for row in by_item {
            for (j, s) in row {
                m.indices.push(j);
                m.data.push(s);
            }
            m.indptr.push(m.indices.len());
        }
        Ok(ContentModel { neighbours: m })
    }

    /// Item `i`'s neighbours (ascending) and their similarities.
    pub fn neighbours(&self, item: u32) -> (&[u32], &[f32]) {
        if (item as usize) < self.neighbours.n_rows {
            self.neighbours.row(item as usize)
        } else {
            (&[], &[])
        }
    }
}

/// One item's index and its neighbours with normalised similarities.
fn similar_items(
    index: &SearchIndex,
    addr: tantivy::DocAddress,
    params: &ContentParams,
) -> Result<(u32, Vec<(u32, f32)>)> {
    let err = |e| index_error(index.dir(), e);
    let searcher = index.searcher();
    let f = *index.fields();
    let item = index.item_of(addr)?;
    let doc: TantivyDocument = searcher.doc(addr).map_err(err)?;
    let boosts = FieldWeights::default();
    let mut analyzer = index.analyzer();
    // (document frequency, field, boost, term) of every distinct term.
    let mut candidates: Vec<(u64, Field, f32, String)> = Vec::new();
    for (field, boost) in [
        (f.title, boosts.title),
        (f.brand, boosts.brand),
        (f.category, boosts.category),
    ] {
        let text = doc
            .get_first(field)
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let mut terms = tokenizer::terms(&mut analyzer, text);
        terms.sort_unstable();
        terms.dedup();
        for term in terms {
            let df = searcher
                .doc_freq(&Term::from_field_text(field, &term))
                .map_err(err)?;
            // A term only this item has cannot find a neighbour.
            if df >= 2 {
                candidates.push((df, field, boost, term));
            }
        }
    }
    candidates.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.3.cmp(&b.3)));
    candidates.truncate(params.max_query_terms);
    if candidates.is_empty() {
        return Ok((item, Vec::new()));
    }
    let query = BooleanQuery::union(
        candidates
            .iter()
            .map(|(_, field, boost, term)| boosted_term(*field, term, *boost))
            .collect(),
    );
    let top = searcher
        .search(
            &query,
            &TopDocs::with_limit(params.neighbours + 1).order_by_score(),
        )
        .map_err(err)?;
    let best = top.first().map_or(0.0, |t| t.0);
    let mut sims = Vec::with_capacity(top.len());
    for (score, hit) in top {
        let j = index.item_of(hit)?;
        if j != item && best > 0.0 {
            sims.push((j, score / best));
        }
    }
    sims.truncate(params.neighbours);
    Ok((item, sims))
}

impl Recommender for ContentModel {
    fn name(&self) -> &str {
        "content"
    }

    fn n_items(&self) -> usize {
        self.neighbours.n_rows
    }

    fn score(&self, query: &UserQuery<'_>, scores: &mut [f32]) {
        for (&h, &w) in query.history.iter().zip(query.weights) {
            let (items, sims) = self.neighbours(h);
            for (&j, &s) in items.iter().zip(sims) {
                scores[j as usize] += w * s;
            }
        }
    }

    fn size_bytes(&self) -> usize {
        self.neighbours.indptr.len() * size_of::<usize>()
            + self.neighbours.nnz() * (size_of::<u32>() + size_of::<f32>())
    }

    fn state(&self) -> ModelState {
        let mut s = crate::recommend::saved::state("content");
        s.push_csr("neighbours", &self.neighbours);
        s
    }
}

impl ContentModel {
    /// The model saved by [`Recommender::state`] (no search index needed).
    pub fn from_state(state: &ModelState) -> Result<ContentModel> {
        crate::recommend::saved::check(state, "content")?;
        Ok(ContentModel {
            neighbours: state.csr("neighbours")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use shoplab_datasets::{NoProgress, top_k};

    use super::*;
    use crate::search::test_catalog::{indexed, items};

    #[test]
    fn same_category_items_rank_first() -> Result<()> {
        let (_dir, index) = indexed()?;
        let n = items().len() as u32;
        let model = ContentModel::fit(
            &index,
            n,
            &ContentParams::default(),
            &NoProgress,
            &CancelToken::new(),
        )?;
        // The cordless drill's closest item is the other drill.
        let (nb, sims) = model.neighbours(0);
        let best = nb
            .iter()
            .zip(sims)
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|p| *p.0);
        assert_eq!(best, Some(1));
        assert!(sims.iter().all(|s| *s > 0.0 && *s <= 1.0));
        assert!(!nb.contains(&0));

        // A shopper who bought the red Chinese T-shirt gets the other 优衣库 top first.
        let mut scores = vec![0.0; n as usize];
        model.score(
            &UserQuery {
                user: None,
                history: &[3],
                weights: &[1.0],
                events: &[],
            },
            &mut scores,
        );
        assert_eq!(top_k(&scores, 1, &[3]), vec![4]);

        let mut scores = vec![0.0; n as usize];
        model.score(
            &UserQuery {
                user: None,
                history: &[0],
                weights: &[1.0],
                events: &[],
            },
            &mut scores,
        );
        let top = top_k(&scores, 2, &[0]);
        assert_eq!(top[0], 1);
        assert_eq!(top[1], 2, "the other Tools item comes next");
        assert!(model.size_bytes() > 0);
        Ok(())
    }

    #[test]
    fn cancelled_and_invalid_params_are_errors() -> Result<()> {
        let (_dir, index) = indexed()?;
        let cancel = CancelToken::new();
        cancel.cancel();
        let r = ContentModel::fit(&index, 8, &ContentParams::default(), &NoProgress, &cancel);
        assert!(matches!(r, Err(Error::Cancelled)));
        let bad = ContentParams {
            neighbours: 0,
            ..ContentParams::default()
        };
        assert!(ContentModel::fit(&index, 8, &bad, &NoProgress, &CancelToken::new()).is_err());
        Ok(())
    }
}
