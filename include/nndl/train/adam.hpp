// Adam (Kingma & Ba, 2015, Algorithm 1): a step per parameter scaled by running estimates of the
// gradient's first and second moments. With g = ∇C (the mean gradient of the mini-batch plus the
// regulariser's ∂R/∂w with λ/n, as the book's regularised cost 3.85 asks) and t the step count:
//   m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
//   θ ← θ − η · m̂ / (√v̂ + ε),   m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ)
// η is the training loop's learning rate (typically 0.001 for Adam, not the book's 0.1–3).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "../detail/xtensor.hpp"
#include "../layers/layer.hpp"
#include "optimizer.hpp"

namespace nndl {

/// Adam (Kingma and Ba, 2015): each weight's step from running averages of its gradient and squared gradient.
class adam {
 public:
  /// Adam's settings.
  struct options {
    double beta1 = 0.9;     ///< decay of the first-moment estimate
    double beta2 = 0.999;   ///< decay of the second-moment estimate
    double epsilon = 1e-8;  ///< keeps the step finite where v̂ is 0
  };
  /// "adam", as checkpoints record it.
  std::string_view name() const { return "adam"; }

  adam() = default;
  /// Adam with these settings.
  explicit adam(options o) : o_(o) {}

  /// Moments of zeros for tensors of these sizes (kept when they are the same, so training can continue).
  template <class T>
  void prepare(std::span<const std::size_t> sizes) {
    if (m_.tensors<T>() != sizes.size()) t_ = 0;  // a new network: a new run
    m_.prepare<T>(sizes);
    v_.prepare<T>(sizes);
  }
  /// η and λ/n of the coming step; counts the step for the bias corrections.
  void begin_step(const step_settings& s) {
    s_ = s;
    ++t_;
    c1_ = 1 - std::pow(o_.beta1, double(t_));
    c2_ = 1 - std::pow(o_.beta2, double(t_));
  }

  /// The mean gradient into the parameter's gradient buffer.
  template <class Reg, class T>
  gradient_sink<T> sink(std::size_t, const parameter<T>& p, std::size_t m) {
    return {p.gradient, T(1.0 / double(m)), T(0)};
  }

  /// The step of tensor k: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², w ← w − η m̂ / (√v̂ + ε).
  template <class Reg, class T>
  void update(std::size_t k, const parameter<T>& p, std::size_t) {
    const std::size_t n = p.size();
    T* g = p.gradient;
    if (p.regularized) {
      auto gv = detail::flat_view(g, n);
      Reg::add_gradient(gv, detail::flat_view(static_cast<const T*>(p.value), n), T(s_.lambda_over_n()));
    }
    T* m = m_.data<T>(k);
    T* v = v_.data<T>(k);
    T* w = p.value;
    const T b1 = T(o_.beta1), b2 = T(o_.beta2), eps = T(o_.epsilon);
    const T rate = T(s_.eta / c1_), root_c2 = T(std::sqrt(c2_));  // η m̂/(√v̂ + ε) = (η/c₁) m / (√v/√c₂ + ε)
    for (std::size_t i = 0; i < n; ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      w[i] -= rate * m[i] / (std::sqrt(v[i]) / root_c2 + eps);
    }
  }

  /// f(k, name, values) for the moments "m" and "v" of each tensor (what a checkpoint saves).
  template <class T, class F>
  void for_each_state(F&& f) {
    m_.each<T>("m", f);
    v_.each<T>("v", f);
  }
  /// f("t", steps) (what a checkpoint saves).
  template <class F>
  void for_each_counter(F&& f) {
    f("t", t_);
  }
  /// The number of steps taken.
  std::uint64_t steps() const { return t_; }

 private:
  options o_;
  step_settings s_;
  std::uint64_t t_ = 0;
  double c1_ = 1, c2_ = 1;
  detail::tensor_state m_, v_;
};

}  // namespace nndl
