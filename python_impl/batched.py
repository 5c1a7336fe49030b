"""Generic batched multi-seed trainer: S trainings of any small Keras `Sequential` model at once.

`python_impl.fast_trainer` trains the article's one architecture by hand. This module reads the
architecture and the `compile`/`fit` settings of a Keras model into a small pure-data **spec**,
builds one pure-JAX program from it (a forward function per layer type, `jax.value_and_grad`
for the backward pass, Keras-exact optimizer updates, `jax.vmap` over the seeds, `lax.fori_loop`
over epochs x batches, `jax.jit` once) and trains S seeds in one compiled call, on the CPU
chunked over threads, on accelerators pipelined and sharded over every visible device.

Public API
----------
``train_many(build_model, compile_kwargs=None, fit_kwargs=None, x_train, y_train, x_val=None,
y_val=None, seeds=1, *, x_test=None, y_test=None, init="random", shuffle="auto",
draws="numpy", fallback=False, ...) -> ManyResult``
    What a port's ``run_many(seeds)`` calls. `build_model` is a zero-argument callable that
    returns a Keras model (as the port or the R bridge builds it), a Keras model, or a
    `ModelSpec`. `compile_kwargs` / `fit_kwargs` are what the script passes to `compile` /
    `fit` (a compiled model's own settings are read when they are omitted; `fit`'s
    `validation_data` stands in for `x_val`/`y_val`). A model or setting outside the
    supported set raises `UnsupportedModel`, or with ``fallback=True`` warns and trains every
    seed with Keras `fit` instead (`keras_fit_many`), so a port's ``run_many`` always works.
``make_run_many(build_model, compile_kwargs, fit_kwargs, x_train, y_train, x_val, y_val,
x_test=None, y_test=None, min_batched=MIN_BATCHED_RUNS) -> run_many(seeds)``
    The case engine's ``python_many``: batched when more than a handful of seeds is asked for
    and the model is supported, Keras `fit` per seed otherwise.
``spec_from_model(model, compile_kwargs=None, fit_kwargs=None, input_shape=None) -> ModelSpec``
    The pure-data spec of a Keras model (needs Keras; everything else here does not).
``ModelSpec`` (+ the builders ``dense conv1d max_pooling1d flatten dropout activation adam sgd
rmsprop`` and ``article_spec()``)
    Constructible without Keras (the GPU machine has JAX but no TensorFlow/Keras);
    ``spec.to_dict()`` / ``ModelSpec.from_dict(d)`` round-trip through JSON.
``train_spec(spec, x_train, y_train, x_val=None, y_val=None, seeds=1, ...) -> ManyResult``
    `train_many` for a spec: no Keras import unless `init`/`shuffle` ask for Keras's draws.
``keras_fit_many(build_model, compile_kwargs, fit_kwargs, x_train, ..., seeds) -> ManyResult``
    The fallback and the reference: one seeded (`keras.utils.set_random_seed`) Keras `fit`
    per seed; `init=`/`shuffle=` can feed it given initial weights and batch orders.
``ManyResult``
    Per seed: ``histories`` (Keras's `History.history` keys -> (S, epochs) arrays;
    ``history(i)`` gives one seed's dict), ``predictions`` (S, n_test, *output_shape),
    ``test_probabilities`` ((S, n_test) for a one-unit output), ``test_loss`` and
    ``test_metrics`` (S,), ``weights`` (final, `get_weights()` order, leading S axis, only with
    ``return_weights=True``), ``seeds``, ``aucs(y_test)``.
``UnsupportedModel``
    A `ValueError` naming the layer or setting; its message says it falls back to Keras fit.

Supported: `Dense`, `Conv1D` (padding valid/same/causal, strides, dilation; channels_last),
`MaxPooling1D` (valid/same), `Flatten`, `Dropout` (per-seed masks), `Activation`; activations
linear/relu/sigmoid/tanh/softmax; losses binary / categorical / sparse categorical
cross-entropy (from probabilities or logits, reduction "sum_over_batch_size"); metrics
"accuracy"/"acc" (resolved as Keras does) and binary/categorical/sparse_categorical_accuracy;
`Adam` (amsgrad too), `SGD` (momentum, nesterov), `RMSprop` (momentum, centered) with Keras's
defaults and update order; `fit`'s `epochs`, `batch_size` (a short last batch as Keras has it),
`shuffle`, `validation_data`, `validation_split`; initializers glorot/he/lecun uniform/normal,
random_uniform/normal, truncated_normal, zeros, ones, constant. Anything else (regularizers,
constraints, callbacks, sample/class weights, schedules, clipping, weight decay, other layers,
non-float32 policies...) is refused by name.

The maths is Keras 3's `fit` on the TensorFlow backend (design.md "Keras fit, in detail"):
a sigmoid/softmax output feeds the cross-entropy its *logits* (Keras's TF backend recovers them
from the activation, so there is no 1e-7 clipping then), the epoch's "loss" and metrics are
running means over the epoch's batches of values computed in each train step on that step's
own predictions (dropout active), val_* evaluate after the epoch with dropout off, Adam's
epsilon is added to sqrt(v) (RMSprop's inside the sqrt), max-pooling gradients go to the first
maximum (TF's MaxPoolGrad). Fed the same initial weights and batch order, it matches Keras `fit`
to float32 tolerance (tests/test_batched.py: 1e-4 relative after 3-10 epochs).

Random draws: `init="random"` draws each layer's initializer per seed and `shuffle="per_epoch"`
/ `"fixed"` the row orders per seed, from NumPy (`draws="numpy"`: the streams of
`fast_trainer.glorot_weights`/`shuffle_permutations`, so on the article's model the two
trainers draw identical inputs) or inside the compiled program (`draws="device"`,
`jax.random`: only the seeds cross to the device, the GPU path). Dropout masks always come
from `jax.random`, keyed by (seed, step, layer). A seed's training never depends on the other
seeds in the batch. `init="keras"` / `shuffle="keras"` use Keras's own draws for each seed
(`get_weights()` after `set_random_seed(seed)`; `fast_trainer.keras_batch_order`; slow, need
Keras). Keras's dropout masks are not reproduced.
"""
from __future__ import annotations

