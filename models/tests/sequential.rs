//! GRU4Rec and SASRec on small synthetic sequences.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use shoplab_datasets::{
    CancelToken, EventKind, Interactions, ModelState, NoProgress, Recommender, SeqEvent, UserQuery,
    top_k,
};
use shoplab_models::{
    FitContext, Gru4RecParams, LearnedSpec, LossType, SasRecParams, SeqExamples, fit_gru4rec,
    fit_sasrec, load_gru4rec, load_sasrec,
};

const CYCLES: u32 = 8;
const N_ITEMS: u32 = CYCLES * 4;

/// The item after `i` in its cycle a→b→c→d→a (cycle `c` holds items 4c..4c+4).
fn successor(i: u32) -> u32 {
    (i / 4) * 4 + (i % 4 + 1) % 4
}

/// Each shopper walks one cycle from a random item for 4 to 7 steps, then
/// jumps to another cycle and walks it for 3 to 6 steps. Which item comes
/// next depends only on the last item, never on the set of items seen.
fn cycles(n_users: u32) -> Interactions {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let mut log = Interactions::new(n_users, N_ITEMS);
    for u in 0..n_users {
        let mut ts = 0i64;
        for (lo, hi) in [(4, 8), (3, 7)] {
            let mut i = rng.random_range(0..N_ITEMS);
            for _ in 0..rng.random_range(lo..hi) {
                log.push(u, i, ts, EventKind::Purchase, 1.0);
                ts += 1;
                i = successor(i);
            }
        }
    }
    log
}

/// Share of shoppers whose top-1 (nothing excluded: items repeat) is the
/// successor of their last item, scored from events with no user id.
fn next_item_accuracy(model: &dyn Recommender, d: &Data) -> f64 {
    let mut hits = 0;
    for u in 0..d.log.n_users as usize {
        let ev = d.seqs.of(u);
        let want = successor(ev[ev.len() - 1].item);
        let mut s = vec![0f32; model.n_items()];
        model.score(
            &UserQuery {
                user: None,
                history: &[],
                weights: &[],
                events: ev,
            },
            &mut s,
        );
        hits += usize::from(top_k(&s, 1, &[]) == [want]);
    }
    hits as f64 / d.log.n_users as f64
}

