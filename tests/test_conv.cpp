// Convolution and max pooling: against a direct convolution, numerical gradient checks, batched
// against per-sample gradients, and learning on real MNIST.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <nndl/data/mnist.hpp>
#include <nndl/gradient_check.hpp>
#include <nndl/network.hpp>

#include <cstdlib>

namespace {

template <class Net>
std::vector<typename Net::scalar> random_inputs(std::size_t rows, std::uint64_t seed) {
  nndl::rng r(seed);
  std::vector<typename Net::scalar> x(rows * Net::input_size);
  for (auto& v : x) v = typename Net::scalar(r.uniform());
  return x;
}

template <class Net>
void gradient_ok(double tol = 1e-6) {
  Net net{3};
  const auto x = random_inputs<Net>(4, 1);
  const std::vector<std::uint8_t> labels{0, 1, 2, 1};
  const auto res = nndl::check_gradient(net, x.data(), labels, {.lambda = 0.5, .n = 10});
  INFO(nndl::describe(net) << "worst: " << res.worst);
  CHECK(res.checked == Net::parameter_count());
  CHECK(res.max_relative_error < tol);
}

using namespace nndl;
template <class Act>
using conv_net = network<double, input<2, 10, 10>, conv<3, 3, Act>, max_pool<2>, conv<4, 2, Act>, dense<5, sigmoid>,
                         dense<3, softmax>, log_likelihood_cost, l2_regularizer>;
}  // namespace

TEST_CASE("convolution equals the direct sum of 6.1", "[conv]") {
  using net_t = network<double, input<2, 7, 6>, conv<3, 3, identity>, dense<2, sigmoid>, quadratic_cost>;
  net_t net{5};
  const auto x = random_inputs<net_t>(2, 4);
  const auto& l = net.layer<0>();
  // the conv layer's output is the input of the dense layer: read it back through a 1-layer net
  using conv_only = network<double, input<2, 7, 6>, conv<3, 3, identity>, quadratic_cost>;
  conv_only c{5};
  c.layer<0>().w = l.w;
  c.layer<0>().b = l.b;
  const auto out = c.feedforward(x.data(), 2);
  REQUIRE(out.shape()[1] == 3 * 5 * 4);
  for (std::size_t s = 0; s < 2; ++s)
    for (std::size_t f = 0; f < 3; ++f)
      for (std::size_t y = 0; y < 5; ++y)
        for (std::size_t xo = 0; xo < 4; ++xo) {
          double z = l.b(f);
          for (std::size_t ch = 0; ch < 2; ++ch)
            for (std::size_t i = 0; i < 3; ++i)
              for (std::size_t j = 0; j < 3; ++j)
                z += l.w(f, (ch * 3 + i) * 3 + j) * x[s * 84 + (ch * 7 + y + i) * 6 + xo + j];
          CHECK(out(s, (f * 5 + y) * 4 + xo) == Approx(z).margin(1e-12));
        }
}

TEST_CASE("max pooling takes each block's maximum and sends the gradient back to it", "[conv][pool]") {
  max_pool_layer<double, shape<1, 4, 4>, 2> p;
  matrix<double> x{{1, 2, 0, 0, 3, 4, 0, 9, 5, 0, 1, 1, 0, 0, 1, 2}};
  matrix<double> z = xt::zeros<double>({1, 4}), a = z, g{{10, 20, 30, 40}}, din = xt::zeros<double>({1, 16});
  auto v = [](auto& m) { return detail::rows_view(m.data(), m.shape()[0], m.shape()[1]); };
  auto cv = [](const auto& m) { return detail::rows_view(m.data(), m.shape()[0], m.shape()[1]); };
  decltype(p)::scratch where;
  const context ctx{};
  p.forward({cv(x), v(z), v(a)}, where, ctx);  // inference: the maxima only
  CHECK((a == matrix<double>{{4, 9, 5, 2}}));
  a.fill(0);
  p.forward_training({cv(x), v(z), v(a)}, where, ctx);  // training: the maxima and where they are
  CHECK((a == matrix<double>{{4, 9, 5, 2}}));
  p.backward({cv(x), cv(z), cv(a), v(g), delta_holds::dC_dA, v(din)}, where, {}, ctx);
  const matrix<double> expected{{0, 0, 0, 0, 0, 10, 0, 20, 30, 0, 0, 0, 0, 0, 0, 40}};
  CHECK((din == expected));
}

TEMPLATE_TEST_CASE("conv and pool layers match the numerical gradient", "[conv][gradient]", nndl::sigmoid, nndl::tanh,
                   nndl::relu, nndl::identity) {
  gradient_ok<conv_net<TestType>>();
}

TEST_CASE("a convolutional network in float matches the numerical gradient", "[conv][gradient]") {
  using net_t =
      network<float, input<1, 8, 8>, conv<4, 3, nndl::tanh>, max_pool<2>, dense<3, softmax>, log_likelihood_cost>;
  net_t net{2};
  const auto x = random_inputs<net_t>(3, 2);
  const std::vector<std::uint8_t> labels{0, 1, 2};
  // float: a smaller step than the default 1e-2 (curvature), and a floor of 1e-2 for float noise
  const auto res = check_gradient(net, x.data(), labels, {.h = 1e-3, .floor = 1e-2});
  INFO("worst: " << res.worst);
  CHECK(res.max_relative_error < 5e-2);
}

