"""The engine on a small case with a replayed R side (no R needed): verdicts per checkpoint,
errors on their rows, known divergences, stages, first divergence and its consequences,
distributions (including "too few runs to judge"), lazy selection, deterministic reports.

The replayed R values are what R computes for tests/cases/mini/mini.R (R's set.seed + sample via
the R-exact RRandom, scale()'s n-1 sd); tests/test_examples.py runs the script in real R."""
import json
from pathlib import Path

import numpy as np
import pytest

from parity.audit import run_audit, run_check
from parity.case import load_case, load_callable
from parity.context import AuditOptions, CaseContext
from parity.outcomes import Status
from parity.report import write_report
from parity.values import from_python
from python_impl.rrandom import RRandom
from r_reference.runner import RRun

CASE = load_case(Path(__file__).resolve().parent / "cases" / "mini" / "mini.toml")
MAT = np.array([[1.0, 4.0], [2.0, 5.0], [3.0, 7.0]])
R_VALUES = {
    "x": {"a": 1.5, "b": 2.5, "c": 3.5}, "idx": RRandom(7).sample_int(10, 4),
    "scale": MAT.std(axis=0, ddof=1), "total": 7.5, "labels": np.array([0, 1, 1, 0, 1]),
    "lvl": None, "naive_sd": MAT.std(axis=0, ddof=1), "center_info": MAT.mean(axis=0),
    "scores_r": np.array([0.1, 0.8, 0.6, 0.3, 0.9]), "auc": 1.0, "metric": 0.7,
}
VARS = {"x": ["x"], "idx": ["idx"], "scale": ["scaled"], "total": ["total"], "labels": ["labels"], "lvl": ["lvl"],
        "naive_sd": ["scaled"], "center_info": ["scaled"], "scores_r": ["scores"], "auc": ["labels", "scores"],
        "metric": []}


def _r_value(name):
    if name == "lvl":
        from parity.values import Factor

        return Factor(np.array([1, 2, 1]), ("lo", "hi"))
    return from_python(R_VALUES[name])


def replay(errors=None, shift=0.0, **overrides):
    calls = []

    def runner(script, checkpoints, seed, keras_backend, bindings, timeout, plot_path=None):
        calls.append(seed)
        vals, errs = {}, {}
        for name in checkpoints:
            if errors and name in errors:
                errs[name] = errors[name]
            elif name in overrides:
                vals[name] = overrides[name]
            elif name == "metric":
                vals[name] = from_python(float(np.random.default_rng(seed).normal(0.7 + shift, 0.02)))
            else:
                vals[name] = _r_value(name)
        return RRun(values=vals, errors=errs, seed=seed,
                    assignments={"x": [4], "idx": [5], "scaled": [6], "total": [7], "labels": [8], "scores": [9],
                                 "lvl": [10]},
                    dependencies={"total": ["x"]}, checkpoint_vars={k: VARS[k] for k in checkpoints})
    runner.calls = calls
    return runner


@pytest.fixture
def port(monkeypatch):
    mod = load_callable(CASE, "port:run").__module__
    import sys

    m = sys.modules[mod]
    monkeypatch.setattr(m, "BREAK", set())
    return m


def ctx(r_runner=None, **opts):
    opts.setdefault("distribution_seed", 100)
    return CaseContext(CASE, AuditOptions(**opts), r_runner=r_runner or replay())


def rows(report):
    return {c["name"]: c for c in report["checks"]}


def test_faithful_port_passes_with_documented_rows(port):
    rep = run_audit(ctx(), reproduction=False)
    r = rows(rep)
    assert {k for k, v in r.items() if v["status"] == "FAIL"} == set()
    assert r["naive_sd"]["status"] == "WARN" and r["naive_sd"]["diagnosis"]["id"] == "population_sd"
    assert r["center_info"]["status"] == "INFO"
    assert r["metric_dist"]["status"] == "PASS"
    assert rep["first_divergence"] is None and rep["summary"]["exit_code"] == 0
    assert r["idx"]["line"] == 5 and r["scale"]["line"] == 6


