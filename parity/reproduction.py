"""Reproduction audit of published numbers: is a paper's single (unseeded) result consistent
with the distribution its procedure produces over random draws?

Pure functions on plain arrays (no Keras, no R): the engine runs both sides many times and passes
the per-run metrics in. `build_reproduction` assembles `report["reproduction"]`:
{"published": {metric: {"value", "decimals", "label", "source"}}, "samples": {source: {...}},
"stats", "verdicts", "witnesses"}.

Published precision: a number is compared at the precision it was printed with (the case's
`decimals`), so a witness is a seed whose value rounds to the published one at those decimals
(e.g. an accuracy printed with 7 decimals as 0.7500000 <=> 30 of 40 correct; an AUC printed as
"%.3f" 0.812 <=> 0.8115 <= auc < 0.8125, correctly rounded like C's printf).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy import stats

ALPHA = 0.05
NEAR = 0.01
CONSISTENT, UNUSUAL = "consistent with the procedure", "unusual"


def _finite(values) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64).ravel()
    return v[np.isfinite(v)]


def _sd(v: np.ndarray) -> float:
    """n-1 sd; exactly 0 for a constant sample (NumPy's mean of n equal floats can be off by an
    ulp, which would make z astronomically large instead of infinite)."""
    if v.size < 2 or np.ptp(v) == 0:
        return 0.0
    return float(v.std(ddof=1))


def _as_printed(v: np.ndarray, decimals: int | None) -> np.ndarray:
    """The sample as the paper printed it: rounded at `decimals` (Python's correctly
    rounded round(), as `rounds_to`), so a value printing like the published one is a TIE with
    it. None: unchanged."""
    if decimals is None:
        return v
    return np.array([round(float(x), decimals) for x in v.tolist()], dtype=np.float64)


def describe(values, published: float, near: float = NEAR, decimals: int | None = None) -> dict:
    """Summary of a sample of one metric and where the published value falls in it.

    Keys: n, mean, sd (n-1), p2_5, median, p97_5, min, max, published,
    percentile_of_published (scipy percentileofscore, kind="mean": ties count half),
    share_within (share of values with |value - published| <= near, with 1e-12 slack so that
    k/104 steps exactly `near` away are not lost to rounding), near and decimals. NaNs are
    dropped (n counts the finite values only).

    decimals: the precision the published value was printed at. The percentile and the share
    then compare the sample ROUNDED to it: 2/3 = 0.66666667 is a tie with a printed 0.6666667,
    not a value above it. The summary statistics use the raw values.
    """
    v = _finite(values)
    pub = float(published)
    vp = _as_printed(v, decimals)
    if v.size == 0:
        nan = float("nan")
        return {"n": 0, "mean": nan, "sd": nan, "p2_5": nan, "median": nan, "p97_5": nan,
                "min": nan, "max": nan, "published": pub, "percentile_of_published": nan,
                "share_within": nan, "near": near, "decimals": decimals}
    lo, med, hi = np.percentile(v, [2.5, 50, 97.5])
    return {
        "n": int(v.size),
        "mean": float(v.mean()),
        "sd": _sd(v),
        "p2_5": float(lo), "median": float(med), "p97_5": float(hi),
        "min": float(v.min()), "max": float(v.max()),
        "published": pub,
        "percentile_of_published": float(stats.percentileofscore(vp, pub, kind="mean")),
        "share_within": float(np.mean(np.abs(vp - pub) <= near + 1e-12)),
        "near": near, "decimals": decimals,
    }


def rounds_to(value: float, target: float, decimals: int) -> bool:
    """`value` printed with `decimals` decimals shows `target` (Python's round is correctly
    rounded on the exact binary value, as C's printf("%.*f") is; NumPy's np.round is not)."""
    if value is None or not math.isfinite(float(value)):
        return False
    return round(float(value), decimals) == round(float(target), decimals)


def find_witnesses(seeds: Sequence[int], values, target: float, decimals: int) -> list[int]:
    """Seeds whose value rounds to `target` at `decimals` decimals, in the order given."""
    vals = np.asarray(values, dtype=np.float64).ravel()
    seeds = list(seeds)
    if len(seeds) != vals.size:
        raise ValueError(f"{len(seeds)} seeds but {vals.size} values")
    return [int(s) for s, v in zip(seeds, vals.tolist()) if rounds_to(v, target, decimals)]


def verdict(values, published: float, alpha: float = ALPHA, decimals: int | None = None) -> dict:
    """Two-sided empirical test: is `published` a plausible draw from the sample's distribution?

    p = min(1, 2 * min((k_le + 1) / (n + 1), (k_ge + 1) / (n + 1))) where k_le / k_ge count
    sample values <= / >= the published one (ties count on both sides: conservative for the
    discrete accuracy k/104). The +1 correction treats the published value as one more draw, so
    p is never 0; the smallest attainable p is 2/(n+1): below n = 39 the test can never call a
    value "unusual" at 0.05 (the method string says so). statistic: z = (published - mean) / sd
    (sd with n-1; +-inf when sd is 0 and the value differs, 0 when equal).
    decimals: as in `describe`, k_le/k_ge count the sample rounded to the printed precision
    (values printing like the published one are ties); z uses the raw values.
    """
    v = _finite(values)
    pub = float(published)
    n = int(v.size)
    if n == 0:
        return {"statistic": float("nan"), "p_value": float("nan"),
                "method": "empirical two-sided p (no finite values)", "words": "no data"}
    vp = _as_printed(v, decimals)
    k_le = int(np.sum(vp <= pub))
    k_ge = int(np.sum(vp >= pub))
    p = min(1.0, 2.0 * min((k_le + 1) / (n + 1), (k_ge + 1) / (n + 1)))
    mean = float(v.mean())
    sd = _sd(v)
    if sd > 0:
        z = (pub - mean) / sd
    else:
        z = 0.0 if pub == mean else math.copysign(math.inf, pub - mean)
    min_p = min(1.0, 2.0 / (n + 1))
    method = (f"empirical two-sided p = 2*min((k<=v)+1, (k>=v)+1)/(n+1) over n={n} draws "
              + (f"rounded to {decimals} decimals " if decimals is not None else "")
              + f"(k<=v: {k_le}, k>=v: {k_ge}; smallest attainable p {min_p:.3g}"
              + (f"; too few draws to ever reject at {alpha}" if min_p >= alpha else "")
              + "); statistic z = (published - mean)/sd")
    return {"statistic": float(z), "p_value": float(p), "method": method,
            "words": CONSISTENT if p >= alpha else UNUSUAL}


def witness_block(seeds: Sequence[int], values, target: float, decimals: int,
                  command: str | None = None, max_listed: int = 20) -> dict:
    """One `witnesses[source][metric]` entry: the matching seeds, their share of the search and,
    for the first `max_listed`, the command reproducing each (`command` is a template with a
    `{seed}` field, e.g. "python -m parity.reproduce --keras-seed {seed}")."""
    found = find_witnesses(seeds, values, target, decimals)
    n = len(list(seeds))
    return {
        "target": float(target), "decimals": int(decimals),
        "criterion": f"round(value, {decimals}) == {round(float(target), decimals)}",
        "n_searched": n, "n_found": len(found), "share": (len(found) / n) if n else float("nan"),
        "seeds": found,
        "commands": [command.format(seed=s) for s in found[:max_listed]] if command else [],
    }


def _both_block(seeds, samples_by_metric: dict, targets: dict, decimals: dict,
                command: str | None, max_listed: int) -> dict:
    sets = [set(find_witnesses(seeds, samples_by_metric[m], targets[m], decimals[m])) for m in targets]
    found = [int(s) for s in seeds if all(s in st for st in sets)]
    n = len(list(seeds))
    return {
        "target": {m: float(targets[m]) for m in targets}, "decimals": {m: int(decimals[m]) for m in targets},
        "criterion": " and ".join(f"round({m}, {decimals[m]}) == {round(float(targets[m]), decimals[m])}"
                                  for m in targets),
        "n_searched": n, "n_found": len(found), "share": (len(found) / n) if n else float("nan"),
        "seeds": found,
        "commands": [command.format(seed=s) for s in found[:max_listed]] if command else [],
    }


def reproduction_block(samples: dict, published: dict, max_listed: int = 20) -> dict:
    """`samples`/`stats`/`verdicts`/`witnesses` of `report["reproduction"]` from per-run metrics.

    samples: {source: {"label": str, "seeds": [...], metric: [...], optional "command": a template
    with {seed}, optional "kind"}}. published: {metric: {"value", "decimals", "label", "source"}}.
    A metric absent from a source is skipped; "all" witnesses need every published metric at once.
    """
    out = {"samples": {}, "stats": {}, "verdicts": {}, "witnesses": {}}
    for src, s in samples.items():
        seeds = [int(x) if x is not None else -1 for x in s["seeds"]]
        metrics = [m for m in published if s.get(m) is not None]
        entry = {k: v for k, v in s.items() if k not in published and k != "seeds"}
        entry["seeds"] = seeds
        for m in metrics:
            vals = [float(x) for x in np.asarray(s[m], dtype=np.float64).ravel()]
            if len(vals) != len(seeds):
                raise ValueError(f"samples[{src!r}]: {len(seeds)} seeds but {len(vals)} {m} values")
            entry[m] = vals
        out["samples"][src] = entry
        dec = {m: published[m].get("decimals") for m in metrics}
        out["stats"][src] = {m: describe(s[m], published[m]["value"], decimals=dec[m]) for m in metrics}
        out["verdicts"][src] = {m: verdict(s[m], published[m]["value"], decimals=dec[m]) for m in metrics}
        cmd = s.get("command") if all(x >= 0 for x in seeds) else None
        w = {m: witness_block(seeds, s[m], published[m]["value"], dec[m] if dec[m] is not None else 15, cmd,
                              max_listed) for m in metrics}
        if len(metrics) >= 2:
            w["all"] = _both_block(seeds, {m: s[m] for m in metrics}, {m: published[m]["value"] for m in metrics},
                                   {m: dec[m] if dec[m] is not None else 15 for m in metrics}, cmd, max_listed)
        out["witnesses"][src] = w
    return out


def jsonable(obj):
    """NumPy scalars/arrays -> Python; non-finite floats stay floats (json allow_nan)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    return obj



def build_reproduction(published: dict, samples: dict | None = None, seeded: dict | None = None) -> dict:
    """The whole `report["reproduction"]` sub-dict, JSON-able: the published values, and where each
    falls in the distributions of `samples` (see `reproduction_block`); `seeded`: {source:
    {metric: value}} of the paired seeded runs, shown beside them."""
    out: dict = {"version": 2, "published": {m: dict(v) for m, v in published.items()}}
    if samples:
        out.update(reproduction_block(samples, published))
    if seeded:
        out["seeded"] = seeded
    return jsonable(out)
