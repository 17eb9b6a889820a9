// The convolutional layers of the book's chapter-6 network, float32, mini-batch 10, one BLAS thread:
//   layer/...   conv_layer forward, and forward + backward (as in a training step)
//   gemm/...    only the GEMM calls they make, on the same shapes: the floor
// conv1: 1x28x28 -> 20 maps of 5x5 (24x24); conv2: 20x12x12 -> 40 maps of 5x5 (8x8).
#include <benchmark/benchmark.h>

#include "bench_main.hpp"

#include <nndl/blas.hpp>
#include <nndl/network.hpp>

namespace {

using T = float;
constexpr std::size_t m = 10;

template <class In, std::size_t F, std::size_t K>
struct setup {
  using layer_t = nndl::conv_layer<T, In, F, K, nndl::relu>;
  static constexpr std::size_t in = layer_t::in_size, out = layer_t::out_size;
  static constexpr std::size_t P = layer_t::output_shape::height * layer_t::output_shape::width;
  static constexpr std::size_t CKK = In::channels * K * K;
  layer_t layer;
  nndl::matrix<T> x = xt::ones<T>({m, in}), z = xt::zeros<T>({m, out}), a = z, g = xt::ones<T>({m, out}) * T(0.01),
                  din = xt::zeros<T>({m, in});
  setup() {
    nndl::rng r(1);
    layer.template initialize<nndl::he_init>(r);
  }
  auto cx() const { return nndl::detail::rows_view(static_cast<const T*>(x.data()), m, in); }
  auto v(nndl::matrix<T>& b) { return nndl::detail::rows_view(b.data(), b.shape()[0], b.shape()[1]); }
  auto cv(const nndl::matrix<T>& b) const {
    return nndl::detail::rows_view(static_cast<const T*>(b.data()), b.shape()[0], b.shape()[1]);
  }
};

template <class S>
void counters(benchmark::State& s) {
  // forward 2·F·CKK·P per sample; backward twice that (∂W and ∂x)
  constexpr double fwd = 2.0 * double(S::layer_t::output_shape::channels) * S::CKK * S::P;
  s.counters["GFLOP/s(fwd)"] = benchmark::Counter(double(s.iterations()) * m * fwd * 1e-9, benchmark::Counter::kIsRate);
}

template <class S>
void forward(benchmark::State& st) {
  S s;
  for (auto _ : st) s.layer.forward(s.cx(), s.v(s.z), s.v(s.a), true);
  counters<S>(st);
}

template <class S>
void forward_backward(benchmark::State& st) {
  S s;
  nndl::param_step<T> step{nndl::param_step<T>::sgd, T(-1e-6), T(0), T(0)};
  for (auto _ : st) {
    s.layer.forward(s.cx(), s.v(s.z), s.v(s.a), true);
    auto d = s.v(s.din);
    s.g.fill(T(0.01));
    s.layer.template backward<nndl::no_regularizer>(s.cx(), s.cv(s.z), s.cv(s.a), s.v(s.g), false, &d, step);
  }
  counters<S>(st);
}

/// The same GEMMs: per sample W·colᵀ (forward), Wᵀ·Δ and Δ·col (backward).
template <class S, bool Backward>
void gemm_floor(benchmark::State& st) {
  S s;
  const std::size_t F = S::layer_t::output_shape::channels;
  nndl::matrix<T> col = xt::ones<T>({S::CKK, S::P}), zs = xt::zeros<T>({F, S::P}), dcol = col, gw = s.layer.gw;
  for (auto _ : st) {
    for (std::size_t i = 0; i < m; ++i) {
      nndl::detail::gemm(s.layer.w, col, zs, false, false, T(1), T(1));
      if constexpr (Backward) {
        nndl::detail::gemm(s.layer.w, zs, dcol, true, false, T(1), T(0));
        nndl::detail::gemm(zs, col, gw, false, true, T(1), T(1));
      }
    }
    benchmark::DoNotOptimize(zs.data());
  }
  counters<S>(st);
}

using conv1 = setup<nndl::shape<1, 28, 28>, 20, 5>;
using conv2 = setup<nndl::shape<20, 12, 12>, 40, 5>;

}  // namespace

BENCHMARK(forward<conv1>)->Name("layer/conv1/forward");
BENCHMARK(gemm_floor<conv1, false>)->Name("gemm/conv1/forward");
BENCHMARK(forward_backward<conv1>)->Name("layer/conv1/forward+backward");
BENCHMARK(gemm_floor<conv1, true>)->Name("gemm/conv1/forward+backward");
BENCHMARK(forward<conv2>)->Name("layer/conv2/forward");
BENCHMARK(gemm_floor<conv2, false>)->Name("gemm/conv2/forward");
BENCHMARK(forward_backward<conv2>)->Name("layer/conv2/forward+backward");
BENCHMARK(gemm_floor<conv2, true>)->Name("gemm/conv2/forward+backward");

NNDL_BENCHMARK_MAIN()
