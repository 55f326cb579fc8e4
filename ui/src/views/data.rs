//! Project / Data: data health at a glance, the import log with rejected
//! rows, importing with a column-mapping preview, the catalog browser and
//! one shopper's event timeline.

use std::collections::BTreeMap;
use std::path::PathBuf;

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};
use egui_plot::{Bar, BarChart, Line, Plot, PlotPoints};
use shoplab_datasets::read::{Field, Format, Preview, ReadOptions};
use shoplab_datasets::{Record, RowError};
use shoplab_engine::store::{COLD_THRESHOLD, StoredEvent};

use super::{ViewCtx, count, explain_button, stat, time};
use crate::command::Command;
use crate::creation::counted;
use crate::file_picker::{FilePicker, Pick};
use crate::i18n::Lang;
use crate::job::JobKind;
use crate::snapshot::{Catalog, Snapshot};
use shoplab_datasets::hint;

/// The Data view's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    /// Numbers and charts.
    #[default]
    Health,
    /// Import history and the import dialog.
    Imports,
    /// The catalog browser.
    Catalog,
    /// One shopper's timeline.
    Shoppers,
}

/// The import dialog's state.
#[derive(Debug, Default)]
pub struct ImportState {
    /// The file to import.
    pub path: Option<PathBuf>,
    /// Format chosen (Auto by default).
    pub format: Format,
    /// Column per field, as the user set it (starts as detected).
    pub mapping: BTreeMap<String, String>,
    /// What the reader made of the first rows.
    pub preview: Option<Preview>,
    /// Why the preview failed.
    pub error: Option<String>,
    picker: FilePicker,
}

impl ImportState {
    /// Clears the dialog after an import.
    pub fn reset(&mut self) {
        *self = ImportState::default();
    }

    /// Shows a preview, taking its detected mapping as the starting point.
    pub fn set_preview(&mut self, preview: Preview) {
        self.error = None;
        if self.mapping.is_empty() {
            self.mapping = preview.mapping.clone();
        }
        self.preview = Some(preview);
    }

    fn options(&self) -> ReadOptions {
        ReadOptions {
            format: self.format,
            mapping: self.mapping.clone(),
            ..ReadOptions::default()
        }
    }
}

/// Sort order of the catalog table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum SortBy {
    #[default]
    Index,
    Id,
    Title,
    Brand,
    Category,
    Price,
}

/// Data view state.
#[derive(Debug, Default)]
pub struct DataState {
    /// The tab shown.
    pub tab: Tab,
    /// Import dialog.
    pub import: ImportState,
    /// Rejected rows of one import, once loaded.
    pub rejected: Option<(i64, Vec<RowError>)>,
    /// Catalog filter text.
    pub filter: String,
    sort: SortBy,
    descending: bool,
    /// Rows shown (item indices), for the current filter and sort.
    rows: Vec<u32>,
    rows_key: Option<(String, SortBy, bool, usize)>,
    /// Shopper id typed.
    pub shopper_query: String,
    /// The loaded shopper timeline.
    pub shopper: Option<(String, Vec<StoredEvent>)>,
    /// The currency as typed (starts as the project's).
    pub currency: Option<String>,
}

impl DataState {
    /// Forgets per-project state.
    pub fn reset(&mut self) {
        let tab = self.tab;
        *self = DataState::default();
        self.tab = tab;
    }

    /// Item indices matching the filter, sorted; recomputed only when the
    /// filter, the order or the catalog changes (100K items take a few ms).
    fn rows(&mut self, catalog: &Catalog) -> &[u32] {
        let key = (
            self.filter.clone(),
            self.sort,
            self.descending,
            catalog.items.len(),
        );
        if self.rows_key.as_ref() != Some(&key) {
            let needle = self.filter.trim().to_lowercase();
            let mut rows: Vec<u32> = (0..catalog.items.len() as u32)
                .filter(|&i| needle.is_empty() || catalog.keys[i as usize].contains(&needle))
                .collect();
            let items = &catalog.items;
            let by = |i: &u32| &items[*i as usize];
            match self.sort {
                SortBy::Index => {}
                SortBy::Id => rows.sort_by(|a, b| by(a).id.cmp(&by(b).id)),
                SortBy::Title => rows.sort_by(|a, b| by(a).title.cmp(&by(b).title)),
                SortBy::Brand => rows.sort_by(|a, b| by(a).brand.cmp(&by(b).brand)),
                SortBy::Category => rows.sort_by(|a, b| by(a).category.cmp(&by(b).category)),
                SortBy::Price => rows.sort_by(|a, b| {
                    by(a)
                        .price
                        .unwrap_or(f64::NAN)
                        .total_cmp(&by(b).price.unwrap_or(f64::NAN))
                }),
            }
            if self.descending {
                rows.reverse();
            }
            self.rows = rows;
            self.rows_key = Some(key);
        }
        &self.rows
    }
}

