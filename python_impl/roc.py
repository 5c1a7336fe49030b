"""ROC analysis exactly as R's pROC 1.18.0 computes it: `roc`, `auc` (full and partial), `ci.auc`
(DeLong and bootstrap), `var`, `coords`, `ci.thresholds`, `ci.se`, `ci.sp`, `roc.test` (DeLong
paired/unpaired, bootstrap, sensitivity/specificity tests; one- and two-sided), `are.paired`.

NumPy/SciPy/pandas only (no Keras/TensorFlow). Every rule was read from pROC 1.18.0's sources
(roc.R, auc.R, ci.auc.R, bootstrap.R, coords.R, roc.utils.R, roc.utils.percent.R, ci.se.R, ci.sp.R,
ci.thresholds.R, roc.test.R, delong.R, are.paired.R, var.R and the C++ `delongPlacementsCpp`) and
checked against live R 4.2.2 (tests/test_roc*.py; stored references in tests/reference/, made by
scripts/regen_proc_reference.py).

| R (pROC 1.18.0)                                       | Python (`python_impl.roc`)                          |
|-------------------------------------------------------|-----------------------------------------------------|
| `r <- roc(response, predictor, levels=, direction=)`  | `r = roc(response, predictor, direction=, levels=)` |
| `roc(..., percent = TRUE)`                            | `roc(..., percent=True)`                            |
| `roc(controls = x, cases = y)`                        | `roc(controls=x, cases=y)`                          |
| `roc(..., partial.auc = c(1, .9), partial.auc.focus = "sp", partial.auc.correct = TRUE)` | `roc(..., partial_auc=(1, .9), partial_auc_focus="specificity", partial_auc_correct=True)` |
| `auc(r)`; `auc(r, partial.auc = ...)`                 | `r.auc`; `auc(r, partial_auc=...)`                  |
| `r$auc <- auc(r, partial.auc = ...)`                  | `r2 = r.with_auc(partial_auc=...)`                  |
| `ci.auc(r)` (DeLong)                                  | `r.ci_auc()` or `ci_auc(r)`                         |
| `set.seed(s); ci.auc(r, method = "bootstrap", boot.n = 500, boot.stratified = FALSE)` | `r.ci_auc(method="bootstrap", boot_n=500, boot_stratified=False, rng=RRandom(s))` |
| `var(r)`; `var(r, method = "bootstrap")`              | `r.var_delong()` / `r.var()`; `r.var(method="bootstrap", rng=...)` |
| `coords(r, "best")` (rows with their thresholds)       | `r.best()` (list of dicts) or `coords(r, "best")`   |
| `coords(r, x = "all" / "best" / "local maximas" / <numbers>, input = "threshold" / "specificity" / "sensitivity" / ..., ret = c(...), best.method = "closest.topleft", best.weights = c(1, .3))` | `coords(r, x=..., input=..., ret=[...], best_method=..., best_weights=...)` (a pandas DataFrame: one row per point, the columns of `ret`) |
| `set.seed(s); ci.thresholds(r, thresholds = "best")`  | `ci_thresholds(r, thresholds="best", rng=RRandom(s))` |
| `set.seed(s); ci.se(r, specificities = seq(0, 1, .1))` | `ci_se(r, specificities=..., rng=RRandom(s))` ((k, 3) array) |
| `set.seed(s); ci.sp(r, sensitivities = ...)`          | `ci_sp(r, sensitivities=..., rng=RRandom(s))`       |
| `roc.test(r1, r2)` (DeLong; paired if are.paired)     | `roc_test(r1, r2)` (dict); `roc_test_delong(r1, r2)` (paired) |
| `roc.test(r1, r2, paired = FALSE, alternative = "greater")` | `roc_test(r1, r2, paired=False, alternative="greater")` |
| `set.seed(s); roc.test(r1, r2, method = "bootstrap", boot.n = 500)` | `roc_test(r1, r2, method="bootstrap", boot_n=500, rng=RRandom(s))` |
| `roc.test(..., method = "specificity", specificity = .9)` | `roc_test(..., method="specificity", specificity=.9, rng=...)` |
| `are.paired(r1, r2)`                                  | `are_paired(r1, r2)`                                |
| `levels(as.factor(x))`                                | `r_factor_levels(x)`                                |

Bootstrap: pROC resamples with R's `sample()`; here every draw goes through
`python_impl.rrandom.RRandom` in the same order, so `set.seed(s)` in R and `rng=RRandom(s)` in
Python give the same intervals (to summation order, ~1e-16). `rng` may also be an int seed.

Why not `sklearn.metrics.roc_curve`/`roc_auc_score`? Their AUC equals pROC's for direction "<"
(both are the Mann-Whitney statistic, ties counting 1/2; the tests use them as a cross-check),
but the curve itself differs from pROC's in three ways that show up in a report:

* direction: pROC's `direction="auto"` compares the class MEDIANS and may flip to ">" (controls
  score higher), after which AUC is computed for the flipped rule; scikit-learn never flips.
* thresholds: pROC uses -Inf, the MIDPOINTS of adjacent sorted unique scores, and +Inf (with a
  fix-up when a midpoint rounds onto a score), stored ascending for "<" and DESCENDING for ">";
  scikit-learn uses the scores themselves (and np.inf first) and drops collinear points
  (`drop_intermediate`).
* levels: pROC takes control/case as the first two of `levels(as.factor(response))` (numbers
  sorted numerically, strings in R's collation order: ICU root collation in R's default
  non-"C" locales, e.g. "no" < "Yes"), not scikit-learn's `pos_label`; rows with other labels
  are dropped, NA pairs are dropped. Given `levels`, pROC matches them as TEXT
  (`split(predictor, response)[[as.character(level)]]`), so `levels=(1, 5)` finds the factor
  labels "1"/"5" and `levels=("0", "1")` finds a numeric 0/1 response; so does `roc()` here.

Inf in the predictor: pROC warns "Infinite values(s) in predictor, cannot build a valid ROC curve.
NaN returned instead." and returns NaN; `roc()` does the same (InfinitePredictorWarning, returns
`nan`), not an exception.

Floating point: se/sp, thresholds and the Youden sums are computed with the same IEEE operations
as pROC (bit-identical); AUCs, variances, CIs and test statistics differ from R at most by
summation order (R sums in long double; here `math.fsum`), i.e. ~1e-16.
Not ported: smoothing (`smooth`, `smooth=TRUE`), `multiclass.roc`, Venkatraman's test, `cov`,
`power.roc.test`, `ci.coords`, plotting, the formula/data-frame interfaces.
"""
from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np
from scipy.stats import norm, rankdata
from scipy.stats import t as student_t

__all__ = [
    "Roc", "roc", "auc", "ci_auc", "coords", "ci_thresholds", "ci_se", "ci_sp", "roc_test",
    "roc_test_delong", "are_paired", "r_factor_levels", "icu_root_key",
    "MatrixPredictorWarning", "MatrixResponseWarning", "InfinitePredictorWarning",
]


class MatrixPredictorWarning(DeprecationWarning):
    """pROC: "Deprecated use a matrix as predictor. Unexpected results may be produced, ..."."""


class MatrixResponseWarning(DeprecationWarning):
    """pROC: "Deprecated use a matrix as response. Unexpected results may be produced, ..."."""


class InfinitePredictorWarning(UserWarning):
    """pROC: "Infinite values(s) in predictor, cannot build a valid ROC curve. NaN returned instead."."""


# DeprecationWarning is hidden by default outside __main__; pROC's matrix warnings are part of
# the subject's visible behaviour (design.md), so show them once per call site everywhere.
warnings.filterwarnings("default", category=MatrixPredictorWarning)
warnings.filterwarnings("default", category=MatrixResponseWarning)

