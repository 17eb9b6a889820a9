// The products of a convolutional layer on row-major buffers, with the sizes known at run time:
// what conv_layer<...> runs with its compile-time sizes and what a model read from a file runs with
// the sizes it read, so that both compute the same numbers bit for bit.
//
// F feature maps of K×K kernels over C input channels of H×W, valid (no padding), stride 1:
//   z_f(y, x) = b_f + Σ_c Σ_{i,j} w_f(c, i, j) · in_c(y + i, x + j)         (6.1, as cross-correlation)
// Per sample the K×K patches are laid out as colᵀ {C·K·K, P} (P = output positions; each row is a
// run of contiguous input pixels), so
//   forward   Z_s = W · colᵀ_s                      {F, P}          one GEMM per sample
//   backward  ∂C/∂W = Σ_s Δ_s · col_s               {F, C·K·K}      (BP4 for shared weights)
//             ∂C/∂colᵀ_s = Wᵀ · Δ_s, folded back onto the input (col2im)   (BP2)
//             ∂C/∂b_f = Σ_s Σ_p Δ_s(f, p)                               (BP3)
// With a team, the samples of a mini-batch are split between its threads; each share sums its own
// gradients, and the shares are added in a fixed order, so a run is reproducible for a team size.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "../detail/parallel.hpp"
#include "../detail/simd.hpp"
#include "../detail/xtensor.hpp"
#include "layer.hpp"

namespace nndl::detail {

/// The sizes of a convolution known at compile time (the typed layer: the compiler can unroll the
/// patch copies) ...
template <std::size_t C_, std::size_t H_, std::size_t W_, std::size_t F_, std::size_t K_>
struct fixed_conv_sizes {
  static constexpr std::size_t C = C_, H = H_, W = W_, F = F_, K = K_;
};
/// ... or at run time (a model read from a file).
struct conv_sizes {
  std::size_t C, H, W, F, K;
};

template <class T, class Sizes>
struct conv_kernel : Sizes {
  using Sizes::C, Sizes::H, Sizes::W, Sizes::F, Sizes::K;

  constexpr std::size_t Ho() const { return H - K + 1; }
  constexpr std::size_t Wo() const { return W - K + 1; }
  constexpr std::size_t P() const { return Ho() * Wo(); }
  constexpr std::size_t CKK() const { return C * K * K; }
  constexpr std::size_t in_size() const { return C * H * W; }
  constexpr std::size_t out_size() const { return F * P(); }
  // Where OpenBLAS has small-matrix kernels (its AVX-512 families: blas_small_matrix_kernels), the
  // per-sample products are cut into pieces small enough for them: the forward product in slices of
  // C·K·K, the input gradient in slices of P. Elsewhere (AVX2) whole products are faster
  // (benchmarks/bench_conv). Sums stay in a fixed order on a given machine.
  static constexpr std::size_t k_slice(std::size_t ckk) { return ckk > 250 ? 100 : ckk; }
  static constexpr std::size_t p_slice(std::size_t p) { return p > 48 ? 32 : p; }
  std::size_t k_piece() const { return blas_small_matrix_kernels() ? k_slice(CKK()) : CKK(); }
  std::size_t p_piece() const { return blas_small_matrix_kernels() ? p_slice(P()) : P(); }

  struct share_buffers {
    grow_buffer<T> dcol, gw, gb;
  };
  struct scratch {
    grow_buffer<T> cols;  ///< training: colᵀ of every sample, kept for backward; inference: one per share
    std::vector<share_buffers> shares;  ///< per share of a data-parallel backward pass
  };

  /// Z = W colᵀ + b per sample, then act(z, a, rows) on each share's rows. `keep` keeps every
  /// sample's colᵀ in the scratch for backward (training); otherwise each share reuses one.
  template <class Act>
  void forward(const T* x, std::size_t m, const T* w, const T* b, T* z, T* a, scratch& s, bool keep, worker_team* team,
               Act&& act) const {
    const std::size_t ckkp = CKK() * P(), n_out = out_size();
    T* cols = s.cols.reserve((keep ? m : parallel_shares(team, m)) * ckkp);
    parallel_for(team, m, [&](std::size_t begin, std::size_t end, std::size_t k) {
      for (std::size_t i = begin; i < end; ++i) {
        T* col = cols + (keep ? i : k) * ckkp;
        im2col(x + i * in_size(), col);
        T* zs = z + i * n_out;
        for (std::size_t f = 0; f < F; ++f) std::fill(zs + f * P(), zs + (f + 1) * P(), b[f]);
        forward_gemm(w, col, zs);
      }
      act(z + begin * n_out, a + begin * n_out, end - begin);
    });
  }

