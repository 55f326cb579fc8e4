//! Graded search judgments derived from what shoppers did after searching.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shoplab_datasets::EventKind;

/// One shopper event that carries the search query it followed (the event
/// store produces these from events with a query).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchInteraction {
    /// Dense user index.
    pub user: u32,
    /// Session id, when the source has one.
    pub session: Option<String>,
    /// Unix seconds.
    pub ts: i64,
    /// What happened (a search, or a click / cart / purchase from its results).
    pub kind: EventKind,
    /// Dense item index acted on; `None` for the search itself.
    pub item: Option<u32>,
    /// The query text the shopper typed.
    pub query: String,
    /// 1-based position of the item in the result list, when known.
    pub position: Option<u32>,
}

/// Gain of an event kind as a judgment: click 1, cart 2, purchase 3; other
/// kinds say nothing about relevance.
pub fn gain_of(kind: EventKind) -> Option<f64> {
    match kind {
        EventKind::Click => Some(1.0),
        EventKind::Cart => Some(2.0),
        EventKind::Purchase => Some(3.0),
        EventKind::View | EventKind::Search | EventKind::Rating => None,
    }
}

/// The query text judgments are grouped by: lowercase, single spaces, trimmed
/// (`"Cordless  Drill "` and `"cordless drill"` are one query).
pub fn normalise_query(query: &str) -> String {
    query
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `(query, item, gain)` judgments from search-then-act behaviour: each
/// (normalised query, item) pair gets the highest gain of any event on it
/// (see [`gain_of`]). Sorted by query, then item.
pub fn derive_judgments(events: &[SearchInteraction]) -> Vec<(String, u32, f64)> {
    let mut best: BTreeMap<(String, u32), f64> = BTreeMap::new();
    for e in events {
        let (Some(item), Some(gain)) = (e.item, gain_of(e.kind)) else {
            continue;
        };
        let query = normalise_query(&e.query);
        if query.is_empty() {
            continue;
        }
        let g = best.entry((query, item)).or_insert(gain);
        *g = g.max(gain);
    }
    best.into_iter().map(|((q, i), g)| (q, i, g)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: EventKind, item: Option<u32>, query: &str) -> SearchInteraction {
        SearchInteraction {
            user: 0,
            session: None,
            ts: 0,
            kind,
            item,
            query: query.to_string(),
            position: None,
        }
    }

    #[test]
    fn grades_take_the_strongest_action_per_query_and_item() {
        let events = [
            ev(EventKind::Search, None, "drill"),
            ev(EventKind::Click, Some(1), "drill"),
            ev(EventKind::Purchase, Some(1), "Drill "),
            ev(EventKind::Click, Some(1), "drill"),
            ev(EventKind::Cart, Some(2), "drill"),
            ev(EventKind::Click, Some(3), "drill"),
            ev(EventKind::View, Some(4), "drill"),
            ev(EventKind::Click, Some(1), "cordless  DRILL"),
            ev(EventKind::Click, Some(5), "   "),
        ];
        assert_eq!(
            derive_judgments(&events),
            vec![
                ("cordless drill".to_string(), 1, 1.0),
                ("drill".to_string(), 1, 3.0),
                ("drill".to_string(), 2, 2.0),
                ("drill".to_string(), 3, 1.0),
            ]
        );
    }
}