_INF_MSG = "Infinite values(s) in predictor, cannot build a valid ROC curve. NaN returned instead."


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
    """`levels(as.factor(response))`: numbers sorted numerically, logicals FALSE < TRUE,
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
# R's text form of a value (pROC matches levels as text)
# --------------------------------------------------------------------------------------------
_TEN_L = [np.longdouble(10) ** i for i in range(28)]


def _r_num_str(x: float) -> str:
    """R's `as.character(<double>)` (R 4.2: formatReal with 15 significant digits, scientific()
    in long double, fixed notation unless scientific is narrower). Measured: equal to R on 2,921
    of 2,922 random doubles spanning 1e-17..1e17; integers and short decimals always equal."""
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    if x == 0:
        return "0"
    digits = 15
    neg = x < 0
    r = -x if neg else x
    kp = int(math.floor(math.log10(r))) - digits + 1
    rp = np.longdouble(r)
    if abs(kp) <= 27:
        if kp > 0:
            rp /= _TEN_L[kp]
        elif kp < 0:
            rp *= _TEN_L[-kp]
    else:
        rp /= np.power(np.longdouble(10), np.longdouble(kp))
    if rp < _TEN_L[digits - 1]:
        rp *= 10
        kp -= 1
    alpha = float(np.rint(rp))
    nsig = digits
    for _ in range(digits):
        alpha /= 10.0
        if alpha == math.floor(alpha):
            nsig -= 1
        else:
            break
    if nsig == 0:
        nsig, kp = 1, kp + 1
    kpower = kp + digits - 1
    rgt = max(0, min(digits - kpower, 22))
    widens = 0 < kpower <= 22 and r < float(_TEN_L[kpower]) - 0.5 / float(_TEN_L[rgt])
    left = kpower + 1 - (1 if widens else 0)
    rgt_f = max(0, nsig - kpower - 1)
    w_fixed = neg + (left if left > 0 else 1) + (rgt_f + 1 if rgt_f else 0)
    w_sci = neg + (nsig + 1 if nsig > 1 else nsig) + 2 + (2 if abs(kpower) < 100 else 3)
    if w_fixed <= w_sci:
        return "%.*f" % (rgt_f, x)
    mant, ex = ("%.*e" % (nsig - 1, x)).split("e")
    return f"{mant}e{'-' if int(ex) < 0 else '+'}{abs(int(ex)):02d}"


def _r_key(v: Any) -> str | None:
    """`as.character(v)` for one label or level (None for NA)."""
    if _is_na_scalar(v):
        return None
    if isinstance(v, (bool, np.bool_)):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return _r_num_str(float(v))
    return str(v)


def _is_plain_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _level_masks(resp: np.ndarray, lv: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Rows equal to the control / case level, as pROC matches them: numbers against numbers
    numerically, anything else as R's text (`as.character`), NA never."""
    if resp.dtype.kind in "iuf" and all(_is_plain_number(v) for v in lv):
        return resp == lv[0], resp == lv[1]
    if resp.dtype.kind == "b" and all(isinstance(v, (bool, np.bool_)) for v in lv):
        return resp == lv[0], resp == lv[1]
    keys = [_r_key(v) for v in resp.tolist()]
    k0, k1 = _r_key(lv[0]), _r_key(lv[1])
    return (np.fromiter((k == k0 for k in keys), dtype=bool, count=len(keys)),
            np.fromiter((k == k1 for k in keys), dtype=bool, count=len(keys)))


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


def _r_quantile(x: np.ndarray, probs: Sequence[float]) -> np.ndarray:
    """R's quantile(x, probs) (type 7): x[lo] + interpolation `(1 - h) * x[lo] + h * x[hi]`,
    with R's own operations (NumPy's "linear" rounds differently in the last bit)."""
    s = np.sort(np.asarray(x, dtype=np.float64))
    n = s.size
    if n == 0:
        return np.full(len(probs), np.nan)
    out = []
    for p in probs:
        index = 1 + max(n - 1, 0) * p
        lo, hi = math.floor(index), math.ceil(index)
        qs = s[lo - 1]
        if index > lo and s[hi - 1] != qs:
            h = index - lo
            qs = (1 - h) * qs + h * s[hi - 1]
        out.append(float(qs))
    return np.array(out)


def _ci_probs(conf_level: float) -> list[float]:
    return [0 + (1 - conf_level) / 2, .5, 1 - (1 - conf_level) / 2]


def _check_conf(conf_level: float) -> None:
    if not 0 <= conf_level <= 1:
        raise ValueError(f"conf.level must be within the interval [0,1], got {conf_level!r}")


def _match_arg(arg: Any, choices: Sequence[str], what: str, several_ok: bool = False) -> list[str] | str:
    """R's match.arg: exact, else unique-prefix (pmatch) matching; with several_ok, unmatched
    entries are dropped as long as one matches (R does the same)."""
    if isinstance(arg, str):
        args = [arg]
    elif isinstance(arg, (list, tuple, np.ndarray)) and all(isinstance(a, str) for a in arg):
        args = list(arg)
    else:
        raise ValueError(f"'{what}' must be a character value among {list(choices)}, got {arg!r}")
    if not several_ok and len(args) != 1:
        raise ValueError(f"'{what}' must be of length 1, got {args!r}")
    out = []
    for a in args:
        if a in choices:
            out.append(a)
            continue
        hits = [c for c in choices if c.startswith(a)] if a else []
        if len(hits) == 1:
            out.append(hits[0])
    if not out:
        raise ValueError(f"'{what}' should be one of {', '.join(repr(c) for c in choices)}; got {arg!r}")
    return out if several_ok else out[0]


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

    se = tp / n_cases and sp = (n_controls - fp) / n_controls, as pROC divides (NaN when a
    class is empty, as in a bootstrap resample without controls)."""
    u = np.unique(np.concatenate((controls, cases)))
    assert u.size == n_unique
    sc, sk = np.sort(controls), np.sort(cases)
    n0, n1 = controls.size, cases.size
    with np.errstate(divide="ignore", invalid="ignore"):
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


def _curve(controls: np.ndarray, cases: np.ndarray, direction: str, percent: bool):
    """pROC roc.cc.nochecks: thresholds, se, sp (x100 when percent), sorted by increasing sp."""
    thr = _thresholds(np.concatenate((controls, cases)), direction)
    se, sp = _sesp(controls, cases, direction, thr.size - 1)
    if direction == ">":
        thr = thr[::-1]  # sort.roc: specificities must increase
    if percent:
        se, sp = se * 100, sp * 100
    return thr, se, sp


def _trapezoid_auc(se: np.ndarray, sp: np.ndarray) -> float:
    """pROC auc.roc (full AUC): sum(means.vert * diffs.x) over specificity-sorted points."""
    diffs_x = sp[1:] - sp[:-1]
    means_vert = (se[1:] + se[:-1]) / 2
    return math.fsum(means_vert * diffs_x)


def _first(mask: np.ndarray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


def _partial_min(pauc: tuple, percent: bool) -> float:
    m = 100.0 if percent else 1.0
    return ((m - pauc[0]) + (m - pauc[1])) * abs(pauc[1] - pauc[0]) / 2 / m


def _auc_value(se: np.ndarray, sp: np.ndarray, percent: bool, pauc: tuple | None, focus: str,
               correct: bool, allow_invalid: bool = False) -> float:
    """pROC auc.roc on a specificity-sorted curve: full AUC, or the partial AUC between
    pauc = (hi, lo) on the specificity or sensitivity axis (interpolating at the bounds),
    McClish-corrected when `correct`; in percent units when `percent`."""
    if pauc is None:
        auc_v = _trapezoid_auc(se, sp)
    else:
        hi, lo = pauc
        x, y = (se[::-1], sp[::-1]) if focus == "sensitivity" else (sp, se)
        inc = (x <= hi) & (x >= lo)
        x_inc, y_inc = x[inc], y[inc]
        auc_v = math.fsum((y_inc[1:] + y_inc[:-1]) / 2 * (x_inc[1:] - x_inc[:-1]))
        if x_inc.size == 0:  # the whole interval lies between two points
            i_hi = _first(~(x < hi))
            if i_hi is None or i_hi == 0:
                auc_v = math.nan
            else:
                i_lo = i_hi - 1
                p_hi = (x[i_hi] - hi) / (x[i_hi] - x[i_lo])
                p_lo = (lo - x[i_lo]) / (x[i_hi] - x[i_lo])
                y_hi = y[i_hi] + p_hi * (y[i_lo] - y[i_hi])
                y_lo = y[i_lo] - p_lo * (y[i_lo] - y[i_hi])
                auc_v = (y_hi + y_lo) / 2 * (hi - lo)
        else:
            if hi not in x_inc:  # interpolate at the upper bound
                i_out = _first(~(x < hi))
                if i_out is None or i_out == 0:
                    auc_v = math.nan
                else:
                    i_in = i_out - 1
                    prop = (hi - x[i_out]) / (x[i_in] - x[i_out])
                    y_int = y[i_out] + prop * (y[i_in] - y[i_out])
                    auc_v = auc_v + (hi - x[i_in]) * (y[i_in] + y_int) / 2
            if lo not in x_inc:  # and at the lower bound
                j = _first(x > lo)
                if j is None or j == 0:
                    auc_v = math.nan
                else:
                    i_out, i_in = j - 1, j
                    prop = (x[i_in] - lo) / (x[i_in] - x[i_out])
                    y_int = y[i_in] + prop * (y[i_out] - y[i_in])
                    auc_v = auc_v + (x[i_in] - lo) * (y[i_in] + y_int) / 2
    auc_v = float(auc_v)
    if percent:
        auc_v = auc_v / 100
    if pauc is not None and correct:
        mn = _partial_min(pauc, percent)
        mx = abs(pauc[1] - pauc[0])
        if not allow_invalid and auc_v < mn:
            warnings.warn("Partial AUC correction not defined for ROC curves below the diagonal.",
                          stacklevel=3)
            auc_v = math.nan
        elif percent:
            auc_v = (100 + ((auc_v - mn) * 100 / (mx - mn))) / 2  # McClish formula adapted for %
        else:
            auc_v = (1 + ((auc_v - mn) / (mx - mn))) / 2  # McClish
    return auc_v


def _pauc_spec(partial_auc, focus: str) -> tuple[tuple | None, str]:
    """Validate pROC's partial.auc / partial.auc.focus: (hi, lo) sorted decreasing, or None."""
    if partial_auc is None or partial_auc is False:
        return None, "specificity"
    try:
        vals = [float(v) for v in partial_auc]
    except TypeError:
        vals = []
    if len(vals) != 2:
        raise ValueError("partial.auc must be either FALSE (None) or a numeric vector of length 2, "
                         f"got {partial_auc!r}")
    focus = _match_arg(focus, ["specificity", "sensitivity"], "partial.auc.focus")
    hi, lo = sorted(vals, reverse=True)
    return (hi, lo), focus


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def _as_rng(rng, what: str):
    from python_impl.rrandom import RRandom

    if rng is None:
        raise ValueError(f"{what} draws with R's RNG: pass rng=RRandom(seed) (the R code's "
                         "set.seed(seed) before the call) or rng=<int seed>")
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return RRandom(int(rng))
    if not hasattr(rng, "sample") or not hasattr(rng, "sample_int"):
        raise TypeError(f"rng must be a python_impl.rrandom.RRandom (or an int seed), got {type(rng).__name__}")
    return rng


