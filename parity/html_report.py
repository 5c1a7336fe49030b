"""report.html: one self-contained page (inline CSS, figures as base64 `data:image/png` URIs, no
external resources, no JavaScript) rendered from the report dict, plus the markdown section
`reproduction_markdown` for report.md. Every number on the page is formatted from `report`
(i.e. from report.json); figures come in as PNG bytes (`parity.figures.figures_from_report`
rebuilds them from report.json too), so both files can be regenerated from report.json alone.

Layout of `report["reproduction"]` (built by `parity.reproduction.build_reproduction`; every
part optional, every value JSON-able; "source" keys below are free names such as "py", "r",
"py_fast"):

    {
      "version": 1,
      "published": {"test_loss": 0.6172654, "test_accuracy": 0.6442308, "test_correct": 67,
                    "n_test": 104, "auc": 0.717,
                    "decimals": {"accuracy": 7, "auc": 3, "loss": 7},   # as printed by the article
                    "source": "where each number was printed"},
      "samples":   {source: {"label": "Python fast trainer, seeds 0-199", "kind": "init seeds",
                             "seeds": [int], "accuracy": [float], "auc": [float],
                             "loss": [float] (optional),
                             "command": "template reproducing one seed, with {seed}" (optional)}},
      "stats":     {source: {metric: reproduction.describe(...)}},      # metric: accuracy|auc|loss
      "verdicts":  {source: {metric: reproduction.verdict(...)}},       # statistic,p_value,method,words
      "witnesses": {source: {metric | "both": reproduction.witness_block(...)}},
                   # target, decimals, criterion, n_searched, n_found, share, seeds, commands
      "baselines": {"split_seed": 123, "scaling": str, "test_labels": [int],
                    "majority": {name, n_test, n_correct, accuracy, auc, auc_ci[3],
                                 roc_direction, predictions, majority_label, train_majority_share},
                    "logistic": {... same ..., model, coef, intercept},
                    "paired_delong": {z, p_value, auc_cnn, auc_lr, difference, conf_int[2],
                                      direction_cnn, direction_lr, warnings, method, words,
                                      cnn_source, cnn_label}                 (optional),
                    "over_split_seeds": baselines.over_split_seeds(...)     (optional)},
      "findings":  {"scaling_leak" | "censoring" | "seed_spread" | "threshold_balance":
                    {..numbers.., "sentence": str}},                        (parity.findings)
      "variance":  {"split": {"label", "accuracy": [...], "auc": [...]}, "init": {...}},
      "roc_inputs": {source: {"label", "labels": [int], "predictions": [float]}},
      "r_plot":    {"available": bool, "note": "why R's own plot is missing"},
      "captions":  {figure key: caption}                                    (optional overrides)
    }

Figure keys with built-in captions: "roc", "metric_histograms", "calibration", "variance";
any other key is shown with its caption from `captions` (or its key).
"""
from __future__ import annotations

import base64
import html
import math
from typing import Any

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
STATUS_ORDER = ("PASS", "WARN", "FAIL", "SKIP")
METRIC_NAMES = {"accuracy": "test accuracy", "auc": "AUC", "loss": "test loss", "both": "accuracy and AUC"}
PUBLISHED_KEY = {"accuracy": "test_accuracy", "auc": "auc", "loss": "test_loss"}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;
     background:#f6f7f9;color:#1d2330;line-height:1.45}
