"""R's `scale()`: centre by the column mean, divide by the n-1 standard deviation."""
from __future__ import annotations

import warnings

import numpy as np


class ConstantColumnWarning(RuntimeWarning):
    """A column with zero spread: R's scale() yields NaN for it (0/0)."""


def r_scale(x) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`(scaled, center, scale)` as `scale(x)` returns them in R.

    R computes `scale` as `sqrt(sum(x^2) / (n - 1))` of the *centred* column, i.e. the
    n-1 standard deviation (scikit-learn's StandardScaler uses n). A constant column has
    scale 0 and R divides anyway, giving NaN; we do the same and warn.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"r_scale expects a 2-D matrix, got shape {x.shape}")
    n = x.shape[0]
    # R: center <- colMeans(x); x <- sweep(x, 2, center)
    # R accumulates sums in long double (LDOUBLE); so do we, so results match to the last bit
    # in practice, not just to 1e-12.
    center = (x.astype(np.longdouble).sum(axis=0) / n).astype(np.float64)
    centred = x - center
    # R: f <- function(v) { v <- v[!is.na(v)]; sqrt(sum(v^2) / max(1, length(v) - 1L)) }
    sumsq = (centred**2).astype(np.longdouble).sum(axis=0).astype(np.float64)
    scale = np.sqrt(sumsq / max(1, n - 1))
    zero = scale == 0
    if zero.any():
        warnings.warn(
            f"{int(zero.sum())} constant column(s) (indices {np.flatnonzero(zero).tolist()}): "
            "R's scale() divides 0 by 0 and returns NaN for them",
            ConstantColumnWarning,
            stacklevel=2,
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = centred / scale
    return scaled, center, scale
