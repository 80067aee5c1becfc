#!/usr/bin/env bash
# Measures the throughput of Persistence's pure-Swift SHA-256 and, for scale, of coreutils sha256sum
# on the same amount of data. Usage: scripts/bench-sha256.sh [MiB]   (default 256)
set -euo pipefail
cd "$(dirname "$0")/.."
mib="${1:-256}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
swiftc -O -wmo Sources/Persistence/SHA256.swift Benchmarks/sha256/main.swift -o "$out/bench-sha256"
"$out/bench-sha256" "$mib"
if command -v sha256sum >/dev/null; then
  start=$(date +%s.%N)
  head -c "$((mib * 1048576))" /dev/zero | sha256sum >/dev/null
  end=$(date +%s.%N)
  awk -v m="$mib" -v s="$start" -v e="$end" 'BEGIN { printf "coreutils sha256sum: %d MiB in %.3f s = %.1f MiB/s\n", m, e - s, m / (e - s) }'
fi
