#!/usr/bin/env python
"""Regenerate pROC's stored answers: tests/reference/proc_cases.json, proc_asah.json,
proc_suite.json and proc_features.json.

    python scripts/regen_proc_reference.py                      # writes all four files
    python scripts/regen_proc_reference.py --check              # runs R, compares with the stored files
    python scripts/regen_proc_reference.py --article-from-keras # also re-derives the article's predictions

* proc_cases.json: fixed ROC cases (roc, ci.auc, coords "best", var, paired roc.test). Inputs are
  drawn here with numpy's default_rng(SEED) and handed to R exactly: each case is a temporary CSV
  whose numbers are C99 hex floats (float.hex(); R's read.csv parses them exactly, where decimal
  strings go through R's own strtod), and R echoes every predictor back with %.17g so the round
  trip is checked before anything is written.
* proc_asah.json: pROC's data(aSAH), exported exactly.
* proc_suite.json: pROC 1.18.0's own test suite (tests/testthat), the in-scope cases (SUITE: each
  names its test file and test_that() block, its R call and the Python spelling) plus the two
  level-coercion cases of issue #13, with R's outputs.
* proc_features.json: random feature cases (make_feature_jobs: levels coercion, percent, partial
  AUC, coords, bootstrap CIs, roc.test, Inf) and the article's bootstrap intervals under
  set.seed(1), with R's outputs.

R is run with `r_reference.availability.run_rscript`, one process per file. Every file records the
R and pROC versions and, for every number, the R call that printed it (%.17g). `run_r`,
`run_r_jobs`, `run_suite_r` and `run_spec_r` are also what tests/test_roc*.py's live checks use.
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

OUT = REPO / "tests" / "reference" / "proc_cases.json"
SEED = 20240531

# Everything each case's R block does after reading `response`/`predictor`.
CASE_CALLS = [
    "r <- roc(response, predictor{args})",
    "ci.auc(r)",
    "ci.auc(r, conf.level = 0.9)",
    'coords(r, "best")',
    "var(r)",
]
TEST_CALLS = [
    "r1 <- roc(response, predictor)",
    "r2 <- roc(response, predictor2)",
    'roc.test(r1, r2, method = "delong", paired = TRUE)',
]

R_PRELUDE = r"""
suppressPackageStartupMessages(library(pROC))
.num <- function(x) paste(sprintf("%.17g", as.numeric(x)), collapse = ",")
.emit <- function(case, key, x) cat(case, "\t", key, "\t", .num(x), "\n", sep = "")
.emits <- function(case, key, x)
  cat(case, "\t", key, "\t", paste(gsub("[\t\n|]", " ", as.character(x)), collapse = "|"), "\n", sep = "")
.caught <- character(0)
.catch <- function(expr) withCallingHandlers(expr, warning = function(w) {
  .caught <<- c(.caught, conditionMessage(w)); invokeRestart("muffleWarning") })
.emits("_meta", "r_version", R.version.string)
.emits("_meta", "proc_version", as.character(packageVersion("pROC")))
.emits("_meta", "lc_collate", Sys.getlocale("LC_COLLATE"))
.emits("_meta", "icu", if (capabilities("ICU")) icuGetCollate() else "no ICU")
"""


# ------------------------------------------------------------------------------------------
# cases
# ------------------------------------------------------------------------------------------
def _shuffle(rng, labels, scores):
    order = rng.permutation(len(labels))
    return [labels[i] for i in order], [float(scores[i]) for i in order]


def _two_class(rng, n0, n1, mu0, mu1, lab=(0, 1), rnd=None):
    s0, s1 = rng.normal(mu0, 1.0, n0), rng.normal(mu1, 1.0, n1)
    scores = np.concatenate((s0, s1))
    if rnd is not None:
        scores = np.round(scores, rnd)
    return _shuffle(rng, [lab[0]] * n0 + [lab[1]] * n1, scores)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def make_cases(seed: int = SEED) -> list[dict]:
    """The fixed reference cases (inputs only)."""
    rng = np.random.default_rng(seed)
    cases = []

    def add(name, description, response, predictor, *, kind="numeric", matrix=False,
            direction=None, levels=None):
        cases.append({"name": name, "description": description, "response": list(response),
                      "predictor": [float(v) for v in predictor], "response_kind": kind,
                      "matrix": matrix, "direction": direction, "levels": levels})

    r, p = _two_class(rng, 40, 35, 0.0, 0.9)
    add("continuous_no_ties", "normal scores, cases shifted up, no ties; 0/1 labels", r, p)
    r, p = _two_class(rng, 50, 50, 0.0, 0.5, rnd=1)
    add("heavy_ties", "normal scores rounded to 1 decimal (many ties within and across "
        "classes)", r, p)
    r, p = _two_class(rng, 30, 30, 1.0, 0.0)
    add("auto_picks_gt", "cases score LOWER than controls: direction auto -> '>'", r, p)
    r, p = _two_class(rng, 25, 20, 0.0, 1.0, lab=("Good", "Poor"))
    add("string_labels", "character labels Good/Poor (control = Good)", r, p, kind="character")
    r, p = _two_class(rng, 25, 20, 0.0, 1.0, lab=("no", "Yes"))
    add("string_labels_collation", "labels no/Yes: R's ICU collation puts 'no' first "
        "(byte order would put 'Yes' first)", r, p, kind="character")
    r, p = _two_class(rng, 30, 25, 0.0, 0.8, lab=(1, 2))
    add("one_two_coded", "response coded 1/2 (control = 1)", r, p)
    lab = rng.permutation([0] * 40 + [1] * 30)
    p = _sigmoid(rng.normal(-0.3, 1.0, 70) + 1.0 * lab).astype(np.float32).astype(np.float64)
    add("matrix_predictor", "n x 1 matrix predictor of float32 sigmoid outputs "
        "(the article's predict() shape); pROC warns", lab.tolist(), p, matrix=True)
    add("small_n", "5 per class with a tie across classes",
        [0, 1, 0, 1, 0, 1, 0, 1, 0, 1], [0.2, 0.9, 0.4, 0.4, 0.1, 0.7, 0.65, 0.3, 0.5, 0.8])
    lab = rng.permutation([0] * 60 + [1] * 44)
    p = _sigmoid(rng.normal(-0.4, 1.0, 104) + 0.9 * lab).astype(np.float32).astype(np.float64)
    add("test_set_like", "104 rows like the article's test set (60/44), float32 sigmoid "
        "probabilities", lab.tolist(), p)
    add("auto_lt_auc_below_half", "medians say '<' (3 <= 3.5) but AUC = 0.36: pROC's auto "
        "direction does not guarantee AUC >= 0.5",
        [0] * 5 + [1] * 5, [1, 2, 3, 100, 100, 3.5, 3.5, 3.5, 0, 0])
    near = [1.0, 1.0 + 2.0 ** -52, 2.0, 3.0, 2.0 + 2.0 ** -51, 0.5]
    add("near_tie_thresholds_lt", "adjacent doubles: midpoints round onto a score, pROC "
        "moves them (direction '<')", [0, 1, 0, 1, 0, 1], near, direction="<")
    add("near_tie_thresholds_gt", "same data, direction '>' forced", [0, 1, 0, 1, 0, 1], near,
        direction=">")
    r, p = _two_class(rng, 20, 20, 0.0, 1.0)
    r = r + [2, 2, 2, None, 0, 1]
    p = p + [0.1, 5.0, -1.0, 0.3, float("nan"), float("nan")]
    add("extra_level_and_na", "labels 0/1/2 (pROC warns, keeps 0/1, drops 2s), NA label and "
        "NA scores dropped", r, p)
    r, p = _two_class(rng, 20, 25, 0.0, 1.0)
    add("explicit_levels_reversed", "levels = c(1, 0): control = 1, case = 0", r, p,
        levels=[1, 0])
    add("constant_predictor", "one unique score: thresholds -Inf, Inf; AUC 0.5; var 0",
        [0, 0, 0, 1, 1, 1], [0.5] * 6)
    add("perfect_separation", "AUC 1 (pROC warns in ci.auc and var)",
        [0, 0, 0, 0, 1, 1, 1], [0.1, 0.2, 0.2, 0.3, 0.6, 0.7, 0.8])
    return cases


def make_roc_tests(seed: int = SEED + 1) -> list[dict]:
    rng = np.random.default_rng(seed)
    tests = []
    lab = rng.permutation([0] * 55 + [1] * 49)
    latent = rng.normal(0, 1, 104) + 1.0 * lab
    p1 = latent + rng.normal(0, 0.7, 104)
    p2 = latent + rng.normal(0, 1.2, 104)
    tests.append({"name": "paired_continuous", "description": "two correlated continuous "
                  "scores on one test set", "response": lab.tolist(),
                  "predictor": p1.tolist(), "predictor2": p2.tolist()})
    p1 = np.round(latent + rng.normal(0, 0.5, 104), 1)
    p2 = np.round(_sigmoid(latent + rng.normal(0, 1.5, 104)), 2)
    p2 = p2.tolist()
    for i in (3, 17, 60):
        p2[i] = float("nan")
    tests.append({"name": "paired_ties_and_na", "description": "tied scores; three NA in the "
                  "second predictor, so pROC rebuilds both curves on the common rows",
                  "response": lab.tolist(), "predictor": p1.tolist(), "predictor2": p2})
    return tests


# ------------------------------------------------------------------------------------------
# R side
# ------------------------------------------------------------------------------------------
def _cell(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "NA"
    if isinstance(v, float):
        return float(v).hex()
    return str(v)


def _write_csv(path: Path, columns: dict[str, list]) -> None:
    names = list(columns)
    rows = zip(*(columns[c] for c in names))
    path.write_text(",".join(names) + "\n" + "".join(",".join(_cell(v) for v in row) + "\n"
                                                     for row in rows))


def _r_value(v) -> str:
    return f'"{v}"' if isinstance(v, str) else repr(v)


def _roc_args(case: dict) -> str:
    args = ""
    if case.get("direction"):
        args += f', direction = "{case["direction"]}"'
    if case.get("levels") is not None:
        args += ", levels = c(" + ", ".join(_r_value(v) for v in case["levels"]) + ")"
    return args


def case_r_calls(case: dict) -> list[str]:
    calls = []
    if case["matrix"]:
        calls.append("predictor <- matrix(predictor, ncol = 1)")
    calls += [c.format(args=_roc_args(case)) for c in CASE_CALLS]
    return calls


def _case_block(case: dict, csv: Path) -> str:
    n = case["name"]
    rc = "character" if case["response_kind"] == "character" else "numeric"
    mat = "predictor <- matrix(predictor, ncol = 1)\n" if case["matrix"] else ""
    return f"""
local({{
  .caught <<- character(0)
  d <- read.csv("{csv}", colClasses = c(response = "{rc}", predictor = "numeric"))
  response <- d$response; predictor <- d$predictor
  .emit("{n}", "input_echo", predictor)
  {mat}r <- .catch(roc(response, predictor{_roc_args(case)}))
  ci95 <- .catch(ci.auc(r)); ci90 <- .catch(ci.auc(r, conf.level = 0.9))
  b <- .catch(coords(r, "best")); v <- .catch(var(r))
  .emit("{n}", "auc", r$auc); .emits("{n}", "direction", r$direction)
  .emits("{n}", "levels", r$levels)
  .emit("{n}", "thresholds", r$thresholds); .emit("{n}", "sensitivities", r$sensitivities)
  .emit("{n}", "specificities", r$specificities)
  .emit("{n}", "ci_auc_95", ci95); .emit("{n}", "ci_auc_90", ci90)
  .emit("{n}", "best_threshold", b$threshold); .emit("{n}", "best_specificity", b$specificity)
  .emit("{n}", "best_sensitivity", b$sensitivity); .emit("{n}", "var_delong", v)
  .emits("{n}", "warnings", unique(.caught))
}})
"""


def _test_block(test: dict, csv: Path) -> str:
    n = test["name"]
    return f"""
