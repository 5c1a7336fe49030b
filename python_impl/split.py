"""The article's train/validation/test split, drawn with R's RNG so indices equal R's."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from python_impl.rrandom import RRandom

ARTICLE_SPLIT_SEED = 123
TRAIN_FRACTION = 0.7
VAL_FRACTION = 0.15


@dataclass(frozen=True)
class Split:
    """1-based row indices in R's order (as R's `train_indices` etc. hold them)."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    def sizes(self) -> tuple[int, int, int]:
        return len(self.train), len(self.val), len(self.test)


def r_setdiff(x, y) -> np.ndarray:
    """R's `setdiff(x, y)`: unique elements of x not in y, in x's order (NumPy's is sorted)."""
    x = np.asarray(x)
    _, first = np.unique(x, return_index=True)
    uniq = x[np.sort(first)]
    return uniq[~np.isin(uniq, np.asarray(y))]


def article_split(n_rows: int, seed: int = ARTICLE_SPLIT_SEED) -> Split:
    """`set.seed(seed); train <- sample(1:n, 0.7*n); val <- sample(setdiff(1:n, train), 0.15*n);
    test <- setdiff(setdiff(1:n, train), val)`, with R's truncation of the sizes
    (686 rows -> 480 / 102 / 104).

    R's pitfall is reproduced: if only one row remains for `val`'s candidates, `sample(c(k), m)`
    would sample from 1:k — RRandom.sample does what R does.
    """
    n = int(n_rows)
    if n < 1:
        raise ValueError(f"cannot split {n} rows")
    rng = RRandom(seed)
    all_rows = np.arange(1, n + 1)
    train = rng.sample(all_rows, TRAIN_FRACTION * n)
    rest = r_setdiff(all_rows, train)
    val = rng.sample(rest, VAL_FRACTION * n)
    test = r_setdiff(rest, val)
    return Split(np.asarray(train, dtype=np.int64), np.asarray(val, dtype=np.int64), np.asarray(test, dtype=np.int64))
