#!/usr/bin/env bash
# Runs schemathesis (every check) against openapi.yaml and a live `spikeforge serve` on a free
# loopback port with a fresh data directory; fails on any finding. Called by scripts/test.sh with
# the bounded defaults; the longer run is a documented command:
#   scripts/schemathesis.sh                       # CI: 25 examples per operation, at most 240 s
#   scripts/schemathesis.sh 1000 3600             # longer: examples per operation, wall-clock cap (s)
# The venv (.build-venv/schemathesis, outside git) is made by scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-25}"
cap="${2:-240}"
venv=.build-venv/schemathesis
[ -x "$venv/bin/schemathesis" ] || { echo "schemathesis: $venv is missing; run scripts/setup.sh" >&2; exit 1; }
bin=.build/release/spikeforge
[ -x "$bin" ] || swift build -c release --product spikeforge
work=$(mktemp -d /tmp/spikeforge-schemathesis.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
SPIKEFORGE_ACCESS_LOG=false "$bin" serve --port 0 --data-dir "$work/data" >"$work/server.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 200); do
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/server.log" 2>/dev/null | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "schemathesis: the server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
# --max-time bounds fuzzing; `timeout` bounds everything else (a hung request, the report).
status=0
# Run from the scratch directory: schemathesis keeps its example cache in the working directory.
root=$(pwd)
(cd "$work" && timeout --kill-after=10 "$((cap + 30))" "$root/$venv/bin/schemathesis" \
  --config-file "$root/scripts/schemathesis.toml" run "$root/openapi.yaml" --url "http://127.0.0.1:$port" \
  --checks all --max-examples "$examples" --max-time "$cap" --seed 11 --request-timeout 30 \
  --no-color --output-truncate false --report junit --report-dir "$work/report") >"$work/run.log" 2>&1 || status=$?
cat "$work/run.log"
if [ "$status" -ne 0 ]; then
  echo "schemathesis: findings above (exit $status); server log tail:" >&2
  # A crash's message and its first frames, then the end of the log.
  grep -n -A12 "Fatal error\|Crash\|crashed" "$work/server.log" | head -60 >&2 || true
  tail -20 "$work/server.log" >&2
fi
exit "$status"
