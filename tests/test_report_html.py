"""report.html: self-contained (every <img> a data: URI holding a valid PNG, no external
resources), every shown number taken from the report dict, re-renderable from report.json, and
it actually renders (a headless-Chromium screenshot that is not blank)."""
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

from parity import baselines, figures, findings
from parity.html_report import PNG_SIGNATURE, render_html, reproduction_markdown
from parity.reproduction import build_reproduction

CHROMIUM = "/usr/bin/chromium"
PUBLISHED = {"test_loss": 0.6172654, "test_accuracy": 0.6442308, "test_correct": 67, "n_test": 104, "auc": 0.717}


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
        "py": {"label": "Python fast trainer", "kind": "init seeds", "seeds": seeds, "accuracy": acc, "auc": auc,
               "command": "python -m parity.reproduce --seed {seed}"},
        "r": {"label": "R via rpy2", "seeds": list(range(10)), "accuracy": rng.integers(58, 74, 10) / 104,
              "auc": rng.normal(0.70, 0.025, 10)},
    }
    b["over_split_seeds"] = baselines.over_split_seeds(range(5))
    res = type("Res", (), {"predictions": cnn_py, "test_labels": labels, "test_accuracy": None})()
    fnd = findings.all_findings(result=res, accuracies=acc, aucs=auc, published=PUBLISHED)
    rep = build_reproduction(
        PUBLISHED, samples=samples, baselines=b, findings=fnd,
        variance={"split": {"label": "split seed varies", "accuracy": rng.normal(0.65, 0.04, 40).tolist(),
                            "auc": rng.normal(0.7, 0.04, 40).tolist()},
                  "init": {"label": "init seed varies", "accuracy": acc.tolist(), "auc": auc.tolist()}},
        roc_inputs={"r": {"label": "R (seed 42)", "labels": labels, "predictions": cnn_r},
                    "py": {"label": "Python (seed 42)", "labels": labels, "predictions": cnn_py}},
        r_plot={"available": False, "note": "R disabled (--no-r) for this test"})
    return json.loads(json.dumps({
        "report_version": 1, "subject": "synthetic <test> & report",
        "published": PUBLISHED,
        "options": {"keras_seed": 42, "seeds": 5, "use_r": False},
        "summary": {"PASS": 3, "WARN": 1, "FAIL": 1, "SKIP": 2, "exit_code": 1},
        "checks": [
            {"name": "split_indices", "r_value": "104 rows", "py_value": "104 rows", "difference": "0",
             "tolerance": "exact", "status": "PASS", "detail": "identical <indices> & order", "data": {}},
            {"name": "auc", "r_value": "0.7290", "py_value": "0.7120", "difference": "-0.0170",
             "tolerance": "1e-6", "status": "FAIL", "detail": "differs", "data": {}},
        ],
        "runs": {}, "side_errors": {},
        "meta": {"generated_at": "2025-01-01T00:00:00+0000", "elapsed_s": 1.5, "versions": {"python": "3.11"}},
        "reproduction": rep,
    }))


@pytest.fixture(scope="module")
def figs(report):
    return figures.figures_from_report(report)


def _imgs(page: str) -> list[str]:
    return re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", page)


