//! `eval-search --trec` end to end: a catalog with duplicate titles (ties in
//! BM25 across the cut-offs) and fractional grades, exported and re-scored
//! by pytrec_eval (trec_eval's code) through `tests/oracle/trec_check.py`;
//! every per-query and mean metric must agree with ShopLab's to 1e-9, under
//! the default relevance setting and under fractional gains.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// 34 products: twelve identical steel washers, six rubber washers, four
/// hammers, four hoses, two drills and six pedestals, interleaved so copies
/// of a title are not adjacent in the catalog.
fn catalog() -> String {
    let groups: [(&str, &str, usize); 6] = [
        ("W", "Steel Washer 1/2 in", 12),
        ("R", "Rubber Washer", 6),
        ("H", "Claw Hammer 16 oz", 4),
        ("G", "Garden Hose 50 ft", 4),
        ("D", "Cordless Drill", 2),
        ("P", "Washer Pedestal", 6),
    ];
    let mut rows = Vec::new();
    for round in 0..12 {
        for (prefix, title, n) in groups {
            if round < n {
                rows.push(format!(
                    "{prefix}{:02},{title},,Acme,Hardware,9.5",
                    round + 1
                ));
            }
        }
    }
    format!(
        "item_id,title,description,brand,category,price\n{}\n",
        rows.join("\n")
    )
}

/// Fractional grades (rater means), some below 1, on tied items.
const JUDGMENTS: &str = "query,item_id,grade
steel washer,W03,2.33
steel washer,W07,1.67
steel washer,W11,0.67
steel washer,W12,1
steel washer,R02,0.33
steel washer,W01,0
1/2 washer,W05,1.33
1/2 washer,R01,2
1/2 washer,W09,1
1/2 washer,P04,1.5
hammer,H02,0.67
hammer,H04,0.33
garden hose,G01,2.67
garden hose,G03,1
garden hose,H01,1.25
zeppelin,G02,2
drill,D02,1.75
";

fn oracle(dir: &Path, ks: &str, level: i64) -> Value {
    trec_oracle(&dir.join("qrels.trec"), &dir.join("run.trec"), ks, level)
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-9, "{what}: ShopLab {a}, pytrec_eval {b}");
}

/// Every metric trec_eval has, per query and mean, against ShopLab's report.
fn agrees(report: &Value, scored: &Value) {
    let ks: Vec<u64> = report["config"]["ks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_u64().unwrap())
        .collect();
    let max_i = ks.iter().enumerate().max_by_key(|(_, k)| **k).unwrap().0;
    let per_query = report["per_query"].as_array().unwrap();
    assert_eq!(scored["queries"].as_u64(), report["n_queries"].as_u64());
    assert_eq!(
        per_query.len() as u64,
        report["n_queries"].as_u64().unwrap()
    );
    let pairs = [
        ("P", "precision"),
        ("recall", "recall"),
        ("ndcg_cut", "ndcg"),
        ("map_cut", "map"),
    ];
    for q in per_query {
        let qid = q["qid"].as_str().unwrap();
        let theirs = &scored["per_query"][qid];
        assert!(
            theirs.is_object(),
            "pytrec_eval did not score {qid}: {scored}"
        );
        for (i, k) in ks.iter().enumerate() {
            for (trec, ours) in pairs {
                close(
                    q["metrics"][i][ours].as_f64().unwrap(),
                    theirs[format!("{trec}_{k}")].as_f64().unwrap(),
                    &format!("{qid} ({}) {ours}@{k}", q["query"]),
                );
            }
        }
        // recip_rank is uncut: MRR at the run's own depth, max(ks).
        close(
            q["metrics"][max_i]["mrr"].as_f64().unwrap(),
            theirs["recip_rank"].as_f64().unwrap(),
            &format!("{qid} mrr"),
        );
    }
    for (i, k) in ks.iter().enumerate() {
        for (trec, ours) in pairs {
            close(
                report["means"][i][ours].as_f64().unwrap(),
                scored["mean"][format!("{trec}_{k}")].as_f64().unwrap(),
                &format!("mean {ours}@{k}"),
            );
        }
    }
}

fn project_with_fixture() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, root) = new_project();
    let catalog_path = dir.path().join("catalog.csv");
    let judgments_path = dir.path().join("judgments.csv");
    std::fs::write(&catalog_path, catalog()).unwrap();
    std::fs::write(&judgments_path, JUDGMENTS).unwrap();
    for (path, format) in [(&catalog_path, "catalog"), (&judgments_path, "judgments")] {
        let r = json(
            &root,
            &["import", path.to_str().unwrap(), "--format", format],
        );
        assert_eq!(r["rejected"], 0, "{r}");
    }
    json(&root, &["index"]);
    (dir, root)
}

