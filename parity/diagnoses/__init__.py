"""The diagnosis library: for a failing checkpoint, test known R -> Python porting hypotheses
against the two values and return the one that explains the difference exactly, with its
evidence, or None.

Each hypothesis is a small named function ``fn(r, py, *, name, context) -> Diagnosis | None``
(values normalised as ``parity.values.plain`` gives them: ndarrays, scalars, dicts of named
scalars, lists, DataFrames; NA as NaN/None; matrices 2-D in R's [i, j] order). ``name`` is a
hint only; ``context`` maps earlier checkpoints' names to their (r, py) values, where some
hypotheses find the data they need (raw features, index vectors, labels, scores). Each
function's docstring states its exact criterion, its tolerance, and what it needs from the
context. They never raise on foreign inputs (they return None); `diagnose` also guards.

``DIAGNOSES`` lists them in the order they are tried, most specific first. The stable ids go
into report.json as ``diagnosis: {id, title, evidence, fix, data}`` on the failing row.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from parity.diagnoses._core import Diagnosis, deep_equal, jsonable
from parity.diagnoses.fits import regularised_fit, scaled_before_split
from parity.diagnoses.indices import different_rng, factor_codes, row_names, zero_based_index
from parity.diagnoses.layout import (collation, dropped_dim, integer_na, na_dropped, na_filled,
                                     permuted, row_major, sorted_order, transposed)
from parity.diagnoses.conventions import quantile_type, rounding
from parity.diagnoses.numeric import ddof_var, float32, off_by_constant, population_sd, scale_factor
from parity.diagnoses.roc import auc_direction, complement, roc_thresholds

__all__ = ["Diagnosis", "DIAGNOSES", "diagnose", "explain_all", "jsonable"]

DIAGNOSES: dict[str, Callable[..., Diagnosis | None]] = {
    # identical values, differently shaped or marked
    "dropped_dim": dropped_dim,
    "integer_na": integer_na,
    "na_dropped": na_dropped,
    "na_filled": na_filled,
    # structured patterns that nothing else produces
    "roc_thresholds": roc_thresholds,
    "auc_direction": auc_direction,
    "complement": complement,
    # verified against data in the context
    "scaled_before_split": scaled_before_split,
    "regularised_fit": regularised_fit,
    "quantile_type": quantile_type,
    "rounding": rounding,
    # exact arithmetic relations
    "population_sd": population_sd,
    "ddof_var": ddof_var,
    "float32": float32,
    # integer codes and indices (collation first: it is the more specific reading of levels)
    "collation": collation,
    "factor_codes": factor_codes,
    "zero_based_index": zero_based_index,
    "row_names": row_names,
    # same values, other arrangement
    "row_major": row_major,
    "transposed": transposed,
    "sorted_order": sorted_order,
    "different_rng": different_rng,
    "permuted": permuted,
    # the most generic relations last
    "scale_factor": scale_factor,
    "off_by_constant": off_by_constant,
}

Context = Mapping[str, tuple[Any, Any]]


def _try(fn, r, py, name, context) -> Diagnosis | None:
    try:
        d = fn(r, py, name=name, context=context)
    except Exception:  # noqa: BLE001 - a crashing hypothesis is ignored, never the checkpoint
        return None
    return d if isinstance(d, Diagnosis) else None


def _ids(only: Sequence[str] | None) -> list[str]:
    if only is None:
        return list(DIAGNOSES)
    if isinstance(only, str):
        only = [only]
    unknown = [i for i in only if i not in DIAGNOSES]
    if unknown:
        raise ValueError(f"unknown diagnosis id(s) {unknown}; known: {', '.join(DIAGNOSES)}")
    return list(only)


def _parts(r, py):
    """Aligned (key, r_part, py_part) of two records (dicts with the same keys, or lists of the
    same length), or None."""
    if isinstance(r, Mapping) and isinstance(py, Mapping) and list(r) == list(py):
        return [(str(k), r[k], py[k]) for k in r]
    if isinstance(r, list) and isinstance(py, list) and len(r) == len(py):
        return [(f"[[{i + 1}]]", x, y) for i, (x, y) in enumerate(zip(r, py))]
    return None


def _by_part(r, py, name, context, ids) -> list[Diagnosis]:
    """Records whose differing parts are all explained by one hypothesis: that one, evidence
    prefixed by the part names. Only one level deep."""
    parts = _parts(r, py)
    if not parts:
        return []
    differing = [(k, x, y) for k, x, y in parts if not deep_equal(x, y)]
    if not differing:
        return []
    found: list[Diagnosis] = []
    for i in ids:
        hits = [_try(DIAGNOSES[i], x, y, f"{name}${k}" if name else k, context) for k, x, y in differing]
        if all(hits):
            same_keys = [k for k, _x, _y in parts if k not in {d[0] for d in differing}]
            ev = "; ".join(f"{k}: {h.evidence}" for (k, _x, _y), h in zip(differing, hits))
            if same_keys:
                ev += f" ({', '.join(same_keys[:6])} equal)"
            first = hits[0]
            found.append(Diagnosis(first.id, first.title, ev, first.fix,
                                   {"parts": {k: h.data for (k, _x, _y), h in zip(differing, hits)}}))
    return found


def diagnose(r: Any, py: Any, *, name: str = "", context: Context | None = None,
             only: Sequence[str] | None = None) -> Diagnosis | None:
    """The first hypothesis that explains r vs py exactly, or None. `only`: try just these ids,
    in that order (a case declaring a known divergence names the one it expects); an unknown id
    raises ValueError. Equal values are never diagnosed. For two records (named lists / dicts
    with the same keys) that no hypothesis explains as a whole, a hypothesis that explains every
    differing part is returned, its evidence listing the parts."""
    ids = _ids(only)
    ctx = context if context is not None else {}
    if deep_equal(r, py):
        return None
    for i in ids:
        d = _try(DIAGNOSES[i], r, py, name or "", ctx)
        if d is not None:
            return d
    found = _by_part(r, py, name or "", ctx, ids)
    return found[0] if found else None


def explain_all(r: Any, py: Any, *, name: str = "", context: Context | None = None) -> list[Diagnosis]:
    """Every hypothesis that fires, in DIAGNOSES order (for tests and report detail)."""
    ctx = context if context is not None else {}
    if deep_equal(r, py):
        return []
    out = [d for d in (_try(fn, r, py, name or "", ctx) for fn in DIAGNOSES.values()) if d is not None]
    if not out:
        out = _by_part(r, py, name or "", ctx, list(DIAGNOSES))
    return out
