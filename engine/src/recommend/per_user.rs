//! A run's per-shopper metric values, read back from the `per_user.csv`
//! (and `per_user_cold.csv`) that `run::write_run` writes, for drilling down
//! from a metric to the shoppers behind it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One evaluated shopper of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerUserRow {
    /// The shop's shopper id.
    pub user: String,
    /// Held-out (test) items the evaluation counted.
    pub n_test: usize,
    /// One value per [`PerUser::columns`] entry.
    pub values: Vec<f64>,
    /// No training events (ranked by the cold fallback, reported apart
    /// unless the run counted them in the means).
    pub cold: bool,
    /// Every item got the same score (the list is the tie order only).
    pub no_signal: bool,
    /// Items tied in score straddled the cutoff or held-out positions, so a
    /// different tie order would change this shopper's values (false in runs
    /// written before the column existed).
    #[serde(default)]
    pub tie_decided: bool,
}

/// A run's evaluated shoppers and their metric values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PerUser {
    /// The run id.
    pub run: String,
    /// Metric columns, as in the file: `auc`, then `precision@5` … `ndcg@20`.
    pub columns: Vec<String>,
    /// The shoppers, in file order (shoppers in the means, then cold ones reported apart).
    pub rows: Vec<PerUserRow>,
    /// The run was evaluated on sampled candidates (this many per test
    /// item), so its values are optimistic against full ranking.
    #[serde(default)]
    pub sampled_negatives: Option<usize>,
}

impl PerUser {
    /// The index of a column (e.g. `ndcg@10`).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// Reads `per_user.csv` and, when present, `per_user_cold.csv` from a run folder.
pub fn read(run: &str, dir: &Path) -> Result<PerUser> {
    let mut out = PerUser {
        run: run.to_string(),
        ..PerUser::default()
    };
    for (name, required) in [("per_user.csv", true), ("per_user_cold.csv", false)] {
        let path = dir.join(name);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io("cannot read", &path, e)),
        };
        parse(&text, &path, &mut out)?;
    }
    Ok(out)
}

fn bad(path: &Path, line: usize, what: String) -> Error {
    Error::Empty(format!(
        "{}, line {line}: {what}; the run folder is damaged, train the run again",
        path.display()
    ))
}

fn parse(text: &str, path: &Path, out: &mut PerUser) -> Result<()> {
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(bad(path, 1, "the file is empty".into()));
    };
    let head = fields(header);
    let n = head.len();
    // The flags follow the metric columns and are found by name, so files
    // written before `tie_decided` existed still read.
    let flag = |name: &str| head.iter().position(|h| h == name);
    let (Some(cold_at), Some(no_signal_at)) = (flag("cold"), flag("no_signal")) else {
        return Err(bad(path, 1, format!("unexpected header '{header}'")));
    };
    if n < 5 || head[0] != "user_id" || head[1] != "n_test" || cold_at < 2 {
        return Err(bad(path, 1, format!("unexpected header '{header}'")));
    }
    let tie_at = flag("tie_decided");
    let columns: Vec<String> = head[2..cold_at].to_vec();
    if out.columns.is_empty() {
        out.columns = columns;
    } else if out.columns != columns {
        return Err(bad(path, 1, "its columns differ from per_user.csv".into()));
    }
    for (i, line) in lines {
        if line.is_empty() {
            continue;
        }
        let f = fields(line);
        if f.len() != n {
            return Err(bad(
                path,
                i + 1,
                format!("{} fields where the header has {n}", f.len()),
            ));
        }
        let num = |j: usize| {
            f[j].parse::<f64>()
                .map_err(|_| bad(path, i + 1, format!("'{}' is not a number", f[j])))
        };
        out.rows.push(PerUserRow {
            user: f[0].clone(),
            n_test: num(1)? as usize,
            values: (2..cold_at).map(num).collect::<Result<_>>()?,
            cold: f[cold_at] == "1",
            no_signal: f[no_signal_at] == "1",
            tie_decided: tie_at.is_some_and(|j| f[j] == "1"),
        });
    }
    Ok(())
}

/// Splits one CSV line; fields may be quoted with `"` and `""` inside.
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_files_with_quoted_ids_and_names_a_damaged_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("per_user.csv"),
            "user_id,n_test,auc,recall@10,ndcg@10,cold,no_signal,tie_decided\n\
             U1,3,0.9,0.5,0.25,0,0,1\n\
             \"a,\"\"b\"\"\",1,0.5,0,0,0,1,0\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("per_user_cold.csv"),
            "user_id,n_test,auc,recall@10,ndcg@10,cold,no_signal\nU9,2,0.4,0,0,1,0\n",
        )
        .unwrap();
        let t = read("r1", dir.path()).unwrap();
        assert_eq!(t.columns, ["auc", "recall@10", "ndcg@10"]);
        assert_eq!(t.column("ndcg@10"), Some(2));
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[0].values, [0.9, 0.5, 0.25]);
        assert_eq!(t.rows[1].user, "a,\"b\"");
        assert!(t.rows[0].tie_decided && !t.rows[0].no_signal);
        assert!(t.rows[1].no_signal && !t.rows[1].cold && !t.rows[1].tie_decided);
        // The cold file has the older layout without `tie_decided`.
        assert!(t.rows[2].cold && t.rows[2].n_test == 2 && !t.rows[2].tie_decided);

        std::fs::write(
            dir.path().join("per_user.csv"),
            "user_id,n_test,auc,recall@10,ndcg@10,cold,no_signal\nU1,3,x,0.5,0.25,0,0\n",
        )
        .unwrap();
        let e = read("r1", dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("per_user.csv, line 2") && e.contains("'x'"),
            "{e}"
        );
        std::fs::remove_file(dir.path().join("per_user.csv")).unwrap();
        assert!(read("r1", dir.path()).is_err());
    }
}
