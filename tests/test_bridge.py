"""The rpy2 keras bridge's breadth (r_reference/keras_bridge.R + r_reference/bridge.py).

Each bridged R keras function must (1) have R keras 2.15's argument names and defaults (checked
against `cases/keras_breadth/r_keras_formals.json`, extracted from R keras's own sources), (2)
make the Keras calls a native Python port makes (`run.extra["keras_calls"]` against the port's
calls written out below), and (3) with a shared seed give the port's numbers: one R run of
`cases/keras_breadth/breadth.R` (an MLP with batch normalization, dropout, regularizers, an Adam
object, a loss object, AUC, early stopping, class weights and a validation split; a functional
conv model with SGD and `lr`; a 2-D CNN with metric and loss functions passed uncalled) is
compared with the same models built natively in this process. Refusals (an argument Keras 3 has
no counterpart for, a keras function the bridge lacks) are R errors naming them.

Runtime (measured on the 2 shared cores): 13 tests in ~31 s -- two R runs (~15 s and ~8 s,
mostly TensorFlow's import and the fits) and the native port in this process."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from parity.values import to_python

CASE = Path(__file__).parent / "cases" / "keras_breadth"
SCRIPT = CASE / "breadth.R"
FORMALS = json.loads((CASE / "r_keras_formals.json").read_text())
SEED = 42
TOL = 1e-6  # float32 Keras on both sides; measured difference is 0 (see test docstrings)

requires_r = pytest.mark.requires_r
pytestmark = pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`:UserWarning")  # R keras passes it so

CHECKPOINTS = {name: name for name in (
    "x", "y", "imgs", "y3", "mlp_init", "mlp_hist", "mlp_pred", "mlp_score", "mlp_params",
    "mlp_params_dollar", "r_draws_after_seed", "mlp2_init", "roundtrip", "f_hist", "f_pred", "cnn_hist",
    "cnn_pred", "other_reprs", "err_seed_before_tf", "err_arg", "err_layer_arg", "err_unused",
    "err_fit_arg", "err_fn", "err_ns", "err_session")}
CHECKPOINTS["bridge_formals"] = (
    "local({e <- environment(keras_model_sequential); vapply(c(%s), function(n) {"
    " fm <- formals(get(if (n == 'predict') 'predict.rpy2bridge_keras_model' else n, envir = e));"
    " paste(vapply(names(fm), function(a) paste0(a, '=', if (identical(fm[[a]], quote(expr = ))) '<required>'"
    " else paste(deparse(fm[[a]], width.cutoff = 500L), collapse = ' ')), ''), collapse = '|')}, '')})"
    % ", ".join(f"'{n}'" for n in FORMALS))
CHECKPOINTS["stubs_fail_naming_themselves"] = (  # a function when called, a module (keras, tf) at `$`
    "local({u <- get('.unsupported', environment(keras_model_sequential)); all(vapply(u, function(n) {"
    " msg <- tryCatch({o <- get(n); if (is.function(o)) o() else o$random; ''}, error = conditionMessage);"
    " grepl(n, msg, fixed = TRUE) && grepl('is not provided by the rpy2 bridge', msg, fixed = TRUE)}, NA))})")
CHECKPOINTS["err_tf_module"] = "tryCatch(tf$random$set_seed(1), error = conditionMessage)"
CHECKPOINTS["exports_not_stubs"] = (
    "length(intersect(get('.exports', environment(keras_model_sequential)),"
    " get('.unsupported', environment(keras_model_sequential))))")


def plain(v):
    return to_python(v)


# ---- the native port: the same models, built in this process by the calls R keras makes ------

def _build_mlp(keras):
    L = keras.layers
    m = keras.Sequential()
    m.add(L.Dense(units=16, kernel_initializer="he_normal", kernel_regularizer=keras.regularizers.L2(l2=0.001),
                  input_shape=(6,)))
    m.add(L.BatchNormalization())
    m.add(L.Activation(activation="relu"))
    m.add(L.Dropout(rate=0.3))
    m.add(L.Dense(units=8, kernel_regularizer=keras.regularizers.L1L2(l1=0.001, l2=0.001)))
    m.add(L.LeakyReLU(negative_slope=0.1))
    m.add(L.Dropout(rate=0.2, seed=11))
    m.add(L.Dense(units=1, activation="sigmoid"))
    return m


MLP_CALLS = [
    "Sequential()",
    "add(Dense(units=16, kernel_initializer='he_normal', kernel_regularizer=L2(l2=0.001), input_shape=(6,)))",
    "add(BatchNormalization())",
    "add(Activation(activation='relu'))",
    "add(Dropout(rate=0.3))",
    "add(Dense(units=8, kernel_regularizer=L1L2(l1=0.001, l2=0.001)))",
    "add(LeakyReLU(negative_slope=0.1))",
    "add(Dropout(rate=0.2, seed=11))",
    "add(Dense(units=1, activation='sigmoid'))",
]

EXPECTED_CALLS = [
    f"seed_everything({SEED})", *MLP_CALLS, "get_weights()",
    "compile(optimizer=Adam(learning_rate=0.01), loss=BinaryCrossentropy(), metrics=['accuracy', AUC()])",
    "fit(x=float32[240, 6], y=float32[240], validation_data=None, batch_size=32, epochs=40, verbose=0, "
    "validation_split=0.25, shuffle=True, class_weight={0: 1.0, 1: 1.5}, initial_epoch=0, "
    "callbacks=[EarlyStopping(monitor='val_loss', min_delta=0.002, patience=2, mode='min', restore_best_weights=True)])",
    "predict(x=float32[240, 6], batch_size=64, verbose=0) -> float32[240, 1]",
    "evaluate(x=float32[240, 6], y=float32[240], batch_size=64, verbose=0)",
    "count_params() -> 321", "count_params() -> 321",
    "seed_everything(42)", *MLP_CALLS, "get_weights()",
    "set_weights([float32[6, 16], float32[16], float32[16], float32[16], float32[16], float32[16], "
    "float32[16, 8], float32[8], float32[8, 1], float32[1]])",
    "get_weights()",
    "seed_everything(7)",
    "t1 = Input(shape=(6,))",
    "t2 = Reshape(target_shape=(6, 1))(t1)",
    "t3 = Conv1D(filters=4, kernel_size=3, activation='relu')(t2)",
    "t4 = AveragePooling1D(pool_size=2)(t3)",
    "t5 = GlobalMaxPooling1D()(t4)",
    "t6 = Dense(units=3)(t5)",
    "t7 = Softmax()(t6)",
    "Model(inputs=t1, outputs=t7)",
    "to_categorical(x=float32[240], num_classes=3).astype('float32') -> float32[240, 3]",
    "compile(optimizer=SGD(learning_rate=0.05, momentum=0.9), loss='categorical_crossentropy', metrics=['accuracy'])",
    "fit(x=float32[240, 6], y=float32[240, 3], validation_data=None, batch_size=32, epochs=3, verbose=0, "
    "validation_split=0.0, shuffle=False, initial_epoch=0)",
    "predict(x=float32[240, 6], batch_size=32, verbose=0) -> float32[240, 3]",
    "seed_everything(3)",
    "Sequential()",
    "add(Conv2D(filters=2, kernel_size=(2, 2), input_shape=(4, 4, 1)))",
    "add(ReLU())",
    "add(MaxPooling2D(pool_size=(2, 2)))",
    "add(GlobalAveragePooling2D())",
    "add(Dense(units=1, activation='sigmoid'))",
    "compile(optimizer=RMSprop(learning_rate=0.005), loss=losses.binary_crossentropy, metrics=[metrics.binary_accuracy])",
    "fit(x=float32[240, 4, 4, 1], y=float32[240], validation_data=None, batch_size=32, epochs=2, verbose=0, "
    "validation_split=0.0, shuffle=True, initial_epoch=0)",
    "predict(x=float32[240, 4, 4, 1], batch_size=32, verbose=0) -> float32[240, 1]",
    "backend.clear_session()",
]


def native_port(x, y, imgs, learning_rate=0.01) -> dict:
    """breadth.R in Python Keras: what a port of the script writes (seeded where the script is)."""
    from python_impl.model import keras as _keras, seed_everything

    keras = _keras()
    L = keras.layers
    x, y, imgs = (np.ascontiguousarray(a, dtype=np.float32) for a in (x, y, imgs))
    out = {}
    seed_everything(SEED)  # the case seed, just before the first model
    mlp = _build_mlp(keras)
    out["mlp_init"] = mlp.get_weights()
    mlp.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                loss=keras.losses.BinaryCrossentropy(), metrics=["accuracy", keras.metrics.AUC()])
    h = mlp.fit(x, y, batch_size=32, epochs=40, verbose=0, validation_split=0.25, shuffle=True,
                class_weight={0: 1.0, 1: 1.5},
                callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0.002, patience=2,
                                                         mode="min", restore_best_weights=True)])
    out["mlp_hist"] = h.history
    out["mlp_pred"] = mlp.predict(x, batch_size=64, verbose=0)
    out["mlp_score"] = mlp.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    out["mlp_params"] = mlp.count_params()
    if learning_rate != 0.01:
        return out
    seed_everything(42)  # tensorflow::set_random_seed(42)
    out["mlp2_init"] = _build_mlp(keras).get_weights()

    seed_everything(7)
    t1 = keras.Input(shape=(6,))
    t2 = L.Reshape(target_shape=(6, 1))(t1)
    t3 = L.Conv1D(filters=4, kernel_size=3, activation="relu")(t2)
    t4 = L.AveragePooling1D(pool_size=2)(t3)
    t5 = L.GlobalMaxPooling1D()(t4)
    t6 = L.Dense(units=3)(t5)
    t7 = L.Softmax()(t6)
    fmodel = keras.Model(inputs=t1, outputs=t7)
    y3 = keras.utils.to_categorical(y + (x[:, 2] > 1), num_classes=3).astype("float32")
    out["y3"] = y3
    fmodel.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
                   loss="categorical_crossentropy", metrics=["accuracy"])
    out["f_hist"] = fmodel.fit(x, y3, batch_size=32, epochs=3, verbose=0, shuffle=False).history
    out["f_pred"] = fmodel.predict(x, batch_size=32, verbose=0)

    seed_everything(3)
    cnn = keras.Sequential()
    cnn.add(L.Conv2D(filters=2, kernel_size=(2, 2), input_shape=(4, 4, 1)))
    cnn.add(L.ReLU())
    cnn.add(L.MaxPooling2D(pool_size=(2, 2)))
    cnn.add(L.GlobalAveragePooling2D())
    cnn.add(L.Dense(units=1, activation="sigmoid"))
    cnn.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.005), loss=keras.losses.binary_crossentropy,
                metrics=[keras.metrics.binary_accuracy])
    out["cnn_hist"] = cnn.fit(imgs, y, batch_size=32, epochs=2, verbose=0).history
    out["cnn_pred"] = cnn.predict(imgs, batch_size=32, verbose=0)
    return out


def assert_same(r, native, what):
    """R's value (float64 from Keras's float32) equals the native one within TOL, same shape."""
    r, native = np.asarray(r, dtype=np.float64), np.asarray(native, dtype=np.float64)
    assert r.shape == native.shape, f"{what}: shape {r.shape} vs {native.shape}"
    diff = float(np.max(np.abs(r - native))) if r.size else 0.0
    assert diff <= TOL, f"{what}: max |R - native| = {diff:.3g} > {TOL}"
    return diff


def assert_same_history(r_metrics: dict, native: dict, what):
    assert set(r_metrics) == set(native), f"{what}: metric names {sorted(r_metrics)} vs {sorted(native)}"
    return max(assert_same(r_metrics[k], native[k], f"{what}${k}") for k in native)


@pytest.fixture(scope="module")
def r_run():
    from r_reference.runner import run_script

    return run_script(SCRIPT, checkpoints=CHECKPOINTS, seed=SEED, keras_backend="bridge", timeout=600)


@pytest.fixture(scope="module")
def v(r_run):
    assert not r_run.errors, r_run.errors
    return {k: plain(x) for k, x in r_run.values.items()}


@pytest.fixture(scope="module")
def native(v):
    from python_impl.model import unseed_everything

    try:
        yield native_port(v["x"], v["y"], v["imgs"])
    finally:
        unseed_everything()


# ---- no R needed: bridge.py's tables against this Keras --------------------------------------

def test_every_bridged_keras_name_exists_with_its_renamed_arguments():
    from python_impl.model import keras as _keras
    from r_reference.bridge import FUNCTIONS, LAYER_CLASSES, OBJECT_CLASSES, RENAMES, keras_arguments

    keras = _keras()
    for name in LAYER_CLASSES:
        assert isinstance(getattr(keras.layers, name), type), name
    for paths in OBJECT_CLASSES.values():
        for path in paths:
            mod, cls = path.split(".")
            assert isinstance(getattr(getattr(keras, mod), cls), type), path
    for path in FUNCTIONS:
        mod, fn = path.split(".")
        assert callable(getattr(getattr(keras, mod), fn)), path
    for cls_name, renames in RENAMES.items():
        cls = next(getattr(m, cls_name) for m in (keras.layers, keras.regularizers) if hasattr(m, cls_name))
        for r_name, keras_name in renames.items():
            assert keras_name in keras_arguments(cls), (cls_name, keras_name)
    dense = keras_arguments(keras.layers.Dense)
    assert {"units", "input_shape", "name", "trainable", "dtype"} <= set(dense)
    assert not {"batch_input_shape", "batch_size", "weights"} & set(dense)  # Keras 3 dropped them
    assert "decay" not in keras_arguments(keras.optimizers.Adam)  # popped and ignored: refused instead


def test_keyword_arguments_follow_r_keras_and_refuse_what_keras_lacks():
    from python_impl.model import keras as _keras
    from r_reference.bridge import BridgeError, KerasBridge

    keras, b = _keras(), KerasBridge()
    # R keras passes its defaults; only those differing from Keras's own are kept (data_format
    # "channels_last" is Keras's None), in Keras's argument order
    r_args = {"pool_size": 2, "strides": None, "padding": "valid", "data_format": "channels_last"}
    assert b._kwargs("layer_max_pooling_1d", keras.layers.MaxPooling1D, "MaxPooling1D", r_args, ["pool_size"]) \
        == {"pool_size": 2}
    assert b._kwargs("layer_average_pooling_1d", keras.layers.AveragePooling1D, "AveragePooling1D", r_args, []) \
        == {"pool_size": 2}  # Keras 3 has no default pool_size: R keras's 2 is passed
    assert b._kwargs("layer_activation_leaky_relu", keras.layers.LeakyReLU, "LeakyReLU", {"alpha": 0.3}, []) == {}
    assert b._kwargs("layer_conv_2d", keras.layers.Conv2D, "Conv2D",
                     {"kernel_size": [3, 3], "filters": 4, "strides": [1, 1]}, ["filters", "kernel_size"]) \
        == {"filters": 4, "kernel_size": (3, 3)}
    assert b._kwargs("loss_huber", keras.losses.Huber, "Huber", {"reduction": "auto"}, ["reduction"]) \
        == {"reduction": "sum_over_batch_size"}
    with pytest.raises(BridgeError, match=r"layer_dense\(\): argument `batch_input_shape` is not supported"):
        b._kwargs("layer_dense", keras.layers.Dense, "Dense", {"units": 1, "batch_input_shape": [None, 8]},
                  ["units", "batch_input_shape"])
    with pytest.raises(BridgeError, match=r"optimizer_sgd\(\): argument `jit_compile`"):
        b._kwargs("optimizer_sgd", keras.optimizers.SGD, "SGD", {"jit_compile": False}, ["jit_compile"])


def test_case_seed_and_script_seed_order():
    """The case seed applies at the first model unless the script seeded first; a script seed
    later re-seeds from there: the script's call wins for everything after it."""
    from python_impl.model import unseed_everything
    from r_reference.bridge import KerasBridge

    try:
        first = KerasBridge(seed=42)
        first.set_random_seed(5)
        first.new_sequential(None)
        first.new_sequential(None)
        assert first.calls == ["seed_everything(5)", "# case seed 42 not applied: the script seeded Keras first",
                               "Sequential()", "Sequential()"]
        later = KerasBridge(seed=42)
        later.new_sequential(None)
        later.set_random_seed(5)
        later.new_sequential(None)
        assert later.calls == ["seed_everything(42)", "Sequential()", "seed_everything(5)", "Sequential()"]
        unseeded = KerasBridge(seed=None)
        unseeded.new_sequential(None)
        assert unseeded.calls == ["Sequential()"]
    finally:
        unseed_everything()


