"""Python port of mlp_rotterdam.R: R's scale(), R's set.seed()/sample() (python_impl.rrandom), the
same Keras calls R keras makes (so a shared seed gives the same weights), pROC's AUC; and
`run_many`, many seeds at once through the generic batched trainer (python_impl.batched)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from python_impl.preprocess import r_scale
from python_impl.roc import roc
from python_impl.rrandom import RRandom

HERE = Path(__file__).resolve().parent
FEATURES = ["age", "meno", "size", "grade", "nodes", "pgr", "er", "hormon", "chemo"]
SIZE_LEVELS = ["<=20", "20-50", ">50"]  # survival::rotterdam's factor levels, in R's order
COMPILE = {"optimizer": "rmsprop", "loss": "binary_crossentropy", "metrics": ["accuracy"]}
FIT = {"epochs": 15, "batch_size": 64, "verbose": 0, "validation_split": 0.0, "shuffle": True, "initial_epoch": 0}


@lru_cache(maxsize=1)
def prepare():
    data = pd.read_csv(HERE / "rotterdam.csv")
    raw = data[FEATURES].copy()
    raw["size"] = pd.Categorical(raw["size"], categories=SIZE_LEVELS).codes + 1  # as.integer(factor)
    x, center, scale = r_scale(raw.to_numpy(dtype=float))
    y = data["death"].to_numpy(dtype=np.int64)
    n = len(data)
    idx = RRandom(42).sample_int(n)
    n_train, n_val = int(np.floor(0.6 * n)), int(np.floor(0.2 * n))
    parts = idx[:n_train], idx[n_train:n_train + n_val], idx[n_train + n_val:]
    return x, y, center, scale, parts


def build_model():
    """The Keras calls the bridge makes for the R script's keras_model_sequential() %>% ..."""
    from python_impl.model import keras

    import warnings

    k = keras()
    m = k.Sequential()
    with warnings.catch_warnings():  # Keras 3 warns about input_shape= on a layer; R keras passes it so
        warnings.simplefilter("ignore", UserWarning)
        m.add(k.layers.Dense(units=16, activation="relu", input_shape=(len(FEATURES),)))
    m.add(k.layers.Dense(units=8, activation="tanh"))
    m.add(k.layers.Dense(units=1, activation="sigmoid"))
    return m


def run(seed=None) -> dict:
    from python_impl.model import seed_everything, unseed_everything
    from python_impl.quiet import benign_tf_lines_dropped

    x, y, center, scale, (tr, va, te) = prepare()
    seed_everything(seed) if seed is not None else unseed_everything()
    model = build_model()
    model.compile(**COMPILE)
    xs = lambda i: np.ascontiguousarray(x[i - 1], dtype=np.float32)  # noqa: E731 - R keras's float32 matrix
    ys = lambda i: y[i - 1].astype(np.float32)  # noqa: E731
    with benign_tf_lines_dropped():
        hist = model.fit(xs(tr), ys(tr), validation_data=(xs(va), ys(va)), **FIT)
        loss, acc = model.evaluate(xs(te), ys(te), verbose=0)
        pred = np.asarray(model.predict(xs(te), verbose=0), dtype=np.float64).reshape(-1)
    return {
        "scaling_center": dict(zip(FEATURES, center)), "scaling_scale": dict(zip(FEATURES, scale)),
        "split": {"train": tr, "val": va, "test": te},
        "model": model, "history": {k: np.asarray(v) for k, v in hist.history.items()},
        "test_loss": float(loss), "test_accuracy": float(acc), "predictions": pred,
        "auc_value": float(roc(y[te - 1], pred).auc),
    }


def run_many(seeds) -> list[dict]:
    """The same procedure over many seeds in one compiled program (python_impl.batched)."""
    from python_impl.batched import make_run_many

    x, y, _, _, (tr, va, te) = prepare()
    many = make_run_many(build_model, COMPILE, FIT, x[tr - 1], y[tr - 1], x[va - 1], y[va - 1], x[te - 1], y[te - 1])
    res = many(list(seeds))
    yt = y[te - 1]
    return [{"test_accuracy": float(res.test_accuracy[i]), "test_loss": float(res.test_loss[i]),
             "auc_value": float(roc(yt, res.test_probabilities[i]).auc)}  # pROC's rules, direction auto
            for i in range(len(res.seeds))]
