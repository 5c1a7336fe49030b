"""The rpy2 keras bridge, Python side: the callbacks `keras_bridge.R` calls to reach Keras.

R cannot reach Keras through reticulate here (Debian's reticulate refuses NumPy 2, which
TensorFlow 2.21 needs; see shared/design.md), so the R keras API functions a script calls are
thin R functions (`keras_bridge.R`) that call these Python functions, made callable from R by
`rpy2.rinterface.rternalize`. Everything here runs inside the R worker process
(`r_reference._worker`), the only process that embeds R.

What R keras 2.x calls, the bridge calls (argument names and defaults of R keras 2.15.0):
  * a layer, optimizer, loss, metric, regularizer or callback is the Keras 3 class R keras
    instantiates (`layer_dense` -> `keras.layers.Dense`, `optimizer_adam` -> `keras.optimizers.Adam`,
    `loss_binary_crossentropy()` -> `keras.losses.BinaryCrossentropy`, ...), with the arguments the
    R call gave, plus any R keras default that differs from the Keras class's own default (R keras
    passes those explicitly). Where Keras 3 renamed an argument the bridge renames it
    (`alpha` -> `negative_slope` for LeakyReLU, `l` -> `l1`/`l2` for the regularizers, a loss's
    reduction "auto" -> "sum_over_batch_size", `input_shape` -> `shape` for an InputLayer);
    an argument Keras 3 has no counterpart for is a `BridgeError` naming the R function and the
    argument (never dropped);
  * every Keras call is recorded in `calls` as Python-source-like text (`run.extra["keras_calls"]`),
    e.g. "add(Dense(units=16, activation='relu', input_shape=(8,)))",
    "compile(optimizer=Adam(learning_rate=0.01), loss=BinaryCrossentropy(), metrics=['accuracy'])",
    so a test can compare them with what a native Python port calls.

Seeds. The case seed (`KerasBridge(seed=S)`, `run_script(seed=S)`) calls
`python_impl.model.seed_everything(S)` once, just before the first model is built (the first
keras_model_sequential() or layer_input()), as the native side seeds before building its model.
A script's own seed call -- tensorflow::set_random_seed(s), or set_random_seed(s) after
library(tensorflow) -- calls `seed_everything(s)` at that point of the script (and, as R's
tensorflow does, set.seed(s) in R). With both present the script's call wins for everything after
it: if the script seeds before its first model, the case seed is never applied (the calls record
"# case seed S not applied: ..."); if it seeds later, its seed replaces the case seed's state from
that point on (later layers, initial weights, shuffling and dropout draw from seed s). A port
reproduces such a script by seeding where the script does. use_session_with_seed() stops, as R's
tensorflow (>= 2.4) does with TensorFlow >= 2.3.

Conversions are explicit (rinterface level, no global converters):
  * R numeric matrices/arrays -> float32 NumPy arrays, C-contiguous, shaped by R's `dim` read
    column-major (R's storage order), so row i of the R matrix is row i of the array;
  * R vectors -> float32 1-D arrays (labels); factors, data frames, strings and integer NA are
    refused with an error naming the argument;
  * scalar arguments arrive already converted in R (as.integer() where Keras needs ints, as R
    keras does); shapes arrive as lists and become tuples; the R objects of bridged Python
    objects (class "rpy2bridge_keras_object") arrive as handles and are resolved here;
  * arrays go back to R as values in R's column-major order plus `dim` (predict(),
    get_weights(), to_categorical()).

Every callback returns `list(ok = TRUE, value = ...)` or `list(ok = FALSE, error = "...")`; the R
side turns the latter into an R error whose call is the user's keras call, so no Python exception
ever crosses R's stack.
"""
from __future__ import annotations

import contextlib
import inspect
import io
import re
import time
import traceback
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np

BRIDGE_R = Path(__file__).with_name("keras_bridge.R")

