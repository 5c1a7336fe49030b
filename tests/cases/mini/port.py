"""The Python port of mini.R; BREAK (a set of names) breaks chosen checkpoints on purpose."""
import numpy as np
import pandas as pd

from python_impl.preprocess import r_scale
from python_impl.rrandom import RRandom

BREAK: set = set()


def run(seed=None):
    x = {"a": 1.6 if "x" in BREAK else 1.5, "b": 2.5, "c": 3.5}
    idx = RRandom(7).sample_int(10, 4)
    _, center, scale = r_scale(np.array([[1.0, 4.0], [2.0, 5.0], [3.0, 7.0]]))
    if "idx" in BREAK:
        idx = idx - 1  # 0-based
    if "scale" in BREAK:
        scale = np.array([[1.0, 4.0], [2.0, 5.0], [3.0, 7.0]]).std(axis=0, ddof=0)
    total = sum(x.values()) + (1e-9 if "total" in BREAK else 0.0)
    out = {"x": x, "idx": idx, "scale": scale, "total": total, "labels": np.array([0, 1, 1, 0, 1]),
           "lvl": pd.Categorical(["lo", "hi", "lo"], categories=["lo", "hi"]),
           "naive_scale": np.array([[1.0, 4.0], [2.0, 5.0], [3.0, 7.0]]).std(axis=0, ddof=0),
           "center_info": center, "metric": 0.7}
    if "missing" in BREAK:
        del out["total"]
    return out


def auc_stage(labels, scores):
    from python_impl.roc import roc

    r = roc(labels, scores)
    return {"auc": r.auc + (0.01 if "auc" in BREAK else 0.0)}


def run_many(seeds):
    rng = [np.random.default_rng(s) for s in seeds]
    return [{"metric": float(g.normal(0.7 + (0.2 if "shift" in BREAK else 0.0), 0.02))} for g in rng]
