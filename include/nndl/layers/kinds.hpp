// Every layer kind nndl has, for what is chosen by name when a program runs (a record read from a
// file, a graph). A new kind is its own header in kind/ and one more entry here.
#pragma once

#include "../detail/out_of_line.hpp"

#include <string>
#include <string_view>
#include <tuple>

#include "kind/conv.hpp"
#include "kind/dense.hpp"
#include "kind/dropout.hpp"
#include "kind/max_pool.hpp"
#include "layer.hpp"

namespace nndl {

/// Every kind of layer a model file or an ONNX graph can hold, in the order the formats try them.
using layer_kinds = std::tuple<dense_kind, conv_kind, max_pool_kind, dropout_kind>;

/// Calls `f.template operator()<Kind>()` for the kind named `name`; false when none is.
template <class F>
bool with_kind(std::string_view name, F&& f) {
  return std::apply(
      [&](auto... k) {
        static_assert((layer_kind<decltype(k)> && ...),
                      "nndl: every entry of layer_kinds must be a layer_kind (layers/kind/kind.hpp)");
        return ((name == decltype(k)::name ? (f.template operator()<decltype(k)>(), true) : false) || ...);
      },
      layer_kinds{});
}

/// The kinds' names, "dense, conv, max_pool and dropout", for messages.
NNDL_OUT_OF_LINE std::string kind_names();

/// The rank of what a layer makes in a graph: 2 (a matrix {N, n}), 4 (maps {N, C, H, W}), or `input_rank`.
NNDL_OUT_OF_LINE int graph_rank(const layer_record& r, int input_rank);

/// "dense 30 sigmoid", "conv 20@5x5 relu", "max_pool 2x2", "dropout p=0.5"
NNDL_OUT_OF_LINE std::string describe_layer(const layer_record& r);

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "kinds.ipp"
#endif
