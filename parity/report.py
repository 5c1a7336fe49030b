"""Report files: report.json (the data) and report.md (its rendering), written atomically so an
interrupted audit never leaves a half-written report (temp file in the same folder, then rename)."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

# every file a report folder may hold; a new report removes the ones it does not write, so a reused
# folder never mixes two runs
MANAGED_FILES = ("report.json", "report.md", "report.html", "r_plot.png", "r_roc.png")
STATUS_ICON = {"PASS": "PASS", "FAIL": "**FAIL**", "WARN": "WARN", "SKIP": "SKIP", "INFO": "INFO"}


def to_json(report: dict) -> str:
    return json.dumps(report, indent=1, sort_keys=False, allow_nan=True) + "\n"


def _cell(s) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def first_divergence_text(fd: dict | None) -> list[str]:
    """The first-divergence paragraph (markdown; the console prints the same lines)."""
    if not fd:
        return []
    where = f" (script line {fd['line']}, `{fd['variable']}`)" if fd.get("line") else ""
    out = [f"**First divergence: `{fd['checkpoint']}`**{where}: R {fd['r']} vs Python {fd['python']}: "
           f"{fd['difference']}."]
    d = fd.get("diagnosis")
    if d:
        out.append(f"Likely cause ({d['id']}): {d['title']}. {d['evidence']}" + (f" Fix: {d['fix']}" if d.get("fix") else ""))
    else:
        out.append(f"No known trap explains it exactly: {fd.get('detail', '')}")
    if fd.get("consequences"):
        out.append("Later failures that follow from it: " + ", ".join(f"`{c}`" for c in fd["consequences"]) + ".")
    if fd.get("independent_failures"):
        out.append("Failures not explained by it: " + ", ".join(f"`{c}`" for c in fd["independent_failures"]) + ".")
    return out


def to_markdown(report: dict) -> str:
    from parity.html_report import options_line, reproduction_markdown, section_renderer

    s = report["summary"]
    case = report.get("case") or {}
    lines = [f"# Parity audit: {case.get('title') or case.get('name')}", "",
             f"R script `{case.get('r_script')}` vs Python port `{case.get('python')}`.", "",
             f"**{s['PASS']} PASS, {s['WARN']} WARN, {s['FAIL']} FAIL, {s['SKIP']} SKIP"
             + (f", {s['INFO']} INFO" if s.get("INFO") else "") + f"** ({options_line(report)}).", ""]
    errs = {k: v for k, v in (report.get("side_errors") or {}).items() if k in ("r", "py", "r_runs", "py_runs")}
    if errs:
        lines += ["> **A side did not run.** " + " ".join(f"{k}: {v.splitlines()[0] if v else ''}" for k, v in errs.items()), ""]
    fd = first_divergence_text(report.get("first_divergence"))
    if fd:
        lines += [" ".join(fd), ""]
    lines += ["| check | line | R | Python | difference | tolerance | status |", "|---|---|---|---|---|---|---|"]
    for c in report["checks"]:
        lines.append("| " + " | ".join(_cell(x) for x in (c["name"], c.get("line") or "", c["r_value"], c["py_value"],
                                                          c["difference"], c["tolerance"], STATUS_ICON[c["status"]]))
                     + " |")
    lines += ["", "## Details", ""]
    for c in report["checks"]:
        extra = ""
        if c.get("diagnosis"):
            extra += f" Diagnosis `{c['diagnosis']['id']}`: {c['diagnosis']['evidence']}"
        if c.get("consequence_of"):
            extra += f" (follows from `{c['consequence_of']}`)"
        why = f" Tolerance: {c['tolerance']} ({c['why']})." if c.get("why") else ""
        lines.append(f"- **{c['name']}** ({c['status']}): {c['detail']}{extra}{why}")
    repro = reproduction_markdown(report)
    if repro:
        lines += ["", repro]
    for name, sec in (report.get("sections") or {}).items():
        fn = section_renderer(report, name, "markdown")
        if fn is not None:
            try:
                body = fn(sec.get("data") or {}, report)
            except Exception as e:  # noqa: BLE001 - a section's renderer never costs the whole report
                body = f"This section could not be rendered ({type(e).__name__}: {e}); its numbers are in report.json."
            lines += ["", f"## {name.replace('_', ' ').capitalize()}", "", body]
    runs = report.get("runs") or {}
    warns = (runs.get("r") or {}).get("warnings") or []
    if warns:
        lines += ["", "## Warnings raised by the R script", ""] + [f"- `{w}`" for w in warns]
    if report.get("side_errors"):
        lines += ["", "## Sides and runs that did not complete", ""]
        lines += [f"- {k}: {_cell(v)}" for k, v in report["side_errors"].items()]
    m = report["meta"]
    stages = m.get("stage_seconds") or {}
    lines += ["", "## Run metadata", "", f"- generated {m['generated_at']} in {m['elapsed_s']:.1f} s",
              *(["- time per stage: " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items())] if stages else []),
              f"- case file: {m.get('case_file', '')}",
              "- versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()), ""]
    return "\n".join(lines)


def to_html(report: dict, r_plot_png: bytes | None = None) -> str:
    """report.html, every figure drawn from the report's own numbers."""
    from parity.html_report import render_html

    return render_html(report, None, r_plot_png)


