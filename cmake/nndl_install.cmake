# Install the headers and a CMake package so that another project can find_package(nndl).
include(CMakePackageConfigHelpers)
install(DIRECTORY include/nndl DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ${nndl_parts} EXPORT nndlTargets)
install(EXPORT nndlTargets NAMESPACE nndl:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nndl)
configure_package_config_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/nndlConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/nndlConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nndl)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/nndlConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/nndlConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/nndlConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nndl)
