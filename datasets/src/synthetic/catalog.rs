//! The synthetic catalog: brands, and items composed from category, noun, colour,
//! material, size and brand, with log-normal prices, Zipf popularity and trends.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;

use super::ids;
use super::sampling::{self, ShopRng, Stream};
use super::spec::ShopSpec;
use super::vocab::{self, COLOURS, DEPARTMENTS, LEAVES, LINES, Word};
use crate::model::Item;

/// A brand and the department it sells in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Brand {
    pub name: String,
    pub department: usize,
}

/// The generative facts of one item, from which its record and its truth derive.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ItemFacts {
    /// Index into [`LEAVES`].
    pub leaf: u16,
    /// Index into the leaf's nouns.
    pub noun: u8,
    /// Index into [`COLOURS`].
    pub colour: Option<u8>,
    /// Index into the leaf's materials.
    pub material: Option<u8>,
    /// Index into the leaf's sizes.
    pub size: Option<u8>,
    /// Index into the brands.
    pub brand: u32,
    /// Whether title and description are Chinese.
    pub chinese: bool,
    /// Price, rounded to cents, at least 0.99.
    pub price: f64,
    /// `ln(category median price / price)`: positive for cheap items.
    pub log_cheapness: f64,
    /// Base popularity weight `1 / rank^s`.
    pub popularity: f64,
    /// Trend direction in [-1, 1]: positive rises over the log, negative fades.
    pub trend: f64,
}

/// Brands and items of a synthetic shop.
#[derive(Debug, Clone)]
pub(crate) struct Catalog {
    /// Number of leaf categories in use (a prefix of [`LEAVES`]).
    pub n_leaves: usize,
    pub brands: Vec<Brand>,
    pub facts: Vec<ItemFacts>,
    pub items: Vec<Item>,
}

/// Share of items that trend up, and the same share trends down.
const TRENDING_SHARE: f64 = 0.25;
/// Log-scale spread of prices around a category's median.
const PRICE_SIGMA: f64 = 0.45;
/// Log-scale spread of a brand's price level.
const BRAND_PREMIUM_SIGMA: f64 = 0.3;

