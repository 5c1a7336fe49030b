"""The Diagnosis record and the helpers every hypothesis shares (value coercion, comparison,
context search, formatting). Pure NumPy/SciPy/pandas; nothing here raises on foreign inputs:
a value that cannot be read as what a hypothesis needs comes back as None."""
from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

import numpy as np
import pandas as pd

INT_NA = -2147483648  # R's NA_integer_ (and NA for logicals) read as a plain int32
RTOL = 1e-12          # "the same float64 arithmetic": relative tolerance of the arithmetic hypotheses
F32_UNIT = 2.0 ** -24  # float32 unit roundoff (half an ulp, relative): one rounding to float32

Context = Mapping[str, tuple]
DiagnosisFn = Callable[..., "Diagnosis | None"]


# --------------------------------------------------------------------------------------------
# the record
# --------------------------------------------------------------------------------------------
def jsonable(v: Any) -> Any:
    """Plain JSON types only: numpy scalars/arrays unwrapped, NaN -> None, +-inf -> "inf"/"-inf",
    tuples -> lists, keys -> str; anything else -> its str()."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return None
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(v, Mapping):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v.tolist()] if v.ndim else jsonable(v.item())
    if isinstance(v, (list, tuple, set, frozenset)):
        return [jsonable(x) for x in v]
    return str(v)


@dataclass(frozen=True)
class Diagnosis:
    """One hypothesis that explains a failing checkpoint exactly.

    id        stable id (a key of ``DIAGNOSES``), recorded in report.json
    title     one line for humans: what the port did
    evidence  what was measured, with numbers
    fix       what to change in the port
    data      the JSON-able numbers behind the evidence (sanitised on construction)
    """

    id: str
    title: str
    evidence: str
    fix: str
    data: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", jsonable(dict(self.data)))

    def to_jsonable(self) -> dict:
        return {"id": self.id, "title": self.title, "evidence": self.evidence, "fix": self.fix,
                "data": jsonable(self.data)}


# --------------------------------------------------------------------------------------------
# coercion
# --------------------------------------------------------------------------------------------
def as_array(v: Any) -> np.ndarray | None:
    """ndarray view of a normalised value (scalar, list, ndarray, Series, DataFrame), or None
    (dicts, None, ragged lists, complex/datetime data, anything else)."""
    try:
        if v is None or isinstance(v, Mapping):
            return None
        if isinstance(v, pd.DataFrame):
            arr = v.to_numpy()
        elif isinstance(v, (pd.Series, pd.Index, pd.Categorical)):
            arr = np.asarray(v)
        elif isinstance(v, np.ndarray):
            arr = v
        elif isinstance(v, (list, tuple)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                arr = np.asarray(v)
        elif isinstance(v, (bool, int, float, str, np.generic)):
            arr = np.asarray(v)
        else:
            return None
    except (ValueError, TypeError, OverflowError):
        return None
    if arr.dtype.kind in "cmMV":
        return None
    return arr


def _is_na(x: Any) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    return isinstance(x, (float, np.floating)) and math.isnan(x)


def num(v: Any, *, allow_bool: bool = False) -> np.ndarray | None:
    """float64 array of a numeric value (int/float arrays, object arrays of numbers with None as
    NaN), or None. Booleans only with allow_bool."""
    arr = as_array(v)
    if arr is None:
        return None
    k = arr.dtype.kind
    if k in "iuf" or (k == "b" and allow_bool):
        with np.errstate(all="ignore"):
            return arr.astype(np.float64)
    if k == "O":
        flat = arr.reshape(-1).tolist()
        out = []
        for x in flat:
            if _is_na(x):
                out.append(math.nan)
            elif isinstance(x, (bool, np.bool_)) and not allow_bool:
                return None
            elif isinstance(x, (int, float, np.integer, np.floating, bool, np.bool_)):
                out.append(float(x))
            else:
                return None
        return np.array(out, dtype=np.float64).reshape(arr.shape)
    return None


def strs(v: Any) -> np.ndarray | None:
    """object array of str (None for NA) if every non-missing element is a string, else None."""
    arr = as_array(v)
    if arr is None:
        return None
    if arr.dtype.kind in "US":
        return arr.astype(object)
    if arr.dtype.kind != "O":
        return None
    flat = arr.reshape(-1).tolist()
    if not flat or not all(isinstance(x, str) or _is_na(x) for x in flat):
        return None
    if all(_is_na(x) for x in flat):
        return None
    return np.array([None if _is_na(x) else x for x in flat], dtype=object).reshape(arr.shape)


def num_pair(r: Any, py: Any) -> tuple[np.ndarray, np.ndarray, list | None] | None:
    """(a, b, names): both sides as float64 arrays. Two dicts of numeric scalars (named vectors)
    are aligned by R's names (or by position when the names differ but the lengths agree)."""
    if isinstance(r, Mapping) != isinstance(py, Mapping):  # a named vector vs a plain one
        named, other = (r, py) if isinstance(r, Mapping) else (py, r)
        o = num(other)
        if not named or o is None or o.ndim != 1 or o.size != len(named):
            return None
        vals = []
        for x in named.values():
            xa = num(x)
            if xa is None or xa.size != 1:
                return None
            vals.append(float(xa.reshape(-1)[0]))
        v = np.array(vals)
        names = [str(k) for k in named]
        return (v, o, names) if isinstance(r, Mapping) else (o, v, names)
    if isinstance(r, Mapping):
        if len(r) != len(py) or not r:
            return None
        if set(r) == set(py):
            keys = list(r)
            rv, pv = [r[k] for k in keys], [py[k] for k in keys]
        else:
            keys = list(r)
            rv, pv = list(r.values()), list(py.values())
        a, b = [], []
        for x, y in zip(rv, pv):
            xa, ya = num(x), num(y)
            if xa is None or ya is None or xa.size != 1 or ya.size != 1:
                return None
            a.append(float(xa.reshape(-1)[0]))
            b.append(float(ya.reshape(-1)[0]))
        return np.array(a), np.array(b), [str(k) for k in keys]
    a, b = num(r), num(py)
    if a is None or b is None:
        return None
    return a, b, None


