"""The diagnosis library (parity.diagnoses): for every id, a synthetic pair built from the real
trap where it must fire, pairs where it must not, a confusion test (diagnose() names exactly the
trap's id among all hypotheses), and garbage inputs that must give None without raising."""
from __future__ import annotations

import functools
import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from parity.diagnoses import DIAGNOSES, Diagnosis, diagnose, explain_all
from parity.diagnoses.conventions import r_round, r_round_scalar

RNG = np.random.default_rng(20261201)


def _features(n=300, p=4, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, p)) * np.arange(1, p + 1) + np.arange(10, 10 + 10 * p, 10)


def _labels_scores(n=120, seed=2, reversed_scores=False):
    rng = np.random.default_rng(seed)
    y = (rng.uniform(size=n) < 0.4).astype(np.int64)
    s = 1 / (1 + np.exp(-(1.2 * y + rng.normal(size=n))))
    if reversed_scores:
        s = 1 - s
    return y, s


def _r_scale(x):
    c = x.mean(axis=0)
    s = x.std(axis=0, ddof=1)
    return (x - c) / s, c, s


def _icu_sorted(words):
    from parity.diagnoses.layout import _icu_like_key

    return sorted(words, key=_icu_like_key)


# --------------------------------------------------------------------------------------------
# the traps: id -> (r, py, name, context), each built from the real mistake
# --------------------------------------------------------------------------------------------
def trap_population_sd():
    x = _features()
    return x.std(axis=0, ddof=1), StandardScaler().fit(x).scale_, "scaling_scale", {}


def trap_population_sd_scaled():
    x = _features()
    return _r_scale(x)[0], StandardScaler().fit_transform(x), "scaled_x", {}


def trap_zero_based_index():
    from python_impl.rrandom import RRandom

    idx = RRandom(123).sample_int(686, 480).astype(np.int64)
    return idx, idx - 1, "train_indices", {}


def trap_different_rng():
    from python_impl.rrandom import RRandom

    rows = np.arange(1, 687)
    r_test = np.sort(RRandom(123).sample_int(686, 104).astype(np.int64))
    _tr, py_test = train_test_split(rows, test_size=104, random_state=123)
    return r_test, np.sort(py_test), "test_indices", {}


def trap_different_rng_order():
    from python_impl.rrandom import RRandom

    r = RRandom(42).sample_int(50, 50).astype(np.int64)
    py = np.random.default_rng(42).permutation(np.arange(1, 51))
    return r, py, "shuffle", {}


def trap_auc_direction():
    from python_impl.roc import roc

    y, s = _labels_scores(reversed_scores=True)
    ctx = {"test_labels": (y, y), "predictions": (s, s)}
    return roc(y, s).auc, roc_auc_score(y, s), "auc", ctx


def trap_roc_thresholds():
    from python_impl.roc import roc

    y, s = _labels_scores()
    ctx = {"test_labels": (y, y), "predictions": (s, s)}
    return np.asarray(roc(y, s).thresholds), roc_curve(y, s)[2], "roc_thresholds", ctx


def trap_roc_thresholds_no_context():
    r, py, name, _ = trap_roc_thresholds()
    return r, py, name, {}


def trap_factor_codes():
    y, _ = _labels_scores()
    return y, y + 1, "test_labels", {}  # as.integer(factor(status)) -> 1/2


def trap_factor_codes_levels():
    rng = np.random.default_rng(3)
    r_levels = ["<=20", "20-50", ">50"]  # factor(size_group, levels = ...) in R
    labels = np.array(rng.choice(r_levels, 90).tolist(), dtype=object)
    r_codes = np.array([r_levels.index(v) + 1 for v in labels])
    py_codes = pd.Categorical(labels).codes.astype(np.int64) + 1  # pandas sorts categories
    return r_codes, py_codes, "size_group", {"size_group_labels": (labels, labels)}


def trap_row_major():
    data = np.arange(1, 13) * 1.5  # R's column-major buffer of a 3 x 4 matrix
    return data.reshape(3, 4, order="F"), data.reshape(3, 4), "weights", {}


def trap_float32():
    y, s = _labels_scores()
    return s, s.astype(np.float32).astype(np.float64), "predictions", {}


def trap_float32_arith():
    x = _features()
    return x.mean(axis=0), x.astype(np.float32).mean(axis=0).astype(np.float64), "center", {}


def _logit_data(n=400, seed=4):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    eta = 0.3 + x @ np.array([1.5, -2.0, 0.8])
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(np.int64)
    return x, y


def _coefs(model):
    return {"(Intercept)": float(model.intercept_[0]),
            **{f"x{j + 1}": float(c) for j, c in enumerate(model.coef_[0])}}


def trap_regularised_fit():
    x, y = _logit_data()
    unpen = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(x, y)  # R's glm()
    pen = LogisticRegression().fit(x, y)  # the naive port: L2, C=1.0
    return _coefs(unpen), _coefs(pen), "coefficients", {"x": (x, x), "status": (y, y)}


def trap_scaled_before_split():
    from python_impl.rrandom import RRandom

    x = _features()
    train = RRandom(123).sample_int(300, 210).astype(np.int64)
    ctx = {"x": (x, x), "train_indices": (train, train)}
    return x.mean(axis=0), x[train - 1].mean(axis=0), "center", ctx


