#!/usr/bin/env bash
# The image's HEALTHCHECK: GET /healthz on the local port, healthy only on a 200. Plain bash (/dev/tcp), so the
# runtime image needs no curl. Usage: healthcheck [PATH] (default /healthz; PORT from the environment, 8000).
set -uo pipefail

path="${1:-/healthz}"
port="${PORT:-8000}"

if ! { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
    echo "healthcheck: nothing answers on 127.0.0.1:$port" >&2
    exit 1
fi
printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3 || exit 1
read -r -t 3 _ status _ <&3 || exit 1
if [[ "$status" != "200" ]]; then
    echo "healthcheck: GET $path answered ${status:-nothing}" >&2
    exit 1
fi
