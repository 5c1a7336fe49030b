"""Every way the R side can fail, each with a clear message, and in every case the audit goes on:
the Python side still completes, R checks are FAIL (the side ran and failed) or SKIP (R
unavailable) with the reason, never a crash.

The faults are real where they can be (a broken script, quit(), a never-ending script, a worker
killed by SIGKILL, Rscript missing from PATH, an rpy2 that cannot load this R) and go through the
real runner (`r_reference.runner.run_article`); the Python side is an injected, ready-made
`ArticleResult` (no Keras training), so the whole file takes seconds.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from parity.context import AuditContext, AuditOptions, SideFailed
from parity.registry import Status, run_check
from r_reference import runner
from r_reference.availability import APT_COMMAND, PIP_COMMAND, r_status
from r_reference.errors import (
    RScriptError, RScriptQuit, RTimeoutError, RUnavailableError, RWorkerCrashed,
)

ROOT = Path(__file__).resolve().parents[1]
R_CHECK = "split_indices"  # needs the R run and the Python run
PY_CHECK = "pitfall_population_sd"  # needs only the Python run (R's scale when R is there)


# ---- a cheap Python side ---------------------------------------------------------------------

def _py_result():
    """The Python port's real split and scaling with a fixed, label-correlated score (no Keras)."""
    from python_impl.checkpoints import ArticleResult, class_balance
    from python_impl.data import features_labels, load_gbsg
    from python_impl.preprocess import r_scale
    from python_impl.roc import roc
    from python_impl.split import article_split

    x, y = features_labels(load_gbsg())
    _, center, scale = r_scale(x)
    s = article_split(len(x))
    yt = y[s.test - 1]
    pred = 1 / (1 + np.exp(-(yt - 0.4 + np.random.default_rng(0).normal(0, 0.8, len(yt)))))
    r = roc(yt, pred)
    return ArticleResult(
        side="python", train_indices=s.train, val_indices=s.val, test_indices=s.test, center=center,
        scale=scale, class_balance=class_balance(y, {"train": s.train, "val": s.val, "test": s.test}),
        model_summary=[], history={k: [0.6, 0.5] for k in ("loss", "accuracy", "val_loss", "val_accuracy")},
        test_loss=0.6, test_accuracy=float(np.mean((pred > 0.5) == yt)), predictions=pred, auc=r.auc,
        auc_ci=tuple(r.ci_auc()), best_threshold=r.best(), keras_seed=42, roc_direction=r.direction,
        roc_levels=tuple(str(v) for v in r.levels), test_labels=yt)


@pytest.fixture(scope="module")
def py_result():
    return _py_result()


class PyRunner:
    """Injected Python side: counts its calls, never trains."""

    def __init__(self, result):
        self.result, self.calls = result, 0

    def __call__(self, seed=None, data=None):
        self.calls += 1
        return self.result


def ctx_with(py_result, r_runner=None, **opts) -> tuple[AuditContext, PyRunner]:
    py = PyRunner(py_result)
    kw = {"r_runner": r_runner} if r_runner is not None else {}
    return AuditContext(AuditOptions(seeds=2, **opts), py_runner=py, **kw), py


def assert_r_checks(ctx, py, status: Status, *words: str) -> None:
    """R check has `status` with `words` in its detail; the Python-only check still runs."""
    res = run_check(R_CHECK, ctx)
    assert res.status is status, res
    for w in words:
        assert w in res.detail, f"{w!r} not in {res.detail!r}"
    p = run_check(PY_CHECK, ctx)
    assert p.status is Status.WARN, p  # computed on the Python port, labelled so
    assert "R-exact port" in p.r_value
    assert py.calls == 1  # the Python side ran once and completed
    assert "r" in ctx.side_errors() and words[0] in ctx.side_errors()["r"]


def real_runner(script: str):
    """The real R runner (a fresh worker process) with `script` instead of the article, under the
    context's timeout."""
    def call(seed=None, data=None, timeout=600, **kw):
        return runner.run_article(seed=seed, script=script, data=data, timeout=timeout)

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
def test_injected_r_fault(py_result, fault):
    exc, status, words = FAULTS[fault]

    def broken(seed=None, data=None, timeout=None, **kw):
        raise exc

    ctx, py = ctx_with(py_result, broken)
    assert_r_checks(ctx, py, status, *words)


def test_r_runs_fault_is_reported_once_not_retried(py_result):
    """A fault in the R distribution runs is cached: every check needing them gets the same
    SideFailed without starting R again."""
    calls = []

    def broken(seed=None, data=None, timeout=None, **kw):
        calls.append(seed)
        raise RTimeoutError(timeout)

    ctx, _ = ctx_with(py_result, broken, r_timeout=9.0)
    for _ in range(2):
        with pytest.raises(SideFailed, match="R side failed: .*timeout of 9 s"):
            ctx.r_runs
    assert len(calls) == 1


def test_unexpected_runner_exception_is_a_fail_naming_it(py_result):
    def broken(seed=None, data=None, timeout=None, **kw):
        raise FileNotFoundError("data CSV not found: /x.csv")

    ctx, _ = ctx_with(py_result, broken)
    res = run_check(R_CHECK, ctx)
    assert res.status is Status.FAIL and "FileNotFoundError" in res.detail and "/x.csv" in res.detail


# ---- R not installed: Rscript missing from PATH ----------------------------------------------

