"""Parity between the article's R script (through rpy2) and the native Python port.

`parity.registry` holds the named checks, `parity.context` the two sides' runs, `parity.audit`
the main job, `parity.report` the report files and `parity.cli` the `parity` command.
"""
