#!/usr/bin/env bash
# Resumable uploads against real processes, with a tus client no one here wrote (tuspy, PyPI): small chunks
# alternating between two `app serve` sharing one database and store, a connection killed mid-chunk then resumed
# from HEAD, a wrong checksum (460), an expired upload swept with its parts, and `app import` (twice, and
# interrupted with SIGINT then rerun). Both stores: local always, S3 when MEMORIES_TEST_S3_ENDPOINT (moto) is set.
# Uses an app binary that is already built: APP_BIN (default .build/debug/app). Installs tuspy with pip when missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
app_bin="${APP_BIN:-$root/.build/debug/app}"
case "$app_bin" in /*) ;; *) app_bin="$root/$app_bin" ;; esac
if [ ! -x "$app_bin" ]; then
    echo "tus tests: no app binary at $app_bin (build first, or set APP_BIN)" >&2
    exit 1
fi
for module in tusclient:tuspy PIL:pillow; do
    if ! python3 -c "import ${module%%:*}" 2>/dev/null; then
        python3 -m pip install --quiet "${module##*:}" 2>/dev/null || python3 -m pip install --quiet --break-system-packages "${module##*:}"
    fi
done
exec python3 "$here/test_tus.py" --app "$app_bin" --root "$root"
