"""GPU throughput of the batched multi-seed trainer on its JAX backend (no TensorFlow).

    bash benchmarks/gpu.sh                      # S = 1, 1024, 10000, 100000
    python benchmarks/gpu_bench.py --sizes 1,64 # anywhere JAX runs (CPU too)

For a machine with JAX (+ CUDA) but neither TensorFlow nor Keras nor internet: it imports only
NumPy, JAX and the NumPy-only parts of `python_impl` (the bundled gbsg CSV is read with the csv
module, so pandas is not needed either). TF32 is off: `NVIDIA_TF32_OVERRIDE=0` and
`jax_default_matmul_precision="highest"`, so the GPU computes in true float32 like the CPU.

For each S it prepares the inputs (NumPy Glorot init and one new permutation per epoch per seed,
as `fast_trainer.train_batch` does; untimed, prepared once for the largest S and sliced, since a
seed's draws do not depend on the batch), compiles (timed separately), then times `--repeats`
calls of the compiled program with inputs already on the device (`seconds`: the best call;
`seconds_e2e`: one call of `run_compiled` from NumPy arrays to NumPy arrays, transfers
included). A correctness check (`--check-seeds`, default 8) trains the same seeds on the JAX CPU
backend and on the accelerator and compares histories and test probabilities (1e-4 relative).

Prints a table (S, seconds, trainings/s, samples/s, device) and writes JSON to
`$OUT/gpu_bench.json` when OUT is set (or to `--json PATH`).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("NVIDIA_TF32_OVERRIDE", "0")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from python_impl import fast_trainer as ft  # noqa: E402  (NumPy only at import)

FEATURES = ["age", "meno", "size", "grade", "nodes", "pgr", "er", "hormon"]  # = data.FEATURES
REL_TOL = 1e-4  # float32 on both devices; GPU reduction order differs from the CPU's


def article_arrays():
    """The article's data without pandas: bundled gbsg CSV, R's scale(), R's split."""
    from python_impl.preprocess import r_scale
    from python_impl.split import article_split

    path = ROOT / "python_impl" / "data" / "gbsg.csv"
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    x = np.array([[float(r[c]) for c in FEATURES] for r in rows])
    y = np.array([int(float(r["status"])) for r in rows])
    xs, _, _ = r_scale(x)
    sp = article_split(len(rows))
    tr, va, te = sp.train - 1, sp.val - 1, sp.test - 1
    f32 = np.float32
    return (xs[tr].astype(f32), y[tr].astype(f32), xs[va].astype(f32), y[va].astype(f32),
            xs[te].astype(f32), y[te].astype(f32))


_SHARED: dict = {}


def _prep_chunk(args):
    lo, hi, n_train = args
    w, idx = ft.prepare(range(lo, hi), n_train, shuffle="per_epoch")
    if _SHARED:  # a forked worker: write into the parent's shared buffers
        for dst, src in zip(_SHARED["w"], w):
            dst[lo:hi] = src
        _SHARED["idx"][:, :, lo:hi] = idx
        return None
    return w, idx


def _shared_array(shape, dtype):
    import mmap

    dtype = np.dtype(dtype)
    n = int(np.prod(shape)) * dtype.itemsize
    return np.frombuffer(mmap.mmap(-1, max(n, 1)), dtype=dtype, count=int(np.prod(shape))
                         ).reshape(shape)


