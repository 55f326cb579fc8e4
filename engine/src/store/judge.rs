//! Judgments made one at a time in the app: a person marks a search result
//! relevant or not. They sit in the judgments table beside imported ones
//! (a later grade for the same query and item wins, as in imports) and are
//! filed in the import history under one entry, so the log stays readable.

use rusqlite::OptionalExtension;

use super::Store;
use crate::error::{Error, Result};

/// Fingerprint of the import-history entry that owns judgments made in the app.
const APP_FINGERPRINT: &str = "shoplab-app-judgments";

impl Store {
    /// Grades `item_idx` for `query` (0 = not relevant), replacing any earlier grade.
    pub fn set_judgment(&self, query: &str, item_idx: u32, grade: f64) -> Result<()> {
        let query = query.trim();
        if query.is_empty() {
            return Err(Error::invalid(
                "query",
                "''",
                "judge a result of a non-empty query",
            ));
        }
        if !grade.is_finite() || grade < 0.0 {
            return Err(Error::invalid(
                "grade",
                grade,
                "grades are 0 (not relevant) or more (relevant; higher is better)",
            ));
        }
        if item_idx >= self.count_dense("items").map_err(|e| self.err(e))? {
            return Err(Error::invalid(
                "item",
                item_idx,
                "no such item in the catalog",
            ));
        }
        let run = || -> rusqlite::Result<()> {
            let import_id = self.app_import_id()?;
            self.conn.execute(
                "INSERT INTO judgments (query, item_idx, grade, import_id) VALUES (?,?,?,?) ON CONFLICT (query, item_idx) DO UPDATE SET grade = excluded.grade, import_id = excluded.import_id",
                (query, item_idx, grade, import_id),
            )?;
            self.count_app_judgments(import_id)
        };
        run().map_err(|e| self.err(e))
    }

    /// Removes the judgment of `item_idx` for `query`; true when there was one.
    pub fn clear_judgment(&self, query: &str, item_idx: u32) -> Result<bool> {
        let run = || -> rusqlite::Result<bool> {
            let n = self.conn.execute(
                "DELETE FROM judgments WHERE query = ? AND item_idx = ?",
                (query.trim(), item_idx),
            )?;
            if let Some(id) = self.find_app_import()? {
                self.count_app_judgments(id)?;
            }
            Ok(n > 0)
        };
        run().map_err(|e| self.err(e))
    }

    /// Judgments of one query as `(item index, grade)`.
    pub fn judgments_of(&self, query: &str) -> Result<Vec<(u32, f64)>> {
        let run = || -> rusqlite::Result<Vec<(u32, f64)>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT item_idx, grade FROM judgments WHERE query = ? ORDER BY item_idx",
            )?;
            let rows = stmt.query_map([query.trim()], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    fn find_app_import(&self) -> rusqlite::Result<Option<i64>> {
        self.conn
            .query_row(
                "SELECT id FROM imports WHERE fingerprint = ? ORDER BY id LIMIT 1",
                [APP_FINGERPRINT],
                |r| r.get(0),
            )
            .optional()
    }

    fn app_import_id(&self) -> rusqlite::Result<i64> {
        if let Some(id) = self.find_app_import()? {
            return Ok(id);
        }
        let now = chrono::Utc::now().timestamp();
        self.conn.execute(
            "INSERT INTO imports (file, format, fingerprint, size, started_at, finished_at, status, new_items_allowed) VALUES ('judged in ShopLab', 'app', ?, 0, ?, ?, 'done', 0)",
            (APP_FINGERPRINT, now, now),
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn count_app_judgments(&self, import_id: i64) -> rusqlite::Result<()> {
        self.conn.execute(
            "UPDATE imports SET judgments = (SELECT COUNT(*) FROM judgments WHERE import_id = ?1), accepted = (SELECT COUNT(*) FROM judgments WHERE import_id = ?1), finished_at = ?2 WHERE id = ?1",
            (import_id, chrono::Utc::now().timestamp()),
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{item, judgment, ok, source, temp_store};
    use super::*;
    use crate::store::ImportOptions;
    use shoplab_datasets::{CancelToken, NoProgress};

    #[test]
    fn app_judgments_replace_imported_ones_and_count_in_one_history_entry() -> Result<()> {
        let (_dir, mut store) = temp_store()?;
        store.import(
            ok(vec![
                item("a", "red shoe"),
                item("b", "blue shoe"),
                judgment("shoe", "a", 2.0),
            ]),
            &source("catalog.csv"),
            &ImportOptions::default(),
            &NoProgress,
            &CancelToken::new(),
        )?;
        store.set_judgment("shoe", 1, 1.0)?;
        store.set_judgment("shoe", 0, 0.0)?;
        store.set_judgment(" shoe ", 0, 3.0)?;
        assert_eq!(store.judgments_of("shoe")?, vec![(0, 3.0), (1, 1.0)]);
        let imports = store.imports()?;
        assert_eq!(imports.len(), 2, "one entry for all app judgments");
        assert_eq!(imports[1].format, "app");
        assert_eq!(imports[1].judgments, 2);
        assert!(store.clear_judgment("shoe", 1)?);
        assert!(!store.clear_judgment("shoe", 1)?);
        assert_eq!(store.judgments_of("shoe")?, vec![(0, 3.0)]);
        assert_eq!(store.imports()?[1].judgments, 1);
        Ok(())
    }

    #[test]
    fn bad_judgments_are_refused_with_the_value() -> Result<()> {
        let (_dir, store) = temp_store()?;
        let err = store
            .set_judgment("shoe", 0, 1.0)
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("no such item")));
        let err = store.set_judgment("", 0, 1.0).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("query")));
        let err = store
            .set_judgment("q", 0, f64::NAN)
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("grade")));
        Ok(())
    }
}
