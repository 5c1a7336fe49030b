"""The Keras side of `python_impl.batched`: read a Keras model into a `ModelSpec`, Keras's own
initial weights for a seed, and the Keras `fit` fallback/reference (`keras_fit_many`).

Everything here imports Keras (TensorFlow backend in the harness) on first use only.
"""
from __future__ import annotations

import time

import numpy as np

from python_impl.batched import (
    LOSSES, METRICS, OPTIMIZER_DEFAULTS, LayerSpec, ManyResult, ModelSpec, OptimizerSpec,
    UnsupportedModel, _snake,
)

_LAYER_KINDS = {"Dense": "dense", "Conv1D": "conv1d", "MaxPooling1D": "max_pooling1d",
                "MaxPool1D": "max_pooling1d", "Flatten": "flatten", "Dropout": "dropout",
                "Activation": "activation"}
# config keys that must hold these values (anything else changes the maths)
_MUST_BE_NONE = ("kernel_regularizer", "bias_regularizer", "activity_regularizer",
                 "kernel_constraint", "bias_constraint", "quantization_config", "lora_rank",
                 "noise_shape")
_IGNORED = {"name", "trainable", "dtype", "seed", "data_format", "groups", "lora_alpha",
            "batch_input_shape", "batch_shape", "input_shape"}


def _keras():
    from python_impl.model import keras

    return keras()


def _dtype_name(d) -> str:
    if d is None:
        return "float32"
    if isinstance(d, str):
        return d
    if isinstance(d, dict):
        return str((d.get("config") or {}).get("name", d.get("name", "float32")))
    return str(getattr(d, "name", d))


def layer_spec(layer) -> LayerSpec:
    """One Keras layer -> `LayerSpec`, or `UnsupportedModel` naming what is not reproduced."""
    cls = type(layer).__name__
    if cls not in _LAYER_KINDS:
        raise UnsupportedModel(f"layer {cls} ({layer.name}) (supported: "
                               f"{', '.join(sorted(set(_LAYER_KINDS) - {'MaxPool1D'}))})")
    kind = _LAYER_KINDS[cls]
    cfg = dict(layer.get_config())
    where = f"{cls} layer {layer.name!r}"
    if _dtype_name(cfg.get("dtype")) != "float32":
        raise UnsupportedModel(f"dtype policy {_dtype_name(cfg.get('dtype'))!r} in {where} "
                               "(float32 only)")
    if cfg.get("trainable", True) is False or not layer.trainable:
        raise UnsupportedModel(f"a frozen (trainable=False) {where}")
    for k in _MUST_BE_NONE:
        if cfg.get(k) is not None:
            raise UnsupportedModel(f"{k}={cfg[k]!r} in {where}")
    if cfg.get("data_format", "channels_last") not in ("channels_last", None):
        raise UnsupportedModel(f"data_format={cfg['data_format']!r} in {where}")
    if int(cfg.get("groups", 1) or 1) != 1:
        raise UnsupportedModel(f"groups={cfg['groups']} in {where}")
    out = {}
    for k, v in cfg.items():
        if k in _IGNORED or k in _MUST_BE_NONE:
            continue
        if k == "activation":
            if not isinstance(v, str):
                v = getattr(v, "__name__", None) or (v.get("config", {}).get("name")
                                                     if isinstance(v, dict) else None)
                if not isinstance(v, str):
                    raise UnsupportedModel(f"activation {cfg[k]!r} in {where}")
        out[k] = v
    if kind == "flatten":
        out = {}
    try:
        return LayerSpec(kind, out, layer.name).normalized()
    except UnsupportedModel as e:
        raise UnsupportedModel(f"{e.what} in {where}") from None


def _optimizer_spec(opt) -> OptimizerSpec:
    if isinstance(opt, OptimizerSpec):
        return opt.normalized()
    if isinstance(opt, str):
        return OptimizerSpec(opt).normalized()
    if isinstance(opt, dict):
        name, cfg = opt.get("class_name", opt.get("name")), dict(opt.get("config") or {})
    else:
        name, cfg = type(opt).__name__, dict(opt.get_config())
    sname = _snake(str(name)).replace("_", "")
    if sname not in OPTIMIZER_DEFAULTS:
        raise UnsupportedModel(f"optimizer {name} (supported: Adam, SGD, RMSprop)")
    lr = cfg.get("learning_rate")
    if isinstance(lr, dict) or (lr is not None and not np.isscalar(lr)
                                and not hasattr(lr, "__float__")):
        raise UnsupportedModel(f"a learning-rate schedule in {name}")
    for k, ok in (("weight_decay", None), ("clipnorm", None), ("global_clipnorm", None),
                  ("clipvalue", None), ("use_ema", False), ("loss_scale_factor", None),
                  ("gradient_accumulation_steps", None)):
        v = cfg.get(k, ok)
        if not (v is ok or v == ok):
            raise UnsupportedModel(f"{name} {k}={v!r}")
    keep = {k: cfg[k] for k in OPTIMIZER_DEFAULTS[sname] if k in cfg}
    if keep.get("learning_rate") is not None:
        keep["learning_rate"] = float(keep["learning_rate"])
    return OptimizerSpec(sname, keep).normalized()


