//! The one order of search results, shared by `search`, evaluation and
//! tuning: BM25 score descending, and among equal scores the lower item
//! index (catalog order) first.
//!
//! tantivy's own top-K collector breaks ties by document address, which
//! depends on how documents were spread over segments (two writer threads:
//! not stable across rebuilds), and when it runs alone it uses Block-WAND,
//! whose score sums can differ in the last bit from the full evaluation a
//! collector beside it (counts, facets) forces. Either made `search` and
//! `eval-search` order tied hits differently. Collecting by
//! `(score, item)` with every match fully scored fixes both: the scores are
//! the same bits whatever is collected beside them, and no tie is left to
//! the index layout.

use std::cmp::Reverse;

use tantivy::collector::sort_key::NaturalComparator;
use tantivy::collector::{SegmentSortKeyComputer, SortKeyComputer};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentReader};

use super::schema::names;

/// Sort key of one hit: higher score first, then lower item index.
pub(crate) type RankKey = (Score, Reverse<u32>);

/// Item index given to a document without one, so it sorts after every
/// real item of equal score; [`super::SearchIndex`] reports it as an error.
pub(crate) const NO_ITEM: u32 = u32::MAX;

/// Computes [`RankKey`]s, reading the item index from the `item` fast field.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ScoreThenItem;

/// [`ScoreThenItem`] within one segment.
pub(crate) struct SegmentScoreThenItem {
    items: Column<u64>,
}

impl SortKeyComputer for ScoreThenItem {
    type SortKey = RankKey;
    type Child = SegmentScoreThenItem;
    type Comparator = NaturalComparator;

    fn requires_scoring(&self) -> bool {
        true
    }

    fn segment_sort_key_computer(
        &self,
        segment_reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(SegmentScoreThenItem {
            items: segment_reader.fast_fields().u64(names::ITEM)?,
        })
    }
}

impl SegmentSortKeyComputer for SegmentScoreThenItem {
    type SortKey = RankKey;
    type SegmentSortKey = RankKey;
    type SegmentComparator = NaturalComparator;

    fn segment_sort_key(&mut self, doc: DocId, score: Score) -> RankKey {
        let item = self
            .items
            .first(doc)
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(NO_ITEM);
        (score, Reverse(item))
    }

    fn convert_segment_sort_key(&self, key: RankKey) -> RankKey {
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_by_score_then_lower_item() {
        let mut keys: Vec<RankKey> = vec![
            (1.0, Reverse(5)),
            (2.0, Reverse(9)),
            (1.0, Reverse(2)),
            (2.0, Reverse(3)),
        ];
        keys.sort_by(|a, b| b.partial_cmp(a).unwrap_or(std::cmp::Ordering::Equal));
        let items: Vec<u32> = keys.iter().map(|k| k.1.0).collect();
        assert_eq!(items, [3, 9, 2, 5]);
    }
}
