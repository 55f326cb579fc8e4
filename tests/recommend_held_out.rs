//! `shoplab recommend` marks held-out hits (items the shopper took in the
//! run's test period) in `--json` and text, and `--per-user` lists a run's
//! evaluated shoppers worst first; on the demo shop.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

/// The demo shop in a temporary folder (the folder, the project).
fn demo() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("demo");
    let o = std::process::Command::new(bin())
        .args(["demo", "--dir", root.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    (dir, root)
}

#[test]
fn recommend_marks_held_out_hits_and_lists_a_runs_shoppers_worst_first() {
    let (_dir, root) = demo();

    let table = json(
        &root,
        &[
            "recommend",
            "--per-user",
            "--run",
            "content",
            "--by",
            "recall@10",
        ],
    );
    let col = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == "recall@10")
        .unwrap();
    let rows = table["rows"].as_array().unwrap();
    assert!(rows.len() > 50, "{} shoppers", rows.len());
    let values: Vec<f64> = rows
        .iter()
        .map(|r| r["values"][col].as_f64().unwrap())
        .collect();
    assert!(values.windows(2).all(|w| w[0] <= w[1]), "worst first");

    // The best-served shopper with several held-out items: their list
    // finds as many as the evaluation's recall says.
    let best = rows
        .iter()
        .filter(|r| !r["cold"].as_bool().unwrap() && r["n_test"].as_u64().unwrap() >= 2)
        .max_by(|a, b| {
            a["values"][col]
                .as_f64()
                .unwrap()
                .total_cmp(&b["values"][col].as_f64().unwrap())
        })
        .unwrap();
    let user = best["user"].as_str().unwrap();
    let n_test = best["n_test"].as_u64().unwrap() as usize;
    let recall = best["values"][col].as_f64().unwrap();
    let rec = json(
        &root,
        &["recommend", "--user", user, "--run", "content", "-k", "10"],
    );
    let held: Vec<&str> = rec["held_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(held.len(), n_test, "{rec}");
    let items = rec["items"].as_array().unwrap();
    for it in items {
        let id = it["id"].as_str().unwrap();
        assert_eq!(it["hit"].as_bool().unwrap(), held.contains(&id), "{it}");
    }
    let hits = items.iter().filter(|it| it["hit"] == true).count();
    assert!(hits > 0);
    assert_eq!(hits, (recall * n_test as f64).round() as usize, "{rec}");

    let text = ok(
        &root,
        &["recommend", "--user", user, "--run", "content", "-k", "10"],
    );
    assert!(text.contains('✓'), "{text}");
    assert!(
        text.contains(&format!("{hits} of {n_test} held-out items found")),
        "{text}"
    );
    let o = shoplab(
        &root,
        &[
            "recommend",
            "--per-user",
            "--run",
            "content",
            "--by",
            "nope",
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("ndcg@10"), "names the columns it has");
}

/// After an import changes the events, a run made before it is refused by
/// `recommend` (for a baseline too: refitting would serve another model
/// under the run's name) and flagged by `compare`; `-k 0` is refused.
#[test]
fn runs_made_before_an_import_are_refused_for_serving_and_flagged_in_compare() {
    let (dir, root) = demo();
    let serve = ["recommend", "--user", "U000001", "--run", "ease"];
    ok(&root, &serve);
    let o = shoplab(
        &root,
        &["recommend", "--user", "U000001", "--run", "ease", "-k", "0"],
    );
    assert!(
        !o.status.success() && stderr(&o).contains("at least 1"),
        "{}",
        stderr(&o)
    );

    let more = dir.path().join("more.csv");
    std::fs::write(
        &more,
        "timestamp,user_id,session_id,item_id,event,query,value,position\n\
         1800000000,U000001,S9,P000043,purchase,,,\n",
    )
    .unwrap();
    ok(&root, &["import", more.to_str().unwrap()]);
    let o = shoplab(&root, &serve);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("changed since this run") && err.contains("train it again"),
        "{err}"
    );

    let table = json(&root, &["compare"]);
    let rows = table["rows"].as_array().unwrap();
    assert!(
        !rows.is_empty() && rows.iter().all(|r| r["imported_since"] == true),
        "{table}"
    );
    assert!(ok(&root, &["compare"]).contains("trained before the project's last import"));
    // A run trained now is on today's data.
    ok(&root, &["train", "popularity", "--name", "fresh"]);
    let table = json(&root, &["compare"]);
    let fresh = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "fresh")
        .unwrap();
    assert_eq!(fresh["imported_since"], false, "{fresh}");
}
