//! Per-shopper drill-down: a run's evaluated shoppers with their metric
//! values (the run's per_user.csv, loaded by a background job), worst first,
//! each a link to that shopper's Recommend view. Reusable: other views show
//! the panel or just a link through [`shopper_link`].

use eframe::egui::{self, RichText};
use shoplab_engine::recommend::per_user::PerUser;
use shoplab_engine::run::RunRecord;

use super::{ViewCtx, value};
use crate::command::Command;
use crate::words;

/// The metric the list is sorted by unless the person picks another.
pub const DEFAULT_METRIC: &str = "ndcg@10";

/// State of a per-user panel.
#[derive(Debug, Default)]
pub struct PerUserState {
    /// The run whose shoppers are listed (None: the newest run).
    pub run: Option<String>,
    /// The metric column shown and sorted by (empty: [`DEFAULT_METRIC`] or the first).
    pub metric: String,
    /// Best first instead of worst first.
    pub best_first: bool,
    /// The loaded table (of `run`, once the job answers).
    pub table: Option<PerUser>,
    /// The run being loaded.
    pub loading: Option<String>,
    /// Why the last load failed.
    pub error: Option<String>,
    /// Row order for (metric column, best_first), kept until they change.
    order: Option<(usize, bool, Vec<usize>)>,
}

impl PerUserState {
    /// Forgets everything of the project.
    pub fn reset(&mut self) {
        *self = PerUserState::default();
    }

    /// Lists `run`'s shoppers by `metric`, worst first.
    pub fn show(&mut self, run: &str, metric: &str) {
        if self.run.as_deref() != Some(run) {
            self.error = None;
        }
        self.run = Some(run.to_string());
        self.metric = metric.to_string();
        self.best_first = false;
    }

    /// Takes a loaded table; an answer for a run no longer shown is dropped.
    pub fn loaded(&mut self, table: PerUser) {
        if self.loading.as_deref() == Some(table.run.as_str()) {
            self.loading = None;
        }
        if self.run.as_deref().is_none_or(|r| r == table.run) {
            self.error = None;
            self.order = None;
            self.table = Some(table);
        }
    }

    /// The load failed.
    pub fn failed(&mut self, error: String) {
        self.loading = None;
        self.error = Some(error);
    }

    fn column(&self, table: &PerUser) -> Option<usize> {
        table
            .column(&self.metric)
            .or_else(|| table.column(DEFAULT_METRIC))
            .or_else(|| table.columns.iter().position(|c| c.contains('@')))
            .or(if table.columns.is_empty() {
                None
            } else {
                Some(0)
            })
    }

    /// Rows in display order: by the metric, worst first (ties by shopper id).
    pub fn sorted(&mut self) -> &[usize] {
        let Some(table) = &self.table else {
            return &[];
        };
        let Some(col) = self.column(table) else {
            return &[];
        };
        let fresh = self
            .order
            .as_ref()
            .is_some_and(|(c, b, _)| *c == col && *b == self.best_first);
        if !fresh {
            let mut idx: Vec<usize> = (0..table.rows.len()).collect();
            idx.sort_by(|&a, &b| {
                let (x, y) = (&table.rows[a], &table.rows[b]);
                let by = x.values[col].total_cmp(&y.values[col]);
                let by = if self.best_first { by.reverse() } else { by };
                by.then_with(|| x.user.cmp(&y.user))
            });
            self.order = Some((col, self.best_first, idx));
        }
        self.order.as_ref().map_or(&[], |(_, _, o)| o.as_slice())
    }
}

/// A link to a shopper's Recommend view (with the runs already ticked there).
pub fn shopper_link(ui: &mut egui::Ui, user: &str, out: &mut Vec<Command>) -> egui::Response {
    shopper_link_runs(ui, user, &[], out)
}

/// A link to a shopper's Recommend view with these runs' lists.
pub fn shopper_link_runs(
    ui: &mut egui::Ui,
    user: &str,
    runs: &[String],
    out: &mut Vec<Command>,
) -> egui::Response {
    let r = ui.link(user);
    if r.clicked() {
        out.push(Command::RecommendFor {
            user: user.to_string(),
            runs: runs.to_vec(),
        });
    }
    r
}

/// A button for a shopper shown elsewhere (the Data view's timeline):
/// "Recommendations for this shopper", opening their Recommend view.
pub fn recommend_button(
    ui: &mut egui::Ui,
    lang: crate::i18n::Lang,
    user: &str,
    out: &mut Vec<Command>,
) -> egui::Response {
    let r = ui.button(crate::i18n::tr(lang, "Recommendations for this shopper"));
    if r.clicked() {
        out.push(Command::RecommendFor {
            user: user.to_string(),
            runs: Vec::new(),
        });
    }
    r
}

/// A button beside a run's metric (Compare): "Shoppers by this metric",
/// worst first, on the Recommend view.
pub fn shoppers_button(
    ui: &mut egui::Ui,
    lang: crate::i18n::Lang,
    run: &str,
    metric: &str,
    out: &mut Vec<Command>,
) -> egui::Response {
    let r = ui
        .small_button(crate::i18n::tr(lang, "Shoppers by this metric"))
        .on_hover_text(crate::i18n::tr(
            lang,
            "Each shopper's value of this metric for this run, worst first; click one to see their lists",
        ));
    if r.clicked() {
        out.push(Command::ShowShoppers {
            run: run.to_string(),
            metric: metric.to_string(),
        });
    }
    r
}

/// A link from a run's metric (e.g. a Compare cell) to its shoppers sorted
/// by that metric, worst first, on the Recommend view.
pub fn shoppers_link(
    ui: &mut egui::Ui,
    text: impl Into<egui::WidgetText>,
    run: &str,
    metric: &str,
    out: &mut Vec<Command>,
) -> egui::Response {
    let r = ui.link(text);
    if r.clicked() {
        out.push(Command::ShowShoppers {
            run: run.to_string(),
            metric: metric.to_string(),
        });
    }
    r
}

