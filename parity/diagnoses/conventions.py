"""Hypotheses about conventions that differ between R and Python for the same statistic: the
quantile definition (R's type 7 vs others) and the rounding rule (R's round() vs half-up & co)."""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np

from parity.diagnoses._core import (RTOL, Diagnosis, ctx_numeric, integral, num_pair_same_shape as _pair,
                                    percent_name, preview, safe)


# --------------------------------------------------------------------------------------------
# quantiles
# --------------------------------------------------------------------------------------------
QUANTILE_METHODS = (  # numpy method -> R's type (Hyndman & Fan), None: numpy/pandas only
    ("linear", 7), ("inverted_cdf", 1), ("averaged_inverted_cdf", 2), ("closest_observation", 3),
    ("interpolated_inverted_cdf", 4), ("hazen", 5), ("weibull", 6), ("median_unbiased", 8),
    ("normal_unbiased", 9), ("lower", None), ("higher", None), ("nearest", None), ("midpoint", None),
)
_R_TYPE = dict(QUANTILE_METHODS)
MAX_QUANTILES = 1000  # a quantile checkpoint is a short vector of probabilities' values


def _invert_type7(q: np.ndarray, xs: np.ndarray) -> np.ndarray | None:
    n = xs.size
    if n < 2 or np.any(q < xs[0]) or np.any(q > xs[-1]):
        return None
    j = np.clip(np.searchsorted(xs, q, side="right") - 1, 0, n - 2)
    den = xs[j + 1] - xs[j]
    frac = np.where(den > 0, (q - xs[j]) / np.where(den > 0, den, 1), 0.0)
    p = np.clip((j + frac) / (n - 1), 0, 1)
    nice = np.round(p, 6)
    return np.where(np.abs(p - nice) <= 1e-9, nice, p)


def _quantile_sources(context):
    for cname, side, a in ctx_numeric(context):
        if a.ndim == 1:
            cols = [("", a)]
        elif a.ndim == 2 and a.shape[1] <= 50:
            cols = [(f"[, {j + 1}]", a[:, j]) for j in range(a.shape[1])]
        else:
            continue
        for suffix, col in cols:
            xs = np.sort(col[np.isfinite(col)])
            if xs.size >= 2 and xs[0] != xs[-1]:
                yield f"{cname}{suffix}", side, xs


@safe
def quantile_type(r, py, *, name, context):
    """A different quantile definition: R's quantile() default type 7 (numpy's default
    method='linear', pandas' default too) vs another (numpy method='hazen' = type 5, 'weibull' =
    type 6, 'lower'/'nearest'/'midpoint', ...), or R's script asking for type=k.

    Criterion: a data vector x in the context (a 1-D numeric checkpoint or a column of a 2-D one)
    and probabilities p (from R's names '25%'..., the default 0/.25/.5/.75/1 for five values, or
    solved from one side as type 7) such that R = np.quantile(x, p, method=A) and Python =
    np.quantile(x, p, method=B) for two methods A != B, each within 1e-12 of x's magnitude.
    At most 1000 quantiles. Context: required (the data the quantiles were taken of)."""
    p = _pair(r, py)
    if p is None:
        return None
    a, b, names = p
    a, b = a.reshape(-1), b.reshape(-1)
    if a.size > MAX_QUANTILES or np.array_equal(a, b) or not np.all(np.isfinite(a)):
        return None
    probs_named = None
    if names:
        ps = [percent_name(s) for s in names]
        if all(v is not None for v in ps):
            probs_named = np.array(ps, dtype=float)
    for src, side, xs in _quantile_sources(context):
        tol = RTOL * float(np.max(np.abs(xs)))
        cands = []
        if probs_named is not None:
            cands.append(("R's names", probs_named))
        if a.size == 5:
            cands.append(("R's default probs", np.array([0, .25, .5, .75, 1])))
        for who, v in (("R as type 7", a), ("Python as type 7", b)) if a.size >= 3 else ():
            # probabilities solved from the values themselves explain one or two numbers by
            # coincidence (any value inside the data's range is some type-7 quantile)
            inv = _invert_type7(v, xs)
            if inv is not None:
                cands.append((f"solved from {who}", inv))
        for how, probs in cands:
            q = {m: np.quantile(xs, probs, method=m) for m, _t in QUANTILE_METHODS}
            ma = [m for m in q if np.all(np.abs(q[m] - a) <= tol)]
            mb = [m for m in q if np.all(np.abs(q[m] - b) <= tol)]
            ma = [m for m in ma if m not in mb]
            mb = [m for m in mb if m not in ma]
            if not ma or not mb:
                continue
            m_r, m_py = ma[0], mb[0]

            def label(m):
                t = _R_TYPE[m]
                return f"method='{m}'" + (f" (R type {t})" if t else " (no R type)")
            return Diagnosis(
                "quantile_type", f"quantiles by another definition: R {label(m_r)}, Python {label(m_py)}",
                f"on context '{src}' ({xs.size} values) at p = {preview(probs, 5)} ({how}): R's values are "
                f"np.quantile(..., {label(m_r)}) and Python's are {label(m_py)}, each within {tol:.1e}",
                (f"use np.quantile(x, p) / pandas .quantile(p) with the default method='linear' (R's type 7)"
                 if m_r == "linear" else
                 f"R asks for type={_R_TYPE[m_r]}: use np.quantile(x, p, method='{m_r}')"),
                {"r_method": m_r, "py_method": m_py, "r_type": _R_TYPE[m_r], "py_type": _R_TYPE[m_py],
                 "probs": probs.tolist(), "data": src, "data_side": side})
    return None


