#!/usr/bin/env bash
# Starts (or stops) a private PostgreSQL 15 on 127.0.0.1 for the database tests.
#
#   eval "$(scripts/services/postgres.sh start [PORT])"
#   scripts/services/postgres.sh stop
#   scripts/services/postgres.sh pause | resume   (stop the server keeping its data; start it again on its port)
#
# `start` makes a fresh cluster (initdb, user `app`, trust authentication on 127.0.0.1, fsync off: it is
# throwaway), a self-signed CA and a server certificate for 127.0.0.1/localhost with `ssl=on`, and a database
# `memories_test`; then prints, once the server answers:
#   export MEMORIES_TEST_POSTGRES_URL=postgres://app@127.0.0.1:PORT/memories_test
#   export MEMORIES_TEST_POSTGRES_CA=PATH (the CA that signed the server certificate)
# Members of the role `memories_password_auth` must log in with a password (scram-sha-256), so the tests can
# check what a wrong password looks like; everyone else is trusted.
# POSTGRES_LISTEN_ADDRESS=10.231.0.2 POSTGRES_REMOTE_NETWORK=10.231.0.0/24 also listens on that address (inside a
# network namespace, as a database host of its own), puts the address in the certificate, and lets that network in
# over TLS only (deploy/test.py's external-db scenario).
# Works as root (as CI runs it): initdb and the server run as the `postgres` user, since both refuse root.
# Data, certificates, socket and log live in $MEMORIES_SERVICES_DIR/postgres (default /tmp/memories-services).
# Progress goes to stderr; only the export line goes to stdout, so `eval` is safe.
set -euo pipefail

state_dir="${MEMORIES_SERVICES_DIR:-/tmp/memories-services}"
pg_bin="${POSTGRES_BIN_DIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
pg_dir="$state_dir/postgres"
data_dir="$pg_dir/data"
log_file="$pg_dir/postgres.log"

listen_extra="${POSTGRES_LISTEN_ADDRESS:-}"
remote_network="${POSTGRES_REMOTE_NETWORK:-}"

