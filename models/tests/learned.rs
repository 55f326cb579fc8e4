//! Trainer, BPR, NeuMF and spec behaviour on small synthetic logs.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use shoplab_datasets::{CancelToken, ModelState, NoProgress, Recommender, UserQuery};
use shoplab_models::{
    BprParams, Error, FitContext, LearnedSpec, NeuMfParams, OptimizerKind, fit_bpr, fit_neumf,
    load_bpr, load_neumf,
};

fn small_bpr(epochs: usize) -> BprParams {
    BprParams {
        embedding_size: 8,
        epochs,
        batch_size: 16,
        learning_rate: 0.05,
        validate_every: 0,
        ..BprParams::default()
    }
}

fn ok<T>(r: shoplab_models::Result<T>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn bpr_learns_two_planted_groups() {
    let d = Data::new(planted(60, 40, 5));
    let cancel = CancelToken::new();
    // A low rank forces the model to find the groups instead of memorising.
    let p = BprParams {
        embedding_size: 4,
        ..small_bpr(30)
    };
    let fitted = ok(fit_bpr(&p, &d.view(), &ctx(&NoProgress, &cancel)));
    let purity = group_purity(fitted.model.as_ref(), &d.log);
    assert!(
        purity > 0.9,
        "trained BPR recommends across groups: purity {purity} {:?}",
        fitted.report.loss_curve
    );
    // The same check on an (almost) untrained model fails: the test can fail.
    let lazy = BprParams {
        learning_rate: 1e-9,
        epochs: 1,
        ..small_bpr(1)
    };
    let untrained = ok(fit_bpr(&lazy, &d.view(), &ctx(&NoProgress, &cancel)));
    assert!(group_purity(untrained.model.as_ref(), &d.log) < 0.7);
    assert!(fitted.report.loss_curve.first() > fitted.report.loss_curve.last());
}

#[test]
fn training_is_deterministic_for_a_seed_and_differs_across_seeds() {
    let d = Data::new(planted(30, 24, 5));
    let cancel = CancelToken::new();
    let fit = |seed| {
        let p = BprParams {
            seed,
            ..small_bpr(3)
        };
        ok(fit_bpr(&p, &d.view(), &ctx(&NoProgress, &cancel)))
            .model
            .state()
    };
    assert_eq!(fit(7), fit(7));
    assert_ne!(fit(7), fit(8));
}

#[test]
fn resume_continues_to_the_same_weights_and_a_foreign_key_starts_fresh() {
    let d = Data::new(planted(30, 24, 5));
    let cancel = CancelToken::new();
    let dir = tempfile::tempdir().unwrap();
    let with = |epochs, key: &'static str| {
        let c = FitContext {
            checkpoint_dir: Some(dir.path()),
            resume_key: key,
            ..ctx(&NoProgress, &cancel)
        };
        ok(fit_bpr(&small_bpr(epochs), &d.view(), &c))
    };
    let straight = ok(fit_bpr(
        &small_bpr(6),
        &d.view(),
        &ctx(&NoProgress, &cancel),
    ));
    let first = with(3, "run-1");
    assert_eq!(first.report.resumed_from, None);
    assert_ne!(first.model.state(), straight.model.state());
    let resumed = with(6, "run-1");
    assert_eq!(resumed.report.resumed_from, Some(3));
    assert_eq!(resumed.report.loss_curve.len(), 6);
    assert_eq!(resumed.report.loss_curve, straight.report.loss_curve);
    assert_eq!(resumed.model.state(), straight.model.state());
    // Another run's checkpoint is ignored (and replaced).
    let other = with(2, "run-2");
    assert_eq!(other.report.resumed_from, None);
    let fresh2 = ok(fit_bpr(
        &small_bpr(2),
        &d.view(),
        &ctx(&NoProgress, &cancel),
    ));
    assert_eq!(other.model.state(), fresh2.model.state());
}

