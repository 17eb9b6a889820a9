#!/usr/bin/env bash
# The main job: build, then train the chapter-1 network (network.py) on MNIST and show it learning.
# Extra arguments go to ch1_network, e.g.  scripts/train.sh --hidden 100
# MNIST comes from --data DIR, else $NNDL_DATA, else ~/.local/share/nndl/mnist, else the copy that
# ships in data/mnist: a clone trains offline with nothing set. Only when that copy is missing too
# does this script try scripts/download_mnist.sh (which needs the internet).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh ch1_network  # only what it runs
data_home=${XDG_DATA_HOME:-}
[[ $data_home == /* ]] || data_home="$HOME/.local/share"
default="$data_home/nndl/mnist"
if [ -z "${NNDL_DATA:-}" ] && [[ " $* " != *" --data "* ]] && [ ! -f "$default/t10k-labels-idx1-ubyte.gz" ] \
   && [ ! -f data/mnist/t10k-labels-idx1-ubyte.gz ]; then
  echo "train: no MNIST in NNDL_DATA, $default or data/mnist (restore the repository's copy with"
  echo "train: git checkout data/mnist); trying to download it"
  scripts/download_mnist.sh "$default" || echo "train: download failed; ch1_network will say what to do"
fi
exec build/release/examples/ch1_network --metrics build/release/ch1_network.csv "$@"
