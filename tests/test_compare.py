"""Comparators and the Python side of the value model (no R needed): each rule of
parity.compare holds, and every comparator FAILs on a deliberately broken side."""
import numpy as np
import pandas as pd
import pytest

from parity.compare import Tolerance, compare, render
from parity.values import Atomic, Factor, Frame, Record, Unconvertible, from_python, plain

T = Tolerance
fp = from_python


def ok(r, p, t=T()):
    c = compare(fp(r), fp(p), t)
    assert c.equal, (c.difference, c.detail)
    return c


def bad(r, p, t=T()):
    c = compare(fp(r), fp(p), t)
    assert not c.equal, ("expected a difference", c.difference, c.detail)
    return c


# ---- from_python -------------------------------------------------------------------------------
def test_from_python_kinds_and_missing_values():
    assert fp(3).kind == "integer" and fp(3.0).kind == "double" and fp(True).kind == "logical"
    assert fp("a").kind == "character" and fp(None).plain() is None
    a = fp(np.array([1.0, np.nan]))
    assert a.missing().tolist() == [False, True]
    s = fp(pd.Series([1, None], dtype="Int64"))
    assert s.kind == "integer" and s.na.tolist() == [False, True]  # never -2147483648, never a float NaN
    assert fp(np.float32(0.5)).float32 and fp(np.zeros(3, np.float32)).float32
    assert fp([1, 2.5]).kind == "double" and fp([1, 2]).kind == "integer"


def test_from_python_containers():
    d = fp({"a": 1.0, "b": 2.0})
    assert isinstance(d, Atomic) and d.names == ("a", "b")  # a dict of scalars is a named vector
    r = fp({"x": [1, 2], "y": "z"})
    assert isinstance(r, Record) and r.keys() == ["x", "y"]
    f = fp(pd.DataFrame({"x": [1, 2]}, index=["r1", "r2"]))
    assert isinstance(f, Frame) and f.row_names == ("r1", "r2")
    assert fp(pd.DataFrame({"x": [1, 2]})).row_names is None
    c = fp(pd.Categorical(["b", "a", None], categories=["b", "a"]))
    assert isinstance(c, Factor) and c.levels == ("b", "a") and c.codes.tolist() == [1, 2, 0]
    ser = fp(pd.Series([0.1, 0.2], index=["u", "v"]))
    assert ser.names == ("u", "v")
    m = fp(np.arange(6).reshape(2, 3))
    assert m.dim == (2, 3) and plain(m).shape == (2, 3)


def test_from_python_refuses_what_has_no_faithful_form():
    with pytest.raises(Unconvertible, match="mixed Python objects"):
        fp(np.array([1, "a"], dtype=object))
    with pytest.raises(Unconvertible, match="object"):
        fp(object())


def test_keras_model_becomes_its_architecture():
    from python_impl.model import build_model

    rec = fp(build_model(8))
    assert "keras_model" in rec.rclass
    assert int(rec.get("trainable_params").data[0]) == 6401
    assert rec.get("input_shape").data.tolist() == [-1, 8, 1]
    assert render(rec) == "5 layers, 6,401 params"


# ---- rules -----------------------------------------------------------------------------------
def test_exact_integers_and_strings():
    ok([1, 2, 3], np.array([1, 2, 3]))
    c = bad([1, 2, 3], [1, 2, 4])
    assert c.difference == "1/3 differ" and "[3]: R 3, Python 4" in c.detail
    ok(["a", "b"], ["a", "b"])
    bad(["a", "b"], ["a", "c"])


def test_float64_default_is_rel_1e12_and_float32_rel_1e6():
    ok(0.1, 0.1 * (1 + 5e-13))
    bad(0.1, 0.1 * (1 + 5e-12))
    ok(0.5, np.float32(0.5000004))  # the port computed in float32: rel 1e-6
    bad(0.5, np.float32(0.5001))


def test_nan_on_one_side_is_always_a_difference():
    c = bad([np.nan, 0.5], [0.6, 0.5])
    assert "missing on one side" in c.detail
    bad([np.nan, 0.5], [0.6, 0.5], T("abs", 1.0))  # even with a huge tolerance
    bad(0.5, np.nan, T("rel", 1.0))
    ok([np.nan, 0.5], [np.nan, 0.5])  # equal_nan: NaN on both sides
    bad([np.inf], [1e308])
    ok([-np.inf, np.inf], [-np.inf, np.inf])


def test_abs_rel_close():
    ok(1.0, 1.0 + 5e-7, T("abs", 1e-6))
    bad(1.0, 1.0 + 2e-6, T("abs", 1e-6))
    ok(1000.0, 1000.5, T("rel", 1e-3))
    bad(1000.0, 1002.0, T("rel", 1e-3))
    ok(1.0, 1.0 + 1.5e-6, T("close", 1e-6, 1e-6))
    bad(1.0, 1.0 + 3e-6, T("close", 1e-6, 1e-6))


