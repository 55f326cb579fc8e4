//! Properties of the whole synthetic shop: determinism, counts, funnels, skew,
//! languages, judgments and tastes.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::*;
use crate::model::Event;

fn spec() -> ShopSpec {
    ShopSpec {
        n_users: 200,
        n_items: 500,
        n_events: 20_000,
        ..ShopSpec::demo()
    }
}

fn item_index(id: &str) -> usize {
    id.trim_start_matches('P')
        .parse::<usize>()
        .map_or(usize::MAX, |n| n - 1)
}

#[test]
fn same_seed_same_shop_other_seed_other_shop() {
    let small = ShopSpec {
        n_events: 3_000,
        ..spec()
    };
    let a: Vec<Event> = Shop::generate(&small).events().collect();
    let b: Vec<Event> = Shop::generate(&small).events().collect();
    assert_eq!(a, b);
    let c: Vec<Event> = Shop::generate(&ShopSpec {
        seed: 43,
        ..small.clone()
    })
    .events()
    .collect();
    assert_ne!(a, c);
    assert_ne!(
        Shop::generate(&small).items()[0],
        Shop::generate(&ShopSpec { seed: 43, ..small }).items()[0]
    );
}

#[test]
fn files_are_byte_identical_and_complete() -> Result<()> {
    let small = ShopSpec {
        n_events: 5_000,
        ..spec()
    };
    let (d1, d2) = (
        tempfile::tempdir().map_err(io)?,
        tempfile::tempdir().map_err(io)?,
    );
    let w1 = Shop::generate(&small).write_files(d1.path())?;
    let w2 = Shop::generate(&small).write_files(&d2.path().join("nested"))?;
    for name in [
        "catalog.csv",
        "users.csv",
        "events.csv",
        "judgments.csv",
        "truth.json",
    ] {
        let a = std::fs::read(d1.path().join(name)).map_err(io)?;
        let b = std::fs::read(d2.path().join("nested").join(name)).map_err(io)?;
        assert!(a == b && !a.is_empty(), "{name} differs between runs");
    }
    assert_eq!((w1.n_items, w1.n_users, w1.n_events), (500, 200, 5_000));
    assert_eq!(w1.n_judgments, w2.n_judgments);
    let leftovers = std::fs::read_dir(d1.path()).map_err(io)?.count();
    assert_eq!(leftovers, 5, "no temporary files remain");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
        let plain = d1.path().join("plain");
        std::fs::File::create(&plain).map_err(io)?;
        // Same permissions as `File::create` gives, not tempfile's private 0600.
        assert_eq!(mode(&w1.events).map_err(io)?, mode(&plain).map_err(io)?);
        std::fs::remove_file(&plain).map_err(io)?;
    }

    let events = std::fs::read_to_string(&w1.events).map_err(io)?;
    let mut lines = events.lines();
    assert_eq!(
        lines.next(),
        Some("timestamp,user_id,session_id,item_id,event,query,value,position")
    );
    assert_eq!(lines.count(), 5_000);
    let catalog = std::fs::read_to_string(&w1.catalog).map_err(io)?;
    assert!(catalog.starts_with(
        "item_id,title,description,brand,category,price,image_url,attr:colour,attr:material,attr:size\n"
    ));
    assert!(catalog.contains(" > "));

    let truth = Truth::read(&w1.truth)?;
    let shop = Shop::generate(&small);
    for (u, i) in [(0, 0), (3, 17), (199, 499)] {
        assert_eq!(truth.true_affinity(u, i), shop.truth().true_affinity(u, i));
    }
    Ok(())
}

fn io(e: std::io::Error) -> crate::Error {
    crate::Error::Write {
        path: "test".into(),
        source: e,
    }
}

#[test]
fn counts_and_funnel_shape() {
    let spec = spec();
    let shop = Shop::generate(&spec);
    assert_eq!((shop.items().len(), shop.users().len()), (500, 200));
    let events: Vec<Event> = shop.events().collect();
    assert_eq!(events.len(), 20_000, "exactly n_events");
    let mut kinds: BTreeMap<EventKind, usize> = BTreeMap::new();
    for e in &events {
        *kinds.entry(e.kind).or_default() += 1;
    }
    let n = |k| kinds.get(&k).copied().unwrap_or(0);
    let (view, click, cart, buy) = (
        n(EventKind::View),
        n(EventKind::Click),
        n(EventKind::Cart),
        n(EventKind::Purchase),
    );
    assert!(
        view > click && click > cart && cart > buy && buy > 0,
        "{kinds:?}"
    );
    let sessions: BTreeSet<&str> = events.iter().filter_map(|e| e.session.as_deref()).collect();
    let search_share = n(EventKind::Search) as f64 / sessions.len() as f64;
    assert!(
        (0.1..0.2).contains(&search_share),
        "{search_share} of sessions search"
    );

    let t0 = spec
        .start_date
        .and_hms_opt(0, 0, 0)
        .map_or(0, |d| d.and_utc().timestamp());
    let end = t0 + i64::from(spec.days) * 86_400;
    assert!(
        events.windows(2).all(|w| w[0].ts <= w[1].ts),
        "timestamps never go back"
    );
    assert!(events.iter().all(|e| (t0..end).contains(&e.ts)));
    assert!(
        events.last().map_or(0, |e| e.ts) > end - 2 * 86_400,
        "events span the days"
    );
    for e in &events {
        assert_eq!(e.item.is_none(), e.kind == EventKind::Search);
        assert_eq!(e.value.is_some(), e.kind == EventKind::Purchase);
        assert_eq!(
            e.query.is_some(),
            e.position.is_some() || e.kind == EventKind::Search
        );
    }
}

