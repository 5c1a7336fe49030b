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
* `reproduction_figures`: the histograms of every published metric over the runs, from
  `report["reproduction"]` alone (so a report can be re-rendered from report.json).

PNG output is deterministic for equal inputs (no Software/date metadata).
"""
from __future__ import annotations

import io
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
    """Roc, a result object with `predictions` and `test_labels`, a (labels, predictions) pair or a dict
    {"labels", "predictions"} -> Roc (pROC rules, direction auto)."""
    from python_impl.roc import Roc, roc

    if isinstance(obj, Roc):
        return obj
    if hasattr(obj, "predictions") and hasattr(obj, "test_labels"):
        if obj.test_labels is None:
            raise ValueError("a result without test_labels: pass (labels, predictions)")
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
    """`curves`: {label: Roc | (labels, predictions) | {"labels","predictions"}} (or a list of
    (label, curve) pairs), drawn in order: each later curve dashed and on top, so two identical
    curves (R's and Python's under a shared seed) both stay visible. Labels stay inside the axes."""
    fig = Figure(figsize=(6.4, 6.4))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([0, 1], [0, 1], color="#9a9a9a", lw=0.8)
    for i, (label, obj) in enumerate(_items(curves)):
        r = _as_roc(obj)
        c = COLORS[i % len(COLORS)]
        fpr = 1 - np.asarray(r.specificities)
        se = np.asarray(r.sensitivities)
        ax.plot(fpr, se, color=c, lw=2.4 - 0.8 * min(i, 1), ls="-" if i == 0 else (0, (5, 3)), zorder=2 + i,
                label=f"{label} (AUC {r.auc:.3f})")
        for b in r.best():
            x, y = 1 - b["specificity"], b["sensitivity"]
            ax.plot([x], [y], "o", color=c, ms=5 - i, zorder=3 + i)
            right = x < 0.55  # text to the right of the point unless that runs off the axes
            ax.annotate(PROC_THRES_PATTERN % (b["threshold"], b["specificity"], b["sensitivity"]),
                        (x, y), xytext=(8 if right else -8, -14 - 14 * i), textcoords="offset points", color=c,
                        fontsize=9, ha="left" if right else "right", annotation_clip=False,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
        ax.text(0.97, 0.30 - 0.06 * i, PROC_AUC_PATTERN % r.auc + f"  ({label})", color=c, fontsize=9,
                ha="right", transform=ax.transAxes)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("1 - Specificity (False Positive Rate)")
    ax.set_ylabel("Sensitivity (True Positive Rate)")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
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
                      published: Mapping[str, float] | None = None, n_test: int | None = None,
                      title: str | None = None, metrics: Sequence[tuple[str, str]] | None = None,
                      steps: Mapping[str, float] | None = None) -> bytes:
    """One histogram panel per metric. `samples`: {label: {metric: [...]}}; `published`:
    {metric: v} (missing: no line); `metrics`: [(key, axis label)] (default accuracy and AUC);
    `steps`: {metric: bin width} for discrete metrics (e.g. accuracy: 1/n_test). Bars are shares
    of each sample (weights 1/n), so 200 Python runs and 10 R runs are comparable."""
    published = dict(published or {})
    metrics = list(metrics or (("accuracy", "test accuracy"), ("auc", "test AUC (pROC)")))
    steps = dict(steps or {})
    if n_test and "accuracy" in dict(metrics) and "accuracy" not in steps:
        steps["accuracy"] = 1.0 / n_test
    fig = Figure(figsize=(5.5 * len(metrics), 4.2))
    for j, (metric, name) in enumerate(metrics):
        ax = fig.add_subplot(1, len(metrics), j + 1)
        vals = [(lbl, np.asarray(s.get(metric, []), dtype=float)) for lbl, s in samples.items()]
        vals = [(lbl, v[np.isfinite(v)]) for lbl, v in vals]
        pub = published.get(metric)
        edges = _bins([v for _, v in vals], pub, steps.get(metric))
        for i, (lbl, v) in enumerate(vals):
            if not v.size:
                continue
            c = COLORS[i % len(COLORS)]
            ax.hist(v, bins=edges, weights=np.full(v.size, 1.0 / v.size), color=c, alpha=0.45,
                    label=f"{lbl} (n={v.size})", edgecolor=c, linewidth=0.6)
        if pub is not None and np.isfinite(pub):
            ax.axvline(pub, color=PUBLISHED_COLOR, lw=2, ls="--", label=f"published {pub}")
        ax.set_xlabel(name)
        ax.set_ylabel("share of runs")
        ax.legend(fontsize=8)
    fig.suptitle(title or "Distribution over runs vs the published single draw")
    fig.tight_layout()
    return _png(fig)


def _step_for(values: Sequence[float]) -> float | None:
    """The grid a metric lives on (k/n for an accuracy over n rows), when its values show one."""
    v = np.unique(np.round(np.asarray(values, dtype=float), 12))
    if v.size < 3:
        return None
    d = np.diff(v)
    step = float(d.min())
    if step <= 0 or not np.allclose(np.round(d / step), d / step, atol=1e-6):
        return None
    n = 1.0 / step
    return step if abs(n - round(n)) < 1e-6 and round(n) <= 100_000 else None


def reproduction_figures(report: dict) -> dict[str, bytes]:
    """{"metric_histograms": PNG} from `report["reproduction"]` (samples + published), or {}."""
    rep = report.get("reproduction") or {}
    pub = rep.get("published") or {}
    samples = rep.get("samples") or {}
    metrics = [(m, d.get("label") or m) for m, d in pub.items() if any(s.get(m) for s in samples.values())]
    if not samples or not metrics:
        return {}
    steps = {}
    for m, _ in metrics:
        allv = [x for s in samples.values() for x in (s.get(m) or [])]
        st = _step_for(allv)
        if st:
            steps[m] = st
    return {"metric_histograms": metric_histograms(
        {v.get("label", k): v for k, v in samples.items()}, {m: d.get("value") for m, d in pub.items()},
        metrics=metrics, steps=steps)}


def calibration_figure(series, n_bins: int = 10, title: str = "Calibration (reliability diagram)") -> bytes:
    """`series`: {label: result object | (labels, predictions) | {"labels","predictions"}}.
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
        pc = np.clip(p, 0, 1)
        prob_true, prob_pred = calibration_curve(y.astype(int), pc, n_bins=n_bins, strategy="uniform")
        ax.plot(prob_pred, prob_true, "o-" if i == 0 else "s--", color=c, label=label, zorder=2 + i)
        # the number of predictions behind each point (calibration_curve drops empty bins)
        counts = np.histogram(pc, bins=np.linspace(0, 1, n_bins + 1))[0]
        for (xp, yp), k in zip(zip(prob_pred, prob_true), counts[counts > 0]):
            ax.annotate(f"n={k}", (xp, yp), xytext=(4, 6 - 14 * i), textcoords="offset points", color=c,
                        fontsize=7)
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


