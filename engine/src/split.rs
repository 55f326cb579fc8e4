//! Train / validation / test splits of an interaction log.
//!
//! Three protocols: a global temporal cut, leave-last-out per shopper, and a
//! seeded random split per event. The validation part is carved from the
//! training part with the same protocol. Every split is deterministic: the
//! same log and spec always give the same parts, on any machine.

use std::fmt;
use std::str::FromStr;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use shoplab_datasets::Interactions;

use crate::error::{Error, Result};

/// How to split, with the validation fraction and seed of each protocol.
///
/// JSON form: `{"method": "temporal", "test_fraction": 0.2, "valid_fraction": 0.0, "seed": 42}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum SplitSpec {
    /// Global time cut: the latest `test_fraction` of all events is the test set.
    Temporal {
        /// Share of events (latest first) held out for testing (default 0.2).
        #[serde(default = "default_fraction")]
        test_fraction: f64,
        /// Share of the remaining training events held out for validation, the same way (default 0.0).
        #[serde(default)]
        valid_fraction: f64,
        /// Unused by the temporal cut; kept so every split records a seed (default 42).
        #[serde(default = "default_seed")]
        seed: u64,
    },
    /// Per shopper, their last `n` interactions (by time) are the test set,
    /// as in RecBole; earlier events on the same items stay in training.
    LeaveLastOut {
        /// Interactions held out per shopper (default 1); an interaction is
        /// every event on one item at one moment.
        #[serde(default = "default_n")]
        n: usize,
        /// When above 0 (any value), the next `n` latest interactions per
        /// shopper become validation (default 0.0).
        #[serde(default)]
        valid_fraction: f64,
        /// Unused by leave-last-out; kept so every split records a seed (default 42).
        #[serde(default = "default_seed")]
        seed: u64,
    },
    /// Each event goes to test with probability `test_ratio` (exactly that share, shuffled by `seed`).
    Random {
        /// Share of events held out for testing (default 0.2).
        #[serde(default = "default_fraction")]
        test_ratio: f64,
        /// Share of the remaining training events held out for validation (default 0.0).
        #[serde(default)]
        valid_fraction: f64,
        /// Seed of the ChaCha8 shuffle (default 42).
        #[serde(default = "default_seed")]
        seed: u64,
    },
}

fn default_fraction() -> f64 {
    0.2
}

fn default_seed() -> u64 {
    42
}

fn default_n() -> usize {
    1
}

impl Default for SplitSpec {
    /// Temporal 80/20: the protocol closest to how a shop uses a model.
    fn default() -> Self {
        SplitSpec::Temporal {
            test_fraction: default_fraction(),
            valid_fraction: 0.0,
            seed: default_seed(),
        }
    }
}

impl SplitSpec {
    /// Method name as in JSON (`temporal`, `leave_last_out`, `random`).
    pub fn method(&self) -> &'static str {
        match self {
            SplitSpec::Temporal { .. } => "temporal",
            SplitSpec::LeaveLastOut { .. } => "leave_last_out",
            SplitSpec::Random { .. } => "random",
        }
    }

    /// Share of training events carved out for validation.
    pub fn valid_fraction(&self) -> f64 {
        match self {
            SplitSpec::Temporal { valid_fraction, .. }
            | SplitSpec::LeaveLastOut { valid_fraction, .. }
            | SplitSpec::Random { valid_fraction, .. } => *valid_fraction,
        }
    }

    /// The recorded seed.
    pub fn seed(&self) -> u64 {
        match self {
            SplitSpec::Temporal { seed, .. }
            | SplitSpec::LeaveLastOut { seed, .. }
            | SplitSpec::Random { seed, .. } => *seed,
        }
    }

    /// Sets the test share of a temporal or random split.
    pub fn set_test_fraction(&mut self, value: f64) -> Result<()> {
        check_fraction("test fraction", value, false)?;
        match self {
            SplitSpec::Temporal { test_fraction, .. } => *test_fraction = value,
            SplitSpec::Random { test_ratio, .. } => *test_ratio = value,
            SplitSpec::LeaveLastOut { .. } => {
                return Err(Error::invalid(
                    "test fraction",
                    value,
                    "leave_last_out holds out the last n interactions of each shopper, not a fraction; use temporal or random",
                ));
            }
        }
        Ok(())
    }

    /// Sets the validation share.
    pub fn set_valid_fraction(&mut self, value: f64) -> Result<()> {
        check_fraction("valid fraction", value, true)?;
        match self {
            SplitSpec::Temporal { valid_fraction, .. }
            | SplitSpec::LeaveLastOut { valid_fraction, .. }
            | SplitSpec::Random { valid_fraction, .. } => *valid_fraction = value,
        }
        Ok(())
    }

    /// Sets the seed.
    pub fn set_seed(&mut self, value: u64) {
        match self {
            SplitSpec::Temporal { seed, .. }
            | SplitSpec::LeaveLastOut { seed, .. }
            | SplitSpec::Random { seed, .. } => *seed = value,
        }
    }

    fn validate(&self) -> Result<()> {
        match self {
            SplitSpec::Temporal { test_fraction, .. } => {
                check_fraction("test_fraction", *test_fraction, false)?
            }
            SplitSpec::Random { test_ratio, .. } => {
                check_fraction("test_ratio", *test_ratio, false)?
            }
            SplitSpec::LeaveLastOut { n, .. } => {
                if *n == 0 {
                    return Err(Error::invalid(
                        "n",
                        n,
                        "leave_last_out needs at least 1 interaction per shopper",
                    ));
                }
            }
        }
        check_fraction("valid_fraction", self.valid_fraction(), true)
    }
}