#[test]
fn purchases_follow_views_in_their_session() {
    let shop = Shop::generate(&spec());
    let mut viewed: BTreeSet<(String, String)> = BTreeSet::new();
    let mut purchases = 0;
    for e in shop.events() {
        let (Some(session), Some(item)) = (e.session, e.item) else {
            continue;
        };
        match e.kind {
            EventKind::View => {
                viewed.insert((session, item));
            }
            EventKind::Click | EventKind::Cart | EventKind::Purchase => {
                assert!(
                    viewed.contains(&(session.clone(), item.clone())),
                    "{:?} of {item} in {session} before a view",
                    e.kind
                );
                purchases += usize::from(e.kind == EventKind::Purchase);
            }
            _ => {}
        }
    }
    assert!(purchases > 100);
}

#[test]
fn popularity_is_skewed() {
    let shop = Shop::generate(&spec());
    let mut counts = vec![0u32; shop.items().len()];
    for e in shop.events() {
        if let Some(i) = e.item {
            counts[item_index(&i)] += 1;
        }
    }
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let total: u32 = counts.iter().sum();
    let top: u32 = counts[..counts.len() / 10].iter().sum();
    let share = f64::from(top) / f64::from(total);
    assert!(share > 0.35, "top 10% of items get {share:.2} of events");
    let flat = Shop::generate(&ShopSpec {
        zipf_exponent: 0.0,
        ..spec()
    });
    let mut counts = vec![0u32; flat.items().len()];
    flat.events()
        .filter_map(|e| e.item)
        .for_each(|i| counts[item_index(&i)] += 1);
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let flat_share = f64::from(counts[..counts.len() / 10].iter().sum::<u32>()) / f64::from(total);
    assert!(
        flat_share < share,
        "exponent 0 is flatter ({flat_share:.2} vs {share:.2})"
    );
}

#[test]
fn chinese_titles_and_queries_exist() {
    let shop = Shop::generate(&spec());
    let is_zh = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let zh_items = shop.items().iter().filter(|i| is_zh(&i.title)).count();
    assert!(zh_items > 30, "{zh_items} Chinese titles");
    assert!(shop.events().filter_map(|e| e.query).any(|q| is_zh(&q)));
    assert!(shop.events().filter_map(|e| e.query).any(|q| !is_zh(&q)));
}

#[test]
fn judgments_agree_with_the_truth() {
    let shop = Shop::generate(&spec());
    let mut queries: BTreeMap<String, query::Query> = BTreeMap::new();
    for e in events::RawEvents::new(&shop) {
        if let Some(q) = e.query {
            let text = q.text(&shop.catalog.brands);
            // Distinct queries must have distinct texts, or judgments would be ambiguous.
            assert_eq!(*queries.entry(text).or_insert(q), q);
        }
    }
    let judgments = shop.judgments();
    let judged: BTreeSet<&str> = judgments.iter().map(|j| j.query.as_str()).collect();
    assert_eq!(
        judged.len(),
        queries.len(),
        "every searched query is judged"
    );
    let mut grades = [0usize; 3];
    for j in &judgments {
        let q = &queries[&j.query];
        let item = item_index(&j.item);
        let facts = &shop.catalog.facts[item];
        assert_eq!(
            f64::from(q.grade(facts)),
            j.grade,
            "{} for '{}'",
            j.item,
            j.query
        );
        let same_category = shop.truth().items()[item].category == u32::from(q.leaf);
        assert_eq!(same_category, j.grade > 0.0, "{} for '{}'", j.item, j.query);
        grades[j.grade as usize] += 1;
    }
    assert!(
        grades[2] >= judged.len(),
        "each query has at least its target: {grades:?}"
    );
    assert!(grades[1] > 0 && grades[0] > 0, "{grades:?}");
    // The first item viewed after a search is the one searched for: fully relevant.
    let graded: BTreeMap<(&str, &str), f64> = judgments
        .iter()
        .map(|j| ((j.query.as_str(), j.item.as_str()), j.grade))
        .collect();
    let mut searched: BTreeSet<String> = BTreeSet::new();
    let mut targets = 0;
    for e in shop.events() {
        let Some(session) = e.session else { continue };
        match (e.kind, e.query, e.item) {
            (EventKind::Search, _, _) => {
                searched.insert(session);
            }
            (EventKind::View, Some(q), Some(item)) if searched.remove(&session) => {
                assert_eq!(
                    graded.get(&(q.as_str(), item.as_str())),
                    Some(&2.0),
                    "{item} for '{q}'"
                );
                targets += 1;
            }
            _ => {}
        }
    }
    assert!(targets > 100, "{targets} searches found their target");
}

