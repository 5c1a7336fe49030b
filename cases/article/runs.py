"""Many trainings of the article's procedure for the distributions: the batched fast trainer
(default; numpy-seeded Glorot init and a fresh shuffle every epoch, as unseeded Keras does) or
Keras `fit` itself. Each run is reproducible from its seed with `parity reproduce`."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from python_impl.split import ARTICLE_SPLIT_SEED

TRAINERS = ("fast", "keras")


@dataclass
class RunMetrics:
    """What a distribution keeps of one training (duck-types the fields checks read)."""

    seed: int | None
    test_accuracy: float
    test_loss: float
    auc: float
    roc_direction: str
    test_labels: np.ndarray
    predictions: np.ndarray
    split_seed: int = ARTICLE_SPLIT_SEED
    trainer: str = "fast"


def reproduce_command(trainer: str, split_seed: int = ARTICLE_SPLIT_SEED) -> str:
    """The command template (with {seed}) that retrains one run of a distribution."""
    extra = "" if split_seed == ARTICLE_SPLIT_SEED else f" --split-seed {split_seed}"
    return f"parity reproduce --trainer {trainer} --seed {{seed}}{extra}"


def _metrics(seed, labels, preds, loss, acc, split_seed, trainer) -> RunMetrics:
    from python_impl.roc import roc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = roc(labels, preds)
    return RunMetrics(None if seed is None else int(seed), float(acc), float(loss), float(r.auc), r.direction,
                      np.asarray(labels), np.asarray(preds, dtype=np.float64), split_seed, trainer)


def fast_runs(seeds, data=None, split_seed: int = ARTICLE_SPLIT_SEED, backend: str = "tensorflow") -> list[RunMetrics]:
    """One batched training of all `seeds` on one split; AUC by pROC's rules per seed."""
    from python_impl.fast_trainer import train_batch
    from python_impl.pipeline import article_inputs

    a = article_inputs(data, split_seed)
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = a.rows("train"), a.rows("val"), a.rows("test")
    res = train_batch(x_tr, y_tr, x_va, y_va, x_te, y_te, seeds=list(seeds), init="glorot", shuffle="per_epoch",
                      backend=backend)
    return [_metrics(sd, y_te, res.test_probabilities[i], res.test_loss[i], res.test_accuracy[i], split_seed, "fast")
            for i, sd in enumerate(res.seeds)]


def keras_runs(seeds, data=None, split_seed: int = ARTICLE_SPLIT_SEED, progress=None) -> list[RunMetrics]:
    """Keras `fit` per seed (`keras.utils.set_random_seed(seed)`; seed None: unseeded)."""
    from python_impl.pipeline import run_article

    out = []
    seeds = list(seeds)
    for i, sd in enumerate(seeds):
        if progress:
            progress(i)
        r = run_article(seed=sd, data=data, split_seed=split_seed)
        out.append(_metrics(sd, r.test_labels, r.predictions, r.test_loss, r.test_accuracy, split_seed, "keras"))
    return out


def split_seed_runs(split_seeds, init_seed: int = 0, data=None, trainer: str = "fast",
                    progress=None) -> list[RunMetrics]:
    """The same initialisation seed on different `set.seed` splits: split variance alone."""
    runs = []
    for i, ss in enumerate(split_seeds):
        if progress:
            progress(i)
        if trainer == "fast":
            runs += fast_runs([init_seed], data=data, split_seed=int(ss))
        else:
            runs += keras_runs([init_seed], data=data, split_seed=int(ss))
    return runs
