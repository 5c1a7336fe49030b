"""Is R usable here, and if not, what exactly to do about it."""
from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass

R_PACKAGES = "r-base-core r-base-dev r-cran-survival r-cran-proc r-cran-magrittr"
APT_COMMAND = f"apt-get install -y --no-install-recommends {R_PACKAGES}"
PIP_COMMAND = "pip install 'rpy2==3.5.17'  (or: pip install -e '.[r]')"


@dataclass(frozen=True)
class RStatus:
    rscript: bool  # R itself, with survival and pROC
    rpy2: bool  # rpy2 importable and able to start this R
    reason: str  # why not, naming the fix ("" when everything works)

    @property
    def ok(self) -> bool:
        return self.rscript and self.rpy2


@functools.lru_cache(maxsize=1)
def r_status() -> RStatus:
    """Probe R (subprocess) and rpy2 (import only; R is embedded in the worker, not here)."""
    if not shutil.which("Rscript"):
        return RStatus(False, False, f"R is not installed; as root run: {APT_COMMAND}")
    probe = subprocess.run(
        ["Rscript", "-e", "suppressMessages({library(survival); library(pROC); library(magrittr)}); cat('ok')"],
        capture_output=True, text=True, timeout=120,
    )
    if probe.stdout.strip() != "ok":
        return RStatus(False, False, "R lacks survival/pROC/magrittr "
                       f"({probe.stderr.strip().splitlines()[-1:]}); as root run: {APT_COMMAND}")
    try:
        import rpy2  # noqa: F401
        from rpy2 import situation  # noqa: F401
    except Exception as e:  # ImportError or a broken build
        return RStatus(True, False, f"rpy2 is not importable ({type(e).__name__}: {e}); {PIP_COMMAND}")
    return RStatus(True, True, "")


def run_rscript(code: str, timeout: float = 120) -> str:
    """Run R code with Rscript and return its stdout (raises with R's stderr on failure).

    The code goes through a temporary file: `Rscript -e` silently runs nothing (exit 0) when
    the expression is longer than ~10,000 characters.
    """
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write(code + "\n")
        path = fh.name
    try:
        proc = subprocess.run(["Rscript", "--vanilla", path], capture_output=True, text=True, timeout=timeout)
    finally:
        import os

        os.unlink(path)
    if proc.returncode != 0:
        raise RuntimeError(f"Rscript failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def missing_r_packages(packages) -> list[str]:
    """The R packages (of `packages`) this R cannot load; [] when all load (or R is absent:
    r_status() reports that)."""
    pk = [p for p in packages if p]
    if not pk or not shutil.which("Rscript"):
        return []
    code = ("pk <- c(" + ", ".join(repr(str(p)) for p in pk) + "); "
            "cat(pk[!vapply(pk, requireNamespace, TRUE, quietly = TRUE)], sep = '\\n')")
    try:
        out = run_rscript(code, timeout=120)
    except (RuntimeError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def temp_prefix(kind: str) -> str:
    """The prefix of this process's temporary folders: `r_reference_<pid>_<kind>_`, so that a
    later run can remove what a killed one left (`clean_stale_temp`)."""
    import os

    return f"r_reference_{os.getpid()}_{kind}_"


def clean_stale_temp() -> int:
    """Remove the temporary folders of R-side processes that no longer exist (a SIGKILLed audit
    cannot clean up after itself). Returns how many were removed; never raises."""
    import os
    import re
    import shutil
    import tempfile
    from pathlib import Path

    removed = 0
    try:
        entries = list(Path(tempfile.gettempdir()).glob("r_reference_*"))
    except OSError:
        return 0
    for d in entries:
        m = re.match(r"r_reference_(\d+)_", d.name)
        if not m or not d.is_dir():
            continue
        pid = int(m.group(1))
        try:
            os.kill(pid, 0)
            continue  # alive (or not ours to judge)
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed += 1
    return removed
