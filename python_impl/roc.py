"""ROC analysis exactly as R's pROC 1.18.0 computes it (``roc``, ``auc``, ``ci.auc``, ``var``,
``coords(roc, "best")``, ``roc.test(method="delong", paired=TRUE)``).

NumPy/SciPy only (no Keras/TensorFlow). Every rule below was read from pROC 1.18.0's own sources
(``roc.default``, ``roc.utils.thresholds``, ``roc.utils.perfs.all.fast``, ``sort.roc``,
``auc.roc``, ``ci.auc.delong``, ``var.roc``, ``coords.roc``, ``delong.paired.calculations`` and
the C++ ``delongPlacementsCpp``) and checked against live R 4.2.2 (see ``tests/test_roc.py`` and
``tests/reference/proc_cases.json``, made by ``scripts/regen_proc_reference.py``).

Why not just ``sklearn.metrics.roc_curve``/``roc_auc_score``? Their AUC equals pROC's for
direction "<" (both are the Mann-Whitney statistic, ties counting 1/2; the tests use them as a
cross-check), but the curve itself differs from pROC's in three ways that show up in a report:

* direction: pROC's ``direction="auto"`` compares the class MEDIANS and may flip to ">" (controls
  score higher), after which AUC is computed for the flipped rule; scikit-learn never flips.
* thresholds: pROC uses -Inf, the MIDPOINTS of adjacent sorted unique scores, and +Inf (with a
  fix-up when a midpoint rounds onto a score), stored ascending for "<" and DESCENDING for ">";
  scikit-learn uses the scores themselves (and np.inf first) and drops collinear points
  (``drop_intermediate``).
* levels: pROC takes control/case as the first two of ``levels(as.factor(response))`` (numbers
  sorted numerically, strings in R's collation order: ICU root collation in R's default
  non-"C" locales, e.g. "no" < "Yes"), not scikit-learn's ``pos_label``; rows with other labels
  are dropped, NA pairs are dropped.

Floating point: se/sp and the Youden sums are computed with the same IEEE operations as pROC
(bit-identical); the AUC, variances and CIs differ from R at most by summation order (R sums in
long double; here ``math.fsum``), i.e. ~1e-16.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from scipy.stats import norm, rankdata

__all__ = [
    "Roc", "roc", "roc_test_delong", "MatrixPredictorWarning", "MatrixResponseWarning",
    "r_factor_levels",
    "icu_root_key",
]


class MatrixPredictorWarning(DeprecationWarning):
    """pROC: "Deprecated use a matrix as predictor. Unexpected results may be produced, ..."."""


class MatrixResponseWarning(DeprecationWarning):
    """pROC: "Deprecated use a matrix as response. Unexpected results may be produced, ..."."""


# DeprecationWarning is hidden by default outside __main__; pROC's matrix warnings are part of
# the subject's visible behaviour (design.md), so show them once per call site everywhere.
warnings.filterwarnings("default", category=MatrixPredictorWarning)
warnings.filterwarnings("default", category=MatrixResponseWarning)


# --------------------------------------------------------------------------------------------
# R factor levels
# --------------------------------------------------------------------------------------------
# R sorts character factor levels with the locale's collation. With ICU available (Debian's R)
# and any locale other than "C"/"POSIX" (C.UTF-8 included), that is ICU root collation:
# measured with R 4.2.2 here, `sort()` of the printable ASCII characters gives the order below
# (punctuation, symbols, digits, then letters with lower case before upper case), and strings
# compare first on these primary weights, case-blind, then on case, left to right:
#   sort(c("ab","aB","Ab","AB","a","A")) -> "a" "A" "ab" "aB" "Ab" "AB"
#   levels(as.factor(c("b","a","B","A","_x","10","9"))) -> "_x" "10" "9" "a" "A" "b" "B"
# (LC_COLLATE=C gives byte order instead: "10" "9" "A" "B" "_x" "a" "b".)
_ICU_ROOT_ASCII = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz"
_ICU_PRIMARY = {c: i for i, c in enumerate(_ICU_ROOT_ASCII)}


def icu_root_key(s: str) -> tuple:
    """Sort key reproducing R's (ICU root) collation for printable-ASCII strings."""
    if not all(c.lower() in _ICU_PRIMARY for c in s):
        raise ValueError(f"no ICU-root key for non-printable-ASCII string {s!r}")
    primary = tuple(_ICU_PRIMARY[c.lower()] for c in s)
    tertiary = tuple(1 if c.isupper() else 0 for c in s)
    return (primary, tertiary)


