// Regulariser policies. λ is a run-time option of training; n is the size of the training set.
//   shrink(w, ηλ/n):   applies the weight-decay part of one SGD step to w and returns the factor by
//                       which the gradient GEMM scales w (so L2 costs nothing extra)
//   add_gradient(g, w, λ/n): g += ∂R/∂w             (for gradient checks and momentum)
//   cost(w, λ/n):       R(w) for total_cost
// Biases are never regularised, as in network2.py.
#pragma once

#include <cmath>
#include <string_view>

#include "detail/parts.hpp"

#include "detail/xtensor.hpp"

namespace nndl {

// (clang-format 14 would break the requires-expression joined with && below)
// clang-format off
/// What the network asks of a regulariser policy: a name, and the kind regularizer.
template <class R>
concept regularizer_policy = requires {
  { R::name } -> std::convertible_to<std::string_view>;
} && R::kind == part_kind::regularizer;
// clang-format on

/// No regularisation: the cost is C₀ alone (λ is ignored).
struct no_regularizer {
  /// Marks the policy as a network's regulariser.
  static constexpr part_kind kind = part_kind::regularizer;
  /// Its name in architecture strings and model files.
  static constexpr std::string_view name = "none";
  static constexpr bool pure_shrink = true;  ///< shrink() only returns a factor: w is left alone
  /// The factor the weights are multiplied by before each step: 1.
  template <class W, class T>
  static T shrink(W&, T) {
    return T(1);
  }
  /// Adds ∂R/∂w to g: nothing.
  template <class G, class W, class T>
  static void add_gradient(G&, const W&, T) {}
  /// R(w): 0.
  template <class W>
  static double cost(const W&, double) {
    return 0;
  }
};

/// C = C₀ + (λ/2n) Σ w² (3.85); step w → (1 − ηλ/n) w − (η/m) Σ ∂C_x/∂w (3.93).
struct l2_regularizer {
  /// Marks the policy as a network's regulariser.
  static constexpr part_kind kind = part_kind::regularizer;
  /// Its name in architecture strings and model files.
  static constexpr std::string_view name = "L2";
  /// True: the step only scales w by shrink()'s factor (the update fuses it).
  static constexpr bool pure_shrink = true;
  /// Weight decay's factor 1 − ηλ/n (3.93); w itself is left alone.
  template <class W, class T>
  static T shrink(W&, T eta_lambda_over_n) {
    return T(1) - eta_lambda_over_n;
  }
  /// g ← g + (λ/n) w, the gradient of the L2 term (for gradient checks and momentum).
  template <class G, class W, class T>
  static void add_gradient(G& g, const W& w, T lambda_over_n) {
    xt::noalias(g) = g + lambda_over_n * w;
  }
  /// The L2 term (λ/2n) Σ w² (3.85), for lambda_over_n = λ/n.
  template <class W>
  static double cost(const W& w, double lambda_over_n) {
    double s = 0;
    for (auto v : w) s += double(v) * double(v);
    return 0.5 * lambda_over_n * s;
  }
};

/// C = C₀ + (λ/n) Σ |w| (3.95); step w → w − (ηλ/n) sgn(w) − (η/m) Σ ∂C_x/∂w (3.97).
struct l1_regularizer {
  /// Marks the policy as a network's regulariser.
  static constexpr part_kind kind = part_kind::regularizer;
  /// Its name in architecture strings and model files.
  static constexpr std::string_view name = "L1";
  /// w ← w − (ηλ/n) sgn(w) (3.97); returns the factor 1.
  template <class W, class T>
  static T shrink(W& w, T eta_lambda_over_n) {
    xt::noalias(w) = w - eta_lambda_over_n * xt::sign(w);
    return T(1);
  }
  /// g ← g + (λ/n) sgn(w), the gradient of the L1 term.
  template <class G, class W, class T>
  static void add_gradient(G& g, const W& w, T lambda_over_n) {
    xt::noalias(g) = g + lambda_over_n * xt::sign(w);
  }
  /// The L1 term (λ/n) Σ |w| (3.95), for lambda_over_n = λ/n.
  template <class W>
  static double cost(const W& w, double lambda_over_n) {
    double s = 0;
    for (auto v : w) s += std::abs(double(v));
    return lambda_over_n * s;
  }
};

}  // namespace nndl
