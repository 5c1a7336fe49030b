"""One test per check of a case; the test id is the check's name (`pytest parity/ -k split_indices`).

`pytest parity/` runs the bundled case (cases/DEFAULT); `pytest parity/ --case FILE` runs another. PASS,
WARN (a documented divergence) and INFO pass; FAIL fails with the check's readable detail; SKIP
(e.g. no R) skips with the reason, which names the fix.
"""
from pathlib import Path

import pytest

from parity.pytest_plugin import case_context, check_outcome


def _case_file(config) -> Path:
    from parity.case import default_case_file

    return Path(config.getoption("--case") or default_case_file())


def pytest_generate_tests(metafunc):
    if "check_name" in metafunc.fixturenames:
        from parity.case import CaseError, load_case

        try:
            names = load_case(_case_file(metafunc.config)).check_names()
        except CaseError as e:
            raise pytest.UsageError(str(e)) from None
        metafunc.parametrize("check_name", names, ids=names)


def test_check(check_name, request):
    check_outcome(case_context(request.config, _case_file(request.config)), check_name)