local({{
  .caught <<- character(0)
  d <- read.csv("{csv}", colClasses = c(response = "numeric", predictor = "numeric",
                                         predictor2 = "numeric"))
  response <- d$response; predictor <- d$predictor; predictor2 <- d$predictor2
  .emit("{n}", "input_echo", predictor); .emit("{n}", "input_echo2", predictor2)
  r1 <- .catch(roc(response, predictor)); r2 <- .catch(roc(response, predictor2))
  t <- .catch(roc.test(r1, r2, method = "delong", paired = TRUE))
  .emit("{n}", "z", t$statistic); .emit("{n}", "p_value", t$p.value)
  .emit("{n}", "auc1", t$estimate[1]); .emit("{n}", "auc2", t$estimate[2])
  .emit("{n}", "conf_int", t$conf.int)
  .emits("{n}", "warnings", unique(.caught))
}})
"""


def _parse_num(s: str) -> float:
    return {"Inf": math.inf, "-Inf": -math.inf, "NA": math.nan, "NaN": math.nan}.get(s) \
        if s in ("Inf", "-Inf", "NA", "NaN") else float(s)


_STRING_KEYS = {"direction", "levels", "warnings", "r_version", "proc_version", "lc_collate",
                "icu"}


def _parse(stdout: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for line in stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != 3:
            continue
        case, key, val = parts
        if key in _STRING_KEYS:
            value = val.split("|") if val else []
        else:
            value = [_parse_num(v) for v in val.split(",")] if val else []
        out.setdefault(case, {})[key] = value
    return out


def _check_echo(name: str, sent: list, echo: list) -> None:
    sent_f = [math.nan if v is None else float(v) for v in sent]
    ok = len(sent_f) == len(echo) and all(
        (math.isnan(a) and math.isnan(b)) or a == b for a, b in zip(sent_f, echo))
    if not ok:
        raise RuntimeError(f"{name}: R did not read the predictor back exactly")


def run_r(cases: list[dict], tests: list[dict] = (), timeout: float = 300) -> dict:
    """Run pROC on `cases` (see make_cases) and paired `tests` in ONE Rscript process.

    Returns {"meta": {...}, "cases": {name: {...}}, "tests": {name: {...}}} with floats
    (Inf/NaN as floats), strings lists for direction/levels/warnings."""
    with tempfile.TemporaryDirectory(prefix="proc_ref_") as tmp:
        code = [R_PRELUDE]
        for i, c in enumerate(cases):
            csv = Path(tmp) / f"case{i}.csv"
            _write_csv(csv, {"response": c["response"], "predictor": c["predictor"]})
            code.append(_case_block(c, csv))
        for i, t in enumerate(tests):
            csv = Path(tmp) / f"test{i}.csv"
            _write_csv(csv, {"response": t["response"], "predictor": t["predictor"],
                             "predictor2": t["predictor2"]})
            code.append(_test_block(t, csv))
        # Rscript -e silently ignores expressions longer than ~10,000 characters (it prints
        # "WARNING: '-e ... ' is too long" and exits 0), so the code goes in a file.
        script = Path(tmp) / "proc_reference.R"
        script.write_text("\n".join(code))
        stdout = run_rscript(f'source("{script}")', timeout=timeout)
    res = _parse(stdout)
    if "_meta" not in res:
        raise RuntimeError(f"unexpected Rscript output: {stdout[:500]!r}")
    meta = {k: v[0] for k, v in res.pop("_meta").items()}
    for c in cases:
        _check_echo(c["name"], c["predictor"], res[c["name"]].pop("input_echo"))
    for t in tests:
        _check_echo(t["name"], t["predictor"], res[t["name"]].pop("input_echo"))
        _check_echo(t["name"], t["predictor2"], res[t["name"]].pop("input_echo2"))
    return {"meta": meta, "cases": {c["name"]: res[c["name"]] for c in cases},
            "tests": {t["name"]: res[t["name"]] for t in tests}}


# ------------------------------------------------------------------------------------------
# JSON (strict: non-finite floats are the strings "Inf", "-Inf", "NaN"; an NA label is null)
# ------------------------------------------------------------------------------------------
def encode(x):
    if isinstance(x, float):
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "Inf" if x > 0 else "-Inf"
        return x
    if isinstance(x, dict):
        return {k: encode(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [encode(v) for v in x]
    return x


def decode_float(x) -> float:
    if isinstance(x, str):
        return {"NaN": math.nan, "Inf": math.inf, "-Inf": -math.inf}[x]
    return float(x)


def _expected_case(r: dict) -> dict:
    best = [{"threshold": t, "specificity": sp, "sensitivity": se} for t, sp, se in
            zip(r["best_threshold"], r["best_specificity"], r["best_sensitivity"])]
    return {"auc": r["auc"][0], "direction": r["direction"][0], "levels": r["levels"],
            "thresholds": r["thresholds"], "sensitivities": r["sensitivities"],
            "specificities": r["specificities"], "ci_auc_95": r["ci_auc_95"],
            "ci_auc_90": r["ci_auc_90"], "best": best, "var_delong": r["var_delong"][0],
            "r_warnings": r["warnings"]}


def build_reference() -> dict:
    cases, tests = make_cases(), make_roc_tests()
    r = run_r(cases, tests)
    out = {
        "about": "pROC reference values for python_impl/roc.py; every number was printed by R "
                 "with sprintf('%.17g') from the R calls listed with its case",
        "regenerate": "python scripts/regen_proc_reference.py",
        "r_version": r["meta"]["r_version"], "proc_version": r["meta"]["proc_version"],
        "r_lc_collate": r["meta"]["lc_collate"], "r_icu_collator": r["meta"]["icu"],
        "seed_cases": SEED, "seed_roc_tests": SEED + 1,
        "input_transport": "temporary CSV, numbers as C99 hex floats (exact), read with "
                           "read.csv(colClasses = ...); R echoes the predictor back and it is "
                           "checked bit-for-bit",
        "cases": [], "roc_tests": [],
    }
    for c in cases:
        out["cases"].append({
            "name": c["name"], "description": c["description"],
            "inputs": {k: c[k] for k in ("response", "predictor", "response_kind", "matrix")},
            "roc_args": {"direction": c["direction"], "levels": c["levels"]},
            "r_calls": ['d <- read.csv(csv, colClasses = c(response = "%s", predictor = '
                        '"numeric")); response <- d$response; predictor <- d$predictor'
                        % ("character" if c["response_kind"] == "character" else "numeric")]
            + case_r_calls(c),
            "expected": _expected_case(r["cases"][c["name"]]),
        })
    for t in tests:
        e = r["tests"][t["name"]]
        out["roc_tests"].append({
            "name": t["name"], "description": t["description"],
            "inputs": {k: t[k] for k in ("response", "predictor", "predictor2")},
            "r_calls": TEST_CALLS,
            "expected": {"z": e["z"][0], "p_value": e["p_value"][0], "auc1": e["auc1"][0],
                         "auc2": e["auc2"][0], "conf_int": e["conf_int"],
                         "r_warnings": e["warnings"]},
        })
    return encode(out)


def dumps(obj, indent: int = 0) -> str:
    """JSON with dicts one key a line and flat lists of scalars on one line (diff-friendly)."""
    pad, pad1 = " " * indent, " " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{pad1}{json.dumps(k)}: {dumps(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        return "[\n" + ",\n".join(pad1 + dumps(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return json.dumps(obj, allow_nan=False)


# ==========================================================================================
# Jobs: one R expression and its Python spelling, evaluated on both sides on the same data.
# Used for pROC 1.18.0's own test suite (SUITE, on aSAH), for random feature cases
# (make_feature_jobs) and for the article's predictions (article_jobs). Every job states its R
# call; all jobs of a run go to R in ONE Rscript process.
# ==========================================================================================
ASAH_OUT = REPO / "tests" / "reference" / "proc_asah.json"
SUITE_OUT = REPO / "tests" / "reference" / "proc_suite.json"
FEATURES_OUT = REPO / "tests" / "reference" / "proc_features.json"
FEATURES_SEED = 20261206
RTOL_JOB = ATOL_JOB = 1e-12  # float64 both sides; only summation order differs (long double in R)

JOB_PRELUDE = r"""
suppressPackageStartupMessages(library(pROC))
options(pROCProgress = list(name = "none"))
.flat <- function(v) {
  if (is.null(v)) return(numeric(0))
  if (is.data.frame(v)) v <- as.matrix(v)
  if (is.list(v)) return(unlist(lapply(v, .flat), use.names = FALSE))
  as.numeric(v)
}
.job <- function(id, expr_text, seed = NULL) {
  w <- character(0)
  res <- tryCatch(withCallingHandlers({
      if (!is.null(seed)) set.seed(seed)
      list(ok = TRUE, v = .flat(eval(parse(text = expr_text), envir = globalenv())))
    }, warning = function(x) { w <<- c(w, conditionMessage(x)); invokeRestart("muffleWarning") },
       message = function(x) invokeRestart("muffleMessage")),
    error = function(e) list(ok = FALSE, v = conditionMessage(e)))
  w <- gsub("[\t\n|]", " ", unique(w))
  if (res$ok) {
    cat(id, "\tok\t", paste(sprintf("%.17g", res$v), collapse = ","), "\t", paste(w, collapse = "|"), "\n", sep = "")
  } else {
    cat(id, "\terror\t", gsub("[\t\n]", " ", res$v), "\t", paste(w, collapse = "|"), "\n", sep = "")
  }
}
"""


def _r_dataset_code(name: str, ds: dict, csv: Path) -> str:
    """R code making data frame `name` from a dataset spec {column: {kind, values, levels}}."""
    classes = ", ".join(f'{c} = "{"numeric" if spec["kind"] == "num" else "character"}"'
                        for c, spec in ds.items())
    code = [f'{name} <- read.csv("{csv}", colClasses = c({classes}))']
    for c, spec in ds.items():
        if spec["kind"] in ("factor", "ordered"):
            lv = ", ".join(f'"{v}"' for v in spec["levels"])
            code.append(f'{name}${c} <- factor({name}${c}, levels = c({lv}), ordered = {"TRUE" if spec["kind"] == "ordered" else "FALSE"})')
    return "\n".join(code)


def py_dataset(ds: dict):
    """The same dataset for Python: numeric columns as float arrays (NaN for NA), text as object
    arrays (None for NA), factors as pandas Categoricals with R's level order."""
    import types

    import pandas as pd

    cols = {}
    for c, spec in ds.items():
        vals = spec["values"]
        if spec["kind"] == "num":
            cols[c] = np.array([math.nan if v is None else decode_float(v) for v in vals], dtype=float)
        elif spec["kind"] == "chr":
            cols[c] = np.array(vals, dtype=object)
        else:
            cols[c] = pd.Categorical(vals, categories=spec["levels"], ordered=spec["kind"] == "ordered")
    return types.SimpleNamespace(**cols)


def run_r_jobs(jobs: list[dict], datasets: dict[str, dict] | None = None, preamble: str = "",
               timeout: float = 600) -> dict[str, dict]:
    """Evaluate every job's `r` expression (after set.seed(job['seed']) when given) in ONE R
    process -> {id: {"status": "ok"|"error", "values": [...] | message, "warnings": [...]}}."""
    datasets = datasets or {}
    with tempfile.TemporaryDirectory(prefix="proc_jobs_") as tmp:
        code = [JOB_PRELUDE, preamble]
        for name, ds in datasets.items():
            csv = Path(tmp) / f"{name}.csv"
            _write_csv(csv, {c: [None if v is None else (decode_float(v) if spec["kind"] == "num" else v)
                                 for v in spec["values"]] for c, spec in ds.items()})
            code.append(_r_dataset_code(name, ds, csv))
        for j in jobs:
            seed = "NULL" if j.get("seed") is None else str(int(j["seed"]))
            code.append(f'.job("{j["id"]}", {json.dumps(j["r"])}, {seed})')
        script = Path(tmp) / "jobs.R"
        script.write_text("\n".join(code) + "\n")
        stdout = run_rscript(f'source("{script}")', timeout=timeout)
    out = {}
    for line in stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != 4:
            continue
        jid, status, vals, warns = parts
        values = [_parse_num(v) for v in vals.split(",")] if status == "ok" and vals else ([] if status == "ok" else vals)
        out[jid] = {"status": status, "values": values, "warnings": [w for w in warns.split("|") if w]}
    missing = [j["id"] for j in jobs if j["id"] not in out]
    if missing:
        raise RuntimeError(f"R printed no result for jobs {missing[:5]} (of {len(missing)})")
    return out


