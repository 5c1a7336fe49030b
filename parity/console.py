"""What the audit shows on the terminal: progress while the sides run, then the first divergence
(at the top), the table and the summary."""
from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

STYLE = {"PASS": "green", "FAIL": "bold red", "WARN": "yellow", "SKIP": "dim", "INFO": "cyan"}


class AuditConsole:
    def __init__(self, quiet: bool = False, title: str = "R vs Python parity"):
        self.console = Console(stderr=False, highlight=False, width=None if sys.stdout.isatty() else 200)
        self.err = Console(stderr=True, highlight=False)
        self.quiet = quiet
        self.title = title
        self._progress = None
        self._tasks: dict[str, int] = {}

    def __enter__(self):
        if not self.quiet:
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=self.err, transient=False)
            self._progress.start()
        return self

    def __exit__(self, *exc):
        if self._progress:
            self._progress.stop()
        return False

    def progress(self, stage: str, done: int, total: int) -> None:
        if not self._progress:
            return
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.update(self._tasks[stage], completed=done, total=total)

    def result(self, res) -> None:
        if self._progress:
            self._progress.console.print(f"  [{STYLE[res.status.value]}]{res.status.value:4s}[/] {res.name}")

    def note(self, text: str) -> None:
        self.err.print(text, markup=False)

    def table(self, report: dict) -> None:
        from parity.report import first_divergence_text

        errs = {k: v for k, v in (report.get("side_errors") or {}).items() if k in ("r", "py", "r_runs", "py_runs")}
        for k, v in errs.items():  # once, here, not in every row
            self.console.print(f"[bold red]{k} did not run:[/] {v}", markup=True, highlight=False)
        fd = report.get("first_divergence")
        if fd:
            for line in first_divergence_text(fd):
                self.console.print(line.replace("**", ""), markup=False)
        t = Table(title=f"R vs Python parity: {self.title}", show_lines=False)
        longest = max((len(c["name"]) for c in report["checks"]), default=5)
        t.add_column("check", no_wrap=True, min_width=longest)  # names whole; the other columns wrap
        narrow = self.console.width < 110  # a narrow terminal: the tolerance is in the report files
        cols = ("R", "Python", "difference") if narrow else ("R", "Python", "difference", "tolerance")
        for col in cols:
            t.add_column(col, overflow="fold")
        t.add_column("status", no_wrap=True)
        for c in report["checks"]:
            diff = c["difference"] or (c["detail"] if c["status"] in ("SKIP", "FAIL") else "")
            if c.get("diagnosis") and c["status"] == "FAIL":
                diff += f" [{c['diagnosis']['id']}]"
            if c.get("consequence_of"):
                diff += f" (follows from {c['consequence_of']})"
            cells = [escape(c["name"]), escape(c["r_value"]), escape(c["py_value"]), escape(diff)]
            if not narrow:
                cells.append(escape(c["tolerance"]))
            t.add_row(*cells, f"[{STYLE[c['status']]}]{c['status']}[/]")
        self.console.print(t)
        s = report["summary"]
        self.console.print(f"{s['PASS']} PASS, {s['WARN']} WARN, {s['FAIL']} FAIL, {s['SKIP']} SKIP"
                           + (f", {s['INFO']} INFO" if s.get("INFO") else ""))
