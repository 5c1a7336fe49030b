"""The article's Python port, as the case engine calls it.

`run(seed, data)` runs the native pipeline once (python_impl.pipeline.run_article: R's scale()
on all rows, R's set.seed(123) split, the CNN with Keras fit, pROC's ROC) and returns every
checkpoint by name. The `naive_*` keys are what a straightforward rewrite would compute instead
(StandardScaler, train_test_split, sklearn's roc_auc_score, factor codes): the case declares them
as known divergences, each explained exactly by a diagnosis.

`run_many(seeds, data)` trains many seeds at once with the batched trainer
(python_impl.fast_trainer), for the distributions. `roc_stage(labels, scores)` is the ROC step
alone, fed with R's own test labels and predictions. `validate(path)` checks a --data file.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from python_impl.data import FEATURES, features_labels, load_gbsg


def validate(path) -> None:
    """A user's gbsg-like CSV: one clear line naming the file, column and row, else nothing."""
    from python_impl.data import DataError

    try:
        load_gbsg(path)
    except DataError as e:
        raise ValueError(str(e)) from None


def run(seed: int | None = None, data=None) -> dict:
    from python_impl.pipeline import run_article

    df = load_gbsg(data) if not isinstance(data, pd.DataFrame) else data
    res = run_article(seed=seed, data=df)
    x, y = features_labels(df)
    n = len(df)
    sizes = {"train": len(res.train_indices), "val": len(res.val_indices), "test": len(res.test_indices)}
    return {
        "split_sizes": sizes,
        "split_indices": {"train": res.train_indices, "val": res.val_indices, "test": res.test_indices},
        "class_balance": res.class_balance,
        "scaling_center": dict(zip(FEATURES, res.center.tolist())),
        "scaling_scale": dict(zip(FEATURES, res.scale.tolist())),
        "model_architecture": res.extra["model"],
        "fit_x_shape": np.array(res.extra["fit_x_shape"]),
        "training_history": res.history,
        "test_predictions": res.predictions,
        "test_loss": res.test_loss,
        "test_accuracy": res.test_accuracy,
        "test_labels": res.test_labels,
        **naive(x, y, n, res.predictions, res.test_labels, df),
    }


def naive(x: np.ndarray, y: np.ndarray, n: int, predictions, test_labels, df: pd.DataFrame) -> dict:
    """What a straightforward Python rewrite computes at the same four places."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    scale = StandardScaler().fit(x).scale_
    rows = np.arange(1, n + 1)
    _, rest = train_test_split(rows, train_size=int(0.7 * n), random_state=123)
    _, test = train_test_split(rest, train_size=int(0.15 * n), random_state=123)
    codes = pd.Categorical(np.asarray(test_labels)).codes + 1  # as.integer(factor(status)): 1/2
    return {
        "naive_scale": dict(zip(FEATURES, scale.tolist())),
        "naive_test_indices": test,
        "naive_reversed_auc": float(roc_auc_score(test_labels, -np.asarray(predictions, float).ravel())),
        "naive_test_labels": codes.astype(np.int64),
    }


def run_many(seeds, data=None) -> list[dict]:
    """The batched trainer over `seeds` (numpy-seeded Glorot init, a fresh shuffle each epoch)."""
    from .runs import fast_runs

    df = load_gbsg(data) if not isinstance(data, pd.DataFrame) else data
    return [{"test_accuracy": m.test_accuracy, "roc_auc": m.auc, "test_loss": m.test_loss,
             "roc_direction": m.roc_direction} for m in fast_runs(list(seeds), data=df)]


def _r_text(v) -> str:
    """as.character() of a level: TRUE/FALSE for logicals, 0/1 for integer-valued numbers."""
    if isinstance(v, (bool, np.bool_)):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def roc_stage(labels, scores) -> dict:
    """The ROC step alone (python_impl.roc, pROC's rules), on the labels and scores given."""
    from python_impl.roc import MatrixPredictorWarning, roc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MatrixPredictorWarning)  # pROC warns too: R's to report
        r = roc(np.asarray(labels), np.asarray(scores, float))
    best = pd.DataFrame(r.best())[["threshold", "specificity", "sensitivity"]]
    return {"roc_auc": float(r.auc), "roc_direction": r.direction, "roc_levels": [_r_text(v) for v in r.levels],
            "roc_best_threshold": best, "roc_ci_delong": np.asarray(r.ci_auc(), float)}
