#!/usr/bin/env bash
# Builds and runs the whole test suite, in stages (default: release asan fuzz, what CI runs):
#   release  builds everything with the release preset, the API reference (target docs: fails on any
#            Doxygen warning, such as a public name without a comment), and runs the whole CTest suite
#            (one BLAS thread)
#   asan     the fast unit tests (CTest label "fast") built and run under ASan + UBSan (preset asan)
#   tsan     the fast and the threaded unit tests under ThreadSanitizer (preset tsan)
#   fuzz     each libFuzzer harness for NNDL_FUZZ_SECONDS (default 10) on its seed corpus (preset fuzz)
#   scripts/test.sh release        # one stage
# The real-MNIST tests find the data as the programs do: NNDL_DATA when set, else the user's folder,
# else the copy that ships in data/mnist; data found but unreadable fails them.
set -euo pipefail
cd "$(dirname "$0")/.."
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(release asan fuzz)
scripts/deps.sh
scripts/deps_npm.sh   # ONNX Runtime for node (npm's onnxruntime-node), the other oracle of the ONNX tests
if [ -z "${NNDL_DATA:-}" ] && [ ! -f data/mnist/t10k-labels-idx1-ubyte.gz ]; then
  echo "test: NNDL_DATA is not set and data/mnist lacks the MNIST files (git checkout data/mnist restores"
  echo "test: them): the tests on real MNIST will say that they did not run"
fi
# deps.sh installed python3-numpy and gnuplot: the tests that use them must not merely warn.
export NNDL_REQUIRE_TOOLS=1
for stage in "${stages[@]}"; do
  start=$SECONDS
  echo "test: stage $stage"
  case "$stage" in
    release)
      scripts/build.sh
      cmake --build --preset release --target docs   # the API reference: zero Doxygen warnings
      # One job more than cores: several tests spend seconds waiting (MPI ranks killed and resumed,
      # a browser, signals), and the extra job uses the core they leave (docs/speed.md has the figures).
      ctest --preset release -j "$(( $(nproc) + 1 ))" ;;
    asan)
      cmake --preset asan
      cmake --build --preset asan           # the target fast_tests
      ctest --preset asan ;;
    tsan)
      cmake --preset tsan
      cmake --build --preset tsan --target fast_tests test_parallel test_ensemble
      ctest --preset tsan ;;
    fuzz)
      cmake --preset fuzz -DNNDL_FUZZ_SECONDS="${NNDL_FUZZ_SECONDS:-10}"
      cmake --build --preset fuzz
      ctest --preset fuzz ;;
    *)
      echo "test: unknown stage '$stage' (release, asan, tsan, fuzz)" >&2
      exit 2 ;;
  esac
  echo "test: stage $stage passed in $((SECONDS - start)) s"
done
