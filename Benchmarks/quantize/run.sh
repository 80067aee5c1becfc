#!/bin/sh
# Quantize + calibrate benchmark: SpikeForge's `spikeforge quantize` against quantizeml on the
# same machine, for ds_cnn_kws and akidanet_tiny with their 1024 calibration samples (batch 32).
# Usage: Benchmarks/quantize/run.sh [path/to/reference/python]  (default /tmp/ref/bin/python)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
corpus="$root/Tests/Fixtures/corpus"
python=${1:-/tmp/ref/bin/python}
(cd "$root" && swift build -c release --product spikeforge >/dev/null 2>&1)
bin="$root/.build/release/spikeforge"
out=$(mktemp -d)
for case in ds_cnn_kws akidanet_tiny; do
    args=$(python3 -c "import json,sys; a=json.load(open('$corpus/$case/meta.json'))['quantize_args']; \
json.dump(a['qparams'], open('$out/qparams.json','w')); print(a['num_samples'], a['batch_size'], a['epochs'])")
    set -- $args
    /usr/bin/time -f "spikeforge $case: %e s, peak RSS %M KiB" "$bin" quantize -m "$corpus/$case/model.h5" \
        --qparams "$out/qparams.json" --samples "$corpus/$case/calibration.npy" \
        --num-samples "$1" --batch-size "$2" --epochs "$3" -o "$out/$case.h5" 2>&1 >/dev/null | grep '^spikeforge'
    if [ -x "$python" ]; then
        "$python" "$root/Benchmarks/quantize/quantizeml_quantize.py" "$corpus/$case" 2>/dev/null | grep '^quantizeml'
    fi
done
rm -rf "$out"
