# nndl's targets (see nndl_dependencies.cmake for what each needs). All are header-only
# (INTERFACE); the installed names are nndl::core, nndl::io, nndl::image, nndl::tune, nndl::onnx, nndl::nndl,
# nndl::mpi.
add_library(nndl_core INTERFACE)
add_library(nndl::core ALIAS nndl_core)
set_target_properties(nndl_core PROPERTIES EXPORT_NAME core)
target_include_directories(nndl_core INTERFACE
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(nndl_core INTERFACE cxx_std_20)
target_link_libraries(nndl_core INTERFACE xtensor xtensor-blas xsimd BLAS::BLAS)
set(nndl_parts nndl_core)

if(ZLIB_FOUND AND nlohmann_json_FOUND AND NNDL_ZIP_LIBRARY)
  add_library(nndl_io INTERFACE)
  add_library(nndl::io ALIAS nndl_io)
  set_target_properties(nndl_io PROPERTIES EXPORT_NAME io)
  target_link_libraries(nndl_io INTERFACE nndl_core ZLIB::ZLIB nlohmann_json::nlohmann_json
                        $<BUILD_INTERFACE:${NNDL_ZIP_LIBRARY}> $<INSTALL_INTERFACE:zip>)
  # The MNIST copy in data/mnist, found by nndl::find_data_dir when nothing else is set. Only for the
  # build tree (and add_subdirectory): an installed nndl does not carry the data.
  target_compile_definitions(nndl_io INTERFACE
    "$<BUILD_INTERFACE:NNDL_REPOSITORY_DATA=\"${CMAKE_CURRENT_SOURCE_DIR}/data/mnist\">")
  list(APPEND nndl_parts nndl_io)
else()
  message(STATUS "nndl: nndl::io left out (it needs zlib, nlohmann-json and libzip)")
endif()
if(NNDL_STB_LIBRARY)
  add_library(nndl_image INTERFACE)
  add_library(nndl::image ALIAS nndl_image)
  set_target_properties(nndl_image PROPERTIES EXPORT_NAME image)
  target_link_libraries(nndl_image INTERFACE nndl_core $<BUILD_INTERFACE:${NNDL_STB_LIBRARY}> $<INSTALL_INTERFACE:stb>)
  list(APPEND nndl_parts nndl_image)
else()
  message(STATUS "nndl: nndl::image left out (it needs stb)")
endif()
if(NNDL_NLOPT_LIBRARY)
  add_library(nndl_tune INTERFACE)
  add_library(nndl::tune ALIAS nndl_tune)
  set_target_properties(nndl_tune PROPERTIES EXPORT_NAME tune)
  target_link_libraries(nndl_tune INTERFACE nndl_core $<BUILD_INTERFACE:${NNDL_NLOPT_LIBRARY}> $<INSTALL_INTERFACE:nlopt>)
  list(APPEND nndl_parts nndl_tune)
else()
  message(STATUS "nndl: nndl::tune left out (it needs NLopt)")
endif()

if(TARGET nndl_io AND TARGET onnx_proto AND Protobuf_FOUND)
  add_library(nndl_onnx INTERFACE)
  add_library(nndl::onnx ALIAS nndl_onnx)
  set_target_properties(nndl_onnx PROPERTIES EXPORT_NAME onnx)
  target_link_libraries(nndl_onnx INTERFACE nndl_io onnx_proto protobuf::libprotobuf)
  target_compile_definitions(nndl_onnx INTERFACE NNDL_WITH_ONNX)
  list(APPEND nndl_parts nndl_onnx)
else()
  message(STATUS "nndl: nndl::onnx left out (it needs libonnx-dev and libprotobuf-dev)")
endif()

add_library(nndl INTERFACE)
add_library(nndl::nndl ALIAS nndl)
target_link_libraries(nndl INTERFACE ${nndl_parts})
list(APPEND nndl_parts nndl)

# nndl::mpi: data-parallel training over MPI (<nndl/mpi/data_parallel.hpp>), only when MPI is found.
# Installed and exported with the rest, but not part of nndl::nndl (a program without it links no MPI).
find_package(MPI QUIET COMPONENTS CXX)
if(MPI_CXX_FOUND)
  add_library(nndl_mpi INTERFACE)
  add_library(nndl::mpi ALIAS nndl_mpi)
  set_target_properties(nndl_mpi PROPERTIES EXPORT_NAME mpi)
  target_link_libraries(nndl_mpi INTERFACE nndl_core MPI::MPI_CXX)
  target_compile_definitions(nndl_mpi INTERFACE OMPI_SKIP_MPICXX)
  list(APPEND nndl_parts nndl_mpi)
else()
  message(STATUS "nndl: nndl::mpi left out (it needs MPI)")
endif()
