"""The registry of named parity checks: each with a declared tolerance, its reason, and a status."""
from __future__ import annotations

import enum
import traceback
from dataclasses import asdict, dataclass, field
from typing import Callable


class Status(str, enum.Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    WARN = "WARN"  # a documented, known divergence, reported with its size
    SKIP = "SKIP"


@dataclass
class CheckResult:
    name: str
    status: Status
    r_value: str = ""
    py_value: str = ""
    difference: str = ""
    tolerance: str = ""
    detail: str = ""
    data: dict = field(default_factory=dict)  # numbers behind the row, for report.json

    def to_jsonable(self) -> dict:
        d = asdict(self)
        d["status"] = self.status.value
        return d


class SkipCheck(Exception):
    """Raised inside a check when an input it needs is unavailable; the message is the reason."""


@dataclass(frozen=True)
class Check:
    name: str
    group: str
    tolerance: str  # what "equal" means here
    reason: str  # why that tolerance (float32 vs float64, stochastic training, ...)
    needs: tuple  # context inputs: "r", "py", "r_runs", "py_runs"
    fn: Callable
    description: str


REGISTRY: dict[str, Check] = {}


def check(name: str, group: str, tolerance: str, reason: str, needs: tuple = ("r", "py")):
    """Register `fn(ctx) -> CheckResult` (status and values filled by the check)."""

    def deco(fn):
        if name in REGISTRY:
            raise ValueError(f"duplicate check name {name!r}")
        REGISTRY[name] = Check(name, group, tolerance, reason, needs, fn, (fn.__doc__ or "").strip())
        return fn

    return deco


def run_check(name: str, ctx) -> CheckResult:
    """Run one check. Unavailable input -> SKIP with the reason; a side that failed (R error,
    crash, timeout) -> FAIL with its message; a crash in the check itself -> FAIL with the error."""
    import parity.checks  # noqa: F401  (registers)
    from parity.context import SideFailed

    c = REGISTRY[name]
    try:
        for need in c.needs:
            ctx.require(need)
        res = c.fn(ctx)
    except SkipCheck as e:
        return CheckResult(name, Status.SKIP, tolerance=c.tolerance, detail=str(e))
    except SideFailed as e:
        return CheckResult(name, Status.FAIL, tolerance=c.tolerance, detail=str(e))
    except Exception as e:  # a check must never take the audit down; it reports what broke
        tb = traceback.extract_tb(e.__traceback__)[-1]
        return CheckResult(name, Status.FAIL, tolerance=c.tolerance,
                           detail=f"check raised {type(e).__name__}: {e} ({tb.filename.split('/')[-1]}:{tb.lineno})")
    res.name = name
    res.tolerance = res.tolerance or c.tolerance
    return res


def all_checks() -> list[Check]:
    import parity.checks  # noqa: F401  (registers)

    return list(REGISTRY.values())
