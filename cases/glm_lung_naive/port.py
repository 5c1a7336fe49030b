"""A deliberately naive port of ../glm_lung/glm_lung.R, as a first rewrite often looks:
StandardScaler (population sd), NumPy's RNG "with the same seed", 0-based row positions,
scikit-learn's LogisticRegression (L2-penalised by default), scikit-learn's roc_curve thresholds.
Each of these is a classic trap; the case shows where the audit catches each one and why."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
LUNG = HERE.parent / "glm_lung" / "lung.csv"
FEATURES = ["age", "sex", "ph.ecog", "ph.karno", "wt.loss"]


def run(seed=None) -> dict:
    data = pd.read_csv(LUNG)[["status", *FEATURES]].dropna()
    dead = (data["status"] == 2).astype(int).to_numpy()
    scaler = StandardScaler().fit(data[FEATURES])
    x = scaler.transform(data[FEATURES])
    n = len(data)
    rng = np.random.default_rng(2024)
    train = rng.choice(n, size=int(0.7 * n), replace=False)  # 0-based, another generator
    test = np.setdiff1d(np.arange(n), train)
    model = LogisticRegression().fit(x[train], dead[train])  # C=1.0: L2-penalised
    pred = model.predict_proba(x[test])[:, 1]
    fpr, tpr, thresholds = roc_curve(dead[test], pred)
    return {
        "n_complete": n,
        "test_labels": dead[test],
        "scaling_center": dict(zip(FEATURES, scaler.mean_)),
        "scaling_scale": dict(zip(FEATURES, scaler.scale_)),
        "event_rows": np.flatnonzero(dead == 1),
        "train_idx": train + 1,
        "test_idx": test + 1,
        "coefficients": dict(zip(["(Intercept)", *FEATURES], [model.intercept_[0], *model.coef_[0]])),
        "deviance": float(2 * -np.sum(dead[train] * np.log(model.predict_proba(x[train])[:, 1])
                                     + (1 - dead[train]) * np.log(model.predict_proba(x[train])[:, 0]))),
        "aic": float("nan"),
        "iterations": int(model.n_iter_[0]),
        "predictions": pred,
        "auc": float(roc_auc_score(dead[test], pred)),
        "auc_ci": np.array([np.nan, roc_auc_score(dead[test], pred), np.nan]),
        "roc_thresholds": thresholds,
        "best_closest_topleft": {"threshold": float(thresholds[np.argmin(fpr**2 + (1 - tpr) ** 2)])},
    }


def roc_stage(labels, scores) -> dict:
    """The ROC step alone, as scikit-learn computes it, on R's own labels and predictions."""
    _, _, thresholds = roc_curve(np.asarray(labels), np.asarray(scores, float))
    return {"roc_thresholds": thresholds, "auc": float(roc_auc_score(labels, scores))}
