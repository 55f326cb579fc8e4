//! One module per view; each has a state struct and a `ui()` function that
//! draws it from the app's data and pushes [`Command`]s.

pub mod ab;
pub mod compare;
pub mod data;
pub mod fusion;
pub mod learn;
pub mod per_user;
pub mod recommend;
pub mod search;
pub mod start;
pub mod train;
pub mod train_result;

use eframe::egui::{self, RichText};

use crate::command::Command;
use crate::i18n::{Lang, tr};
use crate::job::{Job, JobKind, JobState};
use crate::snapshot::Snapshot;

/// What every view may read.
pub struct ViewCtx<'a> {
    /// Interface language.
    pub lang: Lang,
    /// The open project.
    pub project: Option<&'a Snapshot>,
    /// Background work in flight.
    pub jobs: &'a [Job],
    /// Where the file picker opens (the folder it was last in).
    pub picker_start: Option<&'a std::path::Path>,
}

impl ViewCtx<'_> {
    /// `english` in the interface language.
    pub fn t(&self, english: &'static str) -> &'static str {
        tr(self.lang, english)
    }

    /// The running job of a kind, with its progress.
    pub fn job(&self, kind: JobKind) -> Option<(&Job, JobState)> {
        self.jobs
            .iter()
            .find(|j| j.kind == kind)
            .map(|j| (j, j.state()))
    }

    /// Whether a job of this kind is running.
    pub fn busy(&self, kind: JobKind) -> bool {
        self.jobs.iter().any(|j| j.kind == kind)
    }
}

/// A small "?" button that opens the Learn view at `key`.
pub fn explain_button(ui: &mut egui::Ui, lang: Lang, key: &'static str, out: &mut Vec<Command>) {
    if let Some(entry) = crate::glossary::entry(key) {
        let tip = entry.what[lang.index()];
        if ui
            .small_button("?")
            .on_hover_text(format!("{}\n\n{tip}", entry.title[lang.index()]))
            .clicked()
        {
            out.push(Command::Explain(entry.key));
        }
    }
}

/// A headline number with its label under it.
pub fn stat(ui: &mut egui::Ui, label: &str, value: String) {
    ui.vertical(|ui| {
        ui.label(RichText::new(value).heading().strong());
        ui.label(RichText::new(label).weak());
    });
}

/// Thousands separators for counts.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A metric value with four decimals, or a dash.
pub fn value(v: Option<f64>) -> String {
    shoplab_engine::compare::cell_text(None, v)
}

/// A price with the open project's currency (none: a plain number), or
/// nothing when the item has no price; one formatter for every view.
pub fn price(price: Option<f64>, project: Option<&Snapshot>) -> String {
    let currency = project.map_or("", |p| p.currency.as_str());
    price.map_or_else(String::new, |v| {
        shoplab_engine::project::format_price(v, currency)
    })
}

/// A Unix time as a UTC date and time.
pub fn time(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| ts.to_string())
}

/// A line asking the user to open a project first.
pub fn no_project(ui: &mut egui::Ui, lang: Lang) {
    ui.label(tr(
        lang,
        "Open a project or the demo shop on the Start view first.",
    ));
}

/// How a run was evaluated, in one line: shoppers counted, cold shoppers
/// and what ranked them, the share of test pairs already seen in training,
/// and the tie rule (the engine's `RunSummary` fields, in the interface language).
pub fn protocol_line(r: &shoplab_engine::run::RunRecord, ctx: &ViewCtx<'_>) -> String {
    let t = |s: &'static str| ctx.t(s);
    let s = &r.summary;
    let mut parts = vec![
        format!("{} {}", s.users_evaluated, t("shoppers evaluated")),
        format!(
            "{} {}",
            t("split:"),
            crate::words::split(ctx.lang, &r.spec.split)
        ),
    ];
    if s.cold_protocol.is_empty() {
        parts.push(t("cold shoppers not counted (a run from an older version)").into());
    } else if s.users_cold == 0 {
        parts.push(t("no cold shoppers").into());
    } else {
        let how = match s.cold_protocol.as_str() {
            "apart" => t("cold shoppers, reported apart from the means"),
            "fallback" => t("cold shoppers, in the means"),
            _ => t("cold shoppers, ranked by the model itself"),
        };
        let mut part = format!("{} {how}", s.users_cold);
        if s.cold_protocol != "model" {
            let fig = s
                .cold_metrics
                .iter()
                .find(|m| m.k == 10)
                .or(s.cold_metrics.first());
            part.push_str(&format!(
                " ({} {}",
                t("ranked by"),
                crate::words::model(ctx.lang, &s.cold_scored_by)
            ));
            if let Some(m) = fig {
                part.push_str(&format!(", ndcg@{} {}", m.k, value(Some(m.values.ndcg))));
            }
            if s.cold_users_tie_decided > 0 {
                part.push_str(&format!(
                    ", {} {}",
                    s.cold_users_tie_decided,
                    t("of them partly by tie order")
                ));
            }
            part.push(')');
        }
        parts.push(part);
    }
    if s.users_no_signal > 0 {
        parts.push(format!(
            "{} {}",
            s.users_no_signal,
            t("shoppers got equal scores for every item (their list is tie order only)")
        ));
    }
    if s.users_tie_decided > 0 {
        parts.push(format!(
            "{} {}",
            s.users_tie_decided,
            t("shoppers' metrics rest partly on tie order (a test item tied another item's score)")
        ));
    }
    if s.test_pairs > 0 {
        let what = if !r.spec.eval.exclude_train {
            t("of test pairs seen in training (repeat protocol: they stay candidates)")
        } else if s.test_pairs_seen_in_train > 0 {
            t("of test pairs seen in training (left out of ranking and test)")
        } else {
            t("of test pairs seen in training")
        };
        parts.push(format!("{:.1}% {what}", 100.0 * s.repeat_share));
    }
    match s.tie_break.as_str() {
        "popularity" => parts.push(t("ties: more popular item first").into()),
        "item_index" => parts.push(t("ties: catalog order").into()),
        _ => {}
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_values_read_well() {
        assert_eq!(count(0), "0");
        assert_eq!(count(1234), "1,234");
        assert_eq!(count(10_000_000), "10,000,000");
        assert_eq!(value(None), "–");
        assert_eq!(value(Some(0.12345)), "0.1235");
        assert_eq!(value(Some(12.345)), "12.35");
        assert_eq!(value(Some(12345.6)), "12346");
        assert_eq!(time(0), "1970-01-01 00:00");
    }
}
