//! Shops export "all orders to date" every day: importing the new export adds
//! exactly its new rows, even when the import is killed half-way and re-run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_re_export_with_new_rows_adds_exactly_the_new_rows() {
    let (dir, root) = new_project();
    let cat = write(dir.path(), "catalog.csv", CATALOG);
    ok(&root, &["import", cat.to_str().unwrap()]);
    // Monday's export: the fixture plus a row that really happens twice.
    let twice = "1700000000,U1,S1,P1,view,,,\n";
    let monday = format!("{EVENTS}{twice}");
    let first = write(dir.path(), "orders-monday.csv", &monday);
    let r = json(&root, &["import", first.to_str().unwrap()]);
    assert_eq!(
        (r["events"].as_u64(), r["duplicates"].as_u64()),
        (Some(7), Some(0)),
        "{r}"
    );

    // Tuesday's: everything to date plus three rows, one of them a third
    // occurrence of the repeated row.
    let tuesday =
        format!("{monday}{twice}1700000100,U4,S9,P2,purchase,,40,\n1700000110,U1,S10,P4,view,,,\n");
    let second = write(dir.path(), "orders-tuesday.csv", &tuesday);
    let r = json(&root, &["import", second.to_str().unwrap()]);
    assert_eq!(r["events"], 3, "{r}");
    assert_eq!(r["duplicates"], 7, "{r}");
    assert_eq!(r["rejected"], 0, "{r}");
    assert_eq!(stats(&root)["events"], 10);
    let db = root.join("shop.sqlite");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM events WHERE ts = 1700000000 AND kind = (SELECT kind FROM events WHERE ts = 1700000020)"
        ),
        3,
        "the row repeated three times is stored three times"
    );
    let log = json(&root, &["imports"]);
    let entry = log.as_array().unwrap().last().unwrap();
    assert_eq!(entry["duplicates"], 7, "{entry}");
    let text = ok(&root, &["imports"]);
    assert!(text.contains("7 duplicates"), "{text}");

    // The same rows in another order, plus one: one more event.
    let mut lines: Vec<&str> = tuesday.lines().skip(1).collect();
    lines.reverse();
    let wednesday = format!(
        "timestamp,user_id,session_id,item_id,event,query,value,position\n{}\n1700000200,U2,S11,P3,view,,,\n",
        lines.join("\n")
    );
    let third = write(dir.path(), "orders-wednesday.csv", &wednesday);
    let o = shoplab(&root, &["import", third.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("10 duplicates of stored events skipped"),
        "{}",
        stdout(&o)
    );
    assert_eq!(stats(&root)["events"], 11);

    // Nothing new at all is not an error: every row is a known event.
    let again = format!(
        "timestamp,user_id,session_id,item_id,event,query,value,position\n{}",
        lines.join("\n")
    );
    let fourth = write(dir.path(), "orders-again.csv", &again);
    let r = json(&root, &["import", fourth.to_str().unwrap()]);
    assert_eq!(
        (r["events"].as_u64(), r["duplicates"].as_u64()),
        (Some(0), Some(10)),
        "{r}"
    );
    assert_eq!(stats(&root)["events"], 11);
}

#[test]
fn a_re_export_killed_mid_import_resumes_to_exactly_the_new_rows() {
    let (dir, root, data) = shop_with_catalog(7);
    let full = std::fs::read_to_string(data.join("events.csv")).unwrap();
    let rows = full.lines().count() - 1;
    // Yesterday's export: the first 60% of today's.
    let cut = rows * 6 / 10;
    let yesterday: String = full.lines().take(cut + 1).flat_map(|l| [l, "\n"]).collect();
    let yesterday = write(dir.path(), "events-yesterday.csv", &yesterday);
    let today = data.join("events.csv");
    let r = json(&root, &["import", yesterday.to_str().unwrap()]);
    assert_eq!(
        (r["events"].as_u64(), r["rejected"].as_u64()),
        (Some(cut as u64), Some(0)),
        "{r}"
    );
    let db = root.join("shop.sqlite");

    // Today's import, killed once a chunk is committed.
    let mut child = Command::new(bin())
        .args([
            "-p",
            root.to_str().unwrap(),
            "import",
            today.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the import finished ({status}) before it could be killed; use a bigger file");
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
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "import never committed a chunk"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let partial = count(&db, "SELECT COUNT(*) FROM events");
    assert!(
        partial >= cut as i64 && partial < rows as i64,
        "partial = {partial}"
    );

    let r = json(&root, &["import", today.to_str().unwrap()]);
    assert!(r["resumed_from"].as_u64().is_some(), "{r}");
    assert_eq!(r["rejected"], 0, "{r}");
    assert_eq!(r["duplicates"].as_u64(), Some(cut as u64), "{r}");
    assert_eq!(r["events"].as_u64(), Some((rows - cut) as u64), "{r}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM events"), rows as i64);
    // The store holds each row of today's file as often as the file does.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut stored: Vec<(i64, String, String)> = conn
        .prepare(
            "SELECT e.ts, u.ext_id, COALESCE(i.ext_id, '') FROM events e JOIN users u ON u.idx = e.user_idx LEFT JOIN items i ON i.idx = e.item_idx",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut expected: Vec<(i64, String, String)> = full
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].parse().unwrap(), f[1].to_string(), f[3].to_string())
        })
        .collect();
    stored.sort();
    expected.sort();
    assert!(stored == expected, "stored events differ from the file");
}
