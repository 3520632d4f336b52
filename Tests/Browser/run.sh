#!/usr/bin/env bash
# End-to-end test of the pages in a real headless Chromium (Selenium): uploads under a throttled network, live
# thumbnails, the photo page and its lightbox by keyboard, delete, albums, sign-in, share links, an invite opened in a
# second browser, the accounts and settings pages; screenshots at 375 and 1440 px.
# Uses an app binary that is already built: APP_BIN (default .build/debug/app). Screenshots go to
# SCREENSHOTS_DIR (default /tmp/memories-screenshots). Installs chromium, chromium-driver and selenium when missing;
# prints "skipped: …" and exits 0 only when chromium cannot be installed at all.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=Tests/common.sh
. "$here/../common.sh"
require_app_bin browser

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "browser tests: installing chromium and chromium-driver" >&2
    if ! { as_root apt-get install -y chromium chromium-driver >/dev/null 2>&1 \
        || { as_root apt-get update >/dev/null 2>&1 && as_root apt-get install -y chromium chromium-driver >/dev/null 2>&1; }; }; then
        echo "skipped: chromium and chromium-driver cannot be installed on this machine"
        exit 0
    fi
fi

need_python selenium:selenium html5lib:html5lib PIL:pillow pillow_heif:pillow-heif

export SE_AVOID_STATS=true
exec python3 "$here/test_gallery.py" --app "$app_bin" --root "$root" --screenshots "${SCREENSHOTS_DIR:-/tmp/memories-screenshots}"
