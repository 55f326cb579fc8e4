//! The synthetic shop: a seeded generator of catalog, shoppers, events and search
//! judgments whose generative truth is known, for tests, benchmarks and workshops.

mod catalog;
mod choice;
mod events;
mod ids;
mod query;
mod sampling;
mod shoppers;
mod spec;
mod truth;
mod vocab;
mod write;

use std::collections::BTreeMap;
use std::path::Path;

pub use choice::{Share, Taste};
pub use events::Events;
pub use spec::ShopSpec;
pub use truth::{ItemTruth, Truth};
pub use write::WrittenFiles;

use crate::error::Result;
use crate::model::{EventKind, Item, Judgment, Record, User};
use catalog::Catalog;

/// A synthetic shop, generated from a [`ShopSpec`]; the same spec always gives
/// byte-identical items, users, events and judgments, on any machine.
///
/// # The generative story
///
/// 1. **Catalog.** Up to 40 categories in a two-level tree (Electronics > Headphones,
///    Home > Kitchen, Fashion > Shoes, ...), each with its product nouns, colours,
///    materials, sizes and a median price. Brands each sell in one department. An item
///    is a category, a noun, a colour, a material, a size and a brand; its title is
///    composed from them ("Lumeo Classic Red Cotton T-Shirt", or for some items in
///    Chinese: "Lumeo 红色 棉质 T恤"). Its price is log-normal around the category's
///    median, scaled by the brand's price level. Items get a popularity by Zipf's law
///    (the item of rank r has weight 1/r^s), and a quarter of them rise over time while
///    another quarter fade.
/// 2. **Shoppers.** Each shopper likes 1 to 4 categories and 1 to 3 brands, with
///    weights concentrated on one or two; has an activity level (log-normal, so a few
///    shoppers are very busy) and a price sensitivity.
/// 3. **Sessions.** A session belongs to a shopper drawn by activity. It looks at 1 to 8
///    items: each from one of the shopper's categories (any category 10% of the time,
///    the previous item's category 60% of the time), then an item of that category by
///    popularity, times its trend at that moment, times a boost for favourite brands.
///    Each item goes down the funnel: a view; a click about half the time; then an
///    add-to-cart (less likely when the price is above the category median, more so for
///    price-sensitive shoppers); then a purchase about half the time. Some sessions
///    start with a search whose words are the attributes of the item wanted ("red
///    headphones", "lumeo t-shirt", Chinese words for Chinese items); the shopper finds
///    it at some result position and may click other results of the same category.
/// 4. **Truth.** Because the story is known, so is the answer: [`Truth::true_affinity`]
///    is the probability that a shopper's next item is a given item, and every search
///    query has graded judgments from the items' attributes.
#[derive(Debug, Clone)]
pub struct Shop {
    spec: ShopSpec,
    catalog: Catalog,
    users: Vec<User>,
    truth: Truth,
    /// Draws the shopper of a session, by activity.
    activity: sampling::AliasTable,
    /// Number of steps in which trends change over the log.
    n_epochs: usize,
}

impl Shop {
    /// Generates the catalog, the shoppers and their tastes (small and in memory); the
    /// events are generated later, lazily, by [`Shop::events`].
    pub fn generate(spec: &ShopSpec) -> Shop {
        let spec = spec.normalized();
        let catalog = Catalog::generate(&spec);
        let (users, tastes) = shoppers::generate(&spec, &catalog);
        let activity: Vec<f64> = tastes.iter().map(|t| t.activity).collect();
        let activity = sampling::AliasTable::new(&activity);
        let n_epochs = (spec.days as usize).clamp(1, events::MAX_EPOCHS);
        let truth = Truth::new(&catalog, tastes, n_epochs, spec.trend_strength);
        Shop {
            spec,
            catalog,
            users,
            truth,
            activity,
            n_epochs,
        }
    }

    /// The spec this shop was generated from, with out-of-range values brought in range.
    pub fn spec(&self) -> &ShopSpec {
        &self.spec
    }

    /// The catalog.
    pub fn items(&self) -> &[Item] {
        &self.catalog.items
    }

    /// The shoppers.
    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// The generative truth: tastes, popularity and true affinities.
    pub fn truth(&self) -> &Truth {
        &self.truth
    }

    /// The events, exactly `spec.n_events` of them in timestamp order, generated
    /// lazily (memory stays small for any number of events).
    pub fn events(&self) -> Events<'_> {
        Events::new(self)
    }

    /// Graded judgments of every distinct query searched in [`Shop::events`] (the 2,000
    /// most frequent when there are more): grade 2 for each item with all the query's
    /// attributes, 1 for up to 10 other items of its category, 0 for up to 10 items of
    /// other categories. Runs through the event stream once to find the queries.
    pub fn judgments(&self) -> Vec<Judgment> {
        let mut queries = BTreeMap::new();
        for e in events::RawEvents::new(self) {
            if let (EventKind::Search, Some(q)) = (e.kind, e.query) {
                *queries.entry(q).or_insert(0u64) += 1;
            }
        }
        let mut rng = sampling::rng(self.spec.seed, sampling::Stream::Judgments);
        query::judgments(
            &queries,
            &self.catalog.facts,
            &self.catalog.brands,
            self.truth.groups(),
            &mut rng,
        )
    }

    /// Every record: items, then users, then events, then judgments.
    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        let items = self.items().iter().cloned().map(Record::Item);
        let users = self.users().iter().cloned().map(Record::User);
        let events = self.events().map(Record::Event);
        // Judgments are computed only once the consumer gets past the events.
        let judgments = std::iter::once(())
            .flat_map(|()| self.judgments())
            .map(Record::Judgment);
        items.chain(users).chain(events).chain(judgments)
    }

    /// Writes `catalog.csv`, `users.csv`, `events.csv`, `judgments.csv` and `truth.json`
    /// into `dir` (created if missing) in ShopLab's generic formats. Each file is written
    /// under a temporary name and renamed when complete, so a crash never leaves a
    /// half-written file under a final name.
    pub fn write_files(&self, dir: &Path) -> Result<WrittenFiles> {
        write::write_files(self, dir)
    }
}

#[cfg(test)]
mod tests;
