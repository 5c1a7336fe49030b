"""Warm workers: one long-lived R/TensorFlow process that runs successive requests, each in a
clean state, so that a run costs the script, not the start-up of R, rpy2 and TensorFlow.

    from r_reference.warm import WarmWorker
    from r_reference.runner import run_script
    with WarmWorker(max_runs=20) as w:
        a = run_script("a.R", checkpoints={"x": "x"}, worker=w)   # R + TF start here, once
        b = run_script("b.R", checkpoints={"y": "y"}, worker=w)   # a clean R: nothing of a.R left
        w.call(some_module.fn, 1, 2)                                # a Python call in that process

The process is `python -m r_reference._worker --serve` (see there for the protocol and the
reset steps). This class only does pipe and file I/O: it never imports rpy2 or TensorFlow, so
it may be used from any thread (one request at a time per worker; a lock serialises callers).

Life cycle: started on first use (or `start()`), replaced after `max_runs` requests (a new one
is started at once, so it warms up while the caller does other work), after any crash or
timeout (the whole process group is killed), and whenever the worker reports that its reset
was incomplete. `max_runs=1` gives a fresh process for every request.
"""
from __future__ import annotations

import atexit
import json
import os
import pickle
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path

from r_reference.availability import clean_stale_temp, temp_prefix

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MAX_RUNS = 20
START_TIMEOUT = 300.0  # seconds a worker may take to come up (R + TensorFlow on a busy machine)

_LIVE: "weakref.WeakSet[WarmWorker]" = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()


class WorkerCrashed(RuntimeError):
    """The warm worker process ended while running a Python call."""

    def __init__(self, message: str, returncode: int | None = None, output: str = ""):
        self.returncode = returncode
        self.output = output
        super().__init__(message + (f"\n  worker output (tail):\n{output[-1200:]}" if output.strip() else ""))


class WorkerTimeout(TimeoutError):
    """A Python call exceeded its timeout; the worker process was killed."""


def _how(rc: int | None) -> str:
    if rc is not None and rc < 0:
        try:
            return f"was killed by signal {signal.Signals(-rc).name}"
        except ValueError:
            return f"was killed by signal {-rc}"
    return f"exited with status {rc}"


class _Proc:
    """One worker process and its two pipes."""

    def __init__(self, preload: tuple, env: dict | None, tag: str, namespaces: tuple = ()):
        clean_stale_temp()
        self.dir = Path(tempfile.mkdtemp(prefix=temp_prefix("warm")))
        self.log_path = self.dir / "worker.log"
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        env = dict(env if env is not None else os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env["R_REFERENCE_WORKER"] = tag  # lets a test (or a person) find every worker of a run
        log = open(self.log_path, "ab")
        try:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "r_reference._worker", "--serve", str(req_r), str(rep_w),
                 "--preload", ",".join(preload), "--parent-pid", str(os.getpid()),
                 "--namespaces", ",".join(namespaces)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=os.getcwd(),
                pass_fds=(req_r, rep_w), start_new_session=True,  # own process group: killable as a whole
            )
        finally:
            log.close()
            os.close(req_r)
            os.close(rep_w)
        self.req = os.fdopen(req_w, "wb", buffering=0)
        self.rep = rep_r
        self.buf = b""
        self.ready: dict | None = None
        self.started_at = time.perf_counter()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def send(self, msg: dict) -> bool:
        try:
            self.req.write((json.dumps(msg) + "\n").encode())
            return True
        except (BrokenPipeError, OSError):
            return False

    def event(self, deadline: float | None):
        """The next event (a dict), "eof" when the worker is gone, "timeout" at the deadline."""
        while b"\n" not in self.buf:
            wait = None if deadline is None else max(0.0, deadline - time.perf_counter())
            r, _, _ = select.select([self.rep], [], [], wait)
            if not r:
                return "timeout"
            data = os.read(self.rep, 65536)
            if not data:
                return "eof"
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        ev = json.loads(line)
        if ev.get("event") == "ready":
            self.ready = ev
            return self.event(deadline)
        return ev

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_since(self, offset: int) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def kill(self) -> None:
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            try:
                self.popen.kill()
            except ProcessLookupError:
                pass
        self.close()

    def close(self, wait: float = 5.0) -> int | None:
        """Close the pipes (a serving worker then exits on its own) and reap the process."""
        for f in (self.req,):
            try:
                f.close()
            except OSError:
                pass
        try:
            os.close(self.rep)
        except OSError:
            pass
        try:
            rc = self.popen.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            rc = self.popen.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
        return rc


