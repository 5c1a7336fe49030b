"""RRandom against R's own set.seed/sample/runif: stored cases, live random cases, properties.

Tolerance: exact for integers (indices are exact by nature); runif compared to 17 significant
digits exactly too (the same IEEE double arithmetic on both sides).
"""
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from python_impl.rrandom import RRandom

REF = json.loads((Path(__file__).parent / "reference" / "r_rng_cases.json").read_text())
SEEDED = [c for c in REF["cases"] if "seed" in c]


@pytest.mark.parametrize("case", SEEDED, ids=lambda c: f"seed{c['seed']}-n{c['n']}-k{c['k']}")
def test_rrandom_sample_equals_stored_r(case):
    r = RRandom(case["seed"])
    np.testing.assert_array_equal(r.sample(case["n"], case["k"]), case["sample"])
    # the stream continues as in R: runif after sample
    np.testing.assert_array_equal(r.runif(3), case["runif_after"])


VECTOR_CALLS = {  # R call in the reference file -> the same call on RRandom
    "set.seed(5); x <- sample(c(10, 20, 30, 40), 2)": lambda: RRandom(5).sample([10.0, 20.0, 30.0, 40.0], 2),
    "set.seed(5); x <- sample(c(10), 3)": lambda: RRandom(5).sample([10.0], 3),  # R pitfall: 1:10
    "set.seed(5); x <- sample(c(3L, 9L, 27L), 3)": lambda: RRandom(5).sample(np.array([3, 9, 27]), 3),
    "set.seed(11); x <- sample(686, 686)": lambda: RRandom(11).sample(686, 686),
}


@pytest.mark.parametrize("call", list(VECTOR_CALLS))
def test_rrandom_sample_vector_rules_equal_stored_r(call):
    want = next(c["sample"] for c in REF["cases"] if c.get("r_call") == call)
    np.testing.assert_array_equal(VECTOR_CALLS[call](), want)


def test_rrandom_article_check_value():
    # design.md: set.seed(123); sample(686, 480)[1:10]
    np.testing.assert_array_equal(RRandom(123).sample(686, 480)[:10], [415, 463, 179, 526, 195, 118, 299, 229, 244, 14])


def test_rrandom_sample_truncates_size_like_r():
    assert len(RRandom(1).sample(686, 0.7 * 686)) == 480
    assert len(RRandom(1).sample(686, 0.15 * 686)) == 102


def test_rrandom_rejects_oversized_sample():
    with pytest.raises(ValueError, match="larger than the population"):
        RRandom(1).sample(5, 6)


@pytest.mark.requires_r
def test_rrandom_equals_live_r_on_random_draws():
    from r_reference.availability import run_rscript

    g = np.random.default_rng()  # fresh cases each run: equality must hold in general
    cases = []
    for _ in range(12):
        n = int(g.choice([g.integers(1, 100), g.integers(100, 70000), g.integers(70000, 5_000_000)]))
        cases.append((int(g.integers(-2**31 + 1, 2**31)), n, int(g.integers(1, min(n, 200) + 1))))
    code = "; ".join(
        f"set.seed({s}); cat(sample({n}, {k}), sprintf('%.17g', runif(2)), '\\n')" for s, n, k in cases)
    lines = run_rscript(code).strip().splitlines()
    for (s, n, k), line in zip(cases, lines, strict=True):
        vals = line.split()
        r = RRandom(s)
        np.testing.assert_array_equal(r.sample(n, k), [int(v) for v in vals[:k]], err_msg=f"seed={s} n={n} k={k}")
        np.testing.assert_array_equal(r.runif(2), [float(v) for v in vals[k:]], err_msg=f"seed={s} runif")


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(-2**31 + 1, 2**31 - 1), n=st.integers(1, 3000), frac=st.floats(0, 1))
def test_rrandom_sample_without_replacement_is_a_partial_permutation(seed, n, frac):
    k = int(frac * n)
    x = RRandom(seed).sample(n, k)
    assert len(x) == k
    assert len(set(x.tolist())) == k
    assert (x >= 1).all() and (x <= n).all()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(-2**31 + 1, 2**31 - 1), k=st.integers(1, 2000))
