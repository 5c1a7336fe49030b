"""The R side: the article's R script run unmodified through rpy2, with checkpoints out.

`run_article` is imported lazily so that `import r_reference` works without R or rpy2.
Nothing here imports rpy2 or TensorFlow: R is embedded only in the worker process
(`r_reference._worker`), which `run_article` starts afresh for every run.
"""
from r_reference.availability import APT_COMMAND, r_status  # noqa: F401
from r_reference.errors import (  # noqa: F401
    RReferenceError, RScriptError, RScriptQuit, RTimeoutError, RUnavailableError, RWorkerCrashed,
)


def run_article(*args, **kwargs):
    """See `r_reference.runner.run_article`."""
    from r_reference.runner import run_article as _run

    return _run(*args, **kwargs)
