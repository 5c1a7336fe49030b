"""Report figures, each returned as PNG bytes (matplotlib's Agg canvas on a private `Figure`:
no pyplot, no global backend switch, safe in threads and under pytest).

* `roc_figure`: ROC curves overlaid as pROC's `plot(roc, legacy.axes=TRUE, print.thres=TRUE,
  print.auc=TRUE)` draws them: 1 - specificity vs sensitivity, the Youden-best threshold(s)
  marked and labelled "threshold (specificity, sensitivity)" with pROC's pattern
  "%.3f (%.3f, %.3f)", and "AUC: %.3f".
* `metric_histograms`: accuracy and AUC over seeds, several samples overlaid (as shares, so
  200 Python seeds and 10 R seeds are comparable), the published value as a vertical line.
* `calibration_figure`: reliability diagram (`sklearn.calibration.calibration_curve`) with the
  prediction histogram underneath.
* `variance_figure`: accuracy/AUC when the split seed varies vs when the init seed varies.
* `figures_from_report`: every figure whose inputs are in `report["reproduction"]`, so a report
  can be re-rendered from report.json alone.
* `r_roc_plot`: R's own pROC plot of the article's call (Rscript + pROC, png/cairo device).

PNG output is deterministic for equal inputs (no Software/date metadata).
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from typing import Any, Mapping, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 100
COLORS = ("#1f5fbf", "#d9541a", "#2a9d4b", "#8e44ad", "#7f7f7f")
PUBLISHED_COLOR = "#c0122c"
PROC_THRES_PATTERN = "%.3f (%.3f, %.3f)"  # pROC print.thres.pattern: threshold (sp, se)
PROC_AUC_PATTERN = "AUC: %.3f"            # pROC print.auc.pattern


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _as_roc(obj: Any):
    """Roc, ArticleResult (predictions + test_labels), a (labels, predictions) pair or a dict
    {"labels", "predictions"} -> Roc (pROC rules, direction auto)."""
    from python_impl.roc import Roc, roc

    if isinstance(obj, Roc):
        return obj
    if hasattr(obj, "predictions") and hasattr(obj, "test_labels"):
        if obj.test_labels is None:
            raise ValueError("ArticleResult without test_labels: pass (labels, predictions)")
        return roc(np.asarray(obj.test_labels).ravel(), np.asarray(obj.predictions, dtype=float).ravel())
    if isinstance(obj, Mapping):
        return roc(np.asarray(obj["labels"]).ravel(), np.asarray(obj["predictions"], dtype=float).ravel())
    labels, preds = obj
    return roc(np.asarray(labels).ravel(), np.asarray(preds, dtype=float).ravel())


def _as_xy(obj: Any) -> tuple[np.ndarray, np.ndarray]:
    if hasattr(obj, "predictions") and hasattr(obj, "test_labels"):
        return np.asarray(obj.test_labels).ravel(), np.asarray(obj.predictions, dtype=float).ravel()
    if isinstance(obj, Mapping):
        return np.asarray(obj["labels"]).ravel(), np.asarray(obj["predictions"], dtype=float).ravel()
    labels, preds = obj
    return np.asarray(labels).ravel(), np.asarray(preds, dtype=float).ravel()


def _items(curves) -> list[tuple[str, Any]]:
    if isinstance(curves, Mapping):
        return [(str(k), v) for k, v in curves.items()]
    return [(str(k), v) for k, v in curves]


def roc_figure(curves, title: str = "ROC curve: R vs Python (pROC rules)") -> bytes:
    """`curves`: {label: Roc | ArticleResult | (labels, predictions) | {"labels","predictions"}}
    (or a list of (label, curve) pairs), drawn in order."""
    fig = Figure(figsize=(6.4, 6.4))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([0, 1], [0, 1], color="#9a9a9a", lw=0.8)
    for i, (label, obj) in enumerate(_items(curves)):
        r = _as_roc(obj)
        c = COLORS[i % len(COLORS)]
        fpr = 1 - np.asarray(r.specificities)
        se = np.asarray(r.sensitivities)
        ax.plot(fpr, se, color=c, lw=1.6, drawstyle="default", label=f"{label} (AUC {r.auc:.3f})")
        for b in r.best():
            x, y = 1 - b["specificity"], b["sensitivity"]
            ax.plot([x], [y], "o", color=c, ms=4)
            ax.annotate(PROC_THRES_PATTERN % (b["threshold"], b["specificity"], b["sensitivity"]),
                        (x, y), xytext=(6, -12 - 12 * i), textcoords="offset points", color=c, fontsize=9,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
        ax.text(0.5, 0.45 - 0.06 * i, PROC_AUC_PATTERN % r.auc + f"  ({label})", color=c, fontsize=10)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("1 - Specificity (False Positive Rate)")
    ax.set_ylabel("Sensitivity (True Positive Rate)")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=9)
    fig.tight_layout()
    return _png(fig)


def _bins(values: list[np.ndarray], published: float | None, step: float | None) -> np.ndarray:
    allv = np.concatenate([v for v in values if v.size] or [np.zeros(1)])
    lo, hi = float(np.min(allv)), float(np.max(allv))
    if published is not None and np.isfinite(published):
        lo, hi = min(lo, published), max(hi, published)
    if step:
        k0, k1 = int(np.floor(lo / step)), int(np.ceil(hi / step))
        return (np.arange(k0, k1 + 2) - 0.5) * step
    if hi - lo < 1e-9:
        lo, hi = lo - 0.005, hi + 0.005
    return np.linspace(lo, hi, 26)


def metric_histograms(samples: Mapping[str, Mapping[str, Sequence[float]]],
                      published: Mapping[str, float] | None = None, n_test: int | None = 104,
                      title: str | None = None) -> bytes:
    """Accuracy and AUC histograms, one panel each. `samples`: {label: {"accuracy": [...],
    "auc": [...]}}; `published`: {"accuracy": v, "auc": v} (missing: no line). Bars are shares
    of each sample (weights 1/n); accuracy bins are one test row (1/n_test) wide."""
    published = dict(published or {})
    fig = Figure(figsize=(11, 4.2))
    for j, (metric, name) in enumerate((("accuracy", "test accuracy"), ("auc", "test AUC (pROC)"))):
        ax = fig.add_subplot(1, 2, j + 1)
        vals = [(lbl, np.asarray(s.get(metric, []), dtype=float)) for lbl, s in samples.items()]
        vals = [(lbl, v[np.isfinite(v)]) for lbl, v in vals]
        pub = published.get(metric)
        edges = _bins([v for _, v in vals], pub, (1.0 / n_test) if (metric == "accuracy" and n_test) else None)
        for i, (lbl, v) in enumerate(vals):
            if not v.size:
                continue
            c = COLORS[i % len(COLORS)]
            ax.hist(v, bins=edges, weights=np.full(v.size, 1.0 / v.size), color=c, alpha=0.45,
                    label=f"{lbl} (n={v.size})", edgecolor=c, linewidth=0.6)
        if pub is not None and np.isfinite(pub):
            ax.axvline(pub, color=PUBLISHED_COLOR, lw=2, ls="--", label=f"published {pub}")
        ax.set_xlabel(name)
        ax.set_ylabel("share of seeds")
        ax.legend(fontsize=8)
    fig.suptitle(title or "Distribution over seeds vs the published single draw")
    fig.tight_layout()
    return _png(fig)


def calibration_figure(series, n_bins: int = 10, title: str = "Calibration (reliability diagram)") -> bytes:
    """`series`: {label: ArticleResult | (labels, predictions) | {"labels","predictions"}}.
    Top: observed event rate vs mean prediction per uniform bin; bottom: prediction histograms."""
    from sklearn.calibration import calibration_curve

    fig = Figure(figsize=(6.4, 7.2))
    gs = fig.add_gridspec(2, 1, height_ratios=(3, 1))
    ax = fig.add_subplot(gs[0])
    axh = fig.add_subplot(gs[1], sharex=ax)
    ax.plot([0, 1], [0, 1], color="#9a9a9a", lw=0.8, ls=":", label="perfectly calibrated")
    for i, (label, obj) in enumerate(_items(series)):
        y, p = _as_xy(obj)
        c = COLORS[i % len(COLORS)]
        prob_true, prob_pred = calibration_curve(y.astype(int), np.clip(p, 0, 1), n_bins=n_bins,
                                                 strategy="uniform")
        ax.plot(prob_pred, prob_true, "o-", color=c, label=label)
        axh.hist(p, bins=np.linspace(0, 1, n_bins + 1), color=c, alpha=0.45, edgecolor=c, label=label)
    axh.axvline(0.5, color=PUBLISHED_COLOR, ls="--", lw=1, label="0.5 cut-off")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("observed event rate")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    axh.set_xlabel("predicted probability")
    axh.set_ylabel("count")
    axh.legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)


def variance_figure(split: Mapping[str, Sequence[float]], init: Mapping[str, Sequence[float]],
                    labels: tuple[str, str] = ("split seed varies", "init seed varies"),
                    published: Mapping[str, float] | None = None,
                    title: str = "Where the variance comes from") -> bytes:
    """Two panels (accuracy, AUC), each with two boxplots + jittered points: the metric over
    split seeds (`split`: {"accuracy", "auc"}) and over init seeds (`init`: same keys)."""
    published = dict(published or {})
    fig = Figure(figsize=(11, 4.2))
    rng = np.random.default_rng(0)  # jitter only
    for j, (metric, name) in enumerate((("accuracy", "test accuracy"), ("auc", "test AUC"))):
        ax = fig.add_subplot(1, 2, j + 1)
        data = []
        for s in (split, init):
            v = np.asarray(s.get(metric, []), dtype=float)
            data.append(v[np.isfinite(v)])
        ax.boxplot([d if d.size else np.array([np.nan]) for d in data], widths=0.5, showfliers=False)
        ax.set_xticks([1, 2], [f"{labels[0]}\n(n={data[0].size}, sd {np.std(data[0], ddof=1) if data[0].size > 1 else 0:.3f})",
                               f"{labels[1]}\n(n={data[1].size}, sd {np.std(data[1], ddof=1) if data[1].size > 1 else 0:.3f})"])
        for k, d in enumerate(data):
            ax.scatter(k + 1 + rng.uniform(-0.15, 0.15, d.size), d, s=8, alpha=0.5, color=COLORS[k])
        pub = published.get(metric)
        if pub is not None and np.isfinite(pub):
            ax.axhline(pub, color=PUBLISHED_COLOR, ls="--", lw=1.5, label=f"published {pub}")
            ax.legend(fontsize=8)
        ax.set_ylabel(name)
    fig.suptitle(title)
    fig.tight_layout()
    return _png(fig)


# ------------------------------------------------------------------------------------------
def figures_from_report(report: dict) -> dict[str, bytes]:
    """Every figure whose inputs are in `report["reproduction"]` (layout: parity.html_report):
    "roc" and "calibration" from `roc_inputs`, "metric_histograms" from `samples` +
    `published`, "variance" from `variance`."""
    rep = report.get("reproduction") or {}
    pub = rep.get("published") or report.get("published") or {}
    pub_m = {"accuracy": pub.get("test_accuracy"), "auc": pub.get("auc")}
    out: dict[str, bytes] = {}
    ri = rep.get("roc_inputs") or {}
    if ri:
        curves = [(v.get("label", k), v) for k, v in ri.items()]
        out["roc"] = roc_figure(curves)
        out["calibration"] = calibration_figure(curves)
    samples = rep.get("samples") or {}
    if samples:
        out["metric_histograms"] = metric_histograms({v.get("label", k): v for k, v in samples.items()},
                                                     pub_m, pub.get("n_test", 104))
    var = rep.get("variance") or {}
    if var.get("split") and var.get("init"):
        out["variance"] = variance_figure(var["split"], var["init"],
                                          (var["split"].get("label", "split seed varies"),
                                           var["init"].get("label", "init seed varies")), pub_m)
    return out


R_PLOT_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(pROC))
d <- read.csv(args[1])
test_labels <- d$label
predictions <- matrix(d$prediction, ncol = 1)  # keras predict() returns an n x 1 matrix
png(args[2], width = 640, height = 640, type = "cairo")
roc_obj <- roc(test_labels, predictions)
plot(roc_obj, col = "blue", main = "ROC Curve", xlab = "False Positive Rate", ylab = "True Positive Rate", print.thres = TRUE, print.auc = TRUE, legacy.axes = TRUE)
invisible(dev.off())
"""


