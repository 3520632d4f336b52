#!/usr/bin/env python3
"""The web path side by side (issue 10): Memories, the Django peer (Gunicorn + Django-Q2) and NGINX alone, in one run.

Both apps run against the same PostgreSQL server (the peer's stock-configured one: fsync and synchronous_commit on)
and write media to the same disk; the same wrk script (scripts/bench/web.lua) sends every upload with distinct bytes.
Cases, in this order (each app starts on a fresh database):
  1. upload -> ready, one at a time on an idle worker (p50/p99 over --e2e-runs);
  2. POST 2 MB upload with the worker stopped, at each of --conns (NGINX: body discarded, body written to disk);
  3. POST upload with the worker running (8 connections);
  4. GET / (the gallery, 50 newest photos);
  5. GET a small static file (ours with SERVE_STATIC=true, Django through WhiteNoise, NGINX from disk);
  6. memory: `app serve`'s peak RSS, and its growth while 50 clients each upload a 20 MB file at once.
Usage: scripts/bench/web.sh [--duration 10] [--conns 8,32] [--skip-django] (web.sh builds the release binary first)
Needs ../shared/peers/django and ../shared/photos; says so and exits 0 when they are missing.
"""
import argparse, http.client, json, os, shutil, signal, statistics, subprocess, sys, tempfile, threading, time, uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PEER = (ROOT / ".." / "shared" / "peers" / "django").resolve()
LUA = ROOT / "scripts" / "bench" / "web.lua"
BENCH_TMP = Path(os.environ.get("BENCH_TMP", "/tmp/peer-django"))
VENV = BENCH_TMP / "venv"
PG_PORT, DJANGO_PORT, NGINX_PORT, OURS_PORT = 55432, 8801, 8802, 8811
OURS_DB = "memories_swift"


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def run(command, **kwargs):
    return subprocess.run([str(c) for c in command], check=True, **kwargs)


class Server:
    """A process we started, stopped with a signal and waited for."""

    def __init__(self, name, command, env=None, cwd=None, log_dir=None):
        self.name = name
        log_file = open(Path(log_dir or tempfile.gettempdir()) / f"{name}.log", "ab")
        self.process = subprocess.Popen([str(c) for c in command], env=env, cwd=cwd, stdout=log_file, stderr=log_file,
                                        start_new_session=True)

    @property
    def pid(self):
        return self.process.pid

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def wait_http(port, path="/", timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port}{path}")


