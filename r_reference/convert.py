"""R -> the value model (`parity.values`), through rpy2's own converter machinery.

Runs inside the R worker only (it needs an embedded R). `make_converter()` returns an
`rpy2.robjects.conversion.Converter` whose `rpy2py` is registered per rinterface class (the
dispatch rpy2 itself uses), and `to_value(sexp)` applies it inside `localconverter`, so no global
conversion rule is touched. What is kept, per R type (design.md, "R -> Python conversion traps"):

* atomic vectors: kind, values, NA as a mask (integer/logical NA is INT_MIN in R's memory: never
  let it through as -2147483648; NA_real_ is told from NaN by its payload 1954), names, dim
  (column-major storage undone: x[i, j] is R's x[i+1, j+1]), dimnames, S3 class and the other
  atomic attributes (e.g. "scaled:center"); non-atomic attributes (the roc object an `auc`
  carries) are dropped and listed in attrs["dropped_attributes"];
* factors: 1-based codes and levels in R's order; Date and POSIXct with their time zone;
* data.frames: a pandas DataFrame (factors as Categorical, integer NA as Int64, ...) and the
  row names (None when automatic);
* lists: nested Records; model objects by what is comparable: glm/lm (coefficients, deviance,
  aic, iter, fitted values, ...), pROC's roc (auc, direction, levels, thresholds, sensitivities,
  specificities), a bridged keras model (its architecture);
* closures, environments, S4 objects, language objects: `Unconvertible`, naming the type and an
  R expression that would give a comparable value.
"""
from __future__ import annotations

import numpy as np

from parity.values import NULL, Atomic, Factor, Frame, Record, Unconvertible

NA_INT = -(2**31)
R_NA_PAYLOAD = 1954  # R's NA_real_ is a NaN whose low word is 1954 (arithmetic.c: R_ValueOfNA)

GLM_FIELDS = ("coefficients", "deviance", "null.deviance", "aic", "iter", "df.residual", "df.null",
              "converged", "fitted.values", "residuals", "rank")
LM_FIELDS = ("coefficients", "residuals", "fitted.values", "rank", "df.residual")
ROC_FIELDS = ("auc", "direction", "levels", "thresholds", "sensitivities", "specificities", "percent")


def _ri():
    import rpy2.rinterface as ri

    return ri


def _attr(x, name):
    try:
        v = x.do_slot(name)
    except LookupError:
        return None
    return None if v is _ri().NULL else v


def _attr_names(x) -> list[str]:
    try:
        return [str(n) for n in x.list_attrs()]
    except Exception:  # noqa: BLE001 - rpy2 raises various errors for attribute-less objects
        return []


def _strings(x) -> list[str | None]:
    ri = _ri()
    return [None if v is ri.NA_Character else str(v) for v in x]


def _class(x) -> tuple[str, ...]:
    c = _attr(x, "class")
    return tuple(s for s in _strings(c) if s is not None) if c is not None else ()


