// The main() of every nndl benchmark: OpenBLAS's kernels chosen deliberately (nndl/blas.hpp), one
// BLAS thread, and both printed in the benchmark's context.
#pragma once

#include <benchmark/benchmark.h>

#include <nndl/blas.hpp>

#define NNDL_BENCHMARK_MAIN()                                   \
  int main(int argc, char** argv) {                             \
    nndl::select_blas_kernels(argv);                            \
    nndl::set_blas_threads(1);                                  \
    benchmark::AddCustomContext("blas", nndl::blas_summary());  \
    benchmark::Initialize(&argc, argv);                         \
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1; \
    benchmark::RunSpecifiedBenchmarks();                        \
    benchmark::Shutdown();                                      \
    return 0;                                                   \
  }
