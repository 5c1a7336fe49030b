"""The two sides' runs, computed lazily and once: a check (or a pytest selection) triggers only
the runs it needs. This is the I/O edge of `parity`: R and Keras are reached only from here."""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
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
    _cache: dict = field(default_factory=dict)  # key -> ("ok", value) | ("err", SkipCheck/SideFailed)
    stage_seconds: dict = field(default_factory=dict)  # wall time of each run set (report meta)

    # -- mechanics ------------------------------------------------------------------
    def r_unavailable_reason(self) -> str | None:
        if not self.options.use_r:
            return "R side disabled (--no-r)"
        if self.r_runner is not _default_r_runner:
            return None  # an injected R side (tests, replays) needs no local R
        from r_reference.availability import r_status  # cached probe

        st = r_status()
        return None if st.ok else st.reason

    def require(self, need: str):
        return getattr(self, need)

    def _once(self, key: str, make: Callable):
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

    def _stage(self, key: str, stage: str, total: int, make: Callable):
        """`_once(key)` with progress shown as `stage`; `make(tick)` may report `tick(done)`."""
        def run():
            tick = lambda done: self.progress and self.progress(stage, done, total)  # noqa: E731
            t0 = time.perf_counter()
            tick(0)
            try:
                out = make(tick)
            finally:
                self.stage_seconds[key] = round(time.perf_counter() - t0, 3)
            tick(total)
            return out
        return self._once(key, run)

    def cached(self, key: str):
        """A run set already computed, else None (never starts a run)."""
        v = self._cache.get(key)
        return v[1] if v and v[0] == "ok" else None

    def _require_r(self) -> None:
        reason = self.r_unavailable_reason()
        if reason:
            raise SkipCheck(reason)

    # -- the runs -------------------------------------------------------------------
    @property
    def data(self):
        """The audited data (bundled gbsg or --data), read and validated once for every Python run."""
        def make():
            from python_impl.data import load_gbsg

            return load_gbsg(self.options.data_path)
        return self._once("data", make)

    @property
    def py(self):
        """The Python side, Keras weights seeded with `keras_seed`."""
        return self._stage("py", "python run (seeded)", 1,
                           lambda tick: self.py_runner(seed=self.options.keras_seed, data=self.data))

    @property
    def r(self):
        """The R side (article script via rpy2), Keras weights seeded with `keras_seed`."""
        def make(tick):
            self._require_r()
            return self._run_r(self.options.keras_seed, plot=True)
        return self._stage("r", "R run (seeded)", 1, make)

    @property
    def py_runs(self) -> list:
        """`seeds` Python trainings of the article's procedure (fast trainer or Keras fit)."""
        from parity import runs

        o = self.options
        seeds = [o.py_seed(i) for i in range(o.seeds)]
        if o.trainer == "fast":
            make = lambda tick: runs.fast_runs(seeds, data=self.data)  # noqa: E731
        else:
            make = lambda tick: runs.keras_runs(seeds, data=self.data, progress=tick)  # noqa: E731
        return self._stage("py_runs", f"python runs ({o.trainer} trainer)", o.seeds, make)

    @property
    def keras_runs(self) -> list:
        """`keras_runs` unseeded Keras `fit` trainings in this process: the reference the batched
        trainer's distribution must match (the article's semantics: a new shuffle every epoch)."""
        from parity import runs

        o = self.options
        # seeded only when the whole report must be reproducible (--keras-seed given)
        seeds = ([None] * o.keras_runs if o.distribution_seed is None
                 else [o.distribution_seed + 10_001 + i for i in range(o.keras_runs)])
        return self._stage("keras_runs", "python runs (Keras fit, unseeded)", o.keras_runs,
                           lambda tick: runs.keras_runs(seeds, data=self.data, progress=tick))

    @property
    def split_runs(self) -> list:
        """One initialisation seed over `split_seeds` different `set.seed` splits (Python)."""
        from parity import runs

        o = self.options
        split_seeds = list(range(1, o.split_seeds + 1))
        return self._stage("split_runs", "python runs over split seeds", o.split_seeds, lambda tick: runs.split_seed_runs(
            split_seeds, init_seed=o.py_seed(0), data=self.data, trainer=o.trainer, progress=tick))

    @property
    def r_runs(self) -> list:
        """`r_seeds` R runs (unseeded unless --keras-seed was given), each in a fresh R worker."""
        o = self.options

        def make(tick):
            self._require_r()
            out = []
            for i in range(o.r_seeds):
                tick(i)
                out.append(self._run_r(o.run_seed(i)))
            return out
        stage = "R runs (" + ("unseeded" if o.distribution_seed is None else "seeded") + ")"
        return self._stage("r_runs", stage, o.r_seeds, make)

    def _run_r(self, seed, plot: bool = False):
        """One R-driven run; with `plot`, R's own pROC plot (the script's plot() call) is kept."""
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
        return self.cached("r_plot_png")

    def reference_side(self):
        """The R run when R is available, else the Python port (whose R-equality the other checks
        establish) with a label saying so: the pitfalls stay computable without R."""
        try:
            return self.r, "R"
        except (SkipCheck, SideFailed):
            return self.py, "R-exact port"

    def side_errors(self) -> dict:
        """Why a side is missing, for the report ({key: message})."""
        return {k: str(v[1]) for k, v in self._cache.items() if v[0] == "err"}
