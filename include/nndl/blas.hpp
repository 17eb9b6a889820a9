// Choosing OpenBLAS's kernels and threads deliberately.
//
// OpenBLAS (Debian's DYNAMIC_ARCH build) picks its kernels once, when it is loaded, from the CPU
// model. Virtual machines often report a generic model ("Intel Xeon Processor" under KVM); then
// OpenBLAS 0.3.21 falls back to its Prescott (SSE3) kernels even on an AVX-512 CPU, and every
// matrix product runs 2–3× slower. The only remedy is the environment variable OPENBLAS_CORETYPE,
// read at load time: select_blas_kernels() sets it from the CPU's own feature flags and restarts
// the program once (exec of /proc/self/exe), unless the user has set OPENBLAS_CORETYPE already.
#pragma once

#include <cpuid.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "detail/xtensor.hpp"

extern "C" char* openblas_get_corename(void);

namespace nndl {

/// The kernel family OpenBLAS is using, e.g. "Cooperlake", "Haswell", "Prescott".
inline std::string blas_core() { return openblas_get_corename(); }

/// The best OpenBLAS core type for this CPU from its feature flags, or "" when unknown.
inline std::string best_blas_core() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return "";
  const bool avx2 = b & (1u << 5), avx512f = b & (1u << 16), avx512dq = b & (1u << 17),
             avx512bw = b & (1u << 30), avx512vl = b & (1u << 31);
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

/// Call first thing in main(). If OpenBLAS chose a generic kernel though the CPU can do better and
/// OPENBLAS_CORETYPE is not set, sets it and restarts the program with the same arguments.
/// Returns normally otherwise (also when the restart is impossible).
inline void select_blas_kernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") || std::getenv("NNDL_NO_BLAS_RESTART")) return;
  const std::string core = blas_core(), best = best_blas_core();
  const bool generic = core == "Prescott" || core == "Core2" || core == "Nehalem" || core == "Barcelona" ||
                       core == "Bobcat" || core == "Atom";
  if (!generic || best.empty()) return;
  ::setenv("OPENBLAS_CORETYPE", best.c_str(), 1);
  ::setenv("NNDL_NO_BLAS_RESTART", "1", 1);  // never loop
  ::execv("/proc/self/exe", argv);
}

/// "OpenBLAS Cooperlake kernels, 1 thread" for the programs' headers.
inline std::string blas_summary() {
  const int t = blas_threads();
  return "OpenBLAS " + blas_core() + " kernels, " + std::to_string(t) + (t == 1 ? " thread" : " threads");
}

}  // namespace nndl
