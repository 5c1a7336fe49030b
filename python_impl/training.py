"""Training and evaluation with Keras `fit`, as the article calls it."""
from __future__ import annotations

import numpy as np

from python_impl.quiet import benign_tf_lines_dropped

EPOCHS = 10
BATCH_SIZE = 32


def fit(model, x_train, y_train, x_val, y_val, epochs: int = EPOCHS, batch_size: int = BATCH_SIZE) -> dict:
    """`model.fit(...)` with the article's settings; returns the per-epoch history dict."""
    with benign_tf_lines_dropped():
        hist = model.fit(
            as_input(x_train), as_label(y_train), epochs=epochs, batch_size=batch_size,
            validation_data=(as_input(x_val), as_label(y_val)), verbose=0,
        )
    return {k: [float(v) for v in vals] for k, vals in hist.history.items()}


def evaluate(model, x, y) -> tuple[float, float]:
    """(loss, accuracy) on held-out rows, as `model %>% evaluate(x, y)`."""
    with benign_tf_lines_dropped():
        loss, acc = model.evaluate(as_input(x), as_label(y), verbose=0)
    return float(loss), float(acc)


def predict(model, x) -> np.ndarray:
    """Predicted probabilities as a 1-D float64 array (R gets an n x 1 matrix)."""
    with benign_tf_lines_dropped():
        out = model.predict(as_input(x), verbose=0)
    return np.asarray(out, dtype=np.float64).reshape(-1)


def as_input(x) -> np.ndarray:
    """float32 (n, 8): what R keras hands Keras for an R double matrix. Keras 3 itself expands
    it to (n, 8, 1) for the (8, 1) input (`_adjust_input_rank`), which the article relies on."""
    return np.ascontiguousarray(np.asarray(x, dtype=np.float32))


def as_label(y) -> np.ndarray:
    return np.asarray(y, dtype=np.float32)
