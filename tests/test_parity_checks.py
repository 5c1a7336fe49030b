"""The parity checks themselves: they PASS on equal inputs and FAIL, readably, when one side is
broken on purpose. The R side here is R's real output stored in tests/reference (regenerate with
scripts/regen_article_reference.py), so these run without R; no Keras training is needed."""
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from parity.context import AuditContext, AuditOptions
from parity.registry import Status, run_check
from python_impl.checkpoints import ArticleResult, class_balance
from python_impl.data import features_labels, load_gbsg
from python_impl.preprocess import r_scale
from python_impl.split import article_split

REF = json.loads((Path(__file__).parent / "reference" / "r_article_reference.json").read_text())
SUMMARY = [
    {"class": "Conv1D", "output_shape": [None, 6, 32], "params": 128},
    {"class": "MaxPooling1D", "output_shape": [None, 3, 32], "params": 0},
    {"class": "Flatten", "output_shape": [None, 96], "params": 0},
    {"class": "Dense", "output_shape": [None, 64], "params": 6208},
    {"class": "Dense", "output_shape": [None, 1], "params": 65},
]


def _result(side, train, val, test, center, scale, predictions=None, seed=42):
    df = load_gbsg()
    _, y = features_labels(df)
    test = np.asarray(test)
    if predictions is None:  # a fixed, label-correlated score: no training needed for check logic
        g = np.random.default_rng(0)
        predictions = 1 / (1 + np.exp(-(y[test - 1] - 0.4 + g.normal(0, 0.8, len(test)))))
    from python_impl.roc import roc

    r = roc(y[test - 1], predictions)
    return ArticleResult(
        side=side, train_indices=np.asarray(train), val_indices=np.asarray(val), test_indices=test,
        center=np.asarray(center), scale=np.asarray(scale),
        class_balance=class_balance(y, {"train": np.asarray(train), "val": np.asarray(val), "test": test}),
        model_summary=SUMMARY, history={k: [0.6, 0.5] for k in ("loss", "accuracy", "val_loss", "val_accuracy")},
        test_loss=0.6, test_accuracy=float(np.mean((predictions > 0.5) == y[test - 1])),
        predictions=np.asarray(predictions, float), auc=r.auc, auc_ci=tuple(r.ci_auc()),
        best_threshold=r.best(), keras_seed=seed, roc_direction=r.direction,
        roc_levels=tuple(str(v) for v in r.levels), test_labels=y[test - 1],
        extra={"fit_x_shape": [len(train), 8], "model_input_shape": [None, 8, 1]},
    )


def r_side():
    """R's real split and scaling (stored from R), with a fixed score vector."""
    return _result("r", REF["train_indices"], REF["val_indices"], REF["test_indices"], REF["center"], REF["scale"])


def py_side(**breaks):
    x, _ = features_labels(load_gbsg())
    _, center, scale = r_scale(x)
    s = article_split(len(x))
    train, val, test = s.train, s.val, s.test
    if breaks.get("ddof0"):
        scale = x.std(axis=0, ddof=0)
    if breaks.get("numpy_split"):
        perm = np.random.default_rng(123).permutation(np.arange(1, len(x) + 1))
        train, val, test = perm[:480], perm[480:582], perm[582:]
    res = _result("python", train, val, test, center, scale,
                  predictions=None if breaks.get("numpy_split") else r_side().predictions)
    if breaks.get("prediction_shift"):
        res = replace(res, predictions=res.predictions + 1e-4)
    return res


def ctx_for(r, p):
    return AuditContext(AuditOptions(seeds=2), py_runner=lambda seed=None, data=None: p,
                        r_runner=lambda seed=None, data=None, timeout=None: r)


DETERMINISTIC = ["split_sizes", "split_indices", "class_balance", "scaling_center", "scaling_scale",
                 "model_architecture", "test_predictions", "roc_auc", "roc_direction", "roc_levels",
                 "roc_best_threshold", "roc_ci_delong"]


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_parity_check_passes_when_python_matches_r(name):
    res = run_check(name, ctx_for(r_side(), py_side()))
    assert res.status is Status.PASS, res


