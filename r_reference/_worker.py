"""The R worker: one fresh process, one embedded R, one script run (`python -m r_reference._worker REQ`).

Started by `r_reference.runner.run_article`; never imported by the parent process. It reads a
JSON request, runs the script under `runtime.R` (shims, top-level evaluation) with the keras
bridge when asked, evaluates the request's checkpoint expressions in what the script left, and
writes a pickled reply `{"status": ..., ...}` to the request's `result_path`:
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


def _write_reply(path: str, reply: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        pickle.dump(reply, f)
    os.replace(tmp, path)


def _sv(ri, s):
    return ri.StrSexpVector([str(s)])


def run(req: dict, console: Console) -> dict:
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    try:
        import rpy2.rinterface as ri
        import rpy2.rinterface_lib.callbacks as cb
    except Exception as e:  # e.g. rpy2 3.6 on R 4.2: "undefined symbol R_getVar"
        return {"status": "unavailable", "message": f"rpy2 cannot load R here ({type(e).__name__}: {e})"}

    cb.consolewrite_print = console.write
    cb.consolewrite_warnerror = console.write
    cb.consoleread = lambda prompt: ""  # never wait on stdin
    cb.showmessage = console.write

    def on_cleanup(saveact, status, runlast):
        # R's own quit() (e.g. base::quit(), bypassing the shim) ends the process after this.
        _write_reply(req["result_path"], {"status": "quit", "quit_status": int(status), "line": None,
                                          "expression": "", "console": console.text(), "via": "R_CleanUp"})

    cb.cleanup = on_cleanup
    try:
        ri.initr(interactive=False)
    except Exception as e:
        return {"status": "unavailable", "message": f"rpy2 could not start R ({type(e).__name__}: {e})"}
    timings["r_start_s"] = time.perf_counter() - t0

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


def main(argv: list[str]) -> int:
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
