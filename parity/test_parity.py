"""One test per registered check; the test id is the check's name (`pytest parity/ -k split_indices`).

PASS and WARN (a documented divergence) pass; FAIL fails with the check's readable detail;
SKIP (e.g. no R) skips with the reason, which names the fix.
"""
import pytest

from parity.registry import Status, all_checks, run_check

CHECKS = all_checks()


@pytest.mark.parametrize("name", [c.name for c in CHECKS], ids=[c.name for c in CHECKS])
def test_check(name, audit_ctx):
    res = run_check(name, audit_ctx)
    if res.status is Status.SKIP:
        pytest.skip(f"{name}: {res.detail}")
    assert res.status in (Status.PASS, Status.WARN), (
        f"{name} {res.status.value}: R={res.r_value} | Python={res.py_value} | diff={res.difference} "
        f"| tolerance={res.tolerance} | {res.detail}")
