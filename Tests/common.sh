# shellcheck shell=bash disable=SC2154  # `here` is set by the script that sources this file
# Shared by the process-level suites (Tests/*/run.sh): sourced after `set -euo pipefail` with `here` set to the
# suite's folder. Sets `root` (the repository) and `app_bin` (APP_BIN, default .build/debug/app, made absolute).

root="$(cd "$here/../.." && pwd)"

# require_app_bin SUITE: sets app_bin, or says which binary is missing and exits 1.
require_app_bin() {
    app_bin="${APP_BIN:-$root/.build/debug/app}"
    case "$app_bin" in /*) ;; *) app_bin="$root/$app_bin" ;; esac
    if [ ! -x "$app_bin" ]; then
        echo "$1 tests: no app binary at $app_bin (build first, or set APP_BIN)" >&2
        exit 1
    fi
}

# need_python MODULE:PACKAGE…: installs each PyPI package whose module python3 cannot import.
need_python() {
    local module
    for module in "$@"; do
        if ! python3 -c "import ${module%%:*}" 2>/dev/null; then
            python3 -m pip install --quiet "${module##*:}" 2>/dev/null \
                || python3 -m pip install --quiet --break-system-packages "${module##*:}"
        fi
    done
}