# ---- one R run of breadth.R -----------------------------------------------------------------

@requires_r
def test_bridged_functions_have_r_keras_2_15_formals(v):
    got = dict(zip(FORMALS, np.atleast_1d(v["bridge_formals"]).tolist()))
    for name, formals in FORMALS.items():
        want = "|".join(f"{a}={'<required>' if d is None else d}" for a, d in formals)
        assert got[name] == want, f"{name}:\n bridge {got[name]}\n R keras {want}"
    assert len(FORMALS) == 58


@requires_r
def test_the_bridge_makes_the_native_ports_keras_calls(r_run):
    assert r_run.extra["keras_backend"] == "bridge"
    assert r_run.extra["keras_calls"] == EXPECTED_CALLS


@requires_r
def test_mlp_with_dropout_adam_object_early_stopping_and_class_weights_equals_native(r_run, v, native):
    """Measured: every difference 0 (bit-identical float32)."""
    for a, b in zip(v["mlp_init"], native["mlp_init"]):
        assert_same(a, b, "mlp initial weights")
    hist = v["mlp_hist"]
    assert list(hist["metrics"]) == ["loss", "accuracy", "auc", "val_loss", "val_accuracy", "val_auc"]  # R keras's order
    assert int(hist["params"]["epochs"][0]) == 40 and len(hist["metrics"]["loss"]) < 40  # early stopping stopped it
    assert assert_same_history(hist["metrics"], native["mlp_hist"], "mlp history") == 0.0
    assert v["mlp_pred"].shape == (240, 1)  # predict() gives an n x 1 matrix
    assert assert_same(v["mlp_pred"], native["mlp_pred"], "mlp predictions") == 0.0
    assert list(r_run.values["mlp_score"].names) == ["loss", "accuracy", "auc"]  # a named vector
    assert_same(v["mlp_score"], [native["mlp_score"][k] for k in ("loss", "accuracy", "auc")], "evaluate()")
    assert int(v["mlp_params"][0]) == int(v["mlp_params_dollar"][0]) == native["mlp_params"] == 321