#[test]
fn eval_search_export_reproduces_in_pytrec_eval() {
    let (dir, root) = project_with_fixture();

    // Default: trec_eval's convention (grade >= 1 relevant, gain floor(grade)).
    let out = dir.path().join("trec-default");
    let report = json(
        &root,
        &[
            "eval-search",
            "--k",
            "1,3,5,10",
            "--trec",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(report["config"]["relevance"]["min_grade"], 1.0);
    assert_eq!(report["config"]["relevance"]["gain"], "floor");
    // hammer (all grades < 1) is left out; zeppelin finds nothing and scores 0.
    assert_eq!(report["n_queries"], 5, "{report}");
    assert_eq!(report["n_skipped"], 1);
    assert_eq!(report["n_no_hits"], 1);
    assert_eq!(report["trec"]["gain_scale"], 1);
    let qrels = std::fs::read_to_string(out.join("qrels.trec")).unwrap();
    assert!(
        qrels
            .lines()
            .all(|l| l.rsplit(' ').next().unwrap().parse::<i64>().is_ok()),
        "integer grades: {qrels}"
    );
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("search_eval.json")).unwrap())
            .unwrap();
    assert_eq!(saved["means"], report["means"]);

    // The evaluated order is exactly what `search` shows, ties included.
    let washer = report["per_query"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["query"] == "steel washer")
        .unwrap();
    let shown = json(&root, &["search", "steel washer", "-k", "10"]);
    let shown: Vec<&Value> = shown["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| &h["item"])
        .collect();
    let evaluated: Vec<&Value> = washer["items"].as_array().unwrap().iter().collect();
    assert_eq!(shown, evaluated);

    if !pytrec_eval_available("the search evaluations") {
        return;
    }
    let level = report["trec"]["relevance_level"].as_i64().unwrap();
    agrees(&report, &oracle(&out, "1,3,5,10", level));

    // Fractional gains, any grade above 0 relevant: exported scaled by 100.
    let out = dir.path().join("trec-grade");
    let report = json(
        &root,
        &[
            "eval-search",
            "--k",
            "1,3,5,10",
            "--min-grade",
            "0",
            "--gain",
            "grade",
            "--trec",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(report["n_queries"], 6, "{report}");
    assert_eq!(report["trec"]["gain_scale"], 100);
    let level = report["trec"]["relevance_level"].as_i64().unwrap();
    agrees(&report, &oracle(&out, "1,3,5,10", level));

    // A threshold above 1 with binary gains.
    let out = dir.path().join("trec-binary");
    let report = json(
        &root,
        &[
            "eval-search",
            "--min-grade",
            "1.5",
            "--gain",
            "binary",
            "--trec",
            out.to_str().unwrap(),
        ],
    );
    let level = report["trec"]["relevance_level"].as_i64().unwrap();
    agrees(&report, &oracle(&out, "1,5,10", level));
}

#[test]
fn bad_relevance_options_are_refused_with_the_flag_named() {
    let (_dir, root) = project_with_fixture();
    let o = shoplab(&root, &["eval-search", "--min-grade", "0.5"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("min_grade") && err.contains("floor"), "{err}");
    let o = shoplab(&root, &["eval-search", "--gain", "log2"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--gain"), "{}", stderr(&o));
    // Without a folder the export goes to the project's reports/.
    let r = json(&root, &["eval-search", "--trec"]);
    let run = r["trec"]["files"]["run"].as_str().unwrap();
    assert!(Path::new(run).starts_with(root.join("reports")), "{run}");
}
