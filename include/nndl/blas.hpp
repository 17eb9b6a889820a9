// OpenBLAS's kernels and threads, chosen for nndl's small products before main() runs, with no
// call the user has to know about.
//
// Two defaults of OpenBLAS make a network train several times slower than it can:
//  - Kernels: Debian's OpenBLAS (a DYNAMIC_ARCH build) picks its kernels once, when it is loaded,
//    from the CPU model. Virtual machines often report a generic model ("Intel Xeon Processor"
//    under KVM), and OpenBLAS then falls back to its Prescott (SSE3) kernels even on an AVX-512 CPU.
//  - Threads: it starts as many threads as there are cores; at a mini-batch of 10 the products are
//    far too small to split, and a second thread only costs time.
// So every program that includes this header (through <nndl/network.hpp>) does, at start-up:
//  - kernels: if OpenBLAS chose a generic kernel family though the CPU's feature flags allow a
//    better one, it sets OPENBLAS_CORETYPE to that family and re-runs OpenBLAS's own kernel
//    choice (gotoblas_dynamic_quit / gotoblas_dynamic_init, what OpenBLAS runs when it loads),
//    then removes the variable again. Nothing is done when OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE
//    is set (whoever set them chose for this machine), nor with an OpenBLAS that is not a
//    DYNAMIC_ARCH build.
//  - threads: one, unless OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS or OMP_NUM_THREADS is set.
//    set_blas_threads(n) changes it later (for large products: whole-test-set evaluation).
// blas_summary() says what was chosen and why. Define NNDL_NO_BLAS_SETUP before including nndl to
// leave OpenBLAS exactly as it loads.
#pragma once

#include <cpuid.h>

#include <cstdlib>
#include <string>

#include "detail/out_of_line.hpp"
#include "detail/xtensor.hpp"

extern "C" __attribute__((weak)) void gotoblas_dynamic_init(void);
extern "C" __attribute__((weak)) void gotoblas_dynamic_quit(void);

namespace nndl {

/// The best OpenBLAS kernel family for this CPU from its feature flags, or "" when unknown.
NNDL_OUT_OF_LINE std::string best_blas_core();

namespace detail {

inline bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

/// What the start-up choice did, in words for blas_summary().
inline std::string& blas_setup_note() {
  static std::string note;
  return note;
}

/// The start-up choice described at the top of this file; runs once.
NNDL_OUT_OF_LINE bool setup_blas();

#ifndef NNDL_NO_BLAS_SETUP
/// Runs setup_blas() when the program starts (after OpenBLAS has loaded, before main).
inline const bool blas_ready = setup_blas();
#endif

}  // namespace detail

/// "OpenBLAS Haswell kernels, 1 thread (kernels as OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE say; one
/// thread by default)" for the programs' headers.
NNDL_OUT_OF_LINE std::string blas_summary();

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "blas.ipp"
#endif
