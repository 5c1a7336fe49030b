"""The parity engine: an R script run unmodified (through rpy2) beside its Python port, compared
checkpoint by checkpoint as a case file describes.

`parity.case` reads case files, `parity.context` runs the two sides (lazily), `parity.judge` /
`parity.compare` / `parity.diagnoses` / `parity.divergence` turn values into verdicts,
`parity.audit` assembles the report, `parity.report` writes it and `parity.cli` is the `parity`
command. Nothing here knows any particular case: the bundled ones live in `cases/`.
"""
