"""Fixtures shared by the throughput benchmarks (`pytest benchmarks/ --benchmark-only`).

The root conftest.py keeps exactly the tests that use the `benchmark` fixture under
`--benchmark-only`, and skips them in a plain `pytest` run.
"""
from __future__ import annotations

import time

import numpy as np
import pytest


@pytest.fixture(scope="session")
def article_arrays():
    """(x_train, y_train, x_val, y_val, x_test, y_test) as the article makes them: bundled
    gbsg, R's scale() on all rows, R's set.seed(123) split (480 / 102 / 104 rows)."""
    from python_impl.pipeline import article_inputs

    a = article_inputs()
    return tuple(arr.astype(np.float32) for part in ("train", "val", "test") for arr in a.rows(part))


class KerasReference:
    """Seconds per Keras `fit` (one full 10-epoch training) measured in THIS pytest run, so
    every batched benchmark can report its speed-up against the same machine state."""

    def __init__(self):
        self.seconds: float | None = None
        self.source = ""

    def fit_seconds(self, arrays) -> float:
        if self.seconds is None:  # the Keras benchmark did not run (e.g. -k selection)
            keras_fit_once(arrays, 0)  # warm-up: TensorFlow's one-time start-up
            self.seconds = keras_fit_once(arrays, 1)
            self.source = "measured by the fixture (1 fit after 1 warm-up)"
        return self.seconds


@pytest.fixture(scope="session")
def keras_reference() -> KerasReference:
    return KerasReference()


def keras_fit_once(arrays, seed: int) -> float:
    """Build the seeded model (untimed), then time one `fit` exactly as the harness calls it."""
    from python_impl import training
    from python_impl.model import build_model, seed_everything

    xtr, ytr, xva, yva, _, _ = arrays
    seed_everything(seed)
    model = build_model()
    t = time.perf_counter()
    training.fit(model, xtr, ytr, xva, yva)
    return time.perf_counter() - t