# --------------------------------------------------------------------------------------------
# the roc object
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Roc:
    """A pROC `roc` object. Arrays are in pROC's order (sorted by increasing specificity:
    thresholds ascending for "<", descending for ">"); sensitivities, specificities and `auc`
    are in percent when `percent`. `auc` is the partial AUC when `partial_auc` is set
    ((hi, lo), as pROC sorts it), McClish-corrected when `partial_auc_correct`."""

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
    percent: bool = False
    partial_auc: tuple | None = None
    partial_auc_focus: str = "specificity"
    partial_auc_correct: bool = False

    # ---- helpers ---------------------------------------------------------------------------
    @functools.cached_property
    def _is_case_row(self) -> np.ndarray:
        """Which rows of `response`/`predictor` are cases (the rest are controls)."""
        return _level_masks(self.response, self.levels)[1]

    def _scale(self) -> float:
        return 100.0 if self.percent else 1.0

    def _has_partial(self) -> bool:
        return self.partial_auc is not None

    def _auc_spec(self, *, unpercent: bool = False) -> tuple:
        """(pauc, focus, correct) of this roc's AUC; pauc divided by 100 for an unpercented roc."""
        p = self.partial_auc
        if p is not None and unpercent and self.percent:
            p = (p[0] / 100, p[1] / 100)
        return p, self.partial_auc_focus, self.partial_auc_correct

    def with_auc(self, partial_auc=None, partial_auc_focus: str = "specificity",
                 partial_auc_correct: bool = False) -> "Roc":
        """pROC `r$auc <- auc(r, partial.auc=, partial.auc.focus=, partial.auc.correct=)`: the same
        curve carrying another AUC specification (which ci_auc, var, coords and roc_test use)."""
        pauc, focus = _pauc_spec(partial_auc, partial_auc_focus)
        a = _auc_value(self.sensitivities, self.specificities, self.percent, pauc, focus,
                       bool(partial_auc_correct) and pauc is not None)
        return replace(self, auc=a, partial_auc=pauc, partial_auc_focus=focus,
                       partial_auc_correct=bool(partial_auc_correct) and pauc is not None)

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
        if not self._has_partial():
            a = self.auc / self._scale()
            if not math.isclose(theta, a, rel_tol=1.5e-8, abs_tol=1.5e-8):  # pragma: no cover
                raise RuntimeError(f"DeLong theta {theta!r} != AUC {a!r}")
        return theta, X, Y

    def _is_perfect(self) -> bool:  # pROC roc.utils.is.perfect.curve
        best = float(np.max(self.sensitivities + self.specificities)) / self._scale()
        return abs(best - 2) < math.sqrt(np.finfo(float).eps)

    def _no_delong_for_partial(self) -> None:
        if self._has_partial():
            raise ValueError('DeLong method is not supported for partial AUC. Use method="bootstrap" '
                             "(with rng=RRandom(seed)) instead.")

    def var_delong(self) -> float:
        """pROC `var(roc)` (method "delong"): var(Y)/n_controls + var(X)/n_cases (x100^2 with percent)."""
        if self._is_perfect():
            warnings.warn("var() of a ROC curve with AUC == 1 is always 0 and can be misleading.",
                          stacklevel=2)
        self._no_delong_for_partial()
        _, X, Y = self.delong_placements()
        v = _r_var(Y) / self.controls.size + _r_var(X) / self.cases.size
        return v * 100 ** 2 if self.percent else v

    def var(self, method: str | None = None, boot_n: int = 2000, boot_stratified: bool = True,
            rng=None) -> float:
        """pROC `var(roc, method=)`: "delong" (default for a full AUC) or "bootstrap" (default
        for a partial AUC; the variance of `boot_n` resampled AUCs)."""
        if method is None:
            method = "bootstrap" if self._has_partial() else "delong"
        method = _match_arg(method, ["delong", "bootstrap"], "method")
        if method == "delong":
            return self.var_delong()
        if self._is_perfect():
            warnings.warn("var() of a ROC curve with AUC == 1 is always 0 and can be misleading.",
                          stacklevel=2)
        aucs = _boot_aucs(self, boot_n, boot_stratified, _as_rng(rng, "var(method='bootstrap')"))
        aucs = _drop_boot_nas(aucs, counted=True)
        v = _r_var(aucs)
        return v * 100 ** 2 if self.percent else v

    def ci_auc(self, conf_level: float = 0.95, method: str | None = None, boot_n: int = 2000,
               boot_stratified: bool = True, rng=None) -> tuple[float, float, float]:
        """pROC `ci.auc(roc, conf.level, method, boot.n, boot.stratified)`.

        DeLong (default for a full AUC): theta + qnorm(p) * sqrt(S) at p = (1-conf)/2, 0.5,
        1-(1-conf)/2, with S computed around theta (not around the placements' mean as var()
        does), clipped to [0, 1]; NaNs with <= 1 case/control.
        Bootstrap (default for a partial AUC): R's type-7 quantiles of `boot_n` AUCs of resampled
        curves (controls and cases resampled separately when `boot_stratified`), drawn with
        `rng` (RRandom: R's `set.seed`); NaN AUCs are dropped with pROC's warning.
        Percent: the interval in percent."""
        _check_conf(conf_level)
        if self._is_perfect():
            warnings.warn("ci.auc() of a ROC curve with AUC == 1 is always 1-1 and can be "
                          "misleading.", stacklevel=2)
        if method is None:
            method = "bootstrap" if self._has_partial() else "delong"
        method = _match_arg(method, ["delong", "bootstrap"], "method")
        if method == "bootstrap":
            aucs = _boot_aucs(self, boot_n, boot_stratified, _as_rng(rng, "ci.auc(method='bootstrap')"))
            ci = _r_quantile(_drop_boot_nas(aucs), _ci_probs(conf_level)) * self._scale()
            return (float(ci[0]), float(ci[1]), float(ci[2]))
        self._no_delong_for_partial()
        m, n = self.cases.size, self.controls.size
        if m <= 1 or n <= 1:
            return (float("nan"),) * 3
        theta, X, Y = self.delong_placements()
        sx = math.fsum((X - theta) * (X - theta)) / (m - 1)
        sy = math.fsum((Y - theta) * (Y - theta)) / (n - 1)
        sd = math.sqrt(sx / m + sy / n)
        z = norm.ppf(_ci_probs(conf_level))  # R: qnorm(p, mean, sd) = mean + sd * qnorm(p)
        ci = [min(max(theta + sd * float(zi), 0.0), 1.0) * self._scale() for zi in z]
        return (ci[0], ci[1], ci[2])

    def best(self, best_method: str = "youden", best_weights: Sequence[float] = (1, 0.5)) -> list[dict]:
        """`coords(roc, "best")`: every row whose criterion (Youden se + r*sp, r = (1-prev)/(cost*prev)
        from best_weights = (cost, prevalence); or closest.topleft) equals the maximum exactly, in
        the curve's order, within the partial-AUC region if any; the -Inf/+Inf rows are NOT
        excluded (they win when no threshold beats se + sp = 1)."""
        res = coords(self, "best", ret=["threshold", "specificity", "sensitivity"],
                     best_method=best_method, best_weights=best_weights)
        if res is None:
            return []
        return [{"threshold": float(t), "specificity": float(s), "sensitivity": float(e)}
                for t, s, e in zip(res["threshold"], res["specificity"], res["sensitivity"])]

    def coords(self, x: Any = "all", input: str = "threshold",
               ret: Sequence[str] | str = ("threshold", "specificity", "sensitivity"),
               best_method: str = "youden", best_weights: Sequence[float] = (1, 0.5)):
        """pROC `coords(roc, x, input, ret, best.method, best.weights)` (see `coords`)."""
        return coords(self, x, input, ret, best_method, best_weights)


