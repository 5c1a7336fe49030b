"""Comparators: one tolerance object that both compares two values and says how they differ.

Modelled on numpy's `assert_allclose` (one object, one message) and scikit-learn's dtype-aware
tolerances. Values are `parity.values` objects (R's converted in the worker, Python's by
`from_python`). The rules, in the order they are applied:

1. Types: numbers compare with numbers (integer vs double is a note, not a failure), strings with
   strings, a factor with a factor (levels first, in order) or with its labels (a note); anything
   else differs. NULL equals only NULL.
2. Names: when both sides carry names they must be identical (order included); when only one
   does (R's `predict.glm` names its output by row name) values are compared and that is noted.
3. Shape: dims must agree, except that an n x 1 (or 1 x n) matrix and a length-n vector compare by
   value (R keras's `predict()` returns a matrix), with the shape noted.
4. Missing values: NA/NaN on one side and a number on the other is a difference, always; NA/NaN
   on both sides is equal (numpy's equal_nan).
5. Values, by kind: `exact`; `abs` (|r - py| <= tol); `rel` (|r - py| <= tol * max(|r|, |py|));
   `close` (|r - py| <= atol + rtol * |r|, numpy's rule with R as the reference); `string`
   (text forms equal); `set` (the same elements, order ignored; multiplicities count); `info`
   (computed and shown, never fails). `auto` (the default) picks per leaf: integers, logicals,
   strings, factors and dates exact; doubles rel 1e-12; rel 1e-6 when the port returned float32.
6. Lists compare element by element (by name when both are named, else by position); frames
   column by column through `pandas.testing.assert_series_equal` (with the same tolerance), with
   a per-column mismatch summary and the row names when both sides have real ones.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from parity.values import Atomic, Factor, Frame, Null, Record, type_name

COMPARE_KINDS = ("auto", "exact", "abs", "rel", "close", "string", "set", "info")
F64_REL = 1e-12  # float64 on both sides: only summation order may differ
F32_REL = 1e-6  # the port computes in float32 (eps 1.2e-7; a few roundings accumulate)
NUMERIC = ("integer", "double", "logical")


@dataclass(frozen=True)
class Tolerance:
    """What "equal" means for one checkpoint, and why (the reason is required by the case file)."""

    kind: str = "auto"
    tol: float | None = None  # abs / rel; rtol for close
    atol: float | None = None  # close only
    why: str = ""

    def __post_init__(self):
        if self.kind not in COMPARE_KINDS:
            raise ValueError(f"compare must be one of {', '.join(COMPARE_KINDS)}, not {self.kind!r}")
        if self.kind in ("abs", "rel", "close") and (self.tol is None or not self.tol >= 0):
            raise ValueError(f"compare = {self.kind!r} needs tol = a non-negative number")

    def describe(self) -> str:
        if self.kind == "abs":
            return f"abs {self.tol:g}"
        if self.kind == "rel":
            return f"rel {self.tol:g}"
        if self.kind == "close":
            return f"rtol {self.tol:g}, atol {self.atol or 0:g}"
        return {"auto": "exact / rel 1e-12 (dtype)", "exact": "exact", "string": "as text",
                "set": "same elements, any order", "info": "shown, not judged"}[self.kind]


@dataclass
class Comparison:
    equal: bool
    difference: str  # short, for the table: "max rel 3.2e-13", "3/104 differ"
    detail: str = ""  # where and how, with the first mismatch
    notes: list = field(default_factory=list)
    data: dict = field(default_factory=dict)  # the numbers behind it (report.json)
    path: str = ""  # where the first difference is ("$train", "[3]", "$coef[2]")


def compare(r, py, tol: Tolerance = Tolerance()) -> Comparison:
    """Compare R's value with Python's under `tol` (see the module docstring for the rules)."""
    c = _compare(r, py, tol, "")
    if tol.kind == "info":
        c.equal = True
    return c


# ---- dispatch ---------------------------------------------------------------------------------

def _compare(r, py, tol: Tolerance, path: str) -> Comparison:
    if isinstance(r, Null) or isinstance(py, Null):
        if isinstance(r, Null) and isinstance(py, Null):
            return Comparison(True, "0", "both NULL")
        side = "R" if isinstance(r, Null) else "Python"
        return _differs(f"{side} is NULL", f"{side} is NULL, the other side is {type_name(py if side == 'R' else r)}",
                        path)
    if tol.kind == "string":
        return _compare_text(r, py, path)
    # a named atomic (R's named vector) against a named list/dict of scalars: compare by name
    if isinstance(r, Record) and isinstance(py, Atomic) and py.names is not None:
        py = _as_record(py)
    if isinstance(py, Record) and isinstance(r, Atomic) and r.names is not None:
        r = _as_record(r)
    if isinstance(r, Frame) or isinstance(py, Frame):
        r2, p2 = _as_frame(r), _as_frame(py)
        if r2 is None or p2 is None:
            return _type_mismatch(r, py, path)
        return _compare_frames(r2, p2, tol, path)
    if isinstance(r, Record) and isinstance(py, Record):
        return _compare_records(r, py, tol, path)
    if isinstance(r, Factor) or isinstance(py, Factor):
        return _compare_factor(r, py, tol, path)
    if isinstance(r, Atomic) and isinstance(py, Atomic):
        return _compare_atomic(r, py, tol, path)
    if isinstance(r, Record) and len(r) == 1 and isinstance(py, Atomic):  # list(x) vs x
        c = _compare(r.items[0][1], py, tol, path + "[[1]]")
        c.notes.append("R is a list of one element; compared its element")
        return c
    return _type_mismatch(r, py, path)


def _differs(difference: str, detail: str, path: str, **data) -> Comparison:
    return Comparison(False, difference, detail, path=path, data=data)


def _type_mismatch(r, py, path: str) -> Comparison:
    return _differs("types differ", f"R is {type_name(r)}, Python is {type_name(py)}", path,
                    r_type=type_name(r), python_type=type_name(py))


def _where(path: str) -> str:
    return f" at {path}" if path else ""


# ---- atomic -----------------------------------------------------------------------------------

def _resolve(tol: Tolerance, r: Atomic, py: Atomic) -> Tolerance:
    if tol.kind not in ("auto", "info"):
        return tol
    if r.kind == "double" or py.kind == "double":
        rel = F32_REL if (py.float32 or r.float32) else F64_REL
        return Tolerance("rel", rel, why="float32" if rel == F32_REL else "float64")
    return Tolerance("exact")


def _index_text(idx: tuple, shape: tuple) -> str:
    """An R-style (1-based) position: [3] for vectors, [2, 5] for matrices."""
    return "[" + ", ".join(str(int(i) + 1) for i in idx) + "]" if len(shape) > 1 else f"[{int(idx[0]) + 1}]"


def _compare_atomic(r: Atomic, py: Atomic, tol: Tolerance, path: str) -> Comparison:
    notes: list[str] = []
    numeric = r.kind in NUMERIC and py.kind in NUMERIC
    if not numeric and r.kind != py.kind and not {r.kind, py.kind} <= {"date", "datetime"}:
        return _type_mismatch(r, py, path)
    if numeric and r.kind != py.kind:
        notes.append(f"R is {r.kind}, Python {py.kind}: compared as numbers")
    # names
    if r.names is not None and py.names is not None:
        if tuple(r.names) != tuple(py.names):
            if sorted(r.names) == sorted(py.names) and len(set(r.names)) == len(r.names) and py.data.ndim == 1:
                order = [list(py.names).index(n) for n in r.names]
                py = Atomic(py.kind, py.data[order], na=None if py.na is None else py.na[order], names=r.names,
                            float32=py.float32, tz=py.tz)
                notes.append(f"names in another order{_where(path)}: compared by name")
            else:
                only_r = [n for n in r.names if n not in set(py.names)]
                only_p = [n for n in py.names if n not in set(r.names)]
                return _differs("names differ", f"names{_where(path)}: only in R {_short_list(only_r)}; "
                                f"only in Python {_short_list(only_p)}" if only_r or only_p else
                                f"names{_where(path)}: R {_short_list(r.names)}, Python {_short_list(py.names)}",
                                path, r_names=list(r.names), python_names=list(py.names))
    elif r.names is not None or py.names is not None:
        side = "R" if r.names is not None else "Python"
        notes.append(f"only {side} has names (e.g. R's predict() names by row): compared by position")
    # shape
    a, b = r.data, py.data
    ra, pa = r.missing(), py.missing()
    if a.shape != b.shape:
        if a.size == b.size and (_is_column(a.shape) or _is_column(b.shape)) and max(a.ndim, b.ndim) <= 2 \
                and (a.ndim < 2 or b.ndim < 2 or 1 in a.shape and 1 in b.shape):
            notes.append(f"R shape {_shape_text(r)}, Python {_shape_text(py)}: compared by value")
            a, b, ra, pa = a.reshape(-1), b.reshape(-1), ra.reshape(-1), pa.reshape(-1)
        elif a.ndim == 2 and b.ndim == 2 and a.shape == b.shape[::-1]:
            return _differs("shape transposed", f"R {_shape_text(r)}, Python {_shape_text(py)}{_where(path)}", path,
                            r_shape=list(a.shape), python_shape=list(b.shape))
        else:
            what = "lengths differ" if a.ndim <= 1 and b.ndim <= 1 else "shapes differ"
            return _differs(what, f"R {_shape_text(r)}, Python {_shape_text(py)}{_where(path)}", path,
                            r_shape=list(a.shape), python_shape=list(b.shape))
    t = _resolve(tol, r, py)
    n = a.size
    if n == 0:
        return Comparison(True, "0 (both empty)", "both empty", notes, path=path)
    one_missing = ra != pa
    both = ra & pa
    ok = np.ones(a.shape, bool)
    ok &= ~one_missing
    stats: dict = {}
    if t.kind == "set":
        return _compare_set(a[~ra], b[~pa], int(ra.sum()), int(pa.sum()), notes, path)
    live = ~(ra | pa)
    if numeric and t.kind in ("exact", "abs", "rel", "close"):
        x = np.asarray(a, dtype=float)
        y = np.asarray(b, dtype=float)
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(x - y)
            inf_same = np.isinf(x) & np.isinf(y) & (np.sign(x) == np.sign(y))
            diff = np.where(inf_same, 0.0, diff)
            denom = np.maximum(np.abs(x), np.abs(y))
            rel = np.where(denom == 0, 0.0, diff / np.where(denom == 0, 1, denom))
            rel = np.where(inf_same, 0.0, rel)
        if t.kind == "exact":
            good = (x == y) | inf_same
        elif t.kind == "abs":
            good = diff <= t.tol
        elif t.kind == "rel":
            good = rel <= t.tol
        else:
            good = diff <= (t.atol or 0.0) + t.tol * np.abs(x)
        good = np.where(np.isnan(diff) & ~inf_same, False, good)
        ok &= np.where(live, good, True)
        fin = live & np.isfinite(diff)
        stats = {"max_abs": float(diff[fin].max()) if fin.any() else 0.0,
                 "max_rel": float(rel[fin].max()) if fin.any() else 0.0}
    else:
        if r.kind in ("date", "datetime"):
            eq = np.asarray(a).astype("datetime64[us]") == np.asarray(b).astype("datetime64[us]")
        else:
            eq = np.asarray(a == b, dtype=bool)
        ok &= np.where(live, eq, True)
        if r.kind == "datetime" and (r.tz or "") != (py.tz or ""):
            notes.append(f"time zones: R {r.tz or 'local'}, Python {py.tz or 'naive'}")
    bad = ~ok
    n_bad = int(bad.sum())
    data = {"n": int(n), "mismatches": n_bad, "na_one_side": int(one_missing.sum()), "na_both": int(both.sum()),
            **stats, "tolerance": t.describe()}
    if n_bad == 0:
        diff_text = _diff_text(t, stats, n)
        return Comparison(True, diff_text, f"{n} value(s) equal under {t.describe()}" +
                          (f"; {int(both.sum())} missing on both sides" if both.any() else ""), notes, data, path)
    first = tuple(np.argwhere(bad)[0])
    pos = _index_text(first, a.shape)
    rv, pv = _cell(a, ra, first), _cell(b, pa, first)
    na_note = f"; {int(one_missing.sum())} missing on one side only" if one_missing.any() else ""
    diff_text = f"{n_bad}/{n} differ" if n > 1 else (
        "NA on one side" if one_missing.any() else _diff_text(t, stats, n))
    if n > 1 and stats and t.kind != "exact":
        diff_text += f" (max {'rel' if t.kind == 'rel' else 'abs'} {_sci(stats['max_rel' if t.kind == 'rel' else 'max_abs'])})"
    data["first_mismatch"] = pos
    return Comparison(False, diff_text, f"{n_bad} of {n} beyond {t.describe()}{na_note}; first at "
                      f"{path}{pos}: R {rv}, Python {pv}", notes, data, path + pos)


def _compare_set(a, b, na_r: int, na_p: int, notes, path) -> Comparison:
    from collections import Counter

    ca = Counter(_hashable(x) for x in a.reshape(-1))
    cb = Counter(_hashable(x) for x in b.reshape(-1))
    only_r, only_p = ca - cb, cb - ca
    shared = sum((ca & cb).values())
    data = {"n_r": int(a.size), "n_python": int(b.size), "shared": int(shared), "only_r": sum(only_r.values()),
            "only_python": sum(only_p.values()), "na_r": na_r, "na_python": na_p}
    if not only_r and not only_p and na_r == na_p:
        return Comparison(True, "same elements", f"{a.size} elements, same multiset", notes, data, path)
    ex_r = ", ".join(map(str, list(only_r)[:3]))
    ex_p = ", ".join(map(str, list(only_p)[:3]))
    return Comparison(False, f"{shared}/{max(a.size, b.size)} shared",
                      f"only in R: {sum(only_r.values())} ({ex_r}{'...' if len(only_r) > 3 else ''}); "
                      f"only in Python: {sum(only_p.values())} ({ex_p}{'...' if len(only_p) > 3 else ''})",
                      notes, data, path)


def _hashable(x):
    return x.item() if hasattr(x, "item") else x


def _is_column(shape: tuple) -> bool:
    return len(shape) <= 1 or (len(shape) == 2 and 1 in shape)


def _shape_text(v: Atomic) -> str:
    return "x".join(map(str, v.data.shape)) + (" matrix" if v.data.ndim == 2 else "") if v.data.ndim != 1 \
        else f"vector of {v.data.size}"


def _cell(a, miss, idx) -> str:
    if miss[idx]:
        return "NA"
    v = a[idx]
    return _fmt_scalar(v)


def _diff_text(t: Tolerance, stats: dict, n: int) -> str:
    if not stats:
        return "0 mismatches" if n > 1 else "same"
    if t.kind == "rel":
        return f"max rel {_sci(stats['max_rel'])}"
    if t.kind == "exact":
        return "0 mismatches" if n > 1 else "0"
    return f"max abs {_sci(stats['max_abs'])}"


def _sci(v: float) -> str:
    return f"{v:.1e}"


# ---- factors and text ---------------------------------------------------------------------------

def _compare_factor(r, py, tol: Tolerance, path: str) -> Comparison:
    if isinstance(r, Factor) and isinstance(py, Factor):
        if tuple(r.levels) != tuple(py.levels):
            same_set = sorted(r.levels) == sorted(py.levels)
            return _differs("levels differ" if not same_set else "level order differs",
                            f"levels{_where(path)}: R ({', '.join(r.levels)}), Python ({', '.join(py.levels)})"
                            + ("; same labels, other order: codes mean different labels" if same_set else ""),
                            path, r_levels=list(r.levels), python_levels=list(py.levels))
        c = _compare_atomic(Atomic("integer", r.codes, na=r.codes == 0, names=r.names),
                            Atomic("integer", py.codes, na=py.codes == 0, names=py.names), Tolerance("exact"), path)
        c.detail = c.detail.replace("R ", "R code ").replace("Python ", "Python code ") if not c.equal else \
            f"{len(r)} labels equal; levels ({', '.join(r.levels)})"
        return c
    f, other = (r, py) if isinstance(r, Factor) else (py, r)
    side = "R" if f is r else "Python"
    if isinstance(other, Atomic) and other.kind == "character":
        labels = Atomic("character", np.array(["" if x is None else x for x in f.labels()], dtype=object),
                        na=f.codes == 0, names=f.names)
        c = _compare_atomic(labels if f is r else other, other if f is r else labels, Tolerance("exact"), path)
        c.notes.append(f"{side} is a factor ({', '.join(f.levels)}): compared its labels with the other side's strings")
        return c
    if isinstance(other, Atomic) and other.kind in NUMERIC:
        labels = f.labels()
        try:
            num = np.array([np.nan if x is None else float(x) for x in labels])
        except ValueError:
            return _differs("factor vs numbers", f"{side} is a factor with levels ({', '.join(f.levels)}); the other "
                            f"side is {type_name(other)}: compare codes or labels explicitly", path)
        c = _compare_atomic(Atomic("double", num) if f is r else other, other if f is r else Atomic("double", num),
                            tol if tol.kind != "auto" else Tolerance("exact"), path)
        c.notes.append(f"{side} is a factor with numeric labels ({', '.join(f.levels)}): compared the labels as "
                       "numbers (as.numeric(as.character(f))), not its 1-based codes")
        return c
    return _type_mismatch(r, py, path)


def _text(v) -> list | None:
    if isinstance(v, Factor):
        return [None if x is None else str(x) for x in v.labels()]
    if isinstance(v, Atomic):
        miss = v.missing()
        return [None if m else _fmt_scalar(x, 15) for x, m in zip(v.data.reshape(-1), miss.reshape(-1))]
    return None


def _compare_text(r, py, path: str) -> Comparison:
    a, b = _text(r), _text(py)
    if a is None or b is None:
        return _type_mismatch(r, py, path)
    if len(a) != len(b):
        return _differs("lengths differ", f"R {len(a)} strings, Python {len(b)}", path)
    bad = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    if not bad:
        return Comparison(True, "same text", f"{len(a)} string(s) equal", path=path)
    i = bad[0]
    return _differs(f"{len(bad)}/{len(a)} differ", f"first at {path}[{i + 1}]: R {a[i]!r}, Python {b[i]!r}",
                    f"{path}[{i + 1}]", mismatches=len(bad), n=len(a))


# ---- lists and frames ---------------------------------------------------------------------------

def _as_record(a: Atomic) -> Record:
    miss = a.missing()
    return Record(tuple((str(n), Atomic(a.kind, a.data[i:i + 1], na=miss[i:i + 1] if miss[i] else None,
                                        float32=a.float32))
                        for i, n in enumerate(a.names)))


def _compare_records(r: Record, py: Record, tol: Tolerance, path: str) -> Comparison:
    notes: list[str] = []
    if r.named and py.named:
        rk, pk = r.keys(), py.keys()
        only_r = [k for k in rk if k not in set(pk)]
        only_p = [k for k in pk if k not in set(rk)]
        if only_r or only_p:
            return _differs("elements differ", f"elements{_where(path)}: only in R {_short_list(only_r)}; "
                            f"only in Python {_short_list(only_p)}", path, only_r=only_r, only_python=only_p)
        if rk != pk:
            notes.append(f"element order differs{_where(path)}: compared by name")
        pairs = [(f"{path}${k}", r.get(k), py.get(k)) for k in rk]
    else:
        if len(r) != len(py):
            return _differs("lengths differ", f"R list of {len(r)}, Python {len(py)}{_where(path)}", path,
                            r_length=len(r), python_length=len(py))
        if r.named != py.named:
            notes.append(f"only {'R' if r.named else 'Python'} names the elements{_where(path)}: compared by position")
        pairs = [(f"{path}[[{i + 1}]]", a, b) for i, ((_, a), (_, b)) in enumerate(zip(r.items, py.items))]
    parts = []
    first_bad = None
    worst: dict = {}
    for sub, a, b in pairs:
        c = _compare(a, b, tol, sub)
        notes.extend(c.notes)
        for k in ("max_abs", "max_rel"):
            if k in c.data:
                worst[k] = max(worst.get(k, 0.0), c.data[k])
        if not c.equal:
            parts.append(c)
            first_bad = first_bad or c
    n = len(pairs)
    if first_bad is None:
        stat = (f"max rel {_sci(worst['max_rel'])}" if tol.kind in ("auto", "rel") and "max_rel" in worst else
                f"max abs {_sci(worst['max_abs'])}" if "max_abs" in worst and tol.kind in ("abs", "close") else
                "0 mismatches")
        return Comparison(True, stat, f"{n} element(s) equal", _dedupe(notes), dict(worst, elements=n), path)
    diff = f"{len(parts)}/{n} elements differ" if n > 1 else first_bad.difference
    if n > 1:
        diff = f"{first_bad.path or path}: {first_bad.difference}" if len(parts) == 1 else diff
    detail = "; ".join(c.detail if c.path and c.path in c.detail else f"{c.path or '?'}: {c.detail}"
                       for c in parts[:3]) + ("; ..." if len(parts) > 3 else "")
    return Comparison(False, diff, detail, _dedupe(notes), dict(worst, elements=n, differing=[c.path for c in parts]),
                      first_bad.path)


def _as_frame(v):
    import pandas as pd

    if isinstance(v, Frame):
        return v
    if isinstance(v, Record) and v.named and v.items:
        cols = {}
        n = None
        for k, x in v.items:
            if isinstance(x, Atomic) and x.data.ndim == 1:
                col = x.plain() if x.names is None else x.data
            elif isinstance(x, Factor):
                col = pd.Categorical.from_codes(x.codes - 1, categories=list(x.levels))
            else:
                return None
            if n is not None and len(col) != n:
                return None
            n = len(col)
            cols[k] = col
        return Frame(pd.DataFrame(cols), None)
    return None


def _compare_frames(r: Frame, py: Frame, tol: Tolerance, path: str) -> Comparison:
    import pandas as pd
    import pandas.testing as pdt

    notes: list[str] = []
    rc, pc = [str(c) for c in r.df.columns], [str(c) for c in py.df.columns]
    if set(rc) != set(pc):
        only_r = [c for c in rc if c not in set(pc)]
        only_p = [c for c in pc if c not in set(rc)]
        return _differs("columns differ", f"columns{_where(path)}: only in R {_short_list(only_r)}; only in Python "
                        f"{_short_list(only_p)}", path, only_r=only_r, only_python=only_p)
    if rc != pc:
        notes.append("column order differs: compared by name")
    if len(r.df) != len(py.df):
        return _differs("row counts differ", f"R {len(r.df)} rows, Python {len(py.df)}{_where(path)}", path)
    if r.row_names is not None and py.row_names is not None and tuple(r.row_names) != tuple(py.row_names):
        return _differs("row names differ", f"row names{_where(path)}: R {_short_list(r.row_names)}, "
                        f"Python {_short_list(py.row_names)}", path)
    if (r.row_names is None) != (py.row_names is None):
        notes.append(f"only {'R' if r.row_names is not None else 'Python'} has row names: compared by position")
    bad: dict[str, str] = {}
    worst: dict = {}
    for col in rc:
        a = r.df[col].reset_index(drop=True)
        b = py.df[col].reset_index(drop=True)
        t = tol
        if t.kind == "auto":
            t = Tolerance("rel", F32_REL if b.dtype == np.float32 else F64_REL) \
                if (a.dtype.kind == "f" or b.dtype.kind == "f") else Tolerance("exact")
        kw = {"check_names": False, "check_dtype": False, "check_index_type": False,
              "check_categorical": True}
        if t.kind == "exact":
            kw["check_exact"] = True
        elif t.kind == "abs":
            kw.update(check_exact=False, rtol=0.0, atol=t.tol)
        elif t.kind in ("rel", "close"):
            kw.update(check_exact=False, rtol=t.tol, atol=t.atol or 0.0)
        elif t.kind == "string":
            a, b = a.astype(str), b.astype(str)
        elif t.kind == "info":
            continue
        if a.dtype.kind in "fiu" and b.dtype.kind in "fiu":
            a, b = a.astype(float), b.astype(float)
            with np.errstate(invalid="ignore"):
                d = np.abs(a.to_numpy() - b.to_numpy())
            fin = np.isfinite(d)
            if fin.any():
                worst["max_abs"] = max(worst.get("max_abs", 0.0), float(d[fin].max()))
        try:
            pdt.assert_series_equal(a, b, **kw)
        except AssertionError as e:
            msg = " ".join(str(e).split())
            bad[col] = msg[:300]
        except (TypeError, ValueError) as e:
            bad[col] = f"not comparable ({type(e).__name__}: {e})"
    data = {"columns": len(rc), "rows": int(len(r.df)), "differing_columns": list(bad), **worst}
    if not bad:
        return Comparison(True, "0 mismatches" if "max_abs" not in worst else f"max abs {_sci(worst['max_abs'])}",
                          f"{len(rc)} column(s) x {len(r.df)} row(s) equal", _dedupe(notes), data, path)
    first = next(iter(bad))
    return Comparison(False, f"{len(bad)}/{len(rc)} columns differ",
                      "; ".join(f"column {c}: {m}" for c, m in list(bad.items())[:3]), _dedupe(notes), data,
                      f"{path}${first}")


# ---- rendering ----------------------------------------------------------------------------------

def _fmt_scalar(v, digits: int = 7) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return "NaN"
        if math.isinf(f):
            return "Inf" if f > 0 else "-Inf"
        return f"{f:.{digits}g}"
    if isinstance(v, np.datetime64):
        return str(v)
    return str(v)


def _short_list(xs, k: int = 4) -> str:
    xs = list(xs)
    return "(" + ", ".join(map(str, xs[:k])) + (", ..." if len(xs) > k else "") + ")" if xs else "()"


def _dedupe(xs: list) -> list:
    return list(dict.fromkeys(xs))


def render(v, width: int = 60) -> str:
    """A short R-like text for the report table: 0.7211539, [415, 463, 179, ...] (n=480),
    c(loss=0.613, accuracy=0.721), factor [0, 1, ...] (levels 0, 1), {train: ..., test: ...}."""
    s = _render(v, width)
    return s if len(s) <= width else s[: width - 3] + "..."


def _render(v, width: int) -> str:
    if isinstance(v, Null) or v is None:
        return "NULL"
    if isinstance(v, Factor):
        lab = ["NA" if x is None else str(x) for x in v.labels()[:3]]
        return f"factor [{', '.join(lab)}{', ...' if len(v) > 3 else ''}] (levels {', '.join(v.levels[:4])})"
    if isinstance(v, Atomic):
        flat = v.data.reshape(-1)
        miss = v.missing().reshape(-1)
        digits = 6 if flat.size > 1 else 7
        items = ["NA" if m else (repr(x) if v.kind == "character" else _fmt_scalar(x, digits))
                 for x, m in zip(flat[:4], miss[:4])]
        if v.names is not None and flat.size <= 4:
            return "c(" + ", ".join(f"{n}={x}" for n, x in zip(v.names, items)) + ")"
        if flat.size == 1:
            return items[0]
        shape = f"{v.dim[0]}x{v.dim[1]}" if v.dim and len(v.dim) == 2 else f"n={flat.size}"
        return f"[{', '.join(items[:3])}{', ...' if flat.size > 3 else ''}] ({shape})"
    if isinstance(v, Frame):
        cols = [str(c) for c in v.df.columns]
        if len(v.df) == 1:
            return "{" + ", ".join(f"{c}: {_fmt_scalar(v.df[c].iloc[0], 4)}" for c in cols[:4]) + "}"
        return f"data.frame {v.df.shape[0]}x{v.df.shape[1]} ({', '.join(cols[:3])}{', ...' if len(cols) > 3 else ''})"
    if isinstance(v, Record):
        if "keras_model" in v.rclass:
            n = v.get("trainable_params")
            layers = v.get("layers")
            return f"{len(layers) if layers else 0} layers, {int(n.data[0]):,} params" if n is not None else "keras model"
        parts = []
        for i, (n, x) in enumerate(v.items[:3]):
            parts.append(f"{n}: {_render(x, 24)}" if n else _render(x, 24))
        return "{" + ", ".join(parts) + (", ..." if len(v) > 3 else "") + "}"
    return str(v)
