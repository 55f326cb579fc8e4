//! The real app, driven headless through egui_kittest over a real demo
//! project: open it, search, train and cancel, compare, recommend, switch
//! language, and survive a bad project folder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use eframe::egui;
use egui_kittest::Harness;

mod common;
use common::{harness_launched, idle, step_until};
use egui_kittest::kittest::Queryable;
use shoplab_ui::{AppSettings, Command, Curve, CurveAxis, Lang, Launch, ShopLabApp, View};

fn harness(settings: AppSettings) -> Harness<'static, ShopLabApp> {
    harness_launched(
        settings,
        Launch {
            fresh: true,
            ..Launch::default()
        },
        egui::vec2(1280.0, 860.0),
    )
}

fn open_demo(dir: &std::path::Path) -> Harness<'static, ShopLabApp> {
    let settings = AppSettings {
        demo_dir: Some(dir.join("demo")),
        ..AppSettings::default()
    };
    let mut h = harness(settings);
    h.step();
    h.get_by_label("Open the demo shop").click();
    step_until(&mut h, "the demo shop to open", |a| {
        a.project.is_some() && idle(a)
    });
    h
}

#[test]
fn a_newcomer_opens_the_demo_searches_trains_cancels_compares_and_recommends() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open_demo(dir.path());
    {
        let app = h.state();
        let p = app.project.as_ref().unwrap();
        assert_eq!(app.view, View::Data, "opening a project shows its data");
        assert!(p.stats.events > 10_000 && p.has_index);
        assert_eq!(
            p.runs.len(),
            8,
            "the demo trains every baseline and BPR, then fuses EASE with content"
        );
    }
    h.step();
    h.get_by_label("sparsity");

    // Search: type a query, both rankers answer.
    h.get_by_label("Search").click();
    h.step();
    let query_box = h
        .get_all_by_role(egui::accesskit::Role::TextInput)
        .next()
        .unwrap();
    query_box.click();
    h.step();
    h.get_all_by_role(egui::accesskit::Role::TextInput)
        .next()
        .unwrap()
        .type_text("headphones");
    step_until(&mut h, "search results", |a| {
        a.search.results.as_ref().is_some_and(|(r, _)| {
            r.len() == 2
                && r.iter()
                    .all(|x| x.as_ref().is_ok_and(|x| !x.hits.is_empty()))
        })
    });
    assert_eq!(h.state().search.query, "headphones");

    // Judge a top result not relevant: it is stored and shown as judged.
    let tops: Vec<u32> = {
        let (r, _) = h.state().search.results.as_ref().unwrap();
        r.iter().map(|x| x.as_ref().unwrap().hits[0].item).collect()
    };
    step_until(&mut h, "the query's stored judgments", |a| {
        !a.search.judged.is_empty()
    });
    h.get_all_by_label("not relevant").next().unwrap().click();
    step_until(&mut h, "the judgment to be saved", |a| {
        tops.iter().any(|i| a.search.judged.get(i) == Some(&0.0))
    });

    // Train: start a run, cancel it; nothing is recorded.
    h.get_by_label("Train").click();
    // The form's panels settle their sizes over the first frames (a person
    // cannot click within one).
    h.run_steps(3);
    h.get_by_label("Train and evaluate").click();
    step_until(&mut h, "training to start", |a| a.working());
    h.get_all_by_label("Cancel").next().unwrap().click();
    step_until(&mut h, "training to stop", idle);
    {
        let app = h.state();
        let last = app.notices.last().unwrap();
        assert!(last.text.contains("cancelled"), "{}", last.text);
        assert!(!last.error);
        assert_eq!(
            app.project.as_ref().unwrap().runs.len(),
            8,
            "a cancelled training records no run"
        );
    }

    // Train to the end: the run is recorded and its live curves were drawn.
    h.get_by_label("Train and evaluate").click();
    step_until(&mut h, "training to finish", |a| {
        idle(a) && a.project.as_ref().unwrap().runs.len() == 9
    });
    assert!(
        h.state()
            .train
            .last_curves
            .keys()
            .any(|k| k.starts_with("recall@"))
    );

    // Compare: every run ticked, the table and charts have data.
    h.get_by_label("Compare").click();
    h.step();
    {
        let app = h.state();
        assert_eq!(app.compare.selected.len(), 9);
        let runs = &app.project.as_ref().unwrap().runs;
        let who = shoplab_ui::views::compare::Identities::new(runs);
        let series =
            shoplab_ui::views::compare::metric_at_k_series(runs, &who, app.compare.chart_measure());
        assert_eq!(series.len(), 9);
        assert!(
            series
                .iter()
                .all(|s| !s.points.is_empty() && s.points.iter().all(|p| p[1].is_finite()))
        );
        assert!(
            runs.iter()
                .all(|r| shoplab_ui::views::compare::latency_cdf_points(r).len() == 101)
        );
    }
    assert!(h.get_all_by_label_contains("ndcg@10").next().is_some());
    // The export goes to the report crate's handler (Command::ExportComparison).
    h.get_by_label("Export table").scroll_to_me();
    h.step();
    let before = h.state().notices.len();
    h.get_by_label("Export table").click();
    step_until(&mut h, "the table export to answer", |a| {
        a.notices.len() > before && idle(a)
    });
    // The button's export wrote the whole table: one CSV row per ticked run.
    let notice = h.state().notices.last().unwrap().clone();
    assert!(
        !notice.error && notice.text.contains(".csv"),
        "{}",
        notice.text
    );
    let reports = h.state().project.as_ref().unwrap().reports_dir.clone();
    let csv = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "csv"))
        .expect("a CSV in reports/");
    let text = std::fs::read_to_string(csv).unwrap();
    assert_eq!(text.lines().count(), 1 + 9, "{text}");

    // Recommend: a shopper's history beside two runs' lists.
    h.get_by_label("Recommend").click();
    h.step();
    h.get_all_by_label("Recommend").last().unwrap().click();
    step_until(&mut h, "recommendations", |a| a.recommend.lists.len() == 2);
    assert!(
        h.state()
            .recommend
            .lists
            .iter()
            .all(|l| l.items.len() == 10)
    );

    // The other views and tabs draw (and pass kittest's accessibility check).
    h.get_by_label("Learn").click();
    h.step();
    h.get_by_label("NDCG@K (normalised discounted cumulative gain)")
        .click();
    h.step();
    assert_eq!(h.state().learn.selected.as_deref(), Some("ndcg"));
    h.get_by_label("Data").click();
    h.step();
    for tab in ["Imports", "Catalog", "Shoppers"] {
        h.get_by_label(tab).click();
        h.step();
    }
    let first_shopper = h.state().project.as_ref().unwrap().users[0].clone();
    h.get_by_label(&first_shopper).click();
    step_until(&mut h, "a shopper's timeline", |a| {
        a.data
            .shopper
            .as_ref()
            .is_some_and(|(u, events)| *u == first_shopper && !events.is_empty())
    });

    // 简体中文 at run time.
    h.state_mut().send(Command::SetLang(Lang::Zh));
    h.step();
    h.step();
    h.get_by_label("搜索");
    h.get_by_label("对比");
}

