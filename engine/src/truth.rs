//! Scoring runs against a synthetic shop's known truth.
//!
//! Held-out events are a noisy sample of what shoppers like; the synthetic
//! shop knows the likes themselves (`truth.json`: each shopper's probability
//! of picking each item). For every shopper, the run's model ranks the items
//! they have not interacted with in training (as its evaluation ranks: cold
//! shoppers by the run's fallback, ties by its tie rule), and the top K is scored with
//! their true affinities as gains:
//! - `truth_ndcg@K`: DCG of the affinities of the model's top K over the DCG
//!   of the K items with the highest affinity (1 = the model orders exactly
//!   as the shopper's true taste would);
//! - `truth_overlap@K`: share of the model's top K inside the true top K.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shoplab_datasets::recommender::top_k_with_prior;
use shoplab_datasets::synthetic::Truth;
use shoplab_datasets::{CancelToken, Progress, UserQuery, Weighting, top_k};

use crate::error::{Error, Result};
use crate::evaluate::{ColdShoppers, TieBreak, is_cold, popularity_prior};
use crate::project::Project;
use crate::run::{RunRecord, find_run};

/// How one run does against the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthScore {
    /// Run id.
    pub run: String,
    /// Run display name.
    pub name: String,
    /// Cut-off.
    pub k: usize,
    /// Shoppers scored (present in both the store and the truth).
    pub users: usize,
    /// Mean truth-NDCG@K.
    pub truth_ndcg: f64,
    /// Mean share of the top K that is in the true top K.
    pub truth_overlap: f64,
}

/// Refuses a truth written for another shop whose ids happen to overlap
/// this project's (every generated shop numbers its items alike): each
/// item both know must have the same brand and category in both.
fn same_shop(truth: &Truth, items: &[shoplab_datasets::Item]) -> Result<()> {
    let by_id: HashMap<&str, &shoplab_datasets::Item> =
        items.iter().map(|i| (i.id.as_str(), i)).collect();
    let (mut differ, mut shared) = (0usize, 0usize);
    let mut first = None;
    for t in truth.items() {
        let Some(item) = by_id.get(t.item.as_str()) else {
            continue;
        };
        shared += 1;
        let brand = truth
            .brands()
            .get(t.brand as usize)
            .map_or("", String::as_str);
        let category = truth
            .categories()
            .get(t.category as usize)
            .map_or("", String::as_str);
        if item.brand != brand || item.category_path() != category {
            differ += 1;
            first.get_or_insert_with(|| {
                format!(
                    "item {} is {brand:?} in {category:?} there but {:?} in {:?} here",
                    t.item,
                    item.brand,
                    item.category_path()
                )
            });
        }
    }
    match first {
        None => Ok(()),
        Some(example) => Err(Error::invalid(
            "truth",
            "truth.json",
            format!(
                "it describes another shop: {differ} of the {shared} items both list differ ({example}); give the truth.json written with the files you imported"
            ),
        )),
    }
}

