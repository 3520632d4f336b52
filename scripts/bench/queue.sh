#!/usr/bin/env bash
# The job queue alone, measured (issue 3): latency from an enqueue's commit to its claim by an idle worker
# (LISTEN/NOTIFY against a fixed 1 s poll, and SQLite's polling), and jobs per second through claim + complete
# with a no-op handler for 1, 2 and 8 claim loops. Starts a private PostgreSQL, builds the benchmark in release.
#
#   scripts/bench/queue.sh [LATENCY_SAMPLES=200] [THROUGHPUT_JOBS=2000]
set -euo pipefail
cd "$(dirname "$0")/../.."
samples="${1:-200}"
jobs="${2:-2000}"
export MEMORIES_SERVICES_DIR="${MEMORIES_SERVICES_DIR:-$(mktemp -d /tmp/memories-bench-XXXXXX)}"
eval "$(scripts/services/postgres.sh start)"
trap 'scripts/services/postgres.sh stop >/dev/null 2>&1 || true' EXIT INT TERM
swift build -c release --product QueueBenchmark >&2
echo "machine: $(nproc) cores, $(uname -sr); PostgreSQL $(/usr/lib/postgresql/*/bin/postgres --version | awk '{print $3}') on 127.0.0.1 (fsync off)"
"$(swift build -c release --show-bin-path)/QueueBenchmark" "$MEMORIES_TEST_POSTGRES_URL" "$samples" "$jobs"
