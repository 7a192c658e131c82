#!/usr/bin/env bash
# Installs the Debian packages the package links against, when they are missing.
# Runs as part of `make demo`, `make test` and `make bench`; quiet when all is present.
#   --bench  also what the benchmarks need: the ffmpeg command line, bc, taskset (util-linux) and
#            Python's venv module (python3-venv), for the reference environment of scripts/python-env.sh.
set -euo pipefail
packages=(pkg-config libopenblas-dev libavformat-dev libavcodec-dev libswscale-dev libavutil-dev)
if [ "${1:-}" = "--bench" ]; then
    packages+=(ffmpeg bc util-linux)
    # A python3 that cannot make a virtual environment (Debian's without python3-venv) needs the package.
    if ! command -v python3 >/dev/null 2>&1 || ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
        packages+=(python3 python3-venv python3-pip)
    fi
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing missing system packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "error: not root and no sudo; install these packages first: ${missing[*]}" >&2
        exit 1
    fi
else SUDO=""; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
