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

/// The layer conv<F, K, Act> becomes after a part of shape In: F feature maps of K × K kernels over
/// all C channels (valid, stride 1).
template <class T, class In, std::size_t F, std::size_t K, class Act>
class conv_layer {
 public:
  /// Whether the kernel fits in the input (otherwise a compile-time error says so).
  static constexpr bool fits = detail::layer_fits<In, window<K, K>, (K <= In::height && K <= In::width)>::value;
  //! @{
  /// The input's channels, height and width.
  static constexpr std::size_t C = In::channels, H = In::height, W = In::width;
  //! @}
  //! @{
  /// The output's height and width: H − K + 1 and W − K + 1.
  static constexpr std::size_t Ho = fits ? H - K + 1 : 1, Wo = fits ? W - K + 1 : 1;
  //! @}
  //! @{
  /// Positions per map (Ho × Wo), and weights per kernel (C × K × K).
  static constexpr std::size_t P = Ho * Wo, CKK = C * K * K;
  //! @}

  /// The number type, float or double.
  using scalar = T;
  /// The activation σ of its neurons.
  using activation = Act;
  /// Its output: F maps of Ho × Wo.
  using output_shape = shape<F, Ho, Wo>;
  //! @{
  /// Inputs and outputs per sample.
  static constexpr std::size_t in_size = In::size, out_size = F * P;
  //! @}
  /// Two tensors: the kernels w {F, C·K·K} and the biases b {F}.
  static constexpr std::size_t parameter_tensors = 2;

  matrix<T> w = matrix<T>::from_shape({F, CKK});  ///< kernel f over (c, i, j), as network3.py's filters
  /// The biases, one per feature map (shared by its positions).
  vector<T> b = vector<T>::from_shape({F});
  matrix<T> gw = xt::zeros<T>({F, CKK});  ///< Σ_x ∂C_x/∂w of a backward pass (then its sink's)
  /// Σ_x ∂C_x/∂b of a backward pass (then its sink's).
  vector<T> gb = xt::zeros<T>({F});

 private:
  using kernel_type = detail::conv_kernel<T, detail::fixed_conv_sizes<C, fits ? H : K, fits ? W : K, F, K>>;
  static constexpr kernel_type kernel{};

 public:
  /// The patches and per-sample buffers of a pass (conv_kernel.hpp).
  using scratch = typename kernel_type::scratch;
  /// The pieces of the per-sample products on this machine (conv_kernel.hpp; benchmarks/bench_conv.cpp
  /// times them).
  static std::size_t k_piece() { return kernel.k_piece(); }
  /// See k_piece().
  static std::size_t p_piece() { return kernel.p_piece(); }
  //! @{
  /// The slices used where OpenBLAS has small-matrix kernels.
  static constexpr std::size_t k_slice = kernel_type::k_slice(CKK), p_slice = kernel_type::p_slice(P);
  //! @}

  /// F × C·K·K weights and F biases.
  static constexpr std::size_t parameter_count() { return F * CKK + F; }
  /// What the layer is: "conv", its activation, shapes, maps, kernel size and parameter count.
  static layer_record record() {
    return {.kind = "conv",
            .activation = std::string(Act::name),
            .input = {C, H, W},
            .output = {F, Ho, Wo},
            .units = F,
            .window = K,
            .parameters = parameter_count()};
  }

  /// Draws w and b from the initialisation policy Init (fan-in C·K·K, fan-out F·K·K).
  template <class Init>
  void initialize(rng& r) {
    Init::init(r, w, b, CKK, F * K * K);
  }
  /// f(parameter<T>) for the kernels, then the biases.
  template <class Fn>
  void for_each_parameter(Fn&& f) {
    f(parameter<T>{"weights", "w", w.data(), gw.data(), 2, {F, CKK}, true});
    f(parameter<T>{"biases", "b", b.data(), gb.data(), 1, {F, 1}, false});
  }
  /// f(parameter<const T>) for the kernels, then the biases.
  template <class Fn>
  void for_each_parameter(Fn&& f) const {
    f(parameter<const T>{"weights", "w", w.data(), gw.data(), 2, {F, CKK}, true});
    f(parameter<const T>{"biases", "b", b.data(), gb.data(), 1, {F, 1}, false});
  }

  /// z = b + Σ w · a over each K × K window of the input (the book's chapter 6), a = σ(z).
  void forward(forward_batch<T> f, scratch& s, const context& ctx) const { run_forward(f, s, ctx, false); }
  /// The same, keeping the patches backward needs.
  void forward_training(forward_batch<T> f, scratch& s, const context& ctx) { run_forward(f, s, ctx, true); }

  /// Δ = ∂C/∂A ⊙ σ'(Z) unless delta holds ∂C/∂Z; ∂C/∂X for the layer below; the kernels' and
  /// biases' gradients into the sinks.
  void backward(backward_batch<T> p, scratch& s, std::span<const gradient_sink<T>, 2> sinks, const context& ctx) {
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
  /// Marks the part as a layer.
  static constexpr part_kind kind = part_kind::layer;
  static_assert(F > 0 && K > 0, "nndl: conv<F, K>: needs F > 0 feature maps of K > 0 kernels");
  static_assert(activation_policy<Act> && Act::elementwise,
                "nndl: conv<F, K, Act>: Act must be an element-wise activation (sigmoid, tanh, relu, identity)");
  /// The activation of its neurons.
  using activation = Act;
  /// The layer it becomes in a network of scalar T after a part of shape InShape.
  template <class T, class InShape>
  using impl = conv_layer<T, InShape, F, K, Act>;
};

}  // namespace nndl
