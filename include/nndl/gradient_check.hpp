// A numerical gradient check: differences of net.objective() against the gradient that
// backpropagation gives (net.compute_gradient), for every parameter or an even sample of them.
// The difference quotient is the five-point stencil, (8 (C(w+h) − C(w−h)) − (C(w+2h) − C(w−2h))) / 12h,
// whose error is O(h⁴): the plain central difference's O(h²) error alone exceeds a relative 1e-6
// on small gradients of a double network, and would hide a backprop error of that size.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "network/network.hpp"

namespace nndl {

/// What check_gradients found: backpropagation's gradient against centred differences.
struct gradient_check_result {
  double max_relative_error = 0;  ///< |a − d| / max(|a| + |d|, floor) over the checked parameters
  /// The largest |backprop − numeric| over the checked parameters.
  double max_absolute_error = 0;
  /// The number of parameters checked.
  std::size_t checked = 0;
  std::string worst;  ///< "layer 1 weights[37]: backprop 0.1234 numeric 0.1235"
};

/// How check_gradients compares the two gradients.
struct gradient_check_options {
  double lambda = 0.0;         ///< regularisation parameter λ ...
  std::size_t n = 1;           ///< ... and the training-set size n of λ/n
  std::size_t per_tensor = 0;  ///< check at most this many parameters per tensor, evenly spread (0: all)
  double h = 0;                ///< the difference step (0: 1e-4 for double, 1e-2 for float)
  double floor = 1e-6;         ///< smallest denominator of the relative error
  bool training = false;       ///< run dropout layers as in training (freeze their masks first)
};

/// Compares backpropagation's gradient with five-point differences of net.objective().
template <class Net>
gradient_check_result check_gradient(Net& net, const typename Net::scalar* x, std::span<const std::uint8_t> labels,
                                     const gradient_check_options& o = {}) {
  using T = typename Net::scalar;
  const double lambda = o.lambda, floor = o.floor;
  const std::size_t n = o.n, per_tensor = o.per_tensor;
  const double h = o.h > 0 ? o.h : (sizeof(T) == 4 ? 1e-2 : 1e-4);
  net.compute_gradient(x, labels, lambda, n, o.training);
  gradient_check_result r;
  net.for_each_parameter([&](const parameter_slot& at, const parameter<T>& p) {
    const std::vector<T> analytic(p.gradient, p.gradient + p.size());
    const std::size_t count = p.size();
    const std::size_t stride = per_tensor == 0 || count <= per_tensor ? 1 : count / per_tensor;
    for (std::size_t k = 0; k < count; k += stride) {
      T* v = p.value + k;
      const T saved = *v;
      const auto at_shift = [&](double shift) {
        *v = T(saved + shift);
        return net.objective(x, labels, lambda, n, o.training);
      };
      const double d1 = at_shift(h) - at_shift(-h), d2 = at_shift(2 * h) - at_shift(-2 * h);
      *v = saved;
      const double numeric = (8 * d1 - d2) / (12 * h);
      const double a = analytic[k];
      const double abs_err = std::abs(a - numeric);
      const double rel = abs_err / std::max(std::abs(a) + std::abs(numeric), floor);
      ++r.checked;
      r.max_absolute_error = std::max(r.max_absolute_error, abs_err);
      if (rel > r.max_relative_error) {
        r.max_relative_error = rel;
        r.worst = "layer " + std::to_string(at.layer + 1) + " " + std::string(p.name) + "[" + std::to_string(k) +
                  "]: backprop " + std::to_string(a) + " numeric " + std::to_string(numeric);
      }
    }
  });
  return r;
}

}  // namespace nndl
