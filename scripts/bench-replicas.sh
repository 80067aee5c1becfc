#!/usr/bin/env bash
# Job throughput of 1 and 2 `spikeforge serve` replicas sharing a PostgreSQL database and a blob
# directory, and the claim latency (submit → started) of an idle replica set.
# Usage: scripts/bench-replicas.sh [jobs] [workers per replica]      (defaults: 2000, 2)
# Throughput: N trivial jobs (checksum of a 4 KiB dataset) are queued while no replica runs, then the
# replicas start; jobs/s = N / (last finished − first started), from the rows' own timestamps.
# Claim latency: jobs submitted one at a time over HTTP to replica 1 while idle; started − created.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${1:-2000}
workers=${2:-2}
swift build -c release --product spikeforge >/dev/null
eval "$(scripts/postgres-test-server.sh start)"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  scripts/postgres-test-server.sh stop "$SPIKEFORGE_TEST_POSTGRES_DIR"
  rm -rf "$work"
}
trap cleanup EXIT
db=$SPIKEFORGE_TEST_POSTGRES_URL
sql() { psql -qAtX "$db" -c "$1"; }

start_replica() {  # $1 = name; the port lands in $work/$1.port
  SPIKEFORGE_STORE=$db SPIKEFORGE_WORKERS=$workers SPIKEFORGE_ACCESS_LOG=false \
    .build/release/spikeforge serve --port 0 --data-dir "$work/data" >"$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/$1.log" | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && { echo "$port" >"$work/$1.port"; return; }
    sleep 0.1
  done
  cat "$work/$1.log" >&2; exit 1
}
stop_replicas() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
}

# A dataset for the jobs to hash.
start_replica setup
port=$(cat "$work/setup.port")
head -c 4096 /dev/urandom >"$work/payload"
{ printf '\x93NUMPY\x01\x00\x76\x00'; printf "{'descr': '|u1', 'fortran_order': False, 'shape': (4096,), }%*s\n" 57 '';
  cat "$work/payload"; } >"$work/d.npy"
dataset=$(curl -sf -X POST "http://127.0.0.1:$port/v1/datasets?name=d.npy" -H 'Content-Type: application/octet-stream' \
  --data-binary @"$work/d.npy" | sed 's/.*"id":"\(ds_[0-9a-z]*\)".*/\1/')
stop_replicas

throughput() {  # $1 = replicas
  sql "DELETE FROM jobs"
  sql "INSERT INTO jobs (id, type, state, params, created_at, updated_at)
       SELECT 'job_' || lpad(i::text, 20, '0'), 'checksum', 'queued', '{\"dataset_id\":\"$dataset\"}',
              (extract(epoch from now()) * 1000)::bigint, (extract(epoch from now()) * 1000)::bigint
       FROM generate_series(1, $jobs) i"
  for r in $(seq "$1"); do start_replica "r$r"; done
  for _ in $(seq 1200); do
    [ "$(sql "SELECT COUNT(*) FROM jobs WHERE state IN ('queued','running')")" = 0 ] && break
    sleep 0.1
  done
  sql "SELECT format('%s replica(s) x %s workers: %s jobs (%s succeeded) in %s s = %s jobs/s; runs per replica: %s',
         $1, $workers, COUNT(*), COUNT(*) FILTER (WHERE state = 'succeeded'),
         round((MAX(finished_at) - MIN(started_at)) / 1000.0, 2),
         round(COUNT(*) * 1000.0 / GREATEST(MAX(finished_at) - MIN(started_at), 1), 1),
         (SELECT string_agg(n::text, '/') FROM (SELECT COUNT(*) n FROM job_events WHERE kind = 'started'
            GROUP BY substring(message from ' on (.*)$') ORDER BY 1 DESC) per))
       FROM jobs"
  stop_replicas
}

latency() {  # $1 = replicas; 100 jobs, one at a time, to replica 1
  sql "DELETE FROM jobs"
  for r in $(seq "$1"); do start_replica "l$r"; done
  first=$(cat "$work/l1.port")
  sleep 1
  for _ in $(seq 100); do
    curl -sf -X POST "http://127.0.0.1:$first/v1/jobs" -H 'Content-Type: application/json' \
      -d "{\"type\":\"checksum\",\"params\":{\"dataset_id\":\"$dataset\"}}" >/dev/null
    sleep 0.05
  done
  sleep 1
  sql "SELECT format('claim latency, %s replica(s), idle: p50 %s ms, p99 %s ms, max %s ms (%s jobs)', $1,
         round(percentile_cont(0.5) WITHIN GROUP (ORDER BY started_at - created_at)::numeric, 1),
         round(percentile_cont(0.99) WITHIN GROUP (ORDER BY started_at - created_at)::numeric, 1),
         MAX(started_at - created_at), COUNT(*)) FROM jobs WHERE started_at IS NOT NULL"
  stop_replicas
}

throughput 1
throughput 2
latency 1
latency 2