fn check_fraction(name: &str, value: f64, zero_ok: bool) -> Result<()> {
    let low_ok = if zero_ok { value >= 0.0 } else { value > 0.0 };
    if low_ok && value < 1.0 {
        Ok(())
    } else {
        let range = if zero_ok {
            "0 (inclusive) and 1"
        } else {
            "0 and 1"
        };
        Err(Error::invalid(
            name,
            value,
            format!("must be between {range} (exclusive), e.g. 0.2"),
        ))
    }
}

impl fmt::Display for SplitSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitSpec::Temporal { test_fraction, .. } => {
                write!(f, "temporal, test {:.0}%", test_fraction * 100.0)?
            }
            SplitSpec::LeaveLastOut {
                n, valid_fraction, ..
            } => {
                // Its validation part is the n interactions before the test
                // ones whatever the fraction, so no percentage is shown.
                write!(f, "leave last {n} out")?;
                if *valid_fraction > 0.0 {
                    write!(f, ", the {n} before for validation")?;
                }
                return Ok(());
            }
            SplitSpec::Random {
                test_ratio, seed, ..
            } => write!(f, "random, test {:.0}%, seed {seed}", test_ratio * 100.0)?,
        }
        let v = self.valid_fraction();
        if v > 0.0 {
            write!(f, ", valid {:.0}%", v * 100.0)?;
        }
        Ok(())
    }
}

impl FromStr for SplitSpec {
    type Err = String;

    /// A method name with default settings (`temporal`, `leave_last_out`, `random`).
    fn from_str(s: &str) -> Result<Self, String> {
        let seed = default_seed();
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "temporal" => Ok(SplitSpec::default()),
            "leave_last_out" | "loo" => Ok(SplitSpec::LeaveLastOut {
                n: default_n(),
                valid_fraction: 0.0,
                seed,
            }),
            "random" => Ok(SplitSpec::Random {
                test_ratio: default_fraction(),
                valid_fraction: 0.0,
                seed,
            }),
            other => Err(format!(
                "unknown split '{other}' (expected temporal, leave_last_out or random)"
            )),
        }
    }
}

/// The three parts of a split, over the same user and item universe.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Split {
    /// Events to train on.
    pub train: Interactions,
    /// Events for tuning and early stopping (empty when `valid_fraction` is 0).
    pub valid: Interactions,
    /// Events to evaluate on.
    pub test: Interactions,
}

impl Split {
    /// Per user index, whether the shopper has training events: the
    /// shoppers a model fitted on `train` learned a vector for.
    pub fn trained_shoppers(&self) -> Vec<bool> {
        let mut t = vec![false; self.train.n_users as usize];
        for &u in &self.train.users {
            if let Some(x) = t.get_mut(u as usize) {
                *x = true;
            }
        }
        t
    }

    /// What is known of each shopper when the test part is ranked: the
    /// training and validation events together. The model is fitted on
    /// `train` only, but at test time a shopper's validation events are
    /// part of their history: they are excluded from the ranking and read
    /// by sequential models, as RecBole's protocol does.
    pub fn history(&self) -> Interactions {
        if self.valid.is_empty() {
            return self.train.clone();
        }
        let mut all = self.train.clone();
        for e in 0..self.valid.len() {
            all.push(
                self.valid.users[e],
                self.valid.items[e],
                self.valid.ts[e],
                self.valid.kinds[e],
                self.valid.values[e],
            );
        }
        all
    }
}

