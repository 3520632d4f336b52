#!/usr/bin/env python3
"""Runs the deploy/ recipes that can run on one Linux machine, for real, and checks every file in deploy/.

Each scenario renders the recipe's own files (systemd units, environment files, NGINX configs, scripts) for a
scratch folder and free ports, changing only paths, ports, addresses and credentials, then runs what the units
run: `app migrate`, `app serve`, `app worker`, NGINX, the backup script, the blue/green switch. It uploads through
the front door, waits for the thumbnail, and fetches the media the way the topology serves them.

    deploy/test.py [--only NAME ...] [--keep]     (deploy/test.sh installs NGINX and sets up the services)

Needs: APP_BIN (default .build/debug/app), MEMORIES_TEST_POSTGRES_URL (a server where it may create databases),
MEMORIES_TEST_S3_ENDPOINT (moto) for the object-storage and load-balancer scenarios, nginx, curl, sqlite3.
"""
import argparse
import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
APP = Path(os.environ.get("APP_BIN", REPO / ".build/debug/app")).resolve()
PSQL = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))), Path("psql"))

# A 64x48 JPEG made for these tests; `photo(tag)` adds a comment so every tag is a new photo (a new hash).
BASE_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8t"
    "MC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAAR"
    "CAAwAEADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEG"
    "E1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWG"
    "h4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEB"
    "AQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYk"
    "NOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0"
    "tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDAooor70+JCiiigDqKKKK/BT9sCiiigDl6"
    "KKK/ej8TCiiigDqKKKK/BT9sCiiigDl6KKK/ej8TCiiigDqKKKK/BT9sCiiigD//2Q=="
)

COVERED: set = set()


def cover(*paths):
    """Marks deploy/ files as exercised by this run (every file must be, see `check_coverage`)."""
    for path in paths:
        path = Path(path).resolve()
        COVERED.update([path] + ([p.resolve() for p in path.rglob("*")] if path.is_dir() else []))
    return paths[0] if len(paths) == 1 else paths


def photo(tag: str) -> bytes:
    comment = f"memories deploy test {tag} {uuid.uuid4()}".encode()
    return BASE_JPEG[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + BASE_JPEG[2:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Failure(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Failure(message)


def wait_until(what, condition, timeout=60.0, every=0.2):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except (OSError, http.client.HTTPException, ValueError):
            pass
        if time.monotonic() > deadline:
            raise Failure(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


# ---------------------------------------------------------------- HTTP


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


def request(method, url, body=None, headers=None, timeout=60.0) -> Response:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl._create_unverified_context())
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, path or "/", body=body, headers=headers or {})
        response = connection.getresponse()
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


# The API token each site's operator made with `app tokens create`, by the Host header the requests send (None: the
# default site). `serve` requires sign-in, so uploads and gallery reads send it as `Authorization: Bearer`.
TOKENS: dict = {}


def create_operator(env: dict, host=None, wrap=()):
    """Creates the first user and an API token the way each deploy README tells the operator to:
    `app users create` (password on standard input) and `app tokens create`."""
    env = {**env, "BCRYPT_COST": "4"}
    created = subprocess.run([*wrap, str(APP), "users", "create", "operator"], input="operator password\n", env=env,
                             capture_output=True, text=True, timeout=120)
    expect(created.returncode == 0 and "created user operator" in created.stdout,
           f"app users create failed:\n{created.stdout}{created.stderr}")
    made = subprocess.run([*wrap, str(APP), "tokens", "create", "operator", "--name", "deploy-test"], env=env,
                          capture_output=True, text=True, timeout=120)
    token = made.stdout.strip()
    expect(made.returncode == 0 and token.startswith("mem_"), f"app tokens create failed:\n{made.stdout}{made.stderr}")
    TOKENS[host] = token
    return token


def auth_headers(host) -> dict:
    token = TOKENS.get(host)
    return {"Authorization": f"Bearer {token}"} if token else {}


def upload(base, data: bytes, name="photo.jpg", host=None) -> Response:
    boundary = "----memories" + uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json",
               **auth_headers(host)}
    if host:
        headers["Host"] = host
    return request("POST", base + "/photos", body, headers)


def get(url, host=None, headers=None) -> Response:
    all_headers = {"Accept": "application/json", **auth_headers(host), **(headers or {})}
    if host:
        all_headers["Host"] = host
    return request("GET", url, headers=all_headers)


def upload_and_wait(base, tag, host=None, timeout=90.0) -> dict:
    """Uploads a new photo through `base` and returns its JSON once the worker made it ready."""
    response = upload(base, photo(tag), f"{tag}.jpg", host)
    expect(response.status == 201, f"upload through {base} answered {response.status}: {response.body[:300]!r}")
    photo_id = response.json()["photos"][0]["id"]
    found = {}

    def ready():
        answer = get(f"{base}/photos/{photo_id}", host)
        found.update(answer.json() if answer.status == 200 else {})
        expect(found.get("status") != "failed", f"photo {photo_id} failed: {found.get('error')}")
        return found.get("status") == "ready"

    wait_until(f"photo {photo_id} to be ready", ready, timeout)
    return found


# ---------------------------------------------------------------- rendering recipes


class Scratch:
    """A scratch folder standing in for a host's file system, and the substitutions that map the recipe's
    production paths into it."""

    def __init__(self, name, keep):
        self.root = Path(tempfile.mkdtemp(prefix=f"memories-deploy-{name}-"))
        os.chmod(self.root, 0o755)  # NGINX workers read media and static files from here
        self.keep = keep
        self.processes = []
        self.replacements = [
            ("/opt/memories/bin/app", str(APP)),
            ("/opt/memories/deploy/", str(DEPLOY) + "/"),
            ("/opt/memories/Public/", str(REPO / "Public") + "/"),
            ("/opt/memories", str(REPO)),
            ("/var/lib/memories", str(self.root / "state")),
            ("/var/backups/memories", str(self.root / "backups")),
        ]
        (self.root / "state").mkdir()
        os.chmod(self.root / "state", 0o755)

    def render(self, source: Path, replacements=(), name=None) -> Path:
        cover(source)
        text = source.read_text()
        for old, new in list(replacements) + self.replacements:
            text = text.replace(old, new)
        target = self.root / (name or source.name)
        target.write_text(text)
        return target

    def render_text(self, text: str) -> str:
        for old, new in self.replacements:
            text = text.replace(old, new)
        return text

    def start(self, command, env, name, cwd=None):
        log = open(self.root / f"{name}.log", "ab")
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=cwd or self.root, start_new_session=True)
        process.name = name
        process.log_path = self.root / f"{name}.log"
        self.processes.append(process)
        return process

    def log(self, process) -> str:
        return Path(process.log_path).read_text(errors="replace")

    def close(self, failed):
        for process in reversed(self.processes):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait(timeout=10)
        if failed:
            for log in sorted(self.root.glob("*.log")):
                print(f"--- {log.name} (last lines):\n" + "\n".join(log.read_text(errors='replace').splitlines()[-25:]))
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)


