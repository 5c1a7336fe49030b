"""Faithful Python port of glm_lung.R: the same rows, R's scale(), R's set.seed()/sample()
(python_impl.rrandom), statsmodels' IRLS GLM (the algorithm R's glm.fit uses), pROC's ROC rules
(python_impl.roc, including coords(best.method = "closest.topleft"))."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from python_impl.preprocess import r_scale
from python_impl.roc import roc
from python_impl.rrandom import RRandom
from python_impl.split import r_setdiff

HERE = Path(__file__).resolve().parent
FEATURES = ["age", "sex", "ph.ecog", "ph.karno", "wt.loss"]


def prepare():
    """na.omit() on the columns the script keeps, 0/1 death, scale() on all rows."""
    lung = pd.read_csv(HERE / "lung.csv")
    data = lung[["status", *FEATURES]].dropna()  # na.omit keeps the original row names: the index
    dead = (data["status"] == 2).astype(np.int64).to_numpy()
    x, center, scale = r_scale(data[FEATURES].to_numpy(dtype=float))
    return data, dead, x, center, scale


def split(n: int, seed: int = 2024):
    rng = RRandom(seed)
    train = rng.sample(np.arange(1, n + 1), size=int(np.floor(0.7 * n)))
    return train, r_setdiff(np.arange(1, n + 1), train)


def fit_glm(x, y):
    import statsmodels.api as sm

    # IRLS to R's glm.control(epsilon = 1e-8) on the relative deviance change
    return sm.GLM(y, sm.add_constant(x, has_constant="add"), family=sm.families.Binomial()).fit(tol=1e-8)


def run(seed=None) -> dict:
    data, dead, x, center, scale = prepare()
    n = len(data)
    train, test = split(n)
    fit = fit_glm(x[train - 1], dead[train - 1])
    import statsmodels.api as sm

    pred = fit.predict(sm.add_constant(x[test - 1], has_constant="add"))
    r = roc(dead[test - 1], pred)
    names = ["(Intercept)", *FEATURES]
    return {
        "n_complete": n,
        "test_labels": dead[test - 1],
        "scaling_center": dict(zip(FEATURES, center)),
        "scaling_scale": dict(zip(FEATURES, scale)),
        "event_rows": np.flatnonzero(dead == 1) + 1,
        "train_idx": train,
        "test_idx": test,
        "coefficients": dict(zip(names, fit.params)),
        "deviance": float(fit.deviance),
        "aic": float(fit.aic),
        "iterations": int(fit.fit_history["iteration"]),
        "predictions": pred,
        "auc": float(r.auc),
        "auc_ci": np.asarray(r.ci_auc()),
        "roc_thresholds": np.asarray(r.thresholds),
        "best_closest_topleft": r.coords("best", best_method="closest.topleft",
                                         ret=["threshold", "specificity", "sensitivity"]),
    }


def roc_stage(labels, scores) -> dict:
    """The ROC step alone, on R's own test labels and predictions."""
    r = roc(np.asarray(labels), np.asarray(scores, float))
    return {"roc_thresholds": np.asarray(r.thresholds), "auc": float(r.auc)}