def r_roc_plot(labels, predictions, timeout: float = 60) -> tuple[bytes | None, str]:
    """R's own plot: the article's `roc(test_labels, predictions)` + `plot(..., print.thres=TRUE,
    print.auc=TRUE, legacy.axes=TRUE)` run by Rscript on these inputs. Returns (PNG bytes, "")
    or (None, why not) -- never raises for a missing R/pROC."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None, "Rscript not found (apt-get install r-base-core r-cran-proc)"
    y = np.asarray(labels).ravel()
    p = np.asarray(predictions, dtype=float).ravel()
    with tempfile.TemporaryDirectory(prefix="rocplot") as td:
        csv, png, script = (os.path.join(td, n) for n in ("in.csv", "roc.png", "plot.R"))
        with open(csv, "w") as fh:
            fh.write("label,prediction\n")
            for a, b in zip(y.tolist(), p.tolist()):
                fh.write(f"{a},{b!r}\n")
        with open(script, "w") as fh:
            fh.write(R_PLOT_SCRIPT)
        try:
            proc = subprocess.run([rscript, "--vanilla", script, csv, png], capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, f"Rscript did not finish within {timeout:g} s"
        if proc.returncode != 0 or not os.path.exists(png):
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            return None, f"Rscript failed (exit {proc.returncode}): {tail[0]}"
        with open(png, "rb") as fh:
            return fh.read(), ""
