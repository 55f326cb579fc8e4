//! Killing `shoplab import` mid-way (SIGKILL, no chance to clean up) leaves a
//! consistent database, and re-running the import completes it exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

fn count(db: &std::path::Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn killed_import_resumes_exactly_once() {
    let (_dir, root, data) = shop_with_catalog(7);
    let events = data.join("events.csv");
    let expected_rows = std::fs::read_to_string(&events).unwrap().lines().count() as i64 - 1;
    let db = root.join("shop.sqlite");

    // Start the import and kill it once at least one chunk is committed.
    let mut child = Command::new(bin())
        .args([
            "-p",
            root.to_str().unwrap(),
            "import",
            events.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut killed_mid_way = false;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            // Finished before we could kill it: the machine was faster than
            // the chunk size; the exactly-once check below still holds.
            assert!(status.success());
            break;
        }
        let committed = rusqlite::Connection::open(&db)
            .and_then(|c| {
                c.query_row(
                    "SELECT COALESCE(MAX(records_consumed), 0) FROM imports WHERE status = 'running'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
            })
            .unwrap_or(0);
        if committed > 0 {
            child.kill().unwrap();
            child.wait().unwrap();
            killed_mid_way = true;
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "import never committed a chunk"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        killed_mid_way,
        "the import finished before it could be killed; use a bigger file"
    );

    // Consistent after the kill.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    let partial = count(&db, "SELECT COUNT(*) FROM events");
    assert!(
        partial > 0 && partial < expected_rows,
        "partial = {partial}"
    );

    // Re-run: completes, exactly once.
    let r = json(&root, &["import", events.to_str().unwrap()]);
    assert!(r["resumed_from"].as_u64().is_some(), "{r}");
    let total = count(&db, "SELECT COUNT(*) FROM events");
    let rejected = r["rejected"].as_i64().unwrap();
    assert_eq!(total + rejected, expected_rows, "events stored once each");
    let dupes = count(
        &db,
        "SELECT COUNT(*) FROM (SELECT ts, user_idx, item_idx, kind, COUNT(*) c FROM events GROUP BY ts, user_idx, item_idx, kind, session, query_id HAVING c > 1)",
    );
    let dupes_in_file = {
        let text = std::fs::read_to_string(&events).unwrap();
        let mut seen = std::collections::HashSet::new();
        text.lines().skip(1).filter(|l| !seen.insert(*l)).count() as i64
    };
    assert!(
        dupes <= dupes_in_file,
        "{dupes} duplicated events, file has {dupes_in_file}"
    );

    // And a third run adds nothing.
    let again = json(&root, &["import", events.to_str().unwrap()]);
    assert_eq!(again["already_imported"], true);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM events"), total);
}
