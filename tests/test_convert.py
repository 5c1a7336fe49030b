"""R -> Python conversion, per R type, against live R (one worker run evaluates every expression):
values, NA (never -2147483648), names, factors, matrices (column-major undone), attributes,
data.frames (row names, factor columns), lists, classed numerics, Date/POSIXct with their time
zone, model objects, and a clear per-checkpoint error for what has no faithful form."""
from __future__ import annotations

import numpy as np
import pytest

from parity.compare import compare
from parity.values import Atomic, Factor, Frame, Record, from_python

pytestmark = pytest.mark.requires_r

SCRIPT = """
suppressMessages(library(pROC))
m <- matrix(1:6, nrow = 2, dimnames = list(c("r1", "r2"), c("a", "b", "c")))
df <- data.frame(x = c(1.5, NA), f = factor(c("u", "v"), levels = c("v", "u")), s = c("p", NA),
                 i = c(1L, NA), row.names = c("first", "second"))
fit <- glm(am ~ wt, data = mtcars, family = binomial)
lmfit <- lm(mpg ~ wt, data = mtcars)
r <- roc(c(0, 0, 1, 1, 1), c(0.1, 0.4, 0.35, 0.8, 0.7), quiet = TRUE)
invisible(methods::setClass("Pt", representation(x = "numeric")))
"""
EXPR = {
    "int_na": "c(a = 1L, b = NA, c = -2147483647L)",
    "dbl": "c(1.5, NA, NaN, Inf)",
    "lgl": "c(TRUE, NA, FALSE)",
    "chr": "c('x', NA, '')",
    "fac": "factor(c('b', 'a', NA, 'b'), levels = c('b', 'a'))",
    "ordered": "factor(c('lo', 'hi'), levels = c('lo', 'hi'), ordered = TRUE)",
    "mat": "m",
    "scaled": "scale(matrix(c(1, 2, 3, 4, 5, 7), 3))",
    "df": "df",
    "lst": "list(a = 1, b = list(c = 'z', d = 2:3), 4)",
    "auc": "auc(r)",
    "ci": "ci.auc(r)",
    "date": "as.Date(c('2020-01-02', NA))",
    "posix": "as.POSIXct('2020-01-02 03:04:05', tz = 'America/New_York')",
    "table": "table(c(0, 1, 1))",
    "glm": "fit",
    "lm": "lmfit",
    "roc": "r",
    "null": "NULL",
    "closure": "function(x) x",
    "env": "new.env()",
    "s4": "methods::new('Pt', x = 1)",
    "formula": "y ~ x",
    "error": "stop('boom here')",
}


@pytest.fixture(scope="module")
def run():
    from r_reference.runner import run_script

    return run_script(SCRIPT, checkpoints=EXPR, keras_backend="none", timeout=120)


def test_integer_na_names(run):
    v = run.values["int_na"]
    assert v.kind == "integer" and v.names == ("a", "b", "c")
    assert v.na.tolist() == [False, True, False] and v.data[2] == -2147483647  # INT_MIN is NA, -2^31+1 is not


def test_double_na_vs_nan_logical_character(run):
    d = run.values["dbl"]
    assert d.na.tolist() == [False, True, False, False]  # NA_real_ (payload 1954) told from NaN
    assert np.isnan(d.data[2]) and np.isinf(d.data[3])
    assert run.values["lgl"].na.tolist() == [False, True, False] and run.values["lgl"].kind == "logical"
    c = run.values["chr"]
    assert c.na.tolist() == [False, True, False] and c.data[2] == ""


def test_factors_keep_r_level_order(run):
    f = run.values["fac"]
    assert isinstance(f, Factor) and f.levels == ("b", "a") and f.codes.tolist() == [1, 2, 0, 1]
    assert run.values["ordered"].ordered


def test_matrix_column_major_dimnames_attributes(run):
    m = run.values["mat"]
    assert m.dim == (2, 3) and m.data.tolist() == [[1, 3, 5], [2, 4, 6]]  # R fills by column
    assert m.dimnames == (("r1", "r2"), ("a", "b", "c"))
    s = run.values["scaled"]
    assert s.attrs["scaled:center"].data.tolist() == [2.0, 16 / 3]
    assert s.attrs["scaled:scale"].data[1] == pytest.approx(np.std([4, 5, 7], ddof=1), rel=1e-15)


