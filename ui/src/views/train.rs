//! Train / Evaluate: pick a model and its parameters (each explained, with
//! its default), the split and the metrics; run in the background with a
//! progress bar, time left, live metric curves and a Cancel button.
//!
//! Parameters are edited through the spec's JSON form, so every model the
//! engine gains appears here with no new UI code: the run spec the CLI, the
//! GUI and saved runs share is the only source of truth.

use eframe::egui::{self, RichText};
use serde_json::Value;
use shoplab_datasets::EventKind;
use shoplab_engine::DeviceChoice;
use shoplab_engine::evaluate::{ColdShoppers, EvalOptions, TieBreak};
use shoplab_engine::recommend::{ModelSpec, learned_param_docs};
use shoplab_engine::run::{RunSpec, default_kinds};
use shoplab_engine::split::SplitSpec;

use super::{ViewCtx, explain_button, train_result};
use crate::command::Command;
use crate::i18n::Lang;
use crate::job::{CurveAxis, Curves, JobKind};

/// Choices of text parameters that are enums in the engine (the learned
/// models' are `shoplab-models`' serde enums; a test checks that every
/// choice is accepted by each model that has the parameter, and nothing else).
const CHOICES: &[(&str, &[&str])] = &[
    ("score", &["confidence", "lift"]),
    ("optimizer", &["adam", "adamw", "sgd"]),
    ("lr_schedule", &["constant", "cosine", "step"]),
    // GRU4Rec and SASRec.
    ("loss_type", &["ce", "bpr"]),
    ("examples", &["windows", "prefixes"]),
    // SASRec.
    ("hidden_act", &["gelu", "relu", "swish", "tanh", "sigmoid"]),
];

/// The devices the form offers (`cuda:N` for another GPU is a spec file's
/// or the CLI's business).
const DEVICES: [DeviceChoice; 4] = [
    DeviceChoice::Auto,
    DeviceChoice::Cpu,
    DeviceChoice::Cuda(0),
    DeviceChoice::Metal,
];

/// The validation share the form offers a learned model that has none.
pub const SUGGESTED_VALID_FRACTION: f64 = 0.1;

/// A parameter's plain name and one-line explanation (the words tables,
/// checked against the engine); a learned model's settings have their own.
fn param_words(name: &str, lang: Lang, learned: bool) -> Option<crate::words::Plain> {
    if learned {
        crate::words::learned_param_plain(lang, name)
    } else {
        crate::words::param_plain(lang, name)
    }
}

/// A parameter's one-line explanation.
fn explain_param(name: &str, lang: Lang, learned: bool) -> &'static str {
    param_words(name, lang, learned).map_or("", |p| p.meaning)
}

/// Every model with default parameters, in display order: the baselines,
/// then the learned models (trained in epochs).
fn models() -> Vec<ModelSpec> {
    let mut all = ModelSpec::all_defaults();
    all.push(ModelSpec::Content(Default::default()));
    all.extend(ModelSpec::learned_defaults());
    all
}

/// Whether the model spec as entered names a learned model.
fn is_learned(model: &Value) -> bool {
    model
        .get("model")
        .and_then(Value::as_str)
        .is_some_and(crate::words::is_learned_model)
}

/// The split's validation share as entered (0 when unreadable).
fn valid_fraction(split: &Value) -> f64 {
    split
        .get("valid_fraction")
        .and_then(Value::as_f64)
        .unwrap_or(0.0)
}

/// Train view state.
pub struct TrainState {
    /// The model's spec as JSON (edited field by field).
    pub model: Value,
    /// The split's spec as JSON.
    pub split: Value,
    /// Cut-offs as typed, e.g. "5, 10, 20".
    pub ks: String,
    /// Exclude training items from the ranked lists.
    pub exclude_train: bool,
    /// What ranks shoppers with no training events.
    pub cold_shoppers: ColdShoppers,
    /// Order of tied scores.
    pub tie_break: TieBreak,
    /// Sampled negatives as typed (empty: full ranking).
    pub negatives: String,
    /// Event kinds counted as interactions.
    pub kinds: Vec<EventKind>,
    /// Run name (empty: the model's name).
    pub name: String,
    /// Where a learned model trains (baselines always use the CPU).
    pub device: DeviceChoice,
    /// Why the spec as entered is not valid.
    pub invalid: Option<String>,
    /// Curves the last training collected (set when its job ends).
    pub last_curves: Curves,
    /// The run `last_curves` belong to: none while a run goes and after one
    /// that failed or was cancelled, so its curves never show under an
    /// earlier run's results.
    pub curves_of: Option<String>,
    /// Id of the last recorded run.
    pub last_run: Option<String>,
    /// Error of the last training, if it failed (cleared when the next starts).
    pub last_error: Option<String>,
    /// "Train and evaluate" was pressed and its job has not ended: the
    /// button stays disabled from the click on, before the job appears.
    pub starting: bool,
}

