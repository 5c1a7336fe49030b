"""The two sides' runs, computed lazily and once: a check (or a pytest selection) triggers only
the runs it needs. This is the I/O edge of `parity`: R and Keras are reached only from here."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from parity.registry import SkipCheck

DEFAULT_KERAS_SEED = 42
DEFAULT_SEEDS = 5


class SideFailed(Exception):
    """A side ran but failed (R script error, worker crash, timeout): its checks FAIL with this."""


@dataclass
class AuditOptions:
    keras_seed: int = DEFAULT_KERAS_SEED
    seeds: int = DEFAULT_SEEDS  # unseeded runs per side for the metric ranges
    use_r: bool = True
    data_path: str | None = None
    r_timeout: float = 600.0
    trainer: str = "keras"
    # None: distribution runs are unseeded, as in the article. An int: run i uses seed
    # distribution_seed + 1 + i on both sides, so the whole report is reproducible (seeded Keras
    # reuses one shuffle permutation across epochs: a slightly different procedure, labelled so).
    distribution_seed: int | None = None

    def run_seed(self, i: int) -> int | None:
        return None if self.distribution_seed is None else self.distribution_seed + 1 + i


def _default_py_runner(seed=None, data=None):
    from python_impl.pipeline import run_article

    return run_article(seed=seed, data=data)


def _default_r_runner(seed=None, data=None, timeout=600.0):
    from r_reference import run_article

    return run_article(seed=seed, data=data, timeout=timeout)


@dataclass
class AuditContext:
    options: AuditOptions = field(default_factory=AuditOptions)
    py_runner: Callable = _default_py_runner
    r_runner: Callable = _default_r_runner
    progress: Callable[[str, int, int], None] | None = None  # (stage, done, total)
    _cache: dict = field(default_factory=dict)

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
            try:
                self._cache[key] = ("ok", make())
            except (SkipCheck, SideFailed) as e:
                self._cache[key] = ("err", e)
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
            res = self._run_r(self.options.keras_seed)
            self._tick("R run (seeded)", 1, 1)
            return res
        return self._once("r", make)

    @property
    def py_runs(self) -> list:
        """`seeds` unseeded Python runs (the article never seeds Keras)."""
        def make():
            n = self.options.seeds
            out = []
            for i in range(n):
                self._tick("python runs (unseeded)", i, n)
                out.append(self.py_runner(seed=self.options.run_seed(i), data=self.options.data_path))
            self._tick("python runs (unseeded)", n, n)
            return out
        return self._once("py_runs", make)

    @property
    def r_runs(self) -> list:
        """`seeds` unseeded R runs, each in a fresh R worker."""
        def make():
            reason = self.r_unavailable_reason()
            if reason:
                raise SkipCheck(reason)
            n = self.options.seeds
            out = []
            for i in range(n):
                self._tick("R runs (unseeded)", i, n)
                out.append(self._run_r(self.options.run_seed(i)))
            self._tick("R runs (unseeded)", n, n)
            return out
        return self._once("r_runs", make)

    def _run_r(self, seed):
        try:
            return self.r_runner(seed=seed, data=self.options.data_path, timeout=self.options.r_timeout)
        except Exception as e:
            from r_reference.errors import RReferenceError, RUnavailableError

            if isinstance(e, RUnavailableError):
                raise SkipCheck(str(e)) from None
            if isinstance(e, RReferenceError):
                raise SideFailed(f"R side failed: {e}") from None
            raise

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
