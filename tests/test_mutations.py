"""Every check can FAIL: the mutation table. Each case's real R values (live R) and real port
values are judged as they are (PASS, or WARN for documented rows), then the Python value is
perturbed just beyond the checkpoint's tolerance (or, for a known divergence, made equal to R's,
which breaks its premise) and the row must FAIL. A checkpoint no perturbation can fail is a
defect; so is one whose unperturbed verdict is a FAIL.

Distribution checks are mutated in tests/test_engine.py (a shifted sample FAILs) and
tests/test_distribution.py; this file covers every checkpoint of the bundled cases."""
from __future__ import annotations

import numpy as np
import pytest

from parity.case import bundled_cases_dir, load_case
from parity.context import AuditOptions, CaseContext
from parity.judge import judge
from parity.outcomes import Status
from parity.values import Atomic, Factor, Frame, Record

pytestmark = pytest.mark.requires_r


def mutate(v, cp):
    """The smallest change of the first value that `cp`'s tolerance must catch."""
    t = cp.tolerance
    if isinstance(v, Record):
        items = list(v.items)
        n, x = items[0]
        items[0] = (n, mutate(x, cp))
        return Record(tuple(items), v.rclass, v.attrs)
    if isinstance(v, Frame):
        df = v.df.copy()
        col = df.columns[0]
        df[col] = [mutate(Atomic("double", np.asarray(df[col], float)), cp).data[0], *df[col].iloc[1:]]
        return Frame(df, v.row_names)
    if isinstance(v, Factor):
        codes = v.codes.copy()
        codes[0] = 1 + (codes[0] % len(v.levels))
        return Factor(codes, v.levels, v.names)
    data = v.data.copy()
    flat = data.reshape(-1)
    if v.kind == "character":
        flat[0] = str(flat[0]) + "x"
    elif v.kind in ("integer", "logical"):
        flat[0] = (not flat[0]) if v.kind == "logical" else flat[0] + 1
    else:
        x = float(flat[0])
        if t.kind == "abs":
            flat[0] = x + 2 * t.tol
        elif t.kind in ("rel", "close", "auto"):
            step = (t.tol or 1e-12) * 4 * max(abs(x), 1e-300) + (t.atol or 0) * 2
            flat[0] = x + step if np.isfinite(x) else 0.0
        else:
            flat[0] = np.nextafter(x, np.inf) if np.isfinite(x) else 0.0
    return Atomic(v.kind, data, na=v.na, names=v.names, dim=v.dim, dimnames=v.dimnames, attrs=v.attrs,
                  rclass=v.rclass, float32=v.float32, tz=v.tz)


def sides(case_name: str):
    case = load_case(bundled_cases_dir() / case_name / "case.toml")
    ctx = CaseContext(case, AuditOptions())
    out = {}
    for cp in case.checkpoints:
        rv, re_ = ctx.r_value(cp.name)
        if cp.stage:
            st = ctx.stage(cp.stage)
            pv, pe = st.values.get(cp.python), st.errors.get(cp.python)
        else:
            pv, pe = ctx.py_value(cp.python)
        assert re_ is None and pe is None, (cp.name, re_, pe)
        out[cp.name] = (cp, rv, pv)
    return out


@pytest.fixture(scope="module", params=["article", "glm_lung", "mlp_rotterdam"])
def case_sides(request):
    return request.param, sides(request.param)


def test_every_checkpoint_passes_as_is_and_fails_when_broken(case_sides):
    name, vals = case_sides
    table = []
    for cpname, (cp, rv, pv) in vals.items():
        row = judge(cp, rv, None, pv, None)
        if cp.tolerance.kind == "info":
            assert row.status is Status.INFO
            continue
        expected = Status.WARN if (cp.expect == "differ" or cp.note) else Status.PASS
        assert row.status is expected, (cpname, row.status, row.detail)
        broken = rv if cp.expect == "differ" else mutate(pv, cp)
        row2 = judge(cp, rv, None, broken, None)
        table.append((cpname, "made equal to R" if cp.expect == "differ" else f"beyond {cp.tolerance.describe()}",
                      row2.status.value))
        assert row2.status is Status.FAIL, (cpname, row2.difference, row2.detail)
    assert len(table) == sum(cp.tolerance.kind != "info" for cp, _, _ in vals.values()) >= 5, table
