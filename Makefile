# `make test` / `make audit` set everything up on a fresh Debian 12 machine (R via apt as root,
# .venv with the project), then run. A second call skips the set-up.
PY := .venv/bin/python
PYTEST := .venv/bin/pytest
AUDIT_ARGS ?=

.PHONY: setup test audit bench gpu-bench clean

setup:
	@./scripts/setup.sh

test: setup
	$(PYTEST) tests parity -q

audit: setup
	.venv/bin/parity audit $(AUDIT_ARGS)

bench: setup
	@mkdir -p reports/bench
	$(PYTEST) benchmarks --benchmark-only --benchmark-json=reports/bench/latest.json
	$(PY) scripts/bench_table.py reports/bench/latest.json

clean:
	rm -rf .stamps reports .pytest_cache

gpu-bench:
	bash benchmarks/gpu.sh