@requires_r
def test_a_deliberately_different_learning_rate_is_caught(v, native):
    """The same comparison fails for a port that trains with learning_rate 0.02 instead of 0.01."""
    wrong = native_port(v["x"], v["y"], v["imgs"], learning_rate=0.02)
    with pytest.raises(AssertionError, match="mlp predictions: max"):
        assert_same(v["mlp_pred"], wrong["mlp_pred"], "mlp predictions")
    calls = [c.replace("learning_rate=0.01", "learning_rate=0.02") for c in EXPECTED_CALLS]
    assert calls != EXPECTED_CALLS  # the recorded calls tell the two apart too


@requires_r
def test_script_seed_gives_the_case_seeds_weights_and_seeds_r(v, native):
    for a, b, c in zip(v["mlp2_init"], v["mlp_init"], native["mlp2_init"]):
        assert_same(a, b, "tensorflow::set_random_seed(42) vs the case seed 42")
        assert_same(a, c, "tensorflow::set_random_seed(42) vs native seed_everything(42)")
    # as R's tensorflow::set_random_seed() does: set.seed(42), so R's next draws are set.seed(42)'s
    from python_impl.rrandom import RRandom

    np.testing.assert_array_equal(v["r_draws_after_seed"], RRandom(42).runif(3))
    assert bool(v["roundtrip"][0])  # set_weights(get_weights()) round-trips exactly


