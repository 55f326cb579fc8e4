//! Building the demo shop twice gives the same runs, list for list and
//! score for score: nothing in the pipeline may depend on thread timing.
//! (Two search-index writer threads once made the content model's scores
//! differ in the last bit between builds, flipping tied items.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[test]
fn two_demo_builds_rank_identically() {
    let tmp = tempfile::tempdir().unwrap();
    let mut lists = Vec::new();
    for name in ["a", "b"] {
        let dir = tmp.path().join(name);
        let o = std::process::Command::new(bin())
            .args(["demo", "--json", "--dir"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        // Each run's raw-score file, keyed by model name (ids hold the time).
        let mut by_model: Vec<(String, String)> = std::fs::read_dir(dir.join("runs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                let run: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(p.join("run.json")).unwrap())
                        .unwrap();
                let scores = std::fs::read_to_string(p.join("run.scores.tsv")).unwrap();
                (run["name"].as_str().unwrap().to_string(), scores)
            })
            .collect();
        by_model.sort();
        lists.push(by_model);
    }
    assert_eq!(lists[0].len(), lists[1].len());
    for (a, b) in lists[0].iter().zip(&lists[1]) {
        assert_eq!(a.0, b.0);
        assert!(
            a.1 == b.1,
            "run {} ranked differently between two demo builds",
            a.0
        );
    }
}