/// Draws the Data view.
pub fn ui(ui: &mut egui::Ui, state: &mut DataState, ctx: &ViewCtx<'_>, out: &mut Vec<Command>) {
    let Some(project) = ctx.project else {
        super::no_project(ui, ctx.lang);
        return;
    };
    let t = |s| ctx.t(s);
    ui.horizontal(|ui| {
        for (tab, name) in [
            (Tab::Health, t("Health")),
            (Tab::Imports, t("Imports")),
            (Tab::Catalog, t("Catalog")),
            (Tab::Shoppers, t("Shoppers")),
        ] {
            ui.selectable_value(&mut state.tab, tab, name);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .add_enabled(!ctx.busy(JobKind::Project), egui::Button::new(t("Reload")))
                .clicked()
            {
                out.push(Command::Reload);
            }
        });
    });
    ui.separator();
    match state.tab {
        Tab::Health => health(ui, &mut state.tab, project, ctx, out),
        Tab::Imports => imports(ui, state, project, ctx, out),
        Tab::Catalog => catalog(ui, state, project, ctx, out),
        Tab::Shoppers => shoppers(ui, state, project, ctx, out),
    }
}

fn health(
    ui: &mut egui::Ui,
    tab: &mut Tab,
    p: &Snapshot,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    let lang = ctx.lang;
    let s = &p.stats;
    egui::ScrollArea::vertical().show(ui, |ui| {
        // Each figure is one block: the row wraps between blocks, never
        // inside one (a block squeezed into the row's end drew its words
        // a letter wide down the window's edge).
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = 16.0;
            block(ui, "items", |ui| stat(ui, t("items"), count(s.items)));
            block(ui, "users", |ui| stat(ui, t("shoppers"), count(s.users)));
            block(ui, "events", |ui| stat(ui, t("events"), count(s.events)));
            // Without events there is no matrix to be sparse.
            let sparsity = if s.item_events == 0 {
                "–".to_string()
            } else {
                format!("{:.3}%", s.sparsity * 100.0)
            };
            block(ui, "sparsity", |ui| {
                figure(ui, "data.sparsity", "sparsity", sparsity.clone(), ctx, out)
            });
            block(ui, "cold_users", |ui| {
                figure(
                    ui,
                    "data.cold_users",
                    "cold_start",
                    count(s.cold_users),
                    ctx,
                    out,
                )
            });
            block(ui, "cold_items", |ui| {
                figure(
                    ui,
                    "data.cold_items",
                    "cold_start",
                    count(s.cold_items),
                    ctx,
                    out,
                )
            });
            block(ui, "judgments", |ui| {
                stat(ui, t("search judgments"), count(s.judgments))
            });
            block(ui, "rejected", |ui| {
                stat(ui, t("rejected rows"), count(s.rejected_rows))
            });
        });
        let mut line = format!(
            "{} {COLD_THRESHOLD} {}.",
            t("Cold means fewer than"),
            t("item events")
        );
        if let (Some(first), Some(last)) = (s.first_ts, s.last_ts) {
            line.push_str(&format!(
                " {}: {} – {}",
                t("Events from"),
                time(first),
                time(last)
            ));
        }
        ui.label(RichText::new(line).weak());
        // A file whose last import stopped part-way is only partly in the
        // project: say so where the figures are read.
        for i in &s.unfinished_imports {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "{} {} ({}, {}). {}",
                    t("The last import did not finish:"),
                    i.file.display(),
                    i.status.as_str(),
                    counted(lang, i.records_consumed, "row stored", "rows stored"),
                    t("Import the file again to resume it.")
                ),
            );
        }
        if let Some(msg) = emptiness(s.items, s.events, lang) {
            ui.add_space(8.0);
            ui.group(|ui| {
                ui.label(RichText::new(msg).strong());
                if ui.button(t("Import a file")).clicked() {
                    *tab = Tab::Imports;
                }
            });
        }
        if !p.has_index && s.items > 0 {
            ui.horizontal(|ui| {
                ui.colored_label(ui.visuals().warn_fg_color, t("No search index yet."));
                if ui.button(t("Build the search index")).clicked() {
                    out.push(Command::BuildIndex);
                }
            });
        }
        if s.events == 0 {
            // No charts of nothing (they would be dated 1970-01-01).
            return;
        }
        ui.add_space(8.0);
        let wide = ui.available_width() >= 1000.0;
        if wide {
            ui.columns(2, |cols| {
                kinds_chart(&mut cols[0], s, ctx);
                days_chart(&mut cols[1], p, ctx);
            });
        } else {
            kinds_chart(ui, s, ctx);
            days_chart(ui, p, ctx);
        }
    });
}

