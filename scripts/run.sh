#!/usr/bin/env bash
# Builds SpikeForge and serves it on its embedded defaults (127.0.0.1:8080, ./data, SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product spikeforge
exec .build/release/spikeforge serve "$@"
