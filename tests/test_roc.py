"""python_impl.roc against pROC 1.18.0.

* stored references (tests/reference/proc_cases.json, from scripts/regen_proc_reference.py);
* a live cross-check on freshly drawn data (`requires_r`);
* hypothesis properties (Mann-Whitney, class swap, CI order, Youden ties) and unit tests.

Tolerances: thresholds, sensitivities, specificities and the Youden rows are computed with the
same IEEE operations as pROC and compared with rtol=atol=1e-12 like the rest (they are in fact
bit-identical); AUC, variances, CIs and roc.test statistics differ only in summation order
(R accumulates in long double), i.e. ~1e-16, so 1e-12 is generous but not loose.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from python_impl.roc import (MatrixPredictorWarning, Roc, coords, icu_root_key, r_factor_levels, roc, roc_test,
                             roc_test_delong)

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "tests" / "reference" / "proc_cases.json"
RTOL = ATOL = 1e-12  # float64 on both sides; only summation order differs

_spec = importlib.util.spec_from_file_location(
    "regen_proc_reference", REPO / "scripts" / "regen_proc_reference.py")
regen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regen)

REF = json.loads(REFERENCE.read_text())


def _f(xs) -> np.ndarray:
    return np.array([regen.decode_float(x) for x in xs], dtype=float)


def _collation(lc_collate: str, icu: str) -> str:
    """R uses ICU collation unless the collation locale is C/POSIX (or R lacks ICU)."""
    return "c" if lc_collate in ("C", "POSIX") or icu == "no ICU" else "icu"


REF_COLLATION = _collation(REF["r_lc_collate"], REF["r_icu_collator"])


def _build(inputs: dict, roc_args: dict, collation: str) -> tuple[Roc, list]:
    resp = inputs["response"]
    resp = np.array(resp, dtype=object) if any(v is None for v in resp) else resp
    pred = _f(inputs["predictor"])
    if inputs.get("matrix"):
        pred = pred.reshape(-1, 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = roc(resp, pred, roc_args.get("direction") or "auto", roc_args.get("levels"),
                collation=collation)
    return r, caught


def _check_against_r(r: Roc, e: dict, label: str) -> None:
    """Every stored/live pROC output for one case against the Python object."""
    assert r.direction == e["direction"], label
    assert [_r_str(v) for v in r.levels] == e["levels"], label
    for key in ("thresholds", "sensitivities", "specificities"):
        got, want = getattr(r, key), _f(e[key])
        assert got.shape == want.shape, f"{label}: {key} count"
        assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"{label}: {key}")
    assert_allclose(r.auc, regen.decode_float(e["auc"]), rtol=RTOL, atol=ATOL, err_msg=label)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_allclose(r.ci_auc(), _f(e["ci_auc_95"]), rtol=RTOL, atol=ATOL, err_msg=label)
        assert_allclose(r.ci_auc(0.9), _f(e["ci_auc_90"]), rtol=RTOL, atol=ATOL, err_msg=label)
        assert_allclose(r.var_delong(), regen.decode_float(e["var_delong"]), rtol=RTOL,
                        atol=ATOL, err_msg=label)
    best = r.best()
    assert len(best) == len(e["best"]), f"{label}: number of Youden-best rows"
    for got, want in zip(best, e["best"]):
        for k in ("threshold", "specificity", "sensitivity"):
            assert_allclose(got[k], regen.decode_float(want[k]), rtol=RTOL, atol=ATOL,
                            err_msg=f"{label}: best {k}")


def _r_str(v) -> str:
    """as.character() of a level as R prints it (the fixtures use ints and plain strings)."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _check_test_against_r(res: dict, e: dict, label: str) -> None:
    for k in ("z", "p_value", "auc1", "auc2"):
        assert_allclose(res[k], regen.decode_float(e[k]), rtol=RTOL, atol=ATOL,
                        err_msg=f"{label}: {k}")
    assert_allclose(res["conf_int"], _f(e["conf_int"]), rtol=RTOL, atol=ATOL, err_msg=label)


