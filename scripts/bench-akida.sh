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
echo "samples/s = wall-clock throughput; /cpu-s = samples per CPU-second (robust when cores are shared)"
printf "%-14s %5s | %12s %10s %8s | %12s %10s %8s | %7s %7s\n" model batch "spikeforge/s" "/cpu-s" "MiB" "akida/s" "/cpu-s" "MiB" "wall x" "cpu x"
for case in ds_cnn_kws akidanet_tiny; do
  for batch in 1 64; do
    set -- $("$BIN" "$CORPUS/$case/akida_v2.json" "$CORPUS/$case/inputs.npy" "$batch" "$SECONDS_PER_RUN")
    ours=$1 ours_cpu=$2 ours_mem=$3
    if [ "$HAVE_REF" = 1 ]; then
      set -- $("$PY" scripts/bench-akida-ref.py "$CORPUS/$case/akida_v2.json" "$CORPUS/$case/inputs.npy" "$batch" "$SECONDS_PER_RUN" 2>/dev/null)
      ref=$1 ref_cpu=$2 ref_mem=$3
      ratio=$(awk "BEGIN { printf \"%.2f\", $ours / $ref }")
      cpu_ratio=$(awk "BEGIN { printf \"%.2f\", $ours_cpu / $ref_cpu }")
    else
      ref=n/a ref_cpu=n/a ref_mem=n/a ratio=n/a cpu_ratio=n/a
    fi
    printf "%-14s %5s | %12s %10s %8s | %12s %10s %8s | %7s %7s\n" "$case" "$batch" "$ours" "$ours_cpu" "$ours_mem" "$ref" "$ref_cpu" "$ref_mem" "$ratio" "$cpu_ratio"
  done
done
