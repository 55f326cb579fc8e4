//! What the app remembers between sessions (eframe stores it, with the
//! window size, in the platform's app-data folder).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// How many recent projects the start screen lists.
const RECENT: usize = 8;

/// Remembered settings. Missing fields take their defaults, so settings
/// written by an older ShopLab still load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppSettings {
    /// Interface language (default: English).
    pub lang: Lang,
    /// Recently opened project folders, newest first.
    pub recent: Vec<PathBuf>,
    /// Reopen the last project at start (default: true).
    pub reopen_last: bool,
    /// Where "Open the demo shop" builds it (default: `shoplab-demo` in the
    /// app-data folder, else the current folder).
    pub demo_dir: Option<PathBuf>,
    /// Results per ranker on the Search view (default: 10).
    pub search_k: usize,
    /// Length of recommendation lists on the Recommend view (default: 10).
    pub recommend_k: usize,
    /// The folder the file picker was last in (where it opens next).
    pub last_folder: Option<PathBuf>,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            lang: Lang::En,
            recent: Vec::new(),
            reopen_last: true,
            demo_dir: None,
            search_k: 10,
            recommend_k: 10,
            last_folder: None,
        }
    }
}

impl AppSettings {
    /// The storage key.
    pub const KEY: &'static str = "shoplab-settings";

    /// Puts `project` first in the recent list.
    pub fn remember(&mut self, project: &Path) {
        self.recent.retain(|p| p != project);
        self.recent.insert(0, project.to_path_buf());
        self.recent.truncate(RECENT);
    }

    /// Drops a project that no longer opens.
    pub fn forget(&mut self, project: &Path) {
        self.recent.retain(|p| p != project);
    }

    /// Where the file picker opens: the folder it was last in, else the
    /// last project's parent folder.
    pub fn picker_start(&self) -> Option<&Path> {
        self.last_folder
            .as_deref()
            .or_else(|| self.last_project().and_then(Path::parent))
    }

    /// The last project opened, if any.
    pub fn last_project(&self) -> Option<&Path> {
        self.recent.first().map(PathBuf::as_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_projects_are_newest_first_without_repeats_and_bounded() {
        let mut s = AppSettings::default();
        for i in 0..12 {
            s.remember(Path::new(&format!("/p{i}")));
        }
        s.remember(Path::new("/p5"));
        assert_eq!(s.recent.len(), RECENT);
        assert_eq!(s.last_project(), Some(Path::new("/p5")));
        assert_eq!(s.recent.iter().filter(|p| p.ends_with("p5")).count(), 1);
        s.forget(Path::new("/p5"));
        assert_eq!(s.last_project(), Some(Path::new("/p11")));
    }

    #[test]
    fn old_settings_without_new_fields_still_load() {
        let s: AppSettings = serde_json::from_str(r#"{"lang":"zh"}"#).unwrap_or_default();
        assert_eq!(s.lang, Lang::Zh);
        assert_eq!(s.search_k, 10);
        assert_eq!(s.last_folder, None);
    }

    #[test]
    fn the_picker_opens_where_it_was_last() {
        let mut s = AppSettings::default();
        assert_eq!(s.picker_start(), None);
        s.remember(Path::new("/data/shops/one"));
        assert_eq!(s.picker_start(), Some(Path::new("/data/shops")));
        s.last_folder = Some(PathBuf::from("/data/instacart"));
        let back: AppSettings = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back.picker_start(), Some(Path::new("/data/instacart")));
    }
}
