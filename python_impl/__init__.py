"""Native Python port of the gbsg 1-D CNN article (no R at run time).

Sub-modules are light (NumPy/pandas/SciPy) except `model`, `training` and `pipeline`,
which import Keras/TensorFlow lazily, only when a model is built.
"""
