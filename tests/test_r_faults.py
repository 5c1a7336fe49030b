"""Every way the R side can fail, each with a clear message, and in every case the audit goes on:
the Python side still completes, R checks are FAIL (the side ran and failed) or SKIP (R
unavailable) with the reason, never a crash.

The faults are real where they can be (a broken script, quit(), a never-ending script, a worker
killed by SIGKILL, Rscript missing from PATH, an rpy2 that cannot load this R) and go through the
real runner (`r_reference.runner.run_script`), both as an injected runner (a fresh worker per
run) and through the executor (a warm worker); the Python side is an injected, ready-made
mapping (no Keras training), so the whole file takes seconds.
"""
from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from parity.audit import run_audit, run_check
from parity.case import default_case_file, load_case
from parity.context import AuditOptions, CaseContext
from parity.executor import make_executor
from parity.outcomes import SideFailed, Status
from r_reference import runner
from r_reference.availability import APT_COMMAND, PIP_COMMAND, r_status
from r_reference.errors import (
    RScriptError, RScriptQuit, RTimeoutError, RUnavailableError, RWorkerCrashed,
)

ROOT = Path(__file__).resolve().parents[1]
CASE = load_case(default_case_file())
R_CHECK = "split_indices"  # needs the R run and the Python run


# ---- a cheap Python side ---------------------------------------------------------------------

def _py_values() -> dict:
    """The Python port's real split and a naive scale (no Keras)."""
    from python_impl.data import FEATURES, features_labels, load_gbsg
    from python_impl.split import article_split

    x, _ = features_labels(load_gbsg())
    s = article_split(len(x))
    return {"split_indices": {"train": s.train, "val": s.val, "test": s.test},
            "split_sizes": {"train": len(s.train), "val": len(s.val), "test": len(s.test)},
            "naive_scale": dict(zip(FEATURES, x.std(axis=0).tolist()))}


class PyRunner:
    """Injected Python side: counts its calls, never trains."""

    def __init__(self):
        self.values, self.calls = _py_values(), 0

    def __call__(self, seed=None, data=None):
        self.calls += 1
        return self.values


def ctx_with(r_runner=None, case=CASE, executor=None, **opts) -> tuple[CaseContext, PyRunner]:
    py = PyRunner()
    kw = {"r_runner": r_runner} if r_runner is not None else {}
    return CaseContext(case, AuditOptions(python_runs=2, reproduction=False, **opts), python_fn=py,
                       executor=executor, **kw), py


def assert_r_checks(ctx, py, status: Status, *words: str) -> None:
    """The R check has `status`, its row naming the fault and the side's error every word; the
    Python side ran once and completed; a whole audit of the check still returns a report."""
    res = run_check(ctx, R_CHECK)
    assert res.status is status, res
    assert words[0] in res.detail, f"{words[0]!r} not in {res.detail!r}"
    err = ctx.side_errors()["r"]
    for w in words:
        assert w in res.detail + "\n" + err, f"{w!r} not in {res.detail!r} nor in {err!r}"
    value, error = ctx.py_value("naive_scale")
    assert error is None and value is not None
    assert py.calls == 1  # the Python side ran once and completed
    report = run_audit(ctx, only=[R_CHECK])
    assert report["checks"][0]["status"] == status.value and "r" in report["side_errors"]


def real_runner(script: str):
    """The real R runner (a fresh worker process) with `script` instead of the case's, under the
    context's timeout."""
    def call(**kw):
        return runner.run_script(**{**kw, "script": script})

    return call


@pytest.fixture
def fresh_r_status():
    """r_status() is cached for the process: clear it around a test that fakes the machine."""
    r_status.cache_clear()
    yield r_status
    r_status.cache_clear()


# ---- injected faults: the mapping, without R -------------------------------------------------

