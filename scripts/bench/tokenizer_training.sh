#!/usr/bin/env bash
# BPE training on one core: `vans train-tokenizer` against the `tokenizers` library's BpeTrainer
# (RAYON_NUM_THREADS=1) on the same ~SIZE MB text (60,000 pseudo-words), and a check that both wrote the same tokenizer.json,
# that the reference loads ours with the same ids, and that transformers applies its chat template.
# Prints `NAME OURS_MS REF_MS RATIO` (RATIO = REF_MS / OURS_MS) and the check's JSON on stderr.
# Usage: scripts/bench/tokenizer_training.sh [--no-build] [SIZE_MB (default 10)] [VOCAB (default 32000)]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/require.sh
require swift python3
python=$(scripts/python-env.sh)
if [[ "${1:-}" == "--no-build" ]]; then shift; else swift build -c release $(< scripts/c-kernel-flags) --product vans >&2; fi
size_mb=${1:-10}; vocab=${2:-32000}
work=$(mktemp -d -t vans-bpe-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$python" scripts/bench/tokenizer_training.py make-text "$work/text.txt" "$((size_mb * 1000000))"
pin=(); if command -v taskset >/dev/null; then pin=(taskset -c 0); fi
ours=$("${pin[@]}" .build/release/vans train-tokenizer --text "$work/text.txt" --vocab-size "$vocab" --min-frequency 2 --output "$work/ours" --json)
ours_s=$(echo "$ours" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
check=$(RAYON_NUM_THREADS=1 "${pin[@]}" "$python" scripts/bench/tokenizer_training.py check "$work/text.txt" "$vocab" 2 "$work/ours")
echo "$check" >&2
ref_s=$(echo "$check" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["reference_seconds"])')
echo "NAME OURS_MS REF_MS RATIO"
awk -v n="bpe_train_${size_mb}mb_v${vocab}" -v o="$ours_s" -v r="$ref_s" 'BEGIN{printf "%s %.1f %.1f %.2f\n", n, o*1000, r*1000, r/o}'
echo "$check" | "$python" -c 'import json,sys; c=json.load(sys.stdin); sys.exit(0 if c["identical_json"] and c["same_ids"] and c["transformers_chat_template"] and c["transformers_ids_match"] else 1)'
