"""The rpy2 keras bridge, Python side: the callbacks `keras_bridge.R` calls to reach Keras.

R cannot reach Keras through reticulate here (Debian's reticulate refuses NumPy 2, which
TensorFlow 2.21 needs; see shared/design.md), so the R keras API functions the article uses are
thin R functions (`keras_bridge.R`) that call these Python functions, made callable from R by
`rpy2.rinterface.rternalize`. Everything here runs inside the R worker process
(`r_reference._worker`), the only process that embeds R.

Conversions are explicit (rinterface level, no global converters):
  * R numeric matrices/arrays -> float32 NumPy arrays, C-contiguous, shaped by R's `dim` read
    column-major (R's storage order), so row i of the R matrix is row i of the array;
  * R vectors -> float32 1-D arrays (labels); factors, data frames, strings and integer NA are
    refused with an error naming the argument;
  * scalar arguments arrive already converted in R (as.integer() where Keras needs ints, as R
    keras does); `input_shape` arrives as a list and becomes a tuple.

Every callback returns `list(ok = TRUE, value = ...)` or `list(ok = FALSE, error = "...")`; the R
side turns the latter into an R error whose call is the user's keras call, so no Python exception
ever crosses R's stack.
"""
from __future__ import annotations

import contextlib
import io
import re
import time
import traceback
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np

BRIDGE_R = Path(__file__).with_name("keras_bridge.R")

# The R function -> Keras layer class the bridge implements.
LAYER_CLASSES = {"Conv1D", "MaxPooling1D", "Flatten", "Dense"}

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

_NILSXP, _LGLSXP, _INTSXP, _REALSXP, _STRSXP, _VECSXP = 0, 10, 13, 14, 16, 19


def _ri():
    import rpy2.rinterface as ri

    return ri


# ---- R -> Python ---------------------------------------------------------------------------

def _attr(x, name):
    try:
        return x.do_slot(name)
    except LookupError:
        return None


def r2py(x, simplify: bool = False) -> Any:
    """An R value as plain Python: NULL -> None, named list -> dict, list -> list, atomic ->
    list of scalars (NA -> None), or a scalar for a length-1 atomic when `simplify`."""
    ri = _ri()
    if x is None or x.typeof == _NILSXP:
        return None
    if x.typeof == _VECSXP:
        names = _attr(x, "names")
        vals = [r2py(v, simplify) for v in x]
        if names is not None:
            return {str(n): v for n, v in zip(names, vals)}
        return vals
    if x.typeof in (_LGLSXP, _INTSXP, _REALSXP, _STRSXP):
        nas = (ri.NA_Logical, ri.NA_Integer, ri.NA_Character)
        out = []
        for v in x:
            if any(v is na for na in nas):
                out.append(None)
            elif x.typeof == _LGLSXP:
                out.append(bool(v))
            elif x.typeof == _INTSXP:
                out.append(int(v))
            elif x.typeof == _REALSXP:
                out.append(float(v))
            else:
                out.append(str(v))
        if simplify and len(out) == 1 and _attr(x, "names") is None:
            return out[0]
        return out
    raise TypeError(f"cannot convert an R object of type {x.typeof} to Python")


def _rclass(x) -> list[str]:
    c = _attr(x, "class")
    return [str(v) for v in c] if c is not None else []


def r_array(x, what: str) -> np.ndarray | None:
    """An R numeric vector/matrix/array as a C-contiguous float32 array (R keras's keras_array()).

    R stores matrices column-major: the memoryview rinterface hands over carries R's `dim` with
    Fortran strides, so `np.asarray` sees the right shape; we copy to C order explicitly.
    """
    if x is None or x.typeof == _NILSXP:
        return None
    cls = _rclass(x)
    if "factor" in cls:
        raise TypeError(f"`{what}` is a factor: Keras needs numbers (convert with as.integer(as.character(...)))")
    if "data.frame" in cls:
        raise TypeError(f"`{what}` is a data.frame: pass a numeric matrix (as.matrix(...)), as R keras needs")
    if x.typeof not in (_LGLSXP, _INTSXP, _REALSXP):
        raise TypeError(f"`{what}` must be a numeric vector, matrix or array (R type {x.typeof})")
    dim = _attr(x, "dim")
    if x.typeof == _REALSXP:
        flat = np.asarray(x.memoryview()).reshape(-1, order="F") if dim is not None else np.asarray(x.memoryview())
    else:
        flat = np.fromiter((int(v) for v in x), dtype=np.int64, count=len(x))
        if np.any(flat == -(2**31)):
            raise ValueError(f"`{what}` contains NA: R keras cannot pass NA integers to Keras")
    arr = flat if dim is None else np.reshape(flat, tuple(int(d) for d in dim), order="F")
    return np.ascontiguousarray(arr, dtype=np.float32)


# ---- Python -> R ---------------------------------------------------------------------------