def _py_flat(v) -> list[float]:
    import pandas as pd

    if v is None:
        return []
    if isinstance(v, pd.DataFrame):
        return v.to_numpy(dtype=float).ravel(order="F").tolist()
    if isinstance(v, dict):
        return [x for val in v.values() for x in _py_flat(val)]
    if isinstance(v, (list, tuple)):
        return [x for val in v for x in _py_flat(val)]
    if isinstance(v, np.ndarray):
        return v.astype(float).ravel(order="F").tolist()
    return [float(v)]


def py_env(**extra) -> dict:
    """Names the Python spellings of jobs use."""
    from python_impl import roc as R
    from python_impl.rrandom import RRandom

    env = {"np": np, "math": math, "RRandom": RRandom, **{n: getattr(R, n) for n in R.__all__}}
    env.update(extra)
    return env


def run_py_job(job: dict, env: dict) -> dict:
    """The job's `py` expression -> the same structure run_r_jobs gives."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            v = eval(job["py"], env)  # noqa: S307 - our own table of expressions
            res = {"status": "ok", "values": _py_flat(v)}
        except Exception as e:  # the R side errs too when the job expects it
            res = {"status": "error", "values": f"{type(e).__name__}: {e}"}
    res["warnings"] = [str(w.message) for w in caught]
    return res


def job_difference(job: dict, want: dict, got: dict, rtol: float = RTOL_JOB, atol: float = ATOL_JOB) -> str | None:
    """None when the Python result matches R's (same status; numbers within rtol/atol, NaN only
    against NaN; an expected warning seen on both sides), else a message naming the job."""
    head = f"{job['id']} [{job.get('source', '')}] R: {job['r']}"
    if want["status"] != got["status"]:
        return f"{head}: R {want['status']} ({want['values']!r:.200}) but Python {got['status']} ({got['values']!r:.200})"
    if job.get("warn"):
        import re

        for side, res in (("R", want), ("Python", got)):
            if not any(re.search(job["warn"], w) for w in res["warnings"]):
                return f"{head}: {side} gave no warning matching {job['warn']!r} ({res['warnings']})"
    if want["status"] == "error":
        return None
    w, g = [decode_float(x) for x in want["values"]], got["values"]
    if len(w) != len(g):
        return f"{head}: {len(g)} values in Python, {len(w)} in R (R: {w[:6]}..., Python: {g[:6]}...)"
    for i, (a, b) in enumerate(zip(w, g)):
        if math.isnan(a) or math.isnan(b):
            if not (math.isnan(a) and math.isnan(b)):
                return f"{head}: value {i}: R {a!r}, Python {b!r} (NaN on one side only)"
        elif a != b and not abs(a - b) <= atol + rtol * abs(a):
            return f"{head}: value {i}: R {a!r}, Python {b!r} (|diff| {abs(a - b):.3g})"
    return None


def max_abs_diff(want: dict, got: dict) -> tuple[float, bool]:
    """(max |R - Python| over the finite values, bit-identical?) for the report."""
    if want["status"] != "ok" or got["status"] != "ok" or len(want["values"]) != len(got["values"]):
        return 0.0, want["status"] == got["status"]
    w = np.array([decode_float(x) for x in want["values"]], dtype=float)
    g = np.array(got["values"], dtype=float)
    fin = np.isfinite(w) & np.isfinite(g)
    same = bool(np.all((w == g) | (np.isnan(w) & np.isnan(g))))
    return (float(np.max(np.abs(w[fin] - g[fin]))) if fin.any() else 0.0), same


# ------------------------------------------------------------------------------------------
# pROC 1.18.0's own test suite (tests/testthat), the in-scope cases, on data(aSAH)
# ------------------------------------------------------------------------------------------
SUITE_PRELUDE = r"""
data(aSAH)
r.wfns <- roc(aSAH$outcome, aSAH$wfns, quiet = TRUE)
r.ndka <- roc(aSAH$outcome, aSAH$ndka, quiet = TRUE)
r.s100b <- roc(aSAH$outcome, aSAH$s100b, quiet = TRUE)
r.wfns.percent <- roc(aSAH$outcome, aSAH$wfns, percent = TRUE, quiet = TRUE)
r.ndka.percent <- roc(aSAH$outcome, aSAH$ndka, percent = TRUE, quiet = TRUE)
r.s100b.percent <- roc(aSAH$outcome, aSAH$s100b, percent = TRUE, quiet = TRUE)
r.wfns.partial1 <- roc(aSAH$outcome, aSAH$wfns, quiet = TRUE, partial.auc = c(0.9, 0.99))
r.ndka.partial1 <- roc(aSAH$outcome, aSAH$ndka, quiet = TRUE, partial.auc = c(0.9, 0.99))
r.s100b.partial1 <- roc(aSAH$outcome, aSAH$s100b, quiet = TRUE, partial.auc = c(0.9, 0.99))
r.s100b.partial2 <- roc(aSAH$outcome, aSAH$s100b, quiet = TRUE, partial.auc = c(.9, .99), partial.auc.focus = "se")
r.100b.reversed <- roc(aSAH$outcome, aSAH$s100b, direction = ">", quiet = TRUE)
aSAH.missing <- aSAH; aSAH.missing$ndka[1:20] <- NA; aSAH.missing$wfns[1:20] <- NA
aSAH.missing.wfns <- aSAH; aSAH.missing.wfns$wfns[1:20] <- NA
"""


def suite_env(asah: dict | None = None) -> dict:
    """Python twins of pROC's helper-rocs.R objects, from the stored aSAH export."""
    import types

    import pandas as pd

    from python_impl import roc as R

    a = asah or json.loads(ASAH_OUT.read_text())
    cols = py_dataset(a["columns"]).__dict__
    A = types.SimpleNamespace(**cols)

    def miss(col_names):
        d = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in cols.items()}
        for c in col_names:
            if isinstance(d[c], np.ndarray):
                d[c][:20] = np.nan
            else:
                codes = np.asarray(d[c].codes).copy()
                codes[:20] = -1
                d[c] = pd.Categorical.from_codes(codes, categories=d[c].categories, ordered=d[c].ordered)
        return types.SimpleNamespace(**d)

    o = A.outcome
    env = py_env(
        pd=pd, aSAH=A, aSAH_missing=miss(["ndka", "wfns"]), aSAH_missing_wfns=miss(["wfns"]),
        female=np.asarray(A.gender == "Female"),
        r_wfns=R.roc(o, A.wfns), r_ndka=R.roc(o, A.ndka), r_s100b=R.roc(o, A.s100b),
        r_wfns_percent=R.roc(o, A.wfns, percent=True), r_ndka_percent=R.roc(o, A.ndka, percent=True),
        r_s100b_percent=R.roc(o, A.s100b, percent=True),
        r_wfns_partial1=R.roc(o, A.wfns, partial_auc=(0.9, 0.99)),
        r_ndka_partial1=R.roc(o, A.ndka, partial_auc=(0.9, 0.99)),
        r_s100b_partial1=R.roc(o, A.s100b, partial_auc=(0.9, 0.99)),
        r_s100b_partial2=R.roc(o, A.s100b, partial_auc=(.9, .99), partial_auc_focus="se"),
        r_100b_reversed=R.roc(o, A.s100b, direction=">"),
    )
    env["sub"] = lambda x, lo, hi: x[lo:hi] if isinstance(x, np.ndarray) else pd.Categorical(
        np.asarray(x)[lo:hi], categories=x.categories, ordered=x.ordered)
    return env


_ALL_ROWS = ("threshold", "specificity", "sensitivity", "accuracy", "tn", "tp", "fn", "fp", "npv", "ppv",
             "1-specificity", "1-sensitivity", "1-accuracy", "1-npv", "1-ppv", "youden", "closest.topleft")


def _r_vec(xs) -> str:
    return "c(" + ", ".join(f'"{x}"' if isinstance(x, str) else repr(x) for x in xs) + ")"