import copy
import json
import math
import time
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

import numpy as np

# --------------------------------------------------------------------------- errors


class UnsupportedModel(ValueError):
    """The model or a setting is outside what the batched trainer reproduces exactly."""

    def __init__(self, what: str):
        self.what = what
        super().__init__(
            f"python_impl.batched does not support {what}; falls back to Keras fit "
            "(train_many(..., fallback=True) or keras_fit_many)")


# --------------------------------------------------------------------------- spec

ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax")
LOSSES = ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy")
METRICS = ("binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy")
INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
                "lecun_normal", "random_uniform", "random_normal", "truncated_normal", "zeros",
                "ones", "constant")
#: Keras 3 defaults of the supported optimizers (keras.optimizers.*.__init__).
OPTIMIZER_DEFAULTS: dict[str, dict[str, Any]] = {
    "adam": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
             "amsgrad": False},
    "sgd": {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
    "rmsprop": {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7,
                "centered": False},
}
KERAS_EPSILON = 1e-7  # keras.backend.epsilon(): the probability clipping of the CE losses
#: Above this many seeds `make_run_many` trains batched (a handful goes through Keras fit).
MIN_BATCHED_RUNS = 5

_LAYER_DEFAULTS: dict[str, dict[str, Any]] = {
    "dense": {"units": None, "activation": "linear", "use_bias": True,
              "kernel_initializer": "glorot_uniform", "bias_initializer": "zeros"},
    "conv1d": {"filters": None, "kernel_size": None, "strides": 1, "padding": "valid",
               "dilation_rate": 1, "activation": "linear", "use_bias": True,
               "kernel_initializer": "glorot_uniform", "bias_initializer": "zeros"},
    "max_pooling1d": {"pool_size": 2, "strides": None, "padding": "valid"},
    "flatten": {},
    "dropout": {"rate": None},
    "activation": {"activation": None},
}


def _norm_init(init) -> dict:
    """'glorot_uniform' | {'name':..., **params} | Keras's serialized {'class_name', 'config'}
    -> {'name': snake_name, **params} with Keras's defaults filled in."""
    if isinstance(init, str):
        d = {"name": init}
    elif isinstance(init, dict) and "class_name" in init:
        d = {"name": _snake(init["class_name"]), **dict(init.get("config") or {})}
    elif isinstance(init, dict):
        d = dict(init)
    else:
        raise UnsupportedModel(f"initializer {init!r}")
    name = d["name"]
    if name not in INITIALIZERS:
        raise UnsupportedModel(f"initializer {name!r} (supported: {', '.join(INITIALIZERS)})")
    defaults = {"random_uniform": {"minval": -0.05, "maxval": 0.05},
                "random_normal": {"mean": 0.0, "stddev": 0.05},
                "truncated_normal": {"mean": 0.0, "stddev": 0.05},
                "constant": {"value": 0.0}}.get(name, {})
    out = {"name": name, **defaults}
    for k, v in d.items():
        if k in ("name",) or v is None:
            continue
        if k == "seed":
            out["seed"] = int(v)
        elif k in ("input_axes", "output_axes"):
            raise UnsupportedModel(f"initializer {name} with {k}={v!r}")
        elif k in ("minval", "maxval", "mean", "stddev", "value"):
            out[k] = float(v)
        else:
            raise UnsupportedModel(f"initializer {name} option {k}={v!r}")
    return out


def _snake(class_name: str) -> str:
    out = []
    for i, c in enumerate(class_name):
        if c.isupper() and i and not class_name[i - 1].isupper():
            out.append("_")
        out.append(c.lower())
    s = "".join(out)
    return {"max_pooling1_d": "max_pooling1d", "conv1_d": "conv1d", "r_m_sprop": "rmsprop",
            "rm_sprop": "rmsprop", "s_g_d": "sgd"}.get(s, s)


def _one(v, what: str) -> int:
    if isinstance(v, (list, tuple)):
        if len(v) != 1:
            raise UnsupportedModel(f"{what}={v!r}")
        v = v[0]
    return int(v)


@dataclass
class LayerSpec:
    """One layer: `kind` is dense | conv1d | max_pooling1d | flatten | dropout | activation;
    `config` its settings (Keras's names), defaults filled in by `normalized()`."""

    kind: str
    config: dict = field(default_factory=dict)
    name: str = ""

    def normalized(self) -> "LayerSpec":
        if self.kind not in _LAYER_DEFAULTS:
            raise UnsupportedModel(f"layer kind {self.kind!r} (supported: "
                                   f"{', '.join(_LAYER_DEFAULTS)})")
        cfg = {**_LAYER_DEFAULTS[self.kind], **{k: v for k, v in self.config.items()
                                                 if v is not None or k == "strides"}}
        unknown = set(cfg) - set(_LAYER_DEFAULTS[self.kind])
        if unknown:
            raise UnsupportedModel(f"{self.kind} option(s) {sorted(unknown)}")
        if "activation" in cfg:
            a = cfg["activation"]
            a = "linear" if a is None and self.kind != "activation" else a
            if a not in ACTIVATIONS:
                raise UnsupportedModel(f"activation {a!r} in {self.kind} "
                                       f"(supported: {', '.join(ACTIVATIONS)})")
            cfg["activation"] = a
        for k in ("kernel_initializer", "bias_initializer"):
            if k in cfg:
                cfg[k] = _norm_init(cfg[k])
        if self.kind == "dense":
            cfg["units"] = int(cfg["units"])
            cfg["use_bias"] = bool(cfg["use_bias"])
        elif self.kind == "conv1d":
            cfg["filters"] = int(cfg["filters"])
            cfg["kernel_size"] = _one(cfg["kernel_size"], "conv1d kernel_size")
            cfg["strides"] = _one(cfg["strides"], "conv1d strides")
            cfg["dilation_rate"] = _one(cfg["dilation_rate"], "conv1d dilation_rate")
            cfg["use_bias"] = bool(cfg["use_bias"])
            if str(cfg["padding"]).lower() not in ("valid", "same", "causal"):
                raise UnsupportedModel(f"conv1d padding {cfg['padding']!r}")
            cfg["padding"] = str(cfg["padding"]).lower()
            if cfg["strides"] > 1 and cfg["dilation_rate"] > 1:
                raise UnsupportedModel("conv1d with both strides > 1 and dilation_rate > 1")
        elif self.kind == "max_pooling1d":
            cfg["pool_size"] = _one(cfg["pool_size"], "max_pooling1d pool_size")
            s = cfg["strides"]
            cfg["strides"] = cfg["pool_size"] if s is None else _one(s, "max_pooling1d strides")
            if str(cfg["padding"]).lower() not in ("valid", "same"):
                raise UnsupportedModel(f"max_pooling1d padding {cfg['padding']!r}")
            cfg["padding"] = str(cfg["padding"]).lower()
        elif self.kind == "dropout":
            r = float(cfg["rate"])
            if not 0.0 <= r < 1.0:
                raise UnsupportedModel(f"dropout rate {r}")
            cfg["rate"] = r
        return LayerSpec(self.kind, cfg, self.name)


