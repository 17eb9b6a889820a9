// One SGD step of the chapter-1 network [784, 30, 10] at mini-batch 1, 10 and 100, float and
// double, one BLAS thread:
//   step/...       nndl's batched step as sgd runs it: gather of shuffled rows + BP1–BP4 + update
//   step_block/... the same step on rows already in one block (streamed from memory, no gather)
//   reference/...  the per-sample path of network.py (nndl::reference)
//   gemm/...       only the five GEMM calls the step makes, on the same shapes and the same
//                  streamed rows: the floor (gemm_hot: on one X that stays in cache)
//   epoch/...      a whole epoch of nndl::sgd over 50,000 images (epoch_ce_l2: cross-entropy and L2)
// Counters: samples/s, and GFLOP/s for the step's 2·m·(2·784·30 + 2·30·10 + 30·10) flops.
#include <benchmark/benchmark.h>

#include "bench_data.hpp"
#include "bench_main.hpp"

#include <nndl/blas.hpp>
#include <nndl/reference.hpp>

#include <numeric>

namespace {

template <class T>
using ch1 = nndl::network<T, nndl::input<784>, nndl::dense<30, nndl::sigmoid>, nndl::dense<10, nndl::sigmoid>,
                          nndl::quadratic_cost, nndl::large_weight_init>;

constexpr double flops_per_sample = 2.0 * (2 * 784 * 30 + 2 * 30 * 10 + 30 * 10);

template <class T>
const nndl::dataset<T>& training_set() {  // 50,000 generated images: timing does not depend on pixels
  static const nndl::dataset<T> d = nndl_bench::generated_images<T>(50000, 1);
  return d;
}

std::vector<std::size_t> shuffled(std::size_t n) {
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  nndl::rng(2).shuffle(idx.begin(), idx.end());
  return idx;
}

void counters(benchmark::State& s, std::size_t m) {
  const double samples = double(s.iterations()) * double(m);
  s.counters["samples/s"] = benchmark::Counter(samples, benchmark::Counter::kIsRate);
  s.counters["GFLOP/s"] = benchmark::Counter(samples * flops_per_sample * 1e-9, benchmark::Counter::kIsRate);
}

template <class T>
void step(benchmark::State& s) {
  const std::size_t m = std::size_t(s.range(0));
  const auto& d = training_set<T>();
  const auto idx = shuffled(d.size());
  ch1<T> net{1};
  nndl::sgd_optimizer plain;
  nndl::trainer steps(net, plain);
  const nndl::step_settings st{.eta = 3.0, .lambda = 0, .n = d.size()};
  std::size_t k = 0;
  for (auto _ : s) {
    if (k + 2 * m > d.size()) k = 0;
    steps.take(d, std::span(idx).subspan(k, m), st, std::span(idx).subspan(k + m, m));  // as sgd does
    k += m;
  }
  counters(s, m);
}

/// The step on rows that already lie in one block (a pre-shuffled copy of the data, streamed
/// through): the step's own overhead over its GEMMs, without the gather of shuffled rows.
template <class T>
void step_block(benchmark::State& s) {
  const std::size_t m = std::size_t(s.range(0));
  const auto& d = training_set<T>();
  ch1<T> net{1};
  nndl::sgd_optimizer plain;
  nndl::trainer steps(net, plain);
  const nndl::step_settings st{.eta = 3.0, .lambda = 0, .n = d.size()};
  std::size_t k = 0;
  for (auto _ : s) {
    if (k + m > d.size()) k = 0;
    steps.take(d.row(k), std::span(d.labels).subspan(k, m), st);
    k += m;
  }
  counters(s, m);
}

template <class T>
void reference(benchmark::State& s) {
  const std::size_t m = std::size_t(s.range(0));
  const auto& d = training_set<T>();
  const auto idx = shuffled(d.size());
  ch1<T> net{1};
  const nndl::step_settings st{.eta = 3.0, .lambda = 0, .n = d.size()};
  std::size_t k = 0;
  for (auto _ : s) {
    if (k + m > d.size()) k = 0;
    nndl::reference::update_mini_batch(net, d, std::span(idx).subspan(k, m), st);
    k += m;
  }
  counters(s, m);
}

/// Only the five GEMM calls of the step, on the same shapes. Streamed: X is the next block of rows
/// of the 50,000-row data set, as in step_block; hot: the same X every time, in cache.
template <class T, bool Streamed>
void gemm(benchmark::State& s) {
  const std::size_t m = std::size_t(s.range(0));
  using nndl::detail::gemm;
  const auto& d = training_set<T>();
  nndl::matrix<T> hot = xt::ones<T>({m, std::size_t{784}}), w1 = xt::ones<T>({30, 784}), w2 = xt::ones<T>({10, 30});
  nndl::matrix<T> z1 = xt::zeros<T>({m, std::size_t{30}}), z2 = xt::zeros<T>({m, std::size_t{10}});
  nndl::matrix<T> d1 = xt::zeros<T>({m, std::size_t{30}}), d2 = xt::zeros<T>({m, std::size_t{10}});
  const T a = T(-1e-9);
  std::size_t k = 0;
  for (auto _ : s) {
    if (k + m > d.size()) k = 0;
    const auto x = nndl::detail::rows_view(Streamed ? d.row(k) : static_cast<const T*>(hot.data()), m, 784);
    k += m;
    gemm(x, w1, z1, false, true, T(1), T(1));    // Z1 = X W1ᵀ
    gemm(z1, w2, z2, false, true, T(1), T(1));   // Z2 = A1 W2ᵀ
    gemm(d2, w2, d1, false, false, T(1), T(0));  // Δ2 W2
    gemm(d2, z1, w2, true, false, a, T(1));      // W2 += α Δ2ᵀ A1
    gemm(d1, x, w1, true, false, a, T(1));       // W1 += α Δ1ᵀ X
    benchmark::DoNotOptimize(w1.data());
  }
  counters(s, m);
}

template <class T>
using ch3 = nndl::network<T, nndl::input<784>, nndl::dense<30, nndl::sigmoid>, nndl::dense<10, nndl::sigmoid>,
                          nndl::cross_entropy_cost, nndl::l2_regularizer>;

/// A whole epoch of sgd: chapter 1's network, or chapter 3's (cross-entropy, L2 with lambda = 5).
template <class T, class Net = ch1<T>>
void epoch(benchmark::State& s) {
  const auto& d = training_set<T>();
  Net net{1};
  const double lambda = std::is_same_v<Net, ch1<T>> ? 0.0 : 5.0;
  for (auto _ : s)
    nndl::sgd(net, d,
              {.epochs = 1, .mini_batch = std::size_t(s.range(0)), .eta = 0.5, .lambda = lambda, .verbose = false});
  s.counters["samples/s"] = benchmark::Counter(double(s.iterations()) * double(d.size()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(step<double>)->Name("step/double")->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(step_block<double>)->Name("step_block/double")->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(gemm<double, true>)->Name("gemm/double")->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(gemm<double, false>)->Name("gemm_hot/double")->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(reference<double>)->Name("reference/double")->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(step<float>)->Name("step/float")->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(step_block<float>)->Name("step_block/float")->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(gemm<float, true>)->Name("gemm/float")->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(gemm<float, false>)->Name("gemm_hot/float")->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(reference<float>)->Name("reference/float")->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(epoch<double>)->Name("epoch/double")->Arg(10)->Unit(benchmark::kMillisecond)->MinTime(3.0);
BENCHMARK(epoch<float>)->Name("epoch/float")->Arg(10)->Unit(benchmark::kMillisecond)->MinTime(3.0);
BENCHMARK(epoch<double, ch3<double>>)->Name("epoch_ce_l2/double")->Arg(10)->Unit(benchmark::kMillisecond)->MinTime(3.0);

NNDL_BENCHMARK_MAIN()
