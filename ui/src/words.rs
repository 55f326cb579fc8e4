//! Plain words beside precise names: shop owners read "found in top 10",
//! researchers read "recall@10", and both appear wherever a metric, column,
//! model, parameter or event kind is shown, with the Learn entry one click
//! away. Precise names stay as typed (CLI flags, JSON keys, file columns).
//!
//! SKELETON: the signatures are the contract the views use; the tables
//! behind them are being filled in.

use eframe::egui::{self, RichText};

use crate::command::Command;
use crate::i18n::Lang;

/// A plain name and a one-line meaning, in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plain {
    /// A few words a shop owner understands ("found in top K").
    pub name: &'static str,
    /// One line on what it means.
    pub meaning: &'static str,
}

/// The plain name and meaning of a precise term: a metric (`recall`,
/// `ndcg`), a column or figure (`p95_us`, `train_s`, `sparsity`,
/// `cold_users`, `auc`, `coverage`) or a concept; `None` if it has none.
pub fn plain(lang: Lang, key: &str) -> Option<Plain> {
    let _ = (lang, key);
    None
}

/// A column or metric label with its plain name first, e.g. `recall@10` →
/// "found in top 10 (recall@10)"; the label itself when it has none.
pub fn header(lang: Lang, label: &str) -> String {
    let _ = lang;
    label.to_string()
}

/// A model's name for people (`co_purchase` → "bought together"), in `lang`.
pub fn model(lang: Lang, key: &str) -> String {
    let _ = lang;
    key.to_string()
}

/// A model parameter's name for people (`neighbours`, `reg`, `shrink`).
pub fn param(lang: Lang, key: &str) -> String {
    let _ = lang;
    key.to_string()
}

/// An event kind's name for people (`view`, `cart`, `purchase`, `rating`).
pub fn event_kind(lang: Lang, key: &str) -> String {
    let _ = lang;
    key.to_string()
}

/// Draws a term: its plain name, the precise name beside it (small), the
/// meaning on hover, and a "?" that opens its Learn entry.
pub fn term(ui: &mut egui::Ui, lang: Lang, key: &str, out: &mut Vec<Command>) {
    match plain(lang, key) {
        Some(p) => {
            ui.label(p.name).on_hover_text(p.meaning);
            ui.label(RichText::new(format!("({key})")).small());
        }
        None => {
            ui.label(key);
        }
    }
    if let Some(e) = crate::glossary::entry(key) {
        crate::views::explain_button(ui, lang, e.key, out);
    }
}