def dense(units: int, activation: str | None = None, use_bias: bool = True,
          kernel_initializer="glorot_uniform", bias_initializer="zeros", name: str = "") -> LayerSpec:
    return LayerSpec("dense", dict(units=units, activation=activation or "linear",
                                   use_bias=use_bias, kernel_initializer=kernel_initializer,
                                   bias_initializer=bias_initializer), name).normalized()


def conv1d(filters: int, kernel_size: int, activation: str | None = None, strides: int = 1,
           padding: str = "valid", dilation_rate: int = 1, use_bias: bool = True,
           kernel_initializer="glorot_uniform", bias_initializer="zeros", name: str = "") -> LayerSpec:
    return LayerSpec("conv1d", dict(filters=filters, kernel_size=kernel_size,
                                    activation=activation or "linear", strides=strides,
                                    padding=padding, dilation_rate=dilation_rate,
                                    use_bias=use_bias, kernel_initializer=kernel_initializer,
                                    bias_initializer=bias_initializer), name).normalized()


def max_pooling1d(pool_size: int = 2, strides: int | None = None, padding: str = "valid",
                  name: str = "") -> LayerSpec:
    return LayerSpec("max_pooling1d", dict(pool_size=pool_size, strides=strides,
                                           padding=padding), name).normalized()


def flatten(name: str = "") -> LayerSpec:
    return LayerSpec("flatten", {}, name)


def dropout(rate: float, name: str = "") -> LayerSpec:
    return LayerSpec("dropout", {"rate": rate}, name).normalized()


def activation(name_of_activation: str, name: str = "") -> LayerSpec:
    return LayerSpec("activation", {"activation": name_of_activation}, name).normalized()


@dataclass
class OptimizerSpec:
    """`name` adam | sgd | rmsprop, `config` its hyper-parameters (Keras names and defaults)."""

    name: str = "adam"
    config: dict = field(default_factory=dict)

    def normalized(self) -> "OptimizerSpec":
        name = _snake(self.name).replace("_", "")
        if name not in OPTIMIZER_DEFAULTS:
            raise UnsupportedModel(f"optimizer {self.name!r} (supported: adam, sgd, rmsprop)")
        cfg = dict(OPTIMIZER_DEFAULTS[name])
        for k, v in self.config.items():
            if k not in cfg:
                raise UnsupportedModel(f"{name} option {k}={v!r}")
            cfg[k] = v
        for k, v in cfg.items():
            cfg[k] = bool(v) if isinstance(OPTIMIZER_DEFAULTS[name][k], bool) else float(v)
        # Keras keeps the learning rate in a float32 variable (get_config() reports 0.0010000000474974513);
        # the other hyper-parameters stay Python floats until use (`1 - beta_1` in float64 first)
        cfg["learning_rate"] = float(np.float32(cfg["learning_rate"]))
        return OptimizerSpec(name, cfg)


def adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    return OptimizerSpec("adam", dict(learning_rate=learning_rate, beta_1=beta_1,
                                      beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad)).normalized()


def sgd(learning_rate=0.01, momentum=0.0, nesterov=False):
    return OptimizerSpec("sgd", dict(learning_rate=learning_rate, momentum=momentum,
                                     nesterov=nesterov)).normalized()


def rmsprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    return OptimizerSpec("rmsprop", dict(learning_rate=learning_rate, rho=rho,
                                         momentum=momentum, epsilon=epsilon,
                                         centered=centered)).normalized()