class _Conv:
    """Recursive conversion with a path for error messages and a hook for bridged keras models."""

    def __init__(self, model_summary=None):
        self.model_summary = model_summary  # environment -> Record | None (the keras bridge)

    # -- dispatch -------------------------------------------------------------------------
    def __call__(self, x, path: str = ""):
        from rpy2.rinterface_lib.sexp import RTYPES

        ri = _ri()
        if x is ri.NULL or x is None:
            return NULL
        t = x.typeof
        if t in (RTYPES.LGLSXP, RTYPES.INTSXP, RTYPES.REALSXP, RTYPES.CPLXSXP, RTYPES.STRSXP):
            return self.atomic(x, path)
        if t == RTYPES.VECSXP:
            return self.vector_list(x, path)
        if t == RTYPES.ENVSXP:
            rec = self.model_summary(x) if self.model_summary else None
            if rec is not None:
                return rec
            cls = _class(x)
            raise Unconvertible(f"an R environment{f' of class {cls[0]}' if cls else ''}",
                                "extract the fields to compare, e.g. `as.list(obj)[c(\"a\", \"b\")]` or `obj$field`",
                                path)
        if t in (RTYPES.CLOSXP, RTYPES.BUILTINSXP, RTYPES.SPECIALSXP):
            raise Unconvertible("an R function", "call it in the expression and compare its result", path)
        if t == RTYPES.S4SXP:
            cls = _class(x)
            raise Unconvertible(f"an S4 object{f' of class {cls[0]}' if cls else ''}",
                                "extract slots with `obj@slot` (or an accessor) in the checkpoint expression", path)
        if t in (RTYPES.LANGSXP, RTYPES.SYMSXP, RTYPES.EXPRSXP):
            raise Unconvertible("an R language object (formula, call or symbol)",
                                "compare its text with `deparse(x)` (compare = \"string\")", path)
        if t == RTYPES.RAWSXP:
            return Atomic("integer", np.frombuffer(bytes(x), dtype=np.uint8).astype(np.int64))
        raise Unconvertible(f"an R object of type {RTYPES(t).name}", "extract a number, string or vector from it", path)

    # -- atomic -----------------------------------------------------------------------------
    def atomic(self, x, path: str):
        from rpy2.rinterface_lib.sexp import RTYPES

        ri = _ri()
        t = x.typeof
        cls = _class(x)
        levels = _attr(x, "levels")
        if "factor" in cls and t == RTYPES.INTSXP and levels is not None:
            codes = np.asarray(x.memoryview(), dtype=np.int64).copy() if len(x) else np.zeros(0, np.int64)
            codes[codes == NA_INT] = 0
            return Factor(codes, tuple(s if s is not None else "NA" for s in _strings(levels)),
                          names=self._names(x), ordered="ordered" in cls)
        na = None
        if t == RTYPES.REALSXP:
            data = np.array(x.memoryview(), dtype=np.float64) if len(x) else np.zeros(0)
            bits = data.view(np.uint64)
            na = np.isnan(data) & ((bits & np.uint64(0xFFFFFFFF)) == np.uint64(R_NA_PAYLOAD))
            kind = "double"
        elif t in (RTYPES.INTSXP, RTYPES.LGLSXP):
            raw = np.array(x.memoryview(), dtype=np.int64) if len(x) else np.zeros(0, np.int64)
            na = raw == NA_INT
            raw[na] = 0
            kind = "integer" if t == RTYPES.INTSXP else "logical"
            data = raw if kind == "integer" else raw.astype(bool)
        elif t == RTYPES.STRSXP:
            vals = _strings(x)
            na = np.array([v is None for v in vals], bool)
            data = np.array(["" if v is None else v for v in vals], dtype=object)
            kind = "character"
        else:  # complex
            data = np.array([complex(v) for v in x], dtype=np.complex128)
            kind = "complex"
        tz = None
        if kind == "double" and "Date" in cls:
            days = np.where(np.isnan(data), 0, data)
            data = np.where(np.isnan(data), np.datetime64("NaT"), days.astype("int64").astype("datetime64[D]"))
            kind, na = "date", None
        elif kind == "double" and "POSIXct" in cls:
            us = np.where(np.isnan(data), 0, np.round(data * 1e6)).astype("int64")
            data = np.where(np.isnan(data), np.datetime64("NaT"), us.astype("datetime64[us]"))
            tzone = _attr(x, "tzone")
            tz = (_strings(tzone)[0] or "") if tzone is not None else ""
            kind, na = "datetime", None
        dim = _attr(x, "dim")
        dim = tuple(int(d) for d in dim) if dim is not None else None
        names = self._names(x)
        dimnames = None
        dn = _attr(x, "dimnames")
        if dn is not None:
            dimnames = tuple(None if d is ri.NULL else tuple(_strings(d)) for d in dn)
        if dim is not None and len(dim) == 1:  # a 1-d array (e.g. table()) is a named vector
            if dimnames and dimnames[0] is not None:
                names = dimnames[0]
            dim, dimnames = None, None
        if dim is not None:
            data = data.reshape(dim, order="F")
            if na is not None:
                na = na.reshape(dim, order="F")
        attrs, dropped = {}, []
        for a in _attr_names(x):
            if a in ("names", "dim", "dimnames", "class", "levels", "tzone"):
                continue
            v = x.do_slot(a)
            if v.typeof in (RTYPES.LGLSXP, RTYPES.INTSXP, RTYPES.REALSXP, RTYPES.STRSXP, RTYPES.CPLXSXP):
                attrs[a] = self.atomic(v, f"{path}@{a}")
            else:
                dropped.append(a)
        if dropped:
            attrs["dropped_attributes"] = Atomic("character", np.array(dropped, dtype=object))
        keep_cls = tuple(c for c in cls if c not in ("Date", "POSIXct", "POSIXt"))
        return Atomic(kind, data, na=na if na is not None and na.any() else None, names=names, dim=dim,
                      dimnames=dimnames, attrs=attrs, rclass=keep_cls, tz=tz)

    def _names(self, x):
        n = _attr(x, "names")
        return None if n is None else tuple("" if s is None else s for s in _strings(n))

    # -- lists --------------------------------------------------------------------------------
    def vector_list(self, x, path: str):
        cls = _class(x)
        if "data.frame" in cls:
            return self.frame(x, path)
        names = self._names(x)
        items = list(zip(names or [None] * len(x), x))
        if "glm" in cls or "lm" in cls:
            keep = GLM_FIELDS if "glm" in cls else LM_FIELDS
            items = [(n, v) for n, v in items if n in keep]
            items.sort(key=lambda nv: keep.index(nv[0]))
        elif "roc" in cls:
            items = [(n, v) for n, v in items if n in ROC_FIELDS]
            items.sort(key=lambda nv: ROC_FIELDS.index(nv[0]))
        out = []
        for i, (n, v) in enumerate(items):
            sub = f"{path}${n}" if n else f"{path}[[{i + 1}]]"
            val = self(v, sub)
            if n == "auc" and isinstance(val, Atomic):  # an `auc` number, without its roc attribute
                val = Atomic(val.kind, val.data, names=val.names, rclass=val.rclass)
            out.append((n if n else None, val))
        return Record(tuple(out), rclass=cls)

    def frame(self, x, path: str):
        import pandas as pd

        names = self._names(x) or tuple(f"V{i + 1}" for i in range(len(x)))
        cols = {}
        for n, col in zip(names, x):
            v = self(col, f"{path}${n}")
            cols[n] = _pandas_column(v, f"{path}${n}")
        df = pd.DataFrame(cols)
        if len(set(names)) != len(names):  # R allows duplicated names (check.names = FALSE)
            df = pd.DataFrame({i: c for i, c in enumerate(cols.values())})
            df.columns = list(names)
        rn = _attr(x, "row.names")
        row_names = None
        if rn is not None:
            from rpy2.rinterface_lib.sexp import RTYPES

            if rn.typeof == RTYPES.INTSXP:
                raw = list(rn)
                compact = len(raw) == 2 and raw[0] == NA_INT
                if not compact and raw != list(range(1, len(raw) + 1)):
                    row_names = tuple(str(r) for r in raw)
            else:
                row_names = tuple(str(r) for r in _strings(rn))
        return Frame(df, row_names)


