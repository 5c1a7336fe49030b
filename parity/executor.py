"""Where run sets run: R runs, Keras fits, split-seed runs, any per-item Python call.

    from parity.executor import RTask, make_executor
    with make_executor("local", workers=2) as ex:             # or make_executor("dask", scheduler=ADDR)
        runs = ex.run_r([RTask("a.R", {"x": "x"}, seed=s) for s in range(10)], progress=tick)
        fits = ex.map(module.fit_one, seeds, progress=tick)  # fn(item) in a worker process

Two executors, one contract: results come back in item order, whatever ran where; `progress(done)`
is called on the caller's thread as items finish; the first failure (in item order among those
that ran) is raised after the items not yet started are cancelled; Ctrl-C (KeyboardInterrupt)
kills every worker process the run set started and re-raises.

Where the work happens. R is never touched from a thread (rpy2's conversion rules are context
variables, and R itself is single-threaded; design.md), and never in the process that
schedules: every run executes in a *warm worker* (`r_reference.warm.WarmWorker`), a separate
process that started R, rpy2 and TensorFlow once and is reset to its start-up state after each
run (restarted after `max_runs` runs or any crash). What the executors add is who owns those
processes and who talks to them:

* `local` (default): a thread pool of `workers` threads (default: the number of cores) in this
  process, and as many warm workers. A thread only does pipe and file I/O with its worker (the
  GIL is released while it waits); all R, Keras and Python work of a run happens in the worker
  process. Threads rather than a ProcessPoolExecutor: a pool process would only relay to the R
  process it starts anyway, and cost one more Python (plus its TensorFlow for Keras fits) per
  worker.
* `dask`: a `distributed.Client` to an existing scheduler (`scheduler="tcp://host:8786"`) or to a
  `distributed.LocalCluster` of `workers` processes with one thread each. Tasks are module-level
  functions with picklable arguments (the script's path, the checkpoint expressions, the seed; a
  case function by its case file and name, never a CaseContext); each Dask worker thread keeps its
  own warm worker process across tasks (`r_reference.warm.thread_worker`). The same code runs on a
  real cluster or on SLURM/PBS through dask-jobqueue, given the same paths on every machine (a
  shared file system or the same checkout) and this project installed in the workers' Python.

`fresh_workers=True` restores the old behaviour: every R run in a new process of its own (the
one-run mode of `r_reference._worker`), and every Python call in a new process too.
"""
from __future__ import annotations

import contextlib
import os
import queue
import tempfile
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from r_reference.warm import DEFAULT_MAX_RUNS

KINDS = ("local", "dask")


class ExecutorError(RuntimeError):
    """The executor cannot be set up (Dask missing, scheduler unreachable); one line with the fix."""


# ---- tasks: what travels to a worker ------------------------------------------------------------

@dataclass(frozen=True)
class RTask:
    """One R run: `r_reference.runner.run_script` with these arguments, in a warm worker.
    `script`: the path of an R file (as the worker's machine sees it) or R code.
    `want_plot`: R's plot comes back as PNG bytes in `RRun.extra["plot_png"]` (a file path would
    not cross machines)."""

    script: str
    checkpoints: dict
    seed: int | None = None
    keras_backend: str = "auto"
    bindings: dict = field(default_factory=dict)
    timeout: float = 600.0
    cwd: str | None = None
    want_plot: bool = False

    def run(self, worker):
        from r_reference.runner import run_script

        kw = dict(checkpoints=self.checkpoints, seed=self.seed, keras_backend=self.keras_backend,
                  bindings=self.bindings, timeout=self.timeout, cwd=self.cwd, worker=worker)
        script = Path(self.script) if "\n" not in self.script and Path(self.script).is_file() else self.script
        if not self.want_plot:
            return run_script(script, **kw)
        fd, name = tempfile.mkstemp(prefix="parity-r-plot-", suffix=".png")
        os.close(fd)
        try:
            res = run_script(script, plot_path=name, **kw)
            data = Path(name).read_bytes()
            res.extra["plot_png"] = data if data else None
            return res
        finally:
            Path(name).unlink(missing_ok=True)


