//! The `shoplab` command line: a thin layer over `shoplab-engine`.

mod bench;
mod cli;
mod commands;
mod demo;
mod gui;
mod progress;
mod table;
mod text;

use std::process::ExitCode;

use clap::Parser;
use shoplab_datasets::CancelToken;

use crate::cli::{Cli, Command};
use crate::commands::Ctx;
use crate::progress::CliProgress;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SHOPLAB_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let ctx = Ctx {
        json: cli.json,
        progress: CliProgress::new(cli.json),
        cancel: CancelToken::new(),
    };
    match dispatch(&ctx, &cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(ctx: &Ctx, cli: &Cli) -> anyhow::Result<()> {
    let p = &cli.project;
    let Some(command) = &cli.command else {
        return gui::run(cli, &cli::GuiArgs::default());
    };
    match command {
        Command::Gui(a) => gui::run(cli, a),
        Command::New { dir, name } => commands::new(ctx, dir, name.clone()),
        Command::Import(a) => commands::import(ctx, p, a),
        Command::Imports { rejected } => commands::imports(ctx, p, *rejected),
        Command::Stats => commands::stats(ctx, p),
        Command::Index => commands::index(ctx, p),
        Command::Search(a) => commands::search(ctx, p, a),
        Command::Suggest { prefix, n } => commands::suggest(ctx, p, prefix, *n),
        Command::EvalSearch(a) => commands::eval_search(ctx, p, a),
        Command::Train(a) => commands::train(ctx, p, a),
        Command::EvalTruth(a) => commands::eval_truth(ctx, p, a),
        Command::Runs => commands::runs(ctx, p),
        Command::Compare(a) => commands::compare(ctx, p, a),
        Command::Recommend(a) => commands::recommend(ctx, p, a),
        Command::Generate(a) => commands::generate(ctx, a),
        Command::ExportSplit(a) => commands::export_split(ctx, p, a),
        Command::Demo(a) => demo::run(ctx, &a.dir),
        Command::Bench(a) => bench::run(ctx, a),
    }
}
