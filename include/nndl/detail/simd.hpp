// Vectorised element-wise loops over contiguous buffers (xsimd), for the transcendental functions
// that the compiler cannot vectorise by itself (std::exp, std::tanh).
#pragma once

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

/// True for xtensor containers and adaptors whose elements are contiguous and row-major.
template <class E>
concept contiguous_expression = requires(E& e) {
  { e.data() };
  { e.size() };
} && (std::decay_t<E>::static_layout == xt::layout_type::row_major);

}  // namespace nndl::detail
