"""The example cases end to end with live R: a faithful port PASSes, a naive one FAILs where it
diverges with the right diagnosis and first divergence; the engine's replayed test case equals
what R really computes; `parity init` gives a case that runs and names what is left to port."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from parity.audit import run_audit
from parity.case import bundled_cases_dir, load_case
from parity.context import AuditOptions, CaseContext
from parity.outcomes import Status

pytestmark = pytest.mark.requires_r
ROOT = Path(__file__).resolve().parents[1]
PARITY = Path(sys.executable).with_name("parity")


def audit(path, **opts):
    return run_audit(CaseContext(load_case(path), AuditOptions(**opts)), reproduction=False)


def statuses(rep):
    return {c["name"]: c["status"] for c in rep["checks"]}


def test_glm_faithful_port_passes():
    rep = audit(bundled_cases_dir() / "glm_lung" / "case.toml")
    st = statuses(rep)
    assert "FAIL" not in st.values(), {k: v for k, v in st.items() if v == "FAIL"}
    assert st["coefficients"] == "PASS" and st["best_closest_topleft"] == "PASS"
    assert rep["first_divergence"] is None


def test_glm_naive_port_fails_where_it_diverges_and_says_why():
    rep = audit(bundled_cases_dir() / "glm_lung_naive" / "case.toml")
    rows = {c["name"]: c for c in rep["checks"]}
    diag = {k: (c["diagnosis"] or {}).get("id") for k, c in rows.items() if c["status"] == "FAIL"}
    assert rows["scaling_center"]["status"] == "PASS" and rows["n_complete"]["status"] == "PASS"
    assert diag["scaling_scale"] == "population_sd"
    assert diag["event_rows"] == "zero_based_index"
    assert diag["train_idx"] == "different_rng"
    assert diag["roc_thresholds_on_r"] == "roc_thresholds"  # the ROC step alone, on R's own values
    fd = rep["first_divergence"]
    assert fd["checkpoint"] == "scaling_scale" and fd["diagnosis"]["id"] == "population_sd"
    assert rows["coefficients"]["consequence_of"] and rows["test_idx"]["consequence_of"] == "train_idx"
    assert rows["roc_thresholds_on_r"]["consequence_of"] is None  # fed R's values: independent
    assert fd["line"] == 11  # `x <- scale(...)` in glm_lung.R


def test_replayed_engine_case_is_what_r_computes():
    """tests/test_engine.py replays mini.R's values; here R runs it: the same verdicts."""
    rep = audit(ROOT / "tests" / "cases" / "mini" / "mini.toml", distribution_seed=3, r_runs=12, python_runs=40)
    st = statuses(rep)
    assert "FAIL" not in st.values(), rep["checks"]
    assert st["naive_sd"] == "WARN"


def test_cli_naive_case_exits_1_with_the_first_divergence_on_top(tmp_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "COLUMNS": "200"}
    proc = subprocess.run([str(PARITY), "audit", "--case", str(bundled_cases_dir() / "glm_lung_naive" / "case.toml"),
                           "--out", str(tmp_path / "r"), "--quiet"], capture_output=True, text=True, env=env,
                          timeout=300, cwd=ROOT)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    out = proc.stdout
    assert out.index("First divergence: `scaling_scale`") < out.index("R vs Python parity")
    assert "population_sd" in out
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["first_divergence"]["checkpoint"] == "scaling_scale"


@pytest.mark.parametrize("script, keras", [
    (bundled_cases_dir() / "glm_lung" / "glm_lung.R", False),
    (bundled_cases_dir() / "article" / "article.R", True),
])
def test_init_writes_a_case_that_runs_and_names_what_to_port(tmp_path, script, keras):
    from parity.init import init_case

    case_file, port = init_case(script, out=tmp_path, keras=keras)
    case = load_case(case_file)
    assert case.checkpoints and port.is_file()
    names = [c.name for c in case.checkpoints]
    assert ("train_idx" in names) if not keras else ("train_indices" in names and "model" in names)
    rep = run_audit(CaseContext(case, AuditOptions()), reproduction=False)
    assert rep["summary"]["FAIL"] == len(names)
    assert all("not ported yet" in c["detail"] for c in rep["checks"])
    text = case_file.read_text()
    assert "line " in text  # each checkpoint says which line assigned it


def test_pytest_plugin_collects_case_files_in_a_users_suite(tmp_path):
    """A user's test folder with a case file: `pytest` collects one test per check (the ids are
    the checkpoint names) through the plugin's entry point, and a broken port fails them."""
    import shutil

    suite = tmp_path / "my_tests"
    shutil.copytree(ROOT / "tests" / "cases" / "mini", suite)
    (suite / "mini.toml").rename(suite / "case.toml")  # the name the plugin collects
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    pytest_bin = Path(sys.executable).with_name("pytest")
    proc = subprocess.run([str(pytest_bin), str(suite), "-q", "-p", "no:cacheprovider", "--rootdir", str(suite)],
                          capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "12 passed" in proc.stdout, proc.stdout[-2000:]
    (suite / "port.py").write_text((suite / "port.py").read_text().replace("BREAK: set = set()", 'BREAK: set = {"idx"}'))
    proc = subprocess.run([str(pytest_bin), str(suite), "-q", "-p", "no:cacheprovider", "--rootdir", str(suite),
                           "-k", "idx"], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert proc.returncode == 1 and "idx FAIL" in proc.stdout and "zero_based_index" in proc.stdout, proc.stdout[-2000:]


def test_pytest_parity_with_another_case():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    pytest_bin = Path(sys.executable).with_name("pytest")
    proc = subprocess.run([str(pytest_bin), "parity/", "-q", "-p", "no:cacheprovider", "--case",
                           str(bundled_cases_dir() / "glm_lung" / "case.toml"), "-k", "coefficients or train_idx"],
                          capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert proc.returncode == 0 and "2 passed" in proc.stdout, proc.stdout[-2000:]
