"""Native Python port of the gbsg 1-D CNN article (no R at run time).

Sub-modules are light (NumPy/pandas/SciPy) except `model`, `training` and `pipeline`,
which import Keras/TensorFlow lazily, only when a model is built.
"""

import logging as _logging
import os as _os

# TensorFlow's C++ INFO/WARNING lines (oneDNN, XLA "compiled cluster") are noise for this tool.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_logging.getLogger("tensorflow").setLevel(_logging.ERROR)


def quiet_tensorflow_import():
    """Import TensorFlow with its C++ start-up chatter (absl "WARNING: All log messages before
    absl::InitializeLog()", oneDNN notices) kept off the terminal: TF 2.21 prints these before
    TF_CPP_MIN_LOG_LEVEL is read. Python-level errors still propagate with their messages."""
    import sys

    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    try:
        saved = _os.dup(2)
    except OSError:  # no usable fd 2: nothing to protect
        import tensorflow

        return tensorflow
    devnull = _os.open(_os.devnull, _os.O_WRONLY)
    try:
        sys.stderr.flush()
        _os.dup2(devnull, 2)
        import tensorflow
    finally:
        _os.dup2(saved, 2)
        _os.close(saved)
        _os.close(devnull)
    return tensorflow
