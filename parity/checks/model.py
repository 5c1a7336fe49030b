"""The model both sides build: architecture, parameter count, and Keras's silent rank expansion."""
from __future__ import annotations

from parity.registry import CheckResult, Status, check

EXPECTED_PARAMS = 6401


def _fmt(summary) -> str:
    return " > ".join(f"{row['class']}{tuple(row['output_shape'][1:])}" for row in summary)


@check("model_architecture", "model", "exact", "layer classes, output shapes and parameter counts are integers")
def model_architecture(ctx) -> CheckResult:
    """Layer classes, output shapes and parameters; the article's CNN has 6,401 parameters."""
    r, p = ctx.r.model_summary, ctx.py.model_summary
    pr, pp = sum(x["params"] for x in r), sum(x["params"] for x in p)
    ok = r == p and pr == EXPECTED_PARAMS
    return CheckResult("model_architecture", Status.PASS if ok else Status.FAIL, f"{pr:,} params", f"{pp:,} params",
                       "0" if r == p else "layers differ",
                       detail=_fmt(p) + ("" if pr == EXPECTED_PARAMS else f"; expected {EXPECTED_PARAMS:,} params"),
                       data={"r": r, "python": p})


@check("input_rank_expansion", "model", "documented", "Keras 3 behaviour the article relies on, reported not judged")
def input_rank_expansion(ctx) -> CheckResult:
    """The article feeds (n, 8) matrices into an (8, 1) input; Keras 3 adds the channel axis
    silently (`_adjust_input_rank`). Reported as WARN: a port to another framework must do it."""
    rows = []
    for side, res in (("R", ctx.r), ("Python", ctx.py)):
        x = res.extra.get("fit_x_shape")
        inp = res.extra.get("model_input_shape")
        rows.append((side, x, inp))
    expanded = all(x is not None and inp is not None and len(x) == 2 and len(inp) == 3 for _, x, inp in rows)
    status = Status.WARN if expanded else Status.FAIL
    (_, rx, rin), (_, px, pin) = rows
    return CheckResult("input_rank_expansion", status, f"x {tuple(rx or ())} -> input {tuple(rin or ())}",
                       f"x {tuple(px or ())} -> input {tuple(pin or ())}", "rank 2 -> 3",
                       detail="fit() gets a rank-2 matrix; the model's input is rank 3 (8, 1): Keras 3 expands it "
                              "silently. Ports to PyTorch/JAX must reshape to (n, 8, 1) themselves"
                       if expanded else "could not confirm the shapes each side passed to fit()",
                       data={"r": {"fit_x_shape": rx, "model_input_shape": rin},
                             "python": {"fit_x_shape": px, "model_input_shape": pin}})
