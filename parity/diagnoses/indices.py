"""Hypotheses about integer data: factor codes, 0- vs 1-based indices, row names vs positions,
and index sets drawn by a different random number generator."""
from __future__ import annotations

import numpy as np
from scipy.stats import hypergeom

from parity.diagnoses._core import (Diagnosis, ctx_numeric, ctx_values, hint, int_vector, looks_like_index_name,
                                    monotone, preview, safe, strs)

MAX_LEVELS = 50


def _codes(labels: list, order: list, base: int) -> np.ndarray:
    pos = {v: i for i, v in enumerate(order)}
    return np.array([pos[x] + base for x in labels], dtype=np.int64)


def _orders(labels: list) -> dict[str, list]:
    from parity.diagnoses.layout import _icu_like_key

    uniq = list(dict.fromkeys(labels))
    return {"code-point (pandas' default categories)": sorted(uniq),
            "R's collation (as.factor)": sorted(uniq, key=_icu_like_key),
            "first appearance (pandas.factorize)": uniq}


def _which_order(codes: np.ndarray, labels: list) -> str | None:
    for oname, order in _orders(labels).items():
        for base in (1, 0):
            if np.array_equal(codes, _codes(labels, order, base)):
                return f"{oname}, {base}-based"
    return None


@safe
def factor_codes(r, py, *, name, context):
    """Factor codes that don't mean the same thing on both sides: 0/1 labels vs R's 1/2 codes
    (as.integer(factor)), level orders that differ (pandas' lexical categories vs R's levels),
    or integer codes where the other side has the labels.

    Criterion (exact integer/string matches), one of:
    - both integer-valued, same length n, 2 <= k <= 50 distinct values with n >= 2k (codes
      repeat; index vectors don't), and Python = f(R) for a one-to-one map f that is not the
      identity; the name must not look like an index vector;
    - one side strings (n >= 2k), the other integers equal to the strings' codes under some level
      order (code point / R's collation / first appearance), 0- or 1-based;
    - two level vectors (unique strings, same set) where Python's are in code-point order and
      R's are not, when the checkpoint name mentions levels/categories/factor.
    Context: an optional string vector of the same length (the labels) tells which level order
    each side's codes follow."""
    sa, sb = strs(r), strs(py)
    if sa is not None and sb is not None:
        la, lb = sa.reshape(-1).tolist(), sb.reshape(-1).tolist()
        if (len(la) >= 2 and len(set(la)) == len(la) and set(la) == set(lb) and la != lb
                and lb == sorted(lb) and la != sorted(la) and None not in la
                and hint(name, "level", "categor", "factor")):
            return Diagnosis(
                "factor_codes", "factor levels in pandas' lexical order instead of R's",
                f"same {len(la)} levels; Python's are sorted by code point {lb[:4]}, R's order is "
                f"{la[:4]}: every code after the first difference means another label",
                "build the categorical with R's levels: pandas.Categorical(x, categories=R's levels)",
                {"r_levels": la[:MAX_LEVELS], "py_levels": lb[:MAX_LEVELS], "kind": "level_order"})
        return None
    if (sa is None) != (sb is None):
        labels_arr, codes_v, lab_side = (sa, int_vector(py), "r") if sa is not None else (sb, int_vector(r), "py")
        if codes_v is None or labels_arr.ndim != 1 or labels_arr.size != codes_v.size or labels_arr.size < 2:
            return None
        labels = labels_arr.tolist()
        if None in labels or len(set(labels)) > MAX_LEVELS or len(labels) < 2 * len(set(labels)):
            return None
        which = _which_order(codes_v, labels)
        if which is None:
            return None
        lab, cod = ("R", "Python") if lab_side == "r" else ("Python", "R")
        return Diagnosis(
            "factor_codes", f"{cod} has integer factor codes where {lab} has the labels",
            f"{cod}'s {codes_v.size} integers are the codes of {lab}'s labels under {which} order "
            f"(levels {sorted(set(labels))[:4]})",
            "compare labels, not codes: pandas.Categorical(x, categories=R's levels) and "
            "as.character(f) / as.numeric(as.character(f)) for numeric labels",
            {"kind": "codes_vs_labels", "order": which, "labels_side": lab_side})
    a, b = int_vector(r), int_vector(py)
    if a is None or b is None or a.size != b.size or a.size < 4 or np.array_equal(a, b):
        return None
    if looks_like_index_name(name):
        return None
    ua, ub = np.unique(a), np.unique(b)
    k = ua.size
    if k != ub.size or not 2 <= k <= MAX_LEVELS or a.size < 2 * k:
        return None
    mapping: dict[int, int] = {}
    for x, y in zip(a.tolist(), b.tolist()):
        if mapping.setdefault(x, y) != y:
            return None
    if len(set(mapping.values())) != k or all(x == y for x, y in mapping.items()):
        return None
    shift = {y - x for x, y in mapping.items()}
    data = {"mapping": {str(x): y for x, y in sorted(mapping.items())}, "levels": k, "n": int(a.size)}
    if len(shift) == 1:
        c = shift.pop()
        if c in (1, -1) and set(ua.tolist()) | set(ub.tolist()) <= set(range(0, k + 1)):
            lo = "R" if c == 1 else "Python"
            title = ("0/1 labels vs 1/2 factor codes (as.integer(factor))" if k == 2
                     else f"0-based vs 1-based factor codes ({lo} 0..{k - 1})")
            return Diagnosis(
                "factor_codes", title,
                f"Python = R {'-' if c < 0 else '+'} 1 on all {a.size} elements with {k} distinct values "
                f"({sorted(ua.tolist())} -> {sorted(ub.tolist())}): codes, not labels",
                "use the labels (as.numeric(as.character(f)) in R) or the 0-based codes "
                "(pandas.Categorical(...).codes) consistently on both sides; Keras' binary "
                "accuracy/cross-entropy need 0/1",
                {**data, "kind": "offset", "offset": c})
        return None
    evidence = (f"Python's codes are a one-to-one relabelling of R's on all {a.size} elements "
                f"({k} levels; R -> Python {dict(sorted(mapping.items()))})")
    for cname, _side, v in ctx_values(context):
        lab = strs(v)
        if lab is None or lab.ndim != 1 or lab.size != a.size or None in lab.tolist():
            continue
        wa, wb = _which_order(a, lab.tolist()), _which_order(b, lab.tolist())
        if (wa or wb) and wa != wb:
            evidence += (f"; on context '{cname}' R's codes follow {wa or 'another (R levels as given)'} "
                         f"order, Python's {wb or 'another'} order")
            data.update(r_order=wa, py_order=wb, labels=cname)
            break
    return Diagnosis(
        "factor_codes", "factor levels in a different order (codes re-mean other labels)",
        evidence,
        "build the categorical with R's levels: pandas.Categorical(x, categories=R's levels) "
        "(pandas sorts categories lexically by default)",
        {**data, "kind": "level_order"})


