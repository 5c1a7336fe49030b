"""The article's own analyses, plugged into the engine as this case's sections (never another's).

`fast_trainer`: the `fast_trainer_distribution` check: the batched trainer (the case's
python_many) must match unseeded Keras `fit` in distribution.
`reproduction`: baselines (majority class, logistic regression, paired DeLong against the CNN),
the variance over split seeds vs over initialisation seeds, and the methodology findings
(scaling leak, censoring, seed spread, the 0.5 threshold), with their figures.

Each is `fn(ctx, options) -> {"checks": [CheckResult], "report": {...}}`; `report_parts`
renders the "report" data into report.md / report.html (and from report.json alone).
"""
from __future__ import annotations

import numpy as np

from parity.distribution import judge_distributions
from parity.outcomes import CheckResult, SideFailed, SkipCheck, Status
from parity.values import plain

from . import baselines, findings, runs
from . import report_parts

METRICS = ("test_accuracy", "roc_auc")


def _data(ctx):
    from python_impl.data import load_gbsg

    return ctx.once("gbsg", lambda: load_gbsg(ctx.data_path))


def fast_trainer(ctx, options: dict) -> dict:
    """The batched trainer's test accuracy and AUC over its seeds vs `keras_runs` unseeded Keras fits."""
    name = "fast_trainer_distribution"
    if not ctx.options.use_many:
        return {"checks": [CheckResult(name, Status.SKIP, detail="the Python distribution already uses Keras fit "
                                       "(run() per seed)")]}
    n = int(options.get("keras_runs", 30))
    d = ctx.options.distribution_seed
    seeds = [None] * n if d is None else [d + 10_001 + i for i in range(n)]
    # one Keras fit per item, in parallel in the executor's worker processes (TensorFlow warm there)
    keras = [r for one in ctx.map_runs("keras_runs", f"Python runs (Keras fit, {'unseeded' if d is None else 'seeded'})",
                                       runs.keras_runs, [[sd] for sd in seeds], data=ctx.data_path) for r in one]
    fast = ctx.py_runs
    a = {"test_accuracy": [r.test_accuracy for r in keras], "roc_auc": [r.auc for r in keras]}
    b = {m: [r[m] for r in fast] for m in METRICS}
    alpha = ctx.case.distribution.alpha if ctx.case.distribution else 0.01
    row = judge_distributions(name, a, b, METRICS, alpha, "Keras fit: ", "batched: ",
                              " (the 'R' column is Python's Keras fit here)")
    row.why = ("the batched trainer draws its own (numpy) seeds, so it can only match Keras fit in distribution; "
               + row.why)
    return {"checks": [row], "report": {"keras_fit": {"n": n, **{m: a[m] for m in METRICS}}}}


def _roc_inputs(ctx) -> dict:
    out = {}
    for key, label in (("r", "R"), ("py", "Python")):
        try:
            if key == "r":
                lab, e1 = ctx.r_value("test_labels")
                pred, e2 = ctx.r_value("test_predictions")
                if e1 or e2:
                    continue
                lab, pred = plain(lab), plain(pred)
            else:
                lab, e1 = ctx.py_value("test_labels")
                pred, e2 = ctx.py_value("test_predictions")
                if e1 or e2:
                    continue
                lab, pred = plain(lab), plain(pred)
        except (SkipCheck, SideFailed):
            continue
        out[key] = {"label": f"{label}, keras seed {ctx.seed}", "labels": [int(v) for v in np.ravel(lab)],
                    "predictions": [float(v) for v in np.ravel(pred)]}
    return out


def reproduction(ctx, options: dict) -> dict:
    """Baselines, split vs initialisation variance, methodology findings."""
    df = _data(ctx)
    errors: dict = {}

    def attempt(key, fn):
        try:
            return fn()
        except (SkipCheck, SideFailed) as e:
            errors[key] = str(e)
        except Exception as e:  # one missing part must not sink the report; say what broke
            errors[key] = f"{type(e).__name__}: {e}"
        return None

    base = attempt("baselines", lambda: baselines.article_baselines(df))
    n_split = int(options.get("split_seeds", 30))
    trainer = "fast" if ctx.options.use_many else "keras"
    if trainer == "keras":  # Keras fits (seconds each): in parallel in the executor's worker processes
        split_runs = attempt("split_runs", lambda: [r for one in ctx.map_runs(
            "split_runs", "Python runs over split seeds", runs.split_seed_runs, [[ss] for ss in range(1, n_split + 1)],
            init_seed=ctx.options.py_seed(0), data=ctx.data_path, trainer=trainer) for r in one])
    else:  # the batched trainer: ~50 ms a split here, less than shipping it to a worker
        split_runs = attempt("split_runs", lambda: ctx.staged(
            "split_runs", "Python runs over split seeds", n_split, lambda tick: runs.split_seed_runs(
                list(range(1, n_split + 1)), init_seed=ctx.options.py_seed(0), data=df, trainer=trainer,
                progress=tick)))
    if base is not None and split_runs:
        over = attempt("baselines_over_split_seeds",
                       lambda: baselines.over_split_seeds([x.split_seed for x in split_runs], df))
        if over is not None:
            base["over_split_seeds"] = over
    roc_inputs = _roc_inputs(ctx)
    if base is not None and roc_inputs:
        src = "py" if "py" in roc_inputs else next(iter(roc_inputs))
        ri = roc_inputs[src]
        if ri["labels"] == base["test_labels"]:
            d = baselines.paired_delong(ri["predictions"], base["logistic"]["predictions"], ri["labels"])
            d.update(cnn_source=src, cnn_label=ri["label"])
            base["paired_delong"] = d
    py_runs = attempt("py_runs", lambda: ctx.py_runs)
    acc = [r["test_accuracy"] for r in py_runs] if py_runs else None
    auc = [r["roc_auc"] for r in py_runs] if py_runs else None
    pub = {p.checkpoint: (p.value, p.decimals) for p in ctx.case.published}
    seeded = None
    if roc_inputs:
        ri = roc_inputs.get("py") or roc_inputs.get("r")
        seeded = _Run(np.array(ri["labels"]), np.array(ri["predictions"]))
    find = attempt("findings", lambda: findings.all_findings(
        df, result=seeded, accuracies=acc, aucs=auc,
        published={"accuracy": pub.get("test_accuracy"), "auc": pub.get("roc_auc")}, spread_label="Python seeds"))
    variance = None
    if split_runs and py_runs:
        variance = {"split": {"label": f"{len(split_runs)} split seeds, one init seed",
                              "accuracy": [x.test_accuracy for x in split_runs], "auc": [x.auc for x in split_runs],
                              "seeds": [x.split_seed for x in split_runs]},
                    "init": {"label": f"{len(py_runs)} init seeds, the article's split", "accuracy": acc, "auc": auc}}
    report = {"baselines": base, "findings": find, "variance": variance, "roc_inputs": roc_inputs or None,
              "unavailable": errors}
    return {"checks": [], "report": {k: v for k, v in report.items() if v is not None}}


# the renderers of the reproduction section (parity.html_report looks them up beside it)
reproduction_html = report_parts.render_html
reproduction_markdown = report_parts.render_markdown


class _Run:
    """The seeded run's test labels and predictions, as findings.threshold_balance reads them."""

    def __init__(self, labels, predictions):
        self.test_labels, self.predictions, self.test_accuracy = labels, predictions, None