def _loss_spec(loss) -> tuple[str, bool]:
    if loss is None:
        raise UnsupportedModel("a model compiled without a loss")
    if isinstance(loss, (list, tuple, dict)) and not (isinstance(loss, dict) and "class_name" in loss):
        raise UnsupportedModel(f"several losses {loss!r}")
    if isinstance(loss, str):
        name, cfg = loss, {}
    elif isinstance(loss, dict):
        name, cfg = loss["class_name"], dict(loss.get("config") or {})
    elif hasattr(loss, "get_config") and not callable(getattr(loss, "__wrapped__", None)):
        name, cfg = type(loss).__name__, dict(loss.get_config())
    else:
        name, cfg = getattr(loss, "__name__", str(loss)), {}
    name = name if name.islower() else _snake(name)
    name = name.replace("cross_entropy", "crossentropy")
    if name in ("loss_function_wrapper",):
        name = cfg.get("name", name)
    if name not in LOSSES:
        raise UnsupportedModel(f"loss {name!r} (supported: {', '.join(LOSSES)})")
    if float(cfg.get("label_smoothing", 0.0) or 0.0) != 0.0:
        raise UnsupportedModel(f"{name} label_smoothing={cfg['label_smoothing']}")
    if cfg.get("reduction", "sum_over_batch_size") not in ("sum_over_batch_size", "auto", None):
        raise UnsupportedModel(f"{name} reduction={cfg['reduction']!r}")
    if int(cfg.get("axis", -1)) != -1:
        raise UnsupportedModel(f"{name} axis={cfg['axis']}")
    if cfg.get("ignore_class") is not None:
        raise UnsupportedModel(f"{name} ignore_class={cfg['ignore_class']}")
    return name, bool(cfg.get("from_logits", False))


def _metric_names(metrics) -> tuple:
    if metrics is None:
        return ()
    if isinstance(metrics, dict):
        raise UnsupportedModel("metrics per output (a dict)")
    out = []
    for m in metrics:
        if isinstance(m, str):
            name = m
        elif isinstance(m, dict):
            cfg = dict(m.get("config") or {})
            name = cfg.get("name") or _snake(m.get("class_name", ""))
            if float(cfg.get("threshold", 0.5) or 0.5) != 0.5:
                raise UnsupportedModel(f"metric {name} threshold={cfg['threshold']}")
        else:
            name = getattr(m, "name", None) or getattr(m, "__name__", str(m))
            thr = getattr(m, "threshold", 0.5)
            if thr is not None and float(thr) != 0.5:
                raise UnsupportedModel(f"metric {name} threshold={thr}")
        if str(name).lower() not in ("accuracy", "acc", *METRICS):
            raise UnsupportedModel(f"metric {name!r} (supported: accuracy, acc, "
                                   f"{', '.join(METRICS)})")
        out.append(str(name))
    return tuple(out)


_FIT_OK = {"epochs", "batch_size", "shuffle", "validation_split", "validation_data",
           "verbose", "validation_batch_size"}
_FIT_DEFAULTS = {"callbacks": (None, []), "class_weight": (None,), "sample_weight": (None,),
                 "initial_epoch": (0,), "steps_per_epoch": (None,), "validation_steps": (None,),
                 "validation_freq": (1,)}


