#!/usr/bin/env bash
# End-to-end test of the pages in a real headless Chromium (Selenium): uploads under a throttled network, live
# thumbnails, the photo page and its lightbox by keyboard, delete, albums; screenshots at 375 and 1440 px.
# Uses an app binary that is already built: APP_BIN (default .build/debug/app). Screenshots go to
# SCREENSHOTS_DIR (default /tmp/memories-screenshots). Installs chromium, chromium-driver and selenium when missing;
# prints "skipped: …" and exits 0 only when chromium cannot be installed at all.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
app_bin="${APP_BIN:-$root/.build/debug/app}"
case "$app_bin" in /*) ;; *) app_bin="$root/$app_bin" ;; esac

if [ ! -x "$app_bin" ]; then
    echo "browser tests: no app binary at $app_bin (build first, or set APP_BIN)" >&2
    exit 1
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "browser tests: installing chromium and chromium-driver" >&2
    if ! { as_root apt-get install -y chromium chromium-driver >/dev/null 2>&1 \
        || { as_root apt-get update >/dev/null 2>&1 && as_root apt-get install -y chromium chromium-driver >/dev/null 2>&1; }; }; then
        echo "skipped: chromium and chromium-driver cannot be installed on this machine"
        exit 0
    fi
fi

if ! python3 -c "import selenium" 2>/dev/null; then
    echo "browser tests: installing selenium" >&2
    python3 -m pip install --quiet selenium 2>/dev/null || python3 -m pip install --quiet --break-system-packages selenium
fi
if ! python3 -c "import html5lib" 2>/dev/null; then
    python3 -m pip install --quiet html5lib 2>/dev/null || python3 -m pip install --quiet --break-system-packages html5lib
fi
if ! python3 -c "import PIL" 2>/dev/null; then
    python3 -m pip install --quiet pillow 2>/dev/null || python3 -m pip install --quiet --break-system-packages pillow
fi

export SE_AVOID_STATS=true
exec python3 "$here/test_gallery.py" --app "$app_bin" --root "$root" --screenshots "${SCREENSHOTS_DIR:-/tmp/memories-screenshots}"
