#!/usr/bin/env bash
# The `vans serve` web page in headless Chromium (issue 15): makes a VANS-Synth clip, serves the fake pipeline on a
# free loopback port, uploads the clip through the page, waits for the answer video to load, saves a screenshot.
# Installs Debian's chromium when it is missing (needs root or sudo and the Debian mirror). Run by `make test`.
# Usage: serve_web.sh [SCREENSHOT.png] (default out/serve-web.png)
set -euo pipefail
cd "$(dirname "$0")/../.."
screenshot=${1:-out/serve-web.png}
mkdir -p "$(dirname "$screenshot")"
if ! command -v chromium >/dev/null; then
    echo "Installing Debian's chromium for the web page check"
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=""; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
swift build $(< scripts/c-kernel-flags) --product vans >/dev/null
vans="$(swift build $(< scripts/c-kernel-flags) --show-bin-path)/vans"
work=$(mktemp -d)
server=""
cleanup() { if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT
"$vans" data synth --out "$work/synth" --count 2 --split eval --size 64 >/dev/null 2>&1
clip=$(ls "$work"/synth/videos/*.mp4 | head -1)
"$vans" serve --fake --fake-delay 0.05 --port 0 --data "$work/data" --log-level warning >"$work/stdout" 2>"$work/stderr" &
server=$!
for _ in $(seq 100); do grep -q '^listening ' "$work/stdout" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^listening //p' "$work/stdout" | head -1)
[[ -n $base ]] || { echo "serve web check: FAILED: the server did not start" >&2; cat "$work/stderr" >&2; exit 1; }
python3 scripts/check/serve_web.py "$base" "$clip" "$screenshot"
