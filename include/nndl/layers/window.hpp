// Whether a windowed layer (conv, max_pool) fits the shape it is given: one static_assert that
// names both the input shape and the window, so a wrong composition reads as one message.
#pragma once

#include <cstddef>

namespace nndl {

/// A KH×KW window, for the messages of layer_fits.
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

}  // namespace nndl
