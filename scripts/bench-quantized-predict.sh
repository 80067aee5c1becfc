#!/bin/sh
# Quantized-Keras predict throughput (SpikeForge's QuantizedEngine, `model.predict` semantics) on
# every kernel path this CPU runs, beside quantizeml's own predict when the reference Python stack
# is installed (QUANTIZEML_PYTHON, default /tmp/ref/bin/python) and beside a previous build when
# BENCH_QUANTIZED_BASELINE names its bench-quantized. Models (corpus): ds_cnn_kws, akidanet_tiny and
# zoo_unet_portrait (the corpus' costliest quantized model per sample). Model loading is excluded.
# Usage: scripts/bench-quantized-predict.sh [seconds per measurement] [batch]
set -eu
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-3}"
BATCH="${2:-256}"
PY="${QUANTIZEML_PYTHON:-/tmp/ref/bin/python}"
BASE="${BENCH_QUANTIZED_BASELINE:-}"
swift build -c release --product bench-quantized >/dev/null
BIN=.build/release/bench-quantized
CORPUS=Tests/Fixtures/corpus
HAVE_REF=0
if [ -x "$PY" ] && "$PY" -c "import quantizeml" 2>/dev/null; then HAVE_REF=1; fi
echo "kernel paths on this CPU: $("$BIN" --paths); batch $BATCH; model loading excluded"
echo "samples/s = wall-clock; /cpu-s = samples per CPU-second (robust when cores are shared);"
echo "x prev, x qml = ratios per CPU-second (qml = quantizeml model.predict)"
printf "%-18s %-8s | %9s %9s | %9s %7s | %9s %9s | %7s\n" model path \
  "ours/s" "/cpu-s" "prev/cpu" "x prev" "qml/s" "/cpu-s" "x qml"
for name in ds_cnn_kws akidanet_tiny zoo_unet_portrait; do
  model="$CORPUS/$name"
  [ -f "$model/quantized.h5" ] || continue
  ref=n/a ref_cpu=n/a prev_cpu=n/a
  if [ "$HAVE_REF" = 1 ]; then
    set -- $("$PY" scripts/bench-quantized-ref.py "$model/quantized.h5" "$model/inputs.npy" "$BATCH" \
      "$SECONDS_PER_RUN" 2>/dev/null)
    ref=$1 ref_cpu=$2
  fi
  if [ -n "$BASE" ]; then
    set -- $("$BASE" "$model/quantized.h5" "$model/inputs.npy" "$BATCH" "$SECONDS_PER_RUN")
    prev_cpu=$2
  fi
  for path in $("$BIN" --paths); do
    set -- $(SPIKEFORGE_KERNELS=$path "$BIN" "$model/quantized.h5" "$model/inputs.npy" "$BATCH" "$SECONDS_PER_RUN")
    ours=$1 ours_cpu=$2 used=$4
    xprev=n/a xref=n/a
    [ "$prev_cpu" = n/a ] || xprev=$(awk "BEGIN { printf \"%.2f\", $ours_cpu / $prev_cpu }")
    [ "$ref_cpu" = n/a ] || xref=$(awk "BEGIN { printf \"%.2f\", $ours_cpu / $ref_cpu }")
    printf "%-18s %-8s | %9s %9s | %9s %7s | %9s %9s | %7s\n" "$name" "$used" \
      "$ours" "$ours_cpu" "$prev_cpu" "$xprev" "$ref" "$ref_cpu" "$xref"
  done
done