def test_data_frame_row_names_and_factor_columns(run):
    f = run.values["df"]
    assert isinstance(f, Frame) and f.row_names == ("first", "second")
    assert list(f.df.columns) == ["x", "f", "s", "i"]
    assert list(f.df["f"].cat.categories) == ["v", "u"] and list(f.df["f"]) == ["u", "v"]
    assert f.df["i"].isna().tolist() == [False, True] and str(f.df["i"].dtype) == "Int64"
    assert f.df["s"].isna().tolist() == [False, True] and f.df["s"][0] == "p" and np.isnan(f.df["x"][1])


def test_lists_nested(run):
    v = run.values["lst"]
    assert isinstance(v, Record) and v.keys() == ["a", "b", None]
    assert v.get("b").get("d").data.tolist() == [2, 3]


def test_classed_numerics_keep_values_and_atomic_attributes(run):
    a = run.values["auc"]
    assert a.rclass == ("auc", "numeric") and "dropped_attributes" in a.attrs  # the roc object is not carried
    ci = run.values["ci"]
    assert ci.attrs["conf.level"].data.tolist() == [0.95] and len(ci) == 3


def test_dates_with_time_zones(run):
    d = run.values["date"]
    assert d.kind == "date" and str(d.data[0]) == "2020-01-02" and np.isnat(d.data[1])
    p = run.values["posix"]
    assert p.kind == "datetime" and p.tz == "America/New_York"
    assert str(p.data[0]) == "2020-01-02T08:04:05.000000"  # stored as UTC, like R


def test_table_is_a_named_vector(run):
    t = run.values["table"]
    assert t.names == ("0", "1") and t.data.tolist() == [1, 2] and "table" in t.rclass


def test_model_objects_by_their_comparable_parts(run):
    g = run.values["glm"]
    assert g.keys()[:4] == ["coefficients", "deviance", "null.deviance", "aic"] and "glm" in g.rclass
    assert g.get("coefficients").names == ("(Intercept)", "wt") and int(g.get("iter").data[0]) >= 4
    assert "coefficients" in run.values["lm"].keys() and "aic" not in run.values["lm"].keys()
    r = run.values["roc"]
    assert r.keys() == ["auc", "direction", "levels", "thresholds", "sensitivities", "specificities", "percent"]
    from python_impl.roc import roc

    py = roc([0, 0, 1, 1, 1], [0.1, 0.4, 0.35, 0.8, 0.7])
    assert compare(r.get("thresholds"), from_python(np.asarray(py.thresholds))).equal


def test_null(run):
    assert run.values["null"].plain() is None


@pytest.mark.parametrize("name, words", [
    ("closure", ["an R function", "call it"]), ("env", ["an R environment", "extract the fields"]),
    ("s4", ["an S4 object", "obj@slot"]), ("formula", ["language object", "deparse"]),
    ("error", ["R error in `stop('boom here')`", "boom here"]),
])
def test_what_has_no_faithful_form_is_that_checkpoints_error(run, name, words):
    assert name not in run.values
    for w in words:
        assert w in run.errors[name], run.errors[name]


def test_round_trip_through_the_comparator(run):
    """Python values built the natural way compare equal to R's."""
    import pandas as pd

    assert compare(run.values["int_na"], from_python(pd.Series([1, None, -2147483647], index=["a", "b", "c"],
                                                               dtype="Int64"))).equal
    assert compare(run.values["fac"], from_python(pd.Categorical(["b", "a", None, "b"], categories=["b", "a"]))).equal
    assert compare(run.values["mat"], from_python(np.array([[1, 3, 5], [2, 4, 6]]))).equal
    assert compare(run.values["dbl"], from_python(np.array([1.5, np.nan, np.nan, np.inf]))).equal
    assert not compare(run.values["dbl"], from_python(np.array([1.5, 0.0, np.nan, np.inf]))).equal
    assert isinstance(run.values["null"], type(from_python(None)))
    assert isinstance(run.values["int_na"], Atomic)
