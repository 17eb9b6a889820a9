// The Gaussian-process surrogate and expected improvement of nndl/tune.
#include <catch2/catch.hpp>

#include <nndl/tune/acquisition.hpp>
#include <nndl/tune/gp.hpp>

#include <cmath>

using nndl::tune::gaussian_process;
using nndl::tune::gp_hyper;

TEST_CASE("Matérn 5/2 kernel matches its formula", "[tune][gp]") {
  const gp_hyper h{{0.5}, 2.0, 0.0};
  const double a = 0.0, b = 0.5, same = 0.3;
  // r = |a − b| / ℓ = 1: σf² (1 + √5 + 5/3) e^{−√5}
  CHECK(gaussian_process::kernel(&a, &b, 1, h) == Approx(2.0 * 0.52399411).epsilon(1e-7));
  CHECK(gaussian_process::kernel(&same, &same, 1, h) == Approx(2.0));
}

TEST_CASE("GP posterior mean and variance on a hand-computed 3-point case", "[tune][gp]") {
  // X = {0, 0.5, 1}, y = {0, 1, 0}, ℓ = 0.5, σf² = 1, σn² = 1e-4, no standardisation.
  // K = [[1.0001, 0.52399411, 0.13866022], [0.52399411, 1.0001, 0.52399411], [0.13866022, 0.52399411, 1.0001]];
  // at x* = 0.25: k* = K's kernel values, μ = k*ᵀ K⁻¹ y = 0.61222391, σ² = 1 − k*ᵀ K⁻¹ k* = 0.09043239
  // (solved by hand with the 3×3 inverse; checked with NumPy).
  gaussian_process gp;
  gp.set_data({{0.0}, {0.5}, {1.0}}, {0.0, 1.0, 0.0}, gp_hyper{{0.5}, 1.0, 1e-4}, false);
  const auto [m, v] = gp.predict({0.25});
  CHECK(m == Approx(0.6122239057).epsilon(1e-7));
  CHECK(v == Approx(0.0904323929).epsilon(1e-6));
  // At a data point the posterior is nearly the observation with almost no variance.
  const auto [m1, v1] = gp.predict({0.5});
  CHECK(m1 == Approx(1.0).epsilon(1e-3));
  CHECK(v1 < 1e-3);
  // Far away it returns to the prior.
  const auto [mf, vf] = gp.predict({50.0});
  CHECK(std::abs(mf) < 1e-9);
  CHECK(vf == Approx(1.0));
}

TEST_CASE("Standardised targets give the same shape in the original units", "[tune][gp]") {
  gaussian_process a, b;
  a.set_data({{0.0}, {0.5}, {1.0}}, {0.0, 1.0, 0.0}, gp_hyper{{0.5}, 1.0, 1e-4}, false);
  b.set_data({{0.0}, {0.5}, {1.0}}, {10.0, 12.0, 10.0}, gp_hyper{{0.5}, 1.0, 1e-4}, true);
  // b's targets standardise to a's times 2/σ with mean 32/3; the posterior at data points is y.
  CHECK(b.predict({0.5}).first == Approx(12.0).epsilon(1e-3));
  CHECK(b.predict({0.0}).first == Approx(10.0).epsilon(1e-3));
  CHECK(a.predict({0.25}).second < 1.0);
}

TEST_CASE("Maximum-likelihood fit improves on the starting hyperparameters", "[tune][gp]") {
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (int i = 0; i < 12; ++i) {
    const double t = i / 11.0;
    x.push_back({t, std::fmod(0.37 * i, 1.0)});
    y.push_back(std::sin(6 * t) + 0.1 * x.back()[1]);  // varies fast in x0, slowly in x1
  }
  gaussian_process gp;
  gp.set_data(x, y, gp_hyper{{0.3, 0.3}, 1.0, 1e-3});
  const double start = gp.log_likelihood(gp.hyper());
  gp.fit(x, y);
  CHECK(gp.fitted_log_likelihood() >= start);
  CHECK(gp.fitted_log_likelihood() == Approx(gp.log_likelihood(gp.hyper())));
  CHECK(gp.hyper().length[1] > gp.hyper().length[0]);  // the slow direction gets the longer scale
  const auto [m, v] = gp.predict({0.5, 0.2});
  CHECK(m == Approx(std::sin(3.0) + 0.02).margin(0.1));
  CHECK(v >= 0);
}

TEST_CASE("Expected improvement equals its closed form", "[tune][acquisition]") {
  using nndl::tune::expected_improvement;
  // μ = 1, σ = 2, f* = 0.5: z = 0.25, EI = 0.5 Φ(0.25) + 2 φ(0.25)
  CHECK(expected_improvement(1.0, 4.0, 0.5) == Approx(1.0726893964).epsilon(1e-9));
  CHECK(nndl::tune::normal_cdf(0.25) == Approx(0.5987063257));
  CHECK(nndl::tune::normal_pdf(0.25) == Approx(0.3866681168));
  // No uncertainty: the plain improvement, never negative.
  CHECK(expected_improvement(1.0, 0.0, 0.5) == Approx(0.5));
  CHECK(expected_improvement(0.2, 0.0, 0.5) == 0.0);
  // Below the best with uncertainty: positive but small; grows with the variance and the mean.
  const double e = expected_improvement(0.0, 1.0, 1.0);
  CHECK(e == Approx(-1.0 * nndl::tune::normal_cdf(-1.0) + nndl::tune::normal_pdf(-1.0)));
  CHECK(expected_improvement(0.0, 4.0, 1.0) > e);
  CHECK(expected_improvement(0.5, 1.0, 1.0) > e);
  // The exploration margin ξ shifts the threshold.
  CHECK(expected_improvement(1.0, 4.0, 0.4, 0.1) == Approx(expected_improvement(1.0, 4.0, 0.5)));
}

TEST_CASE("EI maximiser finds the promising region", "[tune][acquisition]") {
  gaussian_process gp;
  gp.set_data({{0.1}, {0.5}, {0.9}}, {0.0, 1.0, 0.2}, gp_hyper{{0.15}, 1.0, 1e-6}, false);
  const auto [x, ei] = nndl::tune::maximise_ei(gp, 1.0);
  REQUIRE(x.size() == 1);
  CHECK(ei > 0);
  const auto [m, v] = gp.predict(x);
  CHECK(ei == Approx(nndl::tune::expected_improvement(m, v, 1.0)));
  // No sampled point on a grid does better than the maximiser.
  for (int i = 0; i <= 200; ++i) {
    const auto [mi, vi] = gp.predict({i / 200.0});
    CHECK(nndl::tune::expected_improvement(mi, vi, 1.0) <= ei + 1e-9);
  }
}
