"""The named checkpoints both sides (native Python, R via rpy2) produce for one article run.

A plain dataclass of NumPy arrays and Python scalars, so it can be pickled across the R worker
process boundary and compared checkpoint by checkpoint in `parity`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

CHECKPOINT_NAMES = (
    "train_indices", "val_indices", "test_indices", "center", "scale", "class_balance",
    "model_summary", "history", "test_loss", "test_accuracy", "predictions", "auc", "auc_ci",
    "best_threshold",
)


@dataclass
class ArticleResult:
    """One run of the article's procedure.

    Indices are 1-based in R's order. `class_balance` maps split -> {label: count}.
    `model_summary` is a list of layers {"class", "output_shape", "params"}.
    `history` maps metric -> per-epoch list (loss, accuracy, val_loss, val_accuracy).
    `auc_ci` is (lower, auc, upper) as pROC's `ci.auc` (DeLong, 95%). `best_threshold` is the
    list of Youden-best rows {"threshold", "specificity", "sensitivity"} (ties give several).
    """

    side: str
    train_indices: np.ndarray
    val_indices: np.ndarray
    test_indices: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    class_balance: dict
    model_summary: list
    history: dict
    test_loss: float
    test_accuracy: float
    predictions: np.ndarray
    auc: float
    auc_ci: tuple
    best_threshold: list
    keras_seed: int | None = None
    roc_direction: str | None = None
    roc_levels: tuple | None = None
    test_labels: np.ndarray | None = None
    warnings: list = field(default_factory=list)
    console: str = ""
    timings: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def checkpoints(self) -> dict[str, Any]:
        return {n: getattr(self, n) for n in CHECKPOINT_NAMES}


def class_balance(labels: np.ndarray, splits: dict[str, np.ndarray]) -> dict:
    """{split: {label: count}} for 1-based index arrays into `labels`."""
    out = {}
    for name, idx in splits.items():
        vals, counts = np.unique(np.asarray(labels)[np.asarray(idx) - 1], return_counts=True)
        out[name] = {str(int(v)): int(c) for v, c in zip(vals, counts)}
    return out
