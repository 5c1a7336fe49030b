"""The R side's cost, measured in one run so the ratios compare like with like:

* `r-run`: one R-driven run of the article (R, the script, Keras fit through the rpy2 bridge) in a
  fresh worker process (R and TensorFlow start for it) vs in a warm worker (started once, reset
  after each run). The per-training figure is also comparable with `test_keras_fit`.
* `r-runs-10`: 10 unseeded R runs through the local executor with 1 vs 2 warm workers, worker
  start-up included (what an audit pays).
* `audit`: the default `parity audit` (the article case, default run counts), its wall time and
  `meta.stage_seconds`, beside a fresh R run timed just before it (the issue's yardstick: the
  audit should take at most 10 fresh R runs).

Skipped without R (the reason names the fix). `make bench` runs them with the others.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from python_impl import fast_trainer as ft

ROOT = Path(__file__).resolve().parents[1]


def _r_or_skip():
    from r_reference.availability import r_status

    st = r_status()
    if not st.ok:
        pytest.skip(f"requires R: {st.reason}")


def _article():
    from parity.case import default_case_file, load_case

    case = load_case(default_case_file())
    return case, case.r_expressions()


def _fresh_run(seed: int):
    from r_reference.runner import run_script

    case, exprs = _article()
    return run_script(case.r_script, checkpoints=exprs, seed=seed)


@pytest.mark.benchmark(group="r-run")
def test_r_run_fresh_worker(benchmark, keras_reference, article_arrays):
    _r_or_skip()
    seeds = iter(range(10_000))
    res = benchmark.pedantic(lambda: _fresh_run(next(seeds)), rounds=3, warmup_rounds=0)
    sec = float(benchmark.stats.stats.median)
    keras_s = keras_reference.fit_seconds(article_arrays)
    benchmark.extra_info.update({
        "trainings": 1, "trainings_per_s": 1 / sec, "samples_per_s": 480 * ft.EPOCHS / sec,
        "keras_fit_seconds": keras_s, "speedup_vs_keras_fit": keras_s / sec,
        "timings_last_round": dict(res.timings),
        "note": "a new process per run: worker start, R start and the TensorFlow import included",
    })


@pytest.mark.benchmark(group="r-run")
def test_r_run_warm_worker(benchmark):
    _r_or_skip()
    from r_reference.runner import run_script
    from r_reference.warm import WarmWorker

    case, exprs = _article()
    seeds = iter(range(10_000))
    with WarmWorker(preload=("r", "keras"), namespaces=case.r_packages) as w:
        run_script(case.r_script, checkpoints=exprs, seed=0, worker=w)  # start-up, not timed
        res = benchmark.pedantic(lambda: run_script(case.r_script, checkpoints=exprs, seed=next(seeds), worker=w),
                                 rounds=5, warmup_rounds=0)
    sec = float(benchmark.stats.stats.median)
    benchmark.extra_info.update({"trainings": 1, "trainings_per_s": 1 / sec, "samples_per_s": 480 * ft.EPOCHS / sec,
                                 "timings_last_round": dict(res.timings), "worker": res.extra["worker"]})


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.benchmark(group="r-runs-10")
def test_ten_r_runs(benchmark, workers):
    _r_or_skip()
    from parity.executor import RTask, make_executor

    case, _ = _article()
    exprs = case.r_expressions(["test_accuracy", "roc_auc", "test_loss"])
    tasks = [RTask(str(case.r_script), exprs, seed=None, timeout=600) for _ in range(10)]

    def ten():
        with make_executor("local", workers=workers, preload=("r", "keras"), r_namespaces=case.r_packages) as ex:
            ex.prestart()
            return ex.run_r(tasks)

    runs = benchmark.pedantic(ten, rounds=1, warmup_rounds=0)
    sec = float(benchmark.stats.stats.median)
    benchmark.extra_info.update({"workers": workers, "runs": 10, "seconds_per_run": sec / 10,
                                 "pids": sorted({r.extra["worker"]["pid"] for r in runs}),
                                 "note": "worker start-up (R, TensorFlow) included"})


@pytest.mark.benchmark(group="audit")
def test_default_audit(benchmark, tmp_path):
    _r_or_skip()
    t = time.perf_counter()
    _fresh_run(1)
    fresh = time.perf_counter() - t
    out = tmp_path / "report"
    cmd = [str(Path(sys.executable).with_name("parity")), "audit", "--quiet", "--out", str(out)]

    def audit():
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
        assert proc.returncode in (0, 1), proc.stderr[-2000:]
        return json.loads((out / "report.json").read_text())

    report = benchmark.pedantic(audit, rounds=1, warmup_rounds=0)
    sec = float(benchmark.stats.stats.median)
    benchmark.extra_info.update({
        "command": " ".join(cmd[1:]), "stage_seconds": report["meta"]["stage_seconds"],
        "elapsed_in_run_audit_s": report["meta"]["elapsed_s"], "fresh_r_run_s": fresh,
        "audit_over_fresh_r_run": sec / fresh, "summary": report["summary"],
    })
