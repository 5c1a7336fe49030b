"""The main job: run every registered check over one context and assemble the report dict."""
from __future__ import annotations

import platform
import time
from dataclasses import asdict

from parity.context import AuditContext
from parity.registry import Status, all_checks, run_check

PUBLISHED = {"test_loss": 0.6172654, "test_accuracy": 0.6442308, "test_correct": 67, "n_test": 104, "auc": 0.717}
REPORT_VERSION = 1


def run_audit(ctx: AuditContext, only: list[str] | None = None, on_result=None,
              reproduction: bool = True) -> dict:
    """Run the checks (all, or those named in `only`) and return the report as plain data.
    Everything run-dependent but not result-dependent (times, versions) lives in `meta`."""
    t0 = time.perf_counter()
    results = []
    for c in all_checks():
        if only and c.name not in only:
            continue
        res = run_check(c.name, ctx)
        results.append(res)
        if on_result:
            on_result(res)
    counts = {s.value: sum(r.status is s for r in results) for s in Status}
    repro = None
    if reproduction:
        from parity.reproduction_audit import reproduction_section

        repro = reproduction_section(ctx, PUBLISHED)
    report = {
        "report_version": REPORT_VERSION,
        "subject": "gbsg 1-D CNN article (R keras via rpy2 bridge) vs native Python/Keras",
        "published": PUBLISHED,
        "options": {k: v for k, v in asdict(ctx.options).items()},
        "summary": {**counts, "exit_code": 1 if counts["FAIL"] else 0},
        "checks": [r.to_jsonable() for r in results],
        "runs": _runs(ctx),
        **({"reproduction": repro} if repro is not None else {}),
        "side_errors": ctx.side_errors(),
        "meta": {
            "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "elapsed_s": round(time.perf_counter() - t0, 3),
            "versions": versions(),
            "timings": _timings(ctx),
            "stage_seconds": dict(ctx.stage_seconds),
            "host": platform.node(),
        },
    }
    return report


def _summary(res) -> dict:
    return {
        "side": res.side, "keras_seed": res.keras_seed,
        "test_loss": res.test_loss, "test_accuracy": res.test_accuracy, "auc": res.auc,
        "auc_ci": list(res.auc_ci), "best_threshold": res.best_threshold,
        "roc_direction": res.roc_direction, "warnings": sorted(set(res.warnings)),
    }


def _runs(ctx: AuditContext) -> dict:
    return {key: _summary(res) for key in ("py", "r") if (res := ctx.cached(key)) is not None}


def _timings(ctx: AuditContext) -> dict:
    return {key: res.timings for key in ("py", "r") if (res := ctx.cached(key)) is not None}


def versions() -> dict:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in ("numpy", "scipy", "scikit-learn", "keras", "tensorflow-cpu", "tensorflow", "rpy2"):
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
