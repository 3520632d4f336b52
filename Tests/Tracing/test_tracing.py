"""Traces across processes (issue 25): `app serve` and `app worker` export to a small OTLP/HTTP receiver
(otlp_receiver.py); one upload must be one trace holding the server's request, store, transaction and enqueue
spans and the worker's claim, decode, resize, encode, stores and mark-ready spans, parented into it, and the
server's and worker's log lines for it must carry its trace_id. Once with the database queue on PostgreSQL, and
once with QUEUE=sqs (moto), where the trace context rides in the SQS message attributes.
"""
import argparse
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

from otlp_receiver import Receiver

FAILURES = []
SERVER_SPANS = {"storage.put", "db.transaction", "queue.enqueue"}
WORKER_SPANS = {"job.claim", "job.run", "image.decode", "image.resize", "image.encode", "storage.put",
                "photo.mark_ready"}


def check(condition, message):
    print(f"  {'ok' if condition else 'FAILED'}: {message}")
    if not condition:
        FAILURES.append(message)
    return condition


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, headers=None, body=None):
    req = urllib.request.Request(url, method=method, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def synthetic_jpeg():
    """A 1600×1200 JPEG of random blocks: new bytes (a new photo) every call, big enough to be resized."""
    from PIL import Image
    image = Image.new("RGB", (1600, 1200))
    for x in range(0, 1600, 100):
        for y in range(0, 1200, 100):
            image.paste(tuple(random.randrange(256) for _ in range(3)), (x, y, x + 100, y + 100))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def multipart(name, data):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def wait_for(what, condition, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = condition()
            if value:
                return value
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def make_sqs_queue(endpoint):
    import boto3
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    name = "tracing-" + uuid.uuid4().hex[:8]
    dead = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs.create_queue(QueueName=name, Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "5"})})["QueueUrl"]


def log_lines(path):
    lines = []
    with open(path) as log:
        for line in log:
            try:
                lines.append(json.loads(line))
            except ValueError:
                pass
    return lines


