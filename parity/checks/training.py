"""Training with a shared Keras seed: both sides run the same float32 Keras graph, so they
should agree to float32 noise; the 1e-6 limits allow reduction-order differences only."""
from __future__ import annotations

import numpy as np

from parity.checks._fmt import abs_diff, num, sci, vec
from parity.registry import CheckResult, Status, SkipCheck, check

TOL = 1e-6
WHY = ("same seed, same float32 Keras ops with TF op determinism in two processes: only "
       "reduction order may differ (float32 eps ~1.2e-7)")
METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


def _seeded(ctx):
    if ctx.r.keras_seed is None or ctx.r.keras_seed != ctx.py.keras_seed:
        raise SkipCheck("needs both sides seeded with the same --keras-seed")
    return ctx.r, ctx.py


@check("training_history", "training", f"abs {TOL:g}", WHY)
def training_history(ctx) -> CheckResult:
    """Per-epoch loss/accuracy/val_loss/val_accuracy from fit()."""
    r, p = _seeded(ctx)
    diffs = {}
    for m in METRICS:
        a, b = r.history.get(m), p.history.get(m)
        if a is None or b is None or len(a) != len(b):
            return CheckResult("training_history", Status.FAIL, str(sorted(r.history)), str(sorted(p.history)),
                               f"metric {m!r} missing or epoch counts differ",
                               detail="history keys/epochs differ")
        diffs[m] = abs_diff(a, b)
    worst = max(diffs, key=diffs.get)
    ok = diffs[worst] <= TOL
    n_ep = len(r.history["loss"])
    return CheckResult("training_history", Status.PASS if ok else Status.FAIL,
                       f"loss[{n_ep}]={num(r.history['loss'][-1])}", f"loss[{n_ep}]={num(p.history['loss'][-1])}",
                       f"max abs {sci(diffs[worst])} ({worst})",
                       detail=f"{n_ep} epochs; max |diff| per metric: " + ", ".join(f"{k} {sci(v)}" for k, v in diffs.items()),
                       data={"max_abs_diff": diffs, "r": r.history, "python": p.history})


@check("test_predictions", "training", f"abs {TOL:g}", WHY)
def test_predictions(ctx) -> CheckResult:
    """predict() on the 104 test rows."""
    r, p = _seeded(ctx)
    a, b = np.asarray(r.predictions, float), np.asarray(p.predictions, float)
    if a.shape != b.shape:
        return CheckResult("test_predictions", Status.FAIL, f"shape {a.shape}", f"shape {b.shape}", "shapes differ")
    d = abs_diff(a, b)
    ok = d <= TOL
    return CheckResult("test_predictions", Status.PASS if ok else Status.FAIL, vec(a, 2), vec(b, 2), f"max abs {sci(d)}",
                       detail=f"max |diff| {d:.3g} over {a.size} predictions at row {int(np.argmax(np.abs(a - b))) + 1}",
                       data={"max_abs_diff": d})


@check("test_loss", "training", f"abs {TOL:g}", WHY)
def test_loss(ctx) -> CheckResult:
    """evaluate()'s loss on the test rows (the article printed 0.6172654 for its unseeded run)."""
    r, p = _seeded(ctx)
    d = abs(r.test_loss - p.test_loss)
    return CheckResult("test_loss", Status.PASS if d <= TOL else Status.FAIL, num(r.test_loss), num(p.test_loss),
                       sci(d), detail=f"|diff| {d:.3g}", data={"r": r.test_loss, "python": p.test_loss})


@check("test_accuracy", "training", "exact count", "accuracy is k/n_test: the counts of correct rows must be equal")
def test_accuracy(ctx) -> CheckResult:
    """evaluate()'s accuracy as a count of correct test rows (the article: 67/104)."""
    r, p = _seeded(ctx)
    n = len(r.test_indices)
    kr, kp = round(r.test_accuracy * n), round(p.test_accuracy * n)
    return CheckResult("test_accuracy", Status.PASS if kr == kp else Status.FAIL,
                       f"{num(r.test_accuracy)} ({kr}/{n})", f"{num(p.test_accuracy)} ({kp}/{n})", str(kp - kr),
                       detail=f"correct test rows: R {kr}, Python {kp} of {n}", data={"r": kr, "python": kp, "n": n})
