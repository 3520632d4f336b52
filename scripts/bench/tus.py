#!/usr/bin/env python3
"""Resumable uploads measured: one 40 MB upload through tus (5 MiB chunks, tuspy) against the same size as one plain
multipart POST, on one store; then `app import` photos per second on ../shared/photos/phone into a local server.

    scripts/bench/tus.py --app .build/release/app [--storage s3 --s3-endpoint http://127.0.0.1:9000]
"""
import argparse
import glob
import http.client
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

from tusclient import client as tus_client


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", required=True)
    parser.add_argument("--storage", default="local", choices=["local", "s3"])
    parser.add_argument("--s3-endpoint")
    parser.add_argument("--mb", type=int, default=40)
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    work = tempfile.mkdtemp(prefix="memories-bench-tus-")
    env = dict(os.environ, DATABASE_URL=f"sqlite:{work}/db.sqlite3", MEDIA_ROOT=f"{work}/media", RESOURCES_DIR=root,
               LOG_LEVEL="warning", MAX_UPLOAD_BYTES="100MB", AUTH_REQUIRED="false")
    if args.storage == "s3":
        bucket = "bench-" + os.urandom(4).hex()
        urllib.request.urlopen(urllib.request.Request(f"{args.s3_endpoint}/{bucket}", method="PUT"))
        env.update(STORAGE="s3", S3_BUCKET=bucket, S3_ENDPOINT=args.s3_endpoint, AWS_ACCESS_KEY_ID="testing",
                   AWS_SECRET_ACCESS_KEY="testing")
    subprocess.run([args.app, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen([args.app, "serve"], env=dict(env, PORT=str(port)))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        photo = sorted(glob.glob(os.path.join(root, "..", "shared", "photos", "phone", "*.jpg")))[0]
        data = open(photo, "rb").read()
        size = args.mb * 1_000_000

        def padded(tag):
            return data + tag + b"\0" * (size - len(data) - 1)

        # Plain multipart: one request.
        boundary = "bench" + os.urandom(8).hex()
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
                "Content-Type: image/jpeg\r\n\r\n").encode() + padded(b"\1") + f"\r\n--{boundary}--\r\n".encode()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        start = time.perf_counter()
        conn.request("POST", "/photos", body, {"Content-Type": f"multipart/form-data; boundary={boundary}",
                                               "Accept": "application/json"})
        status = conn.getresponse().status
        multipart = time.perf_counter() - start
        assert status == 201, status

        # tus, 5 MiB chunks.
        path = os.path.join(work, "b.jpg")
        open(path, "wb").write(padded(b"\2"))
        uploader = tus_client.TusClient(base + "/uploads").uploader(
            path, chunk_size=5 * 1024 * 1024, metadata={"filename": "b.jpg"}, upload_checksum=True)
        start = time.perf_counter()
        uploader.upload()
        tus = time.perf_counter() - start
        assert uploader.request.status_code == 201, uploader.request.status_code
        mb = size / 1e6
        print(f"{args.storage}: {mb:.0f} MB multipart {multipart:.2f} s ({mb / multipart:.1f} MB/s); "
              f"tus 5 MiB chunks {tus:.2f} s ({mb / tus:.1f} MB/s), {len(range(0, size, 5 * 1024 * 1024))} PATCHes")

        folder = os.path.join(root, "..", "shared", "photos", "phone")
        if args.storage == "local" and os.path.isdir(folder):
            result = subprocess.run([args.app, "import", folder, "--server", base], capture_output=True, text=True)
            print("app import --server (phone, 20 photos):", result.stdout.strip().splitlines()[-1])
            direct = dict(env, DATABASE_URL=f"sqlite:{work}/direct.sqlite3", MEDIA_ROOT=f"{work}/direct-media")
            subprocess.run([args.app, "migrate"], env=direct, check=True, stdout=subprocess.DEVNULL)
            result = subprocess.run([args.app, "import", folder], env=direct, capture_output=True, text=True)
            print("app import (no server, same photos):", result.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
