#!/bin/sh
# Builds the libFuzzer targets (coverage + ASan) and runs one:
#   Fuzz/build.sh [npy|h5] [seconds]
# npy: NumPyIO .npy/.npz parsing; h5: KerasHDF5 reading (libhdf5 itself is not instrumented,
# but its crashes and hangs are caught). Seeds are the repository's corpus files.
set -eu
cd "$(dirname "$0")/.."
target="${1:-npy}"
out=.build/fuzz
mkdir -p "$out" "$out/corpus-$target"
flags="-O -sanitize=fuzzer,address -parse-as-library -I $out"
module() {  # module name, extra flags, sources...
    name=$1; extra=$2; shift 2
    swiftc $flags $extra -emit-module -emit-library -static -module-name "$name" \
        -emit-module-path "$out/$name.swiftmodule" -o "$out/lib$name.a" "$@"
}
module Tensors "" Sources/Tensors/*.swift
if [ "$target" = npy ]; then
    module NumPyIO "-I Sources/CZlib" Sources/NumPyIO/*.swift
    swiftc $flags -I Sources/CZlib -o "$out/npy-fuzz" Fuzz/NPYFuzz.swift -L "$out" -lNumPyIO -lTensors -lz
    cp Tests/Fixtures/corpus/mlp/*.np? Tests/Fixtures/corpus/seed_qconfig/*.np? "$out/corpus-npy/"
    max_len=65536
else
    hdf5="-I Sources/CHDF5 -Xcc -I/usr/include/hdf5/serial"
    module KerasGraph "" Sources/KerasGraph/*.swift
    module KerasHDF5 "$hdf5" Sources/KerasHDF5/*.swift
    swiftc $flags $hdf5 -o "$out/h5-fuzz" Fuzz/H5Fuzz.swift -L "$out" -lKerasHDF5 -lKerasGraph -lTensors \
        -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5
    cp Tests/Fixtures/corpus/mlp/model.h5 "$out/corpus-h5/mlp.h5"
    cp Tests/Fixtures/corpus/nested_model/quantized.h5 "$out/corpus-h5/nested_quantized.h5"
    max_len=262144
fi
"$out/$target-fuzz" -max_total_time="${2:-180}" -max_len=$max_len -rss_limit_mb=2048 -timeout=20 "$out/corpus-$target"
