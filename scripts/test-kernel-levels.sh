#!/usr/bin/env bash
# Runs the kernel conformance suites (every op against PyTorch's fixtures, vector math, attention,
# convolution, normalisation, conversion, the decoder-layer parity) once per instruction-set level this
# CPU has, with VANS_CPU naming the level, so the baseline and AVX2 code paths are checked on AVX-512
# machines and every path is checked where it can run. Called by `make test` after the full suite
# (which runs at the automatic level); prints one line per level.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT="${SWIFT:-swift}"

flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { [[ " $flags " == *" $1 "* ]]; }
levels=(baseline)
if has avx2 && has fma; then levels+=(avx2); fi
if has avx512f && has avx512bw && has avx512dq && has avx512vl; then levels+=(avx512); fi

status=0
for level in "${levels[@]}"; do
    log=$(mktemp)
    if VANS_CPU=$level VANS_CPU_STRICT=1 "$SWIFT" test --skip-build --filter 'TensorTests|NNTests|GenerationTests' >"$log" 2>&1; then
        summary=$(grep -E '^✔ Test run' "$log" | tail -1 | sed 's/^✔ //')
        echo "kernel level $level: passed (${summary:-no summary})"
    else
        echo "kernel level $level: FAILED"
        grep -E '✘' "$log" | head -40
        status=1
    fi
    rm -f "$log"
done
exit $status
