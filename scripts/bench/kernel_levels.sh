#!/usr/bin/env bash
# Times the engine workloads at every kernel level this CPU has (VANS_CPU=baseline|avx2|avx512),
# interleaved round by round, and prints the median of each with its ratio to the widest level:
#   WORKLOAD  LEVEL_MS...  avx2/avx512
# This is the measurement behind the per-CPU table in Sources/CKernels/cpu.c (which kernel families
# run at 256 bits on AVX-512 machines). Extra arguments: workload names (default: the kernel-bound ones).
#   ROUNDS (default 5), REPETITIONS per round (default 5), BENCH_THREADS (default 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/require.sh
require swift python3
swift build -c release $(< scripts/c-kernel-flags) --product VANSBench >&2
bench="$(swift build -c release $(< scripts/c-kernel-flags) --show-bin-path)/VANSBench"
export VANS_NUM_THREADS="${BENCH_THREADS:-2}"
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { [[ " $flags " == *" $1 "* ]]; }
levels=(baseline)
if has avx2 && has fma; then levels+=(avx2); fi
if has avx512f && has avx512bw && has avx512dq && has avx512vl; then levels+=(avx512); fi
workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=(silu_4m gelu_tanh_4m softmax_2048 small_ops_64k attention_4096 conv3d_vae decoder_layer_fwd gemm_f32_1024)
samples=$(mktemp)
trap 'rm -f "$samples"' EXIT
for round in $(seq "${ROUNDS:-5}"); do
    for workload in "${workloads[@]}"; do
        for level in "${levels[@]}"; do
            VANS_CPU=$level "$bench" --run "$workload" --repetitions "${REPETITIONS:-5}" | sed "s/^/$workload $level /" >>"$samples"
        done
    done
done
python3 - "$samples" "${levels[@]}" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
levels = sys.argv[2:]
times = {}
for workload, level, ms in rows:
    times.setdefault(workload, {}).setdefault(level, []).append(float(ms))
print("workload " + " ".join(f"{level}_ms" for level in levels) + (" avx2/avx512" if "avx512" in levels else ""))
for workload, by_level in times.items():
    medians = {level: statistics.median(values) for level, values in by_level.items()}
    line = f"{workload} " + " ".join(f"{medians[level]:.3f}" for level in levels)
    if "avx512" in levels:
        line += f" {medians['avx2'] / medians['avx512']:.2f}"
    print(line)
PY
