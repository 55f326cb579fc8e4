//! Search: a query box with autocomplete, two rankers side by side with
//! score explanations, facets and a price filter, relevance marks that
//! become judgments, and search metrics on the judgment set.

use std::collections::HashMap;

use eframe::egui::{self, RichText};
use shoplab_engine::metrics::MetricSet;
use shoplab_engine::search::{
    FieldWeights, Hit, SearchEvalReport, SearchRequest, SearchResults, Suggestion,
};

use super::{ViewCtx, count, explain_button, value};
use crate::command::Command;
use crate::job::JobKind;
use crate::snapshot::Snapshot;

/// A named set of field boosts.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranker {
    /// Preset name (English; translated when shown).
    pub preset: &'static str,
    /// The boosts.
    pub weights: FieldWeights,
}

/// Name of the user-set boosts.
const CUSTOM: &str = "custom boosts";

/// Sliders for the five field boosts of one side.
fn boost_sliders(ui: &mut egui::Ui, side: usize, w: &mut FieldWeights, ctx: &ViewCtx<'_>) {
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(if side == 0 {
                ctx.t("Left")
            } else {
                ctx.t("Right")
            })
            .strong(),
        );
        for (name, value) in [
            ("title", &mut w.title),
            ("description", &mut w.description),
            ("brand", &mut w.brand),
            ("category", &mut w.category),
            ("attributes", &mut w.attributes),
        ] {
            let label = ui.label(name);
            ui.add(egui::Slider::new(value, 0.0..=5.0).step_by(0.1))
                .labelled_by(label.id);
        }
    });
}

/// Boost presets offered for each side.
pub fn presets() -> Vec<Ranker> {
    let w = |title, description, brand, category, attributes| FieldWeights {
        title,
        description,
        brand,
        category,
        attributes,
    };
    vec![
        Ranker {
            preset: "BM25, default boosts",
            weights: FieldWeights::default(),
        },
        Ranker {
            preset: "BM25, title only",
            weights: w(1.0, 0.0, 0.0, 0.0, 0.0),
        },
        Ranker {
            preset: "BM25, all fields equal",
            weights: w(1.0, 1.0, 1.0, 1.0, 1.0),
        },
        Ranker {
            preset: "BM25, brand and category first",
            weights: w(1.0, 0.2, 3.0, 3.0, 0.5),
        },
    ]
}

/// Search view state.
#[derive(Default)]
pub struct SearchState {
    /// The query typed.
    pub query: String,
    /// Left and right rankers.
    pub rankers: [Option<Ranker>; 2],
    /// Category filter.
    pub category: Option<String>,
    /// Brand filter.
    pub brand: Option<String>,
    /// Price bounds as typed.
    pub min_price: String,
    /// Upper price bound as typed.
    pub max_price: String,
    /// Show per-result score explanations.
    pub explain: bool,
    /// Latest results, one per ranker, and the time both took (µs).
    pub results: Option<(Vec<Result<SearchResults, String>>, u128)>,
    /// Completions of the query typed.
    pub suggestions: Vec<Suggestion>,
    /// Why search is unavailable.
    pub unavailable: Option<String>,
    /// Judgments of the current query: item -> grade.
    pub judged: HashMap<u32, f64>,
    judged_query: String,
    /// Search quality of both rankers on the judgments.
    pub eval: Option<(SearchEvalReport, SearchEvalReport)>,
    sent: Option<String>,
    suggested_for: String,
    load_judgments_for: Option<String>,
}

impl SearchState {
    /// A new project: forget old results (the typed query stays).
    pub fn reset(&mut self) {
        let query = std::mem::take(&mut self.query);
        *self = SearchState {
            query,
            ..Default::default()
        };
    }

    /// The index was (re)opened: ask again for what is on screen.
    pub fn restart(&mut self) {
        self.unavailable = None;
        self.sent = None;
        self.suggested_for.clear();
    }

    /// Judgments of `query` as stored.
    pub fn set_judgments(&mut self, query: String, list: Vec<(u32, f64)>) {
        if normalise(&query) == normalise(&self.query) {
            self.judged = list.into_iter().collect();
            self.judged_query = normalise(&query);
        }
    }

    fn ranker(&self, side: usize) -> Ranker {
        self.rankers[side]
            .clone()
            .unwrap_or_else(|| presets().swap_remove(if side == 0 { 0 } else { 1 }))
    }

