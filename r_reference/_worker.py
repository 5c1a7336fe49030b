"""The R worker: one fresh process, one embedded R, one script run (`python -m r_reference._worker REQ`).

Started by `r_reference.runner.run_article`; never imported by the parent process. It reads a
JSON request, runs the script under `runtime.R` (shims, top-level evaluation) with the keras
bridge, and writes a pickled reply `{"status": ..., ...}` to the request's `result_path`:
  ok           -> "result": ArticleResult
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

    backend = req["keras_backend"]
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
    elif req.get("seed") is not None:
        # Untested here (R keras is not installable on this machine): seed the genuine stack.
        ri.baseenv["eval"](ri.parse(f"tensorflow::set_random_seed({int(req['seed'])})"))

    if req.get("data"):
        try:
            rcall(".define_gbsg", _sv(ri, req["data"]))
        except ri.embedded.RRuntimeError as e:
            return {"status": "error", "message": f"cannot read the data CSV {req['data']}: {e}".strip(),
                    "call": "utils::read.csv(data)", "line": None, "traceback": [],
                    "expression": "gbsg <- read.csv(data)  # set up by the runner", "console": console.text()}

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

    def aslist(v):
        return [] if v is None else (v if isinstance(v, list) else [v])

    warn_detail = aslist(harness.get("warnings"))
    common = {
        "console": console.text(),
        "warnings": [w["message"] for w in warn_detail],
        "warnings_detail": warn_detail,
    }
    if status["status"] != "ok":
        out = {**status, **common}
        out["traceback"] = aslist(status.get("traceback"))
        if bridge is not None:
            out["python_errors"] = bridge.errors
        return out

    t = time.perf_counter()
    handle_fn = bridge.env["model_handle"] if bridge is not None else ri.NULL
    cp = r2py(rcall(".checkpoints", handle_fn), simplify=False)
    timings["checkpoints_s"] = time.perf_counter() - t
    if bridge is not None:
        timings.update({f"{k}_s": v for k, v in bridge.timings.items()})
        timings["evaluate_predict_s"] = bridge.timings.get("evaluate", 0.0) + bridge.timings.get("predict", 0.0)
    timings["worker_s"] = time.perf_counter() - t0
    session["globalenv_before_script"] = globalenv_before
    result = _article_result(req, cp, bridge, backend, harness, session, timings, common)
    return {"status": "ok", "result": result}


def _article_result(req, cp, bridge, backend, harness, session, timings, common):
    import numpy as np

    from python_impl.checkpoints import ArticleResult, class_balance
    from python_impl.model import model_summary

    def arr(name, dtype):
        v = cp.get(name)
        return None if v is None else np.asarray(v, dtype=dtype)

    def scalar(name, i=0):
        v = cp.get(name)
        return None if not v else v[i]

    train, val, test = arr("train_indices", np.int64), arr("val_indices", np.int64), arr("test_indices", np.int64)
    labels = arr("labels", np.int64)
    balance = None
    if labels is not None and all(v is not None for v in (train, val, test)):
        balance = class_balance(labels, {"train": train, "val": val, "test": test})

    summary = input_shape = None
    handle = scalar("model_handle")
    if bridge is not None and handle is not None:
        keras_model = bridge.model(handle)
        summary = model_summary(keras_model)
        input_shape = [None, *[int(d) for d in keras_model.input_shape[1:]]]

    hist = cp.get("history")
    history = {k: [float(x) for x in v] for k, v in hist.items()} if hist else None
    test_loss = test_acc = None
    if cp.get("test_loss_values"):
        named = dict(zip(cp.get("test_loss_names") or ["loss", "accuracy"], cp["test_loss_values"]))
        test_loss, test_acc = named.get("loss"), named.get("accuracy")

    best = cp.get("best_threshold")
    best_rows = None
    if best:
        best_rows = [{"threshold": t, "specificity": s, "sensitivity": se}
                     for t, s, se in zip(best["threshold"], best["specificity"], best["sensitivity"])]

    fields = dict(
        train_indices=train, val_indices=val, test_indices=test,
        center=arr("center", np.float64), scale=arr("scale", np.float64), class_balance=balance,
        model_summary=summary, history=history, test_loss=test_loss, test_accuracy=test_acc,
        predictions=arr("predictions", np.float64), auc=scalar("auc"),
        auc_ci=tuple(cp["auc_ci"]) if cp.get("auc_ci") else None, best_threshold=best_rows,
    )
    missing = [k for k, v in fields.items() if v is None]
    installs = harness.get("install_packages_calls") or []
    installs = installs if isinstance(installs, list) else [installs]
    installs = [{"call": c["call"], "packages": c["packages"] if isinstance(c["packages"], list)
                 else ([] if c["packages"] is None else [c["packages"]])} for c in installs]
    extra = {
        "install_packages_calls": installs,
        "library_calls": harness.get("library_calls") or [],
        "keras_backend": backend,
        "keras_calls": bridge.calls if bridge else [],
        "python_warnings": bridge.python_warnings if bridge else [],
        "history_params": (cp.get("history_params") and r_scalars(cp["history_params"])),
        "predictions_dim": cp.get("predictions_dim"),
        "fit_x_shape": bridge.fit_x_shape if bridge else None,  # the (n, 8) matrix fit() got
        "model_input_shape": input_shape,  # [None, 8, 1]: Keras 3 expands the rank silently
        "feature_names": cp.get("feature_names"),
        "labels_class": cp.get("labels_class"),
        "checkpoint_warnings": harness.get("checkpoint_warnings") or [],
        "warnings_detail": common["warnings_detail"],
        "missing_checkpoints": missing,
        "r_session": session,
        "script_path": req.get("script_display"),
        "data": req.get("data"),
        "plot_path": req.get("plot_path"),
    }
    return ArticleResult(
        side="r", **fields, keras_seed=req.get("seed"),
        roc_direction=scalar("roc_direction"),
        roc_levels=tuple(cp["roc_levels"]) if cp.get("roc_levels") else None,
        test_labels=arr("test_labels", np.int64),
        warnings=common["warnings"], console=common["console"], timings=timings, extra=extra,
    )


def r_scalars(d):
    return {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in d.items()}


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
