"""Errors of the R reference run. Every one says what happened and what to do about it."""
from __future__ import annotations

from r_reference.availability import APT_COMMAND, PIP_COMMAND

DIAGNOSE = "python -m rpy2.situation"


def _tail(text: str, n: int = 1500) -> str:
    text = text or ""
    return text if len(text) <= n else "..." + text[-n:]


def _rebuild(cls, message: str, state: dict):
    err = cls.__new__(cls)
    RuntimeError.__init__(err, message)
    err.__dict__.update(state)
    return err


class RReferenceError(RuntimeError):
    """Base class: the R reference run did not produce a result."""

    console: str = ""
    warnings: list = []

    def __reduce__(self):
        # The subclasses' __init__ take other arguments than the message: pickle (a run on a
        # Dask worker, or in a warm worker process) rebuilds them from message + attributes.
        return _rebuild, (type(self), str(self), dict(self.__dict__))


class RUnavailableError(RReferenceError):
    """R, its packages or rpy2 are missing, or rpy2 cannot load this R (version mismatch)."""

    def __init__(self, reason: str, fix: str | None = None):
        self.reason = reason
        self.fix = fix
        lines = [f"R reference unavailable: {reason}"]
        if fix:
            lines.append(f"  fix:              {fix}")
        else:
            lines += [f"  fix R (as root):  {APT_COMMAND}", f"  fix rpy2:         {PIP_COMMAND}"]
        lines.append(f"  diagnose:         {DIAGNOSE}")
        super().__init__("\n".join(lines))


class RScriptError(RReferenceError):
    """The R script raised an R error. Carries R's message and the failing call."""

    def __init__(self, r_message: str, call: str = "", line: int | None = None,
                 expression: str = "", traceback: list | None = None, console: str = "",
                 warnings: list | None = None, hint: str = "", kind: str = "error"):
        self.r_message = r_message
        self.call = call
        self.line = line
        self.expression = expression
        self.traceback = list(traceback or [])
        self.console = console
        self.warnings = list(warnings or [])
        self.hint = hint
        self.kind = kind  # "error" or "parse_error"
        where = f" at script line {line}" if line else ""
        first = expression.strip().splitlines()[0] if expression.strip() else ""
        if len(first) > 100:
            first = first[:97] + "..."
        what = "R could not parse the script" if kind == "parse_error" else "R error"
        msg = f"{what}{where}"
        if first:
            msg += f" in `{first}`"
        msg += ":\n  Error" + (f" in {call}" if call else "") + f" : {r_message}"
        if self.traceback:
            msg += "\n  R call stack (innermost last): " + " -> ".join(self.traceback[-4:])
        if hint:
            msg += f"\n  hint: {hint}"
        super().__init__(msg)


class RWorkerCrashed(RReferenceError):
    """The worker process running R ended without a result (crash, signal, or R's quit())."""

    def __init__(self, message: str, returncode: int | None = None, stderr: str = "", console: str = ""):
        self.returncode = returncode
        self.stderr = stderr
        self.console = console
        full = message
        if stderr.strip():
            full += f"\n  worker stderr (tail):\n{_tail(stderr.strip(), 1200)}"
        super().__init__(full)


class RScriptQuit(RWorkerCrashed):
    """The script called quit()/q(): the runner stops it there rather than let R end the worker."""

    def __init__(self, status: int, line: int | None, expression: str, console: str = ""):
        self.status = status
        self.line = line
        self.expression = expression
        where = f" at script line {line} (`{expression.strip().splitlines()[0]}`)" if expression.strip() else ""
        super().__init__(
            f"the R script called quit(status = {status}){where}; the R reference run ended there "
            "without the objects the checkpoints read. Remove the quit() call: the runner returns checkpoints "
            "only from a script that runs to its end.",
            returncode=None, console=console,
        )


class RTimeoutError(RReferenceError):
    """The run exceeded its time limit; the worker process was killed."""

    def __init__(self, timeout: float, console: str = "", elapsed: float | None = None):
        self.timeout = timeout
        self.elapsed = elapsed
        self.console = console
        msg = (f"the R reference run exceeded its timeout of {timeout:g} s"
               + (f" (killed after {elapsed:.1f} s)" if elapsed is not None else "")
               + "; the worker process was killed. If the script is just slow, raise the limit: "
               "`parity audit --r-timeout SEC`, or `timeout = SEC` in the case's [case] table.")
        if console.strip():
            msg += f"\n  R console so far (tail):\n{_tail(console.rstrip(), 800)}"
        super().__init__(msg)
