#!/usr/bin/env bash
# Builds the Dockerfile's runtime stage with podman and runs the roles from it, offline: no registry is reachable
# here, so the base image is debootstrapped locally (Debian 12 minbase, imported as debian:bookworm-slim) and the
# build stage (the `swift` image) is replaced by an already built binary. What it proves: the runtime packages
# suffice, the user, paths, ENV and HEALTHCHECK work, and migrate, serve and worker run as uid 10001 with a
# read-only root filesystem against PostgreSQL and an S3 API (moto), secrets through env-from-files; an upload
# becomes ready and its thumbnail comes from the bucket; SIGTERM stops serve and worker with status 0.
#   deploy/docker/test-image.sh [BINARY]     (default: the newest .build/*/app; run as root)
# A dynamically linked binary (a plain `swift build`) gets its toolchain's Swift libraries copied beside it; the
# real image links them statically (--static-swift-stdlib).
set -euo pipefail

cd "$(dirname "$0")/../.."
# shellcheck disable=SC2034 # root and work are read by images.sh
root="$PWD"
work="$(mktemp -d)"
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
# shellcheck source=/dev/null # deploy/docker/stand-ins/images.sh, checked on its own
source deploy/docker/stand-ins/images.sh
binary="${1:-$(newest_build)}"
[[ -x "$binary" ]] || { echo "test-image: no built binary (swift build --product app first)" >&2; exit 1; }
# A phone photo when ../shared is beside the repository, else a small JPEG made here (the same one deploy/test.py uses).
photo="$(test_photo)"
[[ "$photo" == "$work/"* ]] && echo "test-image: ../shared/photos not found; uploading a synthetic JPEG" >&2

