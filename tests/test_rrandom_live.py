"""RRandom against live R on freshly drawn random programs (new cases every run).

1,000 (seed, n, size / parameters) programs per function group: sample without and with
replacement (Rejection), sample.kind "Rounding", sample with prob (ProbSampleReplace, Walker's
alias method, ProbSampleNoReplace), runif, rnorm, rexp, rbinom, rpois; each call is followed by
runif(2) so the stream must continue exactly. 200 "interleaved" programs mix 2-7 calls and compare
R's .Random.seed afterwards. All programs run in ONE Rscript process
(scripts/regen_rng_reference.py: run_r). Tolerance: bit-identical (both sides perform the same
IEEE operations; R prints %.17g, which round-trips).
"""
import collections
import importlib.util
from pathlib import Path

import numpy as np
import pytest

_spec = importlib.util.spec_from_file_location(
    "regen_rng_reference", Path(__file__).resolve().parents[1] / "scripts" / "regen_rng_reference.py")
regen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regen)

PER_GROUP = 1000
INTERLEAVED = 200


@pytest.mark.requires_r
def test_rrandom_equals_live_r_on_1000_fresh_programs_per_function():
    g = np.random.default_rng()  # fresh cases each run: equality must hold in general
    singles = [x for x in regen.GROUPS if x != "interleaved"]
    progs = regen.draw_programs(g, PER_GROUP, singles) + regen.draw_programs(g, INTERLEAVED, ["interleaved"])
    want = regen.run_r(progs)
    failures = collections.defaultdict(list)
    checked = collections.Counter()
    for p in progs:
        checked[p["group"]] += 1
        try:
            diff = regen.first_difference(p, want[p["id"]], regen.run_python(p))
        except Exception as e:  # an exception is a difference too, reported with the program
            diff = f"{p['id']} ({regen.r_call_text(p)[:200]}): {type(e).__name__}: {e}"
        if diff:
            failures[p["group"]].append(diff)
    assert checked == {**{s: PER_GROUP for s in singles}, "interleaved": INTERLEAVED}
    assert not failures, "; ".join(f"{k}: {len(v)} of {checked[k]} differ, first: {v[0]}"
                                   for k, v in failures.items())
