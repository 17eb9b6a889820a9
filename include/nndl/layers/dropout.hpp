// Dropout (chapter 3; Hinton et al. 2012): while training, each input of the next layer is kept
// with probability 1 − p and set to 0 otherwise, with a new mask for every mini-batch. At inference
// every input is scaled by 1 − p instead — the book's scaling (network3.py), equivalent to halving
// the outgoing weights when p = 0.5. Write it between two layers:
//   network<double, input<784>, dense<100, sigmoid>, dropout<0.5>, dense<10, sigmoid>, ...>
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "../activation.hpp"
#include "../detail/parts.hpp"
#include "../detail/xtensor.hpp"
#include "../rng.hpp"
#include "input.hpp"
#include "layer.hpp"

namespace nndl {

/// The layer dropout<P> becomes after a part of shape Shape: no parameters, a mask per training pass.
template <class T, class Shape, double P>
class dropout_layer {
 public:
  /// The number type, float or double.
  using scalar = T;
  /// None: dropout has no activation (identity).
  using activation = identity;
  /// Its output has the shape of its input.
  using output_shape = Shape;
  //! @{
  /// Inputs and outputs per sample (the same).
  static constexpr std::size_t in_size = Shape::size, out_size = Shape::size;
  //! @}
  /// It learns nothing.
  static constexpr std::size_t parameter_tensors = 0;
  /// The probability of dropping an input.
  static constexpr double p = P;
  struct scratch {};

  /// It learns nothing: 0.
  static constexpr std::size_t parameter_count() { return 0; }
  /// What the layer is: "dropout", its shape and p.
  static layer_record record() {
    const std::array<std::size_t, 3> s{Shape::channels, Shape::height, Shape::width};
    return {.kind = "dropout", .input = s, .output = s, .p = P};
  }
  /// Seeds the masks' generator from the network's generator r.
  template <class Init>
  void initialize(rng& r) {
    masks_.reseed(r.next());
  }
  /// Calls nothing: there are no parameters.
  template <class F>
  void for_each_parameter(F&&) const {}

  /// Inference: a = (1 − p) x.
  void forward(forward_batch<T> f, scratch&, const context&) const { xt::noalias(f.a) = T(1 - P) * f.x; }

  /// Training: z holds the 0/1 mask and a = x ⊙ mask (without drawing masks: the mask is 1 − p).
  void forward_training(forward_batch<T> f, scratch&, const context& ctx) {
    T* mask = f.z.data();
    if (!ctx.draw_masks)
      std::fill(mask, mask + f.z.size(), T(1 - P));
    else if (!frozen)
      for (std::size_t i = 0, n = f.z.size(); i < n; ++i)  // uniform() >= p, as integers: no branch on a coin
        mask[i] = static_cast<T>((masks_.next() >> 11) >= keep_from);
    xt::noalias(f.a) = f.x * f.z;
  }

  /// ∂C/∂x = ∂C/∂a ⊙ mask; there is nothing to learn.
  void backward(backward_batch<T> b, scratch&, std::span<const gradient_sink<T>, 0>, const context&) {
    if (b.input_gradient) xt::noalias(*b.input_gradient) = b.delta * b.z;
  }

  /// The masks' generator (its state goes into checkpoints).
  /// The masks' generator (its state goes into checkpoints).
  rng& mask_generator() { return masks_; }
  /// The masks' generator (its state goes into checkpoints).
  const rng& mask_generator() const { return masks_; }
  /// Reseeds the masks' generator.
  void reseed(std::uint64_t seed) { masks_.reseed(seed); }
  /// While frozen, training passes reuse the last mask (for gradient checks with a fixed mask).
  bool frozen = false;

 private:
  rng masks_;
  /// rng::uniform() is (next() >> 11) · 2⁻⁵³, so uniform() >= p exactly when next() >> 11 >= ⌈p · 2⁵³⌉.
  static constexpr std::uint64_t keep_from = [] {
    const double t = P * 0x1p53;
    const auto k = static_cast<std::uint64_t>(t);
    return static_cast<double>(k) < t ? k + 1 : k;
  }();
};

/// Drops each input of the next layer with probability p while training.
template <double P>
struct dropout {
  /// Marks the part as a layer.
  static constexpr part_kind kind = part_kind::layer;
  static_assert(P >= 0 && P < 1, "nndl: dropout<p> needs 0 <= p < 1");
  /// None (identity).
  using activation = identity;
  /// The layer it becomes in a network of scalar T after a part of shape InShape.
  template <class T, class InShape>
  using impl = dropout_layer<T, InShape, P>;
};

}  // namespace nndl