@requires_r
def test_functional_model_sgd_lr_alias_and_to_categorical_equal_native(r_run, v, native):
    assert_same(v["y3"], native["y3"], "to_categorical()")
    assert assert_same_history(v["f_hist"]["metrics"], native["f_hist"], "functional history") == 0.0
    assert assert_same(v["f_pred"], native["f_pred"], "functional predictions") == 0.0
    assert any("the `lr` argument has been renamed to `learning_rate`" in w for w in r_run.warnings)


@requires_r
def test_cnn_2d_with_uncalled_loss_and_metric_functions_equals_native(v, native):
    x = np.asarray(v["x"])
    expected_imgs = x[:, list(range(6)) + list(range(6)) + list(range(4))].reshape(240, 4, 4, 1)  # C order
    np.testing.assert_array_equal(v["imgs"], expected_imgs)  # array_reshape() is NumPy's reshape
    assert list(v["cnn_hist"]["metrics"]) == ["loss", "binary_accuracy"]
    assert assert_same_history(v["cnn_hist"]["metrics"], native["cnn_hist"], "cnn history") == 0.0
    assert assert_same(v["cnn_pred"], native["cnn_pred"], "cnn predictions") == 0.0


@requires_r
def test_objects_are_the_keras_classes_r_keras_makes(v):
    assert v["other_reprs"].tolist() == [
        "Adagrad(learning_rate=0.02)", "Nadam()", "MeanSquaredError()", "Huber(delta=2.0)",
        "CategoricalCrossentropy(label_smoothing=0.1)", "Precision()", "Recall(thresholds=0.4)", "L1(l1=0.02)"]


