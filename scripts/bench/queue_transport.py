#!/usr/bin/env python3
"""Upload-to-ready with QUEUE=database against QUEUE=sqs (moto), both on PostgreSQL, and the outbox relay alone.

  1. For each transport: a fresh database, `app serve` (with the relay, for sqs) and one `app worker`
     (WORKER_CONCURRENCY=2); N small unique JPEGs (640x480, so the pipeline is a small part of the figure) uploaded
     one every --interval seconds; upload-to-ready is the photo row's `updated_at - created_at` (the database's
     clock at the upload's commit and at the worker's), printed as p50, p99 and max.
  2. The relay: --relay-jobs job rows inserted unsent, then `app serve` with QUEUE=sqs and no worker; jobs per second
     until the outbox is empty, and what the outbox costs per row: the `jobs_outbox` index bytes per waiting row and
     the WAL the relay's stamp (`UPDATE … SET sent_at`) writes per job.
Usage: scripts/bench/queue_transport.py [--photos 100] [--interval 0.25] [--relay-jobs 5000] [--binary PATH]
Needs MEMORIES_TEST_POSTGRES_URL and MEMORIES_TEST_S3_ENDPOINT (scripts/services/postgres.sh and moto.sh start them).
"""
import argparse, io, json, os, random, statistics, subprocess, sys, time, urllib.request, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PSQL = next((p for p in ("/usr/lib/postgresql/15/bin/psql", "/usr/bin/psql") if os.path.exists(p)), "psql")


def psql(url, sql):
    return subprocess.run([PSQL, "-X", "-qAt", "-v", "ON_ERROR_STOP=1", url, "-c", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def fresh_database(admin_url, name):
    psql(admin_url, f"CREATE DATABASE {name}")
    return admin_url.rsplit("/", 1)[0] + "/" + name


def jpeg(seed):
    from PIL import Image
    rng = random.Random(seed)
    image = Image.new("RGB", (640, 480), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    pixels = image.load()
    for _ in range(4000):
        pixels[rng.randrange(640), rng.randrange(480)] = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def upload(base, name, data):
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f'Content-Type: image/jpeg\r\n\r\n').encode() + data + f'\r\n--{boundary}--\r\n'.encode()
    request = urllib.request.Request(base + "/photos", data=body, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json"})
    with urllib.request.urlopen(request) as response:
        assert response.status == 201, response.status


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, condition, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if condition():
                return
        except Exception:
            pass
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


def make_queue(endpoint):
    import boto3
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                       aws_secret_access_key="bench")
    name = "bench-" + uuid.uuid4().hex[:8]
    dead = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs.create_queue(QueueName=name, Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "5"})})["QueueUrl"]


class Deployment:
    def __init__(self, binary, database, transport, endpoint, work):
        self.binary, self.work = binary, work
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "TMPDIR")}
        self.env.update(DATABASE_URL=database, MEDIA_ROOT=os.path.join(work, "media"), PORT=str(self.port),
                        HOST="127.0.0.1", RESOURCES_DIR=ROOT, AUTH_REQUIRED="false", LOG_LEVEL="warning",
                        WORKER_CONCURRENCY="2", UPLOAD_RATE_PER_MINUTE="0", QUEUE=transport)
        if transport == "sqs":
            self.env.update(SQS_QUEUE_URL=make_queue(endpoint), SQS_ENDPOINT=endpoint, AWS_ACCESS_KEY_ID="bench",
                            AWS_SECRET_ACCESS_KEY="bench", SQS_REGION="us-east-1")
        self.processes = []
        subprocess.run([binary, "migrate"], env=self.env, check=True, capture_output=True)

    def start(self, role):
        log = open(os.path.join(self.work, f"{role}-{len(self.processes)}.log"), "w")
        self.processes.append(subprocess.Popen([self.binary, role], env=self.env, stdout=log, stderr=log))
        if role == "serve":
            wait_for("app serve", lambda: urllib.request.urlopen(self.base + "/healthz").status == 200, 60)

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(60)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def upload_to_ready(args, admin, transport, work):
    database = fresh_database(admin, f"bench_{transport}_{uuid.uuid4().hex[:6]}")
    deployment = Deployment(args.binary, database, transport, args.sqs_endpoint, work)
    deployment.start("serve")
    deployment.start("worker")
    try:
        # Warm-up: the first job pays for connections and code paths.
        upload(deployment.base, "warm.jpg", jpeg(f"warm-{transport}"))
        wait_for("the warm-up photo", lambda: psql(database, "SELECT count(*) FROM photos WHERE status = 'ready'") == "1")
        psql(database, "DELETE FROM photos")
        photos = [jpeg(f"{transport}-{index}-{uuid.uuid4()}") for index in range(args.photos)]
        for index, data in enumerate(photos):
            upload(deployment.base, f"{index}.jpg", data)
            time.sleep(args.interval)
        wait_for("every photo ready",
                 lambda: psql(database, "SELECT count(*) FROM photos WHERE status = 'ready'") == str(args.photos))
        seconds = [float(x) for x in psql(
            database, "SELECT extract(epoch FROM updated_at - created_at) FROM photos").split()]
    finally:
        deployment.stop()
    return seconds


