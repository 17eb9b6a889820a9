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
# Plain libraries without (working) CMake packages on Debian 12: libzip's config needs libzip-tools,
# stb and NLopt's C++ header come without one that fits.
find_path(NNDL_ZIP_INCLUDE_DIR zip.h REQUIRED)
find_library(NNDL_ZIP_LIBRARY zip REQUIRED)    # .npz model files (nndl/io/npz.hpp)
find_library(NNDL_STB_LIBRARY stb REQUIRED)    # image files (nndl/data/image.hpp); holds stb_image's code
find_library(NNDL_NLOPT_LIBRARY nlopt REQUIRED) # Bayesian optimisation (nndl/tune/acquisition.hpp)
