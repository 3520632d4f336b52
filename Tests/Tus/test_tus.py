"""Resumable uploads (tus 1.0) against real `app serve` and `app worker` processes, driven by tuspy."""
import argparse
import base64
import glob
import hashlib
import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from tusclient import client as tus_client

ARGS = None
FAILURES = []
# The bearer token of the stack under test (`app serve` requires sign-in by default): sent with every request.
AUTH = {}


def check(condition, message):
    if condition:
        print(f"  ok: {message}")
    else:
        print(f"  FAILED: {message}")
        FAILURES.append(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, headers=None, body=None, anonymous=False):
    req = urllib.request.Request(url, method=method, data=body, headers=dict({} if anonymous else AUTH, **(headers or {})))
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, dict((k.lower(), v) for k, v in resp.headers.items()), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict((k.lower(), v) for k, v in err.headers.items()), err.read()


TUS = {"Tus-Resumable": "1.0.0"}


class Stack:
    """A database, a store and the processes over them."""

    def __init__(self, storage, name):
        self.dir = tempfile.mkdtemp(prefix=f"memories-tus-{name}-")
        self.env = dict(os.environ)
        self.env.update({
            "DATABASE_URL": f"sqlite:{self.dir}/memories.sqlite3",
            "MEDIA_ROOT": f"{self.dir}/media",
            "RESOURCES_DIR": ARGS.root,
            "LOG_LEVEL": "warning",
            "SWEEP_INTERVAL_SECONDS": "1",
        })
        if storage == "s3":
            bucket = "tus-" + os.urandom(4).hex()
            endpoint = os.environ["MEMORIES_TEST_S3_ENDPOINT"]
            request("PUT", f"{endpoint}/{bucket}")
            self.env.update({"STORAGE": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT": endpoint,
                             "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
            self.bucket, self.endpoint = bucket, endpoint
        self.storage = storage
        self.processes = []
        subprocess.run([ARGS.app, "migrate"], env=self.env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([ARGS.app, "users", "create", "tester"], env=self.env, check=True, input="correct horse battery staple\n",
                       text=True, stdout=subprocess.DEVNULL)
        self.token = subprocess.run([ARGS.app, "tokens", "create", "tester", "--name", "tus test"], env=self.env, check=True,
                                    capture_output=True, text=True).stdout.strip()
        AUTH.clear()
        AUTH["Authorization"] = "Bearer " + self.token

    def serve(self, **extra):
        port = free_port()
        env = dict(self.env, PORT=str(port), **extra)
        proc = subprocess.Popen([ARGS.app, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.processes.append(proc)
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if request("GET", base + "/healthz")[0] == 200:
                    return base
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("app serve did not start: " + proc.stderr.read().decode()[-2000:])

    def worker(self):
        self.processes.append(subprocess.Popen([ARGS.app, "worker"], env=self.env, stdout=subprocess.DEVNULL))

    def open_multipart_uploads(self):
        if self.storage != "s3":
            return []
        body = request("GET", f"{self.endpoint}/{self.bucket}?uploads")[2].decode()
        return [part.split("</UploadId>")[0] for part in body.split("<UploadId>")[1:]]

    def staged_files(self):
        return glob.glob(f"{self.dir}/media/.tmp/resumable/*")

    def stop(self):
        for proc in self.processes:
            proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def sample_photo(size_hint):
    """A real phone photo from ../shared/photos when there is one, else a synthetic noisy JPEG."""
    shared = sorted(glob.glob(os.path.join(ARGS.root, "..", "shared", "photos", "phone", "*.jpg")))
    if shared:
        with open(shared[0], "rb") as f:
            data = f.read()
        return data + b"\0" * max(0, size_hint - len(data)) if size_hint else data
    from PIL import Image
    image = Image.effect_noise((2000, 1500), 80).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    data = out.getvalue()
    return data + b"\0" * max(0, size_hint - len(data))


def wait_ready(base, photo_id, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, _, body = request("GET", f"{base}/photos/{photo_id}", {"Accept": "application/json"})
        if status == 200 and json.loads(body)["status"] in ("ready", "failed"):
            return json.loads(body)["status"]
        time.sleep(0.3)
    return "timeout"


def killed_mid_chunk(url, offset, data):
    """Sends a PATCH whose body stops half-way, then drops the connection."""
    host = url.split("/")[2]
    path = "/" + url.split("/", 3)[3]
    conn = http.client.HTTPConnection(host, timeout=30)
    conn.putrequest("PATCH", path)
    for name, value in {**AUTH, "Tus-Resumable": "1.0.0", "Upload-Offset": str(offset),
                        "Content-Type": "application/offset+octet-stream", "Content-Length": str(len(data))}.items():
        conn.putheader(name, value)
    conn.endheaders()
    conn.send(data[: len(data) // 2])
    conn.sock.shutdown(socket.SHUT_RDWR)
    conn.close()


def test_store(storage):
    print(f"== tus over {storage} storage")
    stack = Stack(storage, storage)
    try:
        a, b = stack.serve(), stack.serve()
        stack.worker()
        status, headers, _ = request("OPTIONS", a + "/uploads")
        check(status == 204 and headers.get("tus-version") == "1.0.0", "OPTIONS discovery")
        status, _, _ = request("POST", a + "/uploads", dict(TUS, **{"Upload-Length": "10"}), anonymous=True)
        check(status == 401, f"without a token no upload starts ({status})")

        data = sample_photo(12 * 1024 * 1024)
        path = os.path.join(stack.dir, "photo.jpg")
        with open(path, "wb") as f:
            f.write(data)
        client = tus_client.TusClient(a + "/uploads", headers=dict(AUTH))
        uploader = client.uploader(path, chunk_size=1024 * 1024, metadata={"filename": "photo.jpg"},
                                   upload_checksum=True, retries=0)
        uploader.set_url(uploader.create_url())
        uploader.offset = 0
        servers = [a, b]
        chunks = 0
        # Chunks alternate between the two servers, as a load balancer would send them.
        while uploader.offset < 3 * 1024 * 1024:
            uploader.url = uploader.url.replace(servers[(chunks + 1) % 2], servers[chunks % 2])
            uploader.upload_chunk()
            chunks += 1
        check(uploader.offset == 3 * 1024 * 1024, f"{chunks} small chunks alternating between two servers")

        before = uploader.offset
        killed_mid_chunk(uploader.url, before, data[before:before + 1024 * 1024])
        time.sleep(0.5)
        offset = uploader.get_offset()
        check(offset == before, f"a connection killed mid-chunk keeps nothing of it (HEAD says {offset})")

        status, _, body = request("PATCH", uploader.url, dict(TUS, **{
            "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream",
            "Upload-Checksum": "sha256 " + base64.b64encode(hashlib.sha256(b"other").digest()).decode()}),
            data[offset:offset + 1000])
        check(status == 460 and json.loads(body)["error"] == "checksum_mismatch", f"a wrong checksum gets 460 ({status})")
        check(uploader.get_offset() == offset, "the refused chunk was not kept")

        uploader.offset = offset
        while uploader.offset < len(data):
            uploader.url = uploader.url.replace(servers[(chunks + 1) % 2], servers[chunks % 2])
            uploader.upload_chunk()
            chunks += 1
        final = uploader.request
        check(final.status_code == 201, f"the last chunk answers 201 ({final.status_code})")
        photo = json.loads(final.response_content)
        check(photo["hash"] == hashlib.sha256(data).hexdigest(), "the photo's hash is the file's SHA-256")
        check(final.response_headers.get("location") == f"/photos/{photo['id']}", "Location names the photo")
        check(wait_ready(b, photo["id"]) == "ready", "the worker makes the photo ready")
        check(not stack.staged_files() and not stack.open_multipart_uploads(), "nothing staged is left")
        status, _, _ = request("GET", f"{a}/photos?hash={photo['hash']}", {"Accept": "application/json"})
        check(status == 200, "GET /photos?hash= finds it")

        # An upload that expires unfinished is swept with its parts (the worker sweeps every second).
        short = stack.serve(UPLOAD_EXPIRY_HOURS="0.0005")
        status, headers, _ = request("POST", short + "/uploads", dict(TUS, **{"Upload-Length": str(len(data))}))
        url = short + headers["location"]
        status, _, _ = request("PATCH", url, dict(TUS, **{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}),
                               data[:6 * 1024 * 1024])
        check(status == 204, "a chunk of the upload that will expire")
        check(len(stack.staged_files()) + len(stack.open_multipart_uploads()) == 1, "its part is staged")
        deadline = time.time() + 60
        while time.time() < deadline and request("HEAD", url, TUS)[0] != 404:
            time.sleep(0.5)
        check(request("HEAD", url, TUS)[0] == 404, "the expired upload is gone")
        check(not stack.staged_files() and not stack.open_multipart_uploads(), "with its parts")
    finally:
        stack.stop()


def run_import(args, stack_env, **kwargs):
    return subprocess.run([ARGS.app, "import", *args], env=stack_env, capture_output=True, text=True, **kwargs)


def test_import():
    print("== app import")
    folder = os.path.join(ARGS.root, "..", "shared", "photos", "phone")
    if not os.path.isdir(folder):
        print("  (../shared/photos/phone is absent: importing synthetic photos)")
        folder = tempfile.mkdtemp(prefix="memories-import-")
        from PIL import Image
        for i in range(12):
            Image.effect_noise((1200, 900), 40 + i).convert("RGB").save(f"{folder}/p{i}.jpg", "JPEG", quality=90)
    count = len([n for n in os.listdir(folder) if n.lower().endswith((".jpg", ".jpeg", ".png"))])
    stack = Stack("local", "import")
    try:
        server = stack.serve()
        first = run_import([folder, "--server", server, "--token", stack.token], stack.env, timeout=900)
        print("  " + first.stdout.strip().splitlines()[-1])
        check(first.returncode == 0 and f"imported {count}," in first.stdout, f"the first run imports {count} photos")
        second = run_import([folder, "--server", server], dict(stack.env, MEMORIES_TOKEN=stack.token), timeout=900)
        check(second.returncode == 0 and "nothing to import" in second.stdout, "the second run imports nothing and says so")

        # Interrupted half-way, then run again: it finishes with no duplicate.
        other = Stack("local", "import-sigint")
        other_server = other.serve()
        proc = subprocess.Popen([ARGS.app, "import", folder, "--server", other_server, "--token", other.token, "--concurrency", "1"],
                                env=other.env, stdout=subprocess.PIPE, text=True)
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("imported ") and len(lines) >= 3:
                proc.send_signal(signal.SIGINT)
                break
        rest, _ = proc.communicate(timeout=120)
        check(proc.returncode == 130 and "interrupted" in rest, f"SIGINT stops the import (exit {proc.returncode})")
        again = run_import([folder, "--server", other_server, "--token", other.token], other.env, timeout=900)
        print("  " + again.stdout.strip().splitlines()[-1])
        status, _, body = request("GET", f"{other_server}/photos?limit=200", {"Accept": "application/json"})
        photos = json.loads(body)["photos"]
        check(again.returncode == 0 and len(photos) == count == len({p["hash"] for p in photos}),
              f"the rerun finishes: {len(photos)} photos, no duplicate")
        other.stop()

        # Straight into the database and store, no server.
        direct = Stack("local", "import-direct")
        local = run_import([folder], direct.env, timeout=900)
        check(local.returncode == 0 and f"imported {count}," in local.stdout, "app import without --server imports into the store")
        direct.stop()
    finally:
        stack.stop()


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", required=True)
    parser.add_argument("--root", required=True)
    ARGS = parser.parse_args()
    test_store("local")
    if os.environ.get("MEMORIES_TEST_S3_ENDPOINT"):
        test_store("s3")
    else:
        print("skipped: S3 (MEMORIES_TEST_S3_ENDPOINT not set)")
    test_import()
    if FAILURES:
        print(f"{len(FAILURES)} failed:", *FAILURES, sep="\n  ")
        sys.exit(1)
    print("tus tests: all passed")


if __name__ == "__main__":
    main()
