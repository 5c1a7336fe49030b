"""The run-set executor (`parity.executor`): results in item order whatever ran where, progress as
items finish, the first failure raised, Ctrl-C leaving no worker behind, and a report that does
not depend on the executor (local with 1 or 2 workers, and a real Dask LocalCluster).

The map tests use Python calls in workers that start neither R nor TensorFlow (fast); the audit
tests need R (`requires_r`).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from parity.case import load_case
from parity.executor import CaseFunction, ExecutorError, RTask, make_executor, portable

ROOT = Path(__file__).resolve().parents[1]
SLEEP_THEN = "(__import__('time').sleep({s}), {v})[1]"  # eval(item): sleeps, then returns v
PID = "(__import__('time').sleep(0.3), __import__('os').getpid())[1]"


@pytest.fixture(scope="module")
def local2():
    with make_executor("local", workers=2, preload=()) as ex:
        yield ex


def test_results_in_item_order_and_progress_as_items_finish(local2):
    # the first item finishes last: results still come back in item order
    items = [SLEEP_THEN.format(s=1.0, v=0), *(SLEEP_THEN.format(s=0, v=i) for i in range(1, 6))]
    done = []
    assert local2.map(eval, items, progress=done.append) == [0, 1, 2, 3, 4, 5]
    assert done == [1, 2, 3, 4, 5, 6]


def test_items_run_in_parallel_worker_processes(local2):
    pids = local2.map(eval, [PID] * 4)
    assert len(set(pids)) == 2 and os.getpid() not in pids


def test_kwargs_travel_with_each_item(local2):
    assert local2.map(int, ["11", "ff", "7"], base=16) == [17, 255, 7]


def test_first_failure_in_item_order_is_raised_and_the_rest_cancelled(local2):
    items = [SLEEP_THEN.format(s=0.5, v="1/0"), "int('x')"] + [SLEEP_THEN.format(s=0.2, v=i) for i in range(20)]
    items[0] = "(__import__('time').sleep(0.5), 1/0)[1]"
    t = time.perf_counter()
    with pytest.raises(ZeroDivisionError):  # item 0 failed after item 1: the lowest index wins
        local2.map(eval, items)
    assert time.perf_counter() - t < 4  # the 20 queued items were cancelled, not run (20 x 0.2 s / 2)
    assert local2.map(eval, ["1 + 1"]) == [2]  # and the executor is still usable


def test_fresh_workers_give_every_item_its_own_process():
    with make_executor("local", workers=1, fresh_workers=True, preload=()) as ex:
        pids = ex.map(eval, ["__import__('os').getpid()"] * 3)
    assert len(set(pids)) == 3


def test_bad_settings_are_one_clear_error():
    with pytest.raises(ExecutorError, match="not one of local, dask"):
        make_executor("ray")
    with pytest.raises(ExecutorError, match="--scheduler needs --executor dask"):
        make_executor("local", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ExecutorError, match="workers must be >= 1"):
        make_executor("local", workers=0)


# ---- case functions travel by reference ----------------------------------------------------------

CASE_TOML = """
[case]
name = "tiny"
r_script = "tiny.R"
python = "port:run"

