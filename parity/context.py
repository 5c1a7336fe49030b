"""The two sides' runs, computed lazily and once: a check (or a pytest selection) triggers only
the runs it needs. This is the I/O edge of `parity`: R and Keras are reached only from here."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

from parity.registry import SkipCheck

DEFAULT_KERAS_SEED = 42
DEFAULT_SEEDS = 200  # Python trainings for the distributions (batched fast trainer: seconds)
DEFAULT_R_SEEDS = 10  # R-driven runs (Keras fit through the bridge: ~7 s each)
DEFAULT_SPLIT_SEEDS = 30  # set.seed values for the split-variance comparison
DEFAULT_KERAS_RUNS = 30  # unseeded Keras fits (~2 s each) behind the fast trainer's distribution check


class SideFailed(Exception):
    """A side ran but failed (R script error, worker crash, timeout): its checks FAIL with this."""


@dataclass
class AuditOptions:
    keras_seed: int = DEFAULT_KERAS_SEED
    seeds: int = DEFAULT_SEEDS  # Python runs for the distributions
    r_seeds: int = DEFAULT_R_SEEDS  # R runs for the distributions
    split_seeds: int = DEFAULT_SPLIT_SEEDS
    keras_runs: int = DEFAULT_KERAS_RUNS  # unseeded Keras fits to validate the fast trainer against
    use_r: bool = True
    data_path: str | None = None
    r_timeout: float = 600.0
    trainer: str = "fast"  # "fast" (batched, python_impl.fast_trainer) or "keras" (Keras fit)
    # Python distribution runs are always seeded (seed base + 1 + i) so each one, and each
    # witness of the published figures, can be retrained with `parity reproduce`. R runs are
    # unseeded as in the article, unless distribution_seed is given (then seeded likewise, and the
    # whole report is reproducible; seeded Keras reuses one shuffle permutation across epochs).
    distribution_seed: int | None = None

    def py_seed(self, i: int) -> int:
        return (self.distribution_seed or 0) + 1 + i

    def run_seed(self, i: int) -> int | None:
        return None if self.distribution_seed is None else self.distribution_seed + 1 + i


def _default_py_runner(seed=None, data=None):
    from python_impl.pipeline import run_article

    return run_article(seed=seed, data=data)


def _default_r_runner(seed=None, data=None, timeout=600.0, plot_path=None):
    from r_reference import run_article

    return run_article(seed=seed, data=data, timeout=timeout, plot_path=plot_path)


@dataclass
class AuditContext:
    options: AuditOptions = field(default_factory=AuditOptions)
    py_runner: Callable = _default_py_runner
    r_runner: Callable = _default_r_runner
    progress: Callable[[str, int, int], None] | None = None  # (stage, done, total)
    _cache: dict = field(default_factory=dict)
    stage_seconds: dict = field(default_factory=dict)  # wall time of each run set (report meta)

    # -- availability ---------------------------------------------------------------
    def r_unavailable_reason(self) -> str | None:
        if not self.options.use_r:
            return "R side disabled (--no-r)"
        if self.r_runner is not _default_r_runner:
            return None  # an injected R side (tests, replays) needs no local R
        if "r_status" not in self._cache:
            from r_reference.availability import r_status

            st = r_status()
            self._cache["r_status"] = None if st.ok else st.reason
        return self._cache["r_status"]

    def require(self, need: str):
        return getattr(self, need)

    def _once(self, key: str, make: Callable):
        if key not in self._cache:
            import time

            t0 = time.perf_counter()
            try:
                self._cache[key] = ("ok", make())
            except (SkipCheck, SideFailed) as e:
                self._cache[key] = ("err", e)
            self.stage_seconds[key] = round(time.perf_counter() - t0, 3)
        kind, val = self._cache[key]
        if kind == "err":
            raise val
        return val

    def _tick(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)

    # -- the runs -------------------------------------------------------------------
    @property
    def py(self):
        """The Python side, Keras weights seeded with `keras_seed`."""
        def make():
            self._tick("python run (seeded)", 0, 1)
            res = self.py_runner(seed=self.options.keras_seed, data=self.options.data_path)
            self._tick("python run (seeded)", 1, 1)
            return res
        return self._once("py", make)

    @property
    def r(self):
        """The R side (article script via rpy2), Keras weights seeded with `keras_seed`."""
        def make():
            reason = self.r_unavailable_reason()
            if reason:
                raise SkipCheck(reason)
            self._tick("R run (seeded)", 0, 1)
            res = self._run_r(self.options.keras_seed, plot=True)
            self._tick("R run (seeded)", 1, 1)
            return res
        return self._once("r", make)

    @property
    def py_runs(self) -> list:
        """`seeds` Python trainings of the article's procedure (fast trainer or Keras fit)."""
        def make():
            from parity import runs

            n, o = self.options.seeds, self.options
            seeds = [o.py_seed(i) for i in range(n)]
            stage = f"python runs ({o.trainer} trainer)"
            self._tick(stage, 0, n)
            if o.trainer == "fast":
                out = runs.fast_runs(seeds, data=o.data_path)
            else:
                out = runs.keras_runs(seeds, data=o.data_path, progress=lambda i, t: self._tick(stage, i, t))
            self._tick(stage, n, n)
            return out
        return self._once("py_runs", make)

    @property
    def keras_runs(self) -> list:
        """`keras_runs` unseeded Keras `fit` trainings in this process: the reference the batched
        trainer's distribution must match (the article's semantics: a new shuffle every epoch)."""
        def make():
            from parity import runs

            n = self.options.keras_runs
            stage = "python runs (Keras fit, unseeded)"
            self._tick(stage, 0, n)
            o = self.options
            # seeded only when the whole report must be reproducible (--keras-seed given)
            seeds = [None] * n if o.distribution_seed is None else [o.distribution_seed + 10_001 + i for i in range(n)]
            out = runs.keras_runs(seeds, data=self.options.data_path,
                                  progress=lambda i, t: self._tick(stage, i, t))
            self._tick(stage, n, n)
            return out
        return self._once("keras_runs", make)

    @property
    def split_runs(self) -> list:
        """One initialisation seed over `split_seeds` different `set.seed` splits (Python)."""
        def make():
            from parity import runs

            o = self.options
            split_seeds = list(range(1, o.split_seeds + 1))
            self._tick("python runs over split seeds", 0, 1)
            out = runs.split_seed_runs(split_seeds, init_seed=o.py_seed(0), data=o.data_path, trainer=o.trainer)
            self._tick("python runs over split seeds", 1, 1)
            return out
        return self._once("split_runs", make)

    @property
    def r_runs(self) -> list:
        """`seeds` unseeded R runs, each in a fresh R worker."""
        def make():
            reason = self.r_unavailable_reason()
            if reason:
                raise SkipCheck(reason)
            n = self.options.r_seeds
            stage = "R runs (" + ("unseeded" if self.options.distribution_seed is None else "seeded") + ")"
            out = []
            for i in range(n):
                self._tick(stage, i, n)
                out.append(self._run_r(self.options.run_seed(i)))
            self._tick(stage, n, n)
            return out
        return self._once("r_runs", make)

    def _run_r(self, seed, plot: bool = False):
        """One R-driven run; with `plot`, R's own pROC plot (the script's plot() call) is kept."""
        import tempfile
        from pathlib import Path

        kw = {}
        if plot and self.r_runner is _default_r_runner:
            fd, name = tempfile.mkstemp(prefix="parity-r-roc-", suffix=".png")
            os.close(fd)
            kw["plot_path"] = name
        try:
            res = self.r_runner(seed=seed, data=self.options.data_path, timeout=self.options.r_timeout, **kw)
            if kw:
                p = Path(kw["plot_path"])
                self._cache["r_plot_png"] = ("ok", p.read_bytes() if p.stat().st_size else None)
            return res
        except Exception as e:
            from r_reference.errors import RReferenceError, RUnavailableError

            if isinstance(e, RUnavailableError):
                raise SkipCheck(str(e)) from None
            if isinstance(e, RReferenceError):
                raise SideFailed(f"R side failed: {e}") from None
            raise
        finally:
            if kw:
                Path(kw["plot_path"]).unlink(missing_ok=True)

    def r_plot_png(self) -> bytes | None:
        v = self._cache.get("r_plot_png")
        return v[1] if v and v[0] == "ok" else None

    def side_errors(self) -> dict:
        """Why a side is missing, for the report ({key: message})."""
        return {k: str(v[1]) for k, v in self._cache.items() if isinstance(v, tuple) and v[0] == "err"}


def _data_frame(self):
    """The audited data (bundled gbsg or --data), as the Python side reads it."""
    def make():
        from python_impl.data import load_gbsg

        return load_gbsg(self.options.data_path)
    return self._once("data", make)


def _reference_side(self):
    """The R run when R is available, else the Python port (whose R-equality the other checks
    establish) with a label saying so: the pitfalls stay computable without R."""
    try:
        return self.r, "R"
    except (SkipCheck, SideFailed):
        return self.py, "R-exact port"


AuditContext.data = property(_data_frame)
AuditContext.reference_side = _reference_side