def test_rrandom_runif_in_open_unit_interval_and_stateful(seed, k):
    r = RRandom(seed)
    u = r.runif(k)
    assert ((u > 0) & (u < 1)).all()
    # splitting a stream into two calls gives the same numbers as one call
    r2 = RRandom(seed)
    np.testing.assert_array_equal(np.concatenate([r2.runif(k // 2), r2.runif(k - k // 2)]), u)


# ------------------------------------------------------------------------------------------------
# stored programs (scripts/regen_rng_reference.py): sample with prob / Rounding, rnorm, rexp,
# rbinom, rpois, interleaved calls and .Random.seed. Tolerance: exact (same IEEE operations).
# ------------------------------------------------------------------------------------------------
import importlib.util  # noqa: E402
import warnings  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "regen_rng_reference", Path(__file__).resolve().parents[1] / "scripts" / "regen_rng_reference.py")
regen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regen)


def test_rrandom_stored_programs_are_traceable_and_cover_every_group():
    assert REF["r_version"].startswith("R version 4.")
    assert {p["group"] for p in REF["programs"]} == set(regen.GROUPS)
    # the stored programs are the ones the generator draws (same seed -> same programs)
    drawn = regen.draw_programs(np.random.default_rng(REF["program_seed"]), REF["programs_per_group"])
    assert [{k: p[k] for k in d} for p, d in zip(REF["programs"], drawn)] == drawn
    assert all(p["r_call"].startswith(("set.seed(", "RNGkind(")) for p in REF["programs"])


@pytest.mark.parametrize("prog", REF["programs"], ids=[p["id"] for p in REF["programs"]])
def test_rrandom_equals_stored_r_programs(prog):
    want = {"outputs": prog["r_outputs"], "random_seed": prog["r_random_seed"]}
    diff = regen.first_difference(prog, want, regen.run_python(prog))
    assert diff is None, diff


def test_rrandom_random_seed_after_set_seed_equals_r():
    # R: set.seed(5); .Random.seed[1:5] -> 10403 624 -1674567567 -1532971138 -1249749529
    assert RRandom(5).random_seed[:5].tolist() == [10403, 624, -1674567567, -1532971138, -1249749529]
    assert RRandom(5, sample_kind="Rounding").random_seed[0] == 403
    assert len(RRandom(5).random_seed) == 626


def test_rrandom_from_random_seed_continues_the_stream():
    r = RRandom(42)
    r.rnorm(7)
    r.sample(100, 10)
    saved = r.random_seed
    a = np.concatenate([r.runif(1000), r.rnorm(3)])
    r2 = RRandom.from_random_seed(saved)
    np.testing.assert_array_equal(np.concatenate([r2.runif(1000), r2.rnorm(3)]), a)
    with pytest.raises(ValueError, match="626 integers"):
        RRandom.from_random_seed([403, 1, 2])


def test_rrandom_rounding_is_rs_pre_3_6_sampler():
    # R 3.5 / RNGkind(sample.kind = "Rounding"): set.seed(1); sample(10, 3) -> 3 4 5
    np.testing.assert_array_equal(RRandom(1, sample_kind="Rounding").sample(10, 3), [3, 4, 5])
    np.testing.assert_array_equal(RRandom(1).sample(10, 3), [9, 4, 7])
    assert RRandom(1, sample_kind="rounding").sample_kind == "Rounding"
    with pytest.raises(ValueError, match="Rejection.*Rounding"):
        RRandom(1, sample_kind="Knuth")


def test_rrandom_rejects_seeds_r_rejects():
    with pytest.raises(ValueError, match="not a valid integer"):
        RRandom(2**31)


def test_rrandom_prob_errors_name_the_problem():
    r = RRandom(1)
    with pytest.raises(ValueError, match="incorrect number of probabilities"):
        r.sample(3, 2, prob=[0.5, 0.5])
    with pytest.raises(ValueError, match="negative probability"):
        r.sample(2, 1, prob=[-1, 2])
    with pytest.raises(ValueError, match="NA in probability"):
        r.sample(2, 1, prob=[np.nan, 2])
    with pytest.raises(ValueError, match="too few positive probabilities"):
        r.sample(3, 3, prob=[1, 0, 1])


def test_rrandom_invalid_parameters_give_nan_with_rs_warning():
    r = RRandom(1)
    with pytest.warns(RuntimeWarning, match="NAs produced"):
        v = r.rbinom(2, 3.5, 0.5)
    assert np.isnan(v).all()
    with pytest.warns(RuntimeWarning, match="NAs produced"):
        assert np.isnan(r.rnorm(2, 0, -1)).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert r.rbinom(3, 10, 0.3).dtype == np.int64 and r.rpois(3, 4).dtype == np.int64


def test_rrandom_qnorm_is_r_qnorm_and_close_to_scipy():
    from scipy.stats import norm

    from python_impl.rrandom import _qnorm_scalar, qnorm

    p = np.concatenate([RRandom(3).runif(20000), [1e-300, 1e-20, 1e-12, 0.5, 1 - 1e-12, 0.0, 1.0]])
    got = qnorm(p)
    np.testing.assert_array_equal(got, [_qnorm_scalar(v) for v in p])  # vectorised == scalar port
    np.testing.assert_allclose(got[:-2], norm.ppf(p[:-2]), rtol=1e-14)  # AS 241 is ~1e-16 accurate
    assert got[-2] == -np.inf and got[-1] == np.inf
