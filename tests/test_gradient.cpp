// Numerical gradient checks (central differences) of backpropagation for every activation in the
// hidden layer × every (output activation, cost) pairing the network accepts, and every regulariser.
#include <catch2/catch.hpp>

#include <nndl/gradient_check.hpp>
#include <nndl/network.hpp>

#include <tuple>

namespace {

template <class Net>
void check(double lambda = 0.0, std::size_t n = 1) {
  using T = typename Net::scalar;
  Net net{7};
  constexpr std::size_t m = 5;
  nndl::rng r(3);
  std::vector<T> x(m * Net::input_size);
  for (auto& v : x) v = T(r.uniform());
  std::vector<std::uint8_t> labels(m);
  for (std::size_t i = 0; i < m; ++i) labels[i] = static_cast<std::uint8_t>(r.below(Net::output_size));
  // float: differences of a float network's cost are noisy at ~1e-7, so tiny gradients are
  // compared absolutely (floor 1e-3) rather than relatively
  const double floor = sizeof(T) == 8 ? 1e-6 : 1e-3;
  const auto res = nndl::check_gradient(net, x.data(), labels, {.lambda = lambda, .n = n, .floor = floor});
  INFO(nndl::describe(net) << "worst: " << res.worst);
  CHECK(res.checked == Net::parameter_count());
  if constexpr (sizeof(T) == 8)
    CHECK(res.max_relative_error < 1e-6);
  else
    CHECK(res.max_relative_error < 5e-2);
}

template <class T, class Hidden, class Out, class Cost, class Reg = nndl::no_regularizer>
using small_net = nndl::network<T, nndl::input<6>, nndl::dense<5, Hidden>, nndl::dense<4, Hidden>, nndl::dense<3, Out>,
                                Cost, Reg, nndl::default_weight_init>;

}  // namespace

TEMPLATE_TEST_CASE("backprop matches the numerical gradient: hidden activation x (output, cost)", "[gradient]",
                   nndl::sigmoid, nndl::tanh, nndl::relu, nndl::identity) {
  using H = TestType;
  SECTION("sigmoid output, quadratic cost") { check<small_net<double, H, nndl::sigmoid, nndl::quadratic_cost>>(); }
  SECTION("tanh output, quadratic cost") { check<small_net<double, H, nndl::tanh, nndl::quadratic_cost>>(); }
  SECTION("relu output, quadratic cost") { check<small_net<double, H, nndl::relu, nndl::quadratic_cost>>(); }
  SECTION("identity output, quadratic cost") { check<small_net<double, H, nndl::identity, nndl::quadratic_cost>>(); }
  SECTION("softmax output, quadratic cost") { check<small_net<double, H, nndl::softmax, nndl::quadratic_cost>>(); }
  SECTION("sigmoid output, cross-entropy cost") {
    check<small_net<double, H, nndl::sigmoid, nndl::cross_entropy_cost>>();
  }
  SECTION("softmax output, log-likelihood cost") {
    check<small_net<double, H, nndl::softmax, nndl::log_likelihood_cost>>();
  }
}

TEST_CASE("backprop matches the numerical gradient with each regulariser", "[gradient]") {
  SECTION("L2") {
    check<small_net<double, nndl::sigmoid, nndl::sigmoid, nndl::cross_entropy_cost, nndl::l2_regularizer>>(5.0, 50);
  }
  SECTION("L1") {
    check<small_net<double, nndl::tanh, nndl::sigmoid, nndl::quadratic_cost, nndl::l1_regularizer>>(5.0, 50);
  }
  SECTION("none, with a lambda that must be ignored") {
    check<small_net<double, nndl::sigmoid, nndl::sigmoid, nndl::quadratic_cost, nndl::no_regularizer>>(5.0, 50);
  }
}

TEST_CASE("backprop matches the numerical gradient in float", "[gradient]") {
  check<small_net<float, nndl::sigmoid, nndl::sigmoid, nndl::quadratic_cost>>();
  check<small_net<float, nndl::relu, nndl::softmax, nndl::log_likelihood_cost>>();
}

TEST_CASE("the gradient check notices a wrong gradient", "[gradient]") {
  // A gradient check that always passes proves nothing: break backprop's input and expect failure.
  using net_t = small_net<double, nndl::sigmoid, nndl::sigmoid, nndl::quadratic_cost>;
  net_t net{7};
  std::vector<double> x(5 * 6, 0.5);
  std::vector<std::uint8_t> labels{0, 1, 2, 0, 1};
  net.compute_gradient(x.data(), labels);
  const double gw = net.layer<0>().gw(0, 0);
  // objective() at a shifted weight differs by about gw * shift; a gradient off by 10% shows up
  const double h = 1e-5;
  auto& w = net.layer<0>().w(0, 0);
  const double w0 = w;
  w = w0 + h;
  const double up = net.objective(x.data(), labels);
  w = w0 - h;
  const double down = net.objective(x.data(), labels);
  w = w0;
  const double numeric = (up - down) / (2 * h);
  CHECK(numeric == Approx(gw).epsilon(1e-6));
  CHECK(numeric != Approx(1.1 * gw).epsilon(1e-3));
}

TEST_CASE("backprop through dropout matches the numerical gradient with a fixed mask", "[gradient][dropout]") {
  using net_t = nndl::network<double, nndl::input<6>, nndl::dense<8, nndl::tanh>, nndl::dropout<0.5>,
                              nndl::dense<3, nndl::softmax>, nndl::log_likelihood_cost>;
  net_t net{2};
  std::vector<double> x(4 * 6);
  nndl::rng r(1);
  for (auto& v : x) v = r.uniform();
  const std::vector<std::uint8_t> labels{0, 2, 1, 2};
  net.compute_gradient(x.data(), labels, 0, 1, true);  // draws a mask ...
  net.layer<1>().frozen = true;                        // ... that the differences then reuse
  const auto res = nndl::check_gradient(net, x.data(), labels, {.training = true});
  INFO("worst: " << res.worst);
  CHECK(res.max_relative_error < 1e-6);
  CHECK(res.checked == net_t::parameter_count());
}
