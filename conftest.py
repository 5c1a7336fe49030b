"""Repository-wide pytest set-up: R availability skips and `--benchmark-only` selection."""
import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_collection_modifyitems(config, items):
    # `pytest --benchmark-only` from the root runs exactly the benchmarks, nothing else.
    if config.getoption("benchmark_only", default=False):
        keep = [i for i in items if "benchmark" in getattr(i, "fixturenames", ())]
        drop = [i for i in items if i not in keep]
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
    else:
        # Plain `pytest` / `make test` never spend minutes on throughput runs.
        skip = pytest.mark.skip(reason="benchmark: run with `pytest benchmarks/ --benchmark-only` or `make bench`")
        for item in items:
            if "benchmark" in getattr(item, "fixturenames", ()) and not config.getoption("benchmark_disable", default=False):
                item.add_marker(skip)

    needs_r = [i for i in items if i.get_closest_marker("requires_r")]
    if needs_r:
        from r_reference.availability import r_status

        st = r_status()
        if not st.ok:
            skip_r = pytest.mark.skip(reason=f"requires R: {st.reason}")
            for item in needs_r:
                item.add_marker(skip_r)
