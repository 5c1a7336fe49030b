"""Hypotheses that need the data from the context: statistics taken over different rows (scaled
before vs after the split) and a penalised fit where the other side is unpenalised."""
from __future__ import annotations

from itertools import combinations

import numpy as np

from parity.diagnoses._core import (Diagnosis, ctx_numeric, ctx_values, hint, int_vector, num_pair,
                                    num_pair_same_shape, preview, safe)

MAX_SUBSETS = 40


def _row_subsets(context, n: int) -> list[tuple[str, np.ndarray]]:
    """'all rows' plus every context index vector (1- or 0-based, unique, inside 0..n-1) and
    the unions of two of them (train + validation), as sorted 0-based row numbers."""
    out: list[tuple[str, np.ndarray]] = [("all rows", np.arange(n))]
    seen = {n: [np.arange(n)]}
    singles: list[tuple[str, np.ndarray]] = []

    def add(label, rows):
        rows = np.unique(rows)
        if rows.size < 2:
            return False
        for prev in seen.get(rows.size, []):
            if np.array_equal(prev, rows):
                return False
        seen.setdefault(rows.size, []).append(rows)
        out.append((label, rows))
        return True

    for cname, side, v in ctx_values(context):
        iv = int_vector(v)
        if iv is None or iv.size < 2 or np.unique(iv).size != iv.size:
            continue
        for off in (1, 0):
            rows = iv - off
            if rows.min() < 0 or rows.max() >= n:
                continue
            label = f"'{cname}' ({iv.size} rows{', 0-based' if off == 0 else ''})"
            if add(label, rows):
                singles.append((label, np.unique(rows)))
        if len(out) > MAX_SUBSETS:
            break
    for (l1, r1), (l2, r2) in combinations(singles[:8], 2):
        if np.intersect1d(r1, r2).size == 0:
            add(f"{l1} + {l2}", np.concatenate((r1, r2)))
    return out


def _stats(x: np.ndarray) -> dict[str, np.ndarray]:
    return {"mean": x.mean(axis=0), "sd": x.std(axis=0, ddof=1), "sd (ddof=0)": x.std(axis=0, ddof=0)}


def _implied(m: np.ndarray, xs: np.ndarray):
    """(center, scale) per column if m == (xs - center) / scale exactly (rel 1e-9), else None."""
    if m.shape != xs.shape or m.shape[0] < 2:
        return None
    cen, sca = np.empty(m.shape[1]), np.empty(m.shape[1])
    for j in range(m.shape[1]):
        x, y = xs[:, j], m[:, j]
        i0, i1 = int(np.argmin(x)), int(np.argmax(x))
        if x[i1] == x[i0] or not np.all(np.isfinite(y)):
            return None
        slope = (y[i1] - y[i0]) / (x[i1] - x[i0])
        icept = y[i0] - slope * x[i0]
        if slope <= 0 or np.max(np.abs(y - (slope * x + icept))) > 1e-9 * max(1.0, float(np.max(np.abs(y)))):
            return None
        sca[j] = 1 / slope
        cen[j] = -icept / slope
    return cen, sca


def _matches(v: np.ndarray, x: np.ndarray, subsets, rtol: float, stat_names=None):
    colscale = np.max(np.abs(x), axis=0)
    out = []
    for label, rows in subsets:
        st = _stats(x[rows])
        for sname, s in st.items():
            if stat_names and sname not in stat_names:
                continue
            if np.all(np.abs(v - s) <= rtol * (np.abs(s) + colscale)):
                out.append((sname, label, rows))
    return out


