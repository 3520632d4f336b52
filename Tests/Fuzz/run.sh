#!/usr/bin/env bash
# Fuzzes the C shim's decoders (and the encoders on whatever decodes) with libFuzzer, ASan and UBSan, then the
# Swift header probe the upload handler runs on untrusted bytes.
#
#   Tests/Fuzz/run.sh [SECONDS_PER_FORMAT]      default 600: 10 minutes each for JPEG, PNG, HEIF (HEIC and AVIF
#                                               through libheif) and WebP, half that for the probe
#   FUZZ_FORMATS="heif webp" Tests/Fuzz/run.sh  only some of jpeg, png, heif, webp and probe (after a change to one)
#
# Needs the Swift toolchain (its clang ships libFuzzer), libjpeg-turbo, libpng, Little CMS, libheif and libwebp
# headers (scripts/setup), and python3 for the seed files (heif-enc, cwebp and img2webp make the HEIF and WebP
# ones). The libraries are the system's builds, not instrumented: coverage guides
# the fuzzer through our shim and parsers only, while ASan and UBSan watch every byte our code touches. Works in $FUZZ_WORK (default /tmp/memories-fuzz): corpus/<format>/ grows
# between runs, crashes land in crashes/<format>/ and make the script exit 1. A crashing input belongs in
# Tests/ImagingTests as a regression test (FuzzRegressionTests.swift).
set -euo pipefail

seconds="${1:-600}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="${FUZZ_WORK:-/tmp/memories-fuzz}"
shared="${MEMORIES_SHARED_PHOTOS:-$repo/../shared/photos}"

clang="$(command -v clang || true)"
if [ -z "$clang" ] && command -v swift >/dev/null; then
  clang="$(dirname "$(readlink -f "$(command -v swift)")")/clang"
fi
[ -x "$clang" ] || { echo "fuzz: no clang found (the Swift toolchain ships one)" >&2; exit 2; }

mkdir -p "$work/bin" "$work/seeds/jpeg" "$work/seeds/png"

read -ra cflags <<<"$(pkg-config --cflags libjpeg libpng lcms2 libheif libwebp)"
read -ra libs <<<"$(pkg-config --libs libjpeg libpng lcms2 libheif libwebp libwebpdemux libwebpmux)"
codecs="$repo/Sources/CImageCodecs"
build() {  # build NAME: one fuzzer binary over the shim's C sources
  "$clang" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fuse-ld=lld \
    -I "$codecs/include" "${cflags[@]}" \
    "$here/fuzz_$1.c" "$codecs/jpeg_codec.c" "$codecs/jpeg_planar.c" "$codecs/png_codec.c" \
    "$codecs/cmyk_convert.c" "$codecs/heif_codec.c" "$codecs/webp_codec.c" "$codecs/colour_convert.c" \
    "${libs[@]}" -lm -o "$work/bin/fuzz_$1"
}
for format in jpeg png heif webp; do build "$format"; done
# The probe: the pure-Swift parsers compiled with the harness into one module.
imaging="$repo/Sources/Imaging"
swiftc -sanitize=fuzzer,address -parse-as-library -O -use-ld=lld -module-name ImagingProbeFuzz \
  "$here/fuzz_probe.swift" "$imaging/ImageProbe.swift" "$imaging/JPEGHeaderParser.swift" \
  "$imaging/PNGHeaderParser.swift" "$imaging/ExifMetadata.swift" "$imaging/ImageHeader.swift" \
  "$imaging/HEIFHeaderParser.swift" "$imaging/HEIFMetaBox.swift" "$imaging/WebPHeaderParser.swift" \
  "$imaging/ImageFormat.swift" "$imaging/ProbeResult.swift" "$imaging/ImagingError.swift" "$imaging/CRC32.swift" \
  -o "$work/bin/fuzz_probe"

# Seeds: small files of every layout the decoders handle, made here (nothing from shared/ is copied
# into the repository; PngSuite is only read as extra seeds when it is there).
python3 "$here/make_seeds.py" "$work/seeds"
if [ -d "$shared/pngsuite" ]; then cp "$shared"/pngsuite/*.png "$work/seeds/png/"; fi
# The real HEIC, AVIF and WebP photos, when there (libFuzzer reads their first -max_len bytes: truncated seeds).
if [ -d "$shared/formats" ]; then
  cp "$shared"/formats/*.heic "$shared"/formats/*.avif "$work/seeds/heif/" 2>/dev/null || true
  cp "$shared"/formats/*.webp "$work/seeds/webp/" 2>/dev/null || true
fi
mkdir -p "$work/seeds/probe"
cp "$work"/seeds/jpeg/* "$work"/seeds/png/* "$work"/seeds/heif/* "$work"/seeds/webp/* "$work/seeds/probe/"

pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then pin=(taskset -c "${FUZZ_CPU:-1}"); fi

status=0
for format in ${FUZZ_FORMATS:-jpeg png heif webp probe}; do
  duration="$seconds"
  [ "$format" = probe ] && duration=$((seconds / 2))
  corpus="$work/corpus/$format"
  crashes="$work/crashes/$format"
  mkdir -p "$corpus" "$crashes"
  echo "fuzz: $format for ${duration}s (corpus $corpus)"
  # ASan's allocator limit matches the worker's budget: a decoder that wants more than 1 GB is a finding.
  if ! ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 LSAN_OPTIONS="suppressions=$here/lsan.supp" \
      "${pin[@]}" "$work/bin/fuzz_$format" \
      -max_total_time="$duration" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1100 -max_len="${FUZZ_MAX_LEN:-65536}" \
      -artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" "$work/seeds/$format" \
      >"$work/$format.log" 2>&1; then
    status=1
  fi
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added)' "$work/$format.log" || true
  if ls "$crashes"/* >/dev/null 2>&1; then
    echo "fuzz: $format: findings in $crashes:" && ls -l "$crashes"
    status=1
  else
    echo "fuzz: $format: no crash, leak, timeout or out-of-memory"
  fi
done
exit $status
