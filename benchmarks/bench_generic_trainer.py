"""Throughput of the generic batched trainer (`python_impl.batched`), in the same run as its
references: the hand-written `fast_trainer` on the article's model, and Keras `fit` on two
other small models.

Run: `pytest benchmarks/ --benchmark-only -k generic` (~2-3 minutes on 2 cores), or with the
whole suite. Every id contains "generic".

group "generic-trainer"
  generic_article[handwritten]  `fast_trainer.train_batch`, S = 256 seeds of the article model
  generic_article[generic]      `batched.train_spec(article_spec())`, the same S and draws
                                (extra_info.ratio_vs_handwritten: generic rate / hand-written
                                rate, both measured in this run; target >= 0.5 on CPU)
  generic_models[mlp-dropout-sgd]       Dense(32,relu)-Dropout(0.2)-Dense(16,tanh)-Dense(1,sigmoid),
                                        SGD(momentum 0.9), BCE, 12 features
  generic_models[conv-rmsprop-softmax]  Conv1D(16,5,relu)-MaxPool-Flatten-Dense(2,softmax),
                                        RMSprop, categorical CE, 20 steps x 1 channel
      both: 600 train / 150 val / 150 test rows, 10 epochs of 32, built as Keras models and
      read with `spec_from_model` (train_many), S = 256; extra_info.speedup_vs_keras_fit
      against one Keras `fit` of the same model timed in the same test (target >= 100), and
      distribution_200_seconds: a cold 200-seed distribution (`train_many` from the Keras
      builder: spec reading, compilation and training) as a port's run_many would ask for it.

Compilation is excluded from the timed rounds (one warm-up call). extra_info: trainings_per_s,
samples_per_s (trainings x train rows x epochs / s), seconds_per_call.

Peak memory (not a pytest benchmark: minutes at S = 100,000):
    .venv/bin/python benchmarks/bench_generic_trainer.py peak-rss --seeds 100000 --trainer generic
prints the peak resident memory (`VmHWM` of a fresh process, which exec resets; and
`getrusage` maxrss) of training S seeds of the article's model.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

N_SEEDS = 256
ROUNDS = 3
_RATES: dict = {}


def _typical(benchmark) -> float:
    return float(benchmark.stats.stats.median)


def _info(benchmark, n_trainings: int, seconds: float, n_train: int, epochs: int) -> float:
    tps = n_trainings / seconds
    benchmark.extra_info.update({"trainings": n_trainings, "seconds_per_call": seconds,
                                 "trainings_per_s": tps,
                                 "samples_per_s": tps * n_train * epochs})
    return tps


# --------------------------------------------------------------------------- article


def _article_arrays():
    from python_impl.pipeline import article_inputs

    a = article_inputs()
    return tuple(arr.astype(np.float32) for part in ("train", "val", "test")
                 for arr in a.rows(part))


def _handwritten(arrays, s):
    from python_impl import fast_trainer as ft

    xtr, ytr, xva, yva, xte, yte = arrays
    return ft.train_batch(xtr, ytr, xva, yva, xte, yte, seeds=range(s))


def _generic(arrays, s):
    from python_impl import batched as B

    xtr, ytr, xva, yva, xte, yte = arrays
    return B.train_spec(B.article_spec(), xtr, ytr, xva, yva, range(s), x_test=xte,
                        y_test=yte)


def _median_seconds(fn, rounds=ROUNDS) -> float:
    ts = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


@pytest.mark.parametrize("trainer", ["handwritten", "generic"])
@pytest.mark.benchmark(group="generic-trainer")
def test_generic_article(benchmark, trainer):
    pytest.importorskip("jax")
    arrays = _article_arrays()
    fn = _handwritten if trainer == "handwritten" else _generic
    t = time.perf_counter()
    fn(arrays, N_SEEDS)  # compilation (+ first run): excluded
    first = time.perf_counter() - t
    benchmark.pedantic(fn, args=(arrays, N_SEEDS), rounds=ROUNDS)
    tps = _info(benchmark, N_SEEDS, _typical(benchmark), len(arrays[0]), 10)
    _RATES[trainer] = tps
    benchmark.extra_info["first_call_seconds"] = first
    if trainer == "generic":
        if "handwritten" not in _RATES:  # -k selected this one alone: measure the other here
            _handwritten(arrays, N_SEEDS)
            _RATES["handwritten"] = N_SEEDS / _median_seconds(
                lambda: _handwritten(arrays, N_SEEDS))
        benchmark.extra_info["handwritten_trainings_per_s"] = _RATES["handwritten"]
        benchmark.extra_info["ratio_vs_handwritten"] = tps / _RATES["handwritten"]


# --------------------------------------------------------------------------- other models


def _synthetic(kind: str):
    rng = np.random.default_rng(2026)
    n = {"train": 600, "val": 150, "test": 150}
    out = {}
    if kind == "mlp":
        w = rng.normal(size=12)
        for part, k in n.items():
            x = rng.normal(size=(k, 12)).astype(np.float32)
            y = (x @ w + rng.normal(size=k) * 2.0 > 0).astype(np.float32)
            out[part] = (x, y)
    else:
        for part, k in n.items():
            cls = rng.integers(0, 2, k)
            t = np.linspace(0, 2 * np.pi, 20)
            x = (np.sin(t[None, :] * (1 + cls[:, None]) + rng.uniform(0, 6, (k, 1)))
                 + rng.normal(size=(k, 20)) * 0.8).astype(np.float32)
            out[part] = (x[..., None], np.eye(2, dtype=np.float32)[cls])
    return out


def _builder(kind: str):
    from python_impl.model import keras as _keras

    def build():
        k = _keras()
        if kind == "mlp":
            m = k.Sequential([k.Input((12,)), k.layers.Dense(32, activation="relu"),
                              k.layers.Dropout(0.2), k.layers.Dense(16, activation="tanh"),
                              k.layers.Dense(1, activation="sigmoid")])
            m.compile(optimizer=k.optimizers.SGD(momentum=0.9), loss="binary_crossentropy",
                      metrics=["accuracy"])
        else:
            m = k.Sequential([k.Input((20, 1)), k.layers.Conv1D(16, 5, activation="relu"),
                              k.layers.MaxPooling1D(2), k.layers.Flatten(),
                              k.layers.Dense(2, activation="softmax")])
            m.compile(optimizer="rmsprop", loss="categorical_crossentropy",
                      metrics=["accuracy"])
        return m
    return build


FIT_KWARGS = {"epochs": 10, "batch_size": 32}


def _keras_fit_seconds(build, d) -> float:
    """One Keras `fit` of the model (seeded, built untimed) after one warm-up fit."""
    from python_impl.model import seed_everything

    xtr, ytr = d["train"]
    secs = []
    for seed in (0, 1):
        seed_everything(seed)
        model = build()
        t = time.perf_counter()
        model.fit(xtr, ytr, validation_data=d["val"], verbose=0, **FIT_KWARGS)
        secs.append(time.perf_counter() - t)
    return secs[-1]


@pytest.mark.parametrize("kind", ["mlp-dropout-sgd", "conv-rmsprop-softmax"])
@pytest.mark.benchmark(group="generic-trainer")
def test_generic_models(benchmark, kind):
    pytest.importorskip("jax")
    from python_impl import batched as B

    key = kind.split("-")[0]
    d = _synthetic(key)
    build = _builder(key)
    (xtr, ytr), (xva, yva), (xte, yte) = d["train"], d["val"], d["test"]

    # a port's distribution, cold: spec reading + compilation + 200 trainings
    t = time.perf_counter()
    dist = B.train_many(build, None, FIT_KWARGS, xtr, ytr, xva, yva, range(1000, 1200),
                        x_test=xte, y_test=yte)
    cold_200 = time.perf_counter() - t
    assert dist.trainer == "generic" and np.isfinite(dist.test_loss).all()

    def run():
        return B.train_many(build, None, FIT_KWARGS, xtr, ytr, xva, yva, range(N_SEEDS),
                            x_test=xte, y_test=yte)
    run()
    benchmark.pedantic(run, rounds=ROUNDS)
    tps = _info(benchmark, N_SEEDS, _typical(benchmark), len(xtr), FIT_KWARGS["epochs"])
    keras_s = _keras_fit_seconds(build, d)
    benchmark.extra_info.update({
        "keras_fit_seconds": keras_s, "speedup_vs_keras_fit": tps * keras_s,
        "distribution_200_seconds": cold_200,
        "distribution_200_mean_test_accuracy": float(np.mean(dist.test_accuracy)),
        "n_params": B.spec_from_model(build(), None, FIT_KWARGS).n_params,
    })


# --------------------------------------------------------------------------- peak memory

_MEMORY_SCRIPT = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
import numpy as np
s, trainer = int(sys.argv[1]), sys.argv[2]
from benchmarks.bench_generic_trainer import _article_arrays, _generic, _handwritten
arrays = _article_arrays()
t = time.perf_counter()
res = (_generic if trainer == "generic" else _handwritten)(arrays, s)
sec = time.perf_counter() - t
hwm = None
try:
    with open("/proc/self/status") as f:
        hwm = [int(l.split()[1]) for l in f if l.startswith("VmHWM:")][0]
except (OSError, IndexError):
    pass
print(json.dumps({{"seeds": s, "trainer": trainer, "seconds": sec,
                  "vmhwm_mib": None if hwm is None else hwm / 1024,
                  "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "mean_test_accuracy": float(np.mean(res.test_accuracy))}}))
"""


def peak_rss(n_seeds: int, trainer: str) -> dict:
    """Peak RSS of a fresh process training `n_seeds` article seeds with `trainer`
    ("generic" or "handwritten")."""
    r = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT.format(root=str(ROOT)),
                        str(n_seeds), trainer], cwd=ROOT, capture_output=True, text=True,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="peak memory of the batched trainers")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("peak-rss")
    p.add_argument("--seeds", type=int, default=100_000)
    p.add_argument("--trainer", choices=("generic", "handwritten"), default="generic")
    a = ap.parse_args(argv)
    print(json.dumps(peak_rss(a.seeds, a.trainer)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
