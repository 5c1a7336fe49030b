"""Validation of a user's gbsg-like CSV: every problem is a `DataError` naming the file, the
column and the row (1-based data row, as a spreadsheet shows it, header = row 1), and the fix.

Explicit checks rather than a schema library: the messages must say what R would do with the
same data (e.g. a constant column becomes NaN under `scale()`), which generic validators don't.

The R side reads the *same file* with `utils::read.csv(path, check.names = FALSE)`, so what is
accepted here is what read.csv reads into the same table: commas only (a semicolon- or
tab-separated file would be one column in R), UTF-8 with or without a BOM, LF or CRLF line
endings, quoted numbers, blanks around values and names (read.csv strips both for numbers and
for the header), leading blank lines (read.csv skips them). Everything else is refused here,
before any run, with the reason, instead of surfacing later as an R error in the middle of an audit.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd

from python_impl.data import FEATURES, LABEL, DataError

MIN_ROWS = 30  # smallest n whose 70/15/15 split leaves >= 4 test rows to hold both classes
MAX_ROWS = 1_000_000  # the article's model on more rows is another study; refuse absurd inputs
MAX_BYTES = 512 * 1024 * 1024
HEAD_BYTES = 64 * 1024
_TRUE = {"T", "TRUE", "True", "true"}
_FALSE = {"F", "FALSE", "False", "false"}


def read_user_csv(path: Path) -> pd.DataFrame:
    """Read and validate; returns a DataFrame with float features and 0/1 integer `status`."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: file not found; pass an existing CSV (e.g. --data path/to/gbsg.csv)")
    if p.is_dir():
        raise DataError(f"{p}: is a directory, not a CSV file")
    if not p.is_file():
        raise DataError(f"{p}: not a regular file (a device, FIFO or socket); pass a CSV file")
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as e:
        raise DataError(f"{p}: cannot read the file ({e.strerror or e}); check its permissions") from None
    if size == 0:
        raise DataError(f"{p}: file is empty; expected a CSV with a header row and the gbsg columns")
    if size > MAX_BYTES:
        raise DataError(f"{p}: {size / 2**20:.0f} MiB is far beyond a gbsg-like table (limit "
                        f"{MAX_BYTES // 2**20} MiB); pass the gbsg export, not a different dataset")
    _check_text(p, head)

    header, header_line = _header(p)
    _check_header(p, header)

    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True,
                         nrows=MAX_ROWS + 1)
    except UnicodeDecodeError as e:
        raise DataError(f"{p}: not UTF-8 text beyond the first lines ({e.reason} at byte {e.start}); "
                        "save the file as UTF-8 CSV") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as e:
        raise DataError(f"{p}: not a readable CSV ({_parser_message(str(e), len(header))})") from None
    df.columns = [c.strip() for c in df.columns]
    n = len(df)
    if n > MAX_ROWS:
        raise DataError(f"{p}: more than {MAX_ROWS:,} data rows; this harness audits a gbsg-sized table "
                        "(survival::gbsg has 686): pass the gbsg export, not a different dataset")
    if n == 0:
        raise DataError(f"{p}: has a header (line {header_line}) but no data rows; the article needs at "
                        f"least {MIN_ROWS} rows")
    if n < MIN_ROWS:
        raise DataError(f"{p}: only {n} data rows; the article's 70/15/15 split needs at least {MIN_ROWS} "
                        "rows so that every split (and the test set's two classes) is non-empty")

    out = pd.DataFrame(index=df.index)
    if "pid" in df.columns:
        out["pid"] = df["pid"]
    for col in FEATURES:
        out[col] = _numeric_column(p, df[col], col)
    out[LABEL] = _label_column(p, df[LABEL])
    _check_scaling(p, out)
    _check_split_classes(p, out[LABEL].to_numpy())
    for c in df.columns:  # keep any other columns (e.g. rfstime) as they are
        if c not in out.columns:
            out[c] = df[c]
    return out.reset_index(drop=True)


# ---- the file as text ------------------------------------------------------------------------

