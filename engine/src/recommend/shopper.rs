//! One shopper's list from a run, as the run's evaluation saw them: ranked
//! from their training events under the run's split (the split is recomputed
//! from the run's spec, deterministically, by the same `split` the run used),
//! beside the items they took in the test period (held out), so a person can
//! see which recommendations the shopper really bought.

use shoplab_datasets::{CancelToken, Recommender, SparseMatrix, UserQuery, Weighting};

use crate::error::Result;
use crate::evaluate::{ColdShoppers, TieBreak, popularity_prior};
use crate::run::{Fitted, RunSpec};

/// A shopper's list under one run, with the held-out items marked.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopperList {
    /// Recommended items, best first: (item index, score, held out in the test period).
    pub ranked: Vec<(u32, f32, bool)>,
    /// The shopper's test items under the run's split, as the evaluation
    /// counts them (distinct, ascending item index; items already in the
    /// shopper's training events are left out when the run excludes them).
    pub held_out: Vec<u32>,
    /// The shopper has no training events under the split (cold).
    pub cold: bool,
    /// Who ranked: the run's model, or its cold fallback.
    pub scored_by: String,
}

impl ShopperList {
    /// Number of held-out items in the list (hits).
    pub fn hits(&self) -> usize {
        self.ranked.iter().filter(|r| r.2).count()
    }
}

/// The shopper's test items under `fitted`'s split, exactly as the
/// evaluation counts them: the distinct items of their test events, minus
/// their training items when `spec.eval.exclude_train` (a run leaves those
/// out of ranking and test).
pub fn held_out(spec: &RunSpec, fitted: &Fitted, user: u32) -> Vec<u32> {
    let test = fitted.split.test.to_matrix(Weighting::Binary);
    let train = fitted.split.history().to_matrix(spec.weighting);
    held_out_in(spec, &train, &test, user)
}

fn row(m: &SparseMatrix, user: u32) -> &[u32] {
    if (user as usize) < m.n_rows {
        m.row(user as usize).0
    } else {
        &[]
    }
}

fn held_out_in(spec: &RunSpec, train: &SparseMatrix, test: &SparseMatrix, user: u32) -> Vec<u32> {
    let hist = row(train, user);
    row(test, user)
        .iter()
        .copied()
        .filter(|i| !spec.eval.exclude_train || hist.binary_search(i).is_err())
        .collect()
}