# The Keras layer classes the bridge builds (R function -> class: keras_bridge.R).
LAYER_CLASSES = {
    "Dense", "Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "GlobalMaxPooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling2D",
    "Flatten", "Reshape", "Dropout", "Activation", "ReLU", "LeakyReLU", "Softmax", "BatchNormalization",
}
# The other Keras classes the bridge instantiates, by kind (module.Class within `keras`).
OBJECT_CLASSES = {
    "optimizer": {"optimizers.Adam", "optimizers.SGD", "optimizers.RMSprop", "optimizers.Adagrad",
                  "optimizers.Nadam"},
    "loss": {"losses.BinaryCrossentropy", "losses.CategoricalCrossentropy",
             "losses.SparseCategoricalCrossentropy", "losses.MeanSquaredError", "losses.MeanAbsoluteError",
             "losses.Huber"},
    "metric": {"metrics.AUC", "metrics.Accuracy", "metrics.Precision", "metrics.Recall",
               "metrics.BinaryAccuracy", "metrics.CategoricalAccuracy", "metrics.BinaryCrossentropy",
               "metrics.MeanSquaredError", "metrics.MeanAbsoluteError"},
    "regularizer": {"regularizers.L1", "regularizers.L2", "regularizers.L1L2"},
    "callback": {"callbacks.EarlyStopping"},
}
# The Keras functions an R keras function passed uncalled to compile() stands for.
FUNCTIONS = {
    "losses.binary_crossentropy", "losses.categorical_crossentropy",
    "losses.sparse_categorical_crossentropy", "losses.mean_squared_error", "losses.mean_absolute_error",
    "losses.huber", "metrics.binary_accuracy", "metrics.categorical_accuracy",
    "metrics.binary_crossentropy", "metrics.mean_squared_error", "metrics.mean_absolute_error",
}
# R keras argument -> Keras 3 argument, per Keras class.
RENAMES = {
    "LeakyReLU": {"alpha": "negative_slope"},
    "L1": {"l": "l1"},
    "L2": {"l": "l2"},
    "InputLayer": {"input_shape": "shape"},
}
# Arguments that are shapes (always a tuple) and sizes (a tuple when given several numbers).
SHAPE_ARGS = {"input_shape", "batch_input_shape", "shape", "batch_shape", "target_shape", "noise_shape"}
SIZE_ARGS = {"kernel_size", "strides", "pool_size", "dilation_rate"}

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

_NILSXP, _LGLSXP, _INTSXP, _REALSXP, _STRSXP, _VECSXP = 0, 10, 13, 14, 16, 19

_EMPTY = inspect.Parameter.empty


class BridgeError(Exception):
    """An R keras call the bridge refuses (an argument without a Keras counterpart, a value it
    cannot pass): R shows the message as it is, with the user's call."""


class _Ref:
    """A Python object the bridge holds, as R passed it back (its handle)."""

    def __init__(self, handle: int):
        self.handle = handle


class _Fn:
    """A Keras function named by an R keras function passed uncalled (e.g. loss_binary_crossentropy)."""

    def __init__(self, path: str):
        self.path = path


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
    list of scalars (NA -> None), or a scalar for a length-1 atomic when `simplify`. A bridged
    Python object's R value becomes a `_Ref`, a bridged Keras function's a `_Fn`."""
    if x is None:
        return None
    ri = _ri()
    if x.typeof == _NILSXP:
        return None
    if x.typeof == _VECSXP:
        names = _attr(x, "names")
        cls = _rclass(x)
        if "rpy2bridge_keras_object" in cls or "rpy2bridge_keras_fn" in cls:
            item = dict(zip([str(n) for n in names], x))
            if "rpy2bridge_keras_fn" in cls:
                return _Fn(str(item["path"][0]))
            return _Ref(int(item["handle"][0]))
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


def _is_null(x) -> bool:
    return x is None or x.typeof == _NILSXP


def r_array(x, what: str) -> np.ndarray | None:
    """An R numeric vector/matrix/array as a C-contiguous float32 array (R keras's keras_array()).

    R stores matrices column-major: the memoryview rinterface hands over carries R's `dim` with
    Fortran strides, so `np.asarray` sees the right shape; we copy to C order explicitly.
    """
    if _is_null(x):
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


def array_to_r(a) -> dict:
    """An array for R: values in R's column-major order, its dim, and whether R makes it integer."""
    a = np.asarray(a)
    if a.ndim == 0:
        a = a.reshape(1)
    integer = a.dtype.kind in "iub"
    values = a.ravel(order="F")
    return {"values": (values.astype(np.int64) if integer else values.astype(np.float64)).tolist() or [],
            "dim": [int(d) for d in a.shape], "type": "integer" if integer else "double"}


def _describe(v) -> str:
    if isinstance(v, np.ndarray):
        return f"{v.dtype}{list(v.shape)}"
    if isinstance(v, tuple) and v and all(isinstance(a, np.ndarray) for a in v):
        return "(" + ", ".join(_describe(a) for a in v) + ")"
    return repr(v)


# ---- Keras classes: the arguments they take, their defaults -----------------------------------

def _init_signatures(target) -> list[inspect.Signature]:
    """The signatures an instantiation of `target` goes through: its own __init__, then each base
    __init__ its `**kwargs` are passed on to (up to Keras's Layer or optimizer base, which take
    the last ones). A function (keras.Input) is its own signature."""
    if not isinstance(target, type):
        return [inspect.signature(target)]
    from keras.src.layers.layer import Layer
    from keras.src.optimizers.base_optimizer import BaseOptimizer

    sigs = []
    for klass in target.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        try:
            sig = inspect.signature(init)
        except (TypeError, ValueError):
            break
        sigs.append(sig)
        if klass is Layer:
            # Layer pops input_shape / input_dim from **kwargs and refuses anything else
            sigs.append(inspect.Signature([inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=None)
                                           for n in ("input_shape", "input_dim")]))
            break
        if klass is BaseOptimizer:  # pops `decay` (ignored, with a warning) and refuses the rest
            break
        if not any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
            break
    return sigs


