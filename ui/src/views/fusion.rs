//! "Fuse the ticked runs": the Compare view's fusion section. The ticked
//! runs become the members of a fused run (`Project::fuse`, on a background
//! job), whose weights are chosen on the validation split; the answer shows
//! how the weights were chosen and the fusion against each member, paired
//! per shopper with Holm's adjustment across the members.

use eframe::egui::{self, RichText};
use shoplab_engine::ab::AbReport;
use shoplab_engine::recommend::fusion::{FusionMethod, FusionParams, Normalise, Tuning};
use shoplab_engine::run::RunRecord;

use super::ViewCtx;
use super::compare::Identities;
use crate::command::Command;
use crate::job::JobKind;

/// The fusion section's state.
#[derive(Debug)]
pub struct FusionState {
    /// How scores are combined.
    pub method: FusionMethod,
    /// How each member's scores are scaled.
    pub normalise: Normalise,
    /// How weights are searched (weighted and RRF).
    pub tuning: Tuning,
    /// The last fused run and its comparison with each member.
    pub result: Option<(RunRecord, Vec<AbReport>)>,
    /// Why the last fusion failed.
    pub error: Option<String>,
}

impl Default for FusionState {
    fn default() -> Self {
        FusionState {
            method: FusionMethod::Weighted,
            normalise: Normalise::MinMax,
            tuning: Tuning::Grid,
            result: None,
            error: None,
        }
    }
}

impl FusionState {
    /// The fusion was built and compared.
    pub fn loaded(&mut self, run: RunRecord, against: Vec<AbReport>) {
        self.result = Some((run, against));
        self.error = None;
    }

    /// The fusion failed; the message names the run and what to do.
    pub fn failed(&mut self, message: String) {
        self.error = Some(message);
    }

    /// The spec for `members` from the chosen options.
    pub fn params(&self, members: Vec<String>) -> FusionParams {
        let tunable = matches!(self.method, FusionMethod::Weighted | FusionMethod::Rrf);
        FusionParams {
            members,
            method: self.method,
            normalise: self.normalise,
            tuning: Some(if tunable { self.tuning } else { Tuning::None }),
            ..FusionParams::default()
        }
    }
}

