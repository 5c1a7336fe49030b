"""pROC 1.18.0's own test suite, ported: the in-scope cases of tests/testthat on data(aSAH).

Each job (scripts/regen_proc_reference.py: SUITE) names the test file and test_that() block it
comes from, the R call (run after pROC's helper-rocs.R objects are made) and its Python
spelling. Three checks:

* stored: Python against R's outputs in tests/reference/proc_suite.json (no R needed);
* pROC's own numbers: where the test states its expected value, Python against it;
* live (requires_r): every job re-run in one Rscript process, Python against live pROC.

Plus the two cases of issue #13 outside the suite (numeric levels on a factor response, string
levels on a numeric one), which pROC coerces to text.

Tolerances: R vs Python rtol = atol = 1e-12 (float64 on both sides, only summation order differs:
R sums in long double; 337 of the 362 jobs are bit-identical, max difference 4.4e-16, measured);
pROC's stated values rtol 1e-13 (its tests print 15 significant digits, so up to 5e-15 relative
rounding). An error on one side only, or NaN against a number, is a difference.
"""
from __future__ import annotations

import collections
import importlib.util
import json
import math
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("regen_proc_reference", REPO / "scripts" / "regen_proc_reference.py")
regen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regen)

REF = json.loads(regen.SUITE_OUT.read_text())
ASAH = json.loads(regen.ASAH_OUT.read_text())
JOBS = REF["jobs"]
BY_FILE = collections.defaultdict(list)
for _j in JOBS:
    BY_FILE[_j["source"].split(":")[0]].append(_j)
RTOL_STATED = 1e-13  # pROC's tests print 15 significant digits


@pytest.fixture(scope="module")
def env():
    return regen.suite_env(ASAH)


def test_suite_reference_is_traceable():
    assert REF["proc_version"] == "1.18.0" and REF["r_version"].startswith("R version 4.")
    assert REF["prelude"] == regen.SUITE_PRELUDE
    # the stored jobs are the table the generator defines (same R calls, same Python spellings)
    assert [{k: j[k] for k in ("id", "source", "r", "py")} for j in JOBS] == \
        [{k: j[k] for k in ("id", "source", "r", "py")} for j in regen.SUITE + regen.ISSUE_CASES]
    assert ASAH["proc_version"] == "1.18.0" and len(ASAH["columns"]["s100b"]["values"]) == 113
    files = {j["source"].split(":")[0] for j in regen.SUITE}
    assert {"test-auc.R", "test-ci.auc.R", "test-coords.R", "test-roc.test.R", "test-var.R", "test-roc.R",
            "test-numeric-Inf.R", "test-are-paired.R", "test-ci.thresholds.R", "test-ci.se.R / test-ci.sp.R",
            "test-deLongPlacementsCpp.R"} <= files
    assert len(regen.SUITE) >= 300


@pytest.mark.parametrize("source_file", sorted(BY_FILE), ids=lambda s: s.replace(" ", ""))
def test_suite_jobs_match_stored_proc(env, source_file):
    diffs = []
    for j in BY_FILE[source_file]:
        d = regen.job_difference(j, REF["r_outputs"][j["id"]], regen.run_py_job(j, env))
        if d:
            diffs.append(d)
    assert not diffs, f"{len(diffs)} of {len(BY_FILE[source_file])} differ: " + " || ".join(diffs[:5])


def test_suite_jobs_match_the_values_procs_tests_state(env):
    stated = [j for j in JOBS if j.get("expect") is not None]
    assert len(stated) >= 120
    bad = []
    for j in stated:
        got = regen.run_py_job(j, env)
        want = j["expect"] if isinstance(j["expect"], list) else [j["expect"]]
        want = [regen.decode_float(v) for v in want]
        vals = got["values"] if got["status"] == "ok" else []
        if len(vals) != len(want) or any(
                (math.isnan(a) != math.isnan(b)) or (not math.isnan(a) and abs(a - b) > RTOL_STATED * max(abs(a), 1e-300) + 1e-15
                                                     and a != b)
                for a, b in zip(want, vals)):
            bad.append(f"{j['source']}: {j['r']} -> {vals[:6]} (pROC's test: {want[:6]})")
    assert not bad, " || ".join(bad[:5])


def test_issue_13_levels_are_coerced_to_text_like_proc(env):
    """roc(aSAH$gos6, aSAH$s100b, levels = c(1, 5)) and roc(<0/1>, s100b, levels = c("0", "1"))."""
    for j in regen.ISSUE_CASES:
        got = regen.run_py_job(j, env)
        assert got["status"] == "ok", got["values"]
        assert regen.job_difference(j, REF["r_outputs"][j["id"]], got) is None


@pytest.mark.requires_r
def test_suite_jobs_match_live_proc(env):
    jobs = regen.SUITE + regen.ISSUE_CASES
    live = regen.run_suite_r(jobs)
    diffs = [d for j in jobs if (d := regen.job_difference(j, live[j["id"]], regen.run_py_job(j, env)))]
    assert not diffs, f"{len(diffs)} of {len(jobs)} jobs differ from live pROC: " + " || ".join(diffs[:5])
