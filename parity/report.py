"""Report files: report.json (the data) and report.md (its rendering), written atomically so an
interrupted audit never leaves a half-written report (temp file in the same folder, then rename)."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

STATUS_ICON = {"PASS": "PASS", "FAIL": "**FAIL**", "WARN": "WARN", "SKIP": "SKIP"}


def to_json(report: dict) -> str:
    return json.dumps(report, indent=1, sort_keys=False, allow_nan=True) + "\n"


def _cell(s) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def to_markdown(report: dict) -> str:
    s = report["summary"]
    lines = [
        "# Parity audit: gbsg 1-D CNN, R (article script via rpy2) vs Python",
        "",
        f"**{s['PASS']} PASS, {s['WARN']} WARN, {s['FAIL']} FAIL, {s['SKIP']} SKIP** "
        f"(keras seed {report['options']['keras_seed']}, {report['options']['seeds']} Python trainings "
        f"({report['options'].get('trainer', 'keras')} trainer) and {report['options'].get('r_seeds', '-')} R runs "
        "for the distributions"
        f"{', R disabled' if not report['options']['use_r'] else ''}).",
        "",
        "| check | R | Python | difference | tolerance | status |",
        "|---|---|---|---|---|---|",
    ]
    for c in report["checks"]:
        lines.append("| " + " | ".join(_cell(x) for x in (c["name"], c["r_value"], c["py_value"], c["difference"],
                                                          c["tolerance"], STATUS_ICON[c["status"]])) + " |")
    lines += ["", "## Details", ""]
    for c in report["checks"]:
        lines.append(f"- **{c['name']}** ({c['status']}): {c['detail']}")
    pub = report["published"]
    lines += ["", "## Published vs these runs", "",
              f"The article reports test loss {pub['test_loss']}, accuracy {pub['test_accuracy']} "
              f"({pub['test_correct']}/{pub['n_test']}) and AUC {pub['auc']} from one unseeded run.", ""]
    runs = report.get("runs", {})
    for key, label in (("r", "R, seeded"), ("py", "Python, seeded")):
        if key in runs:
            r = runs[key]
            lines.append(f"- {label} (keras seed {r['keras_seed']}): loss {r['test_loss']:.7f}, accuracy "
                         f"{r['test_accuracy']:.7f}, AUC {r['auc']:.4f} (95% CI {r['auc_ci'][0]:.3f}-{r['auc_ci'][2]:.3f})")
    if report.get("side_errors"):
        lines += ["", "## Sides that did not run", ""]
        lines += [f"- {k}: {v}" for k, v in report["side_errors"].items()]
    warns = sorted({w for k in ("r", "py") if k in runs for w in runs[k]["warnings"]})
    if warns:
        lines += ["", "## Warnings raised by the subject", ""] + [f"- `{w}`" for w in warns]
    if "reproduction" in report:
        from parity.html_report import reproduction_markdown

        lines += ["", reproduction_markdown(report)]
    m = report["meta"]
    stages = m.get("stage_seconds") or {}
    lines += ["", "## Run metadata", "", f"- generated {m['generated_at']} in {m['elapsed_s']:.1f} s",
              *(["- time per stage: " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items())] if stages else []),
              "- versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()), ""]
    return "\n".join(lines)


def to_html(report: dict, r_plot_png: bytes | None = None) -> str:
    """report.html, with every figure drawn from the report's own numbers."""
    from parity.figures import figures_from_report
    from parity.html_report import render_html

    return render_html(report, figures_from_report(report), r_plot_png)


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
    if "reproduction" in report and "report.html" not in files:
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