TEST_CASE("a convolutional network's batched gradient is the mean of its per-sample gradients", "[conv]") {
  using net_t = conv_net<nndl::tanh>;
  net_t net{4};
  const auto x = random_inputs<net_t>(5, 3);
  const std::vector<std::uint8_t> labels{0, 1, 2, 1, 0};
  net.compute_gradient(x.data(), labels);
  const matrix<double> batched = net.layer<0>().gw, batched2 = net.layer<2>().gw;
  matrix<double> sum = xt::zeros_like(batched), sum2 = xt::zeros_like(batched2);
  for (std::size_t i = 0; i < 5; ++i) {
    net.compute_gradient(x.data() + i * net_t::input_size, std::span(labels).subspan(i, 1));
    sum += net.layer<0>().gw;
    sum2 += net.layer<2>().gw;
  }
  CHECK(xt::allclose(batched * 5.0, sum, 1e-12, 1e-12));
  CHECK(xt::allclose(batched2 * 5.0, sum2, 1e-12, 1e-12));
  CHECK(xt::amax(xt::abs(sum))() > 0);
}

TEST_CASE("a small convolutional network learns real MNIST", "[conv][learning][mnist]") {
  const auto mnist = test_support::mnist_dir_or_warn("training a convolutional network on real MNIST");
  if (!mnist) return;
  const char* env = mnist->c_str();
  const auto data = load_mnist<float>(env);
  network<float, input<1, 28, 28>, conv<10, 5, relu>, max_pool<2>, dense<10, softmax>, log_likelihood_cost> net{1};
  // measured: 91.1-93.2% over seeds 1-3 after one epoch on 5,000 images
  const auto h = sgd(net, data.training.slice(0, 5000), {.epochs = 1, .mini_batch = 10, .eta = 0.05, .verbose = false},
                     evaluate_on(data.test));
  INFO("test accuracy " << *h.epochs.back().evaluation_correct << " / 10000");
  CHECK(*h.epochs.back().evaluation_correct >= 8800);
}

TEST_CASE("split between threads, a convolutional network's gradient is the one-thread gradient", "[conv][parallel]") {
  using net_t = conv_net<nndl::relu>;
  net_t net{5};
  const auto x = random_inputs<net_t>(7, 4);
  const std::vector<std::uint8_t> labels{0, 1, 2, 1, 0, 2, 2};
  for (std::size_t m : {7u, 1u}) {  // 1: fewer samples than threads
    INFO(m << " samples");
    const auto batch = std::span(labels).subspan(0, m);
    net.compute_gradient(x.data(), batch);
    const matrix<double> one0 = net.layer<0>().gw, one2 = net.layer<2>().gw;
    const vector<double> oneb = net.layer<0>().gb;
    const auto team = nndl::detail::make_team(3);
    net.compute_gradient(x.data(), batch, 0.0, 1, false, team.get());
    CHECK(xt::allclose(net.layer<0>().gw, one0, 1e-12, 1e-14));
    CHECK(xt::allclose(net.layer<2>().gw, one2, 1e-12, 1e-14));
    CHECK(xt::allclose(net.layer<0>().gb, oneb, 1e-12, 1e-14));
    CHECK(xt::amax(xt::abs(one0))() > 0);
  }
}

TEST_CASE("training on two threads is reproducible and follows the one-thread run", "[conv][parallel]") {
  using net_t = network<float, input<1, 12, 12>, conv<4, 3, relu>, max_pool<2>, dense<10, softmax>, log_likelihood_cost,
                        l2_regularizer>;
  nndl::dataset<float> d;
  d.x = xt::zeros<float>({std::size_t{60}, net_t::input_size});
  nndl::rng r(9);
  for (auto& v : d.x) v = float(r.uniform());
  for (std::size_t i = 0; i < 60; ++i) d.labels.push_back(std::uint8_t(i % 10));
  auto train = [&](std::size_t threads) {
    net_t net{2};
    nndl::sgd(net, d, {.epochs = 2, .mini_batch = 10, .eta = 0.1, .lambda = 0.1, .verbose = false, .workers = threads});
    return net;
  };
  const auto a = train(2), b = train(2), one = train(1);
  CHECK(a.layer<0>().w == b.layer<0>().w);  // the shares are summed in a fixed order
  CHECK(a.layer<2>().w == b.layer<2>().w);
  CHECK(xt::allclose(a.layer<0>().w, one.layer<0>().w, 1e-4, 1e-6));
  CHECK(xt::allclose(a.layer<2>().w, one.layer<2>().w, 1e-4, 1e-6));
  net_t fresh{2};
  CHECK_FALSE(xt::allclose(a.layer<0>().w, fresh.layer<0>().w, 1e-4, 1e-6));  // it did train
}
