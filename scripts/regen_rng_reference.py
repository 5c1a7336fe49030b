"""Regenerate tests/reference/r_rng_cases.json from live R.

Run: .venv/bin/python scripts/regen_rng_reference.py
Each case records the exact R call that produced it; the file records R's version.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from r_reference.availability import run_rscript

OUT = Path(__file__).resolve().parents[1] / "tests" / "reference" / "r_rng_cases.json"


def cases() -> list[dict]:
    g = np.random.default_rng(20261128)
    out = [
        {"seed": 123, "n": 686, "k": 480},  # the article's draw
        {"seed": 0, "n": 1, "k": 1},
        {"seed": -1, "n": 2, "k": 2},
        {"seed": 2147483647, "n": 65536, "k": 10},
        {"seed": -2147483647, "n": 65537, "k": 10},
        {"seed": 7, "n": 1000003, "k": 20},
        {"seed": 99, "n": 3, "k": 3},
        {"seed": 31, "n": 20000000, "k": 15},  # n > 1e7: R uses sample2 (hash)
        {"seed": 32, "n": 10000000, "k": 12},  # n = 1e7 exactly: plain sample (useHash needs n > 1e7)
    ]
    for _ in range(25):
        n = int(g.choice([g.integers(1, 50), g.integers(50, 5000), g.integers(5000, 3_000_000)]))
        out.append({"seed": int(g.integers(-2**31 + 1, 2**31)), "n": n, "k": int(g.integers(1, min(n, 300) + 1))})
    return out


def main() -> None:
    records = []
    for c in cases():
        call = f"set.seed({c['seed']}); x <- sample({c['n']}, {c['k']}); u <- runif(3)"
        txt = run_rscript(call + "; cat(x, sep=' '); cat('\\n'); cat(sprintf('%.17g', u), sep=' ')")
        line_x, line_u = txt.strip().splitlines()
        records.append({**c, "r_call": call, "sample": [int(v) for v in line_x.split()],
                        "runif_after": [float(v) for v in line_u.split()]})
    # vectors: sample(v, k) and the length-1 pitfall
    for call in ["set.seed(5); x <- sample(c(10, 20, 30, 40), 2)", "set.seed(5); x <- sample(c(10), 3)",
                 "set.seed(5); x <- sample(c(3L, 9L, 27L), 3)", "set.seed(11); x <- sample(686, 686)"]:
        txt = run_rscript(call + "; cat(x, sep=' ')")
        records.append({"r_call": call, "sample": [int(v) for v in txt.split()]})
    version = run_rscript("cat(R.version.string)")
    OUT.write_text(json.dumps({"generated_by": "scripts/regen_rng_reference.py", "r_version": version,
                               "rng_kind": "Mersenne-Twister / Inversion / Rejection", "cases": records},
                              indent=1) + "\n")
    print(f"wrote {OUT} ({len(records)} cases, {version})")


if __name__ == "__main__":
    main()