impl Catalog {
    /// Draws the catalog of `spec` (already normalised).
    pub fn generate(spec: &ShopSpec) -> Catalog {
        let mut rng = sampling::rng(spec.seed, Stream::Catalog);
        let n_items = spec.n_items as usize;
        // With fewer items than categories only the first categories get items, so
        // every category in use is non-empty.
        let n_leaves = (spec.n_categories as usize).min(n_items).max(1);

        let brands = brands(&mut rng, spec.n_brands as usize, n_leaves);
        let premium: Vec<f64> = brands
            .iter()
            .map(|_| sampling::log_normal(&mut rng, 1.0, BRAND_PREMIUM_SIGMA))
            .collect();
        // Brands of each department, biggest first: a Zipf share of its items.
        let mut by_department: Vec<Vec<u32>> = vec![Vec::new(); DEPARTMENTS.len()];
        for (i, b) in brands.iter().enumerate() {
            by_department[b.department].push(i as u32);
        }
        let brand_cum: Vec<Vec<f64>> = by_department
            .iter()
            .map(|bs| sampling::cumulative(sampling::zipf_weights(bs.len(), 1.0)))
            .collect();

        let leaf_size_cum =
            sampling::cumulative((0..n_leaves).map(|_| sampling::log_normal(&mut rng, 1.0, 0.5)));
        let mut ranks: Vec<u32> = (0..spec.n_items).collect();
        ranks.shuffle(&mut rng);

        let mut facts = Vec::with_capacity(n_items);
        for (i, &rank) in ranks.iter().enumerate() {
            let leaf_idx = if i < n_leaves {
                i
            } else {
                sampling::pick(&mut rng, &leaf_size_cum)
            };
            let leaf = &LEAVES[leaf_idx];
            // `brands` gives every department in use at least one brand.
            let department_brands = &by_department[leaf.department];
            let brand = department_brands[sampling::pick(&mut rng, &brand_cum[leaf.department])];
            let colour = leaf
                .coloured
                .then(|| sampling::index(&mut rng, COLOURS.len()) as u8);
            let material = (!leaf.materials.is_empty())
                .then(|| sampling::index(&mut rng, leaf.materials.len()) as u8);
            let sizes = leaf.size.sizes();
            let size = (!sizes.is_empty()).then(|| sampling::index(&mut rng, sizes.len()) as u8);
            let raw_price = sampling::log_normal(&mut rng, leaf.median_price, PRICE_SIGMA)
                * premium[brand as usize];
            let trend_draw = sampling::uniform(&mut rng);
            let strength = 0.5 + 0.5 * sampling::uniform(&mut rng);
            let trend = if trend_draw < TRENDING_SHARE {
                strength
            } else if trend_draw < 2.0 * TRENDING_SHARE {
                -strength
            } else {
                0.0
            };
            let price = shop_price(raw_price);
            facts.push(ItemFacts {
                leaf: leaf_idx as u16,
                noun: sampling::index(&mut rng, leaf.nouns.len()) as u8,
                colour,
                material,
                size,
                brand,
                chinese: sampling::uniform(&mut rng) < spec.chinese_share,
                price,
                log_cheapness: libm::log(leaf.median_price / price),
                popularity: libm::pow(f64::from(rank) + 1.0, -spec.zipf_exponent),
                trend,
            });
        }
        let items = facts
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let line = (sampling::uniform(&mut rng) < 0.4)
                    .then(|| LINES[sampling::index(&mut rng, LINES.len())]);
                let feature = vocab::FEATURES[sampling::index(&mut rng, vocab::FEATURES.len())];
                item_record(i, f, &brands[f.brand as usize].name, line, feature)
            })
            .collect();
        Catalog {
            n_leaves,
            brands,
            facts,
            items,
        }
    }

    /// The category path of a leaf, e.g. `Electronics > Headphones`.
    pub fn category_path(leaf: usize) -> String {
        let l = &LEAVES[leaf];
        format!("{} > {}", DEPARTMENTS[l.department].en, l.name.en)
    }
}

/// A price as shops show it: whole units minus one cent, never below 0.99.
fn shop_price(raw: f64) -> f64 {
    let whole = raw.round().max(1.0);
    ((whole - 0.01) * 100.0).round() / 100.0
}

/// `n` distinct brand names (at least one per department in use), spread round-robin
/// over the departments in use.
fn brands(rng: &mut ShopRng, n: usize, n_leaves: usize) -> Vec<Brand> {
    let departments: Vec<usize> = {
        let mut d: Vec<usize> = LEAVES[..n_leaves].iter().map(|l| l.department).collect();
        d.sort_unstable();
        d.dedup();
        d
    };
    let per_round = vocab::BRAND_HEADS.len() * vocab::BRAND_TAILS.len();
    let mut names: Vec<usize> = (0..per_round).collect();
    names.shuffle(rng);
    (0..n.max(departments.len()))
        .map(|i| {
            let k = names[i % per_round];
            let head = vocab::BRAND_HEADS[k % vocab::BRAND_HEADS.len()];
            let tail = vocab::BRAND_TAILS[k / vocab::BRAND_HEADS.len()];
            // Past the syllable combinations, later rounds get a number to stay distinct.
            let name = match i / per_round {
                0 => format!("{head}{tail}"),
                round => format!("{head}{tail} {}", round + 1),
            };
            Brand {
                name,
                department: departments[i % departments.len()],
            }
        })
        .collect()
}

