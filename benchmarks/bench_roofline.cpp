// A roofline: this machine's own ceilings, and each training and inference workload of the book
// as a fraction of them (scripts/bench.sh runs it; docs/speed.md shows its table).
//   ceiling/{s,d}gemm/N/Kt   OpenBLAS GEMM of N×N matrices on K threads (the peak: N = 1024)
//   ceiling/stream/Kt        memory bandwidth: a = b + s·c over three 64 MB arrays (GB/s)
//   shape/...                the GEMMs nndl runs, at their own shapes (per-sample conv products, ch1)
//   train/<net>/Kt           one epoch of sgd at mini-batch 10 on K threads (train_options::workers),
//                            over n generated images (bench_data.hpp); ms/step and s/epoch (scaled to 50,000)
//   infer/<net>              evaluate 10,000 generated images, one thread
// Counters (wall clock): GFLOP/s (the network's GEMM flops: forward 2·in·out per dense layer and 2·F·C·K²·P per
// conv layer; training adds the same for ∂C/∂w (BP4) and, but for the first layer, for the input's
// gradient (BP2)), and of_peak: that rate over the float or double GEMM peak measured at the start
// (N = 1024) on as many threads as the workload uses: 1/of_peak is how far it is from its GEMM
// floor. (Two threads' peak is measured, not assumed twice one's: two virtual CPUs may share a core,
// and docs/speed.md has what each machine gave.) of_peak_now: the same rate over the peak measured
// just before and just after the workload (N = 512, their mean), and peak_drift: after / before,
// for a machine whose speed changes between the start and the workload.
#include "bench_data.hpp"
#include "bench_main.hpp"

#include <nndl/blas.hpp>
#include <nndl/network.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {
using namespace nndl;

template <class T>
double& peak(std::size_t threads = 1) {  // flop/s at N = 1024 on 1 or 2 threads, measured before the benchmarks
  static double p[3] = {0, 0, 0};
  return p[threads < 2 ? 1 : 2];
}

