//! Every kind of bad input a user can bring: a clear message, rejected rows
//! kept for review, the right exit code, and nothing stored changed or lost.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// A project holding the small catalog and events, plus its stats before the bad import.
fn loaded() -> (tempfile::TempDir, std::path::PathBuf, serde_json::Value) {
    let (dir, root) = new_project();
    let cat = write(dir.path(), "catalog.csv", CATALOG.as_bytes());
    let ev = write(dir.path(), "events.csv", EVENTS.as_bytes());
    ok(&root, &["import", cat.to_str().unwrap()]);
    ok(&root, &["import", ev.to_str().unwrap()]);
    let before = stats(&root);
    (dir, root, before)
}

fn import_fails(root: &std::path::Path, file: &std::path::Path, expect: &[&str]) -> String {
    let o = shoplab(root, &["import", file.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(
        !o.status.success(),
        "import of {} should fail; stdout: {}",
        file.display(),
        stdout(&o)
    );
    assert!(!err.contains("panicked"), "panic: {err}");
    for e in expect {
        assert!(
            err.to_lowercase().contains(&e.to_lowercase()),
            "message lacks '{e}': {err}"
        );
    }
    err
}

#[test]
fn empty_file() {
    let (dir, root, before) = loaded();
    let f = write(dir.path(), "empty.csv", b"");
    import_fails(&root, &f, &["empty.csv", "empty"]);
    assert_eq!(stats(&root), before);
}

#[test]
fn header_only() {
    let (dir, root, before) = loaded();
    let f = write(dir.path(), "header.csv", b"item_id,title,price\n");
    import_fails(&root, &f, &["header.csv", "no data rows"]);
    assert_eq!(stats(&root), before);
}

#[test]
fn binary_file_renamed_to_csv() {
    let (dir, root, before) = loaded();
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..4000u32).flat_map(|i| i.to_le_bytes()));
    let f = write(dir.path(), "photo.csv", &bytes);
    import_fails(&root, &f, &["photo.csv", "binary"]);
    assert_eq!(stats(&root), before);
}

#[test]
fn path_that_does_not_exist() {
    let (dir, root, before) = loaded();
    let missing = dir.path().join("nope.csv");
    import_fails(&root, &missing, &["nope.csv"]);
    assert_eq!(stats(&root), before);
}

#[test]
fn folder_that_is_not_a_project() {
    let dir = tempfile::tempdir().unwrap();
    let o = shoplab(dir.path(), &["stats"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("not a ShopLab project"), "{err}");
    assert!(err.contains("shoplab new"), "{err}");
}

#[test]
fn bad_rows_are_rejected_kept_and_the_rest_imported() {
    let (dir, root, _) = loaded();
    // Line 2: fine. 3: wrong column count. 4: price not a number. 5: negative price.
    // 6: NaN price. 7: duplicate id (updates P5). 8: bad UTF-8.
    let mut text = b"item_id,title,description,brand,category,price,image_url\n\
P5,Lamp,Desk lamp,Lumo,Home > Lighting,20,\n\
P6,Broken row,only three\n\
P7,Kettle,Steel kettle,Boil,Home > Kitchen,abc,\n\
P8,Pan,Frying pan,Boil,Home > Kitchen,-3,\n\
P9,Pot,Stock pot,Boil,Home > Kitchen,NaN,\n\
P5,Lamp v2,Desk lamp,Lumo,Home > Lighting,22,\n"
        .to_vec();
    text.extend_from_slice(b"P10,Caf\xff\xfe mug,Mug,Cup,Home > Kitchen,5,\n");
    let f = write(dir.path(), "items.csv", &text);
    let o = shoplab(
        &root,
        &[
            "--json",
            "import",
            f.to_str().unwrap(),
            "--encoding",
            "utf-8",
        ],
    );
    assert!(
        o.status.success(),
        "partial import must succeed: {}",
        stderr(&o)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["accepted"], 2, "{report}");
    assert_eq!(report["rejected"], 5, "{report}");
    let log = json(&root, &["imports", "--rejected", "100"]);
    let rows = log
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["rejected_rows"].as_array().unwrap().clone())
        .collect::<Vec<_>>();
    let lines: Vec<u64> = rows.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    for l in [3, 4, 5, 6, 8] {
        assert!(lines.contains(&l), "line {l} not kept for review: {rows:?}");
    }
    let reasons = rows
        .iter()
        .map(|r| r["reason"].as_str().unwrap().to_lowercase())
        .collect::<Vec<_>>()
        .join(" | ");
    for needle in ["column", "number", "negative", "utf-8"] {
        assert!(
            reasons.contains(needle),
            "no reason mentions '{needle}': {reasons}"
        );
    }
}

