use super::tuning::{grid, grid_size};
use super::*;
use proptest::prelude::*;
use shoplab_datasets::{EventKind, Interactions, NoProgress};

/// A model with fixed scores per shopper (row = user index).
struct Fixed {
    rows: Vec<Vec<f32>>,
}

impl Recommender for Fixed {
    fn name(&self) -> &str {
        "fixed"
    }
    fn n_items(&self) -> usize {
        self.rows[0].len()
    }
    fn score(&self, q: &UserQuery<'_>, scores: &mut [f32]) {
        scores.copy_from_slice(&self.rows[q.user.unwrap_or(0) as usize]);
    }
    fn state(&self) -> ModelState {
        ModelState::new()
    }
}

fn combine(method: FusionMethod, normalise: Normalise, weights: Vec<f64>) -> Combine {
    Combine {
        method,
        normalise,
        weights,
        rrf_k: 60.0,
        depth: 2,
        exclude_history: true,
    }
}

fn values(c: &Combine, scores: &[f32], cand: &[bool]) -> (Vec<f32>, Vec<bool>) {
    let mut out = vec![0.0; scores.len()];
    let mut top = vec![false; scores.len()];
    c.member_values(scores, cand, &mut out, &mut top, &mut Vec::new());
    (out, top)
}

#[test]
fn ties_share_their_average_rank() {
    let scores = [3.0, 1.0, 3.0, 2.0, 1.0];
    let mut ranks = vec![0.0; 5];
    average_ranks(&scores, &[true; 5], &|s| s, &mut Vec::new(), &mut ranks);
    assert_eq!(ranks, vec![1.5, 4.5, 1.5, 3.0, 4.5]);
}

#[test]
fn min_max_scales_over_the_candidates_only() {
    // Item 0 is history (excluded): its huge score must not squash the rest.
    let c = combine(FusionMethod::Weighted, Normalise::MinMax, vec![1.0]);
    let (v, _) = values(&c, &[100.0, 2.0, 4.0, 3.0], &[false, true, true, true]);
    assert_eq!(v, vec![0.0, 0.0, 1.0, 0.5]);
    // A member with no opinion (all equal) contributes nothing.
    let (v, _) = values(&c, &[1.0, 1.0, 1.0], &[true; 3]);
    assert_eq!(v, vec![0.0; 3]);
    // NaN and -inf read as the lowest score.
    let (v, _) = values(&c, &[f32::NAN, 2.0, f32::NEG_INFINITY, 4.0], &[true; 4]);
    assert_eq!(v, vec![0.0, 0.0, 0.0, 1.0]);
}

#[test]
fn z_score_rank_and_rrf_values() {
    let c = combine(FusionMethod::Weighted, Normalise::ZScore, vec![1.0]);
    let (v, _) = values(&c, &[1.0, 2.0, 3.0], &[true; 3]);
    let sd = (2.0f32 / 3.0).sqrt();
    for (a, b) in v.iter().zip([-1.0 / sd, 0.0, 1.0 / sd]) {
        assert!((a - b).abs() < 1e-6, "{v:?}");
    }
    let c = combine(FusionMethod::Weighted, Normalise::Rank, vec![1.0]);
    let (v, top) = values(&c, &[1.0, 3.0, 3.0, 0.0], &[true; 4]);
    // Ranks 3, 1.5, 1.5, 4 of 4 candidates: (4 - r + 1) / 4.
    assert_eq!(v, vec![0.5, 0.875, 0.875, 0.25]);
    assert_eq!(top, vec![false, true, true, false]);
    let c = combine(FusionMethod::Rrf, Normalise::MinMax, vec![1.0]);
    let (v, _) = values(&c, &[1.0, 3.0, 2.0], &[true, true, false]);
    assert_eq!(v, vec![1.0 / 62.0, 1.0 / 61.0, 0.0]);
}

#[test]
fn comb_mnz_multiplies_by_the_members_that_list_the_item() {
    let c = combine(FusionMethod::CombMnz, Normalise::MinMax, vec![1.0, 1.0]);
    let cand = [true; 4];
    let (a, ta) = values(&c, &[4.0, 3.0, 2.0, 0.0], &cand);
    let (b, tb) = values(&c, &[0.0, 4.0, 3.0, 2.0], &cand);
    let mut out = vec![0.0; 4];
    c.fuse(&[a.clone(), b.clone()], &[ta, tb], &mut out);
    // Depth 2: item 0 in A's top 2 only, item 1 in both, item 2 in B's, item 3 in none.
    let want: Vec<f32> = (0..4)
        .map(|i| (a[i] + b[i]) * [1.0, 2.0, 1.0, 0.0][i])
        .collect();
    assert_eq!(out, want);
}

