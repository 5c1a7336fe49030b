"""One value model for both sides: what an R object or a Python object *is*, faithfully.

R values arrive converted by `r_reference.convert` (inside the R worker, through rpy2's
converter); Python values returned by a port are normalised here by `from_python`. Both land in
the same few types so that a comparator sees like with like:

  Atomic   an R atomic vector / matrix / array, or a NumPy array / scalar / pandas Series:
           `kind` (logical, integer, double, character, complex, date, datetime), `data` shaped
           by `dim` with x[i, j] == R's x[i+1, j+1] (R's column-major storage already undone),
           `na` (R's NA, never -2147483648), `names`, `dimnames`, the atomic `attrs` (e.g.
           "scaled:center"), the S3 `rclass`, and `float32` when a port returned single precision.
  Factor   1-based `codes` (0 for NA) and `levels` in R's order (or a pandas Categorical's).
  Frame    a data.frame / pandas DataFrame: a pandas DataFrame (factor columns as Categorical in
           R's level order) and its row names (None: automatic 1..n, as R's compact form).
  Record   an R list / Python dict or list of non-scalars: ordered (name, value) items.
  Null     R's NULL / Python None.

`plain()` gives the NumPy/dict/list/DataFrame form the diagnoses work on (NA as NaN or None).
Conversion of what has no faithful equivalent (closures, environments, S4 objects) raises
`Unconvertible` with the fix: an R expression that extracts a comparable value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

KINDS = ("logical", "integer", "double", "character", "complex", "date", "datetime")


class Unconvertible(TypeError):
    """A value with no faithful counterpart on the other side; the message says what to do."""

    def __init__(self, what: str, hint: str, path: str = ""):
        self.what, self.hint, self.path = what, hint, path
        where = f" at {path}" if path else ""
        super().__init__(f"{what}{where} cannot be compared: {hint}")


@dataclass(frozen=True, eq=False)
class Atomic:
    kind: str
    data: np.ndarray
    na: np.ndarray | None = None  # bool, same shape as data; None when no NA
    names: tuple | None = None
    dim: tuple | None = None  # R's dim (None for a plain vector)
    dimnames: tuple | None = None
    attrs: dict = field(default_factory=dict)
    rclass: tuple = ()
    float32: bool = False  # the Python side returned single precision
    tz: str | None = None  # datetime: R's tzone attribute / pandas' tz

    def __len__(self) -> int:
        return int(self.data.size)

    @property
    def shape(self) -> tuple:
        return tuple(self.data.shape)

    def missing(self) -> np.ndarray:
        """NA (and, for doubles, NaN: a Python port has no other way to say NA) as a mask."""
        m = np.zeros(self.data.shape, bool) if self.na is None else self.na.copy()
        if self.kind in ("double", "complex"):
            m |= np.isnan(self.data)
        elif self.kind in ("date", "datetime"):
            m |= np.isnat(self.data)
        return m

    def plain(self):
        if self.kind in ("integer", "logical") and self.na is not None and self.na.any():
            out = self.data.astype(float)
            out[self.na] = np.nan
            return _named(out, self.names)
        if self.kind == "character" and self.na is not None and self.na.any():
            out = self.data.astype(object)
            out[self.na] = None
            return _named(out, self.names)
        if self.kind == "double" and self.na is not None and self.na.any():
            out = self.data.astype(float).copy()
            out[self.na] = np.nan
            return _named(out, self.names)
        return _named(self.data, self.names)


@dataclass(frozen=True, eq=False)
class Factor:
    codes: np.ndarray  # int64, 1-based; 0 marks NA
    levels: tuple
    names: tuple | None = None
    ordered: bool = False

    def __len__(self) -> int:
        return int(self.codes.size)

    def labels(self) -> np.ndarray:
        lv = np.array([None, *self.levels], dtype=object)
        return lv[self.codes]

    def plain(self):
        return _named(self.labels(), self.names)


@dataclass(frozen=True, eq=False)
class Frame:
    df: Any  # pandas.DataFrame
    row_names: tuple | None = None  # None: R's automatic 1..n

    def __len__(self) -> int:
        return len(self.df)

    def plain(self):
        return self.df


@dataclass(frozen=True, eq=False)
class Record:
    items: tuple  # ((name or None, value), ...)
    rclass: tuple = ()
    attrs: dict = field(default_factory=dict)

    @property
    def named(self) -> bool:
        return bool(self.items) and all(n is not None and n != "" for n, _ in self.items)

    def keys(self) -> list:
        return [n for n, _ in self.items]

    def get(self, key, default=None):
        for n, v in self.items:
            if n == key:
                return v
        return default

    def __len__(self) -> int:
        return len(self.items)

    def plain(self):
        if self.named:
            return {n: plain(v) for n, v in self.items}
        return [plain(v) for _, v in self.items]


@dataclass(frozen=True, eq=False)
class Null:
    def __len__(self) -> int:
        return 0

    def plain(self):
        return None


Value = Atomic | Factor | Frame | Record | Null
NULL = Null()


def plain(v):
    """NumPy / dict / list / DataFrame form (what `parity.diagnoses` works on)."""
    return v.plain() if hasattr(v, "plain") else v


def to_python(v):
    """What a port's function receives for an R value (a stage's inputs): NumPy arrays (names
    dropped; NA as NaN/None), pandas.Categorical for factors, DataFrames, dicts/lists for lists."""
    import pandas as pd

    if isinstance(v, Atomic):
        out = Atomic(v.kind, v.data, na=v.na, dim=v.dim, float32=v.float32, tz=v.tz).plain()
        return out
    if isinstance(v, Factor):
        return pd.Categorical.from_codes(v.codes - 1, categories=list(v.levels), ordered=v.ordered)
    if isinstance(v, Frame):
        return v.df
    if isinstance(v, Record):
        if v.named:
            return {n: to_python(x) for n, x in v.items}
        return [to_python(x) for _, x in v.items]
    return None


def _named(arr: np.ndarray, names):
    if names is not None and arr.ndim == 1:
        return {str(n): (x.item() if hasattr(x, "item") else x) for n, x in zip(names, arr)}
    return arr


def type_name(v) -> str:
    """R-style one-word description: 'double[104]', 'integer[480]', 'factor[2 levels]', 'list(3)'."""
    if isinstance(v, Atomic):
        shape = "x".join(map(str, v.dim)) if v.dim else str(len(v))
        cls = f" <{'/'.join(v.rclass)}>" if v.rclass else ""
        return f"{v.kind}{'(float32)' if v.float32 else ''}[{shape}]{cls}"
    if isinstance(v, Factor):
        return f"factor[{len(v)}; {len(v.levels)} levels]"
    if isinstance(v, Frame):
        return f"data.frame[{v.df.shape[0]}x{v.df.shape[1]}]"
    if isinstance(v, Record):
        cls = f" <{'/'.join(v.rclass)}>" if v.rclass else ""
        return f"list({len(v)}){cls}"
    return "NULL"


# ---- Python -> value model ------------------------------------------------------------------

def _kind_of(dtype: np.dtype) -> str | None:
    k = dtype.kind
    if k == "b":
        return "logical"
    if k in "iu":
        return "integer"
    if k == "f":
        return "double"
    if k == "c":
        return "complex"
    if k in "US":
        return "character"
    if k == "M":
        return "datetime" if np.datetime_data(dtype)[0] not in ("D", "W", "M", "Y") else "date"
    return None


def _atomic_from_array(a: np.ndarray, names=None, path: str = "") -> Atomic:
    float32 = a.dtype == np.float32 or a.dtype == np.float16
    kind = _kind_of(a.dtype)
    na = None
    if kind is None:  # object arrays: strings/None, numbers/None, bools
        flat = a.reshape(-1)
        missing = np.array([_is_missing(x) for x in flat], bool)
        vals = [x for x, m in zip(flat, missing) if not m]
        if all(isinstance(x, str) for x in vals):
            kind, data = "character", np.array(["" if m else str(x) for x, m in zip(flat, missing)], dtype=object)
        elif all(isinstance(x, (bool, np.bool_)) for x in vals):
            kind, data = "logical", np.array([False if m else bool(x) for x, m in zip(flat, missing)])
        elif all(isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)) for x in vals):
            kind, data = "integer", np.array([0 if m else int(x) for x, m in zip(flat, missing)], dtype=np.int64)
        elif all(isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))
                 for x in vals):
            kind, data = "double", np.array([np.nan if m else float(x) for x, m in zip(flat, missing)])
            missing = np.zeros_like(missing)  # NaN carries it
        else:
            types = sorted({type(x).__name__ for x in vals})
            raise Unconvertible(f"an array of mixed Python objects ({', '.join(types)})",
                                "return one type per checkpoint (numbers, strings or booleans)", path)
        data = data.reshape(a.shape)
        na = missing.reshape(a.shape) if missing.any() else None
    elif kind == "character":
        data = a.astype(object)
    elif kind == "integer":
        data = a.astype(np.int64)
    elif kind == "double":
        data = a.astype(np.float64)
    else:
        data = a
    dim = tuple(int(d) for d in a.shape) if a.ndim >= 2 else None
    return Atomic(kind, data, na=na, names=None if names is None else tuple(str(n) for n in names), dim=dim,
                  float32=bool(float32))


def _is_missing(x) -> bool:
    if x is None:
        return True
    try:
        import pandas as pd

        if x is pd.NA or x is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return isinstance(x, float) and math.isnan(x)


def _is_scalar(x) -> bool:
    return isinstance(x, (bool, int, float, complex, str, np.generic)) or x is None


def from_python(v, path: str = "") -> Value:
    """A port's value in the value model. Accepts scalars, NumPy arrays, dicts (named lists or,
    with scalar values, named vectors), lists/tuples, pandas Series/DataFrame/Categorical, a Keras
    model (its architecture summary) and anything already converted."""
    import pandas as pd

    if isinstance(v, (Atomic, Factor, Frame, Record, Null)):
        return v
    if v is None:
        return NULL
    if isinstance(v, (bool, np.bool_)):
        return Atomic("logical", np.array([bool(v)]))
    if isinstance(v, (int, np.integer)):
        return Atomic("integer", np.array([int(v)], dtype=np.int64))
    if isinstance(v, (float, np.floating)):
        return Atomic("double", np.array([float(v)]), float32=isinstance(v, (np.float32, np.float16)))
    if isinstance(v, (complex, np.complexfloating)):
        return Atomic("complex", np.array([complex(v)]))
    if isinstance(v, str):
        return Atomic("character", np.array([v], dtype=object))
    if isinstance(v, np.datetime64):
        return _atomic_from_array(np.array([v]), path=path)
    if isinstance(v, pd.DataFrame):
        return _frame_from_pandas(v)
    if isinstance(v, pd.Categorical):
        return _factor_from_categorical(v)
    if isinstance(v, pd.Series):
        names = None if isinstance(v.index, pd.RangeIndex) else [str(i) for i in v.index]
        if isinstance(v.dtype, pd.CategoricalDtype):
            f = _factor_from_categorical(v.array)
            return Factor(f.codes, f.levels, names=None if names is None else tuple(names), ordered=f.ordered)
        arr = v.to_numpy(dtype=object) if v.hasnans and v.dtype.kind in "biu" or v.dtype == object else v.to_numpy()
        if isinstance(v.dtype, pd.DatetimeTZDtype):
            at = _atomic_from_array(v.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(), names, path)
            return Atomic(at.kind, at.data, names=at.names, tz=str(v.dt.tz))
        return _atomic_from_array(np.asarray(arr), names, path)
    if isinstance(v, np.ndarray):
        return _atomic_from_array(v, path=path)
    if isinstance(v, dict):
        if v and all(_is_scalar(x) for x in v.values()) and _one_kind(v.values()):
            return _atomic_from_array(np.array(list(v.values()), dtype=object), names=list(v.keys()), path=path)
        return Record(tuple((str(k), from_python(x, f"{path}${k}")) for k, x in v.items()))
    if isinstance(v, (list, tuple)):
        if v and all(_is_scalar(x) for x in v) and _one_kind(v):
            return _atomic_from_array(np.array(list(v), dtype=object), path=path)
        return Record(tuple((None, from_python(x, f"{path}[[{i + 1}]]")) for i, x in enumerate(v)))
    if _is_keras_model(v):
        return model_record(v)
    if hasattr(v, "__array__"):
        return _atomic_from_array(np.asarray(v), path=path)
    raise Unconvertible(f"a Python {type(v).__module__}.{type(v).__qualname__}",
                        "return numbers, strings, arrays, dicts/lists of them or pandas objects", path)


def _scalar_kind(x) -> str:
    if x is None:
        return "none"
    if isinstance(x, (bool, np.bool_)):
        return "logical"
    if isinstance(x, (int, np.integer)):
        return "integer"
    if isinstance(x, (float, np.floating)):
        return "double"
    if isinstance(x, str):
        return "character"
    return type(x).__name__


def _one_kind(values) -> bool:
    """Scalars that make one atomic vector (ints and floats mix into double; None is NA)."""
    kinds = {_scalar_kind(x) for x in values} - {"none"}
    if not kinds:
        return False
    return len(kinds) == 1 or kinds <= {"integer", "double"}


def _factor_from_categorical(c) -> Factor:
    import pandas as pd

    c = pd.Categorical(c)
    codes = np.asarray(c.codes, dtype=np.int64) + 1  # -1 (NaN) -> 0
    return Factor(codes, tuple(str(x) for x in c.categories), ordered=bool(c.ordered))


def _frame_from_pandas(df) -> Frame:
    import pandas as pd

    row_names = None if isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1 \
        else tuple(str(i) for i in df.index)
    return Frame(df.reset_index(drop=True), row_names)


def _is_keras_model(v) -> bool:
    return any(c.__module__.startswith("keras") and c.__name__ in ("Model", "Sequential", "Functional")
               for c in type(v).__mro__)


def model_record(model) -> Record:
    """A Keras model as comparable data: its input shape (-1 for the batch axis), per layer its
    class, output shape and parameter count, and the trainable parameter total (what R keras's
    summary() prints; Keras 3's "Total params" after fit() also counts the optimizer's state)."""
    layers = []
    for layer in model.layers:
        try:
            shape = list(layer.output.shape)
        except (AttributeError, ValueError):
            shape = []
        layers.append(Record((
            ("class", Atomic("character", np.array([type(layer).__name__], dtype=object))),
            ("output_shape", Atomic("integer", np.array([-1 if d is None else int(d) for d in shape[1:]],
                                                        dtype=np.int64))),
            ("params", Atomic("integer", np.array([int(layer.count_params())], dtype=np.int64))),
        )))
    trainable = int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))
    try:
        inp = [-1 if d is None else int(d) for d in model.input_shape]
    except (AttributeError, ValueError):
        inp = []
    return Record((("input_shape", Atomic("integer", np.array(inp, dtype=np.int64))),
                   ("layers", Record(tuple((None, x) for x in layers))),
                   ("trainable_params", Atomic("integer", np.array([trainable], dtype=np.int64)))),
                  rclass=("keras_model",))
