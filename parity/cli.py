"""`parity` command line. Exit codes: 0 every check PASS/WARN, 1 any FAIL, 2 usage or set-up error.
Errors are one readable line on stderr, never a traceback."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
MAX_SEEDS = 100_000


class UsageError(Exception):
    pass


def _positive_int(name: str, lo: int, hi: int):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{name} must be between {lo} and {hi}, got {v}")
        return v
    return parse


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: exit 2 with one line, as argparse does, plus a hint
        self.print_usage(sys.stderr)
        sys.stderr.write(f"parity: error: {message}\n")
        sys.exit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="parity", description="R-to-Python parity harness for the gbsg 1-D CNN article")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    a = sub.add_parser("audit", help="run both sides, compare checkpoint by checkpoint, write the report")
    a.add_argument("--seeds", type=_positive_int("--seeds", 2, MAX_SEEDS), default=None,
                   help="Python trainings for the distributions (default 200)")
    a.add_argument("--r-seeds", type=_positive_int("--r-seeds", 2, 10_000), default=None,
                   help="R-driven runs for the distributions (default 10; ~7 s each)")
    a.add_argument("--split-seeds", type=_positive_int("--split-seeds", 2, 10_000), default=None,
                   help="set.seed values for the split-variance comparison (default 30)")
    a.add_argument("--keras-runs", type=_positive_int("--keras-runs", 2, 10_000), default=None,
                   help="unseeded Keras fits the fast trainer's distribution is checked against (default 30)")
    a.add_argument("--trainer", choices=("fast", "keras"), default="fast",
                   help="Python distribution trainer: the batched fast trainer (default) or Keras fit")
    a.add_argument("--no-reproduction", action="store_true",
                   help="only the parity checks: no distributions report, baselines or figures")
    a.add_argument("--keras-seed", type=_positive_int("--keras-seed", 0, 2**31 - 1), default=None,
                   help="Keras weight seed shared by both sides for the paired checks (default 42); "
                        "given explicitly, the distribution runs are seeded from it too, so the report is reproducible")
    a.add_argument("--out", type=Path, default=Path("reports/latest"), help="report folder (default reports/latest)")
    a.add_argument("--data", type=Path, default=None, help="a gbsg-like CSV instead of the bundled survival::gbsg")
    a.add_argument("--no-r", action="store_true", help="Python side only; R checks are SKIPPED with the reason")
    a.add_argument("--r-timeout", type=_positive_int("--r-timeout", 5, 24 * 3600), default=600,
                   help="seconds one R run may take (default 600)")
    a.add_argument("--only", action="append", default=None, metavar="CHECK", help="run only this check (repeatable)")
    a.add_argument("--quiet", action="store_true", help="no progress display")
    sub.add_parser("checks", help="list the checks with their tolerances and reasons")
    rp = sub.add_parser("reproduce", help="retrain one run of a distribution and print its figures")
    rp.add_argument("--seed", type=_positive_int("--seed", 0, 2**31 - 1), required=True)
    rp.add_argument("--trainer", choices=("fast", "keras"), default="fast")
    rp.add_argument("--side", choices=("python", "r"), default="python",
                    help="r: the article's R script through rpy2 with this Keras seed")
    rp.add_argument("--split-seed", type=_positive_int("--split-seed", 0, 2**31 - 1), default=123)
    rp.add_argument("--data", type=Path, default=None)
    return p


def _sigterm_as_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    import signal

    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)  # same clean exit path as Ctrl-C
    try:
        if args.command == "checks":
            return _list_checks()
        if args.command == "reproduce":
            return _reproduce(args)
        return _audit(args)
    except UsageError as e:
        print(f"parity: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("parity: interrupted; nothing half-written: the previous report (if any) is left intact, "
              "unless the new one was already complete and being put in place", file=sys.stderr)
        return 130


def _list_checks() -> int:
    from parity.registry import all_checks

    for c in all_checks():
        print(f"{c.name:32s} {c.group:13s} tolerance: {c.tolerance} ({c.reason})")
    return EXIT_OK


def _reproduce(args) -> int:
    """One run, as a distribution drew it: prints what the report lists for that seed."""
    from python_impl.data import DataError

    data = None
    if args.data is not None:
        from python_impl.data import load_gbsg

        try:
            data = load_gbsg(args.data)
        except DataError as e:
            raise UsageError(str(e)) from None
    if args.side == "r":
        from r_reference import run_article
        from r_reference.errors import RReferenceError

        try:
            res = run_article(seed=args.seed, data=str(args.data) if args.data else None)
        except RReferenceError as e:
            raise UsageError(str(e)) from None
        acc, loss, auc, n = res.test_accuracy, res.test_loss, res.auc, len(res.test_indices)
        label = f"R via rpy2, keras seed {args.seed}"
    else:
        from parity import runs

        fn = runs.fast_runs if args.trainer == "fast" else runs.keras_runs
        m = fn([args.seed], data=data, split_seed=args.split_seed)[0]
        acc, loss, auc, n = m.test_accuracy, m.test_loss, m.auc, len(m.test_labels)
        label = f"Python, {args.trainer} trainer, seed {args.seed}, split seed {args.split_seed}"
    print(f"{label}: test loss {loss:.7f}, accuracy {acc:.7f} ({round(acc * n)}/{n}), AUC {auc:.3f} ({auc:.6f})")
    return EXIT_OK


def _check_out_dir(out: Path) -> None:
    """Before any run: the report folder must be creatable and writable. A file among its parents
    or a read-only place would otherwise surface only after the whole audit, as a traceback."""
    parent = next(a for a in [out, *out.absolute().parents] if a.exists())
    if not parent.is_dir():
        raise UsageError(f"--out {out}: {parent} is a file, not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: {parent} is not writable")


def _audit(args) -> int:
    from python_impl.data import DataError

    from parity.context import (DEFAULT_KERAS_RUNS, DEFAULT_KERAS_SEED, DEFAULT_R_SEEDS, DEFAULT_SEEDS,
                                DEFAULT_SPLIT_SEEDS, AuditContext, AuditOptions)
    from parity.registry import all_checks

    names = {c.name for c in all_checks()}
    for n in args.only or []:
        if n not in names:
            raise UsageError(f"unknown check {n!r}; `parity checks` lists them")
    if args.data is not None:
        from python_impl.data import load_gbsg

        try:
            load_gbsg(args.data)  # validate before any run: a bad file is a usage error, not a FAIL
        except DataError as e:
            raise UsageError(str(e)) from None
    out = args.out
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a directory")
    _check_out_dir(out)
    opts = AuditOptions(
        keras_seed=DEFAULT_KERAS_SEED if args.keras_seed is None else args.keras_seed,
        seeds=DEFAULT_SEEDS if args.seeds is None else args.seeds,
        r_seeds=DEFAULT_R_SEEDS if args.r_seeds is None else args.r_seeds,
        split_seeds=DEFAULT_SPLIT_SEEDS if args.split_seeds is None else args.split_seeds,
        keras_runs=DEFAULT_KERAS_RUNS if args.keras_runs is None else args.keras_runs,
        trainer=args.trainer,
        use_r=not args.no_r,
        data_path=str(args.data) if args.data else None,
        r_timeout=float(args.r_timeout),
        distribution_seed=args.keras_seed,
    )
    from parity.console import AuditConsole

    ui = AuditConsole(quiet=args.quiet)
    ctx = AuditContext(opts, progress=ui.progress)
    if opts.use_r and ctx.r_unavailable_reason():
        ui.note(f"R side unavailable: {ctx.r_unavailable_reason()}. R checks will be SKIPPED; "
                "pass --no-r to silence this.")
    from parity.audit import run_audit
    from parity.report import write_report

    with ui:
        report = run_audit(ctx, only=args.only, on_result=ui.result, reproduction=not args.no_reproduction)
    ui.note("rendering the report")
    png = ctx.r_plot_png()
    try:
        paths = write_report(report, out, extra_files={"r_roc.png": png} if png else None, r_plot_png=png)
    except OSError as e:
        raise UsageError(f"cannot write the report to {out}: {e.strerror or e}; "
                         "the previous report (if any) is left intact") from None
    ui.table(report)
    ui.note("report: " + ", ".join(str(p) for p in paths))
    return EXIT_FAIL if report["summary"]["FAIL"] else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