#[test]
fn shoppers_follow_their_tastes() {
    let shop = Shop::generate(&spec());
    let truth = shop.truth();
    let user_index: BTreeMap<&str, usize> = shop
        .users()
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.as_str(), i))
        .collect();
    let (mut liked, mut all) = (0usize, 0usize);
    let (mut affinity_seen, mut seen) = (0.0, 0usize);
    for e in shop.events() {
        let (Some(item), Some(&u)) = (e.item.as_deref(), user_index.get(e.user.as_str())) else {
            continue;
        };
        let i = item_index(item);
        let category = truth.items()[i].category;
        liked += usize::from(
            truth.users()[u]
                .categories
                .iter()
                .any(|s| s.index == category),
        );
        all += 1;
        affinity_seen += truth.true_affinity(u, i);
        seen += 1;
    }
    let share = liked as f64 / all as f64;
    assert!(
        share > 0.8,
        "only {share:.2} of events are in the shopper's favourite categories"
    );
    // Items shoppers touch have far higher true affinity than a uniform pick (1/n).
    let mean = affinity_seen / seen as f64;
    assert!(
        mean > 10.0 / shop.items().len() as f64,
        "mean affinity {mean}"
    );
    for u in [0, 57, 199] {
        let total: f64 = (0..shop.items().len())
            .map(|i| truth.true_affinity(u, i))
            .sum();
        assert!(
            (total - 1.0).abs() < 1e-9,
            "affinities of user {u} sum to {total}"
        );
    }
    assert_eq!(truth.true_affinity(10_000, 0), 0.0);
}

#[test]
fn records_come_in_order() {
    let shop = Shop::generate(&ShopSpec {
        n_events: 1_000,
        ..spec()
    });
    let order: Vec<u8> = shop
        .records()
        .map(|r| match r {
            Record::Item(_) => 0,
            Record::User(_) => 1,
            Record::Event(_) => 2,
            Record::Judgment(_) => 3,
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(order.iter().filter(|&&k| k == 2).count(), 1_000);
    assert!(order.contains(&3));
}

#[test]
fn tiny_and_empty_shops_work() {
    let tiny = Shop::generate(&ShopSpec {
        n_items: 3,
        n_users: 1,
        n_brands: 0,
        n_events: 500,
        ..ShopSpec::demo()
    });
    let events: Vec<Event> = tiny.events().collect();
    assert_eq!(events.len(), 500);
    assert!(
        events
            .iter()
            .filter_map(|e| e.item.as_deref())
            .all(|i| item_index(i) < 3)
    );
    let empty = Shop::generate(&ShopSpec {
        n_events: 0,
        ..ShopSpec::demo()
    });
    assert_eq!(empty.events().count(), 0);
    assert!(empty.judgments().is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any spec, however odd, generates exactly the events asked for, with valid ids.
    #[test]
    fn any_spec_generates(
        seed in any::<u64>(),
        n_users in 0u32..30,
        n_items in 0u32..60,
        n_events in 0u64..400,
        n_categories in 0u32..50,
        n_brands in 0u32..15,
        zipf_exponent in -2.0f64..50.0,
        chinese_share in -1.0f64..2.0,
        days in 0u32..5,
        trend_strength in -1.0f64..100.0,
        queries_share in -1.0f64..2.0,
    ) {
        let spec = ShopSpec {
            seed, n_users, n_items, n_events, n_categories, n_brands, zipf_exponent,
            chinese_share, days, trend_strength, queries_share, ..ShopSpec::demo()
        };
        let shop = Shop::generate(&spec);
        let events: Vec<Event> = shop.events().collect();
        prop_assert_eq!(events.len() as u64, n_events);
        let items: BTreeSet<&str> = shop.items().iter().map(|i| i.id.as_str()).collect();
        let users: BTreeSet<&str> = shop.users().iter().map(|u| u.id.as_str()).collect();
        for e in &events {
            prop_assert!(users.contains(e.user.as_str()));
            prop_assert!(e.item.as_deref().is_none_or(|i| items.contains(i)));
        }
        for j in shop.judgments() {
            prop_assert!(items.contains(j.item.as_str()));
        }
    }
}