def scenario(args, queue):
    print(f"tracing: one upload, {queue} queue")
    receiver = Receiver().start()
    work = tempfile.mkdtemp(prefix=f"memories-tracing-{queue}-")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "TMPDIR", "LANG")}
    env.update(DATABASE_URL=args.database_url, MEDIA_ROOT=os.path.join(work, "media"), RESOURCES_DIR=args.root,
               HOST="127.0.0.1", PORT=str(port), AUTH_REQUIRED="false", LOG_FORMAT="json", LOG_LEVEL="info",
               UPLOAD_RATE_PER_MINUTE="0", SWEEP_INTERVAL_SECONDS="0", WEBP_DERIVATIVES="false",
               OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
               # Export within a fifth of a second, not the default five.
               OTEL_BSP_SCHEDULE_DELAY="200")
    if queue == "sqs":
        endpoint = os.environ["MEMORIES_TEST_S3_ENDPOINT"]
        env.update(QUEUE="sqs", SQS_QUEUE_URL=make_sqs_queue(endpoint), SQS_ENDPOINT=endpoint, SQS_REGION="us-east-1",
                   SQS_WAIT_SECONDS="1", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    subprocess.run([args.app, "migrate"], env=env, check=True, capture_output=True)
    processes = {}
    try:
        for role in ("serve", "worker"):
            log = open(os.path.join(work, f"{role}.log"), "w")
            processes[role] = subprocess.Popen([args.app, role], env=env, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        wait_for("the server", lambda: request("GET", base + "/healthz")[0] == 200)
        body, content_type = multipart("traced.jpg", synthetic_jpeg())
        status, _, answer = request(
            "POST", base + "/photos", {"Content-Type": content_type, "Accept": "application/json"}, body)
        check(status == 201, f"the upload answers 201 (got {status})")
        photo_id = json.loads(answer)["photos"][0]["id"]
        wait_for("the photo to be ready", lambda: json.loads(request(
            "GET", f"{base}/photos/{photo_id}", {"Accept": "application/json"})[2])["status"] == "ready")

        def upload_trace():
            spans = receiver.snapshot()
            roots = [s for s in spans if s["service"] == "memories-serve" and s["name"] == "/photos"
                     and s["attributes"].get("http.request.method") == "POST"]
            if not roots:
                return None
            trace = [s for s in spans if s["trace_id"] == roots[0]["trace_id"]]
            return (roots[0], trace) if "photo.mark_ready" in {s["name"] for s in trace} else None

        root, trace = wait_for("the upload's spans at the receiver", upload_trace, timeout=30)
        trace_id = root["trace_id"]
        names = {(s["service"], s["name"]) for s in trace}
        print(f"  trace {trace_id}: " + ", ".join(f"{service}:{name}" for service, name in sorted(names)))
        check({s["service"] for s in trace} == {"memories-serve", "memories-worker"},
              "one trace id holds the spans of both processes")
        check(root["parent_span_id"] is None and root["kind"] == 2, "the request span is the trace's server root")
        for name in SERVER_SPANS:
            check(("memories-serve", name) in names, f"serve: {name}")
        for name in WORKER_SPANS:
            check(("memories-worker", name) in names, f"worker: {name}")
        by_id = {s["span_id"]: s for s in trace}
        check(all(s["parent_span_id"] in by_id for s in trace if s is not root),
              "every other span's parent is in the same trace")
        enqueue = next((s for s in trace if s["name"] == "queue.enqueue"), None)
        transaction = next((s for s in trace if s["name"] == "db.transaction"), None)
        run = next((s for s in trace if s["name"] == "job.run"), None)
        if enqueue and transaction and run:
            check(enqueue["parent_span_id"] == transaction["span_id"], "queue.enqueue is inside db.transaction")
            check(run["parent_span_id"] == enqueue["span_id"]
                  and next(s for s in trace if s["name"] == "job.claim")["parent_span_id"] == enqueue["span_id"],
                  "the worker's job.claim and job.run are children of the server's queue.enqueue")
            stages = [s for s in trace if s["name"] in ("image.decode", "image.resize", "image.encode",
                                                        "photo.mark_ready")]
            check(all(s["parent_span_id"] == run["span_id"] for s in stages), "the pipeline's spans are in job.run")
            stores = [s for s in trace if s["name"] == "storage.put" and s["service"] == "memories-worker"]
            check(len(stores) == 2 and all(s["parent_span_id"] == run["span_id"] for s in stores),
                  f"two derivative stores in job.run (got {len(stores)})")
            decode = next(s for s in trace if s["name"] == "image.decode")
            resize = next(s for s in trace if s["name"] == "image.resize")
            check(decode["start"] <= decode["end"] <= resize["start"] + 1 and run["start"] <= decode["start"],
                  "the stages are in order, within job.run")
        for role in ("serve", "worker"):
            processes[role].send_signal(signal.SIGTERM)
        for role in ("serve", "worker"):
            check(processes[role].wait(timeout=30) == 0, f"{role} exits 0 on SIGTERM")
        serve_lines = log_lines(os.path.join(work, "serve.log"))
        uploaded = [line for line in serve_lines if line.get("message") == "photo uploaded"
                    and line.get("photo.id") == str(photo_id)]
        check(uploaded and uploaded[0].get("trace_id") == trace_id and uploaded[0].get("span_id") in by_id,
              f"the server's log line for the upload carries trace_id and span_id ({uploaded[:1]})")
        done = [line for line in log_lines(os.path.join(work, "worker.log")) if line.get("message") == "job done"
                and line.get("photo.id") == str(photo_id)]
        check(done and done[0].get("trace_id") == trace_id, "the worker's log line for the job carries trace_id")
        untraced = [line for line in serve_lines if line.get("message") == "photo uploaded" and "trace_id" not in line]
        check(not untraced, "no upload line without a trace id")
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
        receiver.stop()
        if FAILURES:
            print(f"  logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--queue", action="append", choices=["database", "sqs"])
    args = parser.parse_args()
    for queue in args.queue or ["database"]:
        scenario(args, queue)
    print(f"tracing: {len(FAILURES)} failed" if FAILURES else "tracing: all passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
