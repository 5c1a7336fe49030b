"""ROC: R's pROC on R's predictions vs `python_impl.roc` on the very same predictions and labels,
so training noise is out of the comparison and only the ROC arithmetic is compared."""
from __future__ import annotations

import warnings

import numpy as np

from parity.checks._fmt import num, rel_diff, sci
from parity.registry import CheckResult, Status, SkipCheck, check

TOL = 1e-12
WHY = "float64 on both sides from the same inputs; only summation order may differ"


def _py_roc_on_r_inputs(ctx):
    r = ctx.r
    if r.test_labels is None:
        raise SkipCheck("the R side did not return its test labels")

    def make():
        from python_impl.roc import roc

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pROC's own "matrix as predictor" warning is R's to report
            return roc(np.asarray(r.test_labels), np.asarray(r.predictions, float))
    return r, ctx._once("py_roc_on_r", make)


@check("roc_auc", "roc", f"abs {TOL:g}", WHY)
def roc_auc(ctx) -> CheckResult:
    """pROC's AUC vs python_impl.roc's AUC on R's predictions."""
    r, pr = _py_roc_on_r_inputs(ctx)
    d = abs(r.auc - pr.auc)
    return CheckResult("roc_auc", Status.PASS if d <= TOL else Status.FAIL, num(r.auc, 10), num(pr.auc, 10), sci(d),
                       detail=f"AUC on the same {len(r.predictions)} predictions; the article reported 0.717 for its run",
                       data={"r": r.auc, "python": pr.auc})


@check("roc_direction", "roc", "exact", "a categorical choice (median rule)")
def roc_direction(ctx) -> CheckResult:
    """pROC's direction="auto": "<" when median(controls) <= median(cases)."""
    r, pr = _py_roc_on_r_inputs(ctx)
    ok = r.roc_direction == pr.direction
    return CheckResult("roc_direction", Status.PASS if ok else Status.FAIL, str(r.roc_direction), pr.direction,
                       "same" if ok else "differs", detail="direction chosen by pROC's median rule")


@check("roc_levels", "roc", "exact", "a categorical choice (factor level order)")
def roc_levels(ctx) -> CheckResult:
    """(control, case) levels: the first two levels of as.factor(response)."""
    r, pr = _py_roc_on_r_inputs(ctx)
    rl, pl = tuple(str(x) for x in (r.roc_levels or ())), tuple(str(x) for x in pr.levels)
    ok = rl == pl
    return CheckResult("roc_levels", Status.PASS if ok else Status.FAIL, str(rl), str(pl), "same" if ok else "differs",
                       detail="control, case")


@check("roc_best_threshold", "roc", f"abs {TOL:g}", WHY)
def roc_best_threshold(ctx) -> CheckResult:
    """coords(roc, "best") (Youden; every tied row) vs Roc.best()."""
    r, pr = _py_roc_on_r_inputs(ctx)
    rb, pb = r.best_threshold, pr.best()
    keys = ("threshold", "specificity", "sensitivity")
    if len(rb) != len(pb):
        return CheckResult("roc_best_threshold", Status.FAIL, f"{len(rb)} row(s)", f"{len(pb)} row(s)",
                           "row counts differ", detail="Youden ties are resolved differently")
    d = max((abs(float(a[k]) - float(b[k])) for a, b in zip(rb, pb) for k in keys), default=0.0)

    def fmt(rows):
        return "; ".join(f"{num(x['threshold'], 4)} ({num(x['specificity'], 3)}, {num(x['sensitivity'], 3)})" for x in rows)

    return CheckResult("roc_best_threshold", Status.PASS if d <= TOL else Status.FAIL, fmt(rb), fmt(pb), sci(d),
                       detail="threshold (specificity, sensitivity) as pROC's print.thres shows it",
                       data={"r": rb, "python": pb})


@check("roc_ci_delong", "roc", f"rel {TOL:g}", WHY)
def roc_ci_delong(ctx) -> CheckResult:
    """ci.auc(roc) (DeLong, 95%) vs Roc.ci_auc()."""
    r, pr = _py_roc_on_r_inputs(ctx)
    a, b = np.asarray(r.auc_ci, float), np.asarray(pr.ci_auc(), float)
    d = rel_diff(a, b)

    def fmt(ci):
        return f"{num(ci[0], 5)}-{num(ci[2], 5)}"

    return CheckResult("roc_ci_delong", Status.PASS if d <= TOL else Status.FAIL, fmt(a), fmt(b), f"max rel {sci(d)}",
                       detail="95% DeLong CI (lower, auc, upper)", data={"r": a.tolist(), "python": b.tolist()})