main{max-width:1220px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:1.7em;margin:.2em 0 .3em;color:#10234a} h2{margin-top:1.8em;border-bottom:2px solid #d8dee9;
     padding-bottom:4px;color:#10234a} h3{margin-bottom:.3em;color:#243b6b}
.sub{color:#5a6577;margin-top:0}
.badges span{display:inline-block;padding:6px 14px;margin:4px 8px 4px 0;border-radius:16px;font-weight:600}
.PASS{background:#dff3e4;color:#17612c}.WARN{background:#fff1cc;color:#7a5300}
.FAIL{background:#fbdada;color:#9b1422}.SKIP{background:#e6e9ef;color:#4a5568}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:.9em}
th,td{border:1px solid #d8dee9;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef2f8} tr:nth-child(even) td{background:#fafbfd}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.status{font-weight:700;text-align:center}
.sentence{background:#f1f5fb;border-left:4px solid #3b6fc4;padding:8px 12px;margin:6px 0 10px}
.note{background:#fff7e0;border-left:4px solid #d99a00;padding:8px 12px}
figure{margin:12px 0 24px} figure img{max-width:100%;border:1px solid #d8dee9}
figcaption{color:#46505f;font-size:.92em;margin-top:4px}
.pair{display:flex;gap:18px;flex-wrap:wrap}.pair figure{flex:1 1 520px}
code{background:#eef1f5;padding:1px 4px;border-radius:3px;font-size:.92em}
.unusual{color:#9b1422;font-weight:700}.consistent{color:#17612c;font-weight:700}
footer{color:#7a8494;font-size:.85em;margin-top:40px}
"""


# ---------------------------------------------------------------------------- formatting
def _e(s: Any) -> str:
    return html.escape(str(s), quote=True)


def _isnum(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _f(v: Any, digits: int = 3) -> str:
    if v is None:
        return "n/a"
    if _isnum(v):
        v = float(v)
        if math.isnan(v):
            return "n/a"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return f"{v:.{digits}f}"
    return str(v)


def _pct(v: Any, digits: int = 1) -> str:
    return "n/a" if v is None or (_isnum(v) and math.isnan(float(v))) else f"{100 * float(v):.{digits}f}%"


def _p(v: Any) -> str:
    if v is None or (_isnum(v) and math.isnan(float(v))):
        return "n/a"
    v = float(v)
    return f"{v:.3g}" if v >= 1e-3 else f"{v:.2e}"


def _sd(vals) -> float:
    a = np.asarray(vals, dtype=float)
    a = a[np.isfinite(a)]
    return float(a.std(ddof=1)) if a.size > 1 else float("nan")


def _mean(vals) -> float:
    a = np.asarray(vals, dtype=float)
    a = a[np.isfinite(a)]
    return float(a.mean()) if a.size else float("nan")


def _data_uri(png: bytes) -> str:
    if not isinstance(png, (bytes, bytearray)) or not bytes(png).startswith(PNG_SIGNATURE):
        raise ValueError("figure is not PNG bytes")
    return "data:image/png;base64," + base64.b64encode(bytes(png)).decode("ascii")


def _table(head: list[str], rows: list[list[tuple[str, str] | str]]) -> str:
    """rows of cells; a cell is text (escaped) or (html, css class) already formatted."""
    out = ["<table><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>"]
    for r in rows:
        cells = []
        for c in r:
            if isinstance(c, tuple):
                cells.append(f'<td class="{c[1]}">{c[0]}</td>')
            else:
                cells.append(f"<td>{_e(c)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _num(s: str) -> tuple[str, str]:
    return (_e(s), "num")


# ---------------------------------------------------------------------------- captions
def _captions(report: dict) -> dict[str, str]:
    rep = report.get("reproduction") or {}
    pub = rep.get("published") or report.get("published") or {}
    samples = rep.get("samples") or {}
    ns = ", ".join(f"{_sample_label(rep, k)}: n={len(v.get('seeds', []))}" for k, v in samples.items())
    var = rep.get("variance") or {}
    caps = {
        "roc": ("ROC curves computed with pROC's rules (direction auto, midpoint thresholds), drawn as "
                "pROC's plot(legacy.axes=TRUE): 1 - specificity against sensitivity. Each marked point is "
                "the Youden-best threshold, labelled as print.thres=TRUE prints it: threshold "
                "(specificity, sensitivity)."),
        "metric_histograms": (f"Test accuracy and AUC over seeds ({ns or 'no samples'}), as shares of each "
                              f"sample; the dashed line marks the published value (accuracy "
                              f"{pub.get('test_accuracy', 'n/a')}, AUC {pub.get('auc', 'n/a')})."),
        "calibration": ("Reliability diagram: observed event rate against mean predicted probability in ten "
                        "equal-width bins (sklearn.calibration.calibration_curve), with the predictions' "
                        "histogram and Keras's 0.5 cut-off below."),
        "variance": (f"Accuracy and AUC when only the split seed varies "
                     f"(n={len((var.get('split') or {}).get('auc', []))}) vs when only the weight-init "
                     f"seed varies (n={len((var.get('init') or {}).get('auc', []))})."),
    }
    caps.update(rep.get("captions") or {})
    return caps


def _sample_label(rep: dict, src: str) -> str:
    return ((rep.get("samples") or {}).get(src) or {}).get("label", src)


# ---------------------------------------------------------------------------- sections
def _summary_html(report: dict) -> str:
    s = report.get("summary") or {}
    badges = "".join(f'<span class="{k}">{s.get(k, 0)} {k}</span>' for k in STATUS_ORDER)
    opts = report.get("options") or {}
    extra = []
    if "keras_seed" in opts:
        extra.append(f"keras seed {_e(opts['keras_seed'])}")
    if "seeds" in opts:
        extra.append(f"{_e(opts['seeds'])} Python trainings ({_e(opts.get('trainer', 'keras'))} trainer), "
                     f"{_e(opts.get('r_seeds', opts['seeds']))} R runs for the distributions")
    if "use_r" in opts and not opts["use_r"]:
        extra.append("R disabled")
    return f'<div class="badges">{badges}</div><p class="sub">{"; ".join(extra)}</p>'


def _checks_html(report: dict) -> str:
    checks = report.get("checks") or []
    if not checks:
        return "<p>No checks in this report.</p>"
    rows = []
    for c in checks:
        st = str(c.get("status", ""))
        rows.append([c.get("name", ""), c.get("r_value", ""), c.get("py_value", ""), c.get("difference", ""),
                     c.get("tolerance", ""), (_e(st), f"status {st}"), c.get("detail", "")])
    return _table(["check", "R", "Python", "difference", "tolerance", "status", "detail"], rows)


def _published_html(report: dict) -> str:
    rep = report.get("reproduction") or {}
    pub = rep.get("published") or report.get("published") or {}
    parts = []
    if pub:
        parts.append(
            f"<p>The article reports, from one run with unseeded Keras weights: test loss "
            f"<b>{_e(pub.get('test_loss', 'n/a'))}</b>, accuracy <b>{_e(pub.get('test_accuracy', 'n/a'))}</b> "
            f"({_e(pub.get('test_correct', '?'))}/{_e(pub.get('n_test', '?'))}) and AUC "
            f"<b>{_e(pub.get('auc', 'n/a'))}</b>.</p>")
        if pub.get("source"):
            parts.append(f'<p class="sub">Printed as: {_e(pub["source"])}</p>')
    stats, verdicts = rep.get("stats") or {}, rep.get("verdicts") or {}
    if stats:
        rows = []
        for src, by_m in stats.items():
            for m, d in by_m.items():
                v = (verdicts.get(src) or {}).get(m) or {}
                words = v.get("words", "n/a")
                cls = "unusual" if words == "unusual" else "consistent"
                rows.append([_sample_label(rep, src), METRIC_NAMES.get(m, m), _num(_f(d.get("published"), 7 if m != "auc" else 3)),
                             _num(str(d.get("n"))), _num(_f(d.get("mean"), 4)), _num(_f(d.get("sd"), 4)),
                             _num(f"{_f(d.get('p2_5'), 3)} - {_f(d.get('p97_5'), 3)}"),
                             _num(_f(d.get("percentile_of_published"), 1)),
                             _num(_pct(d.get("share_within"))),
                             _num(_f(v.get("statistic"), 2)), _num(_p(v.get("p_value"))),
                             (_e(words), cls)])
        near = next((d.get("near") for by_m in stats.values() for d in by_m.values()), 0.01)
        parts.append(_table(["sample", "metric", "published", "n", "mean", "sd", "95% range",
                             "percentile of published", f"share within ±{near}", "z", "p (two-sided)",
                             "verdict"], rows))
        methods = sorted({v.get("method", "") for by_m in verdicts.values() for v in by_m.values()})
        if methods:
            parts.append('<p class="sub">Test: ' + "<br>".join(_e(m) for m in methods if m) + "</p>")
    wit = rep.get("witnesses") or {}
    if wit:
        parts.append("<h3>Witness seeds</h3><p>Seeds whose result prints exactly as the article's "
                     "(rounded at the article's printed precision).</p>")
        rows = []
        for src, by_m in wit.items():
            for m, w in by_m.items():
                seeds = w.get("seeds", [])
                shown = ", ".join(str(s) for s in seeds[:20]) + (" ..." if len(seeds) > 20 else "")
                cmds = "<br>".join(f"<code>{_e(c)}</code>" for c in w.get("commands", [])[:3])
                rows.append([_sample_label(rep, src), METRIC_NAMES.get(m, m), (f"<code>{_e(w.get('criterion', ''))}</code>", ""),
                             _num(f"{w.get('n_found', 0)}/{w.get('n_searched', 0)}"), _num(_pct(w.get("share"))),
                             shown or "none", (cmds or "-", "")])
        parts.append(_table(["sample", "metric", "criterion", "found", "share", "seeds", "reproduce"], rows))
    if not parts:
        return "<p>No reproduction data in this report.</p>"
    return "\n".join(parts)


def _baseline_row(b: dict) -> list:
    ci = b.get("auc_ci") or [None, None, None]
    return [b.get("name", ""), _num(f"{_f(b.get('accuracy'), 4)} ({b.get('n_correct', '?')}/{b.get('n_test', '?')})"),
            _num(_f(b.get("auc"), 3)), _num(f"{_f(ci[0], 3)} - {_f(ci[2], 3)}"), _num(str(b.get("roc_direction", "")))]


def _baselines_html(report: dict) -> str:
    rep = report.get("reproduction") or {}
    b = rep.get("baselines")
    if not b:
        return "<p>No baselines in this report.</p>"
    parts = [f'<p class="sub">Split seed {_e(b.get("split_seed", "?"))}; {_e(b.get("scaling", ""))}.</p>']
    rows = [_baseline_row(b[k]) for k in ("majority", "logistic") if k in b]
    runs = report.get("runs") or {}
    for key, label in (("r", "CNN, R side (seeded)"), ("py", "CNN, Python side (seeded)")):
        r = runs.get(key)
        if isinstance(r, dict) and "auc" in r:
            ci = r.get("auc_ci") or [None, None, None]
            rows.append([label, _num(_f(r.get("test_accuracy"), 4)), _num(_f(r.get("auc"), 3)),
                         _num(f"{_f(ci[0], 3)} - {_f(ci[2], 3)}"), _num(str(r.get("roc_direction", "")))])
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


FINDING_TITLES = {
    "scaling_leak": "(a) Scaling before the split",
    "censoring": "(b) status mixes censoring with events",
    "seed_spread": "(c) Unseeded weights",
    "threshold_balance": "(d) Class balance and the 0.5 threshold",
}


def _finding_details(key: str, f: dict) -> str:
    if key == "scaling_leak" and "per_feature" in f:
        rows = [[name, _num(_f(d["center_all"], 4)), _num(_f(d["center_train"], 4)), _num(_f(d["scale_all"], 4)),
                 _num(_f(d["scale_train"], 4)), _num(_f(d["center_shift_sd"], 4)), _num(_pct(d["scale_ratio_minus_1"], 2)),
                 _num(_f(d["test_max_abs_move_sd"], 4))] for name, d in f["per_feature"].items()]
        return _table(["feature", "centre (all)", "centre (train)", "scale (all)", "scale (train)",
                       "centre shift (train sd)", "scale change", "max test-row move (sd)"], rows)
    if key == "censoring" and f.get("available"):
        rows = [[_num(str(h["days"])), _num(str(h["censored_short"])), _num(_pct(h["share_of_censored"])),
                 _num(_pct(h["share_of_all"])), _num(f"{h['events_after']} ({_pct(h['share_of_events_after'])})"),
                 _num(str(h["test_censored_short"]))] for h in f.get("horizons", {}).values()]
        return _table(["horizon (days)", "censored with shorter follow-up", "share of censored", "share of all",
                       "events after horizon", "in test set"], rows)
    if key == "seed_spread":
        rows = []
        for m in ("accuracy", "auc"):
            d = f.get(m) or {}
            rows.append([METRIC_NAMES[m], _num(str(d.get("n"))), _num(_f(d.get("mean"), 4)), _num(_f(d.get("sd"), 4)),
                         _num(f"{_f(d.get('p2_5'))} - {_f(d.get('p97_5'))}"), _num(f"{_f(d.get('min'))} - {_f(d.get('max'))}")])
        return _table(["metric", "n", "mean", "sd", "95% range", "min - max"], rows)
    if key == "threshold_balance":
        rows = [["always predict the majority", _num("-"), _num(_f(f.get("majority_rate"), 4)), _num("-"), _num("-")],
                ["Keras 0.5 cut-off", _num("0.5"), _num(_f(f.get("accuracy_at_0_5"), 4)),
                 _num(_f(f.get("sensitivity_at_0_5"))), _num(_f(f.get("specificity_at_0_5")))]]
        for b in f.get("youden", []):
            rows.append(["pROC Youden best", _num(_f(b["threshold"])), _num(_f(b.get("accuracy"), 4)),
                         _num(_f(b["sensitivity"])), _num(_f(b["specificity"]))])
        return _table(["rule", "threshold", "accuracy", "sensitivity", "specificity"], rows)
    return ""


def _findings_html(report: dict) -> str:
    fs = (report.get("reproduction") or {}).get("findings") or {}
    if not fs:
        return "<p>No findings in this report.</p>"
    parts = []
    for key, f in fs.items():
        parts.append(f"<h3>{_e(FINDING_TITLES.get(key, key))}</h3>")
        parts.append(f'<p class="sentence">{_e(f.get("sentence", ""))}</p>')
        parts.append(_finding_details(key, f))
    return "\n".join(parts)


def _roc_pair_html(report: dict, figures: dict, r_plot_png: bytes | None, caps: dict) -> str:
    rep = report.get("reproduction") or {}
    left = ""
    if "roc" in figures:
        left = (f'<figure><img alt="ROC curves, Python rendering" src="{_data_uri(figures["roc"])}">'
                f'<figcaption>Python (matplotlib): {_e(caps.get("roc", ""))}</figcaption></figure>')
    else:
        left = '<figure><p class="note">No Python ROC figure was made (no ROC inputs in the report).</p></figure>'
    if r_plot_png:
        right = (f'<figure><img alt="ROC curve rendered by R pROC" src="{_data_uri(r_plot_png)}">'
                 f"<figcaption>R (pROC, rendered by R): the article's own call <code>plot(roc_obj, col = \"blue\", "
                 f"print.thres = TRUE, print.auc = TRUE, legacy.axes = TRUE)</code>.</figcaption></figure>")
    else:
        note = (rep.get("r_plot") or {}).get("note") or "R's plot was not rendered for this report."
        errs = report.get("side_errors") or {}
        if errs.get("r"):
            note += f" R side error: {errs['r']}"
        right = f'<figure><p class="note">R\'s own pROC plot is not shown: {_e(note)}</p></figure>'
    return f'<div class="pair">{left}{right}</div>'


def _figures_html(figures: dict, caps: dict) -> str:
    parts = []
    for key, png in figures.items():
        if key == "roc":
            continue
        parts.append(f'<figure><img alt="{_e(key)}" src="{_data_uri(png)}">'
                     f"<figcaption>{_e(caps.get(key, key))}</figcaption></figure>")
    return "\n".join(parts) or "<p>No other figures.</p>"


def render_html(report: dict, figures: dict[str, bytes], r_plot_png: bytes | None) -> str:
    """The self-contained report page. `figures`: {key: PNG bytes} (see module docstring);
    `r_plot_png`: R's own pROC plot, or None (the page says why, from
    report["reproduction"]["r_plot"]["note"] and report["side_errors"]["r"])."""
    figures = dict(figures or {})
    caps = _captions(report)
    title = "Parity audit: gbsg 1-D CNN, R (article script via rpy2) vs Python"
    meta = report.get("meta") or {}
    versions = ", ".join(f"{k} {v}" for k, v in (meta.get("versions") or {}).items())
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub">{_e(report.get("subject", ""))}</p>',
        "<h2>Summary</h2>", _summary_html(report),
        "<h2>Checks</h2>", _checks_html(report),
        "<h2>Published figures vs the procedure</h2>", _published_html(report),
        "<h2>Baselines</h2>", _baselines_html(report),
        "<h2>Methodology findings</h2>", _findings_html(report),
        "<h2>ROC: Python rendering beside R's own pROC plot</h2>", _roc_pair_html(report, figures, r_plot_png, caps),
        "<h2>Figures</h2>", _figures_html(figures, caps),
        f'<footer>generated {_e(meta.get("generated_at", "n/a"))}'
        + (f" in {_f(meta.get('elapsed_s'), 1)} s" if meta.get("elapsed_s") is not None else "")
        + (f"; {_e(versions)}" if versions else "") + "</footer>",
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head>\n<body><main>\n"
            + "\n".join(body) + "\n</main></body></html>\n")


# ---------------------------------------------------------------------------- markdown
def _md(s: Any) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def reproduction_markdown(report: dict) -> str:
    """The "Reproduction of the published numbers" section of report.md (same numbers as the
    HTML page, all from report["reproduction"]); "" when the report has none."""
    rep = report.get("reproduction") or {}
    if not rep:
        return ""
    L = ["## Reproduction of the published numbers", ""]
    pub = rep.get("published") or {}
    if pub:
        L += [f"Published (one unseeded run): accuracy {pub.get('test_accuracy')} "
              f"({pub.get('test_correct')}/{pub.get('n_test')}), AUC {pub.get('auc')}, loss {pub.get('test_loss')}.", ""]
    stats, verdicts = rep.get("stats") or {}, rep.get("verdicts") or {}
    if stats:
        L += ["| sample | metric | n | mean | sd | 95% range | percentile of published | share within ±0.01 | z | p | verdict |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
        for src, by_m in stats.items():
            for m, d in by_m.items():
                v = (verdicts.get(src) or {}).get(m) or {}
                L.append("| " + " | ".join(_md(x) for x in (
                    _sample_label(rep, src), METRIC_NAMES.get(m, m), d.get("n"), _f(d.get("mean"), 4), _f(d.get("sd"), 4),
                    f"{_f(d.get('p2_5'))}-{_f(d.get('p97_5'))}", _f(d.get("percentile_of_published"), 1),
                    _pct(d.get("share_within")), _f(v.get("statistic"), 2), _p(v.get("p_value")),
                    v.get("words", "n/a"))) + " |")
        L.append("")
    wit = rep.get("witnesses") or {}
    if wit:
        L += ["### Witness seeds", ""]
        for src, by_m in wit.items():
            for m, w in by_m.items():
                seeds = w.get("seeds", [])
                L.append(f"- {_sample_label(rep, src)}, {METRIC_NAMES.get(m, m)} (`{w.get('criterion', '')}`): "
                         f"{w.get('n_found', 0)}/{w.get('n_searched', 0)} seeds ({_pct(w.get('share'))})"
                         + (": " + ", ".join(str(s) for s in seeds[:20]) + (" ..." if len(seeds) > 20 else "")
                            if seeds else ""))
                for c in w.get("commands", [])[:3]:
                    L.append(f"  - `{c}`")
        L.append("")
    b = rep.get("baselines")
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
            L += ["", f"Paired DeLong, {d.get('cnn_label', 'CNN')} vs logistic regression: AUC {_f(d.get('auc_cnn'))} vs "
                      f"{_f(d.get('auc_lr'))} (difference {_f(d.get('difference'))}, 95% CI {_f(ci[0])} to {_f(ci[1])}), "
                      f"z = {_f(d.get('z'), 2)}, p = {_p(d.get('p_value'))}: {d.get('words', '')}."]
        o = b.get("over_split_seeds")
        if o:
            n = len(o.get("split_seeds", []))
            L += ["", f"Over {n} split seeds: logistic regression accuracy {_f(_mean(o['logistic']['accuracy']), 4)} ± "
                      f"{_f(_sd(o['logistic']['accuracy']), 4)}, AUC {_f(_mean(o['logistic']['auc']))} ± "
                      f"{_f(_sd(o['logistic']['auc']))}; majority accuracy {_f(_mean(o['majority']['accuracy']), 4)} ± "
                      f"{_f(_sd(o['majority']['accuracy']), 4)}."]
        L.append("")
    fs = rep.get("findings") or {}
    if fs:
        L += ["### Methodology findings", ""]
        L += [f"- **{FINDING_TITLES.get(k, k)}**: {f.get('sentence', '')}" for k, f in fs.items()]
        L.append("")
    rp = rep.get("r_plot") or {}
    if rp and not rp.get("available"):
        L += [f"R's own pROC plot: not rendered ({rp.get('note', '')}).", ""]
    return "\n".join(L)