class WarmWorker:
    """A warm R/TensorFlow worker process (see the module docstring).

    max_runs: requests before the process is replaced (restarted after K runs).
    preload:  what the process starts before its first request: "r" (R through rpy2) and/or
              "keras" (TensorFlow/Keras). Anything not preloaded starts on first use.
    env:      the worker's environment (default: this process's).
    namespaces: R namespaces loaded (not attached) before the first run and kept loaded across
              runs (a case's r_packages); every other namespace a script loads is unloaded after it.
    """

    def __init__(self, max_runs: int = DEFAULT_MAX_RUNS, preload=("r", "keras"), env: dict | None = None,
                 tag: str | None = None, namespaces=()):
        if max_runs < 1:
            raise ValueError("max_runs must be >= 1")
        self.max_runs = int(max_runs)
        self.preload = tuple(preload)
        self.namespaces = tuple(namespaces)
        self.env = env
        self.tag = tag or os.environ.get("R_REFERENCE_WORKER") or f"parity-{os.getpid()}"
        self._proc: _Proc | None = None
        self._lock = threading.Lock()
        self._next_id = 0
        self.runs = 0  # requests served by the current process
        self.total_runs = 0
        self.starts = 0  # processes started (a restart after K runs, a crash or a timeout adds one)
        self.closed = False
        self.recycled: list[str] = []  # why processes were replaced after an incomplete reset
        self._calls_dir: Path | None = None  # request/result files of Python calls (outlives processes)
        with _LIVE_LOCK:
            _LIVE.add(self)

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> "WarmWorker":
        """Start the process now (it warms up in the background); no-op when running."""
        with self._lock:
            self._ensure()
        return self

    def _ensure(self) -> _Proc:
        if self.closed:
            raise RuntimeError("this WarmWorker is closed")
        if self._proc is None:
            self._proc = _Proc(self.preload, self.env, self.tag, self.namespaces)
            self.runs = 0
            self.starts += 1
        return self._proc

    def _drop(self, kill: bool) -> int | None:
        p, self._proc = self._proc, None
        if p is None:
            return None
        if kill:
            p.kill()
            return p.popen.returncode
        return p.close()

    def _retire_if_due(self) -> None:
        if self.runs >= self.max_runs:
            self._drop(kill=False)
            if self.max_runs > 1:
                self._ensure()  # the replacement warms up while the caller works

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def warm(self) -> bool:
        return self._proc is not None and self._proc.ready is not None

    def close(self) -> None:
        """Stop the process (it finishes nothing: callers must not be mid-request)."""
        self.closed = True
        self._drop(kill=True)
        if self._calls_dir is not None:
            shutil.rmtree(self._calls_dir, ignore_errors=True)

    def kill(self, final: bool = False) -> None:
        """SIGKILL the process group now, from any thread (Ctrl-C); a request in flight then
        fails as a crash. The worker object stays usable (the next request restarts it) unless
        `final`: then nothing restarts it (a thread mid-request gets "closed")."""
        if final:
            self.closed = True
        p = self._proc
        if p is not None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- requests -----------------------------------------------------------------------------
    def _begin(self, kind: str, fields: dict) -> tuple[_Proc, int, int]:
        """Send one request; returns (process, request id, log offset) once the worker has
        started it. A worker that is gone before it starts the request (it recycled itself after
        an incomplete reset, or died idle) is replaced and the request sent again, once."""
        for attempt in range(2):
            p = self._ensure()
            self._next_id += 1
            rid = self._next_id
            offset = p.log_size()
            sent = p.send({"id": rid, "kind": kind, **fields})
            ev = p.event(time.perf_counter() + START_TIMEOUT) if sent else "eof"
            if isinstance(ev, dict) and ev.get("event") == "started" and ev.get("id") == rid:
                return p, rid, offset
            if isinstance(ev, dict) and ev.get("event") == "recycle":
                self.recycled.append(str(ev.get("reason", "")))
                self._drop(kill=False)
                continue
            output = p.log_since(0)
            rc = self._drop(kill=True)
            if ev == "timeout":
                raise WorkerCrashed(f"the warm worker did not come up within {START_TIMEOUT:g} s", rc, output)
            if attempt == 1:
                raise WorkerCrashed(f"the warm worker process {_how(rc)} before starting the request", rc, output)
        raise AssertionError("unreachable")

    def _finish(self, p: _Proc, rid: int, offset: int, timeout: float | None):
        """Wait for the request's end: (state, worker output since the request, returncode),
        state "done" | "timeout" (the process group is then killed) | "eof" (it died)."""
        deadline = None if timeout is None else time.perf_counter() + timeout
        while True:
            ev = p.event(deadline)
            if ev in ("timeout", "eof"):
                output = p.log_since(offset)
                rc = self._drop(kill=ev == "timeout")
                return ev, output, rc
            if ev.get("event") == "done" and ev.get("id") == rid:
                self.runs += 1
                self.total_runs += 1
                return "done", p.log_since(offset), None

    def run_r(self, req: dict, request_path: Path, cwd, timeout: float):
        """Run an R request (the dict `r_reference.runner` writes to `request_path`); returns
        (state, worker output, returncode, info) with state "done" | "timeout" | "eof". The
        reply is in req["result_path"], as with a fresh worker."""
        with self._lock:
            p, rid, offset = self._begin("r", {"request": str(request_path), "cwd": str(cwd)})
            info = {"mode": "warm", "pid": p.pid, "run": self.runs + 1, "start": self.starts}
            state, output, rc = self._finish(p, rid, offset, timeout)
            if state == "done":
                self._retire_if_due()
            return state, output, rc, info

    def call(self, fn, *args, timeout: float | None = None, **kwargs):
        """`fn(*args, **kwargs)` in the worker process; its value, or its exception re-raised
        here (with the worker's traceback as a note). fn must be picklable by reference."""
        with self._lock:
            if self._calls_dir is None:
                self._calls_dir = Path(tempfile.mkdtemp(prefix=temp_prefix("calls")))
            req_path = self._calls_dir / f"call-{self._next_id + 1}.pkl"
            res_path = self._calls_dir / f"result-{self._next_id + 1}.pkl"
            with open(req_path, "wb") as f:
                pickle.dump((fn, args, kwargs), f)
            try:
                p, rid, offset = self._begin("call", {"request": str(req_path), "result": str(res_path)})
            except BaseException:
                req_path.unlink(missing_ok=True)
                raise
            t0 = time.perf_counter()
            state, output, rc = self._finish(p, rid, offset, timeout)
            if state == "timeout":
                raise WorkerTimeout(f"{_name(fn)} exceeded its timeout of {timeout:g} s "
                                    f"(killed after {time.perf_counter() - t0:.1f} s)")
            if state == "eof":
                raise WorkerCrashed(f"the worker process {_how(rc)} while running {_name(fn)}", rc, output)
            try:
                out = pickle.loads(res_path.read_bytes())
            finally:
                req_path.unlink(missing_ok=True)
                res_path.unlink(missing_ok=True)
            self._retire_if_due()
        if out["status"] == "ok":
            return out["value"]
        exc = out.get("exc")
        if isinstance(exc, BaseException):
            exc.add_note(f"(raised in the warm worker process)\n{out.get('text', '')}")
            raise exc
        raise RuntimeError(f"{_name(fn)} failed in the warm worker:\n{out.get('text', '')}")