/// Draws the panel for one of `runs` (the project's, oldest first) with
/// their labels; asks for the table when the run changes.
pub fn panel(
    ui: &mut egui::Ui,
    state: &mut PerUserState,
    runs: &[(&RunRecord, &str)],
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    let lang = ctx.lang;
    let Some(newest) = runs.last() else {
        return;
    };
    let run_id = match &state.run {
        Some(id) if runs.iter().any(|(r, _)| &r.id == id) => id.clone(),
        _ => {
            state.run = Some(newest.0.id.clone());
            newest.0.id.clone()
        }
    };
    let shown = state.table.as_ref().is_some_and(|t| t.run == run_id);
    if !shown && state.loading.is_none() && state.error.is_none() {
        state.loading = Some(run_id.clone());
        out.push(Command::LoadPerUser(run_id.clone()));
    }
    let label_of = |id: &str| {
        runs.iter()
            .find(|(r, _)| r.id == id)
            .map_or(id.to_string(), |(_, l)| (*l).to_string())
    };
    let metric = state
        .table
        .as_ref()
        .filter(|_| shown)
        .and_then(|tb| state.column(tb).map(|c| tb.columns[c].clone()))
        .unwrap_or_else(|| DEFAULT_METRIC.to_string());
    ui.label(
        RichText::new(format!(
            "{} {} · {}",
            t("Shoppers of run"),
            label_of(&run_id),
            words::header(lang, &metric)
        ))
        .strong(),
    );
    ui.horizontal_wrapped(|ui| {
        let label = ui.label(t("Run to list"));
        let mut chosen = run_id.clone();
        egui::ComboBox::from_id_salt("per_user_run")
            .selected_text(label_of(&run_id))
            .width(180.0)
            .show_ui(ui, |ui| {
                for (r, l) in runs.iter().rev() {
                    ui.selectable_value(&mut chosen, r.id.clone(), *l);
                }
            })
            .response
            .labelled_by(label.id);
        if chosen != run_id {
            state.run = Some(chosen);
            state.error = None;
        }
        if let Some(table) = state.table.as_ref().filter(|_| shown) {
            let label = ui.label(t("Sorted by"));
            let mut m = metric.clone();
            egui::ComboBox::from_id_salt("per_user_metric")
                .selected_text(words::header(lang, &metric))
                .show_ui(ui, |ui| {
                    for c in &table.columns {
                        ui.selectable_value(&mut m, c.clone(), words::header(lang, c));
                    }
                })
                .response
                .labelled_by(label.id);
            if m != metric {
                state.metric = m;
            }
            let order = if state.best_first {
                t("best first")
            } else {
                t("worst first")
            };
            if ui
                .button(order)
                .on_hover_text(t("Change the order"))
                .clicked()
            {
                state.best_first = !state.best_first;
            }
        }
    });
    if let Some(e) = &state.error {
        ui.colored_label(ui.visuals().error_fg_color, e);
        if ui.button(t("Read again")).clicked() {
            state.error = None;
        }
        return;
    }
    if !shown {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(t("Reading the run's shoppers…"));
        });
        return;
    }
    let order = state.sorted().to_vec();
    let Some(table) = &state.table else { return };
    let Some(col) = state.column(table) else {
        ui.label(t("This run recorded no per-shopper values."));
        return;
    };
    // Compare counts the shoppers in the means; cold shoppers reported
    // apart are listed here too, so say how many there are of each.
    let cold = table.rows.iter().filter(|r| r.cold).count();
    let count = if cold > 0 {
        format!(
            "{} {} · {cold} {}",
            table.rows.len() - cold,
            t("shoppers with training events"),
            t("cold shoppers (no training events)")
        )
    } else {
        format!("{} {}", table.rows.len(), t("shoppers evaluated"))
    };
    ui.label(
        RichText::new(format!(
            "{count} · {}",
            t("click a shopper to see their lists")
        ))
        .weak(),
    );
    if let Some(n) = runs
        .iter()
        .find(|(r, _)| r.id == table.run)
        .and_then(|(r, _)| r.spec.eval.sampled_negatives)
    {
        ui.label(
            RichText::new(
                t("Sampled run: each test item was ranked against {n} sampled items only, not the whole catalogue (optimistic values).")
                    .replace("{n}", &n.to_string()),
            )
            .weak(),
        );
    }
    let runs_for_link = vec![run_id.clone()];
    let row_h = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    egui::ScrollArea::vertical()
        .id_salt("per_user_rows")
        .auto_shrink([false, false])
        .show_rows(ui, row_h, order.len(), |ui, range| {
            for &i in &order[range] {
                let r = &table.rows[i];
                ui.horizontal(|ui| {
                    ui.add_sized(
                        [64.0, row_h],
                        egui::Label::new(RichText::new(value(Some(r.values[col]))).monospace()),
                    );
                    shopper_link_runs(ui, &r.user, &runs_for_link, out).on_hover_text(format!(
                        "{} {}",
                        r.n_test,
                        t("held-out items")
                    ));
                    if r.cold {
                        ui.label(RichText::new(t("no training events (cold)")).weak());
                    }
                    if r.no_signal {
                        ui.label(RichText::new(t("all scores equal")).weak());
                    } else if r.tie_decided {
                        ui.label(RichText::new(t("tie order counts")).weak())
                            .on_hover_text(t(
                                "a held-out item tied another item's score inside the list or at its cut; the value shown follows the run's tie rule",
                            ));
                    }
                });
            }
        });
}
