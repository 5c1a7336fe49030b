"""python_impl.roc's pROC features against pROC on random data and on the article's predictions.

Random datasets (scripts/regen_proc_reference.py: make_feature_jobs) vary the label type
(numeric 0/1 with string levels, 1/2 with reversed levels, strings, factors, factors with numeric
labels and numeric levels), ties, NA in the second predictor, direction ("auto", "<", ">") and
percent; on each, jobs cover: the curve, partial AUC (focus, correction, bounds on curve points),
coords ("best" with best.method / best.weights, "all", "local maximas", thresholds incl. +-Inf,
input specificity / sensitivity / tp / fp / ...), DeLong CI and var, bootstrap ci.auc (stratified
and not, partial AUC), var, ci.thresholds, ci.se, ci.sp, roc.test (DeLong paired / unpaired,
one-sided, bootstrap paired / unpaired / non-stratified, specificity / sensitivity tests) and Inf
in the predictor (NaN with pROC's warning). Bootstraps draw through RRandom(s) in Python and
set.seed(s) in R.

* stored: tests/reference/proc_features.json (fixed seed) and the article's jobs;
* live (requires_r): a FRESH random set every run, and the article's jobs, in one Rscript call each.

Tolerance rtol = atol = 1e-12: float64 both sides, only summation order differs (R sums in long
double); measured: 2,087 random jobs over 6 runs all within 1.4e-14 (values up to 100 with
percent), ~85% bit-identical; the article's six bootstrap jobs bit-identical.
"""
from __future__ import annotations

import collections
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("regen_proc_reference", REPO / "scripts" / "regen_proc_reference.py")
regen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regen)

REF = json.loads(regen.FEATURES_OUT.read_text())
LIVE_DATASETS = 8
FEATURES = ("roc:", "partial auc", "coords best", "coords all", "coords local maximas", "coords at thresholds",
            "coords input", "ci.auc delong", "var delong", "ci.auc bootstrap (stratified True)",
            "ci.auc bootstrap (stratified False)", "ci.auc bootstrap of a corrected partial AUC", "var bootstrap",
            "ci.thresholds", "ci.se", "ci.sp", "roc.test DeLong paired", "roc.test DeLong unpaired",
            "roc.test bootstrap", "roc.test specificity test", "roc.test sensitivity test", "Inf in the predictor")


def _check(spec: dict, outputs: dict) -> list[str]:
    env = regen.feature_env(spec)
    return [d for j in spec["jobs"] if (d := regen.job_difference(j, outputs[j["id"]], regen.run_py_job(j, env)))]


def test_features_reference_is_traceable():
    assert REF["proc_version"] == "1.18.0"
    fresh = regen.make_feature_jobs(np.random.default_rng(REF["seed_features"]), 6)
    stored = REF["features"]
    assert [j["r"] for j in stored["jobs"]] == [j["r"] for j in fresh["jobs"]]
    assert stored["setup_r"] == fresh["setup_r"] and stored["setup_py"] == fresh["setup_py"]
    assert "python_impl.pipeline.run_article(seed=42)" in REF["article"]["about"]
    assert len(REF["article"]["values"]["p"]) == 104


def test_features_cover_every_feature():
    seen = collections.Counter(next((f for f in FEATURES if j["source"].startswith(f)), "?")
                               for j in REF["features"]["jobs"])
    assert set(FEATURES) <= set(seen), set(FEATURES) - set(seen)


def test_features_match_stored_proc():
    diffs = _check(REF["features"], REF["features"]["r_outputs"])
    assert not diffs, f"{len(diffs)} differ: " + " || ".join(diffs[:5])


def test_article_bootstrap_intervals_match_stored_proc():
    """set.seed(1); ci.auc(r, method = "bootstrap", boot.n = 500) == r.ci_auc(..., rng=RRandom(1))."""
    art = REF["article"]
    diffs = _check(art, art["r_outputs"])
    assert not diffs, " || ".join(diffs)
    env = regen.feature_env(art)
    from python_impl.rrandom import RRandom

    lo, mid, hi = env["ra"].ci_auc(method="bootstrap", boot_n=500, rng=RRandom(1))
    want = [regen.decode_float(v) for v in art["r_outputs"]["article00"]["values"]]
    np.testing.assert_allclose([lo, mid, hi], want, rtol=1e-12, atol=1e-12)


@pytest.mark.requires_r
def test_features_match_live_proc_on_fresh_random_data():
    spec = regen.make_feature_jobs(np.random.default_rng(), LIVE_DATASETS, prefix="L")
    live = regen.run_spec_r(spec)
    diffs = _check(spec, live)
    assert not diffs, f"{len(diffs)} of {len(spec['jobs'])} differ from live pROC: " + " || ".join(diffs[:5])


@pytest.mark.requires_r
def test_article_bootstrap_intervals_match_live_proc():
    art = {k: REF["article"][k] for k in ("datasets", "setup_r", "setup_py", "jobs")}
    live = regen.run_spec_r(art)
    diffs = _check(art, live)
    assert not diffs, " || ".join(diffs)


@pytest.mark.requires_r
def test_r_text_form_of_numbers_matches_as_character_live():
    """pROC matches levels as text: as.character() of integers and of decimals with <= 12
    significant digits (what a level looks like), 1,000 fresh values, against R."""
    from python_impl.roc import _r_num_str
    from r_reference.availability import run_rscript

    g = np.random.default_rng()
    vals = np.concatenate([g.integers(-10**9, 10**9, 300).astype(float), 10.0 ** g.integers(-20, 21, 100),
                           [float(f"{v:.{k}g}") for v, k in zip(np.exp(g.uniform(-25, 25, 600)) * g.choice([-1, 1], 600),
                                                                 g.integers(1, 13, 600))]])
    out = run_rscript("x <- c(" + ",".join(float(v).hex() for v in vals) + "); cat(as.character(x), sep = '\\n')")
    bad = [(v, r) for v, r in zip(vals.tolist(), out.split("\n")) if _r_num_str(v) != r]
    assert not bad, bad[:5]