def _suite_cases() -> list[dict]:
    """(source, R call, Python spelling, pROC's own expected value when the test states one)."""
    S: list[dict] = []

    def add(source, r, py, expect=None, seed=None, warn=None):
        S.append({"id": f"suite-{len(S):03d}", "source": source, "r": r, "py": py, "expect": expect,
                  "seed": seed, "warn": warn})

    f = "test-auc.R"
    for m, pm, v in (("wfns", "r_wfns", 0.823678861788618), ("ndka", "r_ndka", 0.611957994579946)):
        add(f"{f}: full auc works", f"auc(r.{m})", f"auc({pm})", v)
        add(f"{f}: full auc works", f"auc(r.{m}.percent)", f"auc({pm}_percent)", v * 100)
    table = {  # (marker, focus, correct) -> {(hi, lo): value}; None: NA with a warning
        ("wfns", "sp", False): {(1, .9): 0.0334417344173442, (.9, .8): 0.0598373983739837, (.5, 0): 0.488134475939354, (1, 0): 0.823678861788618},
        ("ndka", "sp", False): {(1, .9): 0.0107046070460705, (.9, .8): 0.0277777777777778, (.5, 0): 0.416836043360434, (1, 0): 0.611957994579946},
        ("wfns", "se", False): {(1, .9): 0.0400999322493225, (.9, .8): 0.0609953703703703, (.5, 0): 0.483358739837398, (1, 0): 0.823678861788618},
        ("ndka", "se", False): {(1, .9): 0.0037940379403794, (.9, .8): 0.0242547425474255, (.5, 0): 0.428523035230352, (1, 0): 0.611957994579946},
        ("wfns", "sp", True): {(1, .9): 0.649693339038653, (.9, .8): 0.763749402199904, (.5, 0): 0.952537903757416, (1, 0): 0.823678861788618},
        ("ndka", "sp", True): {(1, .9): 0.530024247610897, (.9, .8): 0.575163398692811, (.5, 0): 0.667344173441734, (1, 0): 0.611957994579946},
        ("wfns", "se", True): {(1, .9): 0.68473648552275, (.9, .8): 0.770561002178649, (.5, 0): 0.933434959349593, (1, 0): 0.823678861788618},
        ("ndka", "se", True): {(1, .9): None, (.9, .8): 0.554439662043679, (.5, 0): 0.714092140921409, (1, 0): 0.611957994579946},
    }
    names = {(False, "sp"): "partial auc works on arbitrary intervals", (False, "se"): "partial auc works with focus on SE",
             (True, "sp"): "partial auc works with correction enabled",
             (True, "se"): "partial auc works with focus on SE and correction enabled"}
    for (m, foc, cor), vals in table.items():
        for (hi, lo), v in vals.items():
            for pct in (False, True):
                k = 100 if pct else 1
                bounds = [(hi * k, lo * k)] + ([(lo * k, hi * k)] if (hi, lo) == (1, .9) else [])
                for b in bounds:
                    rr = f"r.{m}{'.percent' if pct else ''}"
                    extra_r = (', partial.auc.focus = "se"' if foc == "se" else "") + (", partial.auc.correct = TRUE" if cor else "")
                    extra_p = (', partial_auc_focus="se"' if foc == "se" else "") + (", partial_auc_correct=True" if cor else "")
                    add(f"{f}: {names[(cor, foc)]}", f"auc({rr}, partial.auc = c({b[0]!r}, {b[1]!r}){extra_r})",
                        f"auc({rr.replace('.', '_')}, partial_auc=({b[0]!r}, {b[1]!r}){extra_p})",
                        math.nan if v is None else v * k, warn="Partial AUC correction not defined" if v is None else None)
    for m in ("wfns", "ndka"):
        add(f"{f}: auc can create a roc curve", f"auc(aSAH$outcome, aSAH${m})", f"roc(aSAH.outcome, aSAH.{m}).auc")
        add(f"{f}: auc can create a roc curve with percent", f"auc(aSAH$outcome, aSAH${m}, percent = TRUE)",
            f"roc(aSAH.outcome, aSAH.{m}, percent=True).auc")
    add(f"{f}: auc.formula behaves (subset)", 'auc(aSAH$outcome[aSAH$gender == "Female"], aSAH$wfns[aSAH$gender == "Female"])',
        "roc(aSAH.outcome[female], aSAH.wfns[female]).auc")

    f = "test-ci.auc.R"
    ci = [0.501244999271703, 0.611957994579946, 0.722670989888189]
    add(f"{f}: ci.auc with delong works", "ci.auc(r.ndka)", "r_ndka.ci_auc()", ci)
    add(f"{f}: ci.auc with delong and percent works", "ci.auc(r.ndka.percent)", "r_ndka_percent.ci_auc()", [v * 100 for v in ci])
    add(f"{f}: ci.auc works with an auc", "ci.auc(auc(r.ndka))", "ci_auc(r_ndka)", ci)
    add(f"{f}: ci.auc works with a response, predictor", "ci.auc(aSAH$outcome, aSAH$ndka)", "roc(aSAH.outcome, aSAH.ndka).ci_auc()", ci)
    add(f"{f}: ci.auc works with a direction = >", "ci.auc(aSAH$outcome, -aSAH$ndka)", "roc(aSAH.outcome, -aSAH.ndka).ci_auc()", ci)
    add(f"{f}: ci.auc works with a direction = > and percent", "ci.auc(aSAH$outcome, -aSAH$ndka, percent = TRUE)",
        "roc(aSAH.outcome, -aSAH.ndka, percent=True).ci_auc()", [v * 100 for v in ci])
    add(f"{f}: ci.auc works with a formula (subset)", 'ci.auc(aSAH$outcome[aSAH$gender == "Female"], aSAH$ndka[aSAH$gender == "Female"])',
        "roc(aSAH.outcome[female], aSAH.ndka[female]).ci_auc()", None)
    add(f"{f}: ci.auc.auc works with a partial AUC from a roc with full AUC",
        'ci.auc(auc(r.s100b, partial.auc = c(1, .9), partial.auc.focus = "se", partial.auc.correct = TRUE), boot.n = 10, progress = "none")',
        'r_s100b.with_auc((1, .9), "se", True).ci_auc(boot_n=10, rng=RRandom(31))', seed=31)
    for strat in (True, False):
        for rr, pr in (("r.s100b", "r_s100b"), ("auc(r.s100b)", "r_s100b"), ("r.s100b.partial1", "r_s100b_partial1"),
                       ("r.s100b.partial2$auc", "r_s100b_partial2")):
            add(f"{f}: ci.auc with bootstrap works (stratified = {strat})",
                f"ci.auc({rr}, method = \"bootstrap\", boot.n = 7, conf.level = .91, boot.stratified = {'TRUE' if strat else 'FALSE'})",
                f"{pr}.ci_auc(.91, 'bootstrap', 7, {strat}, RRandom(7))", seed=7)

    f = "test-var.R"
    for m, v in (("wfns", 0.00146991470882363), ("ndka", 0.0031908105493913), ("s100b", 0.00266868245717244)):
        add(f"{f}: var with delong works", f"var(r.{m})", f"r_{m}.var_delong()", v)
        add(f"{f}: var works with auc", f"var(auc(r.{m}))", f"r_{m}.var()", v)
        add(f"{f}: var with delong and percent works", f"var(r.{m}.percent)", f"r_{m}_percent.var()", v * 1e4)
    for m, v in (("ndka", 31.908105493913), ("s100b", 26.6868245717244)):
        add(f"{f}: var with delong and percent works (direction >)", f"var(roc(aSAH$outcome, -aSAH${m}, percent = TRUE))",
            f"roc(aSAH.outcome, -aSAH.{m}, percent=True).var()", v)
    for strat in (True, False):
        add(f"{f}: bootstrap var runs with roc, auc (stratified = {strat})",
            f"var(r.s100b, method = \"bootstrap\", boot.n = 9, boot.stratified = {'TRUE' if strat else 'FALSE'})",
            f"r_s100b.var('bootstrap', 9, {strat}, RRandom(9))", seed=9)

    f = "test-ci.se.R / test-ci.sp.R"
    for strat in (True, False):
        st = "TRUE" if strat else "FALSE"
        add(f"{f}: ci.se with default specificities", f"ci.se(r.s100b, boot.n = 6, boot.stratified = {st}, conf.level = .91)",
            f"ci_se(r_s100b, boot_n=6, boot_stratified={strat}, conf_level=.91, rng=RRandom(11))", seed=11)
        add(f"{f}: ci.se accepts one specificity", f"ci.se(r.s100b, specificities = 0.9, boot.n = 5, boot.stratified = {st}, conf.level = .91)",
            f"ci_se(r_s100b, [0.9], boot_n=5, boot_stratified={strat}, conf_level=.91, rng=RRandom(12))", seed=12)
        add(f"{f}: ci.sp with default sensitivities", f"ci.sp(r.s100b, boot.n = 6, boot.stratified = {st}, conf.level = .91)",
            f"ci_sp(r_s100b, boot_n=6, boot_stratified={strat}, conf_level=.91, rng=RRandom(13))", seed=13)
        add(f"{f}: ci.sp accepts one sensitivity", f"ci.sp(r.s100b, sensitivities = 0.9, boot.n = 5, boot.stratified = {st}, conf.level = .91)",
            f"ci_sp(r_s100b, [0.9], boot_n=5, boot_stratified={strat}, conf_level=.91, rng=RRandom(14))", seed=14)
    f = "test-ci.thresholds.R"
    for strat in (True, False):
        st = "TRUE" if strat else "FALSE"
        for rr, thr_r, thr_p in (("wfns", '"best"', '"best"'), ("ndka", '"local maximas"', '"local maximas"'),
                                 ("ndka", "c(0.5, 0.2)", "[0.5, 0.2]")):
            add(f"{f}: ci.threshold accepts thresholds={thr_r}",
                f"ci.thresholds(r.{rr}, thresholds = {thr_r}, boot.n = 6, boot.stratified = {st}, conf.level = .91)",
                f"(lambda c: [c['specificity'], c['sensitivity']])(ci_thresholds(r_{rr}, .91, 6, {strat}, {thr_p}, RRandom(15)))",
                seed=15)

    f = "test-coords.R"
    add(f"{f}: coords with thresholds works", f'coords(r.s100b, "all", ret = {_r_vec(_ALL_ROWS)}, transpose = FALSE)',
        f'coords(r_s100b, "all", ret={list(_ALL_ROWS)!r})')
    add(f"{f}: coords returns all thresholds by default", "coords(r.s100b, transpose = FALSE)", "coords(r_s100b)")
    add(f"{f}: coords returns all thresholds by default (numeric(0))", "coords(r.s100b, numeric(0))",
        "coords(r_s100b, np.array([]))")
    add(f"{f}: coords with ret='all' works", 'coords(r.s100b, "all", ret = "all", transpose = FALSE)',
        'coords(r_s100b, "all", ret="all")')
    add(f"{f}: coords with ret='all' doesn't accept additional options", 'coords(r.s100b, "all", ret = c("all", "thresholds"))',
        'coords(r_s100b, "all", ret=["all", "thresholds"])')
    add(f"{f}: coords with percent works", 'coords(r.s100b.percent, "all", ret = "all", transpose = FALSE)',
        'coords(r_s100b_percent, "all", ret="all")')
    add(f"{f}: coords with local maximas thresholds works", 'coords(r.s100b, "local maximas", ret = "all", transpose = FALSE)',
        'coords(r_s100b, "local maximas", ret="all")')
    add(f"{f}: coords with local maximas thresholds works (thresholds)", 'coords(r.s100b, "local maximas", ret = "threshold", transpose = FALSE)',
        'coords(r_s100b, "local maximas", ret="threshold")',
        [-math.inf, 0.065, 0.075, 0.085, 0.095, 0.105, 0.115, 0.135, 0.155, 0.205, 0.245, 0.29, 0.325, 0.345, 0.395, 0.435, 0.475, 0.485, 0.51])
    add(f"{f}: coords with best threshold works", 'coords(r.s100b, "best", ret = "all", transpose = FALSE)',
        'coords(r_s100b, "best", ret="all")')
    some = ["threshold", "specificity", "sensitivity", "accuracy", "tn", "tp", "fn", "fp", "npv", "ppv",
            "1-specificity", "1-sensitivity", "1-accuracy", "1-npv", "1-ppv"]
    add(f"{f}: coords with arbitrary thresholds works", f'coords(r.s100b, c(0.205, 0.055), input = "threshold", ret = {_r_vec(_ALL_ROWS)}, transpose = FALSE)',
        f'coords(r_s100b, [0.205, 0.055], input="threshold", ret={list(_ALL_ROWS)!r})')
    add(f"{f}: coords with arbitrary thresholds at exact data point works", 'coords(r.s100b, c(0.05, 0.52), input = "threshold", ret = "all", transpose = FALSE)',
        'coords(r_s100b, [0.05, 0.52], input="threshold", ret="all")')
    add(f"{f}: coords with arbitrary thresholds works with direction=>", f'coords(r.100b.reversed, c(0.05, 0.055, 0.205, 0.52), input = "threshold", ret = {_r_vec(some)}, transpose = FALSE)',
        f'coords(r_100b_reversed, [0.05, 0.055, 0.205, 0.52], input="threshold", ret={some!r})')
    for t in (0.05, 0.055, 0.205, 0.52):
        add(f"{f}: coords with arbitrary thresholds works with direction=> (single)", f'coords(r.100b.reversed, c({t}), input = "threshold", ret = {_r_vec(some)}, transpose = FALSE)',
            f'coords(r_100b_reversed, [{t}], input="threshold", ret={some!r})')
    add(f"{f}: coords with single arbitrary threshold works", 'coords(r.s100b, c(0.205), input = "threshold", ret = "all", transpose = FALSE)',
        'coords(r_s100b, [0.205], input="threshold", ret="all")')
    se_sp = [1, 1, 1, 0.972222222222222, 0.888888888888889, 0.833333333333333, 0.805555555555556, 0.56875, 0.447222222222222, 0.230555555555556, 0]
    sp_se = [1, 0.975609756097561, 0.921951219512195, 0.879674796747967, 0.823693379790941, 0.774390243902439, 0.675609756097561, 0.655284552845528, 0.634146341463415, 0.390243902439024, 0.292682926829268]
    add(f"{f}: coords with sensitivity works", 'coords(r.s100b, seq(0, 1, .1), input = "sensitivity", ret = "specificity", transpose = FALSE)',
        'coords(r_s100b, np.arange(11) * .1, input="sensitivity", ret="specificity")', se_sp)
    add(f"{f}: coords with sensitivity works (thresholds)", 'coords(r.s100b, seq(0, 1, .1), input = "sensitivity", ret = c("threshold", "specificity", "sensitivity"), transpose = FALSE)',
        'coords(r_s100b, np.arange(11) * .1, input="sensitivity", ret=["threshold", "specificity", "sensitivity"])')
    add(f"{f}: coords with sensitivity works with percent", 'coords(r.s100b.percent, seq(0, 100, 10), input = "sensitivity", ret = "specificity", transpose = FALSE)',
        'coords(r_s100b_percent, np.arange(11) * 10., input="sensitivity", ret="specificity")', [v * 100 for v in se_sp])
    add(f"{f}: coords with specificity works", 'coords(r.s100b, seq(0, 1, .1), input = "specificity", ret = "sensitivity", transpose = FALSE)',
        'coords(r_s100b, np.arange(11) * .1, input="specificity", ret="sensitivity")', sp_se)
    add(f"{f}: coords with specificity works (thresholds)", 'coords(r.s100b, seq(0, 1, .1), input = "specificity", ret = c("threshold", "specificity", "sensitivity"), transpose = FALSE)',
        'coords(r_s100b, np.arange(11) * .1, input="specificity", ret=["threshold", "specificity", "sensitivity"])')
    add(f"{f}: coords with specificity works with percent", 'coords(r.s100b.percent, seq(0, 100, 10), input = "specificity", ret = "sensitivity", transpose = FALSE)',
        'coords(r_s100b_percent, np.arange(11) * 10., input="specificity", ret="sensitivity")', [v * 100 for v in sp_se])
    add(f"{f}: coords with specificity works with as.list", 'coords(r.s100b.percent, "best", ret = c("threshold", "specificity", "accuracy"), transpose = FALSE)',
        'coords(r_s100b_percent, "best", ret=["threshold", "specificity", "accuracy"])')
    add(f"{f}: coords with specificity works with as.list and several thresholds", 'coords(r.s100b.percent, c(0.205, 0.51), ret = c("threshold", "specificity", "accuracy"), transpose = FALSE)',
        'coords(r_s100b_percent, [0.205, 0.51], ret=["threshold", "specificity", "accuracy"])')
    add(f"{f}: as.matrix works", 'coords(r.s100b, c(0.51, 0.205), ret = "sensitivity", transpose = FALSE, as.matrix = TRUE)',
        'coords(r_s100b, [0.51, 0.205], ret="sensitivity")')
    basic = ["t", "tp", "fp", "tn", "fn", "sp", "se", "acc", "npv", "ppv", "precision", "recall", "tpr", "fpr", "tnr", "fnr", "fdr"]
    expect_basic = [0.205, 26, 14, 58, 15, 58 / (58 + 14), 26 / (26 + 15), (26 + 58) / 113, 58 / (58 + 15), 26 / (26 + 14),
                    26 / (26 + 14), 26 / (26 + 15), 26 / (26 + 15), 1 - (58 / (58 + 14)), 58 / (58 + 14), 1 - (26 / (26 + 15)), 14 / (26 + 14)]
    add(f"{f}: coords returns the correct basic values", f"coords(r.s100b, 0.205, ret = {_r_vec(basic)}, transpose = FALSE)",
        f"coords(r_s100b, 0.205, ret={basic!r})", expect_basic)
    add(f"{f}: coords returns the correct basic values (percent)", f"coords(r.s100b.percent, 0.205, ret = {_r_vec(basic)}, transpose = FALSE)",
        f"coords(r_s100b_percent, 0.205, ret={basic!r})", expect_basic[:5] + [v * 100 for v in expect_basic[5:]])
    add(f"{f}: coords with x = 'best' takes partial AUC into account", 'coords(r.s100b.partial1, "b", ret = "t", transpose = FALSE)',
        'coords(r_s100b_partial1, "b", ret="t")', [0.475])
    add(f"{f}: coords with x = 'best' takes partial AUC into account (se)", 'coords(r.s100b.partial2, "b", ret = "t", transpose = FALSE)',
        'coords(r_s100b_partial2, "b", ret="t")', [0.075])
    add(f"{f}: coords with x = 'all' takes partial AUC into account", 'coords(r.s100b.partial1, "all", ret = "t", transpose = FALSE)',
        'coords(r_s100b_partial1, "all", ret="t")')
    add(f"{f}: coords with x = 'all' takes partial AUC into account (se)", 'coords(r.s100b.partial2, "all", ret = "t", transpose = FALSE)',
        'coords(r_s100b_partial2, "all", ret="t")')
    add(f"{f}: coords with x = 'local maximas' takes partial AUC into account", 'coords(r.s100b.partial1, "local maximas", ret = "t", transpose = FALSE)',
        'coords(r_s100b_partial1, "local maximas", ret="t")', [0.435, 0.475, 0.485])
    add(f"{f}: coords with x = 'local maximas' takes partial AUC into account (se)", 'coords(r.s100b.partial2, "local maximas", ret = "t", transpose = FALSE)',
        'coords(r_s100b_partial2, "local maximas", ret="t")', [0.065, 0.075])
    for w_r, w_p in (("1", "[1]"), ("0:1", "[0, 1]"), ("c(0.1, 0.9)", "[0.1, 0.9]"), ("1:3", "[1, 2, 3]")):
        add(f"{f}: invalid best.weights", f'coords(r.s100b, "best", best.weights = {w_r}, transpose = FALSE)',
            f'coords(r_s100b, "best", best_weights={w_p})')
    for b_r, b_p in (("1", "1"), ('"1"', '"1"')):
        add(f"{f}: invalid best.method", f'coords(r.s100b, "best", best.method = {b_r}, transpose = FALSE)',
            f'coords(r_s100b, "best", best_method={b_p})')
    for inp in ("sens", "spec"):
        for rr, xs in (("r.s100b", (-2, 0, 1, 10)), ("r.s100b.percent", (-2, 0, 10, 100, 101))):
            for xv in xs:
                add(f"{f}: invalid se/sp", f'coords({rr}, x = {xv}, input = "{inp}", transpose = FALSE)',
                    f'coords({rr.replace(".", "_")}, x={xv}, input="{inp}")')
    add(f"{f}: invalid x", 'coords(r.s100b, x = "c", transpose = FALSE)', 'coords(r_s100b, x="c")')
    add(f"{f}: Infinite values work with both directions", "coords(r.s100b, x = c(-Inf, Inf), transpose = FALSE)",
        "coords(r_s100b, x=[-np.inf, np.inf])", [-math.inf, math.inf, 0, 1, 1, 0])
    add(f"{f}: Infinite values work with both directions (>)", "coords(r.100b.reversed, x = c(-Inf, Inf), transpose = FALSE)",
        "coords(r_100b_reversed, x=[-np.inf, np.inf])")
    add(f"{f}: Coords pick the right end of 'flat' bits of the curve, according to direction",
        'coords(r.s100b, 0.975609756097561, "se", "sp", transpose = TRUE)', 'coords(r_s100b, 0.975609756097561, "se", "sp")',
        [0.13888888888888889])
    add(f"{f}: Coords pick the right end of 'flat' bits of the curve, according to direction (sp)",
        'coords(r.s100b, 1, "sp", "se", transpose = TRUE)', 'coords(r_s100b, 1, "sp", "se")', [0.2926829268292683])
    for inp in ("tp", "fp", "tn", "fn", "fpr", "tpr", "tnr", "fnr", "1-specificity", "1-sensitivity", "recall"):
        add(f"{f}: coords with input = '{inp}' (roc.utils.match.coords.input.args works)",
            f'coords(r.s100b, c(3, 10.5, 40), input = "{inp}", ret = c("threshold", "se", "sp", "tp", "fp"), transpose = FALSE)' if inp in ("tp", "fp", "tn", "fn")
            else f'coords(r.s100b, c(0.05, 0.5, 0.93), input = "{inp}", ret = c("threshold", "se", "sp", "accuracy"), transpose = FALSE)',
            f'coords(r_s100b, [3, 10.5, 40], input="{inp}", ret=["threshold", "se", "sp", "tp", "fp"])' if inp in ("tp", "fp", "tn", "fn")
            else f'coords(r_s100b, [0.05, 0.5, 0.93], input="{inp}", ret=["threshold", "se", "sp", "accuracy"])')
    add(f"{f}: non-monotone input is refused (roc.utils.match.coords.input.args)", 'coords(r.s100b, 0.5, input = "accuracy")',
        'coords(r_s100b, 0.5, input="accuracy")')
    add("test-roc.utils.R: roc.utils.thr.idx finds correc thresholds with direction=<",
        "coords(r.s100b, c(-Inf, 0.205, 0.055, Inf), transpose = FALSE)", "coords(r_s100b, [-np.inf, 0.205, 0.055, np.inf])")
    add("test-roc.utils.R: roc.utils.thr.idx finds correc thresholds with direction=>",
        "coords(r.100b.reversed, c(Inf, -Inf, 0.05, 0.055, 0.52, 0.205), transpose = FALSE)",
        "coords(r_100b_reversed, [np.inf, -np.inf, 0.05, 0.055, 0.52, 0.205])")
    add("test-coords.R: best.method closest.topleft and best.weights", 'coords(r.s100b, "best", best.method = "closest.topleft", best.weights = c(2, 0.3), ret = "all", transpose = FALSE)',
        'coords(r_s100b, "best", best_method="closest.topleft", best_weights=(2, 0.3), ret="all")')
    add("test-coords.R: best.method topleft with percent", 'coords(r.s100b.percent, "best", best.method = "topleft", ret = c("threshold", "closest.topleft", "youden"), transpose = FALSE)',
        'coords(r_s100b_percent, "best", best_method="topleft", ret=["threshold", "closest.topleft", "youden"])')

    f = "test-roc.test.R"
    t = {"t1": ("r.wfns", "r.s100b", [2.20898359144091, 0.0271757822291882, 0.0104061769564846, 0.174214419249478]),
         "t2": ("r.wfns", "r.ndka", [2.79777591868904, 0.00514557970691098, 0.0634011709339876, 0.3600405634833566]),
         "t3": ("r.ndka", "r.s100b", [-1.39077002573558, 0.164295175223054, -0.2876917446341914, 0.0488706064228094])}
    for a, b, v in t.values():
        pa, pb = a.replace(".", "_"), b.replace(".", "_")
        add(f"{f}: roc.test statistic and p are as expected with defaults", f"with(roc.test({a}, {b}), c(statistic, p.value, conf.int))",
            f"(lambda t: [t['statistic'], t['p_value'], t['conf_int']])(roc_test({pa}, {pb}))", v)
        add(f"{f}: two.sided roc.test produces identical p values when roc curves are reversed",
            f"with(roc.test({b}, {a}), c(statistic, p.value))", f"(lambda t: [t['statistic'], t['p_value']])(roc_test({pb}, {pa}))",
            [-v[0], v[1]])
    add(f"{f}: DeLong roc.test works when curves are identical", "with(roc.test(r.wfns, r.wfns), c(statistic, p.value))",
        "(lambda t: [t['statistic'], t['p_value']])(roc_test(r_wfns, r_wfns))", [0, 1])
    add(f"{f}: DeLong roc.test works when curves are identical (roc_test_delong)", "with(roc.test(r.wfns, r.wfns), c(statistic, p.value))",
        "(lambda t: [t['z'], t['p_value']])(roc_test_delong(r_wfns, r_wfns))", [0, 1])
    up = {"t1up": ("r.wfns", "r.s100b", [1.43490640926908, 0.152825378808796]),
          "t2up": ("r.wfns", "r.ndka", [3.10125096778969, 0.00220950791756457]),
          "t3up": ("r.ndka", "r.s100b", [-1.55995743389685, 0.120192832430845])}
    for a, b, v in up.values():
        pa, pb = a.replace(".", "_"), b.replace(".", "_")
        add(f"{f}: unpaired roc.test statistic and p are as expected", f"with(roc.test({a}, {b}, paired = FALSE), c(statistic, p.value))",
            f"(lambda t: [t['statistic'], t['p_value']])(roc_test({pa}, {pb}, paired=False))", v, warn="seem to be paired")
        add(f"{f}: unpaired two.sided roc.test produces identical p values when roc curves are reversed",
            f"with(roc.test({b}, {a}, paired = FALSE), c(statistic, p.value, parameter))",
            f"(lambda t: [t['statistic'], t['p_value'], t['df']])(roc_test({pb}, {pa}, paired=False))", None, warn="seem to be paired")
    for alt, p in (("greater", 0.0135878911145941), ("less", 0.986412108885406)):
        add(f"{f}: one-sided roc.test work and produce expected results", f'with(roc.test(r.wfns, r.s100b, alternative = "{alt}"), c(statistic, p.value))',
            f"(lambda t: [t['statistic'], t['p_value']])(roc_test(r_wfns, r_s100b, alternative='{alt}'))", [2.20898359144091, p])
        add(f"{f}: one-sided roc.test work with direction='>' and produce expected results",
            f'with(roc.test(roc(aSAH$outcome, -as.numeric(aSAH$wfns)), roc(aSAH$outcome, -aSAH$s100b), alternative = "{alt}"), c(statistic, p.value))',
            f"(lambda t: [t['statistic'], t['p_value']])(roc_test(roc(aSAH.outcome, -np.asarray(aSAH.wfns.codes + 1.0)), roc(aSAH.outcome, -aSAH.s100b), alternative='{alt}'))",
            [2.20898359144091, p])
    for alt, p in (("greater", 0.076412689404398), ("less", 0.923587310595602)):
        add(f"{f}: unpaired one-sided roc.test work and produce expected results",
            f'with(roc.test(r.wfns, r.s100b, alternative = "{alt}", paired = FALSE), c(statistic, p.value))',
            f"(lambda t: [t['statistic'], t['p_value']])(roc_test(r_wfns, r_s100b, alternative='{alt}', paired=False))",
            [1.43490640926908, p], warn="seem to be paired")
    up_r = 'roc(controls = aSAH$ndka[aSAH$outcome == "Good"], cases = aSAH$ndka[aSAH$outcome == "Poor"], quiet = TRUE)'
    up_p = 'roc(controls=aSAH.ndka[np.asarray(aSAH.outcome == "Good")], cases=aSAH.ndka[np.asarray(aSAH.outcome == "Poor")])'
    add(f"{f}: paired tests don't work on unpaired curves", f"with(roc.test(r.wfns, {up_r}), c(statistic, p.value, parameter))",
        f"(lambda t: [t['statistic'], t['p_value'], t['df']])(roc_test(r_wfns, {up_p}))")
    add(f"{f}: paired tests don't work on unpaired curves (error)", f"roc.test(r.wfns, {up_r}, paired = TRUE)",
        f"roc_test(r_wfns, {up_p}, paired=True)")
    for a, b, paired, strat in (("wfns", "s100b", True, True), ("s100b", "wfns", False, True),
                                ("s100b", "wfns", True, False), ("s100b", "wfns", False, False)):
        label = f"{'paired' if paired else 'unpaired'}{'' if strat else ', non stratified'} roc.test works with bootstrap"
        add(f"{f}: {label}", f"with(roc.test(r.{a}, r.{b}, method = \"bootstrap\", boot.n = 12, paired = {'TRUE' if paired else 'FALSE'}, boot.stratified = {'TRUE' if strat else 'FALSE'}), c(statistic, p.value))",
            f"(lambda t: [t['statistic'], t['p_value']])(roc_test(r_{a}, r_{b}, method='bootstrap', boot_n=12, paired={paired}, boot_stratified={strat}, rng=RRandom(17)))",
            seed=17, warn=None if paired else "paired")
    for meth, arg in (("specificity", "specificity = 0.9"), ("sensitivity", "sensitivity = 0.9")):
        add(f"{f}: se/sp roc.test works (method = {meth})", f"with(roc.test(r.wfns, r.s100b, method = \"{meth}\", {arg}, boot.n = 12), c(statistic, p.value))",
            f"(lambda t: [t['statistic'], t['p_value']])(roc_test(r_wfns, r_s100b, method='{meth}', {arg.replace(' = ', '=')}, boot_n=12, rng=RRandom(19)))",
            seed=19)
    add(f"{f}: bootstrap roc.test with partial AUC (default method)", "with(roc.test(r.s100b.partial1, r.wfns.partial1, boot.n = 10), c(statistic, p.value))",
        "(lambda t: [t['statistic'], t['p_value']])(roc_test(r_s100b_partial1, r_wfns_partial1, boot_n=10, rng=RRandom(23)))", seed=23)

    f = "test-numeric-Inf.R"
    for ctrl, case in (("-Inf, 1,2,3,4,5", "2,3,4,5,6"), ("1,2,3,4,5, Inf", "2,3,4,5,6"), ("1,2,3,4,5", "-Inf, 2,3,4,5,6"),
                       ("1,2,3,4,Inf", "2,3,4,5,6")):
        pyc, pyk = ctrl.replace("Inf", "np.inf"), case.replace("Inf", "np.inf")
        add(f"{f}: roc rejects rejects invalid data", f"roc(controls = c({ctrl}), cases = c({case}))",
            f"roc(controls=[{pyc}], cases=[{pyk}])", [math.nan], warn="Infinite value")
    add(f"{f}: Inf with response/predictor", "roc(c(0, 0, 1, 1), c(0.1, Inf, 0.3, 0.4))", "roc([0, 0, 1, 1], [0.1, np.inf, 0.3, 0.4])",
        [math.nan], warn="Infinite value")

    f = "test-roc.R"
    lv = {"forward": ("Good", "Poor"), "reversed": ("Poor", "Good")}
    for m in ("ndka", "wfns", "s100b"):
        for ld, levs in lv.items():
            for pct in (False, True):
                for d in ("auto", "<", ">"):
                    r_call = f'roc(aSAH$outcome, aSAH${m}, levels = c("{levs[0]}", "{levs[1]}"), direction = "{d}", percent = {"TRUE" if pct else "FALSE"}, quiet = TRUE)'
                    p_call = f'roc(aSAH.outcome, aSAH.{m}, levels=("{levs[0]}", "{levs[1]}"), direction="{d}", percent={pct})'
                    add(f"{f}: roc.default produces the expected results ({m}, {ld}, percent={pct}, direction={d})",
                        f"with({r_call}, c(auc, thresholds, sensitivities, specificities, direction == '>'))",
                        f"(lambda r: [r.auc, r.thresholds, r.sensitivities, r.specificities, r.direction == '>'])({p_call})")
                    add(f"{f}: roc.default works with control/cases as well ({m}, {ld}, percent={pct}, direction={d})",
                        f"with({r_call}, with(roc(controls = controls, cases = cases, direction = '{d}', percent = {'TRUE' if pct else 'FALSE'}, quiet = TRUE), c(auc, thresholds, sensitivities, specificities)))",
                        f"(lambda r: (lambda q: [q.auc, q.thresholds, q.sensitivities, q.specificities])(roc(controls=r.controls, cases=r.cases, direction='{d}', percent={pct})))({p_call})")
    add(f"{f}: roc.default handles NAs", "auc(roc(aSAH.missing$outcome, aSAH.missing$ndka, na.rm = TRUE))",
        "roc(aSAH_missing.outcome, aSAH_missing.ndka).auc")
    add(f"{f}: roc.default handles NAs (ordered)", "auc(roc(aSAH.missing$outcome, aSAH.missing$wfns, na.rm = TRUE))",
        "roc(aSAH_missing.outcome, aSAH_missing.wfns).auc")
    add(f"{f}: roc.default handles NAs (same as subset)", "auc(roc(aSAH[21:113,]$outcome, aSAH.missing[21:113,]$ndka))",
        "roc(sub(aSAH.outcome, 20, 113), sub(aSAH_missing.ndka, 20, 113)).auc")
    add(f"{f}: roc.default handles NAs (case/controls)", 'auc(roc(controls = aSAH.missing$ndka[aSAH.missing$outcome == "Good"], cases = aSAH.missing$ndka[aSAH.missing$outcome == "Poor"]))',
        'roc(controls=aSAH_missing.ndka[np.asarray(aSAH.outcome == "Good")], cases=aSAH_missing.ndka[np.asarray(aSAH.outcome == "Poor")]).auc')
    add(f"{f}: roc.default handles NAs (case/controls, ordered)", 'auc(roc(controls = aSAH.missing$wfns[aSAH.missing$outcome == "Good"], cases = aSAH.missing$wfns[aSAH.missing$outcome == "Poor"]))',
        'roc(controls=aSAH_missing.wfns[np.asarray(aSAH.outcome == "Good")], cases=aSAH_missing.wfns[np.asarray(aSAH.outcome == "Poor")]).auc')
    add(f"{f}: roc reject and warns for invalid levels", "roc(aSAH$gos6, aSAH$s100b)", "roc(aSAH.gos6, aSAH.s100b)")
    add(f"{f}: roc reject and warns for invalid levels (levels of length 5)", "roc(aSAH$gos6, aSAH$s100b, levels = levels(aSAH$gos6))",
        "roc(aSAH.gos6, aSAH.s100b, levels=list(aSAH.gos6.categories))")
    add(f"{f}: roc reject and warns for invalid predictors", "roc(aSAH$outcome, as.character(aSAH$wfns))",
        "roc(aSAH.outcome, np.asarray(aSAH.wfns).astype(str))")
    add(f"{f}: roc reject and warns for invalid predictors (matrix)", "auc(roc(aSAH$outcome, as.matrix(aSAH$ndka)))",
        "roc(aSAH.outcome, aSAH.ndka.reshape(-1, 1)).auc", warn="Deprecated use a matrix as predictor")
    add(f"{f}: roc reject and warns for invalid predictors (length)", "roc(aSAH$outcome[1:100], aSAH$ndka)",
        "roc(sub(aSAH.outcome, 0, 100), aSAH.ndka)")
    add(f"{f}: roc reject requires cases & controls", 'roc(aSAH$outcome[aSAH$outcome == "Good"], aSAH$ndka[aSAH$outcome == "Good"])',
        'roc(aSAH.outcome[np.asarray(aSAH.outcome == "Good")], aSAH.ndka[np.asarray(aSAH.outcome == "Good")])')
    add(f"{f}: roc works with ordered predictor", "roc(aSAH$outcome, ordered(as.numeric(aSAH$wfns) + 2))$thresholds",
        "roc(aSAH.outcome, pd.Categorical(aSAH.wfns.codes + 3, ordered=True)).thresholds", [-math.inf, 3.5, 4.5, 5.5, 6.5, math.inf])
    add(f"{f}: roc works with ordered predictor (letters)",
        'roc(aSAH$outcome, {w <- ordered(as.numeric(aSAH$wfns) + 2); levels(w) <- letters[1:5]; w})$thresholds',
        'roc(aSAH.outcome, pd.Categorical.from_codes(aSAH.wfns.codes, categories=list("abcde"), ordered=True)).thresholds',
        [-math.inf, 1.5, 2.5, 3.5, 4.5, math.inf], warn="Ordered predictor converted")

    f = "test-are-paired.R"
    add(f"{f}: are.paired works", "are.paired(r.wfns, r.ndka)", "are_paired(r_wfns, r_ndka)", [1])
    add(f"{f}: are.paired works (missing values)", "are.paired(roc(aSAH.missing.wfns$outcome, aSAH.missing.wfns$wfns), roc(aSAH.missing.wfns$outcome, aSAH.missing.wfns$ndka))",
        "are_paired(roc(aSAH_missing_wfns.outcome, aSAH_missing_wfns.wfns), roc(aSAH_missing_wfns.outcome, aSAH_missing_wfns.ndka))", [1])
    add(f"{f}: are.paired works (different data frames)", "are.paired(roc(aSAH.missing.wfns$outcome, aSAH.missing.wfns$wfns), r.ndka)",
        "are_paired(roc(aSAH_missing_wfns.outcome, aSAH_missing_wfns.wfns), r_ndka)", [1])
    add(f"{f}: are.paired works (subset fails)", "are.paired(roc(aSAH$outcome[21:113], aSAH$wfns[21:113]), roc(aSAH$outcome, aSAH$ndka))",
        "are_paired(roc(sub(aSAH.outcome, 20, 113), sub(aSAH.wfns, 20, 113)), roc(aSAH.outcome, aSAH.ndka))", [0])
    add(f"{f}: are.paired works (opposite levels fail)", 'are.paired(roc(aSAH$outcome, aSAH$wfns, levels = c("Good", "Poor")), roc(aSAH$outcome, aSAH$ndka, levels = c("Poor", "Good")))',
        'are_paired(roc(aSAH.outcome, aSAH.wfns, levels=("Good", "Poor")), roc(aSAH.outcome, aSAH.ndka, levels=("Poor", "Good")))', [0])
    add(f"{f}: are.paired return.paired.rocs works with missing values",
        "attr(are.paired(roc(aSAH.missing$outcome, aSAH.missing$ndka), r.wfns, return.paired.rocs = TRUE), 'roc1')$thresholds",
        "roc_test(roc(aSAH_missing.outcome, aSAH_missing.ndka), r_wfns)['roc1'].thresholds")

    f = "test-deLongPlacementsCpp.R"
    for pct in (False, True):
        for m in ("ndka", "wfns", "s100b"):
            for lev, d in (('c("Good", "Poor")', "auto"), ('c("Poor", "Good")', "auto"), ('c("Good", "Poor")', ">"), ('c("Poor", "Good")', ">")):
                add(f"{f}: delongPlacementsCpp runs ({m}, levels = {lev}, direction = {d}, percent = {pct})",
                    f'pROC:::delongPlacementsCpp(roc(aSAH$outcome, aSAH${m}, levels = {lev}, direction = "{d}", percent = {"TRUE" if pct else "FALSE"}))',
                    f'roc(aSAH.outcome, aSAH.{m}, levels=({lev[2:-1].replace(chr(34) + ", " + chr(34), chr(34) + ", " + chr(34))}), direction="{d}", percent={pct}).delong_placements()')
    return S