# --------------------------------------------------------------------------------------------
# rounding
# --------------------------------------------------------------------------------------------
def r_round_scalar(x: float, digits: int) -> float:
    """R >= 4.0.0 round(x, digits) (src/nmath/fround.c): half to even on the double itself for
    digits == 0; otherwise the nearer of the two digits-decimal candidates, ties to the even one.
    Checked against R 4.2.2: round(0.15, 1) = 0.1, round(2.675, 2) = 2.67, round(5.015, 2) = 5.02."""
    if not math.isfinite(x) or x == 0:
        return x
    if digits == 0:
        return float(np.rint(x))
    sgn = 1.0
    if x < 0:
        sgn, x = -1.0, -x
    if digits > 0 and math.log10(x) + digits > 15:
        return sgn * x
    x10 = 10.0 ** digits if digits > 0 else 1 / 10.0 ** (-digits)
    xd = x * x10
    i10 = math.floor(xd)
    xd0, xu = i10 / x10, math.ceil(xd) / x10
    du, dd = xu - x, x - xd0
    return sgn * (xu if (du < dd or (du == dd and math.fmod(i10, 2.0) == 1)) else xd0)


def r_round(x: np.ndarray, digits: int) -> np.ndarray:
    """`r_round_scalar` vectorised (the same IEEE operations elementwise)."""
    x = np.asarray(x, dtype=np.float64)
    if digits == 0:
        return np.rint(x)
    with np.errstate(all="ignore"):
        sgn = np.where(x < 0, -1.0, 1.0)
        xa = np.abs(x)
        x10 = 10.0 ** digits if digits > 0 else 1 / 10.0 ** (-digits)
        xd = xa * x10
        i10 = np.floor(xd)
        xd0, xu = i10 / x10, np.ceil(xd) / x10
        du, dd = xu - xa, xa - xd0
        out = sgn * np.where((du < dd) | ((du == dd) & (np.fmod(i10, 2.0) == 1)), xu, xd0)
        keep = ~np.isfinite(x) | (x == 0)
        if digits > 0:
            keep |= np.log10(np.where(xa > 0, xa, 1.0)) + digits > 15
        return np.where(keep, x, out)


MAX_LOOP = 20_000  # element-by-element rules (Python's round, Decimal) only up to this size


def _vec(f):
    def apply(x: np.ndarray, d: int) -> np.ndarray | None:
        if x.size > MAX_LOOP:
            return None
        return np.array([f(float(v), d) for v in x.reshape(-1)], dtype=float).reshape(x.shape)
    return apply