impl Default for TrainState {
    fn default() -> Self {
        let spec = RunSpec::default();
        let eval = EvalOptions::default();
        TrainState {
            model: serde_json::to_value(&spec.model).unwrap_or(Value::Null),
            split: serde_json::to_value(&spec.split).unwrap_or(Value::Null),
            ks: eval
                .ks
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            exclude_train: eval.exclude_train,
            cold_shoppers: eval.cold_shoppers,
            tie_break: eval.tie_break,
            negatives: String::new(),
            kinds: default_kinds(),
            name: String::new(),
            device: DeviceChoice::default(),
            invalid: None,
            last_curves: Curves::new(),
            curves_of: None,
            last_run: None,
            last_error: None,
            starting: false,
        }
    }
}

impl TrainState {
    /// The run spec as entered, or what is wrong with it.
    pub fn spec(&self) -> Result<RunSpec, String> {
        let model: ModelSpec =
            serde_json::from_value(self.model.clone()).map_err(|e| format!("model: {e}"))?;
        let split: SplitSpec =
            serde_json::from_value(self.split.clone()).map_err(|e| format!("split: {e}"))?;
        let ks = self
            .ks
            .split([',', ' '])
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|&k| k > 0)
                    .ok_or_else(|| format!("cut-off '{s}' is not a whole number above 0"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if ks.is_empty() {
            return Err("give at least one cut-off K, e.g. 10".into());
        }
        let sampled_negatives =
            match self.negatives.trim() {
                "" => None,
                s => Some(s.parse::<usize>().ok().filter(|&n| n > 0).ok_or_else(|| {
                    format!("sampled negatives '{s}' is not a whole number above 0")
                })?),
            };
        if self.kinds.is_empty() {
            return Err("tick at least one event kind".into());
        }
        let eval = EvalOptions {
            ks,
            exclude_train: self.exclude_train,
            sampled_negatives,
            cold_shoppers: self.cold_shoppers,
            tie_break: self.tie_break,
            ..EvalOptions::default()
        };
        eval.validate().map_err(|e| e.to_string())?;
        // A baseline's spec keeps the default device: it never uses one.
        let device = if model.is_learned() {
            self.device
        } else {
            DeviceChoice::default()
        };
        Ok(RunSpec {
            device,
            name: Some(self.name.trim().to_string()).filter(|n| !n.is_empty()),
            model,
            split,
            kinds: self.kinds.clone(),
            eval,
            ..RunSpec::default()
        })
    }

    /// Forgets what belongs to the project (its runs, curves, errors); the
    /// form's choices stay.
    pub fn reset(&mut self) {
        self.last_curves.clear();
        self.curves_of = None;
        self.last_run = None;
        self.last_error = None;
        self.starting = false;
    }

    /// A training job started: the previous run's error and curves go.
    pub fn run_started(&mut self) {
        self.starting = true;
        self.curves_of = None;
        self.last_error = None;
    }

    /// A run was recorded (its job's curves are already in `last_curves`).
    pub fn run_recorded(&mut self, id: &str) {
        self.last_run = Some(id.to_string());
        self.curves_of = Some(id.to_string());
        self.last_error = None;
    }

    /// The curves collected by the run shown as the last one, if any.
    pub fn curves_of_last_run(&self) -> Option<&Curves> {
        (self.curves_of.is_some() && self.curves_of == self.last_run).then_some(&self.last_curves)
    }

    /// Whether the model as entered is a learned one (trained in epochs).
    pub fn is_learned(&self) -> bool {
        is_learned(&self.model)
    }

    /// Whether to say that a learned model without a validation share
    /// trains all its epochs and draws no validation curve.
    pub fn needs_validation_hint(&self) -> bool {
        self.is_learned() && valid_fraction(&self.split) <= 0.0
    }

    /// Holds out [`SUGGESTED_VALID_FRACTION`] of the training events for validation.
    pub fn use_suggested_validation(&mut self) {
        if let Some(o) = self.split.as_object_mut() {
            o.insert(
                "valid_fraction".into(),
                Value::from(SUGGESTED_VALID_FRACTION),
            );
        }
    }

    /// Selects a model by name, with its default parameters.
    pub fn select_model(&mut self, name: &str) {
        if let Some(m) = models().into_iter().find(|m| m.name() == name) {
            self.model = serde_json::to_value(&m).unwrap_or(Value::Null);
        }
    }
}

fn split_defaults() -> Vec<(&'static str, SplitSpec)> {
    let temporal = SplitSpec::default();
    let llo: SplitSpec = serde_json::from_str(r#"{"method":"leave_last_out"}"#).unwrap_or_default();
    let random: SplitSpec = serde_json::from_str(r#"{"method":"random"}"#).unwrap_or_default();
    vec![
        ("temporal", temporal),
        ("leave_last_out", llo),
        ("random", random),
    ]
}

/// The split fields the form does not offer: the method (chosen by the
/// radio buttons) and the seed of splits that use no randomness (the by-time
/// and leave-last-out splits record one, but nothing in them is random).
fn split_form_skips(split: &Value) -> Vec<&'static str> {
    let random = serde_json::from_value::<SplitSpec>(split.clone())
        .is_ok_and(|s| matches!(s, SplitSpec::Random { .. }));
    if random {
        vec!["method"]
    } else {
        vec!["method", "seed"]
    }
}

/// What the right side says before any run.
fn idle_hint(ctx: &ViewCtx<'_>) -> &'static str {
    ctx.t("Pick a model and press Train. Runs are saved in the project and appear on Compare.")
}

/// Draws the Train view.
pub fn ui(ui: &mut egui::Ui, state: &mut TrainState, ctx: &ViewCtx<'_>, out: &mut Vec<Command>) {
    let Some(project) = ctx.project else {
        super::no_project(ui, ctx.lang);
        return;
    };
    let t = |s| ctx.t(s);
    let running = ctx.job(JobKind::Train);
    let locked = running.is_some() || state.starting;
    egui::Panel::left("train_form")
        .resizable(true)
        .default_size(420.0)
        .min_size(260.0)
        .show(ui, |ui| {
            egui::Panel::bottom("train_actions").show(ui, |ui| {
                ui.add_enabled_ui(!locked, |ui| actions(ui, state, ctx, out));
            });
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.add_enabled_ui(!locked, |ui| form(ui, state, ctx, out));
            });
        });

    // Right side: progress, curves, last result; it scrolls (the live
    // chart ran past the bottom of a 1280x800 window).
    egui::ScrollArea::vertical()
        .id_salt("train_result")
        .show(ui, |ui| {
            if let Some((job, js)) = &running {
                ui.heading(&job.title);
                ui.label(format!("{}: {}", t("Stage"), js.stage));
                if let Some(f) = js.fraction() {
                    ui.add(egui::ProgressBar::new(f).show_percentage().animate(true));
                } else {
                    ui.spinner();
                }
                let mut line = format!(
                    "{} {:.1} s",
                    t("Elapsed"),
                    job.started.elapsed().as_secs_f64()
                );
                if let Some(left) = js.remaining_seconds() {
                    line.push_str(&format!(" · {} ~{left:.0} s", t("remaining in this stage")));
                }
                ui.label(line);
                if ui.button(RichText::new(t("Cancel")).strong()).clicked() {
                    out.push(Command::CancelTraining);
                }
                train_result::curves(ui, &js.curves, false, &job.title, ctx);
            } else {
                if let Some(e) = &state.last_error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                if let Some(run) = state.last_run.as_ref().and_then(|id| project.run(id)) {
                    ui.heading(format!("{} {}", t("Last run:"), run.name));
                    train_result::training_summary(ui, run, ctx);
                    train_result::run_tables(ui, run, ctx, out);
                    if ui.button(t("Compare with other runs")).clicked() {
                        out.push(Command::Show(crate::app::View::Compare));
                    }
                    ui.label(super::protocol_line(run, ctx));
                    // The live points, or what the run recorded when they
                    // are gone (the project was reopened, the CLI trained it).
                    let mut shown = state.curves_of_last_run().cloned().unwrap_or_default();
                    if !shown.values().any(|c| c.axis == CurveAxis::Epochs) {
                        shown.extend(train_result::recorded_curves(run));
                    }
                    train_result::curves(ui, &shown, true, &run.id, ctx);
                } else {
                    ui.label(RichText::new(idle_hint(ctx)).weak());
                }
            }
        });
}

fn form(ui: &mut egui::Ui, state: &mut TrainState, ctx: &ViewCtx<'_>, out: &mut Vec<Command>) {
    let t = |s| ctx.t(s);
    let lang = ctx.lang;
    ui.heading(t("Model"));
    let current = state
        .model
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut learned_heading = false;
    for m in models() {
        if m.is_learned() && !learned_heading {
            learned_heading = true;
            ui.add_space(4.0);
            ui.label(RichText::new(t("Learned models (trained in epochs)")).strong());
        }
        ui.horizontal(|ui| {
            let text = crate::words::model(lang, m.name());
            let meaning = crate::words::meaning(lang, m.name()).unwrap_or_default();
            let r = ui.radio(current == m.name(), text).on_hover_text(meaning);
            if r.clicked() && current != m.name() {
                state.select_model(m.name());
            }
            explain_button(ui, lang, m.name(), out);
        });
    }
    let help = help_color(ui);
    if let Some(e) = crate::glossary::entry(&current) {
        ui.add(egui::Label::new(RichText::new(e.what[lang.index()]).color(help)).wrap());
    } else if let Some(meaning) = crate::words::meaning(lang, &current) {
        ui.add(egui::Label::new(RichText::new(meaning).color(help)).wrap());
    }
    let learned = state.is_learned();
    if learned {
        learned_settings(ui, state, ctx);
    }
    ui.add_space(4.0);
    ui.label(RichText::new(t("Parameters")).strong());
    let default_model = models().into_iter().find(|m| m.name() == current);
    let defaults = default_model
        .and_then(|m| serde_json::to_value(m).ok())
        .unwrap_or(Value::Null);
    let docs: Vec<(&'static str, &'static str)> = learned_param_docs(&current)
        .iter()
        .map(|d| (d.name, d.help))
        .collect();
    let form = ParamForm {
        id: "model",
        skip: &["model"],
        learned,
        docs: &docs,
    };
    params(ui, &form, &mut state.model, &defaults, lang);

    ui.separator();
    ui.horizontal(|ui| {
        ui.heading(t("Split"));
        let method = state
            .split
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        explain_button(
            ui,
            lang,
            match method.as_str() {
                "leave_last_out" => "leave_last_out",
                "random" => "random_split",
                _ => "temporal_split",
            },
            out,
        );
    });
    let method = state
        .split
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    ui.horizontal(|ui| {
        for (name, spec) in split_defaults() {
            if ui.radio(method == name, t(split_label(name))).clicked() && method != name {
                state.split = serde_json::to_value(spec).unwrap_or(Value::Null);
            }
        }
    });
    let split_default = split_defaults()
        .into_iter()
        .find(|(n, _)| *n == method)
        .and_then(|(_, s)| serde_json::to_value(s).ok())
        .unwrap_or(Value::Null);
    let skip = split_form_skips(&state.split);
    let form = ParamForm {
        id: "split",
        skip: &skip,
        learned: false,
        docs: &[],
    };
    params(ui, &form, &mut state.split, &split_default, lang);

    ui.separator();
    ui.heading(t("Evaluation"));
    ui.horizontal(|ui| {
        let label = ui.label(t("Cut-offs K"));
        ui.text_edit_singleline(&mut state.ks).labelled_by(label.id);
    });
    ui.horizontal(|ui| {
        ui.checkbox(
            &mut state.exclude_train,
            t("exclude items the shopper already had"),
        );
        explain_button(ui, lang, "exclude_train", out);
    });
    ui.horizontal(|ui| {
        let label = ui.label(t("Shoppers with no training events"));
        let name = |c: ColdShoppers| match c {
            ColdShoppers::Apart => t("ranked by popularity, reported apart"),
            ColdShoppers::Fallback => t("ranked by popularity, in the means"),
            ColdShoppers::Model => t("ranked by the model (tie order decides)"),
        };
        egui::ComboBox::from_id_salt("cold_shoppers")
            .selected_text(name(state.cold_shoppers))
            .show_ui(ui, |ui| {
                for c in [
                    ColdShoppers::Apart,
                    ColdShoppers::Fallback,
                    ColdShoppers::Model,
                ] {
                    ui.selectable_value(&mut state.cold_shoppers, c, name(c));
                }
            })
            .response
            .labelled_by(label.id);
        explain_button(ui, lang, "cold_shoppers", out);
    });
    ui.horizontal(|ui| {
        let label = ui.label(t("Tied scores"));
        let name = |b: TieBreak| match b {
            TieBreak::Popularity => t("more popular item first"),
            TieBreak::ItemIndex => t("catalog order"),
        };
        egui::ComboBox::from_id_salt("tie_break")
            .selected_text(name(state.tie_break))
            .show_ui(ui, |ui| {
                for b in [TieBreak::Popularity, TieBreak::ItemIndex] {
                    ui.selectable_value(&mut state.tie_break, b, name(b));
                }
            })
            .response
            .labelled_by(label.id);
        explain_button(ui, lang, "ties", out);
    });
    ui.horizontal(|ui| {
        let label = ui.label(t("Sampled negatives (empty: full ranking)"));
        ui.add(egui::TextEdit::singleline(&mut state.negatives).desired_width(60.0))
            .labelled_by(label.id);
        explain_button(ui, lang, "sampled_ranking", out);
    });
    ui.label(t("Events that count as interactions"));
    ui.horizontal_wrapped(|ui| {
        for kind in EventKind::ALL {
            let mut on = state.kinds.contains(&kind);
            let text = crate::words::event_kind(lang, kind.as_str());
            if ui
                .checkbox(&mut on, text)
                .on_hover_text(kind.as_str())
                .changed()
            {
                if on {
                    state.kinds.push(kind);
                } else {
                    state.kinds.retain(|k| *k != kind);
                }
            }
        }
    });
}

/// A learned model's device and, when the split has no validation share,
/// what that means and a button to hold one out.
///
/// The share is offered, not set by picking a learned model: it takes
/// events from training, so a silent change would make the learned run
/// train on less than the baselines it is compared with on Compare.
fn learned_settings(ui: &mut egui::Ui, state: &mut TrainState, ctx: &ViewCtx<'_>) {
    let t = |s| ctx.t(s);
    ui.add_space(4.0);
    if state.needs_validation_hint() {
        let warn = ui.visuals().warn_fg_color;
        ui.add(
            egui::Label::new(
                RichText::new(t(
                    "Without a validation share it trains all its epochs, never stops early and draws no validation curve.",
                ))
                .color(warn),
            )
            .wrap(),
        );
        if ui
            .button(t("Hold out 10% of training for validation"))
            .on_hover_text(crate::words::param(ctx.lang, "valid_fraction"))
            .clicked()
        {
            state.use_suggested_validation();
        }
    }
    ui.horizontal(|ui| {
        let label = ui
            .label(RichText::new(t("Train on")).strong())
            .on_hover_text(crate::words::param_plain(ctx.lang, "device").map_or("", |p| p.meaning));
        egui::ComboBox::from_id_salt("train_device")
            .selected_text(state.device.to_string())
            .show_ui(ui, |ui| {
                for d in DEVICES {
                    ui.selectable_value(&mut state.device, d, d.to_string());
                }
            })
            .response
            .labelled_by(label.id);
        ui.label(RichText::new("(device)").monospace().color(help_color(ui)));
    });
}

/// The run's name and the "Train and evaluate" button, kept in view under
/// the form (it was below the fold at 1280x800).
fn actions(ui: &mut egui::Ui, state: &mut TrainState, ctx: &ViewCtx<'_>, out: &mut Vec<Command>) {
    let t = |s| ctx.t(s);
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let label = ui.label(t("Run name"));
        ui.add(egui::TextEdit::singleline(&mut state.name).hint_text(t("optional")))
            .labelled_by(label.id);
    });
    ui.add_space(4.0);
    match state.spec() {
        Ok(spec) => {
            state.invalid = None;
            let r = ui.add_enabled(
                !state.starting,
                egui::Button::new(RichText::new(t("Train and evaluate")).strong().size(16.0)),
            );
            // The second click of a double click never starts a second run,
            // even when the first finished in between (a fast model).
            if r.clicked() && !r.double_clicked() && !r.triple_clicked() && !state.starting {
                state.starting = true;
                out.push(Command::Train(Box::new(spec)));
            }
        }
        Err(e) => {
            ui.colored_label(ui.visuals().error_fg_color, &e);
            state.invalid = Some(e);
        }
    }
}

