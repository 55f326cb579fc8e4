//! Learn: every metric, model and protocol explained (formula, what it
//! rewards, pitfalls), reachable from the "?" next to where it is shown.
//! Each entry carries its plain name beside its title, lists the column
//! labels and settings that lead to it, and the search box finds entries by
//! title, plain name or precise name (`p95_us`, `recall@10`, `shrink`).

use eframe::egui::{self, RichText};

use super::ViewCtx;
use crate::command::Command;
use crate::glossary::{ENTRIES, Entry, Kind};
use crate::i18n::Lang;
use crate::words;

/// Learn view state.
#[derive(Debug, Default)]
pub struct LearnState {
    /// The entry shown.
    pub selected: Option<String>,
    /// Search text.
    pub filter: String,
}

/// Whether `e` answers a search for `needle` (lowercase): its title or
/// plain name in either language, its key, or a column label, term or
/// setting that opens it (so `p95_us` finds latency, `shrink` item-kNN).
pub fn matches(e: &Entry, needle: &str) -> bool {
    let needle = needle.trim().to_lowercase();
    if needle.is_empty() {
        return true;
    }
    let has = |s: &str| s.to_lowercase().contains(&needle);
    let plain_has = |key: &str| {
        Lang::ALL
            .into_iter()
            .filter_map(|l| words::plain(l, key))
            .any(|p| has(p.name))
    };
    if has(e.key) || e.title.iter().any(|t| has(t)) || plain_has(e.key) {
        return true;
    }
    // A precise name typed in full (`recall@10`, `data.cold_items`).
    if words::learn_key(&needle) == Some(e.key)
        || crate::glossary::entry(&needle).is_some_and(|g| g.key == e.key)
    {
        return true;
    }
    let terms = words::keys()
        .filter(|(_, learn)| *learn == e.key)
        .any(|(key, _)| has(&key) || plain_has(&key));
    let settings = words::param_keys()
        .filter(|k| words::param_learn_key(k) == Some(e.key))
        .any(|k| {
            has(k)
                || Lang::ALL
                    .into_iter()
                    .filter_map(|l| words::param_plain(l, k))
                    .any(|p| has(p.name))
        });
    terms || settings
}

