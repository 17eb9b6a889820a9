// NNDL_OUT_OF_LINE marks the library's larger functions that depend on no network type: the file
// formats, the data readers, the plots, the reports. Their headers declare them; their bodies are
// in a .ipp file beside the header, which the header includes at its end. By default they are
// inline functions and nndl is header-only. A program of several translation units can have them
// compiled once instead of in every unit that calls them (the compiler's back end, not parsing, is
// where most of a build's time goes):
//
//   - every translation unit of the program is compiled with NNDL_COMPILED defined: the headers
//     then declare those functions without their bodies;
//   - one more unit defines them: it includes <nndl/compiled.hpp> (CMake: nndl_add_compiled in
//     cmake/nndl_compiled.cmake makes that unit a static library).
//
// The programs, tests and benchmarks of this repository are built that way (docs/speed.md,
// "Compile times").
#pragma once

#if defined(NNDL_COMPILED) || defined(NNDL_COMPILING)
#define NNDL_OUT_OF_LINE
#else  // header-only
#define NNDL_OUT_OF_LINE inline
#endif
