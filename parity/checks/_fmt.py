"""Short, readable renderings of values for the table."""
from __future__ import annotations

import numpy as np


def num(v, digits: int = 7) -> str:
    if v is None:
        return "-"
    v = float(v)
    if not np.isfinite(v):
        return str(v)
    return f"{v:.{digits}g}"


def sci(v) -> str:
    return "-" if v is None else f"{float(v):.1e}"


def vec(v, k: int = 3, digits: int = 6) -> str:
    a = np.asarray(v).reshape(-1)
    head = ", ".join(num(x, digits) for x in a[:k])
    return f"[{head}{', ...' if a.size > k else ''}] (n={a.size})"


def rel_diff(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    denom = np.maximum(np.abs(a), np.abs(b))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(denom == 0, 0.0, np.abs(a - b) / denom)
    return float(np.nanmax(r)) if r.size else 0.0


def abs_diff(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b))) if a.size else 0.0