@dataclass
class ModelSpec:
    """Architecture + `compile` + `fit` settings of a Sequential model, as pure data.

    `input_shape` excludes the batch axis. `epochs` defaults to 1 and `batch_size` to 32, as
    in Keras's `fit`. `metrics` holds the names as given to `compile` ("accuracy" stays
    "accuracy": that is the history key Keras uses)."""

    input_shape: tuple
    layers: tuple
    loss: str = "binary_crossentropy"
    from_logits: bool = False
    optimizer: OptimizerSpec = field(default_factory=lambda: adam())
    metrics: tuple = ()
    epochs: int = 1
    batch_size: int = 32
    shuffle: bool = True
    validation_split: float = 0.0

    def __post_init__(self):
        self.input_shape = tuple(int(d) for d in self.input_shape)
        self.layers = tuple(l if isinstance(l, LayerSpec) else LayerSpec(**l) for l in self.layers)
        self.layers = tuple(l.normalized() for l in self.layers)
        if isinstance(self.optimizer, str):
            self.optimizer = OptimizerSpec(self.optimizer)
        elif isinstance(self.optimizer, dict):
            self.optimizer = OptimizerSpec(**self.optimizer)
        self.optimizer = self.optimizer.normalized()
        self.loss = _norm_loss(self.loss)
        self.metrics = tuple(str(m) for m in self.metrics)
        self.epochs, self.batch_size = int(self.epochs), int(self.batch_size)
        self.from_logits, self.shuffle = bool(self.from_logits), bool(self.shuffle)
        self.validation_split = float(self.validation_split)
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(f"epochs={self.epochs}, batch_size={self.batch_size}: must be >= 1")
        if not self.layers:
            raise UnsupportedModel("a model without layers")
        out = self.shapes()[-1]  # validates the chain of shapes
        if len(out) != 1:
            raise UnsupportedModel(f"an output of shape {(None, *out)} (one vector per row "
                                   "only: add a Flatten before the last Dense)")
        for m in self.metrics:
            self.metric_kind(m)

    # ----- derived facts
    def shapes(self) -> list[tuple]:
        """Output shape (without batch axis) of every layer."""
        shape, out = self.input_shape, []
        for l in self.layers:
            shape = _out_shape(l, shape)
            out.append(shape)
        return out

    @property
    def output_shape(self) -> tuple:
        return self.shapes()[-1]

    def weight_specs(self) -> list[dict]:
        """One entry per weight array in Keras's `get_weights()` order: layer index, role
        (kernel/bias), shape, initializer and Keras's fans."""
        out, shape = [], self.input_shape
        for i, l in enumerate(self.layers):
            c = l.config
            if l.kind == "dense":
                ks = (shape[-1], c["units"])
                out.append(dict(layer=i, role="kernel", shape=ks, init=c["kernel_initializer"],
                                fans=_fans(ks)))
                if c["use_bias"]:
                    out.append(dict(layer=i, role="bias", shape=(c["units"],),
                                    init=c["bias_initializer"], fans=_fans((c["units"],))))
            elif l.kind == "conv1d":
                ks = (c["kernel_size"], shape[-1], c["filters"])
                out.append(dict(layer=i, role="kernel", shape=ks, init=c["kernel_initializer"],
                                fans=_fans(ks)))
                if c["use_bias"]:
                    out.append(dict(layer=i, role="bias", shape=(c["filters"],),
                                    init=c["bias_initializer"], fans=_fans((c["filters"],))))
            shape = _out_shape(l, shape)
        return out

    @property
    def n_params(self) -> int:
        return int(sum(int(np.prod(w["shape"])) for w in self.weight_specs()))

    def metric_kind(self, name: str) -> str:
        """The Keras metric a `compile(metrics=[name])` entry becomes for this model."""
        n = name.lower()
        if n in ("accuracy", "acc"):
            if self.output_shape[-1] == 1:
                return "binary_accuracy"
            return ("sparse_categorical_accuracy" if self.loss == "sparse_categorical_crossentropy"
                    else "categorical_accuracy")
        if n in METRICS:
            return n
        raise UnsupportedModel(f"metric {name!r} (supported: accuracy, acc, {', '.join(METRICS)})")

    def history_keys(self, validation: bool = True) -> list[str]:
        keys = ["loss", *self.metrics]
        return keys + ([f"val_{k}" for k in keys] if validation else [])

    def final_activation(self) -> str:
        last = self.layers[-1]
        return last.config.get("activation", "linear") if last.kind in (
            "dense", "conv1d", "activation") else "linear"

    # ----- (de)serialisation
    def to_dict(self) -> dict:
        return {"input_shape": list(self.input_shape),
                "layers": [{"kind": l.kind, "config": copy.deepcopy(l.config), "name": l.name}
                           for l in self.layers],
                "loss": self.loss, "from_logits": self.from_logits,
                "optimizer": {"name": self.optimizer.name, "config": dict(self.optimizer.config)},
                "metrics": list(self.metrics), "epochs": self.epochs,
                "batch_size": self.batch_size, "shuffle": self.shuffle,
                "validation_split": self.validation_split}

    @classmethod
    def from_dict(cls, d: dict) -> "ModelSpec":
        d = dict(d)
        d["layers"] = [LayerSpec(l["kind"], dict(l.get("config") or {}), l.get("name", ""))
                       for l in d["layers"]]
        o = d.get("optimizer", "adam")
        d["optimizer"] = OptimizerSpec(o) if isinstance(o, str) else OptimizerSpec(
            o["name"], dict(o.get("config") or {}))
        return cls(**d)

    def key(self) -> str:
        """A canonical JSON string: equal specs give equal keys (compiled programs are cached
        by it; names of layers are left out)."""
        d = self.to_dict()
        for l in d["layers"]:
            l.pop("name", None)
        return json.dumps(d, sort_keys=True)

    def replace(self, **kw) -> "ModelSpec":
        return replace(self, **kw)

    def summary(self) -> list[dict]:
        rows, ws = [], self.weight_specs()
        for i, (l, shp) in enumerate(zip(self.layers, self.shapes())):
            rows.append({"kind": l.kind, "output_shape": [None, *shp],
                         "params": int(sum(int(np.prod(w["shape"])) for w in ws if w["layer"] == i))})
        return rows


def _norm_loss(loss) -> str:
    name = _snake(str(loss)) if not str(loss).islower() else str(loss)
    name = {"bce": "binary_crossentropy", "binary_cross_entropy": "binary_crossentropy",
            "categorical_cross_entropy": "categorical_crossentropy",
            "sparse_categorical_cross_entropy": "sparse_categorical_crossentropy"}.get(name, name)
    if name not in LOSSES:
        raise UnsupportedModel(f"loss {loss!r} (supported: {', '.join(LOSSES)})")
    return name


