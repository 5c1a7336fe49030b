"""Split checks: sizes, indices and class balance are integers, so they must match exactly."""
from __future__ import annotations

import numpy as np

from parity.registry import CheckResult, Status, check

SPLITS = ("train", "val", "test")
EXACT = "exact"
WHY_EXACT = "integers from the same RNG algorithm: any difference is a bug"


def _idx(res, split):
    return np.asarray(getattr(res, f"{split}_indices"))


@check("split_sizes", "split", EXACT, WHY_EXACT)
def split_sizes(ctx) -> CheckResult:
    """Train/val/test sizes, with R's truncation of 0.7*n and 0.15*n."""
    r = tuple(len(_idx(ctx.r, s)) for s in SPLITS)
    p = tuple(len(_idx(ctx.py, s)) for s in SPLITS)
    ok = r == p
    return CheckResult("split_sizes", Status.PASS if ok else Status.FAIL, "/".join(map(str, r)),
                       "/".join(map(str, p)), "0" if ok else f"{np.subtract(p, r).tolist()}",
                       detail="train/val/test sizes " + ("identical" if ok else "differ"),
                       data={"r": list(r), "python": list(p)})


@check("split_indices", "split", EXACT, WHY_EXACT)
def split_indices(ctx) -> CheckResult:
    """Every 1-based index of each split, in R's order."""
    parts, data, ok = [], {}, True
    for s in SPLITS:
        a, b = _idx(ctx.r, s), _idx(ctx.py, s)
        same_order = a.shape == b.shape and bool((a == b).all())
        common = len(np.intersect1d(a, b))
        ok &= same_order
        first = "" if same_order else f" (first mismatch at position {_first_mismatch(a, b)})"
        parts.append(f"{s} {common}/{len(a)} shared, order {'identical' if same_order else 'differs'}{first}")
        data[s] = {"shared": common, "n_r": len(a), "n_python": len(b), "identical": same_order}
    return CheckResult("split_indices", Status.PASS if ok else Status.FAIL,
                       f"test[:5]={_idx(ctx.r, 'test')[:5].tolist()}", f"test[:5]={_idx(ctx.py, 'test')[:5].tolist()}",
                       "0 mismatches" if ok else "; ".join(p for p in parts if "differs" in p),
                       detail="; ".join(parts), data=data)


def _first_mismatch(a, b) -> int:
    n = min(len(a), len(b))
    diff = np.flatnonzero(a[:n] != b[:n])
    return int(diff[0]) + 1 if diff.size else n + 1


@check("class_balance", "split", EXACT, "label counts per split are integers")
def class_balance(ctx) -> CheckResult:
    """Label counts (0 = censored, 1 = event) in each split."""
    r, p = ctx.r.class_balance, ctx.py.class_balance
    ok = r == p

    def fmt(cb):
        return " ".join(f"{s}:{cb[s].get('0', 0)}/{cb[s].get('1', 0)}" for s in SPLITS if s in cb)

    return CheckResult("class_balance", Status.PASS if ok else Status.FAIL, fmt(r), fmt(p), "0" if ok else "differs",
                       detail="counts of status 0/1 per split " + ("identical" if ok else "differ"),
                       data={"r": r, "python": p})