SUITE = _suite_cases()

# The two cases of the issue, outside pROC's suite: levels coerced to text by pROC
ISSUE_CASES = [
    {"id": "issue-levels-numeric-on-factor", "source": "issue #13: numeric levels for a factor response",
     "r": "with(roc(aSAH$gos6, aSAH$s100b, levels = c(1, 5)), c(auc, thresholds, sensitivities, specificities))",
     "py": "(lambda r: [r.auc, r.thresholds, r.sensitivities, r.specificities])(roc(aSAH.gos6, aSAH.s100b, levels=(1, 5)))",
     "expect": None, "seed": None, "warn": None},
    {"id": "issue-levels-string-on-numeric", "source": "issue #13: string levels for a numeric 0/1 response",
     "r": 'with(roc(as.numeric(aSAH$outcome == "Poor"), aSAH$s100b, levels = c("0", "1")), c(auc, thresholds, sensitivities, specificities))',
     "py": '(lambda r: [r.auc, r.thresholds, r.sensitivities, r.specificities])(roc(np.asarray(aSAH.outcome == "Poor", dtype=float), aSAH.s100b, levels=("0", "1")))',
     "expect": None, "seed": None, "warn": None},
]


def export_asah() -> dict:
    """data(aSAH) from the installed pROC, exactly (hex floats), with factor levels."""
    code = r"""
suppressPackageStartupMessages(library(pROC)); data(aSAH)
for (c in names(aSAH)) {
  v <- aSAH[[c]]
  kind <- if (is.ordered(v)) "ordered" else if (is.factor(v)) "factor" else "num"
  lv <- if (is.factor(v)) paste(levels(v), collapse = "|") else ""
  vals <- if (is.factor(v)) ifelse(is.na(v), "NA", as.character(v)) else ifelse(is.na(v), "NA", sprintf("%a", as.numeric(v)))
  cat(c, "\t", kind, "\t", lv, "\t", paste(vals, collapse = ","), "\n", sep = "")
}
cat("_meta\t", R.version.string, "\t", as.character(packageVersion("pROC")), "\t\n", sep = "")
"""
    cols, meta = {}, {}
    for line in run_rscript(code).splitlines():
        name, kind, lv, vals = line.split("\t")
        if name == "_meta":
            meta = {"r_version": kind, "proc_version": lv}
            continue
        vv = vals.split(",")
        if kind == "num":
            values = [None if v == "NA" else float.fromhex(v) for v in vv]
        else:
            values = [None if v == "NA" else v for v in vv]
        cols[name] = {"kind": kind, "values": values, **({"levels": lv.split("|")} if lv else {})}
    return {"about": "pROC's data(aSAH), exported by scripts/regen_proc_reference.py (export_asah)",
            "r_call": "data(aSAH, package = 'pROC')", **meta, "columns": cols}