#[test]
fn the_fused_model_scores_batches_as_single_shoppers_and_survives_saving() {
    let a = Fixed {
        rows: vec![vec![1.0, 5.0, 2.0, 0.0], vec![0.0, 1.0, 2.0, 3.0]],
    };
    let b = Fixed {
        rows: vec![vec![4.0, 0.0, 1.0, 3.0], vec![3.0, 2.0, 1.0, 0.0]],
    };
    let model = FusionModel::new(
        vec![
            ("a".into(), String::new(), Box::new(a)),
            ("b".into(), String::new(), Box::new(b)),
        ],
        combine(FusionMethod::Weighted, Normalise::MinMax, vec![0.25, 0.75]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let hist = [0u32];
    let q0 = UserQuery::from_set(Some(0), &hist, &[1.0]);
    let q1 = UserQuery::from_set(Some(1), &[], &[]);
    let mut batch = vec![0.0; 8];
    model.score_batch(&[q0, q1], &mut batch);
    let mut one = vec![0.0; 4];
    model.score(&q0, &mut one);
    assert_eq!(&batch[..4], one.as_slice());
    // Shopper 0: item 0 excluded; A scaled over {1,2,3} = [1, .4, 0], B = [0, 1/3, 1].
    let want = [0.0, 0.25, 0.25 * 0.4 + 0.75 / 3.0, 0.75];
    for (x, y) in one.iter().zip(want) {
        assert!((x - y).abs() < 1e-6, "{one:?}");
    }
    let state = model.state();
    let c: Combine = serde_json::from_str(state.get_meta("combine").unwrap_or(""))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&c, model.combine());
}

/// 6 shoppers, 8 items. Member `good` ranks each shopper's validation
/// item first; `bad` ranks their test item first. Tuning reads validation
/// only, so it must pick `good`, whatever the test part says.
fn two_member_split() -> (Split, Fixed, Fixed) {
    let (users, items) = (6u32, 8u32);
    let mut train = Interactions::new(users, items);
    let mut valid = Interactions::new(users, items);
    let mut test = Interactions::new(users, items);
    let mut good = vec![vec![0.0f32; items as usize]; users as usize];
    let mut bad = good.clone();
    for u in 0..users {
        let (h, v, t) = (u % 2, 2 + u % 3, 5 + u % 3);
        train.push(u, h, 1, EventKind::Purchase, 1.0);
        valid.push(u, v, 2, EventKind::Purchase, 1.0);
        test.push(u, t, 3, EventKind::Purchase, 1.0);
        for i in 0..items as usize {
            good[u as usize][i] = (i as f32 * 0.37 + u as f32).sin();
            bad[u as usize][i] = (i as f32 * 0.91 + u as f32).cos();
        }
        good[u as usize][v as usize] = 10.0;
        bad[u as usize][t as usize] = 10.0;
        bad[u as usize][v as usize] = -10.0;
    }
    (
        Split { train, valid, test },
        Fixed { rows: good },
        Fixed { rows: bad },
    )
}

fn params(tuning: Tuning) -> FusionParams {
    FusionParams {
        members: vec!["good".into(), "bad".into()],
        tuning: Some(tuning),
        trials: 20,
        ..FusionParams::default()
    }
}

#[test]
fn every_search_tunes_on_validation_and_never_loses_to_a_member_there() {
    let (split, good, bad) = two_member_split();
    let eval = EvalOptions::default();
    for tuning in [Tuning::Grid, Tuning::Random, Tuning::Tpe] {
        let models: Vec<&dyn Recommender> = vec![&good, &bad];
        let c = combine(FusionMethod::Weighted, Normalise::MinMax, vec![1.0, 1.0]);
        let (w, report) = tune(
            &params(tuning),
            &models,
            &c,
            &split,
            Weighting::Binary,
            &eval,
            &NoProgress,
            &CancelToken::new(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.tuned_on, "validation");
        assert_eq!(report.validation_users, 6);
        assert!(w[0] > w[1], "{tuning:?}: {w:?}");
        assert!((report.members_validation_ndcg[0] - 1.0).abs() < 1e-12);
        assert!(report.validation_ndcg >= report.members_validation_ndcg[0] - 1e-12);
        let n = report.trials.len();
        match tuning {
            Tuning::Grid => assert_eq!(n, 11), // 3 start points are grid points
            _ => assert_eq!(n, 20, "{tuning:?}"),
        }
    }
}

#[test]
fn tuning_needs_a_validation_split_and_refuses_bad_specs() {
    let (mut split, good, bad) = two_member_split();
    split.valid = Interactions::new(6, 8);
    let models: Vec<&dyn Recommender> = vec![&good, &bad];
    let c = combine(FusionMethod::Weighted, Normalise::MinMax, vec![1.0, 1.0]);
    let run = |p: &FusionParams| {
        tune(
            p,
            &models,
            &c,
            &split,
            Weighting::Binary,
            &EvalOptions::default(),
            &NoProgress,
            &CancelToken::new(),
        )
        .map(|(w, _)| w)
    };
    let err = run(&params(Tuning::Grid)).unwrap_err().to_string();
    assert!(
        err.contains("validation") && err.contains("--valid-fraction"),
        "{err}"
    );
    // Without tuning, equal weights are fine on any split.
    assert_eq!(run(&params(Tuning::None)).ok(), Some(vec![0.5, 0.5]));
    for (p, word) in [
        (
            FusionParams {
                members: vec!["a".into()],
                ..FusionParams::default()
            },
            "two runs",
        ),
        (
            FusionParams {
                members: vec!["a".into(), "a".into()],
                ..FusionParams::default()
            },
            "twice",
        ),
        (
            FusionParams {
                weights: vec![1.0],
                ..params(Tuning::None)
            },
            "one weight per member",
        ),
        (
            FusionParams {
                method: FusionMethod::CombSum,
                ..params(Tuning::Grid)
            },
            "equally",
        ),
        (
            FusionParams {
                grid_step: 0.001,
                members: (0..6).map(|i| i.to_string()).collect(),
                ..params(Tuning::Grid)
            },
            "weight vectors",
        ),
    ] {
        let err = p.validate().map(|_| ()).unwrap_err().to_string();
        assert!(err.contains(word), "{word}: {err}");
    }
}

#[test]
fn grid_size_counts_the_grid() {
    for m in 2..5 {
        for step in [0.5, 0.25, 0.1] {
            let g = grid(m, step);
            assert_eq!(g.len(), grid_size(m, step), "{m} {step}");
            assert!(g.iter().all(|w| (w.iter().sum::<f64>() - 1.0).abs() < 1e-9));
        }
    }
    assert_eq!(grid_size(3, 0.1), 66);
}

proptest! {
    /// Scaling every weight by the same positive factor changes no ranking,
    /// and a member alone (min-max) ranks the candidates as the member does.
    #[test]
    fn fusion_is_scale_free_and_a_lone_member_keeps_its_order(
        a in proptest::collection::vec(-5.0f32..5.0, 6),
        b in proptest::collection::vec(-5.0f32..5.0, 6),
        w in 0.01f64..1.0,
        scale in 0.1f64..10.0,
    ) {
        let cand = [true, false, true, true, true, true];
        let fused = |weights: Vec<f64>| {
            let c = combine(FusionMethod::Weighted, Normalise::MinMax, weights);
            let (va, ta) = values(&c, &a, &cand);
            let (vb, tb) = values(&c, &b, &cand);
            let mut out = vec![0.0; 6];
            c.fuse(&[va, vb], &[ta, tb], &mut out);
            out
        };
        let order = |s: &[f32]| {
            let mut idx: Vec<usize> = (0..6).filter(|&i| cand[i]).collect();
            idx.sort_by(|&x, &y| s[y].total_cmp(&s[x]).then(x.cmp(&y)));
            idx
        };
        let x = fused(vec![w, 1.0 - w]);
        let y = fused(vec![w * scale, (1.0 - w) * scale]);
        for i in 0..6 {
            prop_assert!((x[i] as f64 * scale - y[i] as f64).abs() < 1e-4 * (1.0 + y[i].abs() as f64));
        }
        let alone = fused(vec![1.0, 0.0]);
        let (oa, oalone) = (order(&a), order(&alone));
        // Same order except among min-max ties (equal inputs stay equal).
        for (p, q) in oa.iter().zip(&oalone) {
            prop_assert!(a[*p] == a[*q], "{:?} vs {:?}", oa, oalone);
        }
    }
}
