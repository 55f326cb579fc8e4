//! `shoplab report`: the folder a person hands on. The page is
//! self-contained (no script, nothing fetched), its figures agree with the
//! JSON and CSV beside it, and a real browser (headless Chromium) renders
//! its charts: the baseline's colour covers chart-sized areas of the
//! screenshot, not only the legend swatches.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[test]
fn report_writes_a_self_contained_page_that_a_browser_renders() {
    let (dir, root) = new_project();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    ok(&root, &["generate", d, "--size", "demo", "--seed", "11"]);
    for f in ["catalog.csv", "users.csv", "events.csv"] {
        ok(&root, &["import", data.join(f).to_str().unwrap()]);
    }
    for m in ["popularity", "ease", "item_knn"] {
        ok(&root, &["train", m]);
    }
    let out = dir.path().join("handed-on");
    let w = json(
        &root,
        &[
            "report",
            "popularity",
            "ease",
            "item_knn",
            "--resamples",
            "1000",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let html_path = std::path::PathBuf::from(w["html"].as_str().unwrap());
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(
        html.matches("<svg").count() >= 6,
        "lift, segments and four charts"
    );
    for banned in ["<script", " src=", "href=", "url(", "@import"] {
        assert!(
            !html.contains(banned),
            "the page must not load anything: {banned}"
        );
    }
    // Every number is beside the page, and the two agree.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let ab = &report["ab"];
    let mut rows = csv::Reader::from_path(out.join("significance.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    let segments = ab["segments"].as_array().unwrap();
    let cells: usize = segments
        .iter()
        .map(|s| {
            s["cells"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_array().unwrap().len())
                .sum::<usize>()
        })
        .sum();
    assert_eq!(
        rows.len(),
        cells,
        "one CSV row per segment, challenger and metric"
    );
    let first = &segments[0]["cells"][0][0]["test"];
    let diff: f64 = rows[0][7].parse().unwrap();
    assert!((diff - first["mean_diff"].as_f64().unwrap()).abs() < 1e-12);
    let shown = format!("{:+.4}", first["mean_diff"].as_f64().unwrap());
    assert!(html.contains(&shown), "the page shows {shown}");
    for run in ["popularity", "ease", "item_knn"] {
        let id = report["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == run)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(out.join("trec").join(format!("{id}.trec")).is_file());
        assert!(out.join("trec").join(format!("{id}.qrels.trec")).is_file());
    }
    // An existing folder is never written over.
    let again = shoplab(
        &root,
        &[
            "report",
            "popularity",
            "ease",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(!again.status.success());
    assert!(stderr(&again).contains("exists"), "{}", stderr(&again));

    // A real browser draws the charts.
    let Some(browser) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        assert!(
            std::env::var_os("SHOPLAB_REQUIRE_CHROMIUM").is_none(),
            "SHOPLAB_REQUIRE_CHROMIUM is set but no Chromium was found (apt-get install chromium)"
        );
        eprintln!("no Chromium here: the browser check is skipped (CI installs it)");
        return;
    };
    let shot = dir.path().join("page.png");
    let o = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1280,5000",
            &format!("--screenshot={}", shot.display()),
        ])
        .arg(format!("file://{}", html_path.display()))
        .output()
        .unwrap();
    assert!(shot.is_file(), "{}", String::from_utf8_lossy(&o.stderr));
    let img = image::open(&shot).unwrap().to_rgb8();
    // A run's colour, as the page's first swatch gives it.
    let at = html.find("background:#").unwrap() + "background:#".len();
    let hex = &html[at..at + 6];
    let c: Vec<u8> = (0..3)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let painted = img
        .pixels()
        .filter(|p| (0..3).all(|i| (i32::from(p[i]) - i32::from(c[i])).abs() <= 6))
        .count();
    // Swatches are a few hundred pixels; the bar chart's bar alone is tens of thousands.
    assert!(
        painted > 5_000,
        "only {painted} pixels of #{hex}: the charts did not render"
    );
}
