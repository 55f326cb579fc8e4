//! Train and Recommend as a person meets them (issue 9, items 7, 8, 10):
//! one run per click, no stale messages or lists, held-out hits marked, and
//! the per-shopper drill-down; over a small shop built here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use eframe::egui;
use egui_kittest::Harness;

mod common;
use common::{harness_launched, step_until};
use egui_kittest::kittest::Queryable;
use shoplab_datasets::read::ReadOptions;
use shoplab_datasets::{CancelToken, NoProgress};
use shoplab_engine::Project;
use shoplab_engine::recommend::ModelSpec;
use shoplab_engine::run::RunSpec;
use shoplab_engine::store::ImportOptions;
use shoplab_ui::views::{ViewCtx, per_user, train};
use shoplab_ui::{
    AppSettings, Command, Curve, CurveAxis, Lang, Launch, ShopLabApp, Snapshot, View,
};

/// 20 shoppers buying 6 of 12 items on 6 days; `U-cold` buys once on the
/// last day (test period only), `U-early` once before everyone (training only).
fn shop(dir: &Path, name: &str) -> PathBuf {
    let catalog = dir.join(format!("{name}-catalog.csv"));
    let mut text = String::from("item_id,title,brand,category,price\n");
    for i in 0..12 {
        text.push_str(&format!("I{i},Item number {i},Acme,Things,{}\n", 10 + i));
    }
    std::fs::write(&catalog, text).unwrap();
    let events = dir.join(format!("{name}-events.csv"));
    let mut text = String::from("user_id,item_id,event,timestamp\n");
    let base = 1_704_067_200;
    for u in 0..20 {
        for j in 0..6 {
            let item = (u + j * 5) % 12;
            let ts = base + j * 86_400 + u * 10;
            text.push_str(&format!("U{u:02},I{item},purchase,{ts}\n"));
        }
    }
    text.push_str(&format!("U-cold,I3,purchase,{}\n", base + 6 * 86_400));
    text.push_str(&format!("U-early,I4,purchase,{}\n", base - 86_400));
    std::fs::write(&events, text).unwrap();
    let root = dir.join(name);
    let mut p = Project::create(&root, name).unwrap();
    for f in [&catalog, &events] {
        p.import(
            f,
            &ReadOptions::default(),
            &ImportOptions::default(),
            &NoProgress,
            &CancelToken::new(),
        )
        .unwrap();
    }
    let spec = RunSpec {
        model: ModelSpec::from_name_and_params("popularity", &Default::default()).unwrap(),
        ..RunSpec::default()
    };
    p.run(&spec, &NoProgress, &CancelToken::new()).unwrap();
    root
}

fn app_on(root: &Path) -> Harness<'static, ShopLabApp> {
    let launch = Launch {
        fresh: true,
        project: Some(root.to_path_buf()),
        ..Launch::default()
    };
    let mut h = harness_launched(AppSettings::default(), launch, egui::vec2(1280.0, 800.0));
    step_until(&mut h, "the project to open", |a| {
        a.project.is_some() && !a.working()
    });
    h
}

/// The Train view alone, with no app behind it: a click's job never appears.
struct TrainOnly {
    state: train::TrainState,
    snapshot: Snapshot,
    out: Vec<Command>,
}

fn trains(out: &[Command]) -> usize {
    out.iter()
        .filter(|c| matches!(c, Command::Train(_)))
        .count()
}

