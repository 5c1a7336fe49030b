"""Training throughput: Keras `fit` vs the batched multi-seed trainer, and the article end to end.

Run: `pytest benchmarks/ --benchmark-only` (about 2 minutes on 2 cores).

group "train-throughput"
  keras_fit           one full 10-epoch `fit` of the article's model (model built untimed)
  batched[S]          `fast_trainer.run_compiled` training S seeds (S = 1, 64, 256, 1024);
                      compilation excluded (one warm-up call), inputs prepared untimed
  batched_one_call    S = 1024 as ONE XLA program (no CPU chunking), to show why we chunk
group "end-to-end"
  run_article         `python_impl.pipeline.run_article`: data, split, Keras fit, ROC

extra_info: trainings_per_s, samples_per_s (training rows processed: trainings x 480 rows x
10 epochs), speedup_vs_keras_fit (against the Keras fit measured in the same pytest run),
gflops (model FLOPs / time); at S=1024 the peak resident memory of a fresh process
(`resource.getrusage` maxrss: tracemalloc does not see TensorFlow's allocator).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from python_impl import fast_trainer as ft

ROOT = Path(__file__).resolve().parents[1]
BATCH_SIZES = (1, 64, 256, 1024)
ROUNDS = {1: 5, 64: 5, 256: 3, 1024: 3}


def _per_training_info(benchmark, n_trainings: int, seconds: float, n_train: int,
                       keras_seconds: float | None) -> None:
    tps = n_trainings / seconds
    benchmark.extra_info.update({
        "trainings": n_trainings,
        "seconds_per_call": seconds,
        "trainings_per_s": tps,
        "samples_per_s": tps * n_train * ft.EPOCHS,
        "gflops": tps * ft.flops_per_training(n_train) / 1e9,
    })
    if keras_seconds:
        benchmark.extra_info["keras_fit_seconds"] = keras_seconds
        benchmark.extra_info["speedup_vs_keras_fit"] = tps * keras_seconds


def _typical(benchmark) -> float:
    """Median seconds of the measured rounds (the machine is shared: the median resists
    outliers better than the mean)."""
    return float(benchmark.stats.stats.median)


@pytest.mark.benchmark(group="train-throughput")
def test_keras_fit(benchmark, article_arrays, keras_reference):
    seeds = iter(range(10_000))

    def setup():
        from python_impl.model import build_model, seed_everything

        seed_everything(next(seeds))
        return (build_model(),), {}

    def run(model):
        from python_impl import training

        xtr, ytr, xva, yva, _, _ = article_arrays
        training.fit(model, xtr, ytr, xva, yva)

    benchmark.pedantic(run, setup=setup, rounds=3, warmup_rounds=1)
    sec = _typical(benchmark)
    keras_reference.seconds, keras_reference.source = sec, "test_keras_fit (median of 3)"
    _per_training_info(benchmark, 1, sec, len(article_arrays[0]), sec)


@pytest.mark.parametrize("n_seeds", BATCH_SIZES)
@pytest.mark.benchmark(group="train-throughput")
def test_batched(benchmark, n_seeds, article_arrays, keras_reference):
    xtr, ytr, xva, yva, xte, yte = article_arrays
    t0 = time.perf_counter()
    w, idx = ft.prepare(range(n_seeds), len(xtr))
    prep = time.perf_counter() - t0
    args = (w, idx, xtr, ytr, xva, yva, xte, yte)
    t0 = time.perf_counter()
    ft.run_compiled("tensorflow", *args)  # compile (+ first run): excluded
    first = time.perf_counter() - t0
    benchmark.pedantic(ft.run_compiled, args=("tensorflow", *args), rounds=ROUNDS[n_seeds])
    keras_s = keras_reference.fit_seconds(article_arrays)
    _per_training_info(benchmark, n_seeds, _typical(benchmark), len(xtr), keras_s)
    benchmark.extra_info.update({"prepare_seconds": prep, "first_call_seconds": first,
                                 "threads": ft._threads_hint(), "cpu_chunk": ft.CPU_CHUNK})
    if n_seeds == 1024:
        benchmark.extra_info.update(peak_memory(1024))


@pytest.mark.benchmark(group="train-throughput")
def test_batched_one_call(benchmark, article_arrays, keras_reference):
    """S = 1024 in ONE compiled call: weights + Adam moments (3 x 26 MB) fall out of cache and
    each step's update becomes memory-bound; `run_compiled` chunks by default on a CPU."""
    xtr, ytr, xva, yva, xte, yte = article_arrays
    w, idx = ft.prepare(range(1024), len(xtr))
    kw = dict(chunk=None)
    ft.run_compiled("tensorflow", w, idx, xtr, ytr, xva, yva, xte, yte, **kw)
    benchmark.pedantic(ft.run_compiled, args=("tensorflow", w, idx, xtr, ytr, xva, yva, xte, yte),
                       kwargs=kw, rounds=2)
    _per_training_info(benchmark, 1024, _typical(benchmark), len(xtr),
                       keras_reference.fit_seconds(article_arrays))