    fn requests(&self) -> Vec<SearchRequest> {
        let price = |s: &str| s.trim().parse::<f64>().ok();
        (0..2)
            .map(|side| SearchRequest {
                query: self.query.clone(),
                k: 10,
                category: self.category.clone(),
                brand: self.brand.clone(),
                min_price: price(&self.min_price),
                max_price: price(&self.max_price),
                weights: self.ranker(side).weights,
                explain: self.explain,
                facets: side == 0,
                ..SearchRequest::new(self.query.clone())
            })
            .collect()
    }
}

/// A metric's name and how to read it from a metric set.
type MetricRow = (&'static str, fn(&MetricSet) -> f64);

/// Queries as the engine groups judgments: lowercase, single spaces.
fn normalise(q: &str) -> String {
    q.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Draws the Search view.
pub fn ui(ui: &mut egui::Ui, state: &mut SearchState, ctx: &ViewCtx<'_>, out: &mut Vec<Command>) {
    let Some(project) = ctx.project else {
        super::no_project(ui, ctx.lang);
        return;
    };
    let t = |s| ctx.t(s);
    if !project.has_index {
        ui.label(t("This project has no search index yet."));
        if ui
            .add_enabled(
                !ctx.busy(JobKind::Index),
                egui::Button::new(t("Build the search index")),
            )
            .clicked()
        {
            out.push(Command::BuildIndex);
        }
        return;
    }
    if let Some(e) = &state.unavailable {
        ui.colored_label(ui.visuals().error_fg_color, e);
        if ui.button(t("Build the search index")).clicked() {
            out.push(Command::BuildIndex);
        }
        return;
    }

    // Query box with completions.
    let query_box = ui.horizontal(|ui| {
        let label = ui.label(RichText::new(t("Query")).strong());
        let r = ui
            .add(
                egui::TextEdit::singleline(&mut state.query)
                    .hint_text(t("e.g. wireless headphones"))
                    .desired_width(420.0),
            )
            .labelled_by(label.id);
        ui.checkbox(&mut state.explain, t("explain scores"));
        r
    });
    let query_response = query_box.inner;
    if state.suggested_for != state.query {
        state.suggested_for = state.query.clone();
        out.push(Command::Suggest(state.query.clone()));
    }
    // Shown whether or not the box has focus: clicking a suggestion moves the focus.
    let _ = query_response;
    let only_itself = state.suggestions.len() == 1
        && normalise(&state.suggestions[0].text) == normalise(&state.query);
    if !state.suggestions.is_empty() && !state.query.is_empty() && !only_itself {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(t("Suggestions:")).weak());
            for sug in state.suggestions.clone() {
                if ui.small_button(&sug.text).clicked() {
                    state.query = sug.text;
                }
            }
        });
    }

    // Rankers and filters.
    ui.horizontal_wrapped(|ui| {
        for side in 0..2 {
            let label = ui.label(if side == 0 { t("Left") } else { t("Right") });
            let current = state.ranker(side);
            egui::ComboBox::from_id_salt(("ranker", side))
                .selected_text(t(current.preset))
                .width(280.0)
                .show_ui(ui, |ui| {
                    for p in presets() {
                        let name = t(p.preset);
                        if ui
                            .selectable_label(current.preset == p.preset, name)
                            .clicked()
                        {
                            state.rankers[side] = Some(p);
                        }
                    }
                    // Custom starts from the boosts shown, then takes sliders.
                    if ui
                        .selectable_label(current.preset == CUSTOM, t(CUSTOM))
                        .clicked()
                    {
                        state.rankers[side] = Some(Ranker {
                            preset: CUSTOM,
                            weights: current.weights,
                        });
                    }
                })
                .response
                .labelled_by(label.id);
        }
        explain_button(ui, ctx.lang, "field_weights", out);
        ui.separator();
        let price = ui.label(t("Price"));
        ui.add(
            egui::TextEdit::singleline(&mut state.min_price)
                .desired_width(60.0)
                .hint_text(t("min")),
        )
        .labelled_by(price.id);
        ui.label("–");
        ui.add(
            egui::TextEdit::singleline(&mut state.max_price)
                .desired_width(60.0)
                .hint_text(t("max")),
        )
        .labelled_by(price.id);
    });
    for side in 0..2 {
        if let Some(r) = state.rankers[side].as_mut().filter(|r| r.preset == CUSTOM) {
            boost_sliders(ui, side, &mut r.weights, ctx);
        }
    }

    // Send the search when anything that shapes it changed.
    let requests = state.requests();
    let key = format!("{requests:?}");
    if !state.query.trim().is_empty() && state.sent.as_ref() != Some(&key) {
        out.push(Command::Search(requests));
        state.sent = Some(key);
        let q = normalise(&state.query);
        if q != state.judged_query {
            state.judged.clear();
            state.load_judgments_for = Some(q);
        }
    }
    if let Some(q) = state.load_judgments_for.take() {
        out.push(Command::LoadJudgments(q));
    }

    ui.separator();
    let query = normalise(&state.query);
    egui::Panel::right("search_side")
        .resizable(true)
        .default_size(260.0)
        .show(ui, |ui| side_panel(ui, state, project, ctx, out));
    let Some((results, micros)) = &state.results else {
        ui.label(RichText::new(t("Type a query to search the catalog.")).weak());
        return;
    };
    ui.label(
        RichText::new(format!(
            "{} {:.2} ms",
            t("Both rankers answered in"),
            *micros as f64 / 1000.0
        ))
        .weak(),
    );
    let mut judge = Vec::new();
    let mut facet_click = None;
    ui.columns(2, |cols| {
        for (side, col) in cols.iter_mut().enumerate() {
            let ranker = state.ranker(side);
            col.label(RichText::new(t(ranker.preset)).strong());
            match results.get(side) {
                Some(Ok(r)) => {
                    col.label(
                        RichText::new(format!("{} {}", count(r.total_hits), t("matching items")))
                            .weak(),
                    );
                    egui::ScrollArea::vertical()
                        .id_salt(("hits", side))
                        .show(col, |ui| {
                            for (rank, hit) in r.hits.iter().enumerate() {
                                hit_row(
                                    ui,
                                    rank,
                                    hit,
                                    state.judged.get(&hit.item).copied(),
                                    ctx,
                                    &mut judge,
                                );
                            }
                        });
                    if side == 0
                        && !r.facets.category.is_empty()
                        && let Some(f) = facets(col, r, ctx)
                    {
                        facet_click = Some(f);
                    }
                }
                Some(Err(e)) => {
                    col.colored_label(col.visuals().error_fg_color, e);
                }
                None => {}
            }
        }
    });
    if let Some((is_brand, value)) = facet_click {
        if is_brand {
            state.brand = Some(value);
        } else {
            state.category = Some(value);
        }
    }
    for (item, grade) in judge {
        out.push(Command::Judge {
            query: query.clone(),
            item,
            grade,
        });
    }
}

