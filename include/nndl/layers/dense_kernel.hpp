// The products of a fully connected layer on row-major buffers, with the sizes known at run time:
// what dense_layer<T, In, Out, Act> runs with its compile-time sizes, and what a model read from a
// file runs with the sizes it read, so that both compute the same numbers bit for bit.
//
//   forward    Z = X Wᵀ + 1 bᵀ                                   (1.7, 25)
//   backward   ∂C/∂X = Δ W (for the layer below)                (BP2)
//              ∂C/∂b = Σ_rows Δ, ∂C/∂W = Δᵀ X, into their sinks  (BP3, BP4)
// W is {out, in} as in network.py. With a team, a wide layer's neurons (rows of W) are split between
// its threads: each reads and writes only its own rows, which stay in its core's cache.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "../detail/out_of_line.hpp"
#include "../detail/parallel.hpp"
#include "../detail/xtensor.hpp"
#include "layer.hpp"

namespace nndl::detail {

template <class T>
struct dense_kernel {
  std::size_t in, out;

  /// Split between the team's threads when there is one and the layer is wide enough to pay.
  bool split(const worker_team* team) const { return out * in >= (1u << 15) && parallel_shares(team, out) > 1; }

  /// Neurons per GEMM call. At a small mini-batch a wide layer's whole products go to OpenBLAS's
  /// packed path, which copies all of W on every call (and reads and writes it once more for BP4); slices of neurons
  /// with m·n·in ≤ 500,000 go to its unpacked small-matrix kernels (benchmarks/bench_conv.cpp has the dense layers
  /// too). Products that are small already, and larger mini-batches, stay whole.
  std::size_t piece(std::size_t m) const {
    if (m > 16 || m * out * in <= 1000000) return out;
    return std::max<std::size_t>(8, 500000 / (m * in));
  }

  /// Z = X Wᵀ + 1 bᵀ for m rows.
  void forward(const T* x, std::size_t m, const T* w, const T* b, T* z, worker_team* team) const;

  /// BP2–BP4 from Δ {m, out} (already ∂C/∂Z): din {m, in} = Δ W when din is given, computed from
  /// W as it was; then the weight and bias gradients into their sinks, a range of neurons per share.
  void backward(const T* x, const T* g, std::size_t m, const T* w, T* din, const gradient_sink<T>& sw,
                const gradient_sink<T>& sb, std::vector<grow_buffer<T>>& din_shares, worker_team* team) const;

 private:
  /// Z[:, o0:o1] += X W[o0:o1, :]ᵀ.
  void forward_rows(const T* x, std::size_t m, const T* w, T* z, std::size_t o0, std::size_t o1) const {
    const std::size_t p = piece(m);
    for (std::size_t o = o0; o < o1; o += p)
      gemm_raw(false, true, m, std::min(p, o1 - o), in, T(1), x, in, w + o * in, in, T(1), z + o, out);
  }

  /// sink(W[o0:o1, :]) with ∂C/∂W = Δ[:, o0:o1]ᵀ X, in the same pieces of neurons as forward: a whole
  /// rank-m update of a wide W also goes through the packed path (benchmarks/bench_conv.cpp, dense/...).
  void weight_gradient_rows(const T* g, const T* x, std::size_t m, const gradient_sink<T>& sw, std::size_t o0,
                            std::size_t o1) const {
    const std::size_t p = piece(m);
    for (std::size_t o = o0; o < o1; o += p)
      gemm_raw(true, false, std::min(p, o1 - o), in, m, sw.scale, g + o, out, x, in, sw.keep, sw.into + o * in, in);
  }

  /// d {m, in} = Δ[:, o0:o1] W[o0:o1, :] (this range of neurons' part of ∂C/∂X).
  void input_gradient_rows(const T* g, std::size_t m, const T* w, T* d, std::size_t o0, std::size_t o1) const {
    const std::size_t p = piece(m);
    for (std::size_t o = o0; o < o1; o += p)
      gemm_raw(false, false, m, in, std::min(p, o1 - o), T(1), g + o, out, w + o * in, in, o == o0 ? T(0) : T(1), d,
               in);
  }
};

template <class T>
void dense_kernel<T>::forward(const T* x, std::size_t m, const T* w, const T* b, T* z, worker_team* team) const {
  for (std::size_t i = 0; i < m; ++i) std::memcpy(z + i * out, b, out * sizeof(T));
  if (split(team))
    parallel_for(team, out, [&](std::size_t o0, std::size_t o1, std::size_t) { forward_rows(x, m, w, z, o0, o1); });
  else
    forward_rows(x, m, w, z, 0, out);
}

template <class T>
void dense_kernel<T>::backward(const T* x, const T* g, std::size_t m, const T* w, T* din, const gradient_sink<T>& sw,
                               const gradient_sink<T>& sb, std::vector<grow_buffer<T>>& din_shares,
                               worker_team* team) const {
  const std::size_t shares = split(team) ? parallel_shares(team, out) : 1;
  if (din_shares.size() < shares) din_shares.resize(shares);  // once, for the team's size
  auto rows = [&](std::size_t o0, std::size_t o1, std::size_t k) {
    if (din) input_gradient_rows(g, m, w, k == 0 ? din : din_shares[k].reserve(m * in), o0, o1);
    weight_gradient_rows(g, x, m, sw, o0, o1);  // BP4
    if (sb.keep == T(0))
      std::fill(sb.into + o0, sb.into + o1, T(0));
    else if (sb.keep != T(1))
      for (std::size_t j = o0; j < o1; ++j) sb.into[j] = sb.keep * sb.into[j];
    for (std::size_t i = 0; i < m; ++i)  // BP3
      for (std::size_t j = o0; j < o1; ++j) sb.into[j] += sb.scale * g[i * out + j];
  };
  if (shares > 1)
    parallel_for(team, out, rows);
  else
    rows(0, out, 0);
  if (din)  // the shares' parts of ∂C/∂X, added in share order
    for (std::size_t k = 1; k < shares; ++k) {
      const T* p = din_shares[k].data.data();
      for (std::size_t i = 0; i < m * in; ++i) din[i] += p[i];
    }
}

#ifdef NNDL_INSTANTIATE  // compiled once (detail/out_of_line.hpp)
NNDL_INSTANTIATE struct dense_kernel<float>;
NNDL_INSTANTIATE struct dense_kernel<double>;
#endif

}  // namespace nndl::detail
