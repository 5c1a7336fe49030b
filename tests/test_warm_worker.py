"""Warm R workers (`r_reference.warm.WarmWorker`): one process runs successive scripts, each in
the state a fresh process would give it, and is replaced after K runs or any crash.

Every isolation test runs a script that changes some piece of session state, then a probe script
whose checkpoints read that state, and compares the probe's checkpoints with the same probe run
in a fresh process (`worker=None`): equal, value for value. Needs R and rpy2 (skipped otherwise).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from parity.compare import Tolerance, compare
from r_reference.errors import RScriptError, RScriptQuit, RTimeoutError, RWorkerCrashed
from r_reference.runner import run_script
from r_reference.warm import WarmWorker, WorkerCrashed

pytestmark = pytest.mark.requires_r

# What the probe reads: every piece of state a script could leave behind.
PROBE = "probe <- TRUE\n"
PROBE_CHECKPOINTS = {  # evaluated in this order: nothing before "draws" touches the RNG
    "unseeded_state": "exists('.Random.seed', envir = globalenv())",
    "globals": "setdiff(ls(globalenv(), all.names = TRUE), 'probe')",
    "digits": "getOption('digits')",
    "custom_option": "is.null(getOption('parity.test.option'))",
    "proc_progress": "getOption('pROCProgress')",
    "rng_kind": "RNGkind()",
    "draws": "{set.seed(1); sample(100, 5)}",
    "search": "search()",
    "env_var": "Sys.getenv('PARITY_TEST_VAR', unset = 'unset')",
    "wd": "file.exists('script.R')",  # the run's own folder (an R code string's temp folder)
    "sinks": "sink.number()",
    "devices": "length(dev.list())",
}

MESSY = """
leftover <- 1:10
.hidden <- "x"
.Last <- function() cat("bye\\n")
options(digits = 3, parity.test.option = TRUE, pROCProgress = list(name = "none"))
RNGkind("L'Ecuyer-CMRG", sample.kind = "Rounding")
set.seed(99)
library(survival)
library(pROC)
attach(list(attached_thing = 1), name = "my_attached_list")
Sys.setenv(PARITY_TEST_VAR = "leaked")
setwd(tempdir())
sink(tempfile())
png(tempfile())
"""

KERAS_SCRIPT = """
library(keras)
x <- matrix(seq(-1, 1, length.out = 40), ncol = 2)
y <- as.numeric(x[, 1] > 0)
model <- keras_model_sequential()
model %>% layer_dense(units = 4, activation = "relu", input_shape = 2) %>%
  layer_dense(units = 1, activation = "sigmoid")
