// A fully connected layer (the book's only layer before chapter 6).
//
// Row form of the book's equations, for a mini-batch X {m, n_in} with one sample per row:
//   forward   Z = X Wᵀ + 1 bᵀ,  A = σ(Z)                               (1.7, 25)
//   backward  Δ = ∂C/∂Z = ∂C/∂A ⊙ σ'(Z)                                 (BP1, BP2)
//             ∂C/∂X = Δ W           (passed to the layer below)         (BP2)
//             ∂C/∂b = Σ_rows Δ,  ∂C/∂W = Δᵀ X                           (BP3, BP4)
// W is {n_out, n_in} as in network.py (w[j][k]: from neuron k below to neuron j here). Every
// product is one GEMM into a buffer allocated before training; the SGD step is fused into the
// weight-gradient GEMM: W ← β W − (η/m) Δᵀ X, with β = 1 − ηλ/n under L2 (3.93).
// With a team of threads (sgd_options::threads), a wide layer's neurons (rows of W) are split
// between them: each thread reads and updates only its own rows, which stay in its core's cache.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "../activation.hpp"
#include "../detail/parallel.hpp"
#include "../detail/xtensor.hpp"
#include "../rng.hpp"
#include "input.hpp"

namespace nndl {

/// What one backward pass does with the parameter gradient.
template <class T>
struct param_step {
  enum mode_t { gradient, sgd, momentum };
  mode_t mode = gradient;  ///< gradient: store the mean gradient in gw/gb; sgd, momentum: take a step
  T alpha = 1;             ///< gradient: 1/m; step: −η/m
  T decay = 0;             ///< step: ηλ/n for the regulariser; gradient: λ/n
  T mu = 0;                ///< momentum coefficient μ (3.107)
};

template <class T, std::size_t In, std::size_t Out, class Act>
class dense_layer {
 public:
  using activation = Act;
  using output_shape = shape<1, 1, Out>;
  static constexpr std::size_t in_size = In, out_size = Out;
  static constexpr bool has_parameters = true;  ///< weights w {Out, In} and biases b {Out}

  matrix<T> w = matrix<T>::from_shape({Out, In});
  vector<T> b = vector<T>::from_shape({Out});
  matrix<T> gw = xt::zeros<T>({Out, In});  ///< ∂C/∂w after a gradient pass (mean over the batch)
  vector<T> gb = xt::zeros<T>({Out});
  matrix<T> vw = xt::zeros<T>({Out, In});  ///< velocities of momentum SGD (3.107)
  vector<T> vb = xt::zeros<T>({Out});

  static constexpr std::size_t parameter_count() { return Out * In + Out; }
  static std::string describe() { return "dense " + std::to_string(Out) + " " + std::string(Act::name); }

  template <class Init>
  void initialize(rng& r) {
    Init::init(r, w, b, In, Out);
    vw.fill(0);
    vb.fill(0);
  }

  /// Calls f(name, parameter, gradient) for each parameter tensor.
  template <class F>
  void for_each_parameter(F&& f) {
    f("weights", w, gw);
    f("biases", b, gb);
  }

  void forward(detail::cview<T> x, detail::mview<T> z, detail::mview<T> a, bool /*training*/ = false) const {
    const std::size_t m = x.shape()[0];
    for (std::size_t i = 0; i < m; ++i) std::memcpy(z.data() + i * Out, b.data(), Out * sizeof(T));
    if (split())
      detail::parallel_for(Out, [&](std::size_t o0, std::size_t o1, std::size_t) { forward_rows(x, z, o0, o1); });
    else
      forward_rows(x, z, 0, Out);  // Z = X Wᵀ + 1 bᵀ
    Act::forward(z, a);
  }

  /// g holds ∂C/∂A on entry (∂C/∂Z already when dz_given) and Δ = ∂C/∂Z on exit. When din is not
  /// null it receives ∂C/∂X = Δ W, computed before W changes.
  template <class Reg>
  void backward(detail::cview<T> x, detail::cview<T> z, detail::cview<T> a, detail::mview<T> g, bool dz_given,
                detail::mview<T>* din, const param_step<T>& s) {
    if (!dz_given) Act::backward(z, a, g);                             // BP2: ⊙ σ'(z)
    const std::size_t m = g.shape()[0];
    if constexpr (requires { requires Reg::pure_shrink; }) {
      if (s.mode == param_step<T>::sgd) return sgd_step_by_rows<Reg>(x, g, din, s);
    }
    if (din) input_gradient_rows(g, din->data(), 0, Out);              // BP2: Δ W
    if (s.mode == param_step<T>::sgd) {
      const T beta = Reg::shrink(w, s.decay);                          // 3.93 / 3.97
      detail::gemm(g, x, w, true, false, s.alpha, beta);               // BP4 fused with the step
      add_row_sums(g, m, s.alpha, b.data());                           // BP3 fused with the step
    } else if (s.mode == param_step<T>::momentum) {
      // v ← μv − η∇C (3.107), with ∇C = (1/m) Σ ∂C_x/∂w + ∂R/∂w; w ← w + v (3.108)
      detail::gemm(g, x, vw, true, false, s.alpha, s.mu);
      Reg::add_gradient(vw, w, T(-s.decay));
      xt::noalias(w) = w + vw;
      xt::noalias(vb) = s.mu * vb;
      add_row_sums(g, m, s.alpha, vb.data());
      xt::noalias(b) = b + vb;
    } else {
      detail::gemm(g, x, gw, true, false, s.alpha, T(0));              // BP4
      gb.fill(0);
      add_row_sums(g, m, s.alpha, gb.data());                          // BP3
      Reg::add_gradient(gw, w, s.decay);
    }
  }