@dataclass(frozen=True)
class CallTask:
    """`fn(item, **kwargs)` in a warm worker process."""

    fn: Any
    item: Any
    kwargs: dict = field(default_factory=dict)
    timeout: float | None = None

    def run(self, worker):
        if isinstance(self.fn, CaseFunction):
            self.fn.resolve()  # its results are pickled by the case's module names: make them importable here
        return worker.call(self.fn, self.item, timeout=self.timeout, **self.kwargs)


@dataclass(frozen=True)
class WorkerSpec:
    """How the warm workers of a run set are made (travels with Dask tasks)."""

    max_runs: int = DEFAULT_MAX_RUNS
    preload: tuple = ("r",)
    fresh: bool = False
    namespaces: tuple = ()  # R namespaces the warm workers keep loaded (a case's r_packages)

    def worker_for(self, task, make):
        """The worker a task runs in: None (a fresh R process: run_script's own) for an R task
        with fresh workers, else `make(max_runs, preload, namespaces)`."""
        if self.fresh and isinstance(task, RTask):
            return None
        return make(1 if self.fresh else self.max_runs, self.preload, self.namespaces)


# ---- case functions by reference -----------------------------------------------------------------

@dataclass(frozen=True)
class CaseFunction:
    """A function of a case's folder (`sections.fit_one`), picklable: by its case file and name.
    A case's modules are imported under a synthetic package name (parity.case.case_package),
    which another process can only rebuild from the case file."""

    case_file: str
    module: str
    name: str

    def resolve(self) -> Callable:
        return _case_function(self.case_file, self.module, self.name)

    def __call__(self, *args, **kwargs):
        return self.resolve()(*args, **kwargs)

    def __str__(self) -> str:  # what error messages name
        return f"{self.module}:{self.name}"


_CASES: dict = {}


def _case_function(case_file: str, module: str, name: str) -> Callable:
    from parity.case import import_case_module, load_case

    case = _CASES.get(case_file)
    if case is None:
        case = _CASES[case_file] = load_case(case_file)
    fn = import_case_module(case, module)
    for part in name.split("."):
        fn = getattr(fn, part)
    return fn


def portable(fn: Callable, case=None):
    """`fn` as something a worker process can call: a CaseFunction for a function of the case's
    folder, else `fn` itself (a module-level function of an importable module)."""
    if case is not None:
        from parity.case import case_package

        pkg = case_package(case)
        mod = getattr(fn, "__module__", "") or ""
        if mod == pkg or mod.startswith(pkg + "."):
            return CaseFunction(str(case.file), mod[len(pkg) + 1:], fn.__qualname__)
    return fn


# ---- the executors -------------------------------------------------------------------------------

class Executor:
    """`map` / `run_r` / `run_tasks`; a context manager that shuts the workers down."""

    kind = ""
    workers = 1

    def __init__(self, spec: WorkerSpec):
        self.spec = spec

    def map(self, fn: Callable, items, progress: Callable[[int], None] | None = None,
            timeout: float | None = None, **kwargs) -> list:
        """`fn(item, **kwargs)` for every item, each in a worker process; results in item order."""
        return self.run_tasks([CallTask(fn, it, dict(kwargs), timeout) for it in items], progress)

    def run_r(self, tasks, progress: Callable[[int], None] | None = None) -> list:
        """R runs (`RTask`s); a list of `r_reference.runner.RRun` in task order."""
        return self.run_tasks(list(tasks), progress)

    def run_tasks(self, tasks: list, progress=None) -> list:
        """Run the tasks; their results in task order (see the module docstring)."""
        return self.submit(tasks).results(progress)

    def submit(self, tasks: list) -> "Batch":
        """Start the tasks now; `.results(progress)` waits for them."""
        raise NotImplementedError

    def prestart(self, n: int | None = None) -> None:
        """Start up to n workers now, so that they warm up while the caller does other work."""

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return f"{self.kind}, {self.workers} worker(s)" + (", fresh processes" if self.spec.fresh else "")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class Batch:
    """Tasks submitted to an executor; `results()` gathers them (in order) as `run_tasks` does."""

    def __init__(self, futures: list, wait_some, cancel, on_interrupt):
        self.futures, self._wait_some, self._cancel, self._on_interrupt = futures, wait_some, cancel, on_interrupt

    def results(self, progress: Callable[[int], None] | None = None) -> list:
        try:
            return _gather(self.futures, progress, self._wait_some, self._cancel)
        except KeyboardInterrupt:
            self._cancel(self.futures)
            self._on_interrupt(self.futures)
            raise


