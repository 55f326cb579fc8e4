use std::sync::Mutex;

use shoplab_datasets::{NoProgress, top_k};

use super::*;

/// Builds CSR from (user, item, value) triples (sorted by user then item).
fn csr(n_rows: usize, n_cols: usize, mut cells: Vec<(usize, u32, f32)>) -> SparseMatrix {
    cells.sort_by_key(|c| (c.0, c.1));
    let mut indptr = vec![0usize; n_rows + 1];
    for c in &cells {
        indptr[c.0 + 1] += 1;
    }
    for r in 0..n_rows {
        indptr[r + 1] += indptr[r];
    }
    SparseMatrix {
        n_rows,
        n_cols,
        indptr,
        indices: cells.iter().map(|c| c.1).collect(),
        data: cells.iter().map(|c| c.2).collect(),
    }
}

/// 40 users x 40 items in two groups: users 0..20 use items 0..20 only,
/// users 20..40 items 20..40; each user has 8 of their group's 20 items.
fn planted() -> SparseMatrix {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut cells = Vec::new();
    for u in 0..40usize {
        let base = if u < 20 { 0u32 } else { 20 };
        let mut items: Vec<u32> = (0..20).collect();
        for n in 0..8 {
            let j = n + (rng.random::<u32>() as usize) % (20 - n);
            items.swap(n, j);
            cells.push((u, base + items[n], 1.0));
        }
    }
    csr(40, 40, cells)
}

fn params() -> IalsParams {
    IalsParams {
        factors: 4,
        regularization: 1.0,
        alpha: 2.0,
        iterations: 10,
        cg_steps: 3,
        seed: 1,
    }
}

fn fit(p: &IalsParams, m: &SparseMatrix) -> Ials {
    fit_ials(p, m, &NoProgress, &CancelToken::new()).unwrap_or_else(|e| panic!("{e}"))
}

fn scores_of(model: &Ials, q: &UserQuery<'_>) -> Vec<f32> {
    let mut s = vec![0f32; model.n_items()];
    model.score(q, &mut s);
    s
}

fn known(m: &SparseMatrix, u: usize) -> UserQuery<'_> {
    let (h, w) = m.row(u);
    UserQuery::from_set(Some(u as u32), h, w)
}

#[test]
fn ials_learns_the_planted_groups() {
    let m = planted();
    let model = fit(&params(), &m);
    for u in 0..40 {
        let q = known(&m, u);
        let top = top_k(&scores_of(&model, &q), 5, q.history);
        let group = if u < 20 { 0..20 } else { 20..40 };
        assert!(
            top.iter().all(|i| group.contains(i)),
            "user {u}: top-5 {top:?} leaves the group {group:?}"
        );
    }
}

#[test]
fn ials_count_weighting_raises_confidence_in_repeated_items() {
    // User 0 has items 1 and 2; with counts, item 1 was bought 10 times.
    let m = planted();
    let mut cells = Vec::new();
    for u in 0..m.n_rows {
        let (h, _) = m.row(u);
        for &i in h {
            cells.push((u, i, 1.0));
        }
    }
    cells.retain(|c| c.0 != 0);
    let mut counts = cells.clone();
    cells.extend([(0, 1, 1.0), (0, 2, 1.0)]);
    counts.extend([(0, 1, 10.0), (0, 2, 1.0)]);
    let binary = csr(40, 40, cells);
    let count = csr(40, 40, counts);
    let gap = |m: &SparseMatrix| {
        let model = fit(&params(), m);
        let s = scores_of(&model, &known(m, 0));
        s[1] - s[2]
    };
    let (gb, gc) = (gap(&binary), gap(&count));
    // c = 1 + alpha·r: a confidence of 21 against 3 pulls item 1's score
    // towards 1 much harder than item 2's.
    assert!(gc > gb + 0.05, "count gap {gc} vs binary gap {gb}");
}

