// The network type: composition, description, seeding, forward consistency, bad input.
#include <catch2/catch.hpp>

#include <nndl/network.hpp>

#include <atomic>
#include <numeric>
#include <thread>

namespace {
using ch1 = nndl::network<double, nndl::input<784>, nndl::dense<30, nndl::sigmoid>, nndl::dense<10, nndl::sigmoid>,
                          nndl::quadratic_cost, nndl::large_weight_init>;
using small = nndl::network<float, nndl::input<8>, nndl::dense<6, nndl::relu>, nndl::dense<3, nndl::softmax>,
                            nndl::log_likelihood_cost, nndl::he_init>;

template <class T>
nndl::dataset<T> blobs(std::size_t n, std::size_t features, std::uint64_t seed) {
  // three well separated clusters: class c has mean c in every feature
  nndl::rng r(seed);
  nndl::dataset<T> d;
  d.x = nndl::matrix<T>::from_shape({n, features});
  d.labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    d.labels[i] = static_cast<std::uint8_t>(i % 3);
    for (std::size_t j = 0; j < features; ++j) d.x(i, j) = T(d.labels[i] + 0.2 * r.normal());
  }
  d.classes = 3;
  d.name = "blobs";
  return d;
}
}  // namespace

TEST_CASE("describe lists layers, shapes, parameters and policies", "[network]") {
  STATIC_REQUIRE(ch1::parameter_count() == 784 * 30 + 30 + 30 * 10 + 10);
  STATIC_REQUIRE(ch1::depth == 2);
  STATIC_REQUIRE(ch1::input_size == 784);
  STATIC_REQUIRE(ch1::output_size == 10);
  const std::string s = nndl::describe(ch1{1});
  CHECK_THAT(s, Catch::Contains("784 -> 30 -> 10, 23,860 parameters"));
  CHECK_THAT(s, Catch::Contains("dense 30 sigmoid"));
  CHECK_THAT(s, Catch::Contains("23,550"));
  CHECK_THAT(s, Catch::Contains("cost: quadratic; weight init: large; regulariser: none"));
  CHECK(nndl::layer_sizes(ch1{1}) == std::vector<std::size_t>{784, 30, 10});
  CHECK_THAT(nndl::describe(small{1}), Catch::Contains("network<float>"));
}

TEST_CASE("weights come from the seed", "[network]") {
  const ch1 a{42}, b{42}, c{43};
  CHECK((a.layer<0>().w == b.layer<0>().w));
  CHECK((a.layer<1>().b == b.layer<1>().b));
  CHECK((a.layer<0>().w != c.layer<0>().w));
  // large_weight_init: N(0, 1); default_weight_init: N(0, 1/n_in)
  const auto& w = a.layer<0>().w;
  const double mean = xt::mean(w)(), var = xt::variance(w)();
  CHECK(std::abs(mean) < 0.02);
  CHECK(var == Approx(1.0).epsilon(0.03));
  const nndl::network<double, nndl::input<784>, nndl::dense<30>, nndl::dense<10>, nndl::quadratic_cost> d{1};
  CHECK(xt::variance(d.layer<0>().w)() == Approx(1.0 / 784).epsilon(0.03));
}

TEST_CASE("a seeded training run is reproducible", "[network]") {
  const auto data = blobs<double>(300, 784, 5);
  ch1 a{7}, b{7};
  const nndl::sgd_options o{.epochs = 2, .mini_batch = 10, .eta = 3.0, .seed = 99, .verbose = false};
  nndl::sgd(a, data, o);
  nndl::sgd(b, data, o);
  CHECK((a.layer<0>().w == b.layer<0>().w));
  CHECK((a.layer<1>().b == b.layer<1>().b));
  ch1 c{7};
  auto o2 = o;
  o2.seed = 100;  // another shuffle order gives other weights
  nndl::sgd(c, data, o2);
  CHECK((a.layer<0>().w != c.layer<0>().w));
}

TEST_CASE("a float network with ReLU and softmax learns separable data", "[network]") {
  const auto train = blobs<float>(600, 8, 1), test = blobs<float>(300, 8, 2);
  small net{3};
  const std::size_t before = net.evaluate(test);
  const double cost_before = net.total_cost(test);
  const auto h =
      nndl::sgd(net, train, {.epochs = 5, .mini_batch = 10, .eta = 0.1, .verbose = false}, nndl::evaluate_on(test));
  CHECK(h.epochs.size() == 5);
  CHECK(net.evaluate(test) >= 295);
  CHECK(net.evaluate(test) > before);
  CHECK(net.total_cost(test) < 0.5 * cost_before);
}

