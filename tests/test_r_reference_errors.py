"""The R runner's error mapping and argument handling, without R (no worker is started)."""
from __future__ import annotations

from pathlib import Path

import pytest

from r_reference import runner
from r_reference.availability import APT_COMMAND, RStatus
from r_reference.errors import (
    RReferenceError, RScriptError, RScriptQuit, RTimeoutError, RUnavailableError, RWorkerCrashed,
)


def test_all_errors_share_one_base():
    for cls in (RUnavailableError, RScriptError, RWorkerCrashed, RScriptQuit, RTimeoutError):
        assert issubclass(cls, RReferenceError)
    assert issubclass(RScriptQuit, RWorkerCrashed)


def test_missing_r_raises_unavailable_naming_the_fix(monkeypatch):
    monkeypatch.setattr(runner, "r_status", lambda: RStatus(False, False, "R is not installed"))
    with pytest.raises(RUnavailableError) as ei:
        runner.run_script("x <- 1\n")
    msg = str(ei.value)
    assert "R is not installed" in msg and APT_COMMAND in msg and "python -m rpy2.situation" in msg


def test_worker_reporting_rpy2_mismatch_is_unavailable():
    reply = {"status": "unavailable", "message": "rpy2 cannot load R here (OSError: undefined symbol: R_getVar)"}
    with pytest.raises(RUnavailableError, match="R_getVar") as ei:
        runner._result_or_raise(reply, "", 1.0)
    assert "rpy2==3.5.17" in str(ei.value)


def test_r_error_reply_becomes_script_error_with_message_call_and_line():
    reply = {"status": "error", "message": "object 'undefined_var' not found", "call": "eval(expr, envir)",
             "line": 2, "expression": "y <- undefined_var + 1", "traceback": [], "console": "x\n",
             "warnings": ["w"]}
    with pytest.raises(RScriptError) as ei:
        runner._result_or_raise(reply, "", 1.0)
    e = ei.value
    assert (e.r_message, e.call, e.line, e.console, e.warnings) == (
        "object 'undefined_var' not found", "eval(expr, envir)", 2, "x\n", ["w"])
    assert "Error in eval(expr, envir) : object 'undefined_var' not found" in str(e)


def test_quit_replies():
    with pytest.raises(RScriptQuit, match=r"quit\(status = 1\) at script line 4"):
        runner._result_or_raise({"status": "quit", "quit_status": 1, "line": 4, "expression": "q(status = 1)"}, "", 1.0)
    with pytest.raises(RWorkerCrashed, match="base::quit"):
        runner._result_or_raise({"status": "quit", "quit_status": 0, "via": "R_CleanUp"}, "", 1.0)


def test_internal_error_is_reported_as_a_runner_bug():
    with pytest.raises(RReferenceError, match="bug in r_reference"):
        runner._result_or_raise({"status": "internal_error", "message": "Traceback ..."}, "", 1.0)


def test_hints_for_keras_like_calls():
    assert "keras function" in runner._hint('could not find function "callback_early_stopping"')
    assert runner._hint('could not find function "my_helper"') == ""
    assert "bypasses library()" in runner._hint("there is no package called \u2018keras\u2019")


def test_script_argument_forms(tmp_path):
    with pytest.raises(TypeError, match="script is required"):
        runner._script_file(None, tmp_path)
    f = tmp_path / "a.R"
    f.write_text("x <- 1\n")
    assert runner._script_file(f, tmp_path)[0] == f.resolve()
    assert runner._script_file(str(f), tmp_path)[0] == f.resolve()
    p, shown = runner._script_file("x <- 2", tmp_path)
    assert shown == "<R code string>" and Path(p).read_text() == "x <- 2\n"
    with pytest.raises(FileNotFoundError):
        runner._script_file(tmp_path / "missing.R", tmp_path)


def test_bad_arguments_fail_before_any_worker(monkeypatch):
    monkeypatch.setattr(runner, "r_status", lambda: pytest.fail("R was probed"))
    with pytest.raises(ValueError, match="keras_backend"):
        runner.run_script("x <- 1\n", keras_backend="reticulate")
    with pytest.raises(ValueError, match="seed"):
        runner.run_script("x <- 1\n", seed=1.5)
    with pytest.raises(ValueError, match="checkpoint 'x'"):
        runner.run_script("x <- 1\n", checkpoints={"x": "  "})


def test_errors_survive_pickling_with_their_fields():
    """R errors cross processes (Dask workers, warm workers): type, message and fields intact."""
    import pickle

    errs = [RScriptError("object 'x' not found", call="eval(expr)", line=3, expression="y <- x", console="c"),
            RTimeoutError(5, console="sleeping\n", elapsed=5.02), RScriptQuit(2, 4, "quit(status = 2)"),
            RUnavailableError("R is not installed"), RWorkerCrashed("killed", returncode=-9, stderr="tail")]
    for e in errs:
        back = pickle.loads(pickle.dumps(e))
        assert type(back) is type(e) and str(back) == str(e) and back.__dict__ == e.__dict__


def test_timeout_error_message_carries_console_tail():
    e = RTimeoutError(5, console="sleeping\n", elapsed=5.02)
    assert "timeout of 5 s" in str(e) and "killed after 5.0 s" in str(e) and "sleeping" in str(e)


def test_a_killed_runs_temporary_folders_are_removed_by_the_next(tmp_path, monkeypatch):
    """A SIGKILLed audit cannot clean up: the next run removes folders whose process is gone,
    and never another live process's."""
    import os
    import subprocess
    import tempfile

    from r_reference.availability import clean_stale_temp, temp_prefix

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f"r_reference_{dead.pid}_run_abc"
    stale.mkdir()
    (stale / "reply.pkl").write_bytes(b"x")
    mine = tmp_path / f"{temp_prefix('run')}xyz"
    mine.mkdir()
    other = tmp_path / "unrelated_dir"
    other.mkdir()
    assert clean_stale_temp() == 1
    assert not stale.exists() and mine.exists() and other.exists()
    assert temp_prefix("warm").startswith(f"r_reference_{os.getpid()}_")


def test_timeout_hint_names_the_cli_option():
    from r_reference.errors import RTimeoutError

    assert "--r-timeout" in str(RTimeoutError(5.0))