#[test]
fn a_folder_that_is_not_a_project_gives_a_message_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(AppSettings::default());
    h.state_mut()
        .send(Command::OpenProject(dir.path().to_path_buf()));
    step_until(&mut h, "the error", |a| idle(a) && !a.notices.is_empty());
    let app = h.state();
    assert!(app.project.is_none());
    let n = app.notices.last().unwrap();
    assert!(
        n.error && n.text.contains("not a ShopLab project"),
        "{}",
        n.text
    );
    assert!(
        !n.text.contains("--project") && n.text.contains("Start view"),
        "app words, not CLI flags: {}",
        n.text
    );
    assert_eq!(app.view, View::Start);
}

#[test]
fn a_project_from_files_then_an_import_whose_column_is_mapped_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.csv");
    std::fs::write(
        &catalog,
        "item_id,title,brand,category,price\na,Red shoe,Acme,Shoes,10\nb,Blue shoe,Acme,Shoes,12\n",
    )
    .unwrap();
    // "who" is no known name for the shopper column: the preview cannot map it.
    let events = dir.path().join("events.csv");
    std::fs::write(
        &events,
        "who,item_id,event,timestamp\nu1,a,view,1704067200\nu1,b,purchase,1704067300\nu2,a,view,1704067400\n",
    )
    .unwrap();
    let mut h = harness(AppSettings::default());
    h.state_mut().send(Command::CreateProject {
        dir: dir.path().join("shop"),
        files: vec![catalog],
        skipped: vec![],
    });
    step_until(&mut h, "the new project", |a| {
        a.project.is_some() && idle(a)
    });
    {
        let p = h.state().project.as_ref().unwrap();
        assert_eq!((p.stats.items, p.stats.events), (2, 0));
        assert!(p.has_index, "a catalog gets its search index at once");
    }

    // The import dialog: preview, see the unmapped column, map it, import.
    h.get_by_label("Imports").click();
    h.step();
    h.state_mut().data.import.path = Some(events.clone());
    h.state_mut()
        .send(Command::Preview(events.clone(), Default::default()));
    step_until(&mut h, "the preview", |a| a.data.import.preview.is_some());
    {
        let preview = h.state().data.import.preview.as_ref().unwrap();
        assert_eq!(preview.header, ["who", "item_id", "event", "timestamp"]);
        assert!(!preview.mapping.contains_key("user_id"));
    }
    h.state_mut()
        .data
        .import
        .mapping
        .insert("user_id".into(), "who".into());
    let options = shoplab_datasets::read::ReadOptions {
        mapping: h.state().data.import.mapping.clone(),
        ..Default::default()
    };
    h.state_mut().data.import.preview = None;
    h.state_mut().send(Command::Preview(events, options));
    step_until(&mut h, "the new preview", |a| {
        a.data.import.preview.is_some()
    });
    {
        let preview = h.state().data.import.preview.as_ref().unwrap();
        assert!(preview.errors.is_empty(), "{:?}", preview.errors);
        assert_eq!(preview.records.len(), 3);
    }
    h.step();
    h.get_by_label("Import").click();
    step_until(&mut h, "the import", |a| {
        idle(a) && a.project.as_ref().is_some_and(|p| p.stats.events == 3)
    });
    let p = h.state().project.as_ref().unwrap();
    assert_eq!((p.stats.users, p.imports.len()), (2, 2));
}

