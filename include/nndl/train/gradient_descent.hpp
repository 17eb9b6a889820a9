// The book's optimizer: stochastic gradient descent (1.18–1.21), with L2's weight decay (3.93),
// and momentum-based gradient descent (3.107, 3.108) when μ > 0:
//   plain     w ← (1 − ηλ/n) w − (η/m) Σ_x ∂C_x/∂w,   b ← b − (η/m) Σ_x ∂C_x/∂b
//   momentum  v ← μ v − η ∇C,  w ← w + v              (∇C with the regulariser's ∂R/∂w)
// Plain SGD needs no state: its sink is the parameter itself, so a dense layer takes the whole
// step inside its weight-gradient GEMM. Momentum keeps one velocity per parameter tensor; the
// GEMM then writes v ← μ v − (η/m) Σ ∂C_x/∂w, and update() adds the regulariser and moves w.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "../detail/xtensor.hpp"
#include "../layers/layer.hpp"
#include "optimizer.hpp"

namespace nndl {

class sgd_optimizer {
 public:
  struct options {
    double momentum = 0.0;  ///< μ of momentum-based gradient descent (3.107); 0 is plain SGD
  };
  std::string_view name() const { return "sgd"; }

  sgd_optimizer() = default;
  explicit sgd_optimizer(options o) : o_(o) {}
  double momentum() const { return o_.momentum; }

  template <class T>
  void prepare(std::span<const std::size_t> sizes) {
    if (o_.momentum != 0) velocity_.prepare<T>(sizes);
  }
  void begin_step(const step_settings& s) { s_ = s; }

  template <class Reg, class T>
  gradient_sink<T> sink(std::size_t k, const parameter<T>& p, std::size_t m) {
    const T rate = T(-s_.eta / double(m));
    if (o_.momentum != 0) return {velocity_.data<T>(k), rate, T(o_.momentum)};
    if (!p.regularized) return {p.value, rate, T(1)};
    if constexpr (fused<Reg>) {
      auto w = detail::flat_view(p.value, p.size());
      return {p.value, rate, Reg::shrink(w, decay<T>())};  // 3.93: the decay is a factor of the GEMM
    } else {
      return {p.gradient, T(1.0 / double(m)), T(0)};  // the mean gradient; update() takes the step
    }
  }

  template <class Reg, class T>
  void update(std::size_t k, const parameter<T>& p, std::size_t) {
    auto w = detail::flat_view(p.value, p.size());
    if (o_.momentum != 0) {
      auto v = detail::flat_view(velocity_.data<T>(k), p.size());
      if (p.regularized) Reg::add_gradient(v, w, T(-decay<T>()));  // v ← μv − η(∇C₀ + ∂R/∂w)  (3.107)
      xt::noalias(w) = w + v;                                      // w ← w + v  (3.108)
    } else if constexpr (!fused<Reg>) {
      if (!p.regularized) return;
      auto g = detail::flat_view(p.gradient, p.size());
      Reg::add_gradient(g, w, T(s_.lambda_over_n()));
      xt::noalias(w) = w - T(s_.eta) * g;
    }
  }

  template <class T, class F>
  void for_each_state(F&& f) {
    velocity_.each<T>("v", f);
  }
  template <class F>
  void for_each_counter(F&&) {}

 private:
  /// A regulariser whose whole step is a factor on w (none, L2) fuses into the GEMM.
  template <class Reg>
  static constexpr bool fused = requires {
    requires Reg::pure_shrink;
  };
  template <class T>
  T decay() const {
    return T(s_.eta * s_.lambda / double(s_.n));  // ηλ/n
  }

  options o_;
  step_settings s_;
  detail::tensor_state velocity_;
};

}  // namespace nndl
