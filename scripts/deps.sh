#!/usr/bin/env bash
# Installs the Debian 12 packages nndl needs (only those missing). Run as root, or with sudo at hand.
set -euo pipefail
packages=(
  cmake g++ make ninja-build
  xtensor-dev libxtensor-blas-dev libxsimd-dev libopenblas-dev zlib1g-dev   # the library
  libcli11-dev libsvm-dev nlohmann-json3-dev gnuplot-nox                    # examples, model files, plots
  catch2 libbenchmark-dev python3-numpy                                     # tests and benchmarks
  libstb-dev libzip-dev                                                     # image files, .npz model files
  libnlopt-cxx-dev libopenmpi-dev openmpi-bin                               # hyperparameter search, data-parallel training
  iproute2                                                                  # the two-host MPI test (network namespaces)
  clang libclang-rt-14-dev                                                  # fuzz harnesses (libFuzzer)
  libboost-dev                                                              # nndl-serve (Boost.Beast, Boost.Asio)
  libonnx-dev libprotobuf-dev python3-onnx                                  # ONNX files (nndl::onnx), its checker (tests)
  python3-torch                                                             # PyTorch, the oracle of the ONNX tests
  chromium chromium-driver python3-selenium                                 # nndl-serve's page in a real browser (tests)
  doxygen                                                                   # the API reference (target docs; CI fails on a warning)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} Debian packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
