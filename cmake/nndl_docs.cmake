# The API reference: Doxygen over include/nndl, from the headers' comments, into
# ${PROJECT_BINARY_DIR}/docs/api (html/index.html). The target `docs` exists only when Doxygen is
# found (Debian: doxygen); it fails on any warning, so every public name must be documented.
find_package(Doxygen QUIET)
if(DOXYGEN_FOUND)
  set(NNDL_DOCS_OUTPUT ${PROJECT_BINARY_DIR}/docs/api)
  configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${PROJECT_BINARY_DIR}/docs/Doxyfile @ONLY)
  add_custom_target(docs
    COMMAND ${CMAKE_COMMAND} -E make_directory ${NNDL_DOCS_OUTPUT}
    COMMAND ${DOXYGEN_EXECUTABLE} ${PROJECT_BINARY_DIR}/docs/Doxyfile
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    COMMENT "API reference (Doxygen) into ${NNDL_DOCS_OUTPUT}/html"
    VERBATIM)
endif()
