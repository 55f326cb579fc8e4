//! Recommend: pick a shopper and see their history beside each selected
//! run's top-K list, ranked as the run's evaluation ranked them, with the
//! items the shopper took in the test period marked (held-out hits); beside
//! it, the run's evaluated shoppers worst first (per-user drill-down).

use std::collections::BTreeSet;

use eframe::egui::{self, Color32, RichText};
use shoplab_engine::project::Recommendations;

use super::ViewCtx;
use super::per_user::{self, PerUserState};
use crate::command::Command;
use crate::job::JobKind;
use crate::words;

/// Recommend view state.
#[derive(Debug, Default)]
pub struct RecommendState {
    /// Shopper id typed.
    pub user: String,
    /// Runs whose lists to show.
    pub runs: BTreeSet<String>,
    /// The lists of `user`, once computed.
    pub lists: Vec<Recommendations>,
    /// Lists asked for and not yet sent (sent once no request runs; the newest wins).
    pub pending: Option<(String, Vec<String>)>,
    /// Why the last request failed (e.g. an unknown shopper id).
    pub error: Option<String>,
    /// The run-by-run per-shopper list.
    pub per_user: PerUserState,
    /// Hide the per-shopper list.
    pub hide_per_user: bool,
    /// Run labels (engine::run_label) for the project's run ids, kept until the runs change.
    labels: Vec<(String, String)>,
    /// Whether the first shopper's lists were asked for on arrival.
    asked: bool,
}

impl RecommendState {
    /// Forgets per-project state.
    pub fn reset(&mut self) {
        *self = RecommendState::default();
    }

    /// Shows this shopper: drops the lists of the one before and asks for theirs
    /// with the ticked runs plus `runs`.
    pub fn show_shopper(&mut self, user: &str, runs: &[String]) {
        self.user = user.trim().to_string();
        self.runs.extend(runs.iter().cloned());
        self.lists.clear();
        self.error = None;
        self.asked = true;
        self.pending = Some((self.user.clone(), Vec::new()));
    }

    /// Shows a run's shoppers sorted by `metric`, worst first.
    pub fn show_per_user(&mut self, run: &str, metric: &str) {
        self.hide_per_user = false;
        self.per_user.show(run, metric);
    }

    /// Takes lists from a finished request; lists of a shopper no longer
    /// shown are dropped (the pending request asks for the new one).
    pub fn take_lists(&mut self, lists: Vec<Recommendations>, refused: Vec<String>) {
        if lists.first().is_none_or(|l| l.user == self.user) {
            self.lists = lists;
            self.error = (!refused.is_empty()).then(|| refused.join("\n"));
        }
    }

