"""The R side's cost: one R-driven run of the article (fresh worker process: R start, TensorFlow
import, the script, Keras fit through the rpy2 bridge) per training, and end to end.

The per-training figure is comparable with `test_keras_fit` of the same run; the speed-up of the
batched trainer over it is in `speedup_vs_r_driven`. Skipped without R (reason names the fix).
"""
from __future__ import annotations

import pytest

from python_impl import fast_trainer as ft


def _r_or_skip():
    from r_reference.availability import r_status

    st = r_status()
    if not st.ok:
        pytest.skip(f"requires R: {st.reason}")


@pytest.mark.benchmark(group="train-throughput")
def test_r_driven_run(benchmark, keras_reference, article_arrays):
    _r_or_skip()
    from r_reference import run_article

    seeds = iter(range(10_000))
    res = benchmark.pedantic(lambda: run_article(seed=next(seeds)), rounds=3, warmup_rounds=0)
    sec = float(benchmark.stats.stats.median)
    keras_s = keras_reference.fit_seconds(article_arrays)
    benchmark.extra_info.update({
        "trainings": 1, "trainings_per_s": 1 / sec, "samples_per_s": 480 * ft.EPOCHS / sec,
        "keras_fit_seconds": keras_s, "speedup_vs_keras_fit": keras_s / sec,
        "fit_seconds_inside_r_run": float(res.timings.get("fit_s", float("nan"))),
        "note": "includes worker start, R start and the TensorFlow import of a fresh process",
    })


@pytest.mark.benchmark(group="end-to-end")
def test_run_article_r(benchmark):
    _r_or_skip()
    from r_reference import run_article

    seeds = iter(range(10_000))
    res = benchmark.pedantic(lambda: run_article(seed=next(seeds)), rounds=3, warmup_rounds=0)
    benchmark.extra_info["timings_last_round"] = dict(res.timings)
    benchmark.extra_info["auc_last_round"] = float(res.auc)
