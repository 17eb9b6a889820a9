// The convolutional layers of the book's chapter-6 network, float32, mini-batch 10, one BLAS thread:
//   layer/...   conv_layer forward, and forward + backward (as in a training step)
//   layer-2t/...  the same, the mini-batch's samples split between two threads (train_options::workers)
//   gemm/...    only the GEMM calls they make, as the layer makes them on this machine: the floor
//   gemm-sliced/...  the same products cut into the slices used where OpenBLAS has small-matrix
//                    kernels (AVX-512), gemm-whole/... as whole per-sample GEMMs: which pays here
//   dense/...   the wide fully connected layers of the dropout net (640 -> 1000, 1000 -> 1000), forward +
//               backward with the SGD update fused into BP4, as in a training step
// conv1: 1x28x28 -> 20 maps of 5x5 (24x24); conv2: 20x12x12 -> 40 maps of 5x5 (8x8).
#include <benchmark/benchmark.h>

#include "bench_main.hpp"

#include <nndl/blas.hpp>
#include <nndl/detail/parallel.hpp>
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

template <class S, std::size_t Threads = 1>
void forward(benchmark::State& st) {
  S s;
  const auto team = nndl::detail::make_team(Threads);
  const nndl::context ctx{team.get()};
  typename S::layer_t::scratch scratch;
  for (auto _ : st) s.layer.forward_training({s.cx(), s.v(s.z), s.v(s.a)}, scratch, ctx);
  counters<S>(st);
}

template <class S, std::size_t Threads = 1>
void forward_backward(benchmark::State& st) {
  S s;
  const auto team = nndl::detail::make_team(Threads);
  const nndl::context ctx{team.get()};
  typename S::layer_t::scratch scratch;
  const std::array<nndl::gradient_sink<T>, 2> sgd{
      {{s.layer.w.data(), T(-1e-6), T(1)}, {s.layer.b.data(), T(-1e-6), T(1)}}};
  for (auto _ : st) {
    s.layer.forward_training({s.cx(), s.v(s.z), s.v(s.a)}, scratch, ctx);
    s.g.fill(T(0.01));
    s.layer.backward({s.cx(), s.cv(s.z), s.cv(s.a), s.v(s.g), nndl::delta_holds::dC_dA, s.v(s.din)}, scratch, sgd, ctx);
  }
  counters<S>(st);
}

enum class cut { as_layer, sliced, whole };

/// The same GEMMs: per sample W·colᵀ (forward), Wᵀ·Δ and Δ·col (backward), in the layer's pieces,
/// in the slices for small-matrix kernels, or whole.
template <class S, bool Backward, cut Cut = cut::as_layer>
void gemm_floor(benchmark::State& st) {
  S s;
  const std::size_t F = S::layer_t::output_shape::channels, CKK = S::CKK, P = S::P;
  const std::size_t kp = Cut == cut::as_layer ? S::layer_t::k_piece() : Cut == cut::sliced ? S::layer_t::k_slice : CKK;
  const std::size_t pp = Cut == cut::as_layer ? S::layer_t::p_piece() : Cut == cut::sliced ? S::layer_t::p_slice : P;
  nndl::matrix<T> col = xt::ones<T>({CKK, P}), zs = xt::zeros<T>({F, P}), dcol = col, gw = s.layer.gw;
  const T* w = s.layer.w.data();
  for (auto _ : st) {
    for (std::size_t i = 0; i < m; ++i) {
      for (std::size_t k0 = 0; k0 < CKK; k0 += kp)
        nndl::detail::gemm_raw(false, false, F, P, std::min(kp, CKK - k0), T(1), w + k0, CKK, col.data() + k0 * P, P,
                               T(1), zs.data(), P);
      if constexpr (Backward) {
        for (std::size_t p0 = 0; p0 < P; p0 += pp)
          nndl::detail::gemm_raw(true, false, CKK, std::min(pp, P - p0), F, T(1), w, CKK, zs.data() + p0, P, T(0),
                                 dcol.data() + p0, P);
        nndl::detail::gemm(zs, col, gw, false, true, T(1), T(1));
      }
    }
    benchmark::DoNotOptimize(zs.data());
  }
  counters<S>(st);
}

