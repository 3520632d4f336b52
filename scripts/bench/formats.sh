#!/usr/bin/env bash
# HEIC and AVIF through the pipeline side by side with vipsthumbnail and libheif's decode-only floor, one core each,
# in one run; WebP and AVIF derivatives against JPEG at equal SSIM; peak memory of a 12 MP HEIC job.
#
#   scripts/bench/formats.sh [--photos DIR] [--repeat N]
#
# Photos default to ../shared/photos/formats next to the repository (MEMORIES_SHARED_PHOTOS overrides the photos
# root). Builds `app` in release first (SWIFT_SCRATCH_PATH picks the build folder). BENCH_CPU picks the core.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${MEMORIES_SHARED_PHOTOS:-$repo/../shared/photos}"
photos="$shared/formats"
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --photos) photos="$2"; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done
if [ ! -d "$photos" ]; then
  echo "formats: skipped: no photo folder at $photos (set MEMORIES_SHARED_PHOTOS or pass --photos DIR)"
  exit 0
fi

"$repo/scripts/setup" --bench
scratch="${SWIFT_SCRATCH_PATH:-$repo/.build}"
(cd "$repo" && swift build -c release --product app --scratch-path "$scratch" >/dev/null)
floor="$(mktemp -d)/heif_decode_floor"
# shellcheck disable=SC2046
cc -O2 "$repo/scripts/bench/heif_decode_floor.c" $(pkg-config --cflags --libs libheif) -o "$floor"

exec python3 "$repo/scripts/bench/formats.py" --app "$scratch/release/app" --floor "$floor" --photos "$photos" \
  --cpu "${BENCH_CPU:-0}" "${extra[@]}"
