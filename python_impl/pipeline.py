"""The article's whole procedure in native Python: one call, the same named checkpoints as R."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from python_impl.checkpoints import ArticleResult, class_balance
from python_impl.data import features_labels, load_gbsg
from python_impl.preprocess import r_scale
from python_impl.split import ARTICLE_SPLIT_SEED, Split, article_split


@dataclass(frozen=True)
class ArticleInputs:
    """The article's data preparation: R's `scale()` on ALL rows (before the split, as the
    article does), then its `set.seed` split. `labels` are 0/1."""

    scaled: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    labels: np.ndarray
    split: Split

    def rows(self, part: str) -> tuple[np.ndarray, np.ndarray]:
        """(features, labels) of "train", "val" or "test"."""
        idx = getattr(self.split, part) - 1
        return self.scaled[idx], self.labels[idx]


def article_inputs(data: pd.DataFrame | str | None = None, split_seed: int = ARTICLE_SPLIT_SEED) -> ArticleInputs:
    """Scale and split as the article does; `data`: a DataFrame, a CSV path, or None (bundled)."""
    df = data if isinstance(data, pd.DataFrame) else load_gbsg(data)
    x, y = features_labels(df)
    scaled, center, scale = r_scale(x)
    return ArticleInputs(scaled, center, scale, y, article_split(len(df), split_seed))


def run_article(seed: int | None = None, data: pd.DataFrame | str | None = None,
                split_seed: int = ARTICLE_SPLIT_SEED) -> ArticleResult:
    """Run the article end to end: scale all rows (as the article does, before splitting),
    split with R's RNG, train the CNN with Keras `fit`, evaluate, and compute pROC's ROC.

    `seed` seeds Keras's weights and shuffling (None: unseeded, as in the article).
    `data`: a DataFrame, a CSV path, or None for the bundled `survival::gbsg`.
    """
    t0 = time.perf_counter()
    inputs = article_inputs(data, split_seed)
    scaled, center, scale, y, split = inputs.scaled, inputs.center, inputs.scale, inputs.labels, inputs.split
    tr, va, te = (split.train - 1, split.val - 1, split.test - 1)

    from python_impl.model import build_model, model_summary, seed_everything, unseed_everything
    from python_impl import training

    t1 = time.perf_counter()
    if seed is not None:
        seed_everything(seed)
    else:
        unseed_everything()  # a seed set earlier in this process must not leak into this run
    model = build_model(scaled.shape[1])
    t2 = time.perf_counter()
    history = training.fit(model, scaled[tr], y[tr], scaled[va], y[va])
    t3 = time.perf_counter()
    test_loss, test_acc = training.evaluate(model, scaled[te], y[te])
    predictions = training.predict(model, scaled[te])
    t4 = time.perf_counter()

    from python_impl.roc import roc

    r = roc(y[te], predictions)
    ci = r.ci_auc()
    return ArticleResult(
        side="python",
        train_indices=split.train, val_indices=split.val, test_indices=split.test,
        center=center, scale=scale,
        class_balance=class_balance(y, {"train": split.train, "val": split.val, "test": split.test}),
        model_summary=model_summary(model),
        history=history,
        test_loss=test_loss, test_accuracy=test_acc,
        predictions=predictions,
        auc=float(r.auc), auc_ci=tuple(float(v) for v in ci),
        best_threshold=[{k: float(v) for k, v in row.items()} for row in r.best()],
        keras_seed=seed,
        roc_direction=r.direction, roc_levels=tuple(str(v) for v in r.levels),
        test_labels=np.asarray(y[te]),
        extra={"fit_x_shape": list(scaled[tr].shape), "model_input_shape": [None, *model.input_shape[1:]],
               "model": model},
        timings={"prepare_s": t1 - t0, "build_s": t2 - t1, "fit_s": t3 - t2, "evaluate_predict_s": t4 - t3,
                 "total_s": time.perf_counter() - t0},
    )
