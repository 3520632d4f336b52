"""Writes small seed files for the fuzzers: JPEGs via cjpeg (when installed), PNGs via zlib, HEIC/AVIF via heif-enc
and WebP via cwebp/img2webp (libheif-examples, webp).

Usage: make_seeds.py OUTDIR  (writes OUTDIR/jpeg/*.jpg, OUTDIR/png/*.png, OUTDIR/heif/*, OUTDIR/webp/*.webp)
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


def icc_profile(space, pcs, device_class, tags):
    """A minimal ICC v2 profile: header, tag table, tag data (4-byte aligned)."""
    table, data = b"", b""
    offset = 128 + 4 + 12 * len(tags)
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = 128 + 4 + len(table) + len(data)
    header = (struct.pack(">I", size) + b"\0" * 4 + b"\x02\x10\0\0" + device_class + space + pcs + b"\0" * 12
              + b"acsp" + b"\0" * 28 + struct.pack(">iii", 63190, 65536, 54061) + b"\0" * 48)
    return header + struct.pack(">I", len(tags)) + table + data


def xyz(x, y, z):
    return b"XYZ \0\0\0\0" + struct.pack(">iii", round(x * 65536), round(y * 65536), round(z * 65536))


def rgb_profile():
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 563)
    return icc_profile(b"RGB ", b"XYZ ", b"mntr", [
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)), (b"rXYZ", xyz(0.5151, 0.2412, -0.0011)),
        (b"gXYZ", xyz(0.2920, 0.6922, 0.0419)), (b"bXYZ", xyz(0.1571, 0.0666, 0.7841)),
        (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)])


def cmyk_profile():
    """A CMYK output profile whose A2B0 is a 2-point lut16 (mft2) to Lab: enough for Little CMS to build a transform."""
    clut = b""
    for c in (0, 1):
        for m in (0, 1):
            for y in (0, 1):
                for k in (0, 1):
                    lightness = 100 * (1 - 0.9 * k) * (1 - 0.25 * (c + m + y))
                    a, b = 40 * (m - c) * (1 - k), 40 * (y - m / 2 - c / 2) * (1 - k)
                    clut += struct.pack(">HHH", round(lightness * 652.8), round((a + 128) * 256), round((b + 128) * 256))
    identity = struct.pack(">9i", 65536, 0, 0, 0, 65536, 0, 0, 0, 65536)
    lut = (b"mft2\0\0\0\0" + bytes([4, 3, 2, 0]) + identity + struct.pack(">HH", 2, 2)
           + struct.pack(">HH", 0, 65535) * 4 + clut + struct.pack(">HH", 0, 65535) * 3)
    return icc_profile(b"CMYK", b"Lab ", b"prtr", [(b"wtpt", xyz(0.9642, 1.0, 0.8249)), (b"A2B0", lut)])


def write_pngs(folder):
    w, h = 16, 12
    samples = {
        "rgb8": (2, 8, gradient(w, h, 3), b""),
        "rgba8": (6, 8, gradient(w, h, 4), b""),
        "gray8": (0, 8, gradient(w, h, 1), b""),
        "graya8": (4, 8, gradient(w, h, 2), b""),
        "gray16": (0, 16, [bytes(b for v in row for b in (v, v)) for row in gradient(w, h, 1)], b""),
        "gray1": (0, 1, [bytes([0b10101010, 0b11000000]) for _ in range(h)], b""),
        "rgb8-iccp": (2, 8, gradient(w, h, 3), png_chunk(b"iCCP", b"P3\0\0" + zlib.compress(rgb_profile()))),
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
    try:
        from PIL import Image
    except ImportError:
        print("make_seeds: Pillow not found; the CMYK-with-profile JPEG seed is skipped", file=sys.stderr)
        return
    # Pillow writes CMYK as Adobe files do (inverted inks), with the profile in APP2.
    cmyk = Image.frombytes("CMYK", (w, h), b"".join(row + bytes(w) for row in gradient(w, h, 3)) [:w * h * 4])
    cmyk.save(os.path.join(folder, "cmyk-icc.jpg"), quality=90, icc_profile=cmyk_profile())
    cmyk.save(os.path.join(folder, "cmyk.jpg"), quality=90)


def write_heifs(folder, png_folder):
    """HEIC and AVIF seeds from the PNG seeds: 8-bit, with alpha, 10-bit, lossless AVIF."""
    encoder = shutil.which("heif-enc")
    if encoder is None:
        print("make_seeds: heif-enc not found (apt-get install libheif-examples); HEIF seeds skipped", file=sys.stderr)
        return
    variants = {
        "rgb8.heic": ("rgb8-iccp.png", ["-q", "50"]),
        "rgba.heic": ("rgba8.png", ["-q", "50"]),
        "rgb8.avif": ("rgb8-iccp.png", ["-A", "-q", "50"]),
        "rgba.avif": ("rgba8.png", ["-A", "-q", "50"]),
        "rgb10.heic": ("rgb8.png", ["-b", "10", "-q", "50"]),
        "gray10.avif": ("gray16.png", ["-A", "-b", "10", "-q", "50"]),
        "lossless.avif": ("rgb8-iccp.png", ["-A", "-L"]),
    }
    for name, (source, arguments) in variants.items():
        source_path = os.path.join(png_folder, source)
        if not os.path.exists(source_path):
            continue
        subprocess.run([encoder, *arguments, "-o", os.path.join(folder, name), source_path],
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def write_webps(folder, png_folder):
    """Lossy, lossless, alpha and animated WebP seeds from the PNG seeds."""
    cwebp, img2webp = shutil.which("cwebp"), shutil.which("img2webp")
    if cwebp is None:
        print("make_seeds: cwebp not found (apt-get install webp); WebP seeds skipped", file=sys.stderr)
        return
    for name, source, arguments in [("lossy", "rgb8-iccp.png", ["-q", "50", "-metadata", "icc"]),
                                    ("lossless", "rgb8-iccp.png", ["-lossless"]),
                                    ("alpha", "rgba8.png", ["-q", "50"]),
                                    ("alpha-lossless", "rgba8.png", ["-lossless"])]:
        subprocess.run([cwebp, *arguments, os.path.join(png_folder, source), "-o", os.path.join(folder, f"{name}.webp")],
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if img2webp is not None:
        subprocess.run([img2webp, "-loop", "0", os.path.join(png_folder, "rgb8-iccp.png"), "-d", "100", "-lossy",
                        os.path.join(png_folder, "rgba8.png"), "-o", os.path.join(folder, "animated.webp")],
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    out = sys.argv[1]
    for kind in ["png", "jpeg", "heif", "webp"]:
        os.makedirs(os.path.join(out, kind), exist_ok=True)
    write_pngs(os.path.join(out, "png"))
    write_jpegs(os.path.join(out, "jpeg"))
    write_heifs(os.path.join(out, "heif"), os.path.join(out, "png"))
    write_webps(os.path.join(out, "webp"), os.path.join(out, "png"))


if __name__ == "__main__":
    main()
