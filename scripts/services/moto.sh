#!/usr/bin/env bash
# Starts (or stops) moto, an S3 API server, on 127.0.0.1 for the storage tests.
#
#   eval "$(scripts/services/moto.sh start [PORT] [--auth [AUTH_PORT]])"
#   scripts/services/moto.sh stop
#
# `start` prints `export MEMORIES_TEST_S3_ENDPOINT=http://127.0.0.1:PORT` once the server answers.
# With --auth it also starts a second instance that checks SigV4 signatures (moto only does that when
# INITIAL_NO_AUTH_ACTION_COUNT is set and an IAM user exists), creates that user with an allow-all policy,
# and prints MEMORIES_TEST_S3_AUTH_ENDPOINT, MEMORIES_TEST_S3_AUTH_KEY_ID and MEMORIES_TEST_S3_AUTH_SECRET.
# Without a PORT a free one is picked. Pid files and logs live in $MEMORIES_SERVICES_DIR (default /tmp/memories-services).
# Progress goes to stderr; only the export lines go to stdout, so `eval` is safe.
set -euo pipefail

state_dir="${MEMORIES_SERVICES_DIR:-/tmp/memories-services}"
mkdir -p "$state_dir"

log() { printf 'moto.sh: %s\n' "$*" >&2; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

require_moto() {
    if ! command -v moto_server >/dev/null 2>&1; then
        log "moto_server not found: pip install 'moto[server]'"
        exit 1
    fi
    # moto_server imports flask and flask_cors lazily and dies at start-up without them.
    if ! python3 -c 'import flask, flask_cors' >/dev/null 2>&1; then
        log "moto's server extras are missing: pip install 'moto[server]'"
        exit 1
    fi
}

# start_instance NAME PORT [ENV=VALUE...]: runs moto_server in the background and waits until it answers.
start_instance() {
    local name="$1" port="$2"
    shift 2
    local pid_file="$state_dir/moto-$name.pid" log_file="$state_dir/moto-$name.log"
    if [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
        log "moto ($name) already running with pid $(cat "$pid_file"); run '$0 stop' first"
        exit 1
    fi
    env "$@" moto_server -H 127.0.0.1 -p "$port" >"$log_file" 2>&1 &
    echo $! >"$pid_file"
    # /moto-api/ is moto's own dashboard: it answers without counting as an AWS action, so probing it
    # does not use up the unauthenticated calls the --auth instance needs for its IAM set-up.
    for _ in $(seq 1 100); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null; then
            log "moto ($name) listening on 127.0.0.1:$port (pid $(cat "$pid_file"), log $log_file)"
            return 0
        fi
        if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
            log "moto ($name) exited at start-up; its log:"
            tail -20 "$log_file" >&2
            rm -f "$pid_file"
            exit 1
        fi
        sleep 0.1
    done
    log "moto ($name) did not answer on port $port within 10 s"
    exit 1
}

# setup_auth PORT: creates an IAM user allowed everything and prints its keys (key id, then secret).
setup_auth() {
    MOTO_PORT="$1" python3 - <<'PY'
import json, os
import boto3

endpoint = "http://127.0.0.1:%s" % os.environ["MOTO_PORT"]
# These first calls run unauthenticated (INITIAL_NO_AUTH_ACTION_COUNT); the keys are placeholders.
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="memories-test")
policy = iam.create_policy(
    PolicyName="memories-test-all",
    PolicyDocument=json.dumps({"Version": "2012-10-17",
                               "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
)
iam.attach_user_policy(UserName="memories-test", PolicyArn=policy["Policy"]["Arn"])
key = iam.create_access_key(UserName="memories-test")["AccessKey"]
print(key["AccessKeyId"])
print(key["SecretAccessKey"])
PY
}

stop_all() {
    local found=0
    for pid_file in "$state_dir"/moto-*.pid; do
        [[ -e "$pid_file" ]] || continue
        found=1
        local pid
        pid="$(cat "$pid_file")"
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            log "stopped moto pid $pid"
        fi
        rm -f "$pid_file"
    done
    [[ $found == 1 ]] || log "no moto running (no pid files in $state_dir)"
}

command="start"
if [[ $# -gt 0 && ( "$1" == "start" || "$1" == "stop" || "$1" == "status" ) ]]; then
    command="$1"
    shift
fi

case "$command" in
stop)
    stop_all
    ;;
status)
    for pid_file in "$state_dir"/moto-*.pid; do
        [[ -e "$pid_file" ]] || continue
        pid="$(cat "$pid_file")"
        if kill -0 "$pid" 2>/dev/null; then echo "$(basename "$pid_file" .pid): running (pid $pid)"; else echo "$(basename "$pid_file" .pid): dead"; fi
    done
    ;;
start)
    port="" auth=0 auth_port=""
    while [[ $# -gt 0 ]]; do
        case "$1" in
        --auth)
            auth=1
            if [[ $# -gt 1 && "$2" =~ ^[0-9]+$ ]]; then auth_port="$2"; shift; fi
            ;;
        [0-9]*) port="$1" ;;
        *) log "unknown argument: $1 (usage: $0 [start] [PORT] [--auth [AUTH_PORT]] | stop | status)"; exit 2 ;;
        esac
        shift
    done
    require_moto
    port="${port:-$(free_port)}"
    start_instance plain "$port"
    echo "export MEMORIES_TEST_S3_ENDPOINT=http://127.0.0.1:$port"
    if [[ $auth == 1 ]]; then
        auth_port="${auth_port:-$(free_port)}"
        # Four unauthenticated actions: create-user, create-policy, attach-user-policy, create-access-key.
        start_instance auth "$auth_port" INITIAL_NO_AUTH_ACTION_COUNT=4
        mapfile -t keys < <(setup_auth "$auth_port")
        echo "export MEMORIES_TEST_S3_AUTH_ENDPOINT=http://127.0.0.1:$auth_port MEMORIES_TEST_S3_AUTH_KEY_ID=${keys[0]} MEMORIES_TEST_S3_AUTH_SECRET=${keys[1]}"
    fi
    ;;
esac
