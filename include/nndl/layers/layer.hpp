// The layer contract: what network<T, ...> asks of every layer, written down as one concept.
//
// A layer reads a mini-batch X {m, in_size} (one sample per row) and writes its weighted input
// Z and activation A {m, out_size}. The network keeps those buffers; anything else a layer needs
// per batch (a convolution's patches, max-pool's argmax positions) lives in the layer's own
// `scratch`, which the network keeps beside the buffers. So the layer object holds only what it
// learns, and its inference pass is const: one network can serve several threads at once, each
// with its own buffers and scratch.
//
// Batches are passed by value (they are views: a pointer and a shape each).
//   forward(batch, scratch, ctx) const      inference: A from X
//   forward_training(batch, scratch, ctx)   training: the same, keeping what backward needs (and,
//                                           for dropout, drawing a new mask)
//   backward(pass, scratch, sinks, ctx)     BP2–BP4: from ∂C/∂A (or ∂C/∂Z) to Δ = ∂C/∂Z, ∂C/∂X for
//                                           the layer below, and the parameter gradients, each
//                                           delivered where its gradient_sink says
//   for_each_parameter(f)                   f(parameter<T>) per parameter tensor, in a fixed order
//   record()                                what the layer is (architecture.hpp), for files and messages
//
// The gradient_sink is the one thing a layer knows about learning: "into ← keep · into + scale ·
// Σ_x ∂C_x/∂θ". A dense layer fuses it into its weight-gradient GEMM (plain SGD then costs nothing
// extra); which buffer `into` is and what the factors are is the optimizer's business.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "../detail/parallel.hpp"
#include "../detail/xtensor.hpp"
#include "../rng.hpp"
#include "input.hpp"

namespace nndl {

/// How a pass runs: the team of threads that may share its work (none: all on the caller), and
/// whether a training pass draws dropout masks (false: dropout scales by 1 − p as at inference, so
/// that the gradient is the inference network's).
struct context {
  /// The threads that may share the pass's work; nullptr: all on the caller.
  detail::worker_team* team = nullptr;
  /// Whether a training pass draws new dropout masks.
  bool draw_masks = true;
};

/// Where one parameter tensor's gradient goes: into ← keep · into + scale · Σ_x ∂C_x/∂θ, summed
/// over the mini-batch. (Plain SGD: into = θ, scale = −η/m, keep = the weight-decay factor.)
template <class T>
struct gradient_sink {
  /// The tensor the gradient goes into (nullptr: the gradient is not wanted).
  T* into = nullptr;
  /// The factor of the summed gradient Σ_x ∂C_x/∂θ.
  T scale = 1;
  /// The factor of what `into` held before.
  T keep = 0;
};

/// One parameter tensor of a layer, as the parameter walk hands it out.
template <class T>  // T or const T
struct parameter {
  std::string_view name;    ///< "weights", "biases"
  std::string_view symbol;  ///< "w", "b": the name in the file formats
  /// Its values (rows × columns, row-major).
  T* value = nullptr;
  T* gradient = nullptr;  ///< the layer's gradient buffer (filled when a sink points at it)
  /// 2 for a weight matrix, 1 for a bias vector.
  std::size_t rank = 1;
  std::array<std::size_t, 2> shape{};  ///< {rows, columns}, or {size, 1} for rank 1
  bool regularized = false;            ///< weights are; biases are not (network2.py)
  /// The number of values.
  std::size_t size() const { return shape[0] * (rank == 2 ? shape[1] : 1); }
};

/// The views of one forward pass over `rows` samples.
template <class T>
struct forward_batch {
  detail::cview<T> x;  ///< input {rows, in_size}
  detail::mview<T> z;  ///< weighted input {rows, out_size}
  detail::mview<T> a;  ///< activation {rows, out_size}
  /// The number of samples of the batch.
  std::size_t rows() const { return x.shape()[0]; }
};

/// What `delta` holds when backward starts: the output layer's comes from the cost as ∂C/∂Z
/// (BP1); every other layer's as ∂C/∂A from the layer above.
enum class delta_holds { dC_dA, dC_dZ };

/// The views of one backward pass.
template <class T>
struct backward_batch {
  //! @{
  detail::cview<T> x, z, a;  ///< as the forward pass left them
  //! @}
  detail::mview<T> delta;  ///< on entry what `holds` says; on exit Δ = ∂C/∂Z (BP2)
  /// What delta holds on entry: ∂C/∂A (from the layer above) or ∂C/∂Z (from the cost, BP1).
  delta_holds holds = delta_holds::dC_dA;
  std::optional<detail::mview<T>> input_gradient;  ///< receives ∂C/∂X {rows, in_size}; none for the first layer
  /// The number of samples of the batch.
  std::size_t rows() const { return delta.shape()[0]; }
};

/// What a layer is, for describe(), the file formats and messages (see network/architecture.hpp).
struct layer_record {
  std::string kind;                     ///< "dense", "conv", "max_pool", "dropout"
  std::string activation = "identity";  ///< the activation's name
  //! @{
  std::array<std::size_t, 3> input{}, output{};  ///< channels, height, width
  //! @}
  std::size_t units = 0;   ///< dense: neurons; conv: feature maps
  std::size_t window = 0;  ///< conv: kernel size; max_pool: pool size
  double p = 0;            ///< dropout: the probability of dropping an input
  /// The number of weights and biases it learns.
  std::size_t parameters = 0;
};

namespace detail {
template <class L>
using scalar_of = typename L::scalar;
}  // namespace detail

/// The contract between network<T, ...> and its layers.
template <class L>
concept layer = requires(const L& cl, L& l, typename L::scratch& s, const context& ctx,
                         const forward_batch<typename L::scalar>& fb, const backward_batch<typename L::scalar>& bb,
                         std::span<const gradient_sink<typename L::scalar>, L::parameter_tensors> sinks) {
  typename L::scalar;
  typename L::activation;
  typename L::output_shape;
  requires std::default_initializable<typename L::scratch>;
  { L::in_size } -> std::convertible_to<std::size_t>;
  { L::out_size } -> std::convertible_to<std::size_t>;
  { L::parameter_tensors } -> std::convertible_to<std::size_t>;
  { L::parameter_count() } -> std::convertible_to<std::size_t>;
  { L::record() } -> std::same_as<layer_record>;
  cl.forward(fb, s, ctx);
  l.forward_training(fb, s, ctx);
  l.backward(bb, s, sinks, ctx);
};

/// "784" for a flat vector, "1x28x28" otherwise.
inline std::string shape_string(const std::array<std::size_t, 3>& s) {
  if (s[0] == 1 && s[1] == 1) return std::to_string(s[2]);
  return std::to_string(s[0]) + "x" + std::to_string(s[1]) + "x" + std::to_string(s[2]);
}

/// The number of values in a {C, H, W} shape.
inline std::size_t shape_size(const std::array<std::size_t, 3>& s) { return s[0] * s[1] * s[2]; }

namespace detail {
/// Applies a sink to a gradient summed elsewhere (a layer that cannot fuse it): into ← keep · into
/// + scale · sum. With into == sum and keep == 0 this scales in place.
template <class T>
void apply_sink(const gradient_sink<T>& s, T* sum, std::size_t n) {
  if (s.keep == T(0)) {
    for (std::size_t i = 0; i < n; ++i) s.into[i] = s.scale * sum[i];
  } else {
    for (std::size_t i = 0; i < n; ++i) s.into[i] = s.keep * s.into[i] + s.scale * sum[i];
  }
}
}  // namespace detail

}  // namespace nndl
