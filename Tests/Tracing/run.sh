#!/usr/bin/env bash
# Traces across processes (Tests/Tracing/test_tracing.py): `app serve` and `app worker` on PostgreSQL export to a
# small OTLP/HTTP receiver (otlp_receiver.py, over opentelemetry-proto from PyPI); one upload must be one trace with
# the expected spans from both processes, and its log lines must carry its trace_id. Then the same with QUEUE=sqs
# on moto, where the context rides in the message attributes. Starts its own PostgreSQL and moto.
# Uses an app binary that is already built: APP_BIN (default .build/debug/app).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=Tests/common.sh
. "$here/../common.sh"
require_app_bin tracing
need_python opentelemetry.proto:opentelemetry-proto==1.45.2 PIL:pillow boto3:boto3

services="$(mktemp -d /tmp/memories-tracing-services.XXXXXX)"
export MEMORIES_SERVICES_DIR="$services"
cleanup() {
    "$root/scripts/services/moto.sh" stop >/dev/null 2>&1 || true
    "$root/scripts/services/postgres.sh" stop >/dev/null 2>&1 || true
    rm -rf "$services"
}
trap cleanup EXIT
eval "$("$root/scripts/services/postgres.sh" start)"
eval "$("$root/scripts/services/moto.sh" start)"
python3 "$here/test_tracing.py" --app "$app_bin" --root "$root" --database-url "$MEMORIES_TEST_POSTGRES_URL" \
    --queue database --queue sqs
