"""The article's 1-D CNN in Keras 3 (imported lazily: importing this module is cheap)."""
from __future__ import annotations

N_FEATURES = 8
EXPECTED_PARAMS = 6401  # conv 128 + dense 64*96+64=6208 + dense 65


def keras():
    """Import Keras (and TensorFlow behind it) on first use only."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow":
        from python_impl import quiet_tensorflow_import

        quiet_tensorflow_import()
    import keras as _keras

    return _keras


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Keras's weights and shuffling (`keras.utils.set_random_seed`) and, with
    `deterministic`, ask TensorFlow for deterministic ops, so a seed fixes the whole run."""
    k = keras()
    k.utils.set_random_seed(int(seed))
    if deterministic and k.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def unseed_everything() -> None:
    """Undo `seed_everything` in this process: fresh OS entropy for Python/NumPy, no TF global
    seed, no Keras global seed, op determinism off. An unseeded run is then what the article
    did (note: seeded Keras reuses one shuffle permutation every epoch; unseeded does not)."""
    import random

    import numpy as np

    k = keras()
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator

    global_state.set_global_attribute("global_random_seed", None)
    global_state.set_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR, None)
    random.seed()
    np.random.seed()
    if k.backend.backend() == "tensorflow":
        import tensorflow as tf
        from tensorflow.python.framework import config as tf_config  # no public disable_* API

        tf.random.set_seed(None)
        tf_config.disable_op_determinism()


def build_model(n_features: int = N_FEATURES):
    """conv1d(32,3,relu) -> maxpool(2) -> flatten -> dense(64,relu) -> dense(1,sigmoid),
    compiled with adam / binary_crossentropy / accuracy, as the article does.

    The layers are added one by one with `input_shape` on the first, exactly the calls R's
    keras makes, so a shared seed draws the same initial weights on both sides.
    """
    k = keras()
    import warnings

    model = k.Sequential()
    with warnings.catch_warnings():
        # Keras 3 warns that `input_shape` on a layer is legacy; R keras passes it this way.
        warnings.simplefilter("ignore", UserWarning)
        model.add(k.layers.Conv1D(filters=32, kernel_size=3, activation="relu",
                                  input_shape=(n_features, 1)))
    model.add(k.layers.MaxPooling1D(pool_size=2))
    model.add(k.layers.Flatten())
    model.add(k.layers.Dense(units=64, activation="relu"))
    model.add(k.layers.Dense(units=1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def model_summary(model) -> list[dict]:
    """Layer class, output shape (batch axis as None) and parameter count, per layer."""
    rows = []
    for layer in model.layers:
        shape = tuple(layer.output.shape) if hasattr(layer, "output") else None
        rows.append({
            "class": type(layer).__name__,
            "output_shape": [None if d is None else int(d) for d in shape] if shape else None,
            "params": int(layer.count_params()),
        })
    return rows