/// One block of a wrapped row, never squeezed: its lines keep their width,
/// and it starts a new row when that width does not fit in what is left of
/// this one. The width is measured first in an invisible pass (drawn once
/// squeezed, a block would also widen the view for the frames after).
fn block(ui: &mut egui::Ui, salt: &str, mut body: impl FnMut(&mut egui::Ui)) {
    let extend = |ui: &mut egui::Ui| ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
    let mut measure = ui.new_child(
        egui::UiBuilder::new()
            .id_salt(("measure", salt))
            .max_rect(ui.max_rect())
            .layout(egui::Layout::top_down(egui::Align::Min))
            .sizing_pass()
            .invisible(),
    );
    extend(&mut measure);
    body(&mut measure);
    let width = measure.min_rect().width();
    // A wrapping row's available width is the whole row's; what is left
    // of it runs from the cursor to the right edge.
    let (left, right) = (ui.cursor().min.x, ui.max_rect().max.x);
    let row_started = left > ui.max_rect().min.x + 1.0;
    if row_started && width > right - left {
        ui.end_row();
    }
    ui.scope(|ui| {
        extend(ui);
        ui.vertical(&mut body);
    });
}

/// A health figure with its plain name, precise name and Learn entry
/// (`learn`, where the term has no entry of its own).
fn figure(
    ui: &mut egui::Ui,
    key: &str,
    learn: &'static str,
    value: String,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    ui.vertical(|ui| {
        ui.label(RichText::new(value).heading().strong());
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 4.0;
            crate::words::term(ui, ctx.lang, key, out);
            if crate::glossary::entry(key).is_none() {
                explain_button(ui, ctx.lang, learn, out);
            }
        });
    });
}

/// A column title on one line: a narrow column cuts it short rather than
/// wrapping it letter by letter into a tall header row.
fn header_cell(ui: &mut egui::Ui, name: &str) {
    ui.add(egui::Label::new(RichText::new(name).strong()).truncate());
}

/// A date and time that never wraps (a table cell keeps one line).
fn time_cell(ui: &mut egui::Ui, ts: i64) {
    ui.add(egui::Label::new(time(ts)).wrap_mode(egui::TextWrapMode::Extend));
}

/// Width of a time column: "2024-05-31 14:02" on one line.
const TIME_WIDTH: f32 = 124.0;

/// What a project without a catalog or without events lacks, or `None`.
pub fn emptiness(items: u64, events: u64, lang: Lang) -> Option<&'static str> {
    let t = |s| crate::i18n::tr(lang, s);
    match (items, events) {
        (0, 0) => Some(t(
            "This project is empty: no catalog and no events yet. Import a catalog and your shoppers' events (Imports tab) to see its health.",
        )),
        (_, 0) => Some(t(
            "No events yet: import your shoppers' events (views, carts, purchases) in the Imports tab to see events by kind and per day, and to train recommenders.",
        )),
        (0, _) => Some(t(
            "No catalog yet: import a catalog (items with titles) in the Imports tab to search it and see item titles.",
        )),
        _ => None,
    }
}

