"""Run an R script, unmodified, in an R worker process and return what it computed.

    from r_reference.runner import run_script
    run = run_script("glm.R", checkpoints={"coef": "coef(fit)", "auc": "as.numeric(auc(r))"})
    run.values["coef"]          # parity.values.Atomic (names, values), read from R
    run.errors                  # {checkpoint: R's error message} for expressions that failed

By default each call starts a new process (`python -m r_reference._worker`) that embeds its own
R through rpy2: one R per process, a clean global environment, nothing left behind. With
`worker=WarmWorker(...)` (`r_reference.warm`) the run goes to a long-lived process instead,
which R, rpy2 and TensorFlow started once and which is reset to its start-up state after every
run (same request, same reply, same errors). Subprocesses, not multiprocessing children,
because they must be killable as a whole on a timeout (own process group, SIGKILL), their
stdout/stderr (TensorFlow's C++ logs) must never reach the terminal, and they must not depend on
the caller's `__main__` being importable. R is never touched from a thread of this process
(rpy2's conversion rules are context variables and R is single-threaded), so callers may run
several of these at once from threads or Dask workers.
"""
from __future__ import annotations

import json
import os
import pickle
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from r_reference.availability import clean_stale_temp, r_status, temp_prefix
from r_reference.errors import (
    RReferenceError, RScriptError, RScriptQuit, RTimeoutError, RUnavailableError, RWorkerCrashed,
)
KERAS_BACKENDS = ("auto", "bridge", "native", "none")
PROJECT_ROOT = Path(__file__).resolve().parents[1]

_KERASISH = re.compile(r"^(layer_|callback_|optimizer_|loss_|metric_|initializer_|regularizer_|"
                       r"constraint_|application_|dataset_|k_|keras_|fit_|evaluate_|predict_|save_model|load_model)")


def _script_file(script, tmp: Path) -> tuple[Path, str]:
    """(file to source, how to name it): a Path or existing file path, else R code."""
    if script is None:
        raise TypeError("script is required: a path to an .R file or R code")
    if isinstance(script, Path) or (isinstance(script, str) and "\n" not in script
                                    and script.endswith((".R", ".r")) and Path(script).is_file()):
        p = Path(script).resolve()
        if not p.is_file():
            raise FileNotFoundError(f"R script not found: {p}")
        return p, str(p)
    if not isinstance(script, str):
        raise TypeError(f"script must be None, a path or R code (str), not {type(script).__name__}")
    p = tmp / "script.R"
    p.write_text(script if script.endswith("\n") else script + "\n", encoding="utf-8")
    return p, "<R code string>"


def _bindings(bindings, tmp: Path) -> dict[str, str]:
    """{R name: CSV path}: each path as given (must exist), or a DataFrame written to a temp CSV."""
    out = {}
    for name, data in (bindings or {}).items():
        if hasattr(data, "to_csv"):
            p = tmp / f"{name}.csv"
            data.to_csv(p, index=False)
        else:
            p = Path(data).resolve()
            if not p.is_file():
                raise FileNotFoundError(f"data file for `{name}` not found: {p}")
        out[str(name)] = str(p)
    return out


def _hint(message: str) -> str:
    m = re.search(r'could not find function "([^"]+)"', message)
    if m and _KERASISH.match(m.group(1)):
        return (f"'{m.group(1)}' looks like a keras function; the rpy2 bridge (r_reference/keras_bridge.R) "
                "provides only the R keras API listed in r_reference/keras_bridge.R: extend it, or run with the genuine R "
                "keras package (keras_backend='native')")
    if re.search(r"there is no package called .(keras|reticulate|tensorflow).", message):
        return ("`pkg::fn` bypasses library(); the rpy2 bridge satisfies library(keras)/library(reticulate) "
                "only: call the bridged functions unqualified, or install R's keras (keras_backend='native')")
    return ""


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


