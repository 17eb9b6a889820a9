// nndl_compiled: the library's NNDL_OUT_OF_LINE functions, compiled once for the programs, tests and
// benchmarks built here (cmake/nndl_compiled.cmake); the hyperparameter search's are in
// nndl_compiled_tune.cpp, which only the programs that search need.
#define NNDL_COMPILED_WITHOUT_TUNE
#include <nndl/compiled.hpp>
