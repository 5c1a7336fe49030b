"""Native Python port of the gbsg 1-D CNN article (no R at run time).

Sub-modules are light (NumPy/pandas/SciPy) except `model`, `training` and `pipeline`,
which import Keras/TensorFlow lazily, only when a model is built.
"""

import logging as _logging
import os as _os

# TensorFlow's C++ INFO/WARNING lines (oneDNN, XLA "compiled cluster") are noise for this tool.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_logging.getLogger("tensorflow").setLevel(_logging.ERROR)
