#!/usr/bin/env bash
# nndl against ONNX Runtime on the same .onnx files, one thread, side by side in one run (not a test):
# the ch1 MLP ([784, 30, 10] sigmoid, double: examples/ch1_network) and the ch6 ReLU conv net
# (ch6_convnet --preset relu, float; one epoch on 5,000 images: the weights' values do not change the
# time). For each: the file sizes (.onnx beside nndl's .npz), nndl-convert's read and write times both
# ways (ONNX import and export), then images/s at batch 1 and at batch 100 over the 10,000 test images,
# the median of 5 passes each:
#   nndl: onnx_bench (tests/onnx/bench_onnx.cpp), the run-time model nndl-predict, nndl-evaluate and
#         nndl-serve use (nndl::load_model), images decoded beforehand;
#   ONNX Runtime: tests/onnx/ort_score.js --bench (onnxruntime-node, intra 1, inter 1, sequential,
#         all graph optimisations; its time includes the call from JavaScript).
#   tests/onnx/bench_ort.sh [BUILD_DIR] [WORK_DIR]     # defaults: build/release, BUILD_DIR/bench_ort
# Needs: cmake --build --preset release --target ch1_network ch6_convnet nndl_convert onnx_bench; node
# (scripts/deps_npm.sh installs onnxruntime-node). Run on a quiet machine: it says when a compiler runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/release}
work=${2:-$build/bench_ort}
data=${NNDL_DATA:-data/mnist}
repeat=${NNDL_BENCH_REPEAT:-5}
export OPENBLAS_NUM_THREADS=1
ch1=$build/examples/ch1_network ch6=$build/examples/ch6_convnet convert=$build/tools/nndl-convert
bench=$build/tests/onnx_bench
for p in "$ch1" "$ch6" "$convert" "$bench"; do
  if [ ! -x "$p" ]; then
    echo "bench_ort: $p is missing: cmake --build --preset release --target ch1_network ch6_convnet nndl_convert onnx_bench" >&2
    exit 1
  fi
done
scripts/deps_npm.sh
export NODE_PATH=${NNDL_NODE_PREFIX:-$PWD/build/node}/node_modules
busy=$(pgrep -c cc1plus || true)
[ "${busy:-0}" -eq 0 ] || echo "bench_ort: WARNING: $busy compiler processes are running: the figures are of a busy machine"
mkdir -p "$work"
[ -f "$work/ch1.onnx" ] || "$ch1" --epochs 1 --quiet --data "$data" --save "$work/ch1.onnx"
[ -f "$work/relu.onnx" ] || "$ch6" --preset relu --standard-data --epochs 1 --train-size 5000 --quiet --data "$data" \
                                  --save "$work/relu.onnx"
echo "bench_ort: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
summary=()
for net in ch1 relu; do
  onnx=$work/$net.onnx
  "$convert" "$onnx" "$work/$net.npz"           # ONNX import (read) and .npz export
  "$convert" "$work/$net.npz" "$work/$net.again.onnx"  # .npz read and ONNX export (write)
  echo "bench_ort: $net: $(stat -c %s "$onnx") bytes .onnx, $(stat -c %s "$work/$net.npz") bytes .npz"
  ours=$("$bench" "$onnx" --data "$data" --repeat "$repeat" | tee /dev/stderr)
  theirs=$(node tests/onnx/ort_score.js "$onnx" "$data" "$work/$net.ort.json" --bench --repeat "$repeat" | tee /dev/stderr)
  for b in 1 100; do
    n=$(sed -n "s/.*: batch $b: \([0-9]*\) images\/s.*/\1/p" <<<"$ours")
    o=$(sed -n "s/.*: batch $b: \([0-9]*\) images\/s.*/\1/p" <<<"$theirs")
    summary+=("$(printf '%-5s batch %-3s  nndl %8s images/s   ONNX Runtime %8s images/s   nndl / ORT %s' "$net" "$b" "$n" "$o" \
                 "$(awk -v a="$n" -v b="$o" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }')")")
  done
done
echo "bench_ort: one thread, median of $repeat passes over the 10,000 test images"
printf '%s\n' "${summary[@]}"
