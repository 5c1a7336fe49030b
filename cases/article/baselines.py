"""Baselines for the article's CNN on the same split and the same R-scaled features.

* majority class: predicts the TRAINING majority label for every test row. Its score is a
  constant, and pROC on a constant predictor gives AUC 0.5 with a degenerate DeLong CI
  (0.5, 0.5, 0.5) and direction "<" (checked against R 4.2.2/pROC 1.18.0:
  `roc(c(0,1,0,1,1,0,0), rep(0,7))` -> AUC 0.5, "95% CI: 0.5-0.5 (DeLong)";
  `python_impl.roc.roc` gives the same).
* logistic regression: scikit-learn `LogisticRegression(random_state=0, max_iter=1000)`
  (default L2, C=1, lbfgs) fitted on the training rows; accuracy at predict_proba > 0.5 (as
  Keras's "accuracy" counts p > 0.5), AUC/CI with pROC's rules (`python_impl.roc`,
  direction="auto" as the article's `roc(test_labels, predictions)` call).

Indices are 1-based (R's, as `python_impl.split.Split` holds them). Results are JSON-able dicts
(predictions as lists) so they can go straight into `report["reproduction"]["baselines"]`.
"""
from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import pandas as pd

from python_impl.data import features_labels, load_gbsg
from python_impl.preprocess import r_scale
from python_impl.roc import roc, roc_test_delong
from python_impl.split import ARTICLE_SPLIT_SEED, article_split

LR_RANDOM_STATE = 0


def _idx0(idx) -> np.ndarray:
    a = np.asarray(idx, dtype=np.int64).ravel()
    if a.size and a.min() < 1:
        raise ValueError("indices are 1-based (R's); got a value < 1")
    return a - 1


def _metrics(name: str, y_test: np.ndarray, scores: np.ndarray, hard: np.ndarray) -> dict:
    r = roc(y_test, scores)
    ci = r.ci_auc()
    return {
        "name": name,
        "n_test": int(y_test.size),
        "n_correct": int(np.sum(hard == y_test)),
        "accuracy": float(np.mean(hard == y_test)),
        "auc": float(r.auc),
        "auc_ci": [float(c) for c in ci],
        "roc_direction": r.direction,
        "predictions": [float(p) for p in scores],
    }


def majority_class(labels, train, test) -> dict:
    """Always predict the training majority (ties: the larger label, 1). Score = that label."""
    y = np.asarray(labels, dtype=np.int64)
    ytr, yte = y[_idx0(train)], y[_idx0(test)]
    n1 = int(ytr.sum())
    maj = 1 if n1 * 2 >= ytr.size else 0
    out = _metrics("majority class", yte, np.full(yte.size, float(maj)), np.full(yte.size, maj))
    out["majority_label"] = maj
    out["train_majority_share"] = max(n1, ytr.size - n1) / ytr.size
    return out


def logistic_regression(features, labels, train, test, random_state: int = LR_RANDOM_STATE) -> dict:
    """sklearn LogisticRegression on the training rows, scored on the test rows."""
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    tr, te = _idx0(train), _idx0(test)
    model = LogisticRegression(random_state=random_state, max_iter=1000).fit(x[tr], y[tr])
    p = model.predict_proba(x[te])[:, 1]
    out = _metrics("logistic regression", y[te], p, (p > 0.5).astype(np.int64))
    out["model"] = f"sklearn LogisticRegression(random_state={random_state}, max_iter=1000)"
    out["coef"] = [float(c) for c in model.coef_.ravel()]
    out["intercept"] = float(model.intercept_[0])
    return out


def article_inputs(data: pd.DataFrame | str | None = None, scaling: str = "all"):
    """(scaled features, labels): `scaling="all"` as the article (scale() on all rows before the
    split); "train" is handled per split by `evaluate_baselines`."""
    df = data if isinstance(data, pd.DataFrame) else load_gbsg(data)
    x, y = features_labels(df)
    if scaling not in ("all", "train"):
        raise ValueError("scaling must be 'all' (the article) or 'train'")
    return (r_scale(x)[0] if scaling == "all" else x), y


