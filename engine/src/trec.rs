//! TREC run and qrels files that any oracle scores exactly as ShopLab does.
//!
//! trec_eval, pytrec_eval and ranx re-sort a run by score and break ties by
//! document id, so a run file that carries raw (possibly tied) scores can be
//! scored differently from the list ShopLab ranked. The run file therefore
//! carries *rank scores*: for a list of n documents, n, n-1, …, 1 in
//! ShopLab's order, strictly decreasing, so every tool sees exactly that
//! order. The model's raw scores go to a side file (`<stem>.scores.tsv`:
//! `qid<TAB>docid<TAB>rank<TAB>score`) for anyone who wants to fuse or inspect them.
//!
//! Files written for a stem `run` in a folder:
//! ```text
//! run.trec          qid Q0 docid rank rank_score tag   (6 columns, trec_eval's format)
//! run.scores.tsv    qid docid rank raw_score            (header line, tab-separated)
//! qrels.trec        qid 0 docid grade                   (integer grades)
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::project::write_atomic;

/// A TREC run and its qrels, built in memory and written atomically.
#[derive(Debug, Clone, Default)]
pub struct TrecWriter {
    tag: String,
    run: String,
    scores: String,
    qrels: String,
}

/// The files one `TrecWriter::write` produced.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TrecFiles {
    /// The run file (rank scores, strictly decreasing per query).
    pub run: PathBuf,
    /// The raw scores beside it.
    pub scores: PathBuf,
    /// The relevance judgments.
    pub qrels: PathBuf,
}

impl TrecWriter {
    /// A writer whose run lines carry `tag` (whitespace becomes `_`).
    pub fn new(tag: &str) -> Self {
        let tag = if tag.trim().is_empty() {
            "shoplab".to_string()
        } else {
            tag.trim().replace(char::is_whitespace, "_")
        };
        TrecWriter {
            tag,
            run: String::new(),
            scores: String::from("qid\tdocid\trank\tscore\n"),
            qrels: String::new(),
        }
    }

    /// Adds one query's ranked list, best first, as ShopLab ranked it.
    /// `docs` are `(docid, raw score)`; ids must already be TREC tokens
    /// (see [`token`]).
    pub fn ranked(&mut self, qid: &str, docs: &[(String, f64)]) {
        let n = docs.len();
        for (i, (doc, raw)) in docs.iter().enumerate() {
            let rank = i + 1;
            let _ = writeln!(self.run, "{qid} Q0 {doc} {rank} {} {}", n - i, self.tag);
            let _ = writeln!(self.scores, "{qid}\t{doc}\t{rank}\t{raw}");
        }
    }

    /// Adds one judgment with an integer grade (trec_eval needs integers).
    pub fn judged(&mut self, qid: &str, doc: &str, grade: i64) {
        let _ = writeln!(self.qrels, "{qid} 0 {doc} {grade}");
    }

    /// The run file's text.
    pub fn run_text(&self) -> &str {
        &self.run
    }

    /// The qrels file's text.
    pub fn qrels_text(&self) -> &str {
        &self.qrels
    }

    /// Writes `<stem>.trec`, `<stem>.scores.tsv` and `qrels.trec` (or
    /// `<qrels_stem>.trec`) into `dir`, each atomically.
    pub fn write(&self, dir: &Path, stem: &str, qrels_stem: &str) -> Result<TrecFiles> {
        let files = TrecFiles {
            run: dir.join(format!("{stem}.trec")),
            scores: dir.join(format!("{stem}.scores.tsv")),
            qrels: dir.join(format!("{qrels_stem}.trec")),
        };
        write_atomic(&files.run, self.run.as_bytes())?;
        write_atomic(&files.scores, self.scores.as_bytes())?;
        write_atomic(&files.qrels, self.qrels.as_bytes())?;
        Ok(files)
    }
}

/// An id as a TREC token: TREC files are whitespace-separated, so ids that
/// are empty or hold whitespace fall back to `idx<index>`.
pub fn token(id: &str, idx: usize) -> String {
    if id.is_empty() || id.contains(char::is_whitespace) {
        format!("idx{idx}")
    } else {
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tied_raw_scores_become_strictly_decreasing_rank_scores() {
        let mut w = TrecWriter::new("pop run");
        let docs = vec![
            ("b".to_string(), 3.0),
            ("a".to_string(), 3.0),
            ("c".to_string(), 1.0),
        ];
        w.ranked("u1", &docs);
        assert_eq!(
            w.run_text(),
            "u1 Q0 b 1 3 pop_run\nu1 Q0 a 2 2 pop_run\nu1 Q0 c 3 1 pop_run\n"
        );
        assert!(w.scores.contains("u1\ta\t2\t3\n"));
    }

    #[test]
    fn ids_with_whitespace_fall_back_to_the_index() {
        assert_eq!(token("a b", 7), "idx7");
        assert_eq!(token("", 3), "idx3");
        assert_eq!(token("SKU-1", 0), "SKU-1");
    }
}