FAULTS = {
    "script_error": (RScriptError("object 'x' not found", call="eval(expr)", line=3, expression="y <- x"),
                     Status.FAIL, ["R side failed", "object 'x' not found", "line 3"]),
    "quit": (RScriptQuit(2, 5, "quit(status = 2)"), Status.FAIL, ["R side failed", "quit(status = 2)", "line 5"]),
    "crash": (RWorkerCrashed("the R worker process was killed by signal SIGKILL", returncode=-9),
              Status.FAIL, ["R side failed", "SIGKILL"]),
    "timeout": (RTimeoutError(7, elapsed=7.01), Status.FAIL, ["R side failed", "timeout of 7 s", "killed"]),
    "unavailable": (RUnavailableError("R is not installed"), Status.SKIP, ["R is not installed", APT_COMMAND]),
    "rpy2_mismatch": (RUnavailableError("rpy2 cannot load R here (ImportError: undefined symbol: R_getVar)"),
                      Status.SKIP, ["undefined symbol: R_getVar", "rpy2==3.5.17"]),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_injected_r_fault(fault):
    exc, status, words = FAULTS[fault]

    def broken(**kw):
        raise exc

    ctx, py = ctx_with(broken)
    assert_r_checks(ctx, py, status, *words)


def test_r_runs_fault_is_reported_once_not_retried():
    """A fault in the R distribution runs is cached: every check needing them gets the same
    SideFailed without starting R again."""
    calls = []

    def broken(timeout=None, seed=None, **kw):
        calls.append(seed)
        raise RTimeoutError(timeout)

    ctx, _ = ctx_with(broken, r_timeout=9.0)
    for _ in range(2):
        with pytest.raises(SideFailed, match="R side failed: .*timeout of 9 s"):
            ctx.r_runs
    assert len(calls) == 1


def test_unexpected_runner_exception_is_a_fail_naming_it():
    def broken(**kw):
        raise FileNotFoundError("data CSV not found: /x.csv")

    ctx, _ = ctx_with(broken)
    res = run_check(ctx, R_CHECK)
    assert res.status is Status.FAIL and "FileNotFoundError" in res.detail and "/x.csv" in res.detail


# ---- R not installed: Rscript missing from PATH ----------------------------------------------

def test_r_not_installed(monkeypatch, fresh_r_status):
    monkeypatch.setenv("PATH", "/nonexistent-bin")
    st = r_status()
    assert not st.ok and "R is not installed" in st.reason and APT_COMMAND in st.reason
    with pytest.raises(RUnavailableError) as ei:
        runner.run_script("x <- 1\n", timeout=30)
    msg = str(ei.value)
    assert "R is not installed" in msg and APT_COMMAND in msg and "python -m rpy2.situation" in msg
    ctx, py = ctx_with()  # the default (real) R side, through the executor
    assert "R is not installed" in ctx.r_unavailable_reason()
    assert_r_checks(ctx, py, Status.SKIP, "R is not installed", APT_COMMAND)


def test_r_not_installed_cli_skips_r_checks_with_the_apt_command(tmp_path):
    env = {**os.environ, "PATH": "/nonexistent-bin", "TF_CPP_MIN_LOG_LEVEL": "3"}
    parity = Path(sys.executable).with_name("parity")
    out = tmp_path / "report"
    proc = subprocess.run([str(parity), "audit", "--no-reproduction", "--only", R_CHECK, "--quiet",
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert "R side unavailable: R is not installed" in proc.stdout + proc.stderr
    check = json.loads((out / "report.json").read_text())["checks"][0]
    assert check["status"] == "SKIP" and APT_COMMAND in check["detail"]


# ---- rpy2 cannot be imported (in this process) -------------------------------------------------

@pytest.mark.requires_r
def test_rpy2_not_importable(monkeypatch, fresh_r_status):
    for mod in [m for m in sys.modules if m == "rpy2" or m.startswith("rpy2.")]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "rpy2", None)  # `import rpy2` -> ImportError
    st = r_status()
    assert st.rscript and not st.rpy2
    assert "rpy2 is not importable (ModuleNotFoundError" in st.reason and PIP_COMMAND in st.reason
    with pytest.raises(RUnavailableError, match="rpy2 is not importable"):
        runner.run_script("x <- 1\n", timeout=30)
    ctx, py = ctx_with()
    assert_r_checks(ctx, py, Status.SKIP, "rpy2 is not importable", PIP_COMMAND)


# ---- faults inside the worker process (real worker, real R) -----------------------------------

@pytest.fixture
def rpy2_for_another_r(tmp_path, monkeypatch):
    """An rpy2 on the worker's PYTHONPATH whose C extension cannot load this R, as rpy2 3.6 on R 4.2.
    The parent's probe (import rpy2 + rpy2.situation) passes; the worker's `import rpy2.rinterface`
    fails as the real one does."""
    shim = tmp_path / "shim" / "rpy2"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text('__version__ = "3.6.6"\n')
    (shim / "rinterface.py").write_text(
        'raise ImportError("/venv/lib/python3.11/site-packages/_rinterface_cffi_api.abi3.so: '
        'undefined symbol: R_getVar")\n')
    monkeypatch.setenv("PYTHONPATH", str(shim.parent))
    return shim


@pytest.mark.requires_r
def test_rpy2_built_for_another_r(rpy2_for_another_r):
    t = time.perf_counter()
    with pytest.raises(RUnavailableError) as ei:
        runner.run_script("x <- 1\n", timeout=60)
    msg = str(ei.value)
    assert "rpy2 cannot load R here (ImportError" in msg and "undefined symbol: R_getVar" in msg
    assert "rpy2==3.5.17" in msg and "python -m rpy2.situation" in msg
    assert time.perf_counter() - t < 30
    ctx, py = ctx_with(real_runner("x <- 1\n"))
    assert_r_checks(ctx, py, Status.SKIP, "undefined symbol: R_getVar", "rpy2==3.5.17")
    with make_executor("local", workers=1) as ex:  # a warm worker started now reports the same
        ctx, py = ctx_with(case=_case_with(rpy2_for_another_r.parent.parent, "x <- 1\n"), executor=ex)
        assert_r_checks(ctx, py, Status.SKIP, "undefined symbol: R_getVar", "rpy2==3.5.17")


def _case_with(folder: Path, code: str):
    """The article's case with another R script (the context then runs it through the executor)."""
    script = folder / "fault.R"
    script.write_text(code)
    return dataclasses.replace(CASE, r_script=script)


@pytest.fixture(scope="module")
def warm_executor():
    with make_executor("local", workers=1) as ex:
        yield ex


def _both(tmp_path, code: str, executor, **opts):
    """The same fault twice: an injected fresh-worker runner, and the executor's warm worker."""
    yield ctx_with(real_runner(code), **opts)
    yield ctx_with(case=_case_with(tmp_path, code), executor=executor, **opts)


@pytest.mark.requires_r
def test_script_error(tmp_path, warm_executor):
    script = 'x <- 1\nstop("the data has no column pgr2")\n'
    with pytest.raises(RScriptError) as ei:
        runner.run_script(script, timeout=60)
    e = ei.value
    assert e.r_message == "the data has no column pgr2" and e.line == 2
    assert "R error at script line 2" in str(e) and "the data has no column pgr2" in str(e)
    for ctx, py in _both(tmp_path, script, warm_executor):
        assert_r_checks(ctx, py, Status.FAIL, "R side failed", "the data has no column pgr2", "line 2")


@pytest.mark.requires_r
def test_script_calls_quit(tmp_path, warm_executor):
    script = 'cat("before\\n")\nquit(status = 3)\ncat("after\\n")\n'
    with pytest.raises(RScriptQuit) as ei:
        runner.run_script(script, timeout=60)
    e = ei.value
    assert e.status == 3 and e.line == 2 and e.console == "before\n"
    assert "called quit(status = 3) at script line 2" in str(e) and "Remove the quit() call" in str(e)
    for ctx, py in _both(tmp_path, script, warm_executor):
        assert_r_checks(ctx, py, Status.FAIL, "R side failed", "quit(status = 3)")


@pytest.mark.requires_r
def test_script_calls_base_quit(tmp_path, warm_executor):
    script = "base::quit(status = 4)\n"
    with pytest.raises(RWorkerCrashed, match=r"quit\(status = 4\) ended the worker"):
        runner.run_script(script, timeout=60)
    for ctx, py in _both(tmp_path, script, warm_executor):
        assert_r_checks(ctx, py, Status.FAIL, "R side failed", "quit(status = 4)")


@pytest.mark.requires_r
def test_script_never_ends_times_out(tmp_path, warm_executor):
    pid_file = tmp_path / "pid"
    script = f'writeLines(as.character(Sys.getpid()), "{pid_file}")\ncat("sleeping\\n")\nSys.sleep(1000)\n'
    for ctx, py in _both(tmp_path, script, warm_executor, r_timeout=6.0):  # the context's timeout is used
        t = time.perf_counter()
        assert_r_checks(ctx, py, Status.FAIL, "R side failed", "exceeded its timeout of 6 s", "killed")
        assert time.perf_counter() - t < 30
        assert "sleeping" in ctx.side_errors()["r"]  # the R console so far
        pid = int(pid_file.read_text())
        with pytest.raises(ProcessLookupError):  # the worker is gone, not orphaned
            os.kill(pid, 0)
        pid_file.unlink()


@pytest.mark.requires_r
def test_worker_kills_itself(tmp_path, warm_executor):
    script = 'cat("before\\n")\ntools::pskill(Sys.getpid(), tools::SIGKILL)\ncat("after\\n")\n'
    with pytest.raises(RWorkerCrashed) as ei:
        runner.run_script(script, timeout=60)
    e = ei.value
    assert e.returncode == -signal.SIGKILL and "killed by signal SIGKILL" in str(e)
    assert e.console == "before\n"
    for ctx, py in _both(tmp_path, script, warm_executor):
        assert_r_checks(ctx, py, Status.FAIL, "R side failed", "killed by signal SIGKILL")


@pytest.mark.requires_r
def test_worker_killed_from_outside_mid_run(tmp_path):
    pid_file = tmp_path / "pid"
    script = f'writeLines(as.character(Sys.getpid()), "{pid_file}")\nSys.sleep(1000)\n'

    def killer():
        for _ in range(600):
            if pid_file.is_file() and pid_file.read_text().strip():
                os.kill(int(pid_file.read_text()), signal.SIGKILL)
                return
            time.sleep(0.05)

    th = threading.Thread(target=killer, daemon=True)
    th.start()
    with pytest.raises(RWorkerCrashed) as ei:
        runner.run_script(script, timeout=60)
    th.join(5)
    assert ei.value.returncode == -signal.SIGKILL and "SIGKILL" in str(ei.value)
    assert not isinstance(ei.value, RTimeoutError)
