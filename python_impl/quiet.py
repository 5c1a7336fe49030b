"""Keep one known-benign TensorFlow C++ log line off the terminal, and nothing else.

TF 2.21's tf.data rewrites Keras 3's ParallelMapDatasetV2 (its numpy-array input pipeline) into a
MapDataset and logs, from C++ and at ERROR level, on every first `fit()`:
    "NodeDef mentions attribute use_unbounded_threadpool which is not in the op definition: ..."
It changes nothing (unknown attributes are ignored, as the line itself says). TF_CPP_MIN_LOG_LEVEL=3
would hide every C++ error with it; instead, during the Keras calls that trigger it, file
descriptor 2 goes through a pipe that drops lines carrying that message and forwards the rest at
once (so real errors, and rich's progress display, still reach the terminal).
"""
from __future__ import annotations

import contextlib
import os
import sys
import threading

BENIGN = (b"NodeDef mentions attribute use_unbounded_threadpool",)


@contextlib.contextmanager
def benign_tf_lines_dropped(patterns: tuple = BENIGN):
    if threading.current_thread() is not threading.main_thread():
        yield  # fd 2 is process-wide: only the main thread may redirect it
        return
    try:
        saved = os.dup(2)
    except OSError:  # no usable fd 2: nothing to protect
        yield
        return
    r, w = os.pipe()
    sys.stderr.flush()
    os.dup2(w, 2)
    os.close(w)

    def pump():
        pending = b""
        with os.fdopen(r, "rb", buffering=0) as f:
            while True:
                chunk = f.read(65536)
                if not chunk:
                    break
                pending += chunk
                *lines, pending = pending.split(b"\n")
                out = b"".join(ln + b"\n" for ln in lines if not any(p in ln for p in patterns))
                if pending and b"\n" not in pending and not any(p[:12] in pending for p in patterns):
                    out, pending = out + pending, b""  # partial line (progress bars): forward now
                if out:
                    os.write(saved, out)
        if pending and not any(p in pending for p in patterns):
            os.write(saved, pending)

    t = threading.Thread(target=pump, name="tf-stderr-filter", daemon=True)
    t.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # closes the pipe's last write end: the pump sees EOF
        t.join(timeout=5)
        os.close(saved)
