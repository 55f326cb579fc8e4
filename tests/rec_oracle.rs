//! Recommendation runs re-checked from outside: the real binary trains on a
//! small tie-heavy shop, and pytrec_eval (trec_eval's own code, through
//! `tests/oracle/trec_check.py`) scores the exported `run.trec` /
//! `qrels.trec`. Every shopper's precision, recall, NDCG and MAP at each K,
//! and their means, must equal what ShopLab recorded (`per_user.csv`,
//! `metrics.json`) to 1e-9. Also: cold shoppers are reported apart,
//! `train all` says what it skipped, and `export-split` warns about
//! repeated pairs and an empty validation part.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::*;

const N_USERS: u32 = 36;
const N_ITEMS: u32 = 24;
const T0: i64 = 1_700_000_000;

/// A shop where many scores tie: few shoppers, few items, purchases in
/// small baskets. Shoppers arrive in order, so a temporal split leaves the
/// last ones with no training events (cold); even shoppers come back late
/// for a second basket that repeats one earlier item.
fn fixture(dir: &Path) -> (PathBuf, PathBuf) {
    let mut catalog = String::from("item_id,title,category,price\n");
    for i in 1..=N_ITEMS {
        catalog.push_str(&format!("I{i:02},Item {i},Cat {},{}.5\n", i % 4, i));
    }
    let mut events = String::from("timestamp,user_id,session_id,item_id,event\n");
    let item = |i: u32| format!("I{:02}", i % N_ITEMS + 1);
    for u in 0..N_USERS {
        let n = 3 + (u * 7) % 5;
        let mut first = Vec::new();
        for j in 0..n {
            let i = (u * 5 + j * ((u % 4) + 1) * 3) % N_ITEMS;
            first.push(i);
            let ts = T0 + i64::from(u) * 600 + i64::from(j) * 60;
            let kind = if j % 3 == 2 { "view" } else { "purchase" };
            events.push_str(&format!("{ts},U{u:02},S{u}a,{},{kind}\n", item(i)));
        }
        if u % 2 == 0 {
            // Late, but before the last shoppers arrive (they stay cold).
            let late = T0 + 28 * 600 + 200 + i64::from(u) * 5;
            let again = [first[0], (u * 11 + 7) % N_ITEMS, (u * 3 + 1) % N_ITEMS];
            for (j, i) in again.iter().enumerate() {
                events.push_str(&format!(
                    "{},U{u:02},S{u}b,{},purchase\n",
                    late + j as i64,
                    item(*i)
                ));
            }
        }
    }
    let c = dir.join("catalog.csv");
    let e = dir.join("events.csv");
    std::fs::write(&c, catalog).unwrap();
    std::fs::write(&e, events).unwrap();
    (c, e)
}

fn shop() -> (tempfile::TempDir, PathBuf) {
    let (dir, root) = new_project();
    let (c, e) = fixture(dir.path());
    for f in [c, e] {
        let r = json(&root, &["import", f.to_str().unwrap()]);
        assert_eq!(r["rejected"], 0, "{r}");
    }
    (dir, root)
}

/// per_user.csv as user -> column -> value.
fn per_user(path: &Path) -> BTreeMap<String, BTreeMap<String, f64>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let mut out = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let row = header
            .iter()
            .zip(rec.iter())
            .skip(1)
            .map(|(h, v)| (h.clone(), v.parse::<f64>().unwrap()))
            .collect();
        out.insert(rec[0].to_string(), row);
    }
    out
}

const PAIRS: [(&str, &str); 4] = [
    ("precision", "P"),
    ("recall", "recall"),
    ("ndcg", "ndcg_cut"),
    ("map", "map_cut"),
];

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9
}

/// Asserts that pytrec_eval scores `run`/`qrels` exactly as `csv` says, per
/// shopper and on average, and that the average equals `means` (one
/// object per K with precision / recall / ndcg / map).
fn assert_oracle_agrees(
    label: &str,
    csv: &Path,
    run: &Path,
    qrels: &Path,
    ks: &[usize],
    means: &[serde_json::Value],
) {
    let cut = ks
        .iter()
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let o = trec_oracle(qrels, run, &cut, 1);
    let ours = per_user(csv);
    let theirs = o["per_query"].as_object().unwrap();
    let our_users: BTreeSet<&String> = ours.keys().collect();
    let their_users: BTreeSet<&String> = theirs.keys().collect();
    assert_eq!(
        our_users, their_users,
        "{label}: ShopLab averages over other shoppers than the qrels hold"
    );
    assert!(!ours.is_empty(), "{label}: no shoppers");
    for (user, row) in &ours {
        for &k in ks {
            for (ours_m, trec_m) in PAIRS {
                let a = row[&format!("{ours_m}@{k}")];
                let b = theirs[user][format!("{trec_m}_{k}")].as_f64().unwrap();
                assert!(
                    close(a, b),
                    "{label}: shopper {user} {ours_m}@{k}: ShopLab {a}, pytrec_eval {b}"
                );
            }
        }
    }
    assert_eq!(means.len(), ks.len(), "{label}");
    for (m, &k) in means.iter().zip(ks) {
        for (ours_m, trec_m) in PAIRS {
            let a = m[ours_m].as_f64().unwrap();
            let b = o["mean"][format!("{trec_m}_{k}")].as_f64().unwrap();
            assert!(
                close(a, b),
                "{label}: mean {ours_m}@{k}: ShopLab {a}, pytrec_eval {b}"
            );
        }
    }
}

