#!/usr/bin/env bash
# The HTTP API against its published contract (docs/openapi.yaml, served at /api/openapi.json): validates the
# document (openapi-spec-validator) and checks the served JSON is up to date (scripts/openapi --check), then runs
# schemathesis (PyPI) with an API token against a real `app serve` on PostgreSQL (Tests/Contract/contract.py):
# no 5xx, responses and statuses as documented, content types right, stateful links (album -> upload -> share ->
# shared view). Bounded: CONTRACT_MAX_EXAMPLES per operation (25) and CONTRACT_MAX_TIME seconds (240).
# Uses an app binary that is already built: APP_BIN (default .build/debug/app). Starts its own PostgreSQL.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=Tests/common.sh
. "$here/../common.sh"
require_app_bin contract
need_python schemathesis:schemathesis openapi_spec_validator:openapi-spec-validator yaml:pyyaml PIL:pillow
"$root/scripts/openapi" --check

services="$(mktemp -d /tmp/memories-contract-services.XXXXXX)"
export MEMORIES_SERVICES_DIR="$services"
cleanup() {
    "$root/scripts/services/postgres.sh" stop >/dev/null 2>&1 || true
    rm -rf "$services"
}
trap cleanup EXIT
eval "$("$root/scripts/services/postgres.sh" start)"
python3 "$here/contract.py" --app "$app_bin" --root "$root" --database-url "$MEMORIES_TEST_POSTGRES_URL"