#[test]
fn the_train_button_is_off_from_the_click_on_and_a_double_click_starts_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = shop(dir.path(), "shop");
    let snapshot = Snapshot::open(&root, &NoProgress, &CancelToken::new()).unwrap();
    // Frames 50 ms apart, as a person's double click spans a few frames.
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_step_dt(0.05)
        .build_ui_state(
            |ui, s: &mut TrainOnly| {
                let ctx = ViewCtx {
                    lang: Lang::En,
                    project: Some(&s.snapshot),
                    jobs: &[],
                    picker_start: None,
                };
                train::ui(ui, &mut s.state, &ctx, &mut s.out);
            },
            TrainOnly {
                state: train::TrainState::default(),
                snapshot,
                out: Vec::new(),
            },
        );
    h.step();
    // The help under each parameter reads at body size (was 9 px "small").
    let meaning = shoplab_ui::words::param_plain(Lang::En, "test_fraction")
        .unwrap()
        .meaning;
    let help = h.get_by_label(meaning).rect();
    assert!(help.height() >= 14.0, "help text {help:?}");
    // Two clicks in consecutive frames, before any job exists: one command.
    h.get_by_label("Train and evaluate").click();
    h.step();
    assert!(h.state().state.starting, "set in the view, on the click");
    h.get_by_label("Train and evaluate").click();
    h.step();
    assert_eq!(trains(&h.state().out), 1);

    // A fast run ended between the two clicks of a double click: the
    // second click does not start another.
    h.state_mut().out.clear();
    h.state_mut().state.starting = false;
    for _ in 0..20 {
        h.step(); // the first click of the pair is long past
    }
    h.get_by_label("Train and evaluate").click();
    h.step();
    assert_eq!(trains(&h.state().out), 1);
    h.state_mut().state.starting = false;
    h.get_by_label("Train and evaluate").click();
    h.step();
    assert_eq!(
        trains(&h.state().out),
        1,
        "the second click of a double click"
    );
}

#[test]
fn the_app_runs_one_training_for_two_commands_and_a_new_run_clears_the_old_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = shop(dir.path(), "shop");
    let mut h = app_on(&root);
    h.state_mut().view = View::Train;
    h.state_mut().train.last_error = Some("Training content: cancelled".into());
    let spec = h.state().train.spec().unwrap();
    h.state_mut().send(Command::Train(Box::new(spec.clone())));
    h.state_mut().send(Command::Train(Box::new(spec)));
    h.step();
    {
        let app = h.state();
        let training = app
            .jobs
            .iter()
            .filter(|j| j.title.starts_with("Training"))
            .count();
        assert!(training <= 1, "{training} training jobs");
        assert_eq!(app.train.last_error, None, "cleared when a run starts");
        assert!(
            app.notices.iter().all(|n| !n.error),
            "no error for a refused repeat"
        );
    }
    step_until(&mut h, "the run", |a| {
        !a.working() && a.project.as_ref().unwrap().runs.len() == 2
    });
    step_until(&mut h, "a few more frames", |a| a.train.last_run.is_some());
    let app = h.state();
    assert!(!app.train.starting, "the button is back once the job ended");
    assert_eq!(
        app.project.as_ref().unwrap().runs.len(),
        2,
        "one run, not two"
    );
}

#[test]
fn opening_another_project_forgets_train_and_recommend_state() {
    let dir = tempfile::tempdir().unwrap();
    let first = shop(dir.path(), "first");
    let second = shop(dir.path(), "second");
    let mut h = app_on(&first);
    h.state_mut().view = View::Recommend;
    step_until(&mut h, "lists and per-user rows", |a| {
        !a.recommend.lists.is_empty() && a.recommend.per_user.table.is_some() && !a.working()
    });
    {
        let app = h.state_mut();
        app.train.last_error = Some("Training content: cancelled".into());
        app.train.last_run = Some("x".into());
        app.train.last_curves.insert(
            "recall@10".into(),
            Curve::new(CurveAxis::Shoppers, vec![[1.0, 0.5]]),
        );
        app.recommend.user = "U05".into();
    }
    h.state_mut().send(Command::OpenProject(second.clone()));
    step_until(&mut h, "the second project", |a| {
        a.project.as_ref().is_some_and(|p| p.root == second) && !a.working()
    });
    let app = h.state();
    assert_eq!(app.train.last_error, None);
    assert_eq!(app.train.last_run, None);
    assert!(app.train.last_curves.is_empty());
    let second_run = &app.project.as_ref().unwrap().runs[0].id;
    assert!(
        app.recommend.lists.iter().all(|l| l.run == *second_run),
        "no list of the first project's runs"
    );
    assert!(
        app.recommend
            .per_user
            .table
            .as_ref()
            .is_none_or(|t| t.run == *second_run)
    );
}

