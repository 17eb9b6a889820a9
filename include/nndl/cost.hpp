// Cost policies. Each works on a mini-batch (one sample per row) and gives
//   fn<Act>(z, a, y):              the cost summed over the rows
//   output_delta<Act>(z, a, y, d): d = δᴸ = ∂C/∂zᴸ for the output layer (BP1), row by row
//   check_output<Act>():           true, or the one static_assert that says which output layer the
//                                  cost needs (the network calls it for its output activation)
// Cross-entropy needs a sigmoid output and gives δᴸ = a − y (3.66) with no σ' factor;
// log-likelihood needs softmax.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

#include <type_traits>

#include "activation.hpp"
#include "detail/parts.hpp"

namespace nndl {

// (clang-format 14 would break the requires-expression joined with && below)
// clang-format off
/// What the network asks of a cost policy.
template <class C>
concept cost_policy = requires {
  { C::name } -> std::convertible_to<std::string_view>;
  { C::book_name } -> std::convertible_to<std::string_view>;
} && C::kind == part_kind::cost;
// clang-format on

namespace detail {
/// ln(1 + e^x) without overflow.
template <class T>
T softplus(T x) {
  return std::max(x, T(0)) + std::log1p(std::exp(-std::abs(x)));
}
}  // namespace detail

/// C = ½ Σ_x ‖y(x) − aᴸ(x)‖² (1.6, without the 1/n that total_cost applies).
struct quadratic_cost {
  /// Marks the policy as a network's cost (a network takes exactly one).
  static constexpr part_kind kind = part_kind::cost;
  /// Its name in architecture strings.
  static constexpr std::string_view name = "quadratic";
  /// The class name of network2.py that its JSON files give ("cost").
  static constexpr std::string_view book_name = "QuadraticCost";
  /// True: the quadratic cost works with any output activation.
  template <class Act>
  static constexpr bool check_output() {
    return true;
  }

  /// The cost summed over the rows: Σ ½ ‖a − y‖².
  template <class Act, class Z, class A, class Y>
  static double fn(const Z&, const A& a, const Y& y) {
    double s = 0;
    for (std::size_t i = 0; i < a.shape()[0]; ++i)
      for (std::size_t j = 0; j < a.shape()[1]; ++j) {
        const double d = double(a(i, j)) - double(y(i, j));
        s += 0.5 * d * d;
      }
    return s;
  }
  /// BP1: δᴸ = (aᴸ − y) ⊙ σ'(zᴸ)  (30)
  template <class Act, class Z, class A, class Y, class D>
  static void output_delta(const Z& z, const A& a, const Y& y, D&& d) {
    xt::noalias(d) = a - y;
    Act::backward(z, a, d);
  }
};

/// C = −Σ_x Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)]  (3.63), for a sigmoid output layer. The cost
/// is computed from z as softplus(z) − y z, finite for any z (the book needed np.nan_to_num).
struct cross_entropy_cost {
  /// Marks the policy as a network's cost (a network takes exactly one).
  static constexpr part_kind kind = part_kind::cost;
  /// Its name in architecture strings.
  static constexpr std::string_view name = "cross-entropy";
  /// The class name of network2.py that its JSON files give ("cost").
  static constexpr std::string_view book_name = "CrossEntropyCost";
  /// True for a sigmoid output layer; any other is a compile-time error that says so.
  template <class Act>
  static constexpr bool check_output() {
    static_assert(std::is_same_v<Act, sigmoid>,
                  "nndl: cross_entropy_cost needs a sigmoid output layer, e.g. dense<10, sigmoid>; "
                  "with a softmax output layer use log_likelihood_cost");
    return true;
  }

  /// The cost summed over the rows, as Σ softplus(z) − y z (finite for any z).
  template <class Act, class Z, class A, class Y>
  static double fn(const Z& z, const A&, const Y& y) {
    double s = 0;
    for (std::size_t i = 0; i < z.shape()[0]; ++i)
      for (std::size_t j = 0; j < z.shape()[1]; ++j) {
        const double zz = double(z(i, j));
        s += detail::softplus(zz) - double(y(i, j)) * zz;
      }
    return s;
  }
  /// δᴸ = aᴸ − y (3.66): the σ'(z) of BP1 cancels, so no learning slowdown.
  template <class Act, class Z, class A, class Y, class D>
  static void output_delta(const Z&, const A& a, const Y& y, D&& d) {
    xt::noalias(d) = a - y;
  }
};

/// C = −ln aᴸ_y (3.80) for a softmax output layer; δᴸ = aᴸ − y (3.81, 3.82). The cost is computed
/// as log Σ_k e^{z_k} − z_y, finite for z = ±1000.
struct log_likelihood_cost {
  /// Marks the policy as a network's cost (a network takes exactly one).
  static constexpr part_kind kind = part_kind::cost;
  /// Its name in architecture strings.
  static constexpr std::string_view name = "log-likelihood";
  /// The class name of network2.py that its JSON files give ("cost").
  static constexpr std::string_view book_name = "LogLikelihoodCost";
  /// True for a softmax output layer; any other is a compile-time error that says so.
  template <class Act>
  static constexpr bool check_output() {
    static_assert(std::is_same_v<Act, softmax>,
                  "nndl: log_likelihood_cost needs a softmax output layer, e.g. dense<10, softmax>");
    return true;
  }

  /// The cost summed over the rows, as ln Σ_k e^{z_k} − z_y (finite for z = ±1000).
  template <class Act, class Z, class A, class Y>
  static double fn(const Z& z, const A&, const Y& y) {
    double s = 0;
    for (std::size_t i = 0; i < z.shape()[0]; ++i) {
      double m = double(z(i, 0));
      for (std::size_t j = 1; j < z.shape()[1]; ++j) m = std::max(m, double(z(i, j)));
      double e = 0, zy = 0;
      for (std::size_t j = 0; j < z.shape()[1]; ++j) {
        e += std::exp(double(z(i, j)) - m);
        zy += double(y(i, j)) * double(z(i, j));
      }
      s += m + std::log(e) - zy;
    }
    return s;
  }
  /// BP1 for softmax with log-likelihood: δᴸ = aᴸ − y (3.81, 3.82).
  template <class Act, class Z, class A, class Y, class D>
  static void output_delta(const Z&, const A& a, const Y& y, D&& d) {
    xt::noalias(d) = a - y;
  }
};

}  // namespace nndl
