//! `shoplab new --import`: a project built from files all or nothing, files
//! it does not recognise skipped and named, and the currency setting.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[test]
fn new_with_files_is_all_or_nothing_and_skips_what_it_does_not_recognise() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("catalog.csv"), CATALOG).unwrap();
    std::fs::write(d.join("events.csv"), EVENTS).unwrap();
    std::fs::write(d.join("aisles.csv"), "aisle_id,aisle\n1,fruit\n").unwrap();
    // Every row of this events file names an unknown item: the import stores nothing.
    std::fs::write(
        d.join("orphans.csv"),
        "timestamp,user_id,item_id,event\n1700000000,U1,NOPE,view\n",
    )
    .unwrap();
    let root = d.join("shop");
    let arg = |n: &str| d.join(n).display().to_string();

    let o = shoplab(
        d,
        &[
            "new",
            root.to_str().unwrap(),
            "--import",
            &arg("catalog.csv"),
            "--import",
            &arg("orphans.csv"),
        ],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no project was created"),
        "{}",
        stderr(&o)
    );
    assert!(!root.exists(), "nothing left behind");
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let out = json(
        d,
        &[
            "new",
            root.to_str().unwrap(),
            "--currency",
            "€",
            "--import",
            &arg("catalog.csv"),
            "--import",
            &arg("events.csv"),
            "--import",
            &arg("aisles.csv"),
        ],
    );
    assert_eq!(out["imports"].as_array().unwrap().len(), 2);
    assert_eq!(out["checks"][2]["verdict"], "unrecognised");
    assert_eq!(out["currency"], "€");
    let s = stats(&root);
    assert_eq!(
        (s["items"].as_u64(), s["events"].as_u64()),
        (Some(4), Some(6))
    );
    assert!(
        ok(&root, &["search", "shirt"]).contains("Red cotton"),
        "indexed at once"
    );

    let text = ok(&root, &["settings"]);
    assert!(text.contains("currency: €"), "{text}");
    ok(&root, &["settings", "--currency", ""]);
    assert_eq!(json(&root, &["settings"])["currency"], "");
    let o = shoplab(
        &root,
        &["settings", "--currency", "far too long a currency"],
    );
    assert!(!o.status.success());
}

#[test]
fn a_folder_of_shoplab_files_is_imported_file_by_file_and_one_of_nothing_fails() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let shop_files = d.join("exports");
    std::fs::create_dir(&shop_files).unwrap();
    std::fs::write(shop_files.join("catalog.csv"), CATALOG).unwrap();
    std::fs::write(shop_files.join("events.csv"), EVENTS).unwrap();
    std::fs::write(shop_files.join("README.txt"), "Exported from our shop\n").unwrap();
    let root = d.join("shop");
    let out = json(
        d,
        &[
            "new",
            root.to_str().unwrap(),
            "--import",
            shop_files.to_str().unwrap(),
        ],
    );
    assert_eq!(out["checks"][0]["verdict"], "folder");
    let formats: Vec<&str> = out["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["format"].as_str().unwrap())
        .collect();
    assert_eq!(
        formats,
        ["catalog", "events"],
        "the catalog before its events"
    );
    let s = stats(&root);
    assert_eq!(
        (s["items"].as_u64(), s["events"].as_u64()),
        (Some(4), Some(6))
    );

    // A folder of nothing ShopLab reads: an error, and no empty project.
    let notes = d.join("notes");
    std::fs::create_dir(&notes).unwrap();
    std::fs::write(notes.join("README.txt"), "Nothing here\n").unwrap();
    let empty = d.join("empty");
    let o = shoplab(
        d,
        &[
            "new",
            empty.to_str().unwrap(),
            "--import",
            notes.to_str().unwrap(),
        ],
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("no project was created") && err.contains("README.txt"),
        "{err}"
    );
    assert!(!empty.exists(), "no empty project left");
}
