"""pytest plugin (entry point `pytest11: parity`): case files as test files, one test per check.

    pytest parity/                        the bundled case (parity/test_parity.py)
    pytest parity/ --case my/case.toml    another case, one test per checkpoint (ids = names)
    pytest my_tests/                      collects every `case.toml` / `*.case.toml` found there
                                          (ini option `parity_case_files` changes the patterns)

PASS, WARN (a documented divergence) and INFO pass; FAIL fails with the row's readable detail
(and its diagnosis); SKIP skips with the reason (no R: the install command). Each side runs once
per case and session, lazily, only for the checks selected (`-k split_indices`).
"""
from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

DEFAULT_PATTERNS = ["case.toml", "*.case.toml"]


def pytest_addoption(parser):
    group = parser.getgroup("parity")
    group.addoption("--case", action="store", default=None, metavar="FILE",
                    help="the case file `pytest parity/` runs (default: the bundled case)")
    group.addoption("--parity-seeds", type=int, default=None, help="Python runs for the distribution check")
    group.addoption("--parity-r-seeds", type=int, default=None, help="R runs for the distribution check")
    group.addoption("--parity-seed", "--parity-keras-seed", dest="parity_seed", type=int, default=None,
                    help="the shared seed (default: the case's)")
    group.addoption("--parity-no-r", action="store_true", default=False, help="skip the R side")
    parser.addini("parity_case_files", type="args", default=DEFAULT_PATTERNS,
                  help="file name patterns of case files collected as tests")


def case_context(config, case_file):
    """One lazily-run CaseContext per case file and session."""
    from parity.case import load_case
    from parity.context import AuditOptions, CaseContext

    key = str(Path(case_file).resolve())
    cache = config.stash.setdefault(_CTX, {})
    if key not in cache:
        case = load_case(case_file)
        cache[key] = CaseContext(case, AuditOptions(
            seed=config.getoption("parity_seed"), python_runs=config.getoption("--parity-seeds"),
            r_runs=config.getoption("--parity-r-seeds"), use_r=not config.getoption("--parity-no-r"),
            distribution_seed=config.getoption("parity_seed")))
    return cache[key]


_CTX = pytest.StashKey[dict]()


class CheckFailed(AssertionError):
    pass


def check_outcome(ctx, name: str):
    """Run one check and turn its status into pytest's outcome."""
    from parity.audit import run_check
    from parity.outcomes import Status

    row = run_check(ctx, name)
    if row.status is Status.SKIP:
        pytest.skip(f"{name}: {row.detail}")
    if row.status is Status.FAIL:
        diag = f" | diagnosis {row.diagnosis['id']}: {row.diagnosis['evidence']}" if row.diagnosis else ""
        raise CheckFailed(f"{name} FAIL: R={row.r_value} | Python={row.py_value} | diff={row.difference} "
                          f"| tolerance={row.tolerance} | {row.detail}{diag}")
    return row


def pytest_collect_file(file_path: Path, parent):
    patterns = parent.config.getini("parity_case_files") or DEFAULT_PATTERNS
    if file_path.suffix == ".toml" and any(fnmatch.fnmatch(file_path.name, p) for p in patterns):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self):
        from parity.case import CaseError, load_case

        try:
            case = load_case(self.path)
        except CaseError as e:
            raise self.CollectError(str(e)) from None
        for name in case.check_names():
            yield CheckItem.from_parent(self, name=name)


class CheckItem(pytest.Item):
    def runtest(self):
        check_outcome(case_context(self.config, self.parent.path), self.name)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"{self.parent.path.name}::{self.name}"


class CollectError(Exception):
    pass


CaseFile.CollectError = pytest.Collector.CollectError
