#!/usr/bin/env bash
# Resumable uploads against real processes, with a tus client no one here wrote (tuspy, PyPI): small chunks
# alternating between two `app serve` sharing one database and store, a connection killed mid-chunk then resumed
# from HEAD, a wrong checksum (460), an expired upload swept with its parts, and `app import` (twice, and
# interrupted with SIGINT then rerun). Both stores: local always, S3 when MEMORIES_TEST_S3_ENDPOINT (moto) is set.
# Uses an app binary that is already built: APP_BIN (default .build/debug/app). Installs tuspy with pip when missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=Tests/common.sh
. "$here/../common.sh"
require_app_bin tus
need_python tusclient:tuspy PIL:pillow
exec python3 "$here/test_tus.py" --app "$app_bin" --root "$root"