fn kinds_chart(ui: &mut egui::Ui, s: &shoplab_engine::store::StoreStats, ctx: &ViewCtx<'_>) {
    let t = |s| ctx.t(s);
    let lang = ctx.lang;
    ui.label(RichText::new(t("Events by kind")).strong());
    let names: Vec<String> = s
        .events_by_kind
        .keys()
        // The plain name alone under a bar: egui_plot drops axis labels
        // that are too wide for their slot ("add to cart (cart)" vanished).
        .map(|k| {
            crate::words::event_kind_plain(lang, k.as_str())
                .map_or_else(|| k.as_str().to_string(), |p| p.name.to_string())
        })
        .collect();
    let bars: Vec<Bar> = s
        .events_by_kind
        .iter()
        .enumerate()
        .map(|(i, (k, n))| {
            Bar::new(i as f64, *n as f64)
                .name(&names[i])
                .width(0.7)
                .fill(kind_color(*k))
        })
        .collect();
    let top = s.events_by_kind.values().copied().max().unwrap_or(0) as f64;
    let last = s.events_by_kind.len().saturating_sub(1) as f64;
    Plot::new("events_by_kind")
        .height(220.0)
        .allow_scroll(false)
        // Headroom over the highest bar and right of the last one: a bar's
        // hover label starts at its top right corner and must stay inside.
        .include_y(0.0)
        .include_y(top * 1.25)
        .include_x(-0.5)
        .include_x(last + 1.3)
        .x_grid_spacer(crate::plot_style::integer_spacer)
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot| {
            plot.bar_chart(
                BarChart::new(t("events"), bars)
                    .element_formatter(Box::new(|bar, _| bar_label(&bar.name, bar.value))),
            )
        });
}

/// A bar's hover label: "purchase\n7,190".
pub fn bar_label(name: &str, value: f64) -> String {
    format!("{name}\n{}", count(value.max(0.0).round() as u64))
}

/// A hover label of the per-day chart: "2017-01-01 · purchase · 2,914" near
/// a line's point; elsewhere the day under the pointer and each kind's count
/// that day (`day` gives them for a day number, days since 1970).
pub fn day_label(
    pos: &egui_plot::HoverPosition<'_>,
    day: impl Fn(i64) -> Vec<(String, u64)>,
) -> Option<String> {
    let date = |x: f64| {
        chrono::DateTime::from_timestamp((x * 86_400.0).round() as i64, 0)
            .map(|d| d.format("%Y-%m-%d").to_string())
    };
    match pos {
        egui_plot::HoverPosition::NearDataPoint {
            plot_name,
            position,
            ..
        } => Some(format!(
            "{} · {plot_name} · {}",
            date(position.x)?,
            count(position.y.max(0.0).round() as u64)
        )),
        egui_plot::HoverPosition::Elsewhere { position } => {
            let d = position.x.round();
            let mut text = date(d)?;
            for (kind, n) in day(d as i64) {
                text.push_str(&format!("\n{kind} · {}", count(n)));
            }
            Some(text)
        }
    }
}

/// An event kind's colour: the same in the bar chart and the per-day lines.
fn kind_color(kind: shoplab_datasets::EventKind) -> egui::Color32 {
    let i = shoplab_datasets::EventKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(0);
    crate::plot_style::run_color(i)
}

fn days_chart(ui: &mut egui::Ui, p: &Snapshot, ctx: &ViewCtx<'_>) {
    let t = |s| ctx.t(s);
    let lang = ctx.lang;
    let s = &p.stats;
    ui.label(RichText::new(t("Events per day, by kind")).strong());
    let series: Vec<(String, egui::Color32, Vec<[f64; 2]>)> = s
        .events_by_kind
        .keys()
        .map(|&k| {
            let pts: Vec<[f64; 2]> = s
                .events_per_day
                .iter()
                .map(|d| {
                    let n = d.by_kind.get(&k).copied().unwrap_or(0);
                    [d.day as f64 / 86_400.0, n as f64]
                })
                .collect();
            (
                crate::words::event_kind(lang, k.as_str()),
                kind_color(k),
                pts,
            )
        })
        .collect();
    let days: std::collections::HashMap<i64, Vec<(String, u64)>> = s
        .events_per_day
        .iter()
        .map(|d| {
            let kinds = s
                .events_by_kind
                .keys()
                .map(|k| {
                    (
                        crate::words::event_kind(lang, k.as_str()),
                        d.by_kind.get(k).copied().unwrap_or(0),
                    )
                })
                .collect();
            (d.day.div_euclid(86_400), kinds)
        })
        .collect();
    Plot::new("events_per_day")
        .height(220.0)
        .allow_scroll(false)
        .label_formatter(move |pos| day_label(pos, |d| days.get(&d).cloned().unwrap_or_default()))
        .x_axis_formatter(|mark, _| {
            chrono::DateTime::from_timestamp((mark.value * 86_400.0) as i64, 0)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        })
        .show(ui, |plot| {
            for (k, color, pts) in &series {
                plot.line(Line::new(k.clone(), PlotPoints::from(pts.clone())).color(*color));
            }
        });
    // The legend under the plot, never over the lines.
    crate::plot_style::legend(ui, series.iter().map(|(k, c, _)| (k.as_str(), *c)));
    if let Some(note) = dating_note(p, lang) {
        ui.add_space(4.0);
        // Left-aligned (columns justify text).
        ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
            ui.label(note)
        });
    }
}

