//! A search evaluation as TREC files that trec_eval, pytrec_eval and ranx
//! score exactly as ShopLab did (per query and mean, to rounding).
//!
//! Files written into the export folder:
//! ```text
//! run.trec          qid Q0 docid rank rank_score tag   (see crate::trec)
//! run.scores.tsv    the ranker's own scores of those lists
//! qrels.trec        qid 0 docid grade, grade = the item's gain as an integer
//! queries.tsv       qid, query text, evaluated (yes/no)
//! search_eval.json  the report the files reproduce
//! ```
//!
//! How the files agree with ShopLab's averaging:
//! - qrels carry the *gains* of the evaluation's [`Relevance`] setting, not
//!   the raw grades: 0 for every item that is not relevant, a positive whole
//!   number for every relevant one. trec_eval at its default relevance level
//!   1 therefore counts exactly ShopLab's relevant items, and NDCG uses
//!   exactly its gains. Fractional gains (`gain = grade`) are multiplied by
//!   the smallest factor that makes them whole (NDCG does not change when all
//!   gains are scaled; the factor is reported); when none up to
//!   [`super::relevance::MAX_GAIN_SCALE`] fits, the export is refused before
//!   anything is written.
//! - every judged query is in the qrels, so queries ShopLab left out for
//!   having no relevant item are there with only 0 grades, which trec_eval
//!   (and `tests/oracle/trec_check.py`) does not count either;
//! - every evaluated query that found nothing is in the qrels but has no run
//!   lines: it scores 0 in trec_eval with `-c`, as in ShopLab's means;
//! - run lines carry the ranked lists exactly as evaluated (depth max(ks)),
//!   in the one ranking order, with strictly decreasing rank scores.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::evaluate::{SearchEvalReport, group};
use super::relevance::{integer_scale, scaled_grade};
use crate::error::{Error, Result};
use crate::project::{write_atomic, write_json_atomic};
use crate::trec::{TrecFiles, TrecWriter, token};

/// What [`export_trec`] wrote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchTrecExport {
    /// Run, raw scores and qrels.
    pub files: TrecFiles,
    /// `qid → query` map.
    pub queries: PathBuf,
    /// The evaluation report beside them.
    pub report: PathBuf,
    /// trec_eval's `-l` / pytrec_eval's `relevance_level` that reproduces
    /// ShopLab (always 1: the qrels carry gains, not raw grades).
    pub relevance_level: i64,
    /// Factor the gains were multiplied by to be whole numbers (1 = none).
    pub gain_scale: u32,
    /// Queries with run lines.
    pub queries_ranked: usize,
    /// Queries in the qrels (evaluated or not).
    pub queries_judged: usize,
}