def spec_from_model(model, compile_kwargs: dict | None = None, fit_kwargs: dict | None = None,
                    input_shape=None) -> ModelSpec:
    """A Keras `Sequential` model + its compile/fit settings -> `ModelSpec`.

    compile_kwargs: `compile(...)`'s keywords; what is missing is read from the model's own
    compile config when it is compiled (`get_compile_config()`). fit_kwargs: `fit(...)`'s
    keywords (Keras's defaults otherwise: epochs 1, batch_size 32, shuffle True).
    input_shape: used when the model has not been built (no `Input`/`input_shape`)."""
    cls = type(model).__name__
    if cls != "Sequential":
        raise UnsupportedModel(f"model class {cls} (only keras.Sequential)")
    shape = None
    try:
        shape = tuple(model.input_shape)[1:]
    except (AttributeError, ValueError):
        shape = None
    if shape is None or any(d is None for d in shape):
        if input_shape is None:
            raise UnsupportedModel("a model without a known input shape (add keras.Input)")
        shape = tuple(int(d) for d in input_shape)
    layers = tuple(layer_spec(l) for l in model.layers if type(l).__name__ != "InputLayer")

    ck = {}
    if getattr(model, "compiled", False):
        try:
            ck = dict(model.get_compile_config() or {})
        except Exception:  # noqa: BLE001 - an uncompiled/odd model: rely on compile_kwargs
            ck = {}
        if getattr(model, "optimizer", None) is not None:
            ck["optimizer"] = model.optimizer
    ck.update(compile_kwargs or {})
    for k in ("loss_weights", "weighted_metrics"):
        if ck.get(k) is not None:
            raise UnsupportedModel(f"compile option {k}={ck[k]!r}")
    loss, from_logits = _loss_spec(ck.get("loss"))
    opt = _optimizer_spec(ck.get("optimizer", "rmsprop"))  # Keras's compile default
    metrics = _metric_names(ck.get("metrics"))

    fk = dict(fit_kwargs or {})
    for k, v in fk.items():
        if k in _FIT_OK:
            continue
        if k in _FIT_DEFAULTS and (v in _FIT_DEFAULTS[k] if not isinstance(v, list) else not v):
            continue
        raise UnsupportedModel(f"fit option {k}={v!r}")
    if fk.get("shuffle", True) not in (True, False):
        raise UnsupportedModel(f"fit shuffle={fk['shuffle']!r}")
    vd = fk.get("validation_data")
    if vd is not None and len(vd) != 2:
        raise UnsupportedModel("validation_data with sample weights")
    return ModelSpec(input_shape=shape, layers=layers, loss=loss, from_logits=from_logits,
                     optimizer=opt, metrics=metrics, epochs=int(fk.get("epochs", 1)),
                     batch_size=int(fk.get("batch_size") or 32),
                     shuffle=bool(fk.get("shuffle", True)),
                     validation_split=float(fk.get("validation_split", 0.0) or 0.0))


def keras_initial_weights(builder, seed: int) -> list[np.ndarray]:
    """`builder()`'s initial weights after `keras.utils.set_random_seed(seed)` (what a seeded
    Keras `fit` starts from), `get_weights()` order, float32."""
    from python_impl.model import seed_everything

    seed_everything(int(seed))
    return [np.asarray(w, np.float32) for w in builder().get_weights()]


def _fresh(obj, kind: str):
    """A new optimizer/metric/loss object with the same config (objects hold state)."""
    if obj is None or isinstance(obj, str) or callable(obj) and not hasattr(obj, "get_config"):
        return obj
    keras = _keras()
    mod = {"optimizer": keras.optimizers, "metric": keras.metrics, "loss": keras.losses}[kind]
    return mod.deserialize(mod.serialize(obj))


def _compile_kwargs_fresh(ck: dict) -> dict:
    ck = dict(ck)
    if "optimizer" in ck:
        ck["optimizer"] = _fresh(ck["optimizer"], "optimizer")
    if "loss" in ck and not isinstance(ck["loss"], (list, tuple, dict)):
        ck["loss"] = _fresh(ck["loss"], "loss")
    if isinstance(ck.get("metrics"), (list, tuple)):
        ck["metrics"] = [_fresh(m, "metric") for m in ck["metrics"]]
    return ck