def trap_scaled_before_split_sd():
    r, py, name, ctx = trap_scaled_before_split()
    x, train = ctx["x"][0], ctx["train_indices"][0]
    return x.std(axis=0, ddof=1), StandardScaler().fit(x[train - 1]).scale_, "scale", ctx


def trap_scaled_before_split_matrix():
    r, py, name, ctx = trap_scaled_before_split()
    x, train = ctx["x"][0], ctx["train_indices"][0]
    return _r_scale(x)[0], StandardScaler().fit(x[train - 1]).transform(x), "x_scaled", ctx


def trap_quantile_type():
    x = np.random.default_rng(5).gamma(2.0, size=37)
    probs = [0, .1, .25, .5, .75, .9, 1]
    r = {f"{int(p * 100)}%": float(v) for p, v in zip(probs, np.quantile(x, probs))}  # R type 7
    py = np.quantile(x, probs, method="hazen")
    return r, py, "nodes_quantiles", {"nodes": (x, x)}


def trap_rounding():
    rng = np.random.default_rng(6)
    x = np.concatenate((rng.uniform(0, 10, 40), [0.5, 1.5, 2.5, 3.5, 4.5, 6.5]))
    return np.round(x), np.floor(x + 0.5), "age_rounded", {"age": (x, x)}


def trap_rounding_no_context():
    r, py, name, _ = trap_rounding()
    return r, py, name, {}


def trap_rounding_digits():
    x = np.array([0.15, 0.25, 0.35, 2.675, 1.005, 0.125, 5.015, 0.285, 3.14159, 7.1])
    r = np.array([r_round_scalar(v, 2) for v in x])
    return r, np.round(x, 2), "pgr_rounded", {"pgr": (x, x)}


def trap_ddof_var():
    x = _features()
    return x.std(axis=0, ddof=1), x.var(axis=0, ddof=1), "spread", {}


def trap_scale_factor():
    return 0.7453297751, 74.53297751, "auc", {}  # percent=TRUE


def trap_scale_factor_vector():
    x = _features()[:, 0]
    return x, x * 2.5, "value", {}


def trap_off_by_constant():
    x = _features()[:, 1]
    return x, x + 0.25, "value", {}


def trap_dropped_dim():
    _, s = _labels_scores()
    return s.reshape(-1, 1), s, "predictions", {}


def trap_integer_na():
    r = np.array([3.0, np.nan, 7.0, 1.0, np.nan])
    py = np.array([3, -2147483648, 7, 1, -2147483648], dtype=np.int64)
    return r, py, "nodes", {}


def trap_na_dropped():
    x = _features(n=20)
    x[[2, 11], 1] = np.nan
    return x, x[~np.isnan(x).any(axis=1)], "data", {}


def trap_na_dropped_frame():
    df = pd.DataFrame({"a": [1.0, 2.0, None, 4.0], "g": ["u", "v", "w", None]})
    return df, df.dropna(), "frame", {}


def trap_na_filled():
    x = _features(n=30)[:, 0].copy()
    x[[4, 9, 17]] = np.nan
    return x, pd.Series(x).fillna(0).to_numpy(), "nodes", {}


def trap_na_filled_mean():
    x = _features(n=30)
    x[[4, 9], 1] = np.nan
    x[17, 3] = np.nan
    return x, pd.DataFrame(x).fillna(pd.DataFrame(x).mean()).to_numpy(), "x", {}


def trap_complement():
    x, y = _logit_data()
    model = LogisticRegression().fit(x, y)
    return model.predict_proba(x)[:, 1], model.predict_proba(x)[:, 0], "predictions", {}


def trap_row_names():
    rows_kept = np.setdiff1d(np.arange(1, 101), [5, 6, 40, 77])  # na.omit() keeps row names
    pos = np.sort(np.random.default_rng(7).choice(rows_kept.size, 20, replace=False)) + 1
    return pos, rows_kept[pos - 1], "test_rows", {}


def trap_transposed():
    m = _features(n=3, p=5)
    return m, m.T.copy(), "matrix", {}


def trap_collation():
    words = ["banana", "Apple", "cherry", "apple", "Banana", "_x", "10", "9"]
    return _icu_sorted(words), sorted(words), "levels_sorted", {}


def trap_permuted():
    """A statsmodels fit's params (categorical terms first) zipped with R's term names."""
    r = {"(Intercept)": 33.71, "wt": -3.18, "hp": -0.0231, "cyl_f6": 3.19, "cyl_f4": 1.49}
    py_order = [33.71, 3.19, 1.49, -3.18, -0.0231]  # Intercept, C(cyl)[6], C(cyl)[4], wt, hp
    return r, dict(zip(r, py_order)), "coefs", {}


def trap_sorted_order():
    vals = np.array([5.5, 1.25, 9.0, 3.5, 7.75])
    return vals, np.sort(vals), "unique_values", {}


def trap_sorted_order_ties():
    key = np.array([3.0, 1.0, 2.0, 1.0, 3.0, 2.0, 1.0, 0.5])
    r = np.argsort(key, kind="stable") + 1  # R's order(): ties in index order
    py = r.copy()
    py[1], py[2] = r[2], r[1]  # two tied positions swapped (an unstable sort)
    assert key[r[1] - 1] == key[r[2] - 1]
    return r, py, "ord", {"nodes": (key, key)}