def _fans(shape) -> tuple[float, float]:
    """keras.src.initializers.random_initializers.compute_fans."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    rf = float(np.prod(shape[:-2]))
    return shape[-2] * rf, shape[-1] * rf


def _conv_geometry(length: int, k: int, s: int, d: int, padding: str) -> tuple[int, int, int]:
    """(output length, left pad, right pad) as TF computes them."""
    keff = d * (k - 1) + 1
    if padding == "valid":
        lout = (length - keff) // s + 1
        return lout, 0, 0
    if padding == "causal":
        return (length + keff - 1 - keff) // s + 1, keff - 1, 0
    lout = -(-length // s)
    total = max((lout - 1) * s + keff - length, 0)
    return lout, total // 2, total - total // 2


def _out_shape(l: LayerSpec, shape: tuple) -> tuple:
    c = l.config
    if l.kind == "dense":
        if len(shape) < 1:
            raise UnsupportedModel("dense on a scalar input")
        return shape[:-1] + (c["units"],)
    if l.kind in ("conv1d", "max_pooling1d"):
        if len(shape) != 2:
            raise UnsupportedModel(f"{l.kind} on an input of shape {(None, *shape)} "
                                   "(expected (batch, steps, channels))")
        k = c["kernel_size"] if l.kind == "conv1d" else c["pool_size"]
        d = c.get("dilation_rate", 1)
        lout, _, _ = _conv_geometry(shape[0], k, c["strides"], d, c["padding"])
        if lout <= 0:
            raise UnsupportedModel(f"{l.kind} leaves no output steps on {shape}")
        return (lout, c["filters"] if l.kind == "conv1d" else shape[1])
    if l.kind == "flatten":
        return (int(np.prod(shape)),)
    return shape


def article_spec(epochs: int = 10, batch_size: int = 32) -> ModelSpec:
    """The article's model without Keras: conv1d(32,3,relu) on (8,1) -> maxpool(2) -> flatten
    -> dense(64,relu) -> dense(1,sigmoid); adam, binary_crossentropy, accuracy; 10 epochs of 32."""
    return ModelSpec(input_shape=(8, 1),
                     layers=(conv1d(32, 3, "relu"), max_pooling1d(2), flatten(),
                             dense(64, "relu"), dense(1, "sigmoid")),
                     loss="binary_crossentropy", optimizer=adam(), metrics=("accuracy",),
                     epochs=epochs, batch_size=batch_size)


# --------------------------------------------------------------------------- results


@dataclass
class ManyResult:
    """S trainings of one spec. Arrays carry a leading seed axis."""

    seeds: np.ndarray
    histories: dict  # Keras history key -> (S, epochs)
    predictions: np.ndarray | None  # (S, n_test, *output_shape)
    test_loss: np.ndarray | None  # (S,)
    test_metrics: dict  # metric name -> (S,)
    weights: list | None  # final weights, get_weights() order, (S, ...) each
    spec: ModelSpec | None = None
    trainer: str = "generic"  # "generic" (this module) or "keras_fit" (the fallback)
    seconds: float = float("nan")  # the compiled training calls (or the Keras fits)
    prepare_seconds: float = float("nan")
    extra: dict = field(default_factory=dict)

    @property
    def n_seeds(self) -> int:
        return int(len(self.seeds))

    def history(self, i: int) -> dict[str, list[float]]:
        """The i-th training's history, shaped as Keras's `History.history`."""
        return {k: [float(v) for v in a[i]] for k, a in self.histories.items()}

    @property
    def test_probabilities(self) -> np.ndarray | None:
        """(S, n_test) for a one-unit output; the predictions as they are otherwise."""
        p = self.predictions
        if p is not None and p.ndim == 3 and p.shape[-1] == 1:
            return p[..., 0]
        return p

    @property
    def test_accuracy(self) -> np.ndarray | None:
        for k in ("accuracy", "acc", *METRICS):
            if k in self.test_metrics:
                return self.test_metrics[k]
        return None

    def __getattr__(self, name):  # res.loss, res.val_accuracy, ... as on fast_trainer.BatchResult
        h = self.__dict__.get("histories") or {}
        if name in h:
            return h[name]
        raise AttributeError(name)

    def aucs(self, y_test) -> np.ndarray:
        """Per-seed ROC AUC (ties 1/2; pROC's for direction "<") of a one-unit output."""
        from python_impl.fast_trainer import auc_per_row

        p = self.test_probabilities
        if p is None or p.ndim != 2:
            raise ValueError("aucs() needs one-unit test predictions")
        return auc_per_row(p, np.asarray(y_test).reshape(-1))


# --------------------------------------------------------------------------- inputs


def _as_seeds(seeds) -> np.ndarray:
    if isinstance(seeds, (int, np.integer)):
        seeds = range(int(seeds))
    s = np.asarray(list(seeds), dtype=np.int64).reshape(-1)
    if (s < 0).any():
        raise ValueError("seeds must be non-negative integers")
    return s


def _draw_numpy(rng, init: dict, shape, fans) -> np.ndarray:
    """One initializer draw from a NumPy generator (Keras's formulas, NumPy's bits)."""
    name = init["name"]
    fi, fo = fans
    if name == "zeros":
        return np.zeros(shape, np.float32)
    if name == "ones":
        return np.ones(shape, np.float32)
    if name == "constant":
        return np.full(shape, init["value"], np.float32)
    if name == "random_uniform":
        return rng.uniform(init["minval"], init["maxval"], size=shape).astype(np.float32)
    if name == "random_normal":
        return (rng.normal(size=shape) * init["stddev"] + init["mean"]).astype(np.float32)
    if name == "truncated_normal":
        return (_trunc_normal(rng, shape) * init["stddev"] + init["mean"]).astype(np.float32)
    if name == "glorot_uniform":  # = fast_trainer.glorot_weights, bit for bit
        lim = np.sqrt(6.0 / (fi + fo))
        return rng.uniform(-lim, lim, size=shape).astype(np.float32)
    scale, fan = _variance_scaling(name, fi, fo)
    if name.endswith("_uniform"):
        lim = math.sqrt(3.0 * scale / fan)
        return rng.uniform(-lim, lim, size=shape).astype(np.float32)
    sd = math.sqrt(scale / fan) / 0.87962566103423978  # Keras: truncated normal at 2 sd
    return (_trunc_normal(rng, shape) * sd).astype(np.float32)


def _variance_scaling(name: str, fi: float, fo: float) -> tuple[float, float]:
    if name.startswith("glorot"):
        return 1.0, max(1.0, (fi + fo) / 2.0)
    if name.startswith("he"):
        return 2.0, max(1.0, fi)
    return 1.0, max(1.0, fi)  # lecun


def _trunc_normal(rng, shape) -> np.ndarray:
    """Standard normal truncated to [-2, 2] (redraw outside), as Keras's TruncatedNormal."""
    x = rng.normal(size=shape)
    bad = np.abs(x) > 2.0
    while bad.any():
        x[bad] = rng.normal(size=int(bad.sum()))
        bad = np.abs(x) > 2.0
    return x


def numpy_initial_weights(spec: ModelSpec, seeds) -> list[np.ndarray]:
    """Each seed's initial weights from its own NumPy generator (`default_rng([seed, 0x1A17])`,
    the stream of `fast_trainer.glorot_weights`), every layer's initializer in Keras's
    `get_weights()` order; float32 arrays with a leading seed axis. On the article's model
    this IS `fast_trainer.glorot_weights(seeds)`."""
    seeds = _as_seeds(seeds)
    ws = spec.weight_specs()
    _refuse_seeded_initializers(spec)
    out = [np.empty((len(seeds),) + tuple(w["shape"]), np.float32) for w in ws]
    for i, s in enumerate(seeds):
        rng = np.random.default_rng([int(s), 0x1A17])
        for j, w in enumerate(ws):
            out[j][i] = _draw_numpy(rng, w["init"], tuple(w["shape"]), w["fans"])
    return out


def _refuse_seeded_initializers(spec: ModelSpec) -> None:
    for w in spec.weight_specs():
        if "seed" in w["init"] and w["init"]["name"] not in ("zeros", "ones", "constant"):
            raise UnsupportedModel(
                f"an initializer with a fixed seed ({w['init']['name']}, seed "
                f"{w['init']['seed']}, layer {w['layer']}) with init='random': every Keras run "
                "would start from the same weights; use init='keras'")


def _as_weight_arrays(spec: ModelSpec, w, n_seeds: int) -> list[np.ndarray]:
    """Explicit initial weights: a `get_weights()` list (unbatched, shared by every seed), a
    list of (S, ...) arrays, or a list of per-seed `get_weights()` lists."""
    ws = spec.weight_specs()
    w = list(w)
    if w and isinstance(w[0], (list, tuple)) and len(w) == n_seeds and len(w[0]) == len(ws):
        w = [np.stack([np.asarray(p[j], np.float32) for p in w]) for j in range(len(ws))]
    if len(w) != len(ws):
        raise ValueError(f"init: expected {len(ws)} weight arrays, got {len(w)}")
    out = []
    for a, spec_w in zip(w, ws):
        a = np.asarray(a, np.float32)
        shp = tuple(spec_w["shape"])
        if a.shape == shp:
            a = np.broadcast_to(a, (n_seeds,) + shp)
        if a.shape != (n_seeds,) + shp:
            raise ValueError(f"init: layer {spec_w['layer']} {spec_w['role']} has shape "
                             f"{a.shape}, expected {(n_seeds,) + shp} or {shp}")
        out.append(a)
    return out


def _as_orders(p, n_seeds: int, n: int, epochs: int) -> np.ndarray:
    """Explicit row orders -> (S, epochs, n) int32 (validated by fast_trainer.check_orders)."""
    from python_impl.fast_trainer import check_orders

    p = check_orders(p, n_seeds, n, epochs)
    return np.broadcast_to(p.astype(np.int32), (n_seeds, epochs, n))


def _input_array(spec: ModelSpec, x, what: str) -> np.ndarray:
    """float32 and Keras's `_adjust_input_rank`: (n, 8) feeds an (8, 1) input."""
    x = np.ascontiguousarray(np.asarray(x, dtype=np.float32))
    want = spec.input_shape
    if x.shape[1:] == want:
        return x
    if x.ndim == len(want) and want[-1] == 1 and x.shape[1:] == want[:-1]:
        return x[..., None]
    if x.ndim == len(want) + 2 and x.shape[-1] == 1 and x.shape[1:-1] == want:
        return x[..., 0]
    raise ValueError(f"{what}: shape {x.shape} does not fit the model's input {(None, *want)}")


def _label_array(spec: ModelSpec, y, n: int, what: str) -> np.ndarray:
    y = np.asarray(y)
    if y.shape[0] != n:
        raise ValueError(f"{what}: {y.shape[0]} rows, expected {n}")
    out = spec.output_shape
    if spec.loss == "sparse_categorical_crossentropy":
        y = y.reshape(n, *out[:-1]) if y.size == n * int(np.prod(out[:-1])) else y
        if y.shape[1:] != out[:-1]:
            raise ValueError(f"{what}: shape {y.shape}, expected integer labels {(n, *out[:-1])}")
        return np.ascontiguousarray(y.astype(np.int32))
    if y.size == n * int(np.prod(out)):
        return np.ascontiguousarray(y.astype(np.float32).reshape(n, *out))
    raise ValueError(f"{what}: shape {y.shape} does not fit the model's output {(None, *out)}")


@dataclass
class _Data:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    x_test: np.ndarray | None
    y_test: np.ndarray | None


def _prepare_data(spec, x_train, y_train, x_val, y_val, x_test, y_test) -> _Data:
    xtr = _input_array(spec, x_train, "x_train")
    ytr = _label_array(spec, y_train, len(xtr), "y_train")
    if x_val is None and spec.validation_split:
        split_at = int(math.floor(len(xtr) * (1.0 - spec.validation_split)))
        if split_at in (0, len(xtr)):
            raise ValueError(f"validation_split={spec.validation_split} leaves no rows on a side")
        xtr, x_val, ytr, y_val = xtr[:split_at], xtr[split_at:], ytr[:split_at], ytr[split_at:]
    if (x_val is None) != (y_val is None):
        raise ValueError("give both x_val and y_val, or neither")
    xva = yva = xte = yte = None
    if x_val is not None:
        xva = _input_array(spec, x_val, "x_val")
        yva = _label_array(spec, y_val, len(xva), "y_val")
    if x_test is not None:
        xte = _input_array(spec, x_test, "x_test")
        if y_test is not None:
            yte = _label_array(spec, y_test, len(xte), "y_test")
    return _Data(xtr, ytr, xva, yva, xte, yte)


# --------------------------------------------------------------------------- training


def train_spec(spec: ModelSpec, x_train, y_train, x_val=None, y_val=None,
               seeds: Sequence[int] | int = 1, *, x_test=None, y_test=None,
               init: Any = "random", shuffle: Any = "auto", draws: str = "numpy",
               keras_builder: Callable | None = None, chunk: int | str | None = "auto",
               threads: int | None = None, devices=None, return_weights: bool = False,
               pipeline_depth: int = 2, executor: str = "auto") -> ManyResult:
    """Train `spec` once per seed, all seeds in one compiled program (per chunk).

    seeds: ints >= 0, or an int S meaning 0..S-1.
    init: "random" (each layer's initializer, per seed, drawn as `draws` says), "keras"
      (Keras's own initial weights for each seed: needs `keras_builder`, slow), or explicit
      weights (a `get_weights()` list shared by all seeds, a list of (S, ...) arrays, or S
      per-seed lists).
    shuffle: "auto" ("per_epoch" when the spec shuffles, else "none"), "per_epoch" (a new
      order every epoch: Keras unseeded), "fixed" (one order per seed for every epoch: Keras
      after `set_random_seed`), "keras" (Keras's exact order for each seed), "none", or
      explicit orders (n,), (epochs, n) or (S, epochs, n).
    draws: "numpy" (NumPy per seed, host side) or "device" (`jax.random` inside the program).
    chunk/threads: on a CPU the seeds run in chunks of `chunk` (auto: 16) on `threads` Python
      threads; on accelerators in chunks of `chunk` (auto: up to 65536 per device) pipelined
      (the next chunk is prepared and sent while one computes) and sharded over `devices`
      (default: every device of JAX's default backend). Chunking changes no result.
    devices: the JAX devices to shard the seed axis over (default: all of the default
      backend); executor: "auto", "threads" or "pipelined" (see `batched_jax.run`).
    return_weights: keep the final weights (S x n_params floats; off by default so memory
      stays proportional to histories + predictions).
    """
    from python_impl import batched_jax

    t0 = time.perf_counter()
    seeds = _as_seeds(seeds)
    data = _prepare_data(spec, x_train, y_train, x_val, y_val, x_test, y_test)
    n = len(data.x_train)
    if isinstance(shuffle, str) and shuffle == "auto":
        shuffle = "per_epoch" if spec.shuffle else "none"
    if draws not in ("numpy", "device"):
        raise ValueError(f"draws {draws!r}: expected 'numpy' or 'device'")

    # per-chunk input makers: only the chunk's inputs are ever in memory
    if isinstance(init, str):
        if init == "random":
            _refuse_seeded_initializers(spec)
            init_src = "device" if draws == "device" else (lambda s, lo, hi: numpy_initial_weights(spec, s))
        elif init == "keras":
            if keras_builder is None:
                raise ValueError("init='keras' needs the Keras model builder (train_many passes it)")
            from python_impl.batched_keras import keras_initial_weights

            init_src = _keras_locked(lambda s, lo, hi: _as_weight_arrays(
                spec, [keras_initial_weights(keras_builder, int(x)) for x in s], len(s)))
        else:
            raise ValueError(f"init {init!r}: expected 'random', 'keras' or weight arrays")
    else:
        full = _as_weight_arrays(spec, init, len(seeds))
        init_src = lambda s, lo, hi: [a[lo:hi] for a in full]  # noqa: E731

    if isinstance(shuffle, str):
        if shuffle == "none":
            order_src = "none"
        elif shuffle in ("per_epoch", "fixed"):
            if draws == "device":
                order_src = "device_" + shuffle
            else:
                from python_impl.fast_trainer import shuffle_permutations

                mode = shuffle
                order_src = lambda s, lo, hi: shuffle_permutations(s, n, spec.epochs, mode)  # noqa: E731
        elif shuffle == "keras":
            from python_impl.fast_trainer import keras_batch_order

            order_src = _keras_locked(lambda s, lo, hi: np.stack(
                [keras_batch_order(int(x), n, spec.epochs, spec.batch_size) for x in s]))
        else:
            raise ValueError(f"shuffle {shuffle!r}: expected 'auto', 'per_epoch', 'fixed', "
                             "'keras', 'none' or explicit orders")
    else:
        orders = _as_orders(shuffle, len(seeds), n, spec.epochs)
        order_src = lambda s, lo, hi: orders[lo:hi]  # noqa: E731

    t1 = time.perf_counter()
    out, info = batched_jax.run(spec, data, seeds, init_src, order_src, chunk=chunk,
                                threads=threads, devices=devices,
                                return_weights=return_weights, pipeline_depth=pipeline_depth,
                                executor=executor)
    t2 = time.perf_counter()
    keys = spec.history_keys(validation=data.x_val is not None)
    hist = {k: out["history"][:, :, j] for j, k in enumerate(keys)}
    test_metrics, test_loss = {}, None
    if data.x_test is not None and data.y_test is not None:
        test_loss = out["test"][:, 0]
        test_metrics = {m: out["test"][:, 1 + j] for j, m in enumerate(spec.metrics)}
    return ManyResult(
        seeds=seeds, histories=hist, predictions=out.get("predictions"), test_loss=test_loss,
        test_metrics=test_metrics, weights=out.get("weights"), spec=spec, trainer="generic",
        seconds=t2 - t1, prepare_seconds=t1 - t0, extra=info)


def _keras_locked(f):
    """Keras's draws re-seed process-global state: one chunk thread at a time."""
    from python_impl.fast_trainer import KERAS_DRAW_LOCK

    def g(*a):
        with KERAS_DRAW_LOCK:
            return f(*a)
    return g


def train_many(build_model, compile_kwargs: dict | None = None, fit_kwargs: dict | None = None,
               x_train=None, y_train=None, x_val=None, y_val=None,
               seeds: Sequence[int] | int = 1, *, x_test=None, y_test=None,
               init: Any = "random", shuffle: Any = "auto", draws: str = "numpy",
               fallback: bool = False, **run_kw) -> ManyResult:
    """S trainings of a Keras model's procedure, batched (see the module docstring).

    build_model: a zero-argument callable returning the Keras model (needed for
      init="keras" and for the Keras fallback), a Keras model, or a `ModelSpec`.
    compile_kwargs / fit_kwargs: `compile(...)` / `fit(...)` keyword arguments (optimizer, loss,
      metrics / epochs, batch_size, shuffle, validation_data, validation_split, ...); a
      compiled model's own settings are used for what is not given.
    fallback: on `UnsupportedModel`, warn and train every seed with Keras `fit`
      (`keras_fit_many`) instead of raising.
    Other keywords: as `train_spec` (chunk, threads, devices, return_weights).
    """
    fit_kwargs = dict(fit_kwargs or {})
    if x_val is None and fit_kwargs.get("validation_data") is not None:
        vd = fit_kwargs["validation_data"]
        if len(vd) != 2:
            raise UnsupportedModel("validation_data with sample weights")
        x_val, y_val = vd
    builder = build_model if callable(build_model) and not _is_keras_model(build_model) else None
    try:
        if isinstance(build_model, ModelSpec):
            spec = build_model
            if compile_kwargs or fit_kwargs:
                spec = _apply_kwargs(spec, compile_kwargs, fit_kwargs)
        else:
            from python_impl.batched_keras import spec_from_model

            model = build_model() if builder is not None else build_model
            shape = None if x_train is None else np.asarray(x_train).shape[1:]
            spec = spec_from_model(model, compile_kwargs, fit_kwargs, input_shape=shape)
        return train_spec(spec, x_train, y_train, x_val, y_val, seeds, x_test=x_test,
                          y_test=y_test, init=init, shuffle=shuffle, draws=draws,
                          keras_builder=builder, **run_kw)
    except UnsupportedModel as e:
        if not fallback or isinstance(build_model, ModelSpec):
            raise
        warnings.warn(str(e), stacklevel=2)
        res = keras_fit_many(build_model, compile_kwargs, fit_kwargs, x_train, y_train, x_val,
                             y_val, seeds, x_test=x_test, y_test=y_test)
        res.extra["fallback_reason"] = str(e)
        return res


def _apply_kwargs(spec: ModelSpec, compile_kwargs, fit_kwargs) -> ModelSpec:
    """A spec with plain-data compile/fit keyword arguments applied (no Keras objects)."""
    kw = {}
    for k, v in (compile_kwargs or {}).items():
        if k == "optimizer":
            kw["optimizer"] = v if isinstance(v, OptimizerSpec) else OptimizerSpec(str(v))
        elif k == "loss":
            kw["loss"] = v
        elif k == "metrics":
            kw["metrics"] = tuple(v or ())
        elif v is not None:
            raise UnsupportedModel(f"compile option {k}={v!r} on a ModelSpec")
    for k, v in (fit_kwargs or {}).items():
        if k in ("epochs", "batch_size", "shuffle", "validation_split"):
            kw[k] = v
        elif k in ("verbose", "validation_data"):
            continue
        elif v is not None:
            raise UnsupportedModel(f"fit option {k}={v!r}")
    return spec.replace(**kw)


def _is_keras_model(obj) -> bool:
    return any(c.__name__ in ("Model", "Sequential", "Layer") and c.__module__.startswith("keras")
               for c in type(obj).__mro__)


def keras_fit_many(build_model, compile_kwargs=None, fit_kwargs=None, x_train=None,
                   y_train=None, x_val=None, y_val=None, seeds: Sequence[int] | int = 1, *,
                   x_test=None, y_test=None, init=None, shuffle=None) -> ManyResult:
    """One Keras `fit` per seed (the fallback, and the fidelity reference); see
    `python_impl.batched_keras.keras_fit_many`."""
    from python_impl.batched_keras import keras_fit_many as _kfm

    return _kfm(build_model, compile_kwargs, fit_kwargs, x_train, y_train, x_val, y_val, seeds,
                x_test=x_test, y_test=y_test, init=init, shuffle=shuffle)


def make_run_many(build_model, compile_kwargs=None, fit_kwargs=None, x_train=None,
                  y_train=None, x_val=None, y_val=None, x_test=None, y_test=None, *,
                  min_batched: int = MIN_BATCHED_RUNS, **kw) -> Callable:
    """`run_many(seeds) -> ManyResult` for a port's distribution: `train_many` (with the Keras
    fallback) when more than `min_batched` seeds are asked for, Keras `fit` per seed for a
    handful (where compiling would cost more than it saves)."""

    def run_many(seeds) -> ManyResult:
        seeds = list(_as_seeds(seeds))
        if len(seeds) <= min_batched:
            return keras_fit_many(build_model, compile_kwargs, fit_kwargs, x_train, y_train,
                                  x_val, y_val, seeds, x_test=x_test, y_test=y_test)
        return train_many(build_model, compile_kwargs, fit_kwargs, x_train, y_train, x_val,
                          y_val, seeds, x_test=x_test, y_test=y_test, fallback=True, **kw)

    return run_many


def spec_from_model(model, compile_kwargs: dict | None = None, fit_kwargs: dict | None = None,
                    input_shape=None) -> ModelSpec:
    """The `ModelSpec` of a Keras `Sequential` model (see `python_impl.batched_keras`)."""
    from python_impl.batched_keras import spec_from_model as _sfm

    return _sfm(model, compile_kwargs, fit_kwargs, input_shape=input_shape)