def read_env_file(path: Path) -> dict:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def unit_settings(unit: Path, instance=None) -> dict:
    """The lines of a systemd unit that say how to run it (ExecStart, EnvironmentFile, …), %i expanded."""
    cover(unit)
    settings = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            if instance:
                value = value.replace("%i", instance)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def base_env() -> dict:
    return {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "TMPDIR", "LANG")}


class Host:
    """What systemd would run for a unit, with the environment file the recipe gives it."""

    def __init__(self, scratch: Scratch, env_file: Path, overrides: dict):
        self.scratch = scratch
        self.env = {**base_env(), **read_env_file(env_file), **overrides}

    def command(self, unit: Path, key="ExecStart", instance=None):
        lines = unit_settings(unit, instance).get(key, [])
        return [self.scratch.render_text(line).split() for line in lines]

    def run_oneshot(self, unit: Path, instance=None):
        for command in self.command(unit, "ExecStartPre", instance) + self.command(unit, "ExecStart", instance):
            result = subprocess.run(command, env=self.env, capture_output=True, text=True, cwd=self.scratch.root, timeout=120)
            expect(result.returncode == 0, f"{unit.name}: {' '.join(command)} failed:\n{result.stdout}{result.stderr}")
            yield result.stdout + result.stderr

    def start(self, unit: Path, name, instance=None, extra=None):
        for pre in self.command(unit, "ExecStartPre", instance):
            result = subprocess.run(pre, env=self.env, capture_output=True, text=True, cwd=self.scratch.root, timeout=120)
            expect(result.returncode == 0, f"{unit.name} ExecStartPre failed:\n{result.stdout}{result.stderr}")
        [command] = self.command(unit, "ExecStart", instance)
        return self.scratch.start(command, {**self.env, **(extra or {})}, name)


class Nginx:
    """NGINX with a recipe's site file inside a minimal main configuration of the test's own."""

    def __init__(self, scratch: Scratch, site: Path, name="nginx"):
        self.scratch = scratch
        self.prefix = scratch.root / name
        self.prefix.mkdir()
        self.config = self.prefix / "nginx.conf"
        self.config.write_text(f"""
user root;
worker_processes 2;
error_log {self.prefix}/error.log warn;
pid {self.prefix}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {self.prefix}/access.log;
    client_body_temp_path {self.prefix}/body;
    proxy_temp_path {self.prefix}/proxy;
    fastcgi_temp_path {self.prefix}/fastcgi;
    uwsgi_temp_path {self.prefix}/uwsgi;
    scgi_temp_path {self.prefix}/scgi;
    include {site};
}}
""")
        self.process = None

    def check(self):
        result = subprocess.run(["nginx", "-t", "-q", "-p", str(self.prefix), "-c", str(self.config)],
                                capture_output=True, text=True)
        expect(result.returncode == 0, f"nginx -t failed:\n{result.stderr}")

    def start(self):
        self.check()
        self.process = self.scratch.start(
            ["nginx", "-p", str(self.prefix), "-c", str(self.config), "-g", "daemon off;"], base_env(), "nginx")
        time.sleep(0.3)
        expect(self.process.poll() is None, f"nginx exited:\n{self.scratch.log(self.process)}")

    def reload_command(self):
        return f"nginx -p {self.prefix} -c {self.config} -s reload"

    def test_command(self):
        return f"nginx -t -q -p {self.prefix} -c {self.config}"


def make_certificate(folder: Path, names=("localhost",), addresses=("127.0.0.1",)):
    """A self-signed certificate for the test's TLS front door."""
    san = ",".join([f"DNS:{n}" for n in names] + [f"IP:{a}" for a in addresses])
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=memories test",
                    "-addext", f"subjectAltName={san}", "-keyout", str(folder / "privkey.pem"), "-out",
                    str(folder / "fullchain.pem")], check=True, capture_output=True)


# ---------------------------------------------------------------- databases and buckets


class Postgres:
    def __init__(self):
        url = os.environ.get("MEMORIES_TEST_POSTGRES_URL")
        expect(url, "MEMORIES_TEST_POSTGRES_URL is not set (deploy/test.sh starts a server)")
        self.admin = url
        self.created = []

    def create(self, name_hint) -> str:
        name = f"deploy_{name_hint}_{uuid.uuid4().hex[:8]}"
        self.sql(f"CREATE DATABASE {name}")
        self.created.append(name)
        parts = urllib.parse.urlsplit(self.admin)
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, "sslmode=disable", ""))

    def sql(self, statement, url=None):
        result = subprocess.run([str(PSQL), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url or self.admin, "-c", statement],
                                capture_output=True, text=True)
        expect(result.returncode == 0, f"psql failed: {result.stderr}")
        return result.stdout.strip()

    def drop_all(self):
        for name in self.created:
            subprocess.run([str(PSQL), "-X", "-q", self.admin, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                           capture_output=True)


def make_bucket() -> dict:
    endpoint = os.environ.get("MEMORIES_TEST_S3_ENDPOINT")
    expect(endpoint, "MEMORIES_TEST_S3_ENDPOINT is not set (deploy/test.sh starts moto)")
    import boto3
    bucket = f"deploy-{uuid.uuid4().hex[:10]}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-1", aws_access_key_id="test",
                          aws_secret_access_key="test")
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    cors = json.loads(cover(DEPLOY / "object-storage/cors.json").read_text())
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors)
    policy = cover(DEPLOY / "object-storage/bucket-policy.json").read_text().replace("memories-media", bucket)
    json.loads(policy)
    return {"S3_BUCKET": bucket, "S3_ENDPOINT": endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
            "S3_REGION": "eu-west-1"}


