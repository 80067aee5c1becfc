#!/usr/bin/env bash
# Throughput of the Persistence layer (SQLite store, job engine, blob writer) on a real disk.
# Usage: scripts/bench-store.sh [directory for the temporary data dir]   (default: $TMPDIR or /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
swiftc -O -wmo -I Sources/CSQLite Sources/Persistence/*.swift Benchmarks/store/main.swift -lsqlite3 -o "$out/bench-store"
"$out/bench-store" "${1:-${TMPDIR:-/tmp}}"