/// Why the dates of derived-time imports (Instacart) are not calendar dates,
/// shown under the per-day chart; `None` when every import has real times.
pub fn dating_note(p: &Snapshot, lang: Lang) -> Option<&'static str> {
    (!p.stats.derived_times.is_empty()).then(|| crate::i18n::tr(lang, "Dates here are made up: Instacart gives no dates, only each order's days since the shopper's prior order. ShopLab puts every shopper's first order on 2017-01-01 and later orders that many days after, so the spike on 2017-01-01 is all shoppers' first orders. The order of each shopper's orders and the days between them are real; dates do not line up across shoppers."))
}

fn imports(
    ui: &mut egui::Ui,
    state: &mut DataState,
    p: &Snapshot,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    import_dialog(ui, &mut state.import, ctx, out);
    ui.separator();
    ui.label(RichText::new(t("Import history")).strong());
    let mut show_rejected = None;
    TableBuilder::new(ui)
        .id_salt("imports")
        .striped(true)
        .max_scroll_height(220.0)
        .column(Column::auto())
        .column(Column::remainder().at_least(160.0).clip(true))
        .columns(Column::auto(), 4)
        .column(Column::exact(TIME_WIDTH))
        .column(Column::auto())
        .header(20.0, |mut h| {
            for name in [
                "#",
                t("file"),
                t("format"),
                t("status"),
                t("accepted"),
                t("rejected"),
                t("started"),
                "",
            ] {
                h.col(|ui| header_cell(ui, name));
            }
        })
        .body(|body| {
            body.rows(20.0, p.imports.len(), |mut row| {
                let i = &p.imports[row.index()];
                row.col(|ui| {
                    ui.label(i.id.to_string());
                });
                row.col(|ui| {
                    ui.label(i.file.display().to_string());
                });
                row.col(|ui| {
                    ui.label(&i.format);
                });
                row.col(|ui| {
                    ui.label(i.status.as_str());
                });
                row.col(|ui| {
                    ui.label(count(i.accepted));
                });
                row.col(|ui| {
                    ui.label(count(i.rejected));
                });
                row.col(|ui| time_cell(ui, i.started_at));
                row.col(|ui| {
                    if i.rejected > 0 && ui.small_button(t("Show rejected rows")).clicked() {
                        show_rejected = Some(i.id);
                    }
                });
            });
        });
    if let Some(id) = show_rejected {
        out.push(Command::LoadRejected(id));
    }
    if let Some((id, rows)) = &state.rejected {
        ui.separator();
        ui.label(RichText::new(format!("{} #{id}", t("Rejected rows of import"))).strong());
        TableBuilder::new(ui)
            .id_salt("rejected")
            .striped(true)
            .column(Column::auto())
            .column(Column::auto())
            .column(Column::remainder().clip(true))
            .column(Column::remainder().clip(true))
            .header(20.0, |mut h| {
                for name in [t("line"), t("column"), t("reason"), t("row")] {
                    h.col(|ui| header_cell(ui, name));
                }
            })
            .body(|body| {
                body.rows(20.0, rows.len(), |mut row| {
                    let r = &rows[row.index()];
                    row.col(|ui| {
                        ui.label(r.line.to_string());
                    });
                    row.col(|ui| {
                        ui.label(r.column.clone().unwrap_or_default());
                    });
                    row.col(|ui| {
                        // Cut short to the column; egui shows a cut label whole on hover.
                        ui.add(egui::Label::new(hint::for_app(&r.reason)).truncate());
                    });
                    row.col(|ui| {
                        ui.label(RichText::new(&r.raw).monospace());
                    });
                });
            });
    }
}