def py2r(v):
    ri = _ri()
    if v is None:
        return ri.NULL
    if isinstance(v, ri.Sexp):
        return v
    if isinstance(v, (bool, np.bool_)):
        return ri.BoolSexpVector([bool(v)])
    if isinstance(v, (int, np.integer)):
        return ri.IntSexpVector([int(v)])
    if isinstance(v, (float, np.floating)):
        return ri.FloatSexpVector([float(v)])
    if isinstance(v, str):
        return ri.StrSexpVector([v])
    if isinstance(v, np.ndarray):
        if v.dtype.kind in "fc":
            return ri.FloatSexpVector(v.astype(np.float64).ravel().tolist())
        if v.dtype.kind in "iu":
            return ri.IntSexpVector(v.astype(np.int64).ravel().tolist())
        return ri.StrSexpVector([str(s) for s in v.ravel()])
    if isinstance(v, dict):
        out = ri.ListSexpVector([py2r(x) for x in v.values()])
        out.do_slot_assign("names", ri.StrSexpVector([str(k) for k in v.keys()]))
        return out
    if isinstance(v, (list, tuple)):
        if v and all(isinstance(x, (float, int, np.floating, np.integer)) and not isinstance(x, bool) for x in v):
            return ri.FloatSexpVector([float(x) for x in v])
        if v and all(isinstance(x, str) for x in v):
            return ri.StrSexpVector(list(v))
        return ri.ListSexpVector([py2r(x) for x in v])
    raise TypeError(f"cannot convert {type(v).__name__} to R")


def _describe(v) -> str:
    if isinstance(v, np.ndarray):
        return f"{v.dtype}{list(v.shape)}"
    if isinstance(v, tuple) and v and all(isinstance(a, np.ndarray) for a in v):
        return "(" + ", ".join(_describe(a) for a in v) + ")"
    return repr(v)


# ---- the bridge ----------------------------------------------------------------------------