def _check_text(p: Path, head: bytes) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(f"{p}: UTF-16 text (e.g. Excel's 'Unicode Text'); save it as 'CSV UTF-8' "
                        "(comma-separated)")
    if head.startswith((b"PK\x03\x04", b"\x1f\x8b", b"%PDF")):
        kind = {b"PK": "a ZIP archive (an .xlsx workbook?)", b"\x1f\x8b": "gzip-compressed",
                b"%P": "a PDF"}[head[:2]]
        raise DataError(f"{p}: {kind}, not a text CSV; export/extract the table as CSV")
    if b"\x00" in head:
        raise DataError(f"{p}: binary content (NUL bytes), not a text CSV; export the table as CSV")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if not (len(head) == HEAD_BYTES and e.start >= len(head) - 3):  # not just a character cut in two
            raise DataError(f"{p}: not UTF-8 text ({e.reason} at byte {e.start}; Latin-1/Windows-1252?); "
                            "save the file as UTF-8 CSV") from None
    text = head.decode("utf-8", errors="replace")
    first = text.lstrip("\ufeff \t\r\n")[:1]
    if first in ("{", "["):
        raise DataError(f"{p}: looks like JSON, not CSV; convert it to a CSV with a header row "
                        f"(e.g. pandas.read_json(...).to_csv(path, index=False))")
    if first == "<":
        raise DataError(f"{p}: looks like HTML/XML, not CSV (a saved web page or an error page "
                        "instead of the data?); pass the CSV itself")


def _header(p: Path) -> tuple[list[str], int]:
    """The header fields and their line number: the first line that is not blank, as read.csv."""
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            for lineno, row in enumerate(csv.reader(fh, skipinitialspace=True), start=1):
                if any(f.strip() for f in row):
                    return [h.strip() for h in row], lineno
                if lineno > 1000:
                    break
    except UnicodeDecodeError as e:
        raise DataError(f"{p}: not UTF-8 text ({e.reason}); save the file as UTF-8 CSV") from None
    except csv.Error as e:  # e.g. "field larger than field limit" on a huge single line
        raise DataError(f"{p}: not a readable CSV header ({e}); expected a short comma-separated "
                        "header row with the gbsg column names") from None
    raise DataError(f"{p}: no header row (only blank lines); expected a CSV with the gbsg columns")


def _check_header(p: Path, header: list[str]) -> None:
    if len(header) == 1:
        line = header[0]
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if line.count(sep) >= 2:
                raise DataError(
                    f"{p}: fields are separated by {name}, not commas; the R side reads this file with "
                    "read.csv(), which needs commas (a decimal comma would not be read either): re-save it "
                    "comma-separated with '.' decimals (e.g. in R: write.csv(df, file, row.names = FALSE))")
    if header and all(_is_number(h) for h in header if h):
        raise DataError(f"{p}: the first line ({', '.join(header[:4])}{', ...' if len(header) > 4 else ''}) "
                        "is numbers, not column names; add the header row "
                        f"{','.join(FEATURES + [LABEL])} (read.csv takes line 1 as the header)")
    spaced = _quoted_spaced_names(p)
    if spaced:
        raise DataError(f"{p}: column name(s) {spaced} are quoted with spaces around them; R's read.csv keeps "
                        "quoted spaces (unquoted ones it strips), so the script's data[, c(...)] would not find "
                        "them: remove the spaces inside the quotes")
    dups = sorted({h for h in header if header.count(h) > 1})
    if dups:
        raise DataError(f"{p}: duplicated column name(s) {dups} in the header; keep one of each")
    missing = [c for c in [*FEATURES, LABEL] if c not in header]
    if missing:
        by_fold = {h.casefold(): h for h in header}
        near = [f"{by_fold[c.casefold()]!r} for {c!r}" for c in missing if c.casefold() in by_fold]
        hint = (f" (found {', '.join(near)}: names are case-sensitive, as in R's data[, c(...)])" if near
                else " (the file has a single column: is it comma-separated?)" if len(header) == 1 else "")
        raise DataError(f"{p}: missing required column(s) {missing}{hint}; the article needs "
                        f"{FEATURES} and '{LABEL}'")


