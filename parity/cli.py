"""`parity` command line. Exit codes: 0 every check PASS/WARN/SKIP/INFO, 1 any FAIL, 2 usage or
set-up error (one line on stderr, never a traceback), 130 interrupted.

    parity audit [--case FILE] [--out DIR] ...     the main job (default: the bundled case)
    parity checks [--case FILE]                    every check, its tolerance and why
    parity reproduce [--case FILE] --seed S        one run of a distribution, retrained
    parity init SCRIPT.R [--out DIR]               a starter case for your own script
"""
from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
MAX_SEEDS = 100_000


class UsageError(Exception):
    pass


def _int_in(name: str, lo: int, hi: int):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{name} must be between {lo} and {hi}, got {v}")
        return v
    return parse


def _nonempty_path(name: str):
    def parse(text: str) -> Path:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"{name} must not be empty")
        return Path(text)
    return parse


def _key_value(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--option takes KEY=VALUE, got {text!r}")
    k, v = text.split("=", 1)
    try:
        val: object = int(v)
    except ValueError:
        try:
            val = float(v)
        except ValueError:
            val = v
    return k.strip(), val


class _Parser(argparse.ArgumentParser):
    def __init__(self, *a, **kw):
        kw.setdefault("allow_abbrev", False)  # `--seed 3` must never be taken as `--seeds 3`
        super().__init__(*a, **kw)

    def error(self, message):  # usage errors: exit 2 with one line, as argparse does
        self.print_usage(sys.stderr)
        sys.stderr.write(f"parity: error: {message}\n")
        sys.exit(EXIT_USAGE)


def _version() -> str:
    import importlib.metadata as md

    try:
        dist = md.packages_distributions().get("parity", [None])[0]  # the distribution that ships parity
        return md.version(dist) if dist else "unknown"
    except md.PackageNotFoundError:
        return "unknown"


def build_parser(section_options=()) -> argparse.ArgumentParser:
    """The CLI; `section_options` (parity.case.SectionOption) of the case being audited become
    flags of `parity audit` (`--keras-runs N` for an option keras_runs), with their ranges."""
    p = _Parser(prog="parity", description="R-to-Python parity and validation harness: run an R script and its "
                "Python port, compare them checkpoint by checkpoint, say where and why they diverge")
    p.add_argument("--version", action="version", version=f"parity {_version()}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    case_help = "the case file (TOML); default: the bundled case (cases/DEFAULT names it)"

    a = sub.add_parser("audit", help="run both sides, compare checkpoint by checkpoint, write the report")
    a.add_argument("--case", type=_nonempty_path("--case"), default=None, help=case_help)
    a.add_argument("--out", type=_nonempty_path("--out"), default=Path("reports/latest"),
                   help="report folder (default reports/latest)")
    a.add_argument("--seed", "--keras-seed", dest="seed", type=_int_in("--seed/--keras-seed", 0, 2**31 - 1), default=None,
                   help="the shared seed (run(seed=S) and the bridge's Keras seed; default: the case's). Given "
                        "explicitly, the distribution runs are seeded from it too, so the report is reproducible")
    a.add_argument("--seeds", "--python-runs", dest="python_runs", type=_int_in("--seeds", 2, MAX_SEEDS),
                   default=None, help="Python runs for the distribution (default: the case's python_runs)")
    a.add_argument("--r-seeds", "--r-runs", dest="r_runs", type=_int_in("--r-seeds", 2, 10_000), default=None,
                   help="R runs for the distribution (default: the case's r_runs)")
    a.add_argument("--trainer", choices=("fast", "keras", "many", "run"), default="many",
                   help="Python distribution runs: the case's python_many (many, alias fast: a batched trainer) "
                        "or run() per seed (run, alias keras)")
    for o in section_options:
        flag = "--" + o.name.replace("_", "-")
        if isinstance(o.default, bool):
            kind = None
        elif isinstance(o.default, int):
            kind = _int_in(flag, o.min if o.min is not None else -2**63, o.max if o.max is not None else 2**63)
        else:
            kind = type(o.default)
        a.add_argument(flag, dest=f"section_{o.name}", type=kind, default=None, metavar=o.name.upper(),
                       help=f"the case's section option {o.name}" + (f": {o.help}" if o.help else "")
                            + f" (default {o.default})")
    a.add_argument("-o", "--option", action="append", type=_key_value, default=[], metavar="KEY=VALUE",
                   help="set an option of the case's sections (repeatable)")
    a.add_argument("--no-reproduction", action="store_true",
                   help="only the checks: no published-values report and no report sections")
    a.add_argument("--data", type=_nonempty_path("--data"), default=None,
                   help="the data file for the case's [data] block (both sides read it)")
    a.add_argument("--no-r", action="store_true", help="Python side only; R checks are SKIPPED with the reason")
    a.add_argument("--r-timeout", type=_int_in("--r-timeout", 5, 24 * 3600), default=None,
                   help="seconds one R run may take (default: the case's timeout)")
    a.add_argument("--only", action="append", default=None, metavar="CHECK",
                   help="run only this check and what it needs (repeatable)")
    a.add_argument("--quiet", action="store_true", help="no progress display")
    a.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="where the run sets run: local (default; threads driving warm worker processes) or dask "
                        "(a Dask cluster: --scheduler ADDRESS, else a LocalCluster of --workers processes)")
    a.add_argument("--workers", type=_int_in("--workers", 1, 1024), default=None,
                   help="worker processes for the run sets (default: the number of cores)")
    a.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --executor dask)")
    a.add_argument("--fresh-workers", action="store_true",
                   help="a new process for every run (the old behaviour: R and TensorFlow start for each run)")

    c = sub.add_parser("checks", help="list the case's checks with their tolerances and reasons")
    c.add_argument("--case", type=_nonempty_path("--case"), default=None, help=case_help)

    r = sub.add_parser("reproduce", help="retrain one run of a distribution and print its metrics")
    r.add_argument("--case", type=_nonempty_path("--case"), default=None, help=case_help)
    r.add_argument("--seed", type=_int_in("--seed", 0, 2**31 - 1), required=True,
                   help="the run's seed, as the report's witness list gives it")
    r.add_argument("--side", choices=("python", "r"), default="python",
                   help="python: the port (python_many, as the distribution ran it); r: the R script with this seed")
    r.add_argument("--trainer", choices=("fast", "keras", "many", "run"), default="many",
                   help="python side: python_many (many/fast) or run() (run/keras)")
    r.add_argument("--data", type=_nonempty_path("--data"), default=None, help="the data file for the case's [data]")

    i = sub.add_parser("init", help="run an R script once and write a starter case (case.toml + port.py)")
    i.add_argument("script", type=_nonempty_path("SCRIPT"), help="the R script")
    i.add_argument("--out", type=_nonempty_path("--out"), default=None,
                   help="folder for case.toml and port.py (default: the script's folder)")
    i.add_argument("--keras", action="store_true", help="answer library(keras) with the rpy2 bridge")
    i.add_argument("--force", action="store_true", help="overwrite an existing case.toml / port.py")
    i.add_argument("--r-timeout", type=_int_in("--r-timeout", 5, 24 * 3600), default=600)
    return p


