# The packages nndl::nndl needs, found the same way at build time and by nndlConfig.cmake.
include(GNUInstallDirs)
find_package(xtensor REQUIRED)
find_package(xtensor-blas REQUIRED)   # its target does not link xtensor: nndl links both
find_package(xsimd REQUIRED)
if(NOT BLA_VENDOR)
  set(BLA_VENDOR OpenBLAS)
endif()
find_package(BLAS REQUIRED)
find_package(ZLIB REQUIRED)
find_package(nlohmann_json 3 REQUIRED)   # model files (nndl/io/json.hpp)
