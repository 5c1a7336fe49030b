"""One checkpoint's verdict from its two values: pure (values in, a CheckResult out).

Status rules (the case's `expect`, `note` and `compare` decide):
  expect = "equal" (default): equal -> PASS (WARN with the note when the case documents a caveat);
                              different -> FAIL, with the diagnosis that explains it when one does.
  expect = "differ":          a known divergence. Different and explained (by the declared
                              `diagnosis`, when one is named) -> WARN with its size; equal, or not
                              explained by the declared trap -> FAIL (the premise no longer holds).
  compare = "info":           INFO, whatever the values.
  an R error, an unconvertible value or a key the port did not return -> FAIL naming it, never a
  crash and never `None` compared with something.
"""
from __future__ import annotations

from typing import Callable, Mapping

from parity.case import Checkpoint
from parity.compare import compare, render
from parity.outcomes import CheckResult, Status
from parity.values import plain

Diagnose = Callable[..., object]


def judge(cp: Checkpoint, r_value, r_error: str | None, py_value, py_error: str | None,
          context: Mapping[str, tuple] | None = None, diagnose: Diagnose | None = None) -> CheckResult:
    """The row for checkpoint `cp`. `context`: the other checkpoints' (R, Python) values (plain
    forms), for diagnoses that need them; `diagnose`: parity.diagnoses.diagnose (injectable)."""
    base = dict(tolerance=cp.tolerance.describe(), why=cp.why, group=cp.group)
    if r_error or py_error:
        parts = ([f"R: {r_error}"] if r_error else []) + ([f"Python: {py_error}"] if py_error else [])
        return CheckResult(cp.name, Status.FAIL, "error" if r_error else render(r_value),
                           "error" if py_error else render(py_value),
                           "R side error" if r_error and not py_error else
                           "Python side error" if py_error and not r_error else "both sides error",
                           detail="; ".join(parts), **base)
    c = compare(r_value, py_value, cp.tolerance)
    detail = c.detail + ("" if not c.notes else " (" + "; ".join(c.notes) + ")")
    row = CheckResult(cp.name, Status.PASS, render(r_value), render(py_value), c.difference, detail=detail,
                      data={"comparison": c.data, "path": c.path}, notes=list(c.notes), **base)
    if cp.tolerance.kind == "info":
        row.status = Status.INFO
        return row
    if cp.expect == "equal":
        if c.equal:
            if cp.note:
                row.status = Status.WARN
                row.detail = f"{cp.note} ({detail})"
            return row
        row.status = Status.FAIL
        d = _diagnose(diagnose, r_value, py_value, cp, context)
        if d is not None:
            row.diagnosis = d
        return row
    # a known divergence
    if c.equal:
        row.status = Status.FAIL
        row.detail = (f"documented divergence expected ({cp.why}), but the sides agree under "
                      f"{cp.tolerance.describe()}: the premise no longer holds; update the case")
        return row
    d = _diagnose(diagnose, r_value, py_value, cp, context, only=[cp.diagnosis] if cp.diagnosis else None)
    if cp.diagnosis and d is None:
        row.status = Status.FAIL
        row.detail = (f"expected the known trap {cp.diagnosis!r} to explain the difference exactly, and it does not: "
                      f"{detail}")
        return row
    row.status = Status.WARN
    row.tolerance = "documented divergence" + (f" ({cp.diagnosis})" if cp.diagnosis else "")
    row.diagnosis = d
    row.detail = f"documented divergence: {cp.why}. {detail}" + (f" Diagnosis: {d['evidence']}" if d else "")
    return row


def _diagnose(diagnose: Diagnose | None, r_value, py_value, cp: Checkpoint, context, only=None) -> dict | None:
    if diagnose is None:
        from parity.diagnoses import diagnose
    ctx = dict(context or {})
    ctx.pop(cp.name, None)
    try:
        d = diagnose(plain(r_value), plain(py_value), name=cp.name, context=ctx, only=only)
    except Exception as e:  # noqa: BLE001 - a diagnosis must never take a verdict down
        return {"id": "diagnosis_error", "title": "the diagnosis library raised", "evidence": f"{type(e).__name__}: {e}",
                "fix": "", "data": {}} if only else None
    return None if d is None else d.to_jsonable()