# ------------------------------------------------------------------------------------------
# stored references
# ------------------------------------------------------------------------------------------
def test_roc_reference_file_is_traceable():
    assert REF["proc_version"] == "1.18.0"
    assert REF["r_version"].startswith("R version 4.")
    assert REF["regenerate"] == "python scripts/regen_proc_reference.py"
    names = {c["name"] for c in REF["cases"]}
    assert {"continuous_no_ties", "heavy_ties", "auto_picks_gt", "string_labels",
            "one_two_coded", "matrix_predictor", "small_n", "test_set_like"} <= names
    for c in REF["cases"]:
        assert any(call.startswith("r <- roc(response, predictor") for call in c["r_calls"])
        assert {"auc", "direction", "levels", "thresholds", "sensitivities", "specificities",
                "ci_auc_95", "ci_auc_90", "best", "var_delong"} <= set(c["expected"])
    assert REF["roc_tests"] and all("roc.test" in " ".join(t["r_calls"]) for t in REF["roc_tests"])
    # the stored inputs are the ones the generator draws (same seed -> same numbers)
    drawn = {c["name"]: c for c in regen.make_cases(REF["seed_cases"])}
    for c in REF["cases"]:
        assert _f(c["inputs"]["predictor"]).tolist() == pytest.approx(
            drawn[c["name"]]["predictor"], nan_ok=True, rel=0, abs=0)


@pytest.mark.parametrize("case", REF["cases"], ids=[c["name"] for c in REF["cases"]])
def test_roc_matches_stored_proc(case):
    r, caught = _build(case["inputs"], case["roc_args"], REF_COLLATION)
    _check_against_r(r, case["expected"], case["name"])
    # the warnings pROC gave in roc() are given here too
    msgs = " | ".join(str(w.message) for w in caught)
    for rw in case["expected"]["r_warnings"]:
        if rw.startswith("Deprecated use a matrix as predictor"):
            assert any(issubclass(w.category, MatrixPredictorWarning) for w in caught)
            assert "matrix as predictor" in msgs
        if rw.startswith("'response' has more than two levels"):
            assert "more than two levels" in msgs


@pytest.mark.parametrize("test", REF["roc_tests"], ids=[t["name"] for t in REF["roc_tests"]])
def test_roc_test_delong_matches_stored_proc(test):
    i = test["inputs"]
    r1 = roc(i["response"], _f(i["predictor"]))
    r2 = roc(i["response"], _f(i["predictor2"]))
    _check_test_against_r(roc_test_delong(r1, r2), test["expected"], test["name"])


# ------------------------------------------------------------------------------------------
# live cross-check against R on fresh random data
# ------------------------------------------------------------------------------------------
LIVE_SEEDS = (11, 12, 13)


def _live_cases() -> tuple[list, list]:
    cases, tests = [], []
    for seed in LIVE_SEEDS:
        rng = np.random.default_rng(seed)

        def add(name, lab, scores, direction=None, kind="numeric"):
            order = rng.permutation(len(lab))
            cases.append({"name": f"s{seed}_{name}", "description": name,
                          "response": [lab[j] for j in order],
                          "predictor": [float(scores[j]) for j in order],
                          "response_kind": kind, "matrix": False, "direction": direction,
                          "levels": None})

        n0, n1 = (int(v) for v in rng.integers(3, 60, 2))
        lab = [0] * n0 + [1] * n1
        shift = rng.normal(0, 1)
        cont = np.concatenate((rng.normal(0, 1, n0), rng.normal(shift, 1, n1)))
        add("continuous", lab, cont)
        add("ties", lab, np.round(cont, 1))
        add("coarse_ties", lab, np.round(cont * 2) / 2)
        add("forced_lt", lab, np.round(cont, 1), direction="<")
        add("forced_gt", lab, cont, direction=">")
        lower = np.concatenate((rng.normal(1, 1, n0), rng.normal(0, 1, n1)))
        add("cases_lower", lab, lower)
        add("cases_lower_ties", lab, np.round(lower, 1))
        words = ["a", "B", "case", "Control", "no", "Yes", "_x", "x1", "X1", "Good", "poor"]
        w = rng.choice(len(words), 2, replace=False)
        add("strings", [words[w[0]]] * n0 + [words[w[1]]] * n1, cont, kind="character")
        lab2 = rng.permutation([0] * n0 + [1] * n1)
        latent = rng.normal(0, 1, n0 + n1) + 0.8 * lab2
        p1 = latent + rng.normal(0, 1, n0 + n1)
        p2 = np.round(latent + rng.normal(0, 1, n0 + n1), 1)
        tests.append({"name": f"s{seed}_paired", "description": "paired",
                      "response": lab2.tolist(), "predictor": p1.tolist(),
                      "predictor2": p2.tolist()})
    return cases, tests


