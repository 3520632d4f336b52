#!/usr/bin/env python3
"""The API contract, checked by a fuzzer no one here wrote: schemathesis against a real `app serve` on PostgreSQL.

Starts `app migrate` and `app serve` (sign-in required, local media) on the database given, makes an admin and an
API token with the CLI, checks that `/api/openapi.json` is the document in the repository, runs schemathesis
(Tests/Contract/schemathesis.toml: every check, the examples, coverage, fuzzing and stateful phases, with the
OpenAPI links album -> upload into it -> share it -> fetch the share) with the token, and then checks what a
fuzzer cannot see: the server did not crash, logged no unhandled error and left no temporary file. Prints how many
requests schemathesis made. Exits 1 on any failure.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql():
    found = shutil.which("psql")
    if found:
        return found
    versions = sorted(os.listdir("/usr/lib/postgresql"))
    return f"/usr/lib/postgresql/{versions[-1]}/bin/psql"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--max-examples", default=os.environ.get("CONTRACT_MAX_EXAMPLES", "25"))
    parser.add_argument("--max-time", default=os.environ.get("CONTRACT_MAX_TIME", "240"))
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="memories-contract.")
    media = os.path.join(work, "media")
    port = free_port()
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": args.database_url, "MEDIA_ROOT": media, "PORT": str(port), "HOST": "127.0.0.1",
        "RESOURCES_DIR": args.root, "LOG_LEVEL": "warning", "AUTH_REQUIRED": "true", "UPLOAD_RATE_PER_MINUTE": "0",
        "MAX_CONCURRENT_UPLOADS": "64", "LOG_FORMAT": "text",
    })
    subprocess.run([args.app, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    # Ids far from the small numbers a fuzzer tries first: a generated DELETE /settings/tokens/1 or
    # POST /accounts/1/reset must not revoke the run's own token halfway (that would be the API working).
    for sequence in ("users_id_seq", "api_tokens_id_seq"):
        subprocess.run([psql(), args.database_url, "-qAtc", f"SELECT setval('{sequence}', 900000000)"], check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run([args.app, "users", "create", "contract", "--admin"], env=env, check=True,
                   input="contract-password-1\n", text=True, stdout=subprocess.DEVNULL)
    out = subprocess.run([args.app, "tokens", "create", "contract", "--name", "schemathesis"], env=env, check=True,
                         capture_output=True, text=True).stdout
    token = re.search(r"mem_[A-Za-z0-9_-]+", out).group(0)

    log_path = os.path.join(work, "serve.log")
    log = open(log_path, "wb")
    server = subprocess.Popen([args.app, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    failures = []
    try:
        wait_for(port, server)
        status, body = get(port, "/api/openapi.json")
        with open(os.path.join(args.root, "Public", "api", "openapi.json"), "rb") as file:
            if status != 200 or json.loads(body) != json.loads(file.read()):
                failures.append(f"/api/openapi.json answered {status} and not the repository's document")
        status, page = get(port, "/api")
        if status != 200 or b"swagger-ui-bundle.js" not in page:
            failures.append(f"/api answered {status} without the vendored Swagger UI")

        failures += client_example(args.root, port, token, work)

        report = os.path.join(work, "report")
        command = [
            "schemathesis", "--config-file", os.path.join(args.root, "Tests", "Contract", "schemathesis.toml"),
            "run", f"http://127.0.0.1:{port}/api/openapi.json",
            "--header", f"Authorization: Bearer {token}", "--header", "Accept: application/json",
            "--max-examples", str(args.max_examples), "--max-time", str(args.max_time),
            "--report", "ndjson", "--report-dir", report, "--seed", os.environ.get("CONTRACT_SEED", "1"),
            "--workers", "1", "--no-color",
        ]
        started = time.time()
        hooks = dict(os.environ, SCHEMATHESIS_HOOKS="contract_hooks",
                     PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
        # In the scratch folder: schemathesis and Hypothesis keep their databases in the working directory.
        result = subprocess.run(command, env=hooks, cwd=work)
        elapsed = time.time() - started
        requests = count_requests(report)
        print(f"contract: schemathesis made {requests} requests in {elapsed:.0f} s (exit {result.returncode})")
        if result.returncode != 0:
            failures.append("schemathesis found failures (above)")
        if server.poll() is not None:
            failures.append(f"app serve exited with {server.returncode} during the run")
        leftovers = os.listdir(os.path.join(media, ".tmp")) if os.path.isdir(os.path.join(media, ".tmp")) else []
        leftovers = [name for name in leftovers if name != "resumable"]
        if leftovers:
            failures.append(f"temporary files left in MEDIA_ROOT/.tmp: {leftovers[:5]}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    with open(log_path, encoding="utf-8", errors="replace") as file:
        unhandled = [line.strip() for line in file if "unhandled" in line.lower() or "internal_error" in line]
    if unhandled:
        failures.append("the server logged unhandled errors: " + " | ".join(unhandled[:5]))
    for failure in failures:
        print(f"contract: FAIL {failure}", file=sys.stderr)
    if not failures:
        shutil.rmtree(work, ignore_errors=True)
        print("contract: ok")
    else:
        print(f"contract: server log kept at {log_path}", file=sys.stderr)
    return 1 if failures else 0


def client_example(root, port, token, work):
    """Runs docs/examples/client.py (the one-screen `requests` client) against the server with two real JPEGs. No
    worker runs here, so the photos stay queued; the example must still upload, list, make the album and share it."""
    from PIL import Image

    paths = []
    for n, colour in enumerate([(200, 30, 30), (30, 200, 30)]):
        path = os.path.join(work, f"example-{n}.jpg")
        Image.new("RGB", (64, 48), colour).save(path, "JPEG")
        paths.append(path)
    env = dict(os.environ, MEMORIES_URL=f"http://127.0.0.1:{port}", MEMORIES_TOKEN=token, CLIENT_TIMEOUT="2")
    result = subprocess.run([sys.executable, os.path.join(root, "docs", "examples", "client.py"), *paths], env=env,
                            capture_output=True, text=True, timeout=120)
    print(result.stdout, end="")
    if result.returncode != 0 or "shared:" not in result.stdout or " 2 photos" not in result.stdout:
        return [f"docs/examples/client.py failed ({result.returncode}): {result.stderr.strip()[-500:]}"]
    print("contract: docs/examples/client.py uploaded, listed, made an album and shared it")
    return []


def wait_for(port, server):
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if get(port, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        if server.poll() is not None:
            raise RuntimeError(f"app serve exited with {server.returncode}")
        time.sleep(0.3)
    raise RuntimeError("app serve did not answer /healthz")


def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def count_requests(report):
    """The number of HTTP requests in schemathesis's ndjson report (one per interaction)."""
    total = 0
    for name in os.listdir(report) if os.path.isdir(report) else []:
        with open(os.path.join(report, name), encoding="utf-8") as file:
            total += sum(line.count('"request":') for line in file)
    return total


if __name__ == "__main__":
    sys.exit(main())