def evaluate_baselines(features, labels, train, test, scaled: bool = True,
                       random_state: int = LR_RANDOM_STATE) -> dict:
    """Both baselines on one split. `scaled=False`: `features` are raw and get R's scale() with
    the TRAINING rows' centre/scale (the leak-free variant)."""
    x = np.asarray(features, dtype=np.float64)
    if not scaled:
        tr = _idx0(train)
        _, c, s = r_scale(x[tr])
        x = (x - c) / s
    return {"majority": majority_class(labels, train, test),
            "logistic": logistic_regression(x, labels, train, test, random_state)}


def article_baselines(data: pd.DataFrame | str | None = None, split_seed: int = ARTICLE_SPLIT_SEED,
                      random_state: int = LR_RANDOM_STATE) -> dict:
    """Baselines on the article's split with the article's scaling (all rows)."""
    x, y = article_inputs(data, "all")
    sp = article_split(len(y), split_seed)
    out = evaluate_baselines(x, y, sp.train, sp.test, True, random_state)
    out["split_seed"] = int(split_seed)
    out["scaling"] = "scale() on all rows before the split (as the article)"
    out["test_labels"] = [int(v) for v in y[sp.test - 1]]
    return out


def paired_delong(cnn_predictions, lr_predictions, labels) -> dict:
    """pROC `roc.test(roc(labels, cnn), roc(labels, lr), method="delong", paired=TRUE)`: both
    curves with direction "auto" (as the article's call). Adds "direction_cnn"/"direction_lr",
    "difference" (AUC_cnn - AUC_lr) and "words"."""
    y = np.asarray(labels).ravel()
    r1 = roc(y, np.asarray(cnn_predictions, dtype=np.float64).ravel())
    r2 = roc(y, np.asarray(lr_predictions, dtype=np.float64).ravel())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = roc_test_delong(r1, r2)
    p = float(t["p_value"])
    return {
        "z": float(t["z"]), "p_value": p,
        "auc_cnn": float(t["auc1"]), "auc_lr": float(t["auc2"]),
        "difference": float(t["auc1"] - t["auc2"]),
        "conf_int": [float(c) for c in t["conf_int"]],
        "direction_cnn": r1.direction, "direction_lr": r2.direction,
        "warnings": [str(w.message) for w in caught],
        "method": "pROC roc.test(method='delong', paired=TRUE), two-sided",
        "words": ("the CNN's AUC differs from logistic regression's (p < 0.05)" if p < 0.05
                  else "no evidence that the CNN's AUC differs from logistic regression's (p >= 0.05)"),
    }


def over_split_seeds(split_seeds: Sequence[int], data: pd.DataFrame | str | None = None,
                     random_state: int = LR_RANDOM_STATE) -> dict:
    """LR and majority accuracy/AUC for each split seed (`set.seed(s)` + the article's two
    `sample()` calls; features scaled on all rows as the article). Column-oriented lists:
    {"split_seeds", "logistic": {"accuracy", "auc", "direction"}, "majority": {"accuracy",
    "auc"}, "test_majority_share"}."""
    x, y = article_inputs(data, "all")
    out = {"split_seeds": [int(s) for s in split_seeds],
           "logistic": {"accuracy": [], "auc": [], "direction": []},
           "majority": {"accuracy": [], "auc": []},
           "test_majority_share": []}
    for s in out["split_seeds"]:
        sp = article_split(len(y), s)
        b = evaluate_baselines(x, y, sp.train, sp.test, True, random_state)
        out["logistic"]["accuracy"].append(b["logistic"]["accuracy"])
        out["logistic"]["auc"].append(b["logistic"]["auc"])
        out["logistic"]["direction"].append(b["logistic"]["roc_direction"])
        out["majority"]["accuracy"].append(b["majority"]["accuracy"])
        out["majority"]["auc"].append(b["majority"]["auc"])
        yt = y[sp.test - 1]
        out["test_majority_share"].append(float(max(yt.mean(), 1 - yt.mean())))
    return out
