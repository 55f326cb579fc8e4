//! Catalog search over a tantivy index: a tokenizer for mixed Chinese and
//! Latin text, BM25 retrieval with field boosts, facets and filters, prefix
//! matching of the last word while a query is typed, score breakdowns per
//! term and field (`explain`), query autocomplete, search-quality
//! evaluation with graded judgments (exported as TREC files any oracle
//! re-scores), dense (sentence-vector) and hybrid (BM25 + dense fused)
//! search, and a content-similarity recommender built on the same index.

pub mod autocomplete;
pub mod content;
pub mod dense;
pub mod evaluate;
pub mod explain;
pub mod export;
mod facets;
pub mod hybrid;
pub mod index;
pub mod judgments;
pub mod ranker;
mod ranking;
pub mod relevance;
pub mod request;
pub mod rerank;
mod schema;
pub mod tokenizer;

pub use autocomplete::{Autocomplete, Suggestion, SuggestionSource};
pub use content::{ContentModel, ContentParams};
pub use dense::{DenseIndex, EmbedReport, EmbeddingSummary, ItemFilter, build_embeddings};
pub use evaluate::{
    QueryResult, QuerySlice, SearchEvalConfig, SearchEvalReport, WeightGrid, evaluate_many,
    evaluate_rankers, evaluate_search, fusion_grid, paired_ndcg, tune_field_weights, tune_fusion,
};
pub use explain::{ScoreBreakdown, TermContribution};
pub use export::{SearchTrecExport, export_trec};
pub use hybrid::Fusion;
pub use index::{IndexStats, PREFIX_WEIGHT, SearchIndex};
pub use judgments::{SearchInteraction, derive_judgments};
pub use ranker::{RankerKind, Rankers};
pub use relevance::{GainMapping, Relevance};
pub use request::{
    FacetCount, Facets, FieldWeights, Hit, PrefixMatch, SearchRequest, SearchResults,
};
pub use rerank::{RerankParams, Reranker};
pub use schema::CATEGORY_SEPARATOR;

#[cfg(test)]
mod dense_tests;

#[cfg(test)]
pub(crate) mod test_catalog {
    //! A small English + Chinese catalog shared by the search tests.

    use shoplab_datasets::{CancelToken, Item, NoProgress};
    use tempfile::TempDir;

    use super::SearchIndex;
    use crate::error::Result;

    fn item(title: &str, brand: &str, category: &[&str], price: Option<f64>) -> Item {
        Item {
            id: format!("sku-{title}"),
            title: title.to_string(),
            brand: brand.to_string(),
            category: category.iter().map(|c| c.to_string()).collect(),
            price,
            ..Item::default()
        }
    }

    /// Items by dense index: 0-1 drills, 2 hammer, 3-4 Chinese cotton tops,
    /// 5 an English T-shirt, 6 unpriced jeans, 7 a garden hose.
    pub fn items() -> Vec<Item> {
        let mut items = vec![
            item(
                "Cordless Drill 18V",
                "Bosch",
                &["Tools", "Power Tools", "Drills"],
                Some(99.0),
            ),
            item(
                "Hammer Drill 20V Max",
                "DeWalt",
                &["Tools", "Power Tools", "Drills"],
                Some(149.0),
            ),
            item(
                "Claw Hammer 16 oz",
                "Stanley",
                &["Tools", "Hand Tools"],
                Some(19.5),
            ),
            item("红色棉质T恤", "优衣库", &["服装", "上衣"], Some(59.0)),
            item("白色棉质衬衫", "优衣库", &["服装", "上衣"], Some(129.0)),
            item(
                "Red Cotton T-Shirt",
                "Hanes",
                &["Clothing", "Tops"],
                Some(12.0),
            ),
            item("Blue Denim Jeans", "Levi's", &["Clothing", "Bottoms"], None),
            item("Garden Hose 50 ft", "Gilmour", &["Garden"], Some(35.0)),
        ];
        items[0].description = "Compact drill driver with two batteries".into();
        items[3].attributes.insert("颜色".into(), "红色".into());
        items[5].attributes.insert("colour".into(), "red".into());
        items
    }

    /// The catalog indexed into a fresh temporary folder (`dir/index`).
    pub fn indexed() -> Result<(TempDir, SearchIndex)> {
        let items = items();
        indexed_pairs(items.iter().enumerate().map(|(i, it)| (i as u32, it)))
    }

    /// `(item index, item)` pairs indexed in the order given (documents in
    /// that order, whatever their item indices).
    pub fn indexed_pairs<'a>(
        pairs: impl Iterator<Item = (u32, &'a Item)>,
    ) -> Result<(TempDir, SearchIndex)> {
        let tmp = tempfile::tempdir().map_err(|e| crate::Error::io("tempdir", "", e))?;
        let dir = tmp.path().join("index");
        SearchIndex::build(&dir, pairs, &NoProgress, &CancelToken::new())?;
        let index = SearchIndex::open(&dir)?;
        Ok((tmp, index))
    }

    /// 40 washers: four titles, each ten times (ties in BM25), with item
    /// indices spread so no title's copies are adjacent.
    pub fn washers() -> Vec<Item> {
        let titles = [
            "1/2 in. Steel Washer",
            "1/2 in. Zinc Flat Washer (10-Pack)",
            "Rubber Washer 1/2 in.",
            "Washer and Dryer Pedestal",
        ];
        (0..40)
            .map(|i| Item {
                id: format!("W{i:02}"),
                title: titles[i % titles.len()].to_string(),
                ..Item::default()
            })
            .collect()
    }
}
