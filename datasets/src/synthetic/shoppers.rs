//! Synthetic shoppers: latent tastes over categories and brands, a heavy-tailed
//! activity level and a price sensitivity.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;

use super::catalog::Catalog;
use super::choice::{MAX_BRANDS, MAX_CATEGORIES, Share, Taste};
use super::ids;
use super::sampling::{self, Stream};
use super::spec::ShopSpec;
use crate::model::User;

/// Dirichlet concentration of taste weights: below 1, so most weight sits on one or two.
const TASTE_ALPHA: f64 = 0.7;
/// Log-scale spread of activity: the busiest shoppers are tens of times more active.
const ACTIVITY_SIGMA: f64 = 1.0;

/// Draws the shoppers of `spec` (already normalised) for `catalog`.
pub(crate) fn generate(spec: &ShopSpec, catalog: &Catalog) -> (Vec<User>, Vec<Taste>) {
    let mut rng = sampling::rng(spec.seed, Stream::Shoppers);
    let n_leaves = catalog.n_leaves;
    // Some categories are liked by many shoppers, others by few.
    let mut leaf_rank: Vec<usize> = (0..n_leaves).collect();
    leaf_rank.shuffle(&mut rng);
    let zipf = sampling::zipf_weights(n_leaves, 0.8);
    let leaf_cum = sampling::cumulative((0..n_leaves).map(|l| zipf[leaf_rank[l]]));
    // Items of each leaf by popularity, to find brands that sell there.
    let mut leaf_items: Vec<Vec<u32>> = vec![Vec::new(); n_leaves];
    for (i, f) in catalog.facts.iter().enumerate() {
        leaf_items[usize::from(f.leaf)].push(i as u32);
    }
    let leaf_item_cum: Vec<Vec<f64>> = leaf_items
        .iter()
        .map(|items| {
            sampling::cumulative(items.iter().map(|&i| catalog.facts[i as usize].popularity))
        })
        .collect();

    let mut users = Vec::with_capacity(spec.n_users as usize);
    let mut tastes = Vec::with_capacity(spec.n_users as usize);
    for u in 0..spec.n_users as usize {
        let n_cats =
            (sampling::geometric(&mut rng, 0.5, MAX_CATEGORIES as u32) as usize).min(n_leaves);
        let mut cats: Vec<u32> = Vec::with_capacity(n_cats);
        while cats.len() < n_cats {
            let leaf = sampling::pick(&mut rng, &leaf_cum) as u32;
            if !cats.contains(&leaf) {
                cats.push(leaf);
            }
        }
        let cat_w = sampling::dirichlet(&mut rng, TASTE_ALPHA, n_cats);
        let categories: Vec<Share> = cats
            .iter()
            .zip(cat_w)
            .map(|(&index, weight)| Share { index, weight })
            .collect();

        // Favourite brands sell in favourite categories; a few draws may coincide.
        let n_brand_draws = sampling::geometric(&mut rng, 0.5, MAX_BRANDS as u32);
        let mut brands: Vec<u32> = Vec::new();
        for _ in 0..n_brand_draws {
            let leaf = categories[pick_share(&mut rng, &categories)].index as usize;
            let k = sampling::pick(&mut rng, &leaf_item_cum[leaf]);
            let brand = catalog.facts[leaf_items[leaf][k] as usize].brand;
            if !brands.contains(&brand) {
                brands.push(brand);
            }
        }
        let brand_w = sampling::dirichlet(&mut rng, TASTE_ALPHA, brands.len());
        let brands = brands
            .into_iter()
            .zip(brand_w)
            .map(|(index, weight)| Share { index, weight })
            .collect();

        let activity = sampling::log_normal(&mut rng, 1.0, ACTIVITY_SIGMA);
        let price_sensitivity = sampling::uniform(&mut rng);
        let id = ids::user_id(u);
        users.push(User {
            id: id.clone(),
            attributes: attributes(activity, price_sensitivity),
        });
        tastes.push(Taste {
            user: id,
            categories,
            brands,
            activity,
            price_sensitivity,
        });
    }
    (users, tastes)
}

/// Index of a share drawn by weight.
fn pick_share(rng: &mut sampling::ShopRng, shares: &[Share]) -> usize {
    sampling::pick(rng, &sampling::cumulative(shares.iter().map(|s| s.weight)))
}

/// The profile attributes a shop would know: a price segment and an activity band.
fn attributes(activity: f64, price_sensitivity: f64) -> BTreeMap<String, String> {
    let segment = match price_sensitivity {
        s if s > 2.0 / 3.0 => "budget",
        s if s < 1.0 / 3.0 => "premium",
        _ => "mainstream",
    };
    let band = match activity {
        a if a < 0.5 => "light",
        a if a > 2.0 => "heavy",
        _ => "regular",
    };
    BTreeMap::from([
        ("segment".to_string(), segment.to_string()),
        ("activity".to_string(), band.to_string()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tastes_are_concentrated_and_valid() {
        let spec = ShopSpec {
            n_users: 300,
            ..ShopSpec::demo()
        }
        .normalized();
        let catalog = Catalog::generate(&spec);
        let (users, tastes) = generate(&spec, &catalog);
        assert_eq!(users.len(), 300);
        assert_eq!(users[44].id, "U000045");
        for t in &tastes {
            assert!((1..=4).contains(&t.categories.len()) && (1..=3).contains(&t.brands.len()));
            let sum: f64 = t.categories.iter().map(|s| s.weight).sum();
            assert!((sum - 1.0).abs() < 1e-9);
            assert!(
                t.categories
                    .iter()
                    .all(|s| (s.index as usize) < catalog.n_leaves)
            );
            assert!(t.activity > 0.0 && (0.0..1.0).contains(&t.price_sensitivity));
        }
        let top_heavy = tastes
            .iter()
            .filter(|t| t.categories.iter().map(|s| s.weight).fold(0.0, f64::max) > 0.5)
            .count();
        assert!(
            top_heavy > 200,
            "most shoppers have a clear favourite category ({top_heavy}/300)"
        );
        let segments: std::collections::BTreeSet<&str> = users
            .iter()
            .filter_map(|u| u.attributes.get("segment").map(String::as_str))
            .collect();
        assert_eq!(segments.len(), 3);
    }
}
