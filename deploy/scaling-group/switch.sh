#!/usr/bin/env bash
# Blue/green switch: points NGINX at COLOUR once it is ready, then drains the other colour.
#
#   switch.sh green        (blue on 127.0.0.1:8001, green on 127.0.0.1:8002)
#
# 1. waits until the new colour answers /readyz (database reachable, migrations current, storage writable);
# 2. rewrites the live upstream file, checks the NGINX configuration and reloads NGINX (old workers finish their
#    requests, new ones go to the new colour);
# 3. stops the old colour with SIGTERM after DRAIN_SECONDS, so its last responses are sent (systemctl stop does that).
# Migrations must stay backward compatible for one release: blue still runs while green's `app migrate` has run.
# Overridable for tests and other layouts: LIVE_CONF, NGINX_TEST, NGINX_RELOAD, STOP_OLD, BLUE_PORT, GREEN_PORT.
set -euo pipefail
colour="${1:?usage: switch.sh blue|green}"
blue_port="${BLUE_PORT:-8001}"
green_port="${GREEN_PORT:-8002}"
live_conf="${LIVE_CONF:-/etc/nginx/memories-live.conf}"
nginx_test="${NGINX_TEST:-nginx -t -q}"
nginx_reload="${NGINX_RELOAD:-nginx -s reload}"
drain="${DRAIN_SECONDS:-5}"
case "$colour" in
blue) port=$blue_port old=green ;;
green) port=$green_port old=blue ;;
*) echo "switch.sh: expected blue or green; got '$colour'" >&2; exit 2 ;;
esac
stop_old="${STOP_OLD:-systemctl stop memories@$old}"

ready=0
for _ in $(seq 1 60); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz"; then ready=1; break; fi
    sleep 1
done
[[ $ready == 1 ]] || { echo "switch.sh: $colour (port $port) is not ready; NGINX left as it was" >&2; exit 1; }

previous="$(mktemp)"
cp "$live_conf" "$previous"
cat >"$live_conf" <<CONF
# Written by switch.sh: the colour that takes traffic ($colour).
upstream memories_app {
    server 127.0.0.1:$port;
    keepalive 16;
}
CONF
if ! $nginx_test; then
    cp "$previous" "$live_conf"
    echo "switch.sh: the NGINX configuration does not check out; restored the previous upstream" >&2
    exit 1
fi
rm -f "$previous"
$nginx_reload
echo "switch.sh: NGINX now sends traffic to $colour (port $port); draining $old for ${drain}s"
sleep "$drain"
$stop_old
echo "switch.sh: $old stopped"