/// Whether some shopper's exported top list holds tied raw scores.
fn has_ties(run_dir: &Path) -> bool {
    let text = std::fs::read_to_string(run_dir.join("run.scores.tsv")).unwrap();
    let mut by_user: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        by_user.entry(f[0]).or_default().push(f[3]);
    }
    by_user.values().any(|s| s.windows(2).any(|w| w[0] == w[1]))
}

#[test]
fn exported_runs_score_the_same_in_pytrec_eval() {
    let (_dir, root) = shop();
    let ks = [5usize, 10];
    let cases: [&[&str]; 8] = [
        &["popularity"],
        &["co_purchase"],
        &["item_knn"],
        &["ease", "--param", "reg=5"],
        &["popularity", "--split", "random", "--seed", "7"],
        &["co_purchase", "--split", "random", "--seed", "7"],
        &["user_knn", "--split", "random", "--seed", "7", "--repeat"],
        &["item_knn", "--cold", "fallback"],
    ];
    let check = pytrec_eval_available("the recommendation runs");
    let mut tied_runs = 0;
    for case in cases {
        let mut args = vec!["train"];
        args.extend_from_slice(case);
        args.extend_from_slice(&["--k", "5,10"]);
        let runs = json(&root, &args);
        let r = &runs[0];
        let dir = root.join("runs").join(r["id"].as_str().unwrap());
        let label = format!("{case:?}");
        let s = &r["summary"];
        let temporal = !case.contains(&"random");
        if temporal {
            // The last shoppers arrive after the cut: cold.
            assert!(s["users_cold"].as_u64().unwrap() > 0, "{label}: {s}");
        }
        let apart = s["cold_protocol"] == "apart";
        let users = per_user(&dir.join("per_user.csv"));
        if apart && s["users_cold"].as_u64().unwrap() > 0 {
            // Out of the means, scored by the fallback, written beside them.
            assert_eq!(s["cold_scored_by"], "popularity", "{label}");
            assert!(users.values().all(|row| row["cold"] == 0.0), "{label}");
            let cold = per_user(&dir.join("per_user_cold.csv"));
            assert_eq!(cold.len() as u64, s["users_cold"].as_u64().unwrap());
            assert!(cold.values().all(|row| row["cold"] == 1.0), "{label}");
        }
        if case.contains(&"fallback") {
            assert!(users.values().any(|row| row["cold"] == 1.0), "{label}");
        }
        assert_eq!(
            users.len() as u64,
            s["users_evaluated"].as_u64().unwrap(),
            "{label}"
        );
        if has_ties(&dir) {
            tied_runs += 1;
        }
        if !check {
            continue;
        }
        let metrics: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap())
                .unwrap();
        assert_oracle_agrees(
            &label,
            &dir.join("per_user.csv"),
            &dir.join("run.trec"),
            &dir.join("qrels.trec"),
            &ks,
            metrics["means"].as_array().unwrap(),
        );
        if dir.join("cold.trec").is_file() {
            let cold_means: Vec<serde_json::Value> = s["cold_metrics"].as_array().unwrap().clone();
            assert_oracle_agrees(
                &format!("{label} cold shoppers"),
                &dir.join("per_user_cold.csv"),
                &dir.join("cold.trec"),
                &dir.join("cold_qrels.trec"),
                &ks,
                &cold_means,
            );
        }
    }
    // The fixture must actually tie, or this test proves nothing about ties.
    assert!(tied_runs >= 3, "only {tied_runs} runs had tied scores");
}

