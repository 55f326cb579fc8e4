//! How a shopper picks an item: a category from their taste, then an item of that
//! category by popularity (times its trend), boosted for their favourite brands.
//!
//! The event generator draws from this mixture and [`super::Truth`] evaluates its
//! probabilities, so both share this one implementation.

use serde::{Deserialize, Serialize};

use super::sampling::{self, ShopRng};

/// Share of category draws that ignore taste and pick any category uniformly.
pub(crate) const CATEGORY_FLOOR: f64 = 0.1;
/// How much more likely a favourite brand's item is: weight `1 + boost * brand share`.
pub(crate) const BRAND_BOOST: f64 = 4.0;

/// One entry of a sparse preference vector.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// Index of the category or brand (into [`super::Truth::categories`] or
    /// [`super::Truth::brands`]).
    pub index: u32,
    /// Its weight; the shares of one vector sum to 1.
    pub weight: f64,
}

/// A shopper's latent taste.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Taste {
    /// The shopper's user id.
    pub user: String,
    /// Favourite categories and their weights (1 to 4 of them).
    pub categories: Vec<Share>,
    /// Favourite brands and their weights (1 to 3 of them).
    pub brands: Vec<Share>,
    /// Relative activity: sessions are assigned to shoppers in proportion to it.
    pub activity: f64,
    /// Price sensitivity in [0, 1]: how much a high price lowers the chance to buy.
    pub price_sensitivity: f64,
}

/// Most favourite categories a shopper has.
pub(crate) const MAX_CATEGORIES: usize = 4;
/// Most favourite brands a shopper has.
pub(crate) const MAX_BRANDS: usize = 3;

/// A taste's preferences stored inline, so that a draw for a shopper touches one place
/// in memory instead of following three pointers: on large shops that cache miss per
/// session is a good part of the event generator's time.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Prefs {
    categories: [Share; MAX_CATEGORIES],
    n_categories: u8,
    brands: [Share; MAX_BRANDS],
    n_brands: u8,
    /// Copied from the taste.
    pub price_sensitivity: f64,
}

impl Prefs {
    /// The preferences of `taste`, keeping at most the first [`MAX_CATEGORIES`]
    /// categories and [`MAX_BRANDS`] brands.
    pub fn new(taste: &Taste) -> Prefs {
        let mut p = Prefs {
            price_sensitivity: taste.price_sensitivity,
            ..Prefs::default()
        };
        for (slot, s) in p.categories.iter_mut().zip(&taste.categories) {
            *slot = *s;
            p.n_categories += 1;
        }
        for (slot, s) in p.brands.iter_mut().zip(&taste.brands) {
            *slot = *s;
            p.n_brands += 1;
        }
        p
    }

    fn categories(&self) -> &[Share] {
        &self.categories[..usize::from(self.n_categories)]
    }

    fn brands(&self) -> &[Share] {
        &self.brands[..usize::from(self.n_brands)]
    }

    /// Probability that this shopper's next item comes from leaf `leaf` of `n_leaves`.
    pub fn leaf_probability(&self, leaf: usize, n_leaves: usize) -> f64 {
        let liked: f64 = self
            .categories()
            .iter()
            .filter(|s| s.index as usize == leaf)
            .map(|s| s.weight)
            .sum();
        CATEGORY_FLOOR / n_leaves as f64 + (1.0 - CATEGORY_FLOOR) * liked
    }

    /// Draws the leaf of this shopper's next item.
    pub fn draw_leaf(&self, rng: &mut ShopRng, n_leaves: usize) -> usize {
        let categories = self.categories();
        if sampling::uniform(rng) < CATEGORY_FLOOR || categories.is_empty() {
            return sampling::index(rng, n_leaves);
        }
        let mut x = sampling::uniform(rng) * categories.iter().map(|s| s.weight).sum::<f64>();
        for s in categories {
            if x < s.weight {
                return s.index as usize;
            }
            x -= s.weight;
        }
        categories.last().map_or(0, |s| s.index as usize)
    }

    fn brand_share(&self, brand: u32) -> f64 {
        self.brands()
            .iter()
            .filter(|s| s.index == brand)
            .map(|s| s.weight)
            .sum()
    }
}

