"""GPU throughput of the batched trainers on JAX (no TensorFlow, no Keras).

    bash benchmarks/gpu.sh                       # S = 1, 1024, 10000, 100000 + 1M distribution
    python benchmarks/gpu_bench.py --sizes 1,64 --distribution 2000   # anywhere JAX runs

For a machine with JAX (+ CUDA) but neither TensorFlow nor Keras nor internet: it imports only
NumPy, JAX and the NumPy-only parts of `python_impl` (the bundled gbsg CSV is read with the csv
module; the generic trainer's model is `batched.article_spec()`, a pure-data spec). TF32 is
off: `NVIDIA_TF32_OVERRIDE=0` and `jax_default_matmul_precision="highest"` (the einsums ask for
HIGHEST too), so the GPU computes in true float32 like the CPU.

Two trainers, the article's model each:
  generic      `python_impl.batched` (`train_spec(article_spec(), draws="device")`): initial
               weights, batch orders and dropout masks are drawn INSIDE the compiled program
               from the seeds (`jax.random`), so only the seeds go to the device and only the
               histories / test predictions come back; S is split in chunks of
               `batched_jax.DEVICE_CHUNK` per device, pipelined (chunk k+1 dispatched before
               chunk k's results are fetched, `copy_to_host_async`), and sharded over every
               visible device on the seed axis (`jax.sharding.NamedSharding`).
  handwritten  `python_impl.fast_trainer` on JAX, as measured before (NumPy draws on the host,
               prepared untimed with forked workers; e2e includes their transfer).

For each S: `seconds` = the compiled program alone on device-resident inputs (best of
`--repeats`; "compiled rate"), `seconds_e2e` = seeds (generic) or prepared NumPy inputs
(handwritten) in, NumPy results out ("end-to-end rate"). `--distribution N` (default
1,000,000) times a whole N-seed distribution of the generic trainer end to end (training +
per-seed test AUC on the device + summary), compilation reported apart. A check trains the
same seeds on JAX's CPU backend and on the device and compares (1e-4 relative): the device
draws are the same bits on every backend.

Prints a table and writes JSON to `$OUT/gpu_bench.json` when OUT is set (or `--json PATH`).
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

from python_impl import batched as B  # noqa: E402  (NumPy only at import)
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


# --------------------------------------------------------------------------- hand-written

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


def bench_handwritten(jax, arrays, w_all, idx_all, sizes, repeats) -> list[dict]:
    xtr = arrays[0]
    fn = ft.compiled_program("jax", len(xtr))
    data_dev = [jax.device_put(x) for x in arrays]
    rows = []
    for s in sizes:
        w = tuple(x[:s] for x in w_all)
        idx = idx_all[:, :, :s]
        w_dev, idx_dev = jax.device_put(w), jax.device_put(idx)
        t = time.perf_counter()
        _block(jax, fn(w_dev, idx_dev, *data_dev))
        first = time.perf_counter() - t
        times = []
        for _ in range(max(1, repeats)):
            t = time.perf_counter()
            _block(jax, fn(w_dev, idx_dev, *data_dev))
            times.append(time.perf_counter() - t)
        sec = min(times)
        t = time.perf_counter()
        host = ft.run_compiled("jax", w, idx, *arrays, chunk=None)
        e2e = time.perf_counter() - t
        rows.append(_row("handwritten", s, sec, times, e2e, first, len(xtr),
                         host[10], host[6][:, -1], arrays[5]))
        print(_line(rows[-1]), flush=True)
        del w_dev, idx_dev, host
    return rows


# --------------------------------------------------------------------------- generic


def _generic_inputs(jax, spec, data, seeds, devices):
    """Device-resident inputs of one generic call (seeds sharded, data replicated)."""
    from python_impl import batched_jax as BJ

    if len(devices) > 1:
        from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

        mesh = Mesh(np.asarray(devices), ("seeds",))
        shard, repl = NamedSharding(mesh, P("seeds")), NamedSharding(mesh, P())
    else:
        shard = repl = devices[0]
    lo, hi = BJ.seed_halves(seeds)
    dd = {"xtr": data.x_train, "ytr": data.y_train, "xva": data.x_val, "yva": data.y_val,
          "xte": data.x_test, "yte": data.y_test}
    return ({}, jax.device_put(lo, shard), jax.device_put(hi, shard),
            {k: jax.device_put(v, repl) for k, v in dd.items()},
            {k: jax.device_put(v, repl) for k, v in BJ.optimizer_hyper(spec).items()})


def bench_generic(jax, arrays, sizes, repeats, devices, chunk) -> list[dict]:
    from python_impl import batched_jax as BJ

    spec = B.article_spec()
    data = B._prepare_data(spec, *arrays[:4], arrays[4], arrays[5])
    fn = BJ.compiled_program(spec, len(data.x_train), len(data.x_val), len(data.x_test), True,
                             "device", "device_per_epoch", False)
    rows = []
    for s in sizes:
        per_call = min(s, chunk)
        per_call = -(-per_call // len(devices)) * len(devices)
        inputs = _generic_inputs(jax, spec, data, np.arange(per_call), devices)
        t = time.perf_counter()
        _block(jax, fn(*inputs))
        first = time.perf_counter() - t
        times = []
        for _ in range(max(1, repeats)):
            t = time.perf_counter()
            _block(jax, fn(*inputs))
            times.append(time.perf_counter() - t)
        sec = min(times) * (s / per_call)  # S > chunk: the chunks' compute, back to back
        t = time.perf_counter()
        res = B.train_spec(spec, *arrays[:4], range(s), x_test=arrays[4], y_test=arrays[5],
                           draws="device", devices=devices, chunk=chunk)
        e2e = time.perf_counter() - t
        rows.append(_row("generic", s, sec, times, e2e, first, len(data.x_train),
                         res.test_probabilities, res.histories["loss"][:, -1], arrays[5]))
        rows[-1]["chunks"] = res.extra["chunks"]
        print(_line(rows[-1]), flush=True)
        del inputs, res
    return rows


def auc_device(jax, probs: np.ndarray, y: np.ndarray, chunk: int = 131072) -> np.ndarray:
    """Per-row ROC AUC on the device (pairwise comparisons; ties count 1/2), in chunks."""
    jnp = jax.numpy
    pos, neg = np.flatnonzero(y > 0.5), np.flatnonzero(y <= 0.5)

    @jax.jit
    def f(p):
        a, b = p[:, pos][:, :, None], p[:, neg][:, None, :]
        return jnp.mean((a > b) + 0.5 * (a == b), axis=(1, 2))
    out = np.empty(len(probs), np.float64)
    for i in range(0, len(probs), chunk):
        part = probs[i:i + chunk]
        k = len(part)
        if k < chunk and len(probs) > chunk:
            part = np.concatenate([part, np.repeat(part[:1], chunk - k, 0)])
        out[i:i + k] = np.asarray(f(jax.device_put(part)))[:k]
    return out


def distribution(jax, arrays, n: int, devices, chunk) -> dict:
    """A whole n-seed distribution of the generic trainer: training, test AUC, summary."""
    from python_impl import batched_jax as BJ

    spec = B.article_spec()
    data = B._prepare_data(spec, *arrays[:4], arrays[4], arrays[5])
    per_call = -(-min(n, chunk) // len(devices)) * len(devices)
    fn = BJ.compiled_program(spec, len(data.x_train), len(data.x_val), len(data.x_test), True,
                             "device", "device_per_epoch", False)
    t = time.perf_counter()
    _block(jax, fn(*_generic_inputs(jax, spec, data, np.arange(per_call), devices)))
    compile_s = time.perf_counter() - t
    auc_device(jax, np.zeros((min(n, 131072), len(arrays[5])), np.float32), arrays[5])
    t = time.perf_counter()
    res = B.train_spec(spec, *arrays[:4], range(n), x_test=arrays[4], y_test=arrays[5],
                       draws="device", devices=devices, chunk=chunk)
    t_train = time.perf_counter() - t
    aucs = auc_device(jax, res.test_probabilities, arrays[5])
    acc = res.test_accuracy
    summary = {"auc_mean": float(aucs.mean()), "auc_sd": float(aucs.std(ddof=1)),
               "auc_q025_q975": [float(q) for q in np.quantile(aucs, [0.025, 0.975])],
               "accuracy_mean": float(acc.mean()), "accuracy_sd": float(acc.std(ddof=1))}
    total = time.perf_counter() - t
    return {"seeds": n, "seconds": total, "train_seconds": t_train,
            "compile_plus_first_chunk_seconds": compile_s, "chunks": res.extra["chunks"],
            "trainings_per_s": n / total, "finite": bool(np.isfinite(aucs).all()),
            "summary": summary}


# --------------------------------------------------------------------------- shared


def _row(trainer, s, sec, times, e2e, first, n_train, probs, final_loss, y_test) -> dict:
    return {
        "trainer": trainer, "S": s, "compile_plus_first_s": first, "seconds": sec,
        "all_seconds": times, "seconds_e2e": e2e, "trainings_per_s": s / sec,
        "trainings_per_s_e2e": s / e2e, "e2e_over_compiled": e2e / sec,
        "samples_per_s": s * n_train * ft.EPOCHS / sec,
        "tflops": s * ft.flops_per_training(n_train) / sec / 1e12,
        "finite": bool(np.isfinite(probs).all() and np.isfinite(final_loss).all()),
        "mean_final_loss": float(np.mean(final_loss)),
        "mean_test_auc": float(np.mean(ft.auc_per_row(probs[:10000], y_test))),
    }


def _line(r) -> str:
    return (f"{r['trainer']:>11} S={r['S']}: compiled {r['seconds']:.3f}s "
            f"{r['trainings_per_s']:.0f}/s, end to end {r['seconds_e2e']:.3f}s "
            f"{r['trainings_per_s_e2e']:.0f}/s")


def _block(jax, tree):
    """Wait for the device (jax.block_until_ready is missing from older JAX versions)."""
    for leaf in jax.tree_util.tree_leaves(tree):
        leaf.block_until_ready()


def check_cpu_vs_device(jax, arrays, w_all, idx_all, n: int) -> dict:
    """Train seeds 0..n-1 on JAX's CPU backend and on the default device, both trainers
    (the generic one with device draws: the same bits everywhere); compare."""
    errs = {}
    if w_all is not None:
        w = tuple(x[:n] for x in w_all)
        idx = idx_all[:, :, :n]
        outs = {}
        for name, d in (("cpu", jax.devices("cpu")[0]), ("device", jax.devices()[0])):
            with jax.default_device(d):
                outs[name] = ft.run_compiled("jax", w, idx, *arrays, chunk=None)
        for j, key in ((6, "loss"), (8, "val_loss"), (10, "test_probabilities"),
                       (0, "conv_kernel"), (2, "dense_kernel")):
            a, b = outs["cpu"][j].astype(np.float64), outs["device"][j].astype(np.float64)
            errs["handwritten_" + key] = float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), 1e-12))
        acc = float(np.max(np.abs(outs["cpu"][7] - outs["device"][7])) * len(arrays[0]))
    else:
        acc = 0.0
    spec = B.article_spec()
    gens = {name: B.train_spec(spec, *arrays[:4], range(n), x_test=arrays[4], y_test=arrays[5],
                               draws="device", devices=[d], return_weights=True)
            for name, d in (("cpu", jax.devices("cpu")[0]), ("device", jax.devices()[0]))}
    for key in ("loss", "val_loss"):
        a, b = gens["cpu"].histories[key], gens["device"].histories[key]
        errs["generic_" + key] = float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), 1e-12))
    a, b = gens["cpu"].test_probabilities, gens["device"].test_probabilities
    errs["generic_test_probabilities"] = float(np.max(np.abs(a - b)) / np.max(np.abs(a)))
    acc_g = float(np.max(np.abs(gens["cpu"].histories["accuracy"]
                                - gens["device"].histories["accuracy"])) * len(arrays[0]))
    return {"seeds": n, "max_rel_err": errs, "accuracy_max_row_diff": max(acc, acc_g),
            "tol": REL_TOL,
            "ok": all(e <= REL_TOL for e in errs.values()) and max(acc, acc_g) <= 1.0 + 1e-6}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,1024,10000,100000")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--check-seeds", type=int, default=8)
    ap.add_argument("--trainers", default="generic,handwritten")
    ap.add_argument("--distribution", type=int, default=1_000_000,
                    help="seeds of the timed generic distribution (0: skip)")
    ap.add_argument("--chunk", type=int, default=0,
                    help="generic: seeds per call (default batched_jax.DEVICE_CHUNK per device)")
    ap.add_argument("--workers", type=int, default=min(16, os.cpu_count() or 1))
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    sizes = [int(s) for s in a.sizes.split(",") if s]
    trainers = [t for t in a.trainers.split(",") if t]

    assert "tensorflow" not in sys.modules and "keras" not in sys.modules
    arrays = article_arrays()
    xtr = arrays[0]
    w_all = idx_all = None
    prep_s = 0.0
    if "handwritten" in trainers:
        t0 = time.perf_counter()
        w_all, idx_all = prepare_parallel(max(sizes + [a.check_seeds]), len(xtr), a.workers)
        prep_s = time.perf_counter() - t0

    import jax

    from python_impl import batched_jax as BJ

    jax.config.update("jax_default_matmul_precision", "highest")
    devices = jax.devices()
    dev = devices[0]
    device = f"{dev.platform}:{getattr(dev, 'device_kind', '?')}"
    chunk = a.chunk or BJ.DEVICE_CHUNK * len(devices)
    print(f"jax {jax.__version__}, device {device} ({len(devices)} visible, seeds sharded over "
          f"all), NVIDIA_TF32_OVERRIDE={os.environ.get('NVIDIA_TF32_OVERRIDE')}, generic chunk "
          f"{chunk}; hand-written inputs for {max(sizes)} seeds prepared in {prep_s:.1f}s",
          flush=True)
    if dev.platform == "cpu":
        print("NOTE: no accelerator visible: these are CPU numbers (the script's dry run)",
              flush=True)
    res = {"device": device, "n_devices": len(devices), "jax_version": jax.__version__,
           "prepare_seconds": prep_s, "generic_chunk": chunk,
           "flops_per_training": ft.flops_per_training(len(xtr)), "results": [],
           "check": None, "distribution": None}

    if a.check_seeds:
        res["check"] = check_cpu_vs_device(jax, arrays, w_all, idx_all, a.check_seeds)
        print("check (JAX CPU vs this device, same inputs):", json.dumps(res["check"]),
              flush=True)
    if "generic" in trainers:
        res["results"] += bench_generic(jax, arrays, sizes, a.repeats, devices, chunk)
    if "handwritten" in trainers:
        res["results"] += bench_handwritten(jax, arrays, w_all, idx_all, sizes, a.repeats)
    if a.distribution and "generic" in trainers:
        res["distribution"] = distribution(jax, arrays, a.distribution, devices, chunk)
        d = res["distribution"]
        print(f"distribution of {d['seeds']} seeds (generic, end to end incl. AUCs): "
              f"{d['seconds']:.1f}s ({d['trainings_per_s']:.0f}/s; compile + first chunk "
              f"{d['compile_plus_first_chunk_seconds']:.1f}s apart): {json.dumps(d['summary'])}",
              flush=True)

    print()
    print(f"{'trainer':>11} {'S':>8} {'compiled s':>10} {'trainings/s':>12} {'e2e s':>8} "
          f"{'e2e /s':>10} {'e2e/comp':>8} {'TFLOP/s':>8} {'compile+1st':>11}  device")
    for r in res["results"]:
        print(f"{r['trainer']:>11} {r['S']:>8} {r['seconds']:>10.3f} {r['trainings_per_s']:>12.1f} "
              f"{r['seconds_e2e']:>8.3f} {r['trainings_per_s_e2e']:>10.1f} "
              f"{r['e2e_over_compiled']:>8.2f} {r['tflops']:>8.2f} "
              f"{r['compile_plus_first_s']:>11.2f}  {device}")
    assert "tensorflow" not in sys.modules and "keras" not in sys.modules
    target = os.environ.get("OUT")
    path = a.json or (os.path.join(target, "gpu_bench.json") if target else None)
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(res, indent=2) + "\n")
        print(f"wrote {path}")
    ok = all(r["finite"] for r in res["results"]) and (res["check"] is None or res["check"]["ok"])
    ok = ok and (res["distribution"] is None or res["distribution"]["finite"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