/// The shopper's top-`k` list as the run's evaluation ranks it (training
/// history as the query, training items excluded when the run excludes
/// them, the run's cold protocol and tie rule), with held-out items marked.
pub fn rank(
    spec: &RunSpec,
    fitted: &Fitted,
    user: u32,
    k: usize,
    cancel: &CancelToken,
) -> Result<ShopperList> {
    // What the evaluation knew of the shopper: training and validation events.
    let known = fitted.split.history();
    let train = known.to_matrix(spec.weighting);
    let test = fitted.split.test.to_matrix(Weighting::Binary);
    let (hist, weights) = if (user as usize) < train.n_rows {
        train.row(user as usize)
    } else {
        (&[][..], &[][..])
    };
    // As in `evaluate`: a model with a vector per shopper has none for a
    // shopper without training events.
    let trained = fitted.split.trained_shoppers();
    let cold = crate::evaluate::is_cold(fitted.model.as_ref(), Some(&trained), user as usize, hist);
    // A cold shopper gets the run's declared fallback, not the model's tie
    // order, as in `evaluate`.
    let fallback = if cold && spec.eval.cold_shoppers != ColdShoppers::Model {
        Some(spec.eval.cold_fallback.fit(
            &fitted.split.train,
            Weighting::Binary,
            &shoplab_datasets::NoProgress,
            cancel,
        )?)
    } else {
        None
    };
    let scorer: &dyn Recommender = fallback.as_deref().unwrap_or(fitted.model.as_ref());
    let events = known.events_of(user);
    let query = UserQuery {
        user: Some(user),
        history: hist,
        weights,
        events: &events,
    };
    let prior = match spec.eval.tie_break {
        TieBreak::Popularity => Some(popularity_prior(&train)),
        TieBreak::ItemIndex => None,
    };
    let exclude: &[u32] = if spec.eval.exclude_train { hist } else { &[] };
    let held_out = held_out_in(spec, &train, &test, user);
    // The serving path: the model's own top k (exactly score-then-top-k,
    // faster where a model has a shortcut).
    let ranked = scorer
        .top_k(&query, k, exclude, prior.as_deref())
        .into_iter()
        .map(|(i, score)| (i, score, held_out.binary_search(&i).is_ok()))
        .collect();
    Ok(ShopperList {
        ranked,
        held_out,
        cold,
        scored_by: scorer.name().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::{EvalOptions, evaluate};
    use crate::recommend::ModelSpec;
    use crate::run::fit;
    use crate::split::SplitSpec;
    use shoplab_datasets::{EventKind, Interactions, NoProgress, Progress};

    /// 30 shoppers over 40 items, each buying a run of items over time.
    fn log() -> Interactions {
        let mut log = Interactions::new(31, 40);
        for u in 0..30u32 {
            for j in 0..(4 + u % 5) {
                let item = (u * 3 + j * 7) % 40;
                log.push(
                    u,
                    item,
                    i64::from(u * 100 + j * 1000),
                    EventKind::Purchase,
                    1.0,
                );
            }
        }
        // Shopper 30 has one event only, in the test period: cold.
        log.push(30, 5, 100_000, EventKind::Purchase, 1.0);
        log
    }

    fn fitted(spec: &RunSpec, log: &Interactions) -> Fitted {
        let fit_model =
            |s: &RunSpec, sp: &crate::split::Split, p: &dyn Progress, c: &CancelToken| {
                Ok(s.model.fit(&sp.train, s.weighting, p, c)?.into())
            };
        fit(spec, log, &fit_model, &NoProgress, &CancelToken::new()).unwrap()
    }

    #[test]
    fn held_out_items_are_the_shoppers_test_rows_of_the_runs_split_and_hits_match_the_evaluation() {
        for split in [
            r#"{"method":"temporal","test_fraction":0.3}"#,
            r#"{"method":"leave_last_out","n":2}"#,
            r#"{"method":"random","test_ratio":0.3,"seed":7}"#,
        ] {
            let spec = RunSpec {
                model: ModelSpec::from_name_and_params("item_knn", &Default::default()).unwrap(),
                split: serde_json::from_str::<SplitSpec>(split).unwrap(),
                eval: EvalOptions {
                    ks: vec![5],
                    ..EvalOptions::default()
                },
                ..RunSpec::default()
            };
            let log = log();
            let f = fitted(&spec, &log);
            let again = crate::split::split(&log, &spec.split).unwrap();
            assert_eq!(again, f.split, "the split is recomputed the same way");
            let train = f.split.history().to_matrix(spec.weighting);
            let report = evaluate(
                f.model.as_ref(),
                None,
                &train,
                None,
                None,
                &f.split.test,
                &EvalOptions {
                    cold_shoppers: ColdShoppers::Model,
                    ..spec.eval.clone()
                },
                &NoProgress,
                &CancelToken::new(),
                None,
            )
            .unwrap();
            assert!(!report.per_user.is_empty(), "{split}");
            let mut all_hits = 0;
            for u in 0..log.n_users {
                // The raw test rows of this shopper, by hand.
                let mut expected: Vec<u32> = (0..f.split.test.len())
                    .filter(|&e| f.split.test.users[e] == u)
                    .map(|e| f.split.test.items[e])
                    .filter(|i| row(&train, u).binary_search(i).is_err())
                    .collect();
                expected.sort_unstable();
                expected.dedup();
                assert_eq!(held_out(&spec, &f, u), expected, "{split}, shopper {u}");
            }
            for r in &report.per_user {
                let spec_model = RunSpec {
                    eval: EvalOptions {
                        cold_shoppers: ColdShoppers::Model,
                        ..spec.eval.clone()
                    },
                    ..spec.clone()
                };
                let list = rank(&spec_model, &f, r.user, 5, &CancelToken::new()).unwrap();
                assert_eq!(list.held_out.len(), r.n_test, "{split}, shopper {}", r.user);
                let ids: Vec<u32> = list.ranked.iter().map(|x| x.0).collect();
                assert_eq!(ids, r.top, "the list the evaluation ranked");
                for &(i, _, hit) in &list.ranked {
                    assert_eq!(hit, list.held_out.contains(&i));
                }
                let hits = (r.metrics[0].precision * 5.0).round() as usize;
                assert_eq!(list.hits(), hits, "{split}, shopper {}", r.user);
                all_hits += hits;
            }
            assert!(all_hits > 0, "{split}: some list must find a held-out item");
        }
    }

    #[test]
    fn a_cold_shopper_is_ranked_by_the_fallback_and_a_shopper_outside_the_test_period_has_none() {
        let spec = RunSpec {
            split: serde_json::from_str(r#"{"method":"temporal","test_fraction":0.05}"#).unwrap(),
            ..RunSpec::default()
        };
        let log = log();
        let f = fitted(&spec, &log);
        let cold = rank(&spec, &f, 30, 10, &CancelToken::new()).unwrap();
        assert!(cold.cold);
        assert_eq!(cold.scored_by, "popularity");
        assert_eq!(cold.held_out, vec![5]);
        // Shopper 0's events are the oldest: none fall in the last 5%.
        let early = rank(&spec, &f, 0, 10, &CancelToken::new()).unwrap();
        assert!(!early.cold && early.held_out.is_empty() && early.hits() == 0);
    }
}
