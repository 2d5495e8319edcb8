#!/usr/bin/env bash
# Restart the web instances one at a time while nginx serves from the others:
#
#   deploy/rolling-restart.sh 127.0.0.1:8001 127.0.0.1:8002
#
# For each instance (as written in the upstream block of the nginx config):
#   1. mark it `down` in the upstream and reload nginx: new requests go to the others;
#   2. wait until nginx's workers of the old configuration have finished what they had
#      sent it and exited (they hold the only connections to it), at most DRAIN_SECONDS;
#      then restart it (graceful: it finishes its own in-flight requests before exiting);
#   3. wait until its /api/v1/health answers 200, mark it up again, reload nginx.
# Migrations come first (deploy/README.md, "Upgrade"); this script never runs them.
# Settings (environment): NGINX_CONF (/etc/nginx/conf.d/qinejia.conf), NGINX_CMD
# (nginx), NGINX_PID (/run/nginx.pid), RESTART (systemctl restart qinejia-web@{port}),
# DRAIN_SECONDS (60), READY_SECONDS (120).
set -euo pipefail

NGINX_CONF="${NGINX_CONF:-/etc/nginx/conf.d/qinejia.conf}"
NGINX_CMD="${NGINX_CMD:-nginx}"
default_restart='systemctl restart qinejia-web@{port}'
RESTART="${RESTART:-$default_restart}"
NGINX_PID="${NGINX_PID:-/run/nginx.pid}"
DRAIN_SECONDS="${DRAIN_SECONDS:-60}"
READY_SECONDS="${READY_SECONDS:-120}"

[ "$#" -ge 1 ] || { echo "usage: $0 HOST:PORT [HOST:PORT...]" >&2; exit 2; }

mark() {  # mark ADDRESS down|up: edit its server line between the markers, reload
  local address="$1" state="$2" escaped
  escaped="$(printf '%s' "$address" | sed 's/[.[\]]/\\&/g')"
  if [ "$state" = down ]; then
    sed -i "/qinejia-upstream-begin/,/qinejia-upstream-end/ s/^\(\s*server $escaped\b[^;]*\);/\1 down;/" "$NGINX_CONF"
  else
    sed -i "/qinejia-upstream-begin/,/qinejia-upstream-end/ s/^\(\s*server $escaped\b[^;]*\) down;/\1;/" "$NGINX_CONF"
  fi
  $NGINX_CMD -t -q
  $NGINX_CMD -s reload
}

drain() {  # until nginx's workers of the previous configuration are gone (at most DRAIN_SECONDS)
  local master deadline=$((SECONDS + DRAIN_SECONDS))
  master="$(cat "$NGINX_PID")"
  sleep 0.5  # the reload is a signal: let the master start its new workers
  while ps -o args= --ppid "$master" | grep -q "shutting down"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "nginx's old workers still busy after ${DRAIN_SECONDS}s; restarting anyway" >&2
      return
    fi
    sleep 0.2
  done
}

for address in "$@"; do
  grep -Eq "^\s*server $address\b" "$NGINX_CONF" || {
    echo "$address is not in the upstream of $NGINX_CONF" >&2; exit 2; }
done

for address in "$@"; do
  port="${address##*:}"
  echo "== $address: out of the upstream"
  mark "$address" down
  drain
  echo "== $address: restart"
  bash -c "${RESTART//\{port\}/$port}"
  deadline=$((SECONDS + READY_SECONDS))
  until curl -sf -o /dev/null "http://$address/api/v1/health"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$address did not become healthy in ${READY_SECONDS}s; it stays out of the upstream" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "== $address: back in the upstream"
  mark "$address" up
done
echo "rolling restart done: $*"
