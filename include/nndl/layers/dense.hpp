// A fully connected layer (the book's only layer before chapter 6), as a part of network<...>:
//   dense<30, sigmoid>
// Row form of the book's equations, for a mini-batch X {m, n_in} with one sample per row:
//   forward   Z = X Wᵀ + 1 bᵀ,  A = σ(Z)                               (1.7, 25)
//   backward  Δ = ∂C/∂Z = ∂C/∂A ⊙ σ'(Z)                                 (BP1, BP2)
//             ∂C/∂X = Δ W           (passed to the layer below)         (BP2)
//             ∂C/∂b = Σ_rows Δ,  ∂C/∂W = Δᵀ X                           (BP3, BP4)
// W is {n_out, n_in} as in network.py (w[j][k]: from neuron k below to neuron j here). The products
// are in dense_kernel.hpp; the gradients go where the sinks say (fused into the weight-gradient GEMM).
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <vector>

#include "../activation.hpp"
#include "../detail/parts.hpp"
#include "../detail/xtensor.hpp"
#include "../rng.hpp"
#include "dense_kernel.hpp"
#include "input.hpp"
#include "layer.hpp"

namespace nndl {

/// The layer dense<Out, Act> becomes after In inputs: weights w {Out, In}, biases b {Out}, the activation Act.
template <class T, std::size_t In, std::size_t Out, class Act>
class dense_layer {
 public:
  /// The number type, float or double.
  using scalar = T;
  /// The activation σ of its neurons.
  using activation = Act;
  /// Its output: Out values per sample.
  using output_shape = shape<1, 1, Out>;
  //! @{
  /// Inputs and outputs per sample.
  static constexpr std::size_t in_size = In, out_size = Out;
  //! @}
  static constexpr std::size_t parameter_tensors = 2;  ///< weights w {Out, In} and biases b {Out}

  /// The weights, w(j, k) from input k to neuron j (network.py's layout).
  matrix<T> w = matrix<T>::from_shape({Out, In});
  /// The biases, one per neuron.
  vector<T> b = vector<T>::from_shape({Out});
  matrix<T> gw = xt::zeros<T>({Out, In});  ///< ∂C/∂w, when a sink points here
  /// ∂C/∂b, when a sink points here.
  vector<T> gb = xt::zeros<T>({Out});

  /// ∂C/∂X of each share but the first, when a team splits the layer.
  struct scratch {
    /// The buffers of those shares.
    std::vector<detail::grow_buffer<T>> din_shares;
  };

  /// Out × In weights and Out biases.
  static constexpr std::size_t parameter_count() { return Out * In + Out; }
  /// What the layer is: "dense", its activation, sizes and parameter count.
  static layer_record record() {
    return {.kind = "dense",
            .activation = std::string(Act::name),
            .input = {1, 1, In},
            .output = {1, 1, Out},
            .units = Out,
            .parameters = parameter_count()};
  }

  /// Draws w and b from the initialisation policy Init (fan-in In, fan-out Out).
  template <class Init>
  void initialize(rng& r) {
    Init::init(r, w, b, In, Out);
  }

  /// f(parameter<T>) for the weights, then the biases.
  template <class F>
  void for_each_parameter(F&& f) {
    f(parameter<T>{"weights", "w", w.data(), gw.data(), 2, {Out, In}, true});
    f(parameter<T>{"biases", "b", b.data(), gb.data(), 1, {Out, 1}, false});
  }
  /// f(parameter<const T>) for the weights, then the biases.
  template <class F>
  void for_each_parameter(F&& f) const {
    f(parameter<const T>{"weights", "w", w.data(), gw.data(), 2, {Out, In}, true});
    f(parameter<const T>{"biases", "b", b.data(), gb.data(), 1, {Out, 1}, false});
  }

  /// Z = X wᵀ + 1 bᵀ, A = σ(Z) (the row form of (25)).
  void forward(forward_batch<T> f, scratch&, const context& ctx) const {
    kernel.forward(f.x.data(), f.rows(), w.data(), b.data(), f.z.data(), ctx.team);
    Act::forward(f.z, f.a);
  }
  /// The same as forward: a dense layer keeps nothing else for backward.
  void forward_training(forward_batch<T> f, scratch& s, const context& ctx) { forward(f, s, ctx); }

  /// Δ = ∂C/∂A ⊙ σ'(Z) (BP2) unless delta already holds ∂C/∂Z; then ∂C/∂X = Δ w for the layer below, and Σ Δ (BP3), Δᵀ
  /// X (BP4) into the sinks.
  void backward(backward_batch<T> p, scratch& s, std::span<const gradient_sink<T>, 2> sinks, const context& ctx) {
    if (p.holds == delta_holds::dC_dA) Act::backward(p.z, p.a, p.delta);  // BP2: ⊙ σ'(z)
    kernel.backward(p.x.data(), p.delta.data(), p.rows(), w.data(),
                    p.input_gradient ? p.input_gradient->data() : nullptr, sinks[0], sinks[1], s.din_shares, ctx.team);
  }

 private:
  static constexpr detail::dense_kernel<T> kernel{In, Out};
};

/// A fully connected layer of N neurons with activation Act, as a part of network<...>.
template <std::size_t N, class Act = sigmoid>
struct dense {
  /// Marks the part as a layer.
  static constexpr part_kind kind = part_kind::layer;
  static_assert(N > 0, "nndl: dense<N, Act> needs N > 0 neurons");
  static_assert(activation_policy<Act>,
                "nndl: dense<N, Act>: Act must be an activation: nndl::sigmoid, nndl::tanh, nndl::relu, "
                "nndl::identity or nndl::softmax");
  /// The activation of its neurons.
  using activation = Act;
  /// The layer it becomes in a network of scalar T after a part of shape InShape.
  template <class T, class InShape>
  using impl = dense_layer<T, InShape::size, N, Act>;
};

}  // namespace nndl
