//! `shoplab` with no command (or `shoplab gui`): the desktop app.

use std::path::Path;

use anyhow::{Result, bail};
use shoplab_ui::{Lang, Launch, View};

use crate::cli::{Cli, GuiArgs};

/// Opens the app; returns when its window closes.
pub fn run(cli: &Cli, args: &GuiArgs) -> Result<()> {
    let view = match &args.view {
        Some(v) => Some(View::from_name(v).ok_or_else(|| {
            anyhow::anyhow!(
                "--view {v}: unknown view; views are start, data, search, train, compare, recommend, learn"
            )
        })?),
        None => None,
    };
    let lang = match args.lang.as_deref().map(str::trim) {
        None => None,
        Some("en") => Some(Lang::En),
        Some("zh" | "zh-cn" | "zh_CN") => Some(Lang::Zh),
        Some(other) => bail!("--lang {other}: languages are en and zh"),
    };
    // -p counts only when given (its default is the current folder).
    let project = args.dir.clone().or_else(|| {
        (cli.project != Path::new(".") || shoplab_engine::Project::is_project(Path::new(".")))
            .then(|| cli.project.clone())
    });
    shoplab_ui::run(Launch {
        project,
        demo: args.demo,
        view,
        query: args.query.clone(),
        lang,
        fresh: args.fresh,
        tour: args.tour.clone(),
    })?;
    Ok(())
}
