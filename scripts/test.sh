#!/usr/bin/env bash
# Runs the whole SpikeForge test suite (release build: the corpus tests run real numerics).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product spikeforge
swift test -c release "$@"
# The browser pages in headless Chromium against a real server (screenshots in .build/browser-artifacts).
python3 scripts/browser-test.py .build/release/spikeforge .build/browser-artifacts
