#!/usr/bin/env bash
# Measures the throughput of Persistence's pure-Swift SHA-256 and, for scale, of coreutils sha256sum
# on the same amount of data (both by CPU time, which is stable on a shared machine).
# Usage: scripts/bench-sha256.sh [MiB]   (default 256)
set -euo pipefail
cd "$(dirname "$0")/.."
mib="${1:-256}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
swiftc -O -wmo Sources/Persistence/SHA256.swift Benchmarks/sha256/main.swift -o "$out/bench-sha256"
"$out/bench-sha256" "$mib"
if command -v sha256sum >/dev/null; then
  head -c "$((mib * 1048576))" /dev/urandom > "$out/data"
  sha256sum "$out/data" >/dev/null   # warm the page cache
  TIMEFORMAT='%U %S'
  read -r user sys < <({ time sha256sum "$out/data" >/dev/null; } 2>&1)
  awk -v m="$mib" -v u="$user" -v s="$sys" 'BEGIN { printf "coreutils sha256sum: %d MiB: %.1f MiB/s of CPU time\n", m, m / (u + s) }'
fi
