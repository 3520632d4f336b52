#!/usr/bin/env python3
"""The gallery page (`GET /`, 50 ready photos) with and without the cached grid, on SQLite and PostgreSQL.

For each database: migrates a fresh one, uploads 50 photos through `app dev` (so its worker makes them ready),
then runs `app serve` three times (GALLERY_CACHE_SECONDS=0, CACHE_URL=memory, CACHE_URL=redis://…) and measures each
with `wrk -t2 -c16 -d10s` (after a 2 s warm-up), printing requests per second and latency percentiles.
Usage: scripts/bench/gallery.py [--binary PATH] [--postgres URL] [--redis URL] [--duration 10]
  --postgres: a server where it may create a database (default $MEMORIES_TEST_POSTGRES_URL; skipped when unset)
  --redis:    default $MEMORIES_TEST_REDIS_URL (scripts/services/redis.sh start; skipped when unset)
Needs wrk (apt-get install wrk).
"""
import argparse, importlib.util, os, re, shutil, signal, subprocess, sys, tempfile, time, urllib.parse, urllib.request, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The deploy tests' photo maker and HTTP helpers.
_spec = importlib.util.spec_from_file_location("deploy_test", os.path.join(ROOT, "deploy/test.py"))
deploy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(deploy)


def wait_ready(base, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{base} did not start")


def start(binary, command, env, folder, name):
    log = open(os.path.join(folder, f"{name}.log"), "ab")
    return subprocess.Popen([binary, command], env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()


def populate(binary, env, folder):
    port = deploy.free_port()
    dev = start(binary, "dev", {**env, "PORT": str(port), "UPLOAD_RATE_PER_MINUTE": "0"}, folder, "dev")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        ids = [deploy.upload(base, deploy.photo(f"bench-{i}"), f"bench{i}.jpg").json()["photos"][0]["id"] for i in range(50)]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if all(deploy.get(f"{base}/photos/{i}").json()["status"] == "ready" for i in ids[-5:]) and \
                    sum(1 for p in deploy.get(f"{base}/photos?limit=60").json()["photos"] if p["status"] == "ready") == 50:
                return
            time.sleep(0.5)
        raise SystemExit("photos did not become ready")
    finally:
        stop(dev)


def measure(binary, env, folder, label, duration):
    port = deploy.free_port()
    serve = start(binary, "serve", {**env, "PORT": str(port)}, folder, label.replace(" ", "-"))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        page = deploy.request("GET", base + "/", headers={"Accept": "text/html"}).body.decode()
        assert page.count('data-status="ready"') == 50, "the page shows 50 ready photos"
        subprocess.run(["wrk", "-t2", "-c16", "-d2s", base + "/"], capture_output=True)
        out = subprocess.run(["wrk", "-t2", "-c16", f"-d{duration}s", "--latency", "-H", "Accept: text/html", base + "/"],
                             capture_output=True, text=True).stdout
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
        latency = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", out, re.M))
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        print(f"{label:28} {float(rps):9.0f} req/s   p50 {latency.get('50'):>8}  p90 {latency.get('90'):>8}  "
              f"p99 {latency.get('99'):>8}{'  NON-2XX ' + errors.group(1) if errors else ''}", flush=True)
    finally:
        stop(serve)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.environ.get("APP_BIN", os.path.join(ROOT, ".build/release/app")))
    parser.add_argument("--postgres", default=os.environ.get("MEMORIES_TEST_POSTGRES_URL"))
    parser.add_argument("--redis", default=os.environ.get("MEMORIES_TEST_REDIS_URL"))
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    shutil.which("wrk") or sys.exit("wrk is missing: apt-get install wrk")
    databases = [("sqlite", None)]
    if args.postgres:
        databases.append(("postgres", args.postgres))
    for name, admin in databases:
        folder = tempfile.mkdtemp(prefix=f"memories-bench-gallery-{name}-")
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
        # Anonymous reads of an open gallery: the page every visitor gets (and what NGINX would micro-cache).
        env.update({"RESOURCES_DIR": ROOT, "LOG_LEVEL": "warning", "MEDIA_ROOT": folder + "/media",
                    "AUTH_REQUIRED": "false", "GALLERY_PUBLIC": "true"})
        database_name = None
        if admin:
            database_name = f"bench_gallery_{uuid.uuid4().hex[:8]}"
            subprocess.run(["psql", "-X", "-q", admin, "-c", f"CREATE DATABASE {database_name}"], check=True)
            parts = urllib.parse.urlsplit(admin)
            env["DATABASE_URL"] = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + database_name, "sslmode=disable", ""))
        else:
            env["DATABASE_URL"] = f"sqlite:{folder}/memories.sqlite3"
        try:
            populate(args.binary, env, folder)
            print(f"-- {name}: GET / with 50 ready photos, wrk -t2 -c16 -d{args.duration}s")
            measure(args.binary, {**env, "GALLERY_CACHE_SECONDS": "0"}, folder, f"{name} uncached", args.duration)
            measure(args.binary, {**env, "CACHE_URL": "memory", "GALLERY_CACHE_SECONDS": "300"}, folder,
                    f"{name} memory cache", args.duration)
            if args.redis:
                measure(args.binary, {**env, "CACHE_URL": args.redis}, folder, f"{name} redis cache", args.duration)
        finally:
            if database_name:
                subprocess.run(["psql", "-X", "-q", admin, "-c", f"DROP DATABASE IF EXISTS {database_name} WITH (FORCE)"])
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