def status_mb(pid, field):
    """A memory figure of /proc/PID/status (`VmHWM` the peak, `VmRSS` the current RSS), in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb(pid):
    return status_mb(pid, "VmHWM")


def tree_rss_mb(pid):
    """Resident memory of a process and its children (Gunicorn's master and workers)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(entry.name) == pid or int(stat[1]) == pid:
                total += int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return total / 1024 / 1024


def wrk(url, connections, duration, upload=None, raw_put=False):
    env = {**os.environ, "RUN_ID": uuid.uuid4().hex[:12]}
    env.pop("UPLOAD_FILE", None)
    if upload:
        env["UPLOAD_FILE"] = str(upload)
    if raw_put:
        env["RAW_PUT"] = "1"
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
                          "-s", str(LUA), url], env=env, capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("WRKJSON "))
    result = json.loads(line[len("WRKJSON "):])
    errors = sum(result[k] for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
    return {"rps": result["requests"] / (result["duration_us"] / 1e6), "p50_ms": result["lat_p50_us"] / 1000,
            "p99_ms": result["lat_p99_us"] / 1000, "errors": errors, "requests": result["requests"]}


def multipart(data):
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="IMG_0001.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def distinct(photo_bytes):
    tag = f"memories-bench {uuid.uuid4().hex}".encode()
    return photo_bytes[:2] + b"\xff\xfe" + (len(tag) + 2).to_bytes(2, "big") + tag + photo_bytes[2:]


def post(port, path, data):
    body, content_type = multipart(data)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("POST", path, body=body, headers={"Content-Type": content_type, "Accept": "application/json"})
    response = connection.getresponse()
    payload = response.read()
    if response.status not in (200, 201):
        raise RuntimeError(f"upload to :{port}{path} answered {response.status}: {payload[:200]!r}")
    return json.loads(payload)


def get_json(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Accept": "application/json"})
    return json.loads(connection.getresponse().read())


def upload_to_ready(port, upload_path, photo_id_of, status_path, photo_bytes, runs):
    """Milliseconds from sending an upload to its status reading ready, one at a time, polled every 2 ms."""
    samples = []
    post(port, upload_path, distinct(photo_bytes))  # warm-up
    time.sleep(1)
    for _ in range(runs):
        start = time.perf_counter()
        photo_id = photo_id_of(post(port, upload_path, distinct(photo_bytes)))
        while get_json(port, status_path(photo_id)).get("status") != "ready":
            if time.perf_counter() - start > 60:
                raise RuntimeError("a photo did not become ready within a minute")
            time.sleep(0.002)
        samples.append((time.perf_counter() - start) * 1000)
        time.sleep(0.3)
    samples.sort()
    return {"p50_ms": statistics.median(samples), "p99_ms": samples[min(len(samples) - 1, int(len(samples) * 0.99))]}


# ------------------------------------------------------------------------------------------------ the three servers

class Ours:
    def __init__(self, binary, work):
        self.binary, self.work = binary, work
        self.media = work / "media"
        self.env = {**os.environ, "DATABASE_URL": f"postgres://memories@127.0.0.1:{PG_PORT}/{OURS_DB}",
                    "STORAGE": "local", "MEDIA_ROOT": str(self.media), "HOST": "127.0.0.1", "PORT": str(OURS_PORT),
                    "SERVE_STATIC": "true", "SERVE_MEDIA": "true", "AUTH_REQUIRED": "false",
                    "UPLOAD_RATE_PER_MINUTE": "0", "LOG_LEVEL": "warning"}
        self.serve = self.worker = None

    def reset(self):
        psql_admin(f"DROP DATABASE IF EXISTS {OURS_DB}", f"CREATE DATABASE {OURS_DB} OWNER memories")
        shutil.rmtree(self.media, ignore_errors=True)
        run([self.binary, "migrate"], env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL)

    def start_serve(self):
        self.serve = Server("ours-serve", [self.binary, "serve"], env=self.env, cwd=ROOT, log_dir=self.work)
        wait_http(OURS_PORT, "/healthz")

    def start_worker(self):
        self.worker = Server("ours-worker", [self.binary, "worker"], env=self.env, cwd=ROOT, log_dir=self.work)

    def stop_worker(self):
        if self.worker:
            self.worker.stop()
            self.worker = None

    def stop(self):
        self.stop_worker()
        if self.serve:
            self.serve.stop()


class Django:
    def __init__(self, work):
        self.work = work
        self.env = {**os.environ, "DATABASE_URL": f"postgres://memories@127.0.0.1:{PG_PORT}/memories",
                    "MEDIA_ROOT": str(work / "django-media"), "STATIC_ROOT": str(BENCH_TMP / "staticfiles")}
        self.gunicorn = self.qcluster = None

    def reset(self):
        run([PEER / "scripts" / "pg.sh", "resetdb"], stdout=subprocess.DEVNULL)
        shutil.rmtree(self.work / "django-media", ignore_errors=True)
        (self.work / "django-media").mkdir(parents=True)
        for step in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
            run([VENV / "bin" / "python", "manage.py", *step], env=self.env, cwd=PEER / "app")

    def start_serve(self):
        # The peer's own best configuration for uploads (its RESULTS.md): two sync workers.
        self.gunicorn = Server("django-gunicorn", [VENV / "bin" / "gunicorn", "memories.wsgi:application", "-b",
                                                   f"127.0.0.1:{DJANGO_PORT}", "-w", "2", "-k", "sync",
                                                   "--log-level", "warning"],
                               env=self.env, cwd=PEER / "app", log_dir=self.work)
        wait_http(DJANGO_PORT, "/")

    def start_worker(self, poll="0.2"):
        self.qcluster = Server("django-qcluster", [VENV / "bin" / "python", "manage.py", "qcluster"],
                               env={**self.env, "Q_POLL": poll}, cwd=PEER / "app", log_dir=self.work)
        time.sleep(2)

    def stop_worker(self):
        if self.qcluster:
            self.qcluster.stop()
            self.qcluster = None

    def stop(self):
        self.stop_worker()
        if self.gunicorn:
            self.gunicorn.stop()


class Nginx:
    def __init__(self, work):
        self.root = work / "nginx"
        for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "www/static", "www/put"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "Public" / "css" / "app.css", self.root / "www/static/app.css")
        config = (PEER / "scripts" / "nginx.conf.tmpl").read_text()
        config = config.replace("@TMP@", str(self.root)).replace("@PORT@", str(NGINX_PORT))
        (self.root / "nginx.conf").write_text(config)
        self.server = Server("nginx", ["nginx", "-c", self.root / "nginx.conf", "-p", self.root], log_dir=work)
        wait_http(NGINX_PORT, "/static/app.css")

    def stop(self):
        self.server.stop(signal.SIGQUIT)


def psql_admin(*statements):
    for statement in statements:
        run(["runuser", "-u", "peerpg", "--", "/usr/lib/postgresql/15/bin/psql", "-X", "-q", "-h",
             BENCH_TMP / "pg" / "sock", "-p", PG_PORT, "-U", "postgres", "-d", "postgres", "-c", statement],
            stdout=subprocess.DEVNULL)


# ------------------------------------------------------------------------------------------------ the run

def concurrent_big_uploads(port, photo_bytes, clients, megabytes):
    """`clients` uploads of `megabytes` MB each, all at once (padding after the JPEG's end marker)."""
    pad = megabytes * 1024 * 1024 - len(photo_bytes)
    errors = []

    def one():
        try:
            post(port, "/photos", distinct(photo_bytes) + os.urandom(max(0, pad)))
        except Exception as error:  # reported below
            errors.append(str(error))

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def row(label, ours, peer=None, ceiling=None, ceiling_label=""):
    def fmt(result):
        if not result:
            return "—"
        return f"{result['rps']:.0f}/s p50 {result['p50_ms']:.0f} p99 {result['p99_ms']:.0f} ms" + \
               (f" ({result['errors']} errors)" if result.get("errors") else "")
    ratio = f"{ours['rps'] / peer['rps']:.2f}×" if peer else "—"
    vs_ceiling = f"{ours['rps'] / ceiling['rps']:.2f} of {ceiling_label}" if ceiling else "—"
    print(f"| {label} | {fmt(ours)} | {fmt(peer)} | {fmt(ceiling)} | {ratio} | {vs_ceiling} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=ROOT / ".build" / "release" / "app", type=Path)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--conns", default="8,32")
    parser.add_argument("--e2e-runs", type=int, default=20)
    parser.add_argument("--skip-django", action="store_true")
    args = parser.parse_args()
    conns = [int(c) for c in args.conns.split(",")]
    if not PEER.exists() or not (ROOT / ".." / "shared" / "photos" / "phone").exists():
        print(f"skipped: needs {PEER} and ../shared/photos/phone")
        return 0

    if not (VENV / "bin" / "gunicorn").exists():
        run([sys.executable, "-m", "venv", VENV])
        run([VENV / "bin" / "pip", "install", "-q", "-r", PEER / "requirements.txt"])
    BENCH_TMP.mkdir(parents=True, exist_ok=True)
    photo = BENCH_TMP / "photo.jpg"
    if not photo.exists():
        run([VENV / "bin" / "python", PEER / "scripts" / "make_image.py", "--out", photo], stdout=subprocess.DEVNULL)
    photo_bytes = photo.read_bytes()
    work = Path(tempfile.mkdtemp(prefix="memories-web-bench-"))
    run([PEER / "scripts" / "pg.sh", "start"], stdout=subprocess.DEVNULL)

    ours, django, nginx = Ours(args.binary, work), Django(work), None
    results = {}
    try:
        print(f"machine: {os.cpu_count()} cores, {os.uname().release}; photo {len(photo_bytes) / 1e6:.1f} MB; "
              f"wrk -t 2 -d {args.duration}s; PostgreSQL 15 (stock settings, fsync on) for both apps; logs in {work}")
        # 1. upload -> ready on an idle worker, each app on a fresh database.
        ours.reset(); ours.start_serve(); ours.start_worker()
        time.sleep(1)
        results["e2e_ours"] = upload_to_ready(OURS_PORT, "/photos", lambda r: r["photos"][0]["id"],
                                              lambda i: f"/photos/{i}", photo_bytes, args.e2e_runs)
        ours.stop_worker()
        if not args.skip_django:
            django.reset(); django.start_serve(); django.start_worker(poll="0.2")
            results["e2e_django"] = upload_to_ready(DJANGO_PORT, "/upload", lambda r: r["id"],
                                                    lambda i: f"/photos/{i}", photo_bytes, args.e2e_runs)
            django.stop_worker()
        nginx = Nginx(work)

        # 2. uploads with the worker stopped.
        for c in conns:
            results[f"up{c}_ours"] = wrk(f"http://127.0.0.1:{OURS_PORT}/photos", c, args.duration, upload=photo)
            if not args.skip_django:
                results[f"up{c}_django"] = wrk(f"http://127.0.0.1:{DJANGO_PORT}/upload", c, args.duration, upload=photo)
            results[f"up{c}_nginx_disk"] = wrk(f"http://127.0.0.1:{NGINX_PORT}/put/photo.jpg", c, args.duration,
                                               upload=photo, raw_put=True)
            results[f"up{c}_nginx_discard"] = wrk(f"http://127.0.0.1:{NGINX_PORT}/upload", c, args.duration, upload=photo)
        results["serve_peak_after_uploads_mb"] = peak_rss_mb(ours.serve.pid)

        # 3. uploads with the worker running (both have a backlog now: that is the steady state under load).
        ours.start_worker()
        results["upw_ours"] = wrk(f"http://127.0.0.1:{OURS_PORT}/photos", 8, args.duration, upload=photo)
        ours.stop_worker()
        if not args.skip_django:
            django.start_worker()
            results["upw_django"] = wrk(f"http://127.0.0.1:{DJANGO_PORT}/upload", 8, args.duration, upload=photo)
            django.stop_worker()

        # 4. the gallery, 5. a static file.
        for c in conns:
            results[f"gal{c}_ours"] = wrk(f"http://127.0.0.1:{OURS_PORT}/", c, args.duration)
            results[f"css{c}_ours"] = wrk(f"http://127.0.0.1:{OURS_PORT}/static/css/app.css", c, args.duration)
            results[f"css{c}_nginx"] = wrk(f"http://127.0.0.1:{NGINX_PORT}/static/app.css", c, args.duration)
            if not args.skip_django:
                results[f"gal{c}_django"] = wrk(f"http://127.0.0.1:{DJANGO_PORT}/", c, args.duration)
                results[f"css{c}_django"] = wrk(f"http://127.0.0.1:{DJANGO_PORT}/static/photos/gallery.css", c,
                                                args.duration)

        # 6. memory under 50 concurrent 20 MB uploads.
        ours.serve.stop(); ours.start_serve()
        idle = peak_rss_mb(ours.serve.pid)
        errors = concurrent_big_uploads(OURS_PORT, photo_bytes, 50, 20)
        results["mem"] = {"idle_mb": idle, "peak_mb": peak_rss_mb(ours.serve.pid), "errors": errors}
        if not args.skip_django:
            results["django_rss_mb"] = tree_rss_mb(django.gunicorn.pid)
    finally:
        ours.stop()
        django.stop()
        if nginx:
            nginx.stop()
        run([PEER / "scripts" / "pg.sh", "stop"], stdout=subprocess.DEVNULL)
        # The logs stay; the gigabytes of uploaded photos (ours, Django's, NGINX's) do not.
        for media in (ours.media, work / "django-media", work / "nginx" / "www" / "put", work / "nginx" / "client_body"):
            shutil.rmtree(media, ignore_errors=True)

    r = results.get
    print("\n| case | Memories | Django + Gunicorn | NGINX | Memories ÷ Django | Memories vs NGINX |")
    print("|---|---|---|---|---|---|")
    for c in conns:
        row(f"POST 2 MB upload, worker stopped, {c} conns", r(f"up{c}_ours"), r(f"up{c}_django"),
            r(f"up{c}_nginx_disk"), "body to disk")
        print(f"| (NGINX discarding the body, {c} conns) | | | {r(f'up{c}_nginx_discard')['rps']:.0f}/s | | |")
    row("POST upload, worker running, 8 conns", r("upw_ours"), r("upw_django"))
    for c in conns:
        row(f"GET gallery (50 rows), {c} conns", r(f"gal{c}_ours"), r(f"gal{c}_django"))
    for c in conns:
        row(f"GET small static file, {c} conns", r(f"css{c}_ours"), r(f"css{c}_django"), r(f"css{c}_nginx"), "NGINX")
    e2e = r("e2e_ours")
    peer_e2e = r("e2e_django")
    print(f"| upload → ready, idle worker, p50 (p99) | {e2e['p50_ms']:.0f} ({e2e['p99_ms']:.0f}) ms | "
          + (f"{peer_e2e['p50_ms']:.0f} ({peer_e2e['p99_ms']:.0f}) ms (0.2 s poll)" if peer_e2e else "—") + " | | | |")
    mem = r("mem")
    print(f"\napp serve peak RSS after the upload runs: {r('serve_peak_after_uploads_mb'):.0f} MB; "
          f"50 concurrent 20 MB uploads: {mem['idle_mb']:.0f} MB idle -> {mem['peak_mb']:.0f} MB peak "
          f"({(mem['peak_mb'] - mem['idle_mb']) / 50:.2f} MB per upload in flight), {len(mem['errors'])} failed"
          + (f"; Django's Gunicorn tree now {r('django_rss_mb'):.0f} MB RSS" if r("django_rss_mb") else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