#[test]
fn in_a_760_px_window_the_project_name_never_covers_a_tab() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open_demo(dir.path());
    for lang in [Lang::En, Lang::Zh] {
        h.state_mut().settings.lang = lang;
        h.set_size(egui::vec2(760.0, 480.0));
        h.run_steps(3);
        let learn = h.get_by_label(View::Learn.label(lang)).rect();
        let recommend = h.get_by_label(View::Recommend.label(lang)).rect();
        // The name may be cut short (with an ellipsis); it must stay right of the tabs.
        let name = h
            .get_all_by_label("ShopLab demo")
            .map(|n| n.rect())
            .find(|r| r.top() < learn.bottom())
            .expect("the project name in the top bar");
        assert!(
            name.left() >= learn.right() && !name.intersects(recommend),
            "{lang:?}: name at {name:?}, Learn at {learn:?}"
        );
    }
}

#[test]
fn exporting_the_comparison_writes_whole_files_in_the_background() {
    use shoplab_engine::compare::Column;
    use shoplab_report::Export;
    let dir = tempfile::tempdir().unwrap();
    let mut h = open_demo(dir.path());
    let (runs, reports) = {
        let p = h.state().project.as_ref().unwrap();
        // Table order is the view's, not the project's: newest first here.
        let runs: Vec<String> = p.runs.iter().rev().map(|r| r.id.clone()).collect();
        (runs, p.reports_dir.clone())
    };
    let ctx = h.ctx.clone();
    let export = |h: &mut Harness<'static, ShopLabApp>, export: Export, measure: Column| {
        let before = h.state().notices.len();
        h.state_mut().apply(
            &ctx,
            Command::ExportComparison {
                runs: runs.clone(),
                export,
                measure,
            },
        );
        step_until(h, "the export", |a| a.notices.len() > before && idle(a));
        h.state().notices.last().unwrap().clone()
    };
    let table = Export::Table {
        columns: Column::defaults(),
    };
    let notice = export(&mut h, table, "ndcg@10".parse().unwrap());
    assert!(!notice.error, "{}", notice.text);
    assert!(notice.text.starts_with("Saved in"), "{}", notice.text);
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for ext in ["png", "svg", "csv"] {
        let f = files
            .iter()
            .find(|p| p.extension().is_some_and(|e| e == ext))
            .unwrap_or_else(|| panic!("no .{ext} in {files:?}"));
        assert!(
            f.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("comparison-")
        );
        assert!(notice.text.contains(&format!(".{ext}")));
        assert!(
            notice
                .text
                .contains(&*f.file_stem().unwrap().to_string_lossy())
        );
    }
    let csv = files
        .iter()
        .find(|p| p.extension().unwrap() == "csv")
        .unwrap();
    let text = std::fs::read_to_string(csv).unwrap();
    assert_eq!(text.lines().count(), 1 + runs.len(), "{text}");
    assert!(text.lines().next().unwrap().contains("params,split,seed"));

    // A chart of a run-level figure, and a run that vanished: a clear error.
    let notice = export(&mut h, Export::Bars, Column::Auc);
    assert!(!notice.error, "{}", notice.text);
    let gone = Command::ExportComparison {
        runs: vec!["no-such-run".into()],
        export: Export::Scatter,
        measure: Column::Auc,
    };
    let before = h.state().notices.len();
    h.state_mut().apply(&ctx, gone);
    step_until(&mut h, "the failed export", |a| {
        a.notices.len() > before && idle(a)
    });
    let last = h.state().notices.last().unwrap();
    assert!(
        last.error && last.text.contains("no-such-run"),
        "{}",
        last.text
    );
}