template <class T>
double measure_peak(std::size_t n, int threads, int rounds = 5, double seconds = 0.2) {
  set_blas_threads(threads);
  matrix<T> a = xt::ones<T>({n, n}), b = a, c = xt::zeros<T>({n, n});
  const auto run = [&] { detail::gemm(a, b, c, false, false, T(1), T(0)); };
  run();
  double best = 0;
  for (int round = 0; round < rounds; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    int k = 0;
    double s = 0;
    for (; s < seconds; ++k) {
      run();
      s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    best = std::max(best, 2.0 * double(n) * double(n) * double(n) * k / s);
  }
  set_blas_threads(1);
  return best;
}

/// The GEMM peak of this moment on `threads` threads (N = 512, best of three 50 ms rounds), measured
/// just before and just after a workload: a virtual machine's speed comes in spells (its second
/// virtual CPU may give two threads much less for a while), and a ceiling of the same spell says how
/// far the workload is from its floor then. After a product on two threads OpenBLAS's helper spins
/// (yielding) for a while before it sleeps: it is given a quarter of a second to stop, so that it
/// takes no CPU from the workload.
template <class T>
double peak_now(std::size_t threads) {
  const double p = measure_peak<T>(512, int(threads), 3, 0.05);
  if (threads > 1) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  return p;
}

/// Wall-clock seconds of a benchmark's timed loop (Google Benchmark's rates divide by the main
/// thread's CPU time, which says nothing of two threads or of a busy machine).
struct wall {
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
};
void per_second(benchmark::State& s, const char* name, double amount, double seconds) {
  s.counters[name] = benchmark::Counter(amount / seconds);
}

// ----- ceilings

template <class T>
void ceiling_gemm(benchmark::State& s) {
  const auto n = std::size_t(s.range(0));
  const auto threads = int(s.range(1));
  set_blas_threads(threads);
  matrix<T> a = xt::ones<T>({n, n}), b = a, c = xt::zeros<T>({n, n});
  const wall w;
  for (auto _ : s) {
    detail::gemm(a, b, c, false, false, T(1), T(0));
    benchmark::DoNotOptimize(c.data());
  }
  per_second(s, "GFLOP/s", double(s.iterations()) * 2e-9 * double(n * n * n), w.seconds());
  set_blas_threads(1);
}

void ceiling_stream(benchmark::State& s) {
  constexpr std::size_t n = std::size_t{64} << 17;  // 8 M doubles: 64 MB an array
  std::vector<double> a(n, 0.0), b(n, 1.0), c(n, 2.0);
  const auto threads = std::size_t(s.range(0));
  const auto team = detail::make_team(threads);
  const wall w;
  for (auto _ : s) {
    detail::parallel_for(team.get(), n, [&](std::size_t begin, std::size_t end, std::size_t) {
      for (std::size_t i = begin; i < end; ++i) a[i] = b[i] + 3.0 * c[i];
    });
    benchmark::DoNotOptimize(a.data());
  }
  per_second(s, "GB/s", double(s.iterations()) * 3.0 * 8.0 * double(n) * 1e-9, w.seconds());
}

/// One GEMM of the shapes nndl runs: {M, K} · {K, N} (transposes as nndl calls them), `count` times.
template <class T>
void shape_gemm(benchmark::State& s, bool ta, bool tb, std::size_t M, std::size_t N, std::size_t K, std::size_t count) {
  std::vector<T> a(M * K, T(0.01)), b(K * N, T(0.01)), c(M * N, T(0));
  const wall w;
  for (auto _ : s) {
    for (std::size_t i = 0; i < count; ++i)
      detail::gemm_raw(ta, tb, M, N, K, T(1), a.data(), ta ? M : K, b.data(), tb ? K : N, T(1), c.data(), N);
    benchmark::DoNotOptimize(c.data());
  }
  const double flops = 2.0 * double(M * N * K * count), t = w.seconds();
  per_second(s, "GFLOP/s", double(s.iterations()) * flops * 1e-9, t);
  per_second(s, "of_peak", double(s.iterations()) * flops / peak<T>(), t);
}

// ----- workloads

struct flops {
  double forward = 0, training = 0;  // per image
};
flops count_flops(const architecture_record& a) {
  flops f;
  bool first = true;
  for (const auto& l : a.layers) {
    const double in = double(l.input[0] * l.input[1] * l.input[2]);
    double fwd = 0;
    if (l.kind == "dense") fwd = 2.0 * in * double(l.units);
    if (l.kind == "conv")
      fwd = 2.0 * double(l.units) * double(l.input[0] * l.window * l.window) * double(l.output[1] * l.output[2]);
    if (fwd == 0) continue;
    f.forward += fwd;
    f.training += (first ? 2.0 : 3.0) * fwd;
    first = false;
  }
  return f;
}

/// GFLOP/s and of_peak (over the start-of-run peak); with `beside` (the peak of this moment just
/// before and after the workload), of_peak_now (over their mean) and peak_drift (after / before).
void rates(benchmark::State& s, double t, double flops_per_image, double images, double peak_rate,
           std::pair<double, double> beside) {
  const double it = double(s.iterations());
  per_second(s, "GFLOP/s", it * images * flops_per_image * 1e-9, t);
  per_second(s, "of_peak", it * images * flops_per_image / peak_rate, t);
  per_second(s, "of_peak_now", it * images * flops_per_image / ((beside.first + beside.second) / 2), t);
  s.counters["peak_drift"] = benchmark::Counter(beside.second / beside.first);
}

template <class Net>
void train(benchmark::State& s, std::size_t n, std::size_t workers, double eta, double lambda) {
  using T = typename Net::scalar;
  static const dataset<T> d = nndl_bench::generated_images<T>(n);
  Net net{1};
  const train_options o{
      .epochs = 1, .mini_batch = 10, .eta = eta, .lambda = lambda, .verbose = false, .workers = workers};
  const double before = peak_now<T>(workers);
  const wall w;
  for (auto _ : s) sgd(net, d, o);
  const double t = w.seconds(), it = double(s.iterations());
  rates(s, t, count_flops(Net::record()).training, double(n), peak<T>(workers), {before, peak_now<T>(workers)});
  s.counters["ms/step"] = benchmark::Counter(t * 1e3 / (it * double(n / 10)));
  s.counters["s/epoch"] = benchmark::Counter(t * 50000.0 / (it * double(n)));
}

template <class Net>
void infer(benchmark::State& s) {
  using T = typename Net::scalar;
  static const dataset<T> d = nndl_bench::generated_images<T>(10000);
  const Net net{1};
  const double before = peak_now<T>(1);
  const wall w;
  for (auto _ : s) benchmark::DoNotOptimize(net.evaluate(d));
  const double t = w.seconds();
  rates(s, t, count_flops(Net::record()).forward, 10000.0, peak<T>(), {before, peak_now<T>(1)});
}

// The programs' networks (examples/ch1_network.cpp, ch3_network2.cpp, mlp_784_256_64_10.cpp,
// ch6_convnet.cpp's presets: expanded, fc300, fc100-100, fc100-300 train the same kinds of layer
// as relu, fc1000 and fc100-1000 on more images).
using ch1 = network<double, input<784>, dense<30, sigmoid>, dense<10, sigmoid>, quadratic_cost, large_weight_init>;
using ch3 = network<double, input<784>, dense<30, sigmoid>, dense<10, sigmoid>, cross_entropy_cost, l2_regularizer>;
using mlp = network<double, input<784>, dense<256, relu>, dense<64, relu>, dense<10, softmax>, log_likelihood_cost,
                    l2_regularizer, he_init>;
using F = float;
using fc100 = network<F, input<784>, dense<100, sigmoid>, dense<10, softmax>, log_likelihood_cost, l2_regularizer>;
using conv20 = network<F, input<1, 28, 28>, conv<20, 5, sigmoid>, max_pool<2>, dense<100, sigmoid>, dense<10, softmax>,
                       log_likelihood_cost, l2_regularizer>;
template <class Act, std::size_t FC = 100>
using conv20_40 = network<F, input<1, 28, 28>, conv<20, 5, Act>, max_pool<2>, conv<40, 5, Act>, max_pool<2>,
                          dense<FC, Act>, dense<10, softmax>, log_likelihood_cost, l2_regularizer>;
using fc100_1000 =
    network<F, input<1, 28, 28>, conv<20, 5, relu>, max_pool<2>, conv<40, 5, relu>, max_pool<2>, dense<100, relu>,
            dense<1000, relu>, dense<10, softmax>, log_likelihood_cost, l2_regularizer>;
using dropout_net = network<F, input<1, 28, 28>, conv<20, 5, relu>, max_pool<2>, conv<40, 5, relu>, max_pool<2>,
                            dropout<0.5>, dense<1000, relu>, dropout<0.5>, dense<1000, relu>, dropout<0.5>,
                            dense<10, softmax>, log_likelihood_cost, l2_regularizer>;

template <class Net>
void workload(const std::string& name, std::size_t n, double eta, double lambda) {
  for (const std::size_t k : {1, 2})
    benchmark::RegisterBenchmark(("train/" + name + "/" + std::to_string(k) + "t").c_str(),
                                 [=](benchmark::State& s) { train<Net>(s, n, k, eta, lambda); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  benchmark::RegisterBenchmark(("infer/" + name).c_str(), infer<Net>)->Unit(benchmark::kMillisecond)->UseRealTime();
}

void register_all() {
  for (const int n : {256, 1024})
    for (const int k : {1, 2}) {
      benchmark::RegisterBenchmark("ceiling/sgemm", ceiling_gemm<float>)
          ->Args({n, k})
          ->ArgNames({"n", "threads"})
          ->UseRealTime();
      benchmark::RegisterBenchmark("ceiling/dgemm", ceiling_gemm<double>)
          ->Args({n, k})
          ->ArgNames({"n", "threads"})
          ->UseRealTime();
    }
  benchmark::RegisterBenchmark("ceiling/stream", ceiling_stream)->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime();
  // conv1 and conv2 of chapter 6 per sample (forward W·colᵀ, ∂W Δ·col, input gradient Wᵀ·Δ) and the
  // same products over a whole mini-batch of 10; ch1's forward product at mini-batch 10.
  const auto shape = [](const char* name, bool ta, bool tb, std::size_t M, std::size_t N, std::size_t K, std::size_t c,
                        bool dbl = false) {
    if (dbl)
      benchmark::RegisterBenchmark(name, [=](benchmark::State& s) {
        shape_gemm<double>(s, ta, tb, M, N, K, c);
      })->UseRealTime();
    else
      benchmark::RegisterBenchmark(name, [=](benchmark::State& s) {
        shape_gemm<float>(s, ta, tb, M, N, K, c);
      })->UseRealTime();
  };
  shape("shape/conv1/forward/per-sample", false, false, 20, 576, 25, 10);
  shape("shape/conv1/forward/batch", false, false, 20, 5760, 25, 1);
  shape("shape/conv1/dw/per-sample", false, true, 20, 25, 576, 10);
  shape("shape/conv1/dw/batch", false, true, 20, 25, 5760, 1);
  shape("shape/conv2/forward/per-sample", false, false, 40, 64, 500, 10);
  shape("shape/conv2/forward/batch", false, false, 40, 640, 500, 1);
  shape("shape/conv2/forward/sliced", false, false, 40, 64, 100, 50);  // per sample, in slices of 100 (as nndl runs it)
  shape("shape/conv2/dw/per-sample", false, true, 40, 500, 64, 10);
  shape("shape/conv2/dw/batch", false, true, 40, 500, 640, 1);
  shape("shape/conv2/dx/per-sample", true, false, 500, 64, 40, 10);
  shape("shape/conv2/dx/batch", true, false, 500, 640, 40, 1);
  shape("shape/conv2/dx/sliced", true, false, 500, 32, 40, 20);  // per sample, in slices of 32 positions (nndl)
  shape("shape/ch1/forward", false, true, 10, 30, 784, 1, true);
  shape("shape/ch1/dw", true, false, 30, 784, 10, 1, true);

  workload<ch1>("ch1", 50000, 3.0, 0.0);
  workload<ch3>("ch3", 50000, 0.5, 5.0);
  workload<mlp>("mlp", 50000, 0.01, 0.5);
  workload<fc100>("ch6-fc100", 50000, 0.1, 0.0);
  workload<conv20>("ch6-conv20", 10000, 0.1, 0.0);
  workload<conv20_40<sigmoid>>("ch6-conv20-40", 10000, 0.1, 0.0);
  workload<conv20_40<relu>>("ch6-relu", 10000, 0.03, 0.1);
  workload<conv20_40<relu, 1000>>("ch6-fc1000", 10000, 0.03, 0.1);
  workload<fc100_1000>("ch6-fc100-1000", 10000, 0.03, 0.1);
  workload<dropout_net>("ch6-dropout", 10000, 0.03, 0.0);
}
}  // namespace

int main(int argc, char** argv) {
  set_blas_threads(1);
  for (const int k : {1, 2}) {
    peak<float>(k) = measure_peak<float>(1024, k);
    peak<double>(k) = measure_peak<double>(1024, k);
  }
  benchmark::AddCustomContext("blas", blas_summary());
  for (const int k : {1, 2}) {
    const std::string t = "_" + std::to_string(k) + "t_GFLOPs";
    benchmark::AddCustomContext("peak_sgemm" + t, std::to_string(peak<float>(k) * 1e-9));
    benchmark::AddCustomContext("peak_dgemm" + t, std::to_string(peak<double>(k) * 1e-9));
  }
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