def prepare_parallel(n_seeds: int, n_train: int, workers: int):
    """`ft.prepare(range(n_seeds), ...)` split over forked processes writing into shared
    memory (seeds are independent, so the result is identical to the serial one)."""
    step = max(1, -(-n_seeds // max(1, workers)))
    jobs = [(lo, min(n_seeds, lo + step), n_train) for lo in range(0, n_seeds, step)]
    if workers <= 1 or len(jobs) == 1:
        return ft.prepare(range(n_seeds), n_train, shuffle="per_epoch")
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    w1, idx1 = ft.prepare([0], n_train, shuffle="per_epoch")  # shapes and dtypes
    _SHARED["w"] = [_shared_array((n_seeds,) + a.shape[1:], a.dtype) for a in w1]
    e, nb, _, b = idx1.shape
    _SHARED["idx"] = _shared_array((e, nb, n_seeds, b), idx1.dtype)
    try:
        # fork before JAX is imported (JAX is multithreaded once initialised)
        with ProcessPoolExecutor(len(jobs), mp_context=mp.get_context("fork")) as ex:
            list(ex.map(_prep_chunk, jobs))
        return tuple(_SHARED["w"]), _SHARED["idx"]
    finally:
        _SHARED.clear()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,1024,10000,100000")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--check-seeds", type=int, default=8)
    ap.add_argument("--workers", type=int, default=min(16, os.cpu_count() or 1))
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    sizes = [int(s) for s in a.sizes.split(",") if s]

    assert "tensorflow" not in sys.modules
    arrays = article_arrays()
    xtr = arrays[0]
    t0 = time.perf_counter()
    w_all, idx_all = prepare_parallel(max(sizes + [a.check_seeds]), len(xtr), a.workers)
    prep_s = time.perf_counter() - t0

    import jax

    jax.config.update("jax_default_matmul_precision", "highest")
    dev = jax.devices()[0]
    device = f"{dev.platform}:{getattr(dev, 'device_kind', '?')}"
    print(f"jax {jax.__version__}, device {device} ({len(jax.devices())} visible), "
          f"NVIDIA_TF32_OVERRIDE={os.environ.get('NVIDIA_TF32_OVERRIDE')}, "
          f"prepare {max(sizes)} seeds: {prep_s:.1f}s", flush=True)
    res = {"device": device, "jax_version": jax.__version__, "prepare_seconds": prep_s,
           "flops_per_training": ft.flops_per_training(len(xtr)), "results": [], "check": None}

    if a.check_seeds:
        res["check"] = check_cpu_vs_device(jax, arrays, w_all, idx_all, a.check_seeds)
        print("check (JAX CPU vs this device, same inputs):", json.dumps(res["check"]), flush=True)

    fn = ft.compiled_program("jax", len(xtr))
    data_dev = [jax.device_put(x) for x in arrays]
    for s in sizes:
        w = tuple(x[:s] for x in w_all)
        idx = idx_all[:, :, :s]
        w_dev, idx_dev = jax.device_put(w), jax.device_put(idx)
        t = time.perf_counter()
        out = fn(w_dev, idx_dev, *data_dev)
        _block(jax, out)
        first = time.perf_counter() - t
        times = []
        for _ in range(max(1, a.repeats)):
            t = time.perf_counter()
            out = fn(w_dev, idx_dev, *data_dev)
            _block(jax, out)
            times.append(time.perf_counter() - t)
        sec = min(times)
        t = time.perf_counter()
        host = ft.run_compiled("jax", w, idx, *arrays, chunk=None)
        e2e = time.perf_counter() - t
        pt = host[10]
        row = {
            "S": s, "compile_plus_first_s": first, "seconds": sec, "all_seconds": times,
            "seconds_e2e": e2e, "trainings_per_s": s / sec,
            "samples_per_s": s * len(xtr) * ft.EPOCHS / sec,
            "tflops": s * ft.flops_per_training(len(xtr)) / sec / 1e12,
            "finite": bool(np.isfinite(pt).all() and np.isfinite(host[6]).all()),
            "mean_final_loss": float(np.mean(host[6][:, -1])),
            "mean_test_auc": float(np.mean(ft.auc_per_row(pt, arrays[5]))),
        }
        res["results"].append(row)
        print(f"S={s}: {sec:.3f}s  {row['trainings_per_s']:.0f} trainings/s", flush=True)
        del out, w_dev, idx_dev, host

    print()
    print(f"{'S':>8} {'seconds':>9} {'trainings/s':>12} {'samples/s':>12} {'TFLOP/s':>8} "
          f"{'compile+1st':>11} {'e2e s':>7}  device")
    for r in res["results"]:
        print(f"{r['S']:>8} {r['seconds']:>9.3f} {r['trainings_per_s']:>12.1f} "
              f"{r['samples_per_s']:>12.3g} {r['tflops']:>8.2f} {r['compile_plus_first_s']:>11.2f} "
              f"{r['seconds_e2e']:>7.2f}  {device}")
    target = os.environ.get("OUT")
    path = a.json or (os.path.join(target, "gpu_bench.json") if target else None)
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(res, indent=2) + "\n")
        print(f"wrote {path}")
    ok = all(r["finite"] for r in res["results"]) and (res["check"] is None or res["check"]["ok"])
    return 0 if ok else 1


def _block(jax, tree):
    """Wait for the device (jax.block_until_ready is missing from older JAX versions)."""
    for leaf in jax.tree_util.tree_leaves(tree):
        leaf.block_until_ready()


def check_cpu_vs_device(jax, arrays, w_all, idx_all, n: int) -> dict:
    """Train seeds 0..n-1 on JAX's CPU backend and on the default device; compare."""
    w = tuple(x[:n] for x in w_all)
    idx = idx_all[:, :, :n]
    outs = {}
    for name, d in (("cpu", jax.devices("cpu")[0]), ("device", jax.devices()[0])):
        with jax.default_device(d):
            outs[name] = ft.run_compiled("jax", w, idx, *arrays, chunk=None)
    errs = {}
    for j, key in ((6, "loss"), (8, "val_loss"), (10, "test_probabilities"), (0, "conv_kernel"),
                   (2, "dense_kernel")):
        a, b = outs["cpu"][j].astype(np.float64), outs["device"][j].astype(np.float64)
        errs[key] = float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), 1e-12))
    acc = float(np.max(np.abs(outs["cpu"][7] - outs["device"][7])) * len(arrays[0]))
    return {"seeds": n, "max_rel_err": errs, "accuracy_max_row_diff": acc, "tol": REL_TOL,
            "ok": all(e <= REL_TOL for e in errs.values()) and acc <= 1.0 + 1e-6}


if __name__ == "__main__":
    sys.exit(main())
