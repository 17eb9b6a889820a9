// Vectorised element-wise loops over contiguous buffers (xsimd), for the transcendental functions
// that the compiler cannot vectorise by itself (std::exp, std::tanh).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include <xsimd/xsimd.hpp>
#include <xtensor/xlayout.hpp>

namespace nndl::detail {

/// out[i] = f(in[i]) for i < n, with f called on xsimd batches and, for the tail, on scalars.
template <class T, class F>
void simd_map(const T* in, T* out, std::size_t n, F&& f) {
  using batch = xsimd::batch<T>;
  constexpr std::size_t w = batch::size;
  std::size_t i = 0;
  for (; i + w <= n; i += w) f(batch::load_unaligned(in + i)).store_unaligned(out + i);
  for (; i < n; ++i) out[i] = f(in[i]);
}

/// f(v) for an xsimd batch or a scalar, with v first clamped to ±limit and NaN kept NaN. xsimd's
/// exp and tanh convert a multiple of their argument to an integer, which is undefined behaviour for
/// a huge argument (1e55 from a hostile model file); past the limit the function is already
/// saturated (exp: 0 or ∞, tanh: ±1 in float and double), so the result is unchanged.
template <class V, class F>
V clamped(V v, double limit, F&& f) {
  if constexpr (std::is_arithmetic_v<V>) {
    return std::isnan(v) ? v : f(std::clamp(v, V(-limit), V(limit)));
  } else {
    using T = typename V::value_type;
    const V lim(static_cast<T>(limit));
    const auto nan = xsimd::isnan(v);
    const V safe = xsimd::select(nan, V(T(0)), xsimd::min(xsimd::max(v, V(-lim)), lim));
    return xsimd::select(nan, v, f(safe));
  }
}

template <class V>
struct simd_scalar {
  using type = V;
};
template <class V>
  requires requires { typename V::value_type; }
struct simd_scalar<V> {
  using type = typename V::value_type;
};

/// e^v (see clamped): in double e^v is 0 below −800 and ∞ above 800, in float below and above ±200.
template <class V>
V exp_of(V v) {
  constexpr double limit = std::is_same_v<typename simd_scalar<V>::type, float> ? 200 : 800;
  return clamped(v, limit, [](auto x) { return xsimd::exp(x); });
}

/// tanh v (see clamped): ±1 exactly, in float and double, for |v| > 40.
template <class V>
V tanh_of(V v) {
  return clamped(v, 40, [](auto x) { return xsimd::tanh(x); });
}

/// Σ in[i] for i < n with sixteen running sums (then added in order): the compiler vectorises it,
/// where one running sum is a chain of dependent additions. Deterministic for a given n.
template <class T>
T sum_of(const T* in, std::size_t n) {
  T acc[16] = {};
  const std::size_t blocks = n / 16;
  for (std::size_t b = 0; b < blocks; ++b)
    for (std::size_t j = 0; j < 16; ++j) acc[j] += in[16 * b + j];
  T s = 0;
  for (std::size_t j = 0; j < 16; ++j) s += acc[j];
  for (std::size_t j = 16 * blocks; j < n; ++j) s += in[j];
  return s;
}

// (clang-format 14 would break the requires-expression joined with && below)
// clang-format off
/// True for xtensor containers and adaptors whose elements are contiguous and row-major.
template <class E>
concept contiguous_expression = requires(E& e) {
  { e.data() };
  { e.size() };
} && (std::decay_t<E>::static_layout == xt::layout_type::row_major);
// clang-format on

}  // namespace nndl::detail
