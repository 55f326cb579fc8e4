//! The whole command-line journey on a synthetic shop: import, index,
//! search, train, compare, recommend, export — checked through `--json`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[test]
fn files_to_measured_comparison() {
    let (dir, root) = new_project();
    let data = dir.path().join("data");
    ok(
        &root,
        &[
            "generate",
            data.to_str().unwrap(),
            "--size",
            "demo",
            "--seed",
            "3",
        ],
    );
    for f in ["catalog.csv", "users.csv", "events.csv", "judgments.csv"] {
        let r = json(&root, &["import", data.join(f).to_str().unwrap()]);
        assert_eq!(r["rejected"], 0, "{f}: {r}");
        assert!(r["accepted"].as_u64().unwrap() > 0, "{f}: {r}");
    }
    let stats = stats(&root);
    assert!(stats["items"].as_u64().unwrap() > 100, "{stats}");
    assert!(stats["users"].as_u64().unwrap() > 100, "{stats}");

    let idx = json(&root, &["index"]);
    assert_eq!(idx["items"], stats["items"]);

    // Search by the title of a real catalog item finds it first.
    let catalog = std::fs::read_to_string(data.join("catalog.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(catalog.as_bytes());
    let first = rdr.records().next().unwrap().unwrap();
    let (id, title) = (first[0].to_string(), first[1].to_string());
    let res = json(&root, &["search", &title, "-k", "5"]);
    let hits = res["hits"].as_array().unwrap();
    assert!(!hits.is_empty(), "{res}");
    let ids: Vec<String> = hits
        .iter()
        .map(|h| h["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        ids.contains(&id),
        "searching '{title}' did not find {id}: {res}"
    );

    // --explain takes each score apart; the rows add up to the score.
    let res = json(&root, &["search", &title, "-k", "3", "--explain"]);
    for h in res["hits"].as_array().unwrap() {
        let e = &h["explanation"];
        let sum: f64 = e["terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["contribution"].as_f64().unwrap())
            .sum();
        let score = h["score"].as_f64().unwrap();
        assert!((sum - score).abs() < 1e-3, "{sum} != {score}: {h}");
    }
    // --prefix completes the last word as the app does while typing.
    // The first Latin word of four letters or more in the catalog's titles, cut to three.
    let word: String = csv::Reader::from_reader(catalog.as_bytes())
        .records()
        .filter_map(|r| r.ok().map(|r| r[1].to_string()))
        .flat_map(|t| t.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .find(|w| w.len() >= 4 && w.chars().all(|c| c.is_ascii_alphabetic()))
        .unwrap()
        .chars()
        .take(3)
        .collect();
    let exact = json(&root, &["search", &word]);
    let live = json(&root, &["search", &word, "--prefix"]);
    assert!(live["total_hits"].as_u64() >= exact["total_hits"].as_u64());
    assert!(live["total_hits"].as_u64().unwrap() > 0, "{word}: {live}");
    assert_eq!(live["prefix"]["word"], word.to_lowercase());

    let sug = json(&root, &["suggest", &title[..3.min(title.len())]]);
    assert!(!sug.as_array().unwrap().is_empty());

    let q = json(&root, &["eval-search"]);
    assert!(q["n_queries"].as_u64().unwrap() > 0, "{q}");

    let runs = json(&root, &["train", "all"]);
    let runs = runs.as_array().unwrap();
    assert!(runs.len() >= 5);
    for r in runs {
        assert!(r["summary"]["users_evaluated"].as_u64().unwrap() > 0, "{r}");
        let ndcg = r["metrics"][1]["ndcg"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&ndcg));
        let run_dir = root.join("runs").join(r["id"].as_str().unwrap());
        for f in [
            "run.json",
            "metrics.json",
            "per_user.csv",
            "run.trec",
            "qrels.trec",
        ] {
            assert!(
                run_dir.join(f).is_file(),
                "{f} missing in {}",
                run_dir.display()
            );
        }
    }
    // The TREC files reproduce the recorded numbers (what trec_eval would read).
    let ease = runs.iter().find(|r| r["model"] == "ease").unwrap();
    let run_dir = root.join("runs").join(ease["id"].as_str().unwrap());
    let mut relevant: std::collections::HashMap<String, std::collections::HashSet<String>> =
        Default::default();
    for line in std::fs::read_to_string(run_dir.join("qrels.trec"))
        .unwrap()
        .lines()
    {
        let f: Vec<&str> = line.split(' ').collect();
        relevant
            .entry(f[0].to_string())
            .or_default()
            .insert(f[2].to_string());
    }
    let mut hits: std::collections::HashMap<String, usize> = Default::default();
    for line in std::fs::read_to_string(run_dir.join("run.trec"))
        .unwrap()
        .lines()
    {
        let f: Vec<&str> = line.split(' ').collect();
        let rank: usize = f[3].parse().unwrap();
        if rank <= 10 && relevant.get(f[0]).is_some_and(|r| r.contains(f[2])) {
            *hits.entry(f[0].to_string()).or_default() += 1;
        }
    }
    let recall: f64 = relevant
        .iter()
        .map(|(u, r)| hits.get(u).copied().unwrap_or(0) as f64 / r.len() as f64)
        .sum::<f64>()
        / relevant.len() as f64;
    let recorded = ease["metrics"][1]["recall"].as_f64().unwrap();
    assert!(
        (recall - recorded).abs() < 1e-9,
        "TREC files give recall@10 {recall}, run says {recorded}"
    );

    // Personalised models beat global popularity on a shop with real tastes.
    let ndcg_of = |name: &str| {
        runs.iter()
            .find(|r| r["model"] == name)
            .map(|r| r["metrics"][1]["ndcg"].as_f64().unwrap())
            .unwrap()
    };
    assert!(ndcg_of("ease") > ndcg_of("popularity"), "{runs:?}");

    let table = json(
        &root,
        &["compare", "--columns", "ndcg@10,recall@10,coverage"],
    );
    assert_eq!(table["rows"].as_array().unwrap().len(), runs.len());
    assert_eq!(table["columns"][0], "ndcg@10");

    let user = runs[0]["id"].as_str().unwrap();
    let _ = user;
    let rec = json(
        &root,
        &["recommend", "--user", "U000001", "--run", "ease", "-k", "5"],
    );
    assert_eq!(rec["items"].as_array().unwrap().len(), 5);

    let out = dir.path().join("recbole");
    let ex = json(
        &root,
        &["export-split", out.to_str().unwrap(), "--name", "demo"],
    );
    assert!(out.join("demo.train.inter").is_file());
    assert!(ex["sizes"][2].as_u64().unwrap() > 0);

    // A run is renamed from the CLI; its id stays, an empty name is refused.
    let id = ease["id"].as_str().unwrap();
    let renamed = json(&root, &["runs", "rename", id, "ease tuned"]);
    assert_eq!(renamed["id"], id);
    assert_eq!(renamed["name"], "ease tuned");
    let refused = shoplab(&root, &["runs", "rename", id, "  "]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("name cannot be empty"),
        "{}",
        stderr(&refused)
    );
    let table = json(&root, &["compare", "--columns", "ndcg@10"]);
    let row = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["run"] == id)
        .unwrap();
    assert_eq!(row["label"], "ease tuned", "{row}");
}

#[test]
fn demo_prints_a_real_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let o = std::process::Command::new(bin())
        .args(["demo", "--dir", demo.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        "ease",
        "item_knn",
        "popularity",
        "ndcg@10",
        "Search quality",
    ] {
        assert!(
            text.contains(needle),
            "demo output lacks '{needle}':\n{text}"
        );
    }
    // Running it again replaces the earlier demo instead of failing.
    let again = std::process::Command::new(bin())
        .args(["--json", "demo", "--dir", demo.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", stderr(&again));
    let r: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert!(r["comparison"]["rows"].as_array().unwrap().len() >= 6);
}

#[test]
fn demo_refuses_to_overwrite_other_folders() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("precious.txt"), "keep me").unwrap();
    let o = std::process::Command::new(bin())
        .args(["demo", "--dir", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(dir.path().join("precious.txt").is_file());
}
