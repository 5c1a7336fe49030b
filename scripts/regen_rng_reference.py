#!/usr/bin/env python
"""Regenerate tests/reference/r_rng_cases.json from live R, and drive R for the live RNG tests.

    .venv/bin/python scripts/regen_rng_reference.py           # writes the reference file
    .venv/bin/python scripts/regen_rng_reference.py --check   # re-runs R, compares, writes nothing

Two kinds of stored case, each with the exact R call(s) that produced it and R's version:

* "cases": `set.seed(s); x <- sample(n, k); u <- runif(3)` and `sample(<vector>, k)` (the article's
  RNG use);
* "programs": random programs of R calls (sample with/without replacement and prob, both
  sample.kinds, runif, rnorm, rexp, rbinom, rpois), drawn with numpy's default_rng(PROGRAM_SEED);
  each call is followed by R's output and some programs end with R's `.Random.seed`.

`run_r(programs)` executes many programs in ONE Rscript process (programs go to R as a text file,
numbers as C99 hex floats, which R reads exactly; R prints %.17g, which round-trips), and
`run_python(program)` runs the same calls on `python_impl.rrandom.RRandom`; tests/test_rrandom*.py
use both with freshly drawn programs.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from r_reference.availability import run_rscript  # noqa: E402

OUT = REPO / "tests" / "reference" / "r_rng_cases.json"
PROGRAM_SEED = 20261205
GROUPS = ("sample", "sample_replace", "sample_rounding", "sample_prob_replace", "sample_prob_walker",
          "sample_prob_noreplace", "runif", "rnorm", "rexp", "rbinom", "rpois", "interleaved")

R_DRIVER = r"""
.args <- commandArgs(trailingOnly = TRUE)
.lines <- readLines(.args[1])
.out <- character(length(.lines)); .k <- 0L
.fmt <- function(v) paste(sprintf("%.17g", as.numeric(v)), collapse = " ")
for (.ln in .lines) {
  .t <- strsplit(.ln, " ", fixed = TRUE)[[1]]
  if (.t[1] == "S") {
    suppressWarnings(RNGkind("Mersenne-Twister", "Inversion", .t[3])); set.seed(as.integer(.t[4]))
  } else if (.t[1] == "C") {
    .a <- .t[-(1:4)]
    .v <- switch(.t[4],
      sample = sample(as.numeric(.a[1]), as.numeric(.a[2]), as.logical(.a[3]),
                      if (.a[4] == "NULL") NULL else as.numeric(.a[-(1:3)])),
      runif = runif(as.numeric(.a[1]), as.numeric(.a[2]), as.numeric(.a[3])),
      rnorm = rnorm(as.numeric(.a[1]), as.numeric(.a[2]), as.numeric(.a[3])),
      rexp = rexp(as.numeric(.a[1]), as.numeric(.a[2])),
      rbinom = rbinom(as.numeric(.a[1]), as.numeric(.a[2]), as.numeric(.a[3])),
      rpois = rpois(as.numeric(.a[1]), as.numeric(.a[2])),
      stop("unknown call ", .t[4]))
    .k <- .k + 1L; .out[.k] <- paste(.t[2], .t[3], .fmt(.v), sep = "\t")
  } else if (.t[1] == "R") {
    .k <- .k + 1L; .out[.k] <- paste(.t[2], "seed", paste(.Random.seed, collapse = " "), sep = "\t")
  }
}
writeLines(.out[seq_len(.k)], .args[2])
"""


# ------------------------------------------------------------------------------------------------
# programs
# ------------------------------------------------------------------------------------------------
def _weights(g: np.random.Generator, n: int) -> list[float]:
    """Weights with the shapes that matter: integer ties and zeros, continuous, one dominant."""
    kind = int(g.integers(0, 4))
    if kind == 0:
        w = g.integers(0, 6, n).astype(float)
        if not w.any():
            w[int(g.integers(0, n))] = 1.0
    elif kind == 1:
        w = g.random(n)
    elif kind == 2:
        w = g.exponential(1.0, n)
    else:
        w = g.random(n) * 0.01
        w[int(g.integers(0, n))] = 5.0
    return [round(float(v), 6) for v in w]  # short in the JSON; R still reads them as hex, exactly


def _uniform_n(g) -> int:
    r = g.random()
    if r < 0.35:
        return int(g.integers(1, 50))
    if r < 0.7:
        return int(g.integers(50, 70000))
    if r < 0.97:
        return int(g.integers(70000, 9_000_000))
    return int(g.integers(10_000_001, 60_000_000))  # sample.int(useHash = TRUE) -> do_sample2


def _call(g, group: str) -> list:
    if group in ("sample", "sample_replace"):
        n = _uniform_n(g)
        rep = group == "sample_replace"
        return ["sample", n, int(g.integers(0, 150 if rep else min(n, 150) + 1)), rep, None]
    if group == "sample_rounding":
        r = g.random()
        if r < 0.7:
            n = _uniform_n(g)
            rep = bool(g.random() < 0.5)
            return ["sample", n, int(g.integers(0, 150 if rep else min(n, 150) + 1)), rep, None]
        n = int(g.integers(201, 600)) if r < 0.85 else int(g.integers(1, 200))
        return ["sample", n, int(g.integers(1, 60)), True, [round(1.0 + float(v), 4) for v in g.random(n)]]
    if group == "sample_prob_replace":
        n = int(g.integers(1, 201))
        return ["sample", n, int(g.integers(0, 80)), True, _weights(g, n)]
    if group == "sample_prob_walker":
        n = int(g.integers(201, 700))
        w = [round(0.5 + float(v), 4) for v in g.random(n)] if g.random() < 0.7 else _weights(g, n)
        return ["sample", n, int(g.integers(1, 80)), True, w]
    if group == "sample_prob_noreplace":
        n = int(g.integers(1, 250))
        w = _weights(g, n)
        npos = sum(v > 0 for v in w)
        return ["sample", n, int(g.integers(0, min(npos, 40) + 1)), False, w]
    if group == "runif":
        lo = float(g.normal(0, 10))
        return ["runif", int(g.integers(0, 40)), lo, lo + float(g.exponential(5))]
    if group == "rnorm":
        sd = 0.0 if g.random() < 0.03 else float(g.exponential(3))
        return ["rnorm", int(g.integers(0, 40)), float(g.normal(0, 5)), sd]
    if group == "rexp":
        return ["rexp", int(g.integers(0, 40)), float(np.exp(g.uniform(-4, 4)))]
    if group == "rbinom":
        r = g.random()
        size = int(g.integers(0, 25)) if r < 0.4 else int(g.integers(25, 2000)) if r < 0.8 \
            else int(g.integers(2000, 3_000_000))
        pr = float(g.random())
        if g.random() < 0.05:
            pr = float(g.choice([0.0, 1.0]))
        return ["rbinom", int(g.integers(0, 30)), size, pr]
    if group == "rpois":
        r = g.random()
        lam = float(g.uniform(0, 10)) if r < 0.45 else float(g.uniform(10, 500)) if r < 0.85 \
            else float(np.exp(g.uniform(np.log(500), np.log(1e6))))
        if g.random() < 0.1:  # repeated lambdas exercise rpois.c's cached tables
            lam = float(g.choice([0.0, 1.5, 3.0, 9.99, 10.0, 25.0]))
        return ["rpois", int(g.integers(0, 30)), lam]
    raise ValueError(group)


def draw_programs(g: np.random.Generator, per_group: int, groups=GROUPS) -> list[dict]:
    """Random programs: per group, `per_group` (seed, call) programs each followed by runif(2)
    (the stream must continue exactly); "interleaved" programs mix 2-7 calls and end with
    R's .Random.seed."""
    progs = []
    singles = [x for x in GROUPS if x != "interleaved"]
    for group in groups:
        for i in range(per_group):
            kind = "Rounding" if group == "sample_rounding" else "Rejection"
            seed = int(g.integers(-2**31 + 1, 2**31))
            if group == "interleaved":
                if g.random() < 0.25:
                    kind = "Rounding"
                calls = [_call(g, str(g.choice(singles))) for _ in range(int(g.integers(2, 8)))]
                progs.append({"id": f"{group}-{i}", "group": group, "kind": kind, "seed": seed,
                              "calls": calls, "random_seed": True})
            else:
                progs.append({"id": f"{group}-{i}", "group": group, "kind": kind, "seed": seed,
                              "calls": [_call(g, group), ["runif", 2, 0.0, 1.0]], "random_seed": False})
    return progs


