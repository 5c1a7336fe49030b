"""`parity init SCRIPT.R`: run a script once and write a starter case for it.

The script runs in the R worker exactly as an audit runs it; every top-level variable it leaves is
listed (name, R class, length/dim, the line that assigned it) and becomes one checkpoint, in the
order the script assigned them, with a comparator chosen from its type. Variables with no
comparable value (functions, environments, S4 objects, connections) are listed as comments with
the reason. `port.py` gets a `run(seed=None)` returning the same names as `todo` placeholders, so
the case runs at once and FAILs, naming each checkpoint still to port.
"""
from __future__ import annotations

from pathlib import Path

SKIP_TYPES = {"closure": "a function", "builtin": "a function", "special": "a function",
              "environment": "an environment", "S4": "an S4 object", "externalptr": "an external pointer",
              "symbol": "a symbol", "language": "a call"}


class InitError(ValueError):
    pass


def choose(info: dict) -> tuple[str | None, str, str]:
    """(R expression or None to skip, compare kind, comment) for one global of the script."""
    name, cls, typ = info["name"], info.get("class") or [], info.get("typeof", "")
    if "rpy2bridge_keras_model" in cls:
        return name, "exact", "a keras model: compared as its architecture (layers, shapes, parameters)"
    if "keras_training_history" in cls:
        return f"{name}$metrics", "abs", "per-epoch metrics of fit(); float32 training: choose tol and why"
    if "formula" in cls:
        return f"deparse({name})", "string", "a formula, compared as text"
    if typ in SKIP_TYPES:
        return None, "", f"{SKIP_TYPES[typ]} ({'/'.join(cls)}): extract a value to compare, e.g. {name}$field"
    if "glm" in cls or "lm" in cls:
        return name, "rel", "a model fit: coefficients, deviance, aic, iter, fitted values; choose tol and why"
    if "roc" in cls:
        return name, "auto", "a pROC curve: auc, direction, levels, thresholds, sensitivities, specificities"
    if "data.frame" in cls:
        return name, "auto", "a data.frame, compared column by column"
    if "factor" in cls:
        return name, "exact", "a factor: levels in R's order, then the labels"
    if typ == "double":
        return name, "auto", "doubles: rel 1e-12 unless you declare a tolerance"
    if typ in ("integer", "logical", "character"):
        return name, "exact", f"{typ} values"
    if typ == "list":
        return name, "auto", "a list, compared element by element"
    return name, "auto", f"R type {typ}"


def _shape(info: dict) -> str:
    dim = info.get("dim") or []
    return "x".join(map(str, dim)) if dim else f"length {info.get('length', '?')}"


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def case_toml(name: str, script_rel: str, keras: bool, items: list[tuple[dict, str | None, str, str]]) -> str:
    L = [f"# Starter case written by `parity init {script_rel}`: one checkpoint per top-level variable the",
         "# script left, in the order it assigned them. Delete what you do not port, choose tolerances",
         "# (compare = abs/rel/close need tol and why), and list them in pipeline order.", "",
         "[case]", f"name = {_toml_str(name)}", f"r_script = {_toml_str(script_rel)}", 'python = "port:run"',
         f"keras = {'true' if keras else 'false'}"]
    if keras:
        L.append("seed = 42")
    L.append("")
    for info, expr, kind, comment in items:
        where = f"line {max(info['lines'])}" if info.get("lines") else "line ?"
        desc = f"{'/'.join(info.get('class') or [])}, {_shape(info)}, {where}"
        if expr is None:
            L += [f"# skipped {info['name']} ({desc}): {comment}", ""]
            continue
        L += ["[[checkpoint]]", f"name = {_toml_str(info['name'])}", f"r = {_toml_str(expr)}  # {desc}"]
        if kind in ("abs", "rel"):
            L += [f'compare = "auto"  # {comment}', f'# compare = "{kind}"', "# tol = 1e-8",
                  '# why = "the reason for the tolerance (float32 vs float64, solver, summation order)"']
        else:
            L.append(f'compare = "{kind}"  # {comment}')
        L.append("")
    return "\n".join(L)


def port_py(script_rel: str, items) -> str:
    names = [(info["name"], f"{'/'.join(info.get('class') or [])}, {_shape(info)}"
              + (f", line {max(info['lines'])}" if info.get("lines") else ""))
             for info, expr, _, _ in items if expr is not None]
    L = [f'"""Python port of {script_rel} (starter written by `parity init`).', "",
         "Compute each checkpoint the way the R script does and put it in `out` under the same name;",
         "`todo` values make the audit FAIL naming what is still to port.", '"""',
         "from parity.port import Checkpoints, todo", "", "",
         "def run(seed=None):",
         '    """One run of the port; `seed` is the case\'s shared seed (None: unseeded)."""',
         "    out = Checkpoints()"]
    L += [f"    out[{n!r}] = todo({(n + ': R ' + d)!r})" for n, d in names]
    L += ["    return out", ""]
    return "\n".join(L)


def init_case(script, out=None, keras: bool = False, force: bool = False, timeout: float = 600,
              runner=None) -> list[Path]:
    """Run `script` once, write case.toml and port.py into `out` (default: the script's folder)."""
    import re

    script = Path(script)
    if not script.is_file():
        raise InitError(f"{script}: no such R script")
    out = Path(out) if out is not None else script.resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    targets = [out / "case.toml", out / "port.py"]
    existing = [str(p) for p in targets if p.exists()]
    if existing and not force:
        raise InitError(f"{', '.join(existing)} already exist(s); pass --force to overwrite")
    if runner is None:
        from r_reference.runner import run_script as runner
    from r_reference.errors import RReferenceError

    try:
        run = runner(script=script.resolve(), checkpoints={}, seed=42 if keras else None,
                     keras_backend="auto" if keras else "none", timeout=timeout, list_globals=True)
    except RReferenceError as e:
        raise InitError(f"the script did not run to its end, so there is nothing to compare yet:\n{e}") from None
    globals_ = [g for g in (run.globals or []) if not g["name"].startswith(".")]
    globals_.sort(key=lambda g: (min(g["lines"]) if g.get("lines") else 10**9, g["name"]))
    items = [(g, *choose(g)) for g in globals_]
    if not items:
        raise InitError(f"{script} leaves no top-level variables: nothing to compare (assign the results you port)")
    try:
        rel = str(script.resolve().relative_to(out.resolve()))
    except ValueError:
        import os

        rel = os.path.relpath(script.resolve(), out.resolve())
    name = re.sub(r"[^A-Za-z0-9_.\-]", "_", script.stem) or "case"
    targets[0].write_text(case_toml(name, rel, keras, items), encoding="utf-8")
    targets[1].write_text(port_py(rel, items), encoding="utf-8")
    return targets
