"""Reports are never half-written: a failure while writing, or SIGTERM/SIGINT during an audit,
leaves the previous report byte-identical and no temp files; and two audits with the same
explicit seeds write the same report.json apart from its `meta` block."""
from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from parity import report as report_mod
from parity.report import write_report

ROOT = Path(__file__).resolve().parents[1]
PARITY = Path(sys.executable).with_name("parity")
OLD = {"report.json": b'{"previous": "report"}\n', "report.md": b"# previous report\n",
       "report.html": b"<html>previous</html>\n"}


def a_report(keras_seed: int = 42) -> dict:
    """A real report dict, without any run: --no-r and one check (SKIP), no reproduction section."""
    from parity.audit import run_audit
    from parity.case import default_case_file, load_case
    from parity.context import AuditOptions, CaseContext

    ctx = CaseContext(load_case(default_case_file()), AuditOptions(seed=keras_seed, python_runs=2, use_r=False))
    return run_audit(ctx, only=["split_sizes"], reproduction=False)


@pytest.fixture
def previous(tmp_path) -> Path:
    out = tmp_path / "report"
    out.mkdir()
    for name, data in OLD.items():
        (out / name).write_bytes(data)
    return out


def assert_previous_intact(out: Path) -> None:
    for name, data in OLD.items():
        assert (out / name).read_bytes() == data, f"{name} was changed"
    assert sorted(p.name for p in out.iterdir()) == sorted(OLD), "temp files left behind"


# ---- (a) write_report failing midway ---------------------------------------------------------

def test_new_report_is_complete(previous):
    paths = write_report(a_report(), previous)
    assert {p.name for p in paths} == {"report.json", "report.md", "report.html"}
    assert json.loads((previous / "report.json").read_text())["options"]["seed"] == 42
    assert (previous / "report.md").read_text().startswith("# Parity audit")
    assert not [p for p in previous.iterdir() if p.name.startswith(".")]


def test_json_encoding_error_leaves_the_old_report(previous):
    rep = a_report()
    rep["checks"].append(object())  # not JSON-serialisable
    with pytest.raises(TypeError):
        write_report(rep, previous)
    assert_previous_intact(previous)


def test_disk_full_while_staging_leaves_the_old_report(previous, monkeypatch):
    real_fsync, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(report_mod.os, "fsync", fsync)
    with pytest.raises(OSError, match="No space left"):
        write_report(a_report(), previous)
    assert_previous_intact(previous)


def test_rename_failure_on_the_second_file_leaves_the_old_report(previous, monkeypatch):
    real_replace, calls = os.replace, []

    def replace(src, dst, *a, **k):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.EIO, "Input/output error")
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(report_mod.os, "replace", replace)
    with pytest.raises(OSError):
        write_report(a_report(), previous)
    assert_previous_intact(previous)


def test_signal_during_the_renames_is_held_until_all_are_done(previous, monkeypatch):
    """SIGTERM (to the process, as `kill` sends it) arriving between two renames is delivered only
    after the last one: the folder holds the whole new report, not a mix."""
    import threading

    real_replace, calls = os.replace, []

    def replace(src, dst, *a, **k):
        calls.append(dst)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGTERM)  # must wait until the renames are done
            time.sleep(0.2)  # let whichever thread takes it do so before this rename
        return real_replace(src, dst, *a, **k)

    stop = threading.Event()
    helper = threading.Thread(target=stop.wait, daemon=True)  # a second thread, as TF/JAX have
    helper.start()

    def as_interrupt(signum, frame):
        raise KeyboardInterrupt

    old_handler = signal.signal(signal.SIGTERM, as_interrupt)
    try:
        monkeypatch.setattr(report_mod.os, "replace", replace)
        with pytest.raises(KeyboardInterrupt):
            write_report(a_report(keras_seed=7), previous)
    finally:
        signal.signal(signal.SIGTERM, old_handler)
        stop.set()
    assert json.loads((previous / "report.json").read_text())["options"]["seed"] == 7
    assert "shared seed 7" in (previous / "report.md").read_text()
    assert "shared seed 7" in (previous / "report.html").read_text()
    assert not [p for p in previous.iterdir() if p.name.startswith(".")]


# ---- (b, c) a signal to a running `parity audit` ---------------------------------------------

def _restore_default_signals():
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a runner that ignores SIGINT must not pass that on
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _wait_until_catching(pid: int, sig: int, timeout: float = 120) -> None:
    """Until process `pid` catches `sig` (its SigCgt mask in /proc): a fixed sleep raced with a
    slow start on a loaded machine (a SIGTERM before the handler kills without a clean exit)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return
        mask = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
        if mask >> (sig - 1) & 1:
            return
        time.sleep(0.05)
    pytest.fail(f"process {pid} never installed its handler for signal {sig}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_during_audit_keeps_the_previous_report(previous, sig):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.Popen([str(PARITY), "audit", "--no-r", "--seeds", "2", "--keras-runs", "2", "--split-seeds", "2", "--quiet", "--out", str(previous)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            cwd=ROOT, env=env, preexec_fn=_restore_default_signals)
    try:
        _wait_until_catching(proc.pid, signal.SIGTERM)  # main() has installed its handlers
        time.sleep(2)  # the audit under way
        assert proc.poll() is None, "the audit ended before the signal: make it longer"
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, (proc.returncode, err[-2000:])
    assert "Traceback" not in out + err, err[-3000:]
    assert "interrupted" in err and "previous report" in err
    assert_previous_intact(previous)


# ---- determinism -----------------------------------------------------------------------------

def _json_paths_that_differ(a, b, path="") -> list[str]:
    if type(a) is not type(b):
        return [f"{path}: {type(a).__name__} vs {type(b).__name__}"]
    if isinstance(a, dict):
        out = [f"{path}/{k}: only in one" for k in set(a) ^ set(b)]
        for k in a.keys() & b.keys():
            out += _json_paths_that_differ(a[k], b[k], f"{path}/{k}")
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} vs {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _json_paths_that_differ(x, y, f"{path}[{i}]")]
    same = a == b or (isinstance(a, float) and a != a and b != b)
    return [] if same else [f"{path}: {a!r:.80} vs {b!r:.80}"]


@pytest.mark.slow
def test_same_seeds_give_the_same_report(tmp_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    reports = []
    for name in ("A", "B"):
        out = tmp_path / name
        proc = subprocess.run([str(PARITY), "audit", "--no-r", "--keras-seed", "5", "--seeds", "2", "--keras-runs", "2", "--split-seeds", "2", "--quiet",
                               "--out", str(out)], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
        assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr[-3000:]
        rep = json.loads((out / "report.json").read_text())
        assert "meta" in rep
        rep.pop("meta")
        reports.append(rep)
    diffs = _json_paths_that_differ(*reports)
    assert not diffs, "report.json differs outside meta:\n" + "\n".join(sorted(diffs)[:50])
    assert json.dumps(reports[0], sort_keys=True) == json.dumps(reports[1], sort_keys=True)
