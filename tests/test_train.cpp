// Training: callbacks, early stopping, metrics files, divergence, the L2 step.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <nndl/network.hpp>

#include <filesystem>
#include <fstream>
#include <atomic>
#include <optional>
#include <sstream>

namespace {
using net_t = nndl::network<double, nndl::input<4>, nndl::dense<5, nndl::sigmoid>, nndl::dense<2, nndl::sigmoid>,
                            nndl::cross_entropy_cost, nndl::l2_regularizer>;

nndl::dataset<double> toy(std::size_t n) {
  nndl::rng r(4);
  nndl::dataset<double> d;
  d.x = nndl::matrix<double>::from_shape({n, 4});
  d.labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    d.labels[i] = static_cast<std::uint8_t>(i % 2);
    for (std::size_t j = 0; j < 4; ++j) d.x(i, j) = d.labels[i] + 0.3 * r.normal();
  }
  d.classes = 2;
  d.name = "toy";
  return d;
}

/// A callback that replays scripted accuracies, as if evaluate_on had measured them.
struct scripted {
  std::vector<std::size_t> correct;
  std::size_t calls = 0;
  template <class Net>
  void on_epoch_end(const Net&, nndl::epoch_record& r) {
    r.evaluation_correct = correct.at(calls++);
    r.evaluation_total = 100;
  }
};
}  // namespace

TEST_CASE("early stopping stops after patience epochs without improvement", "[train]") {
  net_t net{1};
  const auto d = toy(20);
  scripted s{{50, 60, 60, 59, 58, 70, 71}};
  const auto h = nndl::sgd(net, d, {.epochs = 7, .verbose = false}, s, nndl::early_stopping{.patience = 3});
  REQUIRE(h.epochs.size() == 5);  // best at epoch 1; epochs 2, 3, 4 without improvement
  CHECK(h.stop_reason == "early stopping: no improvement in 3 epochs");
  CHECK(h.best_evaluation()->epoch == 1);
  scripted s2{{50, 60, 61, 62, 63}};
  CHECK(nndl::sgd(net, d, {.epochs = 5, .verbose = false}, s2, nndl::early_stopping{.patience = 1}).epochs.size() == 5);
}

TEST_CASE("early stopping without an evaluation is a usage error", "[train]") {
  net_t net{1};
  CHECK_THROWS_WITH(nndl::sgd(net, toy(10), {.epochs = 2, .verbose = false}, nndl::early_stopping{}),
                    Catch::Contains("needs evaluate_on"));
}

TEST_CASE("sgd prints the book's epoch lines and records a history", "[train]") {
  net_t net{1};
  const auto d = toy(40);
  std::ostringstream out;
  const auto h = nndl::sgd(net, d, {.epochs = 3, .mini_batch = 4, .eta = 0.5, .out = &out}, nndl::evaluate_on(d, true),
                           nndl::monitor_training(d));
  CHECK_THAT(out.str(), Catch::Contains("Epoch 0: ") && Catch::Contains(" / 40") && Catch::Contains("Epoch 2: "));
  REQUIRE(h.epochs.size() == 3);
  for (const auto& e : h.epochs) {
    CHECK(e.evaluation_total == 40u);
    CHECK(e.evaluation_cost.has_value());
    CHECK(e.training_cost.has_value());
    CHECK(e.training_correct.has_value());
    CHECK(e.train_seconds > 0);
    CHECK(e.elapsed_seconds >= e.train_seconds);
  }
  CHECK(h.epochs[2].evaluation_cost < h.epochs[0].evaluation_cost);
  std::ostringstream none;
  nndl::sgd(net, d, {.epochs = 1, .out = &none});
  CHECK_THAT(none.str(), Catch::Contains("Epoch 0 complete"));
}

