//! Search: a query box with autocomplete, two rankers side by side with
//! score explanations, facets and a price filter, relevance marks that
//! become judgments, and search metrics on the judgment set.

use std::collections::HashMap;

use eframe::egui::{self, RichText};
use shoplab_engine::metrics::MetricSet;
use shoplab_engine::search::{
    FieldWeights, Hit, RankerKind, Relevance, ScoreBreakdown, SearchEvalConfig, SearchEvalReport,
    SearchRequest, SearchResults, Suggestion,
};

use super::{ViewCtx, count, explain_button, value};
use crate::command::Command;
use crate::job::{Job, JobKind, JobState};
use crate::snapshot::Snapshot;

/// A named ranker: BM25 with a set of field boosts, dense, or hybrid.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranker {
    /// Preset name (English; translated when shown).
    pub preset: &'static str,
    /// The boosts (of BM25, alone or in hybrid).
    pub weights: FieldWeights,
    /// Which ranker.
    pub kind: RankerKind,
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
            kind: RankerKind::Bm25,
        },
        Ranker {
            preset: "BM25, title only",
            weights: w(1.0, 0.0, 0.0, 0.0, 0.0),
            kind: RankerKind::Bm25,
        },
        Ranker {
            preset: "BM25, all fields equal",
            weights: w(1.0, 1.0, 1.0, 1.0, 1.0),
            kind: RankerKind::Bm25,
        },
        Ranker {
            preset: "BM25, brand and category first",
            weights: w(1.0, 0.2, 3.0, 3.0, 0.5),
            kind: RankerKind::Bm25,
        },
        Ranker {
            preset: DENSE,
            weights: FieldWeights::default(),
            kind: RankerKind::Dense,
        },
        Ranker {
            preset: HYBRID,
            weights: FieldWeights::default(),
            kind: RankerKind::Hybrid,
        },
        Ranker {
            preset: LEARNED,
            weights: FieldWeights::default(),
            kind: RankerKind::Learned,
        },
    ]
}

/// Preset name of dense search.
const DENSE: &str = "Dense: meaning (sentence model)";
/// Preset name of hybrid search.
const HYBRID: &str = "Hybrid: BM25 + dense";
/// Preset name of the learned re-ranker.
const LEARNED: &str = "Learned: BM25 + dense, re-ranked";

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
    /// The query was submitted (Enter, a suggestion, a judged query): search
    /// its words exactly. While typing, the last word also matches the words
    /// it starts.
    pub exact: bool,
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
    on_open: Option<String>,
}

/// What is wrong with a price box.
#[derive(Debug, Clone, PartialEq)]
pub enum PriceProblem {
    /// Not a number (the text as typed).
    NotANumber(String),
    /// Below zero.
    Negative,
    /// The upper bound is below the lower one.
    BelowMin,
}

/// A price box that cannot be used, and why.
#[derive(Debug, Clone, PartialEq)]
pub enum PriceError {
    /// The lowest-price box.
    Min(PriceProblem),
    /// The highest-price box.
    Max(PriceProblem),
}

impl PriceProblem {
    /// The message shown under the box.
    pub fn message(&self, lang: crate::i18n::Lang) -> String {
        use crate::i18n::tr;
        match self {
            PriceProblem::NotANumber(text) => format!(
                "'{text}' {}",
                tr(lang, "is not a price; type a number like 19.99")
            ),
            PriceProblem::Negative => tr(lang, "A price cannot be below 0.").to_string(),
            PriceProblem::BelowMin => {
                tr(lang, "The highest price is below the lowest; swap them.").to_string()
            }
        }
    }
}

/// A price as typed: empty is no bound; a number, with `.` or `,` as the
/// decimal mark and an optional currency sign, is a bound; anything else is
/// an error (never silently ignored).
pub fn parse_price(text: &str) -> Result<Option<f64>, PriceProblem> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let number = t
        .trim_start_matches(['$', '€', '£', '¥', '￥'])
        .trim()
        .replace(',', ".");
    match number.parse::<f64>() {
        Ok(v) if v.is_finite() && v < 0.0 => Err(PriceProblem::Negative),
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(PriceProblem::NotANumber(t.to_string())),
    }
}

impl SearchState {
    /// A new project: forget everything of the old one (query, results,
    /// suggestions, judgments, evaluation, filters), except a query given at
    /// launch for the project being opened ([`SearchState::type_on_open`]).
    pub fn reset(&mut self) {
        let query = self.on_open.take().unwrap_or_default();
        *self = SearchState {
            exact: !query.is_empty(),
            query,
            ..Default::default()
        };
    }

    /// Types `query` (as submitted) once the project being opened is open.
    pub fn type_on_open(&mut self, query: String) {
        self.query = query.clone();
        self.exact = true;
        self.on_open = Some(query);
    }

