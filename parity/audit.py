"""The main job on one case: each side's checkpoints -> comparisons and diagnoses -> one report.

`run_audit(ctx)` returns the report as plain data (what report.json holds). Rows come in the
case's pipeline order: its checkpoints, then its distribution check, then its sections' checks.
Everything run-dependent but not result-dependent (times, versions, host) lives in `meta`, so a
seeded report is byte-identical between runs apart from `meta`.
"""
from __future__ import annotations

import platform
import time
from dataclasses import asdict

from parity.case import Case, load_callable
from parity.context import CaseContext
from parity.divergence import explain_failures
from parity.judge import judge
from parity.outcomes import CheckResult, SideFailed, SkipCheck, Status
from parity.values import plain

REPORT_VERSION = 2


def _fail_or_skip(name: str, e: Exception, tolerance: str = "", why: str = "", group: str = "") -> CheckResult:
    status = Status.SKIP if isinstance(e, SkipCheck) else Status.FAIL
    msg = str(e)
    lines = [ln.strip() for ln in msg.splitlines() if ln.strip()]
    first = " ".join(lines[:2])[:400] if lines else type(e).__name__  # where, and R's own message
    return CheckResult(name, status, tolerance=tolerance, why=why, group=group, detail=first,
                       difference="side unavailable" if status is Status.SKIP else "side failed",
                       data={"side_failed": status is Status.FAIL})


def checkpoint_values(ctx: CaseContext, names: list[str]) -> dict:
    """{name: (r_value, r_error, py_value, py_error)} for the checkpoints that can be computed;
    a side that is unavailable or failed raises (SkipCheck / SideFailed) per checkpoint later."""
    out = {}
    for cp in ctx.case.checkpoints:
        if cp.name not in names:
            continue
        try:
            rv, re_ = ctx.r_value(cp.name)
            if cp.stage:
                st = ctx.stage(cp.stage)
                pv, pe = st.values.get(cp.python), st.errors.get(cp.python)
                if pv is None and pe is None:
                    pe = f"stage {cp.stage!r} returned no {cp.python!r} (it returned: {', '.join(st.keys)})"
            else:
                pv, pe = ctx.py_value(cp.python)
        except (SkipCheck, SideFailed) as e:
            out[cp.name] = e
            continue
        out[cp.name] = (rv, re_, pv, pe)
    return out


def checkpoint_rows(ctx: CaseContext, names: list[str], on_result=None) -> list[CheckResult]:
    from parity.context import check_interrupted

    vals = checkpoint_values(ctx, names)
    check_interrupted()
    context = {n: (plain(v[0]), plain(v[2])) for n, v in vals.items()
               if isinstance(v, tuple) and v[0] is not None and v[2] is not None}
    rrun = ctx.cached("r")
    rows = []
    for cp in ctx.case.checkpoints:
        if cp.name not in vals:
            continue
        v = vals[cp.name]
        if isinstance(v, Exception):
            row = _fail_or_skip(cp.name, v, cp.tolerance.describe(), cp.why, cp.group)
        else:
            row = judge(cp, v[0], v[1], v[2], v[3], context=context)
        if rrun is not None:
            row.variable, row.line = _line(rrun, cp.name)
        rows.append(row)
        if on_result:
            on_result(row)
    return rows


def _line(rrun, name: str):
    """The script variable a checkpoint reads that was assigned last, and that line."""
    best = (None, None)
    for var in rrun.checkpoint_vars.get(name, []):
        lines = rrun.assignments.get(var) or []
        if lines and (best[1] is None or max(lines) > best[1]):
            best = (var, max(lines))
    return best


def distribution_row(ctx: CaseContext) -> CheckResult:
    from parity.distribution import judge_distributions

    d = ctx.case.distribution
    try:
        r_runs, py_runs = ctx.r_runs, ctx.py_runs
    except (SkipCheck, SideFailed) as e:
        return _fail_or_skip(d.name, e, group="distribution")
    seeded = ctx.options.distribution_seed is not None
    a = {m: [x[m] for x in r_runs] for m in d.metrics}
    b = {m: [x[m] for x in py_runs] for m in d.metrics}
    row = judge_distributions(d.name, a, b, d.metrics, d.alpha,
                              note=f" (R runs {'seeded' if seeded else 'unseeded'}; Python runs seeded 1..N)")
    row.group = "distribution"
    return row