def _tok(v) -> str:
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    return float(v).hex()


def _program_lines(p: dict) -> list[str]:
    lines = [f"S {p['id']} {p['kind']} {p['seed']}"]
    for j, c in enumerate(p["calls"]):
        if c[0] == "sample":
            _, n, size, rep, prob = c
            args = [n, size, rep] + (["NULL"] if prob is None else list(prob))
        else:
            args = c[1:]
        lines.append(" ".join(["C", p["id"], str(j), c[0]] + [a if isinstance(a, str) else _tok(a) for a in args]))
    if p["random_seed"]:
        lines.append(f"R {p['id']}")
    return lines


def r_call_text(p: dict) -> str:
    """The R code a program stands for (what the JSON records as `r_call`)."""
    kind = "" if p["kind"] == "Rejection" else 'RNGkind(sample.kind = "Rounding"); '
    parts = [f"{kind}set.seed({p['seed']})"]
    for c in p["calls"]:
        if c[0] == "sample":
            _, n, size, rep, prob = c
            pr = "" if prob is None else f", prob = <{len(prob)} weights>"
            parts.append(f"sample({n}, {size}, replace = {'TRUE' if rep else 'FALSE'}{pr})")
        else:
            parts.append(f"{c[0]}({', '.join(repr(a) for a in c[1:])})")
    if p["random_seed"]:
        parts.append(".Random.seed")
    return "; ".join(parts)


