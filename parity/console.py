"""What the audit shows on the terminal: progress while the sides run, then the table."""
from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

STYLE = {"PASS": "green", "FAIL": "bold red", "WARN": "yellow", "SKIP": "dim"}


class AuditConsole:
    def __init__(self, quiet: bool = False):
        self.console = Console(stderr=False, highlight=False, width=None if sys.stdout.isatty() else 200)
        self.err = Console(stderr=True, highlight=False)
        self.quiet = quiet
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
        t = Table(title="R vs Python parity (gbsg 1-D CNN)", show_lines=False)
        for col in ("check", "R", "Python", "difference", "tolerance", "status"):
            t.add_column(col, overflow="fold")
        for c in report["checks"]:
            diff = c["difference"] or (c["detail"] if c["status"] in ("SKIP", "FAIL") else "")
            t.add_row(c["name"], c["r_value"], c["py_value"], diff, c["tolerance"],
                      f"[{STYLE[c['status']]}]{c['status']}[/]")
        self.console.print(t)
        s = report["summary"]
        self.console.print(f"{s['PASS']} PASS, {s['WARN']} WARN, {s['FAIL']} FAIL, {s['SKIP']} SKIP")
