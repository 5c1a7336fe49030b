"""Where the port first goes wrong, and which later failures follow from it (pure).

Checkpoints are in pipeline order (the case lists them so). The first FAILing checkpoint that no
earlier failure explains is the first divergence. A later failure is a *consequence* of an earlier one when the case declares it
(`after = [...]`, transitively) or when R's data flow says so: the script variables the later
checkpoint reads were computed, directly or through other variables, from a variable the earlier
one reads (the R worker records, for every top-level assignment, the variables its right-hand
side read), or both read the same variable.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from parity.outcomes import CheckResult, Status


def upstream(variables: Iterable[str], deps: Mapping[str, Iterable[str]]) -> set[str]:
    """Every variable the given ones were computed from (transitively), themselves included."""
    seen: set[str] = set()
    todo = list(variables)
    while todo:
        v = todo.pop()
        if v in seen:
            continue
        seen.add(v)
        todo.extend(deps.get(v, ()))
    return seen


def explain_failures(rows: list[CheckResult], after: Mapping[str, Iterable[str]],
                     reads: Mapping[str, Iterable[str]], deps: Mapping[str, Iterable[str]],
                     isolated: Iterable[str] = ()) -> dict | None:
    """Mark each later failure that follows from an earlier one (`row.consequence_of`) and return
    the first divergence as {checkpoint, r, python, difference, detail, diagnosis, line, variable,
    consequences} (None when nothing failed). `after`: the case's declared dependencies; `reads`:
    checkpoint -> script variables its R expression reads; `deps`: R's data flow; `isolated`:
    checkpoints whose Python value was computed from R's own values (a stage), which an upstream
    Python divergence cannot reach (only a declared `after` makes them consequences)."""
    # a row whose side did not run compares nothing: it is reported (once) as the side's failure
    failing = [r for r in rows if r.status is Status.FAIL and not (r.data or {}).get("side_failed")]
    if not failing:
        return None
    declared = {k: set(v) for k, v in after.items()}

    def declared_upstream(name: str) -> set[str]:
        out, todo = set(), list(declared.get(name, ()))
        while todo:
            n = todo.pop()
            if n not in out:
                out.add(n)
                todo.extend(declared.get(n, ()))
        return out

    isolated = set(isolated)
    roots: list[CheckResult] = []
    for row in failing:
        mine = set() if row.name in isolated else upstream(reads.get(row.name, ()), deps)
        cause = None
        for root in roots:
            if root.name in declared_upstream(row.name):
                cause = root
                break
            theirs = set(reads.get(root.name, ()))
            if theirs and (theirs & mine):
                cause = root
                break
        if cause is None:
            roots.append(row)
        else:
            row.consequence_of = cause.consequence_of or cause.name
    first = roots[0]
    return {
        "checkpoint": first.name, "r": first.r_value, "python": first.py_value, "difference": first.difference,
        "detail": first.detail, "diagnosis": first.diagnosis, "line": first.line, "variable": first.variable,
        "consequences": [r.name for r in failing if r.consequence_of == first.name],
        "independent_failures": [r.name for r in roots[1:]],
    }
