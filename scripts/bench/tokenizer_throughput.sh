#!/usr/bin/env bash
# Tokenizer throughput on one core: our release `vans tokenize --stats` against the Rust `tokenizers`
# library (RAYON_NUM_THREADS=1), encoding the same ~10 MB text with each fixture tokenizer.
# Prints `NAME OURS_MS REF_MS RATIO` (RATIO = REF_MS / OURS_MS; above 1 means we are faster).
# Run from anywhere: scripts/bench/tokenizer_throughput.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/require.sh
require swift python3
python=$(scripts/python-env.sh)
if [[ "${1:-}" != "--no-build" ]]; then swift build -c release $(< scripts/c-kernel-flags) --product vans >&2; fi
vans=.build/release/vans
text=$(mktemp -t vans-bench-XXXXXX.txt)
trap 'rm -f "$text"' EXIT
"$python" scripts/bench/tokenizer_throughput.py make-text "$text"
pin=(); if command -v taskset >/dev/null; then pin=(taskset -c 0); fi
echo "NAME OURS_MS REF_MS RATIO"
for name in qwen-bpe t5-unigram clip-bpe; do
    dir=Tests/TokenizersTests/Fixtures/$name
    best=""
    for _ in 1 2 3; do
        ours=$("${pin[@]}" "$vans" tokenize --tokenizer "$dir" --input "$text" --stats --json)
        ms=$(echo "$ours" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["milliseconds"])')
        count=$(echo "$ours" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["count"])')
        if [[ -z "$best" ]] || awk "BEGIN{exit !($ms < $best)}"; then best=$ms; fi
    done
    ref=$(RAYON_NUM_THREADS=1 "${pin[@]}" "$python" scripts/bench/tokenizer_throughput.py time "$dir/tokenizer.json" "$text")
    ref_ms=$(echo "$ref" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["milliseconds"])')
    ref_count=$(echo "$ref" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["count"])')
    if [[ "$count" != "$ref_count" ]]; then echo "warning: $name id counts differ: ours $count, reference $ref_count" >&2; fi
    awk -v n="$name" -v o="$best" -v r="$ref_ms" 'BEGIN{printf "%s %.1f %.1f %.2f\n", n, o, r, r/o}'
done
