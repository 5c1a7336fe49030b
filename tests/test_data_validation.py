"""A user's gbsg-like CSV (`load_gbsg(path)` -> `python_impl.validate.read_user_csv`): every bad
file is one `DataError` naming the file, the column and the row (header = row 1, so the first
data row is row 2) and the fix; every file R's `read.csv` reads as the same table is accepted and
gives the same values as the bundled data. No training, no R (except the `requires_r`
cross-check that R's read.csv agrees on every accepted variant)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from python_impl import validate
from python_impl.data import FEATURES, LABEL, DataError, bundled_path, load_gbsg

BUNDLED = load_gbsg()
LINES = bundled_path().read_text().splitlines()  # "pid","age",...,"status" then 686 data lines


def write(tmp_path: Path, content, name: str = "data.csv") -> Path:
    p = tmp_path / name
    if isinstance(content, pd.DataFrame):
        content.to_csv(p, index=False)
    elif isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8", newline="")
    return p


def rejected(p: Path, *words: str) -> str:
    with pytest.raises(DataError) as ei:
        load_gbsg(p)
    msg = str(ei.value)
    assert str(p) in msg, msg
    for w in words:
        assert w in msg, f"{w!r} not in: {msg}"
    assert "\n" not in msg  # one line: the CLI prints it as is
    return msg


def as_text(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype(str)


def synthetic(n: int, status, seed: int = 0) -> pd.DataFrame:
    g = np.random.default_rng(seed)
    df = pd.DataFrame({c: g.integers(0, 50, n) for c in FEATURES})
    df[LABEL] = status
    return df


def same_as_bundled(df: pd.DataFrame) -> None:
    np.testing.assert_array_equal(df[FEATURES].to_numpy(float), BUNDLED[FEATURES].to_numpy(float))
    np.testing.assert_array_equal(df[LABEL].to_numpy(), BUNDLED[LABEL].to_numpy())
    assert df[LABEL].dtype == np.int64


# ---- the file itself -------------------------------------------------------------------------

def test_missing_file(tmp_path):
    rejected(tmp_path / "nope.csv", "file not found")


def test_directory(tmp_path):
    rejected(tmp_path, "is a directory")


def test_binary_bytes(tmp_path):
    rejected(write(tmp_path, bytes(range(256)) * 8), "binary content")


@pytest.mark.parametrize("payload", [{"age": [49, 55], "status": [0, 1]}, [{"age": 49, "status": 0}] * 40])
def test_json_file(tmp_path, payload):
    rejected(write(tmp_path, json.dumps(payload), "data.json"), "looks like JSON, not CSV")


def test_html_page(tmp_path):
    rejected(write(tmp_path, "<!DOCTYPE html>\n<html><body>404</body></html>\n"), "HTML")


@pytest.mark.parametrize("magic, words", [(b"PK\x03\x04", "ZIP archive"), (b"\x1f\x8b\x08", "gzip")])
def test_archives(tmp_path, magic, words):
    rejected(write(tmp_path, magic + b"abc" * 100), words)


def test_utf16(tmp_path):
    rejected(write(tmp_path, "\n".join(LINES).encode("utf-16")), "UTF-16", "CSV UTF-8")


def test_latin1(tmp_path):
    text = "\n".join(LINES).replace('"rfstime"', '"rfstim\u00e9"') + "\n"
    rejected(write(tmp_path, text.encode("latin-1")), "not UTF-8")


def test_empty_file(tmp_path):
    rejected(write(tmp_path, ""), "file is empty")


def test_only_blank_lines(tmp_path):
    rejected(write(tmp_path, "\n \n\n"), "no header row")


def test_header_only(tmp_path):
    rejected(write(tmp_path, LINES[0] + "\n"), "no data rows")


def test_no_header_row(tmp_path):
    rejected(write(tmp_path, "\n".join(LINES[1:]) + "\n"), "is numbers, not column names")


def test_unreadable_file(tmp_path, monkeypatch):
    p = write(tmp_path, "\n".join(LINES) + "\n")
    real_open = Path.open

    def deny(self, *a, **k):
        if self == p:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *a, **k)

    monkeypatch.setattr(Path, "open", deny)
    rejected(p, "cannot read the file", "Permission denied")


def test_huge_single_line(tmp_path):
    rejected(write(tmp_path, "a" * 300_000 + "\n1\n"), "not a readable CSV header")


# ---- columns ---------------------------------------------------------------------------------

def test_missing_required_column(tmp_path):
    msg = rejected(write(tmp_path, BUNDLED.drop(columns=["grade"])), "missing required column(s) ['grade']")
    assert "status" in msg  # says what the article needs


def test_missing_label_column(tmp_path):
    rejected(write(tmp_path, BUNDLED.drop(columns=[LABEL])), "missing required column(s) ['status']")


def test_column_names_are_case_sensitive_with_a_hint(tmp_path):
    rejected(write(tmp_path, BUNDLED.rename(columns={"age": "Age"})), "['age']", "'Age' for 'age'",
             "case-sensitive")


def test_duplicated_header_names(tmp_path):
    text = "\n".join(LINES).replace('"rfstime"', '"nodes"', 1) + "\n"
    rejected(write(tmp_path, text), "duplicated column name(s) ['nodes']")


@pytest.mark.parametrize("sep, words", [(";", "semicolons"), ("\t", "tabs")])
def test_other_separators_are_named(tmp_path, sep, words):
    p = write(tmp_path, "\n".join(line.replace(",", sep) for line in LINES) + "\n")
    rejected(p, f"separated by {words}, not commas", "read.csv")


def test_ragged_row_names_the_line(tmp_path):
    lines = list(LINES)
    lines[5] += ",1,2"
    rejected(write(tmp_path, "\n".join(lines) + "\n"), "line 6 has 13 fields where the header has 11")


# ---- values: row numbers are spreadsheet rows (header = 1) -------------------------------------

def test_non_numeric_value_names_column_and_row(tmp_path):
    df = as_text(BUNDLED)
    df.loc[7, "nodes"] = "abc"  # 8th data row -> row 9
    rejected(write(tmp_path, df), "column 'nodes', row 9", "non-numeric value 'abc'")


def test_first_data_row_is_row_2(tmp_path):
    df = as_text(BUNDLED)
    df.loc[0, "age"] = "forty"
    rejected(write(tmp_path, df), "column 'age', row 2")


@pytest.mark.parametrize("value", ["NA", "NaN", "nan", "", " ", "NULL"])
def test_missing_values(tmp_path, value):
    df = as_text(BUNDLED)
    df.loc[4, "pgr"] = value
    df.loc[9, "pgr"] = "NA"
    rejected(write(tmp_path, df), "column 'pgr', row 6: missing value", "2 missing in this column", "impute")


def test_missing_label(tmp_path):
    df = as_text(BUNDLED)
    df.loc[3, LABEL] = ""
    rejected(write(tmp_path, df), "column 'status', row 5: missing label")


def test_infinite_value(tmp_path):
    df = as_text(BUNDLED)
    df.loc[2, "size"] = "Inf"
    rejected(write(tmp_path, df), "column 'size', row 4: infinite value", "NaN")


def test_values_overflowing_scale(tmp_path):
    df = BUNDLED.copy()
    df["pgr"] = df["pgr"].astype(float) * 1e300
    rejected(write(tmp_path, df), "['pgr']", "overflows")


def test_three_label_levels(tmp_path):
    df = BUNDLED.copy()
    df.loc[[13, 40], LABEL] = 2
    rejected(write(tmp_path, df), "column 'status' has 3 distinct value(s) ['0', '1', '2']",
             "'2' at row 15", "exactly two levels")


def test_single_label_level(tmp_path):
    df = BUNDLED.copy()
    df[LABEL] = 1
    rejected(write(tmp_path, df), "column 'status' has 1 distinct value(s) ['1']")


def test_constant_column_says_scale_gives_nan(tmp_path):
    df = BUNDLED.copy()
    df["meno"] = 1
    rejected(write(tmp_path, df), "['meno'] are constant", "scale()", "NaN")


def test_too_few_rows_for_the_split(tmp_path):
    rejected(write(tmp_path, BUNDLED.iloc[:29]), "only 29 data rows", "70/15/15", str(validate.MIN_ROWS))


def test_test_set_with_one_class(tmp_path):
    from python_impl.split import article_split

    n = 60
    status = np.zeros(n, dtype=int)
    status[article_split(n).train[:3] - 1] = 1  # every event lands in the training set
    rejected(write(tmp_path, synthetic(n, status)), "only class 0 in the test set", "pROC")


# ---- absurd sizes (limits patched small: the real ones are checked the same way) --------------

def test_too_many_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(validate, "MAX_ROWS", 100)
    rejected(write(tmp_path, BUNDLED), "more than 100 data rows")


def test_too_many_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(validate, "MAX_BYTES", 2**20)
    big = pd.concat([BUNDLED] * 100, ignore_index=True)
    rejected(write(tmp_path, big), "MiB is far beyond", "limit 1 MiB")


def test_more_than_a_million_rows_is_refused_quickly(tmp_path):
    import time

    p = tmp_path / "huge.csv"
    with p.open("wb") as fh:  # 18 MB, written in milliseconds
        fh.write(b"age,meno,size,grade,nodes,pgr,er,hormon,status\n")
        fh.write(b"1,0,2,1,3,4,5,0,1\n2,1,3,2,4,5,6,1,0\n" * (validate.MAX_ROWS // 2 + 1))
    t = time.perf_counter()
    rejected(p, f"more than {validate.MAX_ROWS:,} data rows")
    assert time.perf_counter() - t < 5  # reads at most MAX_ROWS + 1 rows


# ---- accepted: what R's read.csv reads as the same table ---------------------------------------

def _variants() -> dict[str, str]:
    body = LINES[1:]
    return {
        "crlf": "\r\n".join(LINES) + "\r\n",
        "bom": "\ufeff" + "\n".join(LINES) + "\n",
        "bom_crlf": "\ufeff" + "\r\n".join(LINES) + "\r\n",
        "quoted_numbers": "\n".join([LINES[0]] + [",".join(f'"{v}"' for v in ln.split(",")) for ln in body]) + "\n",
        "spaces": "\n".join([", ".join(LINES[0].split(","))] + [" , ".join(ln.split(",")) for ln in body]) + "\n",
        "quoted_spaces": "\n".join([LINES[0]] + [",".join(f'" {v} "' for v in ln.split(",")) for ln in body]) + "\n",
        "blank_lines_around": "\n\n" + "\n".join(LINES) + "\n\n\n",
        "no_final_newline": "\n".join(LINES),
        "unquoted_header": "\n".join([LINES[0].replace('"', "")] + body) + "\n",
    }


VARIANTS = _variants()


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_format_variants_are_accepted_as_the_same_table(tmp_path, name):
    same_as_bundled(load_gbsg(write(tmp_path, VARIANTS[name])))


def test_article_ten_column_form(tmp_path):
    df = load_gbsg(write(tmp_path, BUNDLED.drop(columns=["pid"])))
    assert "pid" not in df.columns and len(df.columns) == 10
    same_as_bundled(df)


def test_quoted_0_1_labels(tmp_path):
    text = "\n".join([LINES[0]] + [ln[:-1] + f'"{ln[-1]}"' for ln in LINES[1:]]) + "\n"
    same_as_bundled(load_gbsg(write(tmp_path, text)))


@pytest.mark.parametrize("zero, one", [("FALSE", "TRUE"), ("F", "T"), ("0.0", "1.0")])
def test_labels_r_reads_as_0_1_are_accepted(tmp_path, zero, one):
    """R reads these as numbers 0/1 or as logicals, which the script hands Keras as 0/1."""
    df = as_text(BUNDLED)
    df[LABEL] = np.where(BUNDLED[LABEL] == 1, one, zero)
    same_as_bundled(load_gbsg(write(tmp_path, df)))


@pytest.mark.parametrize("zero, one, words", [
    ("censored", "event", ["text labels ['censored', 'event']", "Recode them as 0"]),
    ("No", "Yes", ["text labels", "fit() fails"]),
    ("no event", "event", ["text labels"]),
    ("1", "2", ["holds ['1', '2'], not 0/1", "status - 1"]),
    ("-1", "1", ["not 0/1"]),
])
def test_labels_the_script_cannot_use_are_refused(tmp_path, zero, one, words):
    """Accept exactly what the R side can use: text labels reach Keras as text (fit fails), 1/2
    reach binary_crossentropy as 1/2; no silent recoding on the Python side only."""
    df = as_text(BUNDLED)
    df[LABEL] = np.where(BUNDLED[LABEL] == 1, one, zero)
    with pytest.raises(DataError) as e:
        load_gbsg(write(tmp_path, df))
    for w in words:
        assert w in str(e.value), str(e.value)


def test_a_no_break_space_in_a_number_is_refused_as_r_does(tmp_path):
    df = as_text(BUNDLED)
    df.loc[3, "nodes"] = "\u00a0" + df.loc[3, "nodes"]
    with pytest.raises(DataError, match="column 'nodes', row 5: non-numeric"):
        load_gbsg(write(tmp_path, df))


def test_a_quoted_header_with_spaces_is_refused_as_r_keeps_it(tmp_path):
    header = LINES[0].replace('"age"', '" age "', 1) if '"age"' in LINES[0] else LINES[0].replace("age", '" age "', 1)
    text = "\n".join([header] + LINES[1:]) + "\n"
    with pytest.raises(DataError, match="quoted with spaces"):
        load_gbsg(write(tmp_path, text))


def test_a_column_constant_up_to_rounding_is_refused(tmp_path):
    df = BUNDLED.copy()
    df["meno"] = 1.0
    df.loc[0, "meno"] = np.nextafter(1.0, 2.0)
    with pytest.raises(DataError, match="constant up to rounding"):
        load_gbsg(write(tmp_path, df))


def test_numeric_labels_are_one_level_per_value(tmp_path):
    df = as_text(BUNDLED)
    df.loc[BUNDLED[LABEL] == 1, LABEL] = "1.0"  # "1" nowhere, "1.0" for events: still {0, 1}
    df.loc[0, LABEL] = "1" if BUNDLED.loc[0, LABEL] == 1 else "0.0"
    same_as_bundled(load_gbsg(write(tmp_path, df)))


def test_other_columns_are_kept(tmp_path):
    df = load_gbsg(write(tmp_path, BUNDLED))
    assert list(df.columns[:1]) == ["pid"] and "rfstime" in df.columns


def test_thirty_rows_with_both_classes_everywhere_are_enough(tmp_path):
    from python_impl.split import article_split

    n = validate.MIN_ROWS
    s = article_split(n)
    status = np.zeros(n, dtype=int)
    status[np.r_[s.train[:5], s.test[:2]] - 1] = 1
    assert len(load_gbsg(write(tmp_path, synthetic(n, status)))) == n


@pytest.mark.requires_r
def test_r_read_csv_reads_every_accepted_variant_as_validated(tmp_path):
    """The R side reads the same file with read.csv(check.names = FALSE): it must see the same
    features, and labels whose level order gives the same 0/1 coding (numbers 0/1, logicals)."""
    from r_reference.availability import run_rscript

    files = {name: write(tmp_path, text, f"{name}.csv") for name, text in VARIANTS.items()}
    df = as_text(BUNDLED)
    df[LABEL] = np.where(BUNDLED[LABEL] == 1, "TRUE", "FALSE")
    files["logical"] = write(tmp_path, df, "logical.csv")
    files["ten_columns"] = write(tmp_path, BUNDLED.drop(columns=["pid"]), "ten.csv")
    feats = ", ".join(f'"{c}"' for c in FEATURES)
    code = "\n".join(
        f'd <- read.csv("{p}", check.names = FALSE); '
        f'cat("{name}", sum(as.matrix(d[, c({feats})])), '
        'paste(as.integer(factor(d$status)) - 1L, collapse = ""), "\\n")'
        for name, p in files.items())
    want_sum = BUNDLED[FEATURES].to_numpy(float).sum()
    for line in run_rscript(code).strip().splitlines():
        name, total, codes = line.split()
        assert float(total) == want_sum, name
        py = load_gbsg(files[name])
        assert codes == "".join(map(str, py[LABEL])), name
