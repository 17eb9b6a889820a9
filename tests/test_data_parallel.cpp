// Data-parallel training (train_options::data_parallel) without MPI: K threads, each a "process"
// with its own copy of the network, joined by a process group over shared memory that adds in rank
// order as nndl::mpi_group does. The split of a mini-batch, the equality with one process (SGD with
// L2, momentum, Adam), identical weights on every process, split evaluation, and a shared stop.
#include <catch2/catch.hpp>

#include <nndl/network.hpp>
#include <nndl/train/adam.hpp>
#include <nndl/train/process_group.hpp>

#include <atomic>
#include <barrier>
#include <cmath>
#include <thread>
#include <vector>

namespace {
using net_t = nndl::network<double, nndl::input<4>, nndl::dense<5, nndl::sigmoid>, nndl::dense<2, nndl::sigmoid>,
                            nndl::cross_entropy_cost, nndl::l2_regularizer>;

nndl::dataset<double> toy(std::size_t n, std::uint64_t seed) {
  nndl::rng r(seed);
  nndl::dataset<double> d;
  d.x = nndl::matrix<double>::from_shape({n, 4});
  d.labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    d.labels[i] = static_cast<std::uint8_t>(i % 2);
    for (std::size_t j = 0; j < 4; ++j) d.x(i, j) = d.labels[i] + 0.6 * r.normal();
  }
  d.classes = 2;
  d.name = "toy";
  return d;
}

struct shared_sums {
  explicit shared_sums(std::size_t k) : k(k), sync(std::ptrdiff_t(k)), d(k), f(k), c(k) {}
  std::size_t k;
  std::barrier<> sync;
  std::vector<std::vector<double>> d;
  std::vector<std::vector<float>> f;
  std::vector<std::vector<std::uint64_t>> c;
  std::atomic<std::size_t> calls{0};
};

class thread_group final : public nndl::process_group {
 public:
  thread_group(shared_sums& s, std::size_t r) : s_(s), r_(r) {}
  std::size_t rank() const override { return r_; }
  std::size_t size() const override { return s_.k; }
  void sum(std::span<double> b) override { add(b, s_.d); }
  void sum(std::span<float> b) override { add(b, s_.f); }
  void sum(std::span<std::uint64_t> b) override { add(b, s_.c); }
  nndl::communication_stats stats() const override { return {}; }

 private:
  template <class T>
  void add(std::span<T> b, std::vector<std::vector<T>>& slots) {
    if (r_ == 0) ++s_.calls;
    slots[r_].assign(b.begin(), b.end());
    s_.sync.arrive_and_wait();
    for (std::size_t i = 0; i < b.size(); ++i) {
      T v = slots[0][i];
      for (std::size_t q = 1; q < s_.k; ++q) v += slots[q][i];
      b[i] = v;
    }
    s_.sync.arrive_and_wait();
  }
  shared_sums& s_;
  std::size_t r_;
};

/// f(group) on k threads, one group member each; returns the number of sums of rank 0.
template <class F>
std::size_t on_threads(std::size_t k, F f) {
  shared_sums s(k);
  std::vector<std::thread> threads;
  for (std::size_t r = 0; r < k; ++r)
    threads.emplace_back([&, r] {
      thread_group g(s, r);
      f(g);
    });
  for (auto& t : threads) t.join();
  return s.calls.load();
}

std::vector<double> flat(const net_t& n) {
  std::vector<double> v;
  n.for_each_parameter([&](const auto&, const auto& p) { v.insert(v.end(), p.value, p.value + p.size()); });
  return v;
}
/// Raises the stop flag after mini-batch 2, as a signal to process 1 alone would.
struct stopper {
  std::atomic<bool>* flag;
  std::size_t rank;
  template <class Net>
  void on_batch_end(const Net&, std::size_t batch, std::size_t) {
    if (rank == 1 && batch == 2) flag->store(true);
  }
};

double apart(const net_t& a, const net_t& b) {
  const auto x = flat(a), y = flat(b);
  double m = 0;
  for (std::size_t i = 0; i < x.size(); ++i) m = std::max(m, std::abs(x[i] - y[i]));
  return m;
}
}  // namespace

TEST_CASE("a mini-batch is split in contiguous shares, the first M mod K one larger", "[data-parallel]") {
  CHECK(nndl::share(10, 0, 3).begin == 0);
  CHECK(nndl::share(10, 0, 3).count == 4);
  CHECK(nndl::share(10, 1, 3).begin == 4);
  CHECK(nndl::share(10, 1, 3).count == 3);
  CHECK(nndl::share(10, 2, 3).begin == 7);
  CHECK(nndl::share(10, 2, 3).count == 3);
  CHECK(nndl::share(2, 2, 3).count == 0);  // fewer samples than processes: an empty share
  CHECK(nndl::share(2, 1, 3).begin == 1);
}

