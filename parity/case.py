"""A case file: one R script, its Python port, and the checkpoints where they must agree.

TOML, read with the standard library's `tomllib`. Every problem is one `CaseError` line that
names the file, the table and the key, and says what would be accepted, before anything runs.

    [case]
    name = "glm_lung"                      # required: [A-Za-z0-9_.-]+
    title = "Logistic regression on survival::lung"
    r_script = "glm_lung.R"                # required, relative to the case file
    python = "port:run"                    # required: module:function, the module beside the case file
    extends = "../other/case.toml"         # optional: inherit that case (a second port of one script)
    keras = false                          # true: library(keras) in the script is answered by the bridge
    seed = 42                              # the shared seed: run(seed=42) and the bridge's Keras seed
    timeout = 600                          # seconds one R run may take
    r_packages = ["survival", "pROC"]      # checked before any run (a clear error if one is missing)

    [data]                                 # optional: a data file both sides read
    path = "lung.csv"                      # default file (parity audit --data FILE replaces it)
    r_name = "lung"                        # bound in R as read.csv(path) before the script runs
    python_arg = "data"                    # run(seed=..., data=<path>)
    validate = "port:validate"             # optional: called with the path first; raise ValueError
    r_check = "preflight.R"                # optional: R code run on the bound file before any run; stop()

    [[checkpoint]]                         # in pipeline order
    name = "coefficients"                  # the key the Python callable returns
    r = "coef(fit)"                        # any R expression, evaluated after the script
    python = "coefficients"                # optional: another key of the port's mapping
    compare = "rel"                        # auto | exact | abs | rel | close | string | set | info
    tol = 1e-10                            # abs / rel (rtol for close; atol = ... for close)
    why = "IRLS converges to 1e-8 deviance change in both" # required for abs / rel / close
    after = ["train_idx"]                  # failures here are consequences of that one
    expect = "equal"                       # or "differ": a known divergence (WARN with its size)
    diagnosis = "population_sd"            # with expect = "differ": the trap that must explain it
    note = "..."                           # a documented caveat: WARN (with the note) when equal
    stage = "roc"                          # the Python value comes from this stage, fed R's values

    [[stage]]                              # stage isolation: a Python step fed with R's own values
    name = "roc"
    python = "port:roc_stage"              # called as roc_stage(labels=<R value>, scores=<R value>)
    inputs = { labels = "test_labels", scores = "predictions" }   # argument -> checkpoint name

    [distribution]                         # unseeded runs: compare distributions, not numbers
    name = "metric_ranges"                 # the check's name (default "distribution")
    r_runs = 10
    python_runs = 200
    metrics = ["accuracy", "auc_value"]    # checkpoint names
    python_many = "port:run_many"          # optional: run_many(seeds) -> list of mappings
    alpha = 0.01                           # family-wise, Bonferroni over the metrics
    collect = ["loss"]                     # also kept per run (for [[published]]), not tested

    [[published]]                          # numbers a paper printed, at their printed precision
    checkpoint = "auc_value"
    value = 0.81
    decimals = 2
    source = "the ROC plot's label"

    [[section]]                            # an analysis plug-in of this case (never of others)
    name = "baselines"
    python = "sections:baselines"          # fn(ctx) -> {"checks": [...], "report": {...}}
    checks = []                            # names of the check rows it contributes
    report = true                          # part of the reproduction report (--no-reproduction skips it)
    options = { n_boot = { default = 30, min = 2, max = 10000, help = "..." } }   # --n-boot N
"""
from __future__ import annotations

import difflib
import importlib.util
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from parity.compare import COMPARE_KINDS, Tolerance

NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")
CALLABLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_]*$")
EXPECT = ("equal", "differ")
WHY_DEFAULT = {
    "auto": "dtype default: integers, strings and factors exact; float64 rel 1e-12 (only summation order may "
            "differ); float32 rel 1e-6",
    "exact": "values that must be identical (integers, labels, sizes)",
    "string": "compared as text",
    "set": "the same elements; order is not part of the result",
    "info": "shown for reference, not judged",
}


class CaseError(ValueError):
    """A case file that cannot be used; the message is one line naming the file, key and fix."""