fn hit_row(
    ui: &mut egui::Ui,
    rank: usize,
    hit: &Hit,
    grade: Option<f64>,
    ctx: &ViewCtx<'_>,
    judge: &mut Vec<(u32, Option<f64>)>,
) {
    let t = |s| ctx.t(s);
    ui.horizontal(|ui| {
        ui.label(RichText::new(format!("{:>2}.", rank + 1)).monospace());
        let relevant = grade.is_some_and(|g| g > 0.0);
        let irrelevant = grade.is_some_and(|g| g <= 0.0);
        if ui
            .selectable_label(relevant, t("relevant"))
            .on_hover_text(t("Relevant (adds a judgment)"))
            .clicked()
        {
            judge.push((hit.item, if relevant { None } else { Some(1.0) }));
        }
        if ui
            .selectable_label(irrelevant, t("not relevant"))
            .on_hover_text(t("Not relevant (adds a judgment)"))
            .clicked()
        {
            judge.push((hit.item, if irrelevant { None } else { Some(0.0) }));
        }
        ui.vertical(|ui| {
            ui.label(RichText::new(&hit.title).strong());
            let price = hit
                .price
                .map(|p| format!(" · {}", super::price(Some(p), ctx.project)))
                .unwrap_or_default();
            ui.label(
                RichText::new(format!(
                    "{} · {} · {}{price} · {} {:.3}",
                    hit.id,
                    hit.brand,
                    hit.category,
                    t("score"),
                    hit.score
                ))
                .small()
                .weak(),
            );
            if let Some(g) = grade {
                ui.label(RichText::new(format!("{} {g}", t("judged:"))).small());
            }
            if let Some(e) = &hit.explanation {
                egui::CollapsingHeader::new(t("why this score"))
                    .id_salt(("explain", hit.item))
                    .show(ui, |ui| {
                        ui.label(RichText::new(e).monospace().small());
                    });
            }
        });
    });
    ui.separator();
}

