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
# shellcheck source=Tests/common.sh
. "$here/../common.sh"
require_app_bin attack
need_python PIL:pillow

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
