// The cost policies: values, and finite results for extreme inputs.
#include <catch2/catch.hpp>

#include <nndl/cost.hpp>

#include <cmath>

namespace {
using m = nndl::matrix<double>;
}

TEST_CASE("costs give the book's values", "[cost]") {
  const m z{{0.0, 2.0}}, y{{0.0, 1.0}};
  m a = z;
  nndl::sigmoid::forward(z, a);
  // quadratic: ½‖a − y‖²
  CHECK(nndl::quadratic_cost::fn<nndl::sigmoid>(z, a, y) == Approx(0.5 * (0.25 + std::pow(1 - a(0, 1), 2))));
  // cross-entropy: −Σ y ln a + (1 − y) ln(1 − a)
  CHECK(nndl::cross_entropy_cost::fn<nndl::sigmoid>(z, a, y) == Approx(-std::log(0.5) - std::log(a(0, 1))));
  // log-likelihood: −ln a_y with a = softmax(z)
  m s = z;
  nndl::softmax::forward(z, s);
  CHECK(s(0, 0) + s(0, 1) == Approx(1.0));
  CHECK(nndl::log_likelihood_cost::fn<nndl::softmax>(z, s, y) == Approx(-std::log(s(0, 1))));
}

TEST_CASE("softmax, log-likelihood and cross-entropy stay finite for inputs of +-1000", "[cost]") {
  const m z{{1000.0, -1000.0, 0.0}, {-1000.0, -1000.0, -1000.0}};
  const m y{{0.0, 1.0, 0.0}, {1.0, 0.0, 0.0}};
  m a = z, d = z;
  nndl::softmax::forward(z, a);
  CHECK(xt::all(xt::isfinite(a)));
  CHECK(a(0, 0) == Approx(1.0));
  CHECK(a(1, 0) == Approx(1.0 / 3));
  const double ll = nndl::log_likelihood_cost::fn<nndl::softmax>(z, a, y);
  CHECK(std::isfinite(ll));
  CHECK(ll == Approx(2000.0 + std::log(3.0)));  // −ln softmax: 2000 for row 0, ln 3 for row 1
  nndl::log_likelihood_cost::output_delta<nndl::softmax>(z, a, y, d);
  CHECK(xt::all(xt::isfinite(d)));
  m sa = z;
  nndl::sigmoid::forward(z, sa);
  CHECK(xt::all(xt::isfinite(sa)));
  const double ce = nndl::cross_entropy_cost::fn<nndl::sigmoid>(z, sa, y);
  CHECK(std::isfinite(ce));
  // row 0: y=0 at z=1000 costs 1000, y=1 at z=−1000 costs 1000, y=0 at z=0 costs ln 2; row 1: 1000 + 2 ln 2 ...
  CHECK(ce == Approx(2000 + std::log(2.0) + 1000 + 2 * std::log1p(std::exp(-1000.0))).epsilon(1e-9));
  nndl::cross_entropy_cost::output_delta<nndl::sigmoid>(z, sa, y, d);
  CHECK(xt::all(xt::isfinite(d)));
}
