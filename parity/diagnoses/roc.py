"""Hypotheses about ROC analysis: the AUC direction (pROC's direction="auto" vs scikit-learn,
which never flips) and the thresholds (pROC's midpoints vs scikit-learn's scores)."""
from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from parity.diagnoses._core import (Diagnosis, as_array, ctx_values, hint, num, num_pair_same_shape,
                                    preview, safe, strs)


def _labels_scores(context):
    """(labels name, scores name, labels, scores) pairs from the context: a 1-D vector with exactly
    two distinct values and a same-length float vector with more than two distinct values."""
    labels, scores = [], []
    for cname, side, v in ctx_values(context):
        arr = as_array(v)
        if arr is None or arr.ndim not in (1, 2) or (arr.ndim == 2 and 1 not in arr.shape):
            continue
        arr = arr.reshape(-1)
        s = strs(arr)
        if s is not None:
            if None not in s.tolist() and len(set(s.tolist())) == 2:
                labels.append((cname, side, s))
            continue
        x = num(arr)
        if x is None or not np.all(np.isfinite(x)):
            continue
        u = np.unique(x)
        if u.size == 2:
            labels.append((cname, side, x))
        elif u.size > 2:
            scores.append((cname, side, x))
    for ln, _ls, y in labels:
        for sn, _ss, sc in scores:
            if sc.size == y.size:
                yield ln, sn, y, sc


def _auc_lt(y: np.ndarray, s: np.ndarray):
    """(control level, case level, AUC for direction '<', median controls, median cases)."""
    lv = sorted(set(y.tolist()))
    ctrl = np.array([v == lv[0] for v in y.tolist()])
    x0, x1 = s[ctrl], s[~ctrl]
    ranks = rankdata(np.concatenate((x0, x1)))
    m, n = x1.size, x0.size
    auc = (float(np.sum(ranks[n:])) - m * (m + 1) / 2) / (m * n)
    return lv[0], lv[1], auc, float(np.median(x0)), float(np.median(x1))


@safe
def auc_direction(r, py, *, name, context):
    """AUC = 1 - AUC: one side let the direction flip (pROC's direction="auto" picks ">" when the
    controls' median score is above the cases'), the other computed the "<" rule regardless
    (sklearn.metrics.roc_auc_score), or the positive class is swapped.

    Criterion: a scalar or 1-D vector of values in [0, 1] (or [0, 100] for percent=TRUE), every
    element either equal (rel 1e-12) or R + Python = 1 (abs 1e-12), at least one flipped pair
    strictly inside (0, 1) that is not 0.5 / 0.5 (a vector flipped on every element only with
    an AUC-like name: otherwise it is `complement`);
    a length-3 CI (lower, auc, upper) also matches as Python = 1 - rev(R).
    Context: optional labels (two distinct values) and scores of the same length: when found,
    the AUCs for '<' and '>' and the class medians are computed from them (confirmed=True when
    they reproduce the two values within 1e-9)."""
    p = num_pair_same_shape(r, py)
    if p is None:
        return None
    a, b, _ = p
    if a.ndim > 1:
        return None
    a, b = a.reshape(-1), b.reshape(-1)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))) or np.array_equal(a, b):
        return None
    lo, hi = min(a.min(), b.min()), max(a.max(), b.max())
    if lo < 0:
        return None
    top = 1.0 if hi <= 1 else (100.0 if hi <= 100 else None)
    if top is None:
        return None
    tol = 1e-12 * top
    kind = "value"
    eq = np.abs(a - b) <= 1e-12 * np.maximum(np.abs(a), np.abs(b))
    flip = np.abs(a + b - top) <= tol
    inside = (a > 0) & (a < top)  # AUC 0 vs 1 (perfect separation) is too weak on its own
    if a.size > 1 and np.all(flip & ~eq) and not hint(name, "auc"):
        return None  # a whole vector complemented: `complement` (unless it is a vector of AUCs)
    if not (np.all(eq | flip) and np.any(flip & ~eq & inside)):
        if a.size == 3 and np.all(np.diff(a) >= 0) and np.all(np.abs(b - (top - a[::-1])) <= tol):
            kind = "ci"
        else:
            return None
    n_flip = int(np.sum(flip & ~eq)) if kind == "value" else 3
    pct = " (percent)" if top == 100 else ""
    data = {"kind": kind, "n_flipped": n_flip, "n": int(a.size), "scale": top, "confirmed": False}
    if kind == "ci":
        ev = (f"Python's CI {preview(b, 3)} is 1 - R's {preview(a, 3)} reversed{pct}: the whole "
              "interval is for the opposite direction")
    elif a.size == 1:
        ev = f"R {a[0]:.10g} + Python {b[0]:.10g} = {top:g}{pct} (|dev| {abs(a[0] + b[0] - top):.1e})"
    else:
        ev = f"{n_flip} of {a.size} values are 1 - the other side's{pct}, the rest are equal"
    for ln, sn, y, s in _labels_scores(context):
        c0, c1, auc_lt, m0, m1 = _auc_lt(y, s)
        auc_lt *= top
        both = {round(auc_lt, 9), round(top - auc_lt, 9)}
        if kind == "value" and a.size == 1 and {round(float(a[0]), 9), round(float(b[0]), 9)} == both:
            auto = "<" if m0 <= m1 else ">"
            r_is = "<" if abs(float(a[0]) - auc_lt) <= 1e-9 * top else ">"
            py_is = ">" if r_is == "<" else "<"
            ev += (f"; on context '{ln}'/'{sn}' (controls {c0!r}, cases {c1!r}): R's value is AUC('{r_is}'), "
                   f"Python's AUC('{py_is}') of those scores; there median(controls) {m0:.4g} "
                   f"{'<=' if auto == '<' else '>'} median(cases) {m1:.4g}, so pROC's direction='auto' "
                   f"picks '{auto}'")
            data.update(confirmed=True, auc_lt=auc_lt, auc_gt=top - auc_lt, auto_direction=auto, r_direction=r_is,
                        median_controls=m0, median_cases=m1, labels=ln, scores=sn)
            break
    return Diagnosis(
        "auc_direction", "AUC for the opposite direction (AUC = 1 - AUC): no pROC direction rule "
        "on one side, or the positive class swapped",
        ev,
        "pass the direction explicitly on both sides (pROC direction='<' / '>'), or use "
        "python_impl.roc.roc(labels, scores) which applies pROC's direction='auto' median rule; "
        "check which label is the case (pROC levels = c(control, case))", data)


