#!/usr/bin/env bash
# Brings deploy/docker/compose.yaml up for real with podman-compose, unchanged: PostgreSQL, moto (S3), the bucket
# one-shot, migrate, two `serve` replicas, the worker and NGINX on the front port; uploads a photo through NGINX,
# waits for the worker's thumbnail and fetches it through NGINX's /media/, then takes the project down and checks
# that nothing of it is left. No registry is reachable here, so the images compose.yaml names (postgres,
# motoserver/moto, nginx) are stand-ins built from the local Debian base under those names
# (deploy/docker/stand-ins, cached across runs), and the app image is the Dockerfile's runtime stage around an
# already built binary (MEMORIES_IMAGE, the file's own setting, names it).
#   deploy/docker/test-compose.sh [BINARY]     (default: the newest .build/*/app; run as root)
# Prints `ok`/`FAIL` lines, or one `skip` line when it cannot run here; exits 1 on a failure.
set -euo pipefail

cd "$(dirname "$0")/../.."
# shellcheck disable=SC2034 # read by stand-ins/images.sh
root="$PWD"
file=deploy/docker/compose.yaml
step() { printf 'ok    %-48s %s\n' "$file" "$1"; }
fail() { printf 'FAIL  %-48s %s\n' "$file" "$1"; exit 1; }
skip() { printf 'skip  %-48s %s\n' "$file" "$1"; exit 0; }

((EUID == 0)) || skip "compose up with podman-compose (needs root)"
command -v podman >/dev/null || skip "compose up with podman-compose (podman is not installed: scripts/setup --test installs it)"
# The version checked here; 1.5 is the last that needs nothing newer than podman 4.3 for what compose.yaml uses.
podman_compose_version=1.5.0
if [[ "$(podman-compose --version 2>/dev/null | sed -n 's/^podman-compose version //p')" != "$podman_compose_version" ]]; then
    python3 -m pip install --quiet "podman-compose==$podman_compose_version" >/dev/null 2>&1 \
        || python3 -m pip install --quiet --break-system-packages "podman-compose==$podman_compose_version" >/dev/null
    hash -r
fi

work="$(mktemp -d)"
chmod 755 "$work"
project=memories-compose-test
app_tag=localhost/memories-compose-test:latest
compose=(podman-compose -p "$project" -f "$file")
# shellcheck source=/dev/null # deploy/docker/stand-ins/images.sh, checked on its own
source deploy/docker/stand-ins/images.sh
binary="${1:-$(newest_build)}"
[[ -x "$binary" ]] || skip "compose up with podman-compose (no built app binary: swift build --product app)"
podman_test_config
ensure_packages || fail "installing debootstrap, netavark, aardvark-dns, catatonit"

