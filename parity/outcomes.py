"""What a check can conclude (a leaf module: the engine, sections and renderers all import it)."""
from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field


class Status(str, enum.Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    WARN = "WARN"  # a documented, known divergence or caveat, reported with its size
    SKIP = "SKIP"  # an input is unavailable (no R, too few runs to judge): the reason says which
    INFO = "INFO"  # shown for reference (compare = "info"), never judged


STATUSES = tuple(s.value for s in Status)


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
    why: str = ""  # the reason for the tolerance
    group: str = ""
    line: int | None = None  # the script line that assigned the checkpoint's variable
    variable: str | None = None
    diagnosis: dict | None = None  # {id, title, evidence, fix, data} when a known trap explains it
    consequence_of: str | None = None  # the earlier failing checkpoint this one follows from
    notes: list = field(default_factory=list)

    def to_jsonable(self) -> dict:
        d = asdict(self)
        d["status"] = self.status.value
        return d


class SkipCheck(Exception):
    """Raised when an input a check needs is unavailable; the message is the reason (and the fix)."""


class SideFailed(Exception):
    """A side ran but failed (R script error, worker crash, timeout, port exception): its checks
    FAIL with this message."""