@safe
def scaled_before_split(r, py, *, name, context):
    """Scaling statistics taken over different rows: all rows (a script that scales before the
    split, so test rows leak into the centre and sd) vs the training rows only, or any two row
    sets.

    Criterion: the context holds a 2-D numeric matrix X (p columns) and index vectors; each
    side's vector of p values equals the column mean / sd (n-1) / sd (n) of X over a row set
    (all rows, a context index vector read 1- or 0-based, or the union of two disjoint ones),
    within 1e-12 of the column's magnitude, and the two row sets differ. A scaled matrix
    checkpoint (same shape on both sides) is first reduced to the centre and scale it implies
    (exact affine fit per column, 1e-9), then matched the same way (1e-9).
    Context: required (the raw feature matrix and the index vectors)."""
    pr = num_pair(r, py)
    if pr is None:
        return None
    a, b, _ = pr
    if a.shape != b.shape or a.size == 0 or np.array_equal(a, b) or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return None
    mats = [(c, s, x) for c, s, x in ctx_numeric(context, ndim=2) if np.all(np.isfinite(x))]
    for cname, side, x in mats:
        n, p = x.shape
        if a.ndim == 1 and a.size == p:
            subsets = _row_subsets(context, n)
            kind, va, vb, rtol, how = "stat", a, b, 1e-12, None
        elif a.ndim == 2 and a.shape[1] == p:
            subsets = _row_subsets(context, n)
            hit = None
            for label, rows in subsets:
                if rows.size != a.shape[0]:
                    continue
                ia, ib = _implied(a, x[rows]), _implied(b, x[rows])
                if ia and ib:
                    hit = (label, ia, ib)
                    break
            if hit is None:
                continue
            how, (ca, sa), (cb, sb) = hit[0], hit[1], hit[2]
            kind, rtol = "scaled", 1e-9
            ma = [m for m in _matches(ca, x, subsets, rtol, ("mean",))]
            mb = [m for m in _matches(cb, x, subsets, rtol, ("mean",))]
            sa_m = {lab for _s, lab, _r in _matches(sa, x, subsets, rtol, ("sd", "sd (ddof=0)"))}
            sb_m = {lab for _s, lab, _r in _matches(sb, x, subsets, rtol, ("sd", "sd (ddof=0)"))}
            ma = [m for m in ma if m[1] in sa_m]
            mb = [m for m in mb if m[1] in sb_m]
            pair = next(((x1, y1) for x1 in ma for y1 in mb if x1[1] != y1[1]), None)
            if pair is None:
                continue
            (_s1, la, rows_a), (_s2, lb, rows_b) = pair
            return _split_diag(cname, n, la, rows_a, lb, rows_b, "centre and scale", rtol,
                               {"kind": kind, "scaled_rows": how, "matrix": cname, "matrix_side": side})
        else:
            continue
        ma, mb = _matches(va, x, subsets, rtol), _matches(vb, x, subsets, rtol)
        pair = next(((x1, y1) for x1 in ma for y1 in mb if x1[0] == y1[0] and x1[1] != y1[1]), None)
        pair = pair or next(((x1, y1) for x1 in ma for y1 in mb if x1[1] != y1[1]), None)
        if pair is None:
            continue
        (s1, la, rows_a), (s2, lb, rows_b) = pair
        stat = s1 if s1 == s2 else f"{s1} (R) / {s2} (Python)"
        return _split_diag(cname, n, la, rows_a, lb, rows_b, f"column {stat}", rtol,
                           {"kind": kind, "statistic_r": s1, "statistic_py": s2, "matrix": cname,
                            "matrix_side": side})
    return None


def _split_diag(cname, n, la, rows_a, lb, rows_b, what, rtol, data) -> Diagnosis:
    if rows_a.size > rows_b.size:
        title = "scaled on all rows (before the split) on the R side, on a subset (after) on the Python side"
        fix = ("compute the scaling statistics over the same rows as R: the R script scales before "
               "splitting (r_scale on all rows, then split)")
    elif rows_a.size < rows_b.size:
        title = "scaled on a subset (after the split) on the R side, on more rows (before) on the Python side"
        fix = "fit the scaler on the training rows only, as the R script does (scaler.fit(X[train]))"
    else:
        title = "scaling statistics taken over a different set of rows"
        fix = "take the statistics over the rows R uses"
    return Diagnosis(
        "scaled_before_split", title,
        f"R's {what} = that of context '{cname}' over {la} and Python's over {lb} "
        f"(each within {rtol:.0e}); {np.intersect1d(rows_a, rows_b).size} rows in common",
        fix, {**data, "r_rows": la, "py_rows": lb, "n_r_rows": int(rows_a.size),
              "n_py_rows": int(rows_b.size), "n": int(n)})


