//! The CLI's [`Progress`]: progress bars on a terminal, plain lines otherwise.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Instant;

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use shoplab_datasets::Progress;

/// Reports engine progress on stderr.
pub struct CliProgress {
    fancy: bool,
    quiet: bool,
    state: Mutex<State>,
}

struct State {
    bar: Option<ProgressBar>,
    stage: String,
    started: Instant,
    total: Option<u64>,
    done: u64,
    last_pct: u64,
    /// Latest live metric values of the stage (printed once at its end in plain mode).
    metrics: Vec<(String, f64)>,
}

impl CliProgress {
    /// Bars when stderr is a terminal; `quiet` silences everything (for `--json`).
    pub fn new(quiet: bool) -> Self {
        CliProgress {
            fancy: std::io::stderr().is_terminal(),
            quiet,
            state: Mutex::new(State {
                bar: None,
                stage: String::new(),
                started: Instant::now(),
                total: None,
                done: 0,
                last_pct: 0,
                metrics: Vec::new(),
            }),
        }
    }

    /// Ends the current stage without a "done in" line (it failed, was
    /// skipped or cancelled; the caller says why).
    pub fn abandon_stage(&self) {
        if self.quiet {
            return;
        }
        let mut s = self.lock();
        if let Some(bar) = s.bar.take() {
            bar.finish_and_clear();
        }
        s.stage.clear();
        s.metrics.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock only loses a progress line.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a stage counting items, or bytes of a source being read.
    fn start(&self, name: &str, total: Option<u64>, bytes: bool) {
        if self.quiet {
            return;
        }
        let mut s = self.lock();
        if let Some(bar) = s.bar.take() {
            bar.finish_and_clear();
        }
        s.stage = name.to_string();
        s.started = Instant::now();
        s.total = total;
        s.done = 0;
        s.last_pct = 0;
        s.metrics.clear();
        if self.fancy {
            let bar = match total {
                Some(t) => {
                    let bar = ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr());
                    let template = if bytes {
                        "{msg:>12} [{bar:30}] {bytes}/{total_bytes} read ({bytes_per_sec}, {eta} left)"
                    } else {
                        "{msg:>12} [{bar:30}] {pos}/{len} ({per_sec}, {eta} left)"
                    };
                    if let Ok(style) = ProgressStyle::with_template(template) {
                        bar.set_style(style.progress_chars("=> "));
                    }
                    bar
                }
                None => {
                    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
                        bar.set_style(style);
                    }
                    bar.enable_steady_tick(std::time::Duration::from_millis(120));
                    bar
                }
            };
            bar.set_message(name.to_string());
            s.bar = Some(bar);
        } else {
            match total {
                Some(t) if bytes => note!("{name}: {} to read", HumanBytes(t)),
                Some(t) => note!("{name}: {t} to do"),
                None => note!("{name} ..."),
            }
        }
    }
}

impl Progress for CliProgress {
    fn stage(&self, name: &str, total: Option<u64>) {
        self.start(name, total, false);
    }

    fn stage_bytes(&self, name: &str, total_bytes: Option<u64>) {
        self.start(name, total_bytes, true);
    }

    fn advance(&self, n: u64) {
        if self.quiet {
            return;
        }
        let mut s = self.lock();
        s.done += n;
        if let Some(bar) = &s.bar {
            bar.inc(n);
        } else if let Some(t) = s.total.filter(|&t| t > 0) {
            // Plain output: one line per 25%.
            let pct = (s.done * 100 / t).min(100);
            if pct / 25 > s.last_pct / 25 {
                s.last_pct = pct;
                note!("{}: {pct}%", s.stage);
            }
        }
    }

    fn metric(&self, name: &str, value: f64) {
        if self.quiet {
            return;
        }
        let mut s = self.lock();
        match s.metrics.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => s.metrics.push((name.to_string(), value)),
        }
        if let Some(bar) = &s.bar {
            let shown: Vec<String> = s
                .metrics
                .iter()
                .map(|(n, v)| format!("{n}={v:.4}"))
                .collect();
            bar.set_message(format!("{} {}", s.stage, shown.join(" ")));
        }
    }

    fn finish_stage(&self) {
        if self.quiet {
            return;
        }
        let mut s = self.lock();
        if let Some(bar) = s.bar.take() {
            bar.finish_and_clear();
        }
        if !s.stage.is_empty() {
            let shown: String = s
                .metrics
                .iter()
                .map(|(n, v)| format!(", {n} = {v:.4}"))
                .collect();
            note!(
                "{} done in {:.2} s{shown}",
                s.stage,
                s.started.elapsed().as_secs_f64()
            );
            s.stage.clear();
        }
    }
}
