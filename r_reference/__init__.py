"""The R side: the article's R script run unmodified through rpy2, with checkpoints out.

`run_article` is imported lazily so that `import r_reference` works without R or rpy2.
"""
from r_reference.availability import APT_COMMAND, r_status  # noqa: F401


def run_article(*args, **kwargs):
    from r_reference.runner import run_article as _run

    return _run(*args, **kwargs)
