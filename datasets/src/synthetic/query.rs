//! Search queries built from item attributes, and their graded relevance judgments.

use std::collections::BTreeMap;

use super::catalog::{Brand, ItemFacts};
use super::choice::ItemGroups;
use super::ids;
use super::sampling::{self, ShopRng};
use super::vocab::{COLOURS, LEAVES};
use crate::model::Judgment;

/// At most this many distinct queries (the most frequent) get judgments, so that the
/// judgments of a 10M-event shop stay a manageable file.
pub(crate) const MAX_JUDGED_QUERIES: usize = 2_000;
/// Partial matches (same category, not all attributes) judged per query.
const PARTIAL_SAMPLE: usize = 10;
/// Items of other categories judged irrelevant per query.
const IRRELEVANT_SAMPLE: usize = 10;

/// A query as the attributes it asks for; it always names a product noun.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Query {
    pub leaf: u16,
    pub noun: u8,
    pub colour: Option<u8>,
    pub material: Option<u8>,
    pub brand: Option<u32>,
    /// Typed in Chinese (for a Chinese-titled target item).
    pub chinese: bool,
}

impl Query {
    /// A query a shopper looking for `f` might type: its noun, with its colour, its
    /// brand, or its colour and material.
    pub fn for_item(f: &ItemFacts, rng: &mut ShopRng) -> Query {
        let base = Query {
            leaf: f.leaf,
            noun: f.noun,
            colour: None,
            material: None,
            brand: None,
            chinese: f.chinese,
        };
        let mut options = vec![
            (0.2, base),
            (
                0.2,
                Query {
                    brand: Some(f.brand),
                    ..base
                },
            ),
        ];
        if f.colour.is_some() {
            options.push((
                0.3,
                Query {
                    colour: f.colour,
                    ..base
                },
            ));
            options.push((
                0.15,
                Query {
                    colour: f.colour,
                    brand: Some(f.brand),
                    ..base
                },
            ));
            if f.material.is_some() {
                options.push((
                    0.15,
                    Query {
                        colour: f.colour,
                        material: f.material,
                        ..base
                    },
                ));
            }
        }
        let cum = sampling::cumulative(options.iter().map(|o| o.0));
        options[sampling::pick(rng, &cum)].1
    }

    /// The text the shopper types: lowercase English words, or Chinese words, separated
    /// by spaces ("lumeo red headphones", "红色 头戴式耳机").
    pub fn text(&self, brands: &[Brand]) -> String {
        let leaf = &LEAVES[usize::from(self.leaf)];
        let noun = leaf.nouns[usize::from(self.noun)];
        let colour = self.colour.map(|c| COLOURS[usize::from(c)]);
        let material = self.material.map(|m| leaf.materials[usize::from(m)]);
        let brand = self
            .brand
            .and_then(|b| brands.get(b as usize))
            .map(|b| b.name.as_str());
        let words = if self.chinese {
            [
                brand,
                colour.map(|c| c.zh),
                material.map(|m| m.zh),
                Some(noun.zh),
            ]
        } else {
            [
                brand,
                colour.map(|c| c.en),
                material.map(|m| m.en),
                Some(noun.en),
            ]
        };
        let mut text = String::with_capacity(48);
        for word in words.into_iter().flatten() {
            if !text.is_empty() {
                text.push(' ');
            }
            // Vocabulary words are lowercase already; brand names are not.
            text.extend(word.chars().flat_map(char::to_lowercase));
        }
        text
    }

    /// Relevance of an item: 2 if it has every attribute the query asks for, 1 if it is
    /// in the same category without matching fully, 0 otherwise. Language is ignored:
    /// the shopper wants the product, whatever language its page is in.
    pub fn grade(&self, f: &ItemFacts) -> u8 {
        if f.leaf != self.leaf {
            return 0;
        }
        let full = f.noun == self.noun
            && self.colour.is_none_or(|c| f.colour == Some(c))
            && self.material.is_none_or(|m| f.material == Some(m))
            && self.brand.is_none_or(|b| f.brand == b);
        if full { 2 } else { 1 }
    }
}