def _case_options(argv: list[str]) -> tuple:
    """The section options of the case `parity audit` will run (its --case, or the default), so
    that they become flags; () when the case cannot be read (the audit then reports why)."""
    if not argv or argv[0] != "audit":
        return ()
    case = None
    for i, a in enumerate(argv):
        if a == "--case" and i + 1 < len(argv):
            case = argv[i + 1]
        elif a.startswith("--case="):
            case = a.split("=", 1)[1]
    from parity.case import CaseError, default_case_file

    try:
        c = _read_case(str(case if case else default_case_file()))
    except (CaseError, OSError):
        return ()
    return tuple(o for s in c.sections for o in s.option_specs)


def _sigterm_as_interrupt(signum, frame):
    from parity.context import INTERRUPTED

    INTERRUPTED.set()
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    import signal

    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)  # same clean exit path as Ctrl-C
    signal.signal(signal.SIGINT, _sigterm_as_interrupt)
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(_case_options(argv)).parse_args(argv)
    try:
        if args.command == "checks":
            return _list_checks(args)
        if args.command == "reproduce":
            return _reproduce(args)
        if args.command == "init":
            return _init(args)
        return _audit(args)
    except UsageError as e:
        print(f"parity: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("parity: interrupted; nothing half-written: the previous report (if any) is left intact, "
              "unless the new one was already complete and being put in place", file=sys.stderr)
        return 130


@functools.lru_cache(maxsize=4)
def _read_case(path: str):
    """One read of a case file per command (the flags and the audit both need it)."""
    from parity.case import load_case

    return load_case(path)


def _load(case_arg):
    from parity.case import CaseError, default_case_file

    try:
        return _read_case(str(case_arg if case_arg is not None else default_case_file()))
    except CaseError as e:
        raise UsageError(str(e)) from None


