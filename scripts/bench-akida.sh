#!/bin/sh
# Simulated Akida inference throughput on every kernel path this CPU runs (VNNI, AVX2, portable),
# beside akida's own predict when the reference Python stack is installed (AKIDA_PYTHON, default
# /tmp/ref/bin/python) and beside a previous build when BENCH_AKIDA_BASELINE names its bench-akida.
# Models: ds_cnn_kws and akidanet_tiny (corpus) and akidanet_imagenet at 224x224x3, alpha 0.5, 1000
# classes (built once with the reference into BENCH_MODELS, default .build/bench-models; skipped
# without the reference). Batches 1 and 64.
# Usage: scripts/bench-akida.sh [seconds per measurement]
set -eu
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-3}"
PY="${AKIDA_PYTHON:-/tmp/ref/bin/python}"
BASE="${BENCH_AKIDA_BASELINE:-}"
MODELS="${BENCH_MODELS:-.build/bench-models}"
swift build -c release --product bench-akida >/dev/null
BIN=.build/release/bench-akida
CORPUS=Tests/Fixtures/corpus
HAVE_REF=0
if [ -x "$PY" ] && "$PY" -c "import akida" 2>/dev/null; then HAVE_REF=1; fi
BIG="$MODELS/akidanet_imagenet_224"
if [ "$HAVE_REF" = 1 ] && [ ! -f "$BIG/akida_v2.json" ]; then
  "$PY" scripts/bench-akida-model.py "$BIG" >/dev/null 2>&1 || echo "could not build $BIG" >&2
fi
# int8 peak of one core: 64 multiply-accumulates per cycle (one 512-bit vpdpbusd per cycle) at the
# nominal clock; a reference point, not a guarantee of the microarchitecture.
MHZ=$(awk -F: '/^cpu MHz/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
MHZ=${MHZ:-0}
echo "kernel paths on this CPU: $("$BIN" --paths); int8 peak/core = 64 MAC/cycle x ${MHZ} MHz"
echo "samples/s = wall-clock; /cpu-s = samples per CPU-second (robust when cores are shared);"
echo "GMAC/cpu-s = multiply-accumulates per CPU-second; x prev, x akida = ratios per CPU-second"
printf "%-22s %5s %-8s | %9s %9s %10s %6s | %9s %7s | %9s %9s | %7s\n" model batch path \
  "ours/s" "/cpu-s" "GMAC/cpu-s" "%peak" "prev/cpu" "x prev" "akida/s" "/cpu-s" "x akida"
for model in "$CORPUS/ds_cnn_kws" "$CORPUS/akidanet_tiny" "$BIG"; do
  [ -f "$model/akida_v2.json" ] || continue
  name=$(basename "$model")
  for batch in 1 64; do
    ref=n/a ref_cpu=n/a prev_cpu=n/a
    if [ "$HAVE_REF" = 1 ]; then
      set -- $("$PY" scripts/bench-akida-ref.py "$model/akida_v2.json" "$model/inputs.npy" "$batch" \
        "$SECONDS_PER_RUN" 2>/dev/null)
      ref=$1 ref_cpu=$2
    fi
    if [ -n "$BASE" ]; then
      set -- $("$BASE" "$model/akida_v2.json" "$model/inputs.npy" "$batch" "$SECONDS_PER_RUN")
      prev_cpu=$2
    fi
    for path in $("$BIN" --paths); do
      set -- $(SPIKEFORGE_KERNELS=$path "$BIN" "$model/akida_v2.json" "$model/inputs.npy" "$batch" "$SECONDS_PER_RUN")
      ours=$1 ours_cpu=$2 used=$5 macs=$6
      gmac=$(awk "BEGIN { printf \"%.1f\", $ours_cpu * $macs / 1e9 }")
      peak=$(awk "BEGIN { if ($MHZ > 0) printf \"%.1f\", 100 * $gmac / (64 * $MHZ / 1000); else print \"n/a\" }")
      xprev=n/a xref=n/a
      [ "$prev_cpu" = n/a ] || xprev=$(awk "BEGIN { printf \"%.2f\", $ours_cpu / $prev_cpu }")
      [ "$ref_cpu" = n/a ] || xref=$(awk "BEGIN { printf \"%.2f\", $ours_cpu / $ref_cpu }")
      printf "%-22s %5s %-8s | %9s %9s %10s %6s | %9s %7s | %9s %9s | %7s\n" "$name" "$batch" "$used" \
        "$ours" "$ours_cpu" "$gmac" "$peak" "$prev_cpu" "$xprev" "$ref" "$ref_cpu" "$xref"
    done
  done
done
