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

/// The book's optimizer: stochastic gradient descent (1.18–1.21), with L2's weight decay (3.93) or momentum
/// (3.107–3.108).
class sgd_optimizer {
 public:
  /// Its setting: the momentum coefficient.
  struct options {
    double momentum = 0.0;  ///< μ of momentum-based gradient descent (3.107); 0 is plain SGD
  };
  /// "sgd", as checkpoints record it.
  std::string_view name() const { return "sgd"; }

  sgd_optimizer() = default;
  /// SGD with momentum coefficient o.momentum.
  explicit sgd_optimizer(options o) : o_(o) {}
  /// The momentum coefficient μ (0: plain SGD).
  double momentum() const { return o_.momentum; }

  /// With momentum: velocities of zeros for tensors of these sizes (kept when they are the same).
  template <class T>
  void prepare(std::span<const std::size_t> sizes) {
    if (o_.momentum != 0) velocity_.prepare<T>(sizes);
  }
  /// η and λ/n of the coming step.
  void begin_step(const step_settings& s) { s_ = s; }

  /// Where tensor k's gradient goes: with momentum into the velocity, v ← μv − (η/m) Σ ∇C_x (3.107); otherwise, with no
  /// regulariser or L2, straight into w, w ← (1 − ηλ/n) w − (η/m) Σ ∇C_x (3.93); for L1 the mean gradient into the
  /// gradient buffer, for update().
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

  /// The rest of the step: with momentum, the regulariser's term into v and w ← w + v (3.108); for L1, w ← w − η (g +
  /// ∂R/∂w).
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

  /// f(k, name, values) for the velocities "v" (none without momentum).
  template <class T, class F>
  void for_each_state(F&& f) {
    velocity_.each<T>("v", f);
  }
  /// None: SGD counts nothing.
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