@dataclass(frozen=True)
class Checkpoint:
    name: str
    r: str
    python: str
    tolerance: Tolerance
    why: str
    after: tuple = ()
    expect: str = "equal"
    diagnosis: str | None = None
    note: str | None = None
    stage: str | None = None
    group: str = ""
    index: int = 0


@dataclass(frozen=True)
class Stage:
    name: str
    python: str
    inputs: dict


@dataclass(frozen=True)
class Distribution:
    name: str
    r_runs: int
    python_runs: int
    metrics: tuple
    python_many: str | None
    alpha: float
    collect: tuple = ()  # also collected per run for the published-values report, not tested


@dataclass(frozen=True)
class Published:
    checkpoint: str
    value: float
    decimals: int | None
    source: str
    label: str


@dataclass(frozen=True)
class SectionOption:
    """An option of a section: its default, its allowed range (integers) and what it means.
    `parity audit --<name-with-dashes> VALUE` (or `-o name=VALUE`) sets it."""

    name: str
    default: Any
    min: int | None = None
    max: int | None = None
    help: str = ""


@dataclass(frozen=True)
class Section:
    name: str
    python: str
    checks: tuple = ()
    report: bool = True
    options: dict = field(default_factory=dict)  # name -> default
    option_specs: tuple = ()  # SectionOption, in the case file's order


@dataclass(frozen=True)
class DataSpec:
    path: Path | None
    r_name: str | None
    python_arg: str
    validate: str | None
    r_check: Path | None = None


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    description: str
    file: Path
    r_script: Path
    python: str
    keras: bool
    seed: int | None
    timeout: float
    r_packages: tuple
    checkpoints: tuple
    stages: dict
    distribution: Distribution | None
    published: tuple
    sections: tuple
    data: DataSpec | None

    @property
    def folder(self) -> Path:
        return self.file.parent

    def checkpoint(self, name: str) -> Checkpoint:
        for c in self.checkpoints:
            if c.name == name:
                return c
        raise KeyError(name)

    def check_names(self) -> list[str]:
        """Every check row this case produces, in report order (pytest ids, --only values)."""
        names = [c.name for c in self.checkpoints]
        if self.distribution:
            names.append(self.distribution.name)
        for s in self.sections:
            names.extend(s.checks)
        return names

    def r_expressions(self, names=None) -> dict[str, str]:
        return {c.name: c.r for c in self.checkpoints if names is None or c.name in names}


# ---- loading ------------------------------------------------------------------------------------

