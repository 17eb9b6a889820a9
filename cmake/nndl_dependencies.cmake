# The packages of nndl's targets, found the same way at build time and by nndlConfig.cmake:
#   nndl::core   <nndl/network.hpp>: xtensor, xtensor-blas, xsimd, OpenBLAS
#   nndl::io     data and model files (nndl/data/{idx,mnist,...}.hpp, nndl/io/*.hpp): zlib, nlohmann-json, libzip
#   nndl::image  image files (nndl/data/image.hpp): stb_image
#   nndl::tune   hyperparameter search (nndl/tune/*.hpp): NLopt
#   nndl::onnx   ONNX model files (nndl/io/onnx.hpp): Debian's libonnx-dev (onnx_proto) and libprotobuf
#   nndl::nndl   all of them
# As the top-level project (examples, tests) every package is required; under add_subdirectory a
# part whose packages are missing is left out with a message, and nndl::core needs only its own.
include(GNUInstallDirs)
find_package(xtensor REQUIRED)
find_package(xtensor-blas REQUIRED)   # its target does not link xtensor: nndl links both
find_package(xsimd REQUIRED)
if(NOT BLA_VENDOR)
  set(BLA_VENDOR OpenBLAS)
endif()
find_package(BLAS REQUIRED)

if(PROJECT_IS_TOP_LEVEL)
  set(nndl_find REQUIRED)
else()
  set(nndl_find QUIET)
endif()
find_package(ZLIB ${nndl_find})
find_package(nlohmann_json 3 ${nndl_find})
# Plain libraries without (working) CMake packages on Debian 12: libzip's config needs libzip-tools,
# stb and NLopt's C++ header come without one that fits.
find_path(NNDL_ZIP_INCLUDE_DIR zip.h ${nndl_find})
find_library(NNDL_ZIP_LIBRARY zip ${nndl_find})
find_library(NNDL_STB_LIBRARY stb ${nndl_find})      # holds stb_image's code
find_library(NNDL_NLOPT_LIBRARY nlopt ${nndl_find})
# ONNX's generated protobuf classes (libonnx_proto, built with Debian's protobuf).
find_package(Protobuf ${nndl_find})
find_package(ONNX ${nndl_find})
