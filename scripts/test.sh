#!/usr/bin/env bash
# Builds everything and runs the whole test suite (CTest, one BLAS thread).
# The real-MNIST tests find the data as the programs do: NNDL_DATA when set, else the user's folder,
# else the copy that ships in data/mnist; data found but unreadable fails them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
if [ -z "${NNDL_DATA:-}" ] && [ ! -f data/mnist/t10k-labels-idx1-ubyte.gz ]; then
  echo "test: NNDL_DATA is not set and data/mnist lacks the MNIST files (git checkout data/mnist restores"
  echo "test: them): the tests on real MNIST will say that they did not run"
fi
# deps.sh installed python3-numpy and gnuplot: the tests that use them must not merely warn.
export NNDL_REQUIRE_TOOLS=1
ctest --preset release