/// Writes `report` (made by [`super::evaluate_search`] from `judgments`) as
/// TREC files into `dir`, created if needed. `item_ids` are the shop's ids
/// by dense item index (ids with whitespace become `idx<index>`).
pub fn export_trec(
    report: &SearchEvalReport,
    judgments: &[(String, u32, f64)],
    item_ids: &[String],
    dir: &Path,
) -> Result<SearchTrecExport> {
    let (judged, _) = group(judgments, &report.config.relevance);
    // Only the half the report evaluated (`--queries tune|held`): its qrels
    // too, so `trec_eval -c` averages over the same queries.
    let slice = report.config.queries;
    let judged: Vec<_> = judged
        .into_iter()
        .filter(|q| slice.contains(&q.query))
        .collect();
    // The report's queries must be the judged ones with a relevant item, in
    // order: anything else means the judgments changed since the evaluation.
    let evaluated: Vec<(&str, &str)> = judged
        .iter()
        .filter(|q| q.qrels.n_relevant() > 0)
        .map(|q| (q.qid.as_str(), q.query.as_str()))
        .collect();
    let reported: Vec<(&str, &str)> = report
        .per_query
        .iter()
        .map(|q| (q.qid.as_str(), q.query.as_str()))
        .collect();
    if evaluated != reported {
        return Err(Error::invalid(
            "judgments",
            format!("{} evaluated queries", reported.len()),
            format!(
                "do not match the {} queries the judgments now give; run the evaluation again \
                 and export from that report",
                evaluated.len()
            ),
        ));
    }
    let id = |item: u32| -> Result<String> {
        let i = item as usize;
        item_ids.get(i).map(|s| token(s, i)).ok_or_else(|| {
            Error::invalid(
                "item",
                item,
                "is not in the catalog; rebuild the index with `shoplab index`",
            )
        })
    };
    let scale = integer_scale(
        judged
            .iter()
            .flat_map(|q| q.qrels.items().iter().map(|&i| q.qrels.gain(i))),
    )?;

    // The run tag names the ranker: shoplab-bm25, -dense, -hybrid, -learned.
    let mut writer = TrecWriter::new(&format!("shoplab-{}", report.config.ranker.as_str()));
    for q in &report.per_query {
        let docs = q
            .items
            .iter()
            .zip(&q.scores)
            .map(|(&item, &score)| Ok((id(item)?, f64::from(score))))
            .collect::<Result<Vec<_>>>()?;
        writer.ranked(&q.qid, &docs);
    }
    let mut queries = String::from("qid\tquery\tevaluated\n");
    for q in &judged {
        for &item in q.qrels.items() {
            writer.judged(&q.qid, &id(item)?, scaled_grade(q.qrels.gain(item), scale));
        }
        let evaluated = if q.qrels.n_relevant() > 0 {
            "yes"
        } else {
            "no"
        };
        // Normalised query text has no tabs or newlines (single spaces).
        queries.push_str(&format!("{}\t{}\t{evaluated}\n", q.qid, q.query));
    }

    std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
    let files = writer.write(dir, "run", "qrels")?;
    let queries_path = dir.join("queries.tsv");
    write_atomic(&queries_path, queries.as_bytes())?;
    let report_path = dir.join("search_eval.json");
    write_json_atomic(&report_path, report)?;
    Ok(SearchTrecExport {
        files,
        queries: queries_path,
        report: report_path,
        relevance_level: 1,
        gain_scale: scale,
        queries_ranked: report
            .per_query
            .iter()
            .filter(|q| !q.items.is_empty())
            .count(),
        queries_judged: judged.len(),
    })
}

#[cfg(test)]
mod tests {
    use shoplab_datasets::{CancelToken, NoProgress};

    use super::*;
    use crate::search::evaluate::{SearchEvalConfig, evaluate_search};
    use crate::search::relevance::{GainMapping, Relevance};
    use crate::search::test_catalog::{indexed, items};

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn judgments() -> Vec<(String, u32, f64)> {
        vec![
            ("Claw Hammer".to_string(), 1, 1.33),
            ("claw hammer".to_string(), 2, 2.0),
            ("claw  hammer".to_string(), 2, 0.5), // same pair: the higher grade counts
            ("garden hose".to_string(), 7, 0.67),
            ("zeppelin".to_string(), 0, 1.5), // finds nothing
        ]
    }

    fn evaluated(relevance: Relevance) -> Result<SearchEvalReport> {
        let (_dir, index) = indexed()?;
        let config = SearchEvalConfig {
            ks: vec![1, 10],
            relevance,
            ..SearchEvalConfig::default()
        };
        evaluate_search(
            &index,
            &judgments(),
            &config,
            &NoProgress,
            &CancelToken::new(),
        )
    }

    fn ids() -> Vec<String> {
        items().into_iter().map(|i| i.id).collect()
    }