def _pandas_column(v, path: str):
    import pandas as pd

    if isinstance(v, Factor):
        return pd.Categorical.from_codes(v.codes - 1, categories=list(v.levels), ordered=v.ordered)
    if isinstance(v, Atomic):
        if v.dim is not None:
            raise Unconvertible("a matrix column inside a data.frame", "compare the matrix on its own", path)
        if v.na is not None:
            if v.kind == "integer":
                return pd.array([None if m else int(d) for d, m in zip(v.data, v.na)], dtype="Int64")
            if v.kind == "logical":
                return pd.array([None if m else bool(d) for d, m in zip(v.data, v.na)], dtype="boolean")
            if v.kind == "character":
                return np.array([None if m else d for d, m in zip(v.data, v.na)], dtype=object)
            if v.kind == "double":
                out = v.data.copy()
                out[v.na] = np.nan
                return out
        if v.kind == "datetime" and v.tz:
            return pd.DatetimeIndex(v.data).tz_localize("UTC").tz_convert(v.tz)
        return v.data
    if isinstance(v, Record):
        from parity.values import plain

        return [plain(x) for _, x in v.items]
    raise Unconvertible("a data.frame column of this type", "compare the column on its own", path)


def make_converter(model_summary=None):
    """An rpy2 Converter ('parity') whose rpy2py turns any rinterface object into the value model."""
    from rpy2.robjects.conversion import Converter

    ri = _ri()
    conv = _Conv(model_summary)
    c = Converter("parity")
    for cls in (ri.BoolSexpVector, ri.IntSexpVector, ri.FloatSexpVector, ri.StrSexpVector,
                ri.ComplexSexpVector, ri.ListSexpVector, ri.SexpEnvironment, ri.SexpClosure, ri.SexpS4,
                ri.LangSexpVector, ri.SexpSymbol, ri.ByteSexpVector, ri.ExprSexpVector, ri.Sexp):
        c.rpy2py.register(cls, conv)
    c.rpy2py.register(type(ri.NULL), lambda x: NULL)
    return c


def to_value(sexp, converter=None):
    """Convert one R object (raises Unconvertible with the fix when it has no faithful form)."""
    from rpy2.robjects.conversion import localconverter

    converter = converter or make_converter()
    with localconverter(converter) as cv:
        return cv.rpy2py(sexp)