fn ok<T>(r: shoplab_models::Result<T>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn small_gru(epochs: usize) -> Gru4RecParams {
    Gru4RecParams {
        embedding_size: 16,
        hidden_size: 24,
        max_seq_length: 8,
        epochs,
        batch_size: 64,
        learning_rate: 0.01,
        validate_every: 0,
        ..Gru4RecParams::default()
    }
}

fn small_sasrec(epochs: usize) -> SasRecParams {
    SasRecParams {
        hidden_size: 16,
        inner_size: 32,
        max_seq_length: 8,
        hidden_dropout_prob: 0.1,
        attn_dropout_prob: 0.1,
        epochs,
        batch_size: 64,
        learning_rate: 0.01,
        validate_every: 0,
        ..SasRecParams::default()
    }
}

#[test]
fn gru4rec_learns_what_comes_next() {
    let d = Data::new(cycles(80));
    let cancel = CancelToken::new();
    let f = ok(fit_gru4rec(
        &small_gru(25),
        &d.view(),
        &ctx(&NoProgress, &cancel),
    ));
    let acc = next_item_accuracy(f.model.as_ref(), &d);
    assert!(acc > 0.8, "accuracy {acc} {:?}", f.report.loss_curve);
    assert!(f.report.loss_curve.first() > f.report.loss_curve.last());
    // The same check on an untrained model fails: the test can fail.
    let lazy = Gru4RecParams {
        learning_rate: 1e-9,
        ..small_gru(1)
    };
    let untrained = ok(fit_gru4rec(&lazy, &d.view(), &ctx(&NoProgress, &cancel)));
    let acc = next_item_accuracy(untrained.model.as_ref(), &d);
    assert!(acc < 0.3, "untrained accuracy {acc}");
    // The bpr loss (one sampled negative) learns the pattern too, here
    // from RecBole's prefix examples.
    let bpr = Gru4RecParams {
        loss_type: LossType::Bpr,
        examples: SeqExamples::Prefixes,
        ..small_gru(25)
    };
    let f = ok(fit_gru4rec(&bpr, &d.view(), &ctx(&NoProgress, &cancel)));
    let acc = next_item_accuracy(f.model.as_ref(), &d);
    assert!(
        acc > 0.6,
        "bpr-loss accuracy {acc} {:?}",
        f.report.loss_curve
    );
}

#[test]
fn sasrec_learns_what_comes_next() {
    let d = Data::new(cycles(80));
    let cancel = CancelToken::new();
    let f = ok(fit_sasrec(
        &small_sasrec(25),
        &d.view(),
        &ctx(&NoProgress, &cancel),
    ));
    let acc = next_item_accuracy(f.model.as_ref(), &d);
    assert!(acc > 0.8, "accuracy {acc} {:?}", f.report.loss_curve);
    // RecBole's prefix examples learn it as well.
    let prefixes = SasRecParams {
        examples: SeqExamples::Prefixes,
        ..small_sasrec(25)
    };
    let f = ok(fit_sasrec(&prefixes, &d.view(), &ctx(&NoProgress, &cancel)));
    let acc = next_item_accuracy(f.model.as_ref(), &d);
    assert!(acc > 0.8, "prefix accuracy {acc} {:?}", f.report.loss_curve);
    let lazy = SasRecParams {
        learning_rate: 1e-9,
        ..small_sasrec(1)
    };
    let untrained = ok(fit_sasrec(&lazy, &d.view(), &ctx(&NoProgress, &cancel)));
    let acc = next_item_accuracy(untrained.model.as_ref(), &d);
    assert!(acc < 0.3, "untrained accuracy {acc}");
}

/// Batch scoring equals one-by-one scoring for a mix of shoppers: known,
/// unseen with events, history only (the set fallback), and empty (zeros).
fn check_batch_equals_single(model: &dyn Recommender, d: &Data) {
    let n = model.n_items();
    let long: Vec<SeqEvent> = (0..20)
        .map(|k| SeqEvent {
            item: (k * 7) % N_ITEMS,
            kind: EventKind::View,
            ts: k as i64,
        })
        .collect();
    let hist = [1u32, 5, 9];
    let w = [1f32; 3];
    let qs = [
        UserQuery {
            user: Some(0),
            history: &[],
            weights: &[],
            events: d.seqs.of(0),
        },
        UserQuery::from_set(None, &[], &[]),
        UserQuery {
            user: None,
            history: &[],
            weights: &[],
            events: &long,
        },
        UserQuery::from_set(None, &hist, &w),
        UserQuery {
            user: Some(3),
            history: &[],
            weights: &[],
            events: d.seqs.of(3),
        },
        // More than the 4 shoppers scored with host dot products, so the
        // batch goes through the matrix product and meets the single path.
        UserQuery {
            user: Some(1),
            history: &[],
            weights: &[],
            events: d.seqs.of(1),
        },
        UserQuery {
            user: Some(2),
            history: &[],
            weights: &[],
            events: d.seqs.of(2),
        },
    ];
    let mut block = vec![0f32; qs.len() * n];
    model.score_batch(&qs, &mut block);
    for (r, q) in qs.iter().enumerate() {
        let mut one = vec![0f32; n];
        model.score(q, &mut one);
        for j in 0..n {
            assert!(
                (one[j] - block[r * n + j]).abs() < 1e-4,
                "row {r} item {j}: {} vs {}",
                one[j],
                block[r * n + j]
            );
        }
        let empty = q.events.is_empty() && q.history.is_empty();
        assert_eq!(one.iter().all(|&x| x == 0.0), empty, "row {r}");
    }
    // History in index order is read when there are no events.
    let mut a = vec![0f32; n];
    let mut b = vec![0f32; n];
    model.score(&qs[3], &mut a);
    let ev: Vec<SeqEvent> = hist
        .iter()
        .map(|&item| SeqEvent {
            item,
            kind: EventKind::View,
            ts: 0,
        })
        .collect();
    model.score(
        &UserQuery {
            user: None,
            history: &[],
            weights: &[],
            events: &ev,
        },
        &mut b,
    );
    assert_eq!(a, b);
}

fn round_trip(model: &dyn Recommender) -> ModelState {
    ModelState::from_safetensors(&model.state().to_safetensors().unwrap()).unwrap()
}

fn every_score(model: &dyn Recommender, d: &Data) -> Vec<f32> {
    let n = model.n_items();
    let qs: Vec<UserQuery<'_>> = (0..d.log.n_users as usize)
        .map(|u| UserQuery {
            user: None,
            history: &[],
            weights: &[],
            events: d.seqs.of(u),
        })
        .collect();
    let mut out = vec![0f32; qs.len() * n];
    model.score_batch(&qs, &mut out);
    out
}

#[test]
fn gru4rec_scores_in_batches_round_trips_and_repeats() {
    let d = Data::new(cycles(30));
    let cancel = CancelToken::new();
    let p = small_gru(2);
    let f = ok(fit_gru4rec(&p, &d.view(), &ctx(&NoProgress, &cancel)));
    check_batch_equals_single(f.model.as_ref(), &d);
    let loaded = ok(load_gru4rec(
        &p,
        &round_trip(f.model.as_ref()),
        &candle_core::Device::Cpu,
    ));
    assert_eq!(every_score(&loaded, &d), every_score(f.model.as_ref(), &d));
    let again = ok(fit_gru4rec(&p, &d.view(), &ctx(&NoProgress, &cancel)));
    assert_eq!(again.model.state(), f.model.state(), "not deterministic");
    let other = Gru4RecParams {
        seed: 9,
        ..p.clone()
    };
    let other = ok(fit_gru4rec(&other, &d.view(), &ctx(&NoProgress, &cancel)));
    assert_ne!(other.model.state(), f.model.state());
    let wider = Gru4RecParams {
        hidden_size: 32,
        ..p.clone()
    };
    let e = load_gru4rec(&wider, &f.model.state(), &candle_core::Device::Cpu)
        .err()
        .unwrap();
    assert!(e.to_string().contains("retrain"), "{e}");
    let e = load_sasrec(
        &SasRecParams::default(),
        &f.model.state(),
        &candle_core::Device::Cpu,
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("another ShopLab version"), "{e}");
}

#[test]
fn sasrec_scores_in_batches_round_trips_and_repeats() {
    let d = Data::new(cycles(30));
    let cancel = CancelToken::new();
    let p = small_sasrec(2);
    let f = ok(fit_sasrec(&p, &d.view(), &ctx(&NoProgress, &cancel)));
    check_batch_equals_single(f.model.as_ref(), &d);
    let loaded = ok(load_sasrec(
        &p,
        &round_trip(f.model.as_ref()),
        &candle_core::Device::Cpu,
    ));
    assert_eq!(every_score(&loaded, &d), every_score(f.model.as_ref(), &d));
    let again = ok(fit_sasrec(&p, &d.view(), &ctx(&NoProgress, &cancel)));
    assert_eq!(again.model.state(), f.model.state(), "not deterministic");
    let other = SasRecParams {
        seed: 9,
        ..p.clone()
    };
    let other = ok(fit_sasrec(&other, &d.view(), &ctx(&NoProgress, &cancel)));
    assert_ne!(other.model.state(), f.model.state());
    let deeper = SasRecParams {
        n_layers: 3,
        ..p.clone()
    };
    let e = load_sasrec(&deeper, &f.model.state(), &candle_core::Device::Cpu)
        .err()
        .unwrap();
    assert!(
        e.to_string().contains("layer.2") && e.to_string().contains("retrain"),
        "{e}"
    );
}

#[test]
fn sasrec_resumes_through_the_shared_trainer() {
    let d = Data::new(cycles(30));
    let cancel = CancelToken::new();
    let dir = tempfile::tempdir().unwrap();
    let with = |epochs| {
        let c = FitContext {
            checkpoint_dir: Some(dir.path()),
            resume_key: "seq",
            ..ctx(&NoProgress, &cancel)
        };
        ok(fit_sasrec(&small_sasrec(epochs), &d.view(), &c))
    };
    let straight = ok(fit_sasrec(
        &small_sasrec(4),
        &d.view(),
        &ctx(&NoProgress, &cancel),
    ));
    with(2);
    let resumed = with(4);
    assert_eq!(resumed.report.resumed_from, Some(2));
    assert_eq!(resumed.report.loss_curve, straight.report.loss_curve);
    assert_eq!(resumed.model.state(), straight.model.state());
}

#[test]
fn sequential_specs_defaults_and_bad_values() {
    let g = ok(LearnedSpec::default_for("gru4rec"));
    assert_eq!(g, LearnedSpec::Gru4Rec(Gru4RecParams::default()));
    let j = g.params_json();
    assert_eq!(
        (j["embedding_size"].clone(), j["hidden_size"].clone()),
        (serde_json::json!(64), serde_json::json!(128))
    );
    assert_eq!(j["loss_type"], "ce");
    let s = ok(LearnedSpec::default_for("sasrec"));
    let j = s.params_json();
    assert_eq!(j["n_layers"], 2);
    assert_eq!(j["inner_size"], 256);
    assert_eq!(j["hidden_act"], "gelu");
    assert_eq!(j["layer_norm_eps"], 1e-12);
    let o = ok(LearnedSpec::from_name_and_params(
        "sasrec",
        &[
            ("loss_type".into(), "bpr".into()),
            ("hidden_act".into(), "relu".into()),
        ],
    ));
    let LearnedSpec::SasRec(p) = o else { panic!() };
    assert_eq!((p.loss_type, p.n_heads), (LossType::Bpr, 2));
    let msg = |name: &str, k: &str, v: &str| {
        LearnedSpec::from_name_and_params(name, &[(k.into(), v.into())])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let m = msg("sasrec", "n_heads", "3");
    assert!(
        m.contains("n_heads = 3") && m.contains("hidden_size = 64"),
        "{m}"
    );
    let m = msg("sasrec", "attn_dropout_prob", "1");
    assert!(
        m.contains("attn_dropout_prob") && m.contains("up to"),
        "{m}"
    );
    let m = msg("gru4rec", "max_seq_length", "0");
    assert!(
        m.contains("max_seq_length") && m.contains("1 to 1000"),
        "{m}"
    );
    let m = msg("gru4rec", "num_layers", "9");
    assert!(m.contains("num_layers") && m.contains("1 to 8"), "{m}");
    let m = msg("gru4rec", "loss_type", "hinge");
    assert!(m.contains("loss_type") && m.contains("hinge"), "{m}");
    let m = msg("gru4rec", "negatives", "3");
    assert!(m.contains("negatives") && m.contains("loss_type"), "{m}");
}

#[test]
fn cross_entropy_refuses_a_batch_whose_logits_would_not_fit() {
    let d = Data::new(cycles(10));
    let cancel = CancelToken::new();
    let p = Gru4RecParams {
        batch_size: 1 << 24,
        ..small_gru(1)
    };
    let e = fit_gru4rec(&p, &d.view(), &ctx(&NoProgress, &cancel))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("batch_size") && e.contains("loss_type = bpr"),
        "{e}"
    );
    let bpr = Gru4RecParams {
        loss_type: LossType::Bpr,
        ..p
    };
    ok(fit_gru4rec(&bpr, &d.view(), &ctx(&NoProgress, &cancel)));
}
