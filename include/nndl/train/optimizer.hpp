// The optimizer contract: what the training loop asks of an optimizer. An optimizer is a gradient
// consumer (network/gradient_consumer.hpp) that owns its own state (momentum's velocities, Adam's
// moments), one entry per parameter tensor of the network, and says how a step changes the
// parameters:
//
//   name()                         what checkpoints record ("sgd", "adam")
//   prepare<T>(sizes)              state for tensors of these sizes (kept when they are the same,
//                                  so training can continue; zeros otherwise)
//   begin_step(settings)           η and λ/n of the coming step
//   sink<Reg>(k, parameter, m)     where backpropagation puts tensor k's gradient, and how scaled
//   update<Reg>(k, parameter, m)   after that layer's backward pass: the rest of the step
//   for_each_state<T>(f)           f(k, name, values) for every state array: what a checkpoint saves
//   for_each_counter(f)            f(name, value&) for whole-run counters (Adam's step count)
//
// A new optimizer is one file with one class and its tests (adam.hpp is the example).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "../detail/xtensor.hpp"
#include "../layers/layer.hpp"
#include "../network/gradient_consumer.hpp"
#include "../regularizer.hpp"

namespace nndl {

/// The settings of one step: the learning rate η, the regularisation parameter λ and the size n
/// of the whole training set (the n of λ/n, 3.85); m, the mini-batch size, comes with each call.
struct step_settings {
  /// The learning rate η.
  double eta = 3.0;
  /// The regularisation parameter λ.
  double lambda = 0.0;
  /// The size n of the whole training set.
  std::size_t n = 1;
  /// λ/n (λ for n = 0).
  double lambda_over_n() const { return lambda / double(n == 0 ? 1 : n); }
};

/// What the training loop asks of an optimizer (the list at the top of this file).
template <class O>
concept optimizer = requires(O& o, const step_settings& s, std::span<const std::size_t> sizes, std::size_t k,
                             std::size_t m, const parameter<float>& pf, const parameter<double>& pd) {
  { std::as_const(o).name() } -> std::convertible_to<std::string_view>;
  o.template prepare<float>(sizes);
  o.template prepare<double>(sizes);
  o.begin_step(s);
  requires gradient_consumer<O, float, no_regularizer> && gradient_consumer<O, double, no_regularizer>;
  o.template for_each_state<float>([](std::size_t, std::string_view, std::span<float>) {});
  o.template for_each_state<double>([](std::size_t, std::string_view, std::span<double>) {});
  o.for_each_counter([](std::string_view, std::uint64_t&) {});
};

namespace detail {
/// Per-tensor state arrays of one kind (a velocity, a moment), in float or double as the network.
class tensor_state {
 public:
  /// Zeros of these sizes, unless the arrays already have them (then they are kept).
  template <class T>
  void prepare(std::span<const std::size_t> sizes) {
    auto& v = of<T>();
    bool same = v.size() == sizes.size();
    for (std::size_t k = 0; same && k < sizes.size(); ++k) same = v[k].size() == sizes[k];
    if (same) return;
    v.clear();
    for (std::size_t n : sizes) v.push_back(xt::zeros<T>({n}));
  }
  template <class T>
  T* data(std::size_t k) {
    return of<T>()[k].data();
  }
  template <class T>
  std::size_t tensors() {
    return of<T>().size();
  }
  template <class T, class F>
  void each(std::string_view name, F&& f) {
    auto& v = of<T>();
    for (std::size_t k = 0; k < v.size(); ++k) f(k, name, std::span<T>(v[k].data(), v[k].size()));
  }

 private:
  template <class T>
  std::vector<vector<T>>& of() {
    if constexpr (std::is_same_v<T, float>)
      return f_;
    else
      return d_;
  }
  std::vector<vector<float>> f_;
  std::vector<vector<double>> d_;
};
}  // namespace detail

}  // namespace nndl