fn split_label(method: &str) -> &'static str {
    match method {
        "leave_last_out" => "leave last out",
        "random" => "random",
        _ => "by time",
    }
}

/// The colour of help text: the body colour, only slightly weaker, so it
/// reads at normal size on both themes (was small and dim grey).
pub fn help_color(ui: &egui::Ui) -> egui::Color32 {
    help_color_of(ui.visuals())
}

fn help_color_of(v: &egui::Visuals) -> egui::Color32 {
    egui::Color32::from(
        egui::Rgba::from(v.text_color()) * 0.8 + egui::Rgba::from(v.weak_text_color()) * 0.2,
    )
}

/// What [`params`] edits: an id for its widgets, the fields it leaves to
/// other controls, and for a learned model its parameters' docs (order,
/// allowed range) and its own words.
struct ParamForm<'a> {
    id: &'a str,
    skip: &'a [&'a str],
    learned: bool,
    /// (name, help) of each parameter, in spec order (`learned_param_docs`).
    docs: &'a [(&'static str, &'static str)],
}

/// Edits the fields of a JSON object (numbers, optional numbers,
/// booleans, enum strings, lists of numbers), each with its plain name, the
/// identifier as typed in specs, its default, and its explanation below it
/// at body size; a learned model's fields come in its docs' order, with the
/// docs' help (default, allowed range) on hover.
fn params(
    ui: &mut egui::Ui,
    form: &ParamForm<'_>,
    value: &mut Value,
    defaults: &Value,
    lang: Lang,
) {
    let Some(obj) = value.as_object_mut() else {
        return;
    };
    let help = help_color(ui);
    let mut keys: Vec<String> = form
        .docs
        .iter()
        .map(|d| d.0.to_string())
        .filter(|k| obj.contains_key(k))
        .collect();
    let rest: Vec<String> = obj.keys().filter(|k| !keys.contains(k)).cloned().collect();
    keys.extend(rest);
    for name in keys {
        if form.skip.contains(&name.as_str()) {
            continue;
        }
        let Some(v) = obj.get_mut(&name) else {
            continue;
        };
        let default_value = defaults.get(&name);
        let default = default_value.map(|d| match d {
            Value::Null => "–".to_string(),
            // A choice as it is picked (`adam`), not as JSON (`"adam"`).
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        let doc = form.docs.iter().find(|d| d.0 == name).map(|d| d.1);
        let meaning = explain_param(&name, lang, form.learned);
        let mut problem = None;
        ui.horizontal_wrapped(|ui| {
            let plain = param_words(&name, lang, form.learned)
                .map_or_else(|| name.clone(), |p| p.name.to_string());
            let hover = match doc {
                Some(doc) => format!("{meaning}\n{doc}"),
                None => format!(
                    "{meaning}\n{}: {}",
                    crate::i18n::tr(lang, "default"),
                    default.clone().unwrap_or_default()
                ),
            };
            let label = ui
                .label(RichText::new(&plain).strong())
                .on_hover_text(hover);
            if plain != name {
                ui.label(RichText::new(format!("({name})")).monospace().color(help));
            }
            let as_text = form.learned && default_value.is_some_and(|d| d.is_array() || d.is_f64());
            if as_text {
                let id = ui.make_persistent_id((form.id, name.as_str(), "text"));
                let list = default_value.is_some_and(Value::is_array);
                problem = edit_as_text(ui, id, v, label.id, list);
            } else {
                edit_value(ui, (form.id, name.as_str()), &name, v, label.id);
            }
            if let Some(d) = &default {
                ui.label(
                    RichText::new(format!("{} {d}", crate::i18n::tr(lang, "default"))).color(help),
                );
            }
        });
        if let Some(p) = problem {
            ui.colored_label(ui.visuals().error_fg_color, format!("{name}: {p}"));
        }
        if !meaning.is_empty() {
            ui.add(egui::Label::new(RichText::new(meaning).color(help)).wrap());
        }
        ui.add_space(4.0);
    }
}

/// `value` as a person types it: a list as "128, 64", a number as itself.
fn as_typed(value: &Value) -> String {
    match value {
        Value::Array(a) => a
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Reads a typed number (`list` false) or list of whole numbers ("128, 64",
/// "[128, 64]"), or says what is wrong with it.
pub fn parse_typed(text: &str, list: bool) -> Result<Value, String> {
    if !list {
        return text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Value::from)
            .ok_or_else(|| format!("'{}' is not a number, e.g. 0.001", text.trim()));
    }
    let inner = text.trim().trim_start_matches('[').trim_end_matches(']');
    let items = inner
        .split([',', ' '])
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse::<u64>()
                .map(Value::from)
                .map_err(|_| format!("'{}' is not a whole number; write whole numbers separated by commas, e.g. 128, 64", s.trim()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if items.is_empty() {
        return Err("give at least one whole number, e.g. 128, 64".into());
    }
    Ok(Value::Array(items))
}

/// A number or list edited as text: the text stays as typed while it does
/// not parse (the value then holds the text, so the engine refuses the
/// spec with the field's name and the button stays off); returns what is
/// wrong with the text.
fn edit_as_text(
    ui: &mut egui::Ui,
    id: egui::Id,
    v: &mut Value,
    label: egui::Id,
    list: bool,
) -> Option<String> {
    // (text as typed, the value it was typed for): a value changed
    // elsewhere (another model picked) shows afresh.
    let mut buf: (String, Value) = ui.data(|d| d.get_temp(id)).unwrap_or_default();
    if buf.1 != *v {
        buf = (as_typed(v), v.clone());
    }
    let r = ui
        .add(egui::TextEdit::singleline(&mut buf.0).desired_width(if list { 110.0 } else { 80.0 }))
        .labelled_by(label);
    if r.changed() {
        *v = parse_typed(&buf.0, list).unwrap_or_else(|_| Value::String(buf.0.clone()));
        buf.1 = v.clone();
    }
    let problem = parse_typed(&buf.0, list).err();
    ui.data_mut(|d| d.insert_temp(id, buf));
    problem
}

fn edit_value(ui: &mut egui::Ui, id: (&str, &str), name: &str, v: &mut Value, label: egui::Id) {
    match v {
        Value::Bool(b) => {
            ui.checkbox(b, "").labelled_by(label);
        }
        Value::Number(n) if n.is_u64() => {
            let mut x = n.as_u64().unwrap_or(0);
            if ui
                .add(egui::DragValue::new(&mut x).speed(1.0))
                .labelled_by(label)
                .changed()
            {
                *v = Value::from(x);
            }
        }
        Value::Number(n) => {
            let mut x = n.as_f64().unwrap_or(0.0);
            let speed = if x.abs() < 1.0 { 0.01 } else { 1.0 };
            if ui
                .add(egui::DragValue::new(&mut x).speed(speed))
                .labelled_by(label)
                .changed()
            {
                *v = Value::from(x);
            }
        }
        Value::String(s) => {
            let choices = CHOICES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c);
            match choices {
                Some(choices) => {
                    egui::ComboBox::from_id_salt(id)
                        .selected_text(s.as_str())
                        .show_ui(ui, |ui| {
                            for c in choices {
                                if ui.selectable_label(s == c, *c).clicked() {
                                    *s = (*c).to_string();
                                }
                            }
                        })
                        .response
                        .labelled_by(label);
                }
                None => {
                    ui.text_edit_singleline(s).labelled_by(label);
                }
            }
        }
        Value::Null => {
            // An optional number: empty means "not set".
            let mut text = String::new();
            if ui
                .add(
                    egui::TextEdit::singleline(&mut text)
                        .hint_text("–")
                        .desired_width(80.0),
                )
                .labelled_by(label)
                .changed()
                && let Ok(x) = text.trim().parse::<f64>()
            {
                *v = Value::from(x);
            }
        }
        _ => {
            ui.label(v.to_string());
        }
    }
    if matches!(v, Value::Number(_)) && name.ends_with("_days") && ui.small_button("x").clicked() {
        *v = Value::Null;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_form_gives_the_default_run_spec() {
        let s = TrainState::default();
        let spec = s.spec().unwrap();
        assert_eq!(spec.model, RunSpec::default().model);
        assert_eq!(spec.split, RunSpec::default().split);
        assert_eq!(spec.eval.ks, EvalOptions::default().ks);
    }

    #[test]
    fn every_model_round_trips_through_the_form_and_bad_input_is_explained() {
        let mut s = TrainState::default();
        for m in models() {
            s.select_model(m.name());
            assert_eq!(s.spec().unwrap().model, m);
        }
        s.ks = "10, x".into();
        assert!(s.spec().unwrap_err().contains("'x'"));
        s.ks = "10".into();
        s.negatives = "-3".into();
        assert!(s.spec().unwrap_err().contains("negatives"));
        s.negatives.clear();
        s.kinds.clear();
        assert!(s.spec().unwrap_err().contains("event kind"));
    }

    #[test]
    fn help_text_is_nearly_body_coloured_on_both_themes() {
        for visuals in [egui::Visuals::dark(), egui::Visuals::light()] {
            let help = help_color_of(&visuals);
            let lum = |c: egui::Color32| egui::Rgba::from(c).intensity();
            let (body, weak) = (lum(visuals.text_color()), lum(visuals.weak_text_color()));
            // Four fifths of the way from the weak grey to the body colour.
            let h = lum(help);
            assert!(
                (h - body).abs() < (weak - body).abs() * 0.3,
                "{h} {body} {weak}"
            );
        }
    }

    #[test]
    fn every_parameter_of_every_model_and_split_is_explained() {
        let mut names = Vec::new();
        for m in models() {
            if let Value::Object(o) = serde_json::to_value(&m).unwrap() {
                names.extend(
                    o.keys()
                        .filter(|k| *k != "model")
                        .map(|k| (k.clone(), m.is_learned())),
                );
            }
        }
        for (_, s) in split_defaults() {
            if let Value::Object(o) = serde_json::to_value(s).unwrap() {
                names.extend(
                    o.keys()
                        .filter(|k| *k != "method")
                        .map(|k| (k.clone(), false)),
                );
            }
        }
        assert!(names.iter().any(|(n, l)| n == "learning_rate" && *l));
        for (n, learned) in names {
            assert!(
                !explain_param(&n, Lang::En, learned).is_empty(),
                "no explanation for {n}"
            );
            assert!(
                !explain_param(&n, Lang::Zh, learned).is_empty(),
                "no Chinese explanation for {n}"
            );
        }
    }

    #[test]
    fn learned_models_are_offered_after_the_baselines_with_every_choice_the_engine_takes() {
        let names: Vec<&str> = models().iter().map(ModelSpec::name).collect();
        let first_learned = names.iter().position(|n| *n == "bpr").unwrap();
        assert!(names.iter().position(|n| *n == "content").unwrap() < first_learned);
        assert!(names[first_learned..].contains(&"neumf"), "{names:?}");
        let mut s = TrainState::default();
        s.select_model("bpr");
        assert!(s.is_learned());
        let mut checked = 0;
        for m in ModelSpec::learned_defaults() {
            for (param, choices) in CHOICES {
                s.select_model(m.name());
                if s.model.get(*param).is_none() {
                    continue;
                }
                for c in *choices {
                    s.model[*param] = Value::from(*c);
                    assert!(s.spec().is_ok(), "{param}={c}: {:?}", s.spec().err());
                }
                s.model[*param] = Value::from("bogus");
                let e = s.spec().unwrap_err();
                assert!(e.contains(param), "{e}");
                checked += 1;
            }
        }
        assert!(checked >= 4, "optimizer and lr_schedule of bpr and neumf");
    }

    #[test]
    fn a_bad_learned_value_names_the_field_and_its_range_and_lists_are_typed() {
        let mut s = TrainState::default();
        s.select_model("bpr");
        s.model["learning_rate"] = Value::from(-1.0);
        let e = s.spec().unwrap_err();
        assert!(e.contains("learning_rate") && e.contains("above 0"), "{e}");
        assert_eq!(
            parse_typed("128, 64", true),
            Ok(serde_json::json!([128, 64]))
        );
        assert_eq!(
            parse_typed("[32 16]", true),
            Ok(serde_json::json!([32, 16]))
        );
        assert!(parse_typed("128, x", true).unwrap_err().contains("'x'"));
        assert!(parse_typed("", true).is_err());
        assert_eq!(parse_typed(" 0.01 ", false), Ok(Value::from(0.01)));
        assert!(parse_typed("fast", false).is_err());
        // A list that does not parse keeps the button off with the engine's word.
        s.select_model("neumf");
        s.model["mlp_hidden_size"] = Value::from("128, x");
        assert!(s.spec().unwrap_err().contains("mlp_hidden_size"));
    }

    #[test]
    fn a_learned_model_without_a_validation_share_is_offered_one_and_gets_its_device() {
        let mut s = TrainState::default();
        assert!(!s.needs_validation_hint(), "baselines need no validation");
        s.device = DeviceChoice::Cpu;
        assert_eq!(s.spec().unwrap().device, DeviceChoice::default());
        s.select_model("bpr");
        assert!(s.needs_validation_hint());
        s.use_suggested_validation();
        assert!(!s.needs_validation_hint());
        let spec = s.spec().unwrap();
        assert_eq!(spec.split.valid_fraction(), SUGGESTED_VALID_FRACTION);
        assert_eq!(spec.device, DeviceChoice::Cpu);
    }

    #[test]
    fn the_seed_is_offered_only_for_the_split_that_uses_it() {
        for (name, spec) in split_defaults() {
            let v = serde_json::to_value(spec).unwrap();
            assert!(v.get("seed").is_some(), "{name} records a seed");
            let skips = split_form_skips(&v);
            assert_eq!(
                skips.contains(&"seed"),
                name != "random",
                "{name}: {skips:?}"
            );
        }
    }
}
