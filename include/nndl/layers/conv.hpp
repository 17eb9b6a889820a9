// A convolutional layer (chapter 6): F feature maps of K×K kernels over all C input channels,
// valid (no padding), stride 1, one shared bias per map, then the activation:
//   z_f(y, x) = b_f + Σ_c Σ_{i,j} w_f(c, i, j) · in_c(y + i, x + j)              (6.1, as cross-correlation)
// Each sample is a row of C·H·W values (channel-major). Per sample the K×K patches are laid out as
// colᵀ {C·K·K, P} (P = output positions; each of its rows is a run of contiguous input pixels), so
//   forward   Z_s = W · colᵀ_s                      {F, P}          one GEMM per sample
//   backward  ∂C/∂W = Σ_s Δ_s · col_s               {F, C·K·K}      (BP4 for shared weights)
//             ∂C/∂colᵀ_s = Wᵀ · Δ_s, folded back onto the input (col2im)   (BP2)
//             ∂C/∂b_f = Σ_s Σ_p Δ_s(f, p)                               (BP3)
// The book's conv-pool layer is conv<F, K, act> followed by max_pool<2>: for an increasing
// activation, pooling after it gives what network3.py's pool-then-activate gives.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>

#include "../activation.hpp"
#include "../detail/xtensor.hpp"
#include "../rng.hpp"
#include "dense.hpp"
#include "input.hpp"
#include "step.hpp"

namespace nndl {

/// A K×K window, for the messages of layer_fits.
template <std::size_t KH, std::size_t KW>
struct window {};

namespace detail {
/// Instantiated with the input's shape and the layer's window when they do not fit: the compiler
/// prints both in "In instantiation of layer_fits<shape<...>, window<...>, false>".
template <class Input, class Window, bool Fits>
struct layer_fits {
  static_assert(Fits, "nndl: a layer does not fit its input: its window (second argument of layer_fits above) "
                      "must fit in, and for max_pool divide, the input shape (first argument)");
  static constexpr bool value = Fits;
};
}  // namespace detail

template <class T, class In, std::size_t F, std::size_t K, class Act>
class conv_layer {
 public:
  static constexpr bool fits = detail::layer_fits<In, window<K, K>, (K <= In::height && K <= In::width)>::value;
  static constexpr std::size_t C = In::channels, H = In::height, W = In::width;
  static constexpr std::size_t Ho = fits ? H - K + 1 : 1, Wo = fits ? W - K + 1 : 1;
  static constexpr std::size_t P = Ho * Wo, CKK = C * K * K;

  using activation = Act;
  using output_shape = shape<F, Ho, Wo>;
  static constexpr std::size_t in_size = In::size, out_size = F * P;
  static constexpr bool has_parameters = true;

  matrix<T> w = matrix<T>::from_shape({F, CKK});  ///< kernel f over (c, i, j), as network3.py's filters
  vector<T> b = vector<T>::from_shape({F});
  matrix<T> gw = xt::zeros<T>({F, CKK});
  vector<T> gb = xt::zeros<T>({F});
  matrix<T> vw = xt::zeros<T>({F, CKK});
  vector<T> vb = xt::zeros<T>({F});

  static constexpr std::size_t parameter_count() { return F * CKK + F; }
  static std::string describe() {
    return "conv " + std::to_string(F) + "@" + std::to_string(K) + "x" + std::to_string(K) + " " +
           std::string(Act::name);
  }

  template <class Init>
  void initialize(rng& r) {
    Init::init(r, w, b, CKK, F * K * K);
    vw.fill(0);
    vb.fill(0);
  }
  template <class Fn>
  void for_each_parameter(Fn&& f) {
    f("weights", w, gw);
    f("biases", b, gb);
  }

