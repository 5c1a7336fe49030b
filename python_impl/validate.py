"""Validation of a user's gbsg-like CSV: every problem is a `DataError` naming the file, the
column and the row (1-based data row, as a spreadsheet shows it, header = row 1), and the fix.

Explicit checks rather than a schema library: the messages must say what R would do with the
same data (e.g. a constant column becomes NaN under `scale()`), which generic validators don't.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd

from python_impl.data import FEATURES, LABEL, DataError

MIN_ROWS = 30  # smallest n whose 70/15/15 split leaves >= 4 test rows to hold both classes
MAX_ROWS = 1_000_000  # the article's model on more rows is another study; refuse absurd inputs
MAX_BYTES = 512 * 1024 * 1024


def read_user_csv(path: Path) -> pd.DataFrame:
    """Read and validate; returns a DataFrame with integer-valued float features and 0/1 `status`."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: file not found; pass an existing CSV (e.g. --data path/to/gbsg.csv)")
    if p.is_dir():
        raise DataError(f"{p}: is a directory, not a CSV file")
    size = p.stat().st_size
    if size == 0:
        raise DataError(f"{p}: file is empty; expected a CSV with a header row and the gbsg columns")
    if size > MAX_BYTES:
        raise DataError(f"{p}: {size / 2**20:.0f} MiB is far beyond a gbsg-like table (limit "
                        f"{MAX_BYTES // 2**20} MiB); pass the gbsg export, not a different dataset")
    head = p.open("rb").read(4096)
    if b"\x00" in head:
        raise DataError(f"{p}: binary content (NUL bytes), not a text CSV; export the table as CSV")
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh))
    except UnicodeDecodeError as e:
        raise DataError(f"{p}: not UTF-8 text ({e.reason}); save the file as UTF-8 CSV") from None
    except StopIteration:
        raise DataError(f"{p}: no header row; expected a CSV with the gbsg columns") from None
    header = [h.strip() for h in header]
    dups = sorted({h for h in header if header.count(h) > 1})
    if dups:
        raise DataError(f"{p}: duplicated column name(s) {dups} in the header; keep one of each")
    missing = [c for c in [*FEATURES, LABEL] if c not in header]
    if missing:
        hint = " (the file has a single column: is it comma-separated?)" if len(header) == 1 else ""
        raise DataError(f"{p}: missing required column(s) {missing}{hint}; the article needs "
                        f"{FEATURES} and '{LABEL}'")
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as e:
        raise DataError(f"{p}: not a readable CSV ({str(e).splitlines()[0]}); check delimiters and quoting") from None
    df.columns = [c.strip() for c in df.columns]
    n = len(df)
    if n > MAX_ROWS:
        raise DataError(f"{p}: {n} rows is beyond {MAX_ROWS}; this harness audits a gbsg-sized table")
    if n < MIN_ROWS:
        raise DataError(f"{p}: only {n} data rows; the article's 70/15/15 split needs at least {MIN_ROWS} "
                        "rows so that every split (and the test set's two classes) is non-empty")

    out = pd.DataFrame(index=df.index)
    if "pid" in df.columns:
        out["pid"] = df["pid"]
    for col in FEATURES:
        out[col] = _numeric_column(p, df[col], col)
    out[LABEL] = _label_column(p, df[LABEL])
    const = [c for c in FEATURES if out[c].nunique() == 1]
    if const:
        raise DataError(f"{p}: column(s) {const} are constant; R's scale() divides by a zero sd and "
                        "gives NaN for them, so the model would train on NaN. Drop or fix those columns")
    for c in df.columns:  # keep any other columns (e.g. rfstime) as they are
        if c not in out.columns:
            out[c] = df[c]
    return out.reset_index(drop=True)


def _blank(s: pd.Series) -> pd.Series:
    return s.str.strip().str.upper().isin(["", "NA", "NAN", "NULL", "NONE", "."])


def _row(i: int) -> int:
    return int(i) + 2  # header is line 1


def _numeric_column(p: Path, s: pd.Series, col: str) -> pd.Series:
    blank = _blank(s)
    if blank.any():
        i = int(np.flatnonzero(blank.to_numpy())[0])
        raise DataError(f"{p}: column '{col}', row {_row(i)}: missing value ({s.iloc[i]!r}); "
                        f"{int(blank.sum())} missing in this column. The article has no NA handling: "
                        "impute or drop those rows first")
    vals = pd.to_numeric(s.str.strip(), errors="coerce")
    bad = vals.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{p}: column '{col}', row {_row(i)}: non-numeric value {s.iloc[i]!r}; "
                        "features must be numbers")
    inf = ~np.isfinite(vals.to_numpy(dtype=float))
    if inf.any():
        i = int(np.flatnonzero(inf)[0])
        raise DataError(f"{p}: column '{col}', row {_row(i)}: infinite value {s.iloc[i]!r}")
    return vals.astype(float)


def _label_column(p: Path, s: pd.Series) -> pd.Series:
    """0/1 integers; a two-level factor is coded by R's level order (sorted), first level -> 0."""
    blank = _blank(s)
    if blank.any():
        i = int(np.flatnonzero(blank.to_numpy())[0])
        raise DataError(f"{p}: column '{LABEL}', row {_row(i)}: missing label ({s.iloc[i]!r}); "
                        "every row needs a status")
    raw = s.str.strip().str.strip('"')
    levels = sorted(raw.unique(), key=_r_level_key)
    if len(levels) != 2:
        shown = levels[:6] + (["..."] if len(levels) > 6 else [])
        raise DataError(f"{p}: column '{LABEL}' has {len(levels)} distinct value(s) {shown}; the article "
                        "is binary classification: status must have exactly two levels (0 = censored, 1 = event)")
    return raw.map({levels[0]: 0, levels[1]: 1}).astype(np.int64)


def _r_level_key(v: str):
    """R sorts factor levels of numbers numerically, strings lexically."""
    try:
        f = float(v)
        return (0, f if not math.isnan(f) else math.inf, v)
    except ValueError:
        return (1, 0.0, v)
