#!/usr/bin/env bash
# `make bench`: builds VANSBench in release, finds a Python with torch (scripts/python-env.sh creates
# one outside the repository when missing) and compares engine and PyTorch on the same workloads,
# 2 threads each, interleaved, medians. Extra arguments go to scripts/bench/bench.py
# (e.g. --repetitions 9, --only attention_4096 conv3d_vae).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/require.sh
require swift python3
swift build -c release $(< scripts/c-kernel-flags) --product VANSBench >&2
python=$(scripts/python-env.sh)
export OMP_NUM_THREADS="${BENCH_THREADS:-2}" VANS_NUM_THREADS="${BENCH_THREADS:-2}"
exec "$python" scripts/bench/bench.py --engine "$(swift build -c release $(< scripts/c-kernel-flags) --show-bin-path)/VANSBench" \
    --threads "${BENCH_THREADS:-2}" "$@"
