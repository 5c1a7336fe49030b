"""Unseeded training is stochastic: compare distributions, not numbers."""
from __future__ import annotations

import numpy as np
from scipy import stats

from parity.registry import CheckResult, SkipCheck, Status, check

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


TOLERANCE = f"Mann-Whitney p >= {ALPHA / len(METRICS):g} per metric and 95% ranges overlap"
READOUT = {"accuracy": lambda x: x.test_accuracy, "auc": lambda x: x.auc}


def _compare_runs(name: str, a_runs, b_runs, a_label: str, b_label: str, note: str = "") -> CheckResult:
    """Accuracy and AUC of two sets of runs: FAIL if either metric's test rejects (Bonferroni)
    or its 95% ranges do not overlap. Column "R" shows `a_runs`, column "Python" `b_runs`."""
    out, fails, parts = {}, [], []
    for metric, get in READOUT.items():
        c = compare_samples(np.array([get(x) for x in a_runs]), np.array([get(x) for x in b_runs]))
        out[metric] = c
        if c["p_value"] < ALPHA / len(METRICS) or not c["ranges_overlap"]:
            fails.append(metric)
        parts.append(f"{metric}: p={c['p_value']:.3g}, 95% ranges overlap {c['range_overlap']:.0%}")
    a = {m: out[m]["a"]["mean"] for m in out}
    b = {m: out[m]["b"]["mean"] for m in out}
    return CheckResult(name, Status.FAIL if fails else Status.PASS,
                       f"{a_label}acc {a['accuracy']:.3f}, auc {a['auc']:.3f} (N={len(a_runs)})",
                       f"{b_label}acc {b['accuracy']:.3f}, auc {b['auc']:.3f} (N={len(b_runs)})",
                       f"d acc {b['accuracy'] - a['accuracy']:+.3f}, d auc {b['auc'] - a['auc']:+.3f}",
                       detail="; ".join(parts) + note, data=out)


@check("metric_ranges", "distribution", TOLERANCE,
       f"unseeded Keras weights and shuffles make each run a draw from a distribution; family-wise alpha {ALPHA} "
       "over accuracy and AUC (Bonferroni)", needs=("r_runs", "py_runs"))
def metric_ranges(ctx) -> CheckResult:
    """Test accuracy and AUC over N unseeded runs per side: same distribution?"""
    low_power = (" (small N: the test can only catch large shifts; use --r-seeds 30+)"
                 if min(len(ctx.r_runs), len(ctx.py_runs)) < 30 else "")
    return _compare_runs("metric_ranges", ctx.r_runs, ctx.py_runs, "mean ", "mean ", low_power)


@check("fast_trainer_distribution", "distribution", TOLERANCE,
       "the batched trainer draws its own (numpy) seeds, so it can only match Keras fit in distribution; "
       f"family-wise alpha {ALPHA} over accuracy and AUC (Bonferroni)", needs=("py_runs",))
def fast_trainer_distribution(ctx) -> CheckResult:
    """The batched trainer's accuracy/AUC over its seeds vs unseeded Keras fit's (Python side)."""
    if ctx.options.trainer != "fast":
        raise SkipCheck("the Python distribution already uses Keras fit (--trainer keras)")
    return _compare_runs("fast_trainer_distribution", ctx.keras_runs, ctx.py_runs, "Keras fit: ", "batched: ",
                         " (the 'R' column is Python's Keras fit here)")
