// A convolutional layer (chapter 6), as a part of network<...>:  conv<20, 5, relu>
// F feature maps of K×K kernels over all C input channels, valid (no padding), stride 1, one shared
// bias per map, then the activation (6.1; the products are in conv_kernel.hpp). Each sample is a
// row of C·H·W values (channel-major). The book's conv-pool layer is conv<F, K, act> followed by
// max_pool<2>: for an increasing activation, pooling after it gives what network3.py's
// pool-then-activate gives.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "../activation.hpp"
#include "../detail/parts.hpp"
#include "../detail/xtensor.hpp"
#include "../rng.hpp"
#include "conv_kernel.hpp"
#include "input.hpp"
#include "layer.hpp"
#include "window.hpp"

namespace nndl {

template <class T, class In, std::size_t F, std::size_t K, class Act>
class conv_layer {
 public:
  static constexpr bool fits = detail::layer_fits<In, window<K, K>, (K <= In::height && K <= In::width)>::value;
  static constexpr std::size_t C = In::channels, H = In::height, W = In::width;
  static constexpr std::size_t Ho = fits ? H - K + 1 : 1, Wo = fits ? W - K + 1 : 1;
  static constexpr std::size_t P = Ho * Wo, CKK = C * K * K;

  using scalar = T;
  using activation = Act;
  using output_shape = shape<F, Ho, Wo>;
  static constexpr std::size_t in_size = In::size, out_size = F * P;
  static constexpr std::size_t parameter_tensors = 2;

  matrix<T> w = matrix<T>::from_shape({F, CKK});  ///< kernel f over (c, i, j), as network3.py's filters
  vector<T> b = vector<T>::from_shape({F});
  matrix<T> gw = xt::zeros<T>({F, CKK});          ///< Σ_x ∂C_x/∂w of a backward pass (then its sink's)
  vector<T> gb = xt::zeros<T>({F});

 private:
  using kernel_type = detail::conv_kernel<T, detail::fixed_conv_sizes<C, fits ? H : K, fits ? W : K, F, K>>;
  static constexpr kernel_type kernel{};

 public:
  using scratch = typename kernel_type::scratch;
  /// The slices of the per-sample products (conv_kernel.hpp; benchmarks/bench_conv.cpp times them).
  static constexpr std::size_t k_piece = kernel.k_piece(), p_piece = kernel.p_piece();

  static constexpr std::size_t parameter_count() { return F * CKK + F; }
  static layer_record record() {
    return {.kind = "conv", .activation = std::string(Act::name), .input = {C, H, W}, .output = {F, Ho, Wo},
            .units = F, .window = K, .parameters = parameter_count()};
  }

  template <class Init>
  void initialize(rng& r) {
    Init::init(r, w, b, CKK, F * K * K);
  }
  template <class Fn>
  void for_each_parameter(Fn&& f) {
    f(parameter<T>{"weights", "w", w.data(), gw.data(), 2, {F, CKK}, true});
    f(parameter<T>{"biases", "b", b.data(), gb.data(), 1, {F, 1}, false});
  }
  template <class Fn>
  void for_each_parameter(Fn&& f) const {
    f(parameter<const T>{"weights", "w", w.data(), gw.data(), 2, {F, CKK}, true});
    f(parameter<const T>{"biases", "b", b.data(), gb.data(), 1, {F, 1}, false});
  }

  void forward(forward_batch<T> f, scratch& s, const context& ctx) const { run_forward(f, s, ctx, false); }
  void forward_training(forward_batch<T> f, scratch& s, const context& ctx) { run_forward(f, s, ctx, true); }

  void backward(backward_batch<T> p, scratch& s, std::span<const gradient_sink<T>, 2> sinks,
                const context& ctx) {
    const bool from_a = p.holds == delta_holds::dC_dA;
    kernel.backward(p.z.data(), p.a.data(), p.delta.data(), p.rows(), w.data(),
                    p.input_gradient ? p.input_gradient->data() : nullptr, gw.data(), gb.data(), sinks[0], sinks[1], s,
                    ctx.team, [&](const T* z, const T* a, T* g, std::size_t rows) {
                      if (from_a) Act::backward(rows_of(z, rows), rows_of(a, rows), rows_of(g, rows));
                    });
  }

 private:
  static auto rows_of(T* p, std::size_t rows) { return detail::rows_view(p, rows, out_size); }
  static auto rows_of(const T* p, std::size_t rows) { return detail::rows_view(p, rows, out_size); }

  void run_forward(forward_batch<T> f, scratch& s, const context& ctx, bool keep) const {
    kernel.forward(f.x.data(), f.rows(), w.data(), b.data(), f.z.data(), f.a.data(), s, keep, ctx.team,
                   [](const T* z, T* a, std::size_t rows) { Act::forward(rows_of(z, rows), rows_of(a, rows)); });
  }
};

/// F feature maps of K×K kernels (valid, stride 1), then the activation.
template <std::size_t F, std::size_t K, class Act = sigmoid>
struct conv {
  static constexpr part_kind kind = part_kind::layer;
  static_assert(F > 0 && K > 0, "nndl: conv<F, K>: needs F > 0 feature maps of K > 0 kernels");
  static_assert(activation_policy<Act> && Act::elementwise,
                "nndl: conv<F, K, Act>: Act must be an element-wise activation (sigmoid, tanh, relu, identity)");
  using activation = Act;
  template <class T, class InShape>
  using impl = conv_layer<T, InShape, F, K, Act>;
};

}  // namespace nndl
