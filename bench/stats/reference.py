#!/usr/bin/env python3
"""Reference values for ShopLab's paired tests, computed with SciPy.

  python bench/stats/reference.py > engine/tests/fixtures/significance_scipy.json

(SciPy 1.13.1 from .venv-peers, see ../shared/peers/README.md.) Each case is
a pair of per-unit metric values (a = baseline, b = challenger) shaped like
real per-shopper values: many zeros, ties, a few units; and what SciPy says
of b - a:
- paired t-test: statistic, two-sided p, 95% interval of the mean difference
  (`ttest_rel(b, a).confidence_interval()`);
- Wilcoxon signed-rank on the differences rounded to 12 decimals (ShopLab
  treats differences within 1e-12 as equal), zeros dropped, no continuity correction, with the
  method ShopLab picks: exact when at most 50 non-zero differences and no
  ties among them, else the normal approximation with the tie correction;
- the exact randomisation (sign-flip) p for at most 16 units
  (`permutation_test`, every sign assignment, statistic = mean);
- effect size d_z = mean(d) / std(d, ddof=1);
- Holm-adjusted p-values of a family (written out here: SciPy has no Holm;
  the definition is short and independent of ShopLab's code).
"""

import json

import numpy as np
from scipy import stats


def per_user_like(rng, n, p_zero=0.5, levels=None):
    """Metric-like values in [0, 1]: many zeros, some repeated values."""
    if levels is not None:
        return rng.choice(levels, size=n)
    x = rng.random(n)
    x[rng.random(n) < p_zero] = 0.0
    return np.round(x, 3)


def case(name, a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    # Differences equal up to floating-point noise (0.6 - 0.5 vs 0.1 - 0.0)
    # are ties for ShopLab (1e-12); round so SciPy's exact comparisons agree.
    d = np.round(b - a, 12)
    nz = d[np.abs(d) > 1e-12]
    out = {"name": name, "a": a.tolist(), "b": b.tolist()}
    if np.std(d) > 0 and len(d) > 1:
        t = stats.ttest_rel(b, a)
        ci = t.confidence_interval(0.95)
        out["t_statistic"] = float(t.statistic)
        out["t_p_value"] = float(t.pvalue)
        out["t_ci"] = [float(ci.low), float(ci.high)]
        out["effect_size"] = float(np.mean(d) / np.std(d, ddof=1))
    if len(nz) > 0:
        ties = len(np.unique(np.abs(nz))) < len(nz)
        method = "exact" if len(nz) <= 50 and not ties else "approx"
        w = stats.wilcoxon(nz, zero_method="wilcox", correction=False, method=method)
        out["wilcoxon_statistic"] = float(w.statistic)
        out["wilcoxon_p_value"] = float(w.pvalue)
        out["wilcoxon_exact"] = method == "exact"
    if len(d) <= 16:
        r = stats.permutation_test(
            (d,), np.mean, permutation_type="samples", n_resamples=np.inf,
            alternative="two-sided",
        )
        out["randomisation_p_value"] = float(r.pvalue)
    out["wins"] = int(np.sum(d > 1e-12))
    out["ties"] = int(np.sum(np.abs(d) <= 1e-12))
    out["losses"] = int(np.sum(d < -1e-12))
    return out


def holm(p):
    p = np.asarray(p, float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adj[i] = running
    return adj.tolist()


def main():
    rng = np.random.default_rng(20261201)
    cases = []
    a = per_user_like(rng, 12)
    cases.append(case("12 units, exact sign flips", a, np.clip(a + rng.normal(0.05, 0.1, 12), 0, 1).round(3)))
    a = rng.random(40).round(6)
    cases.append(case("40 units, no ties: exact Wilcoxon", a, (a + rng.normal(0.02, 0.1, 40)).round(6)))
    lv = [0.0, 0.25, 0.5, 1.0]
    cases.append(case("200 units, four levels: ties everywhere", per_user_like(rng, 200, levels=lv), per_user_like(rng, 200, levels=lv)))
    a = per_user_like(rng, 3000)
    b = a.copy()
    moved = rng.random(3000) < 0.3
    b[moved] = np.clip(b[moved] + rng.normal(0.03, 0.2, moved.sum()), 0, 1).round(3)
    cases.append(case("3000 shoppers, 30% changed", a, b))
    a = per_user_like(rng, 1000)
    cases.append(case("1000 shoppers, noise clipped at 0 (a small gain)", a, np.clip(a + rng.normal(0, 0.05, 1000), 0, 1).round(3)))
    cases.append(case("6 units, one worse", [0.5, 0.2, 0.0, 1.0, 0.3, 0.3], [0.6, 0.5, 0.1, 0.9, 0.7, 0.35]))
    family = [0.001, 0.04, 0.03, 0.2, 0.04]
    print(json.dumps({"scipy": __import__("scipy").__version__, "cases": cases,
                      "holm": {"p": family, "adjusted": holm(family)}}, indent=1))


if __name__ == "__main__":
    main()
