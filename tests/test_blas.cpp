// nndl/blas.hpp: at start-up OpenBLAS gets one thread unless the environment says otherwise, and a
// generic kernel family is replaced by the CPU's own (re-running OpenBLAS's kernel choice) unless
// OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE is set.
#include <catch2/catch.hpp>

#include <nndl/blas.hpp>
#include <nndl/network.hpp>

#include <cstdlib>
#include <string>

TEST_CASE("a generic kernel family is replaced by the CPU's best, and the products stay right", "[blas]") {
  const std::string best = nndl::best_blas_core();
  if (best.empty()) {
    WARN(
        "this CPU has neither AVX2 nor AVX-512: there is no better kernel family to choose, so the switch was NOT tested");
    return;
  }
  // Load OpenBLAS's Prescott (SSE3) kernels as a VM that reports a generic CPU would, then let nndl
  // choose again as it does at start-up when nobody has set the variables.
  ::setenv("OPENBLAS_CORETYPE", "Prescott", 1);
  ::unsetenv("OPENBLAS_L2_SIZE");
  gotoblas_dynamic_quit();
  gotoblas_dynamic_init();
  REQUIRE(nndl::blas_core() == "Prescott");
  ::unsetenv("OPENBLAS_CORETYPE");
  nndl::detail::setup_blas();
  CHECK(nndl::blas_core() == best);
  CHECK(std::getenv("OPENBLAS_CORETYPE") == nullptr);  // the variable is gone again
  CHECK_THAT(nndl::blas_summary(), Catch::Contains("chosen by nndl") && Catch::Contains("had chosen Prescott"));
  // a product on the new kernels against the plain sum
  nndl::matrix<double> a = xt::ones<double>({3, 50}), b = xt::ones<double>({50, 4}), c = xt::zeros<double>({3, 4});
  for (std::size_t i = 0; i < 50; ++i) a(1, i) = double(i), b(i, 2) = 0.5;
  nndl::detail::gemm(a, b, c, false, false, 1.0, 0.0);
  CHECK(c(0, 0) == 50);
  CHECK(c(1, 0) == 1225);
  CHECK(c(1, 2) == 612.5);
}

TEST_CASE("with OPENBLAS_CORETYPE set, nndl leaves the kernels alone", "[blas]") {
  ::setenv("OPENBLAS_CORETYPE", "Haswell", 1);
  gotoblas_dynamic_quit();
  gotoblas_dynamic_init();
  REQUIRE(nndl::blas_core() == "Haswell");
  nndl::detail::setup_blas();
  CHECK(nndl::blas_core() == "Haswell");
  CHECK_THAT(nndl::blas_summary(), Catch::Contains("as OPENBLAS_CORETYPE"));
  ::unsetenv("OPENBLAS_CORETYPE");
}

TEST_CASE("one OpenBLAS thread unless the environment asks for more", "[blas]") {
  ::unsetenv("OPENBLAS_NUM_THREADS");
  ::unsetenv("GOTO_NUM_THREADS");
  ::unsetenv("OMP_NUM_THREADS");
  nndl::set_blas_threads(2);
  nndl::detail::setup_blas();
  CHECK(nndl::blas_threads() == 1);
  CHECK_THAT(nndl::blas_summary(), Catch::Contains("one thread by default"));
  ::setenv("OPENBLAS_NUM_THREADS", "2", 1);
  nndl::set_blas_threads(2);
  nndl::detail::setup_blas();
  CHECK(nndl::blas_threads() == 2);
  CHECK_THAT(nndl::blas_summary(), Catch::Contains("threads from the environment"));
  nndl::set_blas_threads(1);
}
