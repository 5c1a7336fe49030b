"""Hypotheses about numbers computed differently: population vs sample sd, variance vs sd,
float32 rounding, quantile definitions, rounding rules, and a common factor or shift."""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np

from parity.diagnoses._core import (F32_UNIT, RTOL, Diagnosis, ctx_numeric, e, g, integral,
                                    num_pair_same_shape as _pair, percent_name, preview, safe)

N_MAX_UNCONFIRMED = 100_000  # above this, sqrt(n/(n-1)) for n and n+1 are within 1e-12 of each other


def _context_ns(context) -> set[int]:
    out: set[int] = set()
    for _c, _s, a in ctx_numeric(context):
        out.add(int(a.shape[0]))
    return out


@safe
def population_sd(r, py, *, name, context):
    """Population (ddof=0, scikit-learn's StandardScaler, np.std's default) vs R's sample
    (n-1) standard deviation or variance.

    Criterion: same shape, zeros in the same places, and the ratio R/Python is one constant on
    every non-zero element (max relative deviation <= 1e-12) equal to sqrt(n/(n-1)) (sd),
    n/(n-1) (variance), or their inverses (values divided by the sd, e.g. the scaled matrix)
    for a whole n >= 2 within 1e-12. n is solved from the ratio; above 100,000 it must be
    confirmed by a context array with n rows. Context: optional (confirms n)."""
    p = _pair(r, py)
    if p is None:
        return None
    a, b, _ = p
    fin = np.isfinite(a)
    if not np.array_equal(a[fin] == 0, b[fin] == 0):
        return None
    nz = fin & (a != 0)
    if not nz.any():
        return None
    t = a[nz] / b[nz]
    if np.any(t <= 0):
        return None
    t0 = float(np.median(t))
    if abs(t0 - 1) <= RTOL:
        return None
    ns = _context_ns(context)
    for power in (1, 2):
        u = t0 ** (2 / power) if t0 > 1 else t0 ** (-2 / power)
        if not u > 1:
            continue
        n_est = u / (u - 1)
        if not math.isfinite(n_est):
            continue
        n = int(round(n_est))
        if n < 2:
            continue
        want = (n / (n - 1)) ** (power / 2)
        if t0 < 1:
            want = 1 / want
        dev = float(np.max(np.abs(t / want - 1)))
        if dev > RTOL or (n > N_MAX_UNCONFIRMED and n not in ns):
            continue
        what = "sd" if power == 1 else "variance"
        expr = f"sqrt({n}/{n - 1})" if power == 1 else f"{n}/{n - 1}"
        if t0 < 1:
            expr = f"sqrt({n - 1}/{n})" if power == 1 else f"{n - 1}/{n}"
        positive = bool(np.all(a[fin] > 0))
        if t0 > 1:
            title = (f"population {what} (ddof=0, StandardScaler/np.std style) instead of R's sample {what}")
        elif positive:
            title = f"R's value uses the population {what} (ddof=0) where Python's uses the sample {what}"
        else:
            title = "values divided by the population sd (StandardScaler) instead of R's sample sd (scale())"
        where = "column" if a.ndim == 1 and a.size > 1 else "element"
        return Diagnosis(
            "population_sd", title,
            f"every {where}'s ratio R/Python = {t0:.6f} = {expr} (max dev {e(dev)}, {int(nz.sum())} "
            f"values{', n confirmed by context' if n in ns else ''})",
            "use ddof=1 (np.std(x, ddof=1), pandas' default) or python_impl.preprocess.r_scale "
            "instead of StandardScaler",
            {"ratio": t0, "n": n, "power": power, "max_dev": dev, "n_in_context": n in ns})
    return None


@safe
def ddof_var(r, py, *, name, context):
    """Variance where the other side has the standard deviation (var() vs sd(), .var() vs .std()).

    Criterion: same shape, not equal, one side equals the square of the other on every element
    (rel 1e-12), with at least one value whose magnitude is not 0 or 1. Context: none."""
    p = _pair(r, py)
    if p is None:
        return None
    a, b, _ = p
    fin = np.isfinite(a)
    x, y = a[fin], b[fin]
    if x.size == 0 or np.array_equal(x, y):
        return None
    for base, sq, who in ((x, y, "Python"), (y, x, "R")):
        if np.any(base < 0) or not np.any((np.abs(base) != 0) & (np.abs(base) != 1)):
            continue
        sqr = base * base
        if not np.array_equal(sqr == 0, base == 0) or not np.all(np.isfinite(sqr)):
            continue  # under/overflow: squaring explains nothing there
        if np.all(np.abs(sq - sqr) <= RTOL * np.maximum(np.abs(sq), sqr)):
            other = "R" if who == "Python" else "Python"
            return Diagnosis(
                "ddof_var", f"{who} reports the variance where {other} reports the standard deviation",
                f"{who}'s values are the squares of {other}'s on all {x.size} elements "
                f"({other} {preview(base, 3)} -> {who} {preview(sq, 3)})",
                "take the square root (np.std / np.sqrt(var)) or compare var() with var(): R's sd() "
                "is sqrt(var()), both with n-1",
                {"squared_side": "py" if who == "Python" else "r", "n": int(x.size)})
    return None


