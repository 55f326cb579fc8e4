//! Creating a project from files, all or nothing: the chosen files and
//! data-set folders are checked first (what each is, which files it reads,
//! which are not importable), then the project is built in a hidden sibling
//! folder and moved into place only when every import and the index
//! succeeded. On failure or cancel nothing is left, so "Create" can simply
//! be pressed again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use shoplab_datasets::read::{self, Format, ReadOptions};
use shoplab_datasets::{CancelToken, Progress};

use crate::error::{Error, Result};
use crate::project::{IndexReport, Project, ProjectPaths};
use crate::store::{ImportOptions, ImportReport};

/// What a chosen file or folder is, found before anything is created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceCheck {
    /// The file or folder as chosen.
    pub path: PathBuf,
    /// What creation will do with it.
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// What creation does with one chosen path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Imported in this format, reading these files.
    Import {
        /// The reader's format name (`catalog`, `instacart`, ...).
        format: String,
        /// Files the reader reads.
        files: Vec<PathBuf>,
        /// Files in a chosen folder that the reader does not read (a README).
        unread: Vec<PathBuf>,
    },
    /// Read as part of another chosen data set (Instacart's aisles.csv when
    /// its order lines are chosen too); not imported on its own.
    PartOf {
        /// The chosen path whose reader reads this file.
        source: PathBuf,
    },
    /// A folder that is no known data set, read as its files (one level),
    /// each checked on its own: the recognised ones are imported in the
    /// order catalogs, shoppers, events, judgments; the others are skipped.
    Folder {
        /// Each file of the folder with its verdict, in import order.
        files: Vec<SourceCheck>,
    },
    /// Not a file ShopLab can import; skipped unless the user insists.
    Unrecognised {
        /// Why, in the reader's words.
        reason: String,
    },
}

impl SourceCheck {
    /// Whether creation imports this path on its own.
    pub fn imported(&self) -> bool {
        !self.to_import().is_empty()
    }

    /// The paths creation imports for this check, in order: the path itself,
    /// or a folder's recognised files.
    pub fn to_import(&self) -> Vec<PathBuf> {
        match &self.verdict {
            Verdict::Import { .. } => vec![self.path.clone()],
            Verdict::Folder { files } => files
                .iter()
                .filter(|f| matches!(f.verdict, Verdict::Import { .. }))
                .map(|f| f.path.clone())
                .collect(),
            Verdict::PartOf { .. } | Verdict::Unrecognised { .. } => Vec::new(),
        }
    }
}

/// The paths to import for `checks`, in order, or an error naming every
/// chosen path and why none of them can be imported (a project made of
/// nothing would look like a success).
pub fn import_list(checks: &[SourceCheck]) -> Result<Vec<PathBuf>> {
    let files: Vec<PathBuf> = checks.iter().flat_map(SourceCheck::to_import).collect();
    if files.is_empty() && !checks.is_empty() {
        let why: Vec<String> = checks.iter().flat_map(reasons).collect();
        return Err(Error::Empty(format!(
            "nothing to import: {}. Choose a catalog, events, shoppers or judgments file, or a data-set folder",
            why.join("; ")
        )));
    }
    Ok(files)
}

/// "PATH: why it is not imported", for each path a check skips.
fn reasons(c: &SourceCheck) -> Vec<String> {
    match &c.verdict {
        Verdict::Unrecognised { reason } => vec![reason.clone()],
        Verdict::Folder { files } => files.iter().flat_map(reasons).collect(),
        Verdict::Import { .. } | Verdict::PartOf { .. } => Vec::new(),
    }
}