# --------------------------------------------------------------------------------------------
# regularised fits
# --------------------------------------------------------------------------------------------
# Solver tolerances, relative to max |X'(y - mean(y))| (the gradient at the null model):
# scikit-learn's lbfgs stops at tol=1e-4 on the *mean* objective, i.e. ~n * 1e-4 on the sum.
STATIONARY_RTOL = 1e-3  # the unpenalised side's gradient
PENALISED_MIN = 2e-4    # the penalised side's gradient must exceed solver noise (and 10x the other's)
KKT_RTOL = 2e-2         # X'(y - mu) - lambda * w, relative to max |X'(y - mu)| on the penalised coefficients


def _intercept_index(names, k):
    if names:
        for i, nm in enumerate(names):
            if any(w in nm.lower() for w in ("intercept", "const", "bias")):
                return i
    return None


def _grad(x1: np.ndarray, y: np.ndarray, beta: np.ndarray, logistic: bool) -> np.ndarray:
    eta = x1 @ beta
    mu = 1 / (1 + np.exp(-eta)) if logistic else eta
    return x1.T @ (y - mu)


def _kkt(x1, y, unpen, pen, icept, logistic):
    """(lambda, detail) if `unpen` is stationary for the unpenalised likelihood and `pen` satisfies
    the L2 KKT condition X'(y - mu) = lambda * w (intercept unpenalised) with lambda > 0."""
    g0 = float(np.max(np.abs(x1.T @ (y - y.mean()))))
    if not g0 > 0:
        return None
    gu = _grad(x1, y, unpen, logistic)
    gp = _grad(x1, y, pen, logistic)
    gu_max, gp_max = float(np.max(np.abs(gu))), float(np.max(np.abs(gp)))
    if gu_max > STATIONARY_RTOL * g0 or gp_max < max(10 * gu_max, PENALISED_MIN * g0):
        return None
    mask = np.ones(pen.size, bool)
    if icept is not None:
        mask[icept] = False
        if abs(gp[icept]) > KKT_RTOL * gp_max:
            return None
    w, gw = pen[mask], gp[mask]
    if not np.any(w != 0):
        return None
    lam = float(gw @ w / (w @ w))
    resid = float(np.max(np.abs(gw - lam * w)))
    if lam <= 0 or resid > KKT_RTOL * float(np.max(np.abs(gw))):
        return None
    return lam, {"stationarity_unpenalised": float(np.max(np.abs(gu))) / g0,
                 "kkt_residual": resid / float(np.max(np.abs(gw)))}


