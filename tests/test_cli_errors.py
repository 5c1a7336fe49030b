"""`parity audit` on bad input, as a user runs it (a subprocess of the installed console script):
exit code 2, exactly one meaningful line on stderr (argparse's usage lines are allowed for argument
errors) naming the file, column and row where they apply, never a traceback, no report written,
and out before any training (~1-2 s each, mostly imports)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from python_impl.data import bundled_path, load_gbsg

ROOT = Path(__file__).resolve().parents[1]
PARITY = Path(sys.executable).with_name("parity")  # .venv/bin/parity, next to the running python
BUNDLED = load_gbsg()
LINES = bundled_path().read_text().splitlines()
FAST_S = 20  # generous; each of these takes ~1-2 s when it exits before training


def run_cli(*args: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess, float]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "COLUMNS": "200"}
    t = time.perf_counter()
    proc = subprocess.run([str(PARITY), *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    return proc, time.perf_counter() - t


def error_lines(stderr: str) -> list[str]:
    """stderr without argparse's usage block ("usage: ..." and its indented continuation lines)."""
    out, in_usage = [], False
    for line in stderr.splitlines():
        if line.startswith("usage:"):
            in_usage = True
            continue
        if in_usage and line.startswith(" "):
            continue
        in_usage = False
        if line.strip():
            out.append(line)
    return out