impl Project {
    /// Scores runs (all when `runs` is empty) against a synthetic shop's truth.
    pub fn score_against_truth(
        &self,
        truth: &Truth,
        runs: &[String],
        k: usize,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<Vec<TruthScore>> {
        if k == 0 {
            return Err(Error::invalid("k", k, "must be at least 1"));
        }
        let records: Vec<RunRecord> = if runs.is_empty() {
            self.runs()?
        } else {
            runs.iter()
                .map(|r| find_run(&self.paths, r))
                .collect::<Result<_>>()?
        };
        if records.is_empty() {
            return Err(Error::Empty(
                "no runs yet: train some first (`shoplab train all`)".into(),
            ));
        }
        let item_ids = self.store().item_ids()?;
        let user_ids = self.store().user_ids()?;
        let truth_item: HashMap<&str, usize> = truth
            .items()
            .iter()
            .enumerate()
            .map(|(i, t)| (t.item.as_str(), i))
            .collect();
        let truth_user: HashMap<&str, usize> = truth
            .users()
            .iter()
            .enumerate()
            .map(|(i, t)| (t.user.as_str(), i))
            .collect();
        // Store item index -> truth item index.
        let items: Vec<Option<usize>> = item_ids
            .iter()
            .map(|id| truth_item.get(id.as_str()).copied())
            .collect();
        let users: Vec<(u32, usize)> = user_ids
            .iter()
            .enumerate()
            .filter_map(|(u, id)| truth_user.get(id.as_str()).map(|&t| (u as u32, t)))
            .collect();
        if users.is_empty() || items.iter().all(Option::is_none) {
            return Err(Error::invalid(
                "truth",
                "truth.json",
                "none of its shoppers or items are in this project; give the truth.json written with the files you imported",
            ));
        }
        same_shop(truth, &self.store().items()?)?;
        let all_runs = runs.is_empty();
        let mut first_error = None;
        let mut out = Vec::new();
        for record in records {
            let log = self.interactions(&record.spec.kinds)?;
            let fit_model =
                |s: &_, sp: &_, p: &dyn Progress, c: &CancelToken| self.fit_model(s, sp, p, c);
            let loaded =
                crate::run::load_or_fit(&self.paths, &record, &log, &fit_model, progress, cancel);
            let fitted = match loaded {
                Ok((fitted, _)) => fitted,
                // Scoring every run: one that cannot serve (trained before
                // an import, its model gone) is named and left out, as
                // `compare` notes it, instead of stopping the others.
                Err(e) if all_runs && !matches!(e, Error::Cancelled) => {
                    tracing::warn!("eval-truth: left out run {}: {e}", record.id);
                    first_error.get_or_insert(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let history = fitted.split.history();
            let train = history.to_matrix(record.spec.weighting);
            let sequences = history.sequences();
            // As the run's evaluation ranks: cold shoppers by its fallback
            // (unless it let the model rank them), ties by its tie rule.
            let trained = fitted.split.trained_shoppers();
            let fallback = if record.spec.eval.cold_shoppers == ColdShoppers::Model {
                None
            } else {
                Some(record.spec.eval.cold_fallback.fit(
                    &fitted.split.train,
                    Weighting::Binary,
                    &shoplab_datasets::NoProgress,
                    cancel,
                )?)
            };
            let prior = match record.spec.eval.tie_break {
                TieBreak::Popularity => Some(popularity_prior(&train)),
                TieBreak::ItemIndex => None,
            };
            let model = fitted.model.as_ref();
            progress.stage(&format!("truth {}", record.name), Some(users.len() as u64));
            let per_user: Vec<(f64, f64)> = users
                .par_iter()
                .map_init(
                    || (vec![0f32; model.n_items()], vec![0f32; items.len()]),
                    |(scores, affinity), &(u, tu)| {
                        let (hist, weights) = train.row(u as usize);
                        scores.iter_mut().for_each(|s| *s = 0.0);
                        let scorer = match &fallback {
                            Some(f) if is_cold(model, Some(&trained), u as usize, hist) => {
                                f.as_ref()
                            }
                            _ => model,
                        };
                        scorer.score(
                            &UserQuery {
                                user: Some(u),
                                history: hist,
                                weights,
                                events: sequences.of(u as usize),
                            },
                            scores,
                        );
                        for (a, ti) in affinity.iter_mut().zip(&items) {
                            *a = ti.map_or(0.0, |ti| truth.true_affinity(tu, ti) as f32);
                        }
                        let top = top_k_with_prior(scores, k, hist, prior.as_deref());
                        let ideal = top_k(affinity, k, hist);
                        let dcg = |list: &[u32]| -> f64 {
                            list.iter()
                                .enumerate()
                                .map(|(r, &i)| {
                                    f64::from(affinity[i as usize]) / ((r + 2) as f64).log2()
                                })
                                .sum()
                        };
                        let idcg = dcg(&ideal);
                        let ndcg = if idcg > 0.0 { dcg(&top) / idcg } else { 0.0 };
                        let overlap =
                            top.iter().filter(|i| ideal.contains(i)).count() as f64 / k as f64;
                        (ndcg, overlap)
                    },
                )
                .collect();
            progress.advance(users.len() as u64);
            progress.finish_stage();
            let n = per_user.len() as f64;
            out.push(TruthScore {
                run: record.id.clone(),
                name: record.name.clone(),
                k,
                users: per_user.len(),
                truth_ndcg: per_user.iter().map(|p| p.0).sum::<f64>() / n,
                truth_overlap: per_user.iter().map(|p| p.1).sum::<f64>() / n,
            });
        }
        match first_error {
            Some(e) if out.is_empty() => Err(e),
            _ => Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use shoplab_datasets::NoProgress;
    use shoplab_datasets::read::ReadOptions;
    use shoplab_datasets::synthetic::{Shop, ShopSpec};

    use crate::project::Project;
    use crate::recommend::ModelSpec;
    use crate::run::RunSpec;
    use crate::store::ImportOptions;

    #[test]
    fn personal_models_know_tastes_better_than_popularity() {
        let dir = tempfile::tempdir().unwrap();
        let spec = ShopSpec {
            n_users: 150,
            n_items: 200,
            n_events: 12_000,
            ..ShopSpec::demo()
        };
        let shop = Shop::generate(&spec);
        let data = dir.path().join("data");
        shop.write_files(&data).unwrap();
        let mut p = Project::create(&dir.path().join("p"), "t").unwrap();
        let cancel = shoplab_datasets::CancelToken::new();
        for f in ["catalog.csv", "events.csv"] {
            p.import(
                &data.join(f),
                &ReadOptions::default(),
                &ImportOptions::default(),
                &NoProgress,
                &cancel,
            )
            .unwrap();
        }
        for m in ["popularity", "item_knn"] {
            let spec = RunSpec {
                name: Some(m.into()),
                model: ModelSpec::from_name_and_params(m, &Default::default()).unwrap(),
                ..RunSpec::default()
            };
            p.run(&spec, &NoProgress, &cancel).unwrap();
        }
        // The same model with the run letting it rank cold shoppers itself
        // and ties by catalog order: the truth must see those lists too.
        // (A late cut leaves shoppers with no training events.)
        let late: crate::split::SplitSpec =
            serde_json::from_str(r#"{"method":"temporal","test_fraction":0.7}"#).unwrap();
        let knn = |name: &str, eval: crate::evaluate::EvalOptions| RunSpec {
            name: Some(name.into()),
            model: ModelSpec::from_name_and_params("item_knn", &Default::default()).unwrap(),
            split: late.clone(),
            eval,
            ..RunSpec::default()
        };
        let own = crate::evaluate::EvalOptions {
            cold_shoppers: crate::evaluate::ColdShoppers::Model,
            tie_break: crate::evaluate::TieBreak::ItemIndex,
            ..Default::default()
        };
        let apart = p
            .run(&knn("knn_apart", Default::default()), &NoProgress, &cancel)
            .unwrap();
        let own = p.run(&knn("knn_own", own), &NoProgress, &cancel).unwrap();
        assert!(apart.summary.users_cold > 0, "the test needs cold shoppers");
        let truth = shoplab_datasets::synthetic::Truth::read(&data.join("truth.json")).unwrap();
        let late_scores = p
            .score_against_truth(&truth, &[apart.id, own.id], 10, &NoProgress, &cancel)
            .unwrap();
        assert_ne!(late_scores[0].truth_ndcg, late_scores[1].truth_ndcg);
        let scores = p
            .score_against_truth(
                &truth,
                &["popularity".into(), "item_knn".into()],
                10,
                &NoProgress,
                &cancel,
            )
            .unwrap();
        assert_eq!(scores.len(), 2);
        let by = |n: &str| scores.iter().find(|s| s.name == n).unwrap().truth_ndcg;
        assert!(
            scores
                .iter()
                .all(|s| (0.0..=1.0).contains(&s.truth_ndcg) && s.users > 100)
        );
        assert!(by("item_knn") > by("popularity"), "{scores:?}");
        // Another shop of the same size numbers its items alike: its truth
        // is refused, naming an item that differs.
        let other = Shop::generate(&ShopSpec {
            seed: spec.seed + 1,
            ..spec.clone()
        });
        let other_dir = dir.path().join("other");
        other.write_files(&other_dir).unwrap();
        let other =
            shoplab_datasets::synthetic::Truth::read(&other_dir.join("truth.json")).unwrap();
        let err = p
            .score_against_truth(&other, &[], 10, &NoProgress, &cancel)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("another shop") && err.contains("item P0"),
            "{err}"
        );
    }
}
