//! Project / Data: data health at a glance, the import log with rejected
//! rows, importing with a column-mapping preview, the catalog browser and
//! one shopper's event timeline.

use std::collections::BTreeMap;
use std::path::PathBuf;

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};
use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints};
use shoplab_datasets::read::{Field, Format, Preview, ReadOptions};
use shoplab_datasets::{EventKind, Record, RowError};
use shoplab_engine::store::{COLD_THRESHOLD, StoredEvent};

use super::{ViewCtx, count, explain_button, stat, time};
use crate::command::Command;
use crate::file_picker::{FilePicker, Pick};
use crate::i18n::Lang;
use crate::job::JobKind;
use crate::snapshot::{Catalog, Snapshot};

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
        Tab::Health => health(ui, project, ctx, out),
        Tab::Imports => imports(ui, state, project, ctx, out),
        Tab::Catalog => catalog(ui, state, project, ctx),
        Tab::Shoppers => shoppers(ui, state, project, ctx, out),
    }
}

fn health(ui: &mut egui::Ui, p: &Snapshot, ctx: &ViewCtx<'_>, out: &mut Vec<Command>) {
    let t = |s| ctx.t(s);
    let s = &p.stats;
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            stat(ui, t("items"), count(s.items));
            ui.add_space(16.0);
            stat(ui, t("shoppers"), count(s.users));
            ui.add_space(16.0);
            stat(ui, t("events"), count(s.events));
            ui.add_space(16.0);
            stat(ui, t("sparsity"), format!("{:.3}%", s.sparsity * 100.0));
            explain_button(ui, ctx.lang, "sparsity", out);
            ui.add_space(16.0);
            stat(ui, t("cold shoppers"), count(s.cold_users));
            ui.add_space(16.0);
            stat(ui, t("cold items"), count(s.cold_items));
            explain_button(ui, ctx.lang, "cold_start", out);
            ui.add_space(16.0);
            stat(ui, t("search judgments"), count(s.judgments));
            ui.add_space(16.0);
            stat(ui, t("rejected rows"), count(s.rejected_rows));
        });
        ui.label(
            RichText::new(format!(
                "{} {COLD_THRESHOLD} {}. {}: {} – {}",
                t("Cold means fewer than"),
                t("item events"),
                t("Events from"),
                s.first_ts.map(time).unwrap_or_default(),
                s.last_ts.map(time).unwrap_or_default()
            ))
            .weak(),
        );
        // A file whose last import stopped part-way is only partly in the
        // project: say so where the figures are read.
        for i in &s.unfinished_imports {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "{} {} ({}, {} {}). {}",
                    t("The last import did not finish:"),
                    i.file.display(),
                    i.status.as_str(),
                    count(i.records_consumed),
                    t("rows stored"),
                    t("Import the file again to resume it.")
                ),
            );
        }
        if !p.has_index {
            ui.horizontal(|ui| {
                ui.colored_label(ui.visuals().warn_fg_color, t("No search index yet."));
                if ui.button(t("Build the search index")).clicked() {
                    out.push(Command::BuildIndex);
                }
            });
        }
        ui.add_space(8.0);
        ui.columns(2, |cols| {
            cols[0].label(RichText::new(t("Events by kind")).strong());
            let bars: Vec<Bar> = s
                .events_by_kind
                .iter()
                .enumerate()
                .map(|(i, (kind, n))| Bar::new(i as f64, *n as f64).name(kind.as_str()).width(0.7))
                .collect();
            let names: Vec<String> = s
                .events_by_kind
                .keys()
                .map(|k| k.as_str().to_string())
                .collect();
            Plot::new("events_by_kind")
                .height(220.0)
                .allow_scroll(false)
                .x_axis_formatter(move |mark, _| {
                    let i = mark.value.round();
                    if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                        names.get(i as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .show(&mut cols[0], |plot| {
                    plot.bar_chart(BarChart::new(t("events"), bars))
                });
            cols[1].label(RichText::new(t("Events per day, by kind")).strong());
            let series: Vec<(EventKind, Vec<[f64; 2]>)> = s
                .events_by_kind
                .keys()
                .map(|&k| {
                    let pts = s
                        .events_per_day
                        .iter()
                        .map(|d| {
                            let n = d.by_kind.get(&k).copied().unwrap_or(0);
                            [d.day as f64 / 86_400.0, n as f64]
                        })
                        .collect();
                    (k, pts)
                })
                .collect();
            Plot::new("events_per_day")
                .height(220.0)
                .allow_scroll(false)
                .legend(Legend::default())
                .x_axis_formatter(|mark, _| {
                    chrono::DateTime::from_timestamp((mark.value * 86_400.0) as i64, 0)
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default()
                })
                .show(&mut cols[1], |plot| {
                    for (k, pts) in series {
                        plot.line(Line::new(k.as_str(), PlotPoints::from(pts)));
                    }
                });
        });
    });
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
        .columns(Column::auto(), 6)
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
                h.col(|ui| {
                    ui.strong(name);
                });
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
                row.col(|ui| {
                    ui.label(time(i.started_at));
                });
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
                    h.col(|ui| {
                        ui.strong(name);
                    });
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
                        ui.label(&r.reason).on_hover_text(&r.reason);
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
            st.picker.show_at(Pick::Files, start.as_deref());
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
    if let Some(path) = st
        .picker
        .ui(ui.ctx(), ctx.lang)
        .and_then(|v| v.into_iter().next())
        .or(dropped)
    {
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
    records_table(ui, &preview.records, ctx.lang);
    if !preview.errors.is_empty() {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "{} {} {}",
                preview.errors.len(),
                t("of the first rows would be rejected, e.g.:"),
                preview.errors[0]
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

fn records_table(ui: &mut egui::Ui, records: &[Record], lang: Lang) {
    let rows: Vec<[String; 5]> = records
        .iter()
        .take(8)
        .map(|r| match r {
            Record::Item(i) => [
                "item".into(),
                i.id.clone(),
                i.title.clone(),
                i.category_path(),
                i.price.map(|p| format!("{p:.2}")).unwrap_or_default(),
            ],
            Record::User(u) => [
                "user".into(),
                u.id.clone(),
                String::new(),
                String::new(),
                String::new(),
            ],
            Record::Event(e) => [
                e.kind.as_str().into(),
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

fn catalog(ui: &mut egui::Ui, state: &mut DataState, p: &Snapshot, ctx: &ViewCtx<'_>) {
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
    ui.label(format!(
        "{} / {} {}",
        count(n as u64),
        count(catalog.items.len() as u64),
        t("items")
    ));
    let mut clicked = None;
    let (sort, desc) = (state.sort, state.descending);
    let rows = &state.rows;
    TableBuilder::new(ui)
        .id_salt("catalog")
        .striped(true)
        .resizable(true)
        .column(Column::auto().at_least(60.0))
        .column(Column::initial(120.0).clip(true))
        .column(Column::initial(360.0).clip(true))
        .column(Column::initial(120.0).clip(true))
        .column(Column::initial(220.0).clip(true))
        .column(Column::remainder())
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
                    ui.label(idx.to_string());
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
                    ui.label(it.price.map(|p| format!("{p:.2}")).unwrap_or_default());
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
    ui.label(RichText::new(format!("{user}: {} {}", events.len(), t("events"))).strong());
    let catalog = &p.catalog;
    TableBuilder::new(ui)
        .id_salt("timeline")
        .striped(true)
        .column(Column::auto())
        .column(Column::auto())
        .column(Column::initial(380.0).clip(true))
        .column(Column::initial(200.0).clip(true))
        .column(Column::remainder())
        .header(20.0, |mut h| {
            for name in [t("time"), t("event"), t("item"), t("query"), t("value")] {
                h.col(|ui| {
                    ui.strong(name);
                });
            }
        })
        .body(|body| {
            body.rows(20.0, events.len(), |mut row| {
                let e = &events[row.index()];
                row.col(|ui| {
                    ui.label(time(e.ts));
                });
                row.col(|ui| {
                    ui.label(e.kind.as_str());
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