#[test]
fn a_run_is_renamed_in_the_app_and_keeps_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open_demo(dir.path());
    h.get_by_label("Compare").click();
    h.step();
    let run = h.state().project.as_ref().unwrap().runs[0].clone();
    let runs_before = h.state().project.as_ref().unwrap().runs.len();
    // Right-click → "Rename…" opens the name box (here opened directly).
    h.state_mut().compare.start_rename(&run);
    h.step();
    // An empty name is refused before anything is sent.
    h.state_mut().compare.renaming.as_mut().unwrap().1.clear();
    h.step();
    h.get_by_label("A run needs a name; its id stays as it is.");
    h.get_by_label("Save name").click();
    h.step();
    assert!(
        h.state().compare.renaming.is_some(),
        "an empty name is not sent"
    );
    let name_box = || egui::accesskit::Role::TextInput;
    h.get_by_role_and_label(name_box(), "New name of the run")
        .click();
    h.step();
    h.get_by_role_and_label(name_box(), "New name of the run")
        .type_text("baseline A");
    h.step();
    assert_eq!(
        h.state().compare.renaming.as_ref().map(|(_, t)| t.as_str()),
        Some("baseline A")
    );
    h.get_by_label("Save name").click();
    step_until(&mut h, "the rename to be read back", |a| {
        idle(a)
            && a.project
                .as_ref()
                .unwrap()
                .runs
                .iter()
                .any(|r| r.name == "baseline A")
    });
    let p = h.state().project.as_ref().unwrap();
    assert_eq!(p.runs.len(), runs_before, "no run added or lost");
    let renamed = p.run(&run.id).expect("the id stays");
    assert_eq!(renamed.name, "baseline A");
    assert_eq!(renamed.created_at, run.created_at);
    assert!(h.state().compare.selected.contains(&run.id), "still ticked");
    h.step();
    assert!(h.get_all_by_label_contains("baseline A").next().is_some());

    // The engine refuses an empty name sent anyway, and nothing changes.
    h.state_mut().send(Command::RenameRun {
        run: run.id.clone(),
        name: "  ".into(),
    });
    step_until(&mut h, "the refusal", |a| {
        idle(a) && a.notices.last().is_some_and(|n| n.text.contains("name"))
    });
    assert_eq!(
        h.state()
            .project
            .as_ref()
            .unwrap()
            .run(&run.id)
            .unwrap()
            .name,
        "baseline A"
    );
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn create(
    h: &mut Harness<'_, ShopLabApp>,
    dir: std::path::PathBuf,
    files: Vec<std::path::PathBuf>,
) {
    h.state_mut().send(Command::CreateProject {
        dir,
        files,
        skipped: vec![],
    });
    step_until(h, "the creation to end", |a| {
        idle(a) && !a.notices.is_empty()
    });
}

#[test]
fn an_empty_project_says_so_instead_of_charts_dated_1970() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(AppSettings::default());
    create(&mut h, dir.path().join("empty"), vec![]);
    assert!(h.state().project.is_some());
    h.state_mut().view = View::Data;
    h.step();
    h.step();
    h.get_by_label_contains("This project is empty");
    assert!(h.query_by_label_contains("1970").is_none());
    assert!(h.query_by_label("Events per day, by kind").is_none());
}

#[test]
fn catalog_rows_count_from_one_and_prices_carry_the_projects_currency() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = write(
        dir.path(),
        "catalog.csv",
        "item_id,title,price\na,Red shoe,10\nb,Blue shoe,12.5\n",
    );
    let mut h = harness(AppSettings::default());
    create(&mut h, dir.path().join("shop"), vec![catalog]);
    h.state_mut().view = View::Data;
    h.step();
    // A catalog without events: the health view says what is missing.
    h.get_by_label_contains("No events yet");
    h.get_by_label("Catalog").click();
    h.run();
    h.get_by_label("1");
    h.get_by_label("2");
    assert!(h.query_by_label("0").is_none(), "rows count from 1");
    h.get_by_label("10.00");
    h.get_by_label("Currency of prices").click();
    h.run();
    h.get_by_label("Currency of prices").type_text("€");
    h.run();
    h.get_by_label("Set currency").click();
    step_until(&mut h, "the currency to be saved", |a| {
        idle(a) && a.project.as_ref().is_some_and(|p| p.currency == "€")
    });
    h.run();
    h.get_by_label("€10.00");
    h.get_by_label("€12.50");
    // Saved in the project: it comes back when the project is read again.
    let root = h.state().project.as_ref().unwrap().root.clone();
    let reopened = shoplab_engine::Project::open(&root).unwrap();
    assert_eq!(reopened.settings.currency, "€");
}