/// Splits `log` by `spec`. Each event lands in exactly one part, and the
/// events of each part keep their order in `log`.
pub fn split(log: &Interactions, spec: &SplitSpec) -> Result<Split> {
    split_by(log, spec, Rule::Current)
}

/// [`split`] as ShopLab did it before 2026-12-02, when leave-last-out held
/// out every event of each shopper's last `n` distinct items (the other
/// methods are unchanged): only to recognise runs made then.
pub(crate) fn split_before_2026_12_02(log: &Interactions, spec: &SplitSpec) -> Result<Split> {
    split_by(log, spec, Rule::DistinctItems)
}

/// Which leave-last-out rule a split follows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Rule {
    /// The latest interactions (RecBole's).
    Current,
    /// Every event of the last distinct items (before 2026-12-02).
    DistinctItems,
}

fn split_by(log: &Interactions, spec: &SplitSpec, rule: Rule) -> Result<Split> {
    spec.validate()?;
    let all: Vec<usize> = (0..log.len()).collect();
    let (rest, test) = hold_out(log, &all, spec, Part::Test, rule);
    let (train, valid) = if spec.valid_fraction() > 0.0 {
        hold_out(log, &rest, spec, Part::Valid, rule)
    } else {
        (rest, Vec::new())
    };
    Ok(Split {
        train: log.select(&train),
        valid: log.select(&valid),
        test: log.select(&test),
    })
}

/// Which part is being carved out (they differ in size and seed).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Part {
    Test,
    Valid,
}

/// Splits `rows` (ascending event positions) into (kept, held out), both ascending.
fn hold_out(
    log: &Interactions,
    rows: &[usize],
    spec: &SplitSpec,
    part: Part,
    rule: Rule,
) -> (Vec<usize>, Vec<usize>) {
    let fraction = |test: f64| {
        if part == Part::Test {
            test
        } else {
            spec.valid_fraction()
        }
    };
    let mut held = match spec {
        SplitSpec::Temporal { test_fraction, .. } => {
            let mut by_time = rows.to_vec();
            // Equal times are ordered by what the events are, not where they
            // sit in the file, so a re-ordered export splits the same way.
            by_time.sort_by_key(|&e| (log.ts[e], log.items[e], log.users[e], e));
            let n_held = share(rows.len(), fraction(*test_fraction));
            by_time.split_off(rows.len() - n_held)
        }
        SplitSpec::Random {
            test_ratio, seed, ..
        } => {
            // The validation shuffle gets its own stream so it does not echo the test one.
            let mut rng = ChaCha8Rng::seed_from_u64(*seed);
            rng.set_stream(if part == Part::Test { 0 } else { 1 });
            let mut shuffled = rows.to_vec();
            shuffled.shuffle(&mut rng);
            shuffled.truncate(share(rows.len(), fraction(*test_ratio)));
            shuffled
        }
        SplitSpec::LeaveLastOut { n, .. } if rule == Rule::DistinctItems => {
            last_distinct_items_per_user(log, rows, *n)
        }
        SplitSpec::LeaveLastOut { n, .. } => last_interactions_per_user(log, rows, *n),
    };
    held.sort_unstable();
    let mut kept = Vec::with_capacity(rows.len() - held.len());
    let mut h = held.iter().peekable();
    for &r in rows {
        if h.peek() == Some(&&r) {
            h.next();
        } else {
            kept.push(r);
        }
    }
    (kept, held)
}

/// `fraction` of `n`, rounded to the nearest whole event.
fn share(n: usize, fraction: f64) -> usize {
    ((n as f64 * fraction).round() as usize).min(n)
}