def _gather(futures: list, progress, wait_some, cancel) -> list:
    """Results in order; progress as items finish; on the first failure, cancel what has not
    started, let what runs finish, then raise the failure of the lowest item index."""
    index = {f: i for i, f in enumerate(futures)}
    results: list = [None] * len(futures)
    errors: dict = {}
    pending = set(futures)
    done_count = 0
    while pending:
        done, pending = wait_some(pending)
        for f in done:
            if f.cancelled():
                continue
            e = f.exception()
            if e is not None:
                if not errors:
                    cancel(pending)
                errors[index[f]] = e
            else:
                results[index[f]] = f.result()
            done_count += 1
            if progress:
                progress(done_count)
    if errors:
        raise errors[min(errors)]
    return results


class LocalExecutor(Executor):
    kind = "local"

    def __init__(self, workers: int | None = None, spec: WorkerSpec | None = None):
        super().__init__(spec or WorkerSpec())
        from r_reference.warm import WarmWorker

        self.workers = int(workers or os.cpu_count() or 1)
        if self.workers < 1:
            raise ExecutorError(f"--workers must be >= 1, not {self.workers}")
        self._all = [WarmWorker(max_runs=1 if self.spec.fresh else self.spec.max_runs, preload=self.spec.preload,
                                namespaces=self.spec.namespaces) for _ in range(self.workers)]
        self._free: queue.LifoQueue = queue.LifoQueue()  # the most recently used (warm) worker first
        for w in reversed(self._all):
            self._free.put(w)
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="parity-run")
        self._closed = False

    def prestart(self, n: int | None = None) -> None:
        if self.spec.fresh:  # every run starts its own process anyway
            return
        for w in self._all[: self.workers if n is None else n]:
            w.start()

    def _run_one(self, task):
        w = self._free.get()
        try:
            return task.run(self.spec.worker_for(task, lambda *spec: w))
        finally:
            self._free.put(w)

    def submit(self, tasks: list) -> Batch:
        if self._closed:
            raise RuntimeError("this executor is closed")
        futures = [self._pool.submit(self._run_one, t) for t in tasks]

        def wait_some(pending):
            return futures_wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)

        def cancel(pending):
            for f in pending:
                f.cancel()

        return Batch(futures, wait_some, cancel, lambda futures: self.kill())

    def kill(self) -> None:
        """SIGKILL this executor's worker processes (and, with fresh workers, the fresh R runs in
        flight); nothing restarts them."""
        from r_reference import runner

        for w in self._all:
            w.kill(final=True)
        if self.spec.fresh:
            runner.kill_all(warm=False)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.kill()
        self._pool.shutdown(wait=True, cancel_futures=True)
        for w in self._all:
            w.close()


def _dask_run(task, spec: WorkerSpec):
    """A Dask task: run `task` in this Dask worker thread's warm worker process."""
    from r_reference.warm import thread_worker

    return task.run(spec.worker_for(task, thread_worker))


def _dask_kill() -> int:
    from r_reference import runner

    return runner.kill_all()


def _quiet_distributed_logs() -> int:
    """Set Dask's `distributed` loggers (in the process it runs in) to CRITICAL; the level before.

    Run on the audit's own workers just before it closes their cluster, and in the audit while it
    does: what Dask logs then (a heartbeat in flight as the scheduler stops, "broadcast ...
    failed: CommClosedError" for workers already gone) is about a shutdown we asked for, after
    every result has been collected or the run was interrupted."""
    import logging

    log = logging.getLogger("distributed")
    saved = log.level
    log.setLevel(logging.CRITICAL)
    return saved


@contextlib.contextmanager
def _quiet_distributed():
    """`_quiet_distributed_logs()` in this process, restored on exit."""
    import logging

    saved = _quiet_distributed_logs()
    try:
        yield
    finally:
        logging.getLogger("distributed").setLevel(saved)