#[test]
fn a_creation_that_fails_leaves_nothing_says_what_to_do_and_can_be_retried() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = write(dir.path(), "catalog.csv", "item_id,title\na,Red shoe\n");
    let aisles = write(dir.path(), "aisles.csv", "aisle_id,aisle\n1,fruit\n");
    let target = dir.path().join("shop");
    let mut h = harness(AppSettings::default());
    // Checked first: the unrecognised file is named before anything is created.
    h.state_mut().start.new_files = vec![catalog.clone(), aisles.clone()];
    h.state_mut().start.new_dir = target.display().to_string();
    step_until(&mut h, "the check", |a| a.start.checks.is_some() && idle(a));
    h.run();
    h.get_by_label("not recognised, skipped");
    // Insisting on it fails as a whole: no folder, an app message, no CLI flags.
    create(
        &mut h,
        target.clone(),
        vec![catalog.clone(), aisles.clone()],
    );
    assert!(h.state().project.is_none());
    assert!(!target.exists(), "no half-made project");
    let error = h
        .state()
        .start
        .error
        .clone()
        .expect("the error on the Start view");
    assert!(error.contains("aisles.csv"), "{error}");
    assert!(!error.contains("--"), "no CLI flags in the window: {error}");
    h.run();
    assert!(h.get_all_by_label_contains("Import panel").count() >= 1);
    // Create again (the default: skip it) works, and the skip is named.
    h.get_by_label("Create").click();
    step_until(&mut h, "the project", |a| a.project.is_some() && idle(a));
    assert!(target.join("shop.sqlite").is_file());
    let said = &h.state().notices.last().unwrap().text;
    assert!(said.contains("files skipped: aisles.csv"), "{said}");
}

#[test]
fn made_up_instacart_dates_are_explained_under_the_daily_chart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("instacart");
    std::fs::create_dir(&data).unwrap();
    write(
        &data,
        "products.csv",
        "product_id,product_name,aisle_id,department_id\n1,Banana,1,1\n2,Milk,2,1\n",
    );
    write(&data, "aisles.csv", "aisle_id,aisle\n1,fruit\n2,dairy\n");
    write(
        &data,
        "departments.csv",
        "department_id,department\n1,produce\n",
    );
    write(
        &data,
        "order_lines.csv",
        ",order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id,add_to_cart_order,reordered\n0,10,7,1,1,9,,1,1,0\n1,11,7,2,3,10,5,2,1,0\n",
    );
    let mut h = harness(AppSettings::default());
    create(&mut h, dir.path().join("shop"), vec![data]);
    h.state_mut().view = View::Data;
    h.step();
    h.step();
    h.get_by_label_contains("Dates here are made up");
}

#[test]
fn the_file_picker_opens_in_the_folder_it_was_last_in() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("exports");
    std::fs::create_dir(&data).unwrap();
    write(&data, "catalog.csv", "item_id,title\na,Apple\n");
    let mut h = harness(AppSettings::default());
    h.state_mut().send(Command::RememberFolder(data.clone()));
    h.step();
    assert_eq!(
        h.state().settings.last_folder.as_deref(),
        Some(data.as_path())
    );
    h.get_by_label("Add files or a folder…").click();
    h.run();
    // The picker lists the remembered folder: its file is there to tick.
    h.get_by_label("catalog.csv").click();
    h.run();
    h.get_by_label("Add the ticked files (1)").click();
    step_until(&mut h, "the file in the list", |a| {
        !a.start.new_files.is_empty()
    });
    assert_eq!(h.state().start.new_files, [data.join("catalog.csv")]);
}

#[test]
fn a_metric_in_compare_and_a_shopper_in_data_drill_down_to_recommend() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open_demo(dir.path());
    h.get_by_label("Compare").click();
    h.run_steps(2);
    // The newest run's ndcg@10 cell, as the table shows it.
    let run = h
        .state()
        .project
        .as_ref()
        .unwrap()
        .runs
        .last()
        .unwrap()
        .clone();
    let ndcg = run.metrics.iter().find(|m| m.k == 10).unwrap().values.ndcg;
    let shown = shoplab_ui::views::value(Some(ndcg));
    h.get_all_by_label(&shown).next().expect("the cell").click();
    h.run_steps(2);
    assert_eq!(h.state().view, View::Recommend);
    let pu = &h.state().recommend.per_user;
    assert_eq!(
        (pu.run.as_deref(), pu.metric.as_str()),
        (Some(run.id.as_str()), "ndcg@10")
    );

    // Data → Shoppers → a shopper's timeline → their lists in Recommend.
    let user = h.state().project.as_ref().unwrap().users[0].clone();
    h.state_mut().send(Command::LoadShopper(user.clone()));
    h.state_mut().view = View::Data;
    h.state_mut().data.tab = shoplab_ui::views::data::Tab::Shoppers;
    step_until(&mut h, "the timeline", |a| {
        a.data.shopper.is_some() && idle(a)
    });
    h.get_by_label("Recommendations for this shopper").click();
    step_until(&mut h, "the shopper's lists", |a| {
        a.view == View::Recommend && !a.recommend.lists.is_empty() && idle(a)
    });
    assert!(h.state().recommend.lists.iter().all(|l| l.user == user));
}