@pytest.mark.parametrize("broken, row, diagnosis", [
    ("idx", "idx", "zero_based_index"),
    ("scale", "scale", "population_sd"),
    ("total", "total", None),
    ("auc", "auc", None),
])
def test_a_broken_port_fails_on_that_checkpoint_with_its_diagnosis(port, broken, row, diagnosis):
    port.BREAK.add(broken)
    rep = run_audit(ctx(), reproduction=False)
    r = rows(rep)
    failing = {k for k, v in r.items() if v["status"] == "FAIL"}
    assert failing == {row}, failing
    assert rep["first_divergence"]["checkpoint"] == row
    if diagnosis:
        assert r[row]["diagnosis"]["id"] == diagnosis
        assert rep["first_divergence"]["diagnosis"]["id"] == diagnosis


def test_missing_key_and_r_error_fail_on_their_row_only(port):
    port.BREAK.add("missing")
    rep = run_audit(ctx(replay(errors={"labels": "R error in `labels`: object 'labels' not found"})), reproduction=False)
    r = rows(rep)
    assert r["total"]["status"] == "FAIL" and "returned no 'total'" in r["total"]["detail"]
    assert r["labels"]["status"] == "FAIL" and "object 'labels' not found" in r["labels"]["detail"]
    assert r["x"]["status"] == "PASS" and r["idx"]["status"] == "PASS"


def test_first_divergence_marks_consequences(port):
    port.BREAK.update({"x", "scale"})
    rep = run_audit(ctx(), reproduction=False)
    fd = rep["first_divergence"]
    assert fd["checkpoint"] == "x" and fd["line"] == 4
    assert rows(rep)["total"]["consequence_of"] == "x"  # declared after = ["x"] and R's data flow
    assert "scale" in fd["independent_failures"] and rows(rep)["scale"]["consequence_of"] is None


def test_known_divergence_that_no_longer_differs_fails(port):
    r = replay(naive_sd=from_python(MAT.std(axis=0, ddof=0)))
    row = run_check(ctx(r), "naive_sd")
    assert row.status is Status.FAIL and "premise no longer holds" in row.detail


def test_known_divergence_with_the_wrong_trap_fails(port):
    r = replay(naive_sd=from_python(MAT.std(axis=0, ddof=0) * 1.37))
    row = run_check(ctx(r), "naive_sd")
    assert row.status is Status.FAIL and "population_sd" in row.detail


def test_distribution_too_small_to_judge_is_skipped_not_failed(port):
    row = run_check(ctx(r_runs=2, python_runs=2), "metric_dist")
    assert row.status is Status.SKIP and "needs at least" in row.detail


def test_distribution_shift_fails(port):
    row = run_check(ctx(replay(shift=0.2)), "metric_dist")
    assert row.status is Status.FAIL


def test_no_r_skips_r_rows_with_the_reason(port):
    rep = run_audit(ctx(use_r=False), reproduction=False)
    assert {c["status"] for c in rep["checks"]} == {"SKIP"}
    assert all("--no-r" in c["detail"] for c in rep["checks"])


def test_python_side_exception_fails_every_row_once(port, monkeypatch):
    def boom(seed=None):
        raise ZeroDivisionError("port bug")

    c = CaseContext(CASE, AuditOptions(distribution_seed=1), r_runner=replay(), python_fn=boom)
    rep = run_audit(c, reproduction=False)
    bad = [x for x in rep["checks"] if x["name"] in ("x", "idx", "total")]
    assert all(x["status"] == "FAIL" and "ZeroDivisionError: port bug" in x["detail"] for x in bad)
    assert "py" in rep["side_errors"]


def test_only_runs_what_the_selected_check_needs(port):
    r = replay()
    c = ctx(r)
    rep = run_audit(c, only=["idx"])
    assert [x["name"] for x in rep["checks"]] == ["idx"]
    assert r.calls == [3]  # one seeded R run (the case's seed), no distribution runs
    assert c.cached("py_runs") is None


def test_report_files_and_determinism(port, tmp_path):
    a = run_audit(ctx())
    b = run_audit(ctx())
    strip = lambda rep: json.dumps({k: v for k, v in rep.items() if k != "meta"}, sort_keys=True)  # noqa: E731
    assert strip(a) == strip(b)
    paths = write_report(a, tmp_path / "out")
    assert {p.name for p in paths} == {"report.json", "report.md", "report.html"}
    md = (tmp_path / "out" / "report.md").read_text()
    assert "engine test case" in md and "| idx |" in md