/// A dense layer In -> Out (relu) forward and backward at mini-batch m, the update fused as sgd() does.
template <std::size_t In, std::size_t Out, std::size_t Threads = 1>
void dense_forward_backward(benchmark::State& st) {
  using layer_t = nndl::dense_layer<T, In, Out, nndl::relu>;
  layer_t layer;
  nndl::rng r(1);
  layer.template initialize<nndl::he_init>(r);
  nndl::matrix<T> x = xt::ones<T>({m, In}), z = xt::zeros<T>({m, Out}), a = z, g = z, din = xt::zeros<T>({m, In});
  const auto v = [](nndl::matrix<T>& b) { return nndl::detail::rows_view(b.data(), b.shape()[0], b.shape()[1]); };
  const auto cv = [](const nndl::matrix<T>& b) {
    return nndl::detail::rows_view(static_cast<const T*>(b.data()), b.shape()[0], b.shape()[1]);
  };
  const auto team = nndl::detail::make_team(Threads);
  const nndl::context ctx{team.get()};
  typename layer_t::scratch scratch;
  const std::array<nndl::gradient_sink<T>, 2> sgd{
      {{layer.w.data(), T(-1e-6), T(0.99999)}, {layer.b.data(), T(-1e-6), T(1)}}};
  for (auto _ : st) {
    layer.forward_training({cv(x), v(z), v(a)}, scratch, ctx);
    g.fill(T(0.01));
    layer.backward({cv(x), cv(z), cv(a), v(g), nndl::delta_holds::dC_dA, v(din)}, scratch, sgd, ctx);
  }
  st.counters["GFLOP/s"] =
      benchmark::Counter(double(st.iterations()) * 6.0 * m * In * Out * 1e-9, benchmark::Counter::kIsRate);
}

using conv1 = setup<nndl::shape<1, 28, 28>, 20, 5>;
using conv2 = setup<nndl::shape<20, 12, 12>, 40, 5>;

}  // namespace

BENCHMARK(forward<conv1>)->Name("layer/conv1/forward");
BENCHMARK(forward<conv1, 2>)->Name("layer-2t/conv1/forward")->UseRealTime();
BENCHMARK(gemm_floor<conv1, false>)->Name("gemm/conv1/forward");
BENCHMARK(gemm_floor<conv1, false, cut::sliced>)->Name("gemm-sliced/conv1/forward");
BENCHMARK(gemm_floor<conv1, false, cut::whole>)->Name("gemm-whole/conv1/forward");
BENCHMARK(forward_backward<conv1>)->Name("layer/conv1/forward+backward");
BENCHMARK(forward_backward<conv1, 2>)->Name("layer-2t/conv1/forward+backward")->UseRealTime();
BENCHMARK(gemm_floor<conv1, true>)->Name("gemm/conv1/forward+backward");
BENCHMARK(gemm_floor<conv1, true, cut::sliced>)->Name("gemm-sliced/conv1/forward+backward");
BENCHMARK(gemm_floor<conv1, true, cut::whole>)->Name("gemm-whole/conv1/forward+backward");
BENCHMARK(forward<conv2>)->Name("layer/conv2/forward");
BENCHMARK(forward<conv2, 2>)->Name("layer-2t/conv2/forward")->UseRealTime();
BENCHMARK(gemm_floor<conv2, false>)->Name("gemm/conv2/forward");
BENCHMARK(gemm_floor<conv2, false, cut::sliced>)->Name("gemm-sliced/conv2/forward");
BENCHMARK(gemm_floor<conv2, false, cut::whole>)->Name("gemm-whole/conv2/forward");
BENCHMARK(forward_backward<conv2>)->Name("layer/conv2/forward+backward");
BENCHMARK(forward_backward<conv2, 2>)->Name("layer-2t/conv2/forward+backward")->UseRealTime();
BENCHMARK(gemm_floor<conv2, true>)->Name("gemm/conv2/forward+backward");
BENCHMARK(gemm_floor<conv2, true, cut::sliced>)->Name("gemm-sliced/conv2/forward+backward");
BENCHMARK(gemm_floor<conv2, true, cut::whole>)->Name("gemm-whole/conv2/forward+backward");

BENCHMARK(dense_forward_backward<640, 1000>)->Name("dense/640-1000/forward+backward");
BENCHMARK(dense_forward_backward<640, 1000, 2>)->Name("dense-2t/640-1000/forward+backward")->UseRealTime();
BENCHMARK(dense_forward_backward<1000, 1000>)->Name("dense/1000-1000/forward+backward");
BENCHMARK(dense_forward_backward<1000, 1000, 2>)->Name("dense-2t/1000-1000/forward+backward")->UseRealTime();

NNDL_BENCHMARK_MAIN()