/// Checks `paths` (files or data-set folders) as [`create_from`] would read
/// them. Reads only the start of each file (a data set's reader may read its
/// small side files whole).
pub fn check_sources(paths: &[PathBuf]) -> Vec<SourceCheck> {
    let read_opts = ReadOptions::default();
    let previews: Vec<_> = paths.iter().map(|p| read::inspect(p, &read_opts)).collect();
    // Files a data-set reader reads, and which chosen path reads them.
    let mut covered: HashMap<PathBuf, PathBuf> = HashMap::new();
    for (path, preview) in paths.iter().zip(&previews) {
        if let Ok(pv) = preview
            && !generic(pv.format)
        {
            for f in &pv.files {
                covered.entry(canonical(f)).or_insert_with(|| path.clone());
            }
        }
    }
    paths
        .iter()
        .zip(previews)
        .map(|(path, preview)| {
            let by_other = covered
                .get(&canonical(path))
                .filter(|source| *source != path)
                .cloned();
            let verdict = match (by_other, preview) {
                (Some(source), _) => Verdict::PartOf { source },
                // A file whose previewed rows are all rejected (a JSON
                // document such as a synthetic shop's truth.json) is not
                // data: skipped up front, not an import that fails later.
                (None, Ok(pv)) if pv.records.is_empty() && !pv.errors.is_empty() => {
                    Verdict::Unrecognised {
                        reason: format!(
                            "{}: none of its first rows can be read: {}",
                            path.display(),
                            pv.errors[0].reason
                        ),
                    }
                }
                (None, Ok(pv)) => Verdict::Import {
                    format: pv.format.name().to_string(),
                    unread: unread_in(path, &pv.files),
                    files: pv.files,
                },
                (None, Err(e)) => folder_of_files(path).unwrap_or_else(|| Verdict::Unrecognised {
                    reason: e.to_string(),
                }),
            };
            SourceCheck {
                path: path.clone(),
                verdict,
            }
        })
        .collect()
}

