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

// NNDL_INSTANTIATE does the same for the function templates that depend on the scalar type alone
// (float or double): the data readers, the kernels. Their headers list the two instances at the end,
//
//   NNDL_INSTANTIATE mnist_data<float> load_mnist<float>(const std::filesystem::path&, std::size_t);
//
// which is an explicit instantiation declaration ("extern template": use the one compiled
// elsewhere) in NNDL_COMPILED units, the explicit instantiation definition in nndl_compiled's unit,
// and left out when nndl is header-only. Only templates that are not inline can be listed: GCC
// instantiates an inline one anyway when it optimises.
#if defined(NNDL_COMPILED)
#define NNDL_INSTANTIATE extern template
#elif defined(NNDL_COMPILING)
#define NNDL_INSTANTIATE template
#endif