def _half_up_str(v: float, d: int) -> float:
    try:
        return float(Decimal(repr(v)).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return math.nan


ROUND_RULES = {
    "R's round() (half to even; the nearer decimal for digits > 0)": r_round,
    "np.round / pandas .round (half to even on x * 10^d)": lambda x, d: np.round(x, d),
    "Python round() (half to even on the exact binary value)": _vec(lambda v, d: float(round(v, d))),
    "floor(x * 10^d + 0.5) (half up)": lambda x, d: np.floor(x * 10.0 ** d + 0.5) / 10.0 ** d,
    "half away from zero (C round(), Excel ROUND)":
        lambda x, d: np.sign(x) * np.floor(np.abs(x) * 10.0 ** d + 0.5) / 10.0 ** d,
    "decimal ROUND_HALF_UP on repr(x)": _vec(_half_up_str),
    "truncation (int(), astype(int))": lambda x, d: np.trunc(x * 10.0 ** d) / 10.0 ** d,
}


def _digits(*arrs: np.ndarray) -> int | None:
    for d in range(0, 9):
        s = 10.0 ** d
        if all(np.all(np.abs(v * s - np.round(v * s)) <= 1e-9 * np.maximum(1, np.abs(v * s))) for v in arrs):
            return d
    return None


@safe
def rounding(r, py, *, name, context):
    """A different rounding rule: R's round() rounds exact .5 ties to even (IEC 60559) and, for
    digits > 0, picks the nearer decimal candidate of the double; ports use floor(x + 0.5),
    half-away-from-zero, decimal ROUND_HALF_UP on the printed value, np.round (x*10^d, which
    differs from R for digits > 0) or truncation.

    Criterion with context (a float array x of the same shape, not all whole numbers): R = rule
    A(x, d) and Python = rule B(x, d) for two rules A != B that differ here, d the smallest number
    of decimals both sides are multiples of (values within 1e-12). Reports how many differing
    elements are .5 ties (|x| * 10^d = k + 1/2 within 1e-9).
    Criterion without context (digits 0 only): whole numbers, >= 2 but not all elements differ,
    each by exactly 1, R even at every one of them, and Python - R = +1 everywhere (half up) or
    the sign of R (half away from zero) (verified=False).
    Context: optional, the unrounded values (a checkpoint of the same shape) to verify the rules;
    the element-by-element rules (Python's round, Decimal) only up to 20,000 values."""
    p = _pair(r, py)
    if p is None:
        return None
    a, b, _ = p
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))) or np.array_equal(a, b):
        return None
    d = _digits(a, b)
    if d is None:
        return None
    for cname, side, x in ctx_numeric(context):
        if x.shape != a.shape or not np.all(np.isfinite(x)) or integral(x):
            continue
        res = {k: v for k, v in ((k, f(x, d)) for k, f in ROUND_RULES.items()) if v is not None}
        ra = [k for k, v in res.items() if np.all(np.abs(v - a) <= RTOL * np.maximum(1, np.abs(a)))]
        rb = [k for k, v in res.items() if np.all(np.abs(v - b) <= RTOL * np.maximum(1, np.abs(b)))]
        ra, rb = [k for k in ra if k not in rb], [k for k in rb if k not in ra]
        if not ra or not rb:
            continue
        rule_r, rule_py = ra[0], rb[0]
        diff = a != b
        sx = np.abs(x) * 10.0 ** d
        ties = np.abs(sx - np.floor(sx) - 0.5) <= 1e-9 * np.maximum(1, sx)
        n_diff, n_ties = int(diff.sum()), int((diff & ties).sum())
        up = int(np.sum(b[diff] > a[diff]))
        return Diagnosis(
            "rounding", f"a different rounding rule: R side {rule_r}, Python side {rule_py}",
            f"on context '{cname}' at {d} decimal(s): {n_diff} of {a.size} values differ, {n_ties} of them "
            f"{'exact' if d == 0 else 'decimal'} .5 ties (x = {preview(x[diff], 3)}); Python is higher at "
            f"{up} and lower at {n_diff - up} of them",
            "round like R: np.round for digits=0 (half to even), parity.diagnoses.conventions.r_round "
            "for digits > 0; never floor(x + 0.5) or Decimal ROUND_HALF_UP",
            {"digits": d, "r_rule": rule_r, "py_rule": rule_py, "n_differ": n_diff, "n_ties": n_ties,
             "data": cname, "data_side": side, "verified": True})
    if d != 0:
        return None
    diff = a != b
    k = int(diff.sum())
    if k < 2 or k == a.size or not np.all(np.abs(b[diff] - a[diff]) == 1):
        return None
    ad, bd = a[diff], b[diff]
    if not np.all(np.mod(ad, 2) == 0):
        return None
    step = bd - ad
    if np.all(step == 1):
        rule = "floor(x + 0.5) (half up)"
    elif np.all((ad == 0) | (step == np.sign(ad))):
        rule = "half away from zero"
    else:
        return None
    return Diagnosis(
        "rounding", f"a different rounding rule at .5 ties: R half to even, Python {rule}",
        f"{k} of {a.size} whole numbers differ, each by 1; at every one R's value is even "
        f"({preview(ad, 3)} -> Python {preview(bd, 3)}), as R's round() gives for x.5 ties "
        "(unverified: no unrounded data in the context)",
        "round half to even like R (np.round / np.rint / Python's round()), not floor(x + 0.5) or "
        "ROUND_HALF_UP", {"digits": 0, "n_differ": k, "py_rule": rule, "verified": False})
