#!/usr/bin/env bash
# Starts (or stops) a private redis-server on 127.0.0.1 for the cache tests.
#
#   eval "$(scripts/services/redis.sh start [PORT])"
#   scripts/services/redis.sh stop | pause | resume | status
#
# `start` runs redis-server on a free port (no persistence: it is throwaway) and prints, once it answers:
#   export MEMORIES_TEST_REDIS_URL=redis://127.0.0.1:PORT/0
# `pause` stops the process with SIGSTOP (a server that accepts but never answers); `resume` continues it.
# State (pid file, log) lives in $MEMORIES_SERVICES_DIR/redis (default /tmp/memories-services).
# Progress goes to stderr; only the export line goes to stdout, so `eval` is safe.
set -euo pipefail

state_dir="${MEMORIES_SERVICES_DIR:-/tmp/memories-services}"
redis_dir="$state_dir/redis"
pid_file="$redis_dir/redis.pid"

log() { printf 'redis.sh: %s\n' "$*" >&2; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

is_running() { [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }

start() {
    local port="${1:-$(free_port)}"
    command -v redis-server >/dev/null || { log "redis-server not found: apt-get install redis-server (scripts/setup --test)"; exit 1; }
    if is_running; then
        log "redis already running (pid $(cat "$pid_file")); run '$0 stop' first"
        exit 1
    fi
    mkdir -p "$redis_dir"
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$redis_dir" \
        --daemonize yes --pidfile "$pid_file" --logfile "$redis_dir/redis.log" >&2
    for _ in $(seq 1 100); do
        if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then
            echo "$port" >"$redis_dir/port"
            log "redis listening on 127.0.0.1:$port (log $redis_dir/redis.log)"
            echo "export MEMORIES_TEST_REDIS_URL=redis://127.0.0.1:$port/0"
            return 0
        fi
        sleep 0.1
    done
    log "redis did not answer on port $port; its log:"
    tail -20 "$redis_dir/redis.log" >&2 || true
    exit 1
}

stop() {
    if is_running; then
        local pid
        pid=$(cat "$pid_file")
        kill -CONT "$pid" 2>/dev/null || true
        kill "$pid"
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        log "stopped redis (pid $pid)"
    else
        log "redis is not running"
    fi
    rm -f "$pid_file"
}

command="${1:-start}"
[[ $# -gt 0 ]] && shift
case "$command" in
start) start "$@" ;;
stop) stop ;;
pause) is_running && kill -STOP "$(cat "$pid_file")" && log "paused redis" ;;
resume) is_running && kill -CONT "$(cat "$pid_file")" && log "resumed redis" ;;
status) if is_running; then echo "redis: running (pid $(cat "$pid_file"))"; else echo "redis: not running"; fi ;;
*)
    log "usage: $0 start [PORT] | stop | pause | resume | status"
    exit 2
    ;;
esac
