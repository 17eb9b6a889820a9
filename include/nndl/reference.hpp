// The book's network.py, one sample at a time with column vectors: the reference the batched
// matrix form is tested against (tests/test_reference.cpp) and timed against (ch2_backprop).
// Deliberately plain: xt::linalg::dot with temporaries, no workspace.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

// <sys/ioctl.h> (progress.hpp) defines NCC, a parameter name in FLENS's LAPACK declarations.
#pragma push_macro("NCC")
#undef NCC
#include <xtensor-blas/xlinalg.hpp>
#pragma pop_macro("NCC")

#include "detail/xtensor.hpp"
#include "network.hpp"
#include "train/optimizer.hpp"

namespace nndl::reference {

/// ∂C_x/∂b and ∂C_x/∂w per layer, as network.py's (nabla_b, nabla_w).
template <class T>
struct gradients {
  std::vector<matrix<T>> nabla_b;  ///< {n_l, 1} columns
  std::vector<matrix<T>> nabla_w;  ///< {n_l, n_{l-1}}
};

namespace detail {
template <class T>
auto as_row(matrix<T>& col) {  // a contiguous {n, 1} column is the same memory as a {1, n} row
  return nndl::detail::rows_view(col.data(), 1, col.size());
}
template <class T>
auto as_row(const matrix<T>& col) {
  return nndl::detail::rows_view(col.data(), 1, col.size());
}
}  // namespace detail

/// network.py's backprop(x, y) for one sample x (input_size values) with class `label`.
template <class Net>
gradients<typename Net::scalar> backprop(const Net& net, const typename Net::scalar* x, std::uint8_t label) {
  using T = typename Net::scalar;
  constexpr std::size_t L = Net::depth;
  gradients<T> g;
  g.nabla_b.resize(L);
  g.nabla_w.resize(L);
  // feedforward, storing all the activations and z vectors, layer by layer
  std::vector<matrix<T>> activations, zs;
  matrix<T> activation =
      xt::adapt(x, Net::input_size, xt::no_ownership(), std::array<std::size_t, 2>{Net::input_size, 1});
  activations.push_back(activation);
  net.for_each_layer([&](const auto& layer, std::size_t) {
    using Act = typename std::decay_t<decltype(layer)>::activation;
    matrix<T> z = xt::linalg::dot(layer.w, activation) + xt::view(layer.b, xt::all(), xt::newaxis());
    matrix<T> a = matrix<T>::from_shape(z.shape());
    auto a_row = detail::as_row(a);
    Act::forward(detail::as_row(z), a_row);
    zs.push_back(z);
    activations.push_back(a);
    activation = a;
  });
  matrix<T> y = xt::zeros<T>({Net::output_size, std::size_t{1}});
  y(label, 0) = T(1);
  // backward pass: BP1 at the output ...
  matrix<T> delta = matrix<T>::from_shape(zs.back().shape());
  auto delta_row = detail::as_row(delta);
  Net::cost::template output_delta<typename Net::output_activation>(
      detail::as_row(zs.back()), detail::as_row(activations.back()), detail::as_row(y), delta_row);
  // ... then BP2, with BP3 and BP4 for every layer
  nndl::detail::static_for<L, true>([&](auto i) {
    constexpr std::size_t l = i();
    const auto& layer = net.template layer<l>();
    if constexpr (l + 1 < L) {
      using Act = typename std::decay_t<decltype(layer)>::activation;
      const auto& above = net.template layer<l + 1>();
      matrix<T> d = xt::linalg::dot(xt::transpose(above.w), delta);  // wᵀ δ
      auto d_row = detail::as_row(d);
      Act::backward(detail::as_row(zs[l]), detail::as_row(activations[l + 1]), d_row);  // ⊙ σ'(z)
      delta = d;
    }
    g.nabla_b[l] = delta;                                                  // BP3
    g.nabla_w[l] = xt::linalg::dot(delta, xt::transpose(activations[l]));  // BP4
  });
  return g;
}

/// network.py's update_mini_batch: sum the per-sample gradients, then one step (with the
/// regulariser's decay, as network2.py).
template <class Net>
void update_mini_batch(Net& net, const dataset<typename Net::scalar>& data, std::span<const std::size_t> indices,
                       const step_settings& s) {
  using T = typename Net::scalar;
  gradients<T> sum;
  for (std::size_t k = 0; k < indices.size(); ++k) {
    auto g = backprop(net, data.row(indices[k]), data.labels[indices[k]]);
    if (k == 0) {
      sum = std::move(g);
      continue;
    }
    for (std::size_t l = 0; l < Net::depth; ++l) {
      sum.nabla_b[l] += g.nabla_b[l];
      sum.nabla_w[l] += g.nabla_w[l];
    }
  }
  const T rate = T(s.eta / double(indices.size()));
  net.for_each_layer([&](auto& layer, std::size_t l) {
    const T beta = Net::regularizer::shrink(layer.w, T(s.eta * s.lambda / double(s.n)));
    layer.w = beta * layer.w - rate * sum.nabla_w[l];
    layer.b = layer.b - rate * xt::flatten(sum.nabla_b[l]);
  });
}

}  // namespace nndl::reference
