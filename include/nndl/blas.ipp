// The bodies of blas.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of blas.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl {

NNDL_OUT_OF_LINE std::string best_blas_core() {
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

NNDL_OUT_OF_LINE bool setup_blas() {
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

}  // namespace detail

NNDL_OUT_OF_LINE std::string blas_summary() {
  const int t = blas_threads();
  std::string s = "OpenBLAS " + blas_core() + " kernels, " + std::to_string(t) + (t == 1 ? " thread" : " threads");
  if (!detail::blas_setup_note().empty()) s += " (" + detail::blas_setup_note() + ")";
  return s;
}

}  // namespace nndl
