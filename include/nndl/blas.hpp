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

#include "detail/xtensor.hpp"

extern "C" __attribute__((weak)) void gotoblas_dynamic_init(void);
extern "C" __attribute__((weak)) void gotoblas_dynamic_quit(void);

namespace nndl {

/// The best OpenBLAS kernel family for this CPU from its feature flags, or "" when unknown.
inline std::string best_blas_core() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return "";
  const bool avx2 = b & (1u << 5), avx512f = b & (1u << 16), avx512dq = b & (1u << 17), avx512bw = b & (1u << 30),
             avx512vl = b & (1u << 31);
  unsigned a1 = 0, b1 = 0, c1 = 0, d1 = 0;
  __get_cpuid_count(7, 1, &a1, &b1, &c1, &d1);
  const bool bf16 = a1 & (1u << 5);
  unsigned a0 = 0, b0 = 0, c0 = 0, d0 = 0;
  __get_cpuid(1, &a0, &b0, &c0, &d0);
  const bool fma = c0 & (1u << 12);
  if (avx512f && avx512dq && avx512bw && avx512vl) return bf16 ? "Cooperlake" : "SkylakeX";
  if (avx2 && fma) return "Haswell";
  return "";
}

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
inline bool setup_blas() {
  std::string& note = blas_setup_note();
  const std::string core = blas_core(), best = best_blas_core();
  const bool generic = core == "Prescott" || core == "Core2" || core == "Nehalem" || core == "Barcelona" ||
                       core == "Bobcat" || core == "Atom" || core == "Katmai" || core == "Northwood";
  if (env_set("OPENBLAS_CORETYPE") || env_set("OPENBLAS_L2_SIZE")) {
    note = "kernels as OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE say";
  } else if (generic && !best.empty() && gotoblas_dynamic_init && gotoblas_dynamic_quit) {
    ::setenv("OPENBLAS_CORETYPE", best.c_str(), 1);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    ::unsetenv("OPENBLAS_CORETYPE");
    note = "kernels chosen by nndl from the CPU's flags (OpenBLAS had chosen " + core + ")";
  } else {
    note = "kernels as OpenBLAS chose them";
  }
  if (env_set("OPENBLAS_NUM_THREADS") || env_set("GOTO_NUM_THREADS") || env_set("OMP_NUM_THREADS")) {
    note += "; threads from the environment";
  } else {
    openblas_set_num_threads(1);
    note += "; one thread by default";
  }
  return true;
}

#ifndef NNDL_NO_BLAS_SETUP
/// Runs setup_blas() when the program starts (after OpenBLAS has loaded, before main).
inline const bool blas_ready = setup_blas();
#endif

}  // namespace detail

/// "OpenBLAS Haswell kernels, 1 thread (kernels as OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE say; one
/// thread by default)" for the programs' headers.
inline std::string blas_summary() {
  const int t = blas_threads();
  std::string s = "OpenBLAS " + blas_core() + " kernels, " + std::to_string(t) + (t == 1 ? " thread" : " threads");
  if (!detail::blas_setup_note().empty()) s += " (" + detail::blas_setup_note() + ")";
  return s;
}

}  // namespace nndl