log() { printf 'postgres.sh: %s\n' "$*" >&2; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

require_binaries() {
    local tool
    for tool in initdb pg_ctl psql pg_isready; do
        if [[ ! -x "$pg_bin/$tool" ]]; then
            log "PostgreSQL 15 binaries not found in $pg_bin: apt-get install postgresql-15 (or set POSTGRES_BIN_DIR)"
            exit 1
        fi
    done
    if ! command -v openssl >/dev/null 2>&1; then
        log "openssl not found (needed for the test certificates): apt-get install openssl"
        exit 1
    fi
}

# as_server CMD...: runs a command as the user that owns the cluster (postgres when we are root).
as_server() {
    if [[ $(id -u) == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

is_running() {
    [[ -f "$data_dir/postmaster.pid" ]] && as_server "$pg_bin/pg_ctl" -D "$data_dir" status >/dev/null 2>&1
}

# make_certificates: a CA and a server certificate it signs, valid for localhost and 127.0.0.1.
make_certificates() {
    local dir="$pg_dir/tls"
    mkdir -p "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=memories test CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1${listen_extra:+,IP:$listen_extra}" >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
        -days 3650 -extfile "$dir/server.ext" -out "$dir/server.crt" 2>/dev/null
    # The server refuses a key others can read.
    chmod 600 "$dir/server.key" "$dir/ca.key"
    chmod 644 "$dir/ca.crt" "$dir/server.crt"
}

start() {
    local port="${1:-}"
    require_binaries
    if is_running; then
        log "postgres already running in $data_dir; run '$0 stop' first"
        exit 1
    fi
    mkdir -p "$state_dir"
    rm -rf "$pg_dir"
    mkdir -p "$pg_dir"
    make_certificates
    if [[ $(id -u) == 0 ]]; then
        # The server runs as postgres: it must reach (not list) the state folder, which may be a private mktemp one.
        chmod a+x "$state_dir"
        chown -R postgres: "$pg_dir"
        if ! runuser -u postgres -- test -w "$pg_dir"; then
            log "the postgres user cannot write $pg_dir (a parent folder is closed to it): set MEMORIES_SERVICES_DIR under /tmp"
            exit 1
        fi
    fi

    as_server "$pg_bin/initdb" -D "$data_dir" -U app --auth=trust -E UTF8 --locale=C.UTF-8 --no-instructions \
        >"$pg_dir/initdb.log" 2>&1 || { log "initdb failed:"; tail -20 "$pg_dir/initdb.log" >&2; exit 1; }
    cat >"$data_dir/pg_hba.conf" <<'HBA'
# Throwaway test server: trusted, except the group the tests use to check password failures.
local all all trust
host all +memories_password_auth 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 trust
HBA
    if [[ -n "$remote_network" ]]; then
        printf '%s\n' "hostssl all all $remote_network trust" "hostnossl all all $remote_network reject" >>"$data_dir/pg_hba.conf"
    fi
    cat >>"$data_dir/postgresql.conf" <<CONF

# memories test server
ssl = on
ssl_cert_file = '$pg_dir/tls/server.crt'
ssl_key_file = '$pg_dir/tls/server.key'
# Every test makes its own database and pool, and Swift Testing runs them in parallel.
max_connections = 300
synchronous_commit = off
full_page_writes = off
password_encryption = 'scram-sha-256'
CONF
    [[ $(id -u) == 0 ]] && chown postgres: "$data_dir/pg_hba.conf" "$data_dir/postgresql.conf"

    local attempt started=0
    for attempt in 1 2 3; do
        [[ -n "$port" && $attempt -gt 1 ]] && break
        local try_port="${port:-$(free_port)}"
        if as_server "$pg_bin/pg_ctl" -D "$data_dir" -l "$log_file" -w -t 30 \
            -o "-p $try_port -k $pg_dir -c listen_addresses=127.0.0.1${listen_extra:+,$listen_extra} -c fsync=off" start >/dev/null 2>&1; then
            port="$try_port"
            started=1
            break
        fi
        # Another process may have taken the free port between choosing and binding it: try another.
        log "server did not start on port $try_port (attempt $attempt)"
    done
    if [[ $started != 1 ]]; then
        log "postgres failed to start; its log:"
        tail -20 "$log_file" >&2 || true
        exit 1
    fi
    echo "$port" >"$pg_dir/port"
    wait_ready "$port"

    local psql=("$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U app -d postgres)
    "${psql[@]}" -c "CREATE DATABASE memories_test" >&2
    "${psql[@]}" -c "CREATE ROLE memories_password_auth NOLOGIN" >&2
    log "postgres listening on 127.0.0.1:$port (data $data_dir, log $log_file)"
    echo "export MEMORIES_TEST_POSTGRES_URL=postgres://app@127.0.0.1:$port/memories_test"
    echo "export MEMORIES_TEST_POSTGRES_CA=$pg_dir/tls/ca.crt"
}

wait_ready() {
    for _ in $(seq 1 100); do
        "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$1" && return 0
        sleep 0.1
    done
}

# pause: a database outage for the tests (a fast shutdown: connections are cut, data kept).
pause() {
    as_server "$pg_bin/pg_ctl" -D "$data_dir" -m fast -w stop >/dev/null
    log "paused postgres in $data_dir"
}

# resume: the same server back on the same port.
resume() {
    local port
    port=$(cat "$pg_dir/port")
    as_server "$pg_bin/pg_ctl" -D "$data_dir" -l "$log_file" -w -t 30 \
        -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1${listen_extra:+,$listen_extra} -c fsync=off" start >/dev/null
    wait_ready "$port"
    log "resumed postgres on 127.0.0.1:$port"
}

stop() {
    if [[ ! -d "$data_dir" ]]; then
        log "no postgres cluster in $pg_dir"
        return 0
    fi
    if is_running; then
        as_server "$pg_bin/pg_ctl" -D "$data_dir" -m fast -w stop >/dev/null
        log "stopped postgres in $data_dir"
    else
        log "postgres in $data_dir is not running"
    fi
    # The cluster is throwaway; keep only the log for a look after a failed run.
    rm -rf "$data_dir" "$pg_dir/tls"
}

command="${1:-start}"
[[ $# -gt 0 ]] && shift
case "$command" in
start) start "$@" ;;
stop) stop ;;
pause) pause ;;
resume) resume ;;
status)
    if is_running; then echo "postgres: running ($data_dir)"; else echo "postgres: not running"; fi
    ;;
*)
    log "usage: $0 start [PORT] | stop | pause | resume | status"
    exit 2
    ;;
esac
