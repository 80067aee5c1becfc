#!/usr/bin/env bash
# Installs what building and testing SpikeForge needs on Debian 12: the C libraries' -dev packages,
# the PostgreSQL server and the headless Chromium the tests run against.
# Safe to run repeatedly: it only calls apt-get when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# chromium, python3: scripts/browser-test.py; postgresql: the server the PostgreSQL store tests
# start (scripts/postgres-test-server.sh).
packages=(libmicrohttpd-dev libhdf5-dev zlib1g-dev libsqlite3-dev libpq-dev pkg-config
  postgresql chromium python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6.x toolchain needed)" >&2; exit 1; }

# schemathesis (PyPI) for scripts/schemathesis.sh, in a venv outside git.
schemathesis_version=4.32.5
venv=.build-venv/schemathesis
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$schemathesis_version"; then
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" 2>/dev/null; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "setup: installing python3-venv"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3 python3-venv
  fi
  echo "setup: installing schemathesis $schemathesis_version into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$schemathesis_version"
fi