def run_suite_r(jobs=None) -> dict:
    return run_r_jobs(jobs or (SUITE + ISSUE_CASES), preamble=SUITE_PRELUDE)


# ------------------------------------------------------------------------------------------
# random feature cases: levels coercion, percent, partial AUC, coords, bootstrap, roc.test, Inf
# ------------------------------------------------------------------------------------------
_COORD_NAMES = ["threshold", "specificity", "sensitivity", "accuracy", "tn", "tp", "fn", "fp", "npv", "ppv",
                "fdr", "fpr", "tpr", "tnr", "fnr", "1-specificity", "1-sensitivity", "1-accuracy", "1-npv",
                "1-ppv", "precision", "recall", "youden", "closest.topleft"]
_WORDS = ["a", "B", "case", "Control", "no", "Yes", "_x", "x1", "X1", "Good", "poor"]


def _num_col(vals) -> dict:
    return {"kind": "num", "values": [None if (v is None or (isinstance(v, float) and math.isnan(v))) else float(v)
                                      for v in vals]}  # JSON floats round-trip exactly (shortest repr)


def _rl(v: bool) -> str:
    return "TRUE" if v else "FALSE"


def make_feature_jobs(g: np.random.Generator, n_datasets: int = 8, prefix: str = "f") -> dict:
    """Random datasets and jobs exercising every ported feature, both spellings per job.
    Returns {"datasets", "setup_r", "setup_py", "jobs"}; the live test draws a fresh set each run."""
    datasets, setup_r, setup_py, jobs = {}, [], [], []

    def job(r, py, source, seed=None, warn=None):
        jobs.append({"id": f"{prefix}{len(jobs):03d}", "source": source, "r": r, "py": py, "seed": seed, "warn": warn})

    for i in range(n_datasets):
        name = f"{prefix}d{i}"
        n0, n1 = (int(v) for v in g.integers(4, 70, 2))
        shift = float(g.normal(0, 1.2))
        x1 = np.concatenate((g.normal(0, 1, n0), g.normal(shift, 1, n1)))
        x2 = 0.6 * x1 + g.normal(0, 0.8, n0 + n1)
        if g.random() < 0.5:
            x1 = np.round(x1, int(g.integers(0, 2)))  # ties
        if g.random() < 0.3:
            x2 = np.round(x2 * 2) / 2
        kind = str(g.choice(["num01", "num12", "chr", "factor", "factor_numlabels"]))
        order = g.permutation(n0 + n1)
        x1, x2 = x1[order], x2[order]
        lab0 = np.array([0] * n0 + [1] * n1)[order]
        if kind == "num01":
            ycol, levels_r, levels_p = _num_col(lab0), None, None
            if g.random() < 0.5:  # issue #13: string levels for a numeric response
                levels_r, levels_p = 'c("0", "1")', '("0", "1")'
        elif kind == "num12":
            ycol = _num_col(lab0 + 1)
            levels_r, levels_p = ("c(2, 1)", "(2, 1)") if g.random() < 0.4 else (None, None)
        elif kind == "chr":
            w = g.choice(len(_WORDS), 2, replace=False)
            ycol = {"kind": "chr", "values": [_WORDS[w[k]] for k in lab0]}
            levels_r, levels_p = None, None
        elif kind == "factor":
            w = [_WORDS[k] for k in g.choice(len(_WORDS), 2, replace=False)]
            ycol = {"kind": "factor", "levels": w, "values": [w[k] for k in lab0]}
            levels_r, levels_p = None, None
        else:  # factor with numeric labels and numeric levels (issue #13), an unused third level
            labs = ["5", "1", "3"] if g.random() < 0.5 else ["1", "3", "5"]
            ycol = {"kind": "factor", "levels": labs, "values": [("1", "5")[k] for k in lab0]}
            levels_r, levels_p = "c(1, 5)", "(1, 5)"
        if g.random() < 0.3:  # NA in the second predictor: paired tests rebuild on common rows
            x2 = x2.copy()
            x2[g.choice(n0 + n1, 2, replace=False)] = np.nan
        datasets[name] = {"y": ycol, "x1": _num_col(x1), "x2": _num_col(x2)}
        direction = str(g.choice(["auto", "<", ">"]))
        percent = bool(g.random() < 0.35)
        args_r = f', direction = "{direction}", percent = {_rl(percent)}' + (f", levels = {levels_r}" if levels_r else "")
        args_p = f', direction="{direction}", percent={percent}' + (f", levels={levels_p}" if levels_p else "")
        rr, rp = f"r_{name}", f"r_{name}"
        setup_r.append(f"{rr} <- roc({name}$y, {name}$x1{args_r}, quiet = TRUE)")
        setup_r.append(f"{rr}b <- roc({name}$y, {name}$x2{args_r}, quiet = TRUE)")
        setup_py.append(f"{rp} = roc({name}.y, {name}.x1{args_p})")
        setup_py.append(f"{rp}b = roc({name}.y, {name}.x2{args_p})")
        sc = 100.0 if percent else 1.0
        src = f"random {kind} labels, n = {n0}/{n1}, direction {direction}, percent {percent}"

        job(f"with({rr}, c(auc, thresholds, sensitivities, specificities, direction == '>'))",
            f"[{rp}.auc, {rp}.thresholds, {rp}.sensitivities, {rp}.specificities, {rp}.direction == '>']", f"roc: {src}")
        # partial AUC
        for _ in range(3):
            a, b = (float(v) for v in sorted(g.random(2)))
            if g.random() < 0.3:  # a bound exactly on a curve point
                a = int(g.integers(0, n0 + 1)) / n0  # a specificity of the curve
            foc = str(g.choice(["specificity", "sensitivity"]))
            cor = bool(g.random() < 0.5)
            job(f'auc({rr}, partial.auc = c({b * sc!r}, {a * sc!r}), partial.auc.focus = "{foc}", partial.auc.correct = {_rl(cor)})',
                f'auc({rp}, partial_auc=({b * sc!r}, {a * sc!r}), partial_auc_focus="{foc}", partial_auc_correct={cor})',
                f"partial auc: {src}")
        # coords
        bm = str(g.choice(["youden", "closest.topleft"]))
        bw = (round(float(np.exp(g.uniform(-1.5, 1.5))), 3), round(float(g.uniform(0.05, 0.95)), 3))
        ret = [str(v) for v in g.choice(_COORD_NAMES, int(g.integers(2, 7)), replace=False)]
        job(f'coords({rr}, "best", ret = {_r_vec(ret)}, best.method = "{bm}", best.weights = c({bw[0]}, {bw[1]}), transpose = FALSE)',
            f'coords({rp}, "best", ret={ret!r}, best_method="{bm}", best_weights={bw!r})', f"coords best: {src}")
        job(f'coords({rr}, "all", ret = "all", transpose = FALSE)', f'coords({rp}, "all", ret="all")', f"coords all: {src}")
        job(f'coords({rr}, "local maximas", ret = {_r_vec(ret)}, transpose = FALSE)', f'coords({rp}, "local maximas", ret={ret!r})',
            f"coords local maximas: {src}")
        pts = np.concatenate((g.choice(x1[~np.isnan(x1)], 3), g.normal(shift / 2, 1.5, 3), [np.inf, -np.inf]))
        pts_r = "c(" + ", ".join("Inf" if v == np.inf else "-Inf" if v == -np.inf else repr(float(v)) for v in pts) + ")"
        pts_p = "[" + ", ".join("np.inf" if v == np.inf else "-np.inf" if v == -np.inf else repr(float(v)) for v in pts) + "]"
        job(f'coords({rr}, {pts_r}, input = "threshold", ret = "all", transpose = FALSE)',
            f'coords({rp}, {pts_p}, input="threshold", ret="all")', f"coords at thresholds: {src}")
        for inp in ("specificity", "sensitivity", str(g.choice(["tp", "fp", "1-specificity", "fnr", "tnr"]))):
            hi = {"tp": n1, "fp": n0}.get(inp, sc)
            vals = sorted(set([round(float(v), 4) for v in g.uniform(0, hi, 4)] + [float(hi), 0.0]))
            job(f'coords({rr}, c({", ".join(map(repr, vals))}), input = "{inp}", ret = {_r_vec(ret)}, transpose = FALSE)',
                f'coords({rp}, {vals!r}, input="{inp}", ret={ret!r})', f"coords input {inp}: {src}")
        # DeLong CI / var
        cl = round(float(g.uniform(0.5, 0.99)), 3)
        job(f"ci.auc({rr}, conf.level = {cl})", f"{rp}.ci_auc({cl})", f"ci.auc delong: {src}")
        job(f"var({rr})", f"{rp}.var()", f"var delong: {src}")
        # bootstrap
        for strat in (True, False):
            seed, bn = int(g.integers(1, 10**6)), int(g.integers(20, 80))
            job(f'ci.auc({rr}, method = "bootstrap", boot.n = {bn}, boot.stratified = {_rl(strat)}, conf.level = {cl})',
                f'{rp}.ci_auc({cl}, "bootstrap", {bn}, {strat}, RRandom({seed}))', f"ci.auc bootstrap (stratified {strat}): {src}", seed)
        a, b = (float(v) for v in sorted(g.uniform(0, 1, 2)))
        foc = str(g.choice(["specificity", "sensitivity"]))
        seed, bn = int(g.integers(1, 10**6)), int(g.integers(20, 60))
        job(f'ci.auc(roc({name}$y, {name}$x1{args_r}, partial.auc = c({b * sc!r}, {a * sc!r}), partial.auc.focus = "{foc}", partial.auc.correct = TRUE, quiet = TRUE), boot.n = {bn}, boot.stratified = {_rl(bool(seed % 2))})',
            f'roc({name}.y, {name}.x1{args_p}, partial_auc=({b * sc!r}, {a * sc!r}), partial_auc_focus="{foc}", partial_auc_correct=True).ci_auc(boot_n={bn}, boot_stratified={bool(seed % 2)}, rng=RRandom({seed}))',
            f"ci.auc bootstrap of a corrected partial AUC: {src}", seed)
        seed = int(g.integers(1, 10**6))
        job(f'var({rr}, method = "bootstrap", boot.n = 30)', f'{rp}.var("bootstrap", 30, True, RRandom({seed}))', f"var bootstrap: {src}", seed)
        for strat in (True, False):
            seed = int(g.integers(1, 10**6))
            thr = str(g.choice(["best", "local maximas", "numbers"]))
            tr, tp_ = (f'"{thr}"', f'"{thr}"') if thr != "numbers" else (pts_r, pts_p)
            job(f'ci.thresholds({rr}, thresholds = {tr}, boot.n = 25, boot.stratified = {_rl(strat)})',
                f"(lambda c: [c['specificity'], c['sensitivity']])(ci_thresholds({rp}, .95, 25, {strat}, {tp_}, RRandom({seed})))",
                f"ci.thresholds (stratified {strat}, {thr}): {src}", seed)
            if strat or min(n0, n1) >= 15:  # a resample without one class makes pROC (and us) stop
                seed = int(g.integers(1, 10**6))
                sps = sorted(round(float(v) * sc, 3) for v in g.random(3))
                job(f'ci.se({rr}, specificities = c({", ".join(map(repr, sps))}), boot.n = 25, boot.stratified = {_rl(strat)})',
                    f"ci_se({rp}, {sps!r}, boot_n=25, boot_stratified={strat}, rng=RRandom({seed}))", f"ci.se (stratified {strat}): {src}", seed)
                seed = int(g.integers(1, 10**6))
                job(f'ci.sp({rr}, boot.n = 25, boot.stratified = {_rl(strat)})',
                    f"ci_sp({rp}, boot_n=25, boot_stratified={strat}, rng=RRandom({seed}))", f"ci.sp (stratified {strat}): {src}", seed)
        # roc.test
        alt = str(g.choice(["two.sided", "less", "greater"]))
        meth_r = ', method = "delong"' if direction == "auto" else ""
        job(f'with(roc.test({rr}, {rr}b, alternative = "{alt}"{meth_r}), c(statistic, p.value, conf.int))',
            f"(lambda t: [t['statistic'], t['p_value'], t['conf_int']])(roc_test({rp}, {rp}b, alternative='{alt}'{meth_r.replace(' = ', '=')}))",
            f"roc.test DeLong paired ({alt}): {src}", warn=None)
        job(f'with(roc.test({rr}, {rr}b, paired = FALSE, alternative = "{alt}", method = "delong"), c(statistic, p.value, parameter))',
            f"(lambda t: [t['statistic'], t['p_value'], t['df']])(roc_test({rp}, {rp}b, paired=False, alternative='{alt}', method='delong'))",
            f"roc.test DeLong unpaired ({alt}): {src}")
        for paired, strat in ((True, True), (False, bool(g.random() < 0.5)), (True, False)):
            if not strat and min(n0, n1) < 12:
                continue
            seed, bn = int(g.integers(1, 10**6)), int(g.integers(15, 40))
            job(f'with(roc.test({rr}, {rr}b, method = "bootstrap", boot.n = {bn}, paired = {_rl(paired)}, boot.stratified = {_rl(strat)}, alternative = "{alt}"), c(statistic, p.value))',
                f"(lambda t: [t['statistic'], t['p_value']])(roc_test({rp}, {rp}b, method='bootstrap', boot_n={bn}, paired={paired}, boot_stratified={strat}, alternative='{alt}', rng=RRandom({seed})))",
                f"roc.test bootstrap (paired {paired}, stratified {strat}): {src}", seed)
        meth = str(g.choice(["specificity", "sensitivity"]))
        val = round(float(g.uniform(0.05, 0.95)) * sc, 3)
        seed = int(g.integers(1, 10**6))
        job(f'with(roc.test({rr}, {rr}b, method = "{meth}", {meth} = {val}, boot.n = 20), c(statistic, p.value))',
            f"(lambda t: [t['statistic'], t['p_value']])(roc_test({rp}, {rp}b, method='{meth}', {meth}={val}, boot_n=20, rng=RRandom({seed})))",
            f"roc.test {meth} test: {src}", seed)
        k = int(g.integers(0, n0 + n1))
        neg = bool(g.random() < 0.5)
        job(f"roc({name}$y, replace({name}$x1, {k + 1}, {'-' if neg else ''}Inf){args_r})",
            f"roc({name}.y, np.where(np.arange({name}.x1.size) == {k}, {'-' if neg else ''}np.inf, {name}.x1){args_p})",
            f"Inf in the predictor: {src}", warn="Infinite value")
    return {"datasets": datasets, "setup_r": "\n".join(setup_r), "setup_py": "\n".join(setup_py), "jobs": jobs}