    fn label<'a>(&'a self, id: &'a str) -> &'a str {
        self.labels
            .iter()
            .find(|(i, _)| i == id)
            .map_or(id, |(_, l)| l.as_str())
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
    let lang = ctx.lang;
    if project.runs.is_empty() {
        ui.label(t(
            "No runs yet. Train a model on the Train view; each run appears here.",
        ));
        return;
    }
    if state.labels.len() != project.runs.len()
        || state
            .labels
            .iter()
            .zip(&project.runs)
            .any(|((id, _), r)| *id != r.id)
    {
        let labels = shoplab_engine::run_label::labels(&project.runs);
        state.labels = project
            .runs
            .iter()
            .map(|r| r.id.clone())
            .zip(labels)
            .collect();
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
    let selected_runs = |state: &RecommendState| -> Vec<String> {
        project
            .runs
            .iter()
            .filter(|r| state.runs.contains(&r.id))
            .map(|r| r.id.clone())
            .collect()
    };
    if !state.asked && state.lists.is_empty() && !state.user.is_empty() {
        // Show something on arrival: the first shopper with the newest runs.
        state.asked = true;
        state.pending = Some((state.user.clone(), Vec::new()));
    }
    ui.horizontal_wrapped(|ui| {
        let label = ui.label(RichText::new(t("Shopper")).strong());
        let r = ui
            .add(egui::TextEdit::singleline(&mut state.user).desired_width(160.0))
            .labelled_by(label.id);
        if r.changed() {
            // The lists on screen belong to the shopper before.
            state.lists.clear();
        }
        let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let ok = !state.user.trim().is_empty() && !state.runs.is_empty();
        if ui
            .add_enabled(
                ok,
                egui::Button::new(RichText::new(t("Recommend")).strong()),
            )
            .clicked()
            || (enter && ok)
        {
            let user = state.user.clone();
            state.show_shopper(&user, &[]);
        }
        if ui.button(t("Random shopper")).clicked() && !project.users.is_empty() {
            let i = (ui.input(|i| i.time) * 1000.0) as usize % project.users.len();
            let user = project.users[i].clone();
            state.show_shopper(&user, &[]);
        }
        let toggle = if state.hide_per_user {
            t("Show shoppers by metric")
        } else {
            t("Hide shoppers by metric")
        };
        if ui.button(toggle).clicked() {
            state.hide_per_user = !state.hide_per_user;
        }
    });
    // Many runs must not push the lists off a small window: the picker
    // scrolls past about a quarter of the height.
    let picker_height = (ui.available_height() * 0.25).max(48.0);
    egui::ScrollArea::vertical()
        .id_salt("recommend_runs")
        .max_height(picker_height)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(t("Runs:"));
                for r in project.runs.iter().rev() {
                    let mut on = state.runs.contains(&r.id);
                    let label = state.label(&r.id);
                    let model = r.spec.model.name();
                    // The model's plain name, unless the label already starts with it.
                    let text = if label.starts_with(model) {
                        label.to_string()
                    } else {
                        format!(
                            "{label} ({})",
                            words::plain(lang, model).map_or(model, |p| p.name)
                        )
                    };
                    if ui.checkbox(&mut on, text).on_hover_text(&r.id).changed() {
                        if on {
                            state.runs.insert(r.id.clone());
                        } else {
                            state.runs.remove(&r.id);
                        }
                        if !state.user.trim().is_empty() {
                            let user = state.user.clone();
                            state.show_shopper(&user, &[]);
                        }
                    }
                }
            });
        });
    if !busy && let Some((user, _)) = state.pending.take() {
        let runs = selected_runs(state);
        if !runs.is_empty() && !user.is_empty() {
            out.push(Command::Recommend { user, runs });
        }
    }
    ui.separator();

    if !state.hide_per_user {
        let runs: Vec<(&shoplab_engine::run::RunRecord, &str)> = project
            .runs
            .iter()
            .zip(state.labels.iter().map(|(_, l)| l.as_str()))
            .collect();
        egui::Panel::left("per_user_panel")
            .resizable(true)
            .default_size((ui.available_width() * 0.3).clamp(180.0, 280.0))
            .min_size(180.0)
            .show(ui, |ui| {
                per_user::panel(ui, &mut state.per_user, &runs, ctx, out);
            });
    }

    let Some(first) = state.lists.first() else {
        if let Some(e) = &state.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        } else if busy || state.pending.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!("{} {}", t("Ranking for shopper"), state.user));
            });
        } else {
            ui.label(RichText::new(t("Pick a shopper and press Recommend. Each run's saved model ranks the whole catalog for the shopper as its evaluation did.")).weak());
        }
        return;
    };
    if let Some(e) = &state.error {
        // Runs that refused beside those that answered.
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    let hit_color = hit_color(ui);
    ui.horizontal_wrapped(|ui| {
        tick(ui, hit_color);
        ui.label(
            RichText::new(t("taken in the test period (held out from training)")).color(hit_color),
        );
        ui.label(
            RichText::new(t("italics: already in the shopper's history"))
                .italics()
                .weak(),
        );
    });
    let history: BTreeSet<&str> = first.history.iter().map(|h| h.id.as_str()).collect();
    // Columns share the width down to a readable minimum; past that, the
    // area scrolls sideways (solid bars, shown when needed).
    let n = state.lists.len() as f32 + 1.0;
    let width = ((ui.available_width() - 14.0 * n) / n).clamp(180.0, 260.0);
    // Solid bars: floating ones are invisible until hovered, and a person
    // on a small window would not know the lists go on.
    ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
    egui::ScrollArea::both()
        .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::VisibleWhenNeeded)
        .show(ui, |ui| {
            ui.horizontal_top(|ui| {
                column(
                    ui,
                    width,
                    &format!("{} {} ({})", first.user, t("history"), first.history.len()),
                    |ui| {
                        let held: BTreeSet<&str> = state
                            .lists
                            .iter()
                            .flat_map(|l| l.held_out.iter().map(|h| h.id.as_str()))
                            .collect();
                        for h in &first.history {
                            let category = if held.contains(h.id.as_str()) {
                                format!("{} · {}", h.category, t("test period"))
                            } else {
                                h.category.clone()
                            };
                            item(ui, &h.title, &category, None, false, false, hit_color);
                        }
                    },
                );
                for list in &state.lists {
                    let name = state.label(&list.run);
                    column(ui, width, name, |ui| {
                        list_summary(ui, list, ctx, hit_color);
                        for (rank, s) in list.items.iter().enumerate() {
                            // A hit is in the full history too (the test period's events).
                            let again = !s.hit && history.contains(s.item.id.as_str());
                            item(
                                ui,
                                &format!("{}. {}", rank + 1, s.item.title),
                                &s.item.category,
                                Some(s.score),
                                again,
                                s.hit,
                                hit_color,
                            );
                        }
                    });
                }
            });
        });
}

