#!/usr/bin/env bash
# The web path against the Django peer and NGINX, side by side in one run (issue 10): uploads, the gallery, static
# files, upload-to-ready latency and memory. Builds the release binary, installs wrk and nginx when missing, sets up
# the peer's virtual environment (../shared/peers/django) and its PostgreSQL, then runs scripts/bench/web.py.
#
#   scripts/bench/web.sh [--duration 10] [--conns 8,32] [--e2e-runs 20] [--skip-django]
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
swift build -c release --product app >&2
exec python3 scripts/bench/web.py --binary "$(swift build -c release --show-bin-path)/app" "$@"