/// Draws the Learn view.
pub fn ui(ui: &mut egui::Ui, state: &mut LearnState, ctx: &ViewCtx<'_>, _out: &mut Vec<Command>) {
    let t = |s| ctx.t(s);
    let lang = ctx.lang;
    let l = lang.index();
    egui::Panel::left("learn_index")
        .resizable(true)
        .default_size(240.0)
        .show(ui, |ui| {
            let label = ui.label(t("Find"));
            ui.add(
                egui::TextEdit::singleline(&mut state.filter)
                    .hint_text(t("plain or precise name, e.g. p95_us"))
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
            ui.add_space(4.0);
            egui::ScrollArea::vertical().show(ui, |ui| {
                let mut any = false;
                for (kind, heading) in [
                    (Kind::Metric, t("Metrics")),
                    (Kind::Model, t("Models")),
                    (Kind::Concept, t("Evaluation")),
                ] {
                    let shown: Vec<&Entry> = ENTRIES
                        .iter()
                        .filter(|e| e.kind == kind && matches(e, &state.filter))
                        .collect();
                    if shown.is_empty() {
                        continue;
                    }
                    any = true;
                    ui.label(RichText::new(heading).strong());
                    for e in shown {
                        let on = state.selected.as_deref() == Some(e.key);
                        let mut clicked = ui.selectable_label(on, e.title[l]).clicked();
                        if let Some(p) = plain_beside(lang, e) {
                            // Readable, indented under the title, and a click target too.
                            clicked |= ui
                                .horizontal(|ui| {
                                    ui.add_space(8.0);
                                    ui.add(
                                        egui::Label::new(RichText::new(p).size(12.5).weak())
                                            .sense(egui::Sense::click()),
                                    )
                                    .clicked()
                                })
                                .inner;
                        }
                        if clicked {
                            state.selected = Some(e.key.to_string());
                        }
                        ui.add_space(3.0);
                    }
                    ui.add_space(6.0);
                }
                if !any {
                    ui.label(RichText::new(t("No entry matches")).weak());
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
        ui.horizontal_wrapped(|ui| {
            ui.heading(RichText::new(e.title[l]).size(24.0));
            if let Some(p) = plain_beside(lang, e) {
                ui.label(RichText::new(format!("· {p}")).size(18.0).weak());
            }
        });
        ui.label(RichText::new(e.key).monospace().weak());
        if let Some(p) = words::plain(lang, e.key) {
            ui.add_space(4.0);
            ui.label(RichText::new(t("In plain words")).strong());
            ui.label(p.meaning);
        }
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
        shown_as(ui, e, lang, ctx);
    });
}

/// The plain name to show beside an entry's title (none when it would only
/// repeat the title).
fn plain_beside(lang: Lang, e: &Entry) -> Option<&'static str> {
    let p = words::plain(lang, e.key)?.name;
    let title = e.title[lang.index()];
    (!title.to_lowercase().contains(&p.to_lowercase())).then_some(p)
}

/// The column labels, figures and settings that open `e`, each with its
/// plain name and meaning: where a person meets the entry in the app.
fn shown_as(ui: &mut egui::Ui, e: &Entry, lang: Lang, ctx: &ViewCtx<'_>) {
    // A ranking metric is shown with a cut-off: its header at K = 10.
    let is_metric = e.key.parse::<shoplab_engine::metrics::Metric>().is_ok();
    let terms: Vec<String> = words::keys()
        .filter(|(key, learn)| *learn == e.key && (key != e.key || is_metric))
        .map(|(key, _)| if is_metric { format!("{key}@10") } else { key })
        .collect();
    let settings: Vec<&str> = words::param_keys()
        .filter(|k| words::param_learn_key(k) == Some(e.key))
        .collect();
    let precise = |k: &str| k.strip_prefix("data.").unwrap_or(k).to_string();
    for (heading, lines) in [
        (
            ctx.t("Shown as"),
            terms
                .iter()
                .map(|k| {
                    (
                        words::name(lang, k).unwrap_or_default(),
                        precise(k),
                        words::meaning(lang, k),
                    )
                })
                .collect::<Vec<_>>(),
        ),
        (
            ctx.t("Settings"),
            settings
                .iter()
                .filter_map(|k| words::param_plain(lang, k).map(|p| (p, k)))
                .map(|(p, k)| (p.name.to_string(), k.to_string(), Some(p.meaning)))
                .collect(),
        ),
    ] {
        if lines.is_empty() {
            continue;
        }
        ui.add_space(8.0);
        ui.label(RichText::new(heading).strong());
        for (name, key, meaning) in lines {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(name.as_str()).strong());
                if !name.eq_ignore_ascii_case(&key) {
                    ui.label(RichText::new(key.as_str()).monospace().weak());
                }
            });
            if let Some(m) = meaning {
                // Indented under its name, wrapping at any width.
                ui.indent(("learn_meaning", &key), |ui| ui.label(m));
            }
            ui.add_space(2.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(needle: &str) -> Vec<&'static str> {
        ENTRIES
            .iter()
            .filter(|e| matches(e, needle))
            .map(|e| e.key)
            .collect()
    }

    #[test]
    fn search_finds_entries_by_plain_or_precise_name() {
        assert_eq!(found("").len(), ENTRIES.len());
        assert_eq!(found("p95_us"), ["latency"]);
        assert_eq!(found("recall@10"), ["recall"]);
        assert!(found("answer time").contains(&"latency"));
        assert!(found("found in top").contains(&"recall"));
        assert!(found("前 K 个中找到").contains(&"recall"));
        assert!(found("Recall").contains(&"recall"));
        assert!(found("shrink").contains(&"item_knn"));
        assert!(found("bought together").contains(&"co_purchase"));
        assert!(found("相似物品").contains(&"item_knn"));
        assert!(found("data.cold_items").contains(&"cold_start"));
        assert!(found("repeat_share").contains(&"repeat_share"));
        assert!(found("no such thing at all").is_empty());
    }

    fn harness(lang: Lang) -> egui_kittest::Harness<'static, (LearnState, Vec<Command>)> {
        // Glyphs are not what is tested: no CJK font is needed.
        egui_kittest::Harness::builder()
            .allow_missing_glyphs()
            .with_size(egui::vec2(1280.0, 800.0))
            .build_ui_state(
                move |ui, (state, out): &mut (LearnState, Vec<Command>)| {
                    let ctx = ViewCtx {
                        lang,
                        project: None,
                        jobs: &[],
                        picker_start: None,
                    };
                    super::ui(ui, state, &ctx, out);
                },
                (LearnState::default(), Vec::new()),
            )
    }

    #[test]
    fn the_search_box_narrows_the_list_and_an_entry_shows_its_plain_name() {
        use egui_kittest::kittest::Queryable;
        let mut h = harness(Lang::En);
        h.run();
        h.get_by_label("Recall@K");
        h.get_by_label("found in top K");
        h.get_by_label("Find").click();
        h.get_by_role(egui::accesskit::Role::TextInput)
            .type_text("p95_us");
        h.run();
        assert_eq!(h.state().0.filter, "p95_us");
        assert!(h.query_by_label("Recall@K").is_none());
        h.get_by_label("Latency per request").click();
        h.run();
        assert_eq!(h.state().0.selected.as_deref(), Some("latency"));
        h.get_by_label("· answer time");
        h.get_by_label("answer time, 95% of requests");
        h.get_by_label("p95_us");
    }

    #[test]
    fn the_view_draws_every_entry_in_both_languages() {
        for lang in Lang::ALL {
            let mut h = harness(lang);
            for e in ENTRIES {
                h.state_mut().0.selected = Some(e.key.to_string());
                h.run();
                assert!(h.state().1.is_empty());
            }
        }
    }
}