TRAPS = {
    "population_sd": [trap_population_sd, trap_population_sd_scaled],
    "zero_based_index": [trap_zero_based_index],
    "different_rng": [trap_different_rng, trap_different_rng_order],
    "auc_direction": [trap_auc_direction],
    "roc_thresholds": [trap_roc_thresholds, trap_roc_thresholds_no_context],
    "factor_codes": [trap_factor_codes, trap_factor_codes_levels],
    "row_major": [trap_row_major],
    "float32": [trap_float32, trap_float32_arith],
    "regularised_fit": [trap_regularised_fit],
    "scaled_before_split": [trap_scaled_before_split, trap_scaled_before_split_sd,
                            trap_scaled_before_split_matrix],
    "quantile_type": [trap_quantile_type],
    "rounding": [trap_rounding, trap_rounding_no_context, trap_rounding_digits],
    "ddof_var": [trap_ddof_var],
    "scale_factor": [trap_scale_factor, trap_scale_factor_vector],
    "off_by_constant": [trap_off_by_constant],
    "dropped_dim": [trap_dropped_dim],
    "integer_na": [trap_integer_na],
    "na_dropped": [trap_na_dropped, trap_na_dropped_frame],
    "na_filled": [trap_na_filled, trap_na_filled_mean],
    "complement": [trap_complement],
    "row_names": [trap_row_names],
    "transposed": [trap_transposed],
    "collation": [trap_collation],
    "sorted_order": [trap_sorted_order, trap_sorted_order_ties],
    "permuted": [trap_permuted],
}
@functools.cache
def built(make):
    """Each trap built once per session (the hypotheses never modify their inputs)."""
    return make()


CASES = [(tid, fn) for tid, fns in TRAPS.items() for fn in fns]
CASE_IDS = [fn.__name__.removeprefix("trap_") for _tid, fn in CASES]


def test_every_id_has_a_trap_and_every_trap_an_id():
    assert set(TRAPS) == set(DIAGNOSES)
    required = {"population_sd", "zero_based_index", "different_rng", "auc_direction", "roc_thresholds",
                "factor_codes", "row_major", "float32", "regularised_fit", "scaled_before_split",
                "quantile_type", "rounding"}
    assert required <= set(DIAGNOSES)


@pytest.mark.parametrize("tid, make", CASES, ids=CASE_IDS)
def test_fires_on_its_trap(tid, make):
    r, py, name, ctx = built(make)
    d = DIAGNOSES[tid](r, py, name=name, context=ctx)
    assert isinstance(d, Diagnosis) and d.id == tid
    assert d.title and d.evidence and d.fix
    json.dumps(d.to_jsonable(), allow_nan=False)
    assert set(d.to_jsonable()) == {"id", "title", "evidence", "fix", "data"}


@pytest.mark.parametrize("tid, make", CASES, ids=CASE_IDS)
def test_diagnose_picks_exactly_the_trap(tid, make):
    """Confusion matrix: among all hypotheses, diagnose() names this trap's id."""
    r, py, name, ctx = built(make)
    d = diagnose(r, py, name=name, context=ctx)
    assert d is not None, f"nothing fired for {tid}"
    assert d.id == tid, f"{tid} stolen by {d.id}: {d.evidence}"


@pytest.mark.parametrize("tid, make", CASES, ids=CASE_IDS)
def test_silent_on_equal_values(tid, make):
    r, _py, name, ctx = built(make)
    assert DIAGNOSES[tid](r, r, name=name, context=ctx) is None
    assert diagnose(r, r, name=name, context=ctx) is None
    assert explain_all(r, r, name=name, context=ctx) == []


