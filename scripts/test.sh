#!/usr/bin/env bash
# Runs the whole SpikeForge test suite (release build: the corpus tests run real numerics).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product spikeforge
swift test -c release "$@"
# The contract against a live server: every schemathesis check, bounded (25 examples per
# operation, at most 240 s of fuzzing); the longer run is `scripts/schemathesis.sh 1000 3600`.
scripts/schemathesis.sh 25 240
