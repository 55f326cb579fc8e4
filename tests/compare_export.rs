//! `shoplab compare --export DIR`: the whole table and the four charts as
//! PNG, SVG and CSV, for runs a person can tell apart (two EASE runs that
//! differ only in `reg`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use common::*;

#[test]
fn compare_export_writes_the_table_and_four_charts() {
    let (dir, root) = new_project();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    ok(&root, &["generate", d, "--size", "demo", "--seed", "5"]);
    for f in ["catalog.csv", "users.csv", "events.csv"] {
        ok(&root, &["import", data.join(f).to_str().unwrap()]);
    }
    for args in [
        vec!["train", "popularity"],
        vec!["train", "ease", "--param", "reg=50"],
        vec!["train", "ease", "--param", "reg=500"],
    ] {
        ok(&root, &args);
    }
    let out = dir.path().join("exports");
    let r = json(
        &root,
        &[
            "compare",
            "--export",
            out.to_str().unwrap(),
            "--columns",
            "ndcg@10,recall@10,auc,p95_us",
        ],
    );
    assert_eq!(r["comparison"]["rows"].as_array().unwrap().len(), 3, "{r}");
    let files: Vec<PathBuf> = r["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| PathBuf::from(f.as_str().unwrap()))
        .collect();
    assert_eq!(files.len(), 5 * 3, "{files:?}");
    for stem in [
        "comparison",
        "metric-at-k",
        "bars",
        "latency-cdf",
        "quality-vs-latency",
    ] {
        for ext in ["png", "svg", "csv"] {
            let f = files
                .iter()
                .find(|f| {
                    let name = f.file_name().unwrap().to_string_lossy();
                    name.starts_with(&format!("{stem}-2")) && name.ends_with(&format!(".{ext}"))
                })
                .unwrap_or_else(|| panic!("no {stem} .{ext} in {files:?}"));
            assert!(f.starts_with(&out), "{}", f.display());
            let bytes = std::fs::read(f).unwrap();
            match ext {
                "png" => assert!(bytes.starts_with(b"\x89PNG"), "{}", f.display()),
                "svg" => assert!(String::from_utf8_lossy(&bytes).contains("<svg")),
                _ => {}
            }
        }
    }
    // The table's CSV: one row per run, each with its parameters, split and seed.
    let csv_path = files
        .iter()
        .find(|f| {
            let n = f.file_name().unwrap().to_string_lossy();
            n.starts_with("comparison-") && n.ends_with(".csv")
        })
        .unwrap();
    let mut rdr = csv::Reader::from_path(csv_path).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let labels: Vec<&str> = rows.iter().map(|r| &r[col("label")]).collect();
    assert!(labels.contains(&"ease · reg=50"), "{labels:?}");
    assert!(labels.contains(&"ease · reg=500"), "{labels:?}");
    for r in &rows {
        assert_eq!(&r[col("seed")], "42");
        assert!(r[col("split")].starts_with("temporal"), "{r:?}");
        assert!(!r[col("ndcg@10")].is_empty());
    }
    let ease: Vec<&str> = rows
        .iter()
        .filter(|r| &r[col("model")] == "ease")
        .map(|r| &r[col("params")])
        .collect();
    assert_eq!(ease.len(), 2);
    assert_ne!(ease[0], ease[1]);

    // A folder that cannot be made: an error naming it, no panic.
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "x").unwrap();
    let bad = blocker.join("exports");
    let o = shoplab(&root, &["compare", "--export", bad.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains(bad.to_str().unwrap()), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
