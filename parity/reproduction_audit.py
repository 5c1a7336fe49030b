"""Assemble `report["reproduction"]`: is the published 0.644 / 0.717 what the procedure gives?

Runs (through the context) the Python distribution, the R runs, the split-seed runs, then the
baselines and methodology findings; every number lands in the report dict, from which
report.md and report.html are rendered."""
from __future__ import annotations

from parity.context import AuditContext, SideFailed
from parity.registry import SkipCheck
from parity.runs import reproduce_command


def _sample(runs, label: str, kind: str, command: str | None) -> dict:
    seeds = [r.seed if getattr(r, "seed", None) is not None else -1 for r in runs]
    out = {"label": label, "kind": kind, "seeds": seeds,
           "accuracy": [r.test_accuracy for r in runs], "auc": [r.auc for r in runs],
           "loss": [r.test_loss for r in runs]}
    if command and all(s >= 0 for s in seeds):
        out["command"] = command
    return out


def _try(fn, errors: dict, key: str):
    try:
        return fn()
    except (SkipCheck, SideFailed) as e:
        errors[key] = str(e)
    except Exception as e:  # one missing section must not sink the report; say what broke
        errors[key] = f"{type(e).__name__}: {e}"
    return None


def reproduction_section(ctx: AuditContext, published: dict) -> dict:
    from parity import baselines, findings
    from parity.reproduction import build_reproduction

    o = ctx.options
    errors: dict = {}
    samples = {}
    py_runs = _try(lambda: ctx.py_runs, errors, "py_runs")
    if py_runs:
        trainer = "batched fast trainer" if o.trainer == "fast" else "Keras fit"
        samples["py"] = _sample(py_runs, f"Python, {trainer} ({len(py_runs)} seeds)",
                                f"python-{o.trainer}", reproduce_command(o.trainer))
    r_runs = _try(lambda: ctx.r_runs, errors, "r_runs")
    if r_runs:
        seeded = o.distribution_seed is not None
        samples["r"] = _sample(r_runs, f"R via rpy2, Keras fit ({len(r_runs)} {'seeded' if seeded else 'unseeded'} runs)",
                               "r", "parity reproduce --side r --seed {seed}" if seeded else None)

    roc_inputs = {}
    r = _try(lambda: ctx.r, errors, "r")
    py = _try(lambda: ctx.py, errors, "py")
    for key, res, label in (("r", r, "R (pROC)"), ("py", py, "Python (python_impl.roc)")):
        if res is not None:
            roc_inputs[key] = {"label": f"{label}, keras seed {res.keras_seed}", "labels": res.test_labels,
                               "predictions": res.predictions}

    split_runs = _try(lambda: ctx.split_runs, errors, "split_runs")
    base = _try(lambda: baselines.article_baselines(ctx.data), errors, "baselines")
    if base is not None and split_runs:
        over = _try(lambda: baselines.over_split_seeds([x.split_seed for x in split_runs], ctx.data),
                    errors, "baselines_over_split_seeds")
        if over is not None:
            base["over_split_seeds"] = over
    acc = [x.test_accuracy for x in py_runs] if py_runs else None
    auc = [x.auc for x in py_runs] if py_runs else None
    find = _try(lambda: findings.all_findings(ctx.data, result=py or r, accuracies=acc, aucs=auc,
                                              published=published, spread_label="Python seeds"), errors, "findings")
    variance = None
    if split_runs and py_runs:
        variance = {"split": {"label": f"{len(split_runs)} split seeds, one init seed",
                              "accuracy": [x.test_accuracy for x in split_runs], "auc": [x.auc for x in split_runs],
                              "seeds": [x.split_seed for x in split_runs]},
                    "init": {"label": f"{len(py_runs)} init seeds, the article's split",
                             "accuracy": acc, "auc": auc}}
    r_png = ctx.r_plot_png()
    rp = ({"available": True, "note": "rendered by R: the article's own plot(roc_obj, ...) call on the seeded R run"}
          if r_png else {"available": False, "note": "R's plot was not rendered: "
                         + (errors.get("r") or "the R run produced no image")})
    section = build_reproduction(published, samples=samples or None, baselines=base, findings=find,
                                 variance=variance, roc_inputs=roc_inputs or None, r_plot=rp)
    section["unavailable"] = errors
    return section
