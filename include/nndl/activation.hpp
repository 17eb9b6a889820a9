// Activation policies: stateless structs applied to a {batch, units} matrix of weighted inputs z.
//   forward(z, a):     a = σ(z)                                        (1.3, 1.7)
//   backward(z, a, g): g ← g ⊙ σ'(z), i.e. dC/da into dC/dz            (BP1, BP2)
// For softmax, backward is the product with the Jacobian of each row instead of a ⊙.
// graph_op names the ONNX operation of each (layers/kind/graph.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "detail/simd.hpp"
#include "detail/xtensor.hpp"

namespace nndl {

/// What the network asks of an activation policy.
template <class A>
concept activation_policy = requires {
  { A::name } -> std::convertible_to<std::string_view>;
  { A::elementwise } -> std::convertible_to<bool>;
};

namespace detail {
template <class E>
using value_of = typename std::decay_t<E>::value_type;
}

/// σ(z) = 1 / (1 + e^{−z}) (3); σ' = σ(1 − σ). Saturates to 0 or 1 for |z| ≫ 1, never NaN.
struct sigmoid {
  /// Its name in architecture strings and model files.
  static constexpr std::string_view name = "sigmoid";
  static constexpr std::string_view graph_op = "Sigmoid";  ///< its ONNX operation
  /// True: applied neuron by neuron (a layer may apply it in place, a block at a time).
  static constexpr bool elementwise = true;
  /// a = σ(z) (3): a ← 1 / (1 + e^{−z}).
  template <class Z, class A>
  static void forward(const Z& z, A&& a) {
    using T = detail::value_of<Z>;
    if constexpr (detail::contiguous_expression<const Z> && detail::contiguous_expression<A>)
      detail::simd_map(z.data(), a.data(), z.size(),
                       [](auto v) { return decltype(v)(T(1)) / (T(1) + detail::exp_of(-v)); });
    else
      xt::noalias(a) = T(1) / (T(1) + xt::exp(-z));
  }
  /// BP1/BP2's Hadamard factor: g ← g ⊙ σ'(z), with σ'(z) = a (1 − a).
  template <class Z, class A, class G>
  static void backward(const Z&, const A& a, G&& g) {
    using T = detail::value_of<A>;
    xt::noalias(g) = g * a * (T(1) - a);
  }
};

/// tanh(z); tanh' = 1 − tanh². (Named nndl::tanh: write it qualified.)
struct tanh {
  /// Its name in architecture strings and model files.
  static constexpr std::string_view name = "tanh";
  static constexpr std::string_view graph_op = "Tanh";  ///< its ONNX operation
  /// True: applied neuron by neuron.
  static constexpr bool elementwise = true;
  /// a = tanh(z).
  template <class Z, class A>
  static void forward(const Z& z, A&& a) {
    if constexpr (detail::contiguous_expression<const Z> && detail::contiguous_expression<A>)
      detail::simd_map(z.data(), a.data(), z.size(), [](auto v) { return detail::tanh_of(v); });
    else
      xt::noalias(a) = xt::tanh(z);
  }
  /// g ← g ⊙ (1 − a²), tanh's derivative from its output.
  template <class Z, class A, class G>
  static void backward(const Z&, const A& a, G&& g) {
    using T = detail::value_of<A>;
    xt::noalias(g) = g * (T(1) - a * a);
  }
};

/// max(0, z); derivative 1 for z > 0, else 0.
struct relu {
  /// Its name in architecture strings and model files.
  static constexpr std::string_view name = "relu";
  static constexpr std::string_view graph_op = "Relu";  ///< its ONNX operation
  /// True: applied neuron by neuron.
  static constexpr bool elementwise = true;
  /// a = max(0, z).
  template <class Z, class A>
  static void forward(const Z& z, A&& a) {
    using T = detail::value_of<Z>;
    if constexpr (detail::contiguous_expression<const Z> && detail::contiguous_expression<A>) {
      const T* zp = z.data();
      T* ap = a.data();
      for (std::size_t i = 0, n = z.size(); i < n; ++i) ap[i] = zp[i] > T(0) ? zp[i] : T(0);
    } else {
      xt::noalias(a) = xt::maximum(z, T(0));
    }
  }
  /// g ← g where z > 0, else 0 (the derivative of max(0, z)).
  template <class Z, class A, class G>
  static void backward(const Z& z, const A&, G&& g) {
    using T = detail::value_of<Z>;
    if constexpr (detail::contiguous_expression<const Z> && detail::contiguous_expression<G>) {
      const T* zp = z.data();
      T* gp = g.data();
      for (std::size_t i = 0, n = z.size(); i < n; ++i) gp[i] = zp[i] > T(0) ? gp[i] : T(0);
    } else {
      xt::noalias(g) = xt::where(z > T(0), g, T(0));
    }
  }
};

/// The identity, a = z (a linear output layer).
struct identity {
  /// Its name in architecture strings and model files.
  static constexpr std::string_view name = "identity";
  static constexpr std::string_view graph_op = "";  ///< its ONNX operation (none)
  /// True: applied neuron by neuron.
  static constexpr bool elementwise = true;
  /// a = z.
  template <class Z, class A>
  static void forward(const Z& z, A&& a) {
    xt::noalias(a) = z;
  }
  /// Leaves g as it is (the derivative is 1).
  template <class Z, class A, class G>
  static void backward(const Z&, const A&, G&&) {}
};

/// Softmax over each row (3.78): a_j = e^{z_j} / Σ_k e^{z_k}, computed with the row maximum
/// subtracted so that z = ±1000 stays finite. Backward: g_j ← a_j (g_j − Σ_k g_k a_k).
struct softmax {
  /// Its name in architecture strings and model files.
  static constexpr std::string_view name = "softmax";
  static constexpr std::string_view graph_op = "Softmax";  ///< its ONNX operation
  /// False: each output depends on the whole row.
  static constexpr bool elementwise = false;
  /// a_j = e^{z_j − m} / Σ_k e^{z_k − m} for each row, m the row's maximum (3.78).
  template <class Z, class A>
  static void forward(const Z& z, A&& a) {
    using T = detail::value_of<Z>;
    const std::size_t rows = z.shape()[0], cols = z.shape()[1];
    for (std::size_t i = 0; i < rows; ++i) {
      T m = z(i, 0);
      for (std::size_t j = 1; j < cols; ++j) m = std::max(m, z(i, j));
      T s = 0;
      for (std::size_t j = 0; j < cols; ++j) s += (a(i, j) = std::exp(z(i, j) - m));
      for (std::size_t j = 0; j < cols; ++j) a(i, j) /= s;
    }
  }
  /// g_j ← a_j (g_j − Σ_k g_k a_k): the product with softmax's Jacobian, row by row.
  template <class Z, class A, class G>
  static void backward(const Z&, const A& a, G&& g) {
    using T = detail::value_of<A>;
    const std::size_t rows = a.shape()[0], cols = a.shape()[1];
    for (std::size_t i = 0; i < rows; ++i) {
      T dot = 0;
      for (std::size_t j = 0; j < cols; ++j) dot += g(i, j) * a(i, j);
      for (std::size_t j = 0; j < cols; ++j) g(i, j) = a(i, j) * (g(i, j) - dot);
    }
  }
};

/// The logarithm of softmax over each row, a_j = z_j − m − ln Σ_k e^{z_k − m} (m the row maximum):
/// what PyTorch networks trained with NLLLoss end with (read from ONNX files). Its outputs are
/// log-probabilities; log-likelihood on softmax is the same training objective (3.80).
/// Backward: g_j ← g_j − e^{a_j} Σ_k g_k.
struct log_softmax {
  /// Its name in architecture strings and model files.
  static constexpr std::string_view name = "log_softmax";
  static constexpr std::string_view graph_op = "LogSoftmax";  ///< its ONNX operation
  /// False: each output depends on the whole row.
  static constexpr bool elementwise = false;
  /// a_j = z_j − m − ln Σ_k e^{z_k − m} for each row, m the row's maximum.
  template <class Z, class A>
  static void forward(const Z& z, A&& a) {
    using T = detail::value_of<Z>;
    const std::size_t rows = z.shape()[0], cols = z.shape()[1];
    for (std::size_t i = 0; i < rows; ++i) {
      T m = z(i, 0);
      for (std::size_t j = 1; j < cols; ++j) m = std::max(m, z(i, j));
      T s = 0;
      for (std::size_t j = 0; j < cols; ++j) s += std::exp(z(i, j) - m);
      const T log_s = std::log(s);
      for (std::size_t j = 0; j < cols; ++j) a(i, j) = z(i, j) - m - log_s;
    }
  }
  /// g_j ← g_j − e^{a_j} Σ_k g_k, row by row.
  template <class Z, class A, class G>
  static void backward(const Z&, const A& a, G&& g) {
    using T = detail::value_of<A>;
    const std::size_t rows = a.shape()[0], cols = a.shape()[1];
    for (std::size_t i = 0; i < rows; ++i) {
      T sum = 0;
      for (std::size_t j = 0; j < cols; ++j) sum += g(i, j);
      for (std::size_t j = 0; j < cols; ++j) g(i, j) -= std::exp(a(i, j)) * sum;
    }
  }
};

/// Every activation, for what is chosen by name when a program runs (a model read from a file).
/// A new activation is added here, in this file.
using activations = std::tuple<sigmoid, tanh, relu, identity, softmax, log_softmax>;

/// Calls `f.template operator()<Act>()` for the activation named `name`; false when none is.
template <class F>
bool with_activation(std::string_view name, F&& f) {
  return std::apply(
      [&](auto... a) {
        return ((name == decltype(a)::name ? (f.template operator()<decltype(a)>(), true) : false) || ...);
      },
      activations{});
}

}  // namespace nndl