/// Graded judgments for the most frequent of `queries` (query -> times searched):
/// every full match (grade 2), a sample of partial matches (1) and of other items (0).
pub(crate) fn judgments(
    queries: &BTreeMap<Query, u64>,
    facts: &[ItemFacts],
    brands: &[Brand],
    groups: &ItemGroups,
    rng: &mut ShopRng,
) -> Vec<Judgment> {
    let mut chosen: Vec<(&Query, &u64)> = queries.iter().collect();
    chosen.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    chosen.truncate(MAX_JUDGED_QUERIES);
    chosen.sort_by_key(|c| c.0);

    let mut out = Vec::new();
    for (query, _) in chosen {
        let text = query.text(brands);
        let mut leaf_items: Vec<u32> = groups.leaf_items(usize::from(query.leaf)).to_vec();
        leaf_items.sort_unstable();
        let (full, partial): (Vec<u32>, Vec<u32>) = leaf_items
            .iter()
            .partition(|&&i| query.grade(&facts[i as usize]) == 2);
        let mut partial_sample: Vec<u32> = if partial.len() <= PARTIAL_SAMPLE {
            partial
        } else {
            rand::seq::index::sample(rng, partial.len(), PARTIAL_SAMPLE)
                .into_iter()
                .map(|k| partial[k])
                .collect()
        };
        partial_sample.sort_unstable();
        let mut irrelevant = Vec::new();
        // Bounded tries: a catalog that is nearly all one category has few others.
        for _ in 0..IRRELEVANT_SAMPLE * 5 {
            if irrelevant.len() == IRRELEVANT_SAMPLE {
                break;
            }
            let i = sampling::index(rng, facts.len()) as u32;
            if facts[i as usize].leaf != query.leaf && !irrelevant.contains(&i) {
                irrelevant.push(i);
            }
        }
        irrelevant.sort_unstable();
        for (items, grade) in [(full, 2.0), (partial_sample, 1.0), (irrelevant, 0.0)] {
            out.extend(items.into_iter().map(|i| Judgment {
                query: text.clone(),
                item: ids::item_id(i as usize),
                grade,
            }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(leaf: u16, noun: u8, colour: Option<u8>, brand: u32) -> ItemFacts {
        ItemFacts {
            leaf,
            noun,
            colour,
            material: Some(0),
            size: None,
            brand,
            chinese: false,
            price: 9.99,
            log_cheapness: 0.0,
            popularity: 1.0,
            trend: 0.0,
        }
    }

    #[test]
    fn grades_follow_attributes() {
        let q = Query {
            leaf: 0,
            noun: 0,
            colour: Some(0),
            material: None,
            brand: None,
            chinese: false,
        };
        assert_eq!(q.grade(&facts(0, 0, Some(0), 3)), 2);
        assert_eq!(q.grade(&facts(0, 0, Some(1), 3)), 1, "wrong colour");
        assert_eq!(
            q.grade(&facts(0, 1, Some(0), 3)),
            1,
            "other noun of the category"
        );
        assert_eq!(q.grade(&facts(5, 0, Some(0), 3)), 0);
    }

    #[test]
    fn text_in_both_languages() {
        let brands = [Brand {
            name: "Lumeo".into(),
            department: 0,
        }];
        let q = Query {
            leaf: 0,
            noun: 0,
            colour: Some(0),
            material: None,
            brand: Some(0),
            chinese: false,
        };
        assert_eq!(q.text(&brands), "lumeo red headphones");
        assert_eq!(
            Query {
                chinese: true,
                brand: None,
                ..q
            }
            .text(&brands),
            "红色 头戴式耳机"
        );
    }

    #[test]
    fn queries_of_an_item_match_it() {
        let mut rng = sampling::rng(2, sampling::Stream::Judgments);
        let f = facts(3, 1, Some(4), 7);
        for _ in 0..50 {
            assert_eq!(Query::for_item(&f, &mut rng).grade(&f), 2);
        }
    }
}
