"""The two sides' runs of one case, computed lazily and once: a check (or a pytest selection)
triggers only the runs it needs. This is the I/O edge of the engine: the R worker and the port
are reached only from here; everything downstream takes values and returns values.

Sections (a case's analysis plug-ins) receive this context and use its public surface:
`case`, `options`, `py` / `r` (the seeded runs), `py_runs` / `r_runs` (the distributions),
`stage(name)`, `data_path`, `section_option(name, default)`, `once(key, make)` and
`staged(key, label, total, make)` (cached, timed, with progress), `r_plot_png()`.
"""
from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from parity.case import Case, load_callable
from parity.outcomes import SideFailed, SkipCheck
from parity.values import Unconvertible, from_python, plain, to_python


# Set by the CLI's SIGINT/SIGTERM handler. The handler also raises KeyboardInterrupt, but a library
# with a bare `except:` (some optional imports have one) can swallow that; every stage boundary
# checks this flag, so an interrupt always ends the audit before any report is written.
INTERRUPTED = threading.Event()


def check_interrupted() -> None:
    if INTERRUPTED.is_set():
        raise KeyboardInterrupt("interrupted")


@dataclass
class AuditOptions:
    seed: int | None = None  # the shared seed of the paired runs; None: the case's [case] seed
    python_runs: int | None = None  # None: the case's [distribution] python_runs
    r_runs: int | None = None  # None: the case's [distribution] r_runs
    use_r: bool = True
    data_path: str | None = None  # None: the case's [data] path
    r_timeout: float | None = None  # None: the case's timeout
    # Python distribution runs are always seeded (base + 1 + i) so each one can be retrained with
    # `parity reproduce --seed`. R runs are unseeded (each a fresh draw, as the script is) unless
    # distribution_seed is given: then both are seeded from it and the report is reproducible.
    distribution_seed: int | None = None
    use_many: bool = True  # the case's python_many for the Python distribution (else run() per seed)
    reproduction: bool = True  # the published-values report and the case's report sections
    section_options: dict = field(default_factory=dict)

    def py_seed(self, i: int) -> int:
        return (self.distribution_seed or 0) + 1 + i

    def run_seed(self, i: int) -> int | None:
        return None if self.distribution_seed is None else self.distribution_seed + 1 + i


@dataclass
class PyRun:
    """The port's seeded run: every returned key in the value model, or why it could not be."""

    values: dict
    errors: dict
    keys: list
    seed: int | None
    seconds: float
    raw: Any = None


def _where(e: BaseException) -> str:
    tb = traceback.extract_tb(e.__traceback__)
    if not tb:
        return ""
    f = tb[-1]
    return f" ({Path(f.filename).name}:{f.lineno})"


def _r_side_outcome(e: Exception) -> Exception:
    """What an R run's exception means for the checks: R unavailable -> SKIP (the reason names the
    fix); any other failure (script error, crash, timeout, a runner bug) -> FAIL with its message."""
    from r_reference.errors import RReferenceError, RUnavailableError

    if isinstance(e, RUnavailableError):
        return SkipCheck(str(e))
    if isinstance(e, RReferenceError):
        return SideFailed(f"R side failed: {e}")
    return SideFailed(f"R side failed: the R runner raised {type(e).__name__}: {e}{_where(e)}")


def default_r_runner(**kw):
    from r_reference.runner import run_script

    return run_script(**kw)


