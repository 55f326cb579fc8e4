//! Ctrl-C (a real SIGINT) during `shoplab import`: the import stops at the
//! next chunk, its log entry says "cancelled", the user is told how to resume,
//! `stats` warns about the unfinished file, and re-running completes it once.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn query(db: &Path, sql: &str) -> rusqlite::Result<i64> {
    rusqlite::Connection::open(db).and_then(|c| c.query_row(sql, [], |r| r.get(0)))
}

#[test]
fn sigint_cancels_at_a_chunk_and_the_import_resumes() {
    let (_dir, root, data) = shop_with_catalog(11);
    let events = data.join("events.csv");
    let rows = std::fs::read_to_string(&events).unwrap().lines().count() as i64 - 1;
    let db = root.join("shop.sqlite");

    let child = Command::new(bin())
        .args([
            "-p",
            root.to_str().unwrap(),
            "import",
            events.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let start = Instant::now();
    loop {
        let committed = query(
            &db,
            "SELECT COALESCE(MAX(records_consumed), 0) FROM imports WHERE status = 'running'",
        )
        .unwrap_or(0);
        if committed > 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "import never committed a chunk"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(130),
        "exit status after Ctrl-C; stderr: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("cancelled"), "{err}");
    assert!(
        !err.contains("import done"),
        "a cancelled import is not done: {err}"
    );
    assert!(
        err.contains("To resume") && err.contains(&format!("import {}", events.display())),
        "says how to resume: {err}"
    );

    let status = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT status FROM imports ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    assert_eq!(status, "cancelled");
    let consumed = query(
        &db,
        "SELECT records_consumed FROM imports ORDER BY id DESC LIMIT 1",
    )
    .unwrap();
    let stored = query(&db, "SELECT COUNT(*) FROM events").unwrap();
    assert!(stored > 0 && stored < rows, "stored = {stored}");
    assert_eq!(
        stored, consumed,
        "the committed chunks and the resume point agree"
    );

    // stats warns that the file is only partly imported.
    let s = stats(&root);
    let unfinished = s["unfinished_imports"].as_array().unwrap();
    assert_eq!(unfinished.len(), 1, "{s}");
    assert_eq!(unfinished[0]["status"], "cancelled", "{s}");
    let text = ok(&root, &["stats"]);
    assert!(
        text.contains("did not finish") && text.contains(&events.display().to_string()),
        "{text}"
    );

    // Running the same command again completes it, each row once.
    let r = json(&root, &["import", events.to_str().unwrap()]);
    assert_eq!(r["resumed_from"].as_i64(), Some(consumed), "{r}");
    assert_eq!(query(&db, "SELECT COUNT(*) FROM events").unwrap(), rows);
    let s = stats(&root);
    assert!(
        s["unfinished_imports"].as_array().unwrap().is_empty(),
        "{s}"
    );
    assert!(!ok(&root, &["stats"]).contains("did not finish"));
}
