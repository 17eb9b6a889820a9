// The dropout layer: masks while training, the book's (1 − p) scaling at inference.
#include <catch2/catch.hpp>

#include <nndl/network.hpp>

namespace {
using net_t =
    nndl::network<double, nndl::input<200>, nndl::dropout<0.25>, nndl::dense<1, nndl::identity>, nndl::quadratic_cost>;
}

TEST_CASE("dropout keeps about 1 - p of its inputs while training, a new mask each time", "[dropout]") {
  nndl::dropout_layer<double, nndl::shape<1, 1, 200>, 0.25> d;
  nndl::rng r(3);
  d.initialize<nndl::default_weight_init>(r);
  nndl::matrix<double> x = xt::ones<double>({50, 200}), z = xt::zeros<double>({50, 200}), a = z, z2 = z;
  auto view = [](auto& m) { return nndl::detail::rows_view(m.data(), m.shape()[0], m.shape()[1]); };
  auto cx = nndl::detail::rows_view(static_cast<const double*>(x.data()), 50, 200);
  decltype(d)::scratch none;
  const nndl::context training{};
  d.forward_training({cx, view(z), view(a)}, none, training);
  const double kept = xt::mean(a)();
  CHECK(kept == Approx(0.75).margin(0.02));
  CHECK(xt::all(xt::equal(a, z)));  // a = x ⊙ mask with x = 1
  d.forward_training({cx, view(z2), view(a)}, none, training);
  CHECK(xt::any(xt::not_equal(z, z2)));
  d.frozen = true;
  d.forward_training({cx, view(z2), view(a)}, none, training);  // frozen: the mask in z2 stays
  CHECK(xt::all(xt::equal(a, z2)));
  d.forward({cx, view(z), view(a)}, none, training);  // inference: (1 − p) x
  CHECK(xt::allclose(a, 0.75 * x));
}

TEST_CASE("a network with dropout: describe, inference scaling, no parameters in the dropout layer", "[dropout]") {
  net_t net{1};
  STATIC_REQUIRE(net_t::parameter_count() == 201);
  CHECK_THAT(nndl::describe(net), Catch::Contains("dropout p=0.25"));
  CHECK(nndl::layer_sizes(net) == std::vector<std::size_t>{200, 1});
  std::vector<double> x(200, 1.0);
  const auto& l = net.layer<1>();
  const double expected = 0.75 * xt::sum(l.w)() + l.b(0);
  CHECK(net.feedforward(x.data(), 1)(0, 0) == Approx(expected));
}
