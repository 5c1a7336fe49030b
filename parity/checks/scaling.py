"""Scaling statistics: R's scale() centre and n-1 sd, float64 on both sides."""
from __future__ import annotations

import numpy as np

from parity.checks._fmt import rel_diff, sci, vec
from parity.registry import CheckResult, Status, check

TOL = 1e-12
WHY = "float64 on both sides; only summation order may differ (both accumulate in long double)"


def _compare(name: str, r, p) -> CheckResult:
    d = rel_diff(r, p)
    ok = bool(np.all(np.isfinite(r)) and np.all(np.isfinite(p)) and d <= TOL)
    return CheckResult(name, Status.PASS if ok else Status.FAIL, vec(r), vec(p), f"max rel {sci(d)}",
                       detail=f"per-feature max relative difference {d:.3g} (limit {TOL:g})",
                       data={"r": np.asarray(r).tolist(), "python": np.asarray(p).tolist(), "max_rel_diff": d})


@check("scaling_center", "scaling", f"rel {TOL:g}", WHY)
def scaling_center(ctx) -> CheckResult:
    """attr(scale(features), "scaled:center") vs r_scale's centre."""
    return _compare("scaling_center", ctx.r.center, ctx.py.center)


@check("scaling_scale", "scaling", f"rel {TOL:g}", WHY)
def scaling_scale(ctx) -> CheckResult:
    """attr(scale(features), "scaled:scale") (n-1 sd) vs r_scale's scale."""
    return _compare("scaling_scale", ctx.r.scale, ctx.py.scale)
