#!/bin/sh
# Simulated Akida inference throughput (samples/s) and peak memory for ds_cnn_kws and
# akidanet_tiny at batch 1 and 64, with akida's own predict beside it when the reference
# Python stack is installed (AKIDA_PYTHON, default /tmp/ref/bin/python).
# Usage: scripts/bench-akida.sh [seconds per measurement]
set -eu
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-3}"
PY="${AKIDA_PYTHON:-/tmp/ref/bin/python}"
swift build -c release --product bench-akida >/dev/null
BIN=.build/release/bench-akida
CORPUS=Tests/Fixtures/corpus
HAVE_REF=0
if [ -x "$PY" ] && "$PY" -c "import akida" 2>/dev/null; then HAVE_REF=1; fi
printf "%-14s %5s %14s %10s %14s %10s %8s\n" model batch "spikeforge/s" "peak MiB" "akida/s" "peak MiB" ratio
for case in ds_cnn_kws akidanet_tiny; do
  for batch in 1 64; do
    set -- $("$BIN" "$CORPUS/$case/akida_v2.json" "$CORPUS/$case/inputs.npy" "$batch" "$SECONDS_PER_RUN")
    ours=$1 ours_mem=$2
    if [ "$HAVE_REF" = 1 ]; then
      set -- $("$PY" scripts/bench-akida-ref.py "$CORPUS/$case/akida_v2.json" "$CORPUS/$case/inputs.npy" "$batch" "$SECONDS_PER_RUN" 2>/dev/null)
      ref=$1 ref_mem=$2
      ratio=$(awk "BEGIN { printf \"%.2fx\", $ours / $ref }")
    else
      ref=n/a ref_mem=n/a ratio=n/a
    fi
    printf "%-14s %5s %14s %10s %14s %10s %8s\n" "$case" "$batch" "$ours" "$ours_mem" "$ref" "$ref_mem" "$ratio"
  done
done