@safe
def regularised_fit(r, py, *, name, context):
    """A penalised (ridge/L2) fit on one side where the other is unpenalised: scikit-learn's
    LogisticRegression() defaults to penalty='l2', C=1.0; R's glm() has no penalty.

    Criterion with context (a 2-D design matrix X, p columns, and a response y; rows optionally a
    context index vector): coefficient vectors of length p or p+1 (intercept first or last, or
    named '(Intercept)'); logistic when y has two values, else linear. The unpenalised side is a
    stationary point of the likelihood (max |X'(y - mu)| <= 1e-3 of its value at the null model),
    the other is not (gradient >= 2e-4 of it and >= 10x the first's) and satisfies the L2
    optimality condition X'(y - mu) = lambda * w on the penalised coefficients with one
    lambda > 0 (residual <= 2e-2 of its gradient, the intercept's gradient as small); reports
    C = 1/lambda (scikit-learn) = alpha (Ridge).
    Without context (verified=False): the name mentions coef/beta/estimate/weight, >= 2
    coefficients, all non-intercept ones shrunk toward 0 with the same signs by factors that
    are not one common factor (that is scale_factor).
    Context: the design matrix and the response (and the training index vector if the fit used a
    subset) for the verified diagnosis; none for the unverified one."""
    pr = num_pair_same_shape(r, py)
    if pr is None:
        return None
    a, b, names = pr
    if a.ndim != 1 or a.size < 1 or np.array_equal(a, b) or not np.all(np.isfinite(a)):
        return None
    k = a.size
    named_icept = _intercept_index(names, k)
    mats = [(c, x) for c, _s, x in ctx_numeric(context, ndim=2) if np.all(np.isfinite(x))]
    ys = [(c, y.reshape(-1)) for c, _s, y in ctx_numeric(context) if y.ndim == 1 or 1 in y.shape]
    for xname, x in mats:
        n, p = x.shape
        if p not in (k, k - 1):
            continue
        layouts = ([named_icept] if named_icept is not None else [0, k - 1]) if p == k - 1 else [None]
        for label, rows in _row_subsets(context, n):
            xs = x[rows]
            for yname, y in ys:
                if y.size == n:
                    yy = y[rows]
                elif y.size == rows.size:
                    yy = y
                else:
                    continue
                if not np.all(np.isfinite(yy)) or np.unique(yy).size < 2:
                    continue
                u = np.unique(yy)
                logistic = u.size == 2
                if logistic:
                    yy = (yy == u[1]).astype(float)
                for ic in layouts:
                    if ic is None:
                        x1 = xs
                    else:
                        x1 = np.insert(xs, ic if ic == 0 else xs.shape[1], 1.0, axis=1)
                    for unpen, pen, who in ((a, b, "Python"), (b, a, "R")):
                        res = _kkt(x1, yy, unpen, pen, ic, logistic)
                        if res is None:
                            continue
                        lam, det = res
                        c_est = 1 / lam
                        model = "LogisticRegression" if logistic else "Ridge"
                        param = f"C = {c_est:.4g}" if logistic else f"alpha = {lam:.4g}"
                        default = " (scikit-learn's default C=1.0)" if logistic and abs(c_est - 1) < 0.05 else ""
                        other = "R" if who == "Python" else "Python"
                        return Diagnosis(
                            "regularised_fit", f"{who}'s fit is L2-penalised ({model}, {param}{default}); "
                            f"{other}'s is unpenalised",
                            f"on context '{xname}' x '{yname}' over {label}: {other}'s coefficients are a "
                            f"stationary point of the {'logistic' if logistic else 'least-squares'} likelihood "
                            f"(gradient {det['stationarity_unpenalised']:.1e} of the null model's), {who}'s satisfy "
                            f"X'(y - mu) = lambda * w with lambda = {lam:.4g} (residual "
                            f"{det['kkt_residual']:.1e}): ridge with {param}",
                            "fit without a penalty: LogisticRegression(C=np.inf) (penalty=None before scikit-learn "
                            "1.8; the default is L2 with C=1.0) or statsmodels GLM(family=Binomial()); "
                            "LinearRegression for lm()",
                            {"verified": True, "penalised_side": "py" if who == "Python" else "r",
                             "lambda": lam, "C": c_est if logistic else None, "alpha": None if logistic else lam,
                             "family": "binomial" if logistic else "gaussian", "design": xname,
                             "response": yname, "rows": label, "intercept_index": ic, **det})
    if not hint(name, "coef", "beta", "estimate", "weight", "param") or k < 2:
        return None
    mask = np.ones(k, bool)
    if named_icept is not None:
        mask[named_icept] = False
    x, y = a[mask], b[mask]
    if x.size < 2 or np.any(x == 0) or np.any(np.sign(x) != np.sign(y)):
        return None
    t = y / x
    if not np.all((t > 0) & (t < 1)) or np.max(t) - np.min(t) <= 1e-9 * np.max(t):
        return None
    return Diagnosis(
        "regularised_fit", "Python's coefficients are shrunk toward 0 (a penalised fit?)",
        f"all {x.size} coefficients keep R's signs and shrink by factors {np.min(t):.4g}..{np.max(t):.4g} "
        f"(R {preview(x, 3)} vs Python {preview(y, 3)}); unverified: no design matrix/response in the context",
        "fit without a penalty: LogisticRegression(C=np.inf) (scikit-learn's default is L2 with C=1.0) "
        "or statsmodels GLM; put X and y in the context to verify",
        {"verified": False, "shrink_min": float(np.min(t)), "shrink_max": float(np.max(t))})
