"""The R worker process: embeds R through rpy2; the parent never imports rpy2.

Two modes:

* one run (`python -m r_reference._worker REQ.json`), started by `r_reference.runner.run_script`
  for every run when no warm worker is given: a fresh process, one R, one script;
* warm (`python -m r_reference._worker --serve REQ_FD REPLY_FD [--preload r,keras]`), started by
  `r_reference.warm.WarmWorker`: R, rpy2 and TensorFlow start once, then the process serves
  requests one at a time, each in a clean state (`_reset`: R's global environment, search path,
  namespaces, options, RNG kind, environment variables, working directory; Keras's session and
  seeds). Requests arrive as JSON lines on REQ_FD; events (`ready`, `started`, `done`) leave as
  JSON lines on REPLY_FD; the request and its reply are files, as in the one-run mode. stdin is
  /dev/null, so a script that reads stdin can never eat a request. A request is either an R run
  (the same request dict as the one-run mode) or a Python call (a pickled `(fn, args, kwargs)`:
  how the executor runs Python run sets, e.g. Keras fits, in the same warm processes).

An R run reads its request, runs the script under `runtime.R` (shims, top-level evaluation)
with the keras bridge when asked, evaluates the request's checkpoint expressions in what the
script left, and writes a pickled reply `{"status": ..., ...}` to the request's `result_path`:
  ok           -> "values" {name: parity.values value}, "errors" {name: message}, assignments,
                  optionally "globals" (what the script left), timings, console, warnings
  error        -> the R error (message, call, line, expression, R call stack)
  parse_error  -> R's parse message
  quit         -> the script called quit()/q() (shimmed), or R's own quit ran (cleanup callback)
  unavailable  -> rpy2 cannot load/start R, or the requested keras backend is not usable
  internal_error -> a bug in the runner (Python traceback)
R's console output (stdout and stderr, interleaved as on a terminal) is captured through rpy2's
console callbacks into the reply and, as it happens, into `console_log` (read by the parent on a
timeout or crash). Nothing is written to the terminal.
"""
from __future__ import annotations

import json
import os
import pickle
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNTIME_R = HERE / "runtime.R"


class Console:
    def __init__(self, log_path: str | None):
        self.parts: list[str] = []
        self._f = open(log_path, "a", encoding="utf-8") if log_path else None

    def write(self, s: str) -> None:
        self.parts.append(s)
        if self._f:
            self._f.write(s)
            self._f.flush()

    def text(self) -> str:
        return "".join(self.parts)

    def close(self) -> None:
        if self._f:
            self._f.close()
            self._f = None