/// Category and brand counts of the left ranker's matches; a click filters.
fn facets(ui: &mut egui::Ui, r: &SearchResults, ctx: &ViewCtx<'_>) -> Option<(bool, String)> {
    let mut clicked = None;
    ui.separator();
    ui.label(RichText::new(ctx.t("Refine")).strong());
    ui.horizontal_wrapped(|ui| {
        for f in r.facets.category.iter().take(12) {
            if ui
                .small_button(format!("{} ({})", f.value, f.count))
                .clicked()
            {
                clicked = Some((false, f.value.clone()));
            }
        }
    });
    ui.horizontal_wrapped(|ui| {
        for f in r.facets.brand.iter().take(12) {
            if ui
                .small_button(format!("{} ({})", f.value, f.count))
                .clicked()
            {
                clicked = Some((true, f.value.clone()));
            }
        }
    });
    clicked
}

fn side_panel(
    ui: &mut egui::Ui,
    state: &mut SearchState,
    p: &Snapshot,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    ui.label(RichText::new(t("Filters")).strong());
    for (label, slot) in [
        (t("category"), &mut state.category),
        (t("brand"), &mut state.brand),
    ] {
        if let Some(v) = slot.clone() {
            ui.horizontal(|ui| {
                ui.label(format!("{label}: {v}"));
                if ui.small_button("x").clicked() {
                    *slot = None;
                }
            });
        }
    }
    if state.category.is_none() && state.brand.is_none() {
        ui.label(RichText::new(t("Click a category or brand under the results to filter.")).weak());
    }
    ui.separator();
    ui.horizontal(|ui| {
        ui.label(RichText::new(t("Search quality")).strong());
        explain_button(ui, ctx.lang, "judgments", out);
    });
    ui.label(format!(
        "{} {} {} {}",
        count(p.stats.judgments),
        t("judgments on"),
        count(p.stats.judged_queries),
        t("queries")
    ));
    let busy = ctx.busy(JobKind::SearchEval);
    if ui
        .add_enabled(
            !busy && p.stats.judgments > 0,
            egui::Button::new(t("Evaluate both rankers")),
        )
        .clicked()
    {
        out.push(Command::EvaluateSearch(
            state.ranker(0).weights,
            state.ranker(1).weights,
        ));
    }
    if let Some((l, r)) = &state.eval {
        egui::Grid::new("search_eval").striped(true).show(ui, |ui| {
            ui.strong(t("metric"));
            ui.strong(t("Left"));
            ui.strong(t("Right"));
            ui.end_row();
            let rows: [MetricRow; 5] = [
                ("ndcg", |m| m.ndcg),
                ("recall", |m| m.recall),
                ("precision", |m| m.precision),
                ("mrr", |m| m.mrr),
                ("hit", |m| m.hit),
            ];
            for (ki, k) in l.config.ks.iter().enumerate() {
                for (name, get) in rows {
                    let (a, b) = (l.means.get(ki).map(get), r.means.get(ki).map(get));
                    ui.label(format!("{name}@{k}"));
                    let better = |x: Option<f64>, y: Option<f64>| {
                        x.zip(y).is_some_and(|(x, y)| x > y + 1e-12)
                    };
                    let cell = |ui: &mut egui::Ui, v: Option<f64>, best: bool| {
                        let text = RichText::new(value(v));
                        ui.label(if best {
                            text.strong().color(ui.visuals().selection.bg_fill)
                        } else {
                            text
                        });
                    };
                    cell(ui, a, better(a, b));
                    cell(ui, b, better(b, a));
                    ui.end_row();
                }
            }
        });
        ui.label(
            RichText::new(format!(
                "{} {}",
                l.n_queries,
                t("queries with a relevant item")
            ))
            .weak(),
        );
    }
    if !p.judged_queries.is_empty() {
        ui.separator();
        ui.label(RichText::new(t("Judged queries")).strong());
        egui::ScrollArea::vertical()
            .id_salt("judged")
            .max_height(200.0)
            .show(ui, |ui| {
                for (q, n) in p.judged_queries.iter().take(200) {
                    if ui.small_button(format!("{q} ({n})")).clicked() {
                        state.query = q.clone();
                    }
                }
            });
    }
}
