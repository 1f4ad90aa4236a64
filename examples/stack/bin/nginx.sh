#!/bin/sh
# nginx in front of the API, run by Medic (supervised, in the foreground). Renders nginx.conf.template into
# its data directory, then `exec`s nginx: the pid Medic watches is nginx's master.
#   DATA_DIR  prefix and data directory (required)   NGINX_PORT  listen port (default 18088)
#   API_PORT  the API's port (default 18081)
set -eu
: "${DATA_DIR:?DATA_DIR must name the data directory}"
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$DATA_DIR/tmp" "$DATA_DIR/logs"
DATA_DIR=$(cd "$DATA_DIR" && pwd)
# An nginx left by a Medic that was killed (after the `exec` Medic cannot recognise it): stop it, workers too.
if [ -f "$DATA_DIR/nginx.pid" ]; then
  old=$(cat "$DATA_DIR/nginx.pid")
  if [ -n "$old" ] && kill -0 "$old" 2>/dev/null && grep -q nginx "/proc/$old/comm" 2>/dev/null; then
    echo "nginx.sh: stopping a stale nginx (pid $old)" >&2
    kill -KILL "-$old" 2>/dev/null || kill -KILL "$old"
    n=0; while kill -0 "$old" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
  fi
fi
# As root the workers run as nobody: they write request bodies and buffers under tmp/.
if [ "$(id -u)" = 0 ]; then chown -R nobody "$DATA_DIR/tmp"; fi
sed -e "s|@DATA_DIR@|$DATA_DIR|g" -e "s|@NGINX_PORT@|${NGINX_PORT:-18088}|g" \
  -e "s|@API_PORT@|${API_PORT:-18081}|g" "$here/../nginx.conf.template" >"$DATA_DIR/nginx.conf"
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
exec "$NGINX" -p "$DATA_DIR" -c "$DATA_DIR/nginx.conf" -e stderr -g 'daemon off;'
