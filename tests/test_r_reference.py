"""The R reference: the article's R script run unmodified through rpy2 in a fresh worker process
(`r_reference.runner.run_script`), its values read from R by checkpoint expressions.

Needs R (+ survival, pROC, magrittr) and rpy2; skipped otherwise (conftest's `requires_r`).
One seeded run of the article is shared by the module (~8 s); the error cases use tiny scripts.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from parity.case import default_case_file, load_case
from parity.values import plain, to_python
from r_reference.availability import run_rscript
from r_reference.errors import (
    RReferenceError, RScriptError, RScriptQuit, RTimeoutError, RUnavailableError, RWorkerCrashed,
)
from r_reference.runner import run_script

pytestmark = pytest.mark.requires_r

SEED = 7
FEATURES = ["age", "meno", "size", "grade", "nodes", "pgr", "er", "hormon"]
CASE = load_case(default_case_file())
FIXTURE = CASE.r_script

# Read from R after the script: the article's own variables, nothing recomputed in Python.
CHECKPOINTS = {
    "train": "train_indices", "val": "val_indices", "test": "test_indices",
    "center": 'attr(preprocessed_features, "scaled:center")',
    "scale": 'attr(preprocessed_features, "scaled:scale")',
    "feature_names": "colnames(features)",
    "class_balance": CASE.checkpoint("class_balance").r,
    "test_labels": "test_labels",
    "predictions": "as.numeric(predictions)", "predictions_dim": "dim(predictions)",
    "history": "history$metrics", "history_params": "history$params",
    "test_loss": 'test_loss[["loss"]]', "test_accuracy": 'test_loss[["accuracy"]]',
    "auc": "as.numeric(roc_obj$auc)", "auc_ci": "as.numeric(ci.auc(roc_obj))",
    "best": 'coords(roc_obj, "best")', "direction": "roc_obj$direction", "levels": "roc_obj$levels",
    "model": "model",
}

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
    """One seeded R-driven run of the article (a fresh worker), shared by the module."""
    return run_script(FIXTURE, checkpoints=CHECKPOINTS, seed=SEED, plot_path=plot_file)


@pytest.fixture(scope="module")
def v(r_run):
    assert r_run.errors == {}
    out = {k: plain(x) for k, x in r_run.values.items()}
    return {k: x.item() if isinstance(x, np.ndarray) and x.size == 1 else x for k, x in out.items()}


@pytest.fixture(scope="module")
def rscript():
    return r_direct()


# ---- checkpoints equal what R computes directly -------------------------------------------

def test_split_indices_equal_rscript_exactly(v, rscript):
    for name in ("train", "val", "test"):
        assert v[name].dtype.kind == "i"
        np.testing.assert_array_equal(v[name], rscript[name].astype(np.int64), err_msg=name)
    assert (len(v["train"]), len(v["val"]), len(v["test"])) == (480, 102, 104)
    assert v["train"][:10].tolist() == [415, 463, 179, 526, 195, 118, 299, 229, 244, 14]


def test_scaling_equals_rscript(v, rscript):
    # %.17g round-trips doubles, so this is exact; the declared tolerance is rtol 1e-12.
    np.testing.assert_allclose(list(v["center"].values()), rscript["center"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(list(v["scale"].values()), rscript["scale"], rtol=1e-12, atol=0)
    assert list(v["center"]) == FEATURES and v["feature_names"].tolist() == FEATURES


def test_class_balance_and_test_labels_follow_r_labels(v, rscript):
    labels = rscript["labels"].astype(int)
    for split in ("train", "val", "test"):
        vals, counts = np.unique(labels[v[split] - 1], return_counts=True)
        assert v["class_balance"][split] == {str(a): int(c) for a, c in zip(vals, counts)}
    np.testing.assert_array_equal(v["test_labels"], labels[v["test"] - 1])


# ---- the model path: R-driven Keras equals native Python Keras with the same seed ------------

def test_predictions_equal_native_python_with_the_same_keras_seed(v):
    from python_impl.pipeline import run_article

    native = run_article(seed=SEED)
    for name, idx in (("train", native.train_indices), ("val", native.val_indices), ("test", native.test_indices)):
        np.testing.assert_array_equal(idx, v[name], err_msg=name)
    assert v["predictions"].dtype == np.float64 and v["predictions"].shape == (104,)
    # Proves the data path: column order, float32, row order (R is column-major).
    np.testing.assert_allclose(v["predictions"], native.predictions, rtol=0, atol=1e-6)
    for k in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(v["history"][k], native.history[k], rtol=0, atol=1e-6, err_msg=k)
    assert abs(v["test_loss"] - native.test_loss) <= 1e-6
    assert abs(v["test_accuracy"] - native.test_accuracy) <= 1e-9


def test_bridge_makes_the_same_keras_calls_as_build_model(r_run, v):
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
    model = to_python(r_run.values["model"])
    assert [int(layer["params"][0]) for layer in model["layers"]] == [128, 0, 0, 6208, 65]
    assert model["layers"][0]["class"].tolist() == ["Conv1D"]
    assert model["layers"][0]["output_shape"].tolist() == [6, 32]


def test_r_objects_have_r_keras_shapes(r_run, v):
    assert list(v["history"]) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(x) == 10 for x in v["history"].values())
    assert v["history_params"]["epochs"] == 10 and v["history_params"]["steps"] == 15
    assert v["predictions_dim"].tolist() == [104, 1]  # predict() gave an n x 1 R matrix
    assert r_run.extra["fit_x_shape"] == [480, 8]
    assert to_python(r_run.values["model"])["input_shape"].tolist() == [-1, 8, 1]
    # evaluate() gave a named numeric vector that prints as in the article
    assert "     loss  accuracy \n" in r_run.console
    assert f"{v['test_loss']:.7f}"[:6] in r_run.console
    n_right = v["test_accuracy"] * 104  # accuracy over the 104 test rows (a float32 from Keras)
    assert abs(n_right - round(n_right)) < 1e-4


def test_roc_checkpoints_come_from_proc(r_run, v):
    assert v["levels"].tolist() == ["0", "1"]
    assert v["direction"] in ("<", ">")
    lo, auc, hi = v["auc_ci"]
    assert lo <= auc <= hi and abs(auc - v["auc"]) < 1e-12
    assert 0.0 < v["auc"] < 1.0
    assert list(v["best"].columns) == ["threshold", "specificity", "sensitivity"] and len(v["best"]) >= 1
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
    assert r_run.seed == SEED and r_run.extra["worker"] == {"mode": "fresh"}
    assert any("Deprecated use a matrix as predictor" in w for w in r_run.warnings)
    assert "Warning message:\nIn roc.default(test_labels, predictions) :" in r_run.console
    assert "'data.frame':\t686 obs." in r_run.console  # str(gbsg)
    assert "Epoch 10/10" in r_run.console  # Keras's own log, shown in R's console
    assert "\x1b[" not in r_run.console
    assert r_run.extra["r_session"]["globalenv_before_script"] == []
    assert plot_file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for key in ("r_start_s", "script_s", "fit_s", "keras_import_s", "total_s"):
        assert r_run.timings[key] > 0


def test_user_data_defines_gbsg_which_wins_over_survivals(tmp_path):
    # 600 rows of R's gbsg: `data <- gbsg` after library(survival) must see these, not the dataset.
    csv = tmp_path / "gbsg600.csv"
    run_rscript(f'library(survival); write.csv(gbsg[1:600, ], "{csv}", row.names = FALSE)')
    code = "\n".join(line for line in _article_lines() if line.startswith((
        "library(survival)", "data <-", "features <-", "labels <-", "preprocessed_features", "set.seed",
        "train_indices", "val_indices", "test_indices")))
    res = run_script(code, checkpoints={"train": "train_indices", "test": "test_indices", "model": "model",
                                        "center": CHECKPOINTS["center"]}, bindings={"gbsg": csv}, timeout=120)
    direct = r_direct(f'read.csv("{csv}")')
    assert len(plain(res.values["train"])) == 420
    np.testing.assert_array_equal(plain(res.values["test"]), direct["test"].astype(np.int64))
    np.testing.assert_allclose(list(plain(res.values["center"]).values()), direct["center"], rtol=1e-12, atol=0)
    assert res.extra["r_session"]["globalenv_before_script"] == ["gbsg"]
    assert "object 'model' not found" in res.errors["model"]  # a checkpoint's own R error, not a crash


def _article_lines() -> list[str]:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    end = next(i for i, ln in enumerate(lines) if ln.startswith("# ---- end of header"))
    return [ln.rstrip() for ln in lines[end + 1:] if ln.strip()]


# ---- errors ------------------------------------------------------------------------------

def test_broken_script_raises_r_script_error_with_rs_message():
    with pytest.raises(RScriptError) as ei:
        run_script("x <- 1\ny <- undefined_var + 1\n", timeout=120)
    e = ei.value
    assert e.r_message == "object 'undefined_var' not found"
    assert e.call.startswith("eval(") and e.line == 2 and e.expression == "y <- undefined_var + 1"
    assert "object 'undefined_var' not found" in str(e) and "line 2" in str(e)
    assert isinstance(e, RReferenceError)


def test_quit_gives_a_clear_error():
    with pytest.raises(RWorkerCrashed) as ei:
        run_script('cat("before\\n")\nquit(status = 2)\ncat("after\\n")\n', timeout=120)
    e = ei.value
    assert isinstance(e, RScriptQuit) and e.status == 2 and e.line == 2
    assert "called quit(status = 2)" in str(e)
    assert e.console == "before\n"


def test_base_quit_ending_the_worker_is_detected():
    with pytest.raises(RWorkerCrashed, match=r"quit\(status = 3\) ended the worker"):
        run_script("base::quit(status = 3)\n", timeout=120)


def test_never_ending_script_times_out_and_is_killed():
    t = time.perf_counter()
    with pytest.raises(RTimeoutError) as ei:
        run_script('cat("sleeping\\n")\nSys.sleep(1000)\n', timeout=5)
    assert time.perf_counter() - t < 30  # killed at 5 s, not left to sleep
    assert ei.value.timeout == 5 and "sleeping" in ei.value.console


def test_unsupported_keras_function_names_itself():
    code = FIXTURE.read_text(encoding="utf-8").replace(
        "  layer_flatten() %>%\n", "  layer_lstm(units = 4) %>%\n  layer_flatten() %>%\n")
    assert "layer_lstm" in code
    with pytest.raises(RScriptError) as ei:
        run_script(code, cwd=FIXTURE.parent, timeout=300)
    e = ei.value
    assert "keras function 'layer_lstm' is not provided by the rpy2 bridge" in e.r_message
    assert "layer_lstm(., units = 4)" in e.call


def test_unknown_keras_like_function_gets_a_hint():
    with pytest.raises(RScriptError, match="looks like a keras function") as ei:
        run_script("library(keras)\nlayer_foo(1)\n", timeout=120)
    assert ei.value.r_message == 'could not find function "layer_foo"'


def test_parse_error_is_a_script_error():
    with pytest.raises(RScriptError, match="could not parse") as ei:
        run_script("x <- (1 + \n", timeout=120)
    assert ei.value.kind == "parse_error" and "unexpected end of input" in ei.value.r_message


def test_native_backend_unavailable_here_says_so():
    if run_rscript('cat(requireNamespace("keras", quietly = TRUE))').strip() == "TRUE":
        pytest.skip("R's keras package is installed here")
    with pytest.raises(RUnavailableError, match="keras_backend='native'"):
        run_script("x <- 1\n", keras_backend="native", timeout=120)
    with pytest.raises(ValueError):
        run_script("x <- 1\n", keras_backend="reticulate")