def _perturb(v, seed=11):
    """An unrelated difference: random noise (numbers), a few changed entries (integers/strings)."""
    rng = np.random.default_rng(seed)
    if isinstance(v, dict):
        return {k: float(x) * (1 + 1e-3 * rng.normal()) for k, x in v.items()}
    if isinstance(v, pd.DataFrame):
        out = v.copy()
        out.iloc[0, 0] = -99.0
        return out
    if isinstance(v, list):
        out = list(v)
        out[0], out[-1] = out[-1] + "z", out[0]
        return out
    a = np.asarray(v)
    if np.ndim(a) == 0:
        return float(a) * 1.0123 + 0.0017
    if a.dtype.kind in "iu":
        out = a.copy().reshape(-1)
        k = rng.choice(out.size, max(1, out.size // 20), replace=False)
        out[k] = out[k] + rng.integers(3, 9, k.size)
        return out.reshape(a.shape)
    if a.dtype.kind == "f":
        fin = np.isfinite(a)
        out = a.copy()
        out[fin] = a[fin] + rng.normal(scale=1e-3, size=int(fin.sum())) * (np.abs(a[fin]) + 1)
        return out
    out = a.copy().reshape(-1)
    out[0] = str(out[0]) + "z"
    return out.reshape(a.shape)


@pytest.mark.parametrize("tid, make", CASES, ids=CASE_IDS)
def test_silent_on_unrelated_perturbation(tid, make):
    r, _py, name, ctx = built(make)
    noisy = _perturb(r)
    assert DIAGNOSES[tid](r, noisy, name=name, context=ctx) is None


@pytest.mark.parametrize("tid", list(DIAGNOSES))
def test_silent_on_the_other_traps(tid):
    """A hypothesis must not fire on a different trap, unless that trap also satisfies it
    exactly (listed here with the reason)."""
    also = {  # (hypothesis, trap): an exact relation that genuinely holds too; diagnose()'s order
        # puts the trap's own (more specific) id first, as the confusion test checks
        ("scale_factor", "population_sd"),     # sqrt(n/(n-1)) is a common factor
        ("zero_based_index", "factor_codes"),  # 0/1 -> 1/2 is also "every value + 1"
        ("off_by_constant", "factor_codes"),   # ... and a common shift of 1
        ("off_by_constant", "zero_based_index"),  # - 1 everywhere is a common shift
        ("sorted_order", "collation"),         # Python's side is code-point sorted, R's is not
        ("factor_codes", "collation"),         # the trap's name says levels: pandas' lexical order
        ("permuted", "different_rng"),         # a reordered index set is also values in other places
        ("permuted", "sorted_order"),          # two swapped tied positions: values elsewhere, too
    }
    for other, fns in TRAPS.items():
        if other == tid:
            continue
        for make in fns:
            r, py, name, ctx = built(make)
            d = DIAGNOSES[tid](r, py, name=name, context=ctx)
            if d is not None:
                assert (tid, other) in also, f"{tid} fired on the {other} trap: {d.evidence}"


# --------------------------------------------------------------------------------------------
# specific must-fire / must-not cases
# --------------------------------------------------------------------------------------------
def test_population_sd_evidence_and_n():
    x = _features(n=686, p=8)
    d = diagnose(x.std(axis=0, ddof=1), StandardScaler().fit(x).scale_)
    assert d.id == "population_sd" and d.data["n"] == 686 and d.data["power"] == 1
    assert "sqrt(686/685)" in d.evidence and "1.000730" in d.evidence


def test_population_sd_variance_level():
    x = _features()
    d = DIAGNOSES["population_sd"](x.var(axis=0, ddof=1), x.var(axis=0, ddof=0), name="", context={})
    assert d is not None and d.data["power"] == 2 and d.data["n"] == 300


def test_population_sd_not_on_an_arbitrary_constant_ratio():
    x = _features()[:, 0]
    assert DIAGNOSES["population_sd"](x, x / 1.013, name="", context={}) is None
    assert diagnose(x, x / 1.013).id == "scale_factor"
    # 1.01 itself is 101/100: the variance-level ratio for n = 101
    assert DIAGNOSES["population_sd"](x, x / 1.01, name="", context={}).data["n"] == 101


def test_zero_based_index_edge_cases():
    f = DIAGNOSES["zero_based_index"]
    assert f(np.array([], dtype=np.int64), np.array([], dtype=np.int64), name="idx", context={}) is None
    idx = np.array([4, 9, 2, 7])
    assert f(idx, idx - 2, name="idx", context={}) is None
    assert f(5, 4, name="n_events", context={}) is None  # a scalar count is not an index
    assert f(5, 4, name="which_max", context={}).id == "zero_based_index"
    d = f(idx, (idx - 1)[[3, 0, 1, 2]], name="idx", context={})
    assert d is not None and d.data["same_order"] is False


def test_different_rng_needs_chance_level_overlap():
    from python_impl.rrandom import RRandom

    r = RRandom(1).sample_int(686, 104).astype(np.int64)
    py = r.copy()
    py[:10] = np.setdiff1d(np.arange(1, 687), r)[:10]  # 94 of 104 shared: far above chance
    assert DIAGNOSES["different_rng"](r, py, name="", context={}) is None
    assert DIAGNOSES["different_rng"](r, np.sort(r), name="", context={}) is None  # sorted: not an RNG


def test_auc_direction_confirmed_by_context():
    r, py, name, ctx = trap_auc_direction()
    d = diagnose(r, py, name=name, context=ctx)
    assert d.data["confirmed"] is True and d.data["auto_direction"] == ">"
    assert r > 0.5 > py and abs(r + py - 1) < 1e-12
    assert DIAGNOSES["auc_direction"](0.7, 0.31, name="auc", context=ctx) is None
    assert DIAGNOSES["auc_direction"](0.5, 0.5, name="auc", context={}) is None


def test_auc_direction_vs_complement():
    aucs = np.array([0.71, 0.69, 0.74])
    assert diagnose(aucs, 1 - aucs, name="auc_over_seeds").id == "auc_direction"
    assert diagnose(aucs, 1 - aucs, name="probabilities").id == "complement"
    partly = 1 - aucs
    partly[1] = aucs[1]
    assert diagnose(aucs, partly, name="values").id == "auc_direction"  # some runs flipped
    assert DIAGNOSES["complement"](np.array([0.5, 0.5]), np.array([0.5, 0.5]), name="", context={}) is None
    assert DIAGNOSES["complement"](np.array([0.2, 1.4]), np.array([0.8, -0.4]), name="", context={}) is None


def test_na_filled_needs_a_pattern():
    f = DIAGNOSES["na_filled"]
    assert f(np.array([1.0, np.nan, 3.0]), np.array([1.0, 2.7, 3.0]), name="", context={}) is None
    assert f(np.array([1.0, np.nan, 3.0]), np.array([1.0, -999.0, 3.0]), name="", context={}).data["fill"] == -999
    r = np.array([1.0, np.nan, 3.0, np.nan])
    assert f(r, np.array([1.0, 5.0, 3.0, 6.0]), name="", context={}) is None  # two different fills
    assert f(r, np.array([1.0, 5.0, 3.5, 5.0]), name="", context={}) is None  # another value changed


def test_integer_na_on_logicals():
    r = np.array([True, None, False], dtype=object)  # R's logical NA
    assert diagnose(r, np.array([1, -2147483648, 0])).id == "integer_na"


def test_roc_thresholds_for_direction_greater():
    from python_impl.roc import roc

    y, s = _labels_scores(reversed_scores=True)
    fit = roc(y, s)
    assert fit.direction == ">"
    d = diagnose(np.asarray(fit.thresholds), roc_curve(y, s)[2], context={"predictions": (s, s)})
    assert d.id == "roc_thresholds" and d.data["confirmed"] is True


def test_auc_direction_ci_and_percent():
    f = DIAGNOSES["auc_direction"]
    ci = np.array([0.646, 0.745, 0.845])
    assert f(ci, 1 - ci[::-1], name="auc_ci", context={}).data["kind"] == "ci"
    assert f(74.5, 25.5, name="auc", context={}).data["scale"] == 100


def test_roc_thresholds_not_on_other_scores():
    from python_impl.roc import roc

    y, s = _labels_scores()
    _, s2 = _labels_scores(seed=9)
    r = np.asarray(roc(y, s2).thresholds)
    assert DIAGNOSES["roc_thresholds"](r, roc_curve(y, s)[2], name="thr", context={}) is None
    assert DIAGNOSES["roc_thresholds"](r, roc_curve(y, s)[2], name="thr",
                                       context={"predictions": (s, s)}) is None


def test_roc_thresholds_without_drop_intermediate():
    from python_impl.roc import roc

    y, s = _labels_scores()
    d = diagnose(np.asarray(roc(y, s).thresholds), roc_curve(y, s, drop_intermediate=False)[2])
    assert d is not None and d.id == "roc_thresholds"


def test_factor_codes_level_vectors_and_labels_vs_codes():
    f = DIAGNOSES["factor_codes"]
    r_lv = np.array(["<=20", "20-50", ">50"], dtype=object)
    py_lv = np.array(sorted(r_lv.tolist()), dtype=object)
    assert f(r_lv, py_lv, name="levels", context={}).data["kind"] == "level_order"
    assert f(r_lv, py_lv, name="words", context={}) is None  # without a levels-like name
    labels = np.array(["no", "yes", "yes", "no", "yes"], dtype=object)
    d = f(labels, pd.Categorical(labels).codes.astype(np.int64), name="status", context={})
    assert d is not None and d.data["kind"] == "codes_vs_labels"
    rnd = np.random.default_rng(0).integers(0, 3, 60)
    assert f(rnd, np.random.default_rng(1).integers(0, 3, 60), name="g", context={}) is None


def test_factor_codes_names_the_level_orders_from_context():
    r, py, name, ctx = trap_factor_codes_levels()
    d = diagnose(r, py, name=name, context=ctx)
    assert d.id == "factor_codes" and "code-point" in d.data["py_order"]


def test_row_major_flatten_and_square():
    data = np.arange(1.0, 10.0)
    m = data.reshape(3, 3, order="F")
    d = diagnose(m, data.reshape(3, 3))
    assert d.id == "row_major" and d.data["square"] is True
    r = data[:6].reshape(2, 3, order="F")
    assert DIAGNOSES["row_major"](r, r.ravel(), name="", context={}).data["kind"] == "flatten"
    sym = np.array([[1.0, 2.0], [2.0, 1.0]])
    assert DIAGNOSES["row_major"](sym, sym.copy(), name="", context={}) is None


def test_float32_bounds():
    f = DIAGNOSES["float32"]
    _, s = _labels_scores()
    reassoc = s * (1 + 2.2e-16)  # float64 summation-order noise is not float32
    assert f(s, reassoc, name="", context={}) is None
    assert f(s, s + 1e-5, name="", context={}) is None
    s32 = s.astype(np.float32).astype(np.float64)
    assert f(s, s32 * (1 + 1e-5), name="", context={}) is None  # beyond float32 rounding
    assert f(7.5, 7.5 + 1e-9, name="total", context={}) is None  # 7.5 is float32 by being short
    assert f(7.5 + 1e-9, 7.5, name="total", context={}) is None
    assert f(0.1, float(np.float32(0.1)), name="p", context={}).data["kind"] == "cast"


def test_regularised_fit_not_between_two_unpenalised_fits():
    x, y = _logit_data()
    a = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(x, y)
    b = LogisticRegression(C=np.inf, tol=1e-6, max_iter=10_000).fit(x, y)
    ctx = {"x": (x, x), "status": (y, y)}
    ca, cb = _coefs(a), _coefs(b)
    assert not all(ca[k] == cb[k] for k in ca)
    assert DIAGNOSES["regularised_fit"](ca, cb, name="coefficients", context=ctx) is None


def test_regularised_fit_reports_c_and_fallback():
    r, py, name, ctx = trap_regularised_fit()
    d = diagnose(r, py, name=name, context=ctx)
    assert d.data["verified"] is True and abs(d.data["C"] - 1) < 0.05 and d.data["penalised_side"] == "py"
    f = DIAGNOSES["regularised_fit"]
    fb = f(r, py, name="coefficients", context={})
    assert fb is not None and fb.data["verified"] is False
    assert f(r, py, name="auc_values", context={}) is None  # no context and no coefficient-like name


def test_scaled_before_split_reports_rows():
    r, py, name, ctx = trap_scaled_before_split()
    d = diagnose(r, py, name=name, context=ctx)
    assert d.data["n_r_rows"] == 300 and d.data["n_py_rows"] == 210
    assert DIAGNOSES["scaled_before_split"](r, r * (1 + 1e-6), name=name, context=ctx) is None
    assert DIAGNOSES["scaled_before_split"](r, py, name=name, context={}) is None


def test_quantile_type_variants():
    x = np.random.default_rng(8).normal(size=25)
    f = DIAGNOSES["quantile_type"]
    five = np.quantile(x, [0, .25, .5, .75, 1])
    d = f(five, np.quantile(x, [0, .25, .5, .75, 1], method="weibull"), name="q", context={"x": (x, x)})
    assert d is not None and d.data["py_type"] == 6 and d.data["r_type"] == 7
    probs = [0.05, 0.33, 0.8]  # unnamed, unusual probs: solved from R's values as type 7
    d = f(np.quantile(x, probs), np.quantile(x, probs, method="midpoint"), name="q", context={"x": (x, x)})
    assert d is not None and d.data["py_method"] == "midpoint"
    assert f(five, np.quantile(x, [0, .25, .5, .75, 1], method="hazen"), name="q", context={}) is None


def test_rounding_matches_r():
    # R 4.2.2: round(c(0.15, 0.25, 0.35, 0.45, 2.675, 1.005, -0.15), 1 and 2)
    x = [0.15, 0.25, 0.35, 0.45, 2.675, 1.005, -0.15, 0.125, 0.375, 5.015, 0.285]
    assert [r_round_scalar(v, 1) for v in x[:7]] == [0.1, 0.2, 0.3, 0.4, 2.7, 1.0, -0.1]
    assert [r_round_scalar(v, 2) for v in x[4:]] == [2.67, 1.0, -0.15, 0.12, 0.38, 5.02, 0.28]
    assert [r_round_scalar(v, 0) for v in (0.5, 1.5, 2.5, -2.5)] == [0.0, 2.0, 2.0, -2.0]
    rng = np.random.default_rng(12)
    many = np.concatenate((np.array(x), rng.normal(scale=50, size=2000), [0.0, np.inf, np.nan, 1e20]))
    for d in (-1, 0, 1, 2, 3):
        want = np.array([r_round_scalar(float(v), d) for v in many])
        np.testing.assert_array_equal(r_round(many, d), want)


def test_rounding_not_on_random_unit_errors():
    a = np.arange(20.0)
    b = a.copy()
    b[[1, 3, 5]] += 1  # odd R values: not half-to-even ties
    assert DIAGNOSES["rounding"](a, b, name="", context={}) is None
    r, py, name, ctx = trap_rounding()
    d = diagnose(r, py, name=name, context=ctx)
    assert d.data["verified"] is True and d.data["n_ties"] == d.data["n_differ"] > 0


def test_sorted_order_directions():
    v = np.array([1.0, 2.0, 3.0, 4.0])
    assert DIAGNOSES["sorted_order"](v, v[::-1].copy(), name="", context={}).data["py_order"] == "dec"
    u = np.array(["b", "a", "c"], dtype=object)
    assert diagnose(u, np.array(["a", "b", "c"], dtype=object)).id == "sorted_order"


def test_every_hypothesis_documents_its_criterion_and_context():
    for tid, fn in DIAGNOSES.items():
        doc = fn.__doc__ or ""
        assert "Criterion" in doc and "Context" in doc, tid
        assert fn.__name__ == tid


def test_float64_noise_is_not_diagnosed():
    x = _features()[:, 2]
    tiny = x + np.abs(x) * 2.2e-16  # summation-order differences between R and NumPy
    assert diagnose(x, tiny) is None
    assert diagnose(x.std(ddof=1), x.std(ddof=1) * (1 + 2.2e-16)) is None


def test_scale_factor_and_shift_need_two_values_unless_named():
    assert DIAGNOSES["scale_factor"](2.0, 3.0, name="", context={}) is None
    assert DIAGNOSES["scale_factor"](2.0, -2.0, name="", context={}).data["named"] is True
    assert DIAGNOSES["off_by_constant"](2.0, 3.0, name="", context={}) is None


# --------------------------------------------------------------------------------------------
# the interface
# --------------------------------------------------------------------------------------------
def test_only_restricts_and_orders():
    r, py, name, ctx = trap_population_sd()
    assert diagnose(r, py, only=["scale_factor"]).id == "scale_factor"
    assert diagnose(r, py, only=["rounding", "population_sd"]).id == "population_sd"
    assert diagnose(r, py, only=["rounding"]) is None
    with pytest.raises(ValueError, match="unknown diagnosis"):
        diagnose(r, py, only=["no_such_id"])


def test_explain_all_lists_every_hit_in_order():
    r, py, name, ctx = trap_population_sd()
    ids = [d.id for d in explain_all(r, py, name=name, context=ctx)]
    assert ids[0] == "population_sd" and "scale_factor" in ids
    assert ids == [i for i in DIAGNOSES if i in ids]


def test_records_are_diagnosed_part_by_part():
    x = _features()
    r = {"center": x.mean(axis=0), "scale": x.std(axis=0, ddof=1)}
    py = {"center": x.mean(axis=0), "scale": StandardScaler().fit(x).scale_}
    d = diagnose(r, py, name="scaling")
    assert d.id == "population_sd" and d.evidence.startswith("scale:") and "center equal" in d.evidence
    assert list(d.data["parts"]) == ["scale"]


def test_named_vector_against_plain_vector():
    x = _features()
    sd = x.std(axis=0, ddof=1)
    r = {f"v{j}": float(v) for j, v in enumerate(sd)}
    assert diagnose(r, StandardScaler().fit(x).scale_).id == "population_sd"


def test_diagnosis_record():
    d = Diagnosis("x", "t", "e", "f", {"a": np.float64(np.nan), "b": np.arange(2), "c": (np.inf, 1)})
    assert d.to_jsonable() == {"id": "x", "title": "t", "evidence": "e", "fix": "f",
                               "data": {"a": None, "b": [0, 1], "c": ["inf", 1]}}
    with pytest.raises(AttributeError):
        d.id = "y"  # frozen


def test_a_crashing_hypothesis_is_ignored(monkeypatch):
    def boom(r, py, *, name, context):
        raise RuntimeError("boom")

    monkeypatch.setitem(DIAGNOSES, "dropped_dim", boom)
    r, py, name, ctx = trap_zero_based_index()
    assert diagnose(r, py, name=name, context=ctx).id == "zero_based_index"
    assert [d.id for d in explain_all(r, py, name=name, context=ctx)][0] == "zero_based_index"


GARBAGE = [
    ("a", 1.0),
    (np.array(["x", "y"]), np.array([1.0, 2.0])),
    ([1, [2, 3]], [1, 2]),
    ([[1, 2], [3]], [[1, 2], [3, 4]]),
    (np.array([]), np.array([])),
    (np.array([], dtype=np.int64), np.array([1])),
    (np.array([1.0, np.nan, 3.0]), np.array([1.0, 2.0, 3.0])),
    (np.array([np.nan, np.nan]), np.array([np.nan, 1.0])),
    (pd.DataFrame({"a": [1.0, 2.0], "b": ["u", "v"]}), pd.DataFrame({"a": [1.0, 3.0], "b": ["u", "w"]})),
    (pd.DataFrame(), pd.DataFrame({"a": [1]})),
    (None, None),
    (None, 1.0),
    (1.0, None),
    ({"a": 1}, [1]),
    ({"a": [1, 2]}, {"a": "x"}),
    ({}, {}),
    ({"a": None}, {"a": 1.0}),
    (np.array([np.inf]), np.array([1.0])),
    (np.array([np.inf, -np.inf]), np.array([-np.inf, np.inf])),
    (object(), object()),
    (1 + 2j, 1.0),
    (True, 1),
    (np.array([True, False]), np.array([1, 0])),
    (np.zeros((2, 3, 4)), np.ones((2, 3, 4))),
    (np.arange(6.0).reshape(2, 3), np.arange(6.0)[::-1].reshape(3, 2)),
    (np.array([2 ** 62, 3]), np.array([2 ** 62 - 1, 2])),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), np.array(["2020-01-02"], dtype="datetime64[D]")),
    (np.array([1e308, -1e308]), np.array([-1e308, 1e308 * 0.5])),
    (np.array([0.0, 0.0]), np.array([0.0, 1e-300])),
    (np.array([1, None, "a"], dtype=object), np.array([1, 2, "b"], dtype=object)),
    ([None, None], [None, 1]),
    ("abc", "abd"),
    (float("nan"), 0.5),
]
BAD_CONTEXTS = [None, {}, {"x": 5}, {"x": (1,)}, {"x": (None, None)}, {"x": ("a", [1, [2]])},
                {"x": (5, 6.0)}, {"x": (np.array([]), np.zeros((0, 3)))}, {"d": ({"a": 1}, {"a": [1, 2]})},
                {"m": (np.full((3, 2), np.nan), np.zeros((3, 2))), "i": (np.array([1, 2]), np.array([0, 1]))}]


