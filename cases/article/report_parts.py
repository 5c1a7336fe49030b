"""How the article's report section reads in report.md and report.html (from report.json alone).

`render_html(data, report)`, `render_markdown(data, report)` and `figures(data, report)` receive
`report["sections"]["reproduction"]["data"]` as the `reproduction` section built it:
{"baselines", "findings", "variance", "roc_inputs", "unavailable"} (each optional).
`r_roc_plot` draws R's own pROC plot of the article's call on given labels and predictions.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import numpy as np

from parity.fmt import e as _e, f as _f, figure, mean as _mean, md as _md, num as _num, p as _p, pct as _pct
from parity.fmt import sd as _sd, table as _table

FINDING_TITLES = {
    "scaling_leak": "(a) Scaling before the split",
    "censoring": "(b) status mixes censoring with events",
    "seed_spread": "(c) Unseeded weights",
    "threshold_balance": "(d) Class balance and the 0.5 threshold",
}
CAPTIONS = {
    "roc": ("ROC curves computed with pROC's rules (direction auto, midpoint thresholds), drawn as pROC's "
            "plot(legacy.axes=TRUE): 1 - specificity against sensitivity; R's curve dashed on top of Python's. "
            "Each marked point is the Youden-best threshold, labelled as print.thres=TRUE prints it: threshold "
            "(specificity, sensitivity)."),
    "calibration": ("Reliability diagram of the seeded runs' test predictions: observed event rate against "
                    "mean predicted probability in ten equal-width bins (sklearn.calibration.calibration_curve; "
                    "the number of predictions in each bin is printed beside its point), with the predictions' "
                    "histogram and Keras's 0.5 cut-off below."),
    "variance": "Accuracy and AUC when only the split seed varies vs when only the weight-init seed varies.",
}


def figures(data: dict, report: dict) -> dict[str, bytes]:
    from parity.figures import calibration_figure, roc_figure, variance_figure

    out: dict[str, bytes] = {}
    ri = data.get("roc_inputs") or {}
    if ri:
        curves = [(v.get("label", k), v) for k, v in ri.items()]
        out["roc"] = roc_figure(curves)
        if all(set(np.unique(v["labels"])) <= {0, 1} for v in ri.values()):  # a reliability diagram needs 0/1
            out["calibration"] = calibration_figure(curves)
    var = data.get("variance") or {}
    if var.get("split") and var.get("init"):
        pub = (report.get("reproduction") or {}).get("published") or {}
        pub_m = {"accuracy": (pub.get("test_accuracy") or {}).get("value"), "auc": (pub.get("roc_auc") or {}).get("value")}
        out["variance"] = variance_figure(var["split"], var["init"], (var["split"].get("label", "split seed varies"),
                                                                     var["init"].get("label", "init seed varies")), pub_m)
    return out


# ---- HTML -----------------------------------------------------------------------------------
def _baseline_row(b: dict) -> list:
    ci = b.get("auc_ci") or [None, None, None]
    return [b.get("name", ""), _num(f"{_f(b.get('accuracy'), 4)} ({b.get('n_correct', '?')}/{b.get('n_test', '?')})"),
            _num(_f(b.get("auc"), 3)), _num(f"{_f(ci[0], 3)} - {_f(ci[2], 3)}"), _num(str(b.get("roc_direction", "")))]


def _baselines_html(b: dict, report: dict) -> str:
    parts = [f'<p class="sub">Split seed {_e(b.get("split_seed", "?"))}; {_e(b.get("scaling", ""))}.</p>']
    rows = [_baseline_row(b[k]) for k in ("majority", "logistic") if k in b]
    seeded = (report.get("reproduction") or {}).get("seeded") or {}
    for key, label in (("r", "CNN, R side (seeded)"), ("py", "CNN, Python side (seeded)")):
        r = seeded.get(key) or {}
        if "roc_auc" in r:
            rows.append([label, _num(_f(r.get("test_accuracy"), 4)), _num(_f(r.get("roc_auc"), 3)), _num("-"), _num("")])
    parts.append(_table(["model", "accuracy", "AUC", "95% CI (DeLong)", "direction"], rows))
    d = b.get("paired_delong")
    if d:
        ci = d.get("conf_int") or [None, None]
        parts.append(
            f'<p class="sentence">Paired DeLong test, {_e(d.get("cnn_label", "CNN"))} vs logistic regression on '
            f'the same test rows: AUC {_f(d.get("auc_cnn"))} vs {_f(d.get("auc_lr"))} (difference '
            f'{_f(d.get("difference"))}, 95% CI {_f(ci[0])} to {_f(ci[1])}), z = {_f(d.get("z"), 2)}, '
            f'p = {_p(d.get("p_value"))}: {_e(d.get("words", ""))}.</p>')
        for w in d.get("warnings") or []:
            parts.append(f'<p class="note">{_e(w)}</p>')
    o = b.get("over_split_seeds")
    if o:
        n = len(o.get("split_seeds", []))
        rows = []
        for k, label in (("logistic", "logistic regression"), ("majority", "majority class")):
            if k in o:
                rows.append([label, _num(str(n)), _num(f"{_f(_mean(o[k]['accuracy']), 4)} ± {_f(_sd(o[k]['accuracy']), 4)}"),
                             _num(f"{_f(_mean(o[k]['auc']), 3)} ± {_f(_sd(o[k]['auc']), 3)}")])
        parts.append("<h3>Over split seeds</h3>")
        parts.append(_table(["model", "split seeds", "accuracy (mean ± sd)", "AUC (mean ± sd)"], rows))
        if "test_majority_share" in o:
            parts.append(f'<p class="sub">Test-set majority share over these splits: mean '
                         f'{_f(_mean(o["test_majority_share"]), 4)}.</p>')
    return "\n".join(parts)


def _finding_details(key: str, fd: dict) -> str:
    if key == "scaling_leak" and "per_feature" in fd:
        rows = [[name, _num(_f(d["center_all"], 4)), _num(_f(d["center_train"], 4)), _num(_f(d["scale_all"], 4)),
                 _num(_f(d["scale_train"], 4)), _num(_f(d["center_shift_sd"], 4)), _num(_pct(d["scale_ratio_minus_1"], 2)),
                 _num(_f(d["test_max_abs_move_sd"], 4))] for name, d in fd["per_feature"].items()]
        return _table(["feature", "centre (all)", "centre (train)", "scale (all)", "scale (train)",
                       "centre shift (train sd)", "scale change", "max test-row move (sd)"], rows)
    if key == "censoring" and fd.get("available"):
        rows = [[_num(str(h["days"])), _num(str(h["censored_short"])), _num(_pct(h["share_of_censored"])),
                 _num(_pct(h["share_of_all"])), _num(f"{h['events_after']} ({_pct(h['share_of_events_after'])})"),
                 _num(str(h["test_censored_short"]))] for h in fd.get("horizons", {}).values()]
        return _table(["horizon (days)", "censored with shorter follow-up", "share of censored", "share of all",
                       "events after horizon", "in test set"], rows)
    if key == "seed_spread":
        rows = []
        for m, label in (("accuracy", "test accuracy"), ("auc", "AUC")):
            d = fd.get(m) or {}
            rows.append([label, _num(str(d.get("n"))), _num(_f(d.get("mean"), 4)), _num(_f(d.get("sd"), 4)),
                         _num(f"{_f(d.get('p2_5'))} - {_f(d.get('p97_5'))}"), _num(f"{_f(d.get('min'))} - {_f(d.get('max'))}")])
        return _table(["metric", "n", "mean", "sd", "95% range", "min - max"], rows)
    if key == "threshold_balance":
        rows = [["always predict the majority", _num("-"), _num(_f(fd.get("majority_rate"), 4)), _num("-"), _num("-")],
                ["Keras 0.5 cut-off", _num("0.5"), _num(_f(fd.get("accuracy_at_0_5"), 4)),
                 _num(_f(fd.get("sensitivity_at_0_5"))), _num(_f(fd.get("specificity_at_0_5")))]]
        for b in fd.get("youden", []):
            rows.append(["pROC Youden best", _num(_f(b["threshold"])), _num(_f(b.get("accuracy"), 4)),
                         _num(_f(b["sensitivity"])), _num(_f(b["specificity"]))])
        return _table(["rule", "threshold", "accuracy", "sensitivity", "specificity"], rows)
    return ""


def render_html(data: dict, report: dict) -> str:
    parts = []
    figs = figures(data, report)
    if data.get("baselines"):
        parts += ["<h3>Baselines</h3>", _baselines_html(data["baselines"], report)]
    if data.get("findings"):
        parts.append("<h3>Methodology findings</h3>")
        for key, fd in data["findings"].items():
            parts.append(f"<h4>{_e(FINDING_TITLES.get(key, key))}</h4>")
            parts.append(f'<p class="sentence">{_e(fd.get("sentence", ""))}</p>')
            parts.append(_finding_details(key, fd))
    for key in ("roc", "calibration", "variance"):
        if key in figs:
            parts.append(figure(figs[key], key, CAPTIONS[key]))
    for key, msg in (data.get("unavailable") or {}).items():
        parts.append(f'<p class="note">{_e(key)} not computed: {_e(msg)}</p>')
    return "\n".join(parts)


# ---- markdown -------------------------------------------------------------------------------
def render_markdown(data: dict, report: dict) -> str:
    L: list[str] = []
    b = data.get("baselines")
    if b:
        L += ["### Baselines", "", f"Split seed {b.get('split_seed')}; {b.get('scaling', '')}.", "",
              "| model | accuracy | AUC | 95% CI (DeLong) | direction |", "|---|---|---|---|---|"]
        for k in ("majority", "logistic"):
            if k in b:
                x = b[k]
                ci = x.get("auc_ci") or [None] * 3
                L.append(f"| {x.get('name')} | {_f(x.get('accuracy'), 4)} ({x.get('n_correct')}/{x.get('n_test')}) | "
                         f"{_f(x.get('auc'))} | {_f(ci[0])}-{_f(ci[2])} | {x.get('roc_direction')} |")
        d = b.get("paired_delong")
        if d:
            ci = d.get("conf_int") or [None, None]
            L += ["", f"Paired DeLong, {_md(d.get('cnn_label', 'CNN'))} vs logistic regression: AUC "
                      f"{_f(d.get('auc_cnn'))} vs {_f(d.get('auc_lr'))} (difference {_f(d.get('difference'))}, 95% CI "
                      f"{_f(ci[0])} to {_f(ci[1])}), z = {_f(d.get('z'), 2)}, p = {_p(d.get('p_value'))}: "
                      f"{d.get('words', '')}."]
        o = b.get("over_split_seeds")
        if o:
            n = len(o.get("split_seeds", []))
            L += ["", f"Over {n} split seeds: logistic regression accuracy {_f(_mean(o['logistic']['accuracy']), 4)} ± "
                      f"{_f(_sd(o['logistic']['accuracy']), 4)}, AUC {_f(_mean(o['logistic']['auc']))} ± "
                      f"{_f(_sd(o['logistic']['auc']))}; majority accuracy {_f(_mean(o['majority']['accuracy']), 4)} ± "
                      f"{_f(_sd(o['majority']['accuracy']), 4)}."]
        L.append("")
    fs = data.get("findings") or {}
    if fs:
        L += ["### Methodology findings", ""]
        L += [f"- **{FINDING_TITLES.get(k, k)}**: {fd.get('sentence', '')}" for k, fd in fs.items()]
        L.append("")
    var = data.get("variance") or {}
    if var.get("split") and var.get("init"):
        s, i = var["split"], var["init"]
        L += ["### Split vs initialisation variance", "",
              f"- {s['label']}: AUC {_f(_mean(s['auc']))} ± {_f(_sd(s['auc']))}, accuracy "
              f"{_f(_mean(s['accuracy']))} ± {_f(_sd(s['accuracy']))}",
              f"- {i['label']}: AUC {_f(_mean(i['auc']))} ± {_f(_sd(i['auc']))}, accuracy "
              f"{_f(_mean(i['accuracy']))} ± {_f(_sd(i['accuracy']))}", ""]
    for key, msg in (data.get("unavailable") or {}).items():
        L.append(f"- {key} not computed: {_md(msg)}")
    return "\n".join(L)


# ---- R's own plot of the article's call -------------------------------------------------------
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
    pr = np.asarray(predictions, dtype=float).ravel()
    with tempfile.TemporaryDirectory(prefix="rocplot") as td:
        csv, png, script = (os.path.join(td, n) for n in ("in.csv", "roc.png", "plot.R"))
        with open(csv, "w") as fh:
            fh.write("label,prediction\n")
            for a, b in zip(y.tolist(), pr.tolist()):
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
