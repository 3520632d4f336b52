"""Side-by-side benchmark of the image pipeline (driven by scripts/bench/thumbnails.sh).

Makes a display image (fits 1280, quality 80) and a thumbnail (fits 400, quality 75) from every JPEG in the
photo folder with `app thumbnail`, vipsthumbnail, Pillow and ImageMagick, one core each (taskset), and times
`djpeg -scale` decoding alone as the floor. Quality is judged against a careful reference: a full decode
(no DCT scaling) resized by Pillow's Lanczos without any reducing gap, compared on luma with SSIM (7x7
uniform window, as scikit-image's default) and PSNR. Then the peak RSS of one `app thumbnail` job on a 12 MP
photo and on a synthetic 100 MP JPEG (baseline and progressive).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageOps

Image.MAX_IMAGE_PIXELS = None

DISPLAY, THUMB = 1280, 400
DISPLAY_Q, THUMB_Q = 80, 75


def stem(path):
    return os.path.splitext(os.path.basename(path))[0]


def pinned(cpu):
    return ["taskset", "-c", str(cpu)] if shutil.which("taskset") else []


def single_thread_env():
    env = dict(os.environ)
    env.update(VIPS_CONCURRENCY="1", MAGICK_THREAD_LIMIT="1", OMP_NUM_THREADS="1")
    return env


def cpu_seconds(command, env=None):
    """User + system CPU time of one command and every process it waited for (immune to other work's load)."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise RuntimeError(f"{command[:4]}… exited with status {status}")
    return usage.ru_utime + usage.ru_stime


def timed(commands, repeat, env=None):
    """Best CPU time of `repeat` runs of a list of commands run one after the other (on one core, CPU time is
    the single-core wall time without the waits caused by other processes on a busy machine)."""
    return min(sum(cpu_seconds(command, env) for command in commands) for _ in range(repeat))


def fit(width, height, box):
    longest = max(width, height)
    if longest <= box:
        return width, height
    if width == longest:
        return box, max(1, height * box // longest)
    return max(1, width * box // longest), box


def jpeg_denominator(width, height, target_w, target_h, headroom):
    """Mirror of ImageGeometry.jpegScaleDenominator: the largest 1/N whose output still covers headroom x target."""
    for denominator in (8, 4, 2):
        if -(-width // denominator) >= headroom * target_w and -(-height // denominator) >= headroom * target_h:
            return denominator
    return 1


# --- the tools ---------------------------------------------------------------------------------------------

def ours_command(app, photos, out, cpu, headroom):
    variant = ["--decode-headroom", str(headroom)] if headroom is not None else []
    # The JPEG derivatives alone, as the peer tools make them; formats.sh measures the WebP twins' cost.
    return pinned(cpu) + [app, "thumbnail", "--no-webp", *variant, *photos, out]


def ours_outputs(photos, out):
    return {stem(p): (find(out, stem(p), "display"), find(out, stem(p), "thumbnail")) for p in photos}


def run_ours(app, photos, out, cpu, repeat, headroom):
    seconds = timed([ours_command(app, photos, out, cpu, headroom)], repeat)
    return seconds, ours_outputs(photos, out)


def run_ours_with_floor(app, photos, out, cpu, repeat, headroom):
    """`app thumbnail` and the djpeg floor alternately, `repeat` rounds: on a shared machine the speed of the
    core drifts by ±10% from minute to minute, and interleaving exposes both to the same drift. Returns the best
    time of each and the median of the rounds' ratios."""
    ours_runs, floor_runs = [], []
    floor = djpeg_floor_command(photos, cpu, DEFAULT_HEADROOM if headroom is None else headroom)
    for _ in range(repeat):
        ours_runs.append(cpu_seconds(ours_command(app, photos, out, cpu, headroom)))
        floor_runs.append(cpu_seconds(floor))
    ratios = [o / f for o, f in zip(ours_runs, floor_runs)]
    return min(ours_runs), min(floor_runs), statistics.median(ratios), ours_outputs(photos, out)


def find(folder, name, kind):
    for extension in ("jpg", "png"):
        path = os.path.join(folder, name, f"{kind}.{extension}")
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{folder}/{name}/{kind}.*")


def run_vips(photos, out, cpu, repeat):
    os.makedirs(out, exist_ok=True)
    env = single_thread_env()
    display = pinned(cpu) + ["vipsthumbnail", "--size", str(DISPLAY), "-o",
                             os.path.join(out, f"%s_display.jpg[Q={DISPLAY_Q},optimize_coding,interlace,strip]"),
                             *photos]
    displays = [os.path.join(out, f"{stem(p)}_display.jpg") for p in photos]
    thumb = pinned(cpu) + ["vipsthumbnail", "--size", str(THUMB), "-o",
                           os.path.join(out, f"%s_thumb.jpg[Q={THUMB_Q},optimize_coding,interlace,strip]")]
    best = timed([display, thumb + displays], repeat, env)
    return best, {stem(p): (os.path.join(out, f"{stem(p)}_display.jpg"),
                            os.path.join(out, f"{stem(p)}_display_thumb.jpg")) for p in photos}


PILLOW_WORKER = r"""
import os, sys
from PIL import Image, ImageOps
out = sys.argv[1]
for path in sys.argv[2:]:
    name = os.path.splitext(os.path.basename(path))[0]
    with Image.open(path) as image:
        image.draft("RGB", (%(display)d, %(display)d))
        image = ImageOps.exif_transpose(image)
        image.thumbnail((%(display)d, %(display)d), Image.LANCZOS)
        image.save(os.path.join(out, name + "_display.jpg"), quality=%(dq)d, optimize=True, progressive=True)
        image.thumbnail((%(thumb)d, %(thumb)d), Image.LANCZOS)
        image.save(os.path.join(out, name + "_thumb.jpg"), quality=%(tq)d, optimize=True, progressive=True)
""" % dict(display=DISPLAY, thumb=THUMB, dq=DISPLAY_Q, tq=THUMB_Q)


def run_pillow(photos, out, cpu, repeat):
    os.makedirs(out, exist_ok=True)
    seconds = timed([pinned(cpu) + [sys.executable, "-c", PILLOW_WORKER, out, *photos]], repeat, single_thread_env())
    return seconds, {stem(p): (os.path.join(out, f"{stem(p)}_display.jpg"),
                               os.path.join(out, f"{stem(p)}_thumb.jpg")) for p in photos}


def run_imagemagick(photos, out, cpu, repeat):
    display_dir, thumb_dir = os.path.join(out, "display"), os.path.join(out, "thumb")
    os.makedirs(display_dir, exist_ok=True)
    os.makedirs(thumb_dir, exist_ok=True)
    env = single_thread_env()
    mogrify = "/usr/bin/mogrify" if os.path.exists("/usr/bin/mogrify") else "mogrify"
    display = pinned(cpu) + [mogrify, "-path", display_dir, "-define", f"jpeg:size={DISPLAY}x{DISPLAY}",
                             "-auto-orient", "-thumbnail", f"{DISPLAY}x{DISPLAY}", "-quality", str(DISPLAY_Q),
                             "-interlace", "JPEG", *photos]
    displays = [os.path.join(display_dir, os.path.basename(p)) for p in photos]
    thumb = pinned(cpu) + [mogrify, "-path", thumb_dir, "-thumbnail", f"{THUMB}x{THUMB}", "-quality", str(THUMB_Q),
                           "-interlace", "JPEG", *displays]
    best = timed([display, thumb], repeat, env)
    return best, {stem(p): (os.path.join(display_dir, os.path.basename(p)),
                            os.path.join(thumb_dir, os.path.basename(p))) for p in photos}


DEFAULT_HEADROOM = 1.25  # PipelineOptions.decodeHeadroom


def djpeg_floor_command(photos, cpu, headroom):
    """Decoding alone, at the DCT scale `app thumbnail` picks with this headroom, one process per photo."""
    script = []
    for path in photos:
        with Image.open(path) as image:
            width, height = image.size
            orientation = image.getexif().get(0x0112, 1)
        oriented = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
        target = fit(*oriented, DISPLAY)
        if orientation in (5, 6, 7, 8):
            target = (target[1], target[0])
        denominator = jpeg_denominator(width, height, *target, headroom)
        script.append(f"djpeg -scale 1/{denominator} -outfile /dev/null '{path}'")
    return pinned(cpu) + ["sh", "-c", "\n".join(script)]


# --- quality -----------------------------------------------------------------------------------------------

def luma(image):
    if image.mode == "L":
        return np.asarray(image, dtype=np.float64)
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def box_mean(values, size):
    """Mean over every size x size window ('valid' positions), via a summed-area table."""
    table = np.pad(values, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    total = table[size:, size:] - table[:-size, size:] - table[size:, :-size] + table[:-size, :-size]
    return total / (size * size)


def ssim(a, b, size=7, data_range=255.0):
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mean_a, mean_b = box_mean(a, size), box_mean(b, size)
    correction = size * size / (size * size - 1)  # sample covariance, as scikit-image
    var_a = (box_mean(a * a, size) - mean_a ** 2) * correction
    var_b = (box_mean(b * b, size) - mean_b ** 2) * correction
    cov = (box_mean(a * b, size) - mean_a * mean_b) * correction
    value = ((2 * mean_a * mean_b + c1) * (2 * cov + c2)) / ((mean_a ** 2 + mean_b ** 2 + c1) * (var_a + var_b + c2))
    return float(value.mean())


def psnr(a, b):
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


class Reference:
    """A full decode of one original (oriented), resized by Lanczos to whatever size a candidate has."""

    def __init__(self, path):
        with Image.open(path) as image:
            image.load()
            self.full = ImageOps.exif_transpose(image).convert("RGB")
        self.cache = {}

    def luma(self, size):
        if size not in self.cache:
            self.cache[size] = luma(self.full.resize(size, Image.LANCZOS, reducing_gap=None))
        return self.cache[size]


def score(reference, candidate_path):
    with Image.open(candidate_path) as image:
        candidate = luma(image)
    expected = reference.luma((candidate.shape[1], candidate.shape[0]))
    return ssim(expected, candidate), psnr(expected, candidate)


# --- memory ------------------------------------------------------------------------------------------------

# Linux carries a process's peak RSS across exec, so a child forked straight from this (large) Python would
# report at least this process's peak: a small Python in between forks the job and reports its wait4 figure.
RSS_PROBE = r"""
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(process.pid, 0)
print(usage.ru_maxrss if status == 0 else "failed: " + process.stderr.read().decode().strip())
"""


def peak_rss_mb(command):
    """Peak RSS of the command in MB, or the reason it failed."""
    result = subprocess.run([sys.executable, "-S", "-c", RSS_PROBE, *command], capture_output=True, text=True,
                            check=True).stdout.strip()
    return f"{int(result) / 1024:7.1f} MB" if result.isdigit() else result


def memory_report(app, twelve_mp, work):
    print("\nPeak RSS of one `app thumbnail` job (whole process, Swift runtime included):")
    tiny = os.path.join(work, "tiny.jpg")
    Image.new("RGB", (64, 48), (120, 80, 40)).save(tiny)
    rows = [("64x48 JPEG (process baseline)", tiny)]
    with Image.open(twelve_mp) as image:
        rows.append((f"12 MP phone JPEG ({image.width}x{image.height}, {os.path.basename(twelve_mp)})", twelve_mp))
    # 11499 x 8624 = 99.2 MP: just under the default MAX_PIXELS of 100 000 000.
    big = os.path.join(work, "synthetic-100mp.jpg")
    big_progressive = os.path.join(work, "synthetic-100mp-progressive.jpg")
    if shutil.which("vips"):
        big444 = os.path.join(work, "synthetic-100mp-progressive-444.jpg")
        subprocess.run(["vips", "resize", twelve_mp, big + "[Q=85,strip]", "2.852"], check=True,
                       env=single_thread_env() | {"VIPS_CONCURRENCY": "2"})
        subprocess.run(["vips", "copy", big, big_progressive + "[Q=85,interlace,strip]"], check=True)
        # 4:4:4 doubles the coefficient buffers (600 MB): refused by design rather than decoded.
        subprocess.run(["vips", "copy", big, big444 + "[Q=95,interlace,strip]"], check=True)
        for label, path in (("100 MP baseline JPEG 4:2:0", big), ("100 MP progressive JPEG 4:2:0", big_progressive),
                            ("100 MP progressive JPEG 4:4:4", big444)):
            with Image.open(path) as image:
                label = f"{label} ({image.width}x{image.height}, {os.path.getsize(path) // 1_000_000} MB)"
            rows.append((label, path))
    else:
        print("  (vips not installed: no 100 MP sample)")
    for label, path in rows:
        out = os.path.join(work, "memory-" + stem(path))
        print(f"  {label:<66} {peak_rss_mb([app, 'thumbnail', path, out])}")


# --- main --------------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app", required=True)
    parser.add_argument("--photos", required=True)
    parser.add_argument("--cpu", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", default=None)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--headroom-variant", action="store_true",
                        help="also run app thumbnail --decode-headroom 2 (libvips' DCT scale choice)")
    args = parser.parse_args()

    photos = sorted(os.path.join(args.photos, name) for name in os.listdir(args.photos)
                    if name.lower().endswith((".jpg", ".jpeg")))
    if not photos:
        print(f"thumbnails: no JPEG in {args.photos}; nothing to measure")
        return
    work = args.work or tempfile.mkdtemp(prefix="memories-bench-")
    megapixels = []
    for path in photos:
        with Image.open(path) as image:
            megapixels.append(image.width * image.height / 1e6)
    print(f"{len(photos)} photos from {args.photos} ({statistics.median(megapixels):.1f} MP median, "
          f"{min(megapixels):.1f}-{max(megapixels):.1f}), core {args.cpu}, best of {args.repeat} runs, work in {work}")

    results = []  # (name, seconds, outputs)
    has_djpeg = shutil.which("djpeg") is not None
    floor = floor2 = None
    if has_djpeg:
        seconds, floor, floor_ratio, outputs = run_ours_with_floor(
            args.app, photos, os.path.join(work, "ours"), args.cpu, args.repeat, None)
    else:
        seconds, outputs = run_ours(args.app, photos, os.path.join(work, "ours"), args.cpu, args.repeat, None)
    results.append(("app thumbnail", seconds, outputs))
    if args.headroom_variant:
        if has_djpeg:
            seconds, floor2, floor2_ratio, outputs = run_ours_with_floor(
                args.app, photos, os.path.join(work, "ours-headroom2"), args.cpu, args.repeat, 2)
        else:
            seconds, outputs = run_ours(
                args.app, photos, os.path.join(work, "ours-headroom2"), args.cpu, args.repeat, 2)
        results.append(("app thumbnail --decode-headroom 2", seconds, outputs))
    if shutil.which("vipsthumbnail"):
        results.append(("vipsthumbnail",) + run_vips(photos, os.path.join(work, "vips"), args.cpu, args.repeat))
    results.append(("Pillow draft+thumbnail",) + run_pillow(photos, os.path.join(work, "pillow"), args.cpu, args.repeat))
    if shutil.which("mogrify"):
        results.append(("ImageMagick jpeg:size+thumbnail",)
                       + run_imagemagick(photos, os.path.join(work, "imagemagick"), args.cpu, args.repeat))

    print("scoring against the reference (full decode, Lanczos, no draft)…", flush=True)
    scores = {name: {"d": [], "t": []} for name, _, _ in results}
    for path in photos:
        reference = Reference(path)
        for name, _, outputs in results:
            display, thumb = outputs[stem(path)]
            scores[name]["d"].append(score(reference, display))
            scores[name]["t"].append(score(reference, thumb))

    ours_rate = len(photos) / results[0][1]
    header = ("tool", "photos/s/core", "vs ours", "display kB", "thumb kB",
              "display SSIM", "display PSNR", "thumb SSIM", "thumb PSNR")
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, seconds, outputs in results:
        rate = len(photos) / seconds
        display_kb = statistics.median(os.path.getsize(d) / 1000 for d, _ in outputs.values())
        thumb_kb = statistics.median(os.path.getsize(t) / 1000 for _, t in outputs.values())
        d_ssim = statistics.mean(s for s, _ in scores[name]["d"])
        d_psnr = statistics.mean(p for _, p in scores[name]["d"])
        t_ssim = statistics.mean(s for s, _ in scores[name]["t"])
        t_psnr = statistics.mean(p for _, p in scores[name]["t"])
        print(f"| {name} | {rate:.2f} | {rate / ours_rate:.2f}× | {display_kb:.0f} | {thumb_kb:.1f} | "
              f"{d_ssim:.4f} | {d_psnr:.2f} | {t_ssim:.4f} | {t_psnr:.2f} |")
    if floor is not None:
        rate = len(photos) / floor
        print(f"| floor: djpeg -scale (decode only) | {rate:.2f} | {rate / ours_rate:.2f}× | | | | | | |")
        print(f"\napp thumbnail takes {results[0][1] / floor:.2f}× the djpeg -scale floor "
              f"({results[0][1]:.2f} s vs {floor:.2f} s for {len(photos)} photos, best of {args.repeat} "
              f"interleaved rounds; median of the rounds' ratios {floor_ratio:.2f}×)")
    if args.headroom_variant and floor2 is not None:
        print(f"with --decode-headroom 2: {results[1][1] / floor2:.2f}× its own floor ({floor2:.2f} s; median "
              f"ratio {floor2_ratio:.2f}×), {results[1][1] / floor:.2f}× the default's floor")

    if not args.no_memory:
        # The photo closest to 12 MP (the 4032x3024 ones).
        twelve = min(photos, key=lambda p: abs(megapixels[photos.index(p)] - 12.19))
        memory_report(args.app, twelve, work)


if __name__ == "__main__":
    main()