def keras_arguments(target) -> dict[str, Any]:
    """Argument name -> its default (inspect.Parameter.empty when required) that `target` accepts."""
    out: dict[str, Any] = {}
    for sig in _init_signatures(target):
        for p in sig.parameters.values():
            if p.name == "self" or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                continue
            out.setdefault(p.name, p.default)
    return out


def _canon(v):
    if isinstance(v, (list, tuple)):
        return tuple(_canon(x) for x in v)
    return v


def _same_as_default(key: str, value, default, image_data_format: str) -> bool:
    if default is _EMPTY:
        return False
    if key == "data_format":  # Keras 3 resolves None to keras.config.image_data_format()
        value = image_data_format if value is None else value
        default = image_data_format if default is None else default
    if isinstance(value, bool) != isinstance(default, bool):
        return False
    try:
        return bool(_canon(value) == _canon(default))
    except Exception:  # noqa: BLE001 - uncomparable values are different
        return False


def _shape_value(key: str, value):
    if key in SHAPE_ARGS and value is not None:
        return tuple(value) if isinstance(value, (list, tuple)) else (value,)
    if key in SIZE_ARGS and isinstance(value, list):
        return tuple(value)
    return value


# ---- the bridge ----------------------------------------------------------------------------

class KerasBridge:
    """Keras models and objects for one R session, addressed from R by integer handles."""

    def __init__(self, seed: int | None = None, write_console: Callable[[str], None] | None = None):
        self.seed = seed
        self.write_console = write_console or (lambda s: None)
        self.models: dict[int, Any] = {}
        self.objects: dict[int, tuple[Any, str]] = {}  # handle -> (Python object, its Keras call as text)
        self.calls: list[str] = []  # every Keras call made, as Python source-like text
        self.python_warnings: list[str] = []
        self.errors: list[str] = []
        self.timings: dict[str, float] = {}
        self.history_params: dict | None = None
        self.fit_x_shape: list | None = None
        self._keras = None
        self._seeded = False  # Keras seeded in this session (by the case seed or by the script)
        self._script_seeded_first = False
        self._n_tensors = 0
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

    # -- objects, their text, their resolution ----------------------------------------------
    def _register(self, obj, text: str) -> int:
        h = len(self.objects) + 1
        self.objects[h] = (obj, text)
        return h

    def _object(self, ref: _Ref):
        if ref.handle not in self.objects:
            raise BridgeError(f"no bridged keras object with handle {ref.handle}")
        return self.objects[ref.handle][0]

    def _fn(self, f: _Fn):
        if f.path not in FUNCTIONS:
            raise BridgeError(f"the Keras function {f.path} is not provided by the bridge")
        mod, name = f.path.split(".")
        return getattr(getattr(self.keras(), mod), name)

    def _resolve(self, v):
        if isinstance(v, _Ref):
            return self._object(v)
        if isinstance(v, _Fn):
            return self._fn(v)
        if isinstance(v, list):
            return [self._resolve(x) for x in v]
        if isinstance(v, tuple):
            return tuple(self._resolve(x) for x in v)
        if isinstance(v, dict):
            return {k: self._resolve(x) for k, x in v.items()}
        return v

    def _fmt(self, v) -> str:
        if isinstance(v, _Ref):
            return self.objects[v.handle][1] if v.handle in self.objects else f"<object {v.handle}>"
        if isinstance(v, _Fn):
            return v.path
        if isinstance(v, list):
            return "[" + ", ".join(self._fmt(x) for x in v) + "]"
        if isinstance(v, tuple):
            inner = ", ".join(self._fmt(x) for x in v)
            return "(" + inner + ("," if len(v) == 1 else "") + ")"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k!r}: {self._fmt(x)}" for k, x in v.items()) + "}"
        return repr(v)

    def _text(self, name: str, kwargs: dict) -> str:
        return f"{name}(" + ", ".join(f"{k}={self._fmt(v)}" for k, v in kwargs.items()) + ")"

    def _kwargs(self, fn: str, target, class_name: str, args, supplied) -> dict:
        """The keyword arguments R keras's call amounts to, for Keras 3's `target`, in the order
        of Keras's signature (unresolved: bridged objects still `_Ref`s, so the text names them)."""
        args = r2py(args, simplify=True) if hasattr(args, "typeof") else args
        args = args if isinstance(args, dict) else {}
        supplied = r2py(supplied) if hasattr(supplied, "typeof") else supplied
        supplied = set(supplied if isinstance(supplied, list) else [supplied] if supplied else [])
        accepted = keras_arguments(target)
        renames = RENAMES.get(class_name, {})
        fmt = self.keras().config.image_data_format()
        out = {}
        for key, value in args.items():
            name = renames.get(key, key)
            value = _shape_value(name, value)
            given = key in supplied
            if name not in accepted:
                if value is None:
                    continue  # R keras passing NULL: nothing to pass
                raise BridgeError(
                    f"{fn}(): argument `{key}` is not supported by the rpy2 bridge: Keras "
                    f"{self.keras().__version__}'s {class_name} has no `{name}` argument")
            if name == "reduction" and value == "auto":
                value = "sum_over_batch_size"  # tf.keras 2's AUTO in fit(): the per-batch mean
            if not given and _same_as_default(name, value, accepted[name], fmt):
                continue  # R keras's default is Keras's own
            out[name] = value
        order = list(accepted)  # Keras's own argument order: one text for one call
        return {key: out[key] for key in sorted(out, key=order.index)}

    # -- seeds -------------------------------------------------------------------------------
    def _seed_before_build(self):
        from python_impl.model import seed_everything

        if self._seeded:
            if self.seed is not None and self._script_seeded_first:
                self.calls.append(f"# case seed {self.seed} not applied: the script seeded Keras first")
                self._script_seeded_first = False
            return
        if self.seed is not None:
            seed_everything(self.seed)  # just before the model is built, as the native side does
            self._seeded = True
            self.calls.append(f"seed_everything({self.seed})")

    def set_random_seed(self, seed):
        """tensorflow::set_random_seed(seed) in the script: seed Keras here and now."""
        from python_impl.model import seed_everything

        s = int(r2py(seed, simplify=True) if hasattr(seed, "typeof") else seed)
        self.keras()
        if not self._seeded:
            self._script_seeded_first = True
        seed_everything(s)
        self._seeded = True
        self.calls.append(f"seed_everything({s})")
        return None

    def tf_version(self):
        import tensorflow as tf

        return ".".join(tf.__version__.split(".")[:2])

    # -- callbacks (R arguments arrive as rinterface objects) --------------------------------
    def new_sequential(self, name, input_args=None):
        name = r2py(name, simplify=True)
        k = self.keras()
        t = time.perf_counter()
        self._seed_before_build()
        layers_txt, layers = "", None
        inp = r2py(input_args, simplify=True) if input_args is not None else None
        if isinstance(inp, dict) and inp:
            kw = self._kwargs("keras_model_sequential", k.layers.InputLayer, "InputLayer", inp, list(inp))
            with self._python_io():
                layers = [k.layers.InputLayer(**kw)]
            layers_txt = "layers=[" + self._text("InputLayer", kw) + "]"
        with self._python_io():
            model = k.Sequential(layers=layers, name=name) if (name or layers) else k.Sequential()
        h = len(self.models) + 1
        self.models[h] = model
        parts = [p for p in (layers_txt, f"name={name!r}" if name else "") if p]
        self.calls.append("Sequential(" + ", ".join(parts) + ")")
        self.timings["build"] = self.timings.get("build", 0.0) + time.perf_counter() - t
        return h

    def _layer(self, fn, class_name, args, supplied):
        fn = r2py(fn, simplify=True)
        cls_name = r2py(class_name, simplify=True)
        if cls_name not in LAYER_CLASSES:
            raise BridgeError(f"layer class {cls_name} is not provided by the bridge")
        k = self.keras()
        cls = getattr(k.layers, cls_name)
        kwargs = self._kwargs(fn, cls, cls_name, args, supplied)
        with self._python_io():
            layer = cls(**self._resolve(kwargs))
        return layer, self._text(cls_name, kwargs)

    def add_layer(self, handle, fn, class_name, args, supplied):
        t = time.perf_counter()
        model = self.model(handle)
        layer, text = self._layer(fn, class_name, args, supplied)
        with self._python_io():
            model.add(layer)
        self.calls.append(f"add({text})")
        self.timings["build"] = self.timings.get("build", 0.0) + time.perf_counter() - t
        return handle

    def _tensor(self, obj) -> dict:
        self._n_tensors += 1
        name = f"t{self._n_tensors}"
        return {"handle": self._register(obj, name), "repr": name}

    def new_input(self, args):
        k = self.keras()
        self._seed_before_build()
        kwargs = self._kwargs("layer_input", k.Input, "Input", args, list((r2py(args) or {}).keys()))
        with self._python_io():
            tensor = k.Input(**self._resolve(kwargs))
        out = self._tensor(tensor)
        self.calls.append(f"{out['repr']} = {self._text('Input', kwargs)}")
        return out

    def apply_layer(self, tensor, fn, class_name, args, supplied):
        ref = r2py(tensor)
        x = self._object(ref)
        layer, text = self._layer(fn, class_name, args, supplied)
        with self._python_io():
            y = layer(x)
        out = self._tensor(y)
        self.calls.append(f"{out['repr']} = {text}({self._fmt(ref)})")
        return out

    def new_functional(self, inputs, outputs, dots):
        k = self.keras()
        ins, outs = r2py(inputs), r2py(outputs)
        extra = r2py(dots, simplify=True) or {}
        extra = extra if isinstance(extra, dict) else {}
        for key in extra:
            if key != "name":
                raise BridgeError(f"keras_model(): argument `{key}` is not supported by the rpy2 bridge (only `name`)")
        for what, v in (("inputs", ins), ("outputs", outs)):
            items = v if isinstance(v, list) else [v]
            if not items or not all(isinstance(i, _Ref) for i in items):
                raise BridgeError(f"keras_model(): `{what}` must be tensors from layer_input() / layer_*() "
                                  "(or lists of them)")
        kwargs = {"inputs": ins, "outputs": outs, **extra}
        with self._python_io():
            model = k.Model(**self._resolve(kwargs))
        h = len(self.models) + 1
        self.models[h] = model
        self.calls.append(self._text("Model", kwargs))
        return h

    def new_object(self, kind, fn, path, args, supplied):
        kind, fn, path = (r2py(v, simplify=True) for v in (kind, fn, path))
        if path not in OBJECT_CLASSES.get(kind, set()):
            raise BridgeError(f"{fn}(): the Keras class {path} is not provided by the bridge")
        mod, cls_name = path.split(".")
        cls = getattr(getattr(self.keras(), mod), cls_name)
        kwargs = self._kwargs(fn, cls, cls_name, args, supplied)
        with self._python_io():
            obj = cls(**self._resolve(kwargs))
        text = self._text(cls_name, kwargs)
        return {"handle": self._register(obj, text), "repr": text}

    def compile(self, handle, args):
        kwargs = r2py(args, simplify=True) or {}
        if isinstance(kwargs, list):
            kwargs = {}
        for key in ("metrics", "weighted_metrics"):
            if key in kwargs and not isinstance(kwargs[key], list):
                kwargs[key] = [kwargs[key]]
        model = self.model(handle)
        accepted = keras_arguments(type(model).compile)
        for key in kwargs:
            if key not in accepted:
                raise BridgeError(f"compile(): argument `{key}` is not supported by the rpy2 bridge: "
                                  f"Keras {self.keras().__version__}'s Model.compile has no `{key}` argument")
        with self._python_io():
            model.compile(**self._resolve(kwargs))
        self.calls.append(self._text("compile", kwargs))
        return handle

    def fit(self, handle, x, y, validation_data, sample_weight, callbacks, args):
        kwargs = r2py(args, simplify=True) or {}
        x_, y_ = r_array(x, "x"), r_array(y, "y")
        val = None
        if not _is_null(validation_data):
            val = tuple(r_array(v, f"validation_data[[{i + 1}]]") for i, v in enumerate(validation_data))
        sw = r_array(sample_weight, "sample_weight")
        if "class_weight" in kwargs:
            cw = kwargs["class_weight"]
            # reticulate's dict(): a name of digits becomes an integer key, others stay strings
            kwargs["class_weight"] = {(int(k) if re.fullmatch(r"[0-9]+", k) else k): v for k, v in cw.items()}
        cbs = None
        if not _is_null(callbacks):
            cbs = r2py(callbacks)
            if not all(isinstance(c, _Ref) for c in cbs):
                raise BridgeError("fit(): `callbacks` must be a list of callback_*() objects of the bridge "
                                  "(callback_early_stopping())")
        model = self.model(handle)
        self.fit_x_shape = None if x_ is None else list(x_.shape)  # what Keras's fit() received
        extra = {}
        if sw is not None:
            extra["sample_weight"] = sw
        if cbs is not None:
            extra["callbacks"] = cbs
        t = time.perf_counter()
        with self._python_io():
            hist = model.fit(x_, y_, validation_data=val, **kwargs, **self._resolve(extra))
        self.timings["fit"] = self.timings.get("fit", 0.0) + time.perf_counter() - t
        shown = {**kwargs, **({"sample_weight": _Shown(_describe(sw))} if sw is not None else {}),
                 **({"callbacks": cbs} if cbs is not None else {})}
        self.calls.append(
            f"fit(x={_describe(x_)}, y={_describe(y_)}, validation_data={_describe(val)}, "
            + ", ".join(f"{a}={self._fmt(v)}" for a, v in shown.items()) + ")")
        metrics = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
        order = [m for m in ("loss",) if m in metrics] + [m for m in metrics if m != "loss" and not m.startswith("val_")]
        order += ["val_" + m for m in order if "val_" + m in metrics]
        order += [m for m in metrics if m not in order]
        params = {k: v for k, v in (hist.params or {}).items() if isinstance(v, (int, float, str))}
        self.history_params = params
        return {"params": params, "metrics": {m: metrics[m] for m in order}}

    def evaluate(self, handle, x, y, sample_weight, args):
        kwargs = r2py(args, simplify=True) or {}
        x_, y_ = r_array(x, "x"), r_array(y, "y")
        sw = r_array(sample_weight, "sample_weight")
        if sw is not None:
            kwargs["sample_weight"] = sw
        model = self.model(handle)
        t = time.perf_counter()
        with self._python_io():
            res = model.evaluate(x_, y_, return_dict=True, **kwargs)
        self.timings["evaluate"] = self.timings.get("evaluate", 0.0) + time.perf_counter() - t
        self.calls.append(f"evaluate(x={_describe(x_)}, y={_describe(y_)}, "
                          + ", ".join(f"{a}={_describe(v)}" for a, v in kwargs.items()) + ")")
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
        return array_to_r(out.astype(np.float64))

    def summary(self, handle):
        model = self.model(handle)
        lines: list[str] = []
        with self._python_io():
            model.summary(print_fn=lambda s, *a, **kw: lines.append(str(s)))
        text = "\n".join(lines)
        return text if text.endswith("\n") else text + "\n"

    def count_params(self, handle):
        model = self.model(handle)
        with self._python_io():
            n = int(model.count_params())
        self.calls.append(f"count_params() -> {n}")
        return n

    def get_weights(self, handle, which):
        which = r2py(which, simplify=True)
        model = self.model(handle)
        from keras import ops

        if which == "all":
            ws = model.get_weights()
        else:
            vs = model.trainable_weights if which == "trainable" else model.non_trainable_weights
            ws = [np.asarray(ops.convert_to_numpy(v)) for v in vs]
        self.calls.append("get_weights()" if which == "all" else f"[w.numpy() for w in {which}_weights]")
        return [array_to_r(w) for w in ws]

    def set_weights(self, handle, weights):
        ws = [r_array(w, f"weights[[{i + 1}]]") for i, w in enumerate(weights)]
        model = self.model(handle)
        with self._python_io():
            model.set_weights(ws)
        self.calls.append(f"set_weights([{', '.join(_describe(w) for w in ws)}])")
        return None

    def to_categorical(self, y, num_classes, dtype):
        k = self.keras()
        y_ = r_array(y, "y")
        n = r2py(num_classes, simplify=True)
        dtype = r2py(dtype, simplify=True)
        with self._python_io():
            out = np.asarray(k.utils.to_categorical(y_, num_classes=n)).astype(dtype)
        self.calls.append(f"to_categorical(x={_describe(y_)}, num_classes={n!r}).astype({dtype!r}) -> {_describe(out)}")
        return array_to_r(out)

    def clear_session(self):
        k = self.keras()
        with self._python_io():
            k.backend.clear_session()
        self.calls.append("backend.clear_session()")
        return None

    # -- wiring into R -----------------------------------------------------------------------
    CALLBACKS = ("new_sequential", "add_layer", "new_input", "apply_layer", "new_functional", "new_object",
                 "compile", "fit", "evaluate", "predict", "summary", "count_params", "get_weights",
                 "set_weights", "to_categorical", "clear_session", "set_random_seed", "tf_version")

    def _wrap(self, fn):
        ri = _ri()

        def call(*args):
            try:
                value = fn(*args)
                return py2r({"ok": True, "value": value})
            except BridgeError as e:  # the bridge's own refusal: R shows it as it is
                self.errors.append(traceback.format_exc())
                return py2r({"ok": False, "error": str(e)})
            except Exception as e:  # reported to R as an R error with the user's call
                self.errors.append(traceback.format_exc())
                msg = f"{type(e).__name__}: {e}"
                if len(msg) > 2000:
                    msg = msg[:2000] + " ..."
                return py2r({"ok": False, "error": f"Python Keras raised {msg}"})

        call.__name__ = fn.__name__
        return ri.rternalize(call)

    def install(self):
        """Source keras_bridge.R into a private R environment wired to these callbacks, answer
        keras::fn / tensorflow::fn from now on, and have library(tensorflow) answered by the
        bridge when the runner's library() shim is on the search path (the runner itself provides
        keras and reticulate with attach_keras / attach_reticulate)."""
        ri = _ri()
        env = ri.baseenv["new.env"](parent=ri.baseenv)
        callbacks = {n: self._wrap(getattr(self, n)) for n in self.CALLBACKS}
        # Keep the rternalized closures (and the Python functions behind them) alive as long as
        # the bridge: rpy2 holds only a cffi handle, which dangles once Python collects them.
        self._callbacks = callbacks
        env[".py"] = py2r(callbacks)
        ri.baseenv["sys.source"](ri.StrSexpVector([str(BRIDGE_R)]), envir=env)
        env[".py"] = py2r(callbacks)  # the file declares `.py <- NULL`; wire it after sourcing
        env["attach_namespaces"]()
        ri.baseenv["eval"](ri.parse(
            'if ("rpy2runner:shims" %in% search()) local({\n'
            '  rt <- environment(get("library", envir = as.environment("rpy2runner:shims")))\n'
            '  if (exists(".provide", envir = rt, inherits = FALSE)) rt$.provide("tensorflow", attach_tensorflow)\n'
            '})'), env)
        self.env = env
        return env


class _Shown:
    """A value shown in a recorded call by a description (an array's dtype and shape)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text