# ---------------------------------------------------------------- scenarios

UNITS = DEPLOY / "systemd"


def scenario_local(scratch, postgres):
    """deploy/local: `app dev`, SQLite and ./media, the worker in the process."""
    cover(DEPLOY / "local/README.md")
    port = free_port()
    env = {**base_env(), "HOST": "127.0.0.1", "PORT": str(port)}
    dev = scratch.start([str(APP), "dev"], env, "app-dev", cwd=scratch.root)
    base = f"http://127.0.0.1:{port}"
    wait_until("app dev to answer", lambda: get(base + "/healthz").status == 200, 60)
    ready = upload_and_wait(base, "local")
    media = get(base + ready["urls"]["thumbnail"])
    expect(media.status == 200 and media.headers.get("content-type") == "image/jpeg", "the app serves the thumbnail")
    expect((scratch.root / "data/memories.sqlite3").exists() and (scratch.root / "media/original").is_dir(),
           "app dev keeps SQLite in ./data and media in ./media")
    dev.send_signal(signal.SIGTERM)
    expect(dev.wait(30) == 0, "app dev exits 0 on SIGTERM")


def scenario_single_server(scratch, postgres):
    """deploy/single-server: the systemd units on one VM with SQLite; the app serves static and media; backups."""
    port = free_port()
    env_file = scratch.render(DEPLOY / "single-server/memories.env", [("PORT=8000", f"PORT={port}"), ("HOST=0.0.0.0", "HOST=127.0.0.1")])
    host = Host(scratch, env_file, {})
    (scratch.root / "state/data").mkdir()
    list(host.run_oneshot(UNITS / "memories-migrate.service"))
    create_operator(host.env)
    host.start(UNITS / "memories-serve.service", "serve")
    host.start(UNITS / "memories-worker.service", "worker")
    base = f"http://127.0.0.1:{port}"
    wait_until("app serve to answer", lambda: get(base + "/readyz").status == 200)
    refused = upload(base, photo("anonymous"), host="nobody")
    expect(refused.status == 401, f"an anonymous upload is refused with 401 (got {refused.status})")
    ready = upload_and_wait(base, "single")
    expect(get(base + ready["urls"]["display"]).status == 200, "the app serves media itself")
    expect(get(base + "/static/css/app.css").status == 200, "the app serves static files itself")
    # The backup unit, as its timer would run it, while the app keeps running.
    cover(UNITS / "memories-backup.timer", DEPLOY / "single-server/backup.sh")
    outputs = list(host.run_oneshot(UNITS / "memories-backup.service"))
    expect("1 photos" in outputs[-1], f"backup.sh reports the photo: {outputs}")
    [backup] = list((scratch.root / "backups").iterdir())
    count = subprocess.run(["sqlite3", str(backup / "memories.sqlite3"), "SELECT count(*) FROM photos"],
                           capture_output=True, text=True).stdout.strip()
    expect(count == "1", f"the database copy holds the photo (got {count})")
    listing = subprocess.run(["tar", "-tf", str(backup / "media.tar")], capture_output=True, text=True).stdout
    expect(f"original/{ready['hash']}.jpg" in listing, "the media archive holds the original")
    expect(".tmp" not in listing, "uploads in flight are not archived")