    #[test]
    fn default_export_holds_floored_gains_and_the_ranked_lists() -> Result<()> {
        let report = evaluated(Relevance::default())?;
        let tmp = tempfile::tempdir().map_err(|e| Error::io("tempdir", "", e))?;
        let dir = tmp.path().join("out");
        let export = export_trec(&report, &judgments(), &ids(), &dir)?;
        assert_eq!((export.gain_scale, export.relevance_level), (1, 1));
        assert_eq!((export.queries_judged, export.queries_ranked), (3, 1));
        // q1 claw hammer, q2 garden hose (nothing relevant), q3 zeppelin.
        // The test catalog's ids hold spaces, so they are written as idx<index>.
        assert_eq!(
            read(&export.files.qrels),
            "q1 0 idx1 1\nq1 0 idx2 2\nq2 0 idx7 0\nq3 0 idx0 1\n"
        );
        let run = read(&export.files.run);
        assert!(run.starts_with("q1 Q0 idx2 1 2 shoplab-bm25\nq1 Q0 idx1 2 1 shoplab-bm25\n"));
        assert!(
            !run.contains("q3 "),
            "a query that found nothing has no run lines"
        );
        assert!(read(&export.queries).contains("q2\tgarden hose\tno\n"));
        let saved: SearchEvalReport = serde_json::from_str(&read(&export.report))
            .map_err(|e| Error::invalid("search_eval.json", "", e.to_string()))?;
        assert_eq!(saved, report);
        Ok(())
    }

    /// `--queries tune|held`: the export holds that half's queries only,
    /// qrels included (it used to refuse every half-evaluation).
    #[test]
    fn a_half_evaluation_exports_its_half() -> Result<()> {
        use crate::search::evaluate::QuerySlice;
        let (_dir, index) = indexed()?;
        let mut exported = 0;
        for slice in [QuerySlice::Tune, QuerySlice::Held] {
            let config = SearchEvalConfig {
                ks: vec![10],
                queries: slice,
                ..SearchEvalConfig::default()
            };
            // The fixture's three queries may leave a half with nothing relevant.
            let report = match evaluate_search(
                &index,
                &judgments(),
                &config,
                &NoProgress,
                &CancelToken::new(),
            ) {
                Err(Error::Empty(_)) => continue,
                other => other?,
            };
            exported += 1;
            let tmp = tempfile::tempdir().map_err(|e| Error::io("tempdir", "", e))?;
            let export = export_trec(&report, &judgments(), &ids(), &tmp.path().join("o"))?;
            let queries = read(&export.queries);
            for line in queries.lines().skip(1) {
                let query = line.split('\t').nth(1).unwrap_or("");
                assert!(slice.contains(query), "{slice:?}: {line}");
            }
        }
        assert!(exported > 0, "neither half could be evaluated");
        Ok(())
    }

    #[test]
    fn fractional_gains_are_scaled_and_unscalable_ones_refused() -> Result<()> {
        let report = evaluated(Relevance {
            min_grade: 0.0,
            gain: GainMapping::Grade,
        })?;
        let tmp = tempfile::tempdir().map_err(|e| Error::io("tempdir", "", e))?;
        let export = export_trec(&report, &judgments(), &ids(), tmp.path())?;
        assert_eq!(export.gain_scale, 100);
        let qrels = read(&export.files.qrels);
        assert!(qrels.contains("q1 0 idx1 133\n"), "{qrels}");
        assert!(qrels.contains("q2 0 idx7 67\n"), "{qrels}");

        let thirds = vec![("claw hammer".to_string(), 2, 1.0 / 3.0 + 1e-4)];
        let (_dir, index) = indexed()?;
        let config = SearchEvalConfig {
            relevance: Relevance {
                min_grade: 0.0,
                gain: GainMapping::Grade,
            },
            ..SearchEvalConfig::default()
        };
        let report = evaluate_search(&index, &thirds, &config, &NoProgress, &CancelToken::new())?;
        let dir = tmp.path().join("refused");
        let err = export_trec(&report, &thirds, &ids(), &dir)
            .err()
            .map(|e| e.to_string());
        assert!(
            err.is_some_and(|e| e.contains("whole number")),
            "refused with a reason"
        );
        assert!(
            !dir.exists(),
            "nothing is written when the export is refused"
        );
        Ok(())
    }

    #[test]
    fn changed_judgments_are_refused() -> Result<()> {
        let report = evaluated(Relevance::default())?;
        let mut changed = judgments();
        changed.push(("drill".to_string(), 0, 2.0));
        let tmp = tempfile::tempdir().map_err(|e| Error::io("tempdir", "", e))?;
        assert!(export_trec(&report, &changed, &ids(), tmp.path()).is_err());
        Ok(())
    }
}
