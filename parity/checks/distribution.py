"""Unseeded training is stochastic: compare distributions, not numbers."""
from __future__ import annotations

import numpy as np
from scipy import stats

from parity.registry import CheckResult, Status, check

ALPHA = 0.01  # family-wise over the two metrics (Bonferroni: each test at ALPHA / 2)
METRICS = ("accuracy", "auc")


def summarize(values) -> dict:
    """n, mean, sd, 2.5/50/97.5 percentiles of a sample."""
    v = np.asarray(values, dtype=float)
    lo, med, hi = np.percentile(v, [2.5, 50, 97.5])
    return {"n": int(v.size), "mean": float(v.mean()), "sd": float(v.std(ddof=1)) if v.size > 1 else 0.0,
            "p2_5": float(lo), "median": float(med), "p97_5": float(hi)}


def compare_samples(a, b) -> dict:
    """Two-sided Mann-Whitney U (no normality assumed) and the overlap of the 95% ranges
    (intersection / union of the 2.5-97.5 percentile intervals)."""
    sa, sb = summarize(a), summarize(b)
    if np.ptp(np.concatenate([a, b])) == 0:
        p = 1.0
    else:
        p = float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    inter = min(sa["p97_5"], sb["p97_5"]) - max(sa["p2_5"], sb["p2_5"])
    union = max(sa["p97_5"], sb["p97_5"]) - min(sa["p2_5"], sb["p2_5"])
    overlap = 1.0 if union == 0 else max(0.0, inter) / union
    return {"a": sa, "b": sb, "p_value": p, "range_overlap": float(overlap), "ranges_overlap": inter >= 0}


@check("metric_ranges", "distribution", f"Mann-Whitney p >= {ALPHA / len(METRICS):g} per metric and 95% ranges overlap",
       f"unseeded Keras weights and shuffles make each run a draw from a distribution; family-wise alpha {ALPHA} "
       "over accuracy and AUC (Bonferroni)", needs=("r_runs", "py_runs"))
def metric_ranges(ctx) -> CheckResult:
    """Test accuracy and AUC over N unseeded runs per side: same distribution?"""
    out, fails, parts = {}, [], []
    for metric, get in (("accuracy", lambda x: x.test_accuracy), ("auc", lambda x: x.auc)):
        a = np.array([get(x) for x in ctx.r_runs])
        b = np.array([get(x) for x in ctx.py_runs])
        c = compare_samples(a, b)
        out[metric] = c
        if c["p_value"] < ALPHA / len(METRICS) or not c["ranges_overlap"]:
            fails.append(metric)
        parts.append(f"{metric}: p={c['p_value']:.3g}, 95% ranges overlap {c['range_overlap']:.0%}")
    n_r, n_p = len(ctx.r_runs), len(ctx.py_runs)
    low_power = (" (small N: the test can only catch large shifts; use --r-seeds 30+)"
                 if min(n_r, n_p) < 30 else "")

    def fmt(s):
        return f"acc {s['accuracy']:.3f}, auc {s['auc']:.3f}"

    rm = {m: out[m]["a"]["mean"] for m in out}
    pm = {m: out[m]["b"]["mean"] for m in out}
    return CheckResult("metric_ranges", Status.FAIL if fails else Status.PASS,
                       f"mean {fmt(rm)} (N={n_r})", f"mean {fmt(pm)} (N={n_p})",
                       f"d acc {pm['accuracy'] - rm['accuracy']:+.3f}, d auc {pm['auc'] - rm['auc']:+.3f}",
                       detail="; ".join(parts) + low_power, data=out)


@check("fast_trainer_distribution", "distribution",
       f"Mann-Whitney p >= {ALPHA / len(METRICS):g} per metric and 95% ranges overlap",
       "the batched trainer draws its own (numpy) seeds, so it can only match Keras fit in distribution; "
       f"family-wise alpha {ALPHA} over accuracy and AUC (Bonferroni)", needs=("py_runs",))
def fast_trainer_distribution(ctx) -> CheckResult:
    """The batched trainer's accuracy/AUC over its seeds vs unseeded Keras fit's (Python side)."""
    from parity.registry import SkipCheck

    if ctx.options.trainer != "fast":
        raise SkipCheck("the Python distribution already uses Keras fit (--trainer keras)")
    fast, keras_ = ctx.py_runs, ctx.keras_runs
    out, fails, parts = {}, [], []
    for metric, get in (("accuracy", lambda x: x.test_accuracy), ("auc", lambda x: x.auc)):
        c = compare_samples(np.array([get(x) for x in keras_]), np.array([get(x) for x in fast]))
        out[metric] = c
        if c["p_value"] < ALPHA / len(METRICS) or not c["ranges_overlap"]:
            fails.append(metric)
        parts.append(f"{metric}: p={c['p_value']:.3g}, 95% ranges overlap {c['range_overlap']:.0%}")
    k = {m: out[m]["a"]["mean"] for m in out}
    f = {m: out[m]["b"]["mean"] for m in out}
    return CheckResult("fast_trainer_distribution", Status.FAIL if fails else Status.PASS,
                       f"Keras fit: acc {k['accuracy']:.3f}, auc {k['auc']:.3f} (N={len(keras_)})",
                       f"batched: acc {f['accuracy']:.3f}, auc {f['auc']:.3f} (N={len(fast)})",
                       f"d acc {f['accuracy'] - k['accuracy']:+.3f}, d auc {f['auc'] - k['auc']:+.3f}",
                       detail="; ".join(parts) + " (the 'R' column is Python's Keras fit here)", data=out)