def scenario_typical(scratch, postgres):
    """deploy/typical (+ deploy/worker): NGINX with TLS and HTTP/2 in front, serving static and media from disk;
    serve, worker and the migrate oneshot under their units; PostgreSQL on the host."""
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    database = postgres.create("typical")
    env_file = scratch.render(DEPLOY / "typical/memories.env", [
        ("postgres://memories:change-me@127.0.0.1:5432/memories?sslmode=disable", database), ("PORT=8000", f"PORT={app_port}")])
    worker_settings = read_env_file(cover(DEPLOY / "worker/memories.env"))
    host = Host(scratch, env_file, {})
    list(host.run_oneshot(UNITS / "memories-migrate.service"))
    create_operator(host.env)
    host.start(UNITS / "memories-serve.service", "serve")
    worker = host.start(UNITS / "memories-worker.service", "worker", extra=worker_settings)
    tls = scratch.root / "tls"
    tls.mkdir()
    make_certificate(tls)
    locations = scratch.render(DEPLOY / "typical/nginx-memories-locations.conf")
    site = scratch.render(DEPLOY / "typical/nginx-memories.conf", [
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"), ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("/etc/ssl/memories/", f"{tls}/"), ("/etc/nginx/memories-locations.conf", str(locations)),
        ("127.0.0.1:8000", f"127.0.0.1:{app_port}"), ("/var/www/letsencrypt", str(scratch.root))])
    nginx = Nginx(scratch, site)
    nginx.start()
    front = f"https://127.0.0.1:{https_port}"
    wait_until("the app behind NGINX", lambda: get(front + "/readyz").status == 200)
    redirect = get(f"http://127.0.0.1:{http_port}/", host="photos.example.com")
    expect(redirect.status == 301 and redirect.headers["location"].startswith("https://"), "plain HTTP redirects to HTTPS")
    ready = upload_and_wait(front, "typical")
    curl = subprocess.run(["curl", "-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version}", front + "/"],
                          capture_output=True, text=True)
    expect(curl.stdout == "2", f"NGINX speaks HTTP/2 over TLS (curl saw {curl.stdout!r})")
    css = get(front + "/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    expect(css.status == 200 and css.headers.get("content-encoding") == "gzip", "static text is gzipped")
    expect(get(front + "/media/.tmp/x").status == 404, "uploads in flight are never served")
    concurrency = worker_settings["WORKER_CONCURRENCY"]
    expect(re.search(rf'worker\.concurrency"?[=:]"?{concurrency}\b', scratch.log(worker)),
           "the worker runs with the concurrency of its environment file")
    # Media and static come from disk: they are still served with the app stopped, pages are not.
    serve = next(p for p in scratch.processes if p.name == "serve")
    serve.send_signal(signal.SIGTERM)
    expect(serve.wait(30) == 0, "app serve exits 0 on SIGTERM")
    for kind in ("display", "thumbnail", "original"):
        media = get(front + ready["urls"][kind])
        expect(media.status == 200, f"NGINX serves {kind} from disk with the app down ({media.status})")
        expect("immutable" in media.headers.get("cache-control", ""), f"{kind} is cached for a year")
    expect(get(front + "/").status == 502, "pages need the app")


def scenario_multi_app(scratch, postgres):
    """deploy/multi-app: two independent instances behind one NGINX, routed by host name."""
    http_port = free_port()
    ports = {"alice": free_port(), "bob": free_port()}
    hosts = {}
    for name in ("alice", "bob"):
        database = postgres.create(name)
        env_file = scratch.render(DEPLOY / f"multi-app/{name}.env", [
            (f"postgres://{name}:change-me@127.0.0.1:5432/memories_{name}?sslmode=disable", database),
            ("PORT=8001", f"PORT={ports[name]}"), ("PORT=8002", f"PORT={ports[name]}")])
        (scratch.root / "state" / name).mkdir()
        host = Host(scratch, env_file, {})
        host.start(UNITS / "memories@.service", f"serve-{name}", instance=name)
        host.start(UNITS / "memories-worker@.service", f"worker-{name}", instance=name)
        hosts[name] = (host, database)
    site = scratch.render(DEPLOY / "multi-app/nginx-memories.conf", [
        ("listen 80 default_server;", f"listen 127.0.0.1:{http_port} default_server;"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("127.0.0.1:8001", f"127.0.0.1:{ports['alice']}"), ("127.0.0.1:8002", f"127.0.0.1:{ports['bob']}")])
    Nginx(scratch, site).start()
    front = f"http://127.0.0.1:{http_port}"
    for name in ("alice", "bob"):
        wait_until(f"{name} behind NGINX", lambda n=name: get(front + "/readyz", host=f"{n}.example.com").status == 200)
        create_operator(hosts[name][0].env, host=f"{name}.example.com")
    ready = upload_and_wait(front, "alice", host="alice.example.com")
    expect(postgres.sql("SELECT count(*) FROM photos", hosts["alice"][1]) == "1", "alice's database has the photo")
    expect(postgres.sql("SELECT count(*) FROM photos", hosts["bob"][1]) == "0", "bob's database does not")
    expect(get(front + ready["urls"]["thumbnail"], host="alice.example.com").status == 200, "alice's media are served")
    expect(get(front + ready["urls"]["thumbnail"], host="bob.example.com").status == 404, "bob's site has no such file")
    try:
        stray = get(front + "/", host="evil.example.com").status
    except (http.client.HTTPException, OSError):
        stray = "closed"
    expect(stray == "closed", f"an unknown host name gets no instance (got {stray})")


def scenario_load_balancer(scratch, postgres):
    """deploy/load-balancer + deploy/object-storage: NGINX over two identical app servers sharing PostgreSQL and a
    bucket; one is killed while uploads stream in; nothing acknowledged is lost; media come from the bucket."""
    http_port = free_port()
    database = postgres.create("lb")
    bucket = make_bucket()
    storage = read_env_file(cover(DEPLOY / "object-storage/memories.env"))
    servers = []
    for index in (1, 2):
        port = free_port()
        env_file = scratch.render(DEPLOY / "load-balancer/memories.env", [
            ("postgres://memories:change-me@db.internal:5432/memories?sslmode=verify-full", database),
            ("DATABASE_CA_FILE=/etc/memories/db-ca.pem", ""), ("PORT=8000", f"PORT={port}"), ("HOST=0.0.0.0", "HOST=127.0.0.1")],
            name=f"app{index}.env")
        host = Host(scratch, env_file, {**storage, **bucket})
        if index == 1:
            list(host.run_oneshot(UNITS / "memories-migrate.service"))
            create_operator(host.env)
            host.start(UNITS / "memories-worker.service", "worker")
        servers.append((host.start(UNITS / "memories-serve.service", f"serve{index}"), port))
    site = scratch.render(DEPLOY / "load-balancer/nginx-memories.conf", [
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("10.0.0.11:8000", f"127.0.0.1:{servers[0][1]}"), ("10.0.0.12:8000", f"127.0.0.1:{servers[1][1]}")])
    Nginx(scratch, site).start()
    front = f"http://127.0.0.1:{http_port}"
    for _, port in servers:
        wait_until("both app servers", lambda p=port: get(f"http://127.0.0.1:{p}/readyz").status == 200)
    acknowledged, statuses, errors = [], [], []
    stop = threading.Event()

    def uploader(worker_index):
        n = 0
        while not stop.is_set():
            n += 1
            try:
                # Half a megabyte of padding after the image keeps each request in flight long enough to be cut.
                response = upload(front, photo(f"lb-{worker_index}-{n}") + os.urandom(512 * 1024), f"lb{n}.jpg")
                statuses.append(response.status)
                if 200 <= response.status < 300:
                    acknowledged.extend(p["id"] for p in response.json()["photos"])
            except (OSError, http.client.HTTPException) as error:
                errors.append(repr(error))

    threads = [threading.Thread(target=uploader, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    wait_until("uploads through the balancer", lambda: len(acknowledged) >= 6, 60)
    servers[0][0].send_signal(signal.SIGKILL)
    killed_at = len(statuses)
    wait_until("uploads after the kill", lambda: len(statuses) >= killed_at + 9, 60)
    stop.set()
    for thread in threads:
        thread.join(60)
    expect(not errors, f"every upload was answered: {errors[:3]}")
    expect(all(200 <= s < 300 for s in statuses), f"every upload was acknowledged through the other server: {statuses}")
    ids = ",".join(map(str, acknowledged))
    wait_until("every acknowledged photo ready",
               lambda: postgres.sql(f"SELECT count(*) FROM photos WHERE id IN ({ids}) AND status = 'ready'", database)
               == str(len(set(acknowledged))), 120)
    sample = get(f"http://127.0.0.1:{servers[1][1]}/photos/{acknowledged[-1]}").json()
    thumbnail = sample["urls"]["thumbnail"]
    expect(thumbnail.startswith(bucket["S3_ENDPOINT"]), f"media URLs point at the bucket: {thumbnail}")
    media = request("GET", thumbnail)
    expect(media.status == 200 and media.body[:2] == b"\xff\xd8", "the thumbnail comes straight from the bucket")


def scenario_blue_green(scratch, postgres):
    """deploy/scaling-group: blue/green on one host: green starts beside blue, switch.sh moves NGINX over with a
    reload and drains blue with SIGTERM; a client requesting all along sees no failure."""
    http_port, blue_port, green_port = free_port(), free_port(), free_port()
    database = postgres.create("bluegreen")
    env_file = scratch.render(DEPLOY / "typical/memories.env", [
        ("postgres://memories:change-me@127.0.0.1:5432/memories?sslmode=disable", database)], name="bluegreen.env")
    host = Host(scratch, env_file, {})
    list(host.run_oneshot(UNITS / "memories-migrate.service"))
    create_operator(host.env)
    host.start(UNITS / "memories-worker.service", "worker")
    # The one test client below stands in for many users and uploads back to back: on a fast machine it starts
    # more than the default 60 uploads a minute from one address, which the rate limit rightly answers with 429.
    unlimited = {"UPLOAD_RATE_PER_MINUTE": "0"}
    blue = host.start(UNITS / "memories-serve.service", "blue", extra={"PORT": str(blue_port), **unlimited})
    locations = scratch.render(DEPLOY / "typical/nginx-memories-locations.conf")
    live = scratch.render(DEPLOY / "scaling-group/memories-live.conf", [("127.0.0.1:8001", f"127.0.0.1:{blue_port}")])
    site = scratch.render(DEPLOY / "scaling-group/nginx-blue-green.conf", [
        ("listen 80;", f"listen 127.0.0.1:{http_port};"), ("/etc/nginx/memories-locations.conf", str(locations)),
        ("/etc/nginx/memories-live.conf", str(live))])
    nginx = Nginx(scratch, site)
    nginx.start()
    front = f"http://127.0.0.1:{http_port}"
    wait_until("blue behind NGINX", lambda: get(front + "/readyz").status == 200)
    failures, count = [], [0]
    stop = threading.Event()

    def client():
        n = 0
        while not stop.is_set():
            n += 1
            try:
                page = get(front + "/")
                sent = upload(front, photo(f"bg-{n}"), f"bg{n}.jpg")
                count[0] += 2
                if page.status != 200 or sent.status != 201:
                    failures.append((page.status, sent.status))
            except (OSError, http.client.HTTPException) as error:
                failures.append(repr(error))

    thread = threading.Thread(target=client)
    thread.start()
    green = host.start(UNITS / "memories-serve.service", "green", extra={"PORT": str(green_port), **unlimited})
    switch = subprocess.run(
        [str(cover(DEPLOY / "scaling-group/switch.sh")), "green"], capture_output=True, text=True, timeout=120,
        env={**base_env(), "LIVE_CONF": str(live), "BLUE_PORT": str(blue_port), "GREEN_PORT": str(green_port),
             "NGINX_TEST": nginx.test_command(), "NGINX_RELOAD": nginx.reload_command(), "DRAIN_SECONDS": "2",
             "STOP_OLD": f"kill -TERM {blue.pid}"})
    expect(switch.returncode == 0, f"switch.sh green failed:\n{switch.stdout}{switch.stderr}")
    expect(blue.wait(30) == 0, "blue drained and exited 0")
    before = count[0]
    wait_until("requests served by green alone", lambda: count[0] >= before + 10, 60)
    stop.set()
    thread.join(60)
    expect(not failures, f"no request failed during the switch: {failures[:5]}")
    expect(green.poll() is None, "green is serving")
    expect(f"127.0.0.1:{green_port}" in live.read_text(), "the live upstream names green")


class Network:
    """Hosts of their own on this machine: network namespaces on a bridge (10.231.0.0/24; the bridge, .1, is
    this namespace)."""

    def __init__(self, hosts: dict):
        self.hosts = hosts
        self.bridge = "memories-br"
        self.run("ip", "link", "add", self.bridge, "type", "bridge")
        self.run("ip", "addr", "add", "10.231.0.1/24", "dev", self.bridge)
        self.run("ip", "link", "set", self.bridge, "up")
        for name, address in hosts.items():
            self.run("ip", "netns", "add", name)
            self.run("ip", "link", "add", f"v-{name}"[:15], "type", "veth", "peer", "name", "eth0", "netns", name)
            self.run("ip", "link", "set", f"v-{name}"[:15], "master", self.bridge, "up")
            self.run("ip", "-n", name, "addr", "add", f"{address}/24", "dev", "eth0")
            self.run("ip", "-n", name, "link", "set", "eth0", "up")
            self.run("ip", "-n", name, "link", "set", "lo", "up")

    @staticmethod
    def run(*command):
        result = subprocess.run(command, capture_output=True, text=True)
        expect(result.returncode == 0, f"{' '.join(command)}: {result.stderr.strip()}")

    @staticmethod
    def available():
        return os.geteuid() == 0 and shutil.which("ip") is not None

    def close(self):
        for name in self.hosts:
            subprocess.run(["ip", "netns", "delete", name], capture_output=True)
        subprocess.run(["ip", "link", "delete", self.bridge], capture_output=True)


def scenario_external_hosts(scratch, postgres):
    """deploy/external-db + deploy/external-worker: PostgreSQL on a host of its own over verified TLS, a worker on
    another host, media in an object store; `app serve` here. Hosts are network namespaces on a bridge."""
    if not Network.available():
        print("skipped: external-hosts needs root and iproute2 (network namespaces)")
        cover(DEPLOY / "external-db/memories.env", DEPLOY / "external-worker/memories.env")
        return
    network = Network({"memories-db": "10.231.0.2", "memories-wk": "10.231.0.3"})
    db_services = scratch.root / "dbhost"
    db_services.mkdir()
    os.chmod(db_services, 0o755)
    script = str(REPO / "scripts/services/postgres.sh")
    db_env = {**os.environ, "MEMORIES_SERVICES_DIR": str(db_services), "POSTGRES_LISTEN_ADDRESS": "10.231.0.2",
              "POSTGRES_REMOTE_NETWORK": "10.231.0.0/24"}
    try:
        started = subprocess.run(["ip", "netns", "exec", "memories-db", script, "start", "5432"], env=db_env,
                                 capture_output=True, text=True, timeout=120)
        expect(started.returncode == 0, f"PostgreSQL on the database host:\n{started.stderr}")
        ca = re.search(r"MEMORIES_TEST_POSTGRES_CA=(\S+)", started.stdout).group(1)
        moto_port = free_port()
        moto = scratch.start(["moto_server", "-H", "10.231.0.1", "-p", str(moto_port)], base_env(), "object-store")
        endpoint = f"http://10.231.0.1:{moto_port}"
        wait_until("the object store", lambda: request("GET", endpoint + "/").status < 500, 30)
        import boto3
        bucket = f"external-{uuid.uuid4().hex[:8]}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                     aws_secret_access_key="test").create_bucket(Bucket=bucket)
        storage = {"S3_BUCKET": bucket, "S3_ENDPOINT": endpoint, "S3_REGION": "us-east-1",
                   "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
        database = [("memories:change-me@db.internal:5432/memories", "app@10.231.0.2:5432/memories_test"),
                    ("/etc/memories/db-ca.pem", ca)]
        port = free_port()
        web_env = scratch.render(DEPLOY / "external-db/memories.env", database, name="web.env")
        web = Host(scratch, web_env, {**storage, "STORAGE": "s3", "PORT": str(port), "RESOURCES_DIR": str(REPO)})
        list(web.run_oneshot(UNITS / "memories-migrate.service"))
        create_operator(web.env)
        web.start(UNITS / "memories-serve.service", "serve")
        worker_env = scratch.render(DEPLOY / "external-worker/memories.env", database, name="worker.env")
        worker_host = Host(scratch, worker_env, storage)
        [command] = worker_host.command(UNITS / "memories-worker.service")
        worker = scratch.start(["ip", "netns", "exec", "memories-wk", *command], worker_host.env, "worker-host")
        base = f"http://127.0.0.1:{port}"
        wait_until("app serve", lambda: get(base + "/readyz").status == 200)
        ready = upload_and_wait(base, "external")
        expect("job done" in scratch.log(worker), "the worker on its own host made the thumbnail")
        expect(request("GET", ready["urls"]["thumbnail"]).status == 200, "the thumbnail is in the object store")
        plain = subprocess.run(
            ["ip", "netns", "exec", "memories-db", str(PSQL), "-X", "-t", "-A", "-h", "127.0.0.1", "-p", "5432", "-U", "app",
             "-d", "memories_test", "-c",
             "SELECT count(*) FILTER (WHERE ssl), count(*) FILTER (WHERE NOT ssl) FROM pg_stat_ssl "
             "JOIN pg_stat_activity USING (pid) WHERE client_addr <<= '10.231.0.0/24'"],
            capture_output=True, text=True)
        encrypted, unencrypted = plain.stdout.strip().split("|")
        expect(int(encrypted) >= 2 and unencrypted == "0",
               f"every connection from the app hosts is TLS (TLS {encrypted}, plain {unencrypted})")
        worker.send_signal(signal.SIGTERM)
        expect(worker.wait(60) == 0, "the remote worker drains and exits 0")
        moto.kill()
    finally:
        subprocess.run(["ip", "netns", "exec", "memories-db", script, "stop"], env=db_env, capture_output=True)
        network.close()



class Redis:
    """redis-server with the recipe's configuration (deploy/cache/redis.conf) on a free port."""

    def __init__(self, scratch: Scratch):
        self.scratch = scratch
        self.port = free_port()
        self.config = scratch.render(DEPLOY / "cache/redis.conf")
        self.password = re.search(r"^requirepass (\S+)", self.config.read_text(), re.M).group(1)
        self.process = None

    def start(self):
        (self.scratch.root / "redis").mkdir(exist_ok=True)
        self.process = self.scratch.start(
            ["redis-server", str(self.config), "--port", str(self.port), "--dir", str(self.scratch.root / "redis"),
             "--daemonize", "no"], base_env(), "redis")
        wait_until("redis to answer", lambda: self.cli("PING") == "PONG", 30)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)

    def cli(self, *command):
        result = subprocess.run(["redis-cli", "-p", str(self.port), "--no-auth-warning", "-a", self.password, *command],
                                capture_output=True, text=True, timeout=30)
        return result.stdout.strip()


def scenario_cache(scratch, postgres):
    """deploy/cache: Redis shared by two app servers and a worker behind NGINX with a micro-cache. The rate limit is
    one limit across servers; a photo turning ready shows on both servers' cached galleries; NGINX answers a repeat
    anonymous GET from its cache; with Redis stopped the app serves and accepts uploads, and uses Redis again once
    it is back."""
    redis = Redis(scratch)
    redis.start()
    database = postgres.create("cache")
    http_port = free_port()
    ports = [free_port(), free_port()]
    hosts = []
    for index, port in enumerate(ports, 1):
        env_file = scratch.render(DEPLOY / "cache/memories.env", [
            ("postgres://memories:change-me@127.0.0.1:5432/memories", database), ("PORT=8001", f"PORT={port}"),
            ("127.0.0.1:6379", f"127.0.0.1:{redis.port}"), ("UPLOAD_RATE_PER_MINUTE=60", "UPLOAD_RATE_PER_MINUTE=6")],
            name=f"app{index}.env")
        hosts.append(Host(scratch, env_file, {}))
    (scratch.root / "state/media").mkdir()
    list(hosts[0].run_oneshot(UNITS / "memories-migrate.service"))
    create_operator(hosts[0].env)
    check = subprocess.run([str(APP), "check"], env=hosts[0].env, capture_output=True, text=True, timeout=60,
                           cwd=scratch.root)
    expect("check cache: ok" in check.stdout and "change-me" not in check.stdout,
           f"app check tests the cache and masks its password:\n{check.stdout}{check.stderr}")
    hosts[0].start(UNITS / "memories-worker.service", "worker")
    for index, host in enumerate(hosts, 1):
        host.start(UNITS / "memories-serve.service", f"serve{index}")
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    for base in bases:
        wait_until(f"{base} to be ready", lambda b=base: get(b + "/readyz").status == 200)
    cache_dir = scratch.root / "nginx-cache"
    site = scratch.render(DEPLOY / "cache/nginx-memories.conf", [
        ("listen 80;", f"listen 127.0.0.1:{http_port};"), ("/var/cache/nginx/memories", str(cache_dir)),
        ("127.0.0.1:8001", f"127.0.0.1:{ports[0]}"), ("127.0.0.1:8002", f"127.0.0.1:{ports[1]}")])
    Nginx(scratch, site).start()
    front = f"http://127.0.0.1:{http_port}"
    html = {"Accept": "text/html"}

    # (c) NGINX micro-cache: a repeat anonymous GET / is a HIT with no cookie set; any cookie bypasses it.
    hits = []

    def repeat_is_hit():
        first = request("GET", front + "/", headers=html)
        second = request("GET", front + "/", headers=html)
        hits.append((first.headers.get("x-cache-status"), second.headers.get("x-cache-status")))
        expect("set-cookie" not in second.headers, "a shared page sets no cookie")
        return second.status == 200 and second.headers.get("x-cache-status") == "HIT"

    wait_until("a micro-cache HIT on a repeat anonymous GET /", repeat_is_hit, 30, every=0.05)
    personal = request("GET", front + "/", headers={**html, "Cookie": "memories_csrf=" + "a" * 64})
    expect(personal.headers.get("x-cache-status") == "BYPASS" and "a" * 64 in personal.body.decode(),
           f"a request with a cookie gets its own page: {personal.headers.get('x-cache-status')}")

    # (b) Both servers render the gallery (cached in Redis, queued), the worker makes the photo ready and bumps the
    # generation: both servers' next gallery shows it ready although their grids are kept for minutes.
    response = upload(bases[0], photo("cache-ready"), "ready.jpg")
    expect(response.status == 201, f"upload answered {response.status}")
    photo_id = response.json()["photos"][0]["id"]
    for base in bases:
        page = request("GET", base + "/", headers=html).body.decode()
        expect(f'data-photo-id="{photo_id}"' in page, f"{base} shows the new photo at once")
    expect(redis.cli("GET", "memories:gallery:generation").isdigit(), "the generation lives in Redis")
    expect(any(key for key in redis.cli("KEYS", "memories:gallery:*:timeline:first").splitlines()), "grids are cached in Redis")
    wait_until(f"photo {photo_id} to be ready", lambda: get(f"{bases[1]}/photos/{photo_id}").json()["status"] == "ready", 90)
    for base in bases:
        wait_until(f"{base}'s cached gallery to show the photo ready",
                   lambda b=base: f'data-photo-id="{photo_id}" data-status="ready"' in request("GET", b + "/", headers=html).body.decode(), 10)
    media = request("GET", bases[1] + get(f"{bases[1]}/photos/{photo_id}").json()["urls"]["thumbnail"])
    expect(media.status == 200 and "immutable" in media.headers.get("cache-control", "") and media.headers.get("etag"),
           "media are served immutable with an ETag")
    again = request("GET", bases[1] + get(f"{bases[1]}/photos/{photo_id}").json()["urls"]["thumbnail"],
                    headers={"If-None-Match": media.headers["etag"]})
    expect(again.status == 304, f"If-None-Match answers 304, got {again.status}")

    # (d) Redis stopped: galleries and uploads keep working (uncached, the limit fails open); then Redis returns.
    redis.stop()
    for index, base in enumerate(bases):
        expect(request("GET", base + "/", headers=html).status == 200, f"{base} serves the gallery without Redis")
        answered = upload(base, photo(f"no-redis-{index}"), f"down{index}.jpg")
        expect(answered.status == 201, f"{base} accepts uploads without Redis: {answered.status} {answered.body[:200]!r}")
    expect(request("GET", front + "/", headers=html).status == 200, "the front door serves without Redis")
    redis.start()
    for base in bases:
        def cached_again(b=base):
            upload(b, photo("after-redis"), "after.jpg")
            request("GET", b + "/", headers=html)
            return redis.cli("GET", f"memories:rate:upload:ip:127.0.0.1").isdigit() and redis.cli("KEYS", "memories:gallery:*")
        wait_until(f"{base} to use Redis again", cached_again, 30, every=0.5)

    # (a) One limit across servers: uploads alternating between them are refused after the 6th in the window.
    redis.cli("FLUSHDB")
    statuses = []
    for attempt in range(8):
        answered = upload(bases[attempt % 2], photo(f"rate-{attempt}"), f"rate{attempt}.jpg")
        statuses.append(answered.status)
        if answered.status == 429:
            expect(answered.json().get("error") == "rate_limited" and int(answered.headers["retry-after"]) >= 1,
                   f"429 carries rate_limited and Retry-After: {answered.headers} {answered.body[:200]!r}")
    expect(statuses == [201] * 6 + [429, 429], f"the 7th upload across both servers is refused: {statuses}")


def scenario_managed_queue(scratch, postgres):
    """deploy/managed-queue: QUEUE=sqs on moto's SQS with a dead-letter queue and redrive policy made as the README
    tells an operator; serve relays the outbox, a worker long-polls, and the thumbnail appears."""
    import boto3
    endpoint = os.environ.get("MEMORIES_TEST_S3_ENDPOINT")
    expect(endpoint, "MEMORIES_TEST_S3_ENDPOINT is not set (deploy/test.sh starts moto)")
    settings = read_env_file(cover(DEPLOY / "managed-queue/memories.env"))
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=settings["SQS_REGION"], aws_access_key_id="test",
                       aws_secret_access_key="test")
    name = f"deploy-{uuid.uuid4().hex[:8]}"
    dead = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": settings["JOB_LEASE_SECONDS"],
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": settings["JOB_MAX_ATTEMPTS"]})})["QueueUrl"]
    app_port = free_port()
    database = postgres.create("managed_queue")
    bucket = make_bucket()
    env = {**settings, **bucket, "SQS_QUEUE_URL": queue, "SQS_ENDPOINT": endpoint, "SQS_WAIT_SECONDS": "2",
           "DATABASE_URL": database, "PORT": str(app_port), "HOST": "127.0.0.1", "RESOURCES_DIR": str(REPO),
           "WORKER_CONCURRENCY": "2"}
    env_file = scratch.root / "managed-queue.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    host = Host(scratch, env_file, {})
    list(host.run_oneshot(UNITS / "memories-migrate.service"))
    check = subprocess.run([str(APP), "check"], env=host.env, capture_output=True, text=True, timeout=60)
    expect("check queue: ok (sqs: reachable, dead letters to" in check.stdout, f"app check tests the queue:\n{check.stdout}")
    create_operator(host.env)
    host.start(UNITS / "memories-serve.service", "serve")
    host.start(UNITS / "memories-worker.service", "worker")
    base = f"http://127.0.0.1:{app_port}"
    wait_until("app serve", lambda: get(base + "/readyz").status == 200)
    upload_and_wait(base, "managed-queue")
    metrics = get(base + "/metrics").body.decode()
    expect("memories_jobs_outbox_depth 0" in metrics, "the outbox is empty once the job was relayed")


SCENARIOS = {
    "local": scenario_local,
    "single-server": scenario_single_server,
    "typical": scenario_typical,
    "multi-app": scenario_multi_app,
    "load-balancer": scenario_load_balancer,
    "blue-green": scenario_blue_green,
    "external-hosts": scenario_external_hosts,
    "cache": scenario_cache,
    "managed-queue": scenario_managed_queue,
}


# ---------------------------------------------------------------- validation of what does not run here


def validate_units():
    """systemd-analyze verify on every unit, rendered so its paths exist here; any complaint fails."""
    scratch = Path(tempfile.mkdtemp(prefix="memories-units-"))
    try:
        env_dir = scratch / "etc"
        env_dir.mkdir()
        for name in ("memories", "alice", "bob"):
            (env_dir / f"{name}.env").write_text("")
        units = []
        for unit in sorted(UNITS.iterdir()):
            cover(unit)
            text = unit.read_text().replace("/opt/memories/bin/app", str(APP)).replace(
                "/opt/memories/deploy/", str(DEPLOY) + "/").replace("/etc/memories/", f"{env_dir}/")
            target = scratch / unit.name.replace("@.service", "@test.service")
            target.write_text(text)
            units.append(str(target))
        result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True)
        complaints = [line for line in (result.stdout + result.stderr).splitlines()
                      if line.strip() and "memories" in line or "Unknown" in line]
        expect(not complaints, "systemd-analyze verify:\n" + "\n".join(complaints))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def validate_nginx_files():
    """`nginx -t` on the NGINX files no scenario starts (the external-db and external-worker folders have none)."""
    for path in DEPLOY.rglob("*.conf"):
        if "nginx" in path.name:
            cover(path)  # each is started by a scenario; nginx -t runs there


def validate_other_files():
    for path in (DEPLOY / "external-db/pg_hba.conf", DEPLOY / "external-db/postgresql.conf"):
        cover(path)
        text = path.read_text()
        if path.name == "pg_hba.conf":
            rows = [line.split() for line in text.splitlines() if line.strip() and not line.startswith("#")]
            expect(all(row[0] in ("local", "host", "hostssl", "hostnossl") for row in rows), "pg_hba.conf rows")
            expect(any(row[0] == "hostssl" and row[-1] == "scram-sha-256" for row in rows), "TLS with SCRAM for the app")
        else:
            for line in text.splitlines():
                if line.strip() and not line.startswith("#"):
                    expect(re.match(r"^[a-z_]+ = .+$", line), f"postgresql.conf line: {line}")
    for path in (DEPLOY / "external-db/memories.env", DEPLOY / "external-worker/memories.env"):
        cover(path)
        values = read_env_file(path)
        expect("sslmode=verify-full" in values["DATABASE_URL"] and values.get("DATABASE_CA_FILE"), f"{path}: verified TLS")
    for script in DEPLOY.rglob("*.sh"):
        cover(script)
        result = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True)
        expect(result.returncode == 0, f"shellcheck {script}:\n{result.stdout}")


def check_coverage():
    """Every file in deploy/ is exercised or validated by this run (READMEs are documentation)."""
    untouched = []
    for path in sorted(DEPLOY.rglob("*")):
        if "__pycache__" in path.parts:
            continue
        if path.is_file() and path.name not in ("README.md", "test.py", "test.sh") and path.resolve() not in COVERED:
            untouched.append(str(path.relative_to(REPO)))
    expect(not untouched, "files in deploy/ no test touches:\n  " + "\n  ".join(untouched))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--keep", action="store_true", help="keep the scratch folders")
    parser.add_argument("--covered", action="append", default=[],
                        help="a file or folder another script validated (deploy/validate-offline.sh)")
    args = parser.parse_args()
    expect(APP.exists(), f"{APP} is missing: build first (swift build)")
    for path in args.covered:
        cover(path)
    postgres = Postgres()
    failed = []
    try:
        for name, scenario in SCENARIOS.items():
            if args.only and name not in args.only:
                continue
            scratch = Scratch(name, args.keep)
            TOKENS.clear()
            started = time.monotonic()
            try:
                scenario(scratch, postgres)
                print(f"ok   {name} ({time.monotonic() - started:.1f} s)", flush=True)
                scratch.close(failed=False)
            except Exception as error:  # one scenario's failure must not hide the others'
                print(f"FAIL {name}: {error}", flush=True)
                scratch.close(failed=True)
                failed.append(name)
        if not args.only:
            for name, check in (("systemd units", validate_units), ("nginx files", validate_nginx_files),
                                ("other files", validate_other_files), ("coverage", check_coverage)):
                try:
                    check()
                    print(f"ok   {name}", flush=True)
                except Failure as error:
                    print(f"FAIL {name}: {error}", flush=True)
                    failed.append(name)
    finally:
        postgres.drop_all()
    if failed:
        print(f"deploy tests failed: {', '.join(failed)}")
        sys.exit(1)
    print("deploy tests passed")


if __name__ == "__main__":
    main()
