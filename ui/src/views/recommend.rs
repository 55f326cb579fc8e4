//! Recommend: pick a shopper and see their history beside each selected
//! run's top-K list, with item titles and categories.

use std::collections::BTreeSet;

use eframe::egui::{self, RichText};
use shoplab_engine::project::Recommendations;

use super::ViewCtx;
use crate::command::Command;
use crate::job::JobKind;

/// Recommend view state.
#[derive(Debug, Default)]
pub struct RecommendState {
    /// Shopper id typed.
    pub user: String,
    /// Runs whose lists to show.
    pub runs: BTreeSet<String>,
    /// The lists, once computed.
    pub lists: Vec<Recommendations>,
    /// Whether the first shopper's lists were asked for on arrival.
    asked: bool,
}

impl RecommendState {
    /// Forgets per-project state.
    pub fn reset(&mut self) {
        *self = RecommendState::default();
    }
}

/// Draws the Recommend view.
pub fn ui(
    ui: &mut egui::Ui,
    state: &mut RecommendState,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let Some(project) = ctx.project else {
        super::no_project(ui, ctx.lang);
        return;
    };
    let t = |s| ctx.t(s);
    if project.runs.is_empty() {
        ui.label(t(
            "No runs yet. Train a model on the Train view; each run appears here.",
        ));
        return;
    }
    if state.runs.is_empty() {
        // Start with the two newest runs.
        state.runs = project
            .runs
            .iter()
            .rev()
            .take(2)
            .map(|r| r.id.clone())
            .collect();
    }
    if state.user.is_empty()
        && let Some(first) = project.users.first()
    {
        state.user = first.clone();
    }
    let busy = ctx.busy(JobKind::Recommend);
    let selected_runs = || -> Vec<String> {
        project
            .runs
            .iter()
            .filter(|r| state.runs.contains(&r.id))
            .map(|r| r.id.clone())
            .collect()
    };
    if !state.asked && !busy && state.lists.is_empty() && !state.user.is_empty() {
        // Show something on arrival: the first shopper with the newest runs.
        state.asked = true;
        out.push(Command::Recommend {
            user: state.user.clone(),
            runs: selected_runs(),
        });
    }
    ui.horizontal(|ui| {
        let label = ui.label(RichText::new(t("Shopper")).strong());
        let r = ui
            .text_edit_singleline(&mut state.user)
            .labelled_by(label.id);
        let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let ok = !busy && !state.user.trim().is_empty() && !state.runs.is_empty();
        if ui
            .add_enabled(
                ok,
                egui::Button::new(RichText::new(t("Recommend")).strong()),
            )
            .clicked()
            || (enter && ok)
        {
            out.push(Command::Recommend {
                user: state.user.trim().to_string(),
                runs: project
                    .runs
                    .iter()
                    .filter(|r| state.runs.contains(&r.id))
                    .map(|r| r.id.clone())
                    .collect(),
            });
        }
        if ui.button(t("Random shopper")).clicked() && !project.users.is_empty() {
            let i = (ui.input(|i| i.time) * 1000.0) as usize % project.users.len();
            state.user = project.users[i].clone();
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label(t("Runs:"));
        for r in project.runs.iter().rev() {
            let mut on = state.runs.contains(&r.id);
            if ui.checkbox(&mut on, &r.name).on_hover_text(&r.id).changed() {
                if on {
                    state.runs.insert(r.id.clone());
                } else {
                    state.runs.remove(&r.id);
                }
            }
        }
    });
    ui.separator();
    let Some(first) = state.lists.first() else {
        ui.label(RichText::new(t("Pick a shopper and press Recommend. Each run's model is refitted on its training data, then ranks the whole catalog for the shopper.")).weak());
        return;
    };
    let history: BTreeSet<&str> = first.history.iter().map(|h| h.id.as_str()).collect();
    egui::ScrollArea::both().show(ui, |ui| {
        ui.horizontal_top(|ui| {
            column(
                ui,
                &format!("{} {} ({})", first.user, t("history"), first.history.len()),
                |ui| {
                    for h in &first.history {
                        item(ui, &h.title, &h.category, None, false);
                    }
                },
            );
            for list in &state.lists {
                let name = project
                    .run(&list.run)
                    .map_or(list.run.as_str(), |r| r.name.as_str());
                column(ui, name, |ui| {
                    let model = project.run(&list.run).map(|r| r.spec.model.name());
                    if !list.scored_by.is_empty() && model != Some(list.scored_by.as_str()) {
                        ui.label(
                            RichText::new(format!(
                                "{} {}",
                                t("No history for this shopper: ranked by"),
                                list.scored_by
                            ))
                            .small()
                            .weak(),
                        );
                    }
                    for (rank, s) in list.items.iter().enumerate() {
                        let again = history.contains(s.item.id.as_str());
                        item(
                            ui,
                            &format!("{}. {}", rank + 1, s.item.title),
                            &s.item.category,
                            Some(s.score),
                            again,
                        );
                    }
                });
            }
        });
    });
}

fn column(ui: &mut egui::Ui, title: &str, body: impl FnOnce(&mut egui::Ui)) {
    ui.group(|ui| {
        ui.set_width(260.0);
        ui.vertical(|ui| {
            ui.label(RichText::new(title).strong());
            ui.separator();
            body(ui);
        });
    });
}

fn item(ui: &mut egui::Ui, title: &str, category: &str, score: Option<f32>, again: bool) {
    let text = RichText::new(title);
    ui.label(if again { text.italics() } else { text });
    let score = score.map(|s| format!(" · {s:.3}")).unwrap_or_default();
    ui.label(RichText::new(format!("{category}{score}")).small().weak());
}
