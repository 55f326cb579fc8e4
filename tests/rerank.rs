//! The learned search re-ranker end to end, with a tiny random sentence
//! model (no download): trained on the tune half of a generated shop's
//! judged queries, measured on the held half, served by `search`, and
//! refused with a clear message when asked to learn from every query or
//! when its file is damaged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::Value;

fn ndcg10(report: &Value) -> f64 {
    let ks = report["config"]["ks"].as_array().unwrap();
    let i = ks.iter().position(|k| k.as_u64() == Some(10)).unwrap();
    report["means"][i]["ndcg"].as_f64().unwrap()
}

/// A generated shop with its catalog, judgments, index and embeddings from
/// a tiny random sentence model; returns (temp dir, project, encoder folder).
fn shop() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let (dir, root) = new_project();
    let data = dir.path().join("data");
    ok(
        &root,
        &[
            "generate",
            data.to_str().unwrap(),
            "--size",
            "20000",
            "--seed",
            "3",
        ],
    );
    ok(
        &root,
        &["import", data.join("catalog.csv").to_str().unwrap()],
    );
    ok(
        &root,
        &["import", data.join("judgments.csv").to_str().unwrap()],
    );
    ok(&root, &["index"]);
    let model = dir.path().join("model");
    shoplab_models::encoder::testing::write_tiny_model(&model, 16);
    let encoder = model.to_str().unwrap().to_string();
    ok(&root, &["embed", "--encoder", &encoder]);
    (dir, root, encoder)
}

#[test]
fn trained_on_one_half_measured_on_the_other_and_served() {
    let (_dir, root, encoder) = shop();
    let encoder = encoder.as_str();
    // Learning from every query would leave nothing to measure it on.
    let all = shoplab(
        &root,
        &["train-reranker", "--encoder", encoder, "--queries", "all"],
    );
    assert!(!all.status.success());
    assert!(
        stderr(&all).contains("train on one half"),
        "{}",
        stderr(&all)
    );
    assert!(!root.join("reranker.json").exists());

    let out = json(&root, &["train-reranker", "--encoder", encoder]);
    let training = &out["reranker"]["training"];
    assert_eq!(training["queries"], "tune");
    assert!(training["n_queries"].as_u64().unwrap() > 20, "{training}");
    assert!(training["n_pairs"].as_u64().unwrap() > 100, "{training}");
    assert!(root.join("reranker.json").is_file());
    // Measured on the other half, against hybrid and BM25 on the same queries.
    let held = &out["held"];
    assert_eq!(held["config"]["queries"], "held");
    assert_eq!(held["config"]["ranker"], "learned");
    let baselines = out["baselines"].as_array().unwrap();
    let kinds: Vec<&str> = baselines
        .iter()
        .map(|b| b["config"]["ranker"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["hybrid", "bm25"]);
    for (b, x) in baselines.iter().zip(out["against"].as_array().unwrap()) {
        assert_eq!(b["n_queries"], held["n_queries"]);
        let t = &x["paired_ndcg"];
        assert!((t["mean_a"].as_f64().unwrap() - ndcg10(b)).abs() < 1e-12);
        assert!((t["mean_b"].as_f64().unwrap() - ndcg10(held)).abs() < 1e-12);
        assert!(x["p_holm"].as_f64().unwrap() >= t["p_value"].as_f64().unwrap());
    }

    // eval-search reproduces the held figure; on the training half it warns.
    let again = json(
        &root,
        &[
            "eval-search",
            "--ranker",
            "learned",
            "--queries",
            "held",
            "--encoder",
            encoder,
        ],
    );
    assert_eq!(again["means"], held["means"]);
    let tune = shoplab(
        &root,
        &[
            "eval-search",
            "--ranker",
            "learned",
            "--queries",
            "tune",
            "--encoder",
            encoder,
        ],
    );
    assert!(tune.status.success());
    assert!(
        stderr(&tune).contains("learned from the tune half"),
        "{}",
        stderr(&tune)
    );

    // Served like the other rankers: the query's candidates, re-ordered.
    let hits = json(
        &root,
        &[
            "search",
            "earbuds",
            "--ranker",
            "learned",
            "--encoder",
            encoder,
        ],
    );
    let hits = hits["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    // A damaged file stops only the learned ranker, naming the file.
    std::fs::write(root.join("reranker.json"), "{ not json").unwrap();
    let broken = shoplab(
        &root,
        &[
            "search",
            "earbuds",
            "--ranker",
            "learned",
            "--encoder",
            encoder,
        ],
    );
    assert!(!broken.status.success());
    let msg = stderr(&broken);
    assert!(
        msg.contains("reranker.json") && msg.contains("train it again"),
        "{msg}"
    );
    ok(
        &root,
        &[
            "search",
            "earbuds",
            "--ranker",
            "hybrid",
            "--encoder",
            encoder,
        ],
    );
}

/// The candidates are each ranker's top `--depth`, BM25 under the boosts
/// the re-ranker was trained with; the halves count their own left-out
/// queries; TREC files name the ranker.
#[test]
fn depth_and_boosts_of_training_are_the_ones_served() {
    let (dir, root, encoder) = shop();
    let encoder = encoder.as_str();
    let out = json(
        &root,
        &[
            "train-reranker",
            "--encoder",
            encoder,
            "--depth",
            "3",
            "--weight",
            "title=10",
        ],
    );
    assert_eq!(out["reranker"]["training"]["params"]["depth"], 3);
    // The same figure without repeating --weight: the stored boosts are used.
    let again = json(
        &root,
        &[
            "eval-search",
            "--ranker",
            "learned",
            "--queries",
            "held",
            "--encoder",
            encoder,
        ],
    );
    assert_eq!(again["means"], out["held"]["means"]);
    // Every learned result is in BM25's (title=10) or dense search's top 3.
    let items = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["search", "earbuds", "-k", "3", "--encoder", encoder];
        all.extend_from_slice(args);
        json(&root, &all)["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect()
    };
    let learned = items(&["--ranker", "learned"]);
    let mut pool = items(&["--ranker", "bm25", "--weight", "title=10"]);
    pool.extend(items(&["--ranker", "dense"]));
    assert!(!learned.is_empty());
    assert!(
        learned.iter().all(|i| pool.contains(i)),
        "{learned:?} not in {pool:?}"
    );
    // --weight with the learned ranker is not used, and says so.
    let o = shoplab(
        &root,
        &[
            "search",
            "earbuds",
            "--ranker",
            "learned",
            "--weight",
            "title=1",
            "--encoder",
            encoder,
        ],
    );
    assert!(
        stderr(&o).contains("boosts it was trained with"),
        "{}",
        stderr(&o)
    );

    // Each half counts its own queries without a relevant item.
    let skipped = |half: &str| {
        json(&root, &["eval-search", "--queries", half])["n_skipped"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(skipped("tune") + skipped("held"), skipped("all"));

    // The TREC run is tagged with its ranker.
    let trec = dir.path().join("trec");
    ok(
        &root,
        &[
            "eval-search",
            "--ranker",
            "learned",
            "--queries",
            "held",
            "--encoder",
            encoder,
            "--trec",
            trec.to_str().unwrap(),
        ],
    );
    let run = std::fs::read_to_string(trec.join("run.trec")).unwrap();
    assert!(
        run.lines().all(|l| l.ends_with(" shoplab-learned")),
        "{run}"
    );
}