@requires_r
def test_refusals_are_r_errors_naming_the_function_and_argument(v):
    one = {k: str(np.atleast_1d(v[k])[0]) for k in v if k.startswith("err_")}
    assert one["err_arg"].startswith("optimizer_adam(): argument `decay` is not supported by the rpy2 bridge")
    assert one["err_layer_arg"].startswith("layer_dense(): argument `weights` is not supported by the rpy2 bridge")
    assert one["err_unused"] == "unused argument (input_shape = c(6, 1))"  # R's own: not a formal of R keras
    assert one["err_fit_arg"] == "fit(): argument(s) 'validation_freq' not supported by the rpy2 bridge"
    assert one["err_fn"].startswith("keras function 'layer_lstm' is not provided by the rpy2 bridge")
    assert one["err_ns"].startswith("keras function 'callback_model_checkpoint' is not provided by the rpy2 bridge")
    assert one["err_session"].startswith(
        "use_session_with_seed will be deprecated in the future. use tensorflow::set_random_seed instead.")
    assert one["err_seed_before_tf"].startswith('could not find function "set_random_seed"')
    assert one["err_tf_module"].startswith("tensorflow's `tf` (the Python module, through reticulate) is not "
                                           "provided by the rpy2 bridge: `tf$random` cannot be reached")
    assert bool(v["stubs_fail_naming_themselves"][0]) and int(v["exports_not_stubs"][0]) == 0


