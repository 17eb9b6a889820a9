#!/usr/bin/env bash
# Configures nndl with the "release" preset and builds what is asked: every target (library,
# examples, tests, benchmarks) with no arguments, or only the named ones:
#   scripts/build.sh                 # everything
#   scripts/build.sh ch1_network     # one program and what it needs
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release > /dev/null
if [ $# -gt 0 ]; then
  cmake --build --preset release --target "$@"
else
  cmake --build --preset release
fi