_MEMORY_SCRIPT = textwrap.dedent("""
    import json, resource, sys
    import numpy as np
    from python_impl import fast_trainer as ft
    s, chunk = int(sys.argv[1]), (None if sys.argv[2] == "none" else sys.argv[2])
    rng = np.random.default_rng(0)
    x = lambda n: rng.normal(size=(n, 8)).astype(np.float32)
    y = lambda n: (rng.random(n) < 0.4).astype(np.float32)
    w, idx = ft.prepare(range(s), 480)
    ft.run_compiled("tensorflow", w, idx, x(480), y(480), x(102), y(102), x(104), y(104),
                    chunk=chunk)
    hwm = None
    try:  # the high-water mark of THIS address space (reset by exec; Linux only)
        with open("/proc/self/status") as f:
            hwm = [int(l.split()[1]) for l in f if l.startswith("VmHWM:")][0]
    except (OSError, IndexError):
        pass
    print(json.dumps({"maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      "vmhwm_kib": hwm}))
""")


def peak_memory(n_seeds: int) -> dict:
    """Peak RSS (MiB) of fresh processes: one seed (TensorFlow + XLA's own footprint),
    `n_seeds` seeds as `run_compiled` trains them on a CPU (chunked), and `n_seeds` seeds in
    one compiled call.

    Measured with the Linux high-water mark `VmHWM` of the child's own address space, where
    available, else `getrusage(RUSAGE_SELF).ru_maxrss`. Pitfall (measured): Linux keeps
    ru_maxrss across fork+exec, so a child started from this pytest process reports at least
    the parent's RSS at the fork (~1.2 GB here: every child read the same number); `VmHWM` is
    reset by exec. Both are recorded (`*_ru_maxrss`)."""
    out = {}
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for s, chunk, key in ((1, "auto", "peak_rss_mib_s1"),
                          (n_seeds, "auto", f"peak_rss_mib_s{n_seeds}"),
                          (n_seeds, "none", f"peak_rss_mib_s{n_seeds}_one_call")):
        r = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT, str(s), chunk], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            out[key] = None
            out["peak_rss_error"] = r.stderr[-500:]
            continue
        m = json.loads(r.stdout.strip().splitlines()[-1])
        out[key] = (m["vmhwm_kib"] or m["maxrss_kib"]) / 1024
        out[key + "_ru_maxrss"] = m["maxrss_kib"] / 1024
    return out


@pytest.mark.benchmark(group="end-to-end")
def test_run_article(benchmark, keras_reference, article_arrays):
    pipeline = pytest.importorskip("python_impl.pipeline")
    run_article = getattr(pipeline, "run_article", None)
    if run_article is None:
        pytest.skip("python_impl.pipeline.run_article does not exist yet")
    seeds = iter(range(10_000))
    res = benchmark.pedantic(lambda: run_article(seed=next(seeds)), rounds=3, warmup_rounds=1)
    benchmark.extra_info["auc_last_round"] = float(getattr(res, "auc", float("nan")))
    benchmark.extra_info["timings_last_round"] = dict(getattr(res, "timings", {}) or {})