def run_r(programs: list[dict], timeout: float = 300) -> dict[str, dict]:
    """All programs in ONE Rscript process -> {id: {"outputs": [[...] per call], "random_seed": [...]}}."""
    with tempfile.TemporaryDirectory(prefix="rng_ref_") as tmp:
        src, dst, drv = Path(tmp) / "programs.txt", Path(tmp) / "out.txt", Path(tmp) / "driver.R"
        src.write_text("\n".join(line for p in programs for line in _program_lines(p)) + "\n")
        drv.write_text(R_DRIVER)
        run_rscript(f'commandArgs <- function(trailingOnly = TRUE) c("{src}", "{dst}"); source("{drv}")',
                    timeout=timeout)
        text = dst.read_text()
    res: dict[str, dict] = {p["id"]: {"outputs": [], "random_seed": None} for p in programs}
    for line in text.splitlines():
        pid, what, vals = line.split("\t")
        if what == "seed":
            res[pid]["random_seed"] = [int(v) for v in vals.split()]
        else:
            res[pid]["outputs"].append([float(v) for v in vals.split()] if vals else [])
    return res


def run_python(p: dict) -> dict:
    """The same program on RRandom."""
    from python_impl.rrandom import RRandom

    r = RRandom(p["seed"], sample_kind=p["kind"])
    outs = []
    for c in p["calls"]:
        f = c[0]
        if f == "sample":
            _, n, size, rep, prob = c
            v = r.sample(n, size, replace=rep, prob=prob)
        elif f == "runif":
            v = r.runif(c[1], c[2], c[3])
        elif f == "rnorm":
            v = r.rnorm(c[1], c[2], c[3])
        elif f == "rexp":
            v = r.rexp(c[1], c[2])
        elif f == "rbinom":
            v = r.rbinom(c[1], c[2], c[3])
        elif f == "rpois":
            v = r.rpois(c[1], c[2])
        else:
            raise ValueError(f)
        outs.append([float(x) for x in np.asarray(v, dtype=float)])
    return {"outputs": outs, "random_seed": r.random_seed.tolist() if p["random_seed"] else None}


