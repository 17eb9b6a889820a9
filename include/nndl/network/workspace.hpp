// The memory of one pass of a network over a mini-batch: per layer the weighted input Z, the
// activation A and (for training) Δ, all {rows, out_size}; the one-hot targets; and each layer's
// own scratch (layer.hpp). It grows to the largest batch it has seen and is then reused, so a
// training step allocates nothing. Whoever runs a pass owns its workspace: the training loop one,
// each inference call its own (from the network's pool).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>

#include "../detail/xtensor.hpp"
#include "../layers/layer.hpp"

namespace nndl::detail {

template <class T, std::size_t In, std::size_t Out, class Layers>
class network_workspace;

template <class T, std::size_t In, std::size_t Out, class... L>
class network_workspace<T, In, Out, std::tuple<L...>> {
  static constexpr std::size_t depth = sizeof...(L);
  template <std::size_t I>
  using layer_t = std::tuple_element_t<I, std::tuple<L...>>;
  static constexpr std::array<std::size_t, depth> sizes{L::out_size...};

 public:
  /// Room for `rows` samples; `training` adds the Δ buffers of backpropagation.
  void reserve(std::size_t rows, bool training) {
    if (rows > capacity_) {
      y_.reserve(rows * Out);
      for (std::size_t l = 0; l < depth; ++l) z_[l].reserve(rows * sizes[l]), a_[l].reserve(rows * sizes[l]);
      capacity_ = rows;
    }
    if (training || deltas_)
      for (std::size_t l = 0; l < depth; ++l) g_[l].reserve(capacity_ * sizes[l]);
    deltas_ = deltas_ || training;
  }

  /// Layer I's forward views: its input (x itself for the first layer), Z and A.
  template <std::size_t I>
  forward_batch<T> batch(const T* x, std::size_t rows) {
    return {input<I>(x, rows), z_view<I>(rows), a_view<I>(rows)};
  }
  /// Layer I's backward views; the output layer's Δ comes from the cost already as ∂C/∂Z.
  template <std::size_t I>
  backward_batch<T> for_backward(const T* x, std::size_t rows, bool output) {
    std::optional<mview<T>> din;
    if constexpr (I > 0) din = delta<I - 1>(rows);
    return {input<I>(x, rows),
            const_view(z_[I], rows, sizes[I]),
            const_view(a_[I], rows, sizes[I]),
            delta<I>(rows),
            output ? delta_holds::dC_dZ : delta_holds::dC_dA,
            din};
  }
  template <std::size_t I>
  typename layer_t<I>::scratch& scratch() {
    return std::get<I>(scratch_);
  }

  template <std::size_t I>
  mview<T> z_view(std::size_t rows) {
    return rows_view(z_[I].data.data(), rows, sizes[I]);
  }
  template <std::size_t I>
  mview<T> a_view(std::size_t rows) {
    return rows_view(a_[I].data.data(), rows, sizes[I]);
  }
  template <std::size_t I>
  mview<T> delta(std::size_t rows) {
    return rows_view(g_[I].data.data(), rows, sizes[I]);
  }
  template <std::size_t I>
  cview<T> z_of(std::size_t rows) const {
    return const_view(z_[I], rows, sizes[I]);
  }
  template <std::size_t I>
  cview<T> a_of(std::size_t rows) const {
    return const_view(a_[I], rows, sizes[I]);
  }
  cview<T> output(std::size_t rows) const { return const_view(a_[depth - 1], rows, Out); }
  cview<T> targets(std::size_t rows) const { return const_view(y_, rows, Out); }

  /// One-hot targets y for the labels (the book's vectorized_result).
  void set_targets(std::span<const std::uint8_t> labels) {
    const std::size_t m = labels.size();
    T* y = y_.data.data();
    std::fill(y, y + m * Out, T(0));
    for (std::size_t i = 0; i < m; ++i) {
      if (labels[i] >= Out)
        throw std::out_of_range("nndl: label " + std::to_string(labels[i]) + " is out of range for a network with " +
                                std::to_string(Out) + " outputs");
      y[i * Out + labels[i]] = T(1);
    }
  }

 private:
  static cview<T> const_view(const grow_buffer<T>& b, std::size_t rows, std::size_t cols) {
    return rows_view(static_cast<const T*>(b.data.data()), rows, cols);
  }
  template <std::size_t I>
  cview<T> input(const T* x, std::size_t rows) const {
    if constexpr (I == 0)
      return rows_view(x, rows, In);
    else
      return const_view(a_[I - 1], rows, sizes[I - 1]);
  }

  std::size_t capacity_ = 0;
  bool deltas_ = false;
  grow_buffer<T> y_;
  std::array<grow_buffer<T>, depth> z_, a_, g_;
  std::tuple<typename L::scratch...> scratch_;
};

}  // namespace nndl::detail
