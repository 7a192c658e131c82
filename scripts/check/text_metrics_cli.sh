#!/usr/bin/env bash
# End-to-end check of `vans metrics text` against pycocoevalcap and rouge-score on a VANS-Synth set:
# hypotheses are other wordings of the answer (or the question), references one or two captions.
# The reference side tokenizes as COCOEvalCap does (one PTB call per side). Prints the largest
# absolute difference over BLEU@1-4, ROUGE-L and ROUGE-L F1 and fails above 1e-9.
# Usage: scripts/check/text_metrics_cli.sh [COUNT (default 800)] [SEED (default 3)]
set -euo pipefail
cd "$(dirname "$0")/../.."
python=$(scripts/python-env.sh)
swift build -c release $(< scripts/c-kernel-flags) --product vans >&2
work=$(mktemp -d -t vans-metrics-XXXXXX)
trap 'rm -rf "$work"' EXIT
.build/release/vans data synth --out "$work/set" --count "${1:-800}" --seed "${2:-3}" --split eval >/dev/null
"$python" scripts/check/text_metrics_cli.py make "$work/set/manifest.jsonl" "$work"
.build/release/vans metrics text --hypotheses "$work/hypotheses.txt" --references "$work/references.txt" --json > "$work/ours.json"
"$python" scripts/check/text_metrics_cli.py compare "$work"
