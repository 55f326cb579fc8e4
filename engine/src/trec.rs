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

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
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

/// Each query's documents in rank order, read back from a run file
/// written by [`TrecWriter`] (`qid Q0 docid rank score tag`).
pub fn read_run(path: &Path) -> Result<HashMap<String, Vec<String>>> {
    let mut ranked: HashMap<String, Vec<(u64, String)>> = HashMap::new();
    for (n, line) in read_lines(path)?.iter().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        let rank = f.get(3).and_then(|r| r.parse::<u64>().ok());
        let (Some(rank), 6) = (rank, f.len()) else {
            return Err(malformed(path, n, "qid Q0 docid rank score tag"));
        };
        ranked
            .entry(f[0].to_string())
            .or_default()
            .push((rank, f[2].to_string()));
    }
    Ok(ranked
        .into_iter()
        .map(|(q, mut docs)| {
            docs.sort();
            (q, docs.into_iter().map(|(_, d)| d).collect())
        })
        .collect())
}

/// Each query's relevant documents (grade above 0), read back from a qrels
/// file (`qid 0 docid grade`).
pub fn read_qrels(path: &Path) -> Result<HashMap<String, Vec<String>>> {
    let mut rel: HashMap<String, Vec<String>> = HashMap::new();
    for (n, line) in read_lines(path)?.iter().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        let grade = f.get(3).and_then(|g| g.parse::<f64>().ok());
        let (Some(grade), 4) = (grade, f.len()) else {
            return Err(malformed(path, n, "qid 0 docid grade"));
        };
        if grade > 0.0 {
            rel.entry(f[0].to_string())
                .or_default()
                .push(f[2].to_string());
        }
    }
    Ok(rel)
}

fn read_lines(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("cannot read", path, e))?;
    Ok(text.lines().map(str::to_string).collect())
}

fn malformed(path: &Path, line: usize, want: &str) -> Error {
    Error::invalid(
        "TREC file",
        format!("{}:{}", path.display(), line + 1),
        format!("expected `{want}`; the run folder is damaged: train the run again"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_qrels_read_back_as_written() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut w = TrecWriter::new("r");
        w.ranked(
            "u1",
            &[("b".into(), 1.0), ("a".into(), 1.0), ("c".into(), 0.5)],
        );
        w.ranked("u2", &[("a".into(), 2.0)]);
        w.judged("u1", "c", 1);
        w.judged("u2", "z", 1);
        let files = w
            .write(dir.path(), "run", "qrels")
            .unwrap_or_else(|e| panic!("{e}"));
        let run = read_run(&files.run).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(run["u1"], vec!["b", "a", "c"]);
        assert_eq!(run["u2"], vec!["a"]);
        let q = read_qrels(&files.qrels).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(q["u1"], vec!["c"]);
        std::fs::write(&files.run, "u1 Q0 b x 1 r\n").unwrap_or_else(|e| panic!("{e}"));
        let err = read_run(&files.run).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("run.trec:1"), "{err}");
    }

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