@pytest.fixture(scope="module")
def live_r():
    cases, tests = _live_cases()
    return cases, tests, regen.run_r(cases, tests)


@pytest.mark.requires_r
def test_roc_live_cross_check_against_r(live_r):
    cases, _, out = live_r
    collation = _collation(out["meta"]["lc_collate"], out["meta"]["icu"])
    directions = set()
    for c in cases:
        r, _ = _build(c, {"direction": c["direction"], "levels": c["levels"]}, collation)
        e = regen._expected_case(out["cases"][c["name"]])
        _check_against_r(r, e, c["name"])
        directions.add(r.direction)
    assert directions == {"<", ">"}


@pytest.mark.requires_r
def test_roc_test_delong_live_cross_check_against_r(live_r):
    _, tests, out = live_r
    for t in tests:
        r1, r2 = roc(t["response"], np.array(t["predictor"])), roc(t["response"],
                                                                    np.array(t["predictor2"]))
        e = out["tests"][t["name"]]
        e = {k: v[0] if k in ("z", "p_value", "auc1", "auc2") else v for k, v in e.items()}
        _check_test_against_r(roc_test_delong(r1, r2), e, t["name"])


@pytest.mark.requires_r
def test_roc_string_level_order_matches_r_live():
    """levels(as.factor(x)) for random printable-ASCII strings (R's collation) vs ours."""
    from r_reference.availability import run_rscript

    rng = np.random.default_rng(7)
    alphabet = [c for c in (chr(i) for i in range(32, 127)) if c not in "\"\\|"]
    words = sorted({"".join(rng.choice(alphabet, int(rng.integers(1, 5))))
                    for _ in range(150)})
    lit = ", ".join('"' + w + '"' for w in words)
    out = run_rscript(f'x <- c({lit}); cat(Sys.getlocale("LC_COLLATE"), '
                      'if (capabilities("ICU")) icuGetCollate() else "no ICU", sep = "|"); '
                      'cat("\\n"); cat(levels(as.factor(x)), sep = "|")')
    meta, lv = out.split("\n", 1)
    lc, icu = meta.split("|")
    assert r_factor_levels(np.array(words, dtype=object), _collation(lc, icu)) == lv.split("|")


# ------------------------------------------------------------------------------------------
# hypothesis properties
# ------------------------------------------------------------------------------------------
def _scores(min_size):
    # continuous, or coarse (many ties), so both regimes are exercised
    fine = st.floats(-5, 5, allow_nan=False, allow_infinity=False, width=64)
    coarse = st.integers(-4, 4).map(lambda k: k / 2)
    return st.one_of(st.lists(fine, min_size=min_size, max_size=30),
                     st.lists(coarse, min_size=min_size, max_size=30))


PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _two(controls, cases):
    return [0] * len(controls) + [1] * len(cases), np.array(controls + cases, dtype=float)


