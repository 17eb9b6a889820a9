// Max pooling (chapter 6): each P×P block of each feature map is reduced to its maximum. While
// training, the position of each maximum is kept (in the layer's z buffer) and the backward pass
// sends the gradient back to that position only.
#pragma once

#include <cstddef>
#include <string>

#include "../activation.hpp"
#include "../detail/parallel.hpp"
#include "../detail/xtensor.hpp"
#include "../rng.hpp"
#include "conv.hpp"
#include "input.hpp"

namespace nndl {

template <class T, class In, std::size_t Pool>
class max_pool_layer {
 public:
  static constexpr bool fits =
      detail::layer_fits<In, window<Pool, Pool>, (In::height % Pool == 0 && In::width % Pool == 0)>::value;
  static constexpr std::size_t C = In::channels, H = In::height, W = In::width;
  static constexpr std::size_t Ho = fits ? H / Pool : 1, Wo = fits ? W / Pool : 1;

  using activation = identity;
  using output_shape = shape<C, Ho, Wo>;
  static constexpr std::size_t in_size = In::size, out_size = C * Ho * Wo;
  static constexpr bool has_parameters = false;

  static constexpr std::size_t parameter_count() { return 0; }
  static std::string describe() { return "max_pool " + std::to_string(Pool) + "x" + std::to_string(Pool); }
  template <class Init>
  void initialize(rng&) {}
  template <class F>
  void for_each_parameter(F&&) {}

  /// a = the maximum of each block; z = where it is (an index into the sample's input row).
  void forward(detail::cview<T> x, detail::mview<T> z, detail::mview<T> a, bool = false) const {
    detail::parallel_for(x.shape()[0], [&](std::size_t begin, std::size_t end, std::size_t) {
    for (std::size_t s = begin; s < end; ++s) {
      const T* in = x.data() + s * in_size;
      T* out = a.data() + s * out_size;
      T* where = z.data() + s * out_size;
      for (std::size_t c = 0; c < C; ++c)
        for (std::size_t y = 0; y < Ho; ++y)
          for (std::size_t xo = 0; xo < Wo; ++xo) {
            std::size_t best = (c * H + y * Pool) * W + xo * Pool;
            for (std::size_t i = 0; i < Pool; ++i)
              for (std::size_t j = 0; j < Pool; ++j) {
                const std::size_t k = (c * H + y * Pool + i) * W + xo * Pool + j;
                if (in[k] > in[best]) best = k;
              }
            const std::size_t o = (c * Ho + y) * Wo + xo;
            out[o] = in[best];
            where[o] = static_cast<T>(best);
          }
    }
    });
  }

  /// ∂C/∂x is ∂C/∂a at the position of each block's maximum, 0 elsewhere.
  template <class Reg>
  void backward(detail::cview<T>, detail::cview<T> z, detail::cview<T>, detail::mview<T> g, bool,
                detail::mview<T>* din, const param_step<T>&) {
    if (!din) return;
    detail::parallel_for(g.shape()[0], [&](std::size_t begin, std::size_t end, std::size_t) {
    for (std::size_t s = begin; s < end; ++s) {
      T* d = din->data() + s * in_size;
      std::fill(d, d + in_size, T(0));
      const T* gs = g.data() + s * out_size;
      const T* where = z.data() + s * out_size;
      for (std::size_t o = 0; o < out_size; ++o) d[static_cast<std::size_t>(where[o])] += gs[o];
    }
    });
  }
};

/// P×P max pooling of every feature map (P must divide the height and the width).
template <std::size_t P = 2>
struct max_pool {
  static constexpr part_kind kind = part_kind::layer;
  static_assert(P > 0, "nndl: max_pool<P> needs P > 0");
  using activation = identity;
  template <class T, class InShape>
  using impl = max_pool_layer<T, InShape, P>;
};

}  // namespace nndl