/// Each shopper's `n` latest interactions, as RecBole's leave-one-out holds
/// out the latest: earlier events on the same items stay in training (a
/// repeat purchase is a repeat). An interaction is every event on one item
/// at one moment, so a view and a purchase in the same second leave
/// together rather than the view giving the purchase away. Equal times are
/// ordered by item index, whatever the file order. Shoppers who would be
/// left with no training event keep everything.
fn last_interactions_per_user(log: &Interactions, rows: &[usize], n: usize) -> Vec<usize> {
    let mut by_user = rows.to_vec();
    by_user.sort_by_key(|&e| (log.users[e], log.ts[e], log.items[e], e));
    let mut held = Vec::new();
    for events in by_user.chunk_by(|&a, &b| log.users[a] == log.users[b]) {
        let moment = |e: usize| (log.ts[e], log.items[e]);
        let (mut start, mut taken) = (events.len(), 0);
        while start > 0 && taken < n {
            let m = moment(events[start - 1]);
            while start > 0 && moment(events[start - 1]) == m {
                start -= 1;
            }
            taken += 1;
        }
        if taken == n && start > 0 {
            held.extend_from_slice(&events[start..]);
        }
    }
    held
}

/// Every event of each shopper on their `n` most recent distinct items
/// (leave-last-out before 2026-12-02). Shoppers who would be left with no
/// training item keep everything.
fn last_distinct_items_per_user(log: &Interactions, rows: &[usize], n: usize) -> Vec<usize> {
    let mut by_user = rows.to_vec();
    by_user.sort_by_key(|&e| (log.users[e], log.ts[e], log.items[e], e));
    let mut held = Vec::new();
    let mut last: Vec<u32> = Vec::with_capacity(n);
    for events in by_user.chunk_by(|&a, &b| log.users[a] == log.users[b]) {
        last.clear();
        for &e in events.iter().rev() {
            if last.len() == n {
                break;
            }
            if !last.contains(&log.items[e]) {
                last.push(log.items[e]);
            }
        }
        let n_held = events
            .iter()
            .filter(|&&e| last.contains(&log.items[e]))
            .count();
        if last.len() == n && n_held < events.len() {
            held.extend(
                events
                    .iter()
                    .copied()
                    .filter(|&e| last.contains(&log.items[e])),
            );
        }
    }
    held
}

/// How many held-out rows repeat a (shopper, item) pair of an earlier part,
/// and what [`Split::dedup`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatedPairs {
    /// Test rows.
    pub test_rows: usize,
    /// Test rows whose pair is in the training part.
    pub test_rows_in_train: usize,
    /// Test rows whose pair is in the training or validation part, or
    /// earlier in the test part.
    pub test_rows_repeated: usize,
    /// Validation rows.
    pub valid_rows: usize,
    /// Validation rows whose pair is in the training part or earlier in
    /// the validation part.
    pub valid_rows_repeated: usize,
}

