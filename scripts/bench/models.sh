#!/usr/bin/env bash
# The model-scale lines of `make bench` (Qwen2.5-VL 3B shape, Wan2.1 DiT/VAE/umT5 shapes, CLIP ViT-B/32, I3D): each
# workload in its own bench.py process, so one pair of GB-sized models is resident at a time (a 24 GB machine holds
# that; all at once it does not), timed on each repetition's first call, BENCH_MODEL_REPETITIONS times (default 3).
# On a 2-core machine this takes over an hour (the VAE decode alone is ~6 min per call per side);
# BENCH_MODELS=0 skips it, and extra arguments choose workloads (default: all of them).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ "${BENCH_MODELS:-1}" == 0 ]]; then echo "models.sh: skipped (BENCH_MODELS=0)"; exit 0; fi
python=$(scripts/python-env.sh)
names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
    mapfile -t names < <(cd scripts/bench && "$python" -c 'import bench; print("\n".join(bench.MODEL_WORKLOADS))')
fi
for name in "${names[@]}"; do
    scripts/bench/run.sh --only "$name" --repetitions "${BENCH_MODEL_REPETITIONS:-3}" --single-call
done