def first_difference(p: dict, want: dict, got: dict) -> str | None:
    """None when Python equals R bit for bit, else a message naming the call and position."""
    if len(want["outputs"]) != len(got["outputs"]):
        return f"{p['id']}: R printed {len(want['outputs'])} results, Python {len(got['outputs'])}"
    for j, (w, gv) in enumerate(zip(want["outputs"], got["outputs"])):
        if len(w) != len(gv):
            return f"{p['id']} call {j} {p['calls'][j][:4]}: length {len(gv)} != R's {len(w)}"
        for i, (a, b) in enumerate(zip(w, gv)):
            if not (a == b or (math.isnan(a) and math.isnan(b))):
                return (f"{p['id']} ({r_call_text(p)[:200]}) call {j}, value {i}: Python {b!r} != R {a!r}")
    if want["random_seed"] != got["random_seed"]:
        return f"{p['id']}: .Random.seed differs after the program"
    return None


# ------------------------------------------------------------------------------------------------
# the article-style cases (unchanged format)
# ------------------------------------------------------------------------------------------------
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


VECTOR_CALLS = ["set.seed(5); x <- sample(c(10, 20, 30, 40), 2)", "set.seed(5); x <- sample(c(10), 3)",
                "set.seed(5); x <- sample(c(3L, 9L, 27L), 3)", "set.seed(11); x <- sample(686, 686)"]


def _article_cases() -> list[dict]:
    cs = cases()
    code = []
    for c in cs:
        call = f"set.seed({c['seed']}); x <- sample({c['n']}, {c['k']}); u <- runif(3)"
        code.append(call + "; cat(x, sep=' '); cat('\\n'); cat(sprintf('%.17g', u), sep=' '); cat('\\n')")
    for call in VECTOR_CALLS:
        code.append(call + "; cat(x, sep=' '); cat('\\n')")
    lines = run_rscript("\n".join(code)).strip().splitlines()
    records = []
    for i, c in enumerate(cs):
        call = f"set.seed({c['seed']}); x <- sample({c['n']}, {c['k']}); u <- runif(3)"
        records.append({**c, "r_call": call, "sample": [int(v) for v in lines[2 * i].split()],
                        "runif_after": [float(v) for v in lines[2 * i + 1].split()]})
    for j, call in enumerate(VECTOR_CALLS):
        records.append({"r_call": call, "sample": [int(v) for v in lines[2 * len(cs) + j].split()]})
    return records


def build_reference(per_group: int = 10) -> dict:
    progs = draw_programs(np.random.default_rng(PROGRAM_SEED), per_group)
    r = run_r(progs)
    version = run_rscript("cat(R.version.string)")
    return {
        "generated_by": "scripts/regen_rng_reference.py", "r_version": version,
        "rng_kind": "Mersenne-Twister / Inversion / Rejection (programs of group sample_rounding, and "
                    "some interleaved ones, use sample.kind = 'Rounding')",
        "cases": _article_cases(),
        "program_seed": PROGRAM_SEED, "programs_per_group": per_group,
        "programs": [{**p, "r_call": r_call_text(p), "r_outputs": r[p["id"]]["outputs"],
                      "r_random_seed": r[p["id"]]["random_seed"]} for p in progs],
    }


def _dumps(ref: dict) -> str:
    """One program per line (diff-friendly)."""
    head = {k: v for k, v in ref.items() if k not in ("cases", "programs")}
    body = json.dumps(head, indent=1)[:-2]
    parts = [body + ',\n "cases": [\n' + ",\n".join("  " + json.dumps(c) for c in ref["cases"]) + "\n ]"]
    parts.append(' "programs": [\n' + ",\n".join("  " + json.dumps(p) for p in ref["programs"]) + "\n ]")
    return ",\n".join(parts) + "\n}\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare a fresh R run with the stored file")
    a = ap.parse_args(argv)
    ref = build_reference()
    if a.check:
        stored = json.loads(OUT.read_text())
        same = {k: v for k, v in stored.items() if k != "r_version"} == \
            {k: v for k, v in json.loads(_dumps(ref)).items() if k != "r_version"}
        print("stored reference matches R" if same else "stored reference DIFFERS from R")
        return 0 if same else 1
    OUT.write_text(_dumps(ref))
    print(f"wrote {OUT.relative_to(REPO)}: {len(ref['cases'])} cases, {len(ref['programs'])} programs "
          f"({ref['r_version']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
