//! The known truth of a synthetic shop: every shopper's taste and the probability
//! that they pick each item, written as `truth.json` next to the data files.

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize, Serializer};

use super::catalog::Catalog;
use super::choice::{self, ItemGroups, Masses, Prefs, Taste};
use crate::error::{Error, Result};

/// What the generator knows about one item beyond its catalog record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemTruth {
    /// The item id.
    pub item: String,
    /// Index of its category in [`Truth::categories`].
    pub category: u32,
    /// Index of its brand in [`Truth::brands`].
    pub brand: u32,
    /// Popularity weight averaged over the log (Zipf weight times mean trend factor).
    pub popularity: f64,
    /// Trend direction in [-1, 1]: positive items rise over the log, negative fade.
    pub trend: f64,
}

/// The serialised form of [`Truth`] (the layout of `truth.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TruthFile {
    /// Share of category draws that ignore taste.
    category_floor: f64,
    /// Boost of a favourite brand's items.
    brand_boost: f64,
    categories: Vec<String>,
    brands: Vec<String>,
    items: Vec<ItemTruth>,
    users: Vec<Taste>,
}

/// The generative truth of a synthetic shop: shoppers' tastes and item popularity,
/// from which [`Truth::true_affinity`] gives the probability of any (user, item) pick.
#[derive(Debug, Clone)]
pub struct Truth {
    file: TruthFile,
    groups: ItemGroups,
    masses: Masses,
    prefs: Vec<Prefs>,
}

impl Truth {
    /// Builds the truth of a catalog and its shoppers' tastes; `n_epochs` and
    /// `trend_strength` give the trend averaging of the event generator.
    pub(crate) fn new(
        catalog: &Catalog,
        users: Vec<Taste>,
        n_epochs: usize,
        trend_strength: f64,
    ) -> Truth {
        let items = catalog
            .facts
            .iter()
            .zip(&catalog.items)
            .map(|(f, item)| ItemTruth {
                item: item.id.clone(),
                category: u32::from(f.leaf),
                brand: f.brand,
                popularity: f.popularity
                    * choice::mean_trend_factor(trend_strength, f.trend, n_epochs),
                trend: f.trend,
            })
            .collect();
        Truth::from_file(TruthFile {
            category_floor: choice::CATEGORY_FLOOR,
            brand_boost: choice::BRAND_BOOST,
            categories: (0..catalog.n_leaves).map(Catalog::category_path).collect(),
            brands: catalog.brands.iter().map(|b| b.name.clone()).collect(),
            items,
            users,
        })
    }

    fn from_file(file: TruthFile) -> Truth {
        let groups = ItemGroups::new(
            file.items.iter().map(|i| i.category).collect(),
            file.items.iter().map(|i| i.brand).collect(),
            file.categories.len(),
        );
        let masses = groups.masses(|i| file.items[i].popularity);
        let prefs = file.users.iter().map(Prefs::new).collect();
        Truth {
            file,
            groups,
            masses,
            prefs,
        }
    }

    /// Reads a `truth.json` written by [`super::Shop::write_files`].
    pub fn read(path: &Path) -> Result<Truth> {
        let file = std::fs::File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Truth::from_reader(std::io::BufReader::new(file)).map_err(|e| match e {
            Error::Unreadable { reason, .. } => Error::Unreadable {
                path: path.to_path_buf(),
                reason,
            },
            other => other,
        })
    }

    /// Reads the truth from JSON text in the layout of `truth.json`.
    pub fn from_reader(reader: impl Read) -> Result<Truth> {
        let unreadable = |reason: String| Error::Unreadable {
            path: "truth.json".into(),
            reason,
        };
        let file: TruthFile = serde_json::from_reader(reader).map_err(|e| {
            unreadable(format!(
                "not a ShopLab truth file ({e}); regenerate it with `shoplab generate`"
            ))
        })?;
        let n_cats = file.categories.len() as u32;
        let n_brands = file.brands.len() as u32;
        if let Some(bad) = file
            .items
            .iter()
            .find(|i| i.category >= n_cats || i.brand >= n_brands)
        {
            return Err(unreadable(format!(
                "item {} refers to category {} or brand {} beyond the {n_cats} categories and \
                 {n_brands} brands listed; regenerate the file",
                bad.item, bad.category, bad.brand
            )));
        }
        if let Some(t) = file.users.iter().find(|t| {
            t.categories.len() > choice::MAX_CATEGORIES || t.brands.len() > choice::MAX_BRANDS
        }) {
            return Err(unreadable(format!(
                "user {} has {} favourite categories and {} brands, more than the {} and {} \
                 the generator makes; regenerate the file",
                t.user,
                t.categories.len(),
                t.brands.len(),
                choice::MAX_CATEGORIES,
                choice::MAX_BRANDS
            )));
        }
        if (file.category_floor, file.brand_boost) != (choice::CATEGORY_FLOOR, choice::BRAND_BOOST)
        {
            return Err(unreadable(
                "written by a different version of the generator (category_floor or brand_boost \
                 differ); regenerate it with this version"
                    .to_string(),
            ));
        }
        Ok(Truth::from_file(file))
    }

    /// Category paths, indexed by [`Share::index`](super::Share) of category tastes.
    pub fn categories(&self) -> &[String] {
        &self.file.categories
    }

    /// Brand names, indexed by [`Share::index`](super::Share) of brand tastes.
    pub fn brands(&self) -> &[String] {
        &self.file.brands
    }

    /// Per-item truth, in catalog order.
    pub fn items(&self) -> &[ItemTruth] {
        &self.file.items
    }

    /// Per-user tastes, in user order.
    pub fn users(&self) -> &[Taste] {
        &self.file.users
    }

    /// Probability that user `user`'s next item pick (in a session, ignoring funnel
    /// drop-off and the time of the pick) is item `item`; both are indices into
    /// [`super::Shop::users`] and [`super::Shop::items`]. The values of one user sum to 1
    /// over all items, so ranking items by it gives the ideal recommendation list.
    /// Out-of-range indices have affinity 0.
    pub fn true_affinity(&self, user: usize, item: usize) -> f64 {
        let (Some(taste), Some(truth)) = (self.prefs.get(user), self.file.items.get(item)) else {
            return 0.0;
        };
        let n_leaves = self.file.categories.len();
        taste.leaf_probability(truth.category as usize, n_leaves)
            * self.groups.item_probability(&self.masses, taste, item)
    }

    /// Shoppers' preferences in the event generator's compact form, in user order.
    pub(crate) fn prefs(&self) -> &[Prefs] {
        &self.prefs
    }

    /// The item grouping shared with the event generator.
    pub(crate) fn groups(&self) -> &ItemGroups {
        &self.groups
    }
}

// Serialised through `TruthFile` only; reading goes through `Truth::from_reader`,
// which validates indices before building the derived tables.
impl Serialize for Truth {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.file.serialize(serializer)
    }
}