def assert_usage_error(proc, elapsed, *words):
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = error_lines(proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("parity: error: "), lines
    for w in words:
        assert w in lines[0], f"{w!r} not in {lines[0]!r}"
    assert elapsed < FAST_S, f"took {elapsed:.1f} s: it should fail before any training"
    return lines[0]


# ---- --data ----------------------------------------------------------------------------------

def _text(df):
    return df.astype(str)


def _set(df, row, col, value):
    df = _text(df)
    df.loc[row, col] = value
    return df


def _three_levels():
    df = BUNDLED.copy()
    df.loc[[13, 40], "status"] = 2
    return df


def _huge(p: Path):
    with p.open("wb") as fh:  # > 1,000,000 rows in 18 MB, written in milliseconds
        fh.write(b"age,meno,size,grade,nodes,pgr,er,hormon,status\n")
        fh.write(b"1,0,2,1,3,4,5,0,1\n2,1,3,2,4,5,6,1,0\n" * 500_001)


DATA_CASES = {
    # name: (content or None for "no file", words expected besides the file name)
    "missing_file": (None, ["file not found"]),
    "binary": (bytes(range(256)) * 8, ["binary content"]),
    "json": ('{"age": [49, 55], "status": [0, 1]}\n', ["looks like JSON, not CSV"]),
    "empty": ("", ["file is empty"]),
    "header_only": (LINES[0] + "\n", ["no data rows"]),
    "missing_column": (BUNDLED.drop(columns=["grade"]), ["missing required column(s) ['grade']"]),
    "non_numeric": (_set(BUNDLED, 7, "nodes", "abc"), ["column 'nodes', row 9", "non-numeric value 'abc'"]),
    "na": (_set(BUNDLED, 4, "pgr", "NA"), ["column 'pgr', row 6", "missing value ('NA')"]),
    "nan": (_set(BUNDLED, 4, "pgr", "NaN"), ["column 'pgr', row 6", "missing value ('NaN')"]),
    "blank": (_set(BUNDLED, 4, "pgr", ""), ["column 'pgr', row 6", "missing value ('')"]),
    "blank_label": (_set(BUNDLED, 3, "status", ""), ["column 'status', row 5", "missing label"]),
    "three_levels": (_three_levels(), ["column 'status' has 3 distinct value(s)", "row 15"]),
    "too_few_rows": (BUNDLED.iloc[:20], ["only 20 data rows"]),
    "constant_column": (BUNDLED.assign(meno=1), ["['meno'] are constant", "scale()", "NaN"]),
    "duplicated_header": ("\n".join(LINES).replace('"rfstime"', '"age"', 1) + "\n",
                          ["duplicated column name(s) ['age']"]),
    "semicolons": ("\n".join(ln.replace(",", ";") for ln in LINES) + "\n", ["separated by semicolons"]),
    "over_a_million_rows": (_huge, ["more than 1,000,000 data rows"]),
    "text_labels": (_text(BUNDLED).assign(status=np.where(BUNDLED.status == 1, "event", "censored")),
                    ["column 'status'", "text labels", "Recode them as 0"]),
    "labels_1_2": (_text(BUNDLED).assign(status=BUNDLED.status + 1), ["not 0/1", "status - 1"]),
}


def _write(p: Path, content) -> None:
    if callable(content):
        content(p)
    elif isinstance(content, pd.DataFrame):
        content.to_csv(p, index=False)
    elif isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8", newline="")


@pytest.mark.parametrize("case", list(DATA_CASES))
def test_bad_data_is_one_line_exit_2(tmp_path, case):
    content, words = DATA_CASES[case]
    f = tmp_path / f"{case}.csv"
    if content is not None:
        _write(f, content)
    out = tmp_path / "report"
    proc, elapsed = run_cli("audit", "--data", str(f), "--no-r", "--out", str(out))
    assert_usage_error(proc, elapsed, str(f), *words)
    assert not out.exists(), "no report may be written for a usage error"


def test_data_directory(tmp_path):
    proc, elapsed = run_cli("audit", "--data", str(tmp_path), "--no-r", "--out", str(tmp_path / "r"))
    assert_usage_error(proc, elapsed, str(tmp_path), "is a directory")


# Accepted files reach the audit: `--only split_sizes --no-reproduction` with --no-r SKIPs without training.
ACCEPTED = {
    "ten_columns": BUNDLED.drop(columns=["pid"]),
    "logical_labels": _text(BUNDLED).assign(status=np.where(BUNDLED.status == 1, "TRUE", "FALSE")),
    "quoted_0_1": "\n".join([LINES[0]] + [ln[:-1] + f'"{ln[-1]}"' for ln in LINES[1:]]) + "\n",
    "bom_crlf": "\ufeff" + "\r\n".join(LINES) + "\r\n",
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_accepted_data_is_not_a_usage_error(tmp_path, case):
    f = tmp_path / f"{case}.csv"
    _write(f, ACCEPTED[case])
    out = tmp_path / "report"
    proc, _ = run_cli("audit", "--data", str(f), "--no-r", "--no-reproduction", "--only", "split_sizes", "--quiet",
                      "--out", str(out))
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert (out / "report.json").is_file()


# ---- options ---------------------------------------------------------------------------------

OPTION_CASES = {
    "seeds_0": (["--seeds", "0"], ["--seeds", "between 2 and"]),
    "seeds_negative": (["--seeds", "-1"], ["--seeds"]),
    "seeds_text": (["--seeds", "abc"], ["--seeds", "integer", "'abc'"]),
    "seeds_huge": (["--seeds", "99999999999"], ["--seeds", "between 2 and"]),
    "seeds_float": (["--seeds", "2.5"], ["--seeds", "integer"]),
    "keras_seed_negative": (["--keras-seed", "-5"], ["--keras-seed"]),
    "keras_seed_text": (["--keras-seed", "x"], ["--keras-seed", "integer", "'x'"]),
    "r_timeout_zero": (["--r-timeout", "0"], ["--r-timeout"]),
    "r_seeds_text": (["--r-seeds", "many"], ["--r-seeds", "integer"]),
    "split_seeds_one": (["--split-seeds", "1"], ["--split-seeds", "between 2 and"]),
    "trainer_unknown": (["--trainer", "gpu"], ["--trainer", "invalid choice"]),
    "unknown_option": (["--frobnicate"], ["unrecognized arguments", "--frobnicate"]),
    "unknown_check": (["--only", "no_such_check"], ["unknown check 'no_such_check'", "parity checks"]),
}


@pytest.mark.parametrize("case", list(OPTION_CASES))
def test_bad_option_is_one_line_exit_2(tmp_path, case):
    args, words = OPTION_CASES[case]
    out = tmp_path / "report"
    proc, elapsed = run_cli("audit", "--no-r", "--out", str(out), *args)
    assert_usage_error(proc, elapsed, *words)
    assert not out.exists()


def test_reproduce_with_bad_data(tmp_path):
    f = tmp_path / "bad.csv"
    _write(f, _set(BUNDLED, 7, "nodes", "abc"))
    proc, elapsed = run_cli("reproduce", "--seed", "1", "--data", str(f))
    assert_usage_error(proc, elapsed, str(f), "column 'nodes', row 9")


def test_unknown_command(tmp_path):
    proc, elapsed = run_cli("frobnicate")
    assert_usage_error(proc, elapsed, "invalid choice")


def test_out_is_an_existing_file(tmp_path):
    f = tmp_path / "report.json"
    f.write_text("keep me\n")
    proc, elapsed = run_cli("audit", "--no-r", "--out", str(f))
    assert_usage_error(proc, elapsed, "--out", str(f), "not a directory")
    assert f.read_text() == "keep me\n"


def test_out_below_an_existing_file(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x\n")
    out = f / "sub"
    proc, elapsed = run_cli("audit", "--no-r", "--no-reproduction", "--only", "split_sizes", "--quiet",
                            "--out", str(out))
    assert_usage_error(proc, elapsed, "--out", str(f))
