#!/usr/bin/env bash
# Prints the path of a Python interpreter that has the reference packages
# (torch, transformers, diffusers, tokenizers, metric packages, ...), creating a
# virtual environment outside the repository when none exists.
# Used by the fixture generators and by `make bench`; CI never runs it.
#   VANS_VENV  where the environment lives (default: ~/.cache/vans/venv)
set -euo pipefail
venv="${VANS_VENV:-$HOME/.cache/vans/venv}"
packages=(torch torchvision transformers diffusers tokenizers safetensors pycocoevalcap rouge-score
          scenedetect opencv-python-headless qwen-vl-utils sentencepiece protobuf numpy av ftfy==6.3.1 peft cd-fvd)
modules="torch, torchvision, transformers, diffusers, tokenizers, safetensors, pycocoevalcap, rouge_score, scenedetect, cv2, qwen_vl_utils, sentencepiece, numpy, av, ftfy, peft, cdfvd"
if ! command -v python3 >/dev/null 2>&1; then
    echo "python-env.sh: no python3; run 'scripts/install-deps.sh --bench' (Debian's python3 and python3-venv)" >&2
    exit 127
fi
if [ ! -x "$venv/bin/python" ]; then
    echo "Setting up the reference Python environment in $venv (one time, a few minutes)..." >&2
    python3 -m venv "$venv" || { echo "python-env.sh: python3 -m venv failed; install python3-venv (scripts/install-deps.sh --bench)" >&2; exit 1; }
    "$venv/bin/pip" install -q --upgrade pip >&2
fi
# An environment from an older checkout gets whatever this one added (pip skips what is there).
if ! "$venv/bin/python" -c "import $modules" 2>/dev/null; then
    "$venv/bin/pip" install -q "${packages[@]}" >&2
fi
echo "$venv/bin/python"
