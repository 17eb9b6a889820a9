// Max pooling (chapter 6), as a part of network<...>:  max_pool<2>
// Each P×P block of each feature map is reduced to its maximum. While training, the position of
// each maximum is kept (an integer index into the sample's input row, in the layer's scratch) and
// the backward pass sends the gradient back to that position only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "../activation.hpp"
#include "../detail/parallel.hpp"
#include "../detail/parts.hpp"
#include "../detail/xtensor.hpp"
#include "../rng.hpp"
#include "input.hpp"
#include "layer.hpp"
#include "window.hpp"

namespace nndl {

namespace detail {
/// Max-pooling sizes known at compile time (the typed layer) or at run time (a model from a file).
template <std::size_t C_, std::size_t H_, std::size_t W_, std::size_t P_>
struct fixed_pool_sizes {
  static constexpr std::size_t C = C_, H = H_, W = W_, Pool = P_;
};
struct pool_sizes {
  std::size_t C, H, W, Pool;
};

template <class T, class Sizes>
struct pool_kernel : Sizes {
  using Sizes::C, Sizes::H, Sizes::W, Sizes::Pool;
  constexpr std::size_t Ho() const { return H / Pool; }
  constexpr std::size_t Wo() const { return W / Pool; }
  constexpr std::size_t in_size() const { return C * H * W; }
  constexpr std::size_t out_size() const { return C * Ho() * Wo(); }

  /// a = the maximum of each block; where (when given) = its index in the sample's input row.
  void forward(const T* x, std::size_t m, T* a, std::uint32_t* where, worker_team* team) const {
    parallel_for(team, m, [&](std::size_t begin, std::size_t end, std::size_t) {
      for (std::size_t s = begin; s < end; ++s)
        for (std::size_t c = 0; c < C; ++c)
          for (std::size_t y = 0; y < Ho(); ++y) {
            const std::size_t o = s * out_size() + (c * Ho() + y) * Wo(), first = (c * H + y * Pool) * W;
            if (where)
              pool_row<true>(x + s * in_size(), first, a + o, where + o);
            else
              pool_row<false>(x + s * in_size(), first, a + o, nullptr);
          }
    });
  }

  /// One row of outputs from the input rows starting at `first`: the maximum of each block (the first
  /// one on a tie) and, when Where, its index in the sample's input row. Branch-free, on pointers
  /// that alias nothing, so that the compiler vectorises it.
  template <bool Where>
  void pool_row(const T* __restrict in, std::size_t first, T* __restrict out, std::uint32_t* __restrict at) const {
    for (std::size_t xo = 0; xo < Wo(); ++xo) {
      std::size_t best = first + xo * Pool;
      T top = in[best];
      for (std::size_t i = 0; i < Pool; ++i)
        for (std::size_t j = 0; j < Pool; ++j) {
          const std::size_t k = first + i * W + xo * Pool + j;
          const T v = in[k];
          const bool above = v > top;
          top = above ? v : top;
          best = above ? k : best;
        }
      out[xo] = top;
      if constexpr (Where) at[xo] = static_cast<std::uint32_t>(best);
    }
  }

  /// ∂C/∂x is ∂C/∂a at the position of each block's maximum, 0 elsewhere.
  void backward(const T* g, std::size_t m, const std::uint32_t* where, T* din, worker_team* team) const {
    parallel_for(team, m, [&](std::size_t begin, std::size_t end, std::size_t) {
      for (std::size_t s = begin; s < end; ++s) {
        T* d = din + s * in_size();
        std::fill(d, d + in_size(), T(0));
        const T* gs = g + s * out_size();
        const std::uint32_t* at = where + s * out_size();
        for (std::size_t o = 0; o < out_size(); ++o) d[at[o]] = gs[o];  // the blocks do not overlap
      }
    });
  }
};
}  // namespace detail

/// The layer max_pool<Pool> becomes after a part of shape In: the maximum of each Pool × Pool block of each feature
/// map.
template <class T, class In, std::size_t Pool>
class max_pool_layer {
 public:
  /// Whether Pool divides the input's height and width (otherwise a compile-time error says so).
  static constexpr bool fits =
      detail::layer_fits<In, window<Pool, Pool>, (In::height % Pool == 0 && In::width % Pool == 0)>::value;
  //! @{
  /// The input's channels, height and width.
  static constexpr std::size_t C = In::channels, H = In::height, W = In::width;
  //! @}
  //! @{
  /// The output's height and width: H / Pool and W / Pool.
  static constexpr std::size_t Ho = fits ? H / Pool : 1, Wo = fits ? W / Pool : 1;
  //! @}

  /// The number type, float or double.
  using scalar = T;
  /// None (identity).
  using activation = identity;
  /// Its output: C maps of Ho × Wo.
  using output_shape = shape<C, Ho, Wo>;
  //! @{
  /// Inputs and outputs per sample.
  static constexpr std::size_t in_size = In::size, out_size = C * Ho * Wo;
  //! @}
  /// It learns nothing.
  static constexpr std::size_t parameter_tensors = 0;

  /// Where each block's maximum was, per sample (training only).
  struct scratch {
    /// The index of each block's maximum in the sample.
    detail::grow_buffer<std::uint32_t> where;
  };

  /// It learns nothing: 0.
  static constexpr std::size_t parameter_count() { return 0; }
  /// What the layer is: "max_pool", its shapes and pool size.
  static layer_record record() {
    return {.kind = "max_pool", .input = {C, H, W}, .output = {C, Ho, Wo}, .window = Pool};
  }
  /// Nothing to initialise.
  template <class Init>
  void initialize(rng&) {}
  /// Calls nothing: there are no parameters.
  template <class F>
  void for_each_parameter(F&&) const {}

  /// A = the maximum of each block (inference: where it was is not kept).
  void forward(forward_batch<T> f, scratch&, const context& ctx) const {
    kernel.forward(f.x.data(), f.rows(), f.a.data(), nullptr, ctx.team);
  }
  /// The same, keeping where each maximum was for backward.
  void forward_training(forward_batch<T> f, scratch& s, const context& ctx) {
    kernel.forward(f.x.data(), f.rows(), f.a.data(), s.where.reserve(f.rows() * out_size), ctx.team);
  }
  /// ∂C/∂X: each block's ∂C/∂A at the position of its maximum, 0 elsewhere.
  void backward(backward_batch<T> p, scratch& s, std::span<const gradient_sink<T>, 0>, const context& ctx) {
    if (p.input_gradient)
      kernel.backward(p.delta.data(), p.rows(), s.where.data.data(), p.input_gradient->data(), ctx.team);
  }

 private:
  static constexpr detail::pool_kernel<T, detail::fixed_pool_sizes<C, fits ? H : Pool, fits ? W : Pool, Pool>> kernel{};
};

/// P×P max pooling of every feature map (P must divide the height and the width).
template <std::size_t P = 2>
struct max_pool {
  /// Marks the part as a layer.
  static constexpr part_kind kind = part_kind::layer;
  static_assert(P > 0, "nndl: max_pool<P> needs P > 0");
  /// None (identity).
  using activation = identity;
  /// The layer it becomes in a network of scalar T after a part of shape InShape.
  template <class T, class InShape>
  using impl = max_pool_layer<T, InShape, P>;
};

}  // namespace nndl