@dataclass
class CaseContext:
    case: Case
    options: AuditOptions = field(default_factory=AuditOptions)
    progress: Callable[[str, int, int], None] | None = None  # (stage, done, total)
    python_fn: Callable | None = None  # replaces the case's `python` callable (tests)
    r_runner: Callable = default_r_runner  # replaces r_reference.runner.run_script (tests, replays)
    _cache: dict = field(default_factory=dict)  # key -> ("ok", value) | ("err", SkipCheck/SideFailed)
    stage_seconds: dict = field(default_factory=dict)
    # where R runs and map_runs() run (parity.executor); None: the process's shared local executor.
    # Not an AuditOptions field: report.json records options, and must not depend on the executor.
    executor: Any = None
    _prefetched: dict = field(default_factory=dict)  # key -> (tasks, parity.executor.Batch) started early

    # -- mechanics ------------------------------------------------------------------------------
    @property
    def seed(self) -> int | None:
        return self.options.seed if self.options.seed is not None else self.case.seed

    @property
    def data_path(self) -> str | None:
        if self.options.data_path:
            return self.options.data_path
        return str(self.case.data.path) if self.case.data and self.case.data.path else None

    @property
    def r_timeout(self) -> float:
        return float(self.options.r_timeout or self.case.timeout)

    def section_option(self, name: str, default=None):
        return self.options.section_options.get(name, default)

    def r_unavailable_reason(self) -> str | None:
        if not self.options.use_r:
            return "R side disabled (--no-r)"
        if self.r_runner is not default_r_runner:
            return None  # an injected R side needs no local R
        from r_reference.availability import r_status

        st = r_status()
        return None if st.ok else st.reason

    def once(self, key: str, make: Callable):
        """`make()` the first time `key` is asked for; later calls return (or re-raise) that."""
        if key not in self._cache:
            try:
                self._cache[key] = ("ok", make())
            except (SkipCheck, SideFailed) as e:
                self._cache[key] = ("err", e)
        kind, val = self._cache[key]
        if kind == "err":
            raise val
        return val

    def staged(self, key: str, label: str, total: int, make: Callable):
        """`once(key)` shown as `label` with progress; `make(tick)` may report `tick(done)`."""
        def run():
            def tick(done):
                check_interrupted()
                if self.progress:
                    self.progress(label, done, total)
            t0 = time.perf_counter()
            tick(0)
            try:
                out = make(tick)
            finally:
                self.stage_seconds[key] = round(time.perf_counter() - t0, 3)
            tick(total)
            return out
        return self.once(key, run)

    def cached(self, key: str):
        v = self._cache.get(key)
        return v[1] if v and v[0] == "ok" else None

    def side_errors(self) -> dict:
        return {k: str(v[1]) for k, v in self._cache.items() if v[0] == "err"}

    # -- the Python side --------------------------------------------------------------------------
    def _python(self) -> Callable:
        if self.python_fn is not None:
            return self.python_fn
        return load_callable(self.case, self.case.python)

    def _py_kwargs(self) -> dict:
        if self.case.data is not None and self.data_path is not None:
            return {self.case.data.python_arg: self.data_path}
        return {}

    def _call_port(self, fn: Callable, what: str, *args, **kw):
        try:
            out = fn(*args, **kw)
        except (SkipCheck, SideFailed):
            raise
        except Exception as e:
            raise SideFailed(f"Python port {what} raised {type(e).__name__}: {e}{_where(e)}") from None
        return out

    @property
    def py(self) -> PyRun:
        """The port's run with the shared seed: `run(seed=S, [data=...])`."""
        def make(tick):
            t0 = time.perf_counter()
            fn = self._python()
            out = self._call_port(fn, f"{self.case.python}(seed={self.seed!r})", seed=self.seed, **self._py_kwargs())
            wanted = {c.python for c in self.case.checkpoints if c.stage is None}
            return self._normalise(out, f"port {self.case.python}", time.perf_counter() - t0, wanted, self.seed)
        return self.staged("py", "Python run (seeded)", 1, make)

    def _normalise(self, out, what: str, seconds: float, wanted=None, seed=None) -> PyRun:
        """A port's (or a stage's) mapping in the value model: the `wanted` keys (all when None),
        each converted on its own, so one key that cannot be read or converted is that
        checkpoint's error only."""
        if hasattr(out, "checkpoints") and callable(out.checkpoints):
            out = out.checkpoints()
        if not hasattr(out, "keys") or not hasattr(out, "__getitem__"):
            raise SideFailed(f"Python {what} returned {type(out).__name__}, not a mapping of checkpoint "
                             "name -> value (return a dict)")
        keys = [str(k) for k in out.keys()]
        values, errors = {}, {}
        for k in keys:
            if wanted is not None and k not in wanted:
                continue
            try:
                raw = out[k]
            except NotImplementedError as e:
                errors[k] = str(e)
                continue
            except Exception as e:  # a lazily computed value that raised: this checkpoint's error only
                errors[k] = f"reading {k!r} raised {type(e).__name__}: {e}{_where(e)}"
                continue
            try:
                values[k] = from_python(raw)
            except Unconvertible as e:
                errors[k] = f"the Python value of {k!r} is {e}"
        return PyRun(values, errors, keys, seed, seconds, raw=out)

    def py_value(self, python_key: str):
        """(value, error) of one key of the seeded Python run."""
        py = self.py
        if python_key in py.errors:
            return None, py.errors[python_key]
        if python_key not in py.values:
            near = ", ".join(sorted(py.keys)[:8])
            return None, (f"the port returned no {python_key!r} (it returned: {near}"
                          f"{', ...' if len(py.keys) > 8 else ''})")
        return py.values[python_key], None

    def stage(self, name: str) -> dict:
        """A stage's Python values, computed from R's values of its inputs."""
        st = self.case.stages[name]

        def make(tick):
            r = self.r
            kwargs = {}
            for arg, ref in st.inputs.items():
                if ref in r.errors:
                    raise SideFailed(f"stage {name!r} needs R's {ref!r}, which failed: {r.errors[ref]}")
                kwargs[arg] = to_python(r.values[ref])
            fn = load_callable(self.case, st.python)
            out = self._call_port(fn, f"stage {st.python}", **kwargs)
            return self._normalise(out, f"stage {st.python}", 0.0)
        return self.staged(f"stage:{name}", f"Python stage {name} (on R's values)", 1, make)

    # -- the R side -------------------------------------------------------------------------------
    def _bindings(self) -> dict:
        if self.case.data is not None and self.case.data.r_name and self.data_path:
            return {self.case.data.r_name: self.data_path}
        return {}

    def _executor(self):
        if self.executor is None:
            from parity.executor import default_executor

            self.executor = default_executor()
        return self.executor

    def map_runs(self, key: str, label: str, fn: Callable, items, **kwargs) -> list:
        """`fn(item, **kwargs)` for every item, in parallel on the executor's worker processes;
        staged as `key` (cached, timed, progress as items finish); results in item order. `fn`: a
        module-level function of the case's folder or of an importable module; items and kwargs
        picklable (a data path, not a DataFrame, is cheapest)."""
        from parity.executor import portable

        items = list(items)
        f = portable(fn, self.case)
        return self.staged(key, label, len(items), lambda tick: self._executor().map(f, items, progress=tick, **kwargs))

    def _r_task(self, seed, checkpoints: dict, plot: bool = False):
        from parity.executor import RTask

        return RTask(script=str(self.case.r_script), checkpoints=dict(checkpoints), seed=seed,
                     keras_backend="auto" if self.case.keras else "none", bindings=self._bindings(),
                     timeout=self.r_timeout, want_plot=plot)

    def prefetch(self) -> None:
        """Start the R runs a full audit needs (the seeded run, then the distribution's) on the
        executor now, so that they run while this process does the Python side."""
        if self.r_runner is not default_r_runner or self.r_unavailable_reason():
            return
        want = [("r", [self._r_task(self.seed, self.case.r_expressions(), plot=True)])]
        d = self.case.distribution
        if d is not None and self.n_r_runs:
            exprs = self.case.r_expressions(tuple(d.metrics) + tuple(d.collect))
            want.append(("r_runs", [self._r_task(self.options.run_seed(i), exprs) for i in range(self.n_r_runs)]))
        for key, tasks in want:
            if key not in self._cache and key not in self._prefetched:
                self._prefetched[key] = (tasks, self._executor().submit(tasks))

    def _r_results(self, tasks: list, tick=None, key: str | None = None) -> list:
        """R runs through the executor (warm worker processes); R's errors as the side's errors."""
        try:
            pre = self._prefetched.pop(key, None) if key else None
            if pre is not None and pre[0] == tasks:
                return pre[1].results(tick)
            return self._executor().run_r(tasks, progress=tick)
        except Exception as e:
            raise _r_side_outcome(e) from None

    def _run_r(self, seed, checkpoints: dict, plot: bool = False):
        if self.r_runner is default_r_runner:
            res = self._r_results([self._r_task(seed, checkpoints, plot)], key="r" if plot else None)[0]
            if plot:
                self._cache["r_plot_png"] = ("ok", res.extra.pop("plot_png", None))
            return res
        try:  # an injected runner (tests, replays): called here, in this process
            return self.r_runner(script=self.case.r_script, checkpoints=checkpoints, seed=seed,
                                 keras_backend="auto" if self.case.keras else "none", bindings=self._bindings(),
                                 timeout=self.r_timeout)
        except Exception as e:
            raise _r_side_outcome(e) from None

    def _no_r(self, key: str) -> None:
        """Without R the R stages are SKIPPED before they start (no progress line for them)."""
        reason = self.r_unavailable_reason()
        if reason:
            def skip():
                raise SkipCheck(reason)
            self.once(key, skip)

    @property
    def r(self):
        """The R script's run with the shared seed (the bridge seeds Keras), every checkpoint read."""
        self._no_r("r")

        def make(tick):
            return self._run_r(self.seed, self.case.r_expressions(), plot=True)
        return self.staged("r", "R run (seeded)", 1, make)

    def r_value(self, name: str):
        r = self.r
        if name in r.errors:
            return None, r.errors[name]
        if name not in r.values:
            return None, f"R returned no value for {name!r}"
        return r.values[name], None

    def r_plot_png(self) -> bytes | None:
        return self.cached("r_plot_png")

    # -- the distributions ------------------------------------------------------------------------
    @property
    def n_python_runs(self) -> int:
        d = self.case.distribution
        return self.options.python_runs if self.options.python_runs is not None else (d.python_runs if d else 0)

    @property
    def n_r_runs(self) -> int:
        d = self.case.distribution
        return self.options.r_runs if self.options.r_runs is not None else (d.r_runs if d else 0)

    @property
    def py_runs(self) -> list[dict]:
        """`python_runs` seeded runs of the port: [{"seed": s, metric: float, ...}]."""
        d = self.case.distribution
        if d is None:
            raise SkipCheck("the case has no [distribution]")
        seeds = [self.options.py_seed(i) for i in range(self.n_python_runs)]
        many = d.python_many if (d.python_many and self.options.use_many) else None

        def make(tick):
            if many:
                fn = load_callable(self.case, many)
                outs = self._call_port(fn, f"{many}({len(seeds)} seeds)", seeds, **self._py_kwargs())
                outs = list(outs)
                if len(outs) != len(seeds):
                    raise SideFailed(f"{many} returned {len(outs)} results for {len(seeds)} seeds")
            else:
                fn = self._python()
                outs = []
                for i, s in enumerate(seeds):
                    tick(i)
                    outs.append(self._call_port(fn, f"{self.case.python}(seed={s})", seed=s, **self._py_kwargs()))
            keep = tuple(d.metrics) + tuple(d.collect)
            return [dict(_metrics(o, keep, f"Python run seed {s}"), seed=s) for s, o in zip(seeds, outs)]
        label = f"Python runs ({'python_many' if many else 'run() per seed'})"
        return self.staged("py_runs", label, len(seeds), make)

    @property
    def r_runs(self) -> list[dict]:
        """`r_runs` R runs (unseeded unless distribution_seed), in parallel on the executor."""
        d = self.case.distribution
        if d is None:
            raise SkipCheck("the case has no [distribution]")
        keep = tuple(d.metrics) + tuple(d.collect)
        exprs = self.case.r_expressions(keep)
        self._no_r("r_runs")

        def make(tick):
            out = []
            seeds = [self.options.run_seed(i) for i in range(self.n_r_runs)]
            if self.r_runner is default_r_runner:
                results = self._r_results([self._r_task(s, exprs) for s in seeds], tick, key="r_runs")
            else:  # an injected runner runs here, one run after the other
                results = []
                for i, s in enumerate(seeds):
                    tick(i)
                    results.append(self._run_r(s, exprs))
            for i, (seed, res) in enumerate(zip(seeds, results)):
                errs = {k: v for k, v in res.errors.items() if k in keep}
                if errs:
                    raise SideFailed(f"R run {i + 1}: " + "; ".join(f"{k}: {v}" for k, v in errs.items()))
                out.append(dict(_metrics(res.values, keep, f"R run {i + 1}"), seed=seed))
            return out
        seeded = "seeded" if self.options.distribution_seed is not None else "unseeded"
        return self.staged("r_runs", f"R runs ({seeded})", self.n_r_runs, make)


def _metrics(out, metrics, what: str) -> dict:
    """The metric values of one run as floats (a run's metric must be one number)."""
    res = {}
    for m in metrics:
        try:
            v = out[m]
        except (KeyError, TypeError):
            raise SideFailed(f"{what} returned no {m!r}") from None
        val = from_python(v) if not hasattr(v, "plain") else v
        p = plain(val)
        try:
            arr = [float(x) for x in (p.values() if isinstance(p, dict) else
                                      (p.reshape(-1) if hasattr(p, "reshape") else [p]))]
        except (TypeError, ValueError):
            raise SideFailed(f"{what}: metric {m!r} is not a number") from None
        if len(arr) != 1:
            raise SideFailed(f"{what}: metric {m!r} has {len(arr)} values; a distribution metric is one number per run")
        res[m] = arr[0]
    return res
