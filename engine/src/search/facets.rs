//! Fast facet counts for search results.
//!
//! tantivy's `FacetCollector` walks the whole facet dictionary of every
//! segment and decodes every counted facet on each query, which costs
//! milliseconds on a catalog with thousands of brands. Here each segment's
//! facet ordinals are mapped once, when the index opens, to catalog-wide
//! facet ids; a query then only bumps counters and decodes nothing.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use super::request::FacetCount;

/// Every facet value of one facet field, with each segment's ordinals mapped
/// to catalog-wide ids.
#[derive(Debug, Clone)]
pub(crate) struct FacetTable {
    field: String,
    /// Distinct facets, by id.
    facets: Vec<Facet>,
    /// Per segment: facet ordinal -> id.
    ord_to_id: Vec<Arc<Vec<u32>>>,
}

impl FacetTable {
    /// Reads the facet dictionaries of `field` in every segment.
    pub fn load(searcher: &Searcher, field: &str) -> tantivy::Result<FacetTable> {
        let mut ids: HashMap<Facet, u32> = HashMap::new();
        let mut facets = Vec::new();
        let mut ord_to_id = Vec::new();
        for seg in searcher.segment_readers() {
            let reader = seg.facet_reader(field)?;
            let mut map = Vec::with_capacity(reader.num_facets());
            let mut facet = Facet::root();
            for ord in 0..reader.num_facets() as u64 {
                reader.facet_from_ord(ord, &mut facet)?;
                let id = *ids.entry(facet.clone()).or_insert_with(|| {
                    facets.push(facet.clone());
                    (facets.len() - 1) as u32
                });
                map.push(id);
            }
            ord_to_id.push(Arc::new(map));
        }
        Ok(FacetTable {
            field: field.to_string(),
            facets,
            ord_to_id,
        })
    }

    /// A collector counting matches per child of `root` (one level below it).
    pub fn children_of(&self, root: &Facet) -> ChildCounts {
        // `Facet::root().to_path()` is `[""]`, not `[]`.
        let depth = if root.is_root() {
            0
        } else {
            root.to_path().len()
        };
        let mut buckets: Vec<String> = Vec::new();
        let mut bucket_of_name: HashMap<String, u32> = HashMap::new();
        let bucket_of_id = self
            .facets
            .iter()
            .map(|f| {
                let path = f.to_path();
                if path.len() <= depth || !root.is_prefix_of(f) {
                    return NO_BUCKET;
                }
                let name = path[..=depth].join(super::schema::CATEGORY_SEPARATOR);
                *bucket_of_name.entry(name.clone()).or_insert_with(|| {
                    buckets.push(name);
                    (buckets.len() - 1) as u32
                })
            })
            .collect();
        ChildCounts {
            field: self.field.clone(),
            ord_to_id: self.ord_to_id.clone(),
            bucket_of_id: Arc::new(bucket_of_id),
            buckets: Arc::new(buckets),
        }
    }
}

/// Marks a facet that is not below the counted root.
const NO_BUCKET: u32 = u32::MAX;

/// Collector of [`FacetTable::children_of`]: match counts per child of a root.
#[derive(Clone)]
pub(crate) struct ChildCounts {
    field: String,
    ord_to_id: Vec<Arc<Vec<u32>>>,
    bucket_of_id: Arc<Vec<u32>>,
    buckets: Arc<Vec<String>>,
}

impl ChildCounts {
    /// The non-zero counts, most first (ties by name), at most `limit`.
    pub fn top(&self, counts: &[u64], limit: usize) -> Vec<FacetCount> {
        // Rank bucket numbers first so only the kept names are copied.
        let mut found: Vec<usize> = (0..counts.len().min(self.buckets.len()))
            .filter(|&b| counts[b] > 0)
            .collect();
        found.sort_by(|&a, &b| {
            counts[b]
                .cmp(&counts[a])
                .then_with(|| self.buckets[a].cmp(&self.buckets[b]))
        });
        found
            .into_iter()
            .take(limit)
            .map(|b| FacetCount {
                value: self.buckets[b].clone(),
                count: counts[b],
            })
            .collect()
    }
}

/// Per-segment half of [`ChildCounts`].
pub(crate) struct SegmentChildCounts {
    reader: FacetReader,
    ord_to_id: Arc<Vec<u32>>,
    bucket_of_id: Arc<Vec<u32>>,
    counts: Vec<u64>,
}

impl Collector for ChildCounts {
    type Fruit = Vec<u64>;
    type Child = SegmentChildCounts;

    fn for_segment(
        &self,
        ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentChildCounts> {
        let ord_to_id = self.ord_to_id.get(ord as usize).cloned().ok_or_else(|| {
            tantivy::TantivyError::InternalError(format!("no facet table for segment {ord}"))
        })?;
        Ok(SegmentChildCounts {
            reader: segment.facet_reader(&self.field)?,
            ord_to_id,
            bucket_of_id: self.bucket_of_id.clone(),
            counts: vec![0; self.buckets.len()],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u64>>) -> tantivy::Result<Vec<u64>> {
        let mut total = vec![0; self.buckets.len()];
        for fruit in fruits {
            for (t, c) in total.iter_mut().zip(fruit) {
                *t += c;
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for SegmentChildCounts {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        // A document counts once per bucket even if several of its facets fall in it.
        let mut last = NO_BUCKET;
        for ord in self.reader.facet_ords(doc) {
            let bucket = self
                .ord_to_id
                .get(ord as usize)
                .and_then(|&id| self.bucket_of_id.get(id as usize))
                .copied()
                .unwrap_or(NO_BUCKET);
            if bucket != NO_BUCKET && bucket != last {
                self.counts[bucket as usize] += 1;
                last = bucket;
            }
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.counts
    }
}
