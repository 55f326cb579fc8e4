//! The event stream of a synthetic shop: sessions of searches and view, click, cart,
//! purchase funnels, generated lazily in timestamp order.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::Shop;
use super::choice::{self, Masses, Prefs};
use super::ids;
use super::query::Query;
use super::sampling::{self, ShopRng, Stream};
use crate::model::{Event, EventKind};

/// Chance that the next item of a session stays in the previous item's category.
const STAY_IN_CATEGORY: f64 = 0.6;
/// Chance that a session goes on to another item.
const NEXT_ITEM: f64 = 0.55;
/// Most items one session looks at.
const MAX_SESSION_ITEMS: u32 = 8;
/// Chance of a click after a view.
const CLICK: f64 = 0.55;
/// Chance of an add-to-cart after a click, at the category's median price.
const CART: f64 = 0.35;
/// Chance of a purchase after an add-to-cart.
const PURCHASE: f64 = 0.55;
/// Sessions start before the log's end by this much, so they finish inside it.
const SESSION_MARGIN_S: i64 = 7_200;
/// Trends change in at most this many steps over the log.
pub(crate) const MAX_EPOCHS: usize = 120;

/// One event in compact form: indices instead of strings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawEvent {
    pub ts: i64,
    /// Generation order, which breaks timestamp ties.
    pub seq: u64,
    pub session: u64,
    pub user: u32,
    pub item: Option<u32>,
    pub kind: EventKind,
    pub query: Option<Query>,
    pub position: Option<u32>,
}

/// Heap entry ordering events earliest first.
struct Pending(RawEvent);

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: `BinaryHeap` is a max-heap and the earliest event must come first.
        (other.0.ts, other.0.seq).cmp(&(self.0.ts, self.0.seq))
    }
}

/// The compact event stream, in (timestamp, generation) order.
///
/// Sessions are generated one at a time, each starting at the time proportional to the
/// events generated before it; their events wait in a small heap until no later
/// session can start before them, which keeps the output sorted while memory stays
/// bounded by the sessions that overlap in time.
pub(crate) struct RawEvents<'a> {
    shop: &'a Shop,
    rng: ShopRng,
    heap: BinaryHeap<Pending>,
    generated: u64,
    sessions: u64,
    next_start: i64,
    epoch: Option<usize>,
    masses: Masses,
    t0: i64,
    span: i64,
}

impl<'a> RawEvents<'a> {
    /// The event stream of `shop`, from its first event.
    pub fn new(shop: &'a Shop) -> RawEvents<'a> {
        let spec = &shop.spec;
        let t0 = spec
            .start_date
            .and_hms_opt(0, 0, 0)
            .map_or(0, |d| d.and_utc().timestamp());
        let span = (i64::from(spec.days) * 86_400 - SESSION_MARGIN_S).max(1);
        RawEvents {
            shop,
            rng: sampling::rng(spec.seed, Stream::Events),
            heap: BinaryHeap::new(),
            generated: 0,
            sessions: 0,
            next_start: t0,
            epoch: None,
            masses: Masses::default(),
            t0,
            span,
        }
    }

    fn target(&self) -> u64 {
        self.shop.spec.n_events
    }

    /// Start time of a session begun after `generated` events.
    fn start_after(&self, generated: u64) -> i64 {
        let offset =
            i128::from(generated) * i128::from(self.span) / i128::from(self.target().max(1));
        self.t0 + offset as i64
    }

    /// Recomputes item weights when the session falls into a new trend epoch.
    fn update_epoch(&mut self) {
        let n_epochs = self.shop.n_epochs;
        let epoch = (u128::from(self.generated) * n_epochs as u128
            / u128::from(self.target().max(1))) as usize;
        if self.epoch == Some(epoch) {
            return;
        }
        self.epoch = Some(epoch);
        let strength = self.shop.spec.trend_strength;
        let facts = &self.shop.catalog.facts;
        self.masses = self.shop.truth.groups().masses(|i| {
            facts[i].popularity * choice::trend_factor(strength, facts[i].trend, epoch, n_epochs)
        });
    }

    /// An item of `leaf` for `taste` at the current time.
    fn pick_item(&mut self, taste: &Prefs, leaf: usize) -> u32 {
        let groups = self.shop.truth.groups();
        groups
            .draw_item(&self.masses, taste, leaf, &mut self.rng)
            .unwrap_or_else(|| {
                // Only when every weight of the leaf underflowed: fall back to uniform.
                let items = groups.leaf_items(leaf);
                items[sampling::index(&mut self.rng, items.len())]
            })
    }

    /// Generates one session into the heap (cut short at the event target).
    fn session(&mut self) {
        self.update_epoch();
        let shop = self.shop;
        let n_leaves = shop.catalog.n_leaves;
        let user = shop.activity.draw(&mut self.rng);
        let taste = &shop.truth.prefs()[user];
        let mut s = SessionWriter {
            events: self,
            t: 0,
            session: 0,
            user: user as u32,
        };
        s.t = s.events.start_after(s.events.generated);
        s.session = s.events.sessions;
        s.events.sessions += 1;

        let n_items = sampling::geometric(&mut s.events.rng, NEXT_ITEM, MAX_SESSION_ITEMS);
        let mut leaf = taste.draw_leaf(&mut s.events.rng, n_leaves);
        let mut search = None;
        if sampling::uniform(&mut s.events.rng) < shop.spec.queries_share {
            let target = s.events.pick_item(taste, leaf);
            let query = Query::for_item(&shop.catalog.facts[target as usize], &mut s.events.rng);
            if !s.push(EventKind::Search, None, Some(query), None, 5..=40) {
                return;
            }
            search = Some((query, target));
        }
        for k in 0..n_items {
            if k > 0 && sampling::uniform(&mut s.events.rng) >= STAY_IN_CATEGORY {
                leaf = taste.draw_leaf(&mut s.events.rng, n_leaves);
            }
            let (item, from_search) = match search {
                Some((query, target)) if k == 0 => {
                    let position = sampling::geometric(&mut s.events.rng, 0.5, 20);
                    (target, Some((query, position)))
                }
                Some((query, _)) if usize::from(query.leaf) == leaf => {
                    let item = s.events.pick_item(taste, leaf);
                    let position = sampling::geometric(&mut s.events.rng, 0.75, 40);
                    (item, Some((query, position)))
                }
                _ => (s.events.pick_item(taste, leaf), None),
            };
            if !s.funnel(item, taste, from_search) {
                return;
            }
        }
    }
}

/// Appends the events of one session, advancing its clock.
struct SessionWriter<'s, 'a> {
    events: &'s mut RawEvents<'a>,
    t: i64,
    session: u64,
    user: u32,
}

impl SessionWriter<'_, '_> {
    /// Adds an event at the session clock, then advances the clock by a gap drawn from
    /// `gap_s`; false once the event target is reached.
    fn push(
        &mut self,
        kind: EventKind,
        item: Option<u32>,
        query: Option<Query>,
        position: Option<u32>,
        gap_s: std::ops::RangeInclusive<i64>,
    ) -> bool {
        let e = &mut *self.events;
        if e.generated >= e.target() {
            return false;
        }
        e.heap.push(Pending(RawEvent {
            ts: self.t,
            seq: e.generated,
            session: self.session,
            user: self.user,
            item,
            kind,
            query,
            position,
        }));
        e.generated += 1;
        self.t += rand::RngExt::random_range(&mut e.rng, gap_s);
        true
    }

