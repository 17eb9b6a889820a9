// The batched matrix form of backpropagation against the book's per-sample network.py path.
#include <catch2/catch.hpp>

#include <nndl/reference.hpp>

#include <numeric>

namespace {

template <class T>
nndl::dataset<T> make_random_data(std::size_t n, std::size_t features, std::size_t classes, std::uint64_t seed) {
  nndl::rng r(seed);
  nndl::dataset<T> d;
  d.x = nndl::matrix<T>::from_shape({n, features});
  for (auto& v : d.x) v = T(r.uniform());
  d.labels.resize(n);
  for (auto& l : d.labels) l = static_cast<std::uint8_t>(r.below(classes));
  d.classes = classes;
  d.name = "random";
  return d;
}

template <class Net>
void batched_equals_sum_of_samples() {
  using T = typename Net::scalar;
  Net net{11};
  const auto d = make_random_data<T>(10, Net::input_size, Net::output_size, 5);
  net.compute_gradient(d.x.data(), d.labels);  // mean over the 10 rows
  std::vector<nndl::reference::gradients<T>> per;
  for (std::size_t i = 0; i < d.size(); ++i) per.push_back(nndl::reference::backprop(net, d.row(i), d.labels[i]));
  net.for_each_layer([&](const auto& layer, std::size_t l) {
    nndl::matrix<T> sw = xt::zeros_like(layer.w);
    nndl::vector<T> sb = xt::zeros_like(layer.b);
    for (const auto& g : per) {
      sw += g.nabla_w[l];
      sb += xt::flatten(g.nabla_b[l]);
    }
    INFO("layer " << l + 1);
    const double tol = sizeof(T) == 8 ? 1e-12 : 1e-5;
    CHECK(xt::allclose(layer.gw * T(d.size()), sw, tol, tol));
    CHECK(xt::allclose(layer.gb * T(d.size()), sb, tol, tol));
    CHECK(xt::amax(xt::abs(sw))() > 0);  // the comparison is not between two zeros
  });
}

}  // namespace

TEST_CASE("batched gradient equals the sum of per-sample gradients", "[reference]") {
  using namespace nndl;
  batched_equals_sum_of_samples<
      network<double, input<20>, dense<8, sigmoid>, dense<4, sigmoid>, quadratic_cost, large_weight_init>>();
  batched_equals_sum_of_samples<
      network<double, input<20>, dense<8, nndl::tanh>, dense<6, relu>, dense<4, softmax>, log_likelihood_cost>>();
  batched_equals_sum_of_samples<
      network<double, input<20>, dense<8, relu>, dense<4, sigmoid>, cross_entropy_cost, l2_regularizer>>();
  batched_equals_sum_of_samples<network<float, input<20>, dense<8, sigmoid>, dense<4, sigmoid>, quadratic_cost>>();
}

TEST_CASE("a batched SGD step equals network.py's update_mini_batch", "[reference]") {
  using namespace nndl;
  using net_t = network<double, input<784>, dense<30, sigmoid>, dense<10, sigmoid>, quadratic_cost, l2_regularizer,
                        large_weight_init>;
  net_t fast{42}, slow{42};
  const auto d = make_random_data<double>(100, 784, 10, 9);
  std::vector<std::size_t> idx(d.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  rng r(1);
  sgd_optimizer plain;
  trainer steps(fast, plain);
  for (int step = 0; step < 20; ++step) {
    r.shuffle(idx.begin(), idx.end());
    const std::span<const std::size_t> batch(idx.data(), 10);
    const step_settings s{.eta = 3.0, .lambda = 0.5, .n = d.size()};
    steps.take(d, batch, s);
    reference::update_mini_batch(slow, d, batch, s);
  }
  CHECK(xt::allclose(fast.layer<0>().w, slow.layer<0>().w, 1e-10, 1e-10));
  CHECK(xt::allclose(fast.layer<0>().b, slow.layer<0>().b, 1e-10, 1e-10));
  CHECK(xt::allclose(fast.layer<1>().w, slow.layer<1>().w, 1e-10, 1e-10));
  CHECK(xt::allclose(fast.layer<1>().b, slow.layer<1>().b, 1e-10, 1e-10));
  CHECK_FALSE(xt::allclose(fast.layer<0>().w, net_t{42}.layer<0>().w));  // training moved the weights
}