class DaskExecutor(Executor):
    kind = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None, spec: WorkerSpec | None = None):
        super().__init__(spec or WorkerSpec())
        try:
            import distributed
        except ImportError:
            raise ExecutorError("--executor dask needs Dask's distributed scheduler, which is not installed here; "
                                "install the cluster extra (pip install -e '.[cluster]'; `make setup` does) or use "
                                "--executor local") from None
        import logging

        self.scheduler = scheduler
        self.cluster = None
        try:
            if scheduler:
                self.client = distributed.Client(scheduler, timeout="5s")  # a live scheduler answers in ms
            else:
                n = int(workers or os.cpu_count() or 1)
                self.cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                        dashboard_address=None, silence_logs=logging.ERROR,
                                                        preload=["parity.dask_worker_setup"])
                self.client = distributed.Client(self.cluster)
        except (OSError, TimeoutError) as e:
            if self.cluster is not None:
                self.cluster.close()
            where = f"the Dask scheduler at {scheduler}" if scheduler else "a local Dask cluster"
            raise ExecutorError(f"cannot reach {where} ({type(e).__name__}: {e}); start one with `dask scheduler` "
                                "(and `dask worker ADDRESS`), check --scheduler, or use --executor local") from None
        info = self.client.scheduler_info()
        self.workers = sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()) or 1

    def submit(self, tasks: list) -> Batch:
        import distributed

        futures = self.client.map(_dask_run, tasks, spec=self.spec, pure=False)

        def wait_some(pending):
            try:
                res = distributed.wait(list(pending), timeout=0.5, return_when="FIRST_COMPLETED")
            except TimeoutError:
                return set(), pending
            return set(res.done), set(res.not_done)

        def cancel(pending):
            if pending:
                self.client.cancel(list(pending))

        return Batch(futures, wait_some, cancel, self.kill)

    def kill(self, futures=()) -> None:
        """Cancel the tasks and SIGKILL the R workers on every Dask worker."""
        with _quiet_distributed():  # an interrupt: workers already gone are no news
            try:
                if futures:
                    self.client.cancel(list(futures))
                self.client.run(_dask_kill)
            except Exception:  # noqa: BLE001 - shutting down: a lost connection must not hide the interrupt
                pass

    def close(self) -> None:
        with _quiet_distributed():
            try:
                if self.cluster is None:
                    self.client.run(_dask_kill)  # an external cluster keeps running; our R workers must not
                else:
                    self.client.run(_quiet_distributed_logs)  # our own workers: their shutdown is ours
            except Exception:  # noqa: BLE001
                pass
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()

    def describe(self) -> str:
        where = self.scheduler or "LocalCluster"
        return f"dask ({where}), {self.workers} worker thread(s)" + (", fresh processes" if self.spec.fresh else "")


def make_executor(kind: str = "local", workers: int | None = None, scheduler: str | None = None,
                  fresh_workers: bool = False, max_runs: int = DEFAULT_MAX_RUNS, preload=("r",),
                  r_namespaces=()) -> Executor:
    """`local` (threads + warm workers; default `workers` = cores) or `dask` (`scheduler`
    address, else a LocalCluster of `workers` processes with one thread each). `preload`: what
    the workers start before their first run ("r", "keras"); `r_namespaces`: R namespaces they
    keep loaded across runs (a case's r_packages)."""
    if kind not in KINDS:
        raise ExecutorError(f"executor {kind!r} is not one of {', '.join(KINDS)}")
    if workers is not None and workers < 1:
        raise ExecutorError(f"workers must be >= 1, not {workers}")
    if scheduler and kind != "dask":
        raise ExecutorError("--scheduler needs --executor dask")
    spec = WorkerSpec(max_runs=max_runs, preload=tuple(preload), fresh=fresh_workers, namespaces=tuple(r_namespaces))
    if kind == "dask":
        return DaskExecutor(workers, scheduler, spec)
    return LocalExecutor(workers, spec)


_DEFAULT: Executor | None = None
_DEFAULT_LOCK = threading.Lock()


def default_executor() -> Executor:
    """The executor of contexts given none: one local executor per process, shared (so that
    test suites and notebooks reuse warm workers), closed at exit."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            import atexit

            _DEFAULT = make_executor("local")
            atexit.register(_DEFAULT.close)
        return _DEFAULT