@safe
def complement(r, py, *, name, context):
    """Python = 1 - R on every element: the probability of the other class (predict_proba[:, 0]
    instead of [:, 1]), the positive label swapped, or error rate vs accuracy.

    Criterion: a vector (>= 2 elements, 1-D or n x 1) of values in [0, 1], R + Python = 1 on
    every element (abs 1e-12), at least one element not 0.5. Context: none."""
    p = num_pair_same_shape(r, py)
    if p is None:
        return None
    a, b, _ = p
    if a.ndim > 2 or (a.ndim == 2 and 1 not in a.shape):
        return None
    a, b = a.reshape(-1), b.reshape(-1)
    if a.size < 2 or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return None
    if a.min() < 0 or a.max() > 1 or b.min() < 0 or b.max() > 1:
        return None
    dev = float(np.max(np.abs(a + b - 1)))
    if dev > 1e-12 or np.all(a == 0.5):
        return None
    return Diagnosis(
        "complement", "Python has 1 - R: the other class's probability or a swapped positive label",
        f"R + Python = 1 on all {a.size} elements (max dev {dev:.1e}): R {preview(a, 3)} vs Python "
        f"{preview(b, 3)}",
        "take the case class's column (predict_proba(X)[:, 1] for label 1; check model.classes_) and "
        "the same positive label as R (pROC levels = c(control, case); glm models the second level)",
        {"n": int(a.size), "max_dev": dev})


def _pattern(t: np.ndarray):
    """'proc' for [-Inf, strictly monotone finite..., +Inf] (either order), 'sklearn' for
    [+Inf or above the rest, strictly decreasing finite...], else None."""
    if t.ndim != 1 or t.size < 3 or np.isnan(t).any():
        return None
    fin = t[1:-1]
    if np.all(np.isfinite(fin)):
        if t[0] == -np.inf and t[-1] == np.inf and np.all(np.diff(fin) > 0):
            return "proc"
        if t[0] == np.inf and t[-1] == -np.inf and np.all(np.diff(fin) < 0):
            return "proc"
    rest = t[1:]
    if np.all(np.isfinite(rest)) and np.all(np.diff(t) < 0) and (t[0] == np.inf or np.isfinite(t[0])):
        return "sklearn"
    return None


