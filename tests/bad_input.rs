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

/// Stats without the size of the import log: what the project holds.
fn data(stats: &serde_json::Value) -> serde_json::Value {
    let mut s = stats.clone();
    if let Some(o) = s.as_object_mut() {
        o.remove("imports");
    }
    s
}

/// The newest entry of the import log.
fn last_import(root: &std::path::Path) -> serde_json::Value {
    let log = json(root, &["imports"]);
    log.as_array().unwrap().last().cloned().unwrap()
}

/// A file refused as a whole still leaves a failed entry, with the reason, in the log.
fn assert_refusal_logged(root: &std::path::Path, name: &str, reason: &str) {
    let entry = last_import(root);
    assert!(
        entry["file"].as_str().unwrap().ends_with(name),
        "no log entry for {name}: {entry}"
    );
    assert_eq!(entry["status"], "failed", "{entry}");
    let error = entry["error"].as_str().unwrap_or_default().to_lowercase();
    assert!(error.contains(reason), "{entry}");
    let text = ok(root, &["imports"]);
    assert!(text.contains(name) && text.contains("failed"), "{text}");
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
    assert_eq!(data(&stats(&root)), data(&before));
    assert_refusal_logged(&root, "empty.csv", "empty");
}

#[test]
fn header_only() {
    let (dir, root, before) = loaded();
    let f = write(dir.path(), "header.csv", b"item_id,title,price\n");
    import_fails(&root, &f, &["header.csv", "no data rows"]);
    assert_eq!(data(&stats(&root)), data(&before));
    assert_refusal_logged(&root, "header.csv", "no data rows");
}

#[test]
fn binary_file_renamed_to_csv() {
    let (dir, root, before) = loaded();
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..4000u32).flat_map(|i| i.to_le_bytes()));
    let f = write(dir.path(), "photo.csv", &bytes);
    import_fails(&root, &f, &["photo.csv", "binary"]);
    assert_eq!(data(&stats(&root)), data(&before));
    assert_refusal_logged(&root, "photo.csv", "binary");
}

#[test]
fn path_that_does_not_exist() {
    let (dir, root, before) = loaded();
    let missing = dir.path().join("nope.csv");
    let err = import_fails(&root, &missing, &["nope.csv"]);
    // The OS's words once, not once from the error and again from its cause.
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
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
fn strict_retries_keep_each_attempts_rejects() {
    let (dir, root, _) = loaded();
    let f = write(
        dir.path(),
        "items.csv",
        b"item_id,title,price\nP5,Lamp,20\nP6,Kettle,abc\nP7,Pan,9\n",
    );
    for _ in 0..3 {
        let o = shoplab(&root, &["import", f.to_str().unwrap(), "--strict"]);
        assert!(!o.status.success());
    }
    let log = json(&root, &["imports", "--rejected", "100"]);
    let attempts: Vec<&serde_json::Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["file"].as_str().unwrap().ends_with("items.csv"))
        .collect();
    assert_eq!(attempts.len(), 3, "one log entry per attempt: {log}");
    for a in &attempts {
        assert_eq!(a["status"], "failed", "{a}");
        let rows = a["rejected_rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "each attempt lists its own reject once: {a}");
        assert_eq!(rows[0]["line"], 3, "{a}");
        assert!(a["error"].as_str().unwrap().contains("--strict"), "{a}");
    }
    // Without --strict the same file goes in, with the bad row kept once.
    let r = json(&root, &["import", f.to_str().unwrap()]);
    assert_eq!(
        (r["accepted"].as_u64(), r["rejected"].as_u64()),
        (Some(2), Some(1)),
        "{r}"
    );
    let entry = last_import(&root);
    assert_eq!(entry["status"], "done", "{entry}");
    let log = json(&root, &["imports", "--rejected", "100"]);
    let last = log.as_array().unwrap().last().unwrap();
    assert_eq!(last["rejected_rows"].as_array().unwrap().len(), 1, "{last}");
}

#[test]
fn import_progress_names_its_units() {
    let (dir, root, _) = loaded();
    let f = write(dir.path(), "items.csv", b"item_id,title\nP5,Lamp\nP6,Pan\n");
    let o = shoplab(&root, &["import", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let line = err
        .lines()
        .find(|l| l.starts_with("import:"))
        .unwrap_or_else(|| panic!("no progress line: {err}"));
    assert!(line.contains(" B ") && line.contains("to read"), "{line}");
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

/// Makes `paths` read-only for this process (root ignores permission bits,
/// so as root the immutable attribute is used); undone on drop. `None` when
/// this machine cannot (no chattr, or a filesystem without the attribute).
#[cfg(unix)]
enum ReadOnly {
    /// Held only to be dropped (which removes the attribute again).
    Immutable {
        _held: Vec<Immutable>,
    },
    Modes(Vec<(std::path::PathBuf, u32)>),
}

#[cfg(unix)]
impl ReadOnly {
    fn set(paths: &[&std::path::Path]) -> Option<ReadOnly> {
        use std::os::unix::fs::PermissionsExt;
        if is_root() {
            let guards: Option<Vec<Immutable>> = paths.iter().map(|p| Immutable::set(p)).collect();
            guards.map(|held| ReadOnly::Immutable { _held: held })
        } else {
            let mut old = Vec::new();
            for p in paths {
                let mode = std::fs::metadata(p).unwrap().permissions().mode();
                let ro = if p.is_dir() { 0o555 } else { 0o444 };
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(ro)).unwrap();
                old.push((p.to_path_buf(), mode));
            }
            Some(ReadOnly::Modes(old))
        }
    }
}

#[cfg(unix)]
impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if let ReadOnly::Modes(old) = self {
            for (p, mode) in old.iter().rev() {
                let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(*mode));
            }
        }
    }
}