fn method_name(m: FusionMethod, ctx: &ViewCtx<'_>) -> &'static str {
    match m {
        FusionMethod::CombSum => ctx.t("CombSUM (equal weights)"),
        FusionMethod::CombMnz => ctx.t("CombMNZ (rewards agreement)"),
        FusionMethod::Weighted => ctx.t("Weighted sum"),
        FusionMethod::Rrf => ctx.t("Reciprocal rank fusion"),
        FusionMethod::Stacking => ctx.t("Stacking (a learnt re-ranker)"),
    }
}

fn normalise_name(n: Normalise, ctx: &ViewCtx<'_>) -> &'static str {
    match n {
        Normalise::MinMax => ctx.t("min-max"),
        Normalise::ZScore => ctx.t("z-score"),
        Normalise::Rank => ctx.t("rank (Borda)"),
    }
}

fn tuning_name(t: Tuning, ctx: &ViewCtx<'_>) -> &'static str {
    match t {
        Tuning::None => ctx.t("equal weights"),
        Tuning::Grid => ctx.t("grid search"),
        Tuning::Random => ctx.t("random search"),
        Tuning::Tpe => ctx.t("TPE (model-based)"),
    }
}

/// Draws the section for the ticked runs (`runs`, in the table's order).
pub fn ui(
    ui: &mut egui::Ui,
    state: &mut FusionState,
    runs: &[RunRecord],
    who: &Identities,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    ui.horizontal_wrapped(|ui| {
        ui.label(t(
            "Combines the ticked runs into one ranking; the weights are chosen on the validation split, never on the test split, and the fusion is then tested against each member.",
        ));
        super::explain_button(ui, ctx.lang, "fusion", out);
    });
    if runs.len() < 2 {
        ui.label(RichText::new(t("Tick at least two runs to fuse them.")).weak());
        return;
    }
    let busy = ctx.busy(JobKind::Fuse);
    ui.horizontal_wrapped(|ui| {
        ui.label(t("Method"));
        egui::ComboBox::from_id_salt("fusion_method")
            .selected_text(method_name(state.method, ctx))
            .show_ui(ui, |ui| {
                for m in [
                    FusionMethod::Weighted,
                    FusionMethod::CombSum,
                    FusionMethod::CombMnz,
                    FusionMethod::Rrf,
                    FusionMethod::Stacking,
                ] {
                    ui.selectable_value(&mut state.method, m, method_name(m, ctx));
                }
            });
        if !matches!(state.method, FusionMethod::Rrf | FusionMethod::Stacking) {
            ui.label(t("Scale"));
            egui::ComboBox::from_id_salt("fusion_normalise")
                .selected_text(normalise_name(state.normalise, ctx))
                .show_ui(ui, |ui| {
                    for n in [Normalise::MinMax, Normalise::ZScore, Normalise::Rank] {
                        ui.selectable_value(&mut state.normalise, n, normalise_name(n, ctx));
                    }
                });
        }
        if matches!(state.method, FusionMethod::Weighted | FusionMethod::Rrf) {
            ui.label(t("Weights"));
            egui::ComboBox::from_id_salt("fusion_tuning")
                .selected_text(tuning_name(state.tuning, ctx))
                .show_ui(ui, |ui| {
                    for x in [Tuning::Grid, Tuning::Random, Tuning::Tpe, Tuning::None] {
                        ui.selectable_value(&mut state.tuning, x, tuning_name(x, ctx));
                    }
                });
        }
        let button = ui.add_enabled(!busy, egui::Button::new(t("Fuse the ticked runs")));
        if button.clicked() {
            let members = runs.iter().map(|r| r.id.clone()).collect();
            out.push(Command::Fuse(Box::new(state.params(members))));
        }
        if busy {
            ui.spinner();
        }
    });
    if let Some(e) = &state.error {
        ui.colored_label(ui.visuals().warn_fg_color, e);
    }
    let Some((run, against)) = &state.result else {
        return;
    };
    ui.add_space(4.0);
    ui.strong(format!("{} {}", t("Fused run:"), run.name));
    if let Some(f) = &run.fusion {
        let names: Vec<String> = (0..f.members.len())
            .map(|i| {
                f.member_names
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| f.members[i].clone())
            })
            .collect();
        let weights: Vec<String> = names
            .iter()
            .zip(&f.weights)
            .map(|(n, w)| format!("{n} {w:.2}"))
            .collect();
        if f.meta_model.is_empty() {
            ui.label(format!("{} {}", t("Weights:"), weights.join(", ")));
        } else {
            let coef: Vec<String> = f
                .meta_model
                .iter()
                .map(|(name, c)| format!("{name} {c:+.2}"))
                .collect();
            ui.label(format!(
                "{} {}",
                t("Meta-model coefficients (standardised features):"),
                coef.join(", ")
            ));
        }
        if f.tuned_on == "validation" {
            let alone: Vec<String> = names
                .iter()
                .zip(&f.members_validation_ndcg)
                .map(|(n, v)| format!("{n} {v:.4}"))
                .collect();
            ui.label(format!(
                "{} {} ({} {}, {} {}): {} {:.4}; {} {}",
                t("Chosen on the validation split by"),
                tuning_name(tuning_of(&f.chosen_by), ctx),
                f.trials.len(),
                t("weightings tried"),
                f.validation_users,
                t("shoppers"),
                t("validation NDCG@10 of the fusion"),
                f.validation_ndcg,
                t("each member alone:"),
                alone.join(", ")
            ));
        }
    }
    let Some(first) = against.first() else {
        return;
    };
    ui.label(format!(
        "{} ({} {}; {})",
        t("On the test split, against each member"),
        first.shoppers,
        t("shoppers paired"),
        t("p-values adjusted across the members (Holm)")
    ));
    egui::ScrollArea::horizontal()
        .id_salt("fusion_scroll")
        .show(ui, |ui| {
            egui::Grid::new("fusion_grid").striped(true).show(ui, |ui| {
                for h in [
                    "Member",
                    "Metric",
                    "Member alone",
                    "Fusion",
                    "Difference [95% interval]",
                    "Lift",
                    "p (Holm)",
                    "Wins / ties / losses",
                    "Verdict",
                ] {
                    ui.strong(t(h));
                }
                ui.end_row();
                for r in against {
                    let Some(cells) = r.overall().first() else {
                        continue;
                    };
                    for c in cells {
                        super::ab::row(
                            ui,
                            &who.label(&r.baseline.id),
                            who.color(&r.baseline.id),
                            c,
                            r.options.tests.permutations,
                            ctx,
                        );
                    }
                }
            });
        });
}

fn tuning_of(chosen_by: &str) -> Tuning {
    match chosen_by {
        "grid" => Tuning::Grid,
        "random" => Tuning::Random,
        "tpe" => Tuning::Tpe,
        _ => Tuning::None,
    }
}
