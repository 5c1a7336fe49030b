#!/usr/bin/env bash
# GPU throughput of the batched trainers (JAX), in one command:
#     bash benchmarks/gpu.sh [--sizes 1,1024,10000,100000] [--repeats 2] [--check-seeds 8]
#                            [--trainers generic,handwritten] [--distribution 1000000] [--chunk N]
# Reports, per S, the compiled rate (device-resident inputs) and the end-to-end rate (seeds or
# NumPy inputs in, NumPy results out) of the generic trainer (python_impl.batched, draws on the
# device, chunks pipelined, seeds sharded over every visible GPU) and of the hand-written one
# (python_impl.fast_trainer), then times a 1,000,000-seed distribution of the generic trainer.
# For a machine with JAX + CUDA but no TensorFlow, no Keras and no internet: nothing is
# installed, only NumPy and JAX are imported. TF32 is off (NVIDIA_TF32_OVERRIDE=0 here and
# jax_default_matmul_precision="highest" in gpu_bench.py). Prints a table and, when OUT is set,
# writes $OUT/gpu_bench.json. Dry run on a CPU (small sizes):
#     PYTHON=.venv/bin/python bash benchmarks/gpu.sh --sizes 1,64 --distribution 2000
set -euo pipefail
cd "$(dirname "$0")/.."
export NVIDIA_TF32_OVERRIDE=0
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
PY="${PYTHON:-python3}"
if ! "$PY" -c "import jax, numpy" 2>/dev/null; then
    echo "gpu.sh: $PY cannot import jax and numpy; set PYTHON=/path/to/python" >&2
    exit 2
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
exec "$PY" benchmarks/gpu_bench.py "$@"