def _write_reply(path: str, reply: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        pickle.dump(reply, f)
    os.replace(tmp, path)


def _sv(ri, s):
    return ri.StrSexpVector([str(s)])


class _Session:
    """The one embedded R of this process, started on first use; the console callbacks write to
    the console of the run in progress."""

    started = False
    unavailable: dict | None = None
    console: Console | None = None
    req: dict | None = None
    reset_env = None  # reset.R's environment (warm workers)
    snapshot = None  # the R state to return to after each run (warm workers)
    namespaces: list = []  # R namespaces loaded before the snapshot (warm workers)
    r_used = False  # an R run since the last reset (a Python call leaves R untouched: no R reset)
    bridge = None  # the keras bridge of the run in progress / last run
    last_bridge = None


def _write_console(s: str) -> None:
    if _Session.console is not None:
        _Session.console.write(s)


def _start_r() -> dict | None:
    """Start R once per process; None when it runs, else the "unavailable" reply (every later
    request gets the same)."""
    if _Session.started or _Session.unavailable is not None:
        return _Session.unavailable
    try:
        import rpy2.rinterface as ri
        import rpy2.rinterface_lib.callbacks as cb
    except Exception as e:  # e.g. rpy2 3.6 on R 4.2: "undefined symbol R_getVar"
        _Session.unavailable = {"status": "unavailable",
                                "message": f"rpy2 cannot load R here ({type(e).__name__}: {e})"}
        return _Session.unavailable

    cb.consolewrite_print = _write_console
    cb.consolewrite_warnerror = _write_console
    cb.consoleread = lambda prompt: ""  # never wait on stdin
    cb.showmessage = _write_console

    def on_cleanup(saveact, status, runlast):
        # R's own quit() (e.g. base::quit(), bypassing the shim) ends the process after this.
        req, console = _Session.req, _Session.console
        if req is not None:
            _write_reply(req["result_path"], {"status": "quit", "quit_status": int(status), "line": None,
                                              "expression": "", "console": console.text() if console else "",
                                              "via": "R_CleanUp"})

    cb.cleanup = on_cleanup
    try:
        ri.initr(interactive=False)
    except Exception as e:
        _Session.unavailable = {"status": "unavailable",
                                "message": f"rpy2 could not start R ({type(e).__name__}: {e})"}
        return _Session.unavailable
    # rpy2.robjects (the converter's machinery) attaches package:tools when first imported. Import
    # it now and detach that entry, so that no script, in a fresh or a warm worker, ever sees a
    # search path that depends on whether the converter ran before it.
    had_tools = "package:tools" in _search(ri)
    import rpy2.robjects  # noqa: F401

    if not had_tools and "package:tools" in _search(ri):
        ri.baseenv["eval"](ri.parse('detach("package:tools")'))
    _Session.started = True
    return None


def _search(ri) -> list:
    return [str(x) for x in ri.baseenv["search"]()]


def run(req: dict, console: Console) -> dict:
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    _Session.console, _Session.req = console, req
    was_started = _Session.started
    unavailable = _start_r()
    if unavailable is not None:
        return dict(unavailable)
    import rpy2.rinterface as ri

    timings["r_start_s"] = 0.0 if was_started else time.perf_counter() - t0

    from r_reference.bridge import KerasBridge, r2py

    env = ri.baseenv["new.env"](parent=ri.baseenv)
    ri.baseenv["sys.source"](_sv(ri, RUNTIME_R), envir=env)

    def rcall(name, *args):
        return env[name](*args)

    backend = req.get("keras_backend", "auto")
    if backend in ("auto", "native"):
        usable = bool(r2py(rcall(".native_keras_usable"), simplify=True))
        if backend == "native" and not usable:
            return {"status": "unavailable", "fix": "install R's keras package with a working Python "
                    "Keras for reticulate, or use keras_backend='bridge'",
                    "message": "keras_backend='native' needs the R keras package with a usable Keras "
                    "(requireNamespace('keras') && keras::is_keras_available()); it is not usable here"}
        backend = "native" if usable else "bridge"

    bridge = None
    rcall(".install_shims")
    if backend == "bridge":
        bridge = KerasBridge(seed=req.get("seed"), write_console=console.write)
        _Session.bridge = bridge
        benv = bridge.install()
        rcall(".provide", _sv(ri, "keras"), benv["attach_keras"])
        rcall(".provide", _sv(ri, "reticulate"), benv["attach_reticulate"])
    elif backend == "native" and req.get("seed") is not None:
        # Untested here (R keras is not installable on this machine): seed the genuine stack.
        ri.baseenv["eval"](ri.parse(f"tensorflow::set_random_seed({int(req['seed'])})"))

    for name, path in (req.get("bindings") or {}).items():
        try:
            rcall(".bind_csv", _sv(ri, name), _sv(ri, path))
        except ri.embedded.RRuntimeError as e:
            return {"status": "error", "message": f"cannot read the data file {path}: {e}".strip(),
                    "call": "utils::read.csv(path, check.names = FALSE)", "line": None, "traceback": [],
                    "expression": f"{name} <- read.csv({path!r})  # bound by the case's [data] block",
                    "console": console.text()}

    # R's own plot goes to a PNG (plot_path) or to a null device; never to ./Rplots.pdf.
    def grdevice(name):
        return ri.baseenv["getExportedValue"](_sv(ri, "grDevices"), _sv(ri, name))

    plot_path = req.get("plot_path")
    if plot_path:
        grdevice("png")(filename=_sv(ri, plot_path), width=ri.IntSexpVector([7]), height=ri.IntSexpVector([7]),
                        units=_sv(ri, "in"), res=ri.IntSexpVector([96]))
    else:
        grdevice("pdf")(ri.NULL)

    globalenv_before = r2py(ri.baseenv["eval"](ri.parse("ls(globalenv(), all.names = TRUE)"))) or []
    t = time.perf_counter()
    status = r2py(rcall(".run_script", _sv(ri, req["script_path"])), simplify=True)
    timings["script_s"] = time.perf_counter() - t
    grdevice("graphics.off")()

    harness = r2py(rcall(".harness_log"), simplify=True) or {}
    session = r2py(rcall(".session"), simplify=True) or {}
    assignments = {k: _ints(v) for k, v in (r2py(rcall(".assignments"), simplify=False) or {}).items()}
    dependencies = {k: [str(x) for x in _aslist(v)] for k, v in
                    (r2py(rcall(".dependencies"), simplify=False) or {}).items()}

    warn_detail = _aslist(harness.get("warnings"))
    common = {
        "console": console.text(),
        "warnings": [w["message"] for w in warn_detail],
        "warnings_detail": warn_detail,
        "assignments": assignments,
        "dependencies": dependencies,
    }
    if status["status"] != "ok":
        out = {**status, **common}
        out["traceback"] = _aslist(status.get("traceback"))
        if bridge is not None:
            out["python_errors"] = bridge.errors
        return out

    t = time.perf_counter()
    values, errors, cp_warnings = _checkpoints(ri, rcall, req.get("checkpoints") or {}, bridge)
    timings["checkpoints_s"] = time.perf_counter() - t
    expr_vars = {name: [str(x) for x in _aslist(r2py(rcall(".expr_vars", _sv(ri, expr))))]
                 for name, expr in (req.get("checkpoints") or {}).items()}
    globals_info = None
    if req.get("list_globals"):
        globals_info = _globals(r2py(rcall(".globals_info"), simplify=False) or {})
    if bridge is not None:
        timings.update({f"{k}_s": v for k, v in bridge.timings.items()})
    timings["worker_s"] = time.perf_counter() - t0
    session["globalenv_before_script"] = globalenv_before
    installs = [{"call": c["call"], "packages": _aslist(c["packages"])}
                for c in _aslist(harness.get("install_packages_calls"))]
    extra = {
        "install_packages_calls": installs,
        "library_calls": _aslist(harness.get("library_calls")),
        "keras_backend": backend if req.get("keras_backend") != "none" else "none",
        "keras_calls": bridge.calls if bridge else [],
        "python_warnings": bridge.python_warnings if bridge else [],
        "fit_x_shape": bridge.fit_x_shape if bridge else None,  # what Keras's fit() received
        "r_session": session,
        "script_path": req.get("script_display"),
        "bindings": req.get("bindings") or {},
        "plot_path": plot_path,
    }
    return {"status": "ok", "values": values, "errors": errors, "checkpoint_warnings": cp_warnings,
            "checkpoint_vars": expr_vars,
            "globals": globals_info, "timings": timings, "extra": extra, **common}


def _aslist(v):
    return [] if v is None else (v if isinstance(v, list) else [v])


def _ints(v) -> list[int]:
    return [int(x) for x in _aslist(v) if x is not None]


def _checkpoints(ri, rcall, checkpoints: dict, bridge) -> tuple[dict, dict, dict]:
    """Evaluate each checkpoint expression after the script and convert its value faithfully.
    An R error or an unconvertible value is that checkpoint's error (a message), never a crash."""
    from parity.values import Unconvertible
    from r_reference.bridge import r2py
    from r_reference.convert import make_converter, to_value

    def keras_model(env):
        if bridge is None:
            return None
        try:
            cls = [str(c) for c in env.do_slot("class")]
        except LookupError:
            return None
        if "rpy2bridge_keras_model" not in cls:
            return None
        from parity.values import model_record

        return model_record(bridge.model(env.find("handle")))

    conv = make_converter(model_summary=keras_model)
    values, errors, warns = {}, {}, {}
    for name, expr in checkpoints.items():
        res = rcall(".eval_one", _sv(ri, expr))
        names = [str(n) for n in res.do_slot("names")]
        item = dict(zip(names, res))
        w = r2py(item.get("warnings")) or []
        if w:
            warns[name] = w
        if not r2py(item["ok"], simplify=True):
            msg = r2py(item["error"], simplify=True) or ""
            call = r2py(item.get("call"), simplify=True) or ""
            errors[name] = f"R error in `{expr}`: " + (f"Error in {call} : " if call else "") + msg
            continue
        try:
            values[name] = to_value(item["value"], conv)
        except Unconvertible as e:
            errors[name] = f"the R value of `{expr}` is {e}"
        except Exception as e:  # noqa: BLE001 - a converter bug must name the checkpoint, not kill the run
            errors[name] = f"converting the R value of `{expr}` failed ({type(e).__name__}: {e})"
    return values, errors, warns


def _globals(info: dict) -> list[dict]:
    out = []
    for name, d in info.items():
        out.append({"name": name, "class": _aslist(d.get("class")), "typeof": (d.get("typeof") or [""])[0],
                    "length": int((d.get("length") or [0])[0]), "dim": _ints(d.get("dim")),
                    "lines": _ints(d.get("lines"))})
    return out


def _die_with_parent(parent_pid: int | None) -> None:
    """Linux: have the kernel SIGKILL this worker if the runner's process dies (an orphaned
    worker must never keep running an endless script)."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:  # not Linux: the runner's timeout still kills the worker
        return
    if parent_pid is not None and os.getppid() != parent_pid:  # the parent died before prctl
        os._exit(1)


def _watch_parent(parent_pid: int | None) -> None:
    """A warm worker outlives any one thread of its parent (PR_SET_PDEATHSIG fires when the
    *thread* that started the process ends), so it watches the parent process instead: when the
    parent is gone (getppid() changes), it exits at once. The watcher never touches R."""
    import threading

    if parent_pid is None:
        return
    if os.getppid() != parent_pid:
        os._exit(1)

    def watch():
        while True:
            time.sleep(0.2)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


RESET_R = HERE / "reset.R"


def _snapshot_r() -> None:
    """The R state a warm worker returns to after every run (taken once, before any script)."""
    import rpy2.rinterface as ri

    env = ri.baseenv["new.env"](parent=ri.baseenv)
    ri.baseenv["sys.source"](_sv(ri, RESET_R), envir=env)
    _Session.reset_env = env
    _Session.snapshot = env[".snapshot"]()


def _snapshot_python() -> dict:
    import warnings

    return {"cwd": os.getcwd(), "environ": dict(os.environ), "warnings": list(warnings.filters)}


def _reset(py_snap: dict) -> str:
    """Back to the start-up state after a run; "" when clean, else why the process must go."""
    import warnings

    problems = []
    if _Session.started and _Session.snapshot is not None and _Session.r_used:
        _Session.r_used = False
        try:
            from r_reference.bridge import r2py

            why = r2py(_Session.reset_env[".reset_session"](_Session.snapshot), simplify=True)
            if why:
                problems.append(f"R: {why}")
        except Exception as e:  # noqa: BLE001 - any failure means: replace this process
            problems.append(f"R reset raised {type(e).__name__}: {e}")
    if "keras" in sys.modules:
        try:
            from python_impl.model import keras, unseed_everything

            # models, layer name counters, the TF graph; not its gc.collect() (free_memory): ~0.3-0.5 s
            # a run with TensorFlow loaded, and Python collects cycles on its own anyway
            keras().backend.clear_session(free_memory=False)
            unseed_everything()  # no global seed, no op determinism: as a fresh process
        except Exception as e:  # noqa: BLE001
            problems.append(f"Keras reset raised {type(e).__name__}: {e}")
    warnings.filters[:] = py_snap["warnings"]
    for k in set(os.environ) - set(py_snap["environ"]):
        del os.environ[k]
    for k, v in py_snap["environ"].items():
        if os.environ.get(k) != v:
            os.environ[k] = v
    try:
        os.chdir(py_snap["cwd"])
    except OSError as e:
        problems.append(f"chdir: {e}")
    return "; ".join(problems)


def _serve_r(msg: dict) -> None:
    req = json.loads(Path(msg["request"]).read_text())
    _Session.r_used = True
    os.chdir(msg.get("cwd") or os.getcwd())
    console = Console(req.get("console_log"))
    try:
        if _Session.snapshot is None and _start_r() is None:
            _preload_namespaces(_Session.namespaces)
            _snapshot_r()  # R started here (it was not preloaded): snapshot before any script
        reply = run(req, console)
        _Session.last_bridge = _Session.bridge  # keep its R callbacks' Python side alive
    except BaseException:  # noqa: BLE001 - reported to the parent, never lost
        reply = {"status": "internal_error", "message": traceback.format_exc(), "console": console.text()}
    finally:
        console.close()
        _Session.console, _Session.req = None, None
    _write_reply(req["result_path"], reply)


def _serve_call(msg: dict) -> None:
    try:
        with open(msg["request"], "rb") as f:
            fn, args, kwargs = pickle.load(f)
        out = {"status": "ok", "value": fn(*args, **kwargs)}
    except BaseException as e:  # noqa: BLE001 - the caller re-raises it
        out = {"status": "raised", "exc": e, "text": traceback.format_exc()}
    try:
        _write_reply(msg["result"], out)
    except Exception as e:  # noqa: BLE001 - an unpicklable value or exception
        text = out.get("text") or f"the result of the call could not be pickled ({type(e).__name__}: {e})"
        _write_reply(msg["result"], {"status": "raised", "exc": None, "text": text})


def _preload_namespaces(namespaces) -> None:
    """Load (never attach) the namespaces a case declares before the snapshot: they then stay
    loaded across runs (a script's library() only attaches them, and their .onLoad options are
    part of the snapshot), instead of being unloaded and loaded again for every run (~1.5 s of
    R work per run for survival + pROC here). Every other namespace a script loads is unloaded
    after it. A namespace that cannot load is left out (the script then reports it)."""
    if not namespaces:
        return
    import rpy2.rinterface as ri

    code = ("for (ns in c(" + ", ".join(json.dumps(str(n)) for n in namespaces) + ")) "
            "try(suppressMessages(loadNamespace(ns)), silent = TRUE)")
    ri.baseenv["eval"](ri.parse(code))


def serve(req_fd: int, reply_fd: int, preload: set, parent_pid: int | None, namespaces=()) -> None:
    """The warm worker's loop: warm up, then one request at a time, each followed by a reset."""
    _watch_parent(parent_pid)
    _Session.namespaces = list(namespaces)
    events = os.fdopen(reply_fd, "w", buffering=1, encoding="utf-8")

    def emit(**ev):
        events.write(json.dumps(ev) + "\n")
        events.flush()

    warm: dict = {}
    t = time.perf_counter()
    if "r" in preload:
        if _start_r() is None:
            _preload_namespaces(namespaces)
            _snapshot_r()
        warm["r_start_s"] = time.perf_counter() - t
    if "keras" in preload:
        t = time.perf_counter()
        from python_impl.model import keras

        keras()
        warm["keras_import_s"] = time.perf_counter() - t
    py_snap = _snapshot_python()
    emit(event="ready", pid=os.getpid(), **warm)
    with os.fdopen(req_fd, "rb") as requests:
        for line in requests:
            msg = json.loads(line)
            emit(event="started", id=msg["id"])
            t = time.perf_counter()
            if msg["kind"] == "r":
                _serve_r(msg)
            else:
                _serve_call(msg)
            emit(event="done", id=msg["id"], seconds=time.perf_counter() - t)
            problems = _reset(py_snap)
            if problems:  # never run the next script in a doubtful state: the parent restarts us
                sys.stderr.write(f"r_reference warm worker: reset incomplete, exiting: {problems}\n")
                emit(event="recycle", reason=problems)
                os._exit(75)
    os._exit(0)  # the parent closed the request pipe: done (skip R/TensorFlow teardown)


def main(argv: list[str]) -> int:
    if len(argv) > 1 and argv[1] == "--serve":
        import argparse

        ap = argparse.ArgumentParser(prog="r_reference._worker --serve")
        ap.add_argument("req_fd", type=int)
        ap.add_argument("reply_fd", type=int)
        ap.add_argument("--preload", default="")
        ap.add_argument("--parent-pid", type=int, default=None)
        ap.add_argument("--namespaces", default="")
        a = ap.parse_args(argv[2:])
        serve(a.req_fd, a.reply_fd, {p for p in a.preload.split(",") if p}, a.parent_pid,
              [n for n in a.namespaces.split(",") if n])
        return 0
    req = json.loads(Path(argv[1]).read_text())
    _die_with_parent(req.get("parent_pid"))
    console = Console(req.get("console_log"))
    try:
        reply = run(req, console)
    except BaseException:  # noqa: BLE001 - reported to the parent, never lost
        reply = {"status": "internal_error", "message": traceback.format_exc(), "console": console.text()}
    _write_reply(req["result_path"], reply)
    sys.stdout.flush()
    # Skip interpreter and R teardown (seconds with TensorFlow loaded); the reply is on disk.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
