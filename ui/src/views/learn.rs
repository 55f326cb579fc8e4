//! Learn: every metric, model and protocol explained (formula, what it
//! rewards, pitfalls), reachable from the "?" next to where it is shown.

use eframe::egui::{self, RichText};

use super::ViewCtx;
use crate::command::Command;
use crate::glossary::{ENTRIES, Entry, Kind};

/// Learn view state.
#[derive(Debug, Default)]
pub struct LearnState {
    /// The entry shown.
    pub selected: Option<String>,
    /// Filter text.
    pub filter: String,
}

/// Draws the Learn view.
pub fn ui(ui: &mut egui::Ui, state: &mut LearnState, ctx: &ViewCtx<'_>, _out: &mut Vec<Command>) {
    let t = |s| ctx.t(s);
    let l = ctx.lang.index();
    egui::Panel::left("learn_index")
        .resizable(true)
        .default_size(220.0)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                let label = ui.label(t("Filter"));
                ui.add(egui::TextEdit::singleline(&mut state.filter).desired_width(140.0))
                    .labelled_by(label.id);
            });
            let needle = state.filter.to_lowercase();
            egui::ScrollArea::vertical().show(ui, |ui| {
                for (kind, heading) in [
                    (Kind::Metric, t("Metrics")),
                    (Kind::Model, t("Models")),
                    (Kind::Concept, t("Evaluation")),
                ] {
                    ui.label(RichText::new(heading).strong());
                    for e in ENTRIES.iter().filter(|e| e.kind == kind) {
                        let title = e.title[l];
                        if !needle.is_empty()
                            && !title.to_lowercase().contains(&needle)
                            && !e.key.contains(&needle)
                        {
                            continue;
                        }
                        let on = state.selected.as_deref() == Some(e.key);
                        if ui.selectable_label(on, title).clicked() {
                            state.selected = Some(e.key.to_string());
                        }
                    }
                    ui.add_space(6.0);
                }
            });
        });
    let entry: Option<&Entry> = state
        .selected
        .as_deref()
        .and_then(crate::glossary::entry)
        .or_else(|| ENTRIES.first());
    let Some(e) = entry else { return };
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading(RichText::new(e.title[l]).size(24.0));
        ui.label(RichText::new(e.key).monospace().weak());
        if !e.formula.is_empty() {
            ui.add_space(6.0);
            ui.label(RichText::new(t("Formula")).strong());
            ui.label(RichText::new(e.formula).monospace().size(15.0));
        }
        for (heading, text) in [
            (t("What it is"), e.what[l]),
            (t("What it rewards"), e.rewards[l]),
            (t("Pitfalls"), e.pitfalls[l]),
        ] {
            ui.add_space(8.0);
            ui.label(RichText::new(heading).strong());
            ui.label(text);
        }
    });
}
