#!/usr/bin/env bash
# Runs the manifests of deploy/kubernetes with `podman kube play` (podman 4.3 as a one-node stand-in cluster)
# from the locally built image: the ConfigMap, the migrate Job's pod, the serve and worker Deployments, with a
# PostgreSQL pod and an S3 pod (moto) for the test. Uploads through the Service port, waits for the thumbnail,
# then deletes a serve pod while uploads are in flight and checks that no acknowledged upload is lost (every 201
# is listed afterwards and becomes ready).
#   deploy/kubernetes/test-kube-play.sh [BINARY]     (default: the newest .build/*/app; run as root)
# Prints `ok`/`FAIL` lines, or one `skip` line when it cannot run here; exits 1 on a failure.
#
# What podman does not do, and what stands in for it here:
# - Jobs: `podman kube play` ignores `kind: Job` (exit 0, no pod), so the Job's pod template is played as a Pod of
#   the same spec, generated from migrate-job.yaml, and waited on to exit 0 before the Deployments are played.
# - Secrets: podman 4.3 stores a played Secret in a form its own envFrom cannot read back ("is not valid JSON"),
#   and secret.yaml holds placeholders anyway; so the Secret is created out of band, as the README tells
#   operators to (`kubectl create secret generic`), with `podman secret create` in the JSON podman reads.
# - The HPA: each Deployment gets its HPA's minReplicas (serve 2, worker 1) as `replicas`, what the HPA would set.
# - Services: podman has none. A small proxy on the host reads service.yaml's selector and target port and
#   forwards the Service port to the selected pods that pass the readiness probe's path (round robin, the next
#   endpoint on a refused connection), as kube-proxy with endpoints would.
# - The image: kustomization.yaml's `images:` maps `memories` to a registry; here it maps to the local build.
# - emptyDir: podman 4.3 makes a named volume of each, shared by the replicas; the copy gives them test names.
# - Ports: podman 4.3 publishes each containerPort on the host, so two replicas collide; the copy drops `ports`.
# - Controllers: a deleted pod is not replaced (no ReplicaSet), so the other serve replica carries the load.
# Ingress, HPA, PDB and the Namespace are not run by podman; deploy/validate-offline.sh validates them
# (kubernetes-validate --strict).
set -euo pipefail

cd "$(dirname "$0")/../.."
root="$PWD"
k8s=deploy/kubernetes
file=$k8s
step() { printf 'ok    %-48s %s\n' "$file" "$1"; }
fail() { printf 'FAIL  %-48s %s\n' "$file" "$1"; exit 1; }
skip() { printf 'skip  %-48s %s\n' "$file" "$1"; exit 0; }

((EUID == 0)) || skip "podman kube play (needs root)"
command -v podman >/dev/null || skip "podman kube play (podman is not installed: scripts/setup --test installs it)"

work="$(mktemp -d)"
chmod 755 "$work"
# shellcheck source=/dev/null # deploy/docker/stand-ins/images.sh, checked on its own
source deploy/docker/stand-ins/images.sh
binary="${1:-$(newest_build)}"
[[ -x "$binary" ]] || skip "podman kube play (no built app binary: swift build --product app)"
podman_test_config
ensure_packages || fail "installing debootstrap, netavark, aardvark-dns, catatonit"