def test_r_not_installed(monkeypatch, fresh_r_status, py_result):
    monkeypatch.setenv("PATH", "/nonexistent-bin")
    st = r_status()
    assert not st.ok and "R is not installed" in st.reason and APT_COMMAND in st.reason
    with pytest.raises(RUnavailableError) as ei:
        runner.run_article(timeout=30)
    msg = str(ei.value)
    assert "R is not installed" in msg and APT_COMMAND in msg and "python -m rpy2.situation" in msg
    ctx, py = ctx_with(py_result)  # the default (real) R runner
    assert "R is not installed" in ctx.r_unavailable_reason()
    assert_r_checks(ctx, py, Status.SKIP, "R is not installed", APT_COMMAND)


def test_r_not_installed_cli_skips_r_checks_with_the_apt_command(tmp_path):
    import json

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
def test_rpy2_not_importable(monkeypatch, fresh_r_status, py_result):
    for mod in [m for m in sys.modules if m == "rpy2" or m.startswith("rpy2.")]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "rpy2", None)  # `import rpy2` -> ImportError
    st = r_status()
    assert st.rscript and not st.rpy2
    assert "rpy2 is not importable (ModuleNotFoundError" in st.reason and PIP_COMMAND in st.reason
    with pytest.raises(RUnavailableError, match="rpy2 is not importable"):
        runner.run_article(timeout=30)
    ctx, py = ctx_with(py_result)
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
def test_rpy2_built_for_another_r(rpy2_for_another_r, py_result):
    t = time.perf_counter()
    with pytest.raises(RUnavailableError) as ei:
        runner.run_article(script="x <- 1\n", timeout=60)
    msg = str(ei.value)
    assert "rpy2 cannot load R here (ImportError" in msg and "undefined symbol: R_getVar" in msg
    assert "rpy2==3.5.17" in msg and "python -m rpy2.situation" in msg
    assert time.perf_counter() - t < 30
    ctx, py = ctx_with(py_result, real_runner("x <- 1\n"))
    assert_r_checks(ctx, py, Status.SKIP, "undefined symbol: R_getVar", "rpy2==3.5.17")


@pytest.mark.requires_r
def test_script_error(py_result):
    script = 'x <- 1\nstop("the data has no column pgr2")\n'
    with pytest.raises(RScriptError) as ei:
        runner.run_article(script=script, timeout=60)
    e = ei.value
    assert e.r_message == "the data has no column pgr2" and e.line == 2
    assert "R error at script line 2" in str(e) and "the data has no column pgr2" in str(e)
    ctx, py = ctx_with(py_result, real_runner(script))
    assert_r_checks(ctx, py, Status.FAIL, "R side failed", "the data has no column pgr2", "line 2")


@pytest.mark.requires_r
def test_script_calls_quit(py_result):
    script = 'cat("before\\n")\nquit(status = 3)\ncat("after\\n")\n'
    with pytest.raises(RScriptQuit) as ei:
        runner.run_article(script=script, timeout=60)
    e = ei.value
    assert e.status == 3 and e.line == 2 and e.console == "before\n"
    assert "called quit(status = 3) at script line 2" in str(e) and "Remove the quit() call" in str(e)
    ctx, py = ctx_with(py_result, real_runner(script))
    assert_r_checks(ctx, py, Status.FAIL, "R side failed", "quit(status = 3)")


@pytest.mark.requires_r
def test_script_calls_base_quit(py_result):
    script = "base::quit(status = 4)\n"
    with pytest.raises(RWorkerCrashed, match=r"quit\(status = 4\) ended the worker"):
        runner.run_article(script=script, timeout=60)
    ctx, py = ctx_with(py_result, real_runner(script))
    assert_r_checks(ctx, py, Status.FAIL, "R side failed", "quit(status = 4)")


@pytest.mark.requires_r
def test_script_never_ends_times_out(tmp_path, py_result):
    pid_file = tmp_path / "pid"
    script = f'writeLines(as.character(Sys.getpid()), "{pid_file}")\ncat("sleeping\\n")\nSys.sleep(1000)\n'
    t = time.perf_counter()
    ctx, py = ctx_with(py_result, real_runner(script), r_timeout=6.0)  # the context's timeout is used
    assert_r_checks(ctx, py, Status.FAIL, "R side failed", "exceeded its timeout of 6 s", "killed")
    assert time.perf_counter() - t < 20
    err = ctx.side_errors()["r"]
    assert "sleeping" in err  # the R console so far
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):  # the worker is gone, not orphaned
        os.kill(pid, 0)


@pytest.mark.requires_r
def test_worker_kills_itself(py_result):
    script = 'cat("before\\n")\ntools::pskill(Sys.getpid(), tools::SIGKILL)\ncat("after\\n")\n'
    with pytest.raises(RWorkerCrashed) as ei:
        runner.run_article(script=script, timeout=60)
    e = ei.value
    assert e.returncode == -signal.SIGKILL and "killed by signal SIGKILL" in str(e)
    assert e.console == "before\n"
    ctx, py = ctx_with(py_result, real_runner(script))
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
        runner.run_article(script=script, timeout=60)
    th.join(5)
    assert ei.value.returncode == -signal.SIGKILL and "SIGKILL" in str(ei.value)
    assert not isinstance(ei.value, RTimeoutError)