def _list_checks(args) -> int:
    case = _load(args.case)
    print(f"{case.name}: {case.title}")
    for cp in case.checkpoints:
        kind = "known divergence" if cp.expect == "differ" else cp.tolerance.describe()
        print(f"  {cp.name:32s} {cp.group or '-':12s} {kind} ({cp.why})")
    if case.distribution:
        d = case.distribution
        print(f"  {d.name:32s} {'distribution':12s} Mann-Whitney over {', '.join(d.metrics)} at family-wise "
              f"alpha {d.alpha:g} ({d.r_runs} R runs, {d.python_runs} Python runs)")
    for s in case.sections:
        for name in s.checks:
            print(f"  {name:32s} {s.name:12s} (section {s.python})")
    return EXIT_OK


def _check_out_dir(out: Path) -> None:
    """Before any run: the report folder must be creatable and writable."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a directory")
    parent = next(a for a in [out, *out.absolute().parents] if a.exists())
    if not parent.is_dir():
        raise UsageError(f"--out {out}: {parent} is a file, not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: {parent} is not writable")
    if str(out.absolute()).startswith("/proc/") or str(out.absolute()).startswith("/sys/"):
        raise UsageError(f"--out {out}: not a place for files (a kernel file system)")


def _validate_data(case, data: Path | None, use_r: bool = True) -> str | None:
    """--data against the case: it must have a [data] block, the file must exist and pass the
    case's validator. Returns the path to use (or None)."""
    if data is None:
        return None
    if case.data is None:
        raise UsageError(f"--data {data}: the case {case.name!r} has no [data] block (its R script reads its own data)")
    if data.is_dir():
        raise UsageError(f"--data {data}: {data} is a directory, not a data file")
    if not data.exists():
        raise UsageError(f"--data {data}: file not found")
    if case.data.validate:
        from parity.case import load_callable

        try:
            load_callable(case, case.data.validate)(str(data))
        except ValueError as e:
            raise UsageError(str(e)) from None
    if use_r and case.data.r_check:
        _r_preflight(case, data)
    return str(data)


def _r_preflight(case, data: Path) -> None:
    """Read the file the way the script will (bound in R by read.csv) and run the case's R check:
    what R cannot use is a usage error before any run, in R's own words."""
    from r_reference.availability import r_status

    if not r_status().ok:
        return  # no R: the R checks are SKIPPED anyway; the Python validator decided
    from r_reference.errors import RReferenceError, RScriptError
    from r_reference.runner import run_script

    try:
        run_script(case.data.r_check, bindings={case.data.r_name: str(data)}, keras_backend="none", timeout=120)
    except RScriptError as e:
        raise UsageError(f"--data {data}: R cannot use this file for the script: {e.r_message}") from None
    except RReferenceError as e:
        raise UsageError(f"--data {data}: the R pre-flight did not run: {str(e).splitlines()[0]}") from None


def _check_keras_backend(case) -> None:
    """KERAS_BACKEND must name an installed backend before any Keras import (one error, not 5 FAILs)."""
    want = os.environ.get("KERAS_BACKEND")
    if not want:
        return
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch", "numpy": "numpy"}.get(want)
    import importlib.util

    if module is None:
        raise UsageError(f"KERAS_BACKEND={want!r} is not a Keras backend (tensorflow, jax, torch, numpy); unset it")
    if importlib.util.find_spec(module) is None:
        raise UsageError(f"KERAS_BACKEND={want!r} but {module} is not installed here; unset KERAS_BACKEND (the "
                         "default, tensorflow, is installed) or install it")


