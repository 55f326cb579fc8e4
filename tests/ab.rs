//! `shoplab ab`: a baseline against challengers on a synthetic shop, paired
//! per shopper; a run on another split is refused by name.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[test]
fn ab_pairs_runs_and_refuses_another_split() {
    let (dir, root) = new_project();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    ok(&root, &["generate", d, "--size", "demo", "--seed", "5"]);
    for f in ["catalog.csv", "users.csv", "events.csv"] {
        ok(&root, &["import", data.join(f).to_str().unwrap()]);
    }
    ok(&root, &["train", "popularity"]);
    ok(&root, &["train", "ease"]);
    ok(&root, &["train", "item_knn"]);
    ok(
        &root,
        &[
            "train",
            "ease",
            "--split",
            "random",
            "--name",
            "ease-random",
        ],
    );
    let r = json(
        &root,
        &[
            "ab",
            "popularity",
            "ease",
            "item_knn",
            "--resamples",
            "2000",
        ],
    );
    let shoppers = r["shoppers"].as_u64().unwrap();
    assert!(shoppers > 50, "{r}");
    let all = &r["segments"][0];
    assert_eq!(all["name"], "all");
    assert_eq!(all["shoppers"].as_u64(), Some(shoppers));
    let cells = all["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 2, "one row of cells per challenger");
    for ch in cells {
        for c in ch.as_array().unwrap() {
            let t = &c["test"];
            let (w, ti, l) = (
                t["wins"].as_u64().unwrap(),
                t["ties"].as_u64().unwrap(),
                t["losses"].as_u64().unwrap(),
            );
            assert_eq!(w + ti + l, shoppers, "{c}");
            assert!(c["p_holm"].as_f64().unwrap() >= t["p_value"].as_f64().unwrap());
            let d = t["mean_diff"].as_f64().unwrap();
            let (lo, hi) = (
                t["ci_low"].as_f64().unwrap(),
                t["ci_high"].as_f64().unwrap(),
            );
            assert!(lo <= d && d <= hi, "{c}");
        }
    }
    // Light and heavy shoppers partition the paired ones.
    let seg = |name: &str| {
        r["segments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["shoppers"].as_u64().unwrap())
    };
    assert_eq!(seg("light").unwrap() + seg("heavy").unwrap(), shoppers);
    // Item segments: head and long-tail items, and the top-level categories;
    // each pairs only shoppers with a test item in it.
    let names: Vec<&str> = r["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for item_seg in ["head", "tail"] {
        let n = seg(item_seg).unwrap_or_else(|| panic!("no {item_seg} segment: {names:?}"));
        assert!(n > 0 && n <= shoppers, "{item_seg}: {n}");
    }
    assert!(
        names.iter().filter(|n| n.starts_with("category:")).count() >= 2,
        "{names:?}"
    );
    // The text form names the verdicts and the cost table.
    let text = ok(&root, &["ab", "popularity", "ease", "--resamples", "1000"]);
    assert!(
        text.contains("win/tie/loss") && text.contains("Pareto"),
        "{text}"
    );
    // A run on another split cannot be paired.
    let o = shoplab(&root, &["ab", "popularity", "ease-random"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("split") && err.contains("ease-random"),
        "{err}"
    );
}