fn import_dialog(
    ui: &mut egui::Ui,
    st: &mut ImportState,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    ui.label(RichText::new(t("Import a file")).strong());
    ui.horizontal(|ui| {
        let shown = st
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| t("no file chosen").to_string());
        ui.label(shown);
        if ui.button(t("Choose file…")).clicked() {
            let start = st.path.as_ref().and_then(|p| p.parent().map(PathBuf::from));
            st.picker
                .show_at(Pick::File, start.as_deref().or(ctx.picker_start));
        }
        let label = ui.label(t("format"));
        egui::ComboBox::from_id_salt("format")
            .selected_text(st.format.name())
            .show_ui(ui, |ui| {
                for f in Format::ALL {
                    if ui.selectable_value(&mut st.format, f, f.name()).changed()
                        && let Some(path) = &st.path
                    {
                        st.mapping.clear();
                        out.push(Command::Preview(path.clone(), st.options()));
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
    let dropped: Option<PathBuf> = ui
        .ctx()
        .input(|i| i.raw.dropped_files.first().map(|f| f.path().to_path_buf()));
    let picked = st.picker.ui(ui.ctx(), ctx.lang);
    if picked.is_some() {
        out.push(Command::RememberFolder(st.picker.folder().to_path_buf()));
    }
    if let Some(path) = picked.and_then(|v| v.into_iter().next()).or(dropped) {
        st.mapping.clear();
        st.preview = None;
        out.push(Command::Preview(
            path.clone(),
            ReadOptions {
                format: st.format,
                ..Default::default()
            },
        ));
        st.path = Some(path);
    }
    if let Some(e) = &st.error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    let Some(preview) = &st.preview else { return };
    ui.label(format!(
        "{}: {} · {} {}",
        t("Read as"),
        preview.format.name(),
        preview.header.len(),
        t("columns")
    ));
    // Column -> field it will fill (or attribute / ignored), editable.
    let mut changed = false;
    egui::Grid::new("mapping").striped(true).show(ui, |ui| {
        ui.strong(t("column in the file"));
        ui.strong(t("becomes"));
        ui.end_row();
        for col in &preview.header {
            let label = ui.label(col);
            let current = st
                .mapping
                .iter()
                .find(|(_, c)| *c == col)
                .map(|(f, _)| f.clone());
            let attribute = preview.attributes.contains(col);
            let shown = current.clone().unwrap_or_else(|| {
                if attribute {
                    t("attribute").to_string()
                } else {
                    t("ignored").to_string()
                }
            });
            let mut chosen = current.clone();
            egui::ComboBox::from_id_salt(("map", col))
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut chosen, None, t("attribute / ignored"));
                    for f in Field::ALL {
                        ui.selectable_value(&mut chosen, Some(f.name().to_string()), f.name());
                    }
                })
                .response
                .labelled_by(label.id);
            if chosen != current {
                st.mapping.retain(|_, c| c != col);
                if let Some(f) = chosen {
                    st.mapping.insert(f, col.clone());
                }
                changed = true;
            }
            ui.end_row();
        }
    });
    ui.label(RichText::new(t("The first rows, as ShopLab reads them")).strong());
    records_table(ui, &preview.records, ctx.lang, ctx.project);
    if !preview.errors.is_empty() {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "{} {} {}",
                preview.errors.len(),
                t("of the first rows would be rejected, e.g.:"),
                hint::for_app(&preview.errors[0].to_string())
            ),
        );
    }
    let path = st.path.clone();
    if changed && let Some(path) = &path {
        out.push(Command::Preview(path.clone(), st.options()));
    }
    if let Some(path) = path
        && ui
            .add_enabled(
                !ctx.busy(JobKind::Import),
                egui::Button::new(RichText::new(t("Import")).strong()),
            )
            .clicked()
    {
        out.push(Command::Import(vec![path], st.options()));
    }
}