@safe
def zero_based_index(r, py, *, name, context):
    """0-based (Python) vs 1-based (R) indices: every value off by exactly one.

    Criterion: whole numbers, same length >= 1, Python = R - 1 elementwise with R >= 1 (or
    Python = R + 1 with R >= 0: an extra +1), exact; also the same after sorting both sides
    (the order differs too). Scalars only with an index-like name. Context: none."""
    a, b = int_vector(r), int_vector(py)
    if a is None or b is None or a.size != b.size or a.size == 0 or np.array_equal(a, b):
        return None
    if a.size == 1 and not looks_like_index_name(name):
        return None
    for c in (-1, 1):
        lo = a if c == -1 else b
        if lo.min() < 1 or min(a.min(), b.min()) < 0:
            continue
        exact = np.array_equal(b, a + c)
        if exact or (np.unique(a).size == a.size and np.array_equal(np.sort(b), np.sort(a) + c)):
            order = "" if exact else " (as sets; the order differs too)"
            if c == -1:
                title = "0-based indices on the Python side where R's are 1-based"
                fix = "add 1 when reporting indices (or subtract 1 when using R's): Python = R - 1"
            else:
                title = "indices shifted by +1 on the Python side (1 added to already 1-based indices)"
                fix = "drop the extra +1: R's indices are 1-based already"
            return Diagnosis(
                "zero_based_index", title,
                f"Python = R {'-' if c < 0 else '+'} 1 on every one of the {a.size} values{order}: R {preview(a, 4)} vs "
                f"Python {preview(b, 4)}", fix,
                {"offset": c, "n": int(a.size), "same_order": bool(exact)})
    return None


