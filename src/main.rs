//! The `shoplab` command line: a thin layer over `shoplab-engine`.

/// `eprintln!` that never panics: a reader of stderr may go away (`2>&1 |
/// head`), and a closed pipe must not abort a training before its run is
/// saved.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod bench;
mod cli;
mod commands;
mod demo;
mod fusion;
mod gpu_check;
mod gui;
mod progress;
mod report;
mod rerank;
mod table;
mod text;

use std::process::ExitCode;

use clap::Parser;
use shoplab_datasets::CancelToken;

use crate::cli::{Cli, Command, RunsAction};
use crate::commands::Ctx;
use crate::progress::CliProgress;

fn main() -> ExitCode {
    pin_thread_count();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SHOPLAB_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        // Warnings are messages to the user: no clock, and colour only on a terminal.
        .without_time()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let ctx = Ctx {
        json: cli.json,
        progress: CliProgress::new(cli.json),
        cancel: CancelToken::new(),
    };
    // The desktop app handles its own quitting; commands stop at their next
    // safe point on Ctrl-C.
    if !matches!(cli.command, None | Some(Command::Gui(_))) {
        cancel_on_ctrl_c(&ctx.cancel);
    }
    match dispatch(&ctx, &cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_cancelled(&e) => {
            note!("{e}");
            ExitCode::from(EXIT_INTERRUPTED)
        }
        Err(e) => {
            note!("error: {}", error_text(&e));
            ExitCode::FAILURE
        }
    }
}

/// Exit status after Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

/// The first Ctrl-C cancels `token` (work stops cleanly at its next chunk);
/// a second one exits at once, which is as safe as a kill: every import
/// chunk is a transaction and an unfinished import resumes.
fn cancel_on_ctrl_c(token: &CancelToken) {
    use signal_hook::consts::SIGINT;
    use signal_hook::iterator::Signals;
    let token = token.clone();
    // Registered on the watching thread, so that if the thread cannot start
    // Ctrl-C keeps its default effect instead of being swallowed.
    let watcher = std::thread::Builder::new()
        .name("ctrl-c".into())
        .spawn(move || {
            let mut signals = match Signals::new([SIGINT]) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot catch Ctrl-C; it ends the program at once");
                    return;
                }
            };
            for _ in signals.forever() {
                if token.is_cancelled() {
                    note!("\nStopped at once; an unfinished import resumes when run again.");
                    std::process::exit(i32::from(EXIT_INTERRUPTED));
                }
                token.cancel();
                note!(
                    "\nCtrl-C: stopping at the next safe point (press Ctrl-C again to quit at once) ..."
                );
            }
        });
    if let Err(e) = watcher {
        tracing::warn!(error = %e, "cannot watch for Ctrl-C; it ends the program at once");
    }
}

/// True when the work was cancelled by the user.
fn is_cancelled(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<shoplab_engine::Error>(),
            Some(shoplab_engine::Error::Cancelled)
        )
    })
}

/// An error and its causes on one line, leaving out a cause whose text the
/// line already holds (errors that print their source and also return it
/// would otherwise show the operating system's words twice).
fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// candle's CPU matrix product asks for the thread count on every call and,
/// unless `RAYON_NUM_THREADS` is set, reads `/proc/cpuinfo` to find it: a
/// one-shopper SASRec score cost 14 ms of CPU instead of 1. Setting the
/// variable once (to what rayon would use anyway) removes that cost.
#[allow(unsafe_code)]
fn pin_thread_count() {
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        let n = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        // SAFETY: the first statement of `main`, before any thread exists, so
        // nothing can read the environment concurrently.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", n.to_string()) };
    }
}

fn dispatch(ctx: &Ctx, cli: &Cli) -> anyhow::Result<()> {
    let p = &cli.project;
    let Some(command) = &cli.command else {
        return gui::run(cli, &cli::GuiArgs::default());
    };
    match command {
        Command::Gui(a) => gui::run(cli, a),
        Command::New(a) => commands::new(ctx, a),
        Command::Settings { currency } => commands::settings(ctx, p, currency.as_deref()),
        Command::Import(a) => commands::import(ctx, p, a),
        Command::Imports { rejected } => commands::imports(ctx, p, *rejected),
        Command::Stats => commands::stats(ctx, p),
        Command::Index => commands::index(ctx, p),
        Command::Embed(a) => commands::embed(ctx, p, a),
        Command::Search(a) => commands::search(ctx, p, a),
        Command::Suggest { prefix, n } => commands::suggest(ctx, p, prefix, *n),
        Command::EvalSearch(a) => commands::eval_search(ctx, p, a),
        Command::TrainReranker(a) => rerank::train_reranker(ctx, p, a),
        Command::Train(a) => commands::train(ctx, p, a),
        Command::Models(a) => commands::models(ctx, a),
        Command::EvalTruth(a) => commands::eval_truth(ctx, p, a),
        Command::Runs { action: None } => commands::runs(ctx, p),
        Command::Runs {
            action: Some(RunsAction::Rename { run, new_name }),
        } => commands::rename_run(ctx, p, run, new_name),
        Command::Compare(a) => commands::compare(ctx, p, a),
        Command::Ab(a) => commands::ab(ctx, p, a),
        Command::Fuse(a) => fusion::fuse(ctx, p, a),
        Command::Report(a) => report::run(ctx, p, a),
        Command::Recommend(a) => commands::recommend(ctx, p, a),
        Command::Generate(a) => commands::generate(ctx, a),
        Command::ExportSplit(a) => commands::export_split(ctx, p, a),
        Command::Demo(a) => demo::run(ctx, &a.dir),
        Command::Bench(a) => bench::run(ctx, a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cause_is_said_once() {
        let os = std::io::Error::from(std::io::ErrorKind::NotFound);
        let shown = os.to_string();
        let engine = shoplab_engine::Error::io("cannot open", "/x/y.csv", os);
        let e = anyhow::Error::new(engine).context("cannot import /x/y.csv");
        let text = error_text(&e);
        assert_eq!(text.matches(&shown).count(), 1, "{text}");
        assert!(
            text.starts_with("cannot import /x/y.csv: cannot open /x/y.csv"),
            "{text}"
        );
    }

    #[test]
    fn cancellation_is_found_under_context() {
        let e = anyhow::Error::new(shoplab_engine::Error::Cancelled).context("import cancelled");
        assert!(is_cancelled(&e));
        assert!(!is_cancelled(&anyhow::anyhow!("cancelled")));
    }
}
