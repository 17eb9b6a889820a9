// nndl_compiled: the library's NNDL_OUT_OF_LINE functions, compiled once for the programs, tests and
// benchmarks built here (cmake/nndl_compiled.cmake).
#include <nndl/compiled.hpp>