def test_names_compared_before_values():
    ok({"a": 1, "b": 2}, {"b": 2, "a": 1})  # same names, other order: by name (noted)
    c = bad({"a": 1, "b": 2}, {"a": 1, "c": 2})
    assert c.difference == "names differ" and "only in R (b)" in c.detail
    named = Atomic("double", np.array([0.1, 0.2]), names=("4", "9"))  # predict.glm names by row name
    c = compare(named, fp(np.array([0.1, 0.2])))
    assert c.equal and any("only R has names" in n for n in c.notes)


def test_shapes_before_values_but_n_by_1_matrix_equals_vector():
    col = Atomic("double", np.arange(4.0).reshape(4, 1), dim=(4, 1))
    c = compare(col, fp(np.arange(4.0)))
    assert c.equal and "compared by value" in c.notes[0]
    c = compare(Atomic("double", np.arange(6.0).reshape(2, 3), dim=(2, 3)), fp(np.arange(6.0).reshape(3, 2)))
    assert not c.equal and c.difference == "shape transposed"
    assert bad([1, 2, 3], [1, 2]).difference == "lengths differ"


def test_lists_by_name_and_position():
    ok({"train": [1, 2], "test": [3]}, {"test": [3], "train": [1, 2]})
    c = bad({"train": [1, 2], "test": [3]}, {"train": [1, 2], "test": [4]})
    assert "$test" in c.path
    bad({"train": [1, 2]}, {"train": [1, 2], "extra": [0]})
    ok([[1], [2, 3]], [[1], [2, 3]])
    bad([[1], [2, 3]], [[1], [2, 4]])


def test_frames_column_by_column_with_pandas_testing():
    a = pd.DataFrame({"x": [1.0, 2.0], "y": ["a", "b"]})
    ok(a, a.copy())
    c = bad(a, pd.DataFrame({"x": [1.0, 2.5], "y": ["a", "b"]}))
    assert c.difference == "1/2 columns differ" and "column x" in c.detail
    assert bad(a, pd.DataFrame({"x": [1.0, 2.0], "z": ["a", "b"]})).difference == "columns differ"
    ok(a, pd.DataFrame({"x": [1.0, 2.0 + 1e-9], "y": ["a", "b"]}), T("abs", 1e-6))
    bad(pd.DataFrame({"x": [1.0, np.nan]}), pd.DataFrame({"x": [1.0, 2.0]}), T("abs", 10.0))


def test_factors():
    f = Factor(np.array([1, 2, 1]), ("0", "1"))
    assert compare(f, Factor(np.array([1, 2, 1]), ("0", "1"))).equal
    c = compare(f, Factor(np.array([2, 1, 2]), ("1", "0")))
    assert not c.equal and c.difference == "level order differs"
    assert compare(f, fp(np.array(["0", "1", "0"], dtype=object))).equal  # labels vs strings
    assert compare(f, fp(np.array([0, 1, 0]))).equal  # numeric labels vs numbers (noted)
    assert not compare(f, fp(np.array([1, 2, 1]))).equal  # the codes are not the labels


def test_set_string_info():
    ok([3, 1, 2], [1, 2, 3], T("set"))
    c = bad([3, 1, 2], [1, 2, 4], T("set"))
    assert c.difference == "2/3 shared"
    ok(1.5, "1.5", T("string"))
    bad(1.5, "1.50001", T("string"))
    c = compare(fp(1.0), fp(2.0), T("info"))
    assert c.equal and c.difference  # shown, never fails


def test_null_and_type_mismatch():
    assert compare(fp(None), fp(None)).equal
    assert compare(fp(None), fp(1)).difference == "R is NULL"
    assert bad([1.0], ["a"]).difference == "types differ"


@pytest.mark.parametrize("tol", [T("exact"), T("abs", 1e-6), T("rel", 1e-12), T("close", 1e-9, 1e-12),
                                 T("string"), T("set"), T("auto")])
def test_every_comparator_can_fail(tol):
    """The mutation table for comparators: one perturbation each must be caught."""
    base = np.array([0.25, 0.5, 0.75])
    assert compare(fp(base), fp(base.copy()), tol).equal
    broken = base.copy()
    broken[1] += 0.125
    assert not compare(fp(base), fp(broken), tol).equal


def test_render():
    assert render(fp(np.arange(480))) == "[0, 1, 2, ...] (n=480)"
    assert render(fp({"loss": 0.6, "accuracy": 0.7})) == "c(loss=0.6, accuracy=0.7)"
    assert render(fp(0.72115386)) == "0.7211539"
    assert render(fp(None)) == "NULL"