def keras_fit_many(build_model, compile_kwargs=None, fit_kwargs=None, x_train=None,
                   y_train=None, x_val=None, y_val=None, seeds=1, *, x_test=None, y_test=None,
                   init=None, shuffle=None, return_weights: bool = False) -> ManyResult:
    """One Keras `fit` per seed: `seed_everything(seed)` (seed None: unseeded), build (or
    clone) the model, compile with `compile_kwargs` (fresh optimizer/metric objects each
    time), `fit(x_train, y_train, **fit_kwargs)`, evaluate and predict on x_test.

    init: optional initial weights per seed (S lists, or a list of (S, ...) arrays) set
    before fitting. shuffle: optional row orders (n,), (epochs, n) or (S, epochs, n): the
    rows are then fed in that order with `shuffle=False` (one epoch per `fit` call when the
    order changes between epochs; the optimizer carries over, as in one `fit`)."""
    from python_impl.model import seed_everything, unseed_everything

    keras = _keras()
    seeds_list = list(seeds) if not isinstance(seeds, (int, np.integer)) else list(range(int(seeds)))
    fk = dict(fit_kwargs or {})
    fk.pop("verbose", None)
    vd = fk.pop("validation_data", None)
    if x_val is None and vd is not None:
        x_val, y_val = vd
    epochs = int(fk.pop("epochs", 1))
    x_train = np.asarray(x_train, np.float32)
    y_train = np.asarray(y_train, np.float32) if y_train is not None else None
    val = None if x_val is None else (np.asarray(x_val, np.float32), np.asarray(y_val, np.float32))
    orders = None
    if shuffle is not None:
        from python_impl.batched import _as_orders

        orders = _as_orders(shuffle, len(seeds_list), len(x_train), epochs)
        fk.pop("shuffle", None)
    t0 = time.perf_counter()
    hists, preds, tls, tms, ws = [], [], [], [], []
    for i, sd in enumerate(seeds_list):
        if sd is None:
            unseed_everything()
        else:
            seed_everything(int(sd))
        if callable(build_model) and not _is_model(build_model):
            model = build_model()
        else:
            model = keras.models.clone_model(build_model)
            if compile_kwargs is None:
                ck = dict(build_model.get_compile_config() or {})
                ck["optimizer"] = _fresh(build_model.optimizer, "optimizer")
                model.compile(**_compile_kwargs_fresh(ck))
        if compile_kwargs is not None:
            model.compile(**_compile_kwargs_fresh(compile_kwargs))
        if init is not None:
            w = init[i] if isinstance(init[0], (list, tuple)) else [a[i] for a in init]
            model.set_weights([np.asarray(a, np.float32) for a in w])
        if orders is None:
            h = model.fit(x_train, y_train, epochs=epochs, validation_data=val, verbose=0, **fk)
            hist = {k: [float(v) for v in vs] for k, vs in h.history.items()}
        elif (orders[i] == orders[i][:1]).all():
            o = orders[i][0]
            h = model.fit(x_train[o], y_train[o], epochs=epochs, validation_data=val,
                          shuffle=False, verbose=0, **fk)
            hist = {k: [float(v) for v in vs] for k, vs in h.history.items()}
        else:
            hist = {}
            for e in range(epochs):
                o = orders[i][e]
                h = model.fit(x_train[o], y_train[o], epochs=1, validation_data=val,
                              shuffle=False, verbose=0, **fk)
                for k, vs in h.history.items():
                    hist.setdefault(k, []).extend(float(v) for v in vs)
        hists.append(hist)
        if x_test is not None:
            xt = np.asarray(x_test, np.float32)
            preds.append(np.asarray(model.predict(xt, verbose=0), np.float32))
            if y_test is not None:
                ev = model.evaluate(xt, np.asarray(y_test, np.float32), verbose=0,
                                    return_dict=True)
                tls.append(float(ev["loss"]))
                tms.append({k: float(v) for k, v in ev.items() if k != "loss"})
        if return_weights:
            ws.append([np.asarray(a, np.float32) for a in model.get_weights()])
    sec = time.perf_counter() - t0
    keys = list(hists[0]) if hists else []
    histories = {k: np.asarray([h[k] for h in hists], np.float32) for k in keys}
    test_metrics = ({k: np.asarray([m[k] for m in tms], np.float32) for k in tms[0]}
                    if tms else {})
    seeds_arr = np.asarray([-1 if s is None else int(s) for s in seeds_list], np.int64)
    return ManyResult(
        seeds=seeds_arr, histories=histories,
        predictions=np.stack(preds) if preds else None,
        test_loss=np.asarray(tls, np.float32) if tls else None, test_metrics=test_metrics,
        weights=[np.stack([w[j] for w in ws]) for j in range(len(ws[0]))] if ws else None,
        spec=None, trainer="keras_fit", seconds=sec, prepare_seconds=0.0)


def _is_model(obj) -> bool:
    from python_impl.batched import _is_keras_model

    return _is_keras_model(obj)


__all__ = ["spec_from_model", "layer_spec", "keras_initial_weights", "keras_fit_many"]
