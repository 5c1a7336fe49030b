"""Options mean what they say, output a person can read (hardening, second round): each as a user
runs it, through the installed console script; usage errors are one line, exit 2, no traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PARITY = Path(sys.executable).with_name("parity")
BROKEN = ROOT / "tests" / "cases" / "broken" / "broken.toml"


def run(*args, env=None, timeout=300):
    e = {**os.environ, "COLUMNS": "200", **(env or {})}
    e.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the user's default: TF's C++ logging on
    return subprocess.run([str(PARITY), *args], capture_output=True, text=True, cwd=ROOT, env=e, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def usage_error(proc, *words):
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and not ln.startswith(("usage:", " "))]
    assert len(lines) == 1, proc.stderr
    for w in words:
        assert w in lines[0], lines[0]


def test_no_prefix_matching_of_options(tmp_path):
    usage_error(run("audit", "--no-r", "--out", str(tmp_path / "r"), "--seedz", "3"), "unrecognized arguments")
    usage_error(run("audit", "--no-r", "--out", str(tmp_path / "r"), "--r-seed", "3"), "unrecognized arguments")


def test_version():
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("parity ")


def test_empty_out_and_kernel_file_systems_are_refused_before_any_run(tmp_path):
    usage_error(run("audit", "--no-r", "--out", ""), "--out must not be empty")
    usage_error(run("audit", "--no-r", "--out", "/proc/x"), "/proc/x")


def test_unknown_keras_backend_is_one_set_up_error(tmp_path):
    usage_error(run("audit", "--no-r", "--out", str(tmp_path / "r"), env={"KERAS_BACKEND": "torch"}),
                "KERAS_BACKEND='torch'", "unset")


def test_reproduce_refuses_options_it_cannot_apply():
    usage_error(run("reproduce", "--side", "r", "--trainer", "keras", "--seed", "1"), "--trainer applies to the Python side")
    proc = run("reproduce", "--help")
    assert "--seed" in proc.stdout and "the run's seed" in proc.stdout


def test_unknown_section_option_is_refused(tmp_path):
    usage_error(run("audit", "--no-r", "--out", str(tmp_path / "r"), "-o", "kears_runs=3"), "kears_runs")


def test_smallest_allowed_run_counts_never_fail_good_data(tmp_path):
    """--seeds 2 --keras-runs 2 --split-seeds 2: the distributions are too small to judge and say so
    (SKIP with the runs they need), so good data exits 0 on every try; the TF C++ NodeDef line
    never reaches the terminal."""
    out = tmp_path / "r"
    proc = run("audit", "--no-r", "--seeds", "2", "--keras-runs", "2", "--split-seeds", "2", "--quiet", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    rep = json.loads((out / "report.json").read_text())
    ft = next(c for c in rep["checks"] if c["name"] == "fast_trainer_distribution")
    assert ft["status"] == "SKIP" and "needs at least" in ft["detail"]
    assert "NodeDef mentions attribute" not in proc.stderr + proc.stdout
    assert "R run" not in proc.stderr  # no progress stages for R without R


@pytest.mark.requires_r
def test_an_r_failure_is_said_once_in_a_banner_not_in_every_row(tmp_path):
    out = tmp_path / "r"
    proc = run("audit", "--case", str(BROKEN), "--out", str(out), "--quiet")
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    banner, table = proc.stdout.split("R vs Python parity", 1)
    assert "did not run" in banner and "expected 3 columns" in banner
    assert "expected 3 columns" not in table, table  # once, in the banner, not in every row
    rep = json.loads((out / "report.json").read_text())
    assert {c["status"] for c in rep["checks"]} == {"FAIL"}
    assert all("\n" not in c["detail"] and len(c["detail"]) < 400 for c in rep["checks"])
    html = (out / "report.html").read_text()
    assert "A side did not run" in html


@pytest.mark.requires_r
def test_a_reused_out_folder_never_mixes_runs(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "r_plot.png").write_bytes(b"\x89PNG old")
    (out / "r_roc.png").write_bytes(b"\x89PNG older")
    proc = run("audit", "--case", str(BROKEN), "--out", str(out), "--quiet", "--no-r")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]


def test_section_options_are_flags_of_the_case_that_declares_them(tmp_path):
    """--keras-runs is the article case's section option: a flag there, unknown for another case."""
    glm = ROOT / "cases" / "glm_lung" / "case.toml"
    usage_error(run("audit", "--case", str(glm), "--no-r", "--out", str(tmp_path / "r"), "--keras-runs", "3"),
                "unrecognized arguments")
    proc = run("audit", "--help")
    assert "--keras-runs" in proc.stdout and "--split-seeds" in proc.stdout