def test_parity_scaling_scale_fails_when_python_uses_ddof0():
    res = run_check("scaling_scale", ctx_for(r_side(), py_side(ddof0=True)))
    assert res.status is Status.FAIL
    assert "max rel 7.3e-04" in res.difference  # 1 - sqrt(685/686)
    assert run_check("scaling_center", ctx_for(r_side(), py_side(ddof0=True))).status is Status.PASS


def test_parity_split_indices_fails_when_python_draws_with_numpy():
    ctx = ctx_for(r_side(), py_side(numpy_split=True))
    res = run_check("split_indices", ctx)
    assert res.status is Status.FAIL
    assert "order differs" in res.detail and "test " in res.detail
    assert run_check("split_sizes", ctx).status is Status.PASS  # sizes alone cannot see it
    assert run_check("class_balance", ctx).status is Status.FAIL


def test_parity_test_predictions_fail_beyond_1e6():
    res = run_check("test_predictions", ctx_for(r_side(), py_side(prediction_shift=True)))
    assert res.status is Status.FAIL and "1.0e-04" in res.difference


def test_parity_r_failure_marks_r_checks_failed_not_crashed():
    from r_reference.errors import RScriptError

    def broken_r(seed=None, data=None, timeout=None):
        raise RScriptError("object 'x' not found", call="eval(expr)")

    ctx = AuditContext(AuditOptions(seeds=2), py_runner=lambda seed=None, data=None: py_side(), r_runner=broken_r)
    res = run_check("split_indices", ctx)
    assert res.status is Status.FAIL and "object 'x' not found" in res.detail
    assert run_check("pitfall_population_sd", ctx).status is Status.WARN  # Python-side checks still run


def test_parity_no_r_skips_with_reason():
    ctx = AuditContext(AuditOptions(seeds=2, use_r=False), py_runner=lambda seed=None, data=None: py_side())
    res = run_check("roc_auc", ctx)
    assert res.status is Status.SKIP and "--no-r" in res.detail


def test_parity_metric_ranges_fails_on_shifted_distribution():
    g = np.random.default_rng(1)
    base = py_side()
    r_runs = [replace(base, test_accuracy=a, auc=u) for a, u in zip(g.normal(0.65, 0.02, 30), g.normal(0.70, 0.02, 30))]
    p_runs = [replace(base, test_accuracy=a, auc=u) for a, u in zip(g.normal(0.55, 0.02, 30), g.normal(0.70, 0.02, 30))]
    ctx = ctx_for(base, base)
    ctx._cache["r_runs"], ctx._cache["py_runs"] = ("ok", r_runs), ("ok", p_runs)
    res = run_check("metric_ranges", ctx)
    assert res.status is Status.FAIL and "accuracy: p=" in res.detail
    ctx._cache["py_runs"] = ("ok", r_runs[::-1])
    assert run_check("metric_ranges", ctx).status is Status.PASS


def test_parity_pitfalls_compute_their_sizes():
    ctx = ctx_for(r_side(), py_side())
    ctx._cache["py_runs"] = ("ok", [py_side()])
    ctx._cache["r_runs"] = ("ok", [r_side()])
    sd = run_check("pitfall_population_sd", ctx)
    assert sd.status is Status.WARN and abs(sd.data["ratio"][0] - np.sqrt(686 / 685)) < 1e-12
    split = run_check("pitfall_numpy_split", ctx)
    assert split.status is Status.WARN and split.data["kept"]["train_test_split"] < 60
    codes = run_check("pitfall_factor_codes", ctx)
    assert codes.status is Status.WARN and codes.data["acc12"] < codes.data["acc01"]
    roc_dir = run_check("pitfall_sklearn_roc_direction", ctx)
    assert roc_dir.status is Status.WARN
    assert abs(roc_dir.data["reversed_auc_proc"] + roc_dir.data["reversed_auc_sklearn"] - 1) < 1e-12