/// Sorted distinct (user, item) pairs of a part.
fn pair_set(part: &Interactions) -> Vec<(u32, u32)> {
    let mut pairs: Vec<(u32, u32)> = part
        .users
        .iter()
        .copied()
        .zip(part.items.iter().copied())
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Rows of `part` that are not repeats: pair not in `before` and not seen
/// earlier in `part`. Returns (kept rows, rows whose pair is in `before`).
fn fresh_rows(part: &Interactions, before: &[(u32, u32)]) -> (Vec<usize>, usize) {
    let mut seen = std::collections::HashSet::new();
    let mut in_before = 0;
    let mut kept = Vec::with_capacity(part.len());
    for e in 0..part.len() {
        let pair = (part.users[e], part.items[e]);
        if before.binary_search(&pair).is_ok() {
            in_before += 1;
        } else if seen.insert(pair) {
            kept.push(e);
        }
    }
    (kept, in_before)
}

fn merged(a: &[(u32, u32)], b: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut m = [a, b].concat();
    m.sort_unstable();
    m.dedup();
    m
}

impl Split {
    /// Counts held-out rows that repeat a pair of an earlier part (training,
    /// then validation, then earlier test rows).
    pub fn repeated_pairs(&self) -> RepeatedPairs {
        let train = pair_set(&self.train);
        let (valid_kept, _) = fresh_rows(&self.valid, &train);
        let before_test = merged(&train, &pair_set(&self.valid));
        let (test_kept, _) = fresh_rows(&self.test, &before_test);
        let (_, test_in_train) = fresh_rows(&self.test, &train);
        RepeatedPairs {
            test_rows: self.test.len(),
            test_rows_in_train: test_in_train,
            test_rows_repeated: self.test.len() - test_kept.len(),
            valid_rows: self.valid.len(),
            valid_rows_repeated: self.valid.len() - valid_kept.len(),
        }
    }

    /// Removes repeated pairs from the held-out parts: validation rows whose
    /// pair is in training, test rows whose pair is in training or
    /// validation, and later rows of a pair within a part. Training is kept
    /// whole. Returns what was counted before removing.
    pub fn dedup(&mut self) -> RepeatedPairs {
        let counted = self.repeated_pairs();
        let train = pair_set(&self.train);
        let (valid_kept, _) = fresh_rows(&self.valid, &train);
        self.valid = self.valid.select(&valid_kept);
        let before_test = merged(&train, &pair_set(&self.valid));
        let (test_kept, _) = fresh_rows(&self.test, &before_test);
        self.test = self.test.select(&test_kept);
        counted
    }
}

/// What an exported split should warn about: an empty validation part and
/// test rows that repeat training pairs (RecBole treats them differently
/// from ShopLab: see BENCHMARKS.md).
pub fn split_warnings(spec: &SplitSpec, r: &RepeatedPairs, deduplicated: bool) -> Vec<String> {
    let mut out = Vec::new();
    if spec.valid_fraction() == 0.0 {
        out.push(
            "the validation file is empty (validation fraction 0): give --valid-fraction 0.1 for a real validation part, or tell the peer tool not to use one".into(),
        );
    }
    let pct = |n: usize, of: usize| 100.0 * n as f64 / of.max(1) as f64;
    if r.test_rows_repeated > 0 {
        if deduplicated {
            out.push(format!(
                "left out {} of {} test rows ({:.1}%) and {} of {} validation rows that repeat an earlier (shopper, item) pair",
                r.test_rows_repeated,
                r.test_rows,
                pct(r.test_rows_repeated, r.test_rows),
                r.valid_rows_repeated,
                r.valid_rows
            ));
        } else {
            out.push(format!(
                "{} of {} test rows ({:.1}%) name a (shopper, item) pair already in training ({} repeat an earlier pair of any part): ShopLab leaves them out of its test sets by default, RecBole ranks them as positives; --dedup writes files without them",
                r.test_rows_in_train,
                r.test_rows,
                pct(r.test_rows_in_train, r.test_rows),
                r.test_rows_repeated
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use shoplab_datasets::EventKind;

    fn log() -> Interactions {
        let mut log = Interactions::new(4, 6);
        // Shopper 0: items 0, 1, 2 at times 10, 20, 30, and item 1 again at 5.
        log.push(0, 0, 10, EventKind::View, 1.0);
        log.push(0, 1, 5, EventKind::View, 1.0);
        log.push(0, 1, 20, EventKind::View, 1.0);
        log.push(0, 2, 30, EventKind::View, 1.0);
        // Shopper 1: one event (stays in train). Shopper 2: one item twice (stays too).
        log.push(1, 3, 40, EventKind::View, 1.0);
        log.push(2, 4, 1, EventKind::View, 1.0);
        log.push(2, 4, 2, EventKind::View, 1.0);
        // Shopper 3: items 5 then 0.
        log.push(3, 5, 3, EventKind::View, 1.0);
        log.push(3, 0, 50, EventKind::View, 1.0);
        log
    }

    fn run(spec: &SplitSpec) -> Split {
        split(&log(), spec).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn events_at_the_same_time_split_alike_in_any_file_order() {
        // Shopper 0 rates items 0, 1, 2 in the same second; shopper 1 too.
        let rows = [(0, 0), (0, 1), (0, 2), (1, 2), (1, 0), (1, 1)];
        let held = |order: &[usize], spec: &SplitSpec| {
            let mut log = Interactions::new(2, 3);
            for &r in order {
                let (u, i) = rows[r];
                log.push(u, i, 100, EventKind::View, 1.0);
            }
            let s = split(&log, spec).unwrap_or_else(|e| panic!("{e}"));
            let mut pairs: Vec<(u32, u32)> = s
                .test
                .users
                .iter()
                .copied()
                .zip(s.test.items.iter().copied())
                .collect();
            pairs.sort_unstable();
            pairs
        };
        for spec in [
            SplitSpec::LeaveLastOut {
                n: 1,
                valid_fraction: 0.0,
                seed: 1,
            },
            SplitSpec::Temporal {
                test_fraction: 0.5,
                valid_fraction: 0.0,
                seed: 1,
            },
        ] {
            let a = held(&[0, 1, 2, 3, 4, 5], &spec);
            let b = held(&[5, 3, 4, 2, 0, 1], &spec);
            assert_eq!(a, b, "{spec:?}");
        }
    }

    #[test]
    fn temporal_cut_takes_the_latest_events() {
        let s = run(&SplitSpec::Temporal {
            test_fraction: 0.3,
            valid_fraction: 0.0,
            seed: 1,
        });
        // round(9 · 0.3) = 3 latest: times 30, 40, 50.
        assert_eq!(s.test.ts, vec![30, 40, 50]);
        assert_eq!(s.train.len(), 6);
        assert!(s.valid.is_empty());
        let s = run(&SplitSpec::Temporal {
            test_fraction: 0.3,
            valid_fraction: 0.5,
            seed: 1,
        });
        // The valid part is the latest half of the remaining six.
        assert_eq!(s.valid.ts, vec![10, 5, 20]);
    }

    #[test]
    fn leave_last_out_holds_out_the_latest_interactions() {
        let s = run(&SplitSpec::LeaveLastOut {
            n: 2,
            valid_fraction: 0.0,
            seed: 42,
        });
        // Shopper 0 loses items 1 (at 20) and 2; item 1 at time 5 stays in
        // training. Shoppers 2 and 3 have only 2 interactions: kept whole.
        assert_eq!(s.test.items, vec![1, 2]);
        assert_eq!(s.test.ts, vec![20, 30]);
        assert_eq!(s.test.users, vec![0, 0]);
        let s = run(&SplitSpec::LeaveLastOut {
            n: 1,
            valid_fraction: 0.1,
            seed: 42,
        });
        // Shopper 2's second look at item 4 is a repeat: test, with the
        // first look in training, as RecBole's leave-one-out has it.
        assert_eq!(
            (s.test.users.clone(), s.test.items.clone()),
            (vec![0, 2, 3], vec![2, 4, 0])
        );
        // Validation: shopper 0's next latest interaction; the others have
        // nothing left to spare.
        assert_eq!(
            (
                s.valid.users.clone(),
                s.valid.items.clone(),
                s.valid.ts.clone()
            ),
            (vec![0], vec![1], vec![20])
        );
        assert_eq!(s.train.len(), 5);
    }

    #[test]
    fn events_on_one_item_at_one_moment_leave_together() {
        // A view, a cart and a purchase of item 2 in the same second: one
        // interaction, so the view does not stay behind to give it away.
        let mut log = Interactions::new(1, 3);
        log.push(0, 0, 10, EventKind::Purchase, 1.0);
        log.push(0, 2, 50, EventKind::View, 1.0);
        log.push(0, 1, 50, EventKind::View, 1.0);
        log.push(0, 2, 50, EventKind::Cart, 1.0);
        log.push(0, 2, 50, EventKind::Purchase, 1.0);
        let s = split(
            &log,
            &SplitSpec::LeaveLastOut {
                n: 1,
                valid_fraction: 0.0,
                seed: 42,
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.test.items, vec![2, 2, 2]);
        assert_eq!(s.train.items, vec![0, 1]);
    }

    #[test]
    fn random_split_is_seeded_and_exact() {
        let spec = SplitSpec::Random {
            test_ratio: 0.4,
            valid_fraction: 0.25,
            seed: 7,
        };
        let a = run(&spec);
        assert_eq!(a, run(&spec));
        assert_eq!(a.test.len(), 4); // round(9 · 0.4)
        assert_eq!(a.valid.len(), 1); // round(5 · 0.25) -> 1
        assert_eq!(a.train.len(), 4);
        let others: Vec<Split> = (0..8)
            .map(|seed| {
                run(&SplitSpec::Random {
                    test_ratio: 0.4,
                    valid_fraction: 0.25,
                    seed,
                })
            })
            .collect();
        assert!(
            others.iter().any(|o| o.test != a.test),
            "the seed changes the split"
        );
    }

    #[test]
    fn parse_set_and_display() {
        let mut s: SplitSpec = "random".parse().unwrap_or_else(|e: String| panic!("{e}"));
        s.set_test_fraction(0.1).unwrap_or_else(|e| panic!("{e}"));
        s.set_valid_fraction(0.05).unwrap_or_else(|e| panic!("{e}"));
        s.set_seed(3);
        assert_eq!(s.to_string(), "random, test 10%, seed 3, valid 5%");
        assert!(s.set_test_fraction(1.0).is_err());
        let mut loo: SplitSpec = "leave-last-out"
            .parse()
            .unwrap_or_else(|e: String| panic!("{e}"));
        assert!(loo.set_test_fraction(0.2).is_err());
        assert!("kfold".parse::<SplitSpec>().is_err());
        let json: SplitSpec = serde_json::from_str(r#"{"method": "leave_last_out"}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            json,
            SplitSpec::LeaveLastOut {
                n: 1,
                valid_fraction: 0.0,
                seed: 42
            }
        );
        assert!(
            split(
                &log(),
                &SplitSpec::LeaveLastOut {
                    n: 0,
                    valid_fraction: 0.0,
                    seed: 1
                }
            )
            .is_err()
        );
    }

    fn arb_log() -> impl Strategy<Value = Interactions> {
        prop::collection::vec((0u32..6, 0u32..8, 0i64..20), 0..60).prop_map(|events| {
            let mut log = Interactions::new(6, 8);
            for (u, i, t) in events {
                log.push(u, i, t, EventKind::Click, 1.0);
            }
            log
        })
    }

    fn arb_spec() -> impl Strategy<Value = SplitSpec> {
        prop_oneof![
            (0.05f64..0.95, 0.0f64..0.9, any::<u64>()).prop_map(|(t, v, seed)| {
                SplitSpec::Temporal {
                    test_fraction: t,
                    valid_fraction: v,
                    seed,
                }
            }),
            (1usize..4, 0.0f64..0.9, any::<u64>()).prop_map(|(n, v, seed)| {
                SplitSpec::LeaveLastOut {
                    n,
                    valid_fraction: v,
                    seed,
                }
            }),
            (0.05f64..0.95, 0.0f64..0.9, any::<u64>()).prop_map(|(t, v, seed)| SplitSpec::Random {
                test_ratio: t,
                valid_fraction: v,
                seed
            }),
        ]
    }

    /// Events as comparable tuples, sorted.
    fn events(log: &Interactions) -> Vec<(u32, u32, i64)> {
        let mut e: Vec<_> = (0..log.len())
            .map(|i| (log.users[i], log.items[i], log.ts[i]))
            .collect();
        e.sort_unstable();
        e
    }

    proptest! {
        #[test]
        fn parts_partition_the_log_deterministically(log in arb_log(), spec in arb_spec()) {
            let s = split(&log, &spec).unwrap_or_else(|e| panic!("{e}"));
            prop_assert_eq!(s.train.len() + s.valid.len() + s.test.len(), log.len());
            let mut joined = events(&s.train);
            joined.extend(events(&s.valid));
            joined.extend(events(&s.test));
            joined.sort_unstable();
            prop_assert_eq!(joined, events(&log));
            prop_assert_eq!(&s, &split(&log, &spec).unwrap_or_else(|e| panic!("{e}")));
            if let SplitSpec::Temporal { .. } = spec {
                // Nothing in train is later than anything in test.
                let train_max = s.train.ts.iter().max();
                let test_min = s.test.ts.iter().min();
                if let (Some(a), Some(b)) = (train_max, test_min) {
                    prop_assert!(a <= b);
                }
            }
            if let SplitSpec::LeaveLastOut { .. } = spec {
                // A held-out shopper always keeps a training item.
                for &u in &s.test.users {
                    prop_assert!(s.train.users.contains(&u));
                }
            }
        }
    }

    #[test]
    fn repeated_pairs_are_counted_and_removed() {
        let mut log = Interactions::new(2, 3);
        for (u, i, t) in [
            (0, 0, 1),
            (0, 1, 2),
            (1, 2, 3),
            (0, 0, 10),
            (0, 2, 11),
            (0, 2, 12),
            (1, 2, 13),
        ] {
            log.push(u, i, t, EventKind::View, 1.0);
        }
        let spec = SplitSpec::Temporal {
            test_fraction: 4.0 / 7.0,
            valid_fraction: 0.0,
            seed: 42,
        };
        let mut parts = split(&log, &spec).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parts.test.len(), 4);
        let r = parts.repeated_pairs();
        // Test (0,0) and (1,2) repeat training; the second (0,2) repeats the first.
        assert_eq!(
            (r.test_rows, r.test_rows_in_train, r.test_rows_repeated),
            (4, 2, 3)
        );
        assert_eq!(parts.dedup(), r);
        assert_eq!(
            (parts.test.users.clone(), parts.test.items.clone()),
            (vec![0], vec![2])
        );
        assert_eq!(parts.train.len(), 3);
        assert_eq!(parts.repeated_pairs().test_rows_repeated, 0);
    }
}
