//! `shoplab train` refuses what it cannot honour before any training: a
//! spec file with a misspelt key anywhere, cut-offs of 0, and more sampled
//! negatives than the catalog has (that would be full ranking labelled
//! "sampled"), and event kinds the project has none of; a spec's left-out
//! evaluation options are the flags' defaults.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

fn loaded() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, root) = new_project();
    let catalog = dir.path().join("catalog.csv");
    let events = dir.path().join("events.csv");
    std::fs::write(&catalog, CATALOG).unwrap();
    std::fs::write(&events, EVENTS).unwrap();
    ok(&root, &["import", catalog.to_str().unwrap()]);
    ok(&root, &["import", events.to_str().unwrap()]);
    (dir, root)
}

fn refused(root: &std::path::Path, args: &[&str], expect: &[&str]) {
    let o = shoplab(root, args);
    assert!(!o.status.success(), "{args:?} should be refused");
    let err = stderr(&o);
    for e in expect {
        assert!(err.contains(e), "{args:?}: `{e}` not in {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    // Nothing was recorded.
    assert_eq!(json(root, &["runs"]).as_array().map_or(0, Vec::len), 0);
}

#[test]
fn train_refuses_bad_specs_and_options_before_training() {
    let (dir, root) = loaded();
    let spec = dir.path().join("spec.json");
    std::fs::write(
        &spec,
        r#"{"model": {"model": "popularity"}, "split": {"method": "temporal", "test_fration": 0.3}}"#,
    )
    .unwrap();
    let s = spec.to_str().unwrap();
    refused(
        &root,
        &["train", "popularity", "--spec", s],
        &["split.test_fration", "test_fraction"],
    );
    refused(
        &root,
        &["train", "popularity", "--k", "0,10"],
        &["ks", "at least 1"],
    );
    refused(
        &root,
        &["train", "popularity", "--sampled", "4"],
        &["only 4 items", "full ranking"],
    );
    // No events of the chosen kinds: say which kinds and what to do.
    refused(
        &root,
        &["train", "popularity", "--kinds", "search"],
        &[
            "no events of the kinds",
            "(search)",
            "choose other event kinds",
        ],
    );

    // Left-out evaluation options take the flags' defaults.
    std::fs::write(
        &spec,
        r#"{"model": {"model": "popularity"}, "eval": {"ks": [5]}}"#,
    )
    .unwrap();
    ok(&root, &["train", "popularity", "--spec", s]);
    let runs = json(&root, &["runs"]);
    let eval = &runs[0]["spec"]["eval"];
    assert_eq!(eval["tie_break"], "popularity", "{eval}");
    assert_eq!(eval["cold_shoppers"], "apart", "{eval}");

    // Flags beside --spec: --name names the run, the others are named as ignored.
    let o = shoplab(
        &root,
        &[
            "train",
            "popularity",
            "--spec",
            s,
            "--name",
            "mine",
            "--k",
            "3",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("--k ignored"), "{}", stderr(&o));
    let runs = json(&root, &["runs"]);
    assert_eq!(runs[1]["name"], "mine", "{runs}");
    assert_eq!(
        runs[1]["spec"]["eval"]["ks"],
        serde_json::json!([5]),
        "{runs}"
    );

    // A validation share given to a model that does not read it is noted.
    let o = shoplab(&root, &["train", "popularity", "--valid-fraction", "0.2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("popularity does not use a validation part"),
        "{}",
        stderr(&o)
    );
}
