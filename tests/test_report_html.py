"""report.html / report.md: self-contained (every <img> a data: URI holding a valid PNG, no
external resources), every shown number taken from the report dict, re-renderable from
report.json, the first divergence at the top, the case's own sections rendered by the case, and
the page actually renders (a headless-Chromium screenshot that is not blank)."""
import base64
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from parity import figures
from parity.case import bundled_module, default_case_file
from parity.fmt import PNG_SIGNATURE
from parity.html_report import render_html, reproduction_markdown
from parity.report import to_markdown
from parity.reproduction import build_reproduction

baselines = bundled_module("article", "baselines")
findings = bundled_module("article", "findings")
report_parts = bundled_module("article", "report_parts")

CHROMIUM = "/usr/bin/chromium"
PUBLISHED = {"test_accuracy": {"value": 0.6442308, "decimals": 7, "label": "test accuracy", "source": "print()"},
             "roc_auc": {"value": 0.717, "decimals": 3, "label": "AUC", "source": "plot label"}}


@pytest.fixture(scope="module")
def report():
    rng = np.random.default_rng(11)
    b = baselines.article_baselines()
    labels = np.array(b["test_labels"])
    lr = np.array(b["logistic"]["predictions"])
    logit = np.log(lr / (1 - lr))
    cnn_py = 1 / (1 + np.exp(-(logit + rng.normal(0, 0.6, labels.size))))
    cnn_r = 1 / (1 + np.exp(-(logit + rng.normal(0, 0.6, labels.size))))
    seeds = list(range(200))
    k = rng.integers(58, 73, 200)
    acc = np.where(k >= 67, k + 1, k) / 104  # never 67 correct ...
    acc[[3, 77]] = 67 / 104  # ... except for these two witnesses
    auc = rng.normal(0.69, 0.02, 200)
    auc[(auc >= 0.7165) & (auc < 0.7175)] = 0.70
    auc[[3, 150]] = 0.7171
    samples = {
        "py": {"label": "Python (200 seeded runs)", "kind": "py", "seeds": seeds, "test_accuracy": acc, "roc_auc": auc,
               "command": "parity reproduce --seed {seed}"},
        "r": {"label": "R (10 unseeded runs)", "seeds": [None] * 10, "test_accuracy": rng.integers(58, 74, 10) / 104,
              "roc_auc": rng.normal(0.70, 0.025, 10)},
    }
    b["over_split_seeds"] = baselines.over_split_seeds(range(5))
    res = type("Res", (), {"predictions": cnn_py, "test_labels": labels, "test_accuracy": None})()
    fnd = findings.all_findings(result=res, accuracies=acc, aucs=auc,
                                published={"accuracy": (0.6442308, 7), "auc": (0.717, 3)})
    section = {"baselines": b, "findings": fnd,
               "variance": {"split": {"label": "split seed varies", "accuracy": rng.normal(0.65, 0.04, 40).tolist(),
                                      "auc": rng.normal(0.7, 0.04, 40).tolist()},
                            "init": {"label": "init seed varies", "accuracy": acc.tolist(), "auc": auc.tolist()}},
               "roc_inputs": {"r": {"label": "R (seed 42)", "labels": labels.tolist(), "predictions": cnn_r.tolist()},
                              "py": {"label": "Python (seed 42)", "labels": labels.tolist(),
                                     "predictions": cnn_py.tolist()}}}
    rep = build_reproduction(PUBLISHED, samples=samples, seeded={"py": {"test_accuracy": 0.7, "roc_auc": 0.72}})
    diag = {"id": "population_sd", "title": "population sd", "evidence": "ratio 1.000730 = sqrt(686/685)",
            "fix": "ddof=1", "data": {}}
    return json.loads(json.dumps({
        "report_version": 2,
        "case": {"name": "article", "title": "synthetic <test> & report", "r_script": "article.R", "python": "port:run"},
        "options": {"seed": 42, "python_runs": 200, "r_runs": 10, "use_r": False, "use_many": True},
        "summary": {"PASS": 3, "WARN": 1, "FAIL": 2, "SKIP": 2, "INFO": 0, "exit_code": 1},
        "first_divergence": {"checkpoint": "scaling_scale", "r": "[10.12, ...]", "python": "[10.11, ...]",
                             "difference": "8/8 differ", "detail": "first at [1]", "diagnosis": diag, "line": 22,
                             "variable": "preprocessed_features", "consequences": ["test_predictions"],
                             "independent_failures": []},
        "checks": [
            {"name": "split_indices", "r_value": "104 rows", "py_value": "104 rows", "difference": "0",
             "tolerance": "exact", "status": "PASS", "detail": "identical <indices> & order", "data": {}, "line": 27},
            {"name": "scaling_scale", "r_value": "[10.12, ...]", "py_value": "[10.11, ...]", "difference": "8/8 differ",
             "tolerance": "rel 1e-12", "status": "FAIL", "detail": "first at [1]", "data": {}, "diagnosis": diag,
             "line": 22},
            {"name": "test_predictions", "r_value": "[0.43, ...]", "py_value": "[0.42, ...]", "difference": "104/104",
             "tolerance": "abs 1e-06", "status": "FAIL", "detail": "differs", "data": {},
             "consequence_of": "scaling_scale"},
        ],
        "runs": {}, "side_errors": {},
        "sections": {"reproduction": {"python": "sections:reproduction", "data": section}},
        "meta": {"generated_at": "2025-01-01T00:00:00+0000", "elapsed_s": 1.5, "versions": {"python": "3.11"},
                 "case_file": str(default_case_file())},
        "reproduction": rep,
    }))


