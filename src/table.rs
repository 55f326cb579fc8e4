//! Plain-text tables for terminal output. Hand-written: a table crate would
//! bring terminal dependencies for what is a dozen lines of padding.

/// Right-aligns numbers and left-aligns text; the first row is the header.
pub fn render(rows: &[Vec<String>]) -> String {
    let n_cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width = |c: usize| {
        rows.iter()
            .filter_map(|r| r.get(c))
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..n_cols).map(width).collect();
    let mut out = String::new();
    for (ri, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c].saturating_sub(cell.chars().count());
            let numeric = cell.parse::<f64>().is_ok() || cell.ends_with('*');
            if c > 0 {
                line.push_str("  ");
            }
            if numeric && c > 0 {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
        if ri == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * n_cols.saturating_sub(1);
            out.push_str(&"-".repeat(total));
            out.push('\n');
        }
    }
    out
}

/// A metric value at the shown precision (`engine::compare::shown`), or "-".
pub fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), shoplab_engine::compare::shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let t = render(&[
            vec!["run".into(), "ndcg@10".into()],
            vec!["ease".into(), "0.3000".into()],
            vec!["popularity".into(), "0.1*".into()],
        ]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "run         ndcg@10");
        assert_eq!(lines[2], "ease         0.3000");
        assert_eq!(lines[3], "popularity     0.1*");
    }
}
