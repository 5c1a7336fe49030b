"""Hypotheses about numbers computed differently: population vs sample sd, variance vs sd,
float32 rounding, and a common factor or shift."""
from __future__ import annotations

import math

import numpy as np

from parity.diagnoses._core import (F32_UNIT, RTOL, Diagnosis, ctx_numeric, e, g,
                                    num_pair_same_shape as _pair, preview, safe)

N_MAX_UNCONFIRMED = 100_000  # above this, sqrt(n/(n-1)) for n and n+1 are within 1e-12 of each other


def _ratio_pair(r, py, python_over_r: bool):
    """(a, b, mask, ratio) of two same-shape numeric values whose zeros sit in the same places:
    the mask selects the finite non-zero elements, the ratio is b/a (python_over_r) or a/b there;
    None otherwise."""
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
    return a, b, nz, (b[nz] / a[nz] if python_over_r else a[nz] / b[nz])


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
    rp = _ratio_pair(r, py, python_over_r=False)
    if rp is None:
        return None
    a, b, nz, t = rp
    fin = np.isfinite(a)
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
    rp = _ratio_pair(r, py, python_over_r=True)
    if rp is None:
        return None
    a, b, nz, t = rp
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