def _audit(args) -> int:
    from parity.context import AuditOptions, CaseContext

    case = _load(args.case)
    names = case.check_names()
    for n in args.only or []:
        if n not in names:
            import difflib

            near = difflib.get_close_matches(n, names, n=1)
            raise UsageError(f"unknown check {n!r}" + (f"; did you mean {near[0]!r}?" if near else "")
                             + f"; `parity checks{' --case ' + str(args.case) if args.case else ''}` lists them")
    data = _validate_data(case, args.data, use_r=not args.no_r)
    _check_out_dir(args.out)
    _check_keras_backend(case)
    section_options = dict(args.option)
    section_options.update({k[len("section_"):]: v for k, v in vars(args).items()
                            if k.startswith("section_") and v is not None})
    known = {k for s in case.sections for k in s.options}
    for k in section_options:
        if k not in known:
            raise UsageError(f"--option {k}: no section of case {case.name!r} takes it"
                             + (f" (its options: {', '.join(sorted(known))})" if known else " (it has no options)"))
    opts = AuditOptions(seed=args.seed, python_runs=args.python_runs, r_runs=args.r_runs, use_r=not args.no_r,
                        data_path=data, r_timeout=None if args.r_timeout is None else float(args.r_timeout),
                        distribution_seed=args.seed, use_many=args.trainer in ("many", "fast"),
                        reproduction=not args.no_reproduction, section_options=section_options)
    from parity.console import AuditConsole

    ui = AuditConsole(quiet=args.quiet, title=case.title)
    ctx = CaseContext(case, opts, progress=ui.progress)
    reason = ctx.r_unavailable_reason() if opts.use_r else None
    if reason:
        ui.note(f"R side unavailable: {reason}. R checks will be SKIPPED; pass --no-r to silence this.")
    elif opts.use_r and case.r_packages:
        from r_reference.availability import missing_r_packages

        missing = missing_r_packages(case.r_packages)
        if missing:
            raise UsageError(f"the case needs R package(s) {', '.join(missing)}, which R here lacks; install them "
                             f"(Debian: apt-get install {' '.join('r-cran-' + m.lower() for m in missing)}) or pass --no-r")
    from parity.audit import run_audit
    from parity.report import write_report

    from parity.context import check_interrupted

    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler ADDRESS needs --executor dask")
    from parity.executor import ExecutorError, make_executor

    preload = (("r",) if opts.use_r and not reason else ()) + (("keras",) if case.keras else ())
    try:
        ctx.executor = make_executor(args.executor, workers=args.workers, scheduler=args.scheduler,
                                     fresh_workers=args.fresh_workers, preload=preload,
                                     r_namespaces=case.r_packages if "r" in preload else ())
    except ExecutorError as e:
        raise UsageError(str(e)) from None
    ctx.executor.prestart()  # the workers warm up (R, TensorFlow) while this process starts the Python side
    if not args.only:
        ctx.prefetch()  # the R runs start now and run beside the Python side
    with ctx.executor, ui:
        report = run_audit(ctx, only=args.only, on_result=ui.result)
    check_interrupted()  # an interrupt a library swallowed: still no report
    png = ctx.r_plot_png()
    try:
        paths = write_report(report, args.out, extra_files={"r_plot.png": png} if png else None, r_plot_png=png)
    except OSError as e:
        raise UsageError(f"cannot write the report to {args.out}: {e.strerror or e}; "
                         "the previous report (if any) is left intact") from None
    ui.table(report)
    ui.note("report: " + ", ".join(str(p) for p in paths))
    return EXIT_FAIL if report["summary"]["FAIL"] else EXIT_OK


def _reproduce(args) -> int:
    """One run, as a distribution drew it: prints the metrics the report lists for that seed."""
    from parity.context import AuditOptions, CaseContext
    from parity.outcomes import SideFailed, SkipCheck

    case = _load(args.case)
    if case.distribution is None:
        raise UsageError(f"case {case.name!r} has no [distribution]: nothing to reproduce")
    data = _validate_data(case, args.data)
    d = case.distribution
    keep = tuple(d.metrics) + tuple(d.collect)
    use_many = args.trainer in ("many", "fast")
    if args.side == "r" and args.trainer != "many":
        raise UsageError("--trainer applies to the Python side only; drop it with --side r")
    ctx = CaseContext(case, AuditOptions(seed=args.seed, python_runs=1, r_runs=1, data_path=data,
                                         distribution_seed=args.seed - 1, use_many=use_many))
    try:
        if args.side == "r":
            if ctx.r_unavailable_reason():
                raise UsageError(ctx.r_unavailable_reason())
            run = ctx.r_runs[0]
            label = f"R ({case.r_script.name}), seed {args.seed}"
        else:
            run = ctx.py_runs[0]
            via = "python_many" if use_many and d.python_many else "run()"
            label = f"Python ({via}), seed {args.seed}"
    except (SkipCheck, SideFailed) as e:
        raise UsageError(str(e)) from None
    pub = {p.checkpoint: p for p in case.published}
    parts = []
    for m in keep:
        v = run[m]
        p = pub.get(m)
        shown = f"{v:.7g}" if p is None or p.decimals is None else f"{round(v, p.decimals):.{p.decimals}f} ({v:.7g})"
        parts.append(f"{m} {shown}")
    print(f"{label}: " + ", ".join(parts))
    return EXIT_OK


def _init(args) -> int:
    from parity.init import InitError, init_case

    try:
        written = init_case(args.script, out=args.out, keras=args.keras, force=args.force, timeout=args.r_timeout)
    except InitError as e:
        raise UsageError(str(e)) from None
    for p in written:
        print(f"wrote {p}")
    print(f"next: fill in port.py, then `parity audit --case {written[0]}`")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