[[checkpoint]]
name = "x"
r = "x"
"""


@pytest.fixture
def tiny_case(tmp_path):
    (tmp_path / "tiny.R").write_text("x <- 2\n")
    (tmp_path / "port.py").write_text("import os\n\ndef run(seed=None):\n    return {'x': 2}\n\n"
                                      "def scaled(item, factor=1):\n    return (item * factor, os.getpid())\n")
    (tmp_path / "case.toml").write_text(CASE_TOML)
    return load_case(tmp_path / "case.toml")


def test_map_runs_ships_a_case_function_by_its_case_file(tiny_case, local2):
    from parity.case import import_case_module
    from parity.context import CaseContext

    fn = import_case_module(tiny_case, "port").scaled
    ref = portable(fn, tiny_case)
    assert ref == CaseFunction(str(tiny_case.file), "port", "scaled")
    ticks = []
    ctx = CaseContext(tiny_case, executor=local2, progress=lambda stage, done, total: ticks.append((done, total)))
    out = ctx.map_runs("scaled", "scaled runs", fn, [1, 2, 3], factor=10)
    assert [v for v, _ in out] == [10, 20, 30] and os.getpid() not in {p for _, p in out}
    assert ticks[0] == (0, 3) and ticks[-1] == (3, 3) and "scaled" in ctx.stage_seconds
    assert ctx.map_runs("scaled", "scaled runs", fn, [9]) is out  # staged: computed once


# ---- R runs and whole audits ---------------------------------------------------------------------

def _audit_report(executor, shared: dict) -> dict:
    from parity.audit import run_audit
    from parity.case import default_case_file
    from parity.context import AuditOptions, CaseContext

    opts = AuditOptions(seed=42, distribution_seed=42, python_runs=20, r_runs=2, reproduction=False,
                        section_options={"keras_runs": 2})
    ctx = CaseContext(load_case(default_case_file()), opts, executor=executor)
    # The Python side runs in this process, never on the executor: computed once, shared.
    ctx._cache.update(shared)
    report = run_audit(ctx)
    shared.update({k: ctx._cache[k] for k in ("py", "py_runs") if k in ctx._cache})
    report.pop("meta")
    return report


EXECUTORS = {"local-1": dict(kind="local", workers=1), "local-2": dict(kind="local", workers=2),
             "dask-2": dict(kind="dask", workers=2)}


@pytest.mark.requires_r
def test_run_sets_do_not_depend_on_the_executor(tiny_case):
    """R runs and case-function runs: the same values in the same order from local with 1 and 2
    workers and from a real Dask LocalCluster of 2 worker processes (results are pickled by the
    case's module names across the Dask worker too)."""
    from parity.case import import_case_module

    fn = portable(import_case_module(tiny_case, "port").scaled, tiny_case)
    code = "set.seed(123)\nx <- sample(686, 480)\nm <- mean(x[1:10])\n"
    tasks = [RTask(code, {"head": "x[1:5]", "m": "m", "k": str(k)}, keras_backend="none", timeout=60) for k in range(3)]
    seen = {}
    for name, kw in EXECUTORS.items():
        with make_executor(kw["kind"], workers=kw["workers"], preload=("r",)) as ex:
            runs = ex.run_r(tasks)
            calls = ex.map(fn, [1, 2, 3, 4], factor=3)
        seen[name] = ([{k: v.data.tolist() for k, v in r.values.items()} for r in runs], [v for v, _ in calls])
    assert seen["local-1"] == seen["local-2"] == seen["dask-2"]
    assert seen["dask-2"][0][0]["head"] == [415, 463, 179, 526, 195] and seen["dask-2"][1] == [3, 6, 9, 12]
    assert [r["k"] for r in seen["dask-2"][0]] == [[0.0], [1.0], [2.0]]


@pytest.mark.requires_r
@pytest.mark.slow  # ~100 s here: five worker processes each start TensorFlow, three audits run
def test_report_does_not_depend_on_the_executor():
    """--keras-seed: the same report.json (apart from meta) from local with 1 and 2 workers and a
    real Dask LocalCluster of 2 worker processes."""
    shared: dict = {}
    reports = {}
    for name, kw in EXECUTORS.items():
        with make_executor(kw["kind"], workers=kw["workers"], preload=("r", "keras")) as ex:
            reports[name] = json.dumps(_audit_report(ex, shared), sort_keys=True, default=str)
    assert json.loads(reports["local-1"])["summary"]["FAIL"] == 0
    assert reports["local-1"] == reports["local-2"] == reports["dask-2"]


def _sigint_disposition() -> str:
    return "ignored" if signal.getsignal(signal.SIGINT) == signal.SIG_IGN else str(signal.getsignal(signal.SIGINT))


@pytest.mark.requires_r
def test_dask_runs_r_in_worker_processes_and_returns_r_errors():
    from r_reference.errors import RScriptError

    with make_executor("dask", workers=1, preload=("r",)) as ex:
        assert ex.workers == 1 and "dask" in ex.describe()
        ok, = ex.run_r([RTask("x <- 2\ny <- x * 21\n", {"y": "y"}, keras_backend="none", timeout=60)])
        assert ok.values["y"].data.tolist() == [42.0] and ok.extra["worker"]["mode"] == "warm"
        # the cluster's workers leave a terminal's Ctrl-C to the audit (parity/dask_worker_setup.py)
        assert set(ex.client.run(_sigint_disposition).values()) == {"ignored"}
        with pytest.raises(RScriptError) as ei:  # pickled across the Dask worker with its fields
            ex.run_r([RTask('stop("no column pgr2")\n', {}, keras_backend="none", timeout=60)])
        assert ei.value.r_message == "no column pgr2" and ei.value.line == 1


def test_unreachable_scheduler_is_exit_2_in_one_line(tmp_path):
    proc = subprocess.run([str(Path(sys.executable).with_name("parity")), "audit", "--executor", "dask",
                           "--scheduler", "tcp://127.0.0.1:9", "--no-r", "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in proc.stderr
    proc = subprocess.run([str(Path(sys.executable).with_name("parity")), "audit", "--scheduler", "tcp://x:1",
                           "--no-r", "--out", str(tmp_path / "r")], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 2 and "--scheduler ADDRESS needs --executor dask" in proc.stderr


# ---- Ctrl-C: no worker left behind ---------------------------------------------------------------

def _tagged(tag: str, command: str = "") -> list[int]:
    """Processes whose environment carries R_REFERENCE_WORKER=tag (every process of one run),
    optionally only those whose command line contains `command`."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if f"R_REFERENCE_WORKER={tag}".encode() in (d / "environ").read_bytes().split(b"\0"):
                if command.encode() in (d / "cmdline").read_bytes().replace(b"\0", b" "):
                    out.append(int(d.name))
        except OSError:
            continue
    return out


WORKER_CMD = "r_reference._worker --serve"  # a warm worker process (not the short-lived R probes)


@pytest.mark.requires_r
@pytest.mark.parametrize("executor", ["local", pytest.param("dask", marks=pytest.mark.slow)])
def test_ctrl_c_stops_every_worker(tmp_path, executor):
    tag = f"ctrl-c-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "R_REFERENCE_WORKER": tag}
    cmd = [str(Path(sys.executable).with_name("parity")), "audit", "--quiet", "--executor", executor, "--workers", "2",
           "--r-seeds", "6", "--out", str(tmp_path / "report")]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own process group, as a terminal's foreground job
    try:
        # Wait for the 2 warm workers themselves, judged on one snapshot: counting every tagged
        # process raced with the R probes' short-lived helpers (`sh -c rm -Rf /tmp/Rtmp...`).
        deadline = time.time() + 300
        workers: list[int] = []
        while time.time() < deadline and proc.poll() is None:
            workers = _tagged(tag, WORKER_CMD)
            if len(workers) >= 2:
                break
            time.sleep(0.2)
        assert len(workers) >= 2, (f"the audit never started its 2 workers (saw {workers}; audit exit "
                                   f"{proc.poll()}: {proc.stderr.read() if proc.poll() is not None else ''})")
        time.sleep(1.0)
        os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches every process of the group
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert len(err.strip().splitlines()) == 1, err  # the one line, no library noise about the shutdown
    for _ in range(30):  # a worker whose parent died exits within ~0.2 s
        left = _tagged(tag)
        if not left:
            break
        time.sleep(0.2)
    assert not left, f"processes left after Ctrl-C: {left}"
    assert not (tmp_path / "report" / "report.json").exists()
