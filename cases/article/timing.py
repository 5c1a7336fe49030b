"""Time one R-driven run against one native Python run, each in a fresh process.

    .venv/bin/python cases/article/timing.py [--repeats 3] [--seed 7]

R-driven: `run_script(article.R, seed=...)` (spawn the worker, start R, run the article's script
through the keras bridge, read the checkpoints). Native: a fresh `python` that imports TensorFlow/Keras and
does build_model + fit + evaluate + predict on the same split and scaling (R's, read from R
beforehand). Both wall-clock times include process start and the TensorFlow import. Runs
alternate (R, native, R, native, ...) so machine load drifts hit both alike.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NATIVE_CODE = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
from python_impl import training
from python_impl.data import features_labels, load_gbsg
from python_impl.model import build_model, keras, seed_everything
from python_impl.preprocess import r_scale
keras()
t_import = time.perf_counter() - t0
req = json.load(open(sys.argv[1]))
x, y = features_labels(load_gbsg())
xs, _, _ = r_scale(x)
tr, va, te = (np.asarray(req[k]) - 1 for k in ("train", "val", "test"))
if req["seed"] is not None:
    seed_everything(req["seed"])
model = build_model()
t = time.perf_counter()
hist = training.fit(model, xs[tr], y[tr], xs[va], y[va])
t_fit = time.perf_counter() - t
loss, acc = training.evaluate(model, xs[te], y[te])
pred = training.predict(model, xs[te])
json.dump({"predictions": pred.tolist(), "loss": loss, "accuracy": acc, "history": hist,
           "timings": {"import": t_import, "fit": t_fit, "process": time.perf_counter() - t0}},
          open(sys.argv[2], "w"))
"""


def native_run(train, val, test, seed: int | None, timeout: float = 600) -> dict:
    """The native pipeline in a fresh Python process; returns its predictions and timings."""
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="native_run_") as tmp:
        req, out = Path(tmp) / "req.json", Path(tmp) / "out.json"
        req.write_text(json.dumps({"train": [int(i) for i in train], "val": [int(i) for i in val],
                                   "test": [int(i) for i in test], "seed": seed}))
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", NATIVE_CODE, str(req), str(out)], cwd=root,
                              capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - t
        if proc.returncode != 0:
            raise RuntimeError(f"native run failed: {proc.stderr[-2000:]}")
        res = json.loads(out.read_text())
    res["timings"]["wall"] = wall
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    from parity.case import load_case
    from r_reference.runner import run_script

    case = load_case(Path(__file__).with_name("case.toml"))
    exprs = {"train": "train_indices", "val": "val_indices", "test": "test_indices",
             "predictions": "as.numeric(predictions)"}
    r_walls, n_walls, rows = [], [], []
    for i in range(args.repeats):
        t = time.perf_counter()
        r = run_script(case.r_script, checkpoints=exprs, seed=args.seed)
        r_wall = time.perf_counter() - t
        v = {k: x.data for k, x in r.values.items()}
        n = native_run(v["train"], v["val"], v["test"], args.seed)
        r_walls.append(r_wall)
        n_walls.append(n["timings"]["wall"])
        rows.append({"r_wall": r_wall, "r_timings": r.timings, "native_wall": n["timings"]["wall"],
                     "native_timings": n["timings"],
                     "max_abs_pred_diff": max(abs(a - b) for a, b in zip(v["predictions"], n["predictions"]))})
        print(f"run {i + 1}: R-driven {r_wall:.2f} s (R start {r.timings['r_start_s']:.2f}, keras import "
              f"{r.timings.get('keras_import_s', 0):.2f}, fit {r.timings.get('fit_s', 0):.2f}) | native "
              f"{n['timings']['wall']:.2f} s (import {n['timings']['import']:.2f}, fit {n['timings']['fit']:.2f}) "
              f"| ratio {r_wall / n['timings']['wall']:.2f} | max |dpred| {rows[-1]['max_abs_pred_diff']:.2g}")
    rm, nm = statistics.median(r_walls), statistics.median(n_walls)
    print(f"median: R-driven {rm:.2f} s, native {nm:.2f} s, ratio {rm / nm:.2f} (target <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