def relay_throughput(args, admin, work):
    database = fresh_database(admin, f"bench_relay_{uuid.uuid4().hex[:6]}")
    deployment = Deployment(args.binary, database, "sqs", args.sqs_endpoint, work)
    psql(database, f"""INSERT INTO jobs (kind, payload, state, attempts, max_attempts, run_at)
                       SELECT 'thumbnail', '{{"photo_id":0}}', 'available', 0, 5, now()
                       FROM generate_series(1, {args.relay_jobs})""")
    index_bytes = int(psql(database, "SELECT pg_relation_size('jobs_outbox')"))
    psql(database, "CHECKPOINT")
    wal_before = psql(database, "SELECT pg_current_wal_lsn()")
    started = time.perf_counter()
    deployment.start("serve")
    try:
        wait_for("the outbox to empty",
                 lambda: psql(database, "SELECT count(*) FROM jobs WHERE sent_at IS NULL") == "0", 600)
        elapsed = time.perf_counter() - started
        wal = int(psql(database, f"SELECT pg_current_wal_lsn() - '{wal_before}'::pg_lsn"))
    finally:
        deployment.stop()
    return args.relay_jobs / elapsed, elapsed, index_bytes / args.relay_jobs, wal / args.relay_jobs


def boto3_ceiling(endpoint, count):
    """The same number of messages sent by boto3 in batches of 10 to a fresh queue: moto's own rate. moto's
    SendMessageBatch slows down as its queue grows (about 100 ms per batch at 500 waiting messages, 1 s at 3000),
    so the relay's figure against moto is moto's ceiling, not the relay's."""
    import boto3
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                       aws_secret_access_key="bench")
    queue = sqs.create_queue(QueueName="ceiling-" + uuid.uuid4().hex[:8])["QueueUrl"]
    started = time.perf_counter()
    for start in range(0, count, 10):
        sqs.send_message_batch(QueueUrl=queue, Entries=[
            {"Id": f"j{k}", "MessageBody": json.dumps({"job_id": start + k, "kind": "thumbnail", "payload": "{}"})}
            for k in range(min(10, count - start))])
    return count / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("--relay-jobs", type=int, default=1000)
    # The newer of the release and debug builds (an old release build may predate QUEUE=sqs).
    builds = [os.path.join(ROOT, ".build", kind, "app") for kind in ("release", "debug")]
    default_binary = max((b for b in builds if os.path.exists(b)), key=os.path.getmtime, default=builds[0])
    parser.add_argument("--binary", default=default_binary)
    parser.add_argument("--postgres", default=os.environ.get("MEMORIES_TEST_POSTGRES_URL"))
    parser.add_argument("--sqs-endpoint", default=os.environ.get("MEMORIES_TEST_S3_ENDPOINT"))
    args = parser.parse_args()
    if not args.postgres or not args.sqs_endpoint:
        print("skipped: needs MEMORIES_TEST_POSTGRES_URL and MEMORIES_TEST_S3_ENDPOINT (scripts/services/*.sh start)")
        return 0
    work = os.path.join("/tmp", "memories-bench-queue-" + uuid.uuid4().hex[:6])
    os.makedirs(work)
    print(f"binary {args.binary}; {args.photos} photos of 640x480, one every {args.interval} s; 1 worker x 2")
    print("| transport | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|")
    for transport in ("database", "sqs"):
        seconds = upload_to_ready(args, args.postgres, transport, work)
        print(f"| {transport} | {statistics.median(seconds) * 1000:.0f} | {percentile(seconds, 0.99) * 1000:.0f} "
              f"| {max(seconds) * 1000:.0f} |", flush=True)
    rate, elapsed, index_bytes, wal = relay_throughput(args, args.postgres, work)
    print(f"relay: {args.relay_jobs} jobs in {elapsed:.1f} s = {rate:.0f} jobs/s (SendMessageBatch of 10, one relay, "
          f"including the server's start)")
    print(f"moto's own ceiling: boto3 sending {args.relay_jobs} in batches of 10 to a fresh queue: "
          f"{boto3_ceiling(args.sqs_endpoint, args.relay_jobs):.0f} messages/s")
    print(f"outbox cost per row: {index_bytes:.1f} bytes of jobs_outbox index while waiting; "
          f"{wal:.0f} bytes of WAL for the relay's stamp")
    return 0


if __name__ == "__main__":
    sys.exit(main())
