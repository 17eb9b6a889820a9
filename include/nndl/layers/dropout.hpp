// Dropout (chapter 3; Hinton et al. 2012): while training, each input of the next layer is kept
// with probability 1 − p and set to 0 otherwise, with a new mask for every mini-batch. At inference
// every input is scaled by 1 − p instead — the book's scaling (network3.py), equivalent to halving
// the outgoing weights when p = 0.5. Write it between two layers:
//   network<double, input<784>, dense<100, sigmoid>, dropout<0.5>, dense<10, sigmoid>, ...>
#pragma once

#include <cstddef>
#include <string>

#include "../activation.hpp"
#include "../detail/xtensor.hpp"
#include "../rng.hpp"
#include "input.hpp"

namespace nndl {

template <class T, class Shape, double P>
class dropout_layer {
 public:
  using activation = identity;
  using output_shape = Shape;
  static constexpr std::size_t in_size = Shape::size, out_size = Shape::size;
  static constexpr bool has_parameters = false;
  static constexpr double p = P;

  static constexpr std::size_t parameter_count() { return 0; }
  static std::string describe() {
    std::string s = std::to_string(P);
    s.erase(s.find_last_not_of('0') + 1);
    return "dropout p=" + s;
  }
  template <class Init>
  void initialize(rng& r) {
    masks_.reseed(r.next());
  }
  template <class F>
  void for_each_parameter(F&&) {}

  /// Training: z holds the 0/1 mask and a = x ⊙ mask. Inference: a = (1 − p) x.
  void forward(detail::cview<T> x, detail::mview<T> z, detail::mview<T> a, bool training = false) const {
    if (!training) {
      xt::noalias(a) = T(1 - P) * x;
      return;
    }
    T* mask = z.data();
    if (!frozen)
      for (std::size_t i = 0; i < z.size(); ++i) mask[i] = masks_.uniform() >= P ? T(1) : T(0);
    xt::noalias(a) = x * z;
  }

  /// ∂C/∂x = ∂C/∂a ⊙ mask; there is nothing to learn.
  template <class Reg>
  void backward(detail::cview<T>, detail::cview<T> z, detail::cview<T>, detail::mview<T> g, bool,
                detail::mview<T>* din, const param_step<T>&) {
    if (din) xt::noalias(*din) = g * z;
  }

  /// The masks' generator (its state goes into checkpoints).
  rng& mask_generator() const { return masks_; }
  /// Reseeds the masks' generator.
  void reseed(std::uint64_t seed) { masks_.reseed(seed); }
  /// While frozen, training passes reuse the last mask (for gradient checks with a fixed mask).
  bool frozen = false;

 private:
  mutable rng masks_;
};

/// Drops each input of the next layer with probability p while training.
template <double P>
struct dropout {
  static constexpr part_kind kind = part_kind::layer;
  static_assert(P >= 0 && P < 1, "nndl: dropout<p> needs 0 <= p < 1");
  using activation = identity;
  template <class T, class InShape>
  using impl = dropout_layer<T, InShape, P>;
};

}  // namespace nndl
