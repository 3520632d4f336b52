"""Writes small seed files for the fuzzers: JPEGs via cjpeg (when installed) and PNGs via zlib.

Usage: make_seeds.py OUTDIR  (writes OUTDIR/jpeg/*.jpg and OUTDIR/png/*.png)
"""
import os
import shutil
import struct
import subprocess
import sys
import zlib


def gradient(width, height, channels):
    rows = []
    for y in range(height):
        row = bytearray()
        for x in range(width):
            values = [(x * 255) // max(1, width - 1), (y * 255) // max(1, height - 1), ((x ^ y) * 7) & 255, 200]
            row += bytes(values[:channels])
        rows.append(bytes(row))
    return rows


def png_chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png(width, height, color_type, depth, rows, extra=b""):
    header = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + extra
            + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))


def write_pngs(folder):
    w, h = 16, 12
    samples = {
        "rgb8": (2, 8, gradient(w, h, 3), b""),
        "rgba8": (6, 8, gradient(w, h, 4), b""),
        "gray8": (0, 8, gradient(w, h, 1), b""),
        "graya8": (4, 8, gradient(w, h, 2), b""),
        "gray16": (0, 16, [bytes(b for v in row for b in (v, v)) for row in gradient(w, h, 1)], b""),
        "gray1": (0, 1, [bytes([0b10101010, 0b11000000]) for _ in range(h)], b""),
        "palette4-trns": (3, 4, [bytes([0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF]) for _ in range(h)],
                          png_chunk(b"PLTE", bytes(range(48))) + png_chunk(b"tRNS", bytes([0, 128, 255]))),
    }
    for name, (color_type, depth, rows, extra) in samples.items():
        with open(os.path.join(folder, f"{name}.png"), "wb") as file:
            file.write(png(w, h, color_type, depth, rows, extra))


def write_jpegs(folder):
    cjpeg = shutil.which("cjpeg")
    if cjpeg is None:
        print("make_seeds: cjpeg not found (apt-get install libjpeg-turbo-progs); JPEG seeds skipped", file=sys.stderr)
        return
    w, h = 40, 24
    ppm = os.path.join(folder, "source.ppm")
    with open(ppm, "wb") as file:
        file.write(b"P6 %d %d 255\n" % (w, h) + b"".join(gradient(w, h, 3)))
    variants = {
        "baseline": [],
        "progressive": ["-progressive"],
        "gray": ["-grayscale"],
        "444": ["-sample", "1x1"],
        "422-restart": ["-sample", "2x1", "-restart", "1B"],
        "arithmetic": ["-arithmetic"],
        "optimized-q95": ["-optimize", "-quality", "95"],
    }
    for name, arguments in variants.items():
        subprocess.run([cjpeg, *arguments, "-outfile", os.path.join(folder, f"{name}.jpg"), ppm], check=True)
    os.remove(ppm)


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "png"), exist_ok=True)
    os.makedirs(os.path.join(out, "jpeg"), exist_ok=True)
    write_pngs(os.path.join(out, "png"))
    write_jpegs(os.path.join(out, "jpeg"))


if __name__ == "__main__":
    main()