#[test]
fn cold_shoppers_are_counted_apart_and_in_compare() {
    let (_dir, root) = shop();
    let apart = json(&root, &["train", "item_knn", "--name", "apart"]);
    let model = json(
        &root,
        &[
            "train",
            "item_knn",
            "--name",
            "legacy",
            "--cold",
            "model",
            "--tie-break",
            "item_index",
        ],
    );
    let (a, m) = (&apart[0]["summary"], &model[0]["summary"]);
    let cold = a["users_cold"].as_u64().unwrap();
    assert!(cold > 0, "{a}");
    assert_eq!(m["users_cold"], cold);
    // Apart: the means leave the cold shoppers out; `model` keeps them in.
    assert_eq!(
        a["users_evaluated"].as_u64().unwrap() + cold,
        m["users_evaluated"].as_u64().unwrap()
    );
    assert_eq!(a["cold_protocol"], "apart");
    assert_eq!(m["cold_scored_by"], "item_knn");
    // item_knn has nothing to say about a shopper without history.
    assert!(m["users_no_signal"].as_u64().unwrap() >= cold, "{m}");
    assert!(a["repeat_share"].as_f64().unwrap() > 0.0, "{a}");

    let cmp = json(&root, &["compare", "apart", "legacy"]);
    let cols: Vec<&str> = cmp["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let at = cols.iter().position(|c| *c == "cold_users").unwrap();
    assert_eq!(cmp["rows"][0]["values"][at].as_f64(), Some(cold as f64));
    assert!(cols.contains(&"repeat_share"));
    assert_eq!(cmp["rows"][0]["users_cold"], cold);
    let text = ok(&root, &["compare", "apart", "legacy"]);
    assert!(
        text.contains(&format!("{cold} cold shoppers apart")),
        "{text}"
    );
    let runs = ok(&root, &["runs"]);
    assert!(runs.contains(&format!("{cold} apart")), "{runs}");
}

#[test]
fn train_all_names_what_it_skipped_once_without_timing() {
    let (_dir, root) = shop();
    let o = shoplab(&root, &["train", "all", "--k", "5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(
        err.matches("skipped content").count(),
        1,
        "content must be named once as skipped:\n{err}"
    );
    assert!(err.contains("shoplab index"), "{err}");
    assert!(!err.contains("train content done"), "{err}");
}

#[test]
fn export_split_warns_and_deduplicates_repeated_pairs() {
    let (dir, root) = shop();
    let out = dir.path().join("split");
    let o = shoplab(
        &root,
        &["export-split", out.to_str().unwrap(), "--split", "random"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("validation file is empty"), "{err}");
    assert!(err.contains("already in training"), "{err}");

    let r = json(
        &root,
        &[
            "export-split",
            out.to_str().unwrap(),
            "--split",
            "random",
            "--valid-fraction",
            "0.2",
            "--dedup",
        ],
    );
    assert!(
        r["repeated"]["test_rows_repeated"].as_u64().unwrap() > 0,
        "{r}"
    );
    assert!(r["sizes"][1].as_u64().unwrap() > 0, "{r}");
    // No test row of the written files repeats a training or validation pair.
    let pairs = |part: &str| -> Vec<(String, String)> {
        std::fs::read_to_string(out.join(format!("shoplab.{part}.inter")))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f[0].to_string(), f[1].to_string())
            })
            .collect()
    };
    let earlier: BTreeSet<_> = pairs("train").into_iter().chain(pairs("valid")).collect();
    let test = pairs("test");
    assert!(!test.is_empty());
    assert!(test.iter().all(|p| !earlier.contains(p)));
    assert_eq!(
        test.iter().collect::<BTreeSet<_>>().len(),
        test.len(),
        "test pairs repeat"
    );
}

#[test]
fn runs_are_found_by_exact_name_and_ambiguous_names_are_refused() {
    let (_dir, root) = shop();
    // `train all --name` keeps each model's run apart.
    ok(&root, &["train", "all", "--k", "5", "--name", "rnd"]);
    let runs = json(&root, &["runs"]);
    let names: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"rnd-ease") && names.contains(&"rnd-popularity"),
        "{names:?}"
    );
    // A run named like a model beats another run of that model.
    ok(&root, &["train", "ease", "--k", "5", "--name", "ease"]);
    ok(
        &root,
        &[
            "train",
            "ease",
            "--k",
            "5",
            "--name",
            "ease-repeat",
            "--repeat",
        ],
    );
    let table = json(&root, &["compare", "ease"]);
    assert_eq!(table["rows"][0]["name"], "ease", "{table}");
    // Two runs share a name: refused with their ids, not the newest taken.
    ok(
        &root,
        &["train", "popularity", "--k", "5", "--name", "twin"],
    );
    ok(&root, &["train", "ease", "--k", "5", "--name", "twin"]);
    let o = shoplab(&root, &["compare", "twin"]);
    assert!(!o.status.success(), "an ambiguous name was resolved");
    assert!(
        stderr(&o).contains("2 runs are named 'twin'"),
        "{}",
        stderr(&o)
    );
}