/// Items grouped by leaf and, within a leaf, by brand, so that a leaf and a
/// (leaf, brand) pair are each one contiguous run of `order`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ItemGroups {
    /// Item indices sorted by (leaf, brand, index).
    order: Vec<u32>,
    /// Where each leaf's run starts in `order`; one extra entry closes the last.
    leaf_start: Vec<usize>,
    /// Per leaf: (brand, start, end) runs in `order`, sorted by brand.
    brand_runs: Vec<Vec<(u32, usize, usize)>>,
    item_leaf: Vec<u32>,
    item_brand: Vec<u32>,
}

/// Item weights at one time, as running totals over [`ItemGroups`]' order that
/// restart at each leaf.
#[derive(Debug, Clone, Default)]
pub(crate) struct Masses {
    weight: Vec<f64>,
    cum: Vec<f64>,
}

impl ItemGroups {
    /// Groups items given each item's (leaf, brand); leaves are `0..n_leaves`.
    pub fn new(item_leaf: Vec<u32>, item_brand: Vec<u32>, n_leaves: usize) -> ItemGroups {
        let mut order: Vec<u32> = (0..item_leaf.len() as u32).collect();
        order.sort_by_key(|&i| (item_leaf[i as usize], item_brand[i as usize], i));
        let mut leaf_start = vec![0; n_leaves + 1];
        let mut brand_runs = vec![Vec::new(); n_leaves];
        let mut pos = 0;
        for (leaf, runs) in brand_runs.iter_mut().enumerate() {
            leaf_start[leaf] = pos;
            while pos < order.len() && item_leaf[order[pos] as usize] as usize == leaf {
                let brand = item_brand[order[pos] as usize];
                let start = pos;
                while pos < order.len()
                    && item_leaf[order[pos] as usize] as usize == leaf
                    && item_brand[order[pos] as usize] == brand
                {
                    pos += 1;
                }
                runs.push((brand, start, pos));
            }
        }
        leaf_start[n_leaves] = pos;
        ItemGroups {
            order,
            leaf_start,
            brand_runs,
            item_leaf,
            item_brand,
        }
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.brand_runs.len()
    }

    /// The items of `leaf`.
    pub fn leaf_items(&self, leaf: usize) -> &[u32] {
        &self.order[self.leaf_start[leaf]..self.leaf_start[leaf + 1]]
    }

    /// The leaf of `item`.
    pub fn leaf_of(&self, item: usize) -> usize {
        self.item_leaf[item] as usize
    }

    /// Running totals of `weight(item)` in this grouping's order.
    pub fn masses(&self, weight: impl Fn(usize) -> f64) -> Masses {
        let weight: Vec<f64> = (0..self.item_leaf.len()).map(weight).collect();
        let mut cum = Vec::with_capacity(self.order.len());
        for leaf in 0..self.n_leaves() {
            let mut total = 0.0;
            for &i in self.leaf_items(leaf) {
                total += weight[i as usize];
                cum.push(total);
            }
        }
        Masses { weight, cum }
    }

    /// Total weight of the `order` run `start..end` (within one leaf starting at `leaf_start`).
    fn run_mass(m: &Masses, leaf_start: usize, start: usize, end: usize) -> f64 {
        if end == start {
            return 0.0;
        }
        let before = if start > leaf_start {
            m.cum[start - 1]
        } else {
            0.0
        };
        m.cum[end - 1] - before
    }

    /// The mixture components of `taste` in `leaf`: the whole leaf by popularity, then
    /// each favourite brand's run, boosted by the brand's share.
    fn components<'a>(
        &'a self,
        m: &'a Masses,
        taste: &'a Prefs,
        leaf: usize,
    ) -> impl Iterator<Item = (usize, usize, f64)> + 'a {
        let (a, b) = (self.leaf_start[leaf], self.leaf_start[leaf + 1]);
        let runs = &self.brand_runs[leaf];
        let favourites = taste.brands().iter().filter_map(move |s| {
            let k = runs.binary_search_by_key(&s.index, |r| r.0).ok()?;
            let (_, start, end) = runs[k];
            Some((
                start,
                end,
                BRAND_BOOST * s.weight * Self::run_mass(m, a, start, end),
            ))
        });
        std::iter::once((a, b, Self::run_mass(m, a, a, b))).chain(favourites)
    }

    /// Draws an item of `leaf` for `taste`; `None` only if the leaf has no weight.
    pub fn draw_item(
        &self,
        m: &Masses,
        taste: &Prefs,
        leaf: usize,
        rng: &mut ShopRng,
    ) -> Option<u32> {
        let total: f64 = self.components(m, taste, leaf).map(|c| c.2).sum();
        if total <= 0.0 {
            return None;
        }
        let mut x = sampling::uniform(rng) * total;
        let a = self.leaf_start[leaf];
        for (start, end, mass) in self.components(m, taste, leaf) {
            if x < mass {
                let before = if start > a { m.cum[start - 1] } else { 0.0 };
                let target = before + x / mass * Self::run_mass(m, a, start, end);
                let k = start + sampling::pick_at(&m.cum[start..end], target);
                return Some(self.order[k]);
            }
            x -= mass;
        }
        // Rounding left `x` past the last component: take the leaf's last item.
        self.leaf_items(leaf).last().copied()
    }

    /// Probability that `draw_item` for `taste` in the item's leaf returns `item`.
    pub fn item_probability(&self, m: &Masses, taste: &Prefs, item: usize) -> f64 {
        let leaf = self.leaf_of(item);
        let total: f64 = self.components(m, taste, leaf).map(|c| c.2).sum();
        if total <= 0.0 {
            return 0.0;
        }
        m.weight[item] * (1.0 + BRAND_BOOST * taste.brand_share(self.item_brand[item])) / total
    }
}