def roc(response: Any = None, predictor: Any = None, direction: str = "auto",
        levels: Sequence | None = None, *, controls: Any = None, cases: Any = None,
        percent: bool = False, partial_auc=None, partial_auc_focus: str = "specificity",
        partial_auc_correct: bool = False, collation: str = "icu") -> Roc | float:
    """pROC `roc(response, predictor, direction=, levels=, percent=, partial.auc=, ...)`
    (na.rm=TRUE) or `roc(controls=, cases=)`.

    levels: (control, case); default the first two of `levels(as.factor(response))` (with a
    warning when there are more). Given levels are matched as pROC does, as text when the
    response or a level is not numeric (`levels=(1, 5)` on a factor with labels "1".."5",
    `levels=("0", "1")` on a 0/1 numeric response). collation: "icu" (R's default with ICU in any
    locale but "C"/"POSIX", C.UTF-8 included) or "c" (R under LC_COLLATE=C); only matters for
    string labels. Rows with NA in either input are dropped, then rows whose label is not a level.
    An n x 1 (any 2-D) predictor is read column-major with a MatrixPredictorWarning, like pROC; a
    pandas *ordered* categorical predictor becomes `as.numeric(as.character(x))` (its codes, with
    pROC's warning, when the labels are not numbers).
    Returns NaN (float) with an InfinitePredictorWarning when a kept predictor value is +-Inf.
    """
    if direction not in ("auto", "<", ">"):
        raise ValueError("direction must be 'auto', '<' or '>'")
    pauc, focus = _pauc_spec(partial_auc, partial_auc_focus)
    if response is not None and predictor is not None:
        if controls is not None or cases is not None:
            raise ValueError("'cases/controls' argument incompatible with 'response/predictor'.")
        built = _roc_response_predictor(response, predictor, levels, collation)
        if built is None:
            return float("nan")
        ctrl, case, resp_k, pred_k, resp, pred, idx, lv = built
    elif controls is not None and cases is not None:
        ctrl, case = _as_ordered_pair(controls, cases)
        ctrl, case = ctrl[~np.isnan(ctrl)], case[~np.isnan(case)]
        if ctrl.size == 0:
            raise ValueError("No control observation.")
        if case.size == 0:
            raise ValueError("No case observation.")
        if np.isinf(ctrl).any() or np.isinf(case).any():
            warnings.warn(_INF_MSG, InfinitePredictorWarning, stacklevel=2)
            return float("nan")
        pred = np.concatenate((ctrl, case))
        resp = np.concatenate((np.zeros(ctrl.size), np.ones(case.size)))
        resp_k, pred_k, idx, lv = resp, pred, np.arange(pred.size), (0, 1)
    else:
        raise ValueError("No valid data provided: pass response and predictor, or controls and cases.")

    if direction == "auto":
        direction = "<" if _r_median(ctrl) <= _r_median(case) else ">"
    thr, se, sp = _curve(ctrl, case, direction, percent)
    correct = bool(partial_auc_correct) and pauc is not None
    auc_v = _auc_value(se, sp, percent, pauc, focus, correct)
    return Roc(auc=auc_v, direction=direction, levels=lv, thresholds=_readonly(thr),
               sensitivities=_readonly(se), specificities=_readonly(sp),
               controls=_readonly(ctrl), cases=_readonly(case),
               response=_readonly(resp_k), predictor=_readonly(pred_k),
               original_response=_readonly(resp), original_predictor=_readonly(pred),
               kept=_readonly(idx), percent=bool(percent), partial_auc=pauc,
               partial_auc_focus=focus, partial_auc_correct=correct)


def _as_predictor(predictor: Any) -> np.ndarray:
    """Numeric predictor as pROC accepts it (numeric vector, matrix, ordered factor)."""
    if hasattr(predictor, "cat") and hasattr(predictor.cat, "categories"):
        predictor = predictor.array  # pandas Series of a categorical -> the Categorical
    if hasattr(predictor, "categories") and hasattr(predictor, "codes"):
        if not getattr(predictor, "ordered", False):
            raise TypeError("Predictor must be numeric or ordered (an unordered categorical is neither).")
        codes = np.asarray(predictor.codes)
        try:  # R: as.numeric(as.character(predictor))
            vals = np.array([float(c) for c in predictor.categories], dtype=np.float64)
        except (TypeError, ValueError):
            warnings.warn("Ordered predictor converted to numeric vector. Threshold values will not "
                          "correspond to values in predictor.", stacklevel=3)
            vals = np.arange(1, len(predictor.categories) + 1, dtype=np.float64)
        return np.where(codes < 0, np.nan, vals[np.maximum(codes, 0)])
    if hasattr(predictor, "to_numpy"):
        predictor = predictor.to_numpy()
    pred = np.asarray(predictor)
    if pred.dtype.kind not in "iuf":
        raise TypeError("Predictor must be numeric or ordered.")
    if pred.ndim == 2:
        warnings.warn("Deprecated use a matrix as predictor. Unexpected results may be produced, "
                      "please pass a numeric vector.", MatrixPredictorWarning, stacklevel=3)
        pred = pred.ravel(order="F")
    elif pred.ndim != 1:
        raise ValueError("predictor must be 1-D or a matrix")
    return pred.astype(np.float64)


def _as_ordered_pair(controls: Any, cases: Any) -> tuple[np.ndarray, np.ndarray]:
    """pROC's controls/cases: both numeric, or both ordered factors with the same levels (codes)."""
    cat_c = hasattr(controls, "categories") or (hasattr(controls, "cat") and hasattr(controls.cat, "categories"))
    cat_k = hasattr(cases, "categories") or (hasattr(cases, "cat") and hasattr(cases.cat, "categories"))
    if cat_c or cat_k:
        c = controls.array if hasattr(controls, "cat") else controls
        k = cases.array if hasattr(cases, "cat") else cases
        if not (cat_c and cat_k and getattr(c, "ordered", False) and getattr(k, "ordered", False)):
            raise TypeError("Cases and controls must both be numeric or both ordered.")
        if list(c.categories) != list(k.categories):
            raise ValueError("Levels of cases and controls differ.")
        to_num = (lambda a: np.where(np.asarray(a.codes) < 0, np.nan, np.asarray(a.codes) + 1.0))
        return to_num(c), to_num(k)
    c, k = np.asarray(controls), np.asarray(cases)
    if c.dtype.kind not in "iuf" or k.dtype.kind not in "iuf":
        raise TypeError("Cases and controls must be numeric or ordered.")
    return c.astype(np.float64).ravel(), k.astype(np.float64).ravel()


def _roc_response_predictor(response, predictor, levels, collation):
    resp, cats = _as_response(response)
    if levels is None:
        lv = cats if cats is not None else r_factor_levels(resp, collation)
        if len(lv) > 2:
            warnings.warn("'response' has more than two levels. Consider setting 'levels' "
                          "explicitly or using 'multiclass.roc' instead", stacklevel=3)
            lv = lv[:2]
        elif len(lv) < 2:
            raise ValueError("'response' must have two levels")
    else:
        lv = list(levels)
        if len(lv) != 2:
            raise ValueError("'levels' argument must have length 2")
    lv = tuple(v.item() if isinstance(v, np.generic) else v for v in lv)
    pred = _as_predictor(predictor)
    if pred.size != resp.size:
        raise ValueError("Response and predictor must be vectors of the same length.")
    keep = ~(_na_mask(resp) | np.isnan(pred))
    idx = np.flatnonzero(keep)
    r_k, p_k = resp[idx], pred[idx]
    is_ctrl, is_case = _level_masks(r_k, lv)
    controls, cases = p_k[is_ctrl], p_k[is_case]
    if controls.size == 0:
        raise ValueError("No control observation.")
    if cases.size == 0:
        raise ValueError("No case observation.")
    inlev = is_ctrl | is_case
    idx, r_k, p_k = idx[inlev], r_k[inlev], p_k[inlev]
    if np.isinf(p_k).any():
        warnings.warn(_INF_MSG, InfinitePredictorWarning, stacklevel=3)
        return None
    return controls, cases, r_k, p_k, resp, pred, idx, lv


