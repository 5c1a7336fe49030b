"""The gbsg data: the bundled export of R's `survival::gbsg`, or a user's gbsg-like CSV.

The bundled CSV is checked against the sha256 recorded in `data/gbsg.meta.json` on every load,
so a silently edited copy cannot masquerade as R's data.
"""
from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

FEATURES = ["age", "meno", "size", "grade", "nodes", "pgr", "er", "hormon"]
LABEL = "status"
BUNDLED_CSV = "gbsg.csv"
META_JSON = "gbsg.meta.json"


class DataError(ValueError):
    """A data file that cannot be used; the message names the file, the problem and the fix."""


def _data_dir() -> Path:
    return Path(str(resources.files("python_impl") / "data"))


def bundled_path() -> Path:
    return _data_dir() / BUNDLED_CSV


def bundled_meta() -> dict:
    return json.loads((_data_dir() / META_JSON).read_text())


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_gbsg(path: str | Path | None = None) -> pd.DataFrame:
    """gbsg as a DataFrame with integer features and an integer 0/1 `status`.

    Without `path`: the bundled export of R's `survival::gbsg` (sha256-checked).
    With `path`: a user's CSV, either R's 11-column form (with `pid`) or the article's
    10-column form whose `status` is a factor-like column ("0"/"1" strings).
    """
    if path is None:
        p = bundled_path()
        want = bundled_meta()["sha256"]
        got = sha256_file(p)
        if got != want:
            raise DataError(
                f"{p}: sha256 {got[:12]}... does not match the recorded {want[:12]}...; "
                "the bundled data was modified. Regenerate it with "
                "`Rscript scripts/export_gbsg.R python_impl/data/gbsg.csv` and "
                "`python -m python_impl.data --write-meta`."
            )
        return pd.read_csv(p)
    from python_impl.validate import read_user_csv  # user data: full validation

    return read_user_csv(Path(path))


def features_labels(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The article's `features` (n x 8 float64, R's column order) and `labels` (0/1 int)."""
    return df[FEATURES].to_numpy(dtype=np.float64), df[LABEL].to_numpy(dtype=np.int64)


def _write_meta() -> None:
    import subprocess

    p = bundled_path()
    ver = subprocess.run(
        ["Rscript", "-e", 'cat(as.character(getRversion()), as.character(packageVersion("survival")))'],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    df = pd.read_csv(p)
    meta = {
        "source": "R: survival::gbsg",
        "command": "Rscript scripts/export_gbsg.R python_impl/data/gbsg.csv && python -m python_impl.data --write-meta",
        "r_call": "write.csv(survival::gbsg, out, row.names = FALSE)",
        "r_version": ver[0],
        "survival_version": ver[1],
        "rows": int(df.shape[0]),
        "columns": list(df.columns),
        "sha256": sha256_file(p),
    }
    (_data_dir() / META_JSON).write_text(json.dumps(meta, indent=2) + "\n")
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    import sys

    if "--write-meta" in sys.argv:
        _write_meta()
    else:
        print(load_gbsg().describe())
