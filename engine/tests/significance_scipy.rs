//! ShopLab's paired tests against SciPy 1.13.1 (fixtures made by
//! `bench/stats/reference.py`): t-test, its interval, Wilcoxon (exact and
//! normal approximation with ties), exact randomisation p-values, effect
//! size, win/tie/loss counts and Holm's adjustment, to 1e-6.

#![allow(clippy::unwrap_used)]

use serde_json::Value;
use shoplab_engine::significance::{PairedConfig, holm, paired_test};

fn fixtures() -> Value {
    let text = include_str!("fixtures/significance_scipy.json");
    serde_json::from_str(text).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// |got − want| within 1e-6 relative to max(1, |want|)... or, for tiny
/// p-values, within 1e-6 of their own size.
fn close(name: &str, what: &str, got: f64, want: f64) {
    let tol = if want.abs() < 1e-6 {
        want.abs() * 1e-6
    } else {
        1e-6 * want.abs().max(1.0)
    };
    assert!(
        (got - want).abs() <= tol,
        "{name}: {what} = {got}, SciPy {want} (difference {:e})",
        got - want
    );
}

#[test]
fn paired_tests_match_scipy() {
    let f = fixtures();
    let cases = f["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let (a, b) = (floats(&c["a"]), floats(&c["b"]));
        let t = paired_test(&a, &b, &PairedConfig::default()).unwrap();
        close(
            name,
            "t statistic",
            t.t_statistic.unwrap(),
            c["t_statistic"].as_f64().unwrap(),
        );
        close(
            name,
            "t p-value",
            t.t_p_value.unwrap(),
            c["t_p_value"].as_f64().unwrap(),
        );
        let ci = floats(&c["t_ci"]);
        close(name, "t interval low", t.t_ci_low, ci[0]);
        close(name, "t interval high", t.t_ci_high, ci[1]);
        close(
            name,
            "effect size",
            t.effect_size.unwrap(),
            c["effect_size"].as_f64().unwrap(),
        );
        close(
            name,
            "Wilcoxon statistic",
            t.wilcoxon_statistic,
            c["wilcoxon_statistic"].as_f64().unwrap(),
        );
        close(
            name,
            "Wilcoxon p-value",
            t.wilcoxon_p_value,
            c["wilcoxon_p_value"].as_f64().unwrap(),
        );
        assert_eq!(
            t.wilcoxon_exact,
            c["wilcoxon_exact"].as_bool().unwrap(),
            "{name}"
        );
        if let Some(p) = c.get("randomisation_p_value") {
            assert!(t.exact, "{name}: sign flips should be enumerated");
            close(
                name,
                "randomisation p-value",
                t.p_value,
                p.as_f64().unwrap(),
            );
        }
        for (field, got) in [("wins", t.wins), ("ties", t.ties), ("losses", t.losses)] {
            assert_eq!(got as u64, c[field].as_u64().unwrap(), "{name}: {field}");
        }
    }
}

#[test]
fn holm_matches_the_reference() {
    let f = fixtures();
    let got = holm(&floats(&f["holm"]["p"]));
    for (g, w) in got.iter().zip(floats(&f["holm"]["adjusted"])) {
        close("holm", "adjusted p", *g, w);
    }
}

#[test]
fn bootstrap_and_randomisation_are_seeded_and_agree_with_the_t_interval() {
    let f = fixtures();
    let c = &f["cases"][3];
    let (a, b) = (floats(&c["a"]), floats(&c["b"]));
    // Fewer resamples than the default keep the debug-build test quick.
    let cfg = PairedConfig {
        bootstrap: 2000,
        permutations: 2000,
        ..PairedConfig::default()
    };
    let one = paired_test(&a, &b, &cfg).unwrap();
    let two = paired_test(&a, &b, &cfg).unwrap();
    assert_eq!(one, two, "the same seed gives the same figures");
    let other = paired_test(&a, &b, &PairedConfig { seed: 7, ..cfg }).unwrap();
    assert_ne!(one.ci_low, other.ci_low, "the seed is used");
    // With 3000 units the bootstrap percentile interval is close to the t
    // interval (both estimate the same sampling spread).
    let ci = floats(&c["t_ci"]);
    let width = ci[1] - ci[0];
    assert!((one.ci_low - ci[0]).abs() < 0.1 * width, "{one:?}");
    assert!((one.ci_high - ci[1]).abs() < 0.1 * width, "{one:?}");
    // A p of ~1e-27 is far below what 2,000 sign flips can show.
    assert!(one.p_value <= 1.0 / 2001.0 + 1e-15, "{one:?}");
}