def _check_png(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,"), uri[:40]
    raw = base64.b64decode(uri.split(",", 1)[1], validate=True)
    assert raw.startswith(PNG_SIGNATURE)
    img = mpimg.imread(io.BytesIO(raw), format="png")
    assert img.ndim == 3 and img.shape[0] > 50 and img.shape[1] > 50
    return img


def test_figures_from_report(figs):
    assert set(figs) == {"roc", "calibration", "metric_histograms", "variance"}
    for png in figs.values():
        assert png.startswith(PNG_SIGNATURE)


def test_html_self_contained_and_images_valid(report, figs):
    r_png = figures.metric_histograms({"x": {"accuracy": [0.6, 0.7], "auc": [0.6, 0.7]}})  # stand-in
    page = render_html(report, figs, r_png)
    uris = _imgs(page)
    assert len(uris) == len(figs) + 1 == page.count("<img")
    for u in uris:
        _check_png(u)
    assert not re.search(r"(?:src|href)=\"(?!data:)", page)
    assert "<script" not in page and "<link" not in page and "url(" not in page
    assert "&lt;indices&gt; &amp; order" in page and "<indices>" not in page  # escaped
    assert "R disabled (--no-r)" not in page  # R plot given: no note


def test_html_numbers_come_from_report(report, figs):
    page = render_html(report, figs, None)
    rep = report["reproduction"]
    assert "R disabled (--no-r) for this test" in page
    b = rep["baselines"]
    assert f"{b['logistic']['auc']:.3f}" in page
    assert f"{b['logistic']['accuracy']:.4f} ({b['logistic']['n_correct']}/104)" in page
    d = b["paired_delong"]
    assert d["cnn_source"] == "py" and f"{d['auc_cnn']:.3f}" in page
    w = rep["witnesses"]["py"]
    assert w["accuracy"]["seeds"] == [3, 77] and w["both"]["seeds"] == [3]
    assert "python -m parity.reproduce --seed 3" in page
    for f in rep["findings"].values():
        assert f["sentence"].replace("'", "&#x27;") in page
    st = rep["stats"]["py"]["auc"]
    assert f"{st['percentile_of_published']:.1f}" in page
    for name in ("Checks", "Published figures", "Baselines", "Methodology findings", "Figures"):
        assert name in page
    # change a number in the report: the page follows it (nothing is cached or recomputed elsewhere)
    report2 = json.loads(json.dumps(report))
    report2["reproduction"]["baselines"]["logistic"]["auc"] = 0.123456
    assert "0.123" in render_html(report2, figs, None)
    # re-rendering from report.json gives the same page
    assert render_html(json.loads(json.dumps(report)), figs, None) == page


def test_markdown_section(report):
    md = reproduction_markdown(report)
    rep = report["reproduction"]
    assert md.startswith("## Reproduction of the published numbers")
    assert f"{rep['baselines']['logistic']['auc']:.3f}" in md
    assert "`python -m parity.reproduce --seed 3`" in md
    assert rep["findings"]["censoring"]["sentence"] in md
    assert reproduction_markdown({"summary": {}}) == ""


def test_render_minimal_report():
    page = render_html({"summary": {"PASS": 1}, "checks": []}, {}, None)
    assert "No reproduction data" in page and "<img" not in page


@pytest.mark.skipif(not Path(CHROMIUM).exists(),
                    reason=f"{CHROMIUM} missing: install it with `apt-get install chromium` (add -y "
                           "--no-install-recommends) to screenshot report.html")
def test_chromium_screenshot_not_blank(report, figs, tmp_path):
    page = render_html(report, figs, None)
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
    # not one flat colour: the most common colour covers less than 95% of the pixels
    _, counts = np.unique(rgb[::7], axis=0, return_counts=True)
    assert counts.max() / counts.sum() < 0.95


def test_roc_figure_accepts_roc_and_article_result(report):
    from python_impl.roc import roc

    ri = report["reproduction"]["roc_inputs"]["py"]
    r = roc(np.array(ri["labels"]), np.array(ri["predictions"]))
    res = type("Res", (), {"predictions": np.array(ri["predictions"]).reshape(-1, 1),
                           "test_labels": np.array(ri["labels"])})()
    a = figures.roc_figure({"Roc": r})
    b = figures.roc_figure([("ArticleResult", res)])
    assert a.startswith(PNG_SIGNATURE) and b.startswith(PNG_SIGNATURE)
    assert figures.roc_figure({"Roc": r}) == a  # deterministic bytes


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript missing: apt-get install r-base-core r-cran-proc")
def test_r_roc_plot_beside_python(report, figs):
    ri = report["reproduction"]["roc_inputs"]["r"]
    png, why = figures.r_roc_plot(ri["labels"], ri["predictions"])
    if png is None and "pROC" in why:
        pytest.skip(f"R's pROC unavailable: {why}")
    assert png is not None, why
    page = render_html(report, figs, png)
    assert "rendered by R" in page and "R's own pROC plot is not shown" not in page
    for u in _imgs(page):
        _check_png(u)