/// A project with a two-item catalog, and the events file beside it (not imported).
fn catalog_project(h: &mut Harness<'_, ShopLabApp>, dir: &std::path::Path) -> std::path::PathBuf {
    let catalog = write(
        dir,
        "catalog.csv",
        "item_id,title\na,Red shoe\nb,Blue shoe\n",
    );
    let events = write(
        dir,
        "events.csv",
        "user_id,item_id,event,timestamp\nu1,a,view,1704067200\nu1,b,purchase,1704067300\nu2,a,view,1704067400\n",
    );
    create(h, dir.join("shop"), vec![catalog]);
    assert!(h.state().project.is_some());
    events
}

#[test]
fn an_import_says_what_it_did_and_a_file_imported_before_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(AppSettings::default());
    let events = catalog_project(&mut h, dir.path());
    let import = |h: &mut Harness<'_, ShopLabApp>| {
        h.state_mut()
            .send(Command::Import(vec![events.clone()], Default::default()));
        h.step();
        step_until(h, "the import and the reload after it", idle);
        h.state().notices.last().unwrap().text.clone()
    };
    // The reload after the import does not cover its message with "Opened shop".
    let said = import(&mut h);
    assert!(
        said.contains("Imported events.csv: 3 rows accepted, 0 rejected"),
        "{said}"
    );
    assert!(!said.contains("Opened"), "{said}");
    assert_eq!(h.state().project.as_ref().unwrap().stats.events, 3);
    let said = import(&mut h);
    assert!(
        said.contains("events.csv was imported before (same content); nothing added."),
        "{said}"
    );
}

#[test]
fn a_created_project_is_shown_in_data_even_when_the_app_started_on_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_launched(
        AppSettings::default(),
        Launch {
            fresh: true,
            view: Some(View::Start),
            ..Launch::default()
        },
        egui::vec2(1280.0, 860.0),
    );
    catalog_project(&mut h, dir.path());
    assert_eq!(h.state().view, View::Data);
    // "1 shopper", not "1 shoppers".
    let said = h.state().notices.last().unwrap().text.clone();
    assert!(said.contains("catalog.csv (2 items)"), "{said}");
}

#[test]
fn in_a_760_px_window_the_health_figures_wrap_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(AppSettings::default());
    let events = catalog_project(&mut h, dir.path());
    h.state_mut()
        .send(Command::Import(vec![events], Default::default()));
    h.step();
    step_until(&mut h, "the import", |a| {
        idle(a) && a.project.as_ref().is_some_and(|p| p.stats.events == 3)
    });
    h.state_mut().view = View::Data;
    h.set_size(egui::vec2(760.0, 480.0));
    h.run_steps(4);
    for label in [
        "products with few events",
        "shoppers with few events",
        "search judgments",
        "rejected rows",
    ] {
        let r = h.get_by_label(label).rect();
        // A squeezed figure's words stood a letter wide at the window's edge.
        assert!(
            r.right() <= 760.0 && r.width() > 4.0 * r.height(),
            "{label} at {r:?}"
        );
    }
    let cold = h.get_by_label_contains("Cold means fewer than 5").rect();
    assert!(cold.right() <= 760.0, "{cold:?}");
}

#[test]
fn a_rejected_rows_reason_cut_short_shows_one_tooltip() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(AppSettings::default());
    catalog_project(&mut h, dir.path());
    let orphans = write(
        dir.path(),
        "orphans.csv",
        "user_id,item_id,event,timestamp\nu1,a,view,1704067200\nu1,zz,view,1704067300\n",
    );
    h.state_mut()
        .send(Command::Import(vec![orphans], Default::default()));
    h.step();
    step_until(&mut h, "the import", |a| {
        idle(a)
            && a.project
                .as_ref()
                .is_some_and(|p| p.stats.rejected_rows == 1)
    });
    h.state_mut().view = View::Data;
    h.set_size(egui::vec2(760.0, 480.0));
    h.run_steps(2);
    h.get_by_label("Imports").click();
    h.run_steps(2);
    h.get_by_label("Show rejected rows").click();
    h.step();
    step_until(&mut h, "the rejected rows", |a| a.data.rejected.is_some());
    h.run_steps(2);
    let cell = h.get_by_label_contains("unknown item 'zz'");
    cell.hover();
    h.run_steps(4);
    // The cell and one tooltip with the whole reason; not two stacked tooltips.
    let shown = h.get_all_by_label_contains("unknown item 'zz'").count();
    assert_eq!(shown, 2, "the cell and one tooltip");
}

