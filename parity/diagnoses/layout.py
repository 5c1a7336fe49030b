"""Hypotheses about layout and missing values: the same numbers, arranged or marked differently
(extra singleton dimension, NA as -2147483648, NA rows dropped, transposed, row-major reshape,
sorted, string collation)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from parity.diagnoses._core import (INT_NA, RTOL, Diagnosis, as_array, ctx_numeric, g, int_vector,
                                    monotone, num, preview, safe, same, strs)


@safe
def dropped_dim(r, py, *, name, context):
    """The same values with a different number of singleton dimensions (R's n x 1 matrix from
    predict() vs a flat vector; a length-1 vector vs a scalar).

    Criterion: shapes differ, sizes agree and the squeezed arrays are identical (NaN == NaN).
    Context: none."""
    a, b = as_array(r), as_array(py)
    if a is None or b is None or a.shape == b.shape or a.size != b.size or a.size == 0:
        return None
    if not same(a.squeeze(), b.squeeze(), 0.0):
        return None
    return Diagnosis(
        "dropped_dim", "the same values with a different number of singleton dimensions",
        f"R's shape {a.shape} vs Python's {b.shape}; all {a.size} values identical once squeezed",
        "squeeze/ravel the side with the extra axis (R's predict() returns an n x 1 matrix: "
        "use drop() in R or .ravel() in Python)",
        {"r_shape": list(a.shape), "py_shape": list(b.shape), "n": int(a.size)})


@safe
def integer_na(r, py, *, name, context):
    """R's NA_integer_ / logical NA read as the int32 sentinel -2147483648 on one side.

    Criterion: same shape; every differing element is NA (NaN/None) on one side and exactly
    -2147483648 on the other; all other elements equal exactly; at least one such element.
    Context: none."""
    a, b = num(r, allow_bool=True), num(py, allow_bool=True)
    if a is None or b is None or a.shape != b.shape or a.size == 0:
        return None
    na_a, na_b = np.isnan(a), np.isnan(b)
    sent_b = na_a & (b == INT_NA)
    sent_a = na_b & (a == INT_NA)
    rest = ~(sent_a | sent_b)
    if not (sent_a.any() or sent_b.any()):
        return None
    if not same(a[rest], b[rest], 0.0):
        return None
    k_b, k_a = int(sent_b.sum()), int(sent_a.sum())
    where = "Python" if k_b else "R"
    pos = np.flatnonzero((sent_a | sent_b).reshape(-1))
    return Diagnosis(
        "integer_na", f"R's NA read as the integer sentinel -2147483648 on the {where} side",
        f"{k_a + k_b} element(s) are NA on one side and -2147483648 on the other (first at flat "
        f"position {int(pos[0])}); the other {int(rest.sum())} are identical",
        "convert inside rpy2's converter (NA_integer_ -> NaN / pandas.NA) and never cast R integers "
        "with a plain int32 view; mask values == -2147483648 as missing",
        {"n_sentinel": k_a + k_b, "sentinel_on": "py" if k_b else "r", "positions": pos[:50].tolist()})


SENTINELS = (0.0, -1.0, -9.0, -99.0, -999.0, -9999.0, 99.0, 999.0, 9999.0)


@safe
def na_filled(r, py, *, name, context):
    """Missing values filled in on one side (fillna(0), a sentinel such as -999, or column-mean /
    median imputation) where the other keeps NA.

    Criterion: same shape; every differing element is NA on one side and a number on the other;
    all other elements equal exactly; the fill is one constant (at >= 2 positions, or at one if
    it is 0, -1, -9, -99, -999, -9999, 99, 999 or 9999) or, for a matrix, per column the mean or
    median of that column's non-missing values (rel 1e-12). -2147483648 is integer_na's.
    Context: none."""
    a, b = num(r), num(py)
    if a is None or b is None or a.shape != b.shape or a.size == 0 or a.ndim > 2:
        return None
    na_a, na_b = np.isnan(a), np.isnan(b)
    if na_a.any() and na_b.any():
        return None
    kept, filled, who = (a, b, "Python") if na_a.any() else (b, a, "R")
    m = np.isnan(kept)
    if not m.any() or np.isnan(filled[m]).any() or not same(kept[~m], filled[~m], 0.0):
        return None
    vals = filled[m]
    k = int(m.sum())
    data = {"n_filled": k, "filled_side": "py" if who == "Python" else "r"}
    if np.all(vals == vals[0]) and vals[0] != -2147483648 and (k >= 2 or float(vals[0]) in SENTINELS):
        c = float(vals[0])
        return Diagnosis(
            "na_filled", f"{who} filled the missing values with {g(c)}",
            f"all {k} values that are NA on the other side are {g(c)} on {who}'s; the other "
            f"{int((~m).sum())} are identical",
            "keep NA as NA (NaN / pandas.NA) and handle it the way the R script does (na.omit, "
            "na.rm=TRUE, or an explicit imputation step on both sides)", {**data, "fill": c, "kind": "constant"})
    if kept.ndim == 2:
        for how, stat in (("mean", np.nanmean), ("median", np.nanmedian)):
            col = stat(kept, axis=0)
            want = np.broadcast_to(col, kept.shape)[m]
            if np.all(np.isfinite(want)) and np.all(np.abs(vals - want) <= 1e-12 * np.maximum(np.abs(want), 1e-300)):
                cols = sorted(set((np.flatnonzero(m.any(axis=0)) + 1).tolist()))
                return Diagnosis(
                    "na_filled", f"{who} imputed the missing values with the column {how}",
                    f"all {k} values that are NA on the other side are their column's {how} of the "
                    f"non-missing values (columns {cols[:8]}); the rest are identical",
                    "impute on both sides or on neither, over the same rows (an imputer fitted on all "
                    "rows leaks test data like scaling before the split)",
                    {**data, "kind": how, "columns_1based": cols})
    return None


def _row_na(arr: np.ndarray) -> np.ndarray | None:
    if arr.ndim not in (1, 2) or arr.shape[0] == 0:
        return None
    if arr.dtype.kind == "f":
        m = np.isnan(arr)
    elif arr.dtype.kind == "O":
        m = np.asarray(pd.isna(arr), dtype=bool)
    elif arr.dtype.kind in "iubUS":
        m = np.zeros(arr.shape, bool)
    else:
        return None
    return m if m.ndim == 1 else m.any(axis=1)


@safe
def na_dropped(r, py, *, name, context):
    """One side is the other with its NA rows removed (na.omit / dropna on one side only).

    Criterion: same ndim (1-D vectors or 2-D matrices/frames with equal column counts); the longer
    side has k >= 1 rows with an NA and, without them, equals the shorter side (rel 1e-12 for
    numbers, exact otherwise). Context: none."""
    a, b = as_array(r), as_array(py)
    if a is None or b is None or a.ndim != b.ndim or a.ndim not in (1, 2) or a.shape[0] == b.shape[0]:
        return None
    if a.ndim == 2 and a.shape[1] != b.shape[1]:
        return None
    longer, shorter, who = (a, b, "r") if a.shape[0] > b.shape[0] else (b, a, "py")
    m = _row_na(longer)
    if m is None or not m.any() or int((~m).sum()) != shorter.shape[0]:
        return None
    kept = longer[~m]
    sm = _row_na(shorter)
    if sm is not None and sm.any():
        return None
    na_k, na_s = num(kept), num(shorter)
    ok = same(na_k, na_s, RTOL) if (na_k is not None and na_s is not None) else same(kept, shorter, 0.0)
    if not ok:
        return None
    k = int(m.sum())
    drops = "Python" if who == "r" else "R"
    rows = (np.flatnonzero(m) + 1).tolist()
    return Diagnosis(
        "na_dropped", f"{drops} dropped the rows with a missing value; the other side kept them",
        f"{'R' if who == 'r' else 'Python'} has {longer.shape[0]} rows, {k} with NA (rows "
        f"{rows[:8]}{' ...' if k > 8 else ''}); without them it equals the other side's "
        f"{shorter.shape[0]} rows",
        "handle NA the way the R script does: na.omit()/complete.cases() <-> DataFrame.dropna(), "
        "and R's default na.rm=FALSE / na.action=na.omit per function",
        {"n_longer": int(longer.shape[0]), "n_shorter": int(shorter.shape[0]), "n_na_rows": k,
         "na_rows_1based": rows[:100], "dropped_by": "py" if who == "r" else "r"})


@safe
def transposed(r, py, *, name, context):
    """A matrix transposed (shape (m, n) vs (n, m), m != n).

    Criterion: 2-D, shapes swapped and not square, Python == t(R) (rel 1e-12; exact for
    strings). Context: none."""
    a, b = as_array(r), as_array(py)
    if a is None or b is None or a.ndim != 2 or b.ndim != 2 or a.shape[0] == a.shape[1]:
        return None
    if b.shape != a.shape[::-1] or not same(a.T, b):
        return None
    return Diagnosis(
        "transposed", "the matrix is transposed",
        f"R's {a.shape[0]}x{a.shape[1]} matrix equals Python's {b.shape[0]}x{b.shape[1]} transposed "
        f"(all {a.size} values)",
        "transpose (.T) on one side; R stores observations in rows for model matrices, and R "
        "converts matrices column-major: reshape with order='F' rather than transposing blindly",
        {"r_shape": list(a.shape), "py_shape": list(b.shape)})


@safe
def row_major(r, py, *, name, context):
    """R's column-major buffer read row-major (np.reshape default order='C'), or the reverse.

    Criterion: 2-D, same shape (m, n) with m, n > 1, values differ, and Python's row-major
    reading equals R's column-major reading (py.ravel('C') == r.ravel('F'), rel 1e-12), or vice
    versa; also a 1-D Python vector equal to R's matrix flattened row-major where R's own c()
    reads column-major. Context: none."""
    a, b = as_array(r), as_array(py)
    if a is None or b is None or a.ndim != 2 or a.shape[0] < 2 or a.shape[1] < 2:
        return None
    m, n = a.shape
    if b.ndim == 1 and b.size == a.size:
        if same(b, a.ravel(order="C")) and not same(b, a.ravel(order="F")):
            return Diagnosis(
                "row_major", "Python flattened the matrix row-major; R's c()/as.vector() is column-major",
                f"Python's {b.size} values equal R's {m}x{n} matrix read row by row "
                f"(x.ravel()); R's own flattening reads column by column",
                "flatten with order='F' (x.ravel(order='F')) to match R's as.vector()",
                {"r_shape": [m, n], "py_shape": [int(b.size)], "kind": "flatten"})
        return None
    if b.shape != a.shape or same(a, b):
        return None
    if same(b.ravel(order="C"), a.ravel(order="F")):
        how, who = "Python filled the matrix row by row from R's column-major data", "py"
    elif same(a.ravel(order="C"), b.ravel(order="F")):
        how, who = "Python filled the matrix column by column where R filled it by row (byrow=TRUE)", "r"
    else:
        return None
    square = " (for a square matrix this is the transpose)" if m == n else ""
    return Diagnosis(
        "row_major", "row-major vs column-major reshape",
        f"same {m}x{n} shape and values, different order: {how}{square}; Python[0, :3]="
        f"{preview(b[0], 3)} vs R[0, :3]={preview(a[0], 3)}",
        "reshape R's data with np.reshape(x, shape, order='F') (R is column-major), or convert "
        "the matrix inside rpy2's numpy converter",
        {"shape": [m, n], "reshaped_side": who, "square": m == n})


def _icu_like_key(s: str):
    """Approximation of R's default (ICU root) string order: punctuation and symbols < digits <
    letters, letters compared case-blind first, lower case before upper case on ties."""
    def cls(c):
        return 2 if c.isalpha() else (1 if c.isdigit() else 0)
    return ([(cls(c), c.lower()) for c in s], [c.isupper() for c in s])


@safe
def collation(r, py, *, name, context):
    """Strings sorted by code point (Python's sorted / numpy / pandas) where R's sort()/factor
    levels use the locale's collation (ICU root: case-blind, punctuation before digits before
    letters), or the reverse.

    Criterion: 1-D string vectors, same multiset, different order; one side in code-point order
    and not in R's collation order, the other in R's collation order. Context: none."""
    a, b = strs(r), strs(py)
    if a is None or b is None or a.ndim != 1 or a.shape != b.shape or a.size < 2:
        return None
    if any(x is None for x in a.tolist() + b.tolist()):
        return None
    la, lb = a.tolist(), b.tolist()
    if la == lb or sorted(la) != sorted(lb):
        return None
    icu = sorted(la, key=_icu_like_key)
    cp = sorted(la)
    if icu == cp:
        return None
    if la == icu and lb == cp:
        who, r_order, py_order = "py", "R's collation (ICU root)", "code-point order"
    elif la == cp and lb == icu:
        who, r_order, py_order = "r", "code-point order (LC_COLLATE=C)", "a locale collation"
    else:
        return None
    first = next(i for i, (x, y) in enumerate(zip(la, lb)) if x != y)
    return Diagnosis(
        "collation", "strings sorted with a different collation",
        f"both sides hold the same {a.size} strings; R's are in {r_order}, Python's in {py_order} "
        f"(first difference at position {first + 1}: R {la[first]!r} vs Python {lb[first]!r})",
        "sort with R's collation (python_impl.roc.icu_root_key as the sort key) or take R's order "
        "explicitly (e.g. pandas.Categorical(categories=R's levels))",
        {"n": int(a.size), "first_difference": first, "sorted_side": who})


def _ties_key(context, a: np.ndarray, b: np.ndarray):
    """A context vector that both index permutations sort (same direction), with ties."""
    for cname, side, key in ctx_numeric(context, ndim=1):
        for off in (1, 0):
            ia, ib = a - off, b - off
            if ia.min() < 0 or max(ia.max(), ib.max()) >= key.size or ib.min() < 0:
                continue
            da, db = monotone(key[ia]), monotone(key[ib])
            if da in ("inc", "dec") and da == db:
                ties = key[ia].size - np.unique(key[ia]).size
                if ties:
                    return cname, side, off, da, ties
    return None


@safe
def sorted_order(r, py, *, name, context):
    """The same values in a different order where one side (or both) is sorted: a port that sorts
    (np.unique, sorted, set()) where R keeps the original order, opposite sort directions, or
    two index permutations that both sort a key and differ only inside its ties (R's order() is
    stable; np.argsort's default quicksort is not).

    Criterion: 1-D, same length >= 2, finite, same multiset (rel 1e-12), different order, and one of:
    one side monotone and the other not monotone the same way; both monotone in opposite
    directions; or (context) a numeric vector that R's and Python's index permutations (1- or
    0-based) both put in the same monotone order, with ties. Context: optional key vector."""
    sa, sb = strs(r), strs(py)
    if sa is not None and sb is not None:
        a, b = sa, sb
        if any(x is None for x in a.tolist() + b.tolist()):
            return None
        ok = sorted(a.tolist()) == sorted(b.tolist())
    else:
        a, b = num(r), num(py)
        if a is None or b is None or a.ndim != 1 or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            return None
        ok = a.shape == b.shape and same(np.sort(a), np.sort(b))
    if a.ndim != 1 or a.shape != b.shape or a.size < 2 or not ok or same(a, b):
        return None
    ma, mb = monotone(a), monotone(b)
    words = {"inc": "ascending", "dec": "descending"}
    data = {"n": int(a.size), "r_order": ma, "py_order": mb}
    n_pos = int(sum(1 for x, y in zip(a.tolist(), b.tolist()) if x != y))
    if ma in ("inc", "dec") and mb in ("inc", "dec") and ma != mb:
        return Diagnosis(
            "sorted_order", "the same values sorted in the opposite direction",
            f"R's {a.size} values are {words[ma]}, Python's are the same values {words[mb]}",
            "sort in R's direction (np.sort(x)[::-1] / sort(decreasing=TRUE))", data)
    if mb in ("inc", "dec") and ma not in ("inc", "dec"):
        return Diagnosis(
            "sorted_order", f"Python returns R's values sorted {words[mb]}; R keeps their original order",
            f"same {a.size} values, {n_pos} positions differ; Python's are {words[mb]}, R's are not sorted "
            f"(R starts {preview(a, 3)}, Python {preview(b, 3)})",
            "don't sort on the Python side (np.unique/sorted/set() reorder; use pandas.unique or "
            "dict.fromkeys to keep first-appearance order)", data)
    if ma in ("inc", "dec") and mb not in ("inc", "dec"):
        return Diagnosis(
            "sorted_order", f"R returns the values sorted {words[ma]}; Python keeps another order",
            f"same {a.size} values, {n_pos} positions differ; R's are {words[ma]}, Python's are not "
            f"(R starts {preview(a, 3)}, Python {preview(b, 3)})",
            "sort the Python result the way R does (R's setdiff/unique keep order, sort()/order() sort)",
            data)
    ia, ib = int_vector(a) if sa is None else None, int_vector(b) if sa is None else None
    if ia is None or ib is None or np.unique(ia).size != ia.size:
        return None
    hit = _ties_key(context, ia, ib)
    if hit is None:
        return None
    cname, side, off, d, ties = hit
    return Diagnosis(
        "sorted_order", "two orderings of the same key that differ only among tied values",
        f"R's and Python's {a.size} indices ({'1' if off else '0'}-based) both sort context "
        f"'{cname}' {words[d]}; they differ at {n_pos} positions, all inside the key's ties "
        f"({ties} tied values)",
        "use a stable sort: np.argsort(x, kind='stable') (R's order() keeps tied elements in "
        "index order)", {**data, "key": cname, "key_side": side, "ties": ties, "offset": off})


def _named_or_vector(v):
    """(names or None, float64 1-D values) of a named vector (dict of numbers) or a 1-D array."""
    from collections.abc import Mapping

    if isinstance(v, Mapping):
        if not v or not all(isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)
                            for x in v.values()):
            return None
        return list(map(str, v.keys())), np.array([float(x) for x in v.values()])
    a = num(v)
    return None if a is None or a.ndim != 1 else (None, a)


@safe
def permuted(r, py, *, name, context):
    """The right values in the wrong places: every value of R's appears on the Python side, but at
    another name or position. The classic case is a model's coefficients zipped with R's term
    names in the other library's term order (patsy/statsmodels put categorical terms before
    numeric ones; scikit-learn keeps the column order given), or columns selected in another order.

    Criterion: both 1-D numeric (or named vectors with the same names), same length >= 2, finite,
    the same multiset of values (each Python value matched one-to-one to an R value within rel
    1e-12), at least two positions differ, and no side sorted (that is sorted_order). Context: none."""
    a_, b_ = _named_or_vector(r), _named_or_vector(py)
    if a_ is None or b_ is None:
        return None
    (na, a), (nb, b) = a_, b_
    if na is not None and nb is not None and sorted(na) != sorted(nb):
        return None
    if na is not None and nb is not None:
        b = np.array([b[nb.index(k)] for k in na])  # compare by name
    if a.size != b.size or a.size < 2 or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return None
    if same(a, b) or not same(np.sort(a), np.sort(b)) or monotone(a) in ("inc", "dec") \
            or monotone(b) in ("inc", "dec"):
        return None
    labels = na or [f"[{i + 1}]" for i in range(a.size)]
    moved = []
    used: set[int] = set()
    for i, x in enumerate(b):  # where each Python value sits on R's side
        j = next((k for k in range(a.size) if k not in used and same(np.array([a[k]]), np.array([x]))), None)
        if j is None:
            return None
        used.add(j)
        if j != i:
            moved.append((labels[i], labels[j], float(x)))
    if len(moved) < 2:
        return None
    shown = "; ".join(f"Python's {p} = {g(v)} is R's {q}" for p, q, v in moved[:3]) + ("; ..." if len(moved) > 3 else "")
    return Diagnosis(
        "permuted", "the right values attached to the wrong names or positions",
        f"the same {a.size} values on both sides, {len(moved)} of them elsewhere: {shown}",
        "pair values with names by name, not by position (e.g. dict(zip(fit.params.index, fit.params)) and map "
        "the term names to R's, or reorder to R's term/column order)",
        {"n": int(a.size), "moved": len(moved)})