/// The catalog record of an item.
fn item_record(
    index: usize,
    f: &ItemFacts,
    brand: &str,
    line: Option<Word>,
    feature: Word,
) -> Item {
    let leaf = &LEAVES[usize::from(f.leaf)];
    let noun = leaf.nouns[usize::from(f.noun)];
    let colour = f.colour.map(|c| COLOURS[usize::from(c)]);
    let material = f.material.map(|m| leaf.materials[usize::from(m)]);
    let size = f.size.map(|s| leaf.size.sizes()[usize::from(s)]);

    let (title, description) = if f.chinese {
        let words: Vec<&str> = [
            Some(brand),
            colour.map(|c| c.zh),
            material.map(|m| m.zh),
            Some(noun.zh),
            line.map(|l| l.zh),
        ]
        .into_iter()
        .flatten()
        .collect();
        let size_note = size.map(|s| format!("，尺码 {s}")).unwrap_or_default();
        let description = format!(
            "{brand} 出品的{}{}{}{size_note}。{}。",
            colour.map(|c| c.zh).unwrap_or_default(),
            material.map(|m| m.zh).unwrap_or_default(),
            noun.zh,
            feature.zh
        );
        (words.join(" "), description)
    } else {
        let words: Vec<String> = [
            line.map(|l| l.en),
            colour.map(|c| c.en),
            material.map(|m| m.en),
            Some(noun.en),
        ]
        .into_iter()
        .flatten()
        .map(title_case)
        .collect();
        let size_note = size.map(|s| format!(" in size {s}")).unwrap_or_default();
        let description = format!(
            "A {} by {brand}{size_note}. {}",
            [colour.map(|c| c.en), material.map(|m| m.en), Some(noun.en)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
            feature.en
        );
        (format!("{brand} {}", words.join(" ")), description)
    };

    let mut attributes = BTreeMap::new();
    if let Some(c) = colour {
        attributes.insert("colour".to_string(), c.en.to_string());
    }
    if let Some(m) = material {
        attributes.insert("material".to_string(), m.en.to_string());
    }
    if let Some(s) = size {
        attributes.insert("size".to_string(), s.to_string());
    }
    Item {
        id: ids::item_id(index),
        title,
        description,
        brand: brand.to_string(),
        category: vec![
            DEPARTMENTS[leaf.department].en.to_string(),
            leaf.name.en.to_string(),
        ],
        price: Some(f.price),
        attributes,
        image_url: String::new(),
    }
}

/// Upper-cases the first letter of every word ("stainless steel" -> "Stainless Steel").
fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Catalog {
        Catalog::generate(
            &ShopSpec {
                n_items: 600,
                ..ShopSpec::demo()
            }
            .normalized(),
        )
    }

    #[test]
    fn items_are_complete_and_consistent() {
        let c = small();
        assert_eq!(c.items.len(), 600);
        for (item, f) in c.items.iter().zip(&c.facts) {
            let price = item.price.unwrap_or(-1.0);
            assert!(
                price >= 0.99 && price.is_finite(),
                "{} has price {price}",
                item.id
            );
            assert_eq!(item.category.len(), 2);
            assert!(item.title.contains(&item.brand), "{}", item.title);
            assert_eq!(
                item.category_path(),
                Catalog::category_path(usize::from(f.leaf))
            );
            assert_eq!(item.attributes.contains_key("colour"), f.colour.is_some());
            assert!(item.image_url.is_empty());
            assert_eq!(
                LEAVES[usize::from(f.leaf)].department,
                c.brands[f.brand as usize].department
            );
        }
        let ids: std::collections::BTreeSet<&str> = c.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids.len(), 600, "ids are unique");
        assert_eq!(c.items[122].id, "P000123");
    }

    #[test]
    fn some_titles_are_chinese() {
        let c = small();
        let chinese = c
            .items
            .iter()
            .filter(|i| {
                i.title
                    .chars()
                    .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch))
            })
            .count();
        assert!(
            (40..=150).contains(&chinese),
            "{chinese} of 600 Chinese titles, expected about 15%"
        );
    }

    #[test]
    fn brand_names_are_distinct_beyond_the_syllable_combinations() {
        let mut rng = sampling::rng(1, Stream::Catalog);
        let b = brands(&mut rng, 500, LEAVES.len());
        let names: std::collections::BTreeSet<&str> = b.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names.len(), 500);
    }

    #[test]
    fn prices_look_like_shop_prices() {
        assert_eq!(shop_price(19.6), 19.99);
        assert_eq!(shop_price(0.01), 0.99);
        assert_eq!(title_case("stainless steel"), "Stainless Steel");
    }
}