TEST_CASE("batched forward equals row-by-row forward; predict and evaluate agree", "[network]") {
  const auto d = blobs<double>(50, 784, 3);
  ch1 net{5};
  net.eval_chunk = 7;  // blocks that do not divide the data set
  const nndl::matrix<double> all = net.feedforward(d.x);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const auto one = net.feedforward(d.row(i), 1);
    for (std::size_t j = 0; j < 10; ++j) CHECK(one(0, j) == Approx(all(i, j)).margin(1e-12));
    correct += net.predict(d.row(i)) == d.labels[i];
  }
  CHECK(net.evaluate(d) == correct);
}

TEST_CASE("a copied network is independent of the original", "[network]") {
  const auto d = blobs<double>(100, 784, 3);
  ch1 a{5};
  ch1 b = a;
  a.feedforward(d.x);  // a has a workspace now; the copy must not share it
  nndl::sgd(b, d, {.epochs = 1, .verbose = false});
  CHECK((a.layer<0>().w != b.layer<0>().w));
  CHECK(a.evaluate(d) == ch1{5}.evaluate(d));
}

TEST_CASE("bad input is refused with a clear message", "[network]") {
  ch1 net{1};
  nndl::dataset<double> d;
  d.x = nndl::matrix<double>::from_shape({5, 100});
  d.labels.assign(5, 1);
  d.name = "tiny";
  CHECK_THROWS_WITH(net.evaluate(d), Catch::Contains("100 values per sample, the network takes 784"));
  CHECK_THROWS_WITH(nndl::sgd(net, d, {.verbose = false}), Catch::Contains("tiny has 100 values per sample"));
  d.x = xt::zeros<double>({5, 784});
  d.labels[2] = 12;
  CHECK_THROWS_WITH(nndl::sgd(net, d, {.verbose = false}), Catch::Contains("label 12"));
  CHECK_THROWS_AS(nndl::sgd(net, d, {.mini_batch = 0, .verbose = false}), std::invalid_argument);
}

TEST_CASE("rng: reproducible, uniform and normal", "[rng]") {
  nndl::rng a(5), b(5);
  for (int i = 0; i < 10; ++i) CHECK(a.next() == b.next());
  nndl::rng r(1);
  double s = 0, s2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double x = r.normal();
    s += x, s2 += x * x;
  }
  CHECK(std::abs(s / n) < 0.01);
  CHECK(s2 / n == Approx(1.0).epsilon(0.01));
  std::vector<int> v(10);
  std::iota(v.begin(), v.end(), 0);
  r.shuffle(v.begin(), v.end());
  CHECK(std::accumulate(v.begin(), v.end(), 0) == 45);
  CHECK(v != std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  for (int i = 0; i < 1000; ++i) CHECK(r.below(7) < 7);
}

TEST_CASE("one const network serves several threads at once with the single-thread answers", "[network][parallel]") {
  using conv_t =
      nndl::network<float, nndl::input<1, 10, 10>, nndl::conv<3, 3, nndl::relu>, nndl::max_pool<2>, nndl::dropout<0.5>,
                    nndl::dense<6, nndl::sigmoid>, nndl::dense<3, nndl::softmax>, nndl::log_likelihood_cost>;
  const conv_t net{4};
  const auto d = blobs<float>(300, 100, 6);
  net.evaluate(d);                            // warm: the pool holds a workspace now
  std::vector<nndl::matrix<float>> expected;  // on this thread, one sample at a time as the threads ask
  std::vector<std::size_t> predicted(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) {
    predicted[i] = net.predict(d.row(i));
    expected.push_back(net.feedforward(d.row(i), 1));
  }
  const std::size_t correct = net.evaluate(d);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        const std::size_t i = std::size_t(t * 37 + round * 11) % d.size();
        if (net.predict(d.row(i)) != predicted[i]) ++mismatches;
        const nndl::matrix<float> a = net.feedforward(d.row(i), 1);
        for (std::size_t j = 0; j < 3; ++j)
          if (a(0, j) != expected[i](0, j)) ++mismatches;
        if (round % 5 == 0 && net.evaluate(d, 2) != correct) ++mismatches;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(mismatches.load() == 0);
}