def write_report(report: dict, out_dir: Path, extra_files: dict[str, str | bytes] | None = None,
                 r_plot_png: bytes | None = None) -> list[Path]:
    """Stage every file under a temp name, then rename them all with SIGINT/SIGTERM deferred:
    readers see the previous complete report or the new complete one, never a mix or a torso.
    A rename that fails puts back the files already renamed; a signal that arrives during the
    renames is delivered once they are all done."""
    import shutil
    import signal
    import threading

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"report.json": to_json(report), "report.md": to_markdown(report), **(extra_files or {})}
    if "report.html" not in files:
        files["report.html"] = to_html(report, r_plot_png)
    staged: list[tuple[str, Path]] = []
    backups: dict[Path, Path | None] = {}  # final -> its previous version (None: there was none)
    pending: list[int] = []
    saved = {}
    try:
        for name, content in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir)
            staged.append((tmp, out_dir / name))
            data = content.encode("utf-8") if isinstance(content, str) else content
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; a report is meant to be read
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        # Python runs signal handlers in the main thread whichever OS thread took the signal
        # (pthread_sigmask would block only this thread; TF/JAX threads would still take it).
        if threading.current_thread() is threading.main_thread():
            for s in (signal.SIGINT, signal.SIGTERM):
                saved[s] = signal.signal(s, lambda signum, frame: pending.append(signum))
        for _, final in staged:
            bak = None
            if final.exists():
                bak = final.with_name(f".{final.name}.{os.getpid()}.bak")
                bak.unlink(missing_ok=True)
                try:
                    os.link(final, bak)
                except OSError:  # a file system without hard links
                    shutil.copy2(final, bak)
            backups[final] = bak
        done: list[Path] = []
        try:
            for tmp, final in staged:
                os.replace(tmp, final)
                done.append(final)
            # files an earlier report wrote that this one does not (e.g. R's plot after --no-r)
            for stale in MANAGED_FILES:
                if stale not in files:
                    (out_dir / stale).unlink(missing_ok=True)
        except BaseException:
            for final in reversed(done):  # put the previous report back
                bak = backups[final]
                if bak is None:
                    final.unlink(missing_ok=True)
                else:
                    os.replace(bak, final)
            raise
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        for bak in backups.values():
            if bak is not None:
                bak.unlink(missing_ok=True)
        for s, h in saved.items():
            signal.signal(s, h)
    if pending:
        signal.raise_signal(pending[0])  # the report is complete; now honour the interrupt
    return [final for _, final in staged]
