#!/usr/bin/env bash
# Downloads the four MNIST files into DIR (default: the folder nndl looks in,
# ${XDG_DATA_HOME:-$HOME/.local/share}/nndl/mnist) and checks their md5 sums.
# Files already present with the right md5 are kept, so a complete folder needs no network.
#
# usage: scripts/download_mnist.sh [DIR]
set -euo pipefail

mirrors=(
  "https://ossci-datasets.s3.amazonaws.com/mnist/"
  "https://storage.googleapis.com/cvdf-datasets/mnist/"
  "http://yann.lecun.com/exdb/mnist/"
)

# The published md5 sums of the original files.
declare -A md5=(
  [train-images-idx3-ubyte.gz]=f68b3c2dcbeaaa9fbdd348bbdeb94873
  [train-labels-idx1-ubyte.gz]=d53e105ee54ea40749a09fcbcd1e9432
  [t10k-images-idx3-ubyte.gz]=9fb629c4189551a2d022fa330f9573f3
  [t10k-labels-idx1-ubyte.gz]=ec29112dd5afa0611ce80d1b7f02629c
)
files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz
       t10k-labels-idx1-ubyte.gz)

die() { echo "download_mnist.sh: error: $*" >&2; exit 1; }

if [[ $# -gt 1 || ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
  [[ $# -gt 1 ]] && exit 2 || exit 0
fi

# Same default as nndl::default_data_dir(): XDG_DATA_HOME only when absolute.
data_home=${XDG_DATA_HOME:-}
[[ $data_home == /* ]] || data_home="${HOME:?HOME is not set; pass DIR}/.local/share"
dir=${1:-$data_home/nndl/mnist}

command -v md5sum >/dev/null || die "md5sum not found (package coreutils)"
mkdir -p -- "$dir" || die "cannot create $dir"

md5_of() { md5sum -- "$1" | cut -d' ' -f1; }

# fetch URL OUT: curl or wget, whichever exists; fails on HTTP errors.
fetch() {
  if command -v curl >/dev/null; then
    curl -fsSL --connect-timeout 20 --retry 2 -o "$2" -- "$1"
  elif command -v wget >/dev/null; then
    wget -q --timeout=20 --tries=2 -O "$2" -- "$1"
  else
    die "neither curl nor wget is installed"
  fi
}

tmp=""
trap '[[ -n $tmp ]] && rm -f -- "$tmp"' EXIT

for f in "${files[@]}"; do
  target=$dir/$f
  if [[ -f $target ]]; then
    if [[ $(md5_of "$target") == "${md5[$f]}" ]]; then
      echo "ok      $target (already present, md5 matches)"
      continue
    fi
    echo "redo    $target (present but md5 differs, downloading again)"
  fi
  tmp=$target.part-$$
  got=""
  for m in "${mirrors[@]}"; do
    echo "fetch   $m$f"
    if ! fetch "$m$f" "$tmp"; then
      echo "        failed to download from $m" >&2
      continue
    fi
    sum=$(md5_of "$tmp")
    if [[ $sum == "${md5[$f]}" ]]; then
      mv -f -- "$tmp" "$target"
      got=yes
      echo "ok      $target (md5 ${md5[$f]})"
      break
    fi
    echo "        md5 mismatch from $m: got $sum, expected ${md5[$f]}" >&2
  done
  rm -f -- "$tmp"
  tmp=""
  [[ -n $got ]] || die "could not get $f from any mirror (tried: ${mirrors[*]}). Check the" \
    "internet connection, or copy the four files into $dir by hand."
done

echo "MNIST is in $dir. nndl finds it there by default (or use --data $dir / NNDL_DATA=$dir)."
