"""Helpers for writing a port (what `parity init` puts in a starter port.py).

    from parity.port import Checkpoints, todo

    def run(seed=None):
        out = Checkpoints()
        out["coefficients"] = fit.params          # done
        out["auc"] = todo("auc: R numeric, length 1 (line 12)")   # not yet
        return out

Reading a `todo` value raises NotImplementedError with its message, so the audit reports that
checkpoint as not ported yet (a FAIL naming it) while every filled-in one is compared.
"""
from __future__ import annotations


class _Todo:
    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message

    def __repr__(self) -> str:
        return f"todo({self.message!r})"


def todo(message: str = "") -> _Todo:
    """A placeholder for a checkpoint value the port does not compute yet."""
    return _Todo(message)


class Checkpoints(dict):
    """A dict of checkpoint values whose `todo` entries raise NotImplementedError when read."""

    def __getitem__(self, key):
        v = super().__getitem__(key)
        if isinstance(v, _Todo):
            raise NotImplementedError(f"not ported yet: {v.message or key} (fill it in in port.py)")
        return v