network=memories-kube-test
app_tag=localhost/memories:kube-test
proxy_pid=""
# By label only (not `kube down`, which removes pods by name: a pod of the machine's own named postgres would go).
take_down() {
    set +e
    podman pod ps -q --filter "label=memories.test=kube-play" | xargs -r podman pod rm -f -t 5 >/dev/null 2>&1 || true
    podman secret rm memories-secrets >/dev/null 2>&1 || true
    podman network rm -f "$network" >/dev/null 2>&1 || true
    podman volume ls -q --filter "name=^memories-kube-test-" | xargs -r podman volume rm -f >/dev/null 2>&1
    set -e
}
cleanup() {
    set +e
    [[ -n "$proxy_pid" ]] && kill "$proxy_pid" 2>/dev/null
    take_down
    podman rmi -f "$app_tag" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
# Interrupted (Ctrl-C, a CI timeout): exit, so the EXIT trap cleans up too.
trap 'exit 130' INT TERM
take_down

ensure_base_image || fail "the Debian base image (debootstrap)"
postgres_image="$(compose_image postgres)" s3_image="$(compose_image s3)"
stand_in postgres "$postgres_image" || fail "stand-in image $postgres_image"
stand_in moto "$s3_image" || fail "stand-in image $s3_image"
app_image "$app_tag" "$binary" || fail "the app image (the Dockerfile's runtime stage)"
step "images: $app_tag (runtime stage), stand-ins $postgres_image, $s3_image"
podman network create "$network" >/dev/null || fail "podman network create $network"

db_password="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# The manifests as the test plays them (see the top of this file). Every pod gets the label memories.test so the
# clean-up finds them whatever state a run left.
python3 - "$k8s" "$work" "$app_tag" "$postgres_image" "$s3_image" "$db_password" <<'PY' || fail "generating the manifests to play"
import base64, json, pathlib, sys, yaml
k8s, work, app_tag, postgres_image, s3_image, db_password = sys.argv[1:]
folder, work = pathlib.Path(k8s), pathlib.Path(work)
docs = [d for p in sorted(folder.glob("*.yaml")) if p.name != "kustomization.yaml" for d in yaml.safe_load_all(p.read_text()) if d]
by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
images = {i["name"]: i for i in yaml.safe_load((folder / "kustomization.yaml").read_text())["images"]}
def pod_spec(spec):
    for c in spec.get("containers", []) + spec.get("initContainers", []):
        if c["image"].split(":")[0] in images:   # kustomize's images: newName/newTag, here the local build
            c["image"] = app_tag
    return spec
def rename_volumes(spec, owner):
    names = {v["name"]: f"memories-kube-test-{owner}-{v['name']}" for v in spec.get("volumes", [])}
    for v in spec.get("volumes", []):
        v["name"] = names[v["name"]]
    for c in spec.get("containers", []) + spec.get("initContainers", []):
        for m in c.get("volumeMounts", []):
            m["name"] = names[m["name"]]
def mark(meta):
    meta.setdefault("labels", {})["memories.test"] = "kube-play"
    return meta
def dump(path, items):
    (work / path).write_text(yaml.safe_dump_all(items, sort_keys=False))

# Test-only pods: PostgreSQL and moto, named as the Secret's and the ConfigMap's host names.
dump("play-0-services.yaml", [
    {"apiVersion": "v1", "kind": "Pod", "metadata": mark({"name": "postgres"}),
     "spec": {"containers": [{"name": "postgres", "image": postgres_image,
              "env": [{"name": "POSTGRES_USER", "value": "memories"}, {"name": "POSTGRES_DB", "value": "memories"},
                      {"name": "POSTGRES_PASSWORD", "value": db_password}]}]}},
    {"apiVersion": "v1", "kind": "Pod", "metadata": mark({"name": "s3"}),
     "spec": {"containers": [{"name": "moto", "image": s3_image}]}},
])
# configmap.yaml with the endpoint it leaves commented out (an S3 API other than AWS: the moto pod).
config = by[("ConfigMap", "memories-config")]
config["data"]["S3_ENDPOINT"] = "http://s3:5000"
# Every upload of the test reaches the pods from one address (the Service proxy), and the limit is per client
# address and per pod (no Redis here): lifted, so a 429 cannot pass for a lost upload.
config["data"]["UPLOAD_RATE_PER_MINUTE"] = "0"
dump("configmap.yaml", [config])
# The Secret made out of band: secret.yaml's keys with the test's values, as podman secret JSON (base64 values).
keys = by[("Secret", "memories-secrets")]["stringData"].keys()
values = {"DATABASE_URL": f"postgres://memories:{db_password}@postgres:5432/memories?sslmode=disable",
          "AWS_ACCESS_KEY_ID": "kube-test", "AWS_SECRET_ACCESS_KEY": "kube-test-secret"}
assert set(keys) == set(values), f"secret.yaml's keys changed: {sorted(keys)}"
(work / "secret.json").write_text(json.dumps({k: base64.b64encode(values[k].encode()).decode() for k in keys}))
# The Job's pod template as a Pod (podman ignores Jobs).
job = by[("Job", "memories-migrate")]
template = job["spec"]["template"]
dump("play-1-migrate.yaml", [{"apiVersion": "v1", "kind": "Pod",
      "metadata": mark({"name": job["metadata"]["name"], "labels": dict(template["metadata"].get("labels", {}))}),
      "spec": pod_spec(template["spec"])}])
rename_volumes(template["spec"], "migrate")
# The Service's target port, resolved while the Deployment still declares its ports (see below).
serve_ports = list(by[("Deployment", "memories-serve")]["spec"]["template"]["spec"]["containers"][0].get("ports", []))
# The Deployments, with their HPA's minimum as replicas.
deployments = []
for name in ("memories-serve", "memories-worker"):
    d = by[("Deployment", name)]
    d["spec"]["replicas"] = by[("HorizontalPodAutoscaler", name)]["spec"]["minReplicas"]
    # podman 4.3 publishes every containerPort on the host as if it were a hostPort, so the second replica
    # would fail ("bind: address already in use"); a pod listens whatever `ports` declares, so the copy drops them.
    for c in d["spec"]["template"]["spec"]["containers"]:
        c.pop("ports", None)
    # podman 4.3 makes each emptyDir a named volume called after it (`tmp`), shared by every pod of that name and
    # left behind by `kube down`: the copy names them for the test, so the clean-up finds them and no volume of
    # the machine's is touched.
    rename_volumes(d["spec"]["template"]["spec"], name)
    mark(d["spec"]["template"]["metadata"])
    mark(d["metadata"])
    pod_spec(d["spec"]["template"]["spec"])
    deployments.append(d)
dump("play-2-deployments.yaml", deployments)
# What the Service proxy needs: the Service's selector and target port, resolved to the serve pods' container
# port, and the readiness probe's path.
service = by[("Service", "memories")]["spec"]
port = service["ports"][0]
serve = by[("Deployment", "memories-serve")]["spec"]["template"]["spec"]["containers"][0]
target = port["targetPort"]
if isinstance(target, str):
    target = next(p["containerPort"] for p in serve_ports if p["name"] == target)
(work / "service.json").write_text(json.dumps({"selector": service["selector"], "port": port["port"],
    "target": target, "ready": serve["readinessProbe"]["httpGet"]["path"],
    "bucket": config["data"]["S3_BUCKET"], "replicas": deployments[0]["spec"]["replicas"]}))
PY
bucket="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["bucket"])' "$work/service.json")"
serve_replicas="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["replicas"])' "$work/service.json")"

play() { # play FILE: podman kube play on the test network with the ConfigMap
    podman kube play --network "$network" --configmap "$work/configmap.yaml" "$work/$1" >"$work/$1.log" 2>&1 \
        || { grep -v syslog "$work/$1.log" | tail -20; return 1; }
    # podman 4.3 exits 0 even when a container fails to start: say so.
    if grep -q '^Error' "$work/$1.log"; then grep '^Error' "$work/$1.log"; return 1; fi
}
pod_logs() { local pod; for pod in "$@"; do echo "--- $pod"; podman pod logs --tail 15 "$pod" 2>&1 | cut -c1-300; done; }
pod_ip() { podman inspect "$(podman pod inspect "$1" --format '{{.InfraContainerID}}')" \
    --format "{{(index .NetworkSettings.Networks \"$network\").IPAddress}}"; }

play play-0-services.yaml || fail "play the PostgreSQL and S3 pods"
for _ in $(seq 60); do
    podman exec postgres-postgres pg_isready -q -U memories -d memories 2>/dev/null && break
    sleep 1
done
podman exec postgres-postgres pg_isready -q -U memories -d memories || fail "PostgreSQL pod never became ready"
podman exec s3-moto python3 -c '
import sys, time, boto3, botocore.exceptions as e
s3 = boto3.client("s3", endpoint_url="http://localhost:5000", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
for _ in range(100):
    try:
        s3.create_bucket(Bucket=sys.argv[1])
        break
    except e.EndpointConnectionError:
        time.sleep(0.2)
' "$bucket" || fail "creating bucket $bucket in the S3 pod"
podman secret create memories-secrets "$work/secret.json" >/dev/null || fail "podman secret create memories-secrets"
step "test pods postgres and s3 (bucket $bucket) ready; Secret memories-secrets created out of band"

play play-1-migrate.yaml || fail "play the migrate Job's pod"
podman wait memories-migrate-migrate >/dev/null 2>&1 || true
status="$(podman inspect memories-migrate-migrate --format '{{.State.ExitCode}}')"
[[ "$status" == 0 ]] || { podman logs memories-migrate-migrate | tail -20; fail "migrate-job.yaml's pod exited $status"; }
step "migrate-job.yaml: its pod template, played as a Pod, exited 0 (podman ignores kind: Job)"

play play-2-deployments.yaml || fail "play serve-deployment.yaml and worker-deployment.yaml"
mapfile -t serve_pods < <(podman pod ps --filter label=app.kubernetes.io/component=serve --format '{{.Name}}' | sort)
((${#serve_pods[@]} == serve_replicas)) || fail "${#serve_pods[@]} serve pods, not the HPA's minimum of $serve_replicas"
for pod in "${serve_pods[@]}"; do
    ip="$(pod_ip "$pod")"
    for _ in $(seq 100); do
        curl -fsS -o /dev/null "http://$ip:8000/readyz" 2>/dev/null && break
        sleep 0.2
    done
    curl -fsS -o /dev/null "http://$ip:8000/readyz" || { podman logs "$pod-serve" | tail -20; fail "$pod not ready"; }
    [[ "$(podman exec "$pod-serve" id -u)" == 10001 ]] || fail "$pod does not run as 10001"
    podman exec "$pod-serve" touch /probe 2>/dev/null && fail "$pod: the root filesystem is writable"
done
worker_pod="$(podman pod ps --filter label=app.kubernetes.io/component=worker --format '{{.Name}}')"
[[ "$(podman inspect "$worker_pod-worker" --format '{{.State.Status}}')" == running ]] \
    || { podman logs "$worker_pod-worker" | tail -20; fail "the worker pod is not running"; }
step "Deployments: ${#serve_pods[@]} serve pods ready on /readyz (uid 10001, read-only root), worker $worker_pod running"

# The Service: a proxy on the host in front of the pods its selector picks, on a free port for port 80.
service_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
endpoints="$(for pod in $(podman pod ps --format '{{.Name}}'); do
    labels="$(podman pod inspect "$pod" --format '{{range $k, $v := .Labels}}{{$k}}={{$v}},{{end}}')"
    printf '%s %s\n' "$(pod_ip "$pod")" "$labels"
done)"
python3 - "$work/service.json" "$service_port" "$endpoints" >"$work/proxy.log" 2>&1 <<'PY' &
import asyncio, json, sys, threading, time, urllib.request
service, listen, endpoints = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
selected = []
for line in endpoints.splitlines():
    ip, labels = line.split(" ", 1)
    labels = dict(kv.split("=", 1) for kv in labels.split(",") if kv)
    if all(labels.get(k) == v for k, v in service["selector"].items()):
        selected.append(ip)
ready, turn = [], 0
def probe():  # endpoints follow readiness, checked every half second
    global ready
    while True:
        now = []
        for ip in selected:
            try:
                with urllib.request.urlopen(f"http://{ip}:{service['target']}{service['ready']}", timeout=1) as r:
                    if r.status == 200:
                        now.append(ip)
            except OSError:
                pass
        ready = now
        time.sleep(0.5)
threading.Thread(target=probe, daemon=True).start()
async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()
async def handle(client_reader, client_writer):
    global turn
    for attempt in range(max(len(ready), 1) * 2):
        if not ready:
            await asyncio.sleep(0.25)
            continue
        ip = ready[turn % len(ready)]
        turn += 1
        try:
            upstream_reader, upstream_writer = await asyncio.wait_for(asyncio.open_connection(ip, service["target"]), 2)
            break
        except (OSError, asyncio.TimeoutError):
            continue
    else:
        client_writer.close()
        return
    await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    print(f"service port {listen} -> {selected}:{service['target']}", flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
PY
proxy_pid=$!
for _ in $(seq 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$service_port/readyz" 2>/dev/null && break
    sleep 0.2
done
curl -fsS -o /dev/null "http://127.0.0.1:$service_port/readyz" || { cat "$work/proxy.log"; fail "the Service port answers no /readyz"; }
step "service.yaml: port $service_port (for 80) -> ${#serve_pods[@]} ready serve pods, port $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["target"])' "$work/service.json")"

# The first user and a token, as the README tells the operator (kubectl exec deploy/memories-serve -- app ...).
echo "operator password" | podman exec -i -e BCRYPT_COST=4 "${serve_pods[0]}-serve" app users create operator >"$work/users.log" 2>&1 \
    || { cat "$work/users.log"; fail "app users create"; }
token="$(podman exec "${serve_pods[0]}-serve" app tokens create operator --name kube-test 2>/dev/null | grep '^mem_')" \
    || fail "app tokens create"
s3_ip="$(pod_ip s3)"

# One upload to a thumbnail (presigned from the bucket: the ConfigMap sets no S3_PUBLIC_URL; fetched with the
# pod's name resolved to its address, as a browser inside the cluster's DNS would), then uploads from four
# clients while a serve pod is deleted (stopped with its terminationGracePeriodSeconds, then removed).
grace="$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["spec"]["template"]["spec"]["terminationGracePeriodSeconds"])' $k8s/serve-deployment.yaml)"
python3 - "$service_port" "$token" "$s3_ip" "${serve_pods[0]}" "$grace" "$root/deploy" <<'PY' || { pod_logs "${serve_pods[@]}" "$worker_pod"; fail "uploads through the Service"; }
import http.client, json, subprocess, sys, threading, time, urllib.request
port, token, s3_ip, victim, grace, deploy = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
sys.path.insert(0, deploy)
import test  # deploy/test.py: test.photo(tag) is a small JPEG with a unique comment
headers = {"Accept": "application/json", "Authorization": f"Bearer {token}"}

def upload(tag):
    body_photo = test.photo(tag)
    boundary = "memories-kube-test"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{tag}.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + body_photo + f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", "/photos", body, {**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"})
        response = connection.getresponse()
        data = response.read()
        return response.status, (json.loads(data)["photos"][0]["id"] if response.status == 201 else data[:200])
    except (OSError, http.client.HTTPException) as error:
        return None, repr(error)
    finally:
        connection.close()

def get(path):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    for _ in range(20):
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"GET {path} failed through the Service")

def states(ids):
    found = {}
    for start in range(0, len(ids), 50):
        chunk = ids[start:start + 50]
        for photo in get("/photos?ids=" + ",".join(map(str, chunk)))["photos"]:
            found[photo["id"]] = photo
    return found

def wait_ready(ids, timeout=180):
    deadline = time.monotonic() + timeout
    while True:
        found = states(ids)
        if all(found.get(i, {}).get("status") in ("ready", "failed") for i in ids) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)

status, photo_id = upload("first")
assert status == 201, (status, photo_id)
photo = wait_ready([photo_id])[photo_id]
assert photo["status"] == "ready", photo
thumbnail = photo["urls"]["thumbnail"]
assert thumbnail.startswith("http://s3:5000/"), thumbnail
jpeg = subprocess.run(["curl", "-fsS", "--resolve", f"s3:5000:{s3_ip}", thumbnail], capture_output=True, check=True).stdout
assert jpeg[:3] == b"\xff\xd8\xff", "the thumbnail is not a JPEG"
print(f"ok    {'deploy/kubernetes':<48} upload through the Service (201) -> worker -> ready; presigned thumbnail from the bucket", flush=True)

results, lock, stop = [], threading.Lock(), threading.Event()
def client(n):
    i = 0
    while not stop.is_set():
        started = time.monotonic()
        status, value = upload(f"c{n}-{i}")
        with lock:
            results.append((started, time.monotonic(), status, value))
        i += 1
        stop.wait(1)  # about four uploads a second in all: the worker keeps up
clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
for c in clients:
    c.start()
time.sleep(3)
deleted_at = time.monotonic()
subprocess.run(["podman", "pod", "stop", "-t", grace, victim], check=True, capture_output=True)
# Before the pod and its logs go: what it acknowledged, and how it ended (SIGTERM drains, then exit 0).
victim_log = subprocess.run(["podman", "logs", f"{victim}-serve"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True).stdout.splitlines()
victim_ids = {int(line["photo.id"]) for line in map(json.loads, filter(lambda l: l.startswith("{"), victim_log))
              if line.get("message") == "photo uploaded"}
victim_exit = subprocess.run(["podman", "inspect", f"{victim}-serve", "--format", "{{.State.ExitCode}}"],
                             capture_output=True, text=True).stdout.strip()
subprocess.run(["podman", "pod", "rm", victim], check=True, capture_output=True)
removed_at = time.monotonic()
time.sleep(3)
stop.set()
for c in clients:
    c.join()

acknowledged = [value for _, _, status, value in results if status == 201]
refused = [(status, value) for _, _, status, value in results if status != 201]
during = [r for r in results if r[0] < removed_at and r[1] > deleted_at]
after = [r for r in results if r[0] > removed_at and r[2] == 201]
def timeline():
    return "; ".join(f"{start - deleted_at:+.1f}s..{end - deleted_at:+.1f}s {status} {str(value)[:80]}"
                     for start, end, status, value in sorted(results)[-40:]) + f"; removed at +{removed_at - deleted_at:.1f}s"
assert during, "no upload was in flight while the pod was deleted: " + timeline()
assert after, "no upload succeeded after the pod was deleted: " + timeline()
# Listed: the whole list, page by page.
listed, cursor = set(), None
while True:
    page = get("/photos?limit=100" + (f"&after={cursor}" if cursor else ""))
    listed |= {p["id"] for p in page["photos"]}
    cursor = page.get("next")
    if not cursor:
        break
assert victim_exit == "0", f"{victim}'s serve container exited {victim_exit} on SIGTERM"
by_victim = victim_ids & set(acknowledged)
assert len(by_victim) > 1, f"the deleted pod acknowledged {len(by_victim)} of the uploads (round robin should give it half)"
missing = sorted(set(acknowledged) - listed)
assert not missing, f"acknowledged but not listed: {missing}"
found = wait_ready(acknowledged)
not_ready = {i: found.get(i, {}).get("status") for i in acknowledged if found.get(i, {}).get("status") != "ready"}
assert not not_ready, f"acknowledged but not ready: {not_ready}"
print(f"ok    {'deploy/kubernetes':<48} {victim} deleted during uploads: {len(acknowledged)} acknowledged (all listed and "
      f"ready; {len(by_victim)} of them by the deleted pod, which exited 0), {len(during)} in flight during the deletion, {len(refused)} refused without a 201 "
      f"({', '.join(sorted({str(s) for s, _ in refused})) or 'none'})", flush=True)
PY
