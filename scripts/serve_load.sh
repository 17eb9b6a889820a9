#!/usr/bin/env bash
# The README's load figures of nndl-serve: 2,000 POST /api/predict requests (a 280 x 280 PNG of an
# MNIST test digit, as the page's pad sends) from 8 concurrent clients, against each model file:
#   scripts/serve_load.sh                      # the two README models, trained first when missing
#   scripts/serve_load.sh my.npz other.npz     # these model files
# The README's models are written into build/serve-load/ (kept for the next run):
#   mlp.npz   mlp_784_256_64_10 --save (20 epochs, about 30 s)
#   relu.npz  ch6_convnet --preset relu --epochs 15 --save (about 3 minutes alone on two cores)
# Then nndl-evaluate prints each model's test accuracy. REQUESTS and CLIENTS override 2000 and 8.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh nndl_serve nndl_serve_load nndl_evaluate mlp_784_256_64_10 ch6_convnet > /dev/null
bin=build/release
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  mkdir -p build/serve-load
  [ -f build/serve-load/mlp.npz ] || $bin/examples/mlp_784_256_64_10 --quiet --save build/serve-load/mlp.npz
  [ -f build/serve-load/relu.npz ] ||
    $bin/examples/ch6_convnet --preset relu --epochs 15 --quiet --save build/serve-load/relu.npz
  models=(build/serve-load/mlp.npz build/serve-load/relu.npz)
fi
echo "serve_load: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 tests/serve/serve_load.py --serve $bin/tools/serve/nndl-serve --load $bin/tests/nndl_serve_load \
  --requests "${REQUESTS:-2000}" --clients "${CLIENTS:-8}" "${models[@]}"
for m in "${models[@]}"; do
  echo "$m: $($bin/tools/nndl-evaluate --model "$m" | grep 'Test accuracy')"
done
