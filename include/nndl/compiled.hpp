// The one translation unit that defines the library's NNDL_OUT_OF_LINE functions (the file formats,
// the data readers, the plots, the reports) for a program whose other units are compiled with
// NNDL_COMPILED (detail/out_of_line.hpp says why). Include it in one .cpp file of its own:
//
//   // nndl_compiled.cpp
//   #include <nndl/compiled.hpp>
//
// and compile every other file of the program with -DNNDL_COMPILED. CMake does both with
// nndl_add_compiled (cmake/nndl_compiled.cmake). It needs nndl::io (zlib, nlohmann-json, libzip);
// the parts a program does not have (ONNX without NNDL_WITH_ONNX, images without stb, the
// hyperparameter search without NLopt) are left out. A build may define NNDL_COMPILED_WITHOUT_TUNE
// here and compile the search's functions in a unit of its own, which only the programs that search
// link (this repository does: cmake/nndl_compiled.cmake).
#pragma once

#ifdef NNDL_COMPILED
#error "<nndl/compiled.hpp> defines what NNDL_COMPILED units leave out: compile its unit without NNDL_COMPILED"
#endif
#define NNDL_COMPILING

#include "describe.hpp"
#include "network.hpp"

#include "data/expand.hpp"
#include "data/mnist.hpp"
#include "data/mnist_pickle.hpp"
#include "detail/md5.hpp"
#include "detail/vote.hpp"
#include "io/checkpoint.hpp"
#include "io/formats.hpp"
#include "io/plot.hpp"
#include "train/progress.hpp"
#if __has_include(<stb/stb_image.h>)
#include "data/image.hpp"
#endif
#if __has_include(<nlopt.hpp>) && !defined(NNDL_COMPILED_WITHOUT_TUNE)  // nndl::tune
#include "tune/acquisition.hpp"
#include "tune/gp.hpp"
#include "tune/journal.hpp"
#include "tune/report.hpp"
#include "tune/runner.hpp"
#include "tune/search.hpp"
#include "tune/space.hpp"
#endif
