#!/usr/bin/env bash
# HTTP benchmark of `spikeforge serve` (a command, not a test):
#   1. requests/s and p50/p99 latency under 64 concurrent connections (wrk --latency) for
#      GET /healthz and a small JSON route (GET /v1/jobs/{id}, one SQLite lookup);
#   2. upload throughput (MB/s) of a 1 GiB .npy dataset, raw and multipart, and the server's
#      peak RSS (VmHWM) while receiving it — it must stay under 100 MB (the body streams to disk).
# Usage: scripts/bench-http.sh [seconds per wrk run, default 10] [upload MiB, default 1024]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
upload_mib="${2:-1024}"
command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
swift build -c release --product spikeforge >/dev/null 2>&1 || { swift build -c release --product spikeforge; exit 1; }
bin=.build/release/spikeforge
work=$(mktemp -d /tmp/spikeforge-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# Starts a server on a free port with its own data directory; sets $port and $pid.
start_server() {
  local name=$1
  SPIKEFORGE_ACCESS_LOG=false SPIKEFORGE_MAX_UPLOAD_BYTES=$((4 << 30)) \
    "$bin" serve --port 0 --data-dir "$work/$name" >"$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 200); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/$name.log" 2>/dev/null | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  echo "bench: server did not start:" >&2; cat "$work/$name.log" >&2; exit 1
}

wrk_run() {  # label url
  local out
  out=$(wrk -t2 -c64 -d"${duration}s" --latency "$2")
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
  printf '%-28s %10s req/s   p50 %8s   p99 %8s   %s\n' "$1" "$rps" "$p50" "$p99" "${errors:-no errors}"
}

# A .npy version 1.0 header for a uint8 vector of $1 elements (64-byte aligned, as NumPy writes it).
npy_header() {
  local header="{'descr': '|u1', 'fortran_order': False, 'shape': ($1,), }"
  local pad=$(( (64 - (10 + ${#header} + 1) % 64) % 64 ))
  local length=$(( ${#header} + pad + 1 ))
  printf '\x93NUMPY\x01\x00'
  printf "\\x$(printf %02x $((length & 255)))\\x$(printf %02x $((length >> 8)))"
  printf '%s%*s\n' "$header" "$pad" ''
}

hwm_mb() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

echo "== request rate: 64 connections, ${duration}s each (wrk -t2 -c64, access log off) =="
start_server rate
base="http://127.0.0.1:$port"
npy_header 16 >"$work/small.npy"
head -c 16 /dev/zero >>"$work/small.npy"
dataset=$(curl -fsS -X POST -H 'Content-Type: application/octet-stream' --data-binary @"$work/small.npy" "$base/v1/datasets?name=small.npy" | sed -E 's/.*"id":"([^"]+)".*/\1/')
job=$(curl -fsS -X POST -H 'Content-Type: application/json' -d "{\"type\":\"checksum\",\"params\":{\"dataset_id\":\"$dataset\"}}" "$base/v1/jobs" | sed -E 's/.*"id":"(job_[^"]+)".*/\1/')
wrk_run "GET /healthz" "$base/healthz"
wrk_run "GET /v1/jobs/{id} (JSON)" "$base/v1/jobs/$job"
echo "server peak RSS after the request runs: $(hwm_mb "$pid") MB"

echo "== upload: ${upload_mib} MiB .npy into a fresh server =="
big="$work/big.npy"
count=$((upload_mib << 20))
npy_header "$count" >"$big"
head -c "$count" /dev/urandom >>"$big"
start_server upload
base="http://127.0.0.1:$port"
echo "server RSS before upload: $(hwm_mb "$pid") MB (VmHWM)"
speed() {  # label curl-args...
  local label=$1; shift
  local result
  result=$(curl -sS -o "$work/upload.json" -w '%{http_code} %{speed_upload} %{time_total}' "$@")
  read -r code bps seconds <<<"$result"
  printf '%-28s HTTP %s   %8.1f MB/s   %6.2f s\n' "$label" "$code" "$(awk -v b="$bps" 'BEGIN {print b / 1e6}')" "$seconds"
}
speed "raw (octet-stream)" -X POST -T "$big" -H 'Content-Type: application/octet-stream' "$base/v1/datasets?name=big-raw.npy"
speed "multipart (curl -F)" -F "file=@$big" "$base/v1/datasets"
peak=$(hwm_mb "$pid")
echo "server peak RSS (VmHWM) after receiving the uploads: $peak MB (limit 100 MB)"
awk -v p="$peak" 'BEGIN { exit !(p < 100) }' && echo "RSS check: OK" || { echo "RSS check: FAILED" >&2; exit 1; }
