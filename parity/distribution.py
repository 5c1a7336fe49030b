"""Stochastic results compare as distributions, not numbers (pure: samples in, a verdict out).

Per metric: a two-sided Mann-Whitney U test (no normality assumed; scipy) at alpha / m
(Bonferroni over the m metrics, so the family-wise false-FAIL rate is alpha), and the overlap of
the two 95% ranges. A sample too small to judge is SKIPPED, never failed: with n1 and n2 runs the
smallest p-value the exact test can reach is 2 / C(n1 + n2, n1) (every run of one side below every
run of the other), which is also the chance, under equal distributions, that the two ranges do not
overlap at all; when that exceeds alpha / m no outcome could be significant, so the check says
how many runs it needs instead (and, for the sizes given, the shift it could detect).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

from parity.outcomes import CheckResult, Status

POWER = 0.8
MW_ARE = 3 / math.pi  # Mann-Whitney's asymptotic relative efficiency vs the t-test under normality


def summarize(values) -> dict:
    """n, mean, sd, 2.5/50/97.5 percentiles of a sample."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return {"n": 0, "mean": float("nan"), "sd": float("nan"), "p2_5": float("nan"), "median": float("nan"),
                "p97_5": float("nan")}
    lo, med, hi = np.percentile(v, [2.5, 50, 97.5])
    return {"n": int(v.size), "mean": float(v.mean()), "sd": float(v.std(ddof=1)) if v.size > 1 else 0.0,
            "p2_5": float(lo), "median": float(med), "p97_5": float(hi)}


def smallest_p(n1: int, n2: int) -> float:
    """The smallest two-sided p-value an exact Mann-Whitney test can give with these sizes."""
    if n1 < 1 or n2 < 1:
        return 1.0
    return min(1.0, 2.0 / math.comb(n1 + n2, n1))


def min_runs(level: float, other: int | None = None) -> int:
    """The fewest runs per side (both sides equal, or this side against `other` runs) for which
    the test can reach p < level at all."""
    n = 1
    while smallest_p(n, other if other is not None else n) > level and n < 10_000:
        n += 1
    return n


def detectable_shift(n1: int, n2: int, level: float, power: float = POWER) -> float:
    """The location shift (in standard deviations) the test detects with `power`, under normality
    (normal approximation, Mann-Whitney's efficiency 3/pi relative to the t-test)."""
    z = stats.norm.ppf(1 - level / 2) + stats.norm.ppf(power)
    return float(z * math.sqrt(1 / n1 + 1 / n2) / math.sqrt(MW_ARE))


def compare_samples(a, b) -> dict:
    """Two-sided Mann-Whitney U and the overlap of the 95% ranges (intersection / union)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    sa, sb = summarize(a), summarize(b)
    both = np.concatenate([a, b])
    if both.size == 0 or np.ptp(both) == 0:
        p = 1.0
    else:
        p = float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    inter = min(sa["p97_5"], sb["p97_5"]) - max(sa["p2_5"], sb["p2_5"])
    union = max(sa["p97_5"], sb["p97_5"]) - min(sa["p2_5"], sb["p2_5"])
    overlap = 1.0 if union == 0 else max(0.0, inter) / union
    return {"a": sa, "b": sb, "p_value": p, "range_overlap": float(overlap), "ranges_overlap": bool(inter >= 0)}


def judge_distributions(name: str, a: dict, b: dict, metrics, alpha: float, a_label: str = "",
                        b_label: str = "", note: str = "") -> CheckResult:
    """`a`/`b`: {metric: [values]} of the two sides (column "R" shows a, "Python" b). FAIL when a
    metric's test rejects at alpha/m or its 95% ranges do not overlap; SKIP when too small."""
    metrics = list(metrics)
    m = max(1, len(metrics))
    level = alpha / m
    n1 = min(len(a.get(k, [])) for k in metrics) if metrics else 0
    n2 = min(len(b.get(k, [])) for k in metrics) if metrics else 0
    tol = f"Mann-Whitney p >= {level:g} per metric and 95% ranges overlap"
    why = f"stochastic results are draws from a distribution; family-wise alpha {alpha:g} over {m} metric(s) (Bonferroni)"
    for side, vals in (("R", a), ("Python", b)):
        for k in metrics:
            bad = [v for v in vals.get(k, []) if v is None or not np.isfinite(v)]
            if bad:
                return CheckResult(name, Status.FAIL, tolerance=tol, why=why,
                                   detail=f"{side} runs gave {len(bad)} non-finite {k} value(s): a NaN is a difference")
    if smallest_p(n1, n2) > level:
        need = min_runs(level, None)
        return CheckResult(name, Status.SKIP, f"N={n1}", f"N={n2}", "too few runs to judge", tol, why=why,
                           detail=(f"with {n1} vs {n2} runs the smallest p-value the test can reach is "
                                   f"{smallest_p(n1, n2):.3g} > {level:g}: no outcome could fail it; it needs at "
                                   f"least {need} runs per side (or {min_runs(level, max(n1, n2))} against "
                                   f"{max(n1, n2)})"),
                           data={"n_a": n1, "n_b": n2, "smallest_p": smallest_p(n1, n2), "level": level,
                                 "min_runs_per_side": need})
    out, fails, parts = {}, [], []
    for k in metrics:
        c = compare_samples(a[k], b[k])
        out[k] = c
        if c["p_value"] < level or not c["ranges_overlap"]:
            fails.append(k)
        parts.append(f"{k}: p={c['p_value']:.3g}, 95% ranges overlap {c['range_overlap']:.0%}")
    shift = detectable_shift(n1, n2, level)
    power_note = f"; with N={n1} vs {n2} it detects a shift of {shift:.2f} sd with {POWER:.0%} power"
    ma = ", ".join(f"{k} {out[k]['a']['mean']:.3f}" for k in metrics)
    mb = ", ".join(f"{k} {out[k]['b']['mean']:.3f}" for k in metrics)
    diff = ", ".join(f"d {k} {out[k]['b']['mean'] - out[k]['a']['mean']:+.3f}" for k in metrics)
    return CheckResult(name, Status.FAIL if fails else Status.PASS, f"{a_label}mean {ma} (N={n1})",
                       f"{b_label}mean {mb} (N={n2})", diff, tol,
                       detail="; ".join(parts) + power_note + note, why=why,
                       data={"metrics": out, "level": level, "detectable_shift_sd": shift, "failed": fails})
