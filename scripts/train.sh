#!/usr/bin/env bash
# The main job: build, then train the chapter-1 network (network.py) on MNIST and show it learning.
# Extra arguments go to ch1_network, e.g.  scripts/train.sh --hidden 100
# MNIST comes from --data DIR, else $NNDL_DATA, else ~/.local/share/nndl/mnist (downloaded there
# by scripts/download_mnist.sh when the internet is at hand).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
default="${XDG_DATA_HOME:-$HOME/.local/share}/nndl/mnist"
if [ -z "${NNDL_DATA:-}" ] && [[ " $* " != *" --data "* ]] && [ ! -f "$default/t10k-labels-idx1-ubyte.gz" ]; then
  echo "train: no MNIST in NNDL_DATA or $default; trying to download it"
  scripts/download_mnist.sh "$default" || echo "train: download failed; ch1_network will say what to do"
fi
exec build/release/examples/ch1_network --metrics build/release/ch1_network.csv "$@"
