"""Run the article's R script (or another) in a fresh R worker process and return checkpoints.

    from r_reference.runner import run_article
    res = run_article(seed=7)            # ArticleResult(side="r", ...)

Each call starts a new process (`python -m r_reference._worker`) that embeds its own R through
rpy2: one R per process, a clean global environment, nothing left behind. A subprocess, not a
multiprocessing "spawn" child, because it must be killable as a whole on a timeout (its own
process group gets SIGKILL), its stdout/stderr (TensorFlow's C++ logs) must never reach the
terminal, and it must not depend on the caller's `__main__` being importable.
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
import time
from pathlib import Path

from r_reference.availability import r_status
from r_reference.errors import (
    RReferenceError, RScriptError, RScriptQuit, RTimeoutError, RUnavailableError, RWorkerCrashed,
)
from r_reference.fixture import FIXTURE

ARTICLE_R = FIXTURE
KERAS_BACKENDS = ("auto", "bridge", "native")
PROJECT_ROOT = Path(__file__).resolve().parents[1]

_KERASISH = re.compile(r"^(layer_|callback_|optimizer_|loss_|metric_|initializer_|regularizer_|"
                       r"constraint_|application_|dataset_|k_|keras_|fit_|evaluate_|predict_|save_model|load_model)")


def _script_file(script, tmp: Path) -> tuple[Path, str]:
    """(file to source, how to name it): a Path or existing file path, else R code."""
    if script is None:
        return ARTICLE_R, str(ARTICLE_R)
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


def _data_file(data, tmp: Path) -> Path | None:
    """A CSV path for R's `gbsg`: a path as given, or a DataFrame written to a temporary CSV."""
    if data is None:
        return None
    if hasattr(data, "to_csv"):
        p = tmp / "gbsg.csv"
        data.to_csv(p, index=False)
        return p
    p = Path(data).resolve()
    if not p.is_file():
        raise FileNotFoundError(f"data CSV not found: {p}")
    return p


def _hint(message: str) -> str:
    m = re.search(r'could not find function "([^"]+)"', message)
    if m and _KERASISH.match(m.group(1)):
        return (f"'{m.group(1)}' looks like a keras function; the rpy2 bridge (r_reference/keras_bridge.R) "
                "provides only the keras calls the article uses: extend it, or run with the genuine R "
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


def run_article(seed: int | None = None, script=None, timeout: float = 600, keras_backend: str = "auto",
                data=None, plot_path=None) -> "ArticleResult":  # noqa: F821
    """Run the article's R script (default: `article.R`, verbatim) and return its checkpoints.

    seed:          seeds Keras's weights and shuffling (python_impl.model.seed_everything) inside the
                   bridge's keras_model_sequential(), just before the model is built; R's own
                   set.seed(123) split is untouched. None: unseeded, as the article.
    script:        another R script: a pathlib.Path / path to an existing .R file, or R code (str).
    timeout:       seconds for the whole worker (start, R, TensorFlow import, script); then it is
                   killed and RTimeoutError raised.
    keras_backend: "bridge" (the rpy2 keras bridge), "native" (R's keras package through
                   reticulate; needs it installed and usable), "auto" (native if usable, else bridge).
    data:          a gbsg-like CSV path (or a pandas DataFrame, written to a temporary CSV); read
                   with read.csv() and bound as `gbsg` in R's global environment before the
                   script runs, where it wins over survival's dataset (`data <- gbsg`).
    plot_path:     save R's own plot (pROC's ROC curve) as a PNG there; else a null device.

    Raises RUnavailableError, RScriptError, RScriptQuit (a RWorkerCrashed), RWorkerCrashed,
    RTimeoutError, all subclasses of RReferenceError.
    """
    if keras_backend not in KERAS_BACKENDS:
        raise ValueError(f"keras_backend must be one of {KERAS_BACKENDS}, not {keras_backend!r}")
    if seed is not None and (isinstance(seed, bool) or int(seed) != seed):
        raise ValueError(f"seed must be an integer, not {seed!r}")
    st = r_status()
    if not st.ok:
        raise RUnavailableError(st.reason)
    if plot_path is not None:
        plot_path = Path(plot_path).resolve()
        plot_path.parent.mkdir(parents=True, exist_ok=True)

    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="r_reference_") as tmpdir:
        tmp = Path(tmpdir)
        script_path, script_display = _script_file(script, tmp)
        data = _data_file(data, tmp)
        req = {
            "script_path": str(script_path), "script_display": script_display,
            "seed": None if seed is None else int(seed), "keras_backend": keras_backend,
            "data": None if data is None else str(data),
            "plot_path": None if plot_path is None else str(plot_path),
            "result_path": str(tmp / "reply.pkl"), "console_log": str(tmp / "console.log"),
            "parent_pid": os.getpid(),
        }
        (tmp / "request.json").write_text(json.dumps(req))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        proc = subprocess.Popen(
            [sys.executable, "-m", "r_reference._worker", str(tmp / "request.json")],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            cwd=tmp, env=env, start_new_session=True,  # own process group: killable as a whole
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.communicate()
            raise RTimeoutError(timeout, console=_read(tmp / "console.log"),
                                elapsed=time.perf_counter() - t_start) from None
        except BaseException:  # KeyboardInterrupt: never leave a worker behind
            _kill_group(proc)
            proc.communicate()
            raise
        worker_output = out.decode("utf-8", errors="replace")
        reply_path = Path(req["result_path"])
        if not reply_path.is_file():
            rc = proc.returncode
            how = (f"was killed by signal {signal.Signals(-rc).name}" if rc is not None and rc < 0
                   else f"exited with status {rc}")
            raise RWorkerCrashed(
                f"the R worker process {how} before returning a result (R or TensorFlow crashed, "
                "or it was killed, e.g. for memory)", returncode=rc, stderr=worker_output,
                console=_read(tmp / "console.log"))
        reply = pickle.loads(reply_path.read_bytes())
    total = time.perf_counter() - t_start
    return _result_or_raise(reply, worker_output, total)


def _result_or_raise(reply: dict, worker_output: str, total: float):
    status = reply.get("status")
    if status == "ok":
        res = reply["result"]
        res.timings["total_s"] = total
        res.extra["worker_output"] = worker_output[-4000:]
        return res
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
                "article's objects. Remove the quit() call.", returncode=reply.get("quit_status"),
                console=console)
        raise RScriptQuit(int(reply.get("quit_status") or 0), reply.get("line"), reply.get("expression", ""),
                          console=console)
    if status == "unavailable":
        raise RUnavailableError(reply.get("message", ""), fix=reply.get("fix"))
    raise RReferenceError(f"the R runner failed internally (a bug in r_reference):\n{reply.get('message', reply)}")


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