def auc(roc_obj: Roc, partial_auc=None, partial_auc_focus: str = "specificity",
        partial_auc_correct: bool = False) -> float:
    """pROC `auc(roc, partial.auc=, partial.auc.focus=, partial.auc.correct=)`, which recomputes
    from the curve: the full AUC when no partial bounds are given (even for a roc built with
    partial.auc; its own stored value is `roc.auc`), else the (corrected) partial AUC."""
    return roc_obj.with_auc(partial_auc, partial_auc_focus, partial_auc_correct).auc


def ci_auc(roc_obj: Roc, conf_level: float = 0.95, method: str | None = None, boot_n: int = 2000,
           boot_stratified: bool = True, rng=None) -> tuple[float, float, float]:
    """pROC `ci.auc(roc, ...)`; see Roc.ci_auc."""
    return roc_obj.ci_auc(conf_level, method, boot_n, boot_stratified, rng)


# --------------------------------------------------------------------------------------------
# coords
# --------------------------------------------------------------------------------------------
_VALID_COORDS = ["specificity", "sensitivity", "accuracy", "tn", "tp", "fn", "fp", "npv", "ppv", "fdr",
                 "fpr", "tpr", "tnr", "fnr", "1-specificity", "1-sensitivity", "1-accuracy", "1-npv",
                 "1-ppv", "precision", "recall", "youden", "closest.topleft"]
_CALC_ORDER = ["threshold", "sensitivity", "specificity", "accuracy", "tn", "tp", "fn", "fp", "npv",
               "ppv", "tpr", "tnr", "fpr", "fnr", "fdr", "1-specificity", "1-sensitivity", "1-accuracy",
               "1-npv", "1-ppv", "precision", "recall", "youden", "closest.topleft"]
_MONOTONE = {"threshold": True, "sensitivity": True, "specificity": True, "accuracy": False, "tn": True,
             "tp": True, "fn": True, "fp": True, "npv": False, "ppv": False, "tpr": True, "tnr": True,
             "fpr": True, "fnr": True, "fdr": False, "1-specificity": True, "1-sensitivity": True,
             "1-accuracy": False, "1-npv": False, "1-ppv": False, "precision": False, "recall": True,
             "youden": False, "closest.topleft": False}
_DECREASING = {"sensitivity": True, "specificity": False, "tn": False, "tp": True, "fn": False, "fp": True,
               "tpr": True, "tnr": False, "fpr": True, "fnr": False, "1-specificity": True,
               "1-sensitivity": False, "recall": True}
_ALIASES = {"topleft": "closest.topleft", "t": "threshold", "npe": "1-npv", "ppe": "1-ppv"}


def _match_ret(ret) -> list[str]:
    """pROC roc.utils.match.coords.ret.args."""
    x = [ret] if isinstance(ret, str) else list(ret)
    valid = ["threshold"] + _VALID_COORDS
    if "all" in x:
        if len(x) > 1:
            raise ValueError("ret='all' can't be used with other 'ret' options.")
        return valid
    return _match_arg([_ALIASES.get(v, v) for v in x], valid, "ret", several_ok=True)


def _match_input(inp) -> str:
    """pROC roc.utils.match.coords.input.args: one monotone coordinate."""
    valid = ["threshold"] + _VALID_COORDS
    m = _match_arg(_ALIASES.get(inp, inp) if isinstance(inp, str) else inp, valid, "input")
    if not _MONOTONE[m]:
        raise ValueError(f"Coordinate '{m}' is not monotone and cannot be used as input.")
    return m


def _optim_crit(se, sp, mx: float, weights, method: str):
    """pROC roc.utils.optim.crit: youden se + r*sp, or -((mx-se)^2 + r*(mx-sp)^2)."""
    try:
        w = [float(v) for v in weights]
    except TypeError:
        w = []
    if len(w) != 2:
        raise ValueError(f"'best.weights' must be a numeric vector of length 2 (cost, prevalence), got {weights!r}")
    if w[1] <= 0 or w[1] >= 1:
        raise ValueError(f"prevalence ('best.weights[2]') must be in the interval ]0,1[, got {w[1]!r}")
    r = (1 - w[1]) / (w[0] * w[1])
    if method == "youden":
        return se + r * sp
    return -((mx - se) * (mx - se) + r * ((mx - sp) * (mx - sp)))