#[test]
fn ials_loss_matches_brute_force_and_falls() {
    let m = planted();
    let p = params();
    let metrics = Mutex::new(Vec::new());
    struct Rec<'a>(&'a Mutex<Vec<(String, f64)>>);
    impl Progress for Rec<'_> {
        fn stage(&self, name: &str, total: Option<u64>) {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((name.into(), total.unwrap_or(0) as f64));
        }
        fn advance(&self, _n: u64) {}
        fn metric(&self, name: &str, value: f64) {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((name.into(), value));
        }
    }
    let model =
        fit_ials(&p, &m, &Rec(&metrics), &CancelToken::new()).unwrap_or_else(|e| panic!("{e}"));
    let got = metrics.into_inner().unwrap_or_else(|e| e.into_inner());
    assert_eq!(got[0], ("train ials".to_string(), 10.0));
    let losses: Vec<f64> = got
        .iter()
        .filter(|(n, _)| n == "loss")
        .map(|x| x.1)
        .collect();
    assert_eq!(losses.len(), 10);
    assert!(losses[9] < losses[0], "{losses:?}");
    // Brute force over every cell of the final model.
    let k = p.factors;
    let (mut loss, mut cells) = (0f64, 0f64);
    for u in 0..40 {
        let (h, w) = m.row(u);
        for i in 0..40u32 {
            let s: f64 = (0..k)
                .map(|d| {
                    f64::from(model.user_factors[u * k + d])
                        * f64::from(model.item_factors[i as usize * k + d])
                })
                .sum();
            let (c, pref) = match h.iter().position(|&j| j == i) {
                Some(n) => (1.0 + f64::from(p.alpha * w[n]), 1.0),
                None => (1.0, 0.0),
            };
            loss += c * (pref - s) * (pref - s);
            cells += c;
        }
    }
    let norm: f64 = model
        .user_factors
        .iter()
        .chain(&model.item_factors)
        .map(|&v| f64::from(v).powi(2))
        .sum();
    let want = (loss + f64::from(p.regularization) * norm) / cells;
    assert!(
        (losses[9] - want).abs() < 1e-4 * want,
        "{} vs {want}",
        losses[9]
    );
}

#[test]
fn ials_state_round_trips_and_refuses_other_shapes() {
    let m = planted();
    let p = params();
    let model = fit(&p, &m);
    let bytes = model
        .state()
        .to_safetensors()
        .unwrap_or_else(|e| panic!("{e}"));
    let state = ModelState::from_safetensors(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let back = load_ials(&p, &state).unwrap_or_else(|e| panic!("{e}"));
    for u in [0usize, 17, 33] {
        assert_eq!(
            scores_of(&model, &known(&m, u)),
            scores_of(&back, &known(&m, u))
        );
    }
    let wrong = IalsParams {
        factors: 9,
        ..p.clone()
    };
    let msg = load_ials(&wrong, &state)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        msg.contains("user_factors") && msg.contains("retrain"),
        "{msg}"
    );
    let mut other = state.clone();
    other.metadata.retain(|(k, _)| k != "format");
    other.meta("format", "shoplab-bpr/1");
    let msg = load_ials(&p, &other)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        msg.contains("shoplab-bpr/1") && msg.contains("retrain"),
        "{msg}"
    );
    let mut missing = state.clone();
    missing.arrays.retain(|a| a.name != "item_factors");
    let msg = load_ials(&p, &missing)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(msg.contains("item_factors"), "{msg}");
}

#[test]
fn ials_score_batch_equals_per_user_scores() {
    let m = planted();
    let model = fit(&params(), &m);
    let (h, w) = m.row(5);
    let mut queries: Vec<UserQuery<'_>> = (0..40).map(|u| known(&m, u)).collect();
    queries.push(UserQuery::from_set(None, h, w));
    let n = model.n_items();
    let mut block = vec![0f32; queries.len() * n];
    model.score_batch(&queries, &mut block);
    for (q, row) in queries.iter().zip(block.chunks(n)) {
        let one = scores_of(&model, q);
        for (a, b) in one.iter().zip(row) {
            assert!((a - b).abs() <= 1e-5 * (1.0 + a.abs()), "{a} vs {b}");
        }
    }
}

#[test]
fn ials_fold_in_matches_the_trained_user() {
    let m = planted();
    let model = fit(&params(), &m);
    for u in [0usize, 7, 25, 39] {
        let (h, w) = m.row(u);
        let trained = top_k(&scores_of(&model, &known(&m, u)), 5, h);
        // A shopper new since training (no index), and an index past the trained users.
        for user in [None, Some(1000)] {
            let q = UserQuery::from_set(user, h, w);
            let folded = top_k(&scores_of(&model, &q), 5, h);
            let overlap = folded.iter().filter(|i| trained.contains(i)).count();
            assert!(overlap >= 4, "user {u}: {folded:?} vs {trained:?}");
        }
    }
    // With no history the fold-in scores nothing in particular: all zero.
    let empty = scores_of(&model, &UserQuery::from_set(None, &[], &[]));
    assert!(empty.iter().all(|&s| s == 0.0));
}