model %>% compile(loss = "binary_crossentropy", optimizer = "adam")
h <- model %>% fit(x, y, epochs = 2, batch_size = 8, verbose = 0)
p <- model %>% predict(x, verbose = 0)
"""
KERAS_CHECKPOINTS = {"p": "as.numeric(p)", "loss": "h$metrics$loss",
                     "model_line": "capture.output(print(model))[1]"}


@pytest.fixture(scope="module")
def warm():
    with WarmWorker(max_runs=50, preload=("r", "keras")) as w:
        yield w


@pytest.fixture(scope="module")
def warm_r():
    """Without TensorFlow: cheap to restart (the crash tests replace it several times)."""
    with WarmWorker(max_runs=50, preload=("r",)) as w:
        yield w


@pytest.fixture(scope="module")
def fresh_probe():
    return run_script(PROBE, checkpoints=PROBE_CHECKPOINTS, keras_backend="none", timeout=120)


def assert_same_checkpoints(a, b):
    assert a.errors == b.errors == {}
    assert set(a.values) == set(b.values)
    for name in a.values:
        res = compare(a.values[name], b.values[name], Tolerance("exact"))
        assert res.equal, f"{name}: {res.detail}"


def test_a_script_leaves_nothing_for_the_next(warm, fresh_probe):
    run_script(MESSY, checkpoints={"kind": "RNGkind()"}, keras_backend="none", worker=warm, timeout=120)
    probe = run_script(PROBE, checkpoints=PROBE_CHECKPOINTS, keras_backend="none", worker=warm, timeout=120)
    assert probe.extra["worker"]["mode"] == "warm" and probe.extra["worker"]["run"] >= 2
    assert_same_checkpoints(probe, fresh_probe)
    v = {k: x.data.tolist() if hasattr(x, "data") else x for k, x in probe.values.items()}
    assert v["digits"] == [7] and v["rng_kind"] == ["Mersenne-Twister", "Inversion", "Rejection"]
    assert "package:survival" not in v["search"] and "my_attached_list" not in v["search"]
    assert v["env_var"] == ["unset"] and v["globals"] == [] and v["unseeded_state"] == [False]


def test_the_probe_sees_what_a_script_leaves_without_a_reset():
    """The probe can fail: in one script (no reset in between), it sees every change."""
    seen = run_script(MESSY + PROBE, checkpoints=PROBE_CHECKPOINTS, keras_backend="none", timeout=120)
    v = {k: x.data.tolist() for k, x in seen.values.items() if hasattr(x, "data")}
    assert v["digits"] == [3] and v["rng_kind"][0] == "L'Ecuyer-CMRG" and v["env_var"] == ["leaked"]
    assert "package:survival" in v["search"] and "leftover" in v["globals"] and v["sinks"] == [1]


def test_package_load_hooks_run_again_after_a_reset(warm):
    # pROC's .onLoad sets options(pROCProgress); the reset unloads pROC, so the next
    # library(pROC) loads it afresh and the option is back, as in a fresh process.
    code = "library(pROC)\n"
    cps = {"proc_progress": "getOption('pROCProgress')$name", "loaded_before": "FALSE"}
    fresh = run_script(code, checkpoints=cps, keras_backend="none", timeout=120)
    a = run_script(code, checkpoints=cps, keras_backend="none", worker=warm, timeout=120)
    b = run_script(code, checkpoints=cps, keras_backend="none", worker=warm, timeout=120)
    assert a.values["proc_progress"].data.tolist() == b.values["proc_progress"].data.tolist() \
        == fresh.values["proc_progress"].data.tolist() != [None]
    assert "pROC" not in run_script("x <- loadedNamespaces()\n", checkpoints={"x": "x"}, keras_backend="none",
                                    worker=warm, timeout=120).values["x"].data.tolist()


def test_keras_session_and_seed_do_not_leak(warm):
    runs = [run_script(KERAS_SCRIPT, checkpoints=KERAS_CHECKPOINTS, seed=s, keras_backend="bridge", worker=warm,
                       timeout=300) for s in (5, None, 5, None)]
    assert len({r.extra["worker"]["pid"] for r in runs}) == 1
    s1, u1, s2, u2 = (r.values["p"].data for r in runs)
    np.testing.assert_array_equal(s1, s2)  # a seed still fixes the run after other runs
    assert not np.array_equal(u1, u2)  # unseeded after seeded: truly unseeded (the seed did not stay set)
    # clear_session(): every run's model is "sequential" again, not sequential_1, _2, ...
    assert {r.values["model_line"].data[0] for r in runs} == {'Model: "sequential"'}


def test_warm_run_equals_fresh_run_for_the_same_seed(warm):
    fresh = run_script(KERAS_SCRIPT, checkpoints=KERAS_CHECKPOINTS, seed=11, keras_backend="bridge", timeout=300)
    run_script(KERAS_SCRIPT, checkpoints=KERAS_CHECKPOINTS, seed=3, keras_backend="bridge", worker=warm, timeout=300)
    again = run_script(KERAS_SCRIPT, checkpoints=KERAS_CHECKPOINTS, seed=11, keras_backend="bridge", worker=warm,
                       timeout=300)
    assert fresh.extra["worker"] == {"mode": "fresh"} and again.extra["worker"]["mode"] == "warm"
    assert_same_checkpoints(again, fresh)
    assert again.extra["keras_calls"] == fresh.extra["keras_calls"]


def test_restart_after_k_runs():
    with WarmWorker(max_runs=2, preload=("r",)) as w:
        pids = [run_script("x <- 1\n", checkpoints={"x": "x"}, keras_backend="none", worker=w, timeout=120)
                .extra["worker"]["pid"] for _ in range(3)]
        assert pids[0] == pids[1] != pids[2] and w.starts == 2


def test_errors_keep_the_worker_and_crashes_replace_it(tmp_path, warm_r):
    warm = warm_r
    def pid_of_next():
        return run_script("x <- 1\n", checkpoints={"x": "x"}, keras_backend="none", worker=warm,
                          timeout=120).extra["worker"]["pid"]

    before = pid_of_next()
    with pytest.raises(RScriptError) as ei:
        run_script('x <- 1\nstop("no column pgr2")\n', keras_backend="none", worker=warm, timeout=120)
    assert ei.value.r_message == "no column pgr2" and ei.value.line == 2
    with pytest.raises(RScriptQuit):
        run_script("quit(status = 2)\n", keras_backend="none", worker=warm, timeout=120)
    assert pid_of_next() == before  # an R error or the quit() shim is an ordinary end of a run

    with pytest.raises(RWorkerCrashed, match=r"quit\(status = 3\) ended the worker"):
        run_script("base::quit(status = 3)\n", keras_backend="none", worker=warm, timeout=120)
    after_quit = pid_of_next()
    assert after_quit != before

    with pytest.raises(RWorkerCrashed, match="killed by signal SIGKILL") as ei:
        run_script('cat("before\\n")\ntools::pskill(Sys.getpid(), tools::SIGKILL)\n', keras_backend="none",
                   worker=warm, timeout=120)
    assert ei.value.console == "before\n"
    after_kill = pid_of_next()
    assert after_kill != after_quit

    pid_file = tmp_path / "pid"
    with pytest.raises(RTimeoutError) as ei:
        run_script(f'writeLines(as.character(Sys.getpid()), "{pid_file}")\ncat("sleeping\\n")\nSys.sleep(1000)\n',
                   keras_backend="none", worker=warm, timeout=4)
    assert "sleeping" in ei.value.console
    with pytest.raises(ProcessLookupError):  # the whole worker is gone, not orphaned
        os.kill(int(pid_file.read_text()), 0)
    assert pid_of_next() not in (after_kill, int(pid_file.read_text()))


def test_a_state_the_reset_cannot_restore_replaces_the_worker(warm_r):
    warm = warm_r
    # a script that detaches a package of the start-up search path: the reset cannot put it back
    # in place, so the worker exits and the next run gets a new process (transparently).
    a = run_script('detach("package:stats")\n', checkpoints={"s": "search()"}, keras_backend="none", worker=warm,
                   timeout=120)
    assert "package:stats" not in a.values["s"].data.tolist()
    b = run_script("v <- sd(c(1, 2, 3))\n", checkpoints={"v": "v", "s": "search()"}, keras_backend="none",
                   worker=warm, timeout=120)
    assert b.values["v"].data.tolist() == [1.0] and "package:stats" in b.values["s"].data.tolist()
    assert b.extra["worker"]["pid"] != a.extra["worker"]["pid"]


def test_python_calls_run_in_the_worker_and_raise_there():
    with WarmWorker(preload=()) as w:
        assert w.call(os.getpid) == w.pid != os.getpid()
        assert w.call(divmod, 17, 5) == (3, 2)
        with pytest.raises(ZeroDivisionError) as ei:
            w.call(divmod, 1, 0)
        assert "raised in the warm worker process" in "".join(ei.value.__notes__)
        with pytest.raises(RuntimeError, match="could not be pickled"):
            w.call(eval, "lambda: 1")  # a value that cannot come back
        with pytest.raises(WorkerCrashed, match="killed by signal SIGKILL"):
            w.call(eval, "__import__('os').kill(__import__('os').getpid(), 9)")
        assert w.call(divmod, 9, 2) == (4, 1) and w.starts == 2


def test_worker_exits_when_its_parent_dies():
    code = ("import sys, os\nfrom r_reference.warm import WarmWorker\n"
            "w = WarmWorker(preload=('r',)).start()\nprint(w.call(os.getpid), flush=True)\nos._exit(0)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    pid = int(out.stdout.strip())
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail(f"worker {pid} outlived its parent")