def _calc_coords(thr, se, sp, n_cases: int, n_controls: int, percent: bool, weights) -> dict:
    """pROC roc.utils.calc.coords: every coordinate from se/sp and the class sizes."""
    s = 100.0 if percent else 1.0
    se, sp = np.asarray(se, dtype=float), np.asarray(sp, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        tp = se * n_cases / s
        fn = n_cases - tp
        tn = sp * n_controls / s
        fp = n_controls - tn
        npv = s * tn / (tn + fn)
        ppv = s * tp / (tp + fp)
        accuracy = s * (tp + tn) / (n_cases + n_controls)
        fnr = s * fn / (tp + fn)
        fdr = s * fp / (tp + fp)
    youden = _optim_crit(se, sp, s, weights, "youden")
    topleft = -_optim_crit(se, sp, s, weights, "closest.topleft") / s
    return {"threshold": np.asarray(thr, dtype=float), "sensitivity": se, "specificity": sp,
            "accuracy": accuracy, "tn": tn, "tp": tp, "fn": fn, "fp": fp, "npv": npv, "ppv": ppv,
            "tpr": se, "tnr": sp, "fpr": s - sp, "fnr": fnr, "fdr": fdr, "1-specificity": s - sp,
            "1-sensitivity": s - se, "1-accuracy": s - accuracy, "1-npv": s - npv, "1-ppv": s - ppv,
            "precision": ppv, "recall": se, "youden": youden, "closest.topleft": topleft}


def _thr_idx(predictor: np.ndarray, direction: str, x: np.ndarray) -> np.ndarray:
    """pROC roc.utils.thr.idx: the curve point a user threshold falls on."""
    cut = np.unique(predictor)
    if direction == "<":
        cut = np.concatenate((cut, [np.inf]))
        return np.searchsorted(cut, x, side="left")  # first cut >= t
    cut = np.concatenate((cut[::-1], [-np.inf]))
    return np.searchsorted(-cut, -x, side="left")  # first cut <= t (cut descending)


def _local_maximas(thr, sp, se) -> np.ndarray:
    """pROC roc.utils.max.thresholds.idx (its final `rev()` is a no-op in pROC and here)."""
    if np.any(np.diff(sp) < 0):  # is.unsorted(sp)
        thr, sp, se = thr[::-1], sp[::-1], se[::-1]
    seen, dup = set(), np.zeros(sp.size, dtype=bool)
    for i, key in enumerate(zip(sp.tolist(), se.tolist())):
        dup[i] = key in seen
        seen.add(key)
    s_p, s_e = sp[~dup], se[~dup]
    n = s_p.size
    if n == 1:
        lm = [True]
    elif n == 2:
        lm = [s_e[0] > s_e[1], s_p[1] > s_p[0]]
    else:
        lm = [s_e[0] > s_e[1]]
        for i in range(1, n - 1):
            lm.append(bool((s_p[i] > s_p[i - 1] and s_e[i] > s_e[i + 1]) or (s_p[i] > s_p[i - 1] and s_e[i] == 0)
                           or (s_e[i] > s_e[i - 1] and s_p[i] == 1)))
        lm.append(s_p[n - 1] > s_p[n - 2])
    out = np.zeros(sp.size, dtype=bool)
    out[~dup] = lm
    return out


def _coords_arrays(thr, se, sp, predictor, direction, percent, n_cases, n_controls, pauc, focus,
                   x, input, ret, best_method, best_weights) -> dict | None:
    """pROC coords.roc on explicit curve arrays (sorted by increasing sp): {name: column}."""
    input = _match_input(input)
    ret = _match_ret(ret)
    scale = 100.0 if percent else 1.0
    if x is None or (isinstance(x, (list, tuple)) and len(x) == 0):
        x = "all"
    if isinstance(x, str) or (isinstance(x, (list, tuple)) and x and all(isinstance(v, str) for v in x)):
        x = _match_arg(x, ["all", "local maximas", "best"], "x")
        if pauc is None:
            mask = np.ones(se.size, dtype=bool)
        else:
            axis = se if focus == "sensitivity" else sp
            mask = (axis <= pauc[0]) & (axis >= pauc[1])
        cols: dict = {}
        if x == "all":
            cols = {"threshold": thr[mask], "specificity": sp[mask], "sensitivity": se[mask]}
        elif x == "local maximas":
            t_m, sp_m, se_m = thr[mask], sp[mask], se[mask]
            if t_m.size:
                lm = _local_maximas(t_m, sp_m, se_m)
                cols = {"threshold": t_m[lm], "specificity": sp_m[lm], "sensitivity": se_m[lm]}
            else:
                cols = {"threshold": t_m}
        else:
            if not isinstance(best_method, str):
                raise ValueError(f"'best.method' must be 'youden' or 'closest.topleft', got {best_method!r}")
            bm = _match_arg(best_method, ["youden", "closest.topleft", "topleft"], "best.method")
            bm = "closest.topleft" if bm == "topleft" else bm
            crit = _optim_crit(se, sp, scale, best_weights, bm)
            idx = np.flatnonzero(mask)
            c_m = crit[idx]
            sel = idx[c_m == np.max(c_m)] if idx.size else idx
            cols = {"threshold": thr[sel], "specificity": sp[sel], "sensitivity": se[sel],
                    bm: (1.0 if bm == "youden" else -1.0) * crit[sel]}
        if cols["threshold"].size == 0:
            warnings.warn("No coordinates found, returning NULL. This is possibly cased by a too "
                          "small partial AUC interval.", stacklevel=3)
            return None
    else:
        xs = np.atleast_1d(np.asarray(x))
        if xs.dtype.kind not in "iuf":
            raise ValueError("'x' must be a numeric or character vector.")
        xs = xs.astype(np.float64).ravel()
        if xs.size == 0:
            raise ValueError("Numeric 'x' has length 0")
        if input == "threshold":
            j = _thr_idx(predictor, direction, xs)
            cols = {"threshold": xs, "specificity": sp[j], "sensitivity": se[j]}
        else:
            if input in ("sensitivity", "specificity"):
                iv, t_all = (se if input == "sensitivity" else sp), thr
            else:
                allc = _calc_coords(np.full(se.size, np.nan), se, sp, n_cases, n_controls, percent, best_weights)
                iv, t_all = allc[input], allc["threshold"]
            out_t, out_se, out_sp = (np.full(xs.size, np.nan) for _ in range(3))
            lo_v, hi_v = float(np.min(iv)), float(np.max(iv))
            for i, value in enumerate(xs.tolist()):
                if not (lo_v <= value <= hi_v):
                    raise ValueError(f"Input {input} ({value:.15g}) not in range ({lo_v:.15g}-{hi_v:.15g})")
                hits = np.flatnonzero(iv == value)
                if hits.size:
                    k = int(hits[-1] if _DECREASING[input] else hits[0])
                    out_t[i], out_se[i], out_sp[i] = t_all[k], se[k], sp[k]
                else:
                    nxt = _first(iv < value) if _DECREASING[input] else _first(iv > value)
                    prop = (value - iv[nxt]) / (iv[nxt - 1] - iv[nxt])
                    out_se[i] = se[nxt] + prop * (se[nxt - 1] - se[nxt])
                    out_sp[i] = sp[nxt] + prop * (sp[nxt - 1] - sp[nxt])
            cols = {"threshold": out_t, "sensitivity": out_se, "specificity": out_sp}
    if any(r not in cols for r in ret):
        cols = _calc_coords(cols["threshold"], cols["sensitivity"], cols["specificity"], n_cases,
                            n_controls, percent, best_weights)
    return {r: np.asarray(cols[r], dtype=float) for r in ret}


def coords(roc_obj: Roc, x: Any = "all", input: str = "threshold",
           ret: Sequence[str] | str = ("threshold", "specificity", "sensitivity"),
           best_method: str = "youden", best_weights: Sequence[float] = (1, 0.5)):
    """pROC `coords(roc, x, input, ret, best.method, best.weights, transpose = FALSE)`.

    x: "all", "best", "local maximas" (R's partial names like "b" work) or numbers of `input`
    ("threshold", or any monotone coordinate: "specificity", "sensitivity", "tp", "fpr", ...;
    intermediate values are interpolated as pROC does). ret: names of pROC's coordinates
    ("all", "threshold", "specificity", "sensitivity", "accuracy", "tn", "tp", "fn", "fp", "npv",
    "ppv", "fdr", "tpr", "tnr", "fpr", "fnr", "1-specificity", ..., "precision", "recall",
    "youden", "closest.topleft"; aliases "t", "topleft", "npe", "ppe" and unique prefixes).
    best_weights = (cost of a false negative relative to a false positive, prevalence).
    "all"/"best"/"local maximas" stay inside the roc's partial-AUC region, as in pROC.
    Returns a pandas DataFrame (one row per point, columns in `ret` order), or None with pROC's
    warning when no point is left."""
    import pandas as pd

    cols = _coords_arrays(roc_obj.thresholds, roc_obj.sensitivities, roc_obj.specificities,
                          roc_obj.predictor, roc_obj.direction, roc_obj.percent, roc_obj.cases.size,
                          roc_obj.controls.size, roc_obj.partial_auc, roc_obj.partial_auc_focus, x,
                          input, ret, best_method, best_weights)
    if cols is None:
        return None
    names = _match_ret(ret)
    return pd.DataFrame(np.column_stack([cols[n] for n in names]) if names else None, columns=names)


# --------------------------------------------------------------------------------------------
# bootstrap (pROC bootstrap.R), every draw through RRandom in R's order
# --------------------------------------------------------------------------------------------
def _resample(r: Roc, rng, stratified: bool) -> tuple[np.ndarray, np.ndarray]:
    """One resample: `sample(roc$controls, replace=TRUE); sample(roc$cases, replace=TRUE)`
    (stratified) or `sample(1:length(roc$predictor), replace=TRUE)` split by class. R's
    `sample()` rules apply, including its length-1 pitfall (sample(5) means 1:5)."""
    if stratified:
        return (np.asarray(rng.sample(np.asarray(r.controls), replace=True), dtype=float),
                np.asarray(rng.sample(np.asarray(r.cases), replace=True), dtype=float))
    idx = rng.sample(np.arange(1, r.predictor.size + 1), replace=True) - 1
    pred, case = r.predictor[idx], r._is_case_row[idx]
    return pred[~case], pred[case]


def _drop_boot_nas(aucs: np.ndarray, counted: bool = False) -> np.ndarray:
    bad = np.isnan(aucs)
    if bad.any():
        msg = (f"{int(bad.sum())} NA value(s) produced during bootstrap were ignored." if counted
               else "NA value(s) produced during bootstrap were ignored.")
        warnings.warn(msg, stacklevel=3)
    return aucs[~bad]


def _boot_aucs(r: Roc, boot_n: int, stratified: bool, rng) -> np.ndarray:
    """pROC (non)stratified.ci.auc x boot_n on the unpercented roc (AUCs as fractions)."""
    pauc, focus, correct = r._auc_spec(unpercent=True)
    out = np.empty(int(boot_n))
    for i in range(int(boot_n)):
        ctrl, case = _resample(r, rng, stratified)
        if ctrl.size == 0:
            raise ValueError(_NO_CONTROL_RESAMPLE)
        _, se, sp = _curve(ctrl, case, r.direction, False)
        out[i] = _auc_value(se, sp, False, pauc, focus, correct, allow_invalid=True)  # no case: NaN
    return out


_NO_CONTROL_RESAMPLE = ("a non-stratified bootstrap resample has no control: pROC stops here too ('missing "
                        "value where TRUE/FALSE needed' in sort.roc); use boot_stratified=True or more controls")


def _boot_coord(r: Roc, values: np.ndarray, input: str, ret: str, boot_n: int, stratified: bool,
                rng) -> np.ndarray:
    """pROC (non)stratified.ci.se / ci.sp: coords(<resampled roc>, values, input, ret) per resample."""
    out = np.empty((int(boot_n), values.size))
    for i in range(int(boot_n)):
        ctrl, case = _resample(r, rng, stratified)
        if ctrl.size == 0 or (case.size == 0 and input == "sensitivity"):
            raise ValueError(_NO_CONTROL_RESAMPLE if ctrl.size == 0 else
                             "a non-stratified bootstrap resample has no case: pROC stops here too (NA "
                             "sensitivities in coords); use boot_stratified=True or more cases")
        thr, se, sp = _curve(ctrl, case, r.direction, r.percent)
        out[i] = _coords_arrays(thr, se, sp, r.predictor, r.direction, r.percent, case.size, ctrl.size,
                                None, "specificity", values, input, [ret], "youden", (1, 0.5))[ret]
    return out


def _quantile_rows(perfs: np.ndarray, conf_level: float) -> np.ndarray:
    bad = np.isnan(perfs).any(axis=1)
    if bad.any():
        warnings.warn("NA value(s) produced during bootstrap were ignored.", stacklevel=3)
        perfs = perfs[~bad]
    return np.array([_r_quantile(perfs[:, j], _ci_probs(conf_level)) for j in range(perfs.shape[1])])


def _ci_coord(fn: str, roc_obj: Roc, at, given: str, want: str, conf_level: float, boot_n: int,
              boot_stratified: bool, rng) -> np.ndarray:
    """ci.se / ci.sp: bootstrap quantiles of `want` at each value of `given` (default
    seq(0, 1, .1), x100 with percent)."""
    _check_conf(conf_level)
    if roc_obj._is_perfect():
        warnings.warn(f"{fn}() of a ROC curve with AUC == 1 is always a null interval and can be "
                      "misleading.", stacklevel=3)
    at = np.arange(11) * .1 * (100 if roc_obj.percent else 1) if at is None \
        else np.atleast_1d(np.asarray(at, dtype=float))
    perfs = _boot_coord(roc_obj, at, given, want, boot_n, boot_stratified, _as_rng(rng, fn))
    return _quantile_rows(perfs, conf_level)


def ci_se(roc_obj: Roc, specificities: Sequence[float] | None = None, conf_level: float = 0.95,
          boot_n: int = 2000, boot_stratified: bool = True, rng=None) -> np.ndarray:
    """pROC `ci.se(roc, specificities = seq(0, 1, .1) (x100 with percent), conf.level, boot.n,
    boot.stratified)`: a (len(specificities), 3) array of the sensitivity's 2.5/50/97.5%
    bootstrap quantiles (for conf_level 0.95) at each specificity."""
    return _ci_coord("ci.se", roc_obj, specificities, "specificity", "sensitivity", conf_level, boot_n,
                     boot_stratified, rng)


def ci_sp(roc_obj: Roc, sensitivities: Sequence[float] | None = None, conf_level: float = 0.95,
          boot_n: int = 2000, boot_stratified: bool = True, rng=None) -> np.ndarray:
    """pROC `ci.sp(roc, sensitivities = seq(0, 1, .1), ...)`: the specificity's bootstrap
    quantiles at each sensitivity, a (len(sensitivities), 3) array."""
    return _ci_coord("ci.sp", roc_obj, sensitivities, "sensitivity", "specificity", conf_level, boot_n,
                     boot_stratified, rng)


def ci_thresholds(roc_obj: Roc, conf_level: float = 0.95, boot_n: int = 2000,
                  boot_stratified: bool = True, thresholds: Any = "local maximas", rng=None) -> dict:
    """pROC `ci.thresholds(roc, conf.level, boot.n, boot.stratified, thresholds)`: bootstrap
    quantiles of specificity and sensitivity at fixed thresholds ("local maximas" (default),
    "best", "all", numbers, or a boolean mask of roc.thresholds). Returns {"thresholds": (k,),
    "specificity": (k, 3), "sensitivity": (k, 3)} (percent when the roc is)."""
    _check_conf(conf_level)
    if roc_obj._is_perfect():
        warnings.warn("ci.thresholds() of a ROC curve with AUC == 1 is always a null interval and "
                      "can be misleading.", stacklevel=2)
    if isinstance(thresholds, str):
        which = _match_arg(thresholds, ["all", "best", "local maximas"], "thresholds")
        thr = np.asarray(coords(roc_obj, which, input="threshold", ret="threshold")["threshold"], dtype=float)
    elif np.asarray(thresholds).dtype == bool:
        thr = roc_obj.thresholds[np.asarray(thresholds)]
    else:
        thr = np.atleast_1d(np.asarray(thresholds, dtype=float))
    rng = _as_rng(rng, "ci.thresholds")
    k = thr.size
    sp_b, se_b = np.empty((int(boot_n), k)), np.empty((int(boot_n), k))
    for i in range(int(boot_n)):
        ctrl, case = _resample(roc_obj, rng, boot_stratified)
        if ctrl.size == 0 or case.size == 0:
            # pROC's nonstratified.ci.thresholds gets NULL controls/cases from split() and its
            # result array loses a dimension: R stops with "incorrect number of dimensions"
            raise ValueError("pROC ci.thresholds: a non-stratified bootstrap resample drew no "
                             f"{'controls' if ctrl.size == 0 else 'cases'}; R stops here with 'incorrect "
                             "number of dimensions' (use boot_stratified=True)")
        sc, sk = np.sort(ctrl), np.sort(case)
        with np.errstate(divide="ignore", invalid="ignore"):
            if roc_obj.direction == ">":  # roc.utils.perfs: tp = cases <= t, tn = controls > t
                tp = np.searchsorted(sk, thr, side="right")
                tn = sc.size - np.searchsorted(sc, thr, side="right")
            else:  # tp = cases >= t, tn = controls < t
                tp = sk.size - np.searchsorted(sk, thr, side="left")
                tn = np.searchsorted(sc, thr, side="left")
            sp_b[i], se_b[i] = tn / sc.size, tp / sk.size
    bad = np.isnan(sp_b).any(axis=1) | np.isnan(se_b).any(axis=1)
    if bad.any():
        warnings.warn("NA value(s) produced during bootstrap were ignored." if k > 1 else
                      "NaN value(s) in bootstrap ignored in confidence interval.", stacklevel=2)
        sp_b, se_b = sp_b[~bad], se_b[~bad]
    s = 100.0 if roc_obj.percent else 1.0
    q = _ci_probs(conf_level)
    return {"thresholds": thr,
            "specificity": np.array([_r_quantile(sp_b[:, j], q) for j in range(k)]).reshape(k, 3) * s,
            "sensitivity": np.array([_r_quantile(se_b[:, j], q) for j in range(k)]).reshape(k, 3) * s}


# --------------------------------------------------------------------------------------------
# pairing and tests
# --------------------------------------------------------------------------------------------
def _same_labels(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    na_a, na_b = _na_mask(a), _na_mask(b)
    if not np.array_equal(na_a, na_b):
        return False
    return all(x == y for x, y in zip(a[~na_a].tolist(), b[~na_b].tolist()))


def _same_levels(l1: tuple, l2: tuple) -> bool:
    return len(l1) == len(l2) and all(type(a) is type(b) and a == b or (_is_plain_number(a) and _is_plain_number(b) and a == b)
                                      for a, b in zip(l1, l2))


def are_paired(roc1: Roc, roc2: Roc) -> bool:
    """pROC `are.paired(roc1, roc2)`: same levels and the same response (or the same original
    response before NA removal)."""
    if not _same_levels(roc1.levels, roc2.levels):
        return False
    if np.array_equal(roc1.kept, roc2.kept) and _same_labels(roc1.response, roc2.response):
        return True
    return _same_labels(roc1.original_response, roc2.original_response)


def _paired_rocs(roc1: Roc, roc2: Roc) -> tuple[Roc, Roc]:
    """pROC are.paired(return.paired.rocs = TRUE): when only the ORIGINAL responses agree
    (different NA rows in the predictors), both curves are rebuilt on the rows usable by both,
    keeping each curve's direction, percent and AUC specification."""
    if not are_paired(roc1, roc2):
        raise ValueError("The paired ROC test cannot be applied to unpaired curves.")
    if np.array_equal(roc1.kept, roc2.kept) and _same_labels(roc1.response, roc2.response):
        return roc1, roc2
    resp = roc1.original_response
    c_mask, k_mask = _level_masks(resp, roc1.levels)
    excl = (np.isnan(roc1.original_predictor) | np.isnan(roc2.original_predictor)
            | _na_mask(resp) | ~(c_mask | k_mask))
    keep = ~excl
    out = []
    for r in (roc1, roc2):
        out.append(roc(resp[keep], r.original_predictor[keep], r.direction, r.levels, percent=r.percent,
                       partial_auc=r.partial_auc, partial_auc_focus=r.partial_auc_focus,
                       partial_auc_correct=r.partial_auc_correct))
    return out[0], out[1]


def _p_value(stat: float, alternative: str, cdf) -> float:
    if alternative == "two.sided":
        return 2 * float(cdf(-abs(stat)))
    if alternative == "greater":
        return float(cdf(-stat))
    return float(cdf(stat))


def _delong_paired(roc1: Roc, roc2: Roc) -> tuple[float, float]:
    """pROC delong.paired.calculations: (d, sig)."""
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
    return t1 - t2, sig


def roc_test_delong(roc1: Roc, roc2: Roc, conf_level: float = 0.95) -> dict:
    """pROC `roc.test(roc1, roc2, method="delong", paired=TRUE)` (two-sided).

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
    roc1._no_delong_for_partial()
    roc2._no_delong_for_partial()
    roc1, roc2 = _paired_rocs(roc1, roc2)
    d, sig = _delong_paired(roc1, roc2)
    if sig == 0:
        z = 0.0 if d == 0 else math.copysign(math.inf, d)
    else:
        z = d / sig
    p = 2 * float(norm.cdf(-abs(z)))
    crit = float(norm.ppf(1 - ((1 - conf_level) / 2)))
    return {"z": z, "p_value": p, "auc1": roc1.auc, "auc2": roc2.auc,
            "conf_int": (d - crit * sig, d + crit * sig)}


def _delong_unpaired(roc1: Roc, roc2: Roc) -> tuple[float, float]:
    """pROC delong.unpaired.test: (D, df), Welch-type degrees of freedom."""
    out = []
    for r in (roc1, roc2):
        theta, X, Y = r.delong_placements()
        n, m = r.controls.size, r.cases.size
        sx = math.fsum((X - theta) * (X - theta)) / (m - 1)
        sy = math.fsum((Y - theta) * (Y - theta)) / (n - 1)
        out.append((theta, sx / m + sy / n, n + m))
    (t_r, s_r, nt_r), (t_s, s_s, nt_s) = out
    d = (t_r - t_s) / math.sqrt(s_r + s_s)
    df = (s_r + s_s) ** 2 / ((s_r ** 2 / (nt_r - 1)) + (s_s ** 2 / (nt_s - 1)))
    return d, df


def _boot_test_values(roc1: Roc, roc2: Roc, test: str, x, paired: bool, boot_n: int,
                      stratified: bool, rng) -> np.ndarray:
    """pROC (non)stratified.bootstrap.test x boot_n: (boot_n, 2) AUCs (or se/sp at x) of both
    curves on resamples (the same rows for both when paired); NaN where pROC's try() fails."""
    specs = [r._auc_spec() for r in (roc1, roc2)]
    out = np.full((int(boot_n), 2), np.nan)
    for i in range(int(boot_n)):
        if stratified:
            i_c1 = rng.sample(np.arange(1, roc1.controls.size + 1), replace=True) - 1
            i_k1 = rng.sample(np.arange(1, roc1.cases.size + 1), replace=True) - 1
            if paired:
                i_c2, i_k2 = i_c1, i_k1
            else:
                i_c2 = rng.sample(np.arange(1, roc2.controls.size + 1), replace=True) - 1
                i_k2 = rng.sample(np.arange(1, roc2.cases.size + 1), replace=True) - 1
            samples = [(roc1.controls[i_c1], roc1.cases[i_k1]), (roc2.controls[i_c2], roc2.cases[i_k2])]
        else:
            i1 = rng.sample(np.arange(1, roc1.response.size + 1), replace=True) - 1
            i2 = i1 if paired else rng.sample(np.arange(1, roc2.response.size + 1), replace=True) - 1
            samples = []
            for r, ii in ((roc1, i1), (roc2, i2)):
                case = r._is_case_row[ii]
                samples.append((r.predictor[ii][~case], r.predictor[ii][case]))
            if any(c.size == 0 or k.size == 0 for c, k in samples):  # roc.rp.nochecks stops
                continue
        vals = []
        for r, (ctrl, case), (pauc, focus, correct) in zip((roc1, roc2), samples, specs):
            thr, se, sp = _curve(ctrl, case, r.direction, r.percent)
            if test == "boot":
                vals.append(_auc_value(se, sp, r.percent, pauc, focus, correct, allow_invalid=True))
            else:
                inp, ret = ("specificity", "sensitivity") if test == "sp" else ("sensitivity", "specificity")
                vals.append(_coords_arrays(thr, se, sp, r.predictor, r.direction, r.percent, case.size,
                                           ctrl.size, None, "specificity", np.array([x]), inp, [ret],
                                           "youden", (1, 0.5))[ret][0])
        out[i] = vals
    return out


def roc_test(roc1: Roc, roc2: Roc, method: str | None = None, paired: bool | None = None,
             alternative: str = "two.sided", boot_n: int = 2000, boot_stratified: bool = True,
             conf_level: float = 0.95, rng=None, specificity: float | None = None,
             sensitivity: float | None = None) -> dict:
    """pROC `roc.test(roc1, roc2, method, paired, alternative, boot.n, boot.stratified,
    conf.level, specificity, sensitivity)`.

    method: "delong" (default; "bootstrap" by default for partial AUCs or different
    directions), "bootstrap", "specificity" / "sensitivity" (bootstrap test of the sensitivity at
    `specificity` / the specificity at `sensitivity`). paired: None = pROC's are.paired().
    Unpaired DeLong is a t test with Welch-type df; bootstrap D = (auc1 - auc2) / sd(diffs), a z.
    Returns {"statistic", "p_value", "method", "alternative", "paired", "estimate": (auc1, auc2),
    "conf_int" (paired DeLong only, else None), "df" (unpaired DeLong only), "boot_n",
    "boot_stratified", "roc1", "roc2" (the curves tested: rebuilt on common rows when paired)}."""
    alternative = _match_arg(alternative, ["two.sided", "less", "greater"], "alternative")
    if roc1._is_perfect() and roc2._is_perfect():
        warnings.warn("roc.test() of two ROC curves with AUC == 1 has always p.value = 1 and "
                      "can be misleading.", stacklevel=2)
    if paired is None:
        paired = are_paired(roc1, roc2)
        if paired:
            roc1, roc2 = _paired_rocs(roc1, roc2)
    elif paired:
        roc1, roc2 = _paired_rocs(roc1, roc2)
    elif are_paired(roc1, roc2):
        warnings.warn("The ROC curves seem to be paired. Consider performing a paired roc.test.", stacklevel=2)
    if roc1._auc_spec() != roc2._auc_spec() or roc1.percent != roc2.percent:
        warnings.warn("Different AUC specifications in the ROC curves. Enforcing the inconsistency, "
                      "but unexpected results may be produced.", stacklevel=2)
    if method is None:
        method = "bootstrap" if roc1._has_partial() or roc1.direction != roc2.direction else "delong"
    method = _match_arg(method, ["delong", "bootstrap", "venkatraman", "sensitivity", "specificity"], "method")
    res = {"method": None, "alternative": alternative, "paired": bool(paired),
           "estimate": (roc1.auc, roc2.auc), "conf_int": None, "df": None, "boot_n": None,
           "boot_stratified": None, "roc1": roc1, "roc2": roc2}
    if method == "venkatraman":
        raise NotImplementedError("Venkatraman's test is not ported; use method='bootstrap' or 'delong'")
    if method == "delong":
        if roc1._has_partial() or roc2._has_partial():
            raise ValueError("DeLong's test is not supported for partial AUC. Use method=\"bootstrap\" instead.")
        if roc1.direction != roc2.direction:
            warnings.warn("DeLong's test should not be applied to ROC curves with a different direction.",
                          stacklevel=2)
        _check_conf(conf_level)
        if paired:
            d, sig = _delong_paired(roc1, roc2)
            z = d / sig if sig != 0 else (0.0 if d == 0 else math.copysign(math.inf, d))
            crit = float(norm.ppf(1 - ((1 - conf_level) / 2)))
            res.update(statistic=z, p_value=_p_value(z, alternative, norm.cdf),
                       method="DeLong's test for two correlated ROC curves",
                       conf_int=(d - crit * sig, d + crit * sig))
        else:
            d, df = _delong_unpaired(roc1, roc2)
            res.update(statistic=d, df=df, p_value=_p_value(d, alternative, lambda v: student_t.cdf(v, df)),
                       method="DeLong's test for two ROC curves")
        return res
    rng = _as_rng(rng, f"roc.test(method='{method}')")
    if method == "bootstrap":
        test, x = "boot", None
        name = "Bootstrap test for two correlated ROC curves" if paired else "Bootstrap test for two ROC curves"
    else:
        value = specificity if method == "specificity" else sensitivity
        if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
            raise ValueError(f"Argument '{method}' must be numeric of length 1 for a {method} test.")
        test, x = ("sp" if method == "specificity" else "se"), float(value)
        name = f"{method.capitalize()} test for two {'correlated ' if paired else ''}ROC curves"
    vals = _boot_test_values(roc1, roc2, test, x, paired, boot_n, boot_stratified, rng)
    diffs = vals[:, 0] - vals[:, 1]
    bad = np.isnan(diffs)
    if bad.any():
        warnings.warn(f"{int(bad.sum())} NA value(s) produced during bootstrap were ignored.", stacklevel=2)
        diffs = diffs[~bad]
    if test == "boot":
        c1, c2 = roc1.auc, roc2.auc
    else:
        inp, ret = ("specificity", "sensitivity") if test == "sp" else ("sensitivity", "specificity")
        c1, c2 = (float(coords(r, x, input=inp, ret=ret)[ret].iloc[0]) for r in (roc1, roc2))
    sd = math.sqrt(_r_var(diffs)) if diffs.size > 1 else math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = float(np.float64(c1 - c2) / np.float64(sd))
    if math.isnan(stat) and diffs.size and np.all(diffs == 0) and roc1.auc == roc2.auc:
        stat = 0.0  # pROC: no difference between the AUCs gives 0, not NaN
    res.update(statistic=stat, p_value=_p_value(stat, alternative, norm.cdf), method=name,
               boot_n=int(boot_n), boot_stratified=bool(boot_stratified))
    return res