def _sort_strings(values: Sequence[str], collation: str) -> list[str]:
    if collation == "c":
        return sorted(values)  # code-point order == R under LC_COLLATE=C for ASCII/UTF-8
    if collation != "icu":
        raise ValueError("collation must be 'icu' (R's default here) or 'c' (LC_COLLATE=C)")
    try:
        return sorted(values, key=icu_root_key)
    except ValueError:
        warnings.warn("non-ASCII string labels: R's ICU collation is not reproduced, using "
                      "code-point order; pass levels=(control, case) explicitly", stacklevel=3)
        return sorted(values)


def _is_na_scalar(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, (float, np.floating)):
        return bool(np.isnan(v))
    return type(v).__name__ in ("NAType", "NaTType")


def _na_mask(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "f":
        return np.isnan(a)
    if a.dtype.kind == "O":
        return np.fromiter((_is_na_scalar(v) for v in a), dtype=bool, count=a.size)
    return np.zeros(a.shape, dtype=bool)


def _as_response(response: Any) -> tuple[np.ndarray, list | None]:
    """1-D array of labels, plus the categories when `response` is a pandas categorical
    (R: a factor keeps its own level order, unused levels included)."""
    cats = None
    if hasattr(response, "cat") and hasattr(response.cat, "categories"):  # pandas Series
        cats = list(response.cat.categories)
        response = response.astype(object).to_numpy()
    elif hasattr(response, "categories") and hasattr(response, "codes"):  # pandas Categorical
        cats = list(response.categories)
        response = np.asarray(response, dtype=object)
    elif hasattr(response, "to_numpy"):
        response = response.to_numpy()
    a = np.asarray(response)
    if a.ndim == 2:
        warnings.warn("Deprecated use a matrix as response. Unexpected results may be produced,"
                      " please pass a vector or factor.", MatrixResponseWarning, stacklevel=3)
        a = a.ravel(order="F")  # R's as.vector: column-major
    elif a.ndim != 1:
        raise ValueError("response must be 1-D")
    if a.dtype.kind == "O":
        na = _na_mask(a)
        kinds = {"str" if isinstance(v, str) else "bool" if isinstance(v, (bool, np.bool_))
                 else "num" if isinstance(v, (int, float, np.number)) else "other"
                 for v in a[~na].tolist()}
        if len(kinds) > 1 or "other" in kinds:  # R vectors are homogeneous: c(1, "a") is chr
            a = np.array([None if n else str(v) for v, n in zip(a.tolist(), na)], dtype=object)
    return a, cats


def r_factor_levels(response: Any, collation: str = "icu") -> list:
    """``levels(as.factor(response))``: numbers sorted numerically, logicals FALSE < TRUE,
    strings in R's collation order; NA is never a level."""
    a, cats = _as_response(response)
    if cats is not None:
        return cats
    vals = a[~_na_mask(a)]
    if vals.size == 0:
        return []
    if vals.dtype.kind in "biuf":
        return [v.item() for v in np.unique(vals)]
    if vals.dtype.kind in "US":
        return _sort_strings([str(v) for v in set(vals.tolist())], collation)
    uniq = list(dict.fromkeys(vals.tolist()))
    if all(isinstance(v, str) for v in uniq):
        return _sort_strings(uniq, collation)
    return sorted(uniq)


# --------------------------------------------------------------------------------------------
# small R numerics
# --------------------------------------------------------------------------------------------
def _r_median(x: np.ndarray) -> float:
    """R's median(): middle value, or mean of the two middle values."""
    s = np.sort(x)
    n = s.size
    h = n // 2
    if n % 2:
        return float(s[h])
    a, b = float(s[h - 1]), float(s[h])
    m = (a + b) / 2.0
    return m if math.isfinite(m) else a / 2.0 + b / 2.0


def _r_var(x: np.ndarray) -> float:
    """R's var() of one vector (n-1 denominator; mean refined as in R's cov.c)."""
    n = x.size
    if n < 2:
        return float("nan")
    mean = math.fsum(x) / n
    mean += math.fsum(x - mean) / n
    return math.fsum((x - mean) ** 2) / (n - 1)


# --------------------------------------------------------------------------------------------
# curve
# --------------------------------------------------------------------------------------------
def _thresholds(predictor: np.ndarray, direction: str) -> np.ndarray:
    """pROC roc.utils.thresholds: -Inf, midpoints of sorted unique values, +Inf (ascending).

    When a midpoint rounds onto one of its two neighbours (adjacent doubles), pROC moves it to
    the neighbour that keeps the rule right: the upper one for "<" (case if x >= t), the lower
    one for ">" (case if x <= t)."""
    u = np.unique(predictor)
    lo = np.concatenate(([-np.inf], u))
    hi = np.concatenate((u, [np.inf]))
    with np.errstate(over="ignore", invalid="ignore"):
        t1 = (lo + hi) / 2
        t2 = lo / 2 + hi / 2
    thr = np.where(np.abs(t1) > 1e100, t2, t1)
    for i in np.flatnonzero(np.isin(thr, predictor)):
        below, above = u[i - 1], u[i]  # i is never 0 or len(u): +-Inf are not in predictor
        if thr[i] == below:
            if direction == "<":
                thr[i] = above
        elif thr[i] == above:
            if direction == ">":
                thr[i] = below
        else:  # pragma: no cover - pROC stops with "Couldn't fix near ties in thresholds"
            raise RuntimeError(f"couldn't fix near ties in thresholds: {thr[i]!r}")
    return thr


def _sesp(controls: np.ndarray, cases: np.ndarray, direction: str, n_unique: int):
    """pROC roc.utils.perfs.all.fast followed by sort.roc; arrays aligned with the ascending
    thresholds for "<" (index t: t-th unique value and above is "case"), reversed for ">".

    se = tp / n_cases and sp = (n_controls - fp) / n_controls, as pROC divides."""
    u = np.unique(np.concatenate((controls, cases)))
    assert u.size == n_unique
    sc, sk = np.sort(controls), np.sort(cases)
    n0, n1 = controls.size, cases.size
    if direction == "<":
        tp = n1 - np.searchsorted(sk, u, side="left")  # cases >= u
        fp = n0 - np.searchsorted(sc, u, side="left")  # controls >= u
        se = np.concatenate((tp / n1, [0.0]))
        sp = np.concatenate(((n0 - fp) / n0, [1.0]))
        return se, sp
    tp = np.searchsorted(sk, u, side="right")  # cases <= u
    fp = np.searchsorted(sc, u, side="right")  # controls <= u
    se = np.concatenate(([0.0], tp / n1))[::-1]
    sp = np.concatenate(([1.0], (n0 - fp) / n0))[::-1]
    return se.copy(), sp.copy()


def _trapezoid_auc(se: np.ndarray, sp: np.ndarray) -> float:
    """pROC auc.roc (full AUC): sum(means.vert * diffs.x) over specificity-sorted points."""
    diffs_x = sp[1:] - sp[:-1]
    means_vert = (se[1:] + se[:-1]) / 2
    return math.fsum(means_vert * diffs_x)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Roc:
    """A pROC ``roc`` object (percent=FALSE). Arrays are in pROC's order (sorted by increasing
    specificity: thresholds ascending for "<", descending for ">")."""

    auc: float
    direction: str
    levels: tuple
    thresholds: np.ndarray
    sensitivities: np.ndarray
    specificities: np.ndarray
    controls: np.ndarray
    cases: np.ndarray
    response: np.ndarray = field(repr=False)  # in-level, non-NA rows (pROC roc$response)
    predictor: np.ndarray = field(repr=False)
    original_response: np.ndarray = field(repr=False)
    original_predictor: np.ndarray = field(repr=False)
    kept: np.ndarray = field(repr=False)  # indices into the originals of response/predictor

    # ---- DeLong (pROC delongPlacementsCpp, i.e. Sun & Xu's fast algorithm) -----------------
    def delong_placements(self) -> tuple[float, np.ndarray, np.ndarray]:
        """(theta, X, Y): X[i] = P(control < case_i) + P(=)/2 over controls ("structural
        components" for cases), Y[j] = 1 - P(case < control_j) - P(=)/2 over cases.

        Midranks (scipy.stats.rankdata) give the counts: rank of x among all values minus its
        rank among its own class = number of the other class below x, ties counting 1/2.
        For direction ">" pROC negates the data first."""
        sign = -1.0 if self.direction == ">" else 1.0
        cases, controls = sign * self.cases, sign * self.controls
        m, n = cases.size, controls.size
        allv = np.concatenate((cases, controls))
        r_all = rankdata(allv)
        x_num = r_all[:m] - rankdata(cases)      # controls below each case (+ ties/2), exact
        y_num = r_all[m:] - rankdata(controls)   # cases below each control (+ ties/2), exact
        theta = float(np.sum(x_num)) / m / n     # exact sum of half-integers, as in the C++
        X = x_num / n
        Y = 1.0 - y_num / m
        if not math.isclose(theta, self.auc, rel_tol=1.5e-8, abs_tol=1.5e-8):  # pragma: no cover
            raise RuntimeError(f"DeLong theta {theta!r} != AUC {self.auc!r}")
        return theta, X, Y

    def _is_perfect(self) -> bool:  # pROC roc.utils.is.perfect.curve
        best = float(np.max(self.sensitivities + self.specificities))
        return abs(best - 2) < math.sqrt(np.finfo(float).eps)

    def var_delong(self) -> float:
        """pROC ``var(roc)`` (method "delong"): var(Y)/n_controls + var(X)/n_cases."""
        if self._is_perfect():
            warnings.warn("var() of a ROC curve with AUC == 1 is always 0 and can be misleading.",
                          stacklevel=2)
        _, X, Y = self.delong_placements()
        return _r_var(Y) / self.controls.size + _r_var(X) / self.cases.size

    def ci_auc(self, conf_level: float = 0.95) -> tuple[float, float, float]:
        """pROC ``ci.auc(roc, conf.level)`` default (DeLong): theta + qnorm(p) * sqrt(S) at
        p = (1-conf)/2, 0.5, 1-(1-conf)/2, with S computed around theta (not around the
        placements' mean as var() does), then clipped to [0, 1]. NaNs with <= 1 case/control."""
        if not 0 <= conf_level <= 1:
            raise ValueError("conf.level must be within the interval [0,1].")
        if self._is_perfect():
            warnings.warn("ci.auc() of a ROC curve with AUC == 1 is always 1-1 and can be "
                          "misleading.", stacklevel=2)
        m, n = self.cases.size, self.controls.size
        if m <= 1 or n <= 1:
            return (float("nan"),) * 3
        theta, X, Y = self.delong_placements()
        sx = math.fsum((X - theta) * (X - theta)) / (m - 1)
        sy = math.fsum((Y - theta) * (Y - theta)) / (n - 1)
        sd = math.sqrt(sx / m + sy / n)
        a = (1 - conf_level) / 2
        z = norm.ppf([0 + a, 0.5, 1 - a])  # R: qnorm(p, mean, sd) = mean + sd * qnorm(p)
        ci = [min(max(theta + sd * float(zi), 0.0), 1.0) for zi in z]
        return (ci[0], ci[1], ci[2])

    def best(self) -> list[dict]:
        """``coords(roc, "best")`` with defaults (Youden, best.weights = c(1, 0.5)): every row
        whose se + sp equals the maximum exactly, in the curve's order; the -Inf/+Inf rows are
        NOT excluded (they win when no threshold beats se + sp = 1)."""
        r = (1 - 0.5) / (1 * 0.5)
        crit = self.sensitivities + r * self.specificities
        idx = np.flatnonzero(crit == np.max(crit))
        return [{"threshold": float(self.thresholds[i]),
                 "specificity": float(self.specificities[i]),
                 "sensitivity": float(self.sensitivities[i])} for i in idx]


def roc(response: Any, predictor: Any, direction: str = "auto", levels: Sequence | None = None,
        *, collation: str = "icu") -> Roc:
    """pROC ``roc(response, predictor, direction=, levels=)`` (na.rm=TRUE, percent=FALSE).

    levels: (control, case); default the first two of ``levels(as.factor(response))`` (with a
    warning when there are more). collation: "icu" (R's default with ICU in any locale but
    "C"/"POSIX", C.UTF-8 included) or "c" (R under LC_COLLATE=C); only matters for string labels.
    Rows with NA in either input are dropped, then rows whose label is not a level.
    An n x 1 (any 2-D) predictor is read column-major with a MatrixPredictorWarning, like pROC.
    """
    if direction not in ("auto", "<", ">"):
        raise ValueError("direction must be 'auto', '<' or '>'")
    resp, cats = _as_response(response)
    if levels is None:
        lv = cats if cats is not None else r_factor_levels(resp, collation)
        if len(lv) > 2:
            warnings.warn("'response' has more than two levels. Consider setting 'levels' "
                          "explicitly or using 'multiclass.roc' instead", stacklevel=2)
            lv = lv[:2]
        elif len(lv) < 2:
            raise ValueError("'response' must have two levels")
    else:
        lv = list(levels)
        if len(lv) != 2:
            raise ValueError("'levels' argument must have length 2")
    lv = tuple(v.item() if isinstance(v, np.generic) else v for v in lv)

    if hasattr(predictor, "to_numpy"):
        predictor = predictor.to_numpy()
    pred = np.asarray(predictor)
    if pred.dtype.kind not in "iuf":
        raise TypeError("Predictor must be numeric or ordered.")
    if pred.ndim == 2:
        warnings.warn("Deprecated use a matrix as predictor. Unexpected results may be produced, "
                      "please pass a numeric vector.", MatrixPredictorWarning, stacklevel=2)
        pred = pred.ravel(order="F")
    elif pred.ndim != 1:
        raise ValueError("predictor must be 1-D or a matrix")
    pred = pred.astype(np.float64)
    if pred.size != resp.size:
        raise ValueError("Response and predictor must be vectors of the same length.")

    keep = ~(_na_mask(resp) | np.isnan(pred))
    idx = np.flatnonzero(keep)
    r_k, p_k = resp[idx], pred[idx]
    is_ctrl = np.array([v == lv[0] for v in r_k], dtype=bool) if r_k.dtype.kind == "O" \
        else (r_k == lv[0])
    is_case = np.array([v == lv[1] for v in r_k], dtype=bool) if r_k.dtype.kind == "O" \
        else (r_k == lv[1])
    controls, cases = p_k[is_ctrl], p_k[is_case]
    if controls.size == 0:
        raise ValueError("No control observation.")
    if cases.size == 0:
        raise ValueError("No case observation.")
    inlev = is_ctrl | is_case
    idx, r_k, p_k = idx[inlev], r_k[inlev], p_k[inlev]
    if np.isinf(p_k).any():
        # pROC warns and returns NaN instead of a roc object; a Python caller gets an error.
        raise ValueError("Infinite values(s) in predictor, cannot build a valid ROC curve.")

    if direction == "auto":
        direction = "<" if _r_median(controls) <= _r_median(cases) else ">"

    allv = np.concatenate((controls, cases))
    thr = _thresholds(allv, direction)
    se, sp = _sesp(controls, cases, direction, thr.size - 1)
    if direction == ">":
        thr = thr[::-1]  # sort.roc: specificities must increase
    auc = _trapezoid_auc(se, sp)
    return Roc(auc=auc, direction=direction, levels=lv, thresholds=_readonly(thr),
               sensitivities=_readonly(se), specificities=_readonly(sp),
               controls=_readonly(controls), cases=_readonly(cases),
               response=_readonly(r_k), predictor=_readonly(p_k),
               original_response=_readonly(resp), original_predictor=_readonly(pred),
               kept=_readonly(idx))


def _same_labels(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    na_a, na_b = _na_mask(a), _na_mask(b)
    if not np.array_equal(na_a, na_b):
        return False
    return all(x == y for x, y in zip(a[~na_a].tolist(), b[~na_b].tolist()))


def _paired_rocs(roc1: Roc, roc2: Roc) -> tuple[Roc, Roc]:
    """pROC are.paired(): same levels and the same response; when only the ORIGINAL responses
    agree (different NA rows in the predictors), both curves are rebuilt on the rows usable by
    both, keeping each curve's direction."""
    if roc1.levels != roc2.levels:
        raise ValueError("The paired ROC test cannot be applied to unpaired curves.")
    if np.array_equal(roc1.kept, roc2.kept) and _same_labels(roc1.response, roc2.response):
        return roc1, roc2
    if not _same_labels(roc1.original_response, roc2.original_response):
        raise ValueError("The paired ROC test cannot be applied to unpaired curves.")
    resp = roc1.original_response
    excl = (np.isnan(roc1.original_predictor) | np.isnan(roc2.original_predictor)
            | _na_mask(resp) | ~np.array([v in roc1.levels for v in resp.tolist()]))
    keep = ~excl
    r1 = roc(resp[keep], roc1.original_predictor[keep], roc1.direction, roc1.levels)
    r2 = roc(resp[keep], roc2.original_predictor[keep], roc2.direction, roc2.levels)
    return r1, r2


def roc_test_delong(roc1: Roc, roc2: Roc, conf_level: float = 0.95) -> dict:
    """pROC ``roc.test(roc1, roc2, method="delong", paired=TRUE)`` (two-sided).

    Returns {"z", "p_value", "auc1", "auc2", "conf_int"}: z = (theta1 - theta2) / sig with
    sig^2 = L S L' (S from the placements' covariances around theta, over m-1 and n-1),
    p = 2 * pnorm(-|z|), and conf_int = d -+ qnorm(1 - (1-conf)/2) * sig (pROC 1.18's conf.int
    of the AUC difference)."""
    if roc1.direction != roc2.direction:
        warnings.warn("DeLong's test should not be applied to ROC curves with a different "
                      "direction.", stacklevel=2)
    if roc1._is_perfect() and roc2._is_perfect():
        warnings.warn("roc.test() of two ROC curves with AUC == 1 has always p.value = 1 and "
                      "can be misleading.", stacklevel=2)
    roc1, roc2 = _paired_rocs(roc1, roc2)
    n, m = roc1.controls.size, roc1.cases.size
    t1, X1, Y1 = roc1.delong_placements()
    t2, X2, Y2 = roc2.delong_placements()
    dx1, dx2, dy1, dy2 = X1 - t1, X2 - t2, Y1 - t1, Y2 - t2
    sx = np.array([[math.fsum(dx1 * dx1), math.fsum(dx1 * dx2)],
                   [math.fsum(dx2 * dx1), math.fsum(dx2 * dx2)]]) / (m - 1)
    sy = np.array([[math.fsum(dy1 * dy1), math.fsum(dy1 * dy2)],
                   [math.fsum(dy2 * dy1), math.fsum(dy2 * dy2)]]) / (n - 1)
    s = sx / m + sy / n
    L = np.array([1.0, -1.0])
    v = float(L @ s @ L)
    sig = math.sqrt(v) if v >= 0 else float("nan")  # R: sqrt of a negative rounding -> NaN
    d = t1 - t2
    if sig == 0:
        z = 0.0 if d == 0 else math.copysign(math.inf, d)
    else:
        z = d / sig
    p = 2 * float(norm.cdf(-abs(z)))
    crit = float(norm.ppf(1 - ((1 - conf_level) / 2)))
    return {"z": z, "p_value": p, "auc1": roc1.auc, "auc2": roc2.auc,
            "conf_int": (d - crit * sig, d + crit * sig)}
