// A convolutional layer (chapter 6): F feature maps of K×K kernels over all C input channels,
// valid (no padding), stride 1, one shared bias per map, then the activation:
//   z_f(y, x) = b_f + Σ_c Σ_{i,j} w_f(c, i, j) · in_c(y + i, x + j)              (6.1, as cross-correlation)
// Each sample is a row of C·H·W values (channel-major). Per sample the K×K patches are laid out as
// colᵀ {C·K·K, P} (P = output positions; each of its rows is a run of contiguous input pixels), so
//   forward   Z_s = W · colᵀ_s                      {F, P}          one GEMM per sample
//   backward  ∂C/∂W = Σ_s Δ_s · col_s               {F, C·K·K}      (BP4 for shared weights)
//             ∂C/∂colᵀ_s = Wᵀ · Δ_s, folded back onto the input (col2im)   (BP2)
//             ∂C/∂b_f = Σ_s Σ_p Δ_s(f, p)                               (BP3)
// With a team of threads (sgd_options::threads), the samples of a mini-batch are split between them.
// The book's conv-pool layer is conv<F, K, act> followed by max_pool<2>: for an increasing
// activation, pooling after it gives what network3.py's pool-then-activate gives.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "../activation.hpp"
#include "../detail/parallel.hpp"
#include "../detail/simd.hpp"
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
    detail::parallel_for(m, [&](std::size_t begin, std::size_t end, std::size_t) {  // samples on the cores
      for (std::size_t s = begin; s < end; ++s) {
        T* col = cols + s * CKK * P;
        im2col(x.data() + s * in_size, col);
        T* zs = z.data() + s * out_size;
        for (std::size_t f = 0; f < F; ++f) std::fill(zs + f * P, zs + (f + 1) * P, b(f));
        forward_gemm(col, zs);
      }
      Act::forward(detail::rows_view(z.data() + begin * out_size, end - begin, out_size),
                   detail::rows_view(a.data() + begin * out_size, end - begin, out_size));
    });
  }

  template <class Reg>
  void backward(detail::cview<T>, detail::cview<T> z, detail::cview<T> a, detail::mview<T> g, bool dz_given,
                detail::mview<T>* din, const param_step<T>& s) {
    const std::size_t m = g.shape()[0];
    const std::size_t shares = detail::parallel_shares(m);
    if (shares_.size() < shares) shares_.resize(shares);  // once, for the team's size
    const T* cols = col_.data.data();
    // Each share sums its samples' ∂C/∂W and ∂C/∂b into its own buffers (share 0 into gw, gb);
    // they are added in share order afterwards, so a run is reproducible for a given team size.
    detail::parallel_for(m, [&](std::size_t begin, std::size_t end, std::size_t k) {
      if (!dz_given) {  // BP2: ⊙ σ'(z)
        const auto rows = [&](auto* p) { return detail::rows_view(p + begin * out_size, end - begin, out_size); };
        Act::backward(rows(z.data()), rows(a.data()), rows(g.data()));
      }
      auto& own = shares_[k];
      T* dcol = own.dcol.reserve(CKK * P);
      T* gwk = k == 0 ? gw.data() : own.gw.reserve(F * CKK);
      T* gbk = k == 0 ? gb.data() : own.gb.reserve(F);
      auto gwv = detail::rows_view(gwk, F, CKK);
      std::fill(gbk, gbk + F, T(0));
      for (std::size_t i = begin; i < end; ++i) {
        const T* gs = g.data() + i * out_size;
        const auto gv = detail::rows_view(gs, F, P);
        const auto colv = detail::rows_view(cols + i * CKK * P, CKK, P);
        if (din) {  // ∂C/∂colᵀ = Wᵀ Δ_s, before W changes, folded back onto the input
          input_gradient_gemm(gs, dcol);
          col2im(dcol, din->data() + i * in_size);
        }
        detail::gemm(gv, colv, gwv, false, true, T(1), i == begin ? T(0) : T(1));  // Σ_s Δ_s col_s
        for (std::size_t f = 0; f < F; ++f) gbk[f] += detail::sum_of(gs + f * P, P);  // BP3
      }
    });
    for (std::size_t k = 1; k < shares; ++k) {
      const T* pw = shares_[k].gw.data.data();
      const T* pb = shares_[k].gb.data.data();
      T* dw = gw.data();
      for (std::size_t i = 0; i < F * CKK; ++i) dw[i] += pw[i];
      for (std::size_t f = 0; f < F; ++f) gb.data()[f] += pb[f];
    }
    detail::apply_summed_gradient<Reg>(s, w, b, gw, gb, vw, vb);
  }

 // The per-sample products are cut into pieces small enough for OpenBLAS's unpacked small-matrix
  // kernels: for conv<40, 5> on 20×12×12 (the book's second layer) the forward product in five
  // slices of C·K·K and the input gradient in halves of P take 25% less time than whole products
  // (OpenBLAS 0.3.21, Cooperlake kernels; benchmarks/bench_conv.cpp). Sums stay in a fixed order.
  static constexpr std::size_t k_piece = CKK > 250 ? 100 : CKK;  ///< forward: slices of C·K·K
  static constexpr std::size_t p_piece = P > 48 ? 32 : P;         ///< input gradient: slices of P

 private:
  /// zs {F, P} += W colᵀ_s (BP: forward), in slices of C·K·K.
  void forward_gemm(const T* col, T* zs) const {
    for (std::size_t k0 = 0; k0 < CKK; k0 += k_piece) {
      const std::size_t k = std::min(k_piece, CKK - k0);
      detail::gemm_raw(false, false, F, P, k, T(1), w.data() + k0, CKK, col + k0 * P, P, T(1), zs, P);
    }
  }
  /// dcol {C·K·K, P} = Wᵀ Δ_s (BP2 before col2im), in slices of P.
  void input_gradient_gemm(const T* gs, T* dcol) const {
    for (std::size_t p0 = 0; p0 < P; p0 += p_piece) {
      const std::size_t n = std::min(p_piece, P - p0);
      detail::gemm_raw(true, false, CKK, n, F, T(1), w.data(), CKK, gs + p0, P, T(0), dcol + p0, P);
    }
  }

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

  struct share_buffers {
    detail::grow_buffer<T> dcol, gw, gb;
  };
  mutable detail::grow_buffer<T> col_;  ///< colᵀ of every sample of the batch, kept for backward
  std::vector<share_buffers> shares_;   ///< per share of a data-parallel step
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