# Everything the project made (containers, its network, the pgdata volume), whatever state a run left.
take_down() {
    "${compose[@]}" down -v -t 40 >>"$work/down.log" 2>&1 || true
    podman ps -aq --filter "label=io.podman.compose.project=$project" | xargs -r podman rm -f >/dev/null 2>&1 || true
    podman volume ls -q --filter "label=io.podman.compose.project=$project" | xargs -r podman volume rm -f >/dev/null 2>&1 || true
    podman network ls -q --filter "label=io.podman.compose.project=$project" | xargs -r podman network rm -f >/dev/null 2>&1 || true
}
cleanup() {
    take_down
    podman rmi -f "$app_tag" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
# Interrupted (Ctrl-C, a CI timeout): exit, so the EXIT trap cleans up too.
trap 'exit 130' INT TERM
take_down

# The environment compose.yaml reads (its documented settings): the front port, the public URL media links use,
# the app image, the secrets.
front_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export HTTP_PORT="$front_port" PUBLIC_URL="http://127.0.0.1:$front_port" MEMORIES_IMAGE="$app_tag"
POSTGRES_PASSWORD="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export POSTGRES_PASSWORD AWS_ACCESS_KEY_ID=compose-test AWS_SECRET_ACCESS_KEY=compose-test-secret

ensure_base_image || fail "the Debian base image (debootstrap)"
for service in postgres s3 nginx; do
    name="$service"
    [[ "$service" == s3 ]] && name=moto
    stand_in "$name" "$(compose_image "$service")" || fail "stand-in image $(compose_image "$service")"
done
grep -q '^FROM docker.io/library/debian:bookworm-slim' deploy/docker/stand-ins/*/Containerfile \
    || fail "stand-ins are not built from the local base"
step "stand-ins $(compose_image postgres), $(compose_image s3), $(compose_image nginx) (local Debian base)"
app_image "$app_tag" "$binary" || fail "the app image (the Dockerfile's runtime stage)"
step "app image built as MEMORIES_IMAGE=$app_tag"

container() { # the containers of a service, one per line
    podman ps -a --filter "label=io.podman.compose.project=$project" --filter "label=io.podman.compose.service=$1" \
        --format '{{.Names}}' | sort
}
exit_code() { podman inspect "$1" --format '{{.State.Status}} {{.State.ExitCode}}'; }
logs() { local c; for c in $(container "$1"); do echo "--- $c"; podman logs "$c" 2>&1 | tail -20; done; }

# healthy waits on a container's own health check (compose's `healthcheck:` or the image's HEALTHCHECK). Nothing
# runs health checks on a schedule here (podman 4.3 uses systemd timers; there is no systemd), so it runs them.
healthy() {
    local _
    for _ in $(seq 60); do
        podman healthcheck run "$1" >/dev/null 2>&1 && return 0
        sleep 1
    done
    return 1
}

# compose.yaml's depends_on, enforced by the test: podman-compose 1.5 ignores `service_healthy` on podman older
# than 4.6 (it says so), waits for `service_completed_successfully` without checking the exit status, and makes
# every dependency a `podman --requires`, which podman 4.3 cannot start once a required one-shot (migrate,
# s3-bucket) has exited ("depends on container ... not found in input list"). So the services come up level by
# level of the file's own dependency graph, each level with `up -d --no-deps`, and before the next level every
# condition some service puts on this one is checked here: healthy by its health check, completed by exit 0,
# started by running.
levels="$(python3 - "$file" <<'LEVELS'
import sys, yaml
services = yaml.safe_load(open(sys.argv[1]))["services"]
deps = {name: (spec.get("depends_on") or {}) for name, spec in services.items()}
deps = {name: ({d: {"condition": "service_started"} for d in dep} if isinstance(dep, list) else dep) for name, dep in deps.items()}
level = {}
def depth(name):
    if name not in level:
        level[name] = 1 + max((depth(d) for d in deps[name]), default=-1)
    return level[name]
conditions = {}
for name, dep in deps.items():
    for d, spec in dep.items():
        conditions.setdefault(d, set()).add(spec.get("condition", "service_started"))
for n in range(max(map(depth, services)) + 1):
    names = sorted(s for s in services if level[s] == n)
    print(" ".join(names) + "|" + " ".join(f"{s}:{c}" for s in names for c in sorted(conditions.get(s, ()))))
LEVELS
)" || fail "reading depends_on"
n=0
while IFS='|' read -r -u 3 services conditions; do
    n=$((n + 1))
    # shellcheck disable=SC2086 # a list of service names
    "${compose[@]}" --verbose up -d --no-build --no-deps $services >"$work/up-$n.log" 2>&1 \
        || { grep -E '^(INFO|WARNING|Error)' "$work/up-$n.log" | cut -c1-600; fail "up -d --no-deps $services"; }
    for dependency in $conditions; do
        service="${dependency%%:*}" condition="${dependency#*:}"
        for c in $(container "$service"); do
            case "$condition" in
                service_healthy) healthy "$c" || { logs "$service"; fail "$service never became healthy"; } ;;
                service_completed_successfully)
                    podman wait "$c" >/dev/null 2>&1 || true
                    [[ "$(exit_code "$c")" == "exited 0" ]] || { logs "$service"; fail "$service did not complete successfully ($(exit_code "$c"))"; }
                    # Its network torn down before the next level starts: podman 4.3 does that asynchronously on
                    # exit, and netavark 1.4 rewriting aardvark-dns's records for the exit and for new containers at
                    # once sometimes loses a name (here `postgres`, for good). `cleanup` waits for it.
                    podman container cleanup "$c" >/dev/null 2>&1 || true
                    ;;
                *) [[ "$(exit_code "$c")" == "running 0" ]] || { logs "$service"; fail "$service is not running"; } ;;
            esac
        done
    done
    step "up -d --no-deps $services${conditions:+ (then $conditions)}"
done 3<<<"$levels"

mapfile -t serves < <(container serve)
((${#serves[@]} == 2)) || fail "serve: ${#serves[@]} containers, compose.yaml asks for 2 replicas"
for c in "${serves[@]}"; do
    healthy "$c" || { logs serve; fail "$c never became healthy"; }
done
worker="$(container worker)"
[[ "$(exit_code "$worker")" == "running 0" ]] || { logs worker; fail "worker is not running ($(exit_code "$worker"))"; }
nginx="$(container nginx)"
resolver="$(podman exec "$nginx" sed -n 's/^ *resolver \([^ ]*\) .*/\1/p' /etc/nginx/nginx.conf)"
[[ -n "$resolver" && "$resolver" != *NGINX_RESOLVER* ]] || fail "nginx.conf was not rendered with a resolver"
addresses="$(podman exec "$nginx" getent ahostsv4 serve | awk '$2 == "STREAM" {print $1}' | sort -u | wc -l)"
((addresses == 2)) || fail "serve resolves to $addresses address(es) in the nginx container, not 2"
step "2 serve replicas healthy, worker running; NGINX resolves serve (2 addresses) through $resolver"

# Every service's name resolves in the app's containers (aardvark-dns, the network's DNS).
for c in "${serves[@]}" "$worker"; do
    for name in postgres s3 serve; do
        podman exec "$c" getent hosts "$name" >/dev/null || fail "$name does not resolve in $c (aardvark-dns)"
    done
done

# The first user and a token, as the README tells the operator (compose exec serve app users create ...).
echo "operator password" | podman exec -i -e BCRYPT_COST=4 "${serves[0]}" app users create operator >"$work/users.log" 2>&1 \
    || { cat "$work/users.log"; logs postgres; fail "app users create"; }
token="$(podman exec "${serves[0]}" app tokens create operator --name compose-test 2>/dev/null | grep '^mem_')" \
    || fail "app tokens create"
step "app users create, app tokens create (podman exec into serve)"

python3 - "$front_port" "$(test_photo)" "$token" <<'PY' || { logs serve; logs worker; logs nginx; fail "upload through NGINX to a thumbnail through NGINX"; }
import json, subprocess, sys, time, urllib.request
base, photo, token = f"http://127.0.0.1:{sys.argv[1]}", sys.argv[2], sys.argv[3]
headers = {"Accept": "application/json", "Authorization": f"Bearer {token}"}
for _ in range(100):  # NGINX answers as soon as it starts; the app behind it through the resolver
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
            if response.status == 200:
                break
    except OSError:
        pass
    time.sleep(0.2)
out = subprocess.run(["curl", "-sS", "-w", "\n%{http_code}", "-F", f"file=@{photo}", "-H", "Accept: application/json",
                      "-H", f"Authorization: Bearer {token}", base + "/photos"], capture_output=True, text=True, check=True).stdout
body, status = out.rsplit("\n", 1)
assert status == "201", (status, body)
photo_id = json.loads(body)["photos"][0]["id"]
for _ in range(240):
    request = urllib.request.Request(f"{base}/photos?ids={photo_id}", headers=headers)
    state = json.loads(urllib.request.urlopen(request, timeout=10).read())["photos"][0]
    if state["status"] in ("ready", "failed"):
        break
    time.sleep(0.25)
assert state["status"] == "ready", state
thumbnail = state["urls"]["thumbnail"]
assert thumbnail.startswith(base + "/media/"), f"thumbnail URL {thumbnail} is not behind NGINX's /media/"
with urllib.request.urlopen(thumbnail, timeout=10) as response:
    assert response.status == 200 and response.read(3) == b"\xff\xd8\xff", "thumbnail is not a JPEG"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", response.headers["Cache-Control"]
PY
step "upload through NGINX :$front_port (201) -> worker -> ready; thumbnail from /media/ (JPEG, immutable)"

"${compose[@]}" down -v -t 40 >"$work/down.log" 2>&1 || { tail -20 "$work/down.log"; fail "down -v"; }
left="$(podman ps -aq --filter "label=io.podman.compose.project=$project" | wc -l) container(s), "
left+="$(podman volume ls -q --filter "label=io.podman.compose.project=$project" | wc -l) volume(s), "
left+="$(podman network ls -q --filter "label=io.podman.compose.project=$project" | wc -l) network(s)"
[[ "$left" == "0 container(s), 0 volume(s), 0 network(s)" ]] || fail "down -v left $left"
step "down -v: no container, volume or network of the project left"