missing=()
command -v podman >/dev/null || missing+=(podman)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if ((${#missing[@]})); then
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; } >/dev/null
fi
command -v moto_server >/dev/null || python3 -m pip install --quiet 'moto[server]'
pg_bin=/usr/lib/postgresql/15/bin
[[ -x "$pg_bin/initdb" ]] || { echo "test-image: PostgreSQL 15 binaries are missing ($pg_bin)" >&2; exit 1; }

podman_test_config
podman=(podman --runtime runc)
run=("${podman[@]}" run --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network host)
image=localhost/memories-image-test
moto_pid=""
cleanup() {
    "${podman[@]}" rm -f memories-test-serve memories-test-worker >/dev/null 2>&1 || true
    "${podman[@]}" rmi -f "$image" >/dev/null 2>&1 || true
    [[ -n "$moto_pid" ]] && kill "$moto_pid" 2>/dev/null
    [[ -f "$work/pg/postmaster.pid" ]] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

step() { printf 'ok    %-48s %s\n' "deploy/docker/Dockerfile" "$1"; }
fail() { printf 'FAIL  %-48s %s\n' "deploy/docker/Dockerfile" "$1"; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The base image, once per machine (podman keeps it), and the Dockerfile's runtime stage as written around the binary.
ensure_base_image || fail "debootstrap bookworm"
app_image "$image" "$binary" || fail "podman build of the runtime stage"
step "runtime stage builds (podman, local debian:bookworm-slim)"

[[ "$("${podman[@]}" image inspect "$image" --format '{{.Config.User}}')" == "10001:10001" ]] || fail "USER is not 10001:10001"
ids="$("${run[@]}" --rm --entrypoint id "$image" 2>/dev/null)"
[[ "$ids" == "uid=10001(memories) gid=10001(memories) groups=10001(memories)" ]] || fail "runs as '$ids'"
step "runs as memories (10001:10001)"

# PostgreSQL and moto on this host; the containers share the host's network.
pg_port="$(free_port)" s3_port="$(free_port)" http_port="$(free_port)"
install -d -o postgres "$work/pg"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg" -U app --auth=trust >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w \
    -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
moto_server -H 127.0.0.1 -p "$s3_port" >"$work/moto.log" 2>&1 &
moto_pid=$!
python3 - "$s3_port" <<'PY'
import sys, time, boto3, botocore.exceptions as e
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                  aws_access_key_id="test", aws_secret_access_key="test")
for _ in range(100):
    try:
        s3.create_bucket(Bucket="memories")
        break
    except e.EndpointConnectionError:
        time.sleep(0.1)
PY

printf 'postgres://app@127.0.0.1:%s/postgres?sslmode=disable\n' "$pg_port" >"$work/database_url"
printf 'test\n' >"$work/s3_secret"
chmod 0644 "$work/database_url" "$work/s3_secret"
app=("${run[@]}" --read-only --tmpfs /tmp
    -v "$work/database_url:/run/secrets/database_url:ro" -v "$work/s3_secret:/run/secrets/s3_secret:ro"
    -e DATABASE_URL_FILE=/run/secrets/database_url -e AWS_SECRET_ACCESS_KEY_FILE=/run/secrets/s3_secret
    -e AWS_ACCESS_KEY_ID=test -e STORAGE=s3 -e S3_BUCKET=memories -e "S3_ENDPOINT=http://127.0.0.1:$s3_port"
    -e "PORT=$http_port" -e SHUTDOWN_GRACE_SECONDS=20 --entrypoint /usr/local/bin/env-from-files)

"${app[@]}" --rm "$image" /usr/local/bin/app migrate >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log"; fail "app migrate"; }
step "app migrate (secrets through env-from-files, read-only root)"
# The first user and a token for scripts, as the README tells the operator (password on standard input).
echo "operator password" | "${app[@]}" --rm -i -e BCRYPT_COST=4 "$image" /usr/local/bin/app users create operator \
    >"$work/users.log" 2>&1 || { cat "$work/users.log"; fail "app users create"; }
token="$("${app[@]}" --rm "$image" /usr/local/bin/app tokens create operator --name test-image 2>/dev/null | grep '^mem_')" \
    || fail "app tokens create"
step "app users create and app tokens create"
"${app[@]}" -d --name memories-test-serve "$image" /usr/local/bin/app serve >/dev/null 2>&1
"${app[@]}" -d --name memories-test-worker "$image" /usr/local/bin/app worker >/dev/null 2>&1
for _ in $(seq 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$http_port/readyz" 2>/dev/null && break
    sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$http_port/readyz" || { "${podman[@]}" logs memories-test-serve; fail "serve /readyz"; }
"${podman[@]}" healthcheck run memories-test-serve >/dev/null 2>&1 || fail "HEALTHCHECK"
step "app serve ready; the image's HEALTHCHECK passes"

python3 - "$http_port" "$photo" "$token" <<'PY' || fail "upload to ready"
import json, subprocess, sys, time, urllib.request
base, photo, token = f"http://127.0.0.1:{sys.argv[1]}", sys.argv[2], sys.argv[3]
auth = f"Authorization: Bearer {token}"
out = subprocess.run(["curl", "-fsS", "-F", f"file=@{photo}", "-H", "Accept: application/json", "-H", auth, base + "/photos"],
                     capture_output=True, text=True, check=True).stdout
photo_id = json.loads(out)["photos"][0]["id"]
for _ in range(240):
    request = urllib.request.Request(f"{base}/photos?ids={photo_id}",
                                     headers={"Accept": "application/json", "Authorization": f"Bearer {token}"})
    state = json.loads(urllib.request.urlopen(request).read())["photos"][0]
    if state["status"] in ("ready", "failed"):
        break
    time.sleep(0.25)
assert state["status"] == "ready", state
with urllib.request.urlopen(state["urls"]["thumbnail"]) as response:
    assert response.status == 200 and response.read(3) == b"\xff\xd8\xff", "thumbnail is not a JPEG"
PY
step "upload -> worker -> ready; thumbnail served by the bucket"

for role in worker serve; do
    "${podman[@]}" stop -t 40 "memories-test-$role" >/dev/null 2>&1
    status="$("${podman[@]}" inspect "memories-test-$role" --format '{{.State.ExitCode}}')"
    [[ "$status" == "0" ]] || { "${podman[@]}" logs "memories-test-$role" | tail -20; fail "$role exited $status on SIGTERM"; }
done
step "SIGTERM: worker and serve drain and exit 0"