    /// The price bounds as numbers, or the message for the box that is not one.
    pub fn price_bounds(&self) -> Result<(Option<f64>, Option<f64>), PriceError> {
        let lo = parse_price(&self.min_price).map_err(PriceError::Min)?;
        let hi = parse_price(&self.max_price).map_err(PriceError::Max)?;
        if let (Some(l), Some(h)) = (lo, hi)
            && l > h
        {
            return Err(PriceError::Max(PriceProblem::BelowMin));
        }
        Ok((lo, hi))
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

    /// The searches of both sides; `None` while a price box is not a price.
    fn requests(&self) -> Option<Vec<SearchRequest>> {
        let (min_price, max_price) = self.price_bounds().ok()?;
        Some(
            (0..2)
                .map(|side| SearchRequest {
                    query: self.query.clone(),
                    k: 10,
                    category: self.category.clone(),
                    brand: self.brand.clone(),
                    min_price,
                    max_price,
                    weights: self.ranker(side).weights,
                    explain: self.explain,
                    prefix: !self.exact,
                    facets: side == 0,
                    ranker: self.ranker(side).kind,
                    ..SearchRequest::new(self.query.clone())
                })
                .collect(),
        )
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

    // Query box with completions. Typing searches as you type (the last word
    // as a prefix); Enter searches the words exactly.
    ui.horizontal_wrapped(|ui| {
        let label = ui.label(RichText::new(t("Query")).strong());
        let width = (ui.available_width() - 160.0).clamp(160.0, 420.0);
        let r = ui
            .add(
                egui::TextEdit::singleline(&mut state.query)
                    .hint_text(t("e.g. wireless headphones"))
                    .desired_width(width),
            )
            .labelled_by(label.id);
        if r.changed() {
            state.exact = false;
        }
        if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            state.exact = true;
        }
        ui.checkbox(&mut state.explain, t("explain scores"));
    });
    if state.suggested_for != state.query {
        state.suggested_for = state.query.clone();
        out.push(Command::Suggest(state.query.clone()));
    }
    // Shown whether or not the box has focus: clicking a suggestion moves the focus.
    let only_itself = state.suggestions.len() == 1
        && normalise(&state.suggestions[0].text) == normalise(&state.query);
    if !state.suggestions.is_empty() && !state.query.is_empty() && !only_itself {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(t("Suggestions:")).weak());
            for sug in state.suggestions.clone() {
                if ui.small_button(&sug.text).clicked() {
                    state.query = sug.text;
                    state.exact = true;
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
                            kind: RankerKind::Bm25,
                        });
                    }
                })
                .response
                .labelled_by(label.id);
        }
        explain_button(ui, ctx.lang, "field_weights", out);
        ui.separator();
        let price = ui.label(t("Price"));
        let bad = state.price_bounds().err();
        price_box(
            ui,
            &mut state.min_price,
            t("min"),
            matches!(bad, Some(PriceError::Min(_))),
            price.id,
        );
        ui.label("–");
        price_box(
            ui,
            &mut state.max_price,
            t("max"),
            matches!(bad, Some(PriceError::Max(_))),
            price.id,
        );
    });
    if let Some(PriceError::Min(p) | PriceError::Max(p)) = state.price_bounds().err() {
        ui.colored_label(ui.visuals().error_fg_color, p.message(ctx.lang));
    }
    for side in 0..2 {
        if let Some(r) = state.rankers[side].as_mut().filter(|r| r.preset == CUSTOM) {
            boost_sliders(ui, side, &mut r.weights, ctx);
        }
    }

    // Send the search when anything that shapes it changed (never with a
    // price box that is not a price: that would search something else).
    let requests = state.requests();
    let key = format!("{requests:?}");
    if let Some(requests) = requests.filter(|_| !state.query.trim().is_empty())
        && state.sent.as_ref() != Some(&key)
    {
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
    // At most a third of the width, so the two result columns keep theirs
    // in a small window.
    let side_max = (ui.available_width() / 3.0).max(150.0);
    egui::Panel::right("search_side")
        .resizable(true)
        .default_size(260.0f32.min(side_max))
        .size_range(150.0..=side_max.max(150.0))
        .show(ui, |ui| side_panel(ui, state, project, ctx, out));
    if state.price_bounds().is_err() {
        ui.label(RichText::new(t("Fix the price filter to search again.")).weak());
        return;
    }
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
    // The evaluation's own rule (one definition), so a "relevant" mark here
    // means what it means in the metrics beside it.
    let rule = state.eval.as_ref().map_or_else(
        || SearchEvalConfig::default().relevance,
        |e| e.0.config.relevance,
    );
    ui.columns(2, |cols| {
        for (side, col) in cols.iter_mut().enumerate() {
            // Both columns are children of one Ui and so share its id scope:
            // without a scope of their own, an item listed in both columns
            // gives both its "why this score" header the same id, and a click
            // on one toggles the one state twice.
            col.push_id(("results column", side), |col| {
                let ranker = state.ranker(side);
                col.label(RichText::new(t(ranker.preset)).strong());
                match results.get(side) {
                    Some(Ok(r)) => {
                        let counted = match (ranker.kind, r.total_hits == 1) {
                            (RankerKind::Bm25, true) => "matching item",
                            (RankerKind::Bm25, false) => "matching items",
                            (RankerKind::Learned, true) => "candidate re-ranked",
                            (RankerKind::Learned, false) => "candidates re-ranked",
                            (_, true) => "item ranked by meaning",
                            (_, false) => "items ranked by meaning",
                        };
                        col.label(
                            RichText::new(format!("{} {}", count(r.total_hits), t(counted))).weak(),
                        );
                        prefix_note(col, r, ctx);
                        let with_facets = side == 0 && !r.facets.category.is_empty();
                        // In a short window the facets scroll with the results
                        // rather than squeezing them to a few rows.
                        let facets_below = with_facets && col.available_height() > 360.0;
                        let mut clicked = None;
                        egui::ScrollArea::vertical()
                            .id_salt(("hits", side))
                            .max_height(if facets_below {
                                col.available_height() - 110.0
                            } else {
                                f32::INFINITY
                            })
                            .show(col, |ui| {
                                for (rank, hit) in r.hits.iter().enumerate() {
                                    hit_row(
                                        ui,
                                        rank,
                                        hit,
                                        state.judged.get(&hit.item).copied(),
                                        rule,
                                        ctx,
                                        &mut judge,
                                    );
                                }
                                if with_facets && !facets_below {
                                    clicked = facets(ui, r, ctx);
                                }
                            });
                        if facets_below {
                            clicked = facets(col, r, ctx);
                        }
                        if clicked.is_some() {
                            facet_click = clicked;
                        }
                    }
                    Some(Err(e)) => {
                        col.colored_label(col.visuals().error_fg_color, e);
                        // A learned column with vectors but no re-ranker
                        // offers training; any other miss is the vectors.
                        if ranker.kind == RankerKind::Learned && !e.contains("embeddings") {
                            rerank_action(col, ctx, out);
                        } else if ranker.kind.needs_embeddings() {
                            embeddings_action(col, ctx, out);
                        }
                    }
                    None => {}
                }
            });
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

/// The "Build embeddings" action of a dense or hybrid column that has no
/// (or outdated) item vectors: a background job with progress and cancel.
fn embeddings_action(ui: &mut egui::Ui, ctx: &ViewCtx<'_>, out: &mut Vec<Command>) {
    let t = |s| ctx.t(s);
    ui.label(
        RichText::new(t(
            "Dense and hybrid search need a vector of every item's text (title, brand, category), \
             computed once on this computer; after catalog changes only new or changed items are computed again.",
        ))
        .weak(),
    );
    match ctx.job(JobKind::Embed) {
        Some((job, state)) => job_progress(ui, ctx, job, &state),
        None => {
            if ui.button(t("Build embeddings")).clicked() {
                out.push(Command::BuildEmbeddings);
            }
        }
    }
}

/// A running background job's row: its progress bar and Cancel.
fn job_progress(ui: &mut egui::Ui, ctx: &ViewCtx<'_>, job: &Job, state: &JobState) {
    ui.horizontal_wrapped(|ui| {
        let done = state
            .total
            .map_or(0.0, |t| state.done as f32 / t.max(1) as f32);
        ui.add(
            egui::ProgressBar::new(done)
                .desired_width(160.0)
                .show_percentage(),
        );
        if ui.button(ctx.t("Cancel")).clicked() {
            job.cancel.cancel();
        }
    });
}

/// The "Train re-ranker" action: a background job with progress and cancel,
/// and how the saved re-ranker was trained.
fn rerank_action(ui: &mut egui::Ui, ctx: &ViewCtx<'_>, out: &mut Vec<Command>) {
    let t = |s| ctx.t(s);
    let trained = ctx.project.and_then(|p| p.reranker.as_ref());
    match trained {
        Some(r) => ui.label(
            RichText::new(format!(
                "{} {} {} ({})",
                t("Re-ranker trained on"),
                count(r.n_queries as u64),
                t("judged queries"),
                r.trained_at.get(..10).unwrap_or(&r.trained_at)
            ))
            .weak(),
        ),
        None => ui.label(RichText::new(t("Re-ranker: not trained")).weak()),
    };
    match ctx.job(JobKind::Rerank) {
        Some((job, state)) => job_progress(ui, ctx, job, &state),
        None => {
            let has_judgments = ctx.project.is_some_and(|p| p.stats.judgments > 0);
            let label = if trained.is_some() {
                t("Retrain re-ranker")
            } else {
                t("Train re-ranker")
            };
            if ui
                .add_enabled(has_judgments, egui::Button::new(label))
                .on_hover_text(t(
                    "The learned ranker orders BM25's and dense search's top items with a model trained on the tune half of the judged queries; it is measured on the other half.",
                ))
                .clicked()
            {
                out.push(Command::TrainReranker);
            }
        }
    }
}

/// One result: its title (wrapped at word boundaries, at most two lines,
/// the full title on hover when cut), what it is, the judgment buttons and
/// the score explanation. The buttons keep their size whatever the grade, so
/// judging never moves the rows.
fn hit_row(
    ui: &mut egui::Ui,
    rank: usize,
    hit: &Hit,
    grade: Option<f64>,
    rule: Relevance,
    ctx: &ViewCtx<'_>,
    judge: &mut Vec<(u32, Option<f64>)>,
) {
    let t = |s| ctx.t(s);
    ui.horizontal_top(|ui| {
        ui.label(RichText::new(format!("{:>2}.", rank + 1)).monospace());
        ui.vertical(|ui| {
            ui.add(title_label(ui, &hit.title));
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
            // A grade the buttons never write (an import's 0.67, 2.67) is
            // shown, and a click says it replaces it.
            let imported = grade.filter(|g| *g != 0.0 && *g != 1.0);
            ui.horizontal(|ui| {
                let relevant = grade.is_some_and(|g| rule.is_relevant(g));
                let irrelevant = grade.is_some_and(|g| !rule.is_relevant(g));
                let width = judge_button_width(ui, ctx);
                let size = egui::vec2(width, ui.spacing().interact_size.y);
                let hover = |tip: &str, clears: bool| {
                    let mut s = tip.to_string();
                    if let Some(g) = grade {
                        s.push_str(&format!("\n{} {}", t("judged:"), grade_text(g)));
                    }
                    if let Some(g) = imported {
                        let what = if clears {
                            t("removes the imported grade")
                        } else {
                            t("replaces the imported grade")
                        };
                        s.push_str(&format!("\n{what} {}", grade_text(g)));
                    }
                    s
                };
                if ui
                    .add_sized(
                        size,
                        egui::Button::selectable(relevant, t("relevant")).frame_when_inactive(true),
                    )
                    .on_hover_text(hover(t("Relevant (adds a judgment)"), relevant))
                    .clicked()
                {
                    judge.push((hit.item, if relevant { None } else { Some(1.0) }));
                }
                if ui
                    .add_sized(
                        size,
                        egui::Button::selectable(irrelevant, t("not relevant"))
                            .frame_when_inactive(true),
                    )
                    .on_hover_text(hover(t("Not relevant (adds a judgment)"), irrelevant))
                    .clicked()
                {
                    judge.push((hit.item, if irrelevant { None } else { Some(0.0) }));
                }
            });
            // On a line of its own: beside the buttons it would run under the
            // next column in a narrow window.
            if let Some(g) = imported {
                let verdict = if rule.is_relevant(g) {
                    t("at or above the relevance threshold")
                } else {
                    t("below the relevance threshold")
                };
                ui.add(
                    egui::Label::new(
                        RichText::new(format!(
                            "{} {} · {verdict} {}",
                            t("grade"),
                            grade_text(g),
                            grade_text(rule.min_grade)
                        ))
                        .small()
                        .weak(),
                    )
                    .wrap(),
                );
            }
            if let Some(b) = &hit.explanation {
                egui::CollapsingHeader::new(t("why this score"))
                    .id_salt(("explain", hit.item))
                    .show(ui, |ui| breakdown(ui, b, ctx));
            }
        });
    });
    ui.separator();
}

/// A grade in at most two decimals, without trailing zeros (0.67, 1, 2.5).
fn grade_text(g: f64) -> String {
    let s = format!("{g:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A result title: wrapped at word boundaries, cut with an ellipsis after
/// two lines (the whole title shows on hover then).
fn title_label(ui: &egui::Ui, title: &str) -> egui::Label {
    let mut job = egui::text::LayoutJob::single_section(
        title.to_string(),
        egui::TextFormat::simple(
            egui::TextStyle::Body.resolve(ui.style()),
            ui.visuals().strong_text_color(),
        ),
    );
    job.wrap = egui::text::TextWrapping {
        max_rows: 2,
        break_anywhere: false,
        overflow_character: Some('…'),
        ..Default::default()
    };
    egui::Label::new(job).wrap()
}

/// Width of both judgment buttons: the wider label, so that neither a grade
/// nor the language changes where the row's widgets sit.
fn judge_button_width(ui: &egui::Ui, ctx: &ViewCtx<'_>) -> f32 {
    let font = egui::TextStyle::Button.resolve(ui.style());
    let widest = [ctx.t("relevant"), ctx.t("not relevant")]
        .iter()
        .map(|s| {
            ui.fonts_mut(|f| {
                f.layout_no_wrap(s.to_string(), font.clone(), egui::Color32::WHITE)
                    .size()
                    .x
            })
        })
        .fold(0.0, f32::max);
    widest + 2.0 * ui.spacing().button_padding.x
}

/// A score's breakdown: a row per term and field, largest first, with a bar
/// proportional to its contribution; then the total and the filters.
fn breakdown(ui: &mut egui::Ui, b: &ScoreBreakdown, ctx: &ViewCtx<'_>) {
    let t = |s| ctx.t(s);
    let max = b
        .terms
        .iter()
        .map(|p| p.contribution)
        .fold(0.0f32, f32::max);
    let bar_width = (ui.available_width() * 0.35).clamp(40.0, 140.0);
    let bar_colour = ui.visuals().selection.bg_fill;
    for p in &b.terms {
        ui.horizontal_wrapped(|ui| {
            let (rect, _) = ui.allocate_exact_size(
                egui::vec2(bar_width, ui.spacing().interact_size.y * 0.6),
                egui::Sense::hover(),
            );
            let share = if max > 0.0 { p.contribution / max } else { 0.0 };
            let mut filled = rect;
            filled.set_width((rect.width() * share).max(1.0));
            ui.painter()
                .rect_filled(rect, 2.0, ui.visuals().faint_bg_color);
            ui.painter().rect_filled(filled, 2.0, bar_colour);
            let term = if p.from_prefix {
                format!("{}…", p.term)
            } else {
                p.term.clone()
            };
            ui.label(RichText::new(format!("{:.3}", p.contribution)).monospace());
            ui.label(RichText::new(term).strong())
                .on_hover_text(format!(
                    "{} {} · {} {} · {} {:.3} · BM25 {:.3} · × {:.2}{} = {:.3}{}",
                    t("occurrences"),
                    p.term_freq,
                    t("field length"),
                    p.field_length,
                    "idf",
                    p.idf,
                    p.bm25,
                    p.field_weight,
                    if p.scale == 1.0 {
                        String::new()
                    } else {
                        format!(" × {:.2}", p.scale)
                    },
                    p.contribution,
                    if p.from_prefix {
                        format!(
                            "\n{}",
                            t("completes the last word typed; only the best completion counts, at a reduced weight")
                        )
                    } else {
                        String::new()
                    }
                ));
            ui.label(
                RichText::new(format!(
                    "{} {} × {:.2}{} · tf {} · idf {:.2}",
                    t("in"),
                    t(field_name(&p.field)),
                    p.field_weight,
                    if p.scale == 1.0 {
                        String::new()
                    } else {
                        format!(" × {:.2}", p.scale)
                    },
                    p.term_freq,
                    p.idf
                ))
                .weak(),
            );
        });
    }
    ui.label(
        RichText::new(format!(
            "{} {:.3} = {} {:.3}",
            t("total"),
            b.sum(),
            t("score"),
            b.score
        ))
        .strong(),
    );
    for f in &b.filters {
        ui.label(RichText::new(format!("{} {f} ({})", t("filter:"), t("adds 0"))).small());
    }
}

/// The interface name of a catalog field.
fn field_name(field: &str) -> &'static str {
    match field {
        "title" => "title",
        "description" => "description",
        "brand" => "brand",
        "category" => "category",
        _ => "attributes",
    }
}

/// What a search as you type did with the last word, or why nothing matched.
fn prefix_note(ui: &mut egui::Ui, r: &SearchResults, ctx: &ViewCtx<'_>) {
    let t = |s| ctx.t(s);
    match &r.prefix {
        Some(p) if p.terms.is_empty() && r.total_hits == 0 => {
            ui.label(
                RichText::new(format!(
                    "{} '{}'",
                    t("No item contains a word starting with"),
                    p.word
                ))
                .color(ui.visuals().warn_fg_color),
            );
        }
        Some(p) => {
            let shown: Vec<&str> = p.terms.iter().take(5).map(String::as_str).collect();
            let more = if p.terms.len() > 5 { ", …" } else { "" };
            ui.label(
                RichText::new(format!(
                    "'{}…' {} {}{more} · {}",
                    p.word,
                    t("also matches"),
                    shown.join(", "),
                    t("Enter searches the exact words")
                ))
                .weak(),
            );
        }
        None if r.total_hits == 0 => {
            ui.label(
                RichText::new(t("No item contains any of these words."))
                    .color(ui.visuals().warn_fg_color),
            );
        }
        None => {}
    }
}

/// A price box, outlined in the error colour when it is not a price.
fn price_box(ui: &mut egui::Ui, text: &mut String, hint: &str, bad: bool, label: egui::Id) {
    let mut edit = egui::TextEdit::singleline(text)
        .desired_width(60.0)
        .hint_text(hint);
    if bad {
        edit = edit.text_color(ui.visuals().error_fg_color);
    }
    let r = ui.add(edit).labelled_by(label);
    if bad {
        ui.painter().rect_stroke(
            r.rect.expand(1.0),
            2.0,
            egui::Stroke::new(1.5, ui.visuals().error_fg_color),
            egui::StrokeKind::Outside,
        );
    }
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
            ui.horizontal_wrapped(|ui| {
                ui.label(format!("{label}: {v}"));
                if ui
                    .small_button("x")
                    .on_hover_text(t("Remove this filter"))
                    .clicked()
                {
                    *slot = None;
                }
            });
        }
    }
    let price = price_filter_text(state, ctx);
    if let Some(text) = &price {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("{}: {text}", t("price")));
            if ui
                .small_button("x")
                .on_hover_text(t("Remove this filter"))
                .clicked()
            {
                state.min_price.clear();
                state.max_price.clear();
            }
        });
    }
    if state.category.is_none() && state.brand.is_none() && price.is_none() {
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
    if (0..2).any(|side| state.ranker(side).kind == RankerKind::Learned) {
        rerank_action(ui, ctx, out);
    }
    if ui
        .add_enabled(
            !busy && p.stats.judgments > 0,
            egui::Button::new(t("Evaluate both rankers")),
        )
        .clicked()
    {
        out.push(Command::EvaluateSearch(
            (state.ranker(0).weights, state.ranker(0).kind),
            (state.ranker(1).weights, state.ranker(1).kind),
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
                    let precise = format!("{name}@{k}");
                    ui.label(crate::words::header(ctx.lang, &precise))
                        .on_hover_text(&precise);
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
        if l.config.queries != shoplab_engine::search::QuerySlice::All {
            ui.label(
                RichText::new(t(
                    "Measured on the held-out half of the judged queries, which the re-ranker did not learn from.",
                ))
                .weak(),
            );
        }
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
                        state.exact = true;
                    }
                }
            });
    }
}