def _imgs(page: str) -> list[str]:
    return re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", page)


def _check_png(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,"), uri[:40]
    raw = base64.b64decode(uri.split(",", 1)[1], validate=True)
    assert raw.startswith(PNG_SIGNATURE)
    img = mpimg.imread(io.BytesIO(raw), format="png")
    assert img.ndim == 3 and img.shape[0] > 50 and img.shape[1] > 50
    return img


def test_figures_from_report(report):
    assert set(figures.reproduction_figures(report)) == {"metric_histograms"}
    sec = report["sections"]["reproduction"]["data"]
    figs = report_parts.figures(sec, report)
    assert set(figs) == {"roc", "calibration", "variance"}
    for png in figs.values():
        assert png.startswith(PNG_SIGNATURE)


def test_html_self_contained_and_images_valid(report):
    page = render_html(report)
    uris = _imgs(page)
    assert len(uris) == 4 == page.count("<img")  # histograms + roc, calibration, variance (the section's)
    for u in uris:
        _check_png(u)
    assert not re.search(r"(?:src|href)=\"(?!data:)", page)
    assert "<script" not in page and "<link" not in page and "url(" not in page
    assert "&lt;indices&gt; &amp; order" in page and "<indices>" not in page  # escaped
    assert "synthetic &lt;test&gt; &amp; report" in page


def test_html_first_divergence_comes_before_the_table(report):
    page = render_html(report)
    fd = page.index("First divergence")
    assert fd < page.index("<h2>Checks</h2>")
    assert "scaling_scale" in page[fd:fd + 300] and "script line 22" in page[fd:fd + 400]
    assert "ratio 1.000730 = sqrt(686/685)" in page
    assert "follows from <code>scaling_scale</code>" in page


def test_html_numbers_come_from_report(report):
    page = render_html(report)
    sec = report["sections"]["reproduction"]["data"]
    b = sec["baselines"]
    assert f"{b['logistic']['auc']:.3f}" in page
    assert f"{b['logistic']['accuracy']:.4f} ({b['logistic']['n_correct']}/104)" in page
    w = report["reproduction"]["witnesses"]["py"]
    assert w["test_accuracy"]["seeds"] == [3, 77] and w["all"]["seeds"] == [3]
    assert "parity reproduce --seed 3" in page
    for f in sec["findings"].values():
        assert f["sentence"].replace("'", "&#x27;") in page
    st = report["reproduction"]["stats"]["py"]["roc_auc"]
    assert f"{st['percentile_of_published']:.1f}" in page
    # a change in the report changes the page; re-rendering the JSON gives the same page
    report2 = json.loads(json.dumps(report))
    report2["reproduction"]["stats"]["py"]["roc_auc"]["mean"] = 0.123
    assert "0.1230" in render_html(report2)
    assert render_html(json.loads(json.dumps(report))) == page


def test_markdown(report):
    md = reproduction_markdown(report)
    assert md.startswith("## Published values vs the distributions")
    assert "`parity reproduce --seed 3`" in md
    assert reproduction_markdown({"summary": {}}) == ""
    full = to_markdown(report)
    sec = report["sections"]["reproduction"]["data"]
    assert f"{sec['baselines']['logistic']['auc']:.3f}" in full
    assert sec["findings"]["censoring"]["sentence"] in full
    assert full.index("First divergence") < full.index("| check |")


def test_render_minimal_report():
    page = render_html({"summary": {"PASS": 1}, "checks": []})
    assert "<img" not in page and "No divergence" in page


def test_a_missing_case_file_still_renders_without_its_sections(report):
    r = json.loads(json.dumps(report))
    r["meta"]["case_file"] = "/nonexistent/case.toml"
    page = render_html(r)
    assert "Baselines" not in page and "First divergence" in page


@pytest.mark.skipif(not Path(CHROMIUM).exists(),
                    reason=f"{CHROMIUM} missing: install it with `apt-get install chromium` (add -y "
                           "--no-install-recommends) to screenshot report.html")
def test_chromium_screenshot_not_blank(report, tmp_path):
    page = render_html(report)
    html_path = tmp_path / "report.html"
    html_path.write_text(page, encoding="utf-8")
    shot = tmp_path / "shot.png"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1280,4000",
           html_path.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert shot.exists(), f"no screenshot (exit {proc.returncode}): {proc.stderr[-2000:]}"
    img = mpimg.imread(str(shot))
    assert img.shape[:2] == (4000, 1280)
    rgb = (np.asarray(img)[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    colours = np.unique(rgb[::7], axis=0)
    assert len(colours) > 200, f"only {len(colours)} distinct colours: blank page?"
    _, counts = np.unique(rgb[::7], axis=0, return_counts=True)
    assert counts.max() / counts.sum() < 0.95


def test_roc_figure_accepts_roc_and_pairs(report):
    from python_impl.roc import roc

    ri = report["sections"]["reproduction"]["data"]["roc_inputs"]["py"]
    r = roc(np.array(ri["labels"]), np.array(ri["predictions"]))
    a = figures.roc_figure({"Roc": r})
    b = figures.roc_figure([("pair", (ri["labels"], ri["predictions"]))])
    assert a.startswith(PNG_SIGNATURE) and b.startswith(PNG_SIGNATURE)
    assert figures.roc_figure({"Roc": r}) == a  # deterministic bytes


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript missing: apt-get install r-base-core r-cran-proc")
def test_r_plot_beside_python(report):
    ri = report["sections"]["reproduction"]["data"]["roc_inputs"]["r"]
    png, why = report_parts.r_roc_plot(ri["labels"], ri["predictions"])
    if png is None and "pROC" in why:
        pytest.skip(f"R's pROC unavailable: {why}")
    assert png is not None, why
    page = render_html(report, None, png)
    assert "Rendered by R" in page
    for u in _imgs(page):
        _check_png(u)


def test_a_section_renderer_that_raises_costs_only_its_section(report, monkeypatch):
    def boom(data, rep):
        raise ValueError("labels 1/2")

    monkeypatch.setattr(bundled_module("article", "sections"), "reproduction_html", boom)
    monkeypatch.setattr(bundled_module("article", "sections"), "reproduction_markdown", boom)
    page = render_html(report)
    assert "could not be rendered (ValueError: labels 1/2)" in page and "First divergence" in page
    assert "could not be rendered" in to_markdown(report)
