// Weight initialisation policies: fill a layer's weights w {out, in} and biases b {out}.
// fan_in / fan_out are the numbers of inputs and outputs of one neuron (for a convolution,
// k·k·channels in and k·k·maps out).
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>

#include "detail/parts.hpp"

#include "detail/xtensor.hpp"
#include "rng.hpp"

namespace nndl {

// (clang-format 14 would break the requires-expression joined with && below)
// clang-format off
/// What the network asks of an initialisation policy: a name, and the kind init.
template <class I>
concept init_policy = requires {
  { I::name } -> std::convertible_to<std::string_view>;
} && I::kind == part_kind::init;
// clang-format on

namespace detail {
template <class E>
void fill_normal(E& e, rng& r, double stddev) {
  for (auto& v : e) v = static_cast<typename E::value_type>(stddev * r.normal());
}
template <class E>
void fill_uniform(E& e, rng& r, double limit) {
  for (auto& v : e) v = static_cast<typename E::value_type>(limit * (2 * r.uniform() - 1));
}
}  // namespace detail

/// network.py and network2.py's large_weight_initializer: weights and biases N(0, 1).
struct large_weight_init {
  /// Marks the policy as a network's weight initialisation.
  static constexpr part_kind kind = part_kind::init;
  /// Its name in architecture strings and model files.
  static constexpr std::string_view name = "large";
  /// Fills w and b with N(0, 1) samples.
  template <class W, class B>
  static void init(rng& r, W& w, B& b, std::size_t, std::size_t) {
    detail::fill_normal(w, r, 1.0);
    detail::fill_normal(b, r, 1.0);
  }
};

/// network2.py's default_weight_initializer: weights N(0, 1/n_in), biases N(0, 1)  (chapter 3).
struct default_weight_init {
  /// Marks the policy as a network's weight initialisation.
  static constexpr part_kind kind = part_kind::init;
  /// Its name in architecture strings and model files.
  static constexpr std::string_view name = "default";
  /// Fills w with N(0, 1/fan_in) samples and b with N(0, 1) samples.
  template <class W, class B>
  static void init(rng& r, W& w, B& b, std::size_t fan_in, std::size_t) {
    detail::fill_normal(w, r, 1.0 / std::sqrt(double(fan_in)));
    detail::fill_normal(b, r, 1.0);
  }
};

/// Glorot & Bengio (2010), for tanh: weights U(±√(6/(n_in + n_out))), biases 0.
struct glorot_init {
  /// Marks the policy as a network's weight initialisation.
  static constexpr part_kind kind = part_kind::init;
  /// Its name in architecture strings and model files.
  static constexpr std::string_view name = "glorot";
  /// Fills w with U(±√(6/(fan_in + fan_out))) samples; b with zeros.
  template <class W, class B>
  static void init(rng& r, W& w, B& b, std::size_t fan_in, std::size_t fan_out) {
    detail::fill_uniform(w, r, std::sqrt(6.0 / double(fan_in + fan_out)));
    b.fill(0);
  }
};

/// He et al. (2015), for ReLU: weights N(0, 2/n_in), biases 0.
struct he_init {
  /// Marks the policy as a network's weight initialisation.
  static constexpr part_kind kind = part_kind::init;
  /// Its name in architecture strings and model files.
  static constexpr std::string_view name = "he";
  /// Fills w with N(0, 2/fan_in) samples; b with zeros.
  template <class W, class B>
  static void init(rng& r, W& w, B& b, std::size_t fan_in, std::size_t) {
    detail::fill_normal(w, r, std::sqrt(2.0 / double(fan_in)));
    b.fill(0);
  }
};

}  // namespace nndl