#[test]
fn a_new_shopper_drops_the_old_lists_and_hits_are_marked_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let root = shop(dir.path(), "shop");
    let mut h = app_on(&root);
    h.state_mut().view = View::Recommend;
    step_until(&mut h, "the first shopper's lists", |a| {
        !a.recommend.lists.is_empty() && !a.working()
    });
    let before = h.state().recommend.user.clone();
    assert_eq!(before, "U00");
    {
        let list = &h.state().recommend.lists[0];
        assert_eq!(list.user, "U00");
        assert!(!list.held_out.is_empty(), "U00 bought in the test period");
        let hits = list.items.iter().filter(|i| i.hit).count();
        assert_eq!(
            hits,
            list.held_out.len(),
            "popularity lists every unbought item"
        );
        for it in &list.items {
            assert_eq!(it.hit, list.held_out.iter().any(|h| h.id == it.item.id));
        }
    }
    h.step();
    let n = h.state().recommend.lists[0].held_out.len();
    h.get_by_label_contains(&format!("{n} of {n} held-out items found"));
    h.get_by_label_contains("taken in the test period");

    // Random shopper: the old lists go at once, the new shopper's come.
    for _ in 0..3 {
        h.get_by_label("Random shopper").click();
        h.step();
        if h.state().recommend.user != before {
            break;
        }
    }
    let user = h.state().recommend.user.clone();
    assert_ne!(user, before, "another shopper was picked");
    assert!(
        h.state().recommend.lists.iter().all(|l| l.user == user),
        "no panel of the shopper before"
    );
    step_until(&mut h, "the new shopper's lists", |a| {
        !a.recommend.lists.is_empty() && !a.working()
    });
    assert!(h.state().recommend.lists.iter().all(|l| l.user == user));

    // A cold shopper and one with nothing in the test period are told so.
    for (who, says) in [
        ("U-cold", "No training events for this shopper"),
        ("U-early", "took nothing new in this run's test period"),
    ] {
        h.state_mut().send(Command::RecommendFor {
            user: who.into(),
            runs: Vec::new(),
        });
        step_until(&mut h, who, |a| {
            a.recommend.lists.first().is_some_and(|l| l.user == who) && !a.working()
        });
        h.step();
        h.get_by_label_contains(says);
    }
    assert!(h.state().recommend.lists[0].items.iter().all(|i| !i.hit));

    // An unknown id is said in the view, where the lists would be.
    h.state_mut().send(Command::RecommendFor {
        user: "nobody".into(),
        runs: Vec::new(),
    });
    step_until(&mut h, "the error", |a| {
        a.recommend.error.is_some() && !a.working()
    });
    h.step();
    assert!(
        h.get_all_by_label_contains("'nobody' not found").count() >= 2,
        "in the view as well as the status bar"
    );
}

#[test]
fn the_per_user_list_loads_in_the_background_worst_first_and_a_shopper_click_drills_down() {
    let dir = tempfile::tempdir().unwrap();
    let root = shop(dir.path(), "shop");
    let mut h = app_on(&root);
    h.state_mut().view = View::Recommend;
    step_until(&mut h, "the per-user rows", |a| {
        a.recommend.per_user.table.is_some() && !a.working()
    });
    let (order, users) = {
        let s = &mut h.state_mut().recommend.per_user;
        let order = s.sorted().to_vec();
        let t = s.table.as_ref().unwrap();
        let col = t.column(per_user::DEFAULT_METRIC).unwrap();
        let values: Vec<f64> = order.iter().map(|&i| t.rows[i].values[col]).collect();
        assert!(
            values.windows(2).all(|w| w[0] <= w[1]),
            "worst first: {values:?}"
        );
        assert!(t.rows.len() >= 20, "{} rows", t.rows.len());
        (
            order,
            t.rows.iter().map(|r| r.user.clone()).collect::<Vec<_>>(),
        )
    };
    h.step();
    h.get_by_label_contains("Shoppers of run");
    // The worst shopper is a link to their lists.
    let worst = users[order[0]].clone();
    h.get_by_label(&worst).click();
    step_until(&mut h, "the worst shopper's lists", |a| {
        a.recommend.lists.first().is_some_and(|l| l.user == worst) && !a.working()
    });
    assert_eq!(h.state().recommend.user, worst);

    // A metric link (Compare): that run's shoppers by that metric, worst first.
    h.state_mut().view = View::Compare;
    let run = h.state().project.as_ref().unwrap().runs[0].id.clone();
    h.state_mut().recommend.hide_per_user = true;
    h.state_mut().send(Command::ShowShoppers {
        run: run.clone(),
        metric: "recall@10".into(),
    });
    step_until(&mut h, "the shoppers by recall@10", |a| {
        a.view == View::Recommend
            && !a.recommend.hide_per_user
            && a.recommend
                .per_user
                .table
                .as_ref()
                .is_some_and(|t| t.run == run)
            && !a.working()
    });
    h.step();
    h.get_by_label_contains("recall@10");
    {
        let s = &mut h.state_mut().recommend.per_user;
        assert_eq!(s.metric, "recall@10");
        let order = s.sorted().to_vec();
        let t = s.table.as_ref().unwrap();
        let col = t.column("recall@10").unwrap();
        let v: Vec<f64> = order.iter().map(|&i| t.rows[i].values[col]).collect();
        assert!(v.windows(2).all(|w| w[0] <= w[1]), "{v:?}");
    }

    // From another view (Data, Compare), the link switches to Recommend.
    h.state_mut().view = View::Data;
    h.state_mut().send(Command::RecommendFor {
        user: "U07".into(),
        runs: Vec::new(),
    });
    step_until(&mut h, "U07's lists", |a| {
        a.view == View::Recommend
            && a.recommend.lists.first().is_some_and(|l| l.user == "U07")
            && !a.working()
    });
}

