#!/bin/sh
# Builds the libFuzzer target for NumPyIO (.npy/.npz parsing) with coverage and ASan, then
# runs it: Fuzz/build.sh [seconds]. Corpus seeds are the repository's .npy/.npz fixtures.
set -eu
cd "$(dirname "$0")/.."
out=.build/fuzz
mkdir -p "$out" "$out/corpus"
flags="-O -sanitize=fuzzer,address -parse-as-library -I $out -I Sources/CZlib"
swiftc $flags -emit-module -emit-library -static -module-name Tensors \
    -emit-module-path "$out/Tensors.swiftmodule" -o "$out/libTensors.a" Sources/Tensors/*.swift
swiftc $flags -emit-module -emit-library -static -module-name NumPyIO \
    -emit-module-path "$out/NumPyIO.swiftmodule" -o "$out/libNumPyIO.a" Sources/NumPyIO/*.swift
swiftc $flags -o "$out/npy-fuzz" Fuzz/NPYFuzz.swift -L "$out" -lNumPyIO -lTensors -lz
for f in Tests/Fixtures/corpus/mlp/*.np? Tests/Fixtures/corpus/seed_qconfig/*.np?; do cp "$f" "$out/corpus/"; done
"$out/npy-fuzz" -max_total_time="${1:-180}" -max_len=65536 -rss_limit_mb=2048 "$out/corpus"
