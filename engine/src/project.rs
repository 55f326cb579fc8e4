//! A ShopLab project: one folder holding the event store, the search index,
//! runs and reports.
//!
//! ```text
//! myshop/
//!   shoplab.json     project marker and settings
//!   shop.sqlite      event store (WAL mode)
//!   index/           tantivy catalog index
//!   runs/<run-id>/   one folder per training + evaluation run
//!   reports/         exported tables and charts
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// File name of the event store inside a project.
pub const STORE_FILE: &str = "shop.sqlite";
/// File name of the project marker and settings.
pub const SETTINGS_FILE: &str = "shoplab.json";

/// Paths of the parts of a project folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPaths {
    /// The project folder.
    pub root: PathBuf,
}

impl ProjectPaths {
    /// Paths inside `root` (nothing is checked or created).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ProjectPaths { root: root.into() }
    }
    /// `shop.sqlite`
    pub fn store(&self) -> PathBuf {
        self.root.join(STORE_FILE)
    }
    /// `shoplab.json`
    pub fn settings(&self) -> PathBuf {
        self.root.join(SETTINGS_FILE)
    }
    /// `index/`
    pub fn index(&self) -> PathBuf {
        self.root.join("index")
    }
    /// `runs/`
    pub fn runs(&self) -> PathBuf {
        self.root.join("runs")
    }
    /// `runs/<id>/`
    pub fn run(&self, id: &str) -> PathBuf {
        self.runs().join(id)
    }
    /// `reports/`
    pub fn reports(&self) -> PathBuf {
        self.root.join("reports")
    }
}

/// Project-wide settings stored in `shoplab.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Human name of the shop.
    pub name: String,
    /// Format version of the project folder.
    pub format_version: u32,
    /// ShopLab version that created the project.
    pub created_by: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            name: String::new(),
            format_version: 1,
            created_by: format!("shoplab {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Creates the folder layout of a new project (the store is created by
/// [`crate::store::Store::open`]). Fails if `root` already holds a project.
pub fn create_layout(root: &Path, name: &str) -> Result<ProjectPaths> {
    let paths = ProjectPaths::new(root);
    if paths.store().exists() || paths.settings().exists() {
        return Err(Error::invalid(
            "project folder",
            root.display(),
            "it already holds a ShopLab project; open it instead, or pick a new folder",
        ));
    }
    for dir in [paths.root.clone(), paths.runs(), paths.reports()] {
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create folder", &dir, e))?;
    }
    let settings = Settings {
        name: name.to_string(),
        ..Settings::default()
    };
    write_json_atomic(&paths.settings(), &settings)?;
    Ok(paths)
}

/// Checks that `root` is a project and returns its paths and settings.
pub fn open_layout(root: &Path) -> Result<(ProjectPaths, Settings)> {
    let paths = ProjectPaths::new(root);
    if !paths.store().is_file() {
        return Err(Error::NotAProject {
            path: root.to_path_buf(),
        });
    }
    let settings = if paths.settings().is_file() {
        read_json(&paths.settings())?
    } else {
        Settings::default()
    };
    Ok((paths, settings))
}

/// Reads a JSON file into `T`.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("cannot read", path, e))?;
    serde_json::from_slice(&bytes).map_err(|source| Error::Json {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `value` as pretty JSON through a temporary file and a rename, so a
/// crash or a full disk never leaves a half-written file behind.
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_vec_pretty(value).map_err(|source| Error::Json {
        path: path.to_path_buf(),
        source,
    })?;
    write_atomic(path, &text)
}

/// Writes bytes through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp-write");
    std::fs::write(&tmp, bytes).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("cannot write", &tmp, e)
    })?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io("cannot replace", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_then_open_and_refuse_twice() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("shop");
        let paths = create_layout(&root, "demo").unwrap();
        assert!(paths.runs().is_dir());
        // No store yet: not a project.
        assert!(matches!(open_layout(&root), Err(Error::NotAProject { .. })));
        std::fs::write(paths.store(), b"").unwrap();
        let (_, s) = open_layout(&root).unwrap();
        assert_eq!(s.name, "demo");
        assert!(create_layout(&root, "again").is_err());
    }
}