def section_results(ctx: CaseContext, selected: set | None, reproduction: bool) -> tuple[list, dict]:
    """Run the case's sections: those whose checks are selected, and (with `reproduction`) the
    report sections. Returns (rows, {section name: report data})."""
    rows, reports = [], {}
    for s in ctx.case.sections:
        want_checks = [c for c in s.checks if selected is None or c in selected]
        if not want_checks and not (reproduction and s.report and selected is None):
            continue
        opts = {**s.options, **{k: v for k, v in ctx.options.section_options.items() if k in s.options}}
        t0 = time.perf_counter()
        try:
            out = load_callable(ctx.case, s.python)(ctx, opts) or {}
        except (SkipCheck, SideFailed) as e:
            out = {"checks": [_fail_or_skip(c, e) for c in s.checks]}
        except Exception as e:  # a section must never take the audit down; its rows say what broke
            out = {"checks": [CheckResult(c, Status.FAIL, detail=f"section {s.name} raised {type(e).__name__}: {e}")
                              for c in s.checks],
                   "report": {"error": f"{type(e).__name__}: {e}"}}
        ctx.stage_seconds[f"section:{s.name}"] = round(time.perf_counter() - t0, 3)
        got = {r.name: r for r in out.get("checks") or []}
        for c in want_checks:
            row = got.get(c) or CheckResult(c, Status.FAIL, detail=f"section {s.name} returned no row for {c!r}")
            row.group = row.group or s.name
            rows.append(row)
        if out.get("report") is not None and (reproduction or not s.report):
            reports[s.name] = {"python": s.python, "data": out["report"]}
    return rows, reports


def reproduction_section(ctx: CaseContext) -> dict | None:
    """Published values vs the distributions (generic: the case's [[published]] and runs)."""
    from parity.reproduction import build_reproduction

    case = ctx.case
    if not case.published:
        return None
    published = {p.checkpoint: {"value": p.value, "decimals": p.decimals, "label": p.label, "source": p.source}
                 for p in case.published}
    samples, errors = {}, {}
    for key, label in (("py", "Python"), ("r", "R")):
        try:
            runs = ctx.py_runs if key == "py" else ctx.r_runs
        except (SkipCheck, SideFailed) as e:
            errors[f"{key}_runs"] = str(e)
            continue
        if not runs:
            continue
        seeded = key == "py" or ctx.options.distribution_seed is not None
        entry = {"label": f"{label} ({len(runs)} {'seeded' if seeded else 'unseeded'} runs)",
                 "kind": key, "seeds": [x.get("seed") for x in runs]}
        if seeded:
            entry["command"] = "parity reproduce" + _case_arg(ctx) + (" --side r" if key == "r" else "") \
                + " --seed {seed}"
        for m in published:
            if all(m in x for x in runs):
                entry[m] = [x[m] for x in runs]
        samples[key] = entry
    seeded_values = {}
    for key, getter in (("r", ctx.r_value), ("py", None)):
        vals = {}
        for m in published:
            try:
                if key == "r":
                    v, e = ctx.r_value(m)
                else:
                    cp = case.checkpoint(m)
                    v, e = (ctx.stage(cp.stage).values.get(cp.python), None) if cp.stage else ctx.py_value(cp.python)
            except (SkipCheck, SideFailed):
                continue
            if e is None and v is not None:
                p = plain(v)
                try:
                    vals[m] = float(p if not hasattr(p, "reshape") else p.reshape(-1)[0])
                except (TypeError, ValueError, IndexError):
                    pass
        if vals:
            seeded_values[key] = vals
    out = build_reproduction(published, samples or None, seeded_values or None)
    out["unavailable"] = errors
    return out


def _case_arg(ctx: CaseContext) -> str:
    from parity.case import default_case_file

    try:
        same = ctx.case.file.resolve() == default_case_file().resolve()
    except OSError:
        same = False
    return "" if same else f" --case {ctx.case.file}"