#[test]
fn train_shows_models_parameters_and_event_kinds_in_plain_words_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let root = shop(dir.path(), "shop");
    let mut h = app_on(&root);
    h.state_mut().view = View::Train;
    h.state_mut().send(Command::SetLang(Lang::Zh));
    if h.state().cjk_font.is_none() {
        h.ctx
            .set_missing_glyph_policy(egui::MissingGlyphPolicy::Tofu);
    }
    h.step();
    h.step();
    let words = |f: fn(Lang, &str) -> String, key: &str| f(Lang::Zh, key);
    h.get_by_label_contains(&words(shoplab_ui::words::model, "item_knn"));
    // The plain name, with the identifier beside it as typed in specs.
    let plain = shoplab_ui::words::param_plain(Lang::Zh, "neighbours").unwrap();
    h.get_by_label(plain.name);
    h.get_by_label("(neighbours)");
    h.get_by_label(&words(shoplab_ui::words::event_kind, "purchase"));
}

#[test]
fn the_links_other_views_call_ask_for_a_shoppers_lists_or_a_runs_shoppers() {
    let mut h = Harness::builder().build_ui_state(
        |ui, out: &mut Vec<Command>| {
            per_user::shopper_link(ui, "U42", out);
            per_user::recommend_button(ui, Lang::En, "U43", out);
            per_user::shoppers_button(ui, Lang::En, "run-1", "ndcg@10", out);
        },
        Vec::new(),
    );
    h.step();
    h.get_by_label("U42").click();
    h.get_by_label("Recommendations for this shopper").click();
    h.get_by_label("Shoppers by this metric").click();
    h.step();
    let got: Vec<String> = h.state().iter().map(|c| format!("{c:?}")).collect();
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        matches!(&h.state()[0], Command::RecommendFor { user, runs } if user == "U42" && runs.is_empty())
    );
    assert!(matches!(&h.state()[1], Command::RecommendFor { user, .. } if user == "U43"));
    assert!(
        matches!(&h.state()[2], Command::ShowShoppers { run, metric } if run == "run-1" && metric == "ndcg@10")
    );
}

/// At least one widget reads exactly `text`.
fn shows<S>(h: &Harness<'_, S>, text: &str) {
    assert!(
        h.query_all_by_label(text).count() > 0,
        "nothing reads {text:?}"
    );
}

/// At least one widget's text contains `text`.
fn shows_part<S>(h: &Harness<'_, S>, text: &str) {
    assert!(
        h.query_all_by_label_contains(text).count() > 0,
        "nothing contains {text:?}"
    );
}