 private:
  /// Split between the team's threads when there is one and the layer is wide enough to pay.
  static bool split() { return Out * In >= (1u << 15) && detail::parallel_shares(Out) > 1; }

  /// Neurons per GEMM call. At a small mini-batch a wide layer's whole products go to OpenBLAS's
  /// packed path, which copies all of W on every call; slices of neurons with m·n·In ≤ 500,000 go
  /// to its unpacked small-matrix kernels: 2–3× faster for the chapter-6 FC1000 layers at m = 10
  /// (OpenBLAS 0.3.21, Cooperlake kernels, measured by a stand-alone loop). Products that are
  /// small already, and larger mini-batches, stay whole.
  static std::size_t piece(std::size_t m) {
    if (m > 16 || m * Out * In <= 1000000) return Out;
    return std::max<std::size_t>(8, 500000 / (m * In));
  }

  /// Z[:, o0:o1] += X W[o0:o1, :]ᵀ (forward, after Z was set to the biases).
  void forward_rows(const detail::cview<T>& x, detail::mview<T>& z, std::size_t o0, std::size_t o1) const {
    const std::size_t m = x.shape()[0], p = piece(m);
    for (std::size_t o = o0; o < o1; o += p)
      detail::gemm_raw(false, true, m, std::min(p, o1 - o), In, T(1), x.data(), In, w.data() + o * In, In, T(1),
                       z.data() + o, Out);
  }

  /// d {m, In} = Δ[:, o0:o1] W[o0:o1, :] (BP2, this range of neurons' part of ∂C/∂X).
  void input_gradient_rows(const detail::mview<T>& g, T* d, std::size_t o0, std::size_t o1) const {
    const std::size_t m = g.shape()[0], p = piece(m);
    for (std::size_t o = o0; o < o1; o += p)
      detail::gemm_raw(false, false, m, In, std::min(p, o1 - o), T(1), g.data() + o, Out, w.data() + o * In, In,
                       o == o0 ? T(0) : T(1), d, In);
  }

  /// The sgd step by ranges of neurons o0..o1, one range per thread of the team when the layer is
  /// split (else one range): ∂C/∂X from those rows of W (the ranges' parts summed in a fixed order),
  /// then those rows' step. No thread touches another's rows.
  template <class Reg>
  void sgd_step_by_rows(detail::cview<T> x, detail::mview<T> g, detail::mview<T>* din, const param_step<T>& s) {
    const std::size_t m = g.shape()[0], shares = split() ? detail::parallel_shares(Out) : 1;
    if (din_shares_.size() < shares) din_shares_.resize(shares);  // once, for the team's size
    const T beta = Reg::shrink(w, s.decay);                          // 3.93 / 3.97 (a factor only)
    auto rows = [&](std::size_t o0, std::size_t o1, std::size_t k) {
      if (din) input_gradient_rows(g, k == 0 ? din->data() : din_shares_[k].reserve(m * In), o0, o1);
      detail::gemm_raw(true, false, o1 - o0, In, m, s.alpha, g.data() + o0, Out, x.data(), In, beta,
                       w.data() + o0 * In, In);  // BP4 fused with the step
      for (std::size_t i = 0; i < m; ++i)       // BP3 fused with the step
        for (std::size_t j = o0; j < o1; ++j) b.data()[j] += s.alpha * g.data()[i * Out + j];
    };
    if (shares > 1)
      detail::parallel_for(Out, rows);
    else
      rows(0, Out, 0);
    if (din)
      for (std::size_t k = 1; k < shares; ++k) {
        const T* p = din_shares_[k].data.data();
        T* d = din->data();
        for (std::size_t i = 0; i < m * In; ++i) d[i] += p[i];
      }
  }

  std::vector<detail::grow_buffer<T>> din_shares_;  ///< ∂C/∂X of each share but the first

  static void add_row_sums(const detail::mview<T>& g, std::size_t m, T alpha, T* out) {
    const T* p = g.data();
    for (std::size_t i = 0; i < m; ++i, p += Out)
      for (std::size_t j = 0; j < Out; ++j) out[j] += alpha * p[j];
  }
};

/// A fully connected layer of N neurons with activation Act, as a part of network<...>.
template <std::size_t N, class Act = sigmoid>
struct dense {
  static constexpr part_kind kind = part_kind::layer;
  static_assert(N > 0, "nndl: dense<N, Act> needs N > 0 neurons");
  static_assert(activation_policy<Act>,
                "nndl: dense<N, Act>: Act must be an activation: nndl::sigmoid, nndl::tanh, nndl::relu, "
                "nndl::identity or nndl::softmax");
  using activation = Act;
  template <class T, class InShape>
  using impl = dense_layer<T, InShape::size, N, Act>;
};

}  // namespace nndl