F32_ARITH_UNITS = 16  # "computed in float32": up to 16 float32 roundings, relative
SIMPLE_BITS = 17      # 7.5, 0.25, small integers...: exactly float32 by being short, not by rounding


def _uses_f32_bits(v: np.ndarray) -> bool:
    """Whether at least half of the non-zero values need more than 17 significant bits (a
    rounded float32 uses all 24; a short binary fraction is float32 by accident)."""
    v = v[np.isfinite(v) & (v != 0)]
    if v.size == 0:
        return False
    m, _ex = np.frexp(v)
    long = (m * 2.0 ** SIMPLE_BITS) != np.round(m * 2.0 ** SIMPLE_BITS)
    return bool(np.mean(long) >= 0.5)


@safe
def float32(r, py, *, name, context):
    """Single precision on one side: the difference is what rounding to float32 (or a few float32
    operations) explains.

    Criterion: same shape and non-finite positions, values differ, and either one side equals the
    other rounded to float32 exactly (x.astype(np.float32); relative difference <= 2**-24, so no
    underflow to 0), or exactly one side is float32-
    representable everywhere and the largest relative difference is <= 16 * 2**-24 (9.5e-7,
    a few float32 operations); in both, at least half of the float32 side's differing values
    must use more than 17 significant bits (7.5 or 0.25 are float32 by being short, not by
    rounding). Context: none."""
    p = _pair(r, py)
    if p is None:
        return None
    a, b, _ = p
    fin = np.isfinite(a)
    x, y = a[fin], b[fin]
    if x.size == 0 or np.array_equal(x, y) or np.max(np.abs(x)) > 3.4e38:
        return None
    scale = np.maximum(np.abs(x), np.abs(y))
    rel = np.where(scale > 0, np.abs(x - y) / np.where(scale > 0, scale, 1), 0.0)
    maxrel = float(np.max(rel))
    x32, y32 = x.astype(np.float32).astype(np.float64), y.astype(np.float32).astype(np.float64)
    rep_x, rep_y = np.array_equal(x32, x), np.array_equal(y32, y)
    n_diff = int(np.count_nonzero(x != y))
    data = {"max_rel_diff": maxrel, "n_differ": n_diff, "n": int(x.size),
            "f32_unit_roundoff": F32_UNIT}
    diff = x != y
    if (np.array_equal(y, x32) or np.array_equal(x, y32)) and maxrel <= F32_UNIT * (1 + 1e-9) \
            and _uses_f32_bits((y if np.array_equal(y, x32) else x)[diff]):
        who = "Python" if np.array_equal(y, x32) else "R"
        other = "R" if who == "Python" else "Python"
        return Diagnosis(
            "float32", f"{who}'s values are {other}'s rounded to float32",
            f"{who} == float32({other}) exactly on all {x.size} values; {n_diff} differ, by at most "
            f"{maxrel:.2g} relative (float32 unit roundoff {F32_UNIT:.2g})",
            "keep float64 (np.float64 / dtype='float64'; Keras: keras.config.set_floatx('float64') "
            "or cast predictions before further arithmetic), or compare with a float32 tolerance",
            {**data, "float32_side": "py" if who == "Python" else "r", "kind": "cast"})
    if rep_x != rep_y and maxrel <= F32_ARITH_UNITS * F32_UNIT and _uses_f32_bits((y if rep_y else x)[diff]):
        who = "Python" if rep_y else "R"
        return Diagnosis(
            "float32", f"{who}'s values were computed in float32",
            f"every {who} value is exactly a float32 (the other side's are not) and the largest "
            f"difference is {maxrel:.2g} relative = {maxrel / F32_UNIT:.1f} float32 unit roundoffs "
            f"(bound {F32_ARITH_UNITS}); {n_diff} of {x.size} differ",
            "compute in float64, or declare a float32 tolerance for this checkpoint (~1e-6 relative)",
            {**data, "float32_side": "py" if who == "Python" else "r", "kind": "arithmetic"})
    return None


