# Sourced by the benchmark scripts: stops with a clear message when a command they run is missing.
#   require COMMAND... — each must be on PATH; `make bench` (scripts/install-deps.sh --bench) installs them.
require() {
    local missing=()
    for command in "$@"; do command -v "$command" >/dev/null 2>&1 || missing+=("$command"); done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "$(basename "$0"): missing ${missing[*]}; run 'make bench' (it installs them) or 'scripts/install-deps.sh --bench'" >&2
        exit 127
    fi
}
