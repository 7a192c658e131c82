#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer executable (Fuzz/VANSFuzz, AddressSanitizer) in .build-fuzz and runs each
# fuzz target for FUZZ_SECONDS (default 600), seeded with the committed corpus. Fails when any target finds a
# crash, a hang over 10 s, or an ASan report; the input is left in .build-fuzz/artifacts/<target>/ (copy it to
# Tests/FuzzTargetsTests/Fixtures/crashers/<target>/ with the fix, so `make test` replays it from then on).
#   FUZZ_SECONDS   seconds per target (default 600)
#   FUZZ_TARGETS   space-separated subset (default: all)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-600}"
targets="${FUZZ_TARGETS:-safetensors-header safetensors-reader sharded-index config-json manifest tokenizer pytorch-archive}"
scratch=.build-fuzz
mkdir -p "$scratch"
# gold warns once per ASan helper symbol ("Cannot export local symbol"); the rest of the output is shown.
# The C kernels are instrumented too (ASan and coverage), so an overread in C reports like one in Swift.
VANS_FUZZ=1 swift build -c debug --scratch-path "$scratch" --product VANSFuzz \
    -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address,fuzzer-no-link >"$scratch/build.log" 2>&1
build_status=$?
grep -v "Cannot export local symbol" "$scratch/build.log" | tail -20
[ $build_status -eq 0 ] || { echo "fuzz build failed" >&2; exit 1; }
binary="$scratch/debug/VANSFuzz"
[ -x "$binary" ] || { echo "fuzz build failed: no $binary" >&2; exit 1; }
failed=()
for target in $targets; do
    corpus="$scratch/corpus/$target" artifacts="$scratch/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    log="$scratch/$target.log"
    echo "== $target: ${seconds}s (log: $log)"
    # New inputs go to the first corpus folder (scratch); the committed seeds are only read.
    VANS_FUZZ_TARGET="$target" ASAN_OPTIONS=detect_leaks=0 "$binary" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        "$corpus" "Tests/FuzzTargetsTests/Fixtures/corpus/$target" >"$log" 2>&1
    status=$?
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs)" "$log" | sed 's/^/   /'
    if [ $status -ne 0 ]; then
        echo "   FAILED (exit $status): $(ls "$artifacts" | head -3 | tr '\n' ' ')"
        grep -m3 -E "ERROR: (AddressSanitizer|libFuzzer)|Fatal error|SUMMARY" "$log" | sed 's/^/   /'
        failed+=("$target")
    fi
done
if [ ${#failed[@]} -ne 0 ]; then echo "fuzzing found problems in: ${failed[*]}" >&2; exit 1; fi
echo "fuzzing: no crashes, hangs or ASan reports"