def num_pair_same_shape(r, py):
    """`num_pair` with equal shapes, size >= 1 and NaN/Inf in the same places, or None."""
    p = num_pair(r, py)
    if p is None:
        return None
    a, b, names = p
    if a.shape != b.shape or a.size == 0:
        return None
    if not np.array_equal(np.isfinite(a), np.isfinite(b)) or not np.array_equal(np.isnan(a), np.isnan(b)):
        return None
    return a, b, names


def integral(a: np.ndarray) -> bool:
    """Every element finite and a whole number."""
    return a.size > 0 and bool(np.all(np.isfinite(a))) and bool(np.all(a == np.round(a)))


def int_vector(v: Any) -> np.ndarray | None:
    """1-D int64 vector of a whole-number value (a scalar counts as length 1), or None."""
    a = num(v)
    if a is None or a.ndim > 1 or not integral(a) or np.max(np.abs(a)) > 2 ** 52:
        return None
    return a.reshape(-1).astype(np.int64)


# --------------------------------------------------------------------------------------------
# comparison
# --------------------------------------------------------------------------------------------
def close(a: np.ndarray, b: np.ndarray, rtol: float = RTOL, atol: float = 0.0) -> bool:
    """Same shape, same NaN positions, same infinities, finite values within
    rtol * max(|a|, |b|) + atol elementwise."""
    if a.shape != b.shape:
        return False
    with np.errstate(all="ignore"):
        na, nb = np.isnan(a), np.isnan(b)
        if not np.array_equal(na, nb):
            return False
        fa, fb = np.isfinite(a), np.isfinite(b)
        if not np.array_equal(fa, fb):
            return False
        inf = ~fa & ~na
        if not np.array_equal(a[inf], b[inf]):
            return False
        x, y = a[fa], b[fa]
        return bool(np.all(np.abs(x - y) <= rtol * np.maximum(np.abs(x), np.abs(y)) + atol))


def same(a: np.ndarray, b: np.ndarray, rtol: float = RTOL) -> bool:
    """`close` for numeric arrays, elementwise equality (None == None) for anything else."""
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "iufb" and b.dtype.kind in "iufb":
        with np.errstate(all="ignore"):
            return close(a.astype(np.float64), b.astype(np.float64), rtol)
    fa, fb = a.reshape(-1).tolist(), b.reshape(-1).tolist()
    for x, y in zip(fa, fb):
        if _is_na(x) and _is_na(y):
            continue
        if _is_na(x) or _is_na(y):
            return False
        try:
            if type(x) is not type(y) and (isinstance(x, str) or isinstance(y, str)):
                return False
            if not bool(x == y):
                return False
        except (TypeError, ValueError):
            return False
    return True