fn records_table(ui: &mut egui::Ui, records: &[Record], lang: Lang, project: Option<&Snapshot>) {
    let rows: Vec<[String; 5]> = records
        .iter()
        .take(8)
        .map(|r| match r {
            Record::Item(i) => [
                "item".into(),
                i.id.clone(),
                i.title.clone(),
                i.category_path(),
                super::price(i.price, project),
            ],
            Record::User(u) => [
                "user".into(),
                u.id.clone(),
                String::new(),
                String::new(),
                String::new(),
            ],
            Record::Event(e) => [
                crate::words::event_kind(lang, e.kind.as_str()),
                e.user.clone(),
                e.item.clone().unwrap_or_default(),
                e.query.clone().unwrap_or_default(),
                time(e.ts),
            ],
            Record::Judgment(j) => [
                "judgment".into(),
                j.query.clone(),
                j.item.clone(),
                format!("{}", j.grade),
                String::new(),
            ],
        })
        .collect();
    egui::Grid::new("preview_rows")
        .striped(true)
        .show(ui, |ui| {
            for h in [
                crate::i18n::tr(lang, "record"),
                "id / user / query",
                "title / item",
                "category / query",
                "price / time",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for r in &rows {
                for c in r {
                    ui.label(c);
                }
                ui.end_row();
            }
        });
}

fn catalog(
    ui: &mut egui::Ui,
    state: &mut DataState,
    p: &Snapshot,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    ui.horizontal(|ui| {
        let label = ui.label(t("Filter"));
        ui.add(
            egui::TextEdit::singleline(&mut state.filter)
                .hint_text(t("id, title, brand or category")),
        )
        .labelled_by(label.id);
    });
    let catalog = p.catalog.clone();
    let n = state.rows(&catalog).len();
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "{} / {}",
            count(n as u64),
            counted(ctx.lang, catalog.items.len() as u64, "item", "items")
        ));
        ui.separator();
        currency(ui, state, p, ctx, out);
    });
    let mut clicked = None;
    let (sort, desc) = (state.sort, state.descending);
    let rows = &state.rows;
    // Wider than a small window: scroll sideways rather than cut columns off.
    egui::ScrollArea::horizontal()
        .id_salt("catalog_sideways")
        .show(ui, |ui| {
            TableBuilder::new(ui)
                .id_salt("catalog")
                .striped(true)
                .resizable(true)
                .column(Column::auto().at_least(60.0))
                .column(Column::initial(120.0).clip(true))
                .column(Column::initial(360.0).clip(true))
                .column(Column::initial(120.0).clip(true))
                .column(Column::initial(220.0).clip(true))
                // A fixed width: a remainder column squeezed to nothing wrapped
                // its header letter by letter and made the header row tall.
                .column(Column::initial(110.0).at_least(80.0).clip(true))
                .header(22.0, |mut h| {
                    for (by, name) in [
                        (SortBy::Index, "#"),
                        (SortBy::Id, t("id")),
                        (SortBy::Title, t("title")),
                        (SortBy::Brand, t("brand")),
                        (SortBy::Category, t("category")),
                        (SortBy::Price, t("price")),
                    ] {
                        h.col(|ui| {
                            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
                            let arrow = if sort == by {
                                if desc { " v" } else { " ^" }
                            } else {
                                ""
                            };
                            if ui.button(format!("{name}{arrow}")).clicked() {
                                clicked = Some(by);
                            }
                        });
                    }
                })
                .body(|body| {
                    body.rows(20.0, n, |mut row| {
                        let idx = rows[row.index()];
                        let Some(it) = catalog.get(idx) else { return };
                        row.col(|ui| {
                            // Counted from 1, as people count rows.
                            ui.label(row_number(idx));
                        });
                        row.col(|ui| {
                            ui.label(&it.id);
                        });
                        row.col(|ui| {
                            ui.label(&it.title).on_hover_text(&it.description);
                        });
                        row.col(|ui| {
                            ui.label(&it.brand);
                        });
                        row.col(|ui| {
                            ui.label(it.category_path());
                        });
                        row.col(|ui| {
                            ui.label(super::price(it.price, ctx.project));
                        });
                    });
                });
        });

    if let Some(by) = clicked {
        if state.sort == by {
            state.descending = !state.descending;
        } else {
            state.sort = by;
            state.descending = false;
        }
    }
}

/// A catalog row's number as shown: counted from 1.
pub fn row_number(idx: u32) -> String {
    (u64::from(idx) + 1).to_string()
}

/// The project's currency for prices: shown, and editable in place.
fn currency(
    ui: &mut egui::Ui,
    state: &mut DataState,
    p: &Snapshot,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    let label = ui.label(t("Currency of prices"));
    let edit = state.currency.get_or_insert_with(|| p.currency.clone());
    ui.add(
        egui::TextEdit::singleline(edit)
            .desired_width(60.0)
            .hint_text(t("none")),
    )
    .labelled_by(label.id)
    .on_hover_text(t("A symbol such as $ or € goes before prices, a code such as EUR after them; leave it empty for plain numbers."));
    let changed = edit.trim() != p.currency;
    if ui
        .add_enabled(
            changed && !ctx.busy(JobKind::Project),
            egui::Button::new(t("Set currency")),
        )
        .clicked()
    {
        out.push(Command::SetCurrency(edit.trim().to_string()));
    }
    ui.label(
        RichText::new(format!(
            "{} {}",
            t("prices show as"),
            super::price(Some(12.5), Some(p))
        ))
        .weak(),
    );
}

