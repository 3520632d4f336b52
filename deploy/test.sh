#!/usr/bin/env bash
# Tests every recipe in deploy/: runs the ones that can run on this machine (deploy/test.py: NGINX, PostgreSQL,
# moto, several app processes) and validates the others with their own tools (deploy/validate-offline.sh).
# Called by scripts/test with the services running (MEMORIES_TEST_POSTGRES_URL, MEMORIES_TEST_S3_ENDPOINT) and
# APP_BIN pointing at the built binary.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
covered=()
if [ -x deploy/validate-offline.sh ]; then
  if deploy/validate-offline.sh; then
    for folder in deploy/docker deploy/kubernetes deploy/scaling-group/terraform deploy/.yamllint .dockerignore; do
      [ -e "$folder" ] && covered+=(--covered "$folder")
    done
  else
    echo "deploy: validate-offline.sh failed" >&2
    status=1
  fi
fi
python3 deploy/test.py "${covered[@]}" "$@" || status=1
exit $status