TEST_CASE("csv_metrics writes every epoch, atomically", "[train]") {
  const test_support::temp_dir tmp("csv");
  const auto& dir = tmp.path;
  const auto path = dir / "m.csv";
  { std::ofstream(path) << "an older file that must be replaced whole\n"; }
  net_t net{1};
  const auto d = toy(20);
  nndl::sgd(net, d, {.epochs = 4, .verbose = false}, nndl::evaluate_on(d), nndl::csv_metrics(path));
  std::ifstream f(path);
  std::string header, line;
  std::getline(f, header);
  CHECK_THAT(header, Catch::StartsWith("epoch,eta,train_seconds"));
  int rows = 0;
  while (std::getline(f, line)) {
    ++rows;
    CHECK_THAT(line, Catch::Contains(",20,"));
  }
  CHECK(rows == 4);
  CHECK(std::distance(std::filesystem::directory_iterator(dir), {}) == 1);  // no temporary file left
}

TEST_CASE("a diverging run stops with a clear error", "[train]") {
  net_t net{1};
  net.layer<0>().w(0, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(nndl::sgd(net, toy(10), {.epochs = 2, .verbose = false}), nndl::training_diverged);
  net_t net2{1};
  net2.layer<0>().w(0, 0) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(nndl::sgd(net2, toy(10), {.epochs = 2, .verbose = false}),
                    Catch::Contains("diverged in epoch 0") && Catch::Contains("smaller eta"));
}

TEST_CASE("the L2 step is network2.py's formula", "[train]") {
  // w -> (1 - eta lambda / n) w - (eta / m) sum dC/dw  (3.93); biases are not decayed
  net_t net{3};
  const auto d = toy(8);
  const double eta = 0.5, lambda = 2.0;
  const std::size_t n = 1000;
  net.compute_gradient(d.x.data(), d.labels);  // mean gradient of C0 (lambda 0)
  const nndl::matrix<double> w0 = net.layer<0>().w, g0 = net.layer<0>().gw;
  const nndl::vector<double> b0 = net.layer<0>().b, gb0 = net.layer<0>().gb;
  nndl::sgd_optimizer plain;
  nndl::trainer(net, plain).take(d.x.data(), d.labels, {.eta = eta, .lambda = lambda, .n = n});
  const nndl::matrix<double> expected = (1 - eta * lambda / double(n)) * w0 - eta * g0;
  CHECK(xt::allclose(net.layer<0>().w, expected, 1e-13, 1e-14));
  CHECK(xt::allclose(net.layer<0>().b, b0 - eta * gb0, 1e-13, 1e-14));
}

TEST_CASE("total_cost adds the regulariser's term with n = the evaluated set's size", "[train]") {
  net_t net{3};
  const auto d = toy(50);
  double sq = 0;
  net.for_each_layer([&](const auto& l, std::size_t) { sq += xt::sum(l.w * l.w)(); });
  CHECK(net.total_cost(d, 5.0) - net.total_cost(d, 0.0) == Approx(0.5 * 5.0 / 50 * sq).epsilon(1e-12));
}

TEST_CASE("the learning-rate schedule halves eta after no improvement, stops at eta/128", "[train]") {
  net_t net{1};
  const auto d = toy(20);
  // improvement only in epoch 0; with patience 2 eta halves after epochs 2, 4, 6, ... until 1/128
  scripted s{std::vector<std::size_t>(40, 50)};
  const auto h = nndl::sgd(net, d, {.epochs = 40, .eta = 1.0, .verbose = false}, s, nndl::eta_schedule{.patience = 2});
  std::vector<double> etas;
  for (const auto& e : h.epochs) etas.push_back(e.eta);
  const std::vector<double> expected{1,     1,        1,        0.5,      0.5,      0.25,     0.25,    0.125,
                                     0.125, 1.0 / 16, 1.0 / 16, 1.0 / 32, 1.0 / 32, 1.0 / 64, 1.0 / 64};
  CHECK(etas == expected);
  CHECK_THAT(h.stop_reason, Catch::Contains("1/128"));
}

TEST_CASE("momentum SGD follows v <- mu v - eta grad, w <- w + v", "[train]") {
  net_t net{3};
  const auto d = toy(8);
  const double eta = 0.5, lambda = 2.0, mu = 0.9;
  const std::size_t n = 100;
  nndl::matrix<double> v = xt::zeros<double>({5, 4});
  nndl::sgd_optimizer momentum({.momentum = mu});
  nndl::trainer steps(net, momentum);
  for (int step = 0; step < 3; ++step) {
    net.compute_gradient(d.x.data(), d.labels, lambda, n);  // ∇C including (λ/n) w
    const nndl::matrix<double> w0 = net.layer<0>().w, g = net.layer<0>().gw;
    v = mu * v - eta * g;
    steps.take(d.x.data(), d.labels, {.eta = eta, .lambda = lambda, .n = n});
    CHECK(xt::allclose(net.layer<0>().w, w0 + v, 1e-12, 1e-13));
  }
}

TEST_CASE("sgd on two threads: wide dense layers split by neurons follow the one-thread run", "[train][parallel]") {
  using namespace nndl;
  // dense<300> and dense<250> are wide enough (In·Out ≥ 65536) to be split; dense<10, softmax> is not.
  using net_t = network<float, input<784>, dense<300, relu>, dropout<0.5>, dense<250, relu>, dense<10, softmax>,
                        log_likelihood_cost, l2_regularizer>;
  dataset<float> d;
  d.x = xt::zeros<float>({std::size_t{200}, std::size_t{784}});
  rng r(5);
  for (auto& v : d.x) v = float(r.uniform());
  for (std::size_t i = 0; i < 200; ++i) d.labels.push_back(std::uint8_t(i % 10));
  auto train = [&](std::size_t threads, double lambda) {
    net_t net{3};
    sgd(net, d, {.epochs = 2, .mini_batch = 10, .eta = 0.05, .lambda = lambda, .verbose = false, .workers = threads});
    return net;
  };
  for (double lambda : {0.0, 5.0}) {
    INFO("lambda " << lambda);
    const auto a = train(2, lambda), b = train(2, lambda), one = train(1, lambda);
    CHECK(a.layer<0>().w == b.layer<0>().w);  // reproducible: shares summed in a fixed order
    CHECK(a.layer<2>().w == b.layer<2>().w);
    for (auto* l : {&a, &one}) CHECK(xt::all(xt::isfinite(l->layer<0>().w)));
    CHECK(xt::allclose(a.layer<0>().w, one.layer<0>().w, 1e-3, 1e-5));
    CHECK(xt::allclose(a.layer<2>().w, one.layer<2>().w, 1e-3, 1e-5));
    CHECK(xt::allclose(a.layer<0>().b, one.layer<0>().b, 1e-3, 1e-5));
    CHECK(xt::allclose(a.layer<3>().w, one.layer<3>().w, 1e-3, 1e-5));
    const net_t fresh{3};
    CHECK_FALSE(xt::allclose(a.layer<2>().w, fresh.layer<2>().w, 1e-3, 1e-5));  // it did train
  }
}

TEST_CASE("an sgd step of wide layers (sliced products, split rows) is w - eta * gradient", "[train][parallel]") {
  using namespace nndl;
  // m = 10 on 784 -> 300 -> 200: products above OpenBLAS's small-matrix size, so they go by slices.
  using net_t = network<double, input<784>, dense<300, relu>, dense<200, relu>, dense<10, softmax>, log_likelihood_cost,
                        l2_regularizer>;
  std::vector<double> x(10 * 784);
  rng r(11);
  for (auto& v : x) v = r.uniform();
  const std::vector<std::uint8_t> labels{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const double eta = 0.5, lambda = 2.0;
  const std::size_t n = 100;
  for (std::size_t threads : {1u, 2u}) {
    INFO(threads << " thread(s)");
    net_t net{4};
    net.compute_gradient(x.data(), labels, lambda, n);  // the mean gradient plus λ/n w
    const matrix<double> w0 = net.layer<0>().w, w1 = net.layer<1>().w, g0 = net.layer<0>().gw, g1 = net.layer<1>().gw;
    const vector<double> b1 = net.layer<1>().b, gb1 = net.layer<1>().gb;
    sgd_optimizer plain;
    trainer(net, plain, threads).take(x.data(), labels, {.eta = eta, .lambda = lambda, .n = n});
    CHECK(xt::allclose(net.layer<0>().w, w0 - eta * g0, 1e-10, 1e-12));
    CHECK(xt::allclose(net.layer<1>().w, w1 - eta * g1, 1e-10, 1e-12));
    CHECK(xt::allclose(net.layer<1>().b, b1 - eta * gb1, 1e-10, 1e-12));
    CHECK(xt::amax(xt::abs(g0))() > 0);
  }
}

TEST_CASE("Adam follows Kingma and Ba's step, with the regulariser's gradient", "[train][adam]") {
  net_t net{3};
  const auto d = toy(8);
  const double eta = 0.01, lambda = 2.0, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const std::size_t n = 100;
  nndl::matrix<double> m = xt::zeros<double>({5, 4}), v = m;
  nndl::adam opt;
  nndl::trainer steps(net, opt);
  for (int t = 1; t <= 3; ++t) {
    net.compute_gradient(d.x.data(), d.labels, lambda, n);  // ∇C including (λ/n) w
    const nndl::matrix<double> w0 = net.layer<0>().w, g = net.layer<0>().gw;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const nndl::matrix<double> mh = m / (1 - std::pow(b1, t)), vh = v / (1 - std::pow(b2, t));
    steps.take(d.x.data(), d.labels, {.eta = eta, .lambda = lambda, .n = n});
    CHECK(xt::allclose(net.layer<0>().w, w0 - eta * mh / (xt::sqrt(vh) + eps), 1e-9, 1e-12));
  }
  CHECK(opt.steps() == 3);
}

TEST_CASE("Adam trains a network", "[train][adam]") {
  net_t net{1};
  const auto d = toy(200);
  const std::size_t before = net.evaluate(d);
  nndl::adam opt;
  const auto h =
      nndl::train(net, d, opt, {.epochs = 5, .mini_batch = 10, .eta = 0.01, .verbose = false}, nndl::evaluate_on(d));
  CHECK(*h.epochs.back().evaluation_correct >= 190);
  CHECK(*h.epochs.back().evaluation_correct > before);
  CHECK(opt.steps() == 5 * 20);
}

TEST_CASE("train() refuses momentum in the options: it belongs to the optimizer", "[train]") {
  net_t net{1};
  nndl::adam opt;
  CHECK_THROWS_WITH(nndl::train(net, toy(10), opt, {.epochs = 1, .momentum = 0.9, .verbose = false}),
                    Catch::Contains("momentum"));
}

TEST_CASE("optional callbacks run when they hold one", "[train]") {
  net_t net{1};
  const auto d = toy(20);
  std::optional<scripted> none, some = scripted{{10, 20}};
  const auto h = nndl::sgd(net, d, {.epochs = 2, .verbose = false}, none, some);
  CHECK(some->calls == 2);
  REQUIRE(h.epochs.size() == 2);
  CHECK(h.epochs[1].evaluation_correct == 20u);
}

TEST_CASE("a stop flag ends training after the current mini-batch and says where", "[train]") {
  net_t net{1};
  const auto d = toy(40);
  std::atomic<bool> stop{false};
  struct stopper {
    std::atomic<bool>* flag;
    void on_batch_end(const net_t&, std::size_t batch, std::size_t) const {
      if (batch == 2) *flag = true;
    }
  };
  const auto h = nndl::sgd(net, d, {.epochs = 3, .mini_batch = 4, .verbose = false, .stop = &stop}, stopper{&stop});
  CHECK(h.interrupted);
  CHECK(h.epochs.empty());
  CHECK(h.epochs_done == 0);
  CHECK(h.batches_done == 3);
  CHECK_THAT(h.stop_reason, Catch::Contains("mini-batch 3 of 10"));
}
