#!/usr/bin/env bash
# Attacks a real `app serve` (PostgreSQL, local media) the way the open internet does and checks that nothing
# acknowledged is lost and nothing is left behind: slowloris, CSRF, XSS in file names, path traversal, malformed
# multipart, a database restart under load, a storage outage, a full disk (a small tmpfs), and a bounded fuzz run
# of POST /photos, sign-in (anonymous and forged credentials, another user's photo) and an upload flood past
# UPLOAD_RATE_PER_MINUTE; prints peak RSS during 50 concurrent 20 MB uploads and GET / latency during slowloris.
# Uses an app binary that is already built: APP_BIN (default .build/debug/app). Starts its own PostgreSQL
# (scripts/services/postgres.sh) in a private folder and stops it at the end.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
app_bin="${APP_BIN:-$root/.build/debug/app}"
case "$app_bin" in /*) ;; *) app_bin="$root/$app_bin" ;; esac
if [ ! -x "$app_bin" ]; then
    echo "attack tests: no app binary at $app_bin (build first, or set APP_BIN)" >&2
    exit 1
fi
if ! python3 -c "import PIL" 2>/dev/null; then
    python3 -m pip install --quiet pillow 2>/dev/null || python3 -m pip install --quiet --break-system-packages pillow
fi

services="$(mktemp -d /tmp/memories-attack-services.XXXXXX)"
export MEMORIES_SERVICES_DIR="$services"
cleanup() {
    "$root/scripts/services/postgres.sh" stop >/dev/null 2>&1 || true
    rm -rf "$services"
}
trap cleanup EXIT
eval "$("$root/scripts/services/postgres.sh" start)"
python3 "$here/attack.py" --app "$app_bin" --root "$root" --database-url "$MEMORIES_TEST_POSTGRES_URL" \
    --postgres-script "$root/scripts/services/postgres.sh"