@pytest.mark.parametrize("r, py", GARBAGE, ids=[f"g{i}" for i in range(len(GARBAGE))])
def test_garbage_gives_none_without_raising(r, py):
    for ctx in BAD_CONTEXTS:
        for tid, fn in DIAGNOSES.items():
            assert fn(r, py, name="x", context=ctx) is None, tid
        assert diagnose(r, py, name="x", context=ctx) is None
        assert explain_all(r, py, name="x", context=ctx) == []


def test_garbage_context_does_not_break_a_real_trap():
    r, py, name, _ = trap_population_sd()
    for ctx in BAD_CONTEXTS:
        assert diagnose(r, py, name=name, context=ctx).id == "population_sd"


def test_module_imports_only_numpy_scipy_pandas():
    import ast
    import pathlib

    import parity.diagnoses as pkg

    allowed = {"numpy", "scipy", "pandas", "parity", "__future__"}
    stdlib = {"math", "re", "warnings", "dataclasses", "typing", "itertools", "decimal", "collections",
              "functools"}
    for path in pathlib.Path(pkg.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                mods = [node.module or ""]
            else:
                continue
            for m in mods:
                top = m.split(".")[0]
                assert top in allowed | stdlib, f"{path.name} imports {m}"
                if top == "parity":
                    assert m.startswith("parity.diagnoses"), f"{path.name} imports {m}"
    assert not math.isnan(0.0)


# --------------------------------------------------------------------------------------------
# the article's pitfall_* rows are instances of these diagnoses (on the bundled gbsg data)
# --------------------------------------------------------------------------------------------
def _gbsg():
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "python_impl" / "data" / "gbsg.csv"
    if not path.exists():
        pytest.skip(f"bundled data not at {path}")
    df = pd.read_csv(path)
    feats = ["age", "meno", "size", "grade", "nodes", "pgr", "er", "hormon"]
    return df[feats].to_numpy(float), df["status"].to_numpy(np.int64)


def _article_split(n=686):
    from python_impl.rrandom import RRandom

    rng = RRandom(123)  # set.seed(123); sample(1:686, 0.7*686); sample(setdiff(...), 0.15*686)
    rows = np.arange(1, n + 1)
    train = rng.sample(rows, int(0.7 * n)).astype(np.int64)
    rest = np.setdiff1d(rows, train)
    val = rng.sample(rest, int(0.15 * n)).astype(np.int64)
    return train, val, np.setdiff1d(rest, val).astype(np.int64)


def test_article_pitfalls_are_instances():
    x, status = _gbsg()
    n = x.shape[0]
    train, val, test = _article_split(n)
    assert test[:5].tolist() == [1, 3, 15, 22, 27]  # the article's split (README)
    ctx = {"x": (x, x), "train_indices": (train, train), "val_indices": (val, val)}

    # pitfall_population_sd: R's attr(scale(x), "scaled:scale") (a named vector) vs StandardScaler
    feats = ["age", "meno", "size", "grade", "nodes", "pgr", "er", "hormon"]
    r_scale = dict(zip(feats, x.std(axis=0, ddof=1).tolist()))
    py_scale = dict(zip(feats, StandardScaler().fit(x).scale_.tolist()))
    d = diagnose(r_scale, py_scale, name="pitfall_population_sd", context=ctx, only=["population_sd"])
    assert d.id == "population_sd" and "= sqrt(686/685)" in d.evidence and "1.000730" in d.evidence
    assert diagnose(r_scale, py_scale, name="pitfall_population_sd", context=ctx).id == "population_sd"

    # pitfall_numpy_split: train_test_split with "the same seed" (R's test rows come sorted)
    _tr, rest = train_test_split(np.arange(1, n + 1), train_size=len(train), random_state=123)
    _va, te_sk = train_test_split(rest, train_size=len(val), random_state=123)
    d = diagnose(test, te_sk, name="pitfall_numpy_split", context=ctx)
    assert d.id == "different_rng" and d.data["universe"] == n

    # pitfall_sklearn_roc_direction: scores whose order is reversed
    from python_impl.roc import roc

    y = status[test - 1]
    z = _r_scale(x)[0][test - 1]
    p = 1 / (1 + np.exp(-(z @ np.array([0.1, 0, 0.3, 0.4, 0.5, -0.3, -0.1, -0.2]))))
    rev = 1 - p
    ctx_roc = {**ctx, "test_labels": (y, y), "predictions": (rev, rev)}
    d = diagnose(roc(y, rev).auc, roc_auc_score(y, rev), name="pitfall_sklearn_roc_direction", context=ctx_roc)
    assert d.id == "auc_direction" and d.data["confirmed"] is True
    # the case's form: R negates the scores itself, the context holds the original predictions
    ctx_roc = {**ctx, "test_labels": (y, y), "predictions": (p, p)}
    d = diagnose(roc(y, -p).auc, roc_auc_score(y, -p), name="pitfall_sklearn_roc_direction", context=ctx_roc)
    assert d.id == "auc_direction" and d.data["confirmed"] is True

    # pitfall_factor_codes: status as factor codes 1/2 (pandas.Categorical(...).codes + 1)
    codes = pd.Categorical(y).codes.astype(np.int64) + 1
    assert diagnose(y, codes, name="pitfall_factor_codes", context=ctx).id == "factor_codes"

    # and the article's own leak: scaled on all rows (R) vs a port that scales after the split
    d = diagnose(x.mean(axis=0), x[train - 1].mean(axis=0), name="center", context=ctx)
    assert d.id == "scaled_before_split" and d.data["n_py_rows"] == 480


@pytest.mark.parametrize("tid, make", CASES, ids=CASE_IDS)
def test_inputs_are_not_modified(tid, make):
    import copy

    r, py, name, ctx = make()
    before = copy.deepcopy((r, py, ctx))
    explain_all(r, py, name=name, context=ctx)
    from parity.diagnoses._core import deep_equal

    assert deep_equal(r, before[0]) and deep_equal(py, before[1])
    assert all(deep_equal(ctx[k][0], before[2][k][0]) and deep_equal(ctx[k][1], before[2][k][1]) for k in ctx)
