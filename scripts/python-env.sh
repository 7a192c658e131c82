#!/usr/bin/env bash
# Prints the path of a Python interpreter that has the reference packages
# (torch, transformers, diffusers, tokenizers, metric packages, ...), creating a
# virtual environment outside the repository when none exists.
# Used by the fixture generators and by `make bench`; CI never runs it.
#   VANS_VENV  where the environment lives (default: ~/.cache/vans/venv)
set -euo pipefail
venv="${VANS_VENV:-$HOME/.cache/vans/venv}"
packages=(torch torchvision transformers diffusers tokenizers safetensors pycocoevalcap rouge-score
          scenedetect opencv-python-headless qwen-vl-utils sentencepiece protobuf numpy av)
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, transformers, tokenizers" 2>/dev/null; then
    echo "Setting up the reference Python environment in $venv (one time, a few minutes)..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip >&2
    "$venv/bin/pip" install -q "${packages[@]}" >&2
fi
echo "$venv/bin/python"
