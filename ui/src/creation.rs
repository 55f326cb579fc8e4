//! Creating a project from the Start view's files: the job body behind
//! `Command::CreateProject` (all or nothing, through
//! `shoplab_engine::create`), and the one-line summary the app shows.

use std::path::{Path, PathBuf};

use shoplab_datasets::read::ReadOptions;
use shoplab_datasets::{CancelToken, Progress};
use shoplab_engine::create::{Created, create_from};
use shoplab_engine::store::ImportOptions;

use crate::i18n::{Lang, tr};
use crate::job::JobOutcome;
use crate::snapshot::Snapshot;
use crate::views::count;

/// Creates a project in `dir` from `files` (files or data-set folders);
/// `skipped` are named in the summary. Nothing is left in `dir` on failure.
pub fn create_project(
    dir: &Path,
    files: &[PathBuf],
    skipped: &[PathBuf],
    lang: Lang,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> shoplab_engine::Result<JobOutcome> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "shop".into());
    // Files were chosen but none can be imported: no empty project
    // dressed up as a success.
    if files.is_empty() && !skipped.is_empty() {
        let names: Vec<String> = skipped.iter().map(|p| file_name(p)).collect();
        return Err(shoplab_engine::Error::Empty(format!(
            "{} {}. {}",
            tr(
                lang,
                "Nothing to import: ShopLab recognises none of the chosen files:"
            ),
            names.join(", "),
            tr(
                lang,
                "Add a catalog, events, shoppers or judgments file, or a data-set folder; no project was created."
            )
        )));
    }
    let created = create_from(
        dir,
        &name,
        files,
        &ReadOptions::default(),
        &ImportOptions::default(),
        progress,
        cancel,
    )?;
    let summary = summary(&created, &name, skipped, lang);
    let snapshot = Snapshot::read(&created.project, progress, cancel)?;
    Ok(JobOutcome::Created(Box::new(snapshot), summary))
}

/// "Created project shop; files imported: a.csv (2 items), b.csv (3 events,
/// 1 rejected); files skipped: c.csv".
pub fn summary(created: &Created, name: &str, skipped: &[PathBuf], lang: Lang) -> String {
    let t = |s| tr(lang, s);
    let file = file_name;
    let imported: Vec<String> = created
        .reports
        .iter()
        .map(|r| {
            let mut parts = Vec::new();
            for (n, one, many) in [
                (r.items, "item", "items"),
                (r.users, "shopper", "shoppers"),
                (r.events, "event", "events"),
                (r.judgments, "search judgment", "search judgments"),
                (r.rejected, "rejected", "rejected"),
            ] {
                if n > 0 {
                    parts.push(counted(lang, n, one, many));
                }
            }
            format!("{} ({})", file(&r.file), parts.join(", "))
        })
        .collect();
    let mut s = format!("{} {name}", t("Created project"));
    if !imported.is_empty() {
        s.push_str(&format!(
            "; {} {}",
            t("files imported:"),
            imported.join(", ")
        ));
    }
    if !skipped.is_empty() {
        let names: Vec<String> = skipped.iter().map(|p| file(p)).collect();
        s.push_str(&format!("; {} {}", t("files skipped:"), names.join(", ")));
    }
    s
}

/// "1 shopper", "2 shoppers": `n` with thousands separators and the word
/// for one or for many, translated.
pub fn counted(lang: Lang, n: u64, one: &'static str, many: &'static str) -> String {
    format!("{} {}", count(n), tr(lang, if n == 1 { one } else { many }))
}

/// An engine error as the app's window words it: a parameter that cannot be
/// used is said in a sentence, not as `invalid NAME = VALUE`.
pub fn app_error(e: &shoplab_engine::Error) -> String {
    match e {
        shoplab_engine::Error::InvalidParameter {
            name,
            value,
            reason,
        } => format!("The {name} {value} cannot be used: {reason}"),
        e => e.to_string(),
    }
}

/// A path's file name, or the whole path when it has none.
fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoplab_datasets::NoProgress;

    #[test]
    fn a_failed_creation_leaves_no_folder_and_create_works_again() {
        let data = tempfile::tempdir().unwrap();
        let catalog = data.path().join("catalog.csv");
        std::fs::write(&catalog, "item_id,title\na,Apple\nb,Pear\n").unwrap();
        let aisles = data.path().join("aisles.csv");
        std::fs::write(&aisles, "aisle_id,aisle\n1,fruit\n").unwrap();
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("shop");
        let go = |files: &[PathBuf], skipped: &[PathBuf]| {
            create_project(
                &dir,
                files,
                skipped,
                Lang::En,
                &NoProgress,
                &CancelToken::new(),
            )
        };
        assert!(go(&[catalog.clone(), aisles.clone()], &[]).is_err());
        assert!(!dir.exists());
        assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
        let Ok(JobOutcome::Created(snapshot, summary)) = go(&[catalog], &[aisles]) else {
            panic!("created")
        };
        assert_eq!(snapshot.stats.items, 2);
        assert_eq!(
            summary,
            "Created project shop; files imported: catalog.csv (2 items); files skipped: aisles.csv"
        );
    }

    #[test]
    fn one_is_singular_and_an_unusable_value_is_said_in_a_sentence() {
        assert_eq!(counted(Lang::En, 1, "shopper", "shoppers"), "1 shopper");
        assert_eq!(counted(Lang::En, 2, "shopper", "shoppers"), "2 shoppers");
        assert_eq!(counted(Lang::En, 46_652, "item", "items"), "46,652 items");
        let e = shoplab_engine::Error::invalid(
            "project folder",
            "/tmp/shop",
            "it is a file, not a folder; pick a new folder",
        );
        assert_eq!(
            app_error(&e),
            "The project folder /tmp/shop cannot be used: it is a file, not a folder; pick a new folder"
        );
    }

    #[test]
    fn files_chosen_but_none_importable_make_no_project() {
        let data = tempfile::tempdir().unwrap();
        let readme = data.path().join("README.txt");
        std::fs::write(&readme, "About this data\n").unwrap();
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("shop");
        let r = create_project(
            &dir,
            &[],
            &[readme],
            Lang::En,
            &NoProgress,
            &CancelToken::new(),
        );
        let Err(e) = r else {
            panic!("an empty project was created")
        };
        assert!(e.to_string().contains("README.txt"), "{e}");
        assert!(!dir.exists());
    }

    #[test]
    fn a_summary_counts_one_shopper_in_the_singular() {
        let data = tempfile::tempdir().unwrap();
        let catalog = data.path().join("catalog.csv");
        std::fs::write(&catalog, "item_id,title\na,Apple\n").unwrap();
        let events = data.path().join("events.csv");
        std::fs::write(
            &events,
            "user_id,item_id,event,timestamp\nu1,a,view,1700000000\n",
        )
        .unwrap();
        let out = tempfile::tempdir().unwrap();
        let Ok(JobOutcome::Created(_, summary)) = create_project(
            &out.path().join("shop"),
            &[catalog, events],
            &[],
            Lang::En,
            &NoProgress,
            &CancelToken::new(),
        ) else {
            panic!("created")
        };
        assert_eq!(
            summary,
            "Created project shop; files imported: catalog.csv (1 item), events.csv (1 shopper, 1 event)"
        );
    }
}