#[test]
fn after_a_quick_run_train_shows_a_metric_by_k_table_and_the_finished_curve_or_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open_demo(dir.path());
    let runs = h.state().project.as_ref().unwrap().runs.len();
    h.get_by_label("Train").click();
    h.run_steps(3);
    h.get_by_label("most popular (popularity)").click();
    h.step();
    h.get_by_label("Train and evaluate").click();
    step_until(&mut h, "the quick run", |a| {
        idle(a) && a.project.as_ref().unwrap().runs.len() == runs + 1
    });
    h.run_steps(2);
    let finished = "Running mean over the shoppers scored (finished)";
    for (w, hgt) in [(1280.0, 800.0), (760.0, 480.0)] {
        h.set_size(egui::vec2(w, hgt));
        h.run_steps(4);
        // One column per K of the run (5, 10, 20), each header once, in the window.
        for k in [5, 10, 20] {
            let label = format!("K = {k}");
            let headers: Vec<_> = h.get_all_by_label(&label).collect();
            assert_eq!(headers.len(), 1, "K = {k} at {w}x{hgt}");
            assert!(
                headers[0].rect().right() <= w,
                "K = {k} clipped at {w}x{hgt}"
            );
        }
        // One row per metric, not one per metric and K.
        assert_eq!(
            h.get_all_by_label_contains("(ndcg)").count(),
            1,
            "one NDCG row at {w}x{hgt}"
        );
        assert!(h.query_by_label_contains("(ndcg@10)").is_none());
        // The curve the run collected stays, marked finished.
        h.get_by_label(finished);
    }
    {
        let app = h.state();
        let curves = app.train.curves_of_last_run().expect("the run's curves");
        assert!(
            curves
                .values()
                .all(|c| c.axis == CurveAxis::Shoppers && c.drawable())
        );
    }

    // A run that scored every shopper in one step leaves one point: one
    // line says so, no chart with an axis around nothing.
    h.state_mut().train.last_curves = [(
        "recall@5".to_string(),
        Curve::new(CurveAxis::Shoppers, vec![[239.0, 0.1]]),
    )]
    .into();
    h.run_steps(2);
    assert!(h.query_by_label(finished).is_none());
    h.get_by_label_contains("too quick for a curve");

    // A learned model's epochs: loss and validation each get a chart with
    // epoch on x, beside the evaluation's running mean.
    let epochs = |v: &[f64]| -> Vec<[f64; 2]> {
        v.iter()
            .enumerate()
            .map(|(i, y)| [i as f64 + 1.0, *y])
            .collect()
    };
    h.state_mut().train.last_curves = [
        ("loss", CurveAxis::Epochs, epochs(&[0.69, 0.52, 0.47])),
        (
            "valid ndcg@10",
            CurveAxis::Epochs,
            epochs(&[0.1, 0.15, 0.17]),
        ),
        (
            "recall@5",
            CurveAxis::Shoppers,
            vec![[16.0, 0.1], [32.0, 0.2]],
        ),
    ]
    .into_iter()
    .map(|(n, a, p)| (n.to_string(), Curve::new(a, p)))
    .collect();
    h.run_steps(2);
    h.get_by_label("Training loss per epoch (finished)");
    h.get_by_label("Validation per epoch (finished)");
    h.get_by_label(finished);

    // A cancelled run's curves never show under the previous run.
    h.state_mut().train.run_started();
    h.state_mut().train.starting = false;
    h.run_steps(2);
    assert!(h.state().train.curves_of_last_run().is_none());
    assert!(h.query_by_label(finished).is_none());
    assert!(h.query_by_label_contains("per epoch").is_none());
}

