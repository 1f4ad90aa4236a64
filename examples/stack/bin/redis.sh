#!/bin/sh
# Redis for the stack, run by Medic (supervised): a cache, so nothing is persisted. `exec`: the pid Medic
# watches is redis-server itself.
#   DATA_DIR  working directory (required)      REDIS_PORT  port on 127.0.0.1 (default 16379)
set -eu
: "${DATA_DIR:?DATA_DIR must name the data directory}"
mkdir -p "$DATA_DIR"
DATA_DIR=$(cd "$DATA_DIR" && pwd)
# A redis-server left by a Medic that was killed (after the `exec` Medic cannot recognise it): stop it.
if [ -f "$DATA_DIR/redis.pid" ]; then
  old=$(cat "$DATA_DIR/redis.pid")
  if [ -n "$old" ] && kill -0 "$old" 2>/dev/null && grep -q redis "/proc/$old/comm" 2>/dev/null; then
    echo "redis.sh: stopping a stale redis-server (pid $old)" >&2
    kill -KILL "$old"
    n=0; while kill -0 "$old" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
  fi
fi
exec redis-server --bind 127.0.0.1 --port "${REDIS_PORT:-16379}" --dir "$DATA_DIR" --pidfile "$DATA_DIR/redis.pid" \
  --save '' --appendonly no --daemonize no --loglevel warning --maxmemory 64mb
