#!/usr/bin/env bash
# The image pipeline side by side with vipsthumbnail, Pillow and ImageMagick, one core each, in one run:
# photos per second per core, ratio to ours, median output kB, SSIM and PSNR (luma) of display and thumbnail
# against a careful reference (full decode, Lanczos, no draft), the djpeg -scale decode-only floor, and the
# peak memory of one job on a 12 MP and a synthetic 100 MP JPEG.
#
#   scripts/bench/thumbnails.sh [--photos DIR] [--repeat N] [--headroom-variant] [--no-memory]
#
# Photos default to ../shared/photos/phone next to the repository (MEMORIES_SHARED_PHOTOS overrides the
# photos root). Builds `app` in release first (SWIFT_SCRATCH_PATH picks the build folder, default .build).
# Installs the other tools with scripts/setup --bench when missing. BENCH_CPU picks the core (default 0).
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${MEMORIES_SHARED_PHOTOS:-$repo/../shared/photos}"
photos="$shared/phone"
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --photos) photos="$2"; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done

if [ ! -d "$photos" ]; then
  echo "thumbnails: skipped: no photo folder at $photos (set MEMORIES_SHARED_PHOTOS or pass --photos DIR)"
  exit 0
fi

"$repo/scripts/setup" --bench
scratch="${SWIFT_SCRATCH_PATH:-$repo/.build}"
(cd "$repo" && swift build -c release --product app --scratch-path "$scratch" >/dev/null)
app="$scratch/release/app"

exec python3 "$repo/scripts/bench/thumbnails.py" --app "$app" --photos "$photos" --cpu "${BENCH_CPU:-0}" "${extra[@]}"