TEST_CASE("three processes, uneven shares: the one-process run, the same on every process", "[data-parallel]") {
  const auto d = toy(41, 4), test = toy(31, 5);  // mini-batches of 7 (3, 2, 2) and a last one of 6 (2, 2, 2)
  auto one_and_three = [&](auto train_one) {
    net_t one{2};
    const auto h1 = train_one(one, nullptr);
    std::vector<net_t> nets(3, net_t{2});
    std::vector<nndl::train_history> hs(3);
    const std::size_t sums = on_threads(3, [&](thread_group& g) { hs[g.rank()] = train_one(nets[g.rank()], &g); });
    CHECK(sums == 3 * 6 + 3);  // one per step, one count per epoch's evaluation
    CHECK(apart(one, nets[0]) < 1e-12);
    CHECK(apart(one, net_t{2}) > 0.01);                                         // it did train
    for (std::size_t r = 1; r < 3; ++r) CHECK(flat(nets[r]) == flat(nets[0]));  // bit for bit
    REQUIRE(hs[0].epochs.size() == h1.epochs.size());
    for (std::size_t e = 0; e < h1.epochs.size(); ++e) {
      CHECK(*hs[0].epochs[e].evaluation_correct == *h1.epochs[e].evaluation_correct);
      CHECK(*hs[2].epochs[e].evaluation_total == 31);
    }
  };
  SECTION("SGD with L2") {
    one_and_three([&](net_t& n, nndl::process_group* g) {
      return nndl::sgd(
          n, d,
          {.epochs = 3, .mini_batch = 7, .eta = 0.5, .lambda = 1, .seed = 3, .verbose = false, .data_parallel = g},
          nndl::evaluate_on(test));
    });
  }
  SECTION("momentum SGD") {
    one_and_three([&](net_t& n, nndl::process_group* g) {
      return nndl::sgd(n, d,
                       {.epochs = 3,
                        .mini_batch = 7,
                        .eta = 0.2,
                        .lambda = 1,
                        .momentum = 0.5,
                        .seed = 3,
                        .verbose = false,
                        .data_parallel = g},
                       nndl::evaluate_on(test));
    });
  }
  SECTION("Adam") {
    one_and_three([&](net_t& n, nndl::process_group* g) {
      nndl::adam opt;
      return nndl::train(n, d, opt,
                         {.epochs = 3, .mini_batch = 7, .eta = 0.01, .seed = 3, .verbose = false, .data_parallel = g},
                         nndl::evaluate_on(test));
    });
  }
}

TEST_CASE("the monitored costs are split among the processes and equal the one-process costs", "[data-parallel]") {
  const auto d = toy(41, 4), test = toy(31, 5);
  const auto run = [&](net_t& n, nndl::process_group* g) {
    return nndl::sgd(
        n, d, {.epochs = 2, .mini_batch = 7, .eta = 0.5, .lambda = 1, .seed = 3, .verbose = false, .data_parallel = g},
        nndl::evaluate_on(test, true, 1.0), nndl::monitor_training(d, 1.0));
  };
  net_t one{2};
  const auto h1 = run(one, nullptr);
  std::vector<net_t> nets(3, net_t{2});
  std::vector<nndl::train_history> hs(3);
  const std::size_t sums = on_threads(3, [&](thread_group& g) { hs[g.rank()] = run(nets[g.rank()], &g); });
  CHECK(sums == 2 * 6 + 2 * 4);  // a sum a step; per epoch two counts and two costs
  for (std::size_t r = 0; r < 3; ++r) {
    REQUIRE(hs[r].epochs.size() == 2);
    for (std::size_t e = 0; e < 2; ++e) {
      const auto& one_e = h1.epochs[e];
      const auto& mine = hs[r].epochs[e];
      REQUIRE(mine.evaluation_cost.has_value());
      REQUIRE(mine.training_cost.has_value());
      CHECK(*mine.evaluation_cost == Approx(*one_e.evaluation_cost).epsilon(1e-12));
      CHECK(*mine.training_cost == Approx(*one_e.training_cost).epsilon(1e-12));
      CHECK(*mine.training_cost == *hs[0].epochs[e].training_cost);  // the same on every process, bit for bit
      CHECK(*mine.training_correct == *one_e.training_correct);
    }
  }
  CHECK(*h1.epochs[1].training_cost != *h1.epochs[0].training_cost);  // it trained between the two
}

TEST_CASE("a stop flag on one process stops every process after the same mini-batch", "[data-parallel]") {
  const auto d = toy(40, 4);
  std::vector<net_t> nets(2, net_t{2});
  std::vector<nndl::train_history> hs(2);
  std::atomic<bool> stop{false};
  on_threads(2, [&](thread_group& g) {
    const std::atomic<bool>* mine = g.rank() == 1 ? &stop : nullptr;  // only process 1 sees the signal
    hs[g.rank()] = nndl::sgd(nets[g.rank()], d,
                             {.epochs = 2, .mini_batch = 4, .verbose = false, .stop = mine, .data_parallel = &g},
                             stopper{&stop, g.rank()});
  });
  for (const auto& h : hs) {
    CHECK(h.interrupted);
    CHECK(h.batches_done == 4);  // the flag set after mini-batch 2 travels with the sums of mini-batch 3
  }
  CHECK(flat(nets[0]) == flat(nets[1]));
}