def deep_equal(r: Any, py: Any) -> bool:
    """Exactly equal normalised values (NaN == NaN, None == None); False on any doubt."""
    try:
        if isinstance(r, Mapping) or isinstance(py, Mapping):
            return (isinstance(r, Mapping) and isinstance(py, Mapping) and list(r) == list(py)
                    and all(deep_equal(r[k], py[k]) for k in r))
        if isinstance(r, pd.DataFrame) or isinstance(py, pd.DataFrame):
            return (isinstance(r, pd.DataFrame) and isinstance(py, pd.DataFrame)
                    and list(r.columns) == list(py.columns) and r.shape == py.shape
                    and same(r.to_numpy(), py.to_numpy(), 0.0))
        if isinstance(r, list) and isinstance(py, list) and any(
                isinstance(x, (list, Mapping, np.ndarray, pd.DataFrame)) for x in r + py):
            return len(r) == len(py) and all(deep_equal(x, y) for x, y in zip(r, py))
        if r is None or py is None:
            return r is None and py is None
        a, b = as_array(r), as_array(py)
        if a is None or b is None:
            return False
        return same(a, b, 0.0)
    except Exception:  # noqa: BLE001 - a comparison must never raise here
        return False


def monotone(a: np.ndarray) -> str | None:
    """'inc' (non-decreasing), 'dec' (non-increasing), 'const' or None; for numbers or strings."""
    if a.ndim != 1 or a.size < 2:
        return None
    try:
        xs = a.tolist()
        inc = all(x <= y for x, y in zip(xs, xs[1:]))
        dec = all(x >= y for x, y in zip(xs, xs[1:]))
    except TypeError:
        return None
    if inc and dec:
        return "const"
    return "inc" if inc else ("dec" if dec else None)


# --------------------------------------------------------------------------------------------
# context and hints
# --------------------------------------------------------------------------------------------
def ctx_values(context: Context | None) -> Iterator[tuple[str, str, Any]]:
    """(checkpoint name, side 'r'/'py', value) for every well-formed context entry; a value
    object shared by both sides is yielded once."""
    if not context:
        return
    try:
        items = list(context.items())
    except Exception:  # noqa: BLE001
        return
    for cname, pair in items:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            continue
        rv, pv = pair
        yield str(cname), "r", rv
        if pv is not rv:
            yield str(cname), "py", pv


def ctx_numeric(context: Context | None, ndim: int | None = None) -> list[tuple[str, str, np.ndarray]]:
    """Numeric context arrays (float64, ndim >= 1 or the given ndim), duplicates dropped."""
    out: list[tuple[str, str, np.ndarray]] = []
    for cname, side, v in ctx_values(context):
        if isinstance(v, Mapping):
            continue
        a = num(v)
        if a is None or a.size == 0 or a.ndim == 0 or (ndim is not None and a.ndim != ndim):
            continue
        if any(x.shape == a.shape and close(x, a, 0.0) for _, _, x in out):
            continue
        out.append((cname, side, a))
    return out


def hint(name: str, *words: str) -> bool:
    """Whether the checkpoint name mentions one of the words (a hint only)."""
    n = (name or "").lower()
    return any(w in n for w in words)


INDEX_WORDS = ("index", "indices", "idx", "rows", "row_", "which", "perm")


def looks_like_index_name(name: str) -> bool:
    return hint(name, *INDEX_WORDS)


# --------------------------------------------------------------------------------------------
# formatting
# --------------------------------------------------------------------------------------------
def g(x: Any, digits: int = 6) -> str:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Inf" if f > 0 else "-Inf"
    if f == int(f) and abs(f) < 1e15:
        return str(int(f))
    return f"{f:.{digits}g}"


def e(x: float) -> str:
    """A small deviation as 1.2e-16."""
    return f"{float(x):.1e}"


def preview(a: Any, k: int = 4) -> str:
    try:
        xs = np.asarray(a).reshape(-1).tolist()
    except Exception:  # noqa: BLE001
        return str(a)
    body = ", ".join(g(x) if isinstance(x, (int, float)) else repr(x) for x in xs[:k])
    return f"[{body}{', ...' if len(xs) > k else ''}]"


def safe(fn: DiagnosisFn) -> DiagnosisFn:
    """Wrap a hypothesis so that numerical warnings stay quiet (errors still surface in tests;
    `diagnose` catches them)."""
    def wrapped(r, py, *, name: str = "", context: Context | None = None):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(r, py, name=name or "", context=context or {})
    wrapped.__name__ = fn.__name__
    wrapped.__qualname__ = fn.__qualname__
    wrapped.__doc__ = fn.__doc__
    wrapped.__module__ = fn.__module__
    wrapped.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapped


_PCT = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*%\s*$")


def percent_name(s: str) -> float | None:
    """'25%' -> 0.25 (R's quantile() names), else None."""
    m = _PCT.match(str(s))
    return float(m.group(1)) / 100 if m else None