#[test]
fn nan_loss_stops_with_diverged_and_keeps_the_last_good_checkpoint() {
    let d = Data::new(planted(30, 24, 5));
    let cancel = CancelToken::new();
    let dir = tempfile::tempdir().unwrap();
    let c = FitContext {
        checkpoint_dir: Some(dir.path()),
        resume_key: "k",
        ..ctx(&NoProgress, &cancel)
    };
    let sgd = |lr, epochs| BprParams {
        optimizer: OptimizerKind::Sgd,
        learning_rate: lr,
        ..small_bpr(epochs)
    };
    ok(fit_bpr(&sgd(0.05, 2), &d.view(), &c));
    let path = shoplab_models::train::checkpoint_path(dir.path());
    let before = std::fs::read(&path).unwrap();
    let err = fit_bpr(&sgd(1e6, 10), &d.view(), &c).err().unwrap();
    match &err {
        Error::Diverged { epoch, .. } => assert_eq!(*epoch, 3, "{err}"),
        other => panic!("expected Diverged, got {other}"),
    }
    assert!(err.to_string().contains("lower learning_rate"), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the good checkpoint was overwritten"
    );
    let st = ModelState::from_safetensors(&before).unwrap();
    assert_eq!(st.get_meta("epochs_done"), Some("2"));
}

#[test]
fn cancel_stops_within_a_batch_and_returns_nothing() {
    let d = Data::new(planted(30, 24, 5));
    let rec = Recorder {
        cancel_after: 3,
        ..Recorder::default()
    };
    let c = ctx(&rec, &rec.cancel);
    let r = fit_bpr(&small_bpr(50), &d.view(), &c);
    assert!(matches!(r, Err(Error::Cancelled)));
    assert_eq!(rec.advanced.load(Ordering::SeqCst), 3);
}

#[test]
fn progress_reports_every_batch_loss_and_validation() {
    let d = Data::new(planted(30, 24, 5)); // 150 pairs = 10 batches of 16
    let rec = Recorder::default();
    let v = Scripted {
        values: vec![0.1, 0.2, 0.3],
        calls: AtomicUsize::new(0),
    };
    let c = FitContext {
        validator: Some(&v),
        ..ctx(&rec, &rec.cancel)
    };
    let p = BprParams {
        validate_every: 1,
        ..small_bpr(3)
    };
    let f = ok(fit_bpr(&p, &d.view(), &c));
    assert_eq!(
        *rec.stages.lock().unwrap(),
        vec![("train bpr".to_string(), Some(30))]
    );
    assert_eq!(rec.advanced.load(Ordering::SeqCst), 30);
    let m = rec.metrics.lock().unwrap().clone();
    assert_eq!(m.iter().filter(|(n, _)| n == "loss").count(), 3);
    let valid: Vec<f64> = m
        .iter()
        .filter(|(n, _)| n == "valid ndcg@10")
        .map(|x| x.1)
        .collect();
    assert_eq!(valid, vec![0.1, 0.2, 0.3]);
    assert_eq!(f.report.best_epoch, Some(3));
}

#[test]
fn early_stopping_restores_the_best_epoch() {
    let d = Data::new(planted(30, 24, 5));
    let cancel = CancelToken::new();
    let v = Scripted {
        values: vec![0.5, 0.6, 0.4, 0.3, 0.9],
        calls: AtomicUsize::new(0),
    };
    let c = FitContext {
        validator: Some(&v),
        ..ctx(&NoProgress, &cancel)
    };
    let p = BprParams {
        validate_every: 1,
        patience: 2,
        ..small_bpr(10)
    };
    let f = ok(fit_bpr(&p, &d.view(), &c));
    assert_eq!(f.report.epochs_run, 4);
    assert!(f.report.stopped_early);
    assert_eq!(f.report.best_epoch, Some(2));
    assert_eq!(f.report.best_metric, Some(0.6));
    let two = ok(fit_bpr(
        &small_bpr(2),
        &d.view(),
        &ctx(&NoProgress, &cancel),
    ));
    assert_eq!(
        f.model.state(),
        two.model.state(),
        "not the best epoch's weights"
    );
}