fn shoppers(
    ui: &mut egui::Ui,
    state: &mut DataState,
    p: &Snapshot,
    ctx: &ViewCtx<'_>,
    out: &mut Vec<Command>,
) {
    let t = |s| ctx.t(s);
    ui.horizontal(|ui| {
        let label = ui.label(t("Shopper id"));
        let r = ui
            .text_edit_singleline(&mut state.shopper_query)
            .labelled_by(label.id);
        let go = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.button(t("Show")).clicked() || go) && !state.shopper_query.trim().is_empty() {
            out.push(Command::LoadShopper(state.shopper_query.trim().to_string()));
        }
    });
    // Matching ids as quick picks.
    let needle = state.shopper_query.trim().to_lowercase();
    ui.horizontal_wrapped(|ui| {
        for id in p
            .users
            .iter()
            .filter(|u| needle.is_empty() || u.to_lowercase().contains(&needle))
            .take(12)
        {
            if ui.small_button(id).clicked() {
                state.shopper_query = id.clone();
                out.push(Command::LoadShopper(id.clone()));
            }
        }
    });
    ui.separator();
    let Some((user, events)) = &state.shopper else {
        ui.label(RichText::new(t("Pick a shopper to see their events, newest first.")).weak());
        return;
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!(
                "{user}: {}",
                counted(ctx.lang, events.len() as u64, "event", "events")
            ))
            .strong(),
        );
        // The drill-down: this shopper's lists from every run, with held-out hits.
        if !p.runs.is_empty() {
            super::per_user::recommend_button(ui, ctx.lang, user, out);
        }
    });
    let catalog = &p.catalog;
    TableBuilder::new(ui)
        .id_salt("timeline")
        .striped(true)
        .column(Column::exact(TIME_WIDTH))
        .column(Column::auto())
        .column(Column::initial(300.0).clip(true))
        .column(Column::initial(140.0).clip(true))
        .column(Column::remainder().at_least(60.0))
        .header(20.0, |mut h| {
            for name in [t("time"), t("event"), t("item"), t("query"), t("value")] {
                h.col(|ui| header_cell(ui, name));
            }
        })
        .body(|body| {
            body.rows(20.0, events.len(), |mut row| {
                let e = &events[row.index()];
                row.col(|ui| time_cell(ui, e.ts));
                row.col(|ui| {
                    ui.label(crate::words::event_kind(ctx.lang, e.kind.as_str()));
                });
                row.col(|ui| {
                    let title = e
                        .item
                        .and_then(|i| catalog.get(i))
                        .map(|it| it.title.clone())
                        .unwrap_or_default();
                    ui.label(title);
                });
                row.col(|ui| {
                    ui.label(e.query.clone().unwrap_or_default());
                });
                row.col(|ui| {
                    ui.label(e.value.map(|v| v.to_string()).unwrap_or_default());
                });
            });
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui_plot::{HoverPosition, PlotPoint};

    #[test]
    fn chart_hovers_name_the_day_the_kind_and_the_count() {
        // 2017-01-01 is day 17,167 since 1970.
        let near = HoverPosition::NearDataPoint {
            plot_name: "purchase",
            position: PlotPoint::new(17_167.0, 2_914.0),
            index: 0,
        };
        assert_eq!(
            day_label(&near, |_| Vec::new()).as_deref(),
            Some("2017-01-01 · purchase · 2,914")
        );
        let elsewhere = HoverPosition::Elsewhere {
            position: PlotPoint::new(17_167.2, 10.0),
        };
        let label = day_label(&elsewhere, |d| {
            assert_eq!(d, 17_167);
            vec![("view".into(), 1_200), ("purchase".into(), 3)]
        });
        assert_eq!(
            label.as_deref(),
            Some("2017-01-01\nview · 1,200\npurchase · 3")
        );
        assert_eq!(bar_label("purchase", 71_916.0), "purchase\n71,916");
    }
}