@dataclass
class RRun:
    """What one R run computed: checkpoint values read from R (never recomputed here)."""

    values: dict  # checkpoint name -> parity.values value
    errors: dict  # checkpoint name -> message (R error, or no faithful conversion)
    assignments: dict  # top-level variable -> script lines that assigned it
    seed: int | None
    dependencies: dict = field(default_factory=dict)  # variable -> variables its assignments read
    checkpoint_vars: dict = field(default_factory=dict)  # checkpoint -> script variables it reads
    globals: list | None = None  # with list_globals: [{name, class, typeof, length, dim, lines}]
    checkpoint_warnings: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    warnings_detail: list = field(default_factory=list)
    console: str = ""
    timings: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def run_script(script, checkpoints: dict[str, str] | None = None, seed: int | None = None,
               keras_backend: str = "auto", bindings: dict | None = None, timeout: float = 600,
               plot_path=None, cwd=None, list_globals: bool = False, worker=None) -> RRun:
    """Run an R script in a fresh worker and evaluate `checkpoints` ({name: R expression}) in the
    global environment it leaves.

    script:        a pathlib.Path / path to an existing .R file, or R code (str).
    checkpoints:   {name: R expression}: any R code, evaluated after the script (each in a child of
                   globalenv, so it cannot alter the script's objects) and converted faithfully
                   (`r_reference.convert`). An expression's R error is recorded in `errors`.
    seed:          seeds Keras's weights and shuffling inside the bridge's keras_model_sequential(),
                   just before the model is built; R's own set.seed() calls are untouched.
                   None: unseeded.
    keras_backend: "bridge" (library(keras) answered by the rpy2 keras bridge), "native" (R's keras
                   package through reticulate; needs it usable), "auto" (native if usable, else
                   bridge), "none" (no keras: library(keras) is R's own).
    bindings:      {R name: CSV path or DataFrame}: bound with read.csv() in globalenv before the
                   script runs (a case's data file; it wins over a package dataset's name).
    timeout:       seconds for the whole worker; then it is killed and RTimeoutError raised.
    plot_path:     save R's own plots (the first device) as a PNG there; else a null device.
    cwd:           the script's working directory (default: the script's folder, so its relative
                   read.csv() paths work; a temporary folder for R code given as a string).
    list_globals:  also describe every top-level variable the script left (`parity init`).
    worker:        a `r_reference.warm.WarmWorker` to run in (its R and TensorFlow already
                   started; reset after the run); None: a fresh process for this run.

    Raises RUnavailableError, RScriptError, RScriptQuit (a RWorkerCrashed), RWorkerCrashed,
    RTimeoutError, all subclasses of RReferenceError.
    """
    if keras_backend not in KERAS_BACKENDS:
        raise ValueError(f"keras_backend must be one of {KERAS_BACKENDS}, not {keras_backend!r}")
    if seed is not None and (isinstance(seed, bool) or int(seed) != seed):
        raise ValueError(f"seed must be an integer, not {seed!r}")
    checkpoints = dict(checkpoints or {})
    for name, expr in checkpoints.items():
        if not isinstance(expr, str) or not expr.strip():
            raise ValueError(f"checkpoint {name!r}: the R expression must be a non-empty string")
    st = r_status()
    if not st.ok:
        raise RUnavailableError(st.reason)
    if plot_path is not None:
        plot_path = Path(plot_path).resolve()
        plot_path.parent.mkdir(parents=True, exist_ok=True)

    t_start = time.perf_counter()
    clean_stale_temp()
    with tempfile.TemporaryDirectory(prefix=temp_prefix("run")) as tmpdir:
        tmp = Path(tmpdir)
        script_path, script_display = _script_file(script, tmp)
        workdir = Path(cwd).resolve() if cwd is not None else (
            script_path.parent if script_display != "<R code string>" else tmp)
        req = {
            "script_path": str(script_path), "script_display": script_display,
            "seed": None if seed is None else int(seed), "keras_backend": keras_backend,
            "bindings": _bindings(bindings, tmp), "checkpoints": checkpoints, "list_globals": bool(list_globals),
            "plot_path": None if plot_path is None else str(plot_path),
            "result_path": str(tmp / "reply.pkl"), "console_log": str(tmp / "console.log"),
            "parent_pid": os.getpid(),
        }
        (tmp / "request.json").write_text(json.dumps(req))
        if worker is not None:
            state, worker_output, rc, info = worker.run_r(req, tmp / "request.json", workdir, timeout)
        else:
            state, worker_output, rc = _run_fresh(tmp / "request.json", workdir, timeout)
            info = {"mode": "fresh"}
        if state == "timeout":
            raise RTimeoutError(timeout, console=_read(tmp / "console.log"),
                                elapsed=time.perf_counter() - t_start)
        reply_path = Path(req["result_path"])
        if not reply_path.is_file():
            how = (f"was killed by signal {signal.Signals(-rc).name}" if rc is not None and rc < 0
                   else f"exited with status {rc}")
            raise RWorkerCrashed(
                f"the R worker process {how} before returning a result (R or TensorFlow crashed, "
                "or it was killed, e.g. for memory)", returncode=rc, stderr=worker_output,
                console=_read(tmp / "console.log"))
        reply = pickle.loads(reply_path.read_bytes())
        if reply.get("status") == "ok":
            reply["extra"] = {**(reply.get("extra") or {}), "worker": info}
    total = time.perf_counter() - t_start
    return _result_or_raise(reply, worker_output, total, seed)


