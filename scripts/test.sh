#!/usr/bin/env bash
# Runs the whole SpikeForge test suite (release build: the corpus tests run real numerics).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product spikeforge
# A real PostgreSQL server for the PostgreSQL store and replica tests (they fail without it).
eval "$(scripts/postgres-test-server.sh start)"
trap 'scripts/postgres-test-server.sh stop "$SPIKEFORGE_TEST_POSTGRES_DIR"' EXIT
swift test -c release "$@"
# The browser pages in headless Chromium against a real server (screenshots in .build/browser-artifacts).
python3 scripts/browser-test.py .build/release/spikeforge .build/browser-artifacts
# The contract against a live server: every schemathesis check, bounded (25 examples per
# operation, at most 150 s of fuzzing); the longer run is `scripts/schemathesis.sh 1000 3600`.
scripts/schemathesis.sh 25 150
