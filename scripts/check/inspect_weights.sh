#!/usr/bin/env bash
# Checks `vans inspect weights` on the committed fixture checkpoints: a sharded index and both Qwen2.5-VL
# key layouts, the mapping it prints, the tie, and its exit codes (0; 2 when --parameters would not load).
# Run by `make test` after the debug build.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build $(< scripts/c-kernel-flags) --product vans >/dev/null
vans="$(swift build $(< scripts/c-kernel-flags) --show-bin-path)/vans"
layouts=Tests/QwenVLTests/Fixtures/checkpoint_layouts
failures=0
expect() {  # expect DESCRIPTION EXIT-CODE PATTERN -- ARGS...
    local description=$1 code=$2 pattern=$3
    shift 4
    local output status=0
    output=$("$vans" inspect weights "$@" 2>&1) || status=$?
    if [[ $status -ne $code ]] || ! grep -qE -- "$pattern" <<<"$output"; then
        echo "inspect weights: FAILED: $description (exit $status, wanted $code and /$pattern/)" >&2
        failures=$((failures + 1))
    fi
}
expect "sharded index, identity" 0 'model.layers.0.mlp.up_proj.weight +BF16 \[6, 4\]$' -- \
    Tests/CheckpointsTests/Fixtures/sharded/model.safetensors.index.json
expect "hub layout renamed and inv_freq dropped" 0 'rotary_emb.inv_freq .*dropped by drop' -- \
    "$layouts/hub.safetensors" --model qwen2.5-vl
expect "module tree layout ties lm_head" 0 '"key" : "lm_head.weight"' -- \
    "$layouts/module_tree.safetensors" --model qwen2.5-vl --json
expect "patch embed flattened, which the Conv3d shapes do not load" 2 'patch_embed.proj.weight: expected \[8, 3, 2, 2, 2\], found \[8, 24\]' -- \
    "$layouts/hub.safetensors" --model qwen2.5-vl --parameters "$layouts/parameters.json"
expect "a missing file" 1 'no such file' -- /nonexistent.safetensors
if [[ $failures -gt 0 ]]; then exit 1; fi
echo "inspect weights: 5 checks passed"
