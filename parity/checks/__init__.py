"""Importing this package registers every check, in report order."""
from parity.checks import split, scaling, model, training, roc, distribution, pitfalls  # noqa: F401