def feature_env(spec: dict) -> dict:
    env = py_env()
    for name, ds in spec["datasets"].items():
        env[name] = py_dataset(ds)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(spec["setup_py"], env)  # noqa: S102 - our own generated setup code
    return env


def run_spec_r(spec: dict) -> dict:
    """Datasets, then setup, then jobs, in one R process."""
    jobs = [{"id": "_setup", "r": f"{{ {spec['setup_r'].replace(chr(10), '; ')}; 0 }}", "seed": None}] + spec["jobs"]
    out = run_r_jobs(jobs, spec["datasets"])
    if out["_setup"]["status"] != "ok":
        raise RuntimeError(f"R could not build the roc objects: {out['_setup']['values']}")
    return out


# ------------------------------------------------------------------------------------------
# the article's test-set predictions: bootstrap intervals with set.seed(1) / RRandom(1)
# ------------------------------------------------------------------------------------------
ARTICLE_SOURCE = ("python_impl.pipeline.run_article(seed=42): the article's CNN trained with Keras seed 42 "
                  "on its set.seed(123) split; .predictions (float32 sigmoid outputs as float64) and "
                  ".test_labels (status 0/1) of the 104 test rows")


def article_predictions() -> dict:
    """The 104 test predictions + labels (needs TensorFlow; stored in proc_features.json)."""
    from python_impl.pipeline import run_article

    res = run_article(seed=42)
    return {"y": [int(v) for v in np.asarray(res.test_labels).ravel()],
            "p": [float(v) for v in np.asarray(res.predictions, dtype=np.float64).ravel()]}


