#!/usr/bin/env python
"""Regenerate tests/reference/proc_cases.json: pROC's answers on a fixed set of ROC cases.

    python scripts/regen_proc_reference.py            # writes tests/reference/proc_cases.json
    python scripts/regen_proc_reference.py --check    # runs R, compares with the stored file

Inputs are drawn here with numpy's default_rng(SEED) and handed to R exactly: each case is a
temporary CSV whose numbers are C99 hex floats (float.hex(); R's read.csv parses them exactly,
where decimal strings go through R's own strtod), and R echoes every predictor back with
%.17g so the round trip is checked before anything is written. R is run with
`r_reference.availability.run_rscript` (Rscript -e 'source(file)'), one process for all cases. The JSON
records the R and pROC versions, R's collation, and for every case the exact R calls.

`run_r_cases` / `run_r_roc_tests` are also used by tests/test_roc.py's live cross-check.
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the stored file only")
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args(argv)
    ref = build_reference()
    if a.check:
        stored = json.loads(a.out.read_text())
        same = stored == ref
        print("stored reference matches R" if same else "stored reference DIFFERS from R")
        return 0 if same else 1
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(dumps(ref) + "\n")
    print(f"wrote {a.out.relative_to(REPO)}: {len(ref['cases'])} cases, "
          f"{len(ref['roc_tests'])} roc.test cases ({ref['r_version']}, pROC {ref['proc_version']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