    /// View, maybe click, maybe cart, maybe purchase of one item; false once the event
    /// target is reached.
    fn funnel(&mut self, item: u32, taste: &Prefs, from_search: Option<(Query, u32)>) -> bool {
        let (query, position) = (from_search.map(|q| q.0), from_search.map(|q| q.1));
        let step = |s: &mut Self, kind| s.push(kind, Some(item), query, position, 5..=90);
        if !step(self, EventKind::View) {
            return false;
        }
        let mut more = true;
        if sampling::uniform(&mut self.events.rng) < CLICK {
            more = step(self, EventKind::Click);
            let facts = &self.events.shop.catalog.facts[item as usize];
            // Dearer than the category's median lowers the chance to buy, more so for
            // price-sensitive shoppers: (median / price) ^ sensitivity.
            let price_factor =
                libm::exp(facts.log_cheapness * taste.price_sensitivity).clamp(0.25, 2.0);
            if more && sampling::uniform(&mut self.events.rng) < (CART * price_factor).min(0.95) {
                more = step(self, EventKind::Cart);
                if more && sampling::uniform(&mut self.events.rng) < PURCHASE {
                    more = step(self, EventKind::Purchase);
                }
            }
        }
        // The next item is looked at a little later.
        self.t += rand::RngExt::random_range(&mut self.events.rng, 10..=200);
        more
    }
}

impl Iterator for RawEvents<'_> {
    type Item = RawEvent;

    fn next(&mut self) -> Option<RawEvent> {
        loop {
            let done = self.generated >= self.target();
            match self.heap.peek() {
                Some(top) if done || top.0.ts <= self.next_start => {
                    return self.heap.pop().map(|p| p.0);
                }
                None if done => return None,
                _ => {}
            }
            self.session();
            self.next_start = self.start_after(self.generated);
        }
    }
}

/// The events of a synthetic shop, generated lazily in timestamp order.
pub struct Events<'a> {
    raw: RawEvents<'a>,
}

impl<'a> Events<'a> {
    pub(crate) fn new(shop: &'a Shop) -> Events<'a> {
        Events {
            raw: RawEvents::new(shop),
        }
    }
}

impl Iterator for Events<'_> {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        let r = self.raw.next()?;
        Some(self.raw.shop.event(&r))
    }
}

impl Shop {
    /// The full record of a compact event.
    pub(crate) fn event(&self, r: &RawEvent) -> Event {
        // Ids are formatted from indices rather than cloned from the records: that
        // avoids a cache miss per id on large shops.
        Event {
            ts: r.ts,
            user: ids::user_id(r.user as usize),
            session: Some(ids::session_id(r.session)),
            item: r.item.map(|i| ids::item_id(i as usize)),
            kind: r.kind,
            query: r.query.map(|q| q.text(&self.catalog.brands)),
            value: self.value(r),
            position: r.position,
        }
    }

    /// The value column of an event: the price paid, for purchases.
    pub(crate) fn value(&self, r: &RawEvent) -> Option<f64> {
        match (r.kind, r.item) {
            (EventKind::Purchase, Some(i)) => Some(self.catalog.facts[i as usize].price),
            _ => None,
        }
    }
}
