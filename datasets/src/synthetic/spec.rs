//! What synthetic shop to generate: sizes, seed and the knobs of the generative story.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::vocab;

/// The parameters of a synthetic shop. The same spec always yields byte-identical output.
///
/// Defaults (those of [`ShopSpec::demo`]): seed 42, 400 users, 800 items, 30,000 events,
/// all 40 built-in leaf categories, 60 brands, Zipf exponent 1.0, 15% Chinese titles,
/// start 2024-01-01, 30 days, trend strength 1.0, 15% of sessions start with a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShopSpec {
    /// Seed of every random choice. Default 42.
    pub seed: u64,
    /// Number of shoppers. Default 400; at least 1.
    pub n_users: u32,
    /// Number of catalog items. Default 800; at least 1.
    pub n_items: u32,
    /// Number of events. The generator stops at exactly this many (the last session is
    /// cut short), so the count is exact. Default 30,000.
    pub n_events: u64,
    /// Number of leaf categories of the two-level category tree, taken from the built-in
    /// vocabulary (at most 40; larger values use all 40). Default 40.
    pub n_categories: u32,
    /// Number of brands; each sells in one top-level department, and every department
    /// in use gets at least one (so the count may be raised to that). Default 60.
    pub n_brands: u32,
    /// Exponent `s` of item popularity: the item of popularity rank `r` has base weight
    /// `1 / r^s`. 0 means all items are equally popular; at most 5. Default 1.0.
    pub zipf_exponent: f64,
    /// Fraction of items whose title and description are in Chinese. Default 0.15.
    pub chinese_share: f64,
    /// First day of the event log (UTC midnight). Default 2024-01-01.
    pub start_date: NaiveDate,
    /// Length of the event log in days. Default 30; at least 1.
    pub days: u32,
    /// How strongly trending items rise or fade over the log: a trending item's weight is
    /// multiplied by up to `e^strength` at one end of the log and `e^-strength` at the
    /// other. 0 turns trends off; at most 10. Default 1.0.
    pub trend_strength: f64,
    /// Fraction of sessions that start with a search. Default 0.15.
    pub queries_share: f64,
}

impl Default for ShopSpec {
    fn default() -> Self {
        ShopSpec::demo()
    }
}

impl ShopSpec {
    /// The bundled demo shop: about 400 users, 800 items and 30,000 events over 30 days;
    /// imports, trains and evaluates in seconds.
    pub fn demo() -> ShopSpec {
        ShopSpec {
            seed: 42,
            n_users: 400,
            n_items: 800,
            n_events: 30_000,
            n_categories: vocab::LEAVES.len() as u32,
            n_brands: 60,
            zipf_exponent: 1.0,
            chinese_share: 0.15,
            start_date: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(),
            days: 30,
            trend_strength: 1.0,
            queries_share: 0.15,
        }
    }

    /// A shop the size of MovieLens 1M: 6,040 users, 3,706 items, 1,000,209 events.
    pub fn movielens_1m_sized() -> ShopSpec {
        ShopSpec {
            n_users: 6_040,
            n_items: 3_706,
            n_events: 1_000_209,
            n_brands: 150,
            days: 180,
            ..ShopSpec::demo()
        }
    }

    /// A shop with `n_events` events and users and items scaled to match: one user per
    /// 50 events and one item per 200 (10M events: 200K users, 50K items), one brand
    /// per 25 items, with floors so tiny shops still have some variety; logs of a
    /// million events or more span 90 days instead of 30.
    pub fn with_events(n_events: u64) -> ShopSpec {
        let users = (n_events / 50).clamp(50, u64::from(u32::MAX));
        let items = (n_events / 200).clamp(100, u64::from(u32::MAX));
        ShopSpec {
            n_users: users as u32,
            n_items: items as u32,
            n_events,
            n_brands: (items / 25).clamp(20, 5_000) as u32,
            days: if n_events >= 1_000_000 { 90 } else { 30 },
            ..ShopSpec::demo()
        }
    }

    /// The spec with every count and share brought into its valid range; generation uses this.
    pub(crate) fn normalized(&self) -> ShopSpec {
        let share = |x: f64| {
            if x.is_finite() {
                x.clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        let non_negative = |x: f64| if x.is_finite() { x.max(0.0) } else { 0.0 };
        ShopSpec {
            seed: self.seed,
            n_users: self.n_users.max(1),
            n_items: self.n_items.max(1),
            n_events: self.n_events,
            n_categories: self.n_categories.clamp(1, vocab::LEAVES.len() as u32),
            n_brands: self.n_brands.max(1),
            // Past these, weights underflow or overflow f64 and stop meaning anything.
            zipf_exponent: non_negative(self.zipf_exponent).min(5.0),
            chinese_share: share(self.chinese_share),
            start_date: self.start_date,
            days: self.days.max(1),
            trend_strength: non_negative(self.trend_strength).min(10.0),
            queries_share: share(self.queries_share),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_have_the_documented_sizes() {
        let ml = ShopSpec::movielens_1m_sized();
        assert_eq!(
            (ml.n_users, ml.n_items, ml.n_events),
            (6_040, 3_706, 1_000_209)
        );
        let big = ShopSpec::with_events(10_000_000);
        assert_eq!((big.n_users, big.n_items), (200_000, 50_000));
        let tiny = ShopSpec::with_events(1_000);
        assert!(tiny.n_users >= 50 && tiny.n_items >= 100);
    }

    #[test]
    fn missing_fields_take_defaults() -> Result<(), serde_json::Error> {
        let spec: ShopSpec = serde_json::from_str(r#"{"seed": 7, "start_date": "2023-05-02"}"#)?;
        assert_eq!(spec.seed, 7);
        assert_eq!(spec.n_users, ShopSpec::demo().n_users);
        assert_eq!(
            spec.start_date,
            NaiveDate::from_ymd_opt(2023, 5, 2).unwrap_or_default()
        );
        Ok(())
    }

    #[test]
    fn normalized_clamps_out_of_range_values() {
        let spec = ShopSpec {
            n_users: 0,
            n_categories: 1_000,
            chinese_share: f64::NAN,
            queries_share: 3.0,
            zipf_exponent: 1e9,
            ..ShopSpec::demo()
        };
        let n = spec.normalized();
        assert_eq!(n.n_users, 1);
        assert_eq!(n.n_categories, vocab::LEAVES.len() as u32);
        assert_eq!(n.chinese_share, 0.0);
        assert_eq!(n.queries_share, 1.0);
        assert_eq!(n.zipf_exponent, 5.0);
    }
}