fn hit_color(ui: &egui::Ui) -> Color32 {
    if ui.visuals().dark_mode {
        Color32::from_rgb(110, 210, 120)
    } else {
        Color32::from_rgb(20, 130, 40)
    }
}

/// How the list fared against the test period, and who ranked it.
fn list_summary(ui: &mut egui::Ui, list: &Recommendations, ctx: &ViewCtx<'_>, hit: Color32) {
    let t = |s| ctx.t(s);
    let lang = ctx.lang;
    if list.cold {
        ui.label(
            RichText::new(format!(
                "{} {}",
                t("No training events for this shopper: ranked by"),
                words::model(lang, &list.scored_by)
            ))
            .weak(),
        );
    }
    if let Some(n) = list.sampled_negatives {
        ui.label(
            RichText::new(
                t("Sampled run: its metrics ranked each test item against {n} sampled items only; this list ranks the whole catalogue.")
                    .replace("{n}", &n.to_string()),
            )
            .weak(),
        );
    }
    if list.items.len() > 1 && list.items.iter().all(|it| it.score == list.items[0].score) {
        ui.label(
            RichText::new(t(
                "All these scores are equal: the order is the run's tie rule.",
            ))
            .weak(),
        );
    }
    if list.held_out.is_empty() {
        ui.label(
            RichText::new(t(
                "The shopper took nothing new in this run's test period (items they had already taken count only in runs with repeats): no hits to mark.",
            ))
            .weak(),
        );
    } else {
        let hits = list.items.iter().filter(|s| s.hit).count();
        ui.horizontal(|ui| {
            let text = RichText::new(
                t("{hits} of {n} held-out items found")
                    .replace("{hits}", &hits.to_string())
                    .replace("{n}", &list.held_out.len().to_string()),
            )
            .strong();
            let text = if hits > 0 {
                tick(ui, hit);
                text.color(hit)
            } else {
                text
            };
            ui.label(text).on_hover_text(
                list.held_out
                    .iter()
                    .map(|h| h.title.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        });
    }
    ui.separator();
}

/// A drawn check mark (egui's bundled fonts have no "✓" glyph).
fn tick(ui: &mut egui::Ui, color: Color32) {
    let h = ui.text_style_height(&egui::TextStyle::Body);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(h, h), egui::Sense::hover());
    let p = |x: f32, y: f32| rect.min + egui::vec2(x * rect.width(), y * rect.height());
    let stroke = egui::Stroke::new(2.0, color);
    ui.painter()
        .line_segment([p(0.15, 0.55), p(0.4, 0.8)], stroke);
    ui.painter()
        .line_segment([p(0.4, 0.8), p(0.85, 0.2)], stroke);
}

fn column(ui: &mut egui::Ui, width: f32, title: &str, body: impl FnOnce(&mut egui::Ui)) {
    ui.group(|ui| {
        ui.set_width(width);
        ui.vertical(|ui| {
            ui.label(RichText::new(title).strong());
            ui.separator();
            body(ui);
        });
    });
}

fn item(
    ui: &mut egui::Ui,
    title: &str,
    category: &str,
    score: Option<f32>,
    again: bool,
    hit: bool,
    hit_color: Color32,
) {
    let mut text = RichText::new(title);
    if again {
        text = text.italics();
    }
    if hit {
        ui.horizontal(|ui| {
            tick(ui, hit_color);
            ui.label(text.color(hit_color).strong());
        });
    } else {
        ui.label(text);
    }
    let score = score.map(|s| format!(" · {s:.3}")).unwrap_or_default();
    ui.label(RichText::new(format!("{category}{score}")).small().weak());
}
