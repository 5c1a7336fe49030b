"""Session fixtures for `pytest parity/`: each side runs once (and N times for the
distributions), lazily, only when a selected check needs it."""
import pytest


def pytest_addoption(parser):
    group = parser.getgroup("parity")
    group.addoption("--parity-seeds", type=int, default=None, help="unseeded runs per side for metric_ranges (default 5)")
    group.addoption("--parity-keras-seed", type=int, default=None, help="Keras seed shared by both sides (default 42)")


@pytest.fixture(scope="session")
def audit_ctx(request):
    from parity.context import DEFAULT_KERAS_SEED, DEFAULT_SEEDS, AuditContext, AuditOptions

    seeds = request.config.getoption("--parity-seeds") or DEFAULT_SEEDS
    keras_seed = request.config.getoption("--parity-keras-seed")
    return AuditContext(AuditOptions(keras_seed=DEFAULT_KERAS_SEED if keras_seed is None else keras_seed, seeds=seeds))
