//! `shoplab report`: a comparison written as a folder to hand on (see
//! `shoplab_report::html`).

use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::cli::ReportArgs;
use crate::commands::{Ctx, ab_options, open};

/// What `shoplab report` prints with `--json`.
#[derive(Debug, Serialize)]
struct Written {
    /// The report page.
    html: String,
    /// Its folder.
    folder: String,
}

/// `shoplab report`
pub fn run(ctx: &Ctx, project: &Path, a: &ReportArgs) -> Result<()> {
    let p = open(project)?;
    let ab = p.ab(&a.ab.baseline, &a.ab.challengers, &ab_options(&a.ab)?)?;
    let all = p.runs()?;
    let dir = match &a.out {
        Some(d) => d.clone(),
        None => shoplab_report::new_report_dir(&p.reports_dir()),
    };
    let run_dirs: Vec<(String, std::path::PathBuf)> = std::iter::once(&ab.baseline)
        .chain(&ab.challengers)
        .map(|r| (r.id.clone(), p.run_dir(&r.id)))
        .collect();
    let cjk = std::env::var_os("SHOPLAB_CJK_FONT").map(std::path::PathBuf::from);
    let html = shoplab_report::write_report(&shoplab_report::ReportRequest {
        project: &p.settings.name,
        all_runs: &all,
        ab: &ab,
        run_dirs: &run_dirs,
        dir: &dir,
        cjk_font: cjk.as_deref(),
    })
    .with_context(|| format!("cannot write the report into {}", dir.display()))?;
    let out = Written {
        html: html.display().to_string(),
        folder: dir.display().to_string(),
    };
    ctx.emit(&out, |w| {
        format!(
            "Report written: {}\n(open it in any browser; beside it: report.json, significance.csv, comparison.csv, trec/)\n",
            w.html
        )
    })
}
