"""Session fixtures for `pytest parity/`: each side runs once (and N times for the
distributions), lazily, only when a selected check needs it."""
import pytest


def pytest_addoption(parser):
    group = parser.getgroup("parity")
    group.addoption("--parity-seeds", type=int, default=None,
                    help="Python trainings for the distribution checks (default 200, batched fast trainer)")
    group.addoption("--parity-r-seeds", type=int, default=None, help="R runs for the distribution checks (default 10)")
    group.addoption("--parity-keras-seed", type=int, default=None, help="Keras seed shared by both sides (default 42)")


@pytest.fixture(scope="session")
def audit_ctx(request):
    from parity.context import DEFAULT_KERAS_SEED, DEFAULT_R_SEEDS, DEFAULT_SEEDS, AuditContext, AuditOptions

    seeds = request.config.getoption("--parity-seeds") or DEFAULT_SEEDS
    r_seeds = request.config.getoption("--parity-r-seeds") or DEFAULT_R_SEEDS
    keras_seed = request.config.getoption("--parity-keras-seed")
    return AuditContext(AuditOptions(keras_seed=DEFAULT_KERAS_SEED if keras_seed is None else keras_seed,
                                     seeds=seeds, r_seeds=r_seeds))
