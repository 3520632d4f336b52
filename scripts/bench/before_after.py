#!/usr/bin/env python3
"""Two builds of `app` side by side in one run: the image pipeline, uploads and the gallery, alternating rounds.

For a change that must keep performance (a refactor): the same cases for a baseline binary and a candidate,
interleaved so both see the same machine, with the candidate's figures as a ratio to the baseline's.
  1. the pipeline: `app thumbnail` over ../shared/photos/phone, pinned to one core, best wall time of the rounds;
  2. upload -> ready on an idle worker (PostgreSQL, local media), p50 and p99 over --e2e-runs;
  3. POST 2 MB uploads with the worker stopped, 8 connections (wrk);
  4. GET / (the gallery), 8 and 32 connections (wrk).
Usage: scripts/bench/before_after.py --baseline OLD/app --candidate NEW/app [--rounds 2] [--duration 10]
Needs ../shared/photos/phone and ../shared/peers/django (its PostgreSQL set-up, as scripts/bench/web.py); says so
and exits 0 when they are missing.
"""
import argparse, shutil, subprocess, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import web  # noqa: E402  (the same servers, wrk wrapper and PostgreSQL as the web benchmark)

PHOTOS = web.ROOT / ".." / "shared" / "photos" / "phone"


def pipeline_seconds(binary, photos, out):
    start = time.perf_counter()
    subprocess.run(["taskset", "-c", "1", str(binary), "thumbnail", *map(str, photos), str(out)], check=True,
                   stdout=subprocess.DEVNULL, cwd=web.ROOT)
    return time.perf_counter() - start


def checkout_of(binary):
    """The source tree a binary was built from (its Migrations/, Templates/ and Public/ belong to it)."""
    for folder in Path(binary).resolve().parents:
        if (folder / "Package.swift").exists():
            return folder
    return web.ROOT


def web_round(binary, root, work, photo, photo_bytes, duration, e2e_runs):
    ours = web.Ours(binary, work)
    ours.env["RESOURCES_DIR"] = str(root)
    try:
        ours.reset(); ours.start_serve(); ours.start_worker()
        time.sleep(1)
        e2e = web.upload_to_ready(web.OURS_PORT, "/photos", lambda r: r["photos"][0]["id"], lambda i: f"/photos/{i}",
                                  photo_bytes, e2e_runs)
        ours.stop_worker()
        figures = {"e2e_p50": e2e["p50_ms"], "e2e_p99": e2e["p99_ms"]}
        upload = web.wrk(f"http://127.0.0.1:{web.OURS_PORT}/photos", 8, duration, upload=photo)
        figures["up8_rps"], figures["up8_p99"] = upload["rps"], upload["p99_ms"]
        for conns in (8, 32):
            gallery = web.wrk(f"http://127.0.0.1:{web.OURS_PORT}/", conns, duration)
            figures[f"gal{conns}_rps"], figures[f"gal{conns}_p99"] = gallery["rps"], gallery["p99_ms"]
        return figures
    finally:
        ours.stop()
        shutil.rmtree(ours.media, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", required=True, type=Path)
    parser.add_argument("--candidate", required=True, type=Path)
    parser.add_argument("--baseline-root", type=Path, help="its source tree (default: found from the binary's path)")
    parser.add_argument("--candidate-root", type=Path, help="likewise")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pipeline-rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--e2e-runs", type=int, default=15)
    args = parser.parse_args()
    if not PHOTOS.exists() or not web.PEER.exists():
        print(f"skipped: needs {PHOTOS} and {web.PEER}")
        return 0
    binaries = {"baseline": args.baseline, "candidate": args.candidate}
    roots = {"baseline": args.baseline_root or checkout_of(args.baseline),
             "candidate": args.candidate_root or checkout_of(args.candidate)}
    photos = sorted(p for p in PHOTOS.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
    out = Path(tempfile.mkdtemp(prefix="before-after-"))
    seconds = {name: [] for name in binaries}
    for _ in range(args.pipeline_rounds):
        for name, binary in binaries.items():
            seconds[name].append(pipeline_seconds(binary, photos, out / name))

    # The web cases need the peer's PostgreSQL and its venv (made by web.py's first run).
    if not (web.VENV / "bin" / "gunicorn").exists():
        web.run([sys.executable, "-m", "venv", web.VENV])
        web.run([web.VENV / "bin" / "pip", "install", "-q", "-r", web.PEER / "requirements.txt"])
    web.BENCH_TMP.mkdir(parents=True, exist_ok=True)
    photo = web.BENCH_TMP / "photo.jpg"
    if not photo.exists():
        web.run([web.VENV / "bin" / "python", web.PEER / "scripts" / "make_image.py", "--out", photo],
                stdout=subprocess.DEVNULL)
    photo_bytes = photo.read_bytes()
    web.run([web.PEER / "scripts" / "pg.sh", "start"], stdout=subprocess.DEVNULL)
    rounds = {name: [] for name in binaries}
    try:
        for _ in range(args.rounds):
            for name, binary in binaries.items():
                work = Path(tempfile.mkdtemp(prefix=f"before-after-{name}-"))
                rounds[name].append(web_round(binary, roots[name], work, photo, photo_bytes, args.duration, args.e2e_runs))
    finally:
        web.run([web.PEER / "scripts" / "pg.sh", "stop"], stdout=subprocess.DEVNULL)

    def best(name, key, higher):
        values = [r[key] for r in rounds[name]]
        return max(values) if higher else min(values)

    print(f"{len(photos)} photos, {args.pipeline_rounds} pipeline rounds, {args.rounds} web rounds of {args.duration} s "
          "(best of the rounds for each case); candidate / baseline")
    print("| case | baseline | candidate | candidate ÷ baseline |")
    print("|---|---|---|---|")
    b, c = min(seconds["baseline"]), min(seconds["candidate"])
    print(f"| pipeline, {len(photos)} photos, 1 core | {b:.2f} s | {c:.2f} s | {c / b:.2f} |")
    cases = [("upload → ready p50", "e2e_p50", "ms", False), ("upload → ready p99", "e2e_p99", "ms", False),
             ("POST 2 MB upload, 8 conns", "up8_rps", "/s", True), ("POST upload p99, 8 conns", "up8_p99", "ms", False),
             ("GET gallery, 8 conns", "gal8_rps", "/s", True), ("GET gallery p99, 8 conns", "gal8_p99", "ms", False),
             ("GET gallery, 32 conns", "gal32_rps", "/s", True), ("GET gallery p99, 32 conns", "gal32_p99", "ms", False)]
    for label, key, unit, higher in cases:
        b, c = best("baseline", key, higher), best("candidate", key, higher)
        print(f"| {label} | {b:.1f} {unit} | {c:.1f} {unit} | {c / b:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