/// Multiplier of a trending item's weight in epoch `epoch` of `n_epochs`: from
/// `e^-(strength*trend)` at the start of the log to `e^(strength*trend)` at its end.
pub(crate) fn trend_factor(strength: f64, trend: f64, epoch: usize, n_epochs: usize) -> f64 {
    let y = 2.0 * (epoch as f64 + 0.5) / n_epochs.max(1) as f64 - 1.0;
    libm::exp(strength * trend * y)
}

/// Mean of [`trend_factor`] over all epochs.
pub(crate) fn mean_trend_factor(strength: f64, trend: f64, n_epochs: usize) -> f64 {
    let n = n_epochs.max(1);
    (0..n)
        .map(|e| trend_factor(strength, trend, e, n))
        .sum::<f64>()
        / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::sampling::{Stream, rng};

    fn taste(brands: Vec<Share>) -> Taste {
        Taste {
            user: "U1".into(),
            categories: vec![Share {
                index: 1,
                weight: 1.0,
            }],
            brands,
            activity: 1.0,
            price_sensitivity: 0.5,
        }
    }

    fn prefs(brands: Vec<Share>) -> Prefs {
        Prefs::new(&taste(brands))
    }

    #[test]
    fn draws_match_probabilities() {
        // Leaf 0: items 0, 2 (brand 7), 4 (brand 9); leaf 1: items 1, 3.
        let groups = ItemGroups::new(vec![0, 1, 0, 1, 0], vec![7, 7, 7, 9, 9], 2);
        assert_eq!(groups.leaf_items(0), &[0, 2, 4]);
        let m = groups.masses(|i| [1.0, 1.0, 2.0, 1.0, 1.0][i]);
        let t = prefs(vec![Share {
            index: 9,
            weight: 1.0,
        }]);
        let p: Vec<f64> = [0, 2, 4]
            .iter()
            .map(|&i| groups.item_probability(&m, &t, i))
            .collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // Brand 9's item has weight 1 * (1 + 4) against 1 and 2.
        assert!((p[2] - 5.0 / 8.0).abs() < 1e-12, "{p:?}");
        let mut r = rng(5, Stream::Events);
        let mut counts = [0u32; 5];
        for _ in 0..16_000 {
            if let Some(i) = groups.draw_item(&m, &t, 0, &mut r) {
                counts[i as usize] += 1;
            }
        }
        assert_eq!(counts[1] + counts[3], 0, "draws stay in the leaf");
        let share = f64::from(counts[4]) / 16_000.0;
        assert!((share - 5.0 / 8.0).abs() < 0.02, "{counts:?}");
    }

    #[test]
    fn leaf_probabilities_sum_to_one() {
        let t = Taste {
            categories: vec![
                Share {
                    index: 0,
                    weight: 0.3,
                },
                Share {
                    index: 2,
                    weight: 0.7,
                },
            ],
            ..taste(vec![])
        };
        let p = Prefs::new(&t);
        let total: f64 = (0..5).map(|l| p.leaf_probability(l, 5)).sum();
        assert!((total - 1.0).abs() < 1e-12);
        assert!((mean_trend_factor(0.0, 1.0, 30) - 1.0).abs() < 1e-12);
        assert!(trend_factor(1.0, 1.0, 29, 30) > trend_factor(1.0, 1.0, 0, 30));
    }
}
