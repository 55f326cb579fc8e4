//! Killing `shoplab train` of a learned model mid-way (SIGKILL, no chance to
//! clean up) leaves its last epoch's checkpoint; the same command started
//! again resumes from it, records one run, removes the checkpoint, and ends
//! with the same model an uninterrupted run trains.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

const TRAIN: [&str; 12] = [
    "train",
    "bpr",
    "--param",
    "epochs=6",
    "--param",
    "batch_size=1024",
    "--param",
    "learning_rate=0.01",
    "--device",
    "cpu",
    "--k",
    "10",
];

fn checkpoint(root: &Path) -> Option<PathBuf> {
    std::fs::read_dir(root.join("checkpoints"))
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("checkpoint.safetensors"))
        .find(|p| p.is_file())
}

fn ndcg10(run: &serde_json::Value) -> f64 {
    run["metrics"][0]["ndcg"].as_f64().unwrap()
}

#[test]
fn killed_training_resumes_from_its_checkpoint() {
    let (dir, root, data) = shop_with_catalog(11);
    let _ = dir;
    ok(&root, &["import", data.join("events.csv").to_str().unwrap()]);

    let mut child = Command::new(bin())
        .arg("-p")
        .arg(&root)
        .args(TRAIN)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut killed_mid_way = false;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        if checkpoint(&root).is_some() {
            child.kill().unwrap();
            child.wait().unwrap();
            killed_mid_way = true;
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "training never wrote a checkpoint"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        killed_mid_way,
        "training finished before it could be killed; use more epochs or events"
    );
    assert!(checkpoint(&root).is_some(), "the kill left the checkpoint");
    let runs = json(&root, &["runs"]);
    assert_eq!(runs.as_array().unwrap().len(), 0, "a killed run records nothing");

    let mut args = vec!["--json"];
    args.extend(TRAIN);
    let resumed = serde_json::from_str::<serde_json::Value>(&ok(&root, &args)).unwrap();
    let resumed = &resumed[0];
    let from = resumed["training"]["resumed_from"].as_u64();
    assert!(
        from.is_some_and(|e| (1..6).contains(&e)),
        "resumed from {from:?}"
    );
    assert_eq!(resumed["training"]["epochs_run"].as_u64(), Some(6));
    assert!(checkpoint(&root).is_none(), "a recorded run removes its checkpoint");

    // The same command again, uninterrupted: the same model, so the same numbers.
    let straight = serde_json::from_str::<serde_json::Value>(&ok(&root, &args)).unwrap();
    let straight = &straight[0];
    assert_eq!(straight["training"]["resumed_from"], serde_json::Value::Null);
    assert_eq!(ndcg10(resumed), ndcg10(straight));
    assert_eq!(
        resumed["training"]["loss_curve"],
        straight["training"]["loss_curve"]
    );
}