class KerasBridge:
    """Keras models for one R session, addressed from R by integer handles."""

    def __init__(self, seed: int | None = None, write_console: Callable[[str], None] | None = None):
        self.seed = seed
        self.write_console = write_console or (lambda s: None)
        self.models: dict[int, Any] = {}
        self.calls: list[str] = []  # every Keras call made, as Python source-like text
        self.python_warnings: list[str] = []
        self.errors: list[str] = []
        self.timings: dict[str, float] = {}
        self.history_params: dict | None = None
        self.fit_x_shape: list | None = None
        self._keras = None
        self._seeded = False
        self.env = None  # the R environment keras_bridge.R was sourced into

    # -- Keras, lazily (importing TensorFlow costs seconds; error paths never need it)
    def keras(self):
        if self._keras is None:
            t = time.perf_counter()
            from python_impl.model import keras

            self._keras = keras()
            self.timings["keras_import"] = time.perf_counter() - t
        return self._keras

    def model(self, handle) -> Any:
        h = int(r2py(handle, simplify=True) if hasattr(handle, "typeof") else handle)
        if h not in self.models:
            raise KeyError(f"no keras model with handle {h}")
        return self.models[h]

    @contextlib.contextmanager
    def _python_io(self):
        """Keras's prints go to the R console (as reticulate shows them); its warnings are kept."""
        buf = io.StringIO()
        caught: list = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
                    yield
        finally:
            self.python_warnings.extend(f"{w.category.__name__}: {w.message}" for w in caught)
            if buf.getvalue():
                # Keras 3 colours its progress bars with ANSI codes; R's console shows plain text.
                self.write_console(_ANSI.sub("", buf.getvalue()))

    # -- callbacks (R arguments arrive as rinterface objects) --------------------------------
    def new_sequential(self, name):
        name = r2py(name, simplify=True)
        k = self.keras()
        t = time.perf_counter()
        if self.seed is not None and not self._seeded:
            from python_impl.model import seed_everything

            seed_everything(self.seed)  # just before the model is built, as the native side does
            self._seeded = True
            self.calls.append(f"seed_everything({self.seed})")
        with self._python_io():
            model = k.Sequential(name=name) if name else k.Sequential()
        h = len(self.models) + 1
        self.models[h] = model
        self.calls.append("Sequential()" if not name else f"Sequential(name={name!r})")
        self.timings["build"] = self.timings.get("build", 0.0) + time.perf_counter() - t
        return h

    def add_layer(self, handle, class_name, args):
        cls_name = r2py(class_name, simplify=True)
        if cls_name not in LAYER_CLASSES:
            raise ValueError(f"layer class {cls_name} is not provided by the bridge")
        kwargs = r2py(args, simplify=True) or {}
        if isinstance(kwargs, list):  # an empty R list has no names
            kwargs = {}
        for key in ("input_shape", "batch_input_shape"):
            if kwargs.get(key) is not None:
                shape = kwargs[key]
                kwargs[key] = tuple(shape) if isinstance(shape, list) else (shape,)
        k = self.keras()
        t = time.perf_counter()
        model = self.model(handle)
        with self._python_io():
            layer = getattr(k.layers, cls_name)(**kwargs)
            model.add(layer)
        args_txt = ", ".join(f"{a}={v!r}" for a, v in kwargs.items())
        self.calls.append(f"add({cls_name}({args_txt}))")
        self.timings["build"] = self.timings.get("build", 0.0) + time.perf_counter() - t
        return handle

    def compile(self, handle, args):
        kwargs = r2py(args, simplify=True) or {}
        if isinstance(kwargs, list):
            kwargs = {}
        model = self.model(handle)
        with self._python_io():
            model.compile(**kwargs)
        self.calls.append("compile(" + ", ".join(f"{a}={v!r}" for a, v in kwargs.items()) + ")")
        return handle

    def fit(self, handle, x, y, validation_data, args):
        kwargs = r2py(args, simplify=True) or {}
        x_, y_ = r_array(x, "x"), r_array(y, "y")
        val = None
        if validation_data is not None and validation_data.typeof != _NILSXP:
            val = tuple(r_array(v, f"validation_data[[{i + 1}]]") for i, v in enumerate(validation_data))
        model = self.model(handle)
        self.fit_x_shape = None if x_ is None else list(x_.shape)  # what Keras's fit() received
        t = time.perf_counter()
        with self._python_io():
            hist = model.fit(x_, y_, validation_data=val, **kwargs)
        self.timings["fit"] = self.timings.get("fit", 0.0) + time.perf_counter() - t
        self.calls.append(
            f"fit(x={_describe(x_)}, y={_describe(y_)}, validation_data={_describe(val)}, "
            + ", ".join(f"{a}={v!r}" for a, v in kwargs.items()) + ")")
        metrics = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
        order = [m for m in ("loss",) if m in metrics] + [m for m in metrics if m != "loss" and not m.startswith("val_")]
        order += ["val_" + m for m in order if "val_" + m in metrics]
        order += [m for m in metrics if m not in order]
        params = {k: v for k, v in (hist.params or {}).items() if isinstance(v, (int, float, str))}
        self.history_params = params
        return {"params": params, "metrics": {m: metrics[m] for m in order}}

    def evaluate(self, handle, x, y, args):
        kwargs = r2py(args, simplify=True) or {}
        x_, y_ = r_array(x, "x"), r_array(y, "y")
        model = self.model(handle)
        t = time.perf_counter()
        with self._python_io():
            res = model.evaluate(x_, y_, return_dict=True, **kwargs)
        self.timings["evaluate"] = self.timings.get("evaluate", 0.0) + time.perf_counter() - t
        self.calls.append(f"evaluate(x={_describe(x_)}, y={_describe(y_)}, "
                          + ", ".join(f"{a}={v!r}" for a, v in kwargs.items()) + ")")
        names = (["loss"] if "loss" in res else []) + [n for n in res if n != "loss"]
        return {"names": names, "values": [float(res[n]) for n in names]}

    def predict(self, handle, x, args):
        kwargs = r2py(args, simplify=True) or {}
        x_ = r_array(x, "x")
        model = self.model(handle)
        t = time.perf_counter()
        with self._python_io():
            out = np.asarray(model.predict(x_, **kwargs))
        self.timings["predict"] = self.timings.get("predict", 0.0) + time.perf_counter() - t
        self.calls.append(f"predict(x={_describe(x_)}, "
                          + ", ".join(f"{a}={v!r}" for a, v in kwargs.items()) + f") -> {_describe(out)}")
        if out.ndim == 1:
            out = out.reshape(-1, 1)
        # R fills matrices column-major
        return {"values": out.astype(np.float64).ravel(order="F").tolist(), "dim": list(out.shape)}

    def summary(self, handle):
        model = self.model(handle)
        lines: list[str] = []
        with self._python_io():
            model.summary(print_fn=lambda s, *a, **kw: lines.append(str(s)))
        text = "\n".join(lines)
        return text if text.endswith("\n") else text + "\n"

    # -- wiring into R -----------------------------------------------------------------------
    def _wrap(self, fn):
        ri = _ri()

        def call(*args):
            try:
                value = fn(*args)
                return py2r({"ok": True, "value": value})
            except Exception as e:  # reported to R as an R error with the user's call
                self.errors.append(traceback.format_exc())
                msg = f"{type(e).__name__}: {e}"
                if len(msg) > 2000:
                    msg = msg[:2000] + " ..."
                return py2r({"ok": False, "error": f"Python Keras raised {msg}"})

        call.__name__ = fn.__name__
        return ri.rternalize(call)

    def install(self):
        """Source keras_bridge.R into a private R environment wired to these callbacks."""
        ri = _ri()
        env = ri.baseenv["new.env"](parent=ri.baseenv)
        callbacks = {n: self._wrap(getattr(self, n)) for n in
                     ("new_sequential", "add_layer", "compile", "fit", "evaluate", "predict", "summary")}
        # Keep the rternalized closures (and the Python functions behind them) alive as long as
        # the bridge: rpy2 holds only a cffi handle, which dangles once Python collects them.
        self._callbacks = callbacks
        env[".py"] = py2r(callbacks)
        ri.baseenv["sys.source"](ri.StrSexpVector([str(BRIDGE_R)]), envir=env)
        env[".py"] = py2r(callbacks)  # the file declares `.py <- NULL`; wire it after sourcing
        self.env = env
        return env