  /// From Δ {m, F·P} (∂C/∂Z after act_backward(z, a, g, rows) on each share's rows): din {m, in}
  /// when given, and ∂C/∂W, ∂C/∂b summed into gw, gb, then delivered to the sinks.
  template <class ActBackward>
  void backward(const T* z, const T* a, T* g, std::size_t m, const T* w, T* din, T* gw, T* gb,
                const gradient_sink<T>& sw, const gradient_sink<T>& sb, scratch& s, worker_team* team,
                ActBackward&& act_backward) const {
    const std::size_t shares = parallel_shares(team, m), ckkp = CKK() * P(), n_out = out_size();
    if (s.shares.size() < shares) s.shares.resize(shares);  // once, for the team's size
    const T* cols = s.cols.data.data();
    parallel_for(team, m, [&](std::size_t begin, std::size_t end, std::size_t k) {
      act_backward(z + begin * n_out, a + begin * n_out, g + begin * n_out, end - begin);  // BP2: ⊙ σ'(z)
      auto& own = s.shares[k];
      T* dcol = own.dcol.reserve(ckkp);
      T* gwk = k == 0 ? gw : own.gw.reserve(F * CKK());
      T* gbk = k == 0 ? gb : own.gb.reserve(F);
      std::fill(gbk, gbk + F, T(0));
      for (std::size_t i = begin; i < end; ++i) {
        const T* gs = g + i * n_out;
        if (din) {  // ∂C/∂colᵀ = Wᵀ Δ_s, before W changes, folded back onto the input
          input_gradient_gemm(w, gs, dcol);
          col2im(dcol, din + i * in_size());
        }
        gemm_raw(false, true, F, CKK(), P(), T(1), gs, P(), cols + i * ckkp, P(), i == begin ? T(0) : T(1), gwk,
                 CKK());                                                          // Σ_s Δ_s col_s
        for (std::size_t f = 0; f < F; ++f) gbk[f] += sum_of(gs + f * P(), P());  // BP3
      }
    });
    for (std::size_t k = 1; k < shares; ++k) {
      const T* pw = s.shares[k].gw.data.data();
      const T* pb = s.shares[k].gb.data.data();
      for (std::size_t i = 0; i < F * CKK(); ++i) gw[i] += pw[i];
      for (std::size_t f = 0; f < F; ++f) gb[f] += pb[f];
    }
    apply_sink(sw, gw, F * CKK());
    apply_sink(sb, gb, F);
  }

 private:
  /// zs {F, P} += W colᵀ_s, in slices of C·K·K.
  void forward_gemm(const T* w, const T* col, T* zs) const {
    const std::size_t piece = k_piece();
    for (std::size_t k0 = 0; k0 < CKK(); k0 += piece) {
      const std::size_t k = std::min(piece, CKK() - k0);
      gemm_raw(false, false, F, P(), k, T(1), w + k0, CKK(), col + k0 * P(), P(), T(1), zs, P());
    }
  }
  /// dcol {C·K·K, P} = Wᵀ Δ_s, in slices of P.
  void input_gradient_gemm(const T* w, const T* gs, T* dcol) const {
    const std::size_t piece = p_piece();
    for (std::size_t p0 = 0; p0 < P(); p0 += piece) {
      const std::size_t n = std::min(piece, P() - p0);
      gemm_raw(true, false, CKK(), n, F, T(1), w, CKK(), gs + p0, P(), T(0), dcol + p0, P());
    }
  }
  /// colᵀ {C·K·K, P}: row (c, i, j) holds in_c(y + i, x + j) for every output position (y, x).
  void im2col(const T* in, T* col) const {
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < K; ++i)
        for (std::size_t j = 0; j < K; ++j) {
          T* row = col + ((c * K + i) * K + j) * P();
          for (std::size_t y = 0; y < Ho(); ++y)
            std::memcpy(row + y * Wo(), in + (c * H + y + i) * W + j, Wo() * sizeof(T));
        }
  }
  /// The adjoint of im2col: overwrites din with the sum of the patch gradients at each pixel. For
  /// each kernel column j and input row, the K rows of dcol that reach it are summed in registers
  /// (a row of at most 64 positions) and added to it once; a row is visited again only at j + 1,
  /// long after its last store (an update that overlaps one still in flight stalls the core).
  void col2im(const T* col, T* din) const {
    std::fill(din, din + in_size(), T(0));
    constexpr std::size_t most = 64;
    const std::size_t wo = Wo(), next = K * P() - wo;  // from dcol(c, i, j)(y) to dcol(c, i + 1, j)(y − 1)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t j = 0; j < K; ++j)
        for (std::size_t yy = 0; yy < H; ++yy) {
          const std::size_t i0 = yy + 1 > Ho() ? yy + 1 - Ho() : 0, i1 = std::min(K, yy + 1);
          T* d = din + (c * H + yy) * W + j;
          const T* r = col + ((c * K + i0) * K + j) * P() + (yy - i0) * wo;
          if (wo <= most) {
            T t[most];
            for (std::size_t x = 0; x < wo; ++x) t[x] = r[x];
            for (std::size_t i = i0 + 1; i < i1; ++i) {
              r += next;
              for (std::size_t x = 0; x < wo; ++x) t[x] += r[x];
            }
            for (std::size_t x = 0; x < wo; ++x) d[x] += t[x];
          } else {
            for (std::size_t i = i0; i < i1; ++i, r += next)
              for (std::size_t x = 0; x < wo; ++x) d[x] += r[x];
          }
        }
  }
};

}  // namespace nndl::detail