# ---- a second R run: the script seeds before its first model; keras::/tensorflow:: -----------

SEED_FIRST = r"""
library(keras)
tensorflow::set_random_seed(5)
m <- keras_model_sequential(input_shape = c(3)) %>%
  keras::layer_dense(units = 2, activation = "tanh") %>%
  layer_dense(units = 1)
w <- get_weights(m)
m %>% compile(optimizer = optimizer_nadam(learning_rate = 0.01), loss = loss_mean_squared_error,
              metrics = list(metric_mean_absolute_error()))
xx <- matrix(seq(-1, 1, length.out = 60), 20, 3)
yy <- rowSums(xx)
h <- m %>% fit(xx, yy, epochs = 2, verbose = 0, sample_weight = rep(c(1, 2), 10))
p <- predict(m, xx, verbose = 0)
fit_visible <- withVisible(m %>% fit(xx, yy, epochs = 1, verbose = 0))$visible
layer_visible <- withVisible(keras_model_sequential() %>% layer_dense(units = 1, input_shape = 2))$visible
cuda <- Sys.getenv("CUDA_VISIBLE_DEVICES")
tf_v <- as.character(tensorflow::tf_version())
printed <- capture.output(print(optimizer_adam(learning_rate = 0.1)))
"""


@requires_r
def test_script_seed_before_the_first_model_wins_over_the_case_seed():
    from python_impl.model import keras as _keras, seed_everything, unseed_everything
    from r_reference.runner import run_script

    r = run_script(SEED_FIRST, checkpoints={k: k for k in ("xx", "yy", "w", "h", "p", "fit_visible", "layer_visible",
                                                           "cuda", "tf_v", "printed")},
                   seed=SEED, keras_backend="bridge", timeout=600)
    rv = {k: plain(x) for k, x in r.values.items()}
    calls = r.extra["keras_calls"]
    assert calls[:6] == [
        "seed_everything(5)", "# case seed 42 not applied: the script seeded Keras first",
        "Sequential(layers=[InputLayer(shape=(3,))])",
        "add(Dense(units=2, activation='tanh'))", "add(Dense(units=1))",
        "get_weights()"]
    assert calls[6] == ("compile(optimizer=Nadam(learning_rate=0.01), loss=losses.mean_squared_error, "
                        "metrics=[MeanAbsoluteError()])")
    assert calls[7].startswith("fit(x=float32[20, 3], y=float32[20], validation_data=None, batch_size=32, epochs=2, ")
    assert calls[7].endswith("sample_weight=float32[20])")
    keras = _keras()
    try:
        seed_everything(5)
        m = keras.Sequential(layers=[keras.layers.InputLayer(shape=(3,))])
        m.add(keras.layers.Dense(units=2, activation="tanh"))
        m.add(keras.layers.Dense(units=1))
        for a, b in zip(rv["w"], m.get_weights()):
            assert_same(a, b, "weights after tensorflow::set_random_seed(5)")
        m.compile(optimizer=keras.optimizers.Nadam(learning_rate=0.01), loss=keras.losses.mean_squared_error,
                  metrics=[keras.metrics.MeanAbsoluteError()])
        xx, yy = (np.asarray(rv[k], dtype=np.float32) for k in ("xx", "yy"))  # R's data, as float32
        hist = m.fit(xx, yy, epochs=2, batch_size=32, verbose=0, sample_weight=np.tile([1.0, 2.0], 10).astype(np.float32))
        assert assert_same_history(rv["h"]["metrics"], hist.history, "seed-first history") == 0.0
        assert assert_same(rv["p"], m.predict(xx, verbose=0), "seed-first predictions") == 0.0
        seed_everything(SEED)  # the case seed would have drawn other weights
        other = keras.Sequential(layers=[keras.layers.InputLayer(shape=(3,))])
        other.add(keras.layers.Dense(units=2, activation="tanh"))
        assert not np.allclose(rv["w"][0], other.get_weights()[0])
    finally:
        unseed_everything()
    assert not bool(rv["fit_visible"][0]) and not bool(rv["layer_visible"][0])  # invisible, as R keras
    assert str(rv["cuda"][0]) == "-1"  # set_random_seed(disable_gpu = TRUE)
    import tensorflow as tf

    assert str(rv["tf_v"][0]) == ".".join(tf.__version__.split(".")[:2])
    assert rv["printed"].tolist() == ["<Adam(learning_rate=0.1)>"]
