//! The shop data model: items, users, events and search judgments.
//!
//! Ids are the shop's own strings (SKUs, hashed user ids, ...). The engine maps
//! them to dense integer indices when it stores them; nothing here assumes a
//! numeric id.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A product in the catalog.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Item {
    /// The shop's own item id (SKU, product id).
    pub id: String,
    /// Product title as shown to shoppers.
    pub title: String,
    /// Longer description; may be empty.
    pub description: String,
    /// Brand or manufacturer; may be empty.
    pub brand: String,
    /// Category path from the root, e.g. `["Tools", "Power Tools", "Drills"]`.
    pub category: Vec<String>,
    /// Price in the shop's currency; `None` when unknown. Never negative or NaN.
    pub price: Option<f64>,
    /// Free-form attributes (colour, size, material, ...).
    pub attributes: BTreeMap<String, String>,
    /// Image address; may be empty.
    pub image_url: String,
}

impl Item {
    /// Category path joined with ` > ` for display and indexing.
    pub fn category_path(&self) -> String {
        self.category.join(" > ")
    }
}

/// A shopper.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    /// The shop's own user id.
    pub id: String,
    /// Free-form attributes (age band, region, ...).
    pub attributes: BTreeMap<String, String>,
}

/// What a shopper did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// Looked at a product page.
    View,
    /// Clicked a product in a list or search result.
    Click,
    /// Added to cart.
    Cart,
    /// Bought.
    Purchase,
    /// Ran a search (the query is in `Event::query`, `item` is usually empty).
    Search,
    /// Gave an explicit rating (the rating is in `Event::value`).
    Rating,
}

impl EventKind {
    /// All kinds, in funnel order.
    pub const ALL: [EventKind; 6] = [
        EventKind::View,
        EventKind::Click,
        EventKind::Cart,
        EventKind::Purchase,
        EventKind::Search,
        EventKind::Rating,
    ];

    /// Stable lowercase name, as stored on disk.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::View => "view",
            EventKind::Click => "click",
            EventKind::Cart => "cart",
            EventKind::Purchase => "purchase",
            EventKind::Search => "search",
            EventKind::Rating => "rating",
        }
    }

    /// Stable small integer code, as stored in the event store.
    pub fn code(self) -> u8 {
        match self {
            EventKind::View => 0,
            EventKind::Click => 1,
            EventKind::Cart => 2,
            EventKind::Purchase => 3,
            EventKind::Search => 4,
            EventKind::Rating => 5,
        }
    }

    /// Inverse of [`EventKind::code`].
    pub fn from_code(code: u8) -> Option<EventKind> {
        EventKind::ALL.get(usize::from(code)).copied()
    }

    /// Default implicit-feedback strength of this kind (purchase > cart > click > view).
    pub fn default_weight(self) -> f32 {
        match self {
            EventKind::View => 1.0,
            EventKind::Click => 1.0,
            EventKind::Cart => 2.0,
            EventKind::Purchase => 4.0,
            EventKind::Search => 0.0,
            EventKind::Rating => 1.0,
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an event kind that is not one of the known names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event kind '{0}' (expected one of view, click, cart, purchase, search, rating)")]
pub struct UnknownEventKind(pub String);

impl FromStr for EventKind {
    type Err = UnknownEventKind;

    /// Accepts the canonical names and common synonyms used by shop exports.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Canonical names first: imports parse one per event, and this path
        // needs no allocation.
        if let Some(k) = EventKind::ALL.into_iter().find(|k| k.as_str() == s) {
            return Ok(k);
        }
        let k = s.trim().to_ascii_lowercase();
        Ok(match k.as_str() {
            "view" | "views" | "pageview" | "page_view" | "detail" | "impression" => {
                EventKind::View
            }
            "click" | "clicks" => EventKind::Click,
            "cart" | "addtocart" | "add_to_cart" | "add-to-cart" | "basket" => EventKind::Cart,
            "purchase" | "buy" | "order" | "transaction" | "checkout" => EventKind::Purchase,
            "search" | "query" => EventKind::Search,
            "rating" | "rate" | "review" => EventKind::Rating,
            _ => return Err(UnknownEventKind(s.to_string())),
        })
    }
}

/// One thing a shopper did at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unix time in seconds (UTC).
    pub ts: i64,
    /// The shop's user id.
    pub user: String,
    /// Session id, when the source has one.
    pub session: Option<String>,
    /// The item acted on; `None` for a search without a clicked item.
    pub item: Option<String>,
    /// What happened.
    pub kind: EventKind,
    /// Search query text, for searches and for clicks that came from a search.
    pub query: Option<String>,
    /// Rating value, quantity or price paid, depending on the kind.
    pub value: Option<f64>,
    /// 1-based position of the item in the list it was clicked from.
    pub position: Option<u32>,
}

/// A graded relevance judgment of one item for one search query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgment {
    /// The query text as a shopper typed it.
    pub query: String,
    /// The judged item's id.
    pub item: String,
    /// Relevance grade; 0 means not relevant, higher is better. May be fractional
    /// (Home Depot's grades are means of three raters).
    pub grade: f64,
}

/// One parsed record from any reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "lowercase")]
pub enum Record {
    /// A catalog entry.
    Item(Item),
    /// A shopper profile.
    User(User),
    /// A shopper event.
    Event(Event),
    /// A search relevance judgment.
    Judgment(Judgment),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kind_codes_round_trip() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::from_code(k.code()), Some(k));
            assert_eq!(k.as_str().parse::<EventKind>(), Ok(k));
        }
        assert_eq!(EventKind::from_code(6), None);
    }

    #[test]
    fn event_kind_synonyms() {
        assert_eq!("addtocart".parse::<EventKind>(), Ok(EventKind::Cart));
        assert_eq!(
            " Transaction ".parse::<EventKind>(),
            Ok(EventKind::Purchase)
        );
        assert!("teleport".parse::<EventKind>().is_err());
    }
}
