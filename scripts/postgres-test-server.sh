#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests and benchmarks: initdb into a temp directory, listen
# on a free loopback port only, trust authentication for the local user `spikeforge`.
#   eval "$(scripts/postgres-test-server.sh start)"   # prints export lines: SPIKEFORGE_TEST_POSTGRES_URL
#   scripts/postgres-test-server.sh stop "$SPIKEFORGE_TEST_POSTGRES_DIR"
#   scripts/postgres-test-server.sh halt|resume DIR   # stop / restart the server, keeping its data
#                                                     # (the database outage test)
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` OS user.
# fsync is off: the data is deleted afterwards, and the tests check SpikeForge, not the disk.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "postgres-test-server: PostgreSQL is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
start)
  dir=$(mktemp -d /tmp/spikeforge-pg-XXXXXX)
  chmod 755 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  # A random port nobody listens on (pg_ctl then fails loudly if it is taken after all).
  while :; do
    port=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  done
  as_owner "$bin/initdb" -D "$dir/data" -U spikeforge -A trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  echo "$port" >"$dir/port"
  "$0" resume "$dir"
  echo "export SPIKEFORGE_TEST_POSTGRES_URL=postgres://spikeforge@127.0.0.1:$port/postgres"
  echo "export SPIKEFORGE_TEST_POSTGRES_DIR=$dir"
  ;;
resume)
  dir=${2:?usage: $0 resume DIR}
  # The server must not inherit our caller's descriptors (a test runner waits for some to close).
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    [ "$fd" -gt 2 ] && [ "$fd" -ne 255 ] && eval "exec $fd>&-" 2>/dev/null || true
  done
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-p $(cat "$dir/port") -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  ;;
halt)
  dir=${2:?usage: $0 halt DIR}
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  ;;
stop)
  dir=${2:?usage: $0 stop DIR}
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start | stop DIR | halt DIR | resume DIR" >&2
  exit 2
  ;;
esac