class _Reader:
    """Typed access to one TOML table, collecting the location for error messages."""

    def __init__(self, file: Path, where: str, table: Any, allowed: tuple):
        self.file, self.where = file, where
        if not isinstance(table, dict):
            self.fail(f"must be a table, not {type(table).__name__}")
        self.t = table
        for key in table:
            if key not in allowed:
                near = _suggest(key, allowed)
                hint = f"; did you mean {near!r}?" if near else f"; allowed: {', '.join(allowed)}"
                self.fail(f"unknown key {key!r}{hint}")

    def fail(self, msg: str):
        raise CaseError(f"{self.file}: {self.where}: {msg}")

    def get(self, key: str, kind, default=..., required: bool = False):
        if key not in self.t:
            if required or default is ...:
                self.fail(f"missing required key {key!r}")
            return default
        v = self.t[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if bool not in kinds and isinstance(v, bool) and (int in kinds or float in kinds):
            self.fail(f"{key} must be {_kind_name(kinds)}, not a boolean")
        if float in kinds and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        if not isinstance(v, kinds):
            self.fail(f"{key} must be {_kind_name(kinds)}, not {type(v).__name__} ({v!r})")
        return v

    def strings(self, key: str, default=()) -> tuple:
        v = self.get(key, list, default=list(default))
        if not all(isinstance(x, str) and x for x in v):
            self.fail(f"{key} must be a list of non-empty strings")
        return tuple(v)


def _suggest(word: str, options) -> str | None:
    """The option a mistyped word most likely means (difflib, or a common prefix: tolerance/tol)."""
    options = list(options)
    near = difflib.get_close_matches(word, options, n=1)
    if near:
        return near[0]
    pre = [o for o in options if len(o) >= 3 and (word.startswith(o) or o.startswith(word))]
    return max(pre, key=len) if pre else None


def _kind_name(kinds) -> str:
    if set(kinds) == {int, float}:
        return "a number"
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list",
             dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def load_case(path) -> Case:
    """Read and validate a case file (every reference resolved; nothing is run or imported)."""
    file = Path(path)
    if not file.exists():
        raise CaseError(f"{file}: case file not found (parity init SCRIPT.R writes a starter case)")
    if file.is_dir():
        cand = sorted(file.glob("*.toml"))
        if len(cand) != 1:
            raise CaseError(f"{file}: is a folder; name the case file (found {len(cand)} .toml files)")
        file = cand[0]
    file = file.resolve()
    doc = _read_doc(file)
    top = _Reader(file, "top level", doc, ("case", "data", "checkpoint", "stage", "distribution", "published",
                                            "section"))
    if "case" not in doc:
        top.fail("missing the [case] table (name, r_script, python)")
    c = _Reader(file, "[case]", doc["case"], ("name", "title", "description", "r_script", "python", "keras", "seed",
                                               "timeout", "r_packages"))
    name = c.get("name", str, required=True)
    if not NAME_RE.match(name):
        c.fail(f"name {name!r} may contain only letters, digits, '_', '.' and '-'")
    r_script = (file.parent / c.get("r_script", str, required=True)).resolve()
    if not r_script.is_file():
        c.fail(f"r_script {c.t['r_script']!r}: no such file ({r_script})")
    python = c.get("python", str, required=True)
    _check_callable(c, "python", python, file.parent)
    seed = c.get("seed", int, default=None)
    if seed is not None and not 0 <= seed < 2**31:
        c.fail(f"seed must be between 0 and 2147483647, not {seed}")
    timeout = c.get("timeout", (int, float), default=600.0)
    if not timeout > 0:
        c.fail("timeout must be a positive number of seconds")

    data = None
    if "data" in doc:
        d = _Reader(file, "[data]", doc["data"], ("path", "r_name", "python_arg", "validate", "r_check"))
        dpath = d.get("path", str, default=None)
        dfile = (file.parent / dpath).resolve() if dpath else None
        if dfile is not None and not dfile.is_file():
            d.fail(f"path {dpath!r}: no such file ({dfile})")
        r_name = d.get("r_name", str, default=None)
        if r_name is not None and not re.match(r"^[A-Za-z.][A-Za-z0-9._]*$", r_name):
            d.fail(f"r_name {r_name!r} is not a syntactic R name")
        validate = d.get("validate", str, default=None)
        if validate:
            _check_callable(d, "validate", validate, file.parent)
        r_check = d.get("r_check", str, default=None)
        rfile = (file.parent / r_check).resolve() if r_check else None
        if rfile is not None and not rfile.is_file():
            d.fail(f"r_check {r_check!r}: no such file ({rfile})")
        if rfile is not None and not r_name:
            d.fail("r_check needs r_name (the name the file is bound to in R)")
        data = DataSpec(dfile, r_name, d.get("python_arg", str, default="data"), validate, rfile)

    stages = {}
    for i, st in enumerate(_array(top, doc, "stage")):
        s = _Reader(file, f"[[stage]] #{i + 1}", st, ("name", "python", "inputs"))
        sname = s.get("name", str, required=True)
        if sname in stages:
            s.fail(f"duplicate stage name {sname!r}")
        spy = s.get("python", str, required=True)
        _check_callable(s, "python", spy, file.parent)
        inputs = s.get("inputs", dict, default={})
        if not all(isinstance(v, str) for v in inputs.values()):
            s.fail("inputs must map argument names to checkpoint names (strings)")
        stages[sname] = Stage(sname, spy, dict(inputs))

    cps: list[Checkpoint] = []
    seen: set = set()
    for i, cp in enumerate(_array(top, doc, "checkpoint")):
        where = f"[[checkpoint]] #{i + 1}" + (f" ({cp.get('name')!r})" if isinstance(cp, dict) and cp.get("name") else "")
        k = _Reader(file, where, cp, ("name", "r", "python", "compare", "tol", "atol", "why", "after", "expect",
                                      "diagnosis", "note", "stage", "group"))
        cname = k.get("name", str, required=True)
        if not NAME_RE.match(cname):
            k.fail(f"name {cname!r} may contain only letters, digits, '_', '.' and '-'")
        if cname in seen:
            k.fail(f"duplicate checkpoint name {cname!r}")
        r_expr = k.get("r", str, required=True)
        if not r_expr.strip():
            k.fail("r must be a non-empty R expression")
        kind = k.get("compare", str, default="auto")
        if kind not in COMPARE_KINDS:
            near = _suggest(kind, COMPARE_KINDS)
            k.fail(f"compare = {kind!r} is not a comparator" + (f"; did you mean {near!r}?" if near else
                                                                f"; use one of {', '.join(COMPARE_KINDS)}"))
        tol = k.get("tol", (int, float), default=None)
        atol = k.get("atol", (int, float), default=None)
        if kind in ("abs", "rel", "close") and tol is None:
            k.fail(f"compare = {kind!r} needs tol = a number (the allowed {kind} difference)")
        if tol is not None and kind not in ("abs", "rel", "close"):
            k.fail(f"tol is used only with compare = 'abs', 'rel' or 'close', not {kind!r}")
        if tol is not None and not tol >= 0:
            k.fail("tol must be >= 0")
        if atol is not None and kind != "close":
            k.fail("atol is used only with compare = 'close'")
        why = k.get("why", str, default="")
        if kind in ("abs", "rel", "close") and not why.strip():
            k.fail(f"compare = {kind!r} with tol = {tol:g} needs why = the reason for that tolerance "
                   "(float32 vs float64, summation order, solver, stochastic training)")
        after = k.strings("after")
        for a in after:
            if a not in seen:
                k.fail(f"after = [{a!r}]: no earlier checkpoint of that name (list checkpoints in pipeline order)")
        expect = k.get("expect", str, default="equal")
        if expect not in EXPECT:
            k.fail(f"expect must be 'equal' or 'differ', not {expect!r}")
        diagnosis = k.get("diagnosis", str, default=None)
        if diagnosis is not None and expect != "differ":
            k.fail("diagnosis names the trap a known divergence must show: use it with expect = 'differ'")
        if expect == "differ" and not why.strip():
            k.fail("a known divergence (expect = 'differ') needs why = what the difference is and why it is accepted")
        note = k.get("note", str, default=None)
        stage = k.get("stage", str, default=None)
        if stage is not None and stage not in stages:
            k.fail(f"stage = {stage!r}: no [[stage]] of that name")
        try:
            tolerance = Tolerance(kind, tol, atol, why or WHY_DEFAULT.get(kind, ""))
        except ValueError as e:
            k.fail(str(e))
        seen.add(cname)
        cps.append(Checkpoint(cname, r_expr, k.get("python", str, default=cname), tolerance,
                              why or WHY_DEFAULT.get(kind, ""), after, expect, diagnosis, note, stage,
                              k.get("group", str, default=""), i))
    if not cps:
        top.fail("no [[checkpoint]] tables: a case compares at least one checkpoint")
    for s in stages.values():
        for arg, ref in s.inputs.items():
            if ref not in seen:
                raise CaseError(f"{file}: [[stage]] {s.name!r}: inputs.{arg} = {ref!r} is not a checkpoint name")

    dist = None
    if "distribution" in doc:
        d = _Reader(file, "[distribution]", doc["distribution"], ("name", "r_runs", "python_runs", "metrics",
                                                                  "python_many", "alpha", "collect"))
        metrics = d.strings("metrics")
        if not metrics:
            d.fail("metrics must name at least one checkpoint")
        collect = tuple(m for m in d.strings("collect") if m not in metrics)
        for m in metrics + collect:
            if m not in seen:
                d.fail(f"metrics/collect: {m!r} is not a checkpoint name")
        many = d.get("python_many", str, default=None)
        if many:
            _check_callable(d, "python_many", many, file.parent)
        r_runs = d.get("r_runs", int, default=10)
        py_runs = d.get("python_runs", int, default=200)
        for key, v in (("r_runs", r_runs), ("python_runs", py_runs)):
            if v < 0:
                d.fail(f"{key} must be >= 0")
        alpha = d.get("alpha", float, default=0.01)
        if not 0 < alpha < 1:
            d.fail("alpha must be between 0 and 1")
        dname = d.get("name", str, default="distribution")
        if dname in seen:
            d.fail(f"name {dname!r} is already a checkpoint name")
        dist = Distribution(dname, r_runs, py_runs, metrics, many, alpha, collect)
        seen.add(dname)

    published = []
    for i, p in enumerate(_array(top, doc, "published")):
        q = _Reader(file, f"[[published]] #{i + 1}", p, ("checkpoint", "value", "decimals", "source", "label"))
        ck = q.get("checkpoint", str, required=True)
        if ck not in {c.name for c in cps}:
            q.fail(f"checkpoint {ck!r} is not a checkpoint name")
        dec = q.get("decimals", int, default=None)
        if dec is not None and not 0 <= dec <= 17:
            q.fail("decimals must be between 0 and 17")
        published.append(Published(ck, q.get("value", float, required=True), dec, q.get("source", str, default=""),
                                   q.get("label", str, default=ck)))

    sections = []
    for i, s in enumerate(_array(top, doc, "section")):
        q = _Reader(file, f"[[section]] #{i + 1}", s, ("name", "python", "checks", "report", "options"))
        sname = q.get("name", str, required=True)
        spy = q.get("python", str, required=True)
        _check_callable(q, "python", spy, file.parent)
        checks = q.strings("checks")
        for ch in checks:
            if ch in seen:
                q.fail(f"checks: {ch!r} is already the name of another check")
            seen.add(ch)
        specs = tuple(_section_option(q, k, v) for k, v in q.get("options", dict, default={}).items())
        sections.append(Section(sname, spy, checks, q.get("report", bool, default=True),
                                {o.name: o.default for o in specs}, specs))

    return Case(name=name, title=c.get("title", str, default=name), description=c.get("description", str, default=""),
                file=file, r_script=r_script, python=python, keras=c.get("keras", bool, default=False), seed=seed,
                timeout=float(timeout), r_packages=c.strings("r_packages"), checkpoints=tuple(cps), stages=stages,
                distribution=dist, published=tuple(published), sections=tuple(sections), data=data)


def _section_option(q: _Reader, name: str, v) -> SectionOption:
    """`name = 30` (a default) or `name = { default = 30, min = 2, max = 10000, help = "..." }`."""
    if not re.match(r"^[a-z][a-z0-9_]*$", name):
        q.fail(f"options: {name!r} must be lower_case (it becomes the flag --{name.replace('_', '-')})")
    if not isinstance(v, dict):
        return SectionOption(name, v)
    o = _Reader(q.file, f"{q.where} options.{name}", v, ("default", "min", "max", "help"))
    if "default" not in v:
        o.fail("missing required key 'default'")
    default = v["default"]
    if not isinstance(default, (int, float, str, bool)):
        o.fail(f"default must be a number, a string or true/false, not {type(default).__name__}")
    lo, hi = o.get("min", int, default=None), o.get("max", int, default=None)
    if (lo is not None or hi is not None) and (isinstance(default, bool) or not isinstance(default, int)):
        o.fail("min/max apply to integer options only")
    if lo is not None and hi is not None and lo > hi:
        o.fail(f"min {lo} > max {hi}")
    if isinstance(default, int) and not isinstance(default, bool) and not (
            (lo is None or default >= lo) and (hi is None or default <= hi)):
        o.fail(f"default {default} is outside [{lo}, {hi}]")
    return SectionOption(name, default, lo, hi, o.get("help", str, default=""))


def _toml(file: Path) -> dict:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise CaseError(f"{file}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except tomllib.TOMLDecodeError as e:
        raise CaseError(f"{file}: invalid TOML: {e}") from None


def _read_doc(file: Path, seen: tuple = ()) -> dict:
    """The case document, with `[case] extends = "other/case.toml"` applied: the other case's
    tables are inherited (its r_script and data path stay relative to its own folder), [case]
    keys given here override its keys, and an array given here ([[checkpoint]], [[stage]],
    [[published]], [[section]]) replaces the inherited one. The Python callables are looked up
    beside THIS file: a second port of the same script is a case of three lines."""
    doc = _toml(file)
    base_rel = (doc.get("case") or {}).get("extends") if isinstance(doc.get("case"), dict) else None
    if not base_rel:
        return doc
    if not isinstance(base_rel, str):
        raise CaseError(f"{file}: [case]: extends must be a path (string) to another case file")
    base_file = (file.parent / base_rel).resolve()
    if base_file in seen or base_file == file:
        raise CaseError(f"{file}: [case]: extends = {base_rel!r} makes a cycle")
    if not base_file.is_file():
        raise CaseError(f"{file}: [case]: extends = {base_rel!r}: no such case file ({base_file})")
    base = _read_doc(base_file, seen + (file,))
    bcase = dict(base.get("case") or {})
    if "r_script" in bcase:
        bcase["r_script"] = str((base_file.parent / bcase["r_script"]).resolve())
    if isinstance(base.get("data"), dict) and base["data"].get("path"):
        base["data"] = {**base["data"], "path": str((base_file.parent / base["data"]["path"]).resolve())}
    merged = {**base, **{k: v for k, v in doc.items() if k != "case"}}
    merged["case"] = {**bcase, **{k: v for k, v in doc["case"].items() if k != "extends"}}
    return merged


def _array(top: _Reader, doc: dict, key: str) -> list:
    v = doc.get(key, [])
    if isinstance(v, dict):
        top.fail(f"[{key}] must be an array of tables: write [[{key}]]")
    if not isinstance(v, list):
        top.fail(f"{key} must be an array of tables ([[{key}]])")
    return v


def _check_callable(r: _Reader, key: str, spec: str, folder: Path) -> None:
    if not CALLABLE_RE.match(spec):
        r.fail(f"{key} = {spec!r} must be 'module:function' (e.g. 'port:run')")
    module = spec.split(":")[0]
    rel = Path(*module.split("."))
    if not ((folder / rel).with_suffix(".py").is_file() or (folder / rel / "__init__.py").is_file()):
        if importlib.util.find_spec(module.split(".")[0]) is None:
            r.fail(f"{key} = {spec!r}: no module {module!r} beside the case file ({folder / rel}.py) "
                   "nor importable")


# ---- importing the port -------------------------------------------------------------------------

def case_package(case: Case) -> str:
    """The import name of a case's folder: a synthetic package, so that two cases may both have a
    `port.py`, and a case's modules may import each other relatively (`from . import helpers`)
    or absolutely (the folder is also put on sys.path, as a script beside them would expect)."""
    import importlib.machinery

    import hashlib

    digest = hashlib.sha1(str(case.folder).encode()).hexdigest()[:8]
    name = f"_parity_case_{re.sub(r'[^A-Za-z0-9_]', '_', case.name)}_{digest}"
    if name not in sys.modules:
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        pkg = importlib.util.module_from_spec(spec)
        pkg.__path__ = [str(case.folder)]
        sys.modules[name] = pkg
    if str(case.folder) not in sys.path:
        sys.path.insert(0, str(case.folder))
    return name


def import_case_module(case: Case, module: str):
    """A module of the case's folder (`port`, `sections`, `sub.helpers`), imported once."""
    folder_file = case.folder / Path(*module.split("."))
    if folder_file.with_suffix(".py").is_file() or (folder_file / "__init__.py").is_file():
        return importlib.import_module(f"{case_package(case)}.{module}")
    return importlib.import_module(module)  # an installed module named by the case


def load_callable(case: Case, spec: str) -> Callable:
    """The function `module:function` of a case, its module imported from the case's folder."""
    module, fn = spec.split(":")
    mod = import_case_module(case, module)
    try:
        return getattr(mod, fn)
    except AttributeError:
        raise CaseError(f"{case.file}: {spec!r}: module {module!r} has no function {fn!r}") from None


def bundled_cases_dir() -> Path:
    """The cases shipped with the project (`cases/` at the repository root)."""
    return Path(__file__).resolve().parents[1] / "cases"


def default_case_file() -> Path:
    """The case `parity audit` runs without --case: the one `cases/DEFAULT` names."""
    d = bundled_cases_dir()
    try:
        rel = (d / "DEFAULT").read_text(encoding="utf-8").strip()
    except OSError:
        rel = ""
    return d / rel if rel else d / "case.toml"


def bundled_module(case_name: str, module: str):
    """A module of a bundled case (`bundled_module(<case folder>, <module>)`), for tests and notebooks."""
    return import_case_module(load_case(bundled_cases_dir() / case_name / "case.toml"), module)
