#!/usr/bin/env python3
"""Upload-to-ready latency and peak memory of `app dev` (issue: the whole path on the embedded defaults).

Starts the release binary's `app dev` in a fresh folder, then
  1. uploads one 12 MP phone photo N times (each copy made unique by bytes appended after its end marker, so
     deduplication does not answer it) one after another on an idle server, polling GET /photos/{id} every 2 ms
     until it is ready, and prints the median, min and max;
  2. sends ten uploads at once and prints the process's peak resident memory (VmHWM) before and after.
Usage: scripts/bench/upload_to_ready.py [--runs 9] [--photo PATH] [--binary .build/release/app]
       [--storage local|s3 --s3-endpoint URL] [--pad-mb 36] [--no-burst]
With --storage s3 the app talks to an S3 API at --s3-endpoint (a bucket is made there); --pad-mb appends that many
megabytes after the photo's end marker (a valid JPEG, for large-file throughput).
Needs ../shared/photos (or --photo); says so and exits 0 when it is missing.
"""
import argparse, json, os, shutil, signal, statistics, subprocess, sys, tempfile, threading, time, urllib.request, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def multipart(name, data):
    boundary = uuid.uuid4().hex
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
    return boundary, head + data + f'\r\n--{boundary}--\r\n'.encode()


def upload(base, name, data):
    boundary, body = multipart(name, data)
    request = urllib.request.Request(base + "/photos", data=body, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["photos"][0]


def status(base, photo_id):
    request = urllib.request.Request(f"{base}/photos/{photo_id}", headers={"Accept": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["status"]


def peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--photo", default=os.path.join(ROOT, "..", "shared", "photos", "phone", "monstree-iphone7-IMG_1025.jpg"))
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "app"))
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--storage", default="local", choices=["local", "s3"])
    parser.add_argument("--s3-endpoint")
    parser.add_argument("--pad-mb", type=int, default=0)
    parser.add_argument("--no-burst", action="store_true")
    args = parser.parse_args()
    if not os.path.exists(args.photo):
        print(f"skipped: {args.photo} not found (needs ../shared/photos or --photo)")
        return 0
    if not os.path.exists(args.binary):
        print(f"build first: swift build -c release (no {args.binary})")
        return 1
    original = open(args.photo, "rb").read() + os.urandom(args.pad_mb * 1_000_000)
    environment = dict(os.environ)
    if args.storage == "s3":
        bucket = "bench-" + uuid.uuid4().hex[:8]
        urllib.request.urlopen(urllib.request.Request(f"{args.s3_endpoint}/{bucket}", method="PUT"))
        environment.update(STORAGE="s3", S3_BUCKET=bucket, S3_ENDPOINT=args.s3_endpoint,
                           AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    work = tempfile.mkdtemp(prefix="memories-bench-")
    base = f"http://127.0.0.1:{args.port}"
    log = open(os.path.join(work, "app.log"), "w")
    server = subprocess.Popen([args.binary, "dev", "--port", str(args.port), "--resources-dir", ROOT, "--log-level", "warning"],
                              cwd=work, stdout=log, stderr=log, env=environment)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz")
                break
            except Exception:
                time.sleep(0.05)
        print(f"photo: {os.path.basename(args.photo)} ({len(original) / 1e6:.1f} MB); storage: {args.storage}; binary: {args.binary}")
        print(f"peak RSS after start: {peak_rss_kb(server.pid) / 1024:.0f} MiB")
        latencies, uploads = [], []
        for run in range(args.runs):
            data = original + uuid.uuid4().bytes
            started = time.perf_counter()
            photo = upload(base, f"run{run}.jpg", data)
            uploaded = time.perf_counter()
            while status(base, photo["id"]) not in ("ready", "failed"):
                time.sleep(0.002)
            ready = time.perf_counter()
            latencies.append((ready - started) * 1000)
            uploads.append(uploaded - started)
            print(f"  run {run + 1}: upload {1000 * (uploaded - started):.0f} ms ({len(data) / 1e6 / (uploaded - started):.0f} MB/s), upload-to-ready {latencies[-1]:.0f} ms")
            time.sleep(0.2)
        print(f"upload-to-ready over {args.runs} runs: median {statistics.median(latencies):.0f} ms, "
              f"min {min(latencies):.0f} ms, max {max(latencies):.0f} ms; upload median {1000 * statistics.median(uploads):.0f} ms, "
              f"{len(original) / 1e6 / statistics.median(uploads):.0f} MB/s")
        if args.no_burst:
            return 0
        before = peak_rss_kb(server.pid)
        threads = [threading.Thread(target=upload, args=(base, f"c{i}.jpg", original + uuid.uuid4().bytes)) for i in range(10)]
        started = time.perf_counter()
        for t in threads: t.start()
        for t in threads: t.join()
        print(f"ten uploads at once: all answered in {1000 * (time.perf_counter() - started):.0f} ms")
        time.sleep(3)
        print(f"peak RSS of app dev: {before / 1024:.0f} MiB before the ten uploads, {peak_rss_kb(server.pid) / 1024:.0f} MiB after them and their jobs")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=30)
            print(f"app dev exited with {code} after SIGTERM")
        except subprocess.TimeoutExpired:
            server.kill()
            print("app dev did not stop within 30 s of SIGTERM")
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
