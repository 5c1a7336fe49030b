"""Dask worker preload for the local cluster `--executor dask` starts: the worker ignores SIGINT.

A terminal's Ctrl-C reaches every process of the foreground group, the cluster's worker
processes included. Interrupting is the audit's job (it kills the R workers and closes the
cluster); a worker that took the KeyboardInterrupt itself died mid-loop and printed Dask's
"Worker process died unexpectedly" traceback under the one-line interrupt message.
"""
from __future__ import annotations

import signal
import threading


def dask_setup(worker) -> None:  # noqa: ARG001 - the preload protocol passes the worker
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