def _result_or_raise(reply: dict, worker_output: str, total: float, seed=None) -> RRun:
    status = reply.get("status")
    if status == "ok":
        timings = dict(reply.get("timings") or {})
        timings["total_s"] = total
        extra = dict(reply.get("extra") or {})
        extra["worker_output"] = worker_output[-4000:]
        return RRun(values=reply["values"], errors=reply["errors"], assignments=reply.get("assignments") or {},
                    seed=seed, globals=reply.get("globals"), dependencies=reply.get("dependencies") or {},
                    checkpoint_vars=reply.get("checkpoint_vars") or {},
                    checkpoint_warnings=reply.get("checkpoint_warnings") or {},
                    warnings=reply.get("warnings") or [], warnings_detail=reply.get("warnings_detail") or [],
                    console=reply.get("console", ""), timings=timings, extra=extra)
    console = reply.get("console", "")
    if status in ("error", "parse_error"):
        err = RScriptError(
            reply.get("message", ""), call=reply.get("call", ""), line=reply.get("line"),
            expression=reply.get("expression", ""), traceback=reply.get("traceback"),
            console=console, warnings=reply.get("warnings"), hint=_hint(reply.get("message", "")),
            kind=status)
        err.python_errors = reply.get("python_errors", [])
        raise err
    if status == "quit":
        if reply.get("via") == "R_CleanUp":
            raise RWorkerCrashed(
                f"R's quit(status = {reply.get('quit_status')}) ended the worker process (base::quit() "
                "bypasses the runner's quit() shim); the R reference run ended there without the "
                "objects the checkpoints read. Remove the quit() call.", returncode=reply.get("quit_status"),
                console=console)
        raise RScriptQuit(int(reply.get("quit_status") or 0), reply.get("line"), reply.get("expression", ""),
                          console=console)
    if status == "unavailable":
        raise RUnavailableError(reply.get("message", ""), fix=reply.get("fix"))
    raise RReferenceError(f"the R runner failed internally (a bug in r_reference):\n{reply.get('message', reply)}")


_FRESH: set = set()  # fresh worker processes running now (killed by kill_all on Ctrl-C)
_FRESH_LOCK = threading.Lock()


def _run_fresh(request_path: Path, workdir: Path, timeout: float) -> tuple[str, str, int | None]:
    """One run in a new worker process: ("done" | "timeout", its output, its return code)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    proc = subprocess.Popen(
        [sys.executable, "-m", "r_reference._worker", str(request_path)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        cwd=workdir, env=env, start_new_session=True,  # own process group: killable as a whole
    )
    with _FRESH_LOCK:
        _FRESH.add(proc)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, _ = proc.communicate()
        return "timeout", out.decode("utf-8", errors="replace"), proc.returncode
    except BaseException:  # KeyboardInterrupt: never leave a worker behind
        _kill_group(proc)
        proc.communicate()
        raise
    finally:
        with _FRESH_LOCK:
            _FRESH.discard(proc)
    return "done", out.decode("utf-8", errors="replace"), proc.returncode


def kill_all(warm: bool = True) -> int:
    """SIGKILL every R worker this process started that is still running, fresh (and warm,
    unless `warm=False`): Ctrl-C from another thread than the one waiting on it; returns how many."""
    from r_reference import warm as warm_workers

    with _FRESH_LOCK:
        procs = [p for p in _FRESH if p.poll() is None]
    for p in procs:
        _kill_group(p)
    return len(procs) + (warm_workers.kill_all() if warm else 0)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