@safe
def row_names(r, py, *, name, context):
    """Row names vs positions: one side indexes rows by their original row names (na.omit() and
    subsetting keep R's row names; predict() names its output by them), the other by position
    1..n.

    Criterion: unique whole numbers, same length >= 8, the map R -> Python strictly increasing
    with a non-decreasing offset (Python - R) that is >= 0 (or <= 0 the other way round) and not
    constant. Context: none."""
    a, b = int_vector(r), int_vector(py)
    if a is None or b is None or a.size != b.size or a.size < 8:
        return None
    if np.unique(a).size != a.size or np.unique(b).size != b.size:
        return None
    o = np.argsort(a, kind="stable")
    sa, sb = a[o], b[o]
    if not np.all(np.diff(sb) > 0):
        return None
    d = sb - sa
    if np.all(d == d[0]):
        return None
    if np.all(d >= 0) and np.all(np.diff(d) >= 0):
        names_side = "Python"
    elif np.all(d <= 0) and np.all(np.diff(d) <= 0):
        names_side, d = "R", -d
    else:
        return None
    gaps = int(np.count_nonzero(np.diff(d)) + (d[0] > 0))
    return Diagnosis(
        "row_names", f"{names_side} reports row names (original row numbers) where the other side "
        "reports positions",
        f"the map R -> Python is increasing on all {a.size} values with an offset growing from "
        f"{int(d[0])} to {int(d[-1])} ({gaps} jumps): positions in a subset vs the original row "
        "numbers of that subset",
        "use positions (seq_len(nrow(x)) / np.arange) on both sides, or carry R's row names "
        "explicitly (rownames(x) <-> DataFrame.index)",
        {"offset_first": int(d[0]), "offset_last": int(d[-1]), "jumps": gaps, "names_side": names_side})


P_CHANCE = 1e-3


@safe
def different_rng(r, py, *, name, context):
    """Index vectors drawn by a different random number generator (NumPy/scikit-learn instead of
    R's Mersenne-Twister + sample() "Rejection").

    Criterion: whole numbers >= 0 without repeats, same length n >= 3, not equal, and either
    (a) different sets whose overlap is no larger than chance: hypergeometric P(overlap >= o)
        >= 1e-3 over the universe 1..N (N = the largest index, 0..N when a 0 appears, or the
        row count of a context matrix that covers it), with neither side simply the other
        shifted by one nor row_names' increasing map; or
    (b) the same set in a different order, neither side sorted, with at most max(3, n/10)
        positions that agree (a random reordering keeps ~1).
    Context: optional (a matrix whose rows the indices point into gives N)."""
    a, b = int_vector(r), int_vector(py)
    if a is None or b is None or a.size != b.size or a.size < 3 or np.array_equal(a, b):
        return None
    n = a.size
    if min(a.min(), b.min()) < 0 or np.unique(a).size != n or np.unique(b).size != n:
        return None
    sa, sb = set(a.tolist()), set(b.tolist())
    fix = ("draw with R's generator: python_impl.rrandom.RRandom(seed).sample(...) reproduces "
           "set.seed() + sample() bit for bit (no NumPy/scikit-learn seed does)")
    if sa == sb:
        if monotone(a) in ("inc", "dec") or monotone(b) in ("inc", "dec"):
            return None
        agree = int(np.sum(a == b))
        if agree > max(3, n // 10):
            return None
        return Diagnosis(
            "different_rng", "the same indices in another random order (a different RNG shuffled them)",
            f"both sides hold the same {n} indices, in orders that agree at only {agree} positions "
            f"(a random reordering agrees at ~1): R {preview(a, 4)} vs Python {preview(b, 4)}",
            fix, {"n": n, "same_set": True, "positions_agreeing": agree})
    zero = min(a.min(), b.min()) == 0
    big_n = int(max(a.max(), b.max())) + (1 if zero else 0)
    rows = [x.shape[0] for _c, _s, x in ctx_numeric(context, ndim=2) if x.shape[0] >= big_n]
    if rows:  # the data the indices point into: its row count is the universe
        big_n = min(rows)
    if big_n <= n:
        return None
    for c in (-1, 1):
        if len(sa & {x - c for x in sb}) >= 0.9 * n:
            return None  # the other side shifted: zero_based_index's territory (with a reorder)
    if row_names.__wrapped__(r, py, name=name, context=context) is not None:
        return None  # an increasing map with growing offset: positions vs row names, not chance
    o = len(sa & sb)
    expected = n * n / big_n
    p = float(hypergeom.sf(o - 1, big_n, n, n))
    if p < P_CHANCE:
        return None
    return Diagnosis(
        "different_rng", "indices drawn by a different random number generator",
        f"same size {n}, only {o} of {n} shared (chance level {expected:.1f} for {n} of {big_n}; "
        f"P(overlap >= {o}) = {p:.2g}): R {preview(np.sort(a), 4)} vs Python {preview(np.sort(b), 4)}",
        fix, {"n": n, "universe": big_n, "overlap": o, "chance_overlap": expected, "p_overlap": p,
              "same_set": False})