/// The price filter in words (`10 – 20`, `at least 10`), or the text typed
/// when a box is not a price; `None` when both boxes are empty.
fn price_filter_text(state: &SearchState, ctx: &ViewCtx<'_>) -> Option<String> {
    let t = |s| ctx.t(s);
    match state.price_bounds() {
        Ok((None, None)) => None,
        Ok((Some(lo), Some(hi))) => Some(format!("{lo} – {hi}")),
        Ok((Some(lo), None)) => Some(format!("{} {lo}", t("at least"))),
        Ok((None, Some(hi))) => Some(format!("{} {hi}", t("at most"))),
        Err(_) => {
            let typed: Vec<String> = [(t("min"), &state.min_price), (t("max"), &state.max_price)]
                .into_iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(name, v)| format!("{name} '{}'", v.trim()))
                .collect();
            Some(format!(
                "{} ({})",
                typed.join(", "),
                t("not used: not a price")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::path::PathBuf;

    use eframe::egui;
    use egui_kittest::Harness;
    use egui_kittest::kittest::{NodeT, Queryable};
    use shoplab_engine::search::{PrefixMatch, TermContribution};

    use super::*;
    use crate::i18n::Lang;

    /// The view with its state, a project snapshot and the commands it pushed.
    struct World {
        state: SearchState,
        snapshot: Snapshot,
        out: Vec<Command>,
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            root: PathBuf::from("shop"),
            name: "shop".into(),
            currency: String::new(),
            stats: Default::default(),
            imports: Vec::new(),
            runs: Vec::new(),
            catalog: Default::default(),
            users: Default::default(),
            has_index: true,
            reports_dir: PathBuf::from("shop/reports"),
            judged_queries: Vec::new(),
            reranker: None,
            load_seconds: 0.0,
        }
    }

    fn harness(state: SearchState, size: egui::Vec2) -> Harness<'static, World> {
        harness_with(state, snapshot(), size)
    }

    /// The view over a given project snapshot (e.g. one with judgments).
    fn harness_with(
        state: SearchState,
        snapshot: Snapshot,
        size: egui::Vec2,
    ) -> Harness<'static, World> {
        let world = World {
            state,
            snapshot,
            out: Vec::new(),
        };
        let mut h = Harness::builder().with_size(size).build_ui_state(
            |ui, w: &mut World| {
                let ctx = ViewCtx {
                    lang: Lang::En,
                    project: Some(&w.snapshot),
                    jobs: &[],
                    picker_start: None,
                };
                super::ui(ui, &mut w.state, &ctx, &mut w.out);
            },
            world,
        );
        h.run();
        h
    }

    /// A hit whose score comes from one term in the title.
    fn hit(item: u32, title: &str, term: &str) -> Hit {
        Hit {
            item,
            id: format!("sku{item}"),
            score: 2.0,
            title: title.into(),
            brand: "Acme".into(),
            category: "Food".into(),
            price: Some(1.5),
            explanation: Some(ScoreBreakdown {
                score: 2.0,
                terms: vec![TermContribution {
                    term: term.into(),
                    field: "title".into(),
                    field_weight: 2.0,
                    term_freq: 1.0,
                    field_length: 3.0,
                    idf: 1.2,
                    bm25: 1.0,
                    contribution: 2.0,
                    scale: 1.0,
                    from_prefix: false,
                }],
                filters: Vec::new(),
            }),
        }
    }

    fn results(hits: Vec<Hit>) -> Result<SearchResults, String> {
        Ok(SearchResults {
            total_hits: hits.len() as u64,
            hits,
            ..SearchResults::default()
        })
    }

    /// Left: apple then pear; right: pear then apple (each item in both columns).
    fn state_with_results() -> SearchState {
        let apple = hit(7, "Organic Red Apples", "apple");
        let pear = hit(9, "Green Pears", "pear");
        SearchState {
            query: "fruit".into(),
            exact: true,
            explain: true,
            results: Some((
                vec![
                    results(vec![apple.clone(), pear.clone()]),
                    results(vec![pear, apple]),
                ],
                100,
            )),
            ..SearchState::default()
        }
    }

    fn searches(w: &World) -> Vec<&Vec<SearchRequest>> {
        w.out
            .iter()
            .filter_map(|c| match c {
                Command::Search(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_dense_column_searches_by_meaning_and_offers_to_build_missing_embeddings() {
        let dense = presets().into_iter().find(|p| p.preset == DENSE).unwrap();
        let hybrid = presets().into_iter().find(|p| p.preset == HYBRID).unwrap();
        let mut state = state_with_results();
        state.rankers = [Some(hybrid), Some(dense)];
        state.results = Some((
            vec![
                results(vec![hit(7, "Organic Red Apples", "apple")]),
                Err("no item embeddings for encoder all-MiniLM-L6-v2 yet".into()),
            ],
            100,
        ));
        let mut h = harness(state, egui::vec2(1280.0, 800.0));
        // Each column asks its own ranker.
        let kinds: Vec<RankerKind> = searches(h.state())[0].iter().map(|r| r.ranker).collect();
        assert_eq!(kinds, vec![RankerKind::Hybrid, RankerKind::Dense]);
        h.get_by_label_contains("no item embeddings");
        h.get_by_label("1 item ranked by meaning");
        h.get_by_label("Build embeddings").click();
        h.run();
        assert!(
            h.state()
                .out
                .iter()
                .any(|c| matches!(c, Command::BuildEmbeddings))
        );
        // Only the column without vectors offers it.
        assert_eq!(h.query_all_by_label("Build embeddings").count(), 1);
    }

    #[test]
    fn evaluating_both_rankers_sends_their_kinds() {
        let mut state = state_with_results();
        state.rankers[1] = presets().into_iter().find(|p| p.preset == HYBRID);
        let mut snap = snapshot();
        snap.stats.judgments = 3;
        let mut h = harness_with(state, snap, egui::vec2(1280.0, 800.0));
        h.get_by_label("Evaluate both rankers").click();
        h.run();
        let sent = h.state().out.iter().find_map(|c| match c {
            Command::EvaluateSearch(l, r) => Some((l.1, r.1)),
            _ => None,
        });
        assert_eq!(sent, Some((RankerKind::Bm25, RankerKind::Hybrid)));
    }

    /// A learned column without a re-ranker offers to train one (and only
    /// once the project has judgments); once trained, it says on what.
    #[test]
    fn a_learned_column_offers_to_train_its_re_ranker() {
        let learned = presets().into_iter().find(|p| p.preset == LEARNED);
        let mut state = state_with_results();
        state.rankers[1] = learned;
        state.results = Some((
            vec![
                results(vec![hit(7, "Organic Red Apples", "apple")]),
                Err("the learned ranker needs a trained re-ranker: train one first".into()),
            ],
            100,
        ));
        let mut snap = snapshot();
        snap.stats.judgments = 3;
        let mut h = harness_with(state, snap, egui::vec2(1280.0, 800.0));
        let kinds: Vec<RankerKind> = searches(h.state())[0].iter().map(|r| r.ranker).collect();
        assert_eq!(kinds, vec![RankerKind::Bm25, RankerKind::Learned]);
        // The column and the quality section both offer it; no embeddings button.
        assert_eq!(h.query_all_by_label("Train re-ranker").count(), 2);
        assert_eq!(h.query_all_by_label("Build embeddings").count(), 0);
        h.query_all_by_label("Re-ranker: not trained")
            .next()
            .unwrap();
        h.query_all_by_label("Train re-ranker")
            .next()
            .unwrap()
            .click();
        h.run();
        assert!(
            h.state()
                .out
                .iter()
                .any(|c| matches!(c, Command::TrainReranker))
        );
        // Trained: it says on how many queries, and offers to retrain.
        h.state_mut().snapshot.reranker = Some(shoplab_engine::search::rerank::RerankTraining {
            queries: shoplab_engine::search::QuerySlice::Tune,
            n_queries: 1234,
            n_pairs: 99,
            relevance: Default::default(),
            weights: Default::default(),
            params: Default::default(),
            seconds: 1.0,
            trained_at: "2026-12-02T05:00:00Z".into(),
        });
        h.run();
        h.query_all_by_label_contains("1,234 judged queries (2026-12-02)")
            .next()
            .unwrap();
        assert_eq!(h.query_all_by_label("Retrain re-ranker").count(), 2);
    }

    #[test]
    fn why_this_score_opens_in_either_column_for_an_item_in_both() {
        let mut h = harness(state_with_results(), egui::vec2(1280.0, 800.0));
        assert_eq!(h.query_all_by_label("why this score").count(), 4);
        assert_eq!(h.query_all_by_label("apple").count(), 0);
        // Left column, #1 (apple).
        h.get_all_by_label("why this score").next().unwrap().click();
        h.run();
        assert_eq!(h.query_all_by_label("apple").count(), 1, "left #1 opens");
        // Right column, #2 (the same apple).
        h.get_all_by_label("why this score").nth(3).unwrap().click();
        h.run();
        assert_eq!(
            h.query_all_by_label("apple").count(),
            2,
            "right #2 opens too"
        );
        assert_eq!(h.query_all_by_label("pear").count(), 0);
        // The breakdown shows the total.
        assert_eq!(
            h.query_all_by_label_contains("total 2.000 = score 2.000")
                .count(),
            2
        );
    }

    #[test]
    fn typing_searches_prefixes_and_enter_searches_the_exact_words() {
        let mut h = harness(SearchState::default(), egui::vec2(1280.0, 800.0));
        let query_box = |h: &Harness<'static, World>| {
            h.get_all_by_role(egui::accesskit::Role::TextInput)
                .next()
                .unwrap()
                .rect()
        };
        assert!(query_box(&h).width() > 100.0, "the query box comes first");
        h.get_all_by_role(egui::accesskit::Role::TextInput)
            .next()
            .unwrap()
            .click();
        h.run();
        h.get_all_by_role(egui::accesskit::Role::TextInput)
            .next()
            .unwrap()
            .type_text("shi");
        h.run();
        let last = searches(h.state()).last().cloned().cloned().unwrap();
        assert!(last.iter().all(|r| r.query == "shi" && r.prefix));
        h.key_press(egui::Key::Enter);
        h.run();
        let last = searches(h.state()).last().cloned().cloned().unwrap();
        assert!(last.iter().all(|r| r.query == "shi" && !r.prefix));
        assert!(h.state().state.exact);
    }

    #[test]
    fn a_prefix_that_matches_nothing_says_why() {
        let mut state = SearchState {
            query: "xyz".into(),
            ..SearchState::default()
        };
        let none = SearchResults {
            prefix: Some(PrefixMatch {
                word: "xyz".into(),
                terms: Vec::new(),
            }),
            ..SearchResults::default()
        };
        state.results = Some((vec![Ok(none.clone()), Ok(none)], 10));
        let h = harness(state, egui::vec2(1280.0, 800.0));
        assert_eq!(
            h.query_all_by_label("No item contains a word starting with 'xyz'")
                .count(),
            2
        );
    }

    #[test]
    fn a_price_that_is_not_a_number_is_shown_as_an_error_and_not_searched() {
        let mut state = state_with_results();
        state.min_price = "abc".into();
        let mut h = harness(state, egui::vec2(1280.0, 800.0));
        h.get_by_label("'abc' is not a price; type a number like 19.99");
        h.get_by_label("Fix the price filter to search again.");
        assert!(searches(h.state()).is_empty(), "no search with a bad price");
        // The filter is listed, with a way to clear it.
        h.get_by_label_contains("price: min 'abc' (not used: not a price)");
        h.state_mut().state.min_price = "10".into();
        h.run();
        let last = searches(h.state()).last().cloned().cloned().unwrap();
        assert!(last.iter().all(|r| r.min_price == Some(10.0)));
        h.get_by_label("price: at least 10");
        // "x" beside it clears the price filter (the only filter set).
        h.get_all_by_label("x").next().unwrap().click();
        h.run();
        assert!(h.state().state.min_price.is_empty());
        assert!(h.query_by_label_contains("price:").is_none());
    }

    #[test]
    fn prices_parse_or_say_what_is_wrong() {
        assert_eq!(parse_price(" 19.99 "), Ok(Some(19.99)));
        assert_eq!(parse_price("19,99"), Ok(Some(19.99)));
        assert_eq!(parse_price("$5"), Ok(Some(5.0)));
        assert_eq!(parse_price(""), Ok(None));
        assert_eq!(
            parse_price("abc"),
            Err(PriceProblem::NotANumber("abc".into()))
        );
        assert_eq!(parse_price("-3"), Err(PriceProblem::Negative));
        assert_eq!(parse_price("inf").ok(), None);
        let state = SearchState {
            min_price: "20".into(),
            max_price: "10".into(),
            ..SearchState::default()
        };
        assert_eq!(
            state.price_bounds(),
            Err(PriceError::Max(PriceProblem::BelowMin))
        );
    }

    #[test]
    fn judging_a_result_does_not_move_the_rows() {
        let mut h = harness(state_with_results(), egui::vec2(1280.0, 800.0));
        let before: Vec<egui::Rect> = h
            .get_all_by_label("not relevant")
            .map(|n| n.rect())
            .collect();
        let titles_before: Vec<egui::Rect> = h
            .get_all_by_label("Green Pears")
            .map(|n| n.rect())
            .collect();
        h.state_mut().state.judged.insert(7, 1.0);
        h.state_mut().state.judged.insert(9, 0.0);
        h.run();
        let after: Vec<egui::Rect> = h
            .get_all_by_label("not relevant")
            .map(|n| n.rect())
            .collect();
        let titles_after: Vec<egui::Rect> = h
            .get_all_by_label("Green Pears")
            .map(|n| n.rect())
            .collect();
        assert_eq!(before, after);
        assert_eq!(titles_before, titles_after);
    }

    /// Whether each button labelled `label` is drawn selected, in layout order.
    fn selected(h: &Harness<'_, World>, label: &str) -> Vec<bool> {
        h.get_all_by_label(label)
            .map(|n| n.accesskit_node().toggled() == Some(egui::accesskit::Toggled::True))
            .collect()
    }

    #[test]
    fn relevance_marks_follow_the_evaluation_rule_and_show_imported_grades() {
        let mut h = harness(state_with_results(), egui::vec2(1280.0, 800.0));
        // An imported fractional grade below the threshold 1, and a click's 1.
        h.state_mut().state.judged.insert(7, 0.67);
        h.state_mut().state.judged.insert(9, 1.0);
        h.run();
        // Left: apple, pear; right: pear, apple.
        assert_eq!(selected(&h, "relevant"), [false, true, true, false]);
        assert_eq!(selected(&h, "not relevant"), [true, false, false, true]);
        let note = "grade 0.67 · below the relevance threshold 1";
        assert_eq!(h.query_all_by_label(note).count(), 2);
        // A grade a click writes (1) needs no note.
        assert_eq!(h.query_all_by_label_contains("grade 1 ").count(), 0);
        // The buttons say they replace the imported grade.
        h.get_all_by_label("relevant").next().unwrap().hover();
        h.run();
        assert!(
            h.query_by_label_contains("replaces the imported grade 0.67")
                .is_some()
        );
        assert_eq!(grade_text(2.6666666), "2.67");
        assert_eq!(grade_text(1.0), "1");
    }

    #[test]
    fn suggestion_chips_wrap_inside_a_narrow_window() {
        let mut state = state_with_results();
        state.suggestions = [
            "fruit salad with honey",
            "fruit basket deluxe",
            "fruit fly trap",
            "fruit bowl",
            "fruit juice",
            "fruit cake",
            "fruit knife",
            "fruitwood frame",
        ]
        .iter()
        .map(|text| Suggestion {
            text: text.to_string(),
            weight: 1,
            source: shoplab_engine::search::SuggestionSource::Catalog,
        })
        .collect();
        let width = 420.0;
        let h = harness(state, egui::vec2(width, 480.0));
        let chips: Vec<egui::Rect> = h
            .get_all_by_label_contains("fruit")
            .filter(|n| n.accesskit_node().role() == egui::accesskit::Role::Button)
            .map(|n| n.rect())
            .collect();
        assert_eq!(chips.len(), 8);
        assert!(chips.iter().all(|r| r.right() <= width), "{chips:?}");
        assert!(chips.iter().any(|r| r.top() > chips[0].bottom()), "wraps");
    }

    #[test]
    fn one_match_is_one_matching_item() {
        let mut state = state_with_results();
        state.results = Some((vec![results(vec![hit(7, "Pear", "pear")]); 2], 10));
        let h = harness(state, egui::vec2(1280.0, 800.0));
        assert_eq!(h.query_all_by_label("1 matching item").count(), 2);
    }

    #[test]
    fn long_titles_wrap_between_words_in_a_narrow_window() {
        let mut state = state_with_results();
        if let Some((r, _)) = &mut state.results {
            for side in r.iter_mut().flatten() {
                side.hits[0].title = "Organic Honeycrisp Apples Family Pack".into();
            }
        }
        let mut h = harness(state, egui::vec2(760.0, 480.0));
        h.run();
        let ctx = h.ctx.clone();
        let style = ctx.global_style();
        let fonts_ok = ctx.fonts_mut(|f| {
            let mut job = egui::text::LayoutJob::single_section(
                "Organic Honeycrisp Apples Family Pack".into(),
                egui::TextFormat::simple(
                    egui::TextStyle::Body.resolve(&style),
                    egui::Color32::WHITE,
                ),
            );
            job.wrap = egui::text::TextWrapping {
                max_width: 120.0,
                max_rows: 2,
                break_anywhere: false,
                overflow_character: Some('…'),
            };
            let g = f.layout_job(job);
            let rows: Vec<String> = g
                .rows
                .iter()
                .map(|r| r.glyphs.iter().map(|g| g.chr).collect())
                .collect();
            rows
        });
        assert!(fonts_ok.len() <= 2, "{fonts_ok:?}");
        for row in &fonts_ok {
            let words: Vec<&str> = row.split_whitespace().collect();
            for w in words {
                let w = w.trim_end_matches('…');
                assert!(
                    "Organic Honeycrisp Apples Family Pack"
                        .split(' ')
                        .any(|x| x == w),
                    "a row cut inside a word: {fonts_ok:?}"
                );
            }
        }
        // Both columns' titles are on screen.
        assert!(h.query_all_by_label_contains("Organic").count() >= 2);
    }

    #[test]
    fn a_new_project_forgets_the_old_query_results_and_panels() {
        let mut state = state_with_results();
        state.suggestions = vec![Suggestion {
            text: "fruit salad".into(),
            weight: 3,
            source: shoplab_engine::search::SuggestionSource::Catalog,
        }];
        state.judged.insert(7, 1.0);
        state.min_price = "3".into();
        state.brand = Some("Acme".into());
        state.reset();
        assert!(state.query.is_empty());
        assert!(state.results.is_none() && state.suggestions.is_empty());
        assert!(state.judged.is_empty() && state.eval.is_none());
        assert!(state.min_price.is_empty() && state.brand.is_none());
        // A query given at launch survives the opening of its project only.
        state.type_on_open("red".into());
        state.reset();
        assert_eq!(state.query, "red");
        assert!(state.exact);
        state.reset();
        assert!(state.query.is_empty());
    }
}