_KNOWN_FACTORS = (
    (100.0, "x100: a percentage (pROC percent=TRUE, scales::percent)", "divide by 100 (or percent=FALSE)"),
    (0.01, "/100: a fraction where the other side has a percentage", "multiply by 100"),
    (-1.0, "the sign is flipped (reversed factor levels / score direction / loss vs log-likelihood)",
     "flip the sign back and check which level is the reference"),
    (1000.0, "x1000 (units)", "convert units"), (0.001, "/1000 (units)", "convert units"),
    (math.log(10), "natural log where the other side has log10", "use the same log base (np.log10 vs np.log)"),
    (1 / math.log(10), "log10 where the other side has the natural log", "use the same log base"),
    (math.log(2), "natural log where the other side has log2", "use the same log base"),
    (1 / math.log(2), "log2 where the other side has the natural log", "use the same log base"),
    (180 / math.pi, "degrees vs radians", "np.degrees / np.radians"),
    (math.pi / 180, "radians vs degrees", "np.radians / np.degrees"),
    (2.0, "twice the value (e.g. deviance = -2 log-likelihood, two-sided vs one-sided p)", "halve it"),
    (0.5, "half the value (e.g. log-likelihood vs deviance/2, one-sided vs two-sided p)", "double it"),
)


@safe
def scale_factor(r, py, *, name, context):
    """All values differ by one common multiplicative factor (x100 for percent=TRUE, -1 for a
    sign flip, log bases, ...).

    Criterion: same shape, zeros in the same places, Python/R constant on every non-zero element
    (max relative deviation <= 1e-12) and != 1; at least two distinct non-zero values, unless the
    factor is one of the named ones (100, 1/100, -1, 1000, ln 10, ln 2, 180/pi, 2, 1/2 and
    inverses). Context: none."""
    p = _pair(r, py)
    if p is None:
        return None
    a, b, _ = p
    fin = np.isfinite(a)
    if not np.array_equal(a[fin] == 0, b[fin] == 0):
        return None
    nz = fin & (a != 0)
    if not nz.any():
        return None
    t = b[nz] / a[nz]
    c = float(np.median(t))
    if c == 0 or abs(c - 1) <= RTOL or not math.isfinite(c):
        return None
    dev = float(np.max(np.abs(t / c - 1)))
    if dev > RTOL:
        return None
    known = next(((k, what, fix) for k, what, fix in _KNOWN_FACTORS if abs(c / k - 1) <= 1e-12), None)
    if known is None and np.unique(a[nz]).size < 2:
        return None
    what, fix = (known[1], known[2]) if known else (f"every value multiplied by {c:.10g}",
                                                    "find the unit/normalisation that differs (a "
                                                    "denominator, a scale argument, a link function)")
    return Diagnosis(
        "scale_factor", f"a common factor {g(c, 8)}: {what}",
        (f"Python/R = {c:.10g} on all {int(nz.sum())} non-zero values (max dev {e(dev)})" if nz.sum() > 1
         else f"Python {g(b[nz][0], 10)} / R {g(a[nz][0], 10)} = {c:.10g} (dev {e(dev)})"),
        fix, {"factor": c, "max_dev": dev, "named": bool(known)})


@safe
def off_by_constant(r, py, *, name, context):
    """All values differ by one common additive shift (a different centring, an offset, a +1).

    Criterion: same shape, Python - R one constant c on every finite element within
    1e-12 * max(|R|, |Python|, |c|), |c| above 1e-12 of the values' magnitude; at least two
    distinct values. Context: none."""
    p = _pair(r, py)
    if p is None:
        return None
    a, b, _ = p
    fin = np.isfinite(a)
    x, y = a[fin], b[fin]
    if x.size < 2 or np.unique(x).size < 2:
        return None
    d = y - x
    c = float(np.median(d))
    if abs(c) <= RTOL * float(max(np.max(np.abs(x)), np.max(np.abs(y)))):
        return None  # rounding noise, not a shift
    tol = RTOL * np.maximum(np.maximum(np.abs(x), np.abs(y)), abs(c))
    if not np.all(np.abs(d - c) <= tol):
        return None
    return Diagnosis(
        "off_by_constant", f"every value shifted by a common constant {g(c, 8)}",
        f"Python - R = {c:.10g} on all {x.size} values (max dev {e(float(np.max(np.abs(d - c))))})",
        "find the shift: a different centring/reference level/offset or an extra +-1",
        {"shift": c, "n": int(x.size)})


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
        for who, v in (("R as type 7", a), ("Python as type 7", b)):
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
            "round like R: np.round for digits=0 (half to even), parity.diagnoses.numeric.r_round_scalar "
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