#[test]
fn strict_aborts_and_changes_nothing() {
    let (dir, root, before) = loaded();
    let f = write(
        dir.path(),
        "items.csv",
        b"item_id,title,price\nP5,Lamp,20\nP6,Kettle,abc\n",
    );
    let o = shoplab(&root, &["import", f.to_str().unwrap(), "--strict"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("items.csv"), "{}", stderr(&o));
    assert_eq!(stats(&root)["items"], before["items"]);
}

#[test]
fn unparsable_timestamp_and_unknown_items() {
    let (dir, root, before) = loaded();
    let f = write(
        dir.path(),
        "more-events.csv",
        b"timestamp,user_id,item_id,event\nyesterday,U1,P1,view\n1700000100,U1,NOPE,view\n1700000200,U9,P2,view\n",
    );
    let o = shoplab(&root, &["--json", "import", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["accepted"], 1, "{r}");
    assert_eq!(r["rejected"], 2, "{r}");
    let text = r["sample_rejections"].to_string().to_lowercase();
    assert!(text.contains("timestamp"), "{text}");
    assert!(text.contains("nope"), "{text}");
    // The new user U9 was created; nothing else changed.
    let after = stats(&root);
    assert_eq!(after["items"], before["items"]);
}

#[test]
fn every_row_rejected_exits_non_zero() {
    let (dir, root, before) = loaded();
    let f = write(
        dir.path(),
        "bad.csv",
        b"timestamp,user_id,item_id,event\nx,U1,P1,view\ny,U1,P1,view\n",
    );
    import_fails(&root, &f, &["nothing could be imported"]);
    assert_eq!(stats(&root)["events"], before["events"]);
}

#[test]
fn ten_megabyte_single_line() {
    let (dir, root, _) = loaded();
    let mut text = b"item_id,title,price\nP5,Lamp,20\nP6,".to_vec();
    text.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    text.extend_from_slice(b",3\nP7,Kettle,9\n");
    let f = write(dir.path(), "long.csv", &text);
    let o = shoplab(&root, &["--json", "import", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["accepted"], 2, "{r}");
    assert_eq!(r["rejected"], 1, "{r}");
}

#[test]
fn importing_the_same_file_twice_adds_nothing() {
    let (dir, root, before) = loaded();
    let ev = dir.path().join("events.csv");
    let r = json(&root, &["import", ev.to_str().unwrap()]);
    assert_eq!(r["already_imported"], true, "{r}");
    assert_eq!(stats(&root), before);
}

/// Makes a file read-only even for root (CI runs as root, which ignores
/// permission bits): the immutable attribute, removed again on drop.
struct Immutable(std::path::PathBuf);

impl Immutable {
    fn set(path: &std::path::Path) -> Option<Immutable> {
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Immutable(path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[cfg(unix)]
#[test]
fn read_only_database_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, root, before) = loaded();
    let db = root.join("shop.sqlite");
    let f = write(dir.path(), "x.csv", b"item_id,title\nP9,Thing\n");
    let o = if is_root() {
        let Some(_guard) = Immutable::set(&db) else {
            // No chattr (or a filesystem without the attribute): nothing
            // can make a file read-only for root here.
            eprintln!("skipped: cannot make {} immutable", db.display());
            return;
        };
        shoplab(&root, &["import", f.to_str().unwrap()])
    } else {
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
        let o = shoplab(&root, &["import", f.to_str().unwrap()]);
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        o
    };
    assert!(
        !o.status.success(),
        "import into a read-only store must fail"
    );
    let err = stderr(&o).to_lowercase();
    assert!(
        err.contains("read-only") || err.contains("permission"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(stats(&root), before);
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn locked_database_is_reported() {
    let (dir, root, before) = loaded();
    // Hold an exclusive write lock from another connection while importing.
    let conn = rusqlite::Connection::open(root.join("shop.sqlite")).unwrap();
    conn.execute_batch("BEGIN EXCLUSIVE;").unwrap();
    let f = write(dir.path(), "x.csv", b"item_id,title\nP9,Thing\n");
    let o = shoplab(&root, &["import", f.to_str().unwrap()]);
    conn.execute_batch("ROLLBACK;").unwrap();
    drop(conn);
    assert!(!o.status.success());
    let err = stderr(&o).to_lowercase();
    assert!(
        err.contains("another program") || err.contains("locked"),
        "{err}"
    );
    assert_eq!(stats(&root), before);
}
