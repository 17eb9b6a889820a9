// What backpropagation hands the parameter gradients to: a gradient consumer says, for each
// parameter tensor k (the parameter walk's index), where its gradient goes (a gradient_sink) and,
// after that layer's backward pass, what to do with it (update). An optimizer is one
// (train/optimizer.hpp); gradient_store, which keeps the plain gradient, is another.
#pragma once

#include <concepts>
#include <cstddef>

#include "../detail/xtensor.hpp"
#include "../layers/layer.hpp"

namespace nndl {

/// What backpropagation asks of what takes the gradients: sink<Reg>(k, p, m), where tensor k's gradient
/// goes, and update<Reg>(k, p, m), what follows that layer's backward pass.
template <class C, class T, class Reg>
concept gradient_consumer = requires(C& c, std::size_t k, const parameter<T>& p, std::size_t m) {
  { c.template sink<Reg>(k, p, m) } -> std::same_as<gradient_sink<T>>;
  c.template update<Reg>(k, p, m);
};

namespace detail {
/// Keeps the mean gradient of the objective in each parameter's gradient buffer: (1/m) Σ_x ∂C_x/∂θ,
/// plus the regulariser's ∂R/∂w with λ/n for the weights.
template <class T>
struct gradient_store {
  T lambda_over_n = 0;
  template <class Reg>
  gradient_sink<T> sink(std::size_t, const parameter<T>& p, std::size_t m) const {
    return {p.gradient, T(1.0 / double(m)), T(0)};
  }
  template <class Reg>
  void update(std::size_t, const parameter<T>& p, std::size_t) const {
    if (!p.regularized) return;
    auto g = flat_view(p.gradient, p.size());
    Reg::add_gradient(g, flat_view(static_cast<const T*>(p.value), p.size()), lambda_over_n);
  }
};
}  // namespace detail

}  // namespace nndl