def _quoted_spaced_names(p: Path) -> list[str]:
    """Header fields written as "  name " (quoted, with spaces inside the quotes)."""
    try:
        with p.open(encoding="utf-8-sig", errors="replace") as fh:
            for line in fh:
                if line.strip():
                    return [m for m in re.findall(r'"([^"]*)"', line) if m != m.strip(" \t") and m.strip()]
    except OSError:
        return []
    return []


def _parser_message(msg: str, n_header: int) -> str:
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
    if m:
        return (f"line {m.group(2)} has {m.group(3)} fields where the header has {m.group(1)}; check for "
                "stray commas (a decimal comma?) or unquoted text in that line")
    return str(msg).strip().splitlines()[0] + "; check delimiters and quoting"


# ---- the values ------------------------------------------------------------------------------

R_BLANKS = " \t"  # what R's type.convert skips around a number (a no-break space is not one of them)
_R_NUMBER = re.compile(r"^[ \t]*[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|0[xX][0-9a-fA-F]+|Inf|inf|NaN)[ \t]*$")


def _r_numeric_text(v: str) -> bool:
    """Would R's read.csv read this field as a number (so the column stays numeric)?"""
    return bool(_R_NUMBER.match(v))


def _is_number(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


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
    vals = pd.to_numeric(s.str.strip(R_BLANKS), errors="coerce")
    bad = vals.isna() | ~s.map(_r_numeric_text)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{p}: column '{col}', row {_row(i)}: non-numeric value {s.iloc[i]!r}; "
                        "features must be plain decimal numbers (text in a feature column makes R's scale() fail)")
    inf = ~np.isfinite(vals.to_numpy(dtype=float))
    if inf.any():
        i = int(np.flatnonzero(inf)[0])
        raise DataError(f"{p}: column '{col}', row {_row(i)}: infinite value {s.iloc[i]!r}; "
                        "R's scale() would turn the whole column into NaN")
    return vals.astype(float)


def _label_column(p: Path, s: pd.Series) -> pd.Series:
    """0/1 integers, from the labels R reads as numbers 0/1 or as logicals (FALSE -> 0): what the
    article's script can hand Keras. Text labels and other codings are refused with the fix."""
    blank = _blank(s)
    if blank.any():
        i = int(np.flatnonzero(blank.to_numpy())[0])
        raise DataError(f"{p}: column '{LABEL}', row {_row(i)}: missing label ({s.iloc[i]!r}); "
                        "every row needs a status")
    raw = s.str.strip(R_BLANKS)
    keys, levels = _label_levels(raw)
    if len(levels) != 2:
        uniq = sorted(set(keys), key=lambda k: levels.index(k))
        counts = pd.Series(keys).value_counts()
        rare = min(uniq, key=lambda k: (counts[k], levels.index(k)))
        i = int(np.flatnonzero(np.asarray([k == rare for k in keys]))[0])
        shown = [_show(k) for k in levels[:6]] + (["..."] if len(levels) > 6 else [])
        where = (f" (e.g. {s.iloc[i]!r} at row {_row(i)}, {int(counts[rare])} row(s))" if len(levels) > 2 else "")
        raise DataError(f"{p}: column '{LABEL}' has {len(levels)} distinct value(s) {shown}{where}; the "
                        "article is binary classification: status must have exactly two levels "
                        "(0 = censored, 1 = event)")
    if isinstance(levels[0], str):
        i = int(np.flatnonzero(~raw.map(_r_numeric_text).to_numpy())[0])
        raise DataError(f"{p}: column '{LABEL}', row {_row(i)}: text labels {[_show(k) for k in levels]}; R's "
                        "read.csv keeps them as text and the article's script passes them to Keras as they are, "
                        "where fit() fails. Recode them as 0 (censored) and 1 (event) first")
    if isinstance(levels[0], float) and levels != [0.0, 1.0]:
        raise DataError(f"{p}: column '{LABEL}' holds {[_show(k) for k in levels]}, not 0/1; the article's script "
                        "feeds status to binary_crossentropy as it is (Keras expects 0 and 1), so any other "
                        "coding trains on nonsense. Recode it as 0 (censored) and 1 (event), e.g. status - 1")
    code = {levels[0]: 0, levels[1]: 1}
    return pd.Series([code[k] for k in keys], index=s.index, dtype=np.int64)