def article_spec(pred: dict) -> dict:
    ds = {"art": {"y": _num_col(pred["y"]), "p": _num_col(pred["p"])}}
    jobs = []

    def job(r, py, source):
        jobs.append({"id": f"article{len(jobs):02d}", "source": source, "r": r, "py": py, "seed": 1, "warn": None})

    job('ci.auc(ra, method = "bootstrap", boot.n = 500)', 'ra.ci_auc(method="bootstrap", boot_n=500, rng=RRandom(1))',
        "issue #13: set.seed(1); ci.auc(r, method = 'bootstrap', boot.n = 500) on the article's predictions")
    job('ci.auc(ra, method = "bootstrap", boot.n = 500, boot.stratified = FALSE)',
        'ra.ci_auc(method="bootstrap", boot_n=500, boot_stratified=False, rng=RRandom(1))', "article, non-stratified bootstrap")
    job('var(ra, method = "bootstrap", boot.n = 500)', 'ra.var("bootstrap", 500, True, RRandom(1))', "article, bootstrap variance")
    job('ci.thresholds(ra, thresholds = "best", boot.n = 500)',
        "(lambda c: [c['specificity'], c['sensitivity']])(ci_thresholds(ra, .95, 500, True, 'best', RRandom(1)))",
        "article, ci.thresholds at the Youden threshold")
    job('ci.se(ra, boot.n = 200)', "ci_se(ra, boot_n=200, rng=RRandom(1))", "article, ci.se at sp = 0, .1, ..., 1")
    job('ci.auc(roc(art$y, art$p, partial.auc = c(1, .8), partial.auc.correct = TRUE, quiet = TRUE), boot.n = 500)',
        "roc(art.y, art.p, partial_auc=(1, .8), partial_auc_correct=True).ci_auc(boot_n=500, rng=RRandom(1))",
        "article, corrected partial AUC (sp 0.8-1), bootstrap CI")
    return {"datasets": ds, "setup_r": "ra <- roc(art$y, art$p, quiet = TRUE)", "setup_py": "ra = roc(art.y, art.p)",
            "jobs": jobs}


def _outputs(res: dict) -> dict:
    return {jid: {"status": v["status"], "values": encode(v["values"]) if v["status"] == "ok" else v["values"],
                  "warnings": v["warnings"]} for jid, v in res.items() if not jid.startswith("_")}


def build_suite_reference() -> dict:
    jobs = SUITE + ISSUE_CASES
    r = run_suite_r(jobs)
    meta = run_r_meta()
    return {"about": "pROC 1.18.0's own test suite (tests/testthat), the cases in python_impl.roc's scope, ported: "
                     "each job names the test file and test_that() block, the R call (run after SUITE_PRELUDE, "
                     "i.e. helper-rocs.R on data(aSAH)) and its Python spelling; `expect` is the value pROC's "
                     "test itself states (15 significant digits) where it states one",
            "regenerate": "python scripts/regen_proc_reference.py", **meta, "prelude": SUITE_PRELUDE,
            "jobs": jobs, "r_outputs": _outputs(r)}


def build_features_reference(pred: dict | None = None) -> dict:
    if pred is None:
        stored = json.loads(FEATURES_OUT.read_text()) if FEATURES_OUT.exists() else None
        pred = stored["article"]["values"] if stored else article_predictions()
    feat = make_feature_jobs(np.random.default_rng(FEATURES_SEED), 6)
    art = article_spec(pred)
    rf, ra = run_spec_r(feat), run_spec_r(art)
    return {"about": "random feature cases (make_feature_jobs(default_rng(seed_features), 6)) and the article's "
                     "bootstrap intervals; each job: R call after setup_r, its Python spelling after setup_py",
            "regenerate": "python scripts/regen_proc_reference.py", **run_r_meta(),
            "seed_features": FEATURES_SEED, "features": {**feat, "r_outputs": _outputs(rf)},
            "article": {"about": ARTICLE_SOURCE, "values": pred, **art, "r_outputs": _outputs(ra)}}


def run_r_meta() -> dict:
    out = run_rscript('suppressPackageStartupMessages(library(pROC)); cat(R.version.string, as.character(packageVersion("pROC")), sep = "\\n")')
    v, p = out.strip().splitlines()
    return {"r_version": v, "proc_version": p}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the stored files only")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--article-from-keras", action="store_true",
                    help="retrain the article's CNN (TensorFlow) for the predictions instead of reusing the stored ones")
    a = ap.parse_args(argv)
    ref = build_reference()
    asah = export_asah()
    suite = build_suite_reference()
    feats = build_features_reference(article_predictions() if a.article_from_keras else None)
    files = [(a.out, dumps(ref) + "\n"), (ASAH_OUT, json.dumps(asah) + "\n"),
             (SUITE_OUT, dumps(encode(suite)) + "\n"), (FEATURES_OUT, dumps(encode(feats)) + "\n")]
    if a.check:
        same = all(json.loads(p.read_text()) == json.loads(text) for p, text in files)
        print("stored references match R" if same else "stored references DIFFER from R")
        return 0 if same else 1
    for p, text in files:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    print(f"wrote {a.out.relative_to(REPO)}: {len(ref['cases'])} cases, {len(ref['roc_tests'])} roc.test cases; "
          f"{ASAH_OUT.relative_to(REPO)}; {SUITE_OUT.relative_to(REPO)}: {len(suite['jobs'])} jobs; "
          f"{FEATURES_OUT.relative_to(REPO)}: {len(feats['features']['jobs'])} + {len(feats['article']['jobs'])} jobs "
          f"({ref['r_version']}, pROC {ref['proc_version']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
