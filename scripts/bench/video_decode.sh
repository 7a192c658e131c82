#!/usr/bin/env bash
# Decode throughput: `vans video decode` (release build) vs the ffmpeg CLI converting a 640×360 H.264 testsrc
# clip to raw RGB24 on standard output (sent to /dev/null), at the same decoder thread counts.
# Usage: scripts/bench/video_decode.sh [seconds-of-video=30] [runs=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/require.sh
require swift ffmpeg bc
duration=${1:-30}
runs=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
clip="$work/testsrc_640x360.mp4"
ffmpeg -v error -y -f lavfi -i "testsrc=size=640x360:rate=30" -t "$duration" -c:v libx264 -pix_fmt yuv420p "$clip"
swift build -c release $(< scripts/c-kernel-flags) --product vans >/dev/null
vans=$(swift build -c release $(< scripts/c-kernel-flags) --show-bin-path)/vans
frames=$((duration * 30))

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
time_runs() {  # command... → median wall seconds over $runs runs
    for _ in $(seq "$runs"); do
        local start end
        start=$(date +%s.%N)
        "$@" >/dev/null
        end=$(date +%s.%N)
        echo "$end - $start" | bc -l
    done | median
}

# Both must produce the same bytes before their speed means anything.
cmp <("$vans" video decode "$clip" -o -) <(ffmpeg -v error -i "$clip" -f rawvideo -pix_fmt rgb24 -) \
    && echo "output: byte-identical to ffmpeg ($frames frames)"
for threads in 1 0; do
    ours=$(time_runs "$vans" video decode "$clip" -o - --threads "$threads")
    theirs=$(time_runs ffmpeg -v error -threads "$threads" -i "$clip" -f rawvideo -pix_fmt rgb24 -)
    ratio=$(echo "$ours / $theirs" | bc -l)
    printf 'threads=%s  vans %.3f s (%.0f fps)  ffmpeg %.3f s (%.0f fps)  ratio %.3f (bar ≤ 1.2)\n' \
        "$threads" "$ours" "$(echo "$frames / $ours" | bc -l)" "$theirs" "$(echo "$frames / $theirs" | bc -l)" "$ratio"
done