def run_audit(ctx: CaseContext, only: list[str] | None = None, on_result=None, reproduction: bool | None = None) -> dict:
    """Run the checks (all, or those named in `only`) and return the report as plain data."""
    t0 = time.perf_counter()
    case = ctx.case
    reproduction = ctx.options.reproduction if reproduction is None else reproduction
    selected = set(only) if only else None
    names = [c.name for c in case.checkpoints if selected is None or c.name in selected]
    rows = checkpoint_rows(ctx, names, on_result)
    if case.distribution and (selected is None or case.distribution.name in selected):
        row = distribution_row(ctx)
        rows.append(row)
        if on_result:
            on_result(row)
    from parity.context import check_interrupted

    check_interrupted()
    sec_rows, sec_reports = section_results(ctx, selected, reproduction and selected is None)
    check_interrupted()
    for row in sec_rows:
        rows.append(row)
        if on_result:
            on_result(row)
    rrun = ctx.cached("r")
    first = explain_failures(rows, {c.name: c.after for c in case.checkpoints},
                             rrun.checkpoint_vars if rrun else {}, rrun.dependencies if rrun else {},
                             isolated=[c.name for c in case.checkpoints if c.stage])
    counts = {s.value: sum(r.status is s for r in rows) for s in Status}
    repro = reproduction_section(ctx) if reproduction and selected is None else None
    return {
        "report_version": REPORT_VERSION,
        "case": case_summary(case),
        "options": _options(ctx),
        "summary": {**counts, "exit_code": 1 if counts["FAIL"] else 0},
        "first_divergence": first,
        "checks": [r.to_jsonable() for r in rows],
        "runs": runs_summary(ctx),
        **({"reproduction": repro} if repro is not None else {}),
        "sections": sec_reports,
        "side_errors": ctx.side_errors(),
        "meta": {
            "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "elapsed_s": round(time.perf_counter() - t0, 3),
            "versions": versions(),
            "stage_seconds": dict(ctx.stage_seconds),
            "timings": {k: getattr(ctx.cached(k), "timings", None) for k in ("r",) if ctx.cached(k) is not None},
            "host": platform.node(),
            "case_file": str(case.file),
        },
    }


def case_summary(case: Case) -> dict:
    return {"name": case.name, "title": case.title, "description": case.description,
            "r_script": case.r_script.name, "python": case.python, "keras": case.keras, "seed": case.seed,
            "checkpoints": [c.name for c in case.checkpoints]}


def _options(ctx: CaseContext) -> dict:
    o = asdict(ctx.options)
    o["seed"] = ctx.seed
    o["python_runs"] = ctx.n_python_runs
    o["r_runs"] = ctx.n_r_runs
    o["data_path"] = ctx.data_path if ctx.options.data_path else None
    return o


def runs_summary(ctx: CaseContext) -> dict:
    """What each seeded run said besides its checkpoints (warnings, installs, the keras calls)."""
    out = {}
    r = ctx.cached("r")
    if r is not None:
        out["r"] = {"seed": r.seed, "warnings": sorted(set(r.warnings)),
                    "checkpoint_warnings": r.checkpoint_warnings,
                    "install_packages_calls": r.extra.get("install_packages_calls", []),
                    "keras_backend": r.extra.get("keras_backend"),
                    "keras_calls": r.extra.get("keras_calls", [])}
    py = ctx.cached("py")
    if py is not None:
        out["py"] = {"seed": py.seed, "keys": py.keys}
    return out


def versions() -> dict:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in ("numpy", "scipy", "pandas", "scikit-learn", "keras", "tensorflow-cpu", "tensorflow", "rpy2"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    try:
        from r_reference.availability import r_status, run_rscript

        if r_status().rscript:
            out["R"] = run_rscript('cat(as.character(getRversion()), as.character(packageVersion("pROC")), '
                                   'as.character(packageVersion("survival")))').strip()
    except Exception as e:  # versions are informative; never fail the audit over them
        out["R"] = f"unknown ({type(e).__name__})"
    return out


def run_check(ctx: CaseContext, name: str) -> CheckResult:
    """One check of the case by name (pytest runs them one by one; each side still runs once)."""
    case = ctx.case
    if name in {c.name for c in case.checkpoints}:
        return checkpoint_rows(ctx, [name])[0]
    if case.distribution and name == case.distribution.name:
        return distribution_row(ctx)
    rows, _ = section_results(ctx, {name}, reproduction=False)
    if rows:
        return rows[0]
    raise KeyError(f"case {case.name!r} has no check {name!r}")