/// A folder read as its files (one level, hidden files left out), or
/// unrecognised naming them when none is importable; `None` for no folder
/// or one without files (the reader's reason stands).
fn folder_of_files(dir: &Path) -> Option<Verdict> {
    if !dir.is_dir() {
        return None;
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    if paths.is_empty() {
        return None;
    }
    let mut files = check_sources(&paths);
    if !files.iter().any(SourceCheck::imported) {
        let names: Vec<String> = paths
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        return Some(Verdict::Unrecognised {
            reason: format!(
                "{}: is no data set ShopLab knows, and none of its files ({}) is a catalog, events, shoppers or judgments file",
                dir.display(),
                names.join(", ")
            ),
        });
    }
    // Events name items and shoppers; they go in after them.
    let rank = |c: &SourceCheck| match &c.verdict {
        Verdict::Import { format, .. } => match format.as_str() {
            "catalog" => 0,
            "users" => 1,
            "events" => 2,
            "judgments" => 3,
            _ => 4,
        },
        _ => 5,
    };
    files.sort_by_key(rank);
    Some(Verdict::Folder { files })
}

fn generic(f: Format) -> bool {
    matches!(
        f,
        Format::Auto | Format::Catalog | Format::Events | Format::Users | Format::Judgments
    )
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// Visible files of folder `dir` that `read` does not include.
fn unread_in(dir: &Path, read: &[PathBuf]) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let read: Vec<PathBuf> = read.iter().map(|p| canonical(p)).collect();
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .filter(|p| !read.contains(&canonical(p)))
        .collect();
    out.sort();
    out
}

/// A project made by [`create_from`].
pub struct Created {
    /// The project, open in its final folder.
    pub project: Project,
    /// One report per imported source, in order.
    pub reports: Vec<ImportReport>,
    /// The search index, when there is a catalog.
    pub index: Option<IndexReport>,
}

/// Names a project folder holds; a folder with any of them cannot take a new project.
const LAYOUT: [&str; 5] = ["shop.sqlite", "shoplab.json", "index", "runs", "reports"];

/// Creates the project `name` in `root` and imports `sources` (files or
/// data-set folders, in order) with `read` and `opts`, then builds the
/// search index when there is a catalog. All or nothing: the work happens
/// in a hidden folder beside `root`, moved into place only when everything
/// succeeded; on an error or a cancel it is removed and `root` is as before.
/// `root` may be missing, empty, or a folder with other files (the project's
/// files join them).
pub fn create_from(
    root: &Path,
    name: &str,
    sources: &[PathBuf],
    read: &ReadOptions,
    opts: &ImportOptions,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<Created> {
    check_root(root)?;
    let parent = match root.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| Error::io("cannot create folder", &parent, e))?;
    let base = root
        .file_name()
        .map_or_else(|| "project".into(), |n| n.to_string_lossy().into_owned());
    // Removed on drop, so every early return below leaves nothing.
    let stage = tempfile::Builder::new()
        .prefix(&format!(".{base}.creating-"))
        .tempdir_in(&parent)
        .map_err(|e| Error::io("cannot create a working folder in", &parent, e))?;
    let work = stage.path().join(&base);
    let mut reports = Vec::new();
    let mut index = None;
    {
        let mut project = Project::create(&work, name)?;
        for source in sources {
            let report = project.import(source, read, opts, progress, cancel)?;
            progress.finish_stage();
            if !report.already_imported && report.accepted == 0 && report.duplicates == 0 {
                let first = report
                    .sample_rejections
                    .first()
                    .map(|r| format!(" (first: {r})"))
                    .unwrap_or_default();
                return Err(Error::Empty(format!(
                    "nothing could be imported from {}: every row was rejected{first}; the project was not created",
                    source.display()
                )));
            }
            reports.push(report);
        }
        if project.stats()?.items > 0 {
            index = Some(project.build_index(progress, cancel)?);
            progress.finish_stage();
        }
        // The store closes here, before its folder moves.
    }
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    move_into_place(&work, root)?;
    drop(stage);
    let project = Project::open(root)?;
    Ok(Created {
        project,
        reports,
        index,
    })
}

/// Refuses a `root` that holds a project or any name a project uses.
fn check_root(root: &Path) -> Result<()> {
    let paths = ProjectPaths::new(root);
    crate::project::refuse_existing(&paths)?;
    if root.exists() && !root.is_dir() {
        return Err(Error::invalid(
            "project folder",
            root.display(),
            "it is a file, not a folder; pick a new folder",
        ));
    }
    if let Some(clash) = LAYOUT.iter().find(|n| root.join(n).exists()) {
        return Err(Error::invalid(
            "project folder",
            root.display(),
            format!("it already has an entry named {clash}; pick an empty or new folder"),
        ));
    }
    Ok(())
}

/// Moves the finished project from `work` to `root`: one rename when `root`
/// is missing or empty, else one rename per entry.
fn move_into_place(work: &Path, root: &Path) -> Result<()> {
    let empty = match std::fs::read_dir(root) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return std::fs::rename(work, root).map_err(|e| Error::io("cannot move into", root, e));
        }
        Err(e) => return Err(Error::io("cannot read folder", root, e)),
    };
    if empty {
        std::fs::remove_dir(root).map_err(|e| Error::io("cannot replace", root, e))?;
        return std::fs::rename(work, root).map_err(|e| Error::io("cannot move into", root, e));
    }
    let entries = std::fs::read_dir(work).map_err(|e| Error::io("cannot read folder", work, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("cannot read folder", work, e))?;
        let to = root.join(entry.file_name());
        std::fs::rename(entry.path(), &to).map_err(|e| Error::io("cannot move into", &to, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoplab_datasets::NoProgress;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn catalog(dir: &Path) -> PathBuf {
        write(
            dir,
            "catalog.csv",
            "item_id,title,price\na,Red apple,1.5\nb,Green pear,2\n",
        )
    }

    fn events(dir: &Path) -> PathBuf {
        write(
            dir,
            "events.csv",
            "user_id,item_id,event,timestamp\nu1,a,view,1700000000\nu1,b,purchase,1700000100\nu2,a,cart,1700000200\n",
        )
    }

    fn leftovers(parent: &Path) -> Vec<String> {
        std::fs::read_dir(parent)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.') || n == "shop")
            .collect()
    }

    #[test]
    fn checks_name_unrecognised_files_before_anything_is_created() {
        let data = tempfile::tempdir().unwrap();
        let (c, e) = (catalog(data.path()), events(data.path()));
        let aisles = write(data.path(), "aisles.csv", "aisle_id,aisle\n1,fruit\n");
        let checks = check_sources(&[c, e, aisles.clone()]);
        assert!(checks[0].imported() && checks[1].imported());
        assert!(
            matches!(&checks[2].verdict, Verdict::Unrecognised { reason } if reason.contains("aisles.csv")),
            "{checks:?}"
        );
    }

    #[test]
    fn a_folder_is_one_data_set_and_its_files_are_part_of_it() {
        let data = tempfile::tempdir().unwrap();
        let d = data.path();
        write(
            d,
            "products.csv",
            "product_id,product_name,aisle_id,department_id\n1,Banana,1,1\n2,Milk,2,1\n",
        );
        let aisles = write(d, "aisles.csv", "aisle_id,aisle\n1,fruit\n2,dairy\n");
        write(
            d,
            "departments.csv",
            "department_id,department\n1,produce\n",
        );
        write(
            d,
            "order_lines.csv",
            ",order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id,add_to_cart_order,reordered\n0,10,7,1,1,9,,1,1,0\n1,11,7,2,3,10,5,2,1,0\n",
        );
        write(d, "README.md", "about this data\n");
        let checks = check_sources(&[d.to_path_buf(), aisles]);
        match &checks[0].verdict {
            Verdict::Import { format, unread, .. } => {
                assert_eq!(format, "instacart");
                assert!(
                    unread.iter().any(|p| p.ends_with("README.md")),
                    "{unread:?}"
                );
            }
            v => panic!("{v:?}"),
        }
        assert!(
            matches!(checks[1].verdict, Verdict::PartOf { .. }),
            "{checks:?}"
        );
        let out = tempfile::tempdir().unwrap();
        let root = out.path().join("shop");
        let created = create_from(
            &root,
            "shop",
            &[d.to_path_buf()],
            &ReadOptions::default(),
            &ImportOptions::default(),
            &NoProgress,
            &CancelToken::new(),
        )
        .unwrap();
        let stats = created.project.stats().unwrap();
        assert_eq!((stats.items, stats.events), (2, 2));
        assert_eq!(
            stats.derived_times,
            [d.to_path_buf()],
            "Instacart's made-up dates are recorded"
        );
        assert!(created.index.is_some());
        assert_eq!(leftovers(out.path()), ["shop"], "no working folder left");
    }

    #[test]
    fn a_file_none_of_whose_rows_can_be_read_is_skipped_not_fatal() {
        // `shoplab generate` writes truth.json beside its CSV files.
        let data = tempfile::tempdir().unwrap();
        let d = data.path();
        write(d, "catalog.csv", "item_id,title,price\na,Red apple,1.5\n");
        write(
            d,
            "truth.json",
            "{\"users\": {\"u1\": [1, 2]}, \"seed\": 7}\n",
        );
        let checks = check_sources(&[d.to_path_buf()]);
        let Verdict::Folder { files } = &checks[0].verdict else {
            panic!("{checks:?}")
        };
        assert!(files[0].imported(), "{files:?}");
        let truth = files
            .iter()
            .find(|f| f.path.ends_with("truth.json"))
            .unwrap();
        assert!(
            matches!(&truth.verdict, Verdict::Unrecognised { reason } if reason.contains("none of its first rows")),
            "{truth:?}"
        );
    }

    #[test]
    fn a_folder_of_shoplab_files_is_read_as_its_files_in_a_sensible_order() {
        let data = tempfile::tempdir().unwrap();
        let d = data.path();
        // Named so that sorting by name would put events first.
        write(
            d,
            "a_events.csv",
            "user_id,item_id,event,timestamp\nu1,a,view,1700000000\nu1,b,purchase,1700000100\n",
        );
        write(
            d,
            "b_catalog.csv",
            "item_id,title,price\na,Red apple,1.5\nb,Green pear,2\n",
        );
        let readme = write(d, "README.txt", "About these files\n");
        let checks = check_sources(&[d.to_path_buf()]);
        let Verdict::Folder { files } = &checks[0].verdict else {
            panic!("{checks:?}")
        };
        assert!(
            files
                .iter()
                .any(|f| f.path == readme && matches!(f.verdict, Verdict::Unrecognised { .. })),
            "{files:?}"
        );
        let list = import_list(&checks).unwrap();
        assert_eq!(list, [d.join("b_catalog.csv"), d.join("a_events.csv")]);
        let out = tempfile::tempdir().unwrap();
        let created = create_from(
            &out.path().join("shop"),
            "shop",
            &list,
            &ReadOptions::default(),
            &ImportOptions::default(),
            &NoProgress,
            &CancelToken::new(),
        )
        .unwrap();
        let stats = created.project.stats().unwrap();
        assert_eq!((stats.items, stats.events, stats.rejected_rows), (2, 2, 0));
    }

    #[test]
    fn nothing_importable_is_an_error_naming_each_file_not_an_empty_project() {
        let data = tempfile::tempdir().unwrap();
        let d = data.path().join("notes");
        std::fs::create_dir(&d).unwrap();
        write(&d, "README.txt", "About these files\n");
        let checks = check_sources(std::slice::from_ref(&d));
        let err = import_list(&checks).unwrap_err().to_string();
        assert!(err.contains("README.txt"), "{err}");
        assert!(err.starts_with("nothing to import"), "{err}");
        // A lone README: said once, and asked whether it is data at all.
        let readme = d.join("README.txt");
        let err = import_list(&check_sources(&[readme]))
            .unwrap_err()
            .to_string();
        assert_eq!(err.matches("README.txt").count(), 1, "{err}");
        assert!(err.contains("is it a data file?"), "{err}");
        assert!(
            import_list(&[]).unwrap().is_empty(),
            "no files asked: an empty project"
        );
    }

    #[test]
    fn a_failure_leaves_nothing_and_create_works_again() {
        let data = tempfile::tempdir().unwrap();
        let (c, e) = (catalog(data.path()), events(data.path()));
        let bad = write(data.path(), "notes.csv", "aisle_id,aisle\n1,fruit\n");
        let out = tempfile::tempdir().unwrap();
        let root = out.path().join("shop");
        let make = |files: &[PathBuf]| {
            create_from(
                &root,
                "shop",
                files,
                &ReadOptions::default(),
                &ImportOptions::default(),
                &NoProgress,
                &CancelToken::new(),
            )
        };
        let err = make(&[c.clone(), e.clone(), bad]).err().unwrap();
        assert!(err.to_string().contains("notes.csv"), "{err}");
        assert!(!root.exists(), "no half-made project");
        assert!(
            leftovers(out.path()).is_empty(),
            "{:?}",
            leftovers(out.path())
        );
        // Every row rejected (events for items missing from the catalog) also fails.
        let orphans = write(
            data.path(),
            "orphans.csv",
            "user_id,item_id,event,timestamp\nu1,zz,view,1700000000\n",
        );
        assert!(make(&[c.clone(), orphans]).is_err());
        assert!(!root.exists());
        let created = make(&[c, e]).unwrap();
        assert_eq!(created.project.stats().unwrap().events, 3);
        assert!(Project::is_project(&root));
        assert!(leftovers(out.path()) == ["shop"]);
    }

    #[test]
    fn cancel_leaves_nothing_and_an_existing_empty_folder_is_used() {
        let data = tempfile::tempdir().unwrap();
        let c = catalog(data.path());
        let out = tempfile::tempdir().unwrap();
        let root = out.path().join("shop");
        std::fs::create_dir(&root).unwrap();
        let cancel = CancelToken::new();
        cancel.cancel();
        let r = create_from(
            &root,
            "shop",
            std::slice::from_ref(&c),
            &ReadOptions::default(),
            &ImportOptions::default(),
            &NoProgress,
            &cancel,
        );
        assert!(r.is_err());
        assert_eq!(
            std::fs::read_dir(&root).unwrap().count(),
            0,
            "the folder is as before"
        );
        let created = create_from(
            &root,
            "shop",
            &[c],
            &ReadOptions::default(),
            &ImportOptions::default(),
            &NoProgress,
            &CancelToken::new(),
        )
        .unwrap();
        assert_eq!(created.project.stats().unwrap().items, 2);
        assert!(
            create_from(
                &root,
                "shop",
                &[],
                &ReadOptions::default(),
                &ImportOptions::default(),
                &NoProgress,
                &CancelToken::new(),
            )
            .is_err_and(|e| e.to_string().contains("already holds"))
        );
    }
}
