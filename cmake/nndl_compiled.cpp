// nndl_compiled: the library's NNDL_OUT_OF_LINE functions, compiled once for the programs, tests and
// benchmarks built here (cmake/nndl_compiled.cmake); the template instances are in its second
// unit, cmake/nndl_instances.cpp, so that the two compile side by side.
#define NNDL_NO_INSTANCES
#include <nndl/compiled.hpp>
