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
    }
}
