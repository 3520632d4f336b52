#!/usr/bin/env python3
"""Memory over a soak (issue 10): `app serve` and `app worker` on PostgreSQL under a repeating mix of load, with
their resident memory sampled after each round, to show whether it stays flat.

Each round (one a minute by default): uploads of distinct 2 MB photos for a quarter of it (8 connections, the worker
running), the gallery for a quarter, a static file for a quarter, then 10 clients each sending a 20 MB upload at
once, then a pause. After every round the script prints both processes' RSS; at the end, the growth from the
first round to the last and the fitted slope per round. A flat service shows a small slope (allocators keep some
freed memory) rather than one that grows with every round.

Usage: python3 scripts/bench/soak.py --binary .build-rel/release/app [--minutes 10] [--round-seconds 60]
Uses the Django peer's PostgreSQL (../shared/peers/django/scripts/pg.sh) and a phone-sized photo, like web.py;
says so and exits 0 when ../shared is missing. Media written during the soak is removed at the end.
"""
import argparse, shutil, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import web  # noqa: E402  (the same servers, wrk script and helpers as the side-by-side benchmark)


def rss_mb(pid):
    return web.status_mb(pid, "VmRSS")


def slope(values):
    """Least-squares growth per round."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    return sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / sum((x - mean_x) ** 2 for x in range(n))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=web.ROOT / ".build" / "release" / "app", type=Path)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--round-seconds", type=int, default=60)
    args = parser.parse_args()
    if not web.PEER.exists():
        print(f"skipped: needs {web.PEER} (its PostgreSQL and photo maker)")
        return 0
    if not (web.VENV / "bin" / "python").exists():
        web.run([sys.executable, "-m", "venv", web.VENV])
        web.run([web.VENV / "bin" / "pip", "install", "-q", "-r", web.PEER / "requirements.txt"])
    web.BENCH_TMP.mkdir(parents=True, exist_ok=True)
    photo = web.BENCH_TMP / "photo.jpg"
    if not photo.exists():
        web.run([web.VENV / "bin" / "python", web.PEER / "scripts" / "make_image.py", "--out", photo])
    photo_bytes = photo.read_bytes()
    work = Path(tempfile.mkdtemp(prefix="memories-soak-"))
    web.run([web.PEER / "scripts" / "pg.sh", "start"])
    ours = web.Ours(args.binary, work)
    rounds = max(1, int(args.minutes * 60 / args.round_seconds))
    quarter = max(1, args.round_seconds // 4 - 3)
    serve_samples, worker_samples = [], []
    base = f"http://127.0.0.1:{web.OURS_PORT}"
    try:
        ours.reset()
        ours.start_serve()
        ours.start_worker()
        print(f"soak: {rounds} rounds of {args.round_seconds} s; photo {len(photo_bytes) / 1e6:.1f} MB; logs in {work}")
        print(f"idle: serve {rss_mb(ours.serve.pid):.1f} MB, worker {rss_mb(ours.worker.pid):.1f} MB RSS")
        print("| round | uploads/s | gallery req/s | static req/s | 10×20 MB failed | serve RSS MB | worker RSS MB |")
        print("|---|---|---|---|---|---|---|")
        for index in range(rounds):
            started = time.monotonic()
            uploads = web.wrk(f"{base}/photos", 8, quarter, upload=photo)
            gallery = web.wrk(f"{base}/", 8, quarter)
            static = web.wrk(f"{base}/static/css/app.css", 8, quarter)
            failed = web.concurrent_big_uploads(web.OURS_PORT, photo_bytes, 10, 20)
            time.sleep(max(0.0, args.round_seconds - (time.monotonic() - started)))
            serve_samples.append(rss_mb(ours.serve.pid))
            worker_samples.append(rss_mb(ours.worker.pid))
            print(f"| {index + 1} | {uploads['rps']:.0f} | {gallery['rps']:.0f} | {static['rps']:.0f} | {len(failed)} "
                  f"| {serve_samples[-1]:.1f} | {worker_samples[-1]:.1f} |", flush=True)
        print(f"\nserve: {serve_samples[0]:.1f} → {serve_samples[-1]:.1f} MB (slope {slope(serve_samples):+.2f} MB/round, "
              f"peak {web.peak_rss_mb(ours.serve.pid):.1f} MB); worker: {worker_samples[0]:.1f} → "
              f"{worker_samples[-1]:.1f} MB (slope {slope(worker_samples):+.2f} MB/round, "
              f"peak {web.peak_rss_mb(ours.worker.pid):.1f} MB)")
    finally:
        ours.stop()
        web.run([web.PEER / "scripts" / "pg.sh", "stop"])
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
