// The input of a network and the shapes that flow between layers. A sample is always stored as
// one row of `size` values; a shape only says how a layer reads that row (channels × height × width).
#pragma once

#include <cstddef>
#include <string>

#include "../detail/parts.hpp"

namespace nndl {

/// channels × height × width; a flat vector of n values is shape<1, 1, n>.
template <std::size_t C, std::size_t H, std::size_t W>
struct shape {
  //! @{
  /// Its channels, height and width, and size = channels × height × width (the values of one sample).
  static constexpr std::size_t channels = C, height = H, width = W, size = C * H * W;
  //! @}
  /// "784" for a flat vector, else "1x28x28".
  static std::string str() {
    if (C == 1 && H == 1) return std::to_string(W);
    return std::to_string(C) + "x" + std::to_string(H) + "x" + std::to_string(W);
  }
};

namespace detail {
template <std::size_t... D>
struct input_shape;
template <std::size_t N>
struct input_shape<N> {
  using type = shape<1, 1, N>;
};
template <std::size_t H, std::size_t W>
struct input_shape<H, W> {
  using type = shape<1, H, W>;
};
template <std::size_t C, std::size_t H, std::size_t W>
struct input_shape<C, H, W> {
  using type = shape<C, H, W>;
};
}  // namespace detail

/// The first part of every network: input<784> (a flat vector), input<28, 28> or input<1, 28, 28>.
template <std::size_t... Dims>
struct input {
  /// Marks the part as the network's input.
  static constexpr part_kind kind = part_kind::input;
  static_assert(sizeof...(Dims) >= 1 && sizeof...(Dims) <= 3,
                "nndl: input<...> takes one to three sizes: input<784>, input<28, 28> or input<1, 28, 28>");
  static_assert(((Dims > 0) && ...), "nndl: input<...> sizes must be positive");
  /// The shape of a sample: input<784> is shape<1, 1, 784>, input<28, 28> shape<1, 28, 28>.
  using shape = typename detail::input_shape<Dims...>::type;
};

}  // namespace nndl
