#!/usr/bin/env bash
# Builds everything and runs the whole test suite (CTest, one BLAS thread).
# Set NNDL_DATA to the MNIST folder so that the real-data tests run (they fail if it is unreadable).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
if [ -z "${NNDL_DATA:-}" ]; then
  echo "test: NNDL_DATA is not set: the tests on real MNIST will say that they did not run"
fi
# deps.sh installed python3-numpy and gnuplot: the tests that use them must not merely warn.
export NNDL_REQUIRE_TOOLS=1
ctest --preset release
