#!/usr/bin/env python3
"""HEIC and AVIF through our pipeline side by side with vipsthumbnail (libvips over the same libheif), one core each,
in one run, against libheif's decode of the primary image alone; then WebP (and AVIF) derivatives against JPEG at
equal SSIM, and the peak memory and whole-job time of a 12 MP HEIC. Called by scripts/bench/formats.sh.

Speed is CPU seconds (user + system, best of --repeat) on the pinned core: on one core that is the single-thread wall
time, unaffected by other work on the machine. SSIM is luma SSIM (7x7 windows) of each display image against a
reference: pillow-heif's decode (Pillow's own AVIF plugin for AVIF), resized by Lanczos, no EXIF rotation (a HEIF's
EXIF orientation repeats its irot). The 10-bit PQ file has no SDR reference (pillow-heif shifts PQ code values), so
its SSIM is left out.
"""
import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from thumbnails import luma, pinned, single_thread_env, ssim, timed  # noqa: E402

import pillow_heif  # noqa: E402

pillow_heif.register_heif_opener()
DISPLAY, DISPLAY_Q, THUMB, THUMB_Q = 1280, 80, 400, 75


def reference(path):
    with Image.open(path) as image:
        image.load()
        return image.convert("RGB")


def score(full, candidate):
    with Image.open(candidate) as image:
        image.load()
        size = image.size
        mine = luma(image)
    return ssim(luma(full.resize(size, Image.LANCZOS, reducing_gap=None)), mine)


def encode_bytes(image, fmt, quality):
    buffer = io.BytesIO()
    start = time.process_time()
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=quality, method=4)
    else:
        image.save(buffer, "AVIF", quality=quality, speed=8)
    elapsed = time.process_time() - start
    return buffer.getvalue(), elapsed