fn check_batch_equals_single(model: &dyn Recommender, n_users: u32) {
    let n = model.n_items();
    // More known shoppers than BPR scores one by one on the CPU, so the
    // batch goes through the matrix product and is compared with the
    // one-shopper path.
    let users = [
        Some(2),
        None,
        Some(0),
        Some(n_users + 5),
        Some(n_users - 1),
        Some(1),
        Some(3),
        Some(4),
        Some(5),
        Some(6),
    ];
    let qs: Vec<UserQuery<'_>> = users
        .iter()
        .map(|&u| UserQuery::from_set(u, &[], &[]))
        .collect();
    let mut block = vec![0f32; qs.len() * n];
    model.score_batch(&qs, &mut block);
    for (r, q) in qs.iter().enumerate() {
        let mut one = vec![0f32; n];
        model.score(q, &mut one);
        for j in 0..n {
            assert!((one[j] - block[r * n + j]).abs() < 1e-5, "row {r} item {j}");
        }
        if q.user.is_none_or(|u| u >= n_users) {
            assert!(one.iter().all(|&x| x == 0.0), "unknown shopper got scores");
        } else {
            assert!(one.iter().any(|&x| x != 0.0));
        }
    }
}

fn round_trip(model: &dyn Recommender) -> ModelState {
    let bytes = model.state().to_safetensors().unwrap();
    ModelState::from_safetensors(&bytes).unwrap()
}

#[test]
fn bpr_batch_scoring_and_save_load() {
    let d = Data::new(planted(30, 24, 5));
    let cancel = CancelToken::new();
    let p = small_bpr(2);
    let f = ok(fit_bpr(&p, &d.view(), &ctx(&NoProgress, &cancel)));
    check_batch_equals_single(f.model.as_ref(), 30);
    let loaded = ok(load_bpr(
        &p,
        &round_trip(f.model.as_ref()),
        &candle_core::Device::Cpu,
    ));
    assert_eq!(all_scores(&loaded, 30), all_scores(f.model.as_ref(), 30));
    assert_eq!(f.model.size_bytes(), (30 + 24) * 8 * 4);
    // Another embedding size, or another format, says to retrain.
    let other = BprParams {
        embedding_size: 16,
        ..p.clone()
    };
    let e = load_bpr(&other, &f.model.state(), &candle_core::Device::Cpu)
        .err()
        .unwrap();
    assert!(e.to_string().contains("retrain"), "{e}");
    let mut st = f.model.state();
    st.metadata.retain(|(k, _)| k != "format");
    st.meta("format", "shoplab-bpr-0");
    let e = load_bpr(&p, &st, &candle_core::Device::Cpu).err().unwrap();
    assert!(e.to_string().contains("another ShopLab version"), "{e}");
}

fn small_neumf(epochs: usize) -> NeuMfParams {
    NeuMfParams {
        mf_embedding_size: 8,
        mlp_embedding_size: 8,
        mlp_hidden_size: vec![16, 8],
        epochs,
        batch_size: 32,
        learning_rate: 0.01,
        validate_every: 0,
        negatives: 2,
        ..NeuMfParams::default()
    }
}

#[test]
fn neumf_learns_groups_scores_in_batches_and_round_trips() {
    let d = Data::new(planted(60, 40, 5));
    let cancel = CancelToken::new();
    let p = small_neumf(30);
    let f = ok(fit_neumf(&p, &d.view(), &ctx(&NoProgress, &cancel)));
    let purity = group_purity(f.model.as_ref(), &d.log);
    assert!(
        purity > 0.9,
        "trained NeuMF recommends across groups: purity {purity} {:?}",
        f.report.loss_curve
    );
    check_batch_equals_single(f.model.as_ref(), 60);
    let loaded = ok(load_neumf(
        &p,
        &round_trip(f.model.as_ref()),
        &candle_core::Device::Cpu,
    ));
    assert_eq!(all_scores(&loaded, 60), all_scores(f.model.as_ref(), 60));
    let again = ok(fit_neumf(&p, &d.view(), &ctx(&NoProgress, &cancel)));
    assert_eq!(
        again.model.state(),
        f.model.state(),
        "NeuMF training is not deterministic"
    );
    let wider = NeuMfParams {
        mlp_hidden_size: vec![32, 8],
        ..p
    };
    let e = load_neumf(&wider, &f.model.state(), &candle_core::Device::Cpu)
        .err()
        .unwrap();
    assert!(e.to_string().contains("mlp.0.weight"), "{e}");
}

