# shellcheck shell=bash
# Builds the images the container tests run, offline (no registry is reachable here), with podman as root:
# the Debian 12 base (debootstrapped once, imported as debian:bookworm-slim), the app image (the Dockerfile's
# runtime stage around an already built binary) and stand-ins for the registry images compose.yaml names
# (postgres, motoserver/moto, nginx), tagged with those exact names so compose.yaml and the Kubernetes
# manifests run unchanged. Stand-ins are rebuilt only when their folder changes (a hash label), so a second run
# costs seconds. Sourced by deploy/docker/test-compose.sh and deploy/kubernetes/test-kube-play.sh, which set
# `root` (the repository) and `work` (a temporary folder) first.

: "${root:?set root (the repository) before sourcing}" "${work:?set work (a temporary folder) before sourcing}"
stand_ins="$root/deploy/docker/stand-ins"

# podman as found here: the host's open-files limit cannot be raised (runc fails with "error setting rlimit"
# under podman's defaults) and crun may be absent. A containers.conf of the test's own (CONTAINERS_CONF) sets
# both for every container podman-compose and `podman kube play` create; the system configuration is untouched.
podman_test_config() {
    cat >"$work/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
CONF
    export CONTAINERS_CONF="$work/containers.conf"
}

# What the runs need besides podman, installed when missing (as scripts/setup --test does): debootstrap for the
# base, netavark with aardvark-dns for names between containers (podman only recommends them), catatonit for
# the pause image of pods.
ensure_packages() {
    local package missing=()
    for package in debootstrap netavark aardvark-dns catatonit; do
        dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
    done
    ((${#missing[@]} == 0)) && return 0
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
        >"$work/apt.log" 2>&1 || { tail -20 "$work/apt.log" >&2; return 1; }
}

# The registry name podman stores a short name under (postgres:16 -> docker.io/library/postgres:16).
qualified() {
    local name="$1"
    [[ "$name" == */* ]] || name="library/$name"
    [[ "${name%%/*}" == *.* || "${name%%/*}" == localhost ]] || name="docker.io/$name"
    printf '%s\n' "$name"
}

# The image a compose.yaml service names, qualified.
compose_image() {
    qualified "$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["services"][sys.argv[2]]["image"])' \
        "$root/deploy/docker/compose.yaml" "$1")"
}

# The Debian 12 base, once per machine (podman keeps it): debootstrap's minbase, with the PATH and CMD the
# registry's debian:bookworm-slim declares (an imported tarball has no environment, and `podman kube play`, unlike
# `podman run`, adds no default PATH). A base imported earlier without them gets them added.
base_image=docker.io/library/debian:bookworm-slim
base_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ensure_base_image() {
    if ! podman image exists "$base_image"; then
        debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
            || { tail -20 "$work/debootstrap.log" >&2; return 1; }
        tar -C "$work/rootfs" -c . | podman import --change "ENV PATH=$base_path" --change 'CMD ["bash"]' - "$base_image" >/dev/null
        rm -rf "$work/rootfs"
    elif [[ "$(podman image inspect "$base_image" --format '{{.Config.Env}}')" != *PATH=* ]]; then
        printf 'FROM %s\nENV PATH=%s\nCMD ["bash"]\n' "$base_image" "$base_path" >"$work/Containerfile.base"
        podman build --pull=never -q -t "$base_image" -f "$work/Containerfile.base" "$work" >/dev/null
    fi
}

# stand_in NAME TAG: builds stand-ins/NAME as TAG unless TAG already holds a build of the same files.
stand_in() {
    local name="$1" tag="$2" hash have old ctx version=""
    [[ "$name" == moto ]] && version="${tag##*:}"
    # The folder's files, moto's version and the base image: a new base rebuilds the stand-ins.
    hash="$( (cd "$stand_ins/$name" && find . -type f -print0 | sort -z | xargs -0 sha256sum
        echo "$version"; podman image inspect "$base_image" --format '{{.Id}}') | sha256sum | cut -c1-16)"
    have="$(podman image inspect "$tag" --format '{{index .Labels "org.memories.stand-in"}}' 2>/dev/null || true)"
    [[ "$have" == "$hash" ]] && return 0
    old="$(podman image inspect "$tag" --format '{{.Id}}' 2>/dev/null || true)"
    ctx="$work/stand-in-$name"
    cp -R "$stand_ins/$name" "$ctx"
    if [[ "$name" == moto ]]; then
        # moto and its dependencies as wheels built on the host (Debian's Python in the image is 3.11 too).
        python3 -m pip wheel --quiet "moto[server]==$version" -w "$ctx/wheels" >"$work/wheels-$name.log" 2>&1 \
            || { tail -20 "$work/wheels-$name.log" >&2; return 1; }
    fi
    podman build --format docker --pull=never --network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
        --label "org.memories.stand-in=$hash" ${version:+--build-arg "MOTO_VERSION=$version"} \
        -f "$ctx/Containerfile" -t "$tag" "$ctx" >"$work/build-$name.log" 2>&1 \
        || { tail -30 "$work/build-$name.log" >&2; return 1; }
    rm -rf "$ctx"
    # The build it replaces, now untagged (kept if a container still uses it).
    [[ -n "$old" ]] && podman rmi "$old" >/dev/null 2>&1
    return 0
}

# app_image TAG BINARY: the Dockerfile's runtime stage exactly as written, its build stage replaced by BINARY
# (and, for a binary linking the Swift runtime dynamically, its toolchain's libraries) plus the files the build
# stage stages (scripts, Public, Templates, Migrations).
app_image() {
    local tag="$1" binary="$2" ctx="$work/app-ctx" swift_core libs backtracer
    rm -rf "$ctx"
    mkdir -p "$ctx/staging/usr/local/bin" "$ctx/staging/app"
    install -m 0755 "$binary" "$ctx/staging/usr/local/bin/app"
    strip "$ctx/staging/usr/local/bin/app"
    install -m 0755 "$root/deploy/docker/healthcheck.sh" "$ctx/staging/usr/local/bin/healthcheck"
    install -m 0755 "$root/deploy/docker/env-from-files.sh" "$ctx/staging/usr/local/bin/env-from-files"
    cp -R "$root/Public" "$root/Templates" "$root/Migrations" "$ctx/staging/app/"
    swift_core="$(ldd "$binary" | awk '/libswiftCore.so/ {print $3}')"
    if [[ -n "$swift_core" ]]; then
        libs="$(dirname "$swift_core")"
        mkdir -p "$ctx/staging$libs"
        cp "$libs"/*.so "$ctx/staging$libs/"
        backtracer="$(dirname "$(dirname "$(dirname "$libs")")")/libexec/swift/linux/swift-backtrace-static"
        [[ -x "$backtracer" ]] && cp "$backtracer" "$ctx/staging/usr/local/bin/"
    fi
    {
        printf 'FROM scratch AS build\nCOPY staging/ /staging/\n\n'
        sed -n '/^FROM debian:bookworm-slim AS runtime/,$p' "$root/deploy/docker/Dockerfile"
    } >"$ctx/Dockerfile"
    grep -q '^FROM debian:bookworm-slim AS runtime' "$ctx/Dockerfile" || { echo "runtime stage not found" >&2; return 1; }
    podman build --format docker --pull=never --layers=false --network host --ulimit nofile=1024:1024 \
        --ulimit nproc=1024:1024 -t "$tag" "$ctx" >"$work/build-app.log" 2>&1 \
        || { tail -30 "$work/build-app.log" >&2; return 1; }
    rm -rf "$ctx"
}

# The newest of .build/{debug,release}/app (scripts/test's build), else of any other .build*/ folder.
newest_build() {
    local dir
    for dir in './.build/' './.build*/'; do
        (cd "$root" && find -L . -maxdepth 3 -path "$dir*/app" -type f -printf '%T@ %p\n' | sort -rn | head -1 \
            | cut -d' ' -f2 | grep .) && return
    done
}

# A phone photo when ../shared is beside the repository, else a small JPEG made here (deploy/test.py's).
test_photo() {
    local photo
    photo="$( (find "$root/../shared/photos/phone" -name '*.jpg' 2>/dev/null || true) | sort | head -1)"
    if [[ -z "$photo" ]]; then
        photo="$work/photo.jpg"
        python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import test; open(sys.argv[2], "wb").write(test.photo("image"))' \
            "$root/deploy" "$photo"
    fi
    printf '%s\n' "$photo"
}
