"""Reproduction audit of the published numbers (issue 5): is the article's single unseeded draw
(test accuracy 0.6442308 = 67/104, AUC 0.717) consistent with the distribution its procedure
produces over Keras's random draws?

Pure functions on plain arrays (no Keras, no R): the caller trains (fast trainer, Keras `fit`,
the R bridge) and passes the per-seed metrics in. `reproduction_block` assembles the
`report["reproduction"]["samples"/"stats"/"verdicts"/"witnesses"]` entries documented in
`parity.html_report`.

Published precisions: the article prints the accuracy with R's 7 significant digits
(`print(test_loss)` -> 0.6442308) and the AUC with pROC's `print.auc.pattern = "AUC: %.3f"` (the
plot's label) -> 0.717. A witness is therefore a seed whose value rounds to the published one at
those decimals (`round(acc, 7) == 0.6442308` <=> 67 of 104 correct;
`round(auc, 3) == 0.717` <=> 0.7165 <= auc < 0.7175, correctly rounded like C's printf).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy import stats

ALPHA = 0.05
NEAR = 0.01
# decimals at which the article prints each number (see the module docstring)
PUBLISHED_DECIMALS = {"accuracy": 7, "auc": 3, "loss": 7}
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
    """The sample as the article would print it: rounded at `decimals` (Python's correctly
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
    then compare the sample ROUNDED to it: 67/104 = 0.64423077 is a tie with the printed
    0.6442308, not a value below it. The summary statistics use the raw values.
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


def reproduction_block(samples: dict, published: dict, decimals: dict | None = None,
                       max_listed: int = 20) -> dict:
    """`samples`/`stats`/`verdicts`/`witnesses` of `report["reproduction"]` from per-seed metrics.

    samples: {source: {"label": str, "seeds": [...], "accuracy": [...], "auc": [...],
    optional "loss": [...], optional "command": "template with {seed}", optional "kind": str}}.
    published: {"test_accuracy", "auc", optional "test_loss"} (parity.audit.PUBLISHED works).
    Metrics absent from a source, or without a published value, are skipped.
    """
    decimals = {**PUBLISHED_DECIMALS, **(decimals or {})}
    pub = {"accuracy": published.get("test_accuracy"), "auc": published.get("auc"),
           "loss": published.get("test_loss")}
    out = {"samples": {}, "stats": {}, "verdicts": {}, "witnesses": {}}
    for src, s in samples.items():
        seeds = [int(x) for x in s["seeds"]]
        metrics = [m for m in ("accuracy", "auc", "loss") if s.get(m) is not None and pub[m] is not None]
        entry = {k: v for k, v in s.items() if k not in ("accuracy", "auc", "loss", "seeds")}
        entry["seeds"] = seeds
        for m in ("accuracy", "auc", "loss"):
            if s.get(m) is not None:
                vals = [float(x) for x in np.asarray(s[m], dtype=np.float64).ravel()]
                if len(vals) != len(seeds):
                    raise ValueError(f"samples[{src!r}]: {len(seeds)} seeds but {len(vals)} {m} values")
                entry[m] = vals
        out["samples"][src] = entry
        out["stats"][src] = {m: describe(s[m], pub[m], decimals=decimals[m]) for m in metrics}
        out["verdicts"][src] = {m: verdict(s[m], pub[m], decimals=decimals[m]) for m in metrics}
        cmd = s.get("command")
        w = {m: witness_block(seeds, s[m], pub[m], decimals[m], cmd, max_listed) for m in metrics}
        both = [m for m in ("accuracy", "auc") if m in metrics]
        if len(both) == 2:
            w["both"] = _both_block(seeds, {m: s[m] for m in both}, {m: pub[m] for m in both},
                                    {m: decimals[m] for m in both}, cmd, max_listed)
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



def build_reproduction(published: dict, samples: dict | None = None, baselines: dict | None = None,
                       findings: dict | None = None, variance: dict | None = None,
                       roc_inputs: dict | None = None, r_plot: dict | None = None,
                       delong_source: str | None = None, captions: dict | None = None) -> dict:
    """The whole `report["reproduction"]` sub-dict (layout: `parity.html_report`), JSON-able.

    published: parity.audit.PUBLISHED (+ optional "decimals"/"source"); samples: see
    `reproduction_block`; baselines: `parity.baselines.article_baselines()` (optionally with
    "over_split_seeds" from `over_split_seeds`); findings: `parity.findings.all_findings()`;
    variance: {"split": {"label", "accuracy", "auc"}, "init": {...}}; roc_inputs: {source:
    {"label", "labels", "predictions"}}; r_plot: {"available": bool, "note": str};
    delong_source: the roc_inputs source whose CNN predictions are compared with logistic
    regression by paired DeLong (default: "py" if present, else the first with the baseline's
    test labels). captions: {figure key: caption} overrides.
    """
    pub = {k: published[k] for k in ("test_loss", "test_accuracy", "test_correct", "n_test", "auc")
           if k in published}
    pub["decimals"] = {**PUBLISHED_DECIMALS, **published.get("decimals", {})}
    pub["source"] = published.get("source", "article: print(test_loss) -> loss/accuracy (7 significant "
                                            "digits); plot(roc_obj, print.auc=TRUE) -> 'AUC: %.3f'")
    out: dict = {"version": 1, "published": pub}
    if samples:
        out.update(reproduction_block(samples, pub, pub["decimals"]))
    if baselines:
        b = dict(baselines)
        if roc_inputs and "paired_delong" not in b and "logistic" in b and "test_labels" in b:
            from parity.baselines import paired_delong

            order = ([delong_source] if delong_source else []) + ["py"] + list(roc_inputs)
            for src in order:
                ri = roc_inputs.get(src) if src else None
                if ri and [int(v) for v in ri["labels"]] == [int(v) for v in b["test_labels"]]:
                    d = paired_delong(ri["predictions"], b["logistic"]["predictions"], ri["labels"])
                    d["cnn_source"] = src
                    d["cnn_label"] = ri.get("label", src)
                    b["paired_delong"] = d
                    break
        out["baselines"] = b
    if findings:
        out["findings"] = findings
    if variance:
        out["variance"] = variance
    if roc_inputs:
        out["roc_inputs"] = {k: {"label": v.get("label", k), "labels": [int(x) for x in v["labels"]],
                                 "predictions": [float(x) for x in np.asarray(v["predictions"]).ravel()]}
                             for k, v in roc_inputs.items()}
    out["r_plot"] = r_plot or {"available": False, "note": "R's plot was not rendered for this report"}
    if captions:
        out["captions"] = dict(captions)
    return jsonable(out)
