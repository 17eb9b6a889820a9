// The main() of every nndl benchmark: one BLAS thread (nndl/blas.hpp chose the kernels when the
// program started), both printed in the benchmark's context.
#pragma once

#include <benchmark/benchmark.h>

#include <nndl/blas.hpp>

#define NNDL_BENCHMARK_MAIN()                                         \
  int main(int argc, char** argv) {                                   \
    nndl::set_blas_threads(1);                                        \
    benchmark::AddCustomContext("blas", nndl::blas_summary());        \
    benchmark::Initialize(&argc, argv);                               \
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1; \
    benchmark::RunSpecifiedBenchmarks();                              \
    benchmark::Shutdown();                                            \
    return 0;                                                         \
  }
