# nndl_add_compiled(TARGET [options...]): a static library holding the out-of-line copies of nndl's
# heavy non-template functions (include/nndl/detail/out_of_line.hpp), compiled once with the given
# compile options; whatever links it is compiled with NNDL_COMPILED and leaves those functions out
# of its own objects. nndl itself stays header-only: without this, every function is inline.
# The hyperparameter search's functions (nndl::tune) go into TARGET_tune, which a program that
# includes nndl/tune/ links as well: the others do not wait for it to compile.
function(nndl_add_compiled target)
  add_library(${target} STATIC EXCLUDE_FROM_ALL ${PROJECT_SOURCE_DIR}/cmake/nndl_compiled.cpp)
  target_link_libraries(${target} PUBLIC nndl::nndl)
  target_compile_options(${target} PRIVATE ${ARGN})
  target_compile_definitions(${target} INTERFACE NNDL_COMPILED)
  if(TARGET nndl_tune)
    add_library(${target}_tune STATIC EXCLUDE_FROM_ALL ${PROJECT_SOURCE_DIR}/cmake/nndl_compiled_tune.cpp)
    target_link_libraries(${target}_tune PUBLIC nndl::nndl INTERFACE ${target})  # not its NNDL_COMPILED
    target_compile_options(${target}_tune PRIVATE ${ARGN})
  endif()
endfunction()
