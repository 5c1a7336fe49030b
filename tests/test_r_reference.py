"""The R reference: the article's R script run through rpy2 in a worker process.

Needs R (+ survival, pROC, magrittr) and rpy2; skipped otherwise (conftest's `requires_r`).
One seeded run of the article is shared by the module (~8 s); the error cases use tiny scripts.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from r_reference.availability import run_rscript
from r_reference.errors import (
    RReferenceError, RScriptError, RScriptQuit, RTimeoutError, RUnavailableError, RWorkerCrashed,
)
from r_reference.fixture import FIXTURE, fixture_code_lines
from r_reference.runner import run_article

pytestmark = pytest.mark.requires_r

SEED = 7
FEATURES = ["age", "meno", "size", "grade", "nodes", "pgr", "er", "hormon"]

# What R computes directly (Rscript, no rpy2, no bridge): the article's statements of 4.2, with
# every number printed to 17 significant digits so the comparison can be exact.
R_DIRECT = r"""
suppressMessages(library(survival))
data <- %(data)s
features <- data[, c("age", "meno", "size", "grade", "nodes", "pgr", "er", "hormon")]
labels <- data$status
preprocessed_features <- scale(features)
set.seed(123)
train_indices <- sample(x = 1:nrow(data), size = 0.7 * nrow(data), replace = FALSE)
val_indices <- sample(setdiff(1:nrow(data), train_indices), size = 0.15 * nrow(data), replace = FALSE)
test_indices <- setdiff(setdiff(1:nrow(data), train_indices), val_indices)
out <- function(name, x) cat(name, sprintf("%%.17g", x), "\n")
out("train", train_indices); out("val", val_indices); out("test", test_indices)
out("center", attr(preprocessed_features, "scaled:center"))
out("scale", attr(preprocessed_features, "scaled:scale"))
out("labels", as.integer(labels))
"""


def r_direct(data_expr: str = "gbsg") -> dict[str, np.ndarray]:
    rows = run_rscript(R_DIRECT % {"data": data_expr}).strip().splitlines()
    return {r.split()[0]: np.array([float(v) for v in r.split()[1:]]) for r in rows}


@pytest.fixture(scope="module")
def plot_file(tmp_path_factory):
    return tmp_path_factory.mktemp("r_plot") / "roc.png"


@pytest.fixture(scope="module")
def r_run(plot_file):
    """One seeded R-driven run of the article, shared by the module."""
    return run_article(seed=SEED, plot_path=plot_file)


@pytest.fixture(scope="module")
def rscript():
    return r_direct()


# ---- checkpoints equal what R computes directly -------------------------------------------

def test_split_indices_equal_rscript_exactly(r_run, rscript):
    for side, name in ((r_run.train_indices, "train"), (r_run.val_indices, "val"), (r_run.test_indices, "test")):
        assert side.dtype.kind == "i"
        np.testing.assert_array_equal(side, rscript[name].astype(np.int64), err_msg=name)
    assert (len(r_run.train_indices), len(r_run.val_indices), len(r_run.test_indices)) == (480, 102, 104)
    assert r_run.train_indices[:10].tolist() == [415, 463, 179, 526, 195, 118, 299, 229, 244, 14]


def test_scaling_equals_rscript(r_run, rscript):
    # %.17g round-trips doubles, so this is exact; the declared tolerance is rtol 1e-12.
    np.testing.assert_allclose(r_run.center, rscript["center"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(r_run.scale, rscript["scale"], rtol=1e-12, atol=0)
    assert r_run.extra["feature_names"] == FEATURES


def test_class_balance_and_test_labels_follow_r_labels(r_run, rscript):
    labels = rscript["labels"].astype(int)
    for split, idx in (("train", r_run.train_indices), ("val", r_run.val_indices), ("test", r_run.test_indices)):
        vals, counts = np.unique(labels[idx - 1], return_counts=True)
        assert r_run.class_balance[split] == {str(v): int(c) for v, c in zip(vals, counts)}
    np.testing.assert_array_equal(r_run.test_labels, labels[r_run.test_indices - 1])


# ---- the model path: R-driven Keras equals native Python Keras with the same seed ------------

def _native(seed: int, r_result):
    """The native Python run: python_impl.pipeline if present, else build_model + fit here."""
    try:
        from python_impl.pipeline import run_article as native_run_article
    except ImportError:
        native_run_article = None
    if native_run_article is not None:
        return native_run_article(seed=seed)
    from python_impl import training
    from python_impl.data import features_labels, load_gbsg
    from python_impl.model import build_model, seed_everything
    from python_impl.preprocess import r_scale

    x, y = features_labels(load_gbsg())
    xs, _, _ = r_scale(x)
    tr, va, te = (r_result.train_indices - 1, r_result.val_indices - 1, r_result.test_indices - 1)
    seed_everything(seed)
    model = build_model()
    history = training.fit(model, xs[tr], y[tr], xs[va], y[va])
    loss, acc = training.evaluate(model, xs[te], y[te])

    class _R:  # the few fields compared below
        pass

    out = _R()
    out.train_indices, out.val_indices, out.test_indices = r_result.train_indices, r_result.val_indices, r_result.test_indices
    out.history, out.test_loss, out.test_accuracy = history, loss, acc
    out.predictions = training.predict(model, xs[te])
    return out


def test_predictions_equal_native_python_with_the_same_keras_seed(r_run):
    native = _native(SEED, r_run)
    for name in ("train_indices", "val_indices", "test_indices"):
        np.testing.assert_array_equal(getattr(native, name), getattr(r_run, name), err_msg=name)
    assert r_run.predictions.dtype == np.float64 and r_run.predictions.shape == (104,)
    # Proves the data path: column order, float32, row order (R is column-major).
    np.testing.assert_allclose(r_run.predictions, native.predictions, rtol=0, atol=1e-6)
    for k in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(r_run.history[k], native.history[k], rtol=0, atol=1e-6, err_msg=k)
    assert abs(r_run.test_loss - native.test_loss) <= 1e-6
    assert abs(r_run.test_accuracy - native.test_accuracy) <= 1e-9


def test_bridge_makes_the_same_keras_calls_as_build_model(r_run):
    assert r_run.extra["keras_backend"] == "bridge"
    calls = r_run.extra["keras_calls"]
    assert calls[:8] == [
        f"seed_everything({SEED})",
        "Sequential()",
        "add(Conv1D(filters=32, kernel_size=3, activation='relu', input_shape=(8, 1)))",
        "add(MaxPooling1D(pool_size=2))",
        "add(Flatten())",
        "add(Dense(units=64, activation='relu'))",
        "add(Dense(units=1, activation='sigmoid'))",
        "compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])",
    ]
    # R doubles reached Keras as ints, R matrices as float32 (n, 8), labels as float32 (n,)
    assert calls[8].startswith("fit(x=float32[480, 8], y=float32[480], validation_data=(float32[102, 8], float32[102]), "
                               "batch_size=32, epochs=10,")
    assert calls[10].endswith("-> float32[104, 1]")
    assert [row["params"] for row in r_run.model_summary] == [128, 0, 0, 6208, 65]
    assert r_run.model_summary[0] == {"class": "Conv1D", "output_shape": [None, 6, 32], "params": 128}


def test_r_objects_have_r_keras_shapes(r_run):
    assert list(r_run.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(v) == 10 for v in r_run.history.values())
    assert r_run.extra["history_params"]["epochs"] == 10 and r_run.extra["history_params"]["steps"] == 15
    assert r_run.extra["predictions_dim"] == [104, 1]  # predict() gave an n x 1 R matrix
    assert r_run.extra["fit_x_shape"] == [480, 8] and r_run.extra["model_input_shape"] == [None, 8, 1]
    # evaluate() gave a named numeric vector that prints as in the article
    assert "     loss  accuracy \n" in r_run.console
    assert f"{r_run.test_loss:.7f}"[:6] in r_run.console
    n_right = r_run.test_accuracy * 104  # accuracy over the 104 test rows (a float32 from Keras)
    assert abs(n_right - round(n_right)) < 1e-4


def test_roc_checkpoints_come_from_proc(r_run):
    assert r_run.roc_levels == ("0", "1")
    assert r_run.roc_direction in ("<", ">")
    lo, auc, hi = r_run.auc_ci
    assert lo <= auc <= hi and abs(auc - r_run.auc) < 1e-12
    assert 0.0 < r_run.auc < 1.0
    assert r_run.best_threshold and set(r_run.best_threshold[0]) == {"threshold", "specificity", "sensitivity"}
    assert "Setting levels: control = 0, case = 1" in r_run.console


# ---- the harness around the script ---------------------------------------------------------

def test_install_packages_is_neutralised_and_logged(r_run):
    assert r_run.extra["install_packages_calls"] == [
        {"call": 'install.packages("reticulate")', "packages": ["reticulate"]},
        {"call": 'install.packages("pROC")', "packages": ["pROC"]},
    ]
    by = {c["package"]: c["by"] for c in r_run.extra["library_calls"]}
    assert by == {"survival": "base::library", "reticulate": "rpy2 bridge", "keras": "rpy2 bridge",
                  "pROC": "base::library"}


def test_console_warnings_plot_and_clean_globalenv(r_run, plot_file):
    assert r_run.side == "r" and r_run.keras_seed == SEED
    assert any("Deprecated use a matrix as predictor" in w for w in r_run.warnings)
    assert "Warning message:\nIn roc.default(test_labels, predictions) :" in r_run.console
    assert "'data.frame':\t686 obs." in r_run.console  # str(gbsg)
    assert "Epoch 10/10" in r_run.console  # Keras's own log, shown in R's console
    assert "\x1b[" not in r_run.console
    assert r_run.extra["r_session"]["globalenv_before_script"] == []
    assert plot_file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert r_run.extra["missing_checkpoints"] == []
    for key in ("r_start_s", "script_s", "fit_s", "keras_import_s", "total_s"):
        assert r_run.timings[key] > 0


def test_user_data_defines_gbsg_which_wins_over_survivals(tmp_path):
    # 600 rows of R's gbsg: `data <- gbsg` after library(survival) must see these, not the dataset.
    csv = tmp_path / "gbsg600.csv"
    run_rscript(f'library(survival); write.csv(gbsg[1:600, ], "{csv}", row.names = FALSE)')
    code = "\n".join(line for line in fixture_code_lines() if line.startswith(("library(survival)", "data <-", "features <-",
                                                                             "labels <-", "preprocessed_features",
                                                                             "set.seed", "train_indices", "val_indices",
                                                                             "test_indices")))
    res = run_article(script=code, data=csv, timeout=120)
    direct = r_direct(f'read.csv("{csv}")')
    assert len(res.train_indices) == 420
    np.testing.assert_array_equal(res.test_indices, direct["test"].astype(np.int64))
    np.testing.assert_allclose(res.center, direct["center"], rtol=1e-12, atol=0)
    assert res.extra["r_session"]["globalenv_before_script"] == ["gbsg"]
    assert "model_summary" in res.extra["missing_checkpoints"]


# ---- errors ------------------------------------------------------------------------------

def test_broken_script_raises_r_script_error_with_rs_message():
    with pytest.raises(RScriptError) as ei:
        run_article(script="x <- 1\ny <- undefined_var + 1\n", timeout=120)
    e = ei.value
    assert e.r_message == "object 'undefined_var' not found"
    assert e.call.startswith("eval(") and e.line == 2 and e.expression == "y <- undefined_var + 1"
    assert "object 'undefined_var' not found" in str(e) and "line 2" in str(e)
    assert isinstance(e, RReferenceError)


def test_quit_gives_a_clear_error():
    with pytest.raises(RWorkerCrashed) as ei:
        run_article(script='cat("before\\n")\nquit(status = 2)\ncat("after\\n")\n', timeout=120)
    e = ei.value
    assert isinstance(e, RScriptQuit) and e.status == 2 and e.line == 2
    assert "called quit(status = 2)" in str(e)
    assert e.console == "before\n"


def test_base_quit_ending_the_worker_is_detected():
    with pytest.raises(RWorkerCrashed, match=r"quit\(status = 3\) ended the worker"):
        run_article(script="base::quit(status = 3)\n", timeout=120)


def test_never_ending_script_times_out_and_is_killed():
    t = time.perf_counter()
    with pytest.raises(RTimeoutError) as ei:
        run_article(script='cat("sleeping\\n")\nSys.sleep(1000)\n', timeout=5)
    assert time.perf_counter() - t < 10
    assert ei.value.timeout == 5 and "sleeping" in ei.value.console


def test_unsupported_keras_function_names_itself():
    code = FIXTURE.read_text(encoding="utf-8").replace(
        "  layer_flatten() %>%\n", "  layer_dropout(rate = 0.5) %>%\n  layer_flatten() %>%\n")
    assert "layer_dropout" in code
    with pytest.raises(RScriptError) as ei:
        run_article(script=code, timeout=300)
    e = ei.value
    assert "keras function 'layer_dropout' is not provided by the rpy2 bridge" in e.r_message
    assert "layer_dropout(., rate = 0.5)" in e.call


def test_unknown_keras_like_function_gets_a_hint():
    with pytest.raises(RScriptError, match="looks like a keras function") as ei:
        run_article(script="library(keras)\nlayer_foo(1)\n", timeout=120)
    assert ei.value.r_message == 'could not find function "layer_foo"'


def test_parse_error_is_a_script_error():
    with pytest.raises(RScriptError, match="could not parse") as ei:
        run_article(script="x <- (1 + \n", timeout=120)
    assert ei.value.kind == "parse_error" and "unexpected end of input" in ei.value.r_message


def test_native_backend_unavailable_here_says_so():
    if run_rscript('cat(requireNamespace("keras", quietly = TRUE))').strip() == "TRUE":
        pytest.skip("R's keras package is installed here")
    with pytest.raises(RUnavailableError, match="keras_backend='native'"):
        run_article(script="x <- 1\n", keras_backend="native", timeout=120)
    with pytest.raises(ValueError):
        run_article(keras_backend="reticulate")