@PROPS
@given(_scores(1), _scores(1))
def test_roc_auc_is_mann_whitney_for_direction_lt(controls, cases):
    from scipy.stats import mannwhitneyu
    from sklearn.metrics import roc_auc_score

    resp, pred = _two(controls, cases)
    r = roc(resp, pred, direction="<")
    u = mannwhitneyu(cases, controls).statistic  # cases' U: pairs case > control, ties 1/2
    assert math.isclose(r.auc, u / (len(cases) * len(controls)), rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(r.auc, roc_auc_score(resp, pred), rel_tol=1e-12, abs_tol=1e-12)
    theta, _, _ = r.delong_placements()
    assert math.isclose(theta, r.auc, rel_tol=1e-12, abs_tol=1e-12)


@PROPS
@given(_scores(1), _scores(1), st.sampled_from(["<", ">"]))
def test_roc_swapping_classes_with_fixed_direction_gives_one_minus_auc(controls, cases, d):
    resp, pred = _two(controls, cases)
    a = roc(resp, pred, direction=d, levels=(0, 1)).auc
    b = roc(resp, pred, direction=d, levels=(1, 0)).auc
    assert math.isclose(a + b, 1.0, rel_tol=0, abs_tol=1e-12)


@PROPS
@given(_scores(2), _scores(2), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_roc_ci_brackets_auc(controls, cases, conf):
    resp, pred = _two(controls, cases)
    r = roc(resp, pred)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lo, mid, hi = r.ci_auc(conf)
    assert 0.0 <= lo <= mid <= hi <= 1.0
    assert math.isclose(mid, r.auc, rel_tol=1e-12, abs_tol=1e-12)


@PROPS
@given(_scores(1), _scores(1), st.sampled_from(["auto", "<", ">"]))
def test_roc_best_rows_are_all_the_youden_maxima(controls, cases, d):
    resp, pred = _two(controls, cases)
    r = roc(resp, pred, direction=d)
    crit = r.sensitivities + r.specificities
    best = r.best()
    assert len(best) == int(np.sum(crit == crit.max())) >= 1
    for row in best:
        assert row["sensitivity"] + row["specificity"] == crit.max()
    # rows come in the curve's order (pROC keeps the sorted roc's order)
    idx = [int(np.flatnonzero(r.thresholds == b["threshold"])[0]) for b in best]
    assert idx == sorted(idx)


@PROPS
@given(_scores(2), _scores(2), st.sampled_from(["<", ">"]))
def test_roc_delong_placements_match_brute_force(controls, cases, d):
    """The midrank placements equal DeLong's O(mn) kernel psi(case, control)."""
    resp, pred = _two(controls, cases)
    r = roc(resp, pred, direction=d)
    ca, co = np.array(cases), np.array(controls)
    if d == ">":
        ca, co = -ca, -co
    psi = (ca[:, None] > co[None, :]) + 0.5 * (ca[:, None] == co[None, :])
    theta, X, Y = r.delong_placements()
    assert_allclose(X, psi.mean(axis=1), rtol=0, atol=1e-12)
    assert_allclose(Y, psi.mean(axis=0), rtol=0, atol=1e-12)
    v = np.var(psi.mean(axis=0), ddof=1) / co.size + np.var(psi.mean(axis=1), ddof=1) / ca.size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "var() of a ROC curve with AUC == 1 ..."
        assert math.isclose(r.var_delong(), v, rel_tol=1e-9, abs_tol=1e-15)


@PROPS
@given(_scores(1), _scores(1))
def test_roc_curve_points_equal_sklearn_roc_curve_points_for_lt(controls, cases):
    """Same (1 - sp, se) points as scikit-learn's roc_curve; only thresholds differ."""
    from sklearn.metrics import roc_curve

    resp, pred = _two(controls, cases)
    r = roc(resp, pred, direction="<")
    fpr, tpr, _ = roc_curve(resp, pred, drop_intermediate=False)
    ours = sorted(zip(1 - r.specificities, r.sensitivities))
    assert_allclose(np.array(ours), np.array(sorted(zip(fpr, tpr))), rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------------------
# unit tests
# ------------------------------------------------------------------------------------------
def test_roc_levels_sort_numbers_numerically_and_strings_like_r():
    assert r_factor_levels([10, 2, 1, 2]) == [1, 2, 10]
    assert r_factor_levels([2.0, 1.0, np.nan]) == [1.0, 2.0]
    assert r_factor_levels([True, False]) == [False, True]
    # measured in R 4.2.2 (ICU root collation, C.UTF-8):
    # levels(as.factor(c("b","a","B","A","_x","10","9"))) -> "_x" "10" "9" "a" "A" "b" "B"
    assert r_factor_levels(["b", "a", "B", "A", "_x", "10", "9"]) == [
        "_x", "10", "9", "a", "A", "b", "B"]
    assert r_factor_levels(["b", "a", "B", "A", "_x", "10", "9"], collation="c") == [
        "10", "9", "A", "B", "_x", "a", "b"]
    assert r_factor_levels(["Yes", "no"]) == ["no", "Yes"]
    assert sorted(["ab", "aB", "Ab", "AB", "a", "A"], key=icu_root_key) == [
        "a", "A", "ab", "aB", "Ab", "AB"]


def test_roc_levels_control_first_and_other_labels_dropped():
    with pytest.warns(UserWarning, match="more than two levels"):
        r = roc([0, 1, 2, 0, 1, 2], [0.1, 0.9, 0.5, 0.2, 0.8, 0.7])
    assert r.levels == (0, 1) and r.controls.tolist() == [0.1, 0.2]
    assert r.cases.tolist() == [0.9, 0.8]
    r = roc(["case", "control", "case", "control"], [0.9, 0.1, 0.8, 0.2])
    assert r.levels == ("case", "control")  # R's collation: "case" < "control"
    assert r.direction == ">"  # ...so the "cases" (= "control" rows) score lower


def test_roc_pandas_categorical_keeps_factor_level_order():
    pd = pytest.importorskip("pandas")
    s = pd.Series(pd.Categorical(["lo", "hi", "lo", "hi"], categories=["lo", "hi"]))
    r = roc(s, [0.1, 0.9, 0.2, 0.8])
    assert r.levels == ("lo", "hi") and r.direction == "<" and r.auc == 1.0


def test_roc_na_pairs_are_dropped():
    resp = np.array([0, 1, None, 0, 1, 1], dtype=object)
    pred = np.array([0.1, 0.9, 0.5, np.nan, 0.4, 0.6])
    r = roc(resp, pred)
    ref = roc([0, 1, 1, 1], [0.1, 0.9, 0.4, 0.6])
    assert r.auc == ref.auc and np.array_equal(r.thresholds, ref.thresholds)
    assert r.kept.tolist() == [0, 1, 4, 5]


def test_roc_matrix_predictor_warns_like_proc():
    pred = np.array([[0.1], [0.9], [0.2], [0.8]])
    with pytest.warns(MatrixPredictorWarning, match="matrix as predictor"):
        r = roc([0, 1, 0, 1], pred)
    assert issubclass(MatrixPredictorWarning, DeprecationWarning)
    assert r.auc == roc([0, 1, 0, 1], pred[:, 0]).auc


def test_roc_threshold_tie_fix_for_adjacent_doubles():
    # measured in R: roc(c(0,1,0,1), c(1, 1+2^-52, 2, 3), direction=">")$thresholds
    #   -> Inf 2.5 1.5 1 -Inf  (the midpoint of 1 and 1+2^-52 rounds to 1: kept for ">",
    #      moved up to 1+2^-52 for "<")
    x = [1.0, 1.0 + 2.0 ** -52, 2.0, 3.0]
    gt = roc([0, 1, 0, 1], x, direction=">")
    assert gt.thresholds.tolist() == [math.inf, 2.5, 1.5, 1.0, -math.inf]
    lt = roc([0, 1, 0, 1], x, direction="<")
    assert lt.thresholds.tolist() == [-math.inf, 1.0 + 2.0 ** -52, 1.5, 2.5, math.inf]


def test_roc_auto_direction_uses_medians_not_auc():
    r = roc([0] * 5 + [1] * 5, [1, 2, 3, 100, 100, 3.5, 3.5, 3.5, 0, 0])
    assert r.direction == "<" and math.isclose(r.auc, 0.36)


def test_roc_input_errors():
    with pytest.raises(ValueError, match="two levels"):
        roc([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="length 2"):
        roc([0, 1], [0.1, 0.2], levels=(0, 1, 2))
    with pytest.raises(ValueError, match="No case observation"):
        roc([0, 0, 2], [0.1, 0.2, 0.3], levels=(0, 1))
    with pytest.raises(ValueError, match="same length"):
        roc([0, 1, 0], [0.1, 0.2])
    # pROC warns and returns NaN (issue #13: its behaviour, not an exception)
    with pytest.warns(UserWarning, match="Infinite values"):
        assert math.isnan(roc([0, 1, 0], [0.1, np.inf, 0.3]))
    with pytest.raises(TypeError, match="numeric"):
        roc([0, 1], ["a", "b"])
    with pytest.raises(ValueError, match="direction"):
        roc([0, 1], [0.1, 0.2], direction="<=")


def test_roc_ci_is_nan_with_a_single_case_and_perfect_curve_warns():
    r = roc([0, 0, 1], [0.1, 0.3, 0.2])  # R: ci.auc -> NA-NA, var -> NA
    assert all(math.isnan(v) for v in r.ci_auc())
    assert math.isnan(r.var_delong())
    r = roc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])
    with pytest.warns(UserWarning, match="AUC == 1"):
        assert r.ci_auc() == (1.0, 1.0, 1.0)


def test_roc_object_is_frozen_and_arrays_read_only():
    r = roc([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8])
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.auc = 0.5
    with pytest.raises(ValueError):
        r.thresholds[0] = 0.0


def test_roc_test_delong_needs_paired_curves():
    r1 = roc([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8])
    r2 = roc([1, 0, 0, 1], [0.1, 0.9, 0.2, 0.8])
    with pytest.raises(ValueError, match="paired"), pytest.warns(UserWarning, match="direction"):
        roc_test_delong(r1, r2)
    with pytest.warns(UserWarning, match="AUC == 1"):
        same = roc_test_delong(r1, r1)
    assert same["z"] == 0.0 and same["p_value"] == 1.0


def test_roc_module_does_not_import_keras_or_tensorflow():
    code = ("import sys, python_impl.roc; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "[]"


# ------------------------------------------------------------------------------------------
# the wider pROC API (issue #13); live/stored cross-checks are in test_roc_proc_suite.py and
# test_roc_features.py, these are the Python-side contracts
# ------------------------------------------------------------------------------------------
def _two_class_data(seed=3, n0=30, n1=25):
    g = np.random.default_rng(seed)
    y = np.array([0] * n0 + [1] * n1)
    return y, np.round(np.concatenate((g.normal(0, 1, n0), g.normal(0.8, 1, n1))), 1)


def test_roc_bootstrap_needs_an_r_rng_and_names_the_fix():
    from python_impl.rrandom import RRandom

    y, x = _two_class_data()
    r = roc(y, x)
    with pytest.raises(ValueError, match=r"rng=RRandom\(seed\).*set.seed"):
        r.ci_auc(method="bootstrap", boot_n=10)
    a = r.ci_auc(method="bootstrap", boot_n=50, rng=7)
    assert a == r.ci_auc(method="bootstrap", boot_n=50, rng=RRandom(7))  # an int seed means RRandom(seed)
    assert a != r.ci_auc(method="bootstrap", boot_n=50, rng=RRandom(8))
    with pytest.raises(TypeError, match="RRandom"):
        r.ci_auc(method="bootstrap", boot_n=5, rng=np.random.default_rng(1))


def test_roc_percent_scales_curve_auc_and_intervals():
    y, x = _two_class_data()
    r, p = roc(y, x), roc(y, x, percent=True)
    assert_allclose(p.sensitivities, r.sensitivities * 100, rtol=0, atol=0)
    assert_allclose(p.auc, r.auc * 100, rtol=1e-12)
    assert_allclose(p.ci_auc(), np.array(r.ci_auc()) * 100, rtol=1e-12)
    assert_allclose(p.var(), r.var() * 1e4, rtol=1e-12)
    assert p.best()[0]["threshold"] == r.best()[0]["threshold"]


def test_roc_partial_auc_full_interval_is_the_full_auc_and_delong_is_refused():
    y, x = _two_class_data()
    r = roc(y, x)
    assert math.isclose(r.with_auc((1, 0)).auc, r.auc, rel_tol=1e-12)
    pr = roc(y, x, partial_auc=(0.8, 1), partial_auc_focus="sp", partial_auc_correct=True)
    assert pr.partial_auc == (1.0, 0.8) and pr.partial_auc_focus == "specificity"
    with pytest.raises(ValueError, match="DeLong.*partial AUC.*bootstrap"):
        pr.ci_auc(method="delong")
    with pytest.raises(ValueError, match="length 2"):
        roc(y, x, partial_auc=(1,))


def test_roc_coords_returns_rs_columns_in_ret_order():
    y, x = _two_class_data()
    r = roc(y, x)
    co = coords(r, "best", ret=["tp", "youden", "t", "closest.topleft"])
    assert list(co.columns) == ["tp", "youden", "threshold", "closest.topleft"]
    assert co["threshold"].tolist() == [b["threshold"] for b in r.best()]
    allc = coords(r, "all", ret="all")
    assert allc.shape == (r.thresholds.size, 24)
    with pytest.raises(ValueError, match="not monotone"):
        coords(r, 0.5, input="accuracy")
    with pytest.raises(ValueError, match="should be one of"):
        coords(r, "best", ret=["nonsense"])


def test_roc_test_reports_htest_fields_and_one_sided_p_values():
    g = np.random.default_rng(5)
    y = np.array([0] * 40 + [1] * 40)
    x1 = g.normal(0, 1, 80) + y
    x2 = x1 + g.normal(0, 1, 80)
    r1, r2 = roc(y, x1), roc(y, x2)
    t = roc_test(r1, r2)
    assert t["method"] == "DeLong's test for two correlated ROC curves" and t["paired"]
    assert t["statistic"] == roc_test_delong(r1, r2)["z"]
    gt, lt = roc_test(r1, r2, alternative="greater"), roc_test(r1, r2, alternative="less")
    assert math.isclose(gt["p_value"] + lt["p_value"], 1.0, rel_tol=1e-12)
    with pytest.warns(UserWarning, match="seem to be paired"):
        up = roc_test(r1, r2, paired=False)
    assert up["method"] == "DeLong's test for two ROC curves" and up["df"] > 0 and up["conf_int"] is None
    b = roc_test(r1, r2, method="bootstrap", boot_n=30, rng=1)
    assert b["boot_n"] == 30 and 0 <= b["p_value"] <= 1


def test_roc_infinite_predictor_is_nan_with_procs_warning():
    from python_impl.roc import InfinitePredictorWarning

    with pytest.warns(InfinitePredictorWarning, match="NaN returned instead"):
        assert math.isnan(roc(controls=[1, 2, 3, np.inf], cases=[2, 3, 4]))


def test_roc_levels_are_matched_as_text_like_proc():
    pd = pytest.importorskip("pandas")
    f = pd.Categorical(["1", "5", "3", "1", "5"], categories=["1", "3", "5"])
    r = roc(f, [0.1, 0.9, 0.5, 0.2, 0.8], levels=(1, 5))  # numeric levels, factor labels
    assert r.controls.tolist() == [0.1, 0.2] and r.cases.tolist() == [0.9, 0.8]
    r = roc([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8], levels=("0", "1"))  # string levels, numeric response
    assert r.auc == 1.0
    with pytest.raises(ValueError, match="No control observation"):
        roc([True, False, True], [0.1, 0.2, 0.3], levels=(0, 1))  # R: "TRUE" is not "0"


def test_roc_module_docstring_maps_every_public_function():
    import python_impl.roc as m

    for name in ("roc", "auc", "ci_auc", "coords", "ci_thresholds", "ci_se", "ci_sp", "roc_test", "are_paired",
                 "with_auc", "var"):
        assert f"{name}(" in m.__doc__, name
