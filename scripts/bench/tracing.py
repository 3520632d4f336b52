#!/usr/bin/env python3
"""The cost of tracing (issue 25): the upload and gallery benchmarks with tracing off and on, side by side.

Two stacks run at once, each `app serve` (the release binary, SQLite, local media) in its own folder: one with no
OTEL_* variable (off: the no-op tracer), one exporting over OTLP/HTTP to the local receiver
(Tests/Tracing/otlp_receiver.py, a separate process on this machine). Then, in S slices, alternately on each
(which one goes first alternates too, so a change in the machine's load falls on both alike):
  1. upload: N unique JPEGs (1600×1200) POSTed by C clients, the worker stopped: uploads/s, p50, p99;
  2. worker: `app worker` (traced like its server) started on those N jobs: jobs/s until all are ready;
  3. gallery: GET / uncached (GALLERY_CACHE_SECONDS=0) with `wrk -t2 -c16 -dDs`: requests/s, p50, p99.
Each also as CPU time (user + system, from /proc) the server spent per upload and per page and the worker per job:
the figure other load on a shared machine moves least, where the exporter's own work (batching, encoding, sending)
is counted too.
Prints each slice, then each mode's median, the ratio of the medians and the range of the per-slice ratios.
Usage: scripts/bench/tracing.py [--binary .build/release/app] [--slices 8] [--uploads 100] [--clients 4]
       [--duration 5]
Needs wrk and sqlite3 (apt-get install wrk sqlite3), Pillow and opentelemetry-proto (scripts/setup --bench).
"""
import argparse, http.client, io, json, os, random, re, shutil, signal, socket, statistics, subprocess, sys, tempfile
import threading, time, urllib.request, uuid  # noqa: E401

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECEIVER = os.path.join(ROOT, "Tests/Tracing/otlp_receiver.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_jpeg():
    from PIL import Image
    random.seed(25)
    image = Image.new("RGB", (1600, 1200))
    for x in range(0, 1600, 50):
        for y in range(0, 1200, 50):
            image.paste(tuple(random.randrange(256) for _ in range(3)), (x, y, x + 50, y + 50))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def get_json(base, path):
    request = urllib.request.Request(base + path, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def wait_for(what, condition, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


class Stack:
    def __init__(self, binary, folder, endpoint):
        self.binary, self.folder = binary, folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
        self.env.update(DATABASE_URL=f"sqlite:{folder}/memories.sqlite3", MEDIA_ROOT=folder + "/media",
                        RESOURCES_DIR=ROOT, HOST="127.0.0.1", PORT=str(self.port), AUTH_REQUIRED="false",
                        GALLERY_PUBLIC="true", LOG_LEVEL="warning", UPLOAD_RATE_PER_MINUTE="0",
                        SWEEP_INTERVAL_SECONDS="0", GALLERY_CACHE_SECONDS="0", MAX_CONCURRENT_UPLOADS="256")
        if endpoint:
            self.env.update(OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf")
        subprocess.run([binary, "migrate"], env=self.env, check=True, capture_output=True)
        self.processes = {}

    def start(self, role):
        log = open(os.path.join(self.folder, f"{role}.log"), "ab")
        self.processes[role] = subprocess.Popen([self.binary, role], env=self.env, stdout=log,
                                                stderr=subprocess.STDOUT)
        if role == "serve":
            wait_for("the server", lambda: urllib.request.urlopen(self.base + "/healthz", timeout=2).status == 200)

    def stop(self):
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def upload_all(stack, photos, clients):
    """POSTs every photo, `clients` at a time over keep-alive connections; returns (seconds, latencies)."""
    latencies, errors, lock = [], [], threading.Lock()
    queue = list(enumerate(photos))

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                index, data = queue.pop()
            boundary = uuid.uuid4().hex
            body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="b{index}.jpg"\r\n'
                    f'Content-Type: image/jpeg\r\n\r\n').encode() + data + f"\r\n--{boundary}--\r\n".encode()
            started = time.perf_counter()
            connection.request("POST", "/photos", body, {
                "Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json"})
            response = connection.getresponse()
            response.read()
            with lock:
                latencies.append(time.perf_counter() - started)
                if response.status != 201:
                    errors.append(response.status)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"uploads failed: {errors[:5]}")
    return time.perf_counter() - started, sorted(latencies)


def ready_count(stack):
    out = subprocess.run(["sqlite3", f"{stack.folder}/memories.sqlite3",
                          "SELECT count(*) FROM photos WHERE status = 'ready'"], capture_output=True, text=True).stdout
    return int(out.strip() or 0)


def cpu_seconds(process):
    """User plus system CPU time a process has used so far: unlike throughput, barely moved by other load."""
    fields = open(f"/proc/{process.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def gallery(stack, duration):
    url = stack.base + "/"
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{duration}s", "--latency", "-H", "Accept: text/html", url],
                         capture_output=True, text=True).stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise SystemExit("the gallery answered errors")
    latency = {p: float(v) * {"us": 0.001, "ms": 1, "s": 1000}[u]
               for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", out, re.M)}
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), latency["50"], latency["99"], requests


def slice_(args, stack, photos):
    """One slice on one stack: a batch of uploads (worker stopped), the worker draining them, the gallery."""
    serve = stack.processes["serve"]
    cpu = cpu_seconds(serve)
    seconds, latencies = upload_all(stack, photos, args.clients)
    result = {"upload/s": len(photos) / seconds, "upload p50 ms": latencies[len(latencies) // 2] * 1000,
              "upload p99 ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
              "upload CPU ms": (cpu_seconds(serve) - cpu) * 1000 / len(photos)}
    target = ready_count(stack) + len(photos)
    started = time.perf_counter()
    stack.start("worker")
    wait_for("every photo ready", lambda: ready_count(stack) == target, timeout=900)
    result["worker jobs/s"] = len(photos) / (time.perf_counter() - started)
    worker = stack.processes.pop("worker")
    # Start-up included: about 40 ms of CPU, the same in both modes.
    result["job CPU ms"] = cpu_seconds(worker) * 1000 / len(photos)
    worker.send_signal(signal.SIGTERM)
    worker.wait(30)
    cpu = cpu_seconds(serve)
    result["gallery req/s"], result["gallery p50 ms"], result["gallery p99 ms"], requests = gallery(
        stack, args.duration)
    result["gallery CPU ms"] = (cpu_seconds(serve) - cpu) * 1000 / requests
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.environ.get("APP_BIN", os.path.join(ROOT, ".build/release/app")))
    parser.add_argument("--uploads", type=int, default=100, help="uploads per slice")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per slice")
    parser.add_argument("--slices", type=int, default=8)
    args = parser.parse_args()
    shutil.which("wrk") or sys.exit("wrk is missing: apt-get install wrk")
    shutil.which("sqlite3") or sys.exit("sqlite3 is missing: apt-get install sqlite3")
    jpeg = base_jpeg()
    port = free_port()
    receiver = subprocess.Popen([sys.executable, RECEIVER, str(port)], stdout=subprocess.PIPE, text=True)
    endpoint = receiver.stdout.readline().strip()
    print(f"tracing benchmark: {args.slices} slices of {args.uploads} uploads ({len(jpeg) // 1000} kB, "
          f"{args.clients} clients), the worker draining them, and the gallery (wrk -t2 -c16 -d{args.duration}s), "
          f"off and on alternately; spans to {endpoint}", flush=True)
    stacks, folders = {}, []
    results = {"off": [], "on": []}
    try:
        for mode in ("off", "on"):
            folders.append(tempfile.mkdtemp(prefix=f"memories-bench-tracing-{mode}-"))
            stacks[mode] = Stack(args.binary, folders[-1], endpoint if mode == "on" else None)
            stacks[mode].start("serve")
        for mode in ("off", "on"):
            subprocess.run(["wrk", "-t2", "-c16", "-d2s", stacks[mode].base + "/"], capture_output=True)
        for number in range(args.slices):
            # Which goes first alternates, so a drift in the machine's load falls on both alike.
            for mode in (("off", "on") if number % 2 == 0 else ("on", "off")):
                # Unique bytes after the end marker: each upload is a new photo, the image the same.
                photos = [jpeg + uuid.uuid4().bytes for _ in range(args.uploads)]
                result = slice_(args, stacks[mode], photos)
                results[mode].append(result)
                print(f"  slice {number + 1} {mode:3}: " + "  ".join(f"{k} {v:.1f}" for k, v in result.items()),
                      flush=True)
    finally:
        for stack in stacks.values():
            stack.stop()
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
        receiver.send_signal(signal.SIGINT)
        counts = receiver.communicate(timeout=10)[0].strip().splitlines()
    print(counts[-1] if counts else "otlp_receiver: no count printed (ran under 10 s)")
    print(f"\n{'median of ' + str(args.slices) + ' slices':22} {'off':>9} {'on':>9} {'on/off':>7}   per-slice on/off")
    for key in results["off"][0]:
        off = statistics.median(r[key] for r in results["off"])
        on = statistics.median(r[key] for r in results["on"])
        ratios = sorted(b[key] / a[key] for a, b in zip(results["off"], results["on"]))
        print(f"{key:22} {off:9.1f} {on:9.1f} {on / off:7.3f}   {ratios[0]:.2f}–{ratios[-1]:.2f}")


if __name__ == "__main__":
    main()