/// The Train view alone over `root`, in English, 50 ms frames.
fn train_only(root: &Path) -> Harness<'static, TrainOnly> {
    let snapshot = Snapshot::open(root, &NoProgress, &CancelToken::new()).unwrap();
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_step_dt(0.05)
        .build_ui_state(
            |ui, s: &mut TrainOnly| {
                let ctx = ViewCtx {
                    lang: Lang::En,
                    project: Some(&s.snapshot),
                    jobs: &[],
                    picker_start: None,
                };
                train::ui(ui, &mut s.state, &ctx, &mut s.out);
            },
            TrainOnly {
                state: train::TrainState::default(),
                snapshot,
                out: Vec::new(),
            },
        )
}

#[test]
fn a_learned_model_is_picked_its_settings_explained_and_a_bad_value_keeps_the_button_off() {
    use shoplab_ui::words;
    let dir = tempfile::tempdir().unwrap();
    let root = shop(dir.path(), "shop");
    let mut h = train_only(&root);
    h.step();
    // Listed after the baselines, under their own heading, in plain words.
    shows(&h, "Learned models (trained in epochs)");
    h.get_by_label(&words::model(Lang::En, "bpr")).click();
    h.step();
    h.step();
    assert_eq!(h.state().state.model["model"], "bpr");
    // Each setting: its plain name, the key, and its own meaning (a step's
    // pairs, not the evaluation's shoppers per work unit).
    let lr = words::learned_param_plain(Lang::En, "learning_rate").unwrap();
    shows(&h, lr.name);
    shows(&h, "(learning_rate)");
    shows(&h, lr.meaning);
    let batch = words::learned_param_plain(Lang::En, "batch_size").unwrap();
    shows(&h, batch.meaning);
    shows(&h, "Train on");
    // No validation share: said in one line, with a button that sets one.
    let hint = "Without a validation share it trains all its epochs";
    shows_part(&h, hint);
    h.get_by_label("Hold out 10% of training for validation")
        .click();
    h.step();
    h.step();
    assert_eq!(h.state().state.split["valid_fraction"], 0.1);
    assert!(h.query_by_label_contains(hint).is_none());
    assert!(h.state().state.spec().is_ok());

    // A bad value: the engine's message names the field and the allowed
    // range, and there is no button to press.
    h.state_mut().state.model["learning_rate"] = serde_json::json!(-1.0);
    h.step();
    h.step();
    shows_part(
        &h,
        "learning_rate = -1 is not allowed; expected a number above 0",
    );
    assert!(h.query_by_label("Train and evaluate").is_none());
    assert_eq!(trains(&h.state().out), 0);

    // A list typed wrong says so in red under the field and keeps the button off.
    h.state_mut().state.select_model("neumf");
    h.state_mut().state.model["mlp_hidden_size"] = serde_json::json!("128, x");
    h.step();
    h.step();
    shows_part(&h, "mlp_hidden_size: 'x' is not a whole number");
    assert!(h.query_by_label("Train and evaluate").is_none());
    h.state_mut().state.model["mlp_hidden_size"] = serde_json::json!([128, 64]);
    h.step();
    h.step();
    assert!(h.query_by_label_contains("is not a whole number").is_none());
    shows(&h, "Train and evaluate");
}

#[test]
fn after_a_learned_run_train_shows_how_training_went_and_its_curves_from_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let root = shop(dir.path(), "shop");
    let p = Project::open(&root).unwrap();
    let params = [
        ("epochs", "4"),
        ("batch_size", "16"),
        ("learning_rate", "0.01"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let spec = RunSpec {
        model: ModelSpec::from_name_and_params("bpr", &params).unwrap(),
        split: "random".parse().unwrap(),
        device: shoplab_engine::DeviceChoice::Cpu,
        ..RunSpec::default()
    };
    let run = p.run(&spec, &NoProgress, &CancelToken::new()).unwrap();
    assert!(run.training.is_some());
    drop(p);
    // The app opens the project afresh: no live points, only the record.
    let mut h = app_on(&root);
    h.state_mut().view = View::Train;
    h.state_mut().train.last_run = Some(run.id.clone());
    h.step();
    h.step();
    assert!(h.state().train.curves_of_last_run().is_none());
    shows(&h, "How training went");
    shows(&h, "trained on:");
    shows(&h, "cpu");
    shows(&h, "epochs run:");
    shows(&h, "4 / 4");
    shows(&h, "stopped early:");
    shows(&h, "resumed:");
    shows(&h, "none: no validation share, the last epoch is kept");
    shows(&h, "Training loss per epoch (finished)");
}