#[test]
fn spec_files_overrides_and_defaults_agree() {
    for name in ["bpr", "neumf"] {
        let default = ok(LearnedSpec::default_for(name));
        // A partial spec file keeps the model's own defaults for the rest.
        let partial = ok(LearnedSpec::from_json(
            name,
            &serde_json::json!({"epochs": 7}),
        ));
        let over = ok(LearnedSpec::from_name_and_params(
            name,
            &[("epochs".into(), "7".into())],
        ));
        assert_eq!(partial, over);
        let mut want = default.params_json();
        want["epochs"] = serde_json::json!(7);
        assert_eq!(partial.params_json(), want);
        assert_eq!(
            ok(LearnedSpec::from_json(name, &default.params_json())),
            default
        );
    }
    let bpr = ok(LearnedSpec::default_for("bpr"));
    assert_eq!(bpr, LearnedSpec::Bpr(BprParams::default()));
    assert_eq!(bpr.params_json()["embedding_size"], 64);
    assert_eq!(bpr.params_json()["batch_size"], 2048);
    let neumf = ok(LearnedSpec::default_for("neumf"));
    assert_eq!(
        neumf.params_json()["mlp_hidden_size"],
        serde_json::json!([128, 64])
    );
    let o = ok(LearnedSpec::from_name_and_params(
        "neumf",
        &[
            ("optimizer".into(), "adamw".into()),
            ("mlp_hidden_size".into(), "[32, 16, 8]".into()),
            ("lr_schedule".into(), "cosine".into()),
        ],
    ));
    let LearnedSpec::NeuMf(p) = o else { panic!() };
    assert_eq!(p.optimizer, OptimizerKind::Adamw);
    assert_eq!(p.mlp_hidden_size, vec![32, 16, 8]);
    assert_eq!(p.dropout_prob, 0.1);
}

#[test]
fn bad_values_name_the_field_the_value_and_the_range() {
    let msg = |name: &str, k: &str, v: &str| {
        LearnedSpec::from_name_and_params(name, &[(k.into(), v.into())])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let m = msg("bpr", "learning_rate", "-1");
    assert!(
        m.contains("learning_rate") && m.contains("-1") && m.contains("above 0"),
        "{m}"
    );
    let m = msg("bpr", "embedding_size", "0");
    assert!(
        m.contains("embedding_size") && m.contains("1 to 4096"),
        "{m}"
    );
    let m = msg("neumf", "dropout_prob", "1.5");
    assert!(m.contains("dropout_prob") && m.contains("1.5"), "{m}");
    let m = msg("neumf", "mlp_hidden_size", "[]");
    assert!(m.contains("mlp_hidden_size") && m.contains("1 to 8"), "{m}");
    let m = msg("bpr", "optimizer", "adagrad");
    assert!(
        m.contains("optimizer") && m.contains("adagrad") && m.contains("adamw"),
        "{m}"
    );
    let m = msg("bpr", "epochs", "many");
    assert!(m.contains("epochs") && m.contains("many"), "{m}");
    let m = msg("bpr", "embeding_size", "8");
    assert!(
        m.contains("embeding_size") && m.contains("embedding_size"),
        "{m}"
    );
    let m = LearnedSpec::default_for("svd")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        m.contains("svd") && m.contains("bpr") && m.contains("neumf"),
        "{m}"
    );
}

#[test]
fn a_run_that_stopped_early_resumes_to_its_best_weights_without_training() {
    let d = Data::new(planted(30, 24, 5));
    let cancel = CancelToken::new();
    let dir = tempfile::tempdir().unwrap();
    let p = BprParams {
        validate_every: 1,
        patience: 1,
        ..small_bpr(10)
    };
    let fit = || {
        let v = Scripted {
            values: vec![0.5, 0.7, 0.1],
            calls: AtomicUsize::new(0),
        };
        let c = FitContext {
            validator: Some(&v),
            checkpoint_dir: Some(dir.path()),
            resume_key: "es",
            ..ctx(&NoProgress, &cancel)
        };
        let f = ok(fit_bpr(&p, &d.view(), &c));
        (f, v.calls.load(Ordering::SeqCst))
    };
    let (first, calls) = fit();
    assert_eq!(
        (first.report.epochs_run, first.report.best_epoch, calls),
        (3, Some(2), 3)
    );
    let (again, calls) = fit();
    assert_eq!(calls, 0, "a finished run trained again");
    assert_eq!(again.report.best_epoch, Some(2));
    assert!(again.report.stopped_early);
    assert_eq!(again.model.state(), first.model.state());
}