def _reconstruct(mids: np.ndarray, anchors: dict[int, float]) -> np.ndarray | None:
    """Scores u_0 < ... < u_K with mids[i] = (u_i + u_{i+1}) / 2, from one anchor u_k."""
    k0 = min(anchors)
    u = np.empty(mids.size + 1)
    u[k0] = anchors[k0]
    for i in range(k0, mids.size):
        u[i + 1] = 2 * mids[i] - u[i]
    for i in range(k0 - 1, -1, -1):
        u[i] = 2 * mids[i] - u[i + 1]
    return u


@safe
def roc_thresholds(r, py, *, name, context):
    """scikit-learn's roc_curve thresholds (the scores themselves, +Inf first, descending,
    drop_intermediate) where pROC has -Inf, the midpoints of adjacent sorted unique scores, +Inf.

    Criterion: one side has pROC's pattern (-Inf, strictly monotone finite values, +Inf), the
    other scikit-learn's (+Inf or max+1 first, strictly decreasing finite scores) and
    - with context: a score vector u whose sorted unique values' midpoints equal pROC's finite
      thresholds (rel 1e-12) and which contains every scikit-learn threshold (confirmed), or
    - without: at least two scikit-learn thresholds, each strictly inside a different gap between
      pROC's thresholds, and the scores rebuilt from one of them through the midpoints
      (u[i+1] = 2 m[i] - u[i]) hit all the others within 1e-9 of their magnitude and stay
      strictly increasing.
    Context: optional scores (the predictions)."""
    a, b = num(r), num(py)
    if a is None or b is None:
        return None
    a, b = a.reshape(-1), b.reshape(-1)
    pa, pb = _pattern(a), _pattern(b)
    if {pa, pb} != {"proc", "sklearn"}:
        return None
    proc, skl, proc_side = (a, b, "r") if pa == "proc" else (b, a, "py")
    mids = np.sort(proc[1:-1])
    sk = np.sort(skl[1:])  # the scores used as thresholds, ascending
    if sk.size == 0 or mids.size == 0:
        return None
    data = {"proc_side": proc_side, "n_proc": int(proc.size), "n_sklearn": int(skl.size),
            "confirmed": False}
    for cname, _side, v in ctx_values(context):
        s = num(v)
        if s is None or s.size < 2 or not np.all(np.isfinite(s)):
            continue
        u = np.unique(s.reshape(-1))
        if u.size != mids.size + 1:
            continue
        m = (u[:-1] + u[1:]) / 2
        if not np.all(np.abs(m - mids) <= 1e-12 * np.maximum(np.abs(m), 1e-300)):
            continue
        pos = np.searchsorted(u, sk)
        pos = np.clip(pos, 0, u.size - 1)
        if not np.all(np.abs(u[pos] - sk) <= 1e-12 * np.maximum(np.abs(sk), 1e-300)):
            continue
        data.update(confirmed=True, scores=cname, n_scores_unique=int(u.size))
        return _thr_diagnosis(data, f"on context '{cname}': pROC's {mids.size} finite thresholds are the "
                                    f"midpoints of its {u.size} sorted unique scores, and all {sk.size} "
                                    "finite scikit-learn thresholds are scores themselves")
    if sk.size < 2:
        return None
    gap = np.searchsorted(mids, sk)
    if np.unique(gap).size != gap.size or np.any(np.isin(sk, mids)):
        return None
    anchors = {int(k): float(t) for k, t in zip(gap, sk)}
    u = _reconstruct(mids, anchors)
    scale = max(float(np.max(np.abs(sk))), float(np.max(np.abs(mids))), 1e-300)
    worst = max(abs(u[k] - t) for k, t in anchors.items())
    if not np.all(np.diff(u) > 0) or worst > 1e-9 * scale:
        return None
    data.update(max_rebuild_dev=worst)
    return _thr_diagnosis(data, f"each of scikit-learn's {sk.size} finite thresholds sits in its own gap "
                                f"between pROC's {mids.size} midpoints, and the scores rebuilt from the "
                                f"midpoints hit them all (max dev {worst:.1e})")


def _thr_diagnosis(data: dict, ev: str) -> Diagnosis:
    return Diagnosis(
        "roc_thresholds", "scikit-learn roc_curve thresholds (the scores) instead of pROC's midpoints",
        f"{ev}; pROC {data['n_proc']} thresholds (-Inf, midpoints, +Inf) vs scikit-learn "
        f"{data['n_sklearn']} (+Inf, scores, drop_intermediate)",
        "use python_impl.roc.roc(labels, scores).thresholds (pROC's -Inf, midpoints, +Inf), or "
        "compare ROC points (se, sp), not thresholds; sklearn's roc_curve(drop_intermediate=False) "
        "still uses the scores", data)
