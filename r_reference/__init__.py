"""The R side: any R script, run unmodified in a fresh R worker through rpy2, with the values of
R expressions evaluated in what it left (`run_script`).

`run_script` is imported lazily so that `import r_reference` works without R or rpy2. Nothing
here imports rpy2 or TensorFlow: R is embedded only in worker processes (`r_reference._worker`):
a fresh one per run, or a warm one (`r_reference.warm.WarmWorker`: R, rpy2 and TensorFlow
started once, reset to that start-up state after every run) when `run_script(worker=...)` is
given one, as `parity.executor` does.
"""
from r_reference.availability import APT_COMMAND, r_status  # noqa: F401
from r_reference.errors import (  # noqa: F401
    RReferenceError, RScriptError, RScriptQuit, RTimeoutError, RUnavailableError, RWorkerCrashed,
)


def run_script(*args, **kwargs):
    """See `r_reference.runner.run_script`."""
    from r_reference.runner import run_script as _run

    return _run(*args, **kwargs)
