"""Distribution checks (parity.distribution) and the article's fast_trainer_distribution section:
equal samples PASS, a shifted or NaN sample FAILs, a sample too small to judge is SKIPPED (the
rule derived from the exact test), never FAILed."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from parity.case import bundled_module
from parity.distribution import detectable_shift, judge_distributions, min_runs, smallest_p
from parity.outcomes import Status

M = ("acc", "auc")


def samples(rng, n, shift=0.0):
    return {"acc": list(rng.normal(0.70 + shift, 0.02, n)), "auc": list(rng.normal(0.72, 0.015, n))}


def test_smallest_p_is_the_exact_tests_floor():
    assert smallest_p(2, 2) == pytest.approx(2 / math.comb(4, 2))
    assert smallest_p(10, 200) == pytest.approx(2 / math.comb(210, 10))
    assert min_runs(0.005) == 6 and smallest_p(6, 6) <= 0.005 < smallest_p(5, 5)
    assert detectable_shift(10, 200, 0.005) > detectable_shift(30, 200, 0.005)


def test_same_distribution_passes_a_shift_fails_a_nan_fails():
    rng = np.random.default_rng(0)
    assert judge_distributions("d", samples(rng, 30), samples(rng, 200), M, 0.01).status is Status.PASS
    row = judge_distributions("d", samples(rng, 30), samples(rng, 200, shift=0.05), M, 0.01)
    assert row.status is Status.FAIL and row.data["failed"] == ["acc"]
    bad = samples(rng, 30)
    bad["auc"][3] = float("nan")
    assert judge_distributions("d", bad, samples(rng, 200), M, 0.01).status is Status.FAIL


def test_too_few_runs_is_skipped_with_the_runs_it_needs():
    rng = np.random.default_rng(1)
    row = judge_distributions("d", samples(rng, 2), samples(rng, 2, shift=0.5), M, 0.01)
    assert row.status is Status.SKIP and "needs at least 6 runs per side" in row.detail


class _Ctx(SimpleNamespace):
    def map_runs(self, key, label, fn, items, **kw):
        return [[SimpleNamespace(test_accuracy=a, auc=u)] for a, u in self.keras]


def _section_ctx(shift: float):
    rng = np.random.default_rng(2)
    fast = [{"test_accuracy": a, "roc_auc": u} for a, u in zip(rng.normal(0.69, 0.027, 200), rng.normal(0.72, 0.014, 200))]
    keras = list(zip(rng.normal(0.69 + shift, 0.027, 30), rng.normal(0.72, 0.014, 30)))
    return _Ctx(options=SimpleNamespace(use_many=True, distribution_seed=None), py_runs=fast, keras=keras,
                data_path=None, case=SimpleNamespace(distribution=SimpleNamespace(alpha=0.01)))


def test_fast_trainer_section_passes_on_matching_keras_fits_and_fails_on_a_broken_side():
    sections = bundled_module("article", "sections")
    ok = sections.fast_trainer(_section_ctx(0.0), {"keras_runs": 30})["checks"][0]
    assert ok.name == "fast_trainer_distribution" and ok.status is Status.PASS, ok.detail
    broken = sections.fast_trainer(_section_ctx(0.06), {"keras_runs": 30})["checks"][0]
    assert broken.status is Status.FAIL, broken.detail
    skip = sections.fast_trainer(_Ctx(options=SimpleNamespace(use_many=False)), {})["checks"][0]
    assert skip.status is Status.SKIP