def _name(fn) -> str:
    q = getattr(fn, "__qualname__", None)
    return q if isinstance(q, str) else str(fn)


# ---- one warm worker per thread of a process (Dask workers, the local executor's threads) ------

_THREAD = threading.local()


def thread_worker(max_runs: int = DEFAULT_MAX_RUNS, preload=("r", "keras"), namespaces=()) -> WarmWorker:
    """This thread's warm worker (started on first use, kept for the thread's life). A Dask
    worker process running tasks on one thread thus keeps one warm R worker across tasks."""
    w = getattr(_THREAD, "worker", None)
    if (w is None or w.closed or w.max_runs != max_runs or w.preload != tuple(preload)
            or w.namespaces != tuple(namespaces)):
        if w is not None:
            w.close()
        w = WarmWorker(max_runs=max_runs, preload=preload, namespaces=namespaces)
        _THREAD.worker = w
    return w


def kill_all() -> int:
    """SIGKILL every warm worker of this process (Ctrl-C, an executor shutting down); returns
    how many were running."""
    with _LIVE_LOCK:
        workers = list(_LIVE)
    n = 0
    for w in workers:
        if w.pid is not None:
            n += 1
        w.kill()
    return n


def close_all() -> None:
    with _LIVE_LOCK:
        workers = list(_LIVE)
    for w in workers:
        w.closed = True
        w._drop(kill=True)


atexit.register(close_all)