/// Writing into a read-only store fails with a clear message; reading works.
#[cfg(unix)]
#[test]
fn read_only_database_is_reported() {
    let (dir, root, before) = loaded();
    let db = root.join("shop.sqlite");
    let f = write(dir.path(), "x.csv", b"item_id,title\nP9,Thing\n");
    let Some(guard) = ReadOnly::set(&[&db]) else {
        eprintln!("skipped: cannot make {} read-only", db.display());
        return;
    };
    let o = shoplab(&root, &["import", f.to_str().unwrap()]);
    assert!(
        !o.status.success(),
        "import into a read-only store must fail"
    );
    let err = stderr(&o).to_lowercase();
    assert!(err.contains("read-only"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // Viewing needs no write access.
    assert_eq!(stats(&root), before);
    drop(guard);
    assert_eq!(stats(&root), before);
}

/// A project on a read-only medium (or owned by someone else) can be viewed:
/// every command that writes nothing works, and one that writes says why not.
#[cfg(unix)]
#[test]
fn read_only_project_can_be_viewed() {
    let (dir, root, _) = loaded();
    let run = json(&root, &["train", "popularity"]);
    let run_id = run[0]["id"].as_str().unwrap().to_string();
    let before = stats(&root);
    let db = root.join("shop.sqlite");
    let f = write(dir.path(), "x.csv", b"item_id,title\nP9,Thing\n");
    // A project copied to a read-only medium holds its files only: drop the
    // (empty) journal files that SQLite readers leave in a writable folder,
    // so that SQLite cannot open the store the usual way.
    for journal in ["shop.sqlite-wal", "shop.sqlite-shm"] {
        let p = root.join(journal);
        if journal.ends_with("wal") && p.exists() {
            assert_eq!(
                std::fs::metadata(&p).unwrap().len(),
                0,
                "unmerged changes in {journal}"
            );
        }
        let _ = std::fs::remove_file(p);
    }
    let Some(guard) = ReadOnly::set(&[&db, &root]) else {
        eprintln!("skipped: cannot make {} read-only", root.display());
        return;
    };
    assert_eq!(stats(&root), before);
    let text = ok(&root, &["stats"]);
    assert!(text.contains("items"), "{text}");
    let log = json(&root, &["imports"]);
    assert_eq!(log.as_array().unwrap().len(), 2, "{log}");
    let runs = json(&root, &["runs"]);
    assert_eq!(runs[0]["id"], run_id.as_str(), "{runs}");
    let table = json(&root, &["compare"]);
    assert_eq!(table["rows"].as_array().unwrap().len(), 1, "{table}");
    let rec = json(&root, &["recommend", "--user", "U1", "--run", &run_id]);
    assert_eq!(rec["user"], "U1", "{rec}");

    let o = shoplab(&root, &["import", f.to_str().unwrap()]);
    assert!(
        !o.status.success(),
        "import into a read-only project must fail"
    );
    let err = stderr(&o);
    assert!(err.contains("read-only"), "{err}");
    assert!(
        err.contains("stats") && !err.contains("open the project read-only"),
        "the message names what still works and no mode that does not exist: {err}"
    );
    drop(guard);
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

#[test]
fn rows_in_a_second_encoding_are_stored_right_and_reported() {
    let (dir, root) = new_project();
    // A UTF-8 catalog with one row saved by a Latin-1 tool ("Café crème").
    let mut bytes = CATALOG.as_bytes().to_vec();
    bytes.extend_from_slice(b"P9,Caf\xe9 cr\xe8me,Mug,Acme,Home,3.5,,white\n");
    let file = write(dir.path(), "mixed.csv", &bytes);
    let text = ok(&root, &["import", file.to_str().unwrap()]);
    assert!(
        text.contains("warning:") && text.contains("windows-1252"),
        "no warning about the Latin-1 row: {text}"
    );
    let db = rusqlite::Connection::open(root.join("shop.sqlite")).unwrap();
    let title: String = db
        .query_row("SELECT title FROM items WHERE ext_id = 'P9'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(title, "Café crème");
    let tee: String = db
        .query_row("SELECT title FROM items WHERE ext_id = 'P4'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(tee, "红色棉质T恤", "a valid UTF-8 row was garbled");
}

#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    let (_dir, root, _) = loaded();
    // `shoplab --json stats | head -0`: the pipe is closed before anything is written.
    let mut child = std::process::Command::new(bin())
        .args(["-p", root.to_str().unwrap(), "--json", "stats"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {err}", out.status);
    assert!(!err.contains("panicked"), "{err}");
}