  void forward(detail::cview<T> x, detail::mview<T> z, detail::mview<T> a, bool = false) const {
    const std::size_t m = x.shape()[0];
    T* cols = col_.reserve(m * CKK * P);
    for (std::size_t s = 0; s < m; ++s) {
      T* col = cols + s * CKK * P;
      im2col(x.data() + s * in_size, col);
      T* zs = z.data() + s * out_size;
      for (std::size_t f = 0; f < F; ++f) std::fill(zs + f * P, zs + (f + 1) * P, b(f));
      auto zv = detail::rows_view(zs, F, P);
      detail::gemm(w, detail::rows_view(static_cast<const T*>(col), CKK, P), zv, false, false, T(1), T(1));
    }
    Act::forward(z, a);
  }

  template <class Reg>
  void backward(detail::cview<T>, detail::cview<T> z, detail::cview<T> a, detail::mview<T> g, bool dz_given,
                detail::mview<T>* din, const param_step<T>& s) {
    if (!dz_given) Act::backward(z, a, g);  // BP2: ⊙ σ'(z)
    const std::size_t m = g.shape()[0];
    const T* cols = col_.data.data();
    T* dcol = dcol_.reserve(CKK * P);
    gb.fill(0);
    for (std::size_t i = 0; i < m; ++i) {
      const T* gs = g.data() + i * out_size;
      const auto gv = detail::rows_view(gs, F, P);
      const auto colv = detail::rows_view(cols + i * CKK * P, CKK, P);
      if (din) {  // ∂C/∂colᵀ = Wᵀ Δ_s, before W changes, folded back onto the input
        auto dv = detail::rows_view(dcol, CKK, P);
        detail::gemm(w, gv, dv, true, false, T(1), T(0));
        col2im(dcol, din->data() + i * in_size);
      }
      detail::gemm(gv, colv, gw, false, true, T(1), i == 0 ? T(0) : T(1));  // Σ_s Δ_s col_s
      for (std::size_t f = 0; f < F; ++f) {
        T sum = 0;
        for (std::size_t p = 0; p < P; ++p) sum += gs[f * P + p];
        gb.data()[f] += sum;
      }
    }
    detail::apply_summed_gradient<Reg>(s, w, b, gw, gb, vw, vb);
  }

 private:
  /// colᵀ {C·K·K, P}: row (c, i, j) holds in_c(y + i, x + j) for every output position (y, x).
  static void im2col(const T* in, T* col) {
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < K; ++i)
        for (std::size_t j = 0; j < K; ++j) {
          T* row = col + ((c * K + i) * K + j) * P;
          for (std::size_t y = 0; y < Ho; ++y)
            std::memcpy(row + y * Wo, in + (c * H + y + i) * W + j, Wo * sizeof(T));
        }
  }
  /// The adjoint of im2col: overwrites din with the sum of the patch gradients at each pixel.
  static void col2im(const T* col, T* din) {
    std::fill(din, din + in_size, T(0));
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < K; ++i)
        for (std::size_t j = 0; j < K; ++j) {
          const T* row = col + ((c * K + i) * K + j) * P;
          for (std::size_t y = 0; y < Ho; ++y) {
            T* d = din + (c * H + y + i) * W + j;
            const T* r = row + y * Wo;
            for (std::size_t x = 0; x < Wo; ++x) d[x] += r[x];
          }
        }
  }

  mutable detail::grow_buffer<T> col_;  ///< colᵀ of every sample of the batch, kept for backward
  detail::grow_buffer<T> dcol_;
};

/// F feature maps of K×K kernels (valid, stride 1), then the activation.
template <std::size_t F, std::size_t K, class Act = sigmoid>
struct conv {
  static constexpr part_kind kind = part_kind::layer;
  static_assert(F > 0 && K > 0, "nndl: conv<F, K>: needs F > 0 feature maps of K > 0 kernels");
  static_assert(activation_policy<Act> && Act::elementwise,
                "nndl: conv<F, K, Act>: Act must be an element-wise activation (sigmoid, tanh, relu, identity)");
  using activation = Act;
  template <class T, class InShape>
  using impl = conv_layer<T, InShape, F, K, Act>;
};

}  // namespace nndl
