#!/usr/bin/env bash
# Configures and builds nndl (library, examples, tests, benchmarks) with the "release" preset.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release
cmake --build --preset release