/// Cancel during a learned model's training stops it within a second (a
/// few in a loaded debug build) and records nothing; the view says so.
#[test]
fn cancelling_bpr_mid_training_stops_at_once_and_records_nothing() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let mut h = open_demo(dir.path());
    let runs_before = h.state().project.as_ref().unwrap().runs.len();
    h.get_by_label("Train").click();
    h.run_steps(3);
    h.state_mut().train.select_model("bpr");
    h.state_mut().train.model["epochs"] = serde_json::json!(100_000);
    h.state_mut().train.use_suggested_validation();
    h.step();
    h.get_by_label("Train and evaluate").click();
    let stage = |a: &ShopLabApp| {
        a.jobs
            .iter()
            .find(|j| j.title.starts_with("Training"))
            .map(|j| j.state().stage)
            .unwrap_or_default()
    };
    step_until(&mut h, "BPR's epochs to start", |a| {
        stage(a).starts_with("train bpr")
    });
    // A few batches in, then Cancel.
    h.run_steps(2);
    h.get_all_by_label("Cancel").next().unwrap().click();
    let pressed = Instant::now();
    step_until(&mut h, "training to stop", idle);
    let took = pressed.elapsed();
    assert!(took < Duration::from_secs(3), "stopped after {took:?}");
    h.step();
    let app = h.state();
    assert_eq!(app.project.as_ref().unwrap().runs.len(), runs_before);
    let said = app.train.last_error.clone().unwrap_or_default();
    assert!(said.contains("cancelled"), "{said}");
    assert!(app.train.last_run.is_none() || app.train.curves_of_last_run().is_none());
    assert!(h.query_all_by_label_contains("cancelled").count() > 0);
}

#[test]
fn compare_tests_the_ticked_runs_against_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open_demo(dir.path());
    h.get_by_label("Compare").click();
    h.run_steps(2);
    let ticked = h.state().compare.selected.len();
    assert!(ticked >= 2, "the demo's runs are ticked");
    // Below the protocol notes: a person scrolls down to it.
    h.get_by_label("Test against the baseline").scroll_to_me();
    h.step();
    h.get_by_label("Test against the baseline").click();
    step_until(&mut h, "the A/B test", |a| {
        a.compare.ab.report.is_some() || a.compare.ab.error.is_some()
    });
    let (asked, report) = h.state().compare.ab.report.clone().expect("a report");
    assert_eq!(asked.len(), ticked, "baseline + every other ticked run");
    assert_eq!(report.challengers.len(), ticked - 1);
    let all = &report.segments[0];
    assert_eq!(all.name, "all");
    for cells in &all.cells {
        for c in cells {
            let t = &c.test;
            assert_eq!(t.wins + t.ties + t.losses, report.shoppers);
            assert!(c.p_holm >= t.p_value);
        }
    }
    h.run_steps(2);
    h.get_by_label("Verdict");
    h.get_by_label("Cost beside quality");
    // The same comparison as a report folder to hand on.
    h.get_by_label("Write an HTML report").click();
    h.run_steps(3);
    step_until(&mut h, "the report", idle);
    let reports = h.state().project.as_ref().unwrap().reports_dir.clone();
    let page = std::fs::read_dir(&reports)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("report.html"))
        .find(|p| p.is_file())
        .expect("a report folder with report.html");
    let html = std::fs::read_to_string(page).unwrap();
    assert!(html.contains("<svg") && html.contains("Is the difference real?"));
}

#[test]
fn compare_fuses_the_ticked_runs_and_tests_the_fusion_against_each_member() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open_demo(dir.path());
    h.get_by_label("Compare").click();
    h.run_steps(2);
    let members: Vec<String> = {
        let p = h.state().project.as_ref().unwrap();
        ["ease", "item_knn"]
            .iter()
            .map(|m| p.runs.iter().find(|r| r.model == *m).unwrap().id.clone())
            .collect()
    };
    h.state_mut().compare.selected = members.iter().cloned().collect();
    h.run_steps(2);
    h.get_by_label("Fuse runs into one").click();
    h.run_steps(2);
    h.get_by_label("Fuse the ticked runs").click();
    step_until(&mut h, "the fusion", |a| {
        a.compare.fusion.result.is_some() || a.compare.fusion.error.is_some()
    });
    let app = h.state();
    assert!(
        app.compare.fusion.error.is_none(),
        "{:?}",
        app.compare.fusion.error
    );
    let (run, against) = app.compare.fusion.result.clone().unwrap();
    let f = run.fusion.clone().unwrap();
    let mut fused = f.members.clone();
    fused.sort();
    let mut want = members.clone();
    want.sort();
    assert_eq!(fused, want, "the ticked runs, in the table's order");
    assert_eq!(f.tuned_on, "validation");
    assert_eq!(against.len(), 2, "one comparison per member");
    assert!(
        app.project
            .as_ref()
            .unwrap()
            .runs
            .iter()
            .any(|r| r.id == run.id),
        "the fused run joins the project's runs"
    );
    h.run_steps(2);
    h.get_by_label("Member alone");
}