#[test]
fn ials_folds_in_a_trained_index_with_no_training_events() {
    // Shopper 40 exists in the matrix but has no training events (only
    // validation events, say): the trained row is all zero, so the model
    // must fold them in from the history they bring at test time.
    let m = planted();
    let mut cells = Vec::new();
    for u in 0..m.n_rows {
        let (h, w) = m.row(u);
        cells.extend(h.iter().zip(w).map(|(&i, &v)| (u, i, v)));
    }
    let wide = csr(41, 40, cells);
    let model = fit(&params(), &wide);
    let history = [21u32, 25, 30];
    let weights = [1.0f32; 3];
    let as_trained = scores_of(&model, &UserQuery::from_set(Some(40), &history, &weights));
    let as_new = scores_of(&model, &UserQuery::from_set(None, &history, &weights));
    assert!(as_trained.iter().any(|&s| s != 0.0), "all-zero scores");
    assert_eq!(as_trained, as_new);
    let top = top_k(&as_trained, 5, &history);
    assert!(top.iter().all(|&i| i >= 20), "{top:?}");
}

#[test]
fn ials_is_identical_on_one_and_two_threads() {
    let m = planted();
    let p = IalsParams {
        iterations: 3,
        ..params()
    };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        pool.install(|| fit(&p, &m))
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.user_factors, b.user_factors);
    assert_eq!(a.item_factors, b.item_factors);
    let c = fit(
        &IalsParams {
            seed: 2,
            ..p.clone()
        },
        &m,
    );
    assert_ne!(a.user_factors, c.user_factors, "the seed must matter");
}

#[test]
fn ials_bad_params_name_the_field_and_range() {
    let cases: [(IalsParams, &str); 6] = [
        (
            IalsParams {
                factors: 0,
                ..IalsParams::default()
            },
            "`factors` = 0",
        ),
        (
            IalsParams {
                regularization: -1.0,
                ..IalsParams::default()
            },
            "`regularization` = -1",
        ),
        (
            IalsParams {
                alpha: f32::NAN,
                ..IalsParams::default()
            },
            "`alpha` = NaN",
        ),
        (
            IalsParams {
                iterations: 0,
                ..IalsParams::default()
            },
            "`iterations` = 0",
        ),
        (
            IalsParams {
                cg_steps: 0,
                ..IalsParams::default()
            },
            "`cg_steps` = 0",
        ),
        (
            IalsParams {
                cg_steps: 65,
                ..IalsParams::default()
            },
            "1 to 64",
        ),
    ];
    for (p, want) in cases {
        let msg = p
            .validate()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains(want), "{msg} lacks {want}");
        let fit_msg = fit_ials(&p, &planted(), &NoProgress, &CancelToken::new())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(fit_msg, msg);
    }
    assert!(IalsParams::default().validate().is_ok());
    let p: IalsParams =
        serde_json::from_str(r#"{"factors": 16}"#).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((p.factors, p.cg_steps, p.iterations), (16, 3, 15));
    assert!(serde_json::from_str::<IalsParams>(r#"{"factor": 16}"#).is_err());
}

#[test]
fn ials_cancel_stops_without_a_model() {
    let cancel = CancelToken::new();
    cancel.cancel();
    let r = fit_ials(&params(), &planted(), &NoProgress, &cancel);
    assert!(matches!(r, Err(IalsError::Cancelled)));
}

#[test]
fn ials_refuses_negative_weights_and_bad_indices() {
    let bad = csr(2, 2, vec![(0, 1, -1.0)]);
    let msg = fit_ials(&params(), &bad, &NoProgress, &CancelToken::new())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(msg.contains("-1"), "{msg}");
    let out = csr(2, 2, vec![(0, 5, 1.0)]);
    assert!(fit_ials(&params(), &out, &NoProgress, &CancelToken::new()).is_err());
}