def _label_levels(raw: pd.Series) -> tuple[list, list]:
    """(per-row level keys, levels in R's order) for the label column as read.csv types it:
    all numbers -> numeric (levels sorted by value: "1" and "1.0" are one level); all
    TRUE/FALSE/T/F -> logical (FALSE first); else text, sorted as R's sort() does in a UTF-8
    locale with ICU (case-insensitive first, lower case before upper case on ties)."""
    vals = pd.to_numeric(raw, errors="coerce")
    if not vals.isna().any():
        keys = [float(v) for v in vals]
        return keys, sorted(set(keys))
    uniq = set(raw)
    if uniq <= (_TRUE | _FALSE):
        keys = [v in _TRUE for v in raw]
        return keys, sorted(set(keys))
    keys = list(raw)
    return keys, sorted(uniq, key=lambda v: (v.casefold(), v.swapcase()))


def _show(k) -> str:
    if isinstance(k, bool):
        return "TRUE" if k else "FALSE"
    if isinstance(k, float):
        return str(int(k)) if k.is_integer() and abs(k) < 1e15 else repr(k)
    return str(k)


def _check_scaling(p: Path, df: pd.DataFrame) -> None:
    """What R's scale() (on all rows, as the article does) would make of each feature."""
    x = df[FEATURES].to_numpy(dtype=np.float64)
    const = [c for j, c in enumerate(FEATURES) if np.all(x[:, j] == x[0, j])]
    if const:
        vals = {c: _show(float(df[c].iloc[0])) for c in const}
        raise DataError(f"{p}: column(s) {const} are constant ({vals}); R's scale() divides by their zero "
                        "standard deviation and gives NaN for every row, so the model would train on NaN. "
                        "Drop or fix those columns")
    with np.errstate(over="ignore", invalid="ignore"):
        sd = np.std(x, axis=0, ddof=1)
        scale = np.max(np.abs(x), axis=0)
    tiny = [c for c, v, m in zip(FEATURES, sd, scale) if np.isfinite(v) and v <= 1e-12 * m]
    if tiny:
        j = FEATURES.index(tiny[0])
        raise DataError(f"{p}: column(s) {tiny} are constant up to rounding (sd {sd[j]:.2g} against values of "
                        f"about {scale[j]:.3g}): R's scale() divides by that and the scaled column is rounding "
                        "noise magnified to order 1; drop or fix those columns")
    bad = [c for c, v in zip(FEATURES, sd) if not np.isfinite(v)]
    if bad:
        raise DataError(f"{p}: column(s) {bad} have values too large for double precision "
                        "(their standard deviation overflows): R's scale() would give NaN/0; rescale them")


def _check_split_classes(p: Path, y: np.ndarray) -> None:
    """The article's split (set.seed(123)) must leave both classes in train and test: pROC's
    roc() stops on a test set with one class, and fit() on one class learns nothing."""
    n = len(y)
    minority = int(min((y == 0).sum(), (y == 1).sum()))
    if n > 100_000 and minority >= 1000:  # one class missing from a 15% sample: impossible in practice
        return
    from python_impl.split import article_split

    s = article_split(n)
    for name, idx in (("training", s.train), ("test", s.test)):
        present = set(np.unique(y[idx - 1]).tolist())
        if len(present) < 2:
            only = present.pop() if present else None
            raise DataError(
                f"{p}: column '{LABEL}': the article's split (set.seed(123); 70/15/15 of {n} rows) leaves "
                f"only class {only} in the {name} set ({len(idx)} rows; {minority} row(s) of the rarer "
                "class in the file); pROC's roc() needs both classes in the test set. Use more rows "
                "or a more balanced file")
