//! `shoplab fuse`: fused runs from saved runs on a synthetic shop. A member
//! alone (weights 1, 0) must reproduce that member's evaluation exactly,
//! whatever the normalisation; tuning reads the validation split and says
//! so; runs that cannot be fused are refused by name; a fused run serves
//! `recommend` from its members' saved models and says when one is gone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

fn ndcg10(run: &serde_json::Value) -> f64 {
    run["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["k"] == 10)
        .unwrap()["ndcg"]
        .as_f64()
        .unwrap()
}

#[test]
fn fuse_tunes_on_validation_compares_with_members_and_serves() {
    let (dir, root) = new_project();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    ok(&root, &["generate", d, "--size", "demo", "--seed", "7"]);
    for f in ["catalog.csv", "users.csv", "events.csv"] {
        ok(&root, &["import", data.join(f).to_str().unwrap()]);
    }
    let valid = ["--valid-fraction", "0.1"];
    let mut runs = std::collections::HashMap::new();
    for m in ["ease", "item_knn", "popularity"] {
        let mut args = vec!["train", m];
        args.extend(valid);
        let r = json(&root, &args);
        runs.insert(m, r[0].clone());
    }

    // Tuned by grid search on validation; compared with each member.
    let out = json(
        &root,
        &[
            "fuse",
            "ease",
            "item_knn",
            "--resamples",
            "1000",
            "--name",
            "both",
        ],
    );
    let run = &out["run"];
    let f = &run["fusion"];
    assert_eq!(f["tuned_on"], "validation", "{f}");
    assert_eq!(f["chosen_by"], "grid");
    assert_eq!(f["trials"].as_array().unwrap().len(), 11, "{f}");
    let w: Vec<f64> = f["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{w:?}");
    // The chosen weights are the best trial on validation, never below a member alone.
    let best = f["validation_ndcg"].as_f64().unwrap();
    for v in f["members_validation_ndcg"].as_array().unwrap() {
        assert!(best >= v.as_f64().unwrap() - 1e-12, "{f}");
    }
    let against = out["against_members"].as_array().unwrap();
    assert_eq!(against.len(), 2);
    for (r, member) in against.iter().zip(["ease", "item_knn"]) {
        assert_eq!(r["baseline"]["id"], runs[member]["id"]);
        let cell = &r["segments"][0]["cells"][0][0];
        // Each member's mean is its own run's (same shoppers, same lists).
        let t = &cell["test"];
        assert!(
            (t["mean_a"].as_f64().unwrap() - ndcg10(&runs[member])).abs() < 1e-9,
            "{t}"
        );
        assert!((t["mean_b"].as_f64().unwrap() - ndcg10(run)).abs() < 1e-9);
        assert!(cell["p_holm"].as_f64().unwrap() >= t["p_value"].as_f64().unwrap());
    }

    // A member alone reproduces that member exactly, for every normalisation and RRF.
    for extra in [
        &["--normalise", "min_max"][..],
        &["--normalise", "z_score"],
        &["--normalise", "rank"],
        &["--method", "rrf"],
    ] {
        let mut args = vec!["fuse", "item_knn", "popularity", "--weights", "1,0"];
        args.extend_from_slice(extra);
        args.extend(["--resamples", "1000"]);
        let alone = json(&root, &args);
        assert_eq!(alone["run"]["fusion"]["chosen_by"], "given");
        assert_eq!(alone["run"]["fusion"]["tuned_on"], "");
        assert!(
            (ndcg10(&alone["run"]) - ndcg10(&runs["item_knn"])).abs() < 1e-12,
            "{extra:?}: {} vs {}",
            ndcg10(&alone["run"]),
            ndcg10(&runs["item_knn"])
        );
        let cell = &alone["against_members"][0]["segments"][0]["cells"][0][0]["test"];
        assert_eq!(cell["wins"].as_u64(), Some(0), "{extra:?}: {cell}");
        assert_eq!(cell["losses"].as_u64(), Some(0), "{extra:?}: {cell}");
    }
    // Every method runs and the text names the verdict against the best member.
    for method in ["comb_sum", "comb_mnz", "rrf"] {
        let text = ok(
            &root,
            &[
                "fuse",
                "ease",
                "item_knn",
                "popularity",
                "--method",
                method,
                "--resamples",
                "1000",
            ],
        );
        assert!(
            text.contains("its best member, ease") || text.contains("its best member, item_knn"),
            "{method}: {text}"
        );
    }
    // Each member alone on validation is its own ranking, whatever the method
    // (CombMNZ's multiplier must not leak into "ease alone").
    let mnz = json(
        &root,
        &[
            "fuse",
            "ease",
            "item_knn",
            "--method",
            "comb_mnz",
            "--resamples",
            "1000",
        ],
    );
    assert_eq!(
        mnz["run"]["fusion"]["members_validation_ndcg"], f["members_validation_ndcg"],
        "members alone under comb_mnz vs weighted"
    );
    // A comparison option that cannot work is refused before the fusion is
    // built: no run is left behind.
    let before = json(&root, &["runs"]).as_array().unwrap().len();
    let o = shoplab(&root, &["fuse", "ease", "item_knn", "--resamples", "10"]);
    assert!(!o.status.success());
    let o2 = shoplab(&root, &["fuse", "ease", "item_knn", "--metrics", "ndcg@50"]);
    assert!(!o2.status.success());
    assert!(stderr(&o2).contains("ndcg@50"), "{}", stderr(&o2));
    assert_eq!(json(&root, &["runs"]).as_array().unwrap().len(), before);
    // With a validation part, shoppers whose only history is validation
    // events are light: light and heavy share out every warm shopper.
    let ab = json(&root, &["ab", "ease", "item_knn", "--resamples", "1000"]);
    let seg = |name: &str| {
        ab["segments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .map_or(0, |s| s["shoppers"].as_u64().unwrap())
    };
    assert_eq!(
        seg("light") + seg("heavy"),
        seg("all"),
        "{}",
        ab["segments"]
    );

    // Stacking: a logistic meta-model learnt on validation re-ranks the
    // members' top candidates; it records its coefficients and serves.
    let stack = json(
        &root,
        &[
            "fuse",
            "ease",
            "item_knn",
            "--method",
            "stacking",
            "--name",
            "stacked",
            "--resamples",
            "1000",
        ],
    );
    let sf = &stack["run"]["fusion"];
    assert_eq!(sf["tuned_on"], "validation", "{sf}");
    // Two members x (score, rank), popularity, age, activity, intercept.
    assert_eq!(sf["meta_model"].as_array().unwrap().len(), 8, "{sf}");
    assert!(ndcg10(&stack["run"]) > 0.0);
    let rec = json(
        &root,
        &["recommend", "--run", "stacked", "--user", "U000001"],
    );
    assert_eq!(rec["items"].as_array().unwrap().len(), 10, "{rec}");
    let o = shoplab(
        &root,
        &[
            "fuse",
            "ease",
            "item_knn",
            "--method",
            "stacking",
            "--weights",
            "1,1",
        ],
    );
    assert!(stderr(&o).contains("meta-model"), "{}", stderr(&o));

    let tpe = json(
        &root,
        &[
            "fuse",
            "ease",
            "item_knn",
            "popularity",
            "--tuning",
            "tpe",
            "--trials",
            "12",
            "--resamples",
            "1000",
        ],
    );
    assert_eq!(tpe["run"]["fusion"]["trials"].as_array().unwrap().len(), 12);

    // The fused run serves recommendations from its members' saved models.
    let user = against[0]["moved"][0]["helped"]
        .as_array()
        .and_then(|h| h.first())
        .or_else(|| {
            against[0]["moved"][0]["hurt"]
                .as_array()
                .and_then(|h| h.first())
        })
        .map(|u| u["user"].as_str().unwrap().to_string())
        .unwrap_or_else(|| "U000001".into());
    let rec = json(&root, &["recommend", "--run", "both", "--user", &user]);
    assert_eq!(rec["items"].as_array().unwrap().len(), 10, "{rec}");

    // Refusals name what is wrong.
    ok(
        &root,
        &[
            "train",
            "ease",
            "--split",
            "random",
            "--name",
            "ease-random",
        ],
    );
    let o = shoplab(&root, &["fuse", "ease", "ease-random"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("split") && stderr(&o).contains("ease-random"),
        "{}",
        stderr(&o)
    );
    ok(&root, &["train", "ease", "--name", "ease-novalid"]);
    let o = shoplab(&root, &["fuse", "ease-novalid", "ease-random"]);
    assert!(!o.status.success());
    let o = shoplab(&root, &["train", "popularity", "--name", "pop-novalid"]);
    assert!(o.status.success());
    let o = shoplab(&root, &["fuse", "ease-novalid", "pop-novalid"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--valid-fraction"), "{}", stderr(&o));
    let o = shoplab(
        &root,
        &[
            "fuse",
            "ease",
            "item_knn",
            "--method",
            "comb_sum",
            "--weights",
            "1,2",
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("equally"), "{}", stderr(&o));
    let o = shoplab(&root, &["fuse", "ease", "item_knn", "--method", "borda"]);
    assert!(
        stderr(&o).contains("comb_sum, comb_mnz, weighted, rrf"),
        "{}",
        stderr(&o)
    );

    // A member removed: the fusion says which and what to do.
    let item_knn_dir = root
        .join("runs")
        .join(runs["item_knn"]["id"].as_str().unwrap());
    std::fs::remove_dir_all(item_knn_dir).unwrap();
    let o = shoplab(&root, &["recommend", "--run", "both", "--user", &user]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("gone") && err.contains("fusion"), "{err}");
}