def equal_ssim(display, target, fmt):
    """Smallest encoding in `fmt` whose SSIM against `display` reaches `target` (bisection on quality)."""
    low, high, best = 1, 100, None
    reference_luma = luma(display)
    while low <= high:
        quality = (low + high) // 2
        data, seconds = encode_bytes(display, fmt, quality)
        with Image.open(io.BytesIO(data)) as decoded:
            value = ssim(reference_luma, luma(decoded.convert("RGB")))
        if value >= target:
            best = (quality, len(data), seconds, value)
            high = quality - 1
        else:
            low = quality + 1
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", required=True)
    parser.add_argument("--floor", required=True)
    parser.add_argument("--photos", required=True)
    parser.add_argument("--cpu", default="0")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    photos = sorted(os.path.join(args.photos, name) for name in os.listdir(args.photos)
                    if name.endswith((".heic", ".avif")) and not name.startswith("truncated-"))
    out = tempfile.mkdtemp(prefix="memories-formats-")
    env = single_thread_env()
    env["OMP_NUM_THREADS"] = "1"
    print(f"formats: {len(photos)} files, core {args.cpu}, best of {args.repeat}; CPU seconds per photo")
    print()
    print("| file | ours s | ours + WebP s | vipsthumbnail s | ratio vips/ours | decode floor s | ours/floor |"
          " SSIM ours | SSIM vips |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = []
    for photo in photos:
        name = os.path.basename(photo)
        mine = os.path.join(out, "ours", os.path.splitext(name)[0])
        ours = timed([pinned(args.cpu) + [args.app, "thumbnail", "--heif-threads", "0", "--no-webp", photo, mine]],
                     args.repeat, env)
        with_webp = timed([pinned(args.cpu) + [args.app, "thumbnail", "--heif-threads", "0", photo, mine]],
                          args.repeat, env)
        vips_display = os.path.join(out, "vips", name + "_display.jpg")
        vips_thumb = os.path.join(out, "vips", name + "_thumb.jpg")
        os.makedirs(os.path.dirname(vips_display), exist_ok=True)
        vips = timed([
            pinned(args.cpu) + ["vipsthumbnail", "--size", str(DISPLAY), "-o",
                                f"{vips_display}[Q={DISPLAY_Q},optimize_coding,interlace,strip]", photo],
            pinned(args.cpu) + ["vipsthumbnail", "--size", str(THUMB), "-o",
                                f"{vips_thumb}[Q={THUMB_Q},optimize_coding,interlace,strip]", photo],
        ], args.repeat, env)
        # CPU time of the whole harness process (start-up and file read included, as for the tools above).
        # The floor is libheif's cheapest decode: to its YCbCr 4:2:0 planes, no RGB conversion.
        floor = timed([pinned(args.cpu) + [args.floor, "1", "--ycc", photo]], args.repeat, env)
        hdr = "HDR" in name
        full = None if hdr else reference(photo)
        ours_ssim = "n/a" if hdr else f"{score(full, os.path.join(mine, 'display.jpg')):.4f}"
        vips_ssim = "n/a" if hdr else f"{score(full, vips_display):.4f}"
        rows.append((name, ours, with_webp, vips, floor))
        print(f"| {name} | {ours:.2f} | {with_webp:.2f} | {vips:.2f} | {vips / ours:.2f}× | {floor:.2f} |"
              f" {ours / floor:.2f}× | {ours_ssim} | {vips_ssim} |")
    total = [sum(r[i] for r in rows) for i in range(1, 5)]
    print(f"| all | {total[0]:.2f} | {total[1]:.2f} | {total[2]:.2f} | {total[2] / total[0]:.2f}× | {total[3]:.2f} |"
          f" {total[0] / total[3]:.2f}× | | |")

    print()
    print("WebP and AVIF derivatives against JPEG at equal SSIM (the display size, from the reference pixels;"
          " Pillow's libjpeg-turbo, libwebp method 4, libavif/aom speed 8):")
    print()
    print("| file | JPEG q80 kB | SSIM | WebP kB (q) | WebP/JPEG | AVIF kB (q) | AVIF/JPEG |"
          " encode ms JPEG | WebP | AVIF |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    ratios = {"WEBP": [], "AVIF": []}
    for photo in photos:
        name = os.path.basename(photo)
        if "HDR" in name:
            continue
        full = reference(photo)
        width, height = full.size
        scale = min(1, DISPLAY / max(width, height))
        display = full.resize((max(1, int(width * scale)), max(1, int(height * scale))), Image.LANCZOS)
        jpeg, jpeg_seconds = encode_bytes(display, "JPEG", DISPLAY_Q)
        with Image.open(io.BytesIO(jpeg)) as decoded:
            target = ssim(luma(display), luma(decoded.convert("RGB")))
        cells = []
        for fmt in ["WEBP", "AVIF"]:
            found = equal_ssim(display, target, fmt)
            if found is None:
                cells.append(("–", "–", 0))
                continue
            quality, size, seconds, _ = found
            ratios[fmt].append(size / len(jpeg))
            cells.append((f"{size / 1000:.0f} ({quality})", f"{size / len(jpeg):.2f}", seconds))
        print(f"| {name} | {len(jpeg) / 1000:.0f} | {target:.4f} | {cells[0][0]} | {cells[0][1]} | {cells[1][0]} |"
              f" {cells[1][1]} | {jpeg_seconds * 1000:.0f} | {cells[0][2] * 1000:.0f} | {cells[1][2] * 1000:.0f} |")
    for fmt, values in ratios.items():
        if values:
            print(f"\n{fmt}: median {statistics.median(values):.2f} of the JPEG's bytes at equal SSIM")

    print()
    iphone = next((p for p in photos if "iphone" in p), photos[0])
    tiny = os.path.join(out, "tiny.jpg")
    Image.new("RGB", (64, 48), (90, 120, 150)).save(tiny)

    def peak_rss(command):
        # GNU time's %M: this process's own ru_maxrss would include the Python parent's pages copied at fork.
        result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, check=True)
        return int(result.stderr.strip().splitlines()[-1]) / 1024

    baseline = peak_rss([args.app, "thumbnail", tiny, os.path.join(out, "rss-tiny")])
    alone = peak_rss([args.floor, "1", "--ycc", iphone])
    print(f"app thumbnail on a 64×48 JPEG (the process before any photo): peak RSS {baseline:.0f} MB")
    print(f"libheif alone decoding {os.path.basename(iphone)} to its planes (the C floor harness): peak RSS {alone:.0f} MB")
    for label, command in [
        ("one core", pinned(args.cpu) + [args.app, "thumbnail", "--heif-threads", "0", iphone, os.path.join(out, "rss")]),
        ("all cores", [args.app, "thumbnail", iphone, os.path.join(out, "rss")]),
    ]:
        start = time.monotonic()
        peak = peak_rss(command)
        wall = time.monotonic() - start
        print(f"12 MP HEIC job ({os.path.basename(iphone)}), {label}: wall {wall:.2f} s, peak RSS {peak:.0f} MB,"
              f" {peak - baseline:.0f} MB above the process's own")


if __name__ == "__main__":
    main()
