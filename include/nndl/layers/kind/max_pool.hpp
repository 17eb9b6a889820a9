// The max-pooling kind (layers/pool.hpp): P×P blocks, stride P, no parameters. As a graph node:
// MaxPool with kernel_shape = strides = {P, P}; read back only so (no padding, dilation 1, floor
// rounding, one output), and only where P divides the input, as nndl pools.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kind.hpp"

namespace nndl {

/// The max-pooling kind ("max_pool"): the maximum of each P × P block.
struct max_pool_kind {
  /// Its name in model files ("kind").
  static constexpr std::string_view name = "max_pool";
  static constexpr int graph_rank = 4;  ///< the rank of what it makes in a graph: maps {N, C, H, W}

  /// "max_pool 2x2".
  static std::string describe(const layer_record& r) {
    return "max_pool " + std::to_string(r.window) + "x" + std::to_string(r.window);
  }
  /// Its field: "pool".
  static void write_fields(const layer_record& r, record_fields& out) { out.emplace_back("pool", r.window); }
  /// The record from its field and the input shape; a pool size that does not divide the input is refused.
  static layer_record read_fields(const field_source& f, const std::array<std::size_t, 3>& in) {
    layer_record r{.kind = "max_pool", .input = in, .window = f.size("pool")};
    if (in[1] % r.window != 0 || in[2] % r.window != 0)
      f.bad(std::to_string(r.window) + "x" + std::to_string(r.window) + " pooling does not divide its input " +
            shape_string(in));
    return shaped(r);
  }
  /// The record with its output shape (H / P, W / P) filled in.
  static layer_record shaped(layer_record r) {
    r.output = {r.input[0], r.input[1] / r.window, r.input[2] / r.window};
    return r;
  }

  /// Its node: MaxPool of P × P, stride P.
  static void to_graph(const layer_record& r, std::span<const std::vector<double>>, graph::writer& w) {
    const auto P = std::int64_t(r.window);
    w.as_images(r.input);
    w.node("MaxPool", {},
           {graph::attribute::of_ints("kernel_shape", {P, P}), graph::attribute::of_ints("strides", {P, P})});
  }

  /// The layer of a MaxPool node at the reader's place, or none.
  static std::optional<imported_layer> from_graph(graph::reader& g) {
    const graph::node* n = g.peek();
    if (!n || n->op != "MaxPool") return std::nullopt;
    if (g.rank() != 4) g.refuse(*n, "", "max-pooling needs images {N, C, H, W} as input");
    const auto in = g.shape();
    const auto k = g.ints(*n, "kernel_shape", {});
    if (k.size() != 2 || k[0] != k[1] || k[0] < 1) g.refuse(*n, "kernel_shape", "must be square, {P, P}");
    const std::int64_t P = k[0];
    if (g.ints(*n, "strides", {1, 1}) != std::vector<std::int64_t>{P, P})
      g.refuse(*n, "strides", "only strides equal to the kernel (" + std::to_string(P) + ") are implemented");
    if (g.ints(*n, "pads", {0, 0, 0, 0}) != std::vector<std::int64_t>{0, 0, 0, 0})
      g.refuse(*n, "pads", "only no padding is implemented");
    if (g.ints(*n, "dilations", {1, 1}) != std::vector<std::int64_t>{1, 1})
      g.refuse(*n, "dilations", "only dilation 1 is implemented");
    if (g.ints(*n, "ceil_mode", {0}) != std::vector<std::int64_t>{0})
      g.refuse(*n, "ceil_mode", "only 0 (floor) is implemented");
    if (g.ints(*n, "storage_order", {0}) != std::vector<std::int64_t>{0})
      g.refuse(*n, "storage_order", "only 0 is implemented");
    if (const auto* pad = n->find("auto_pad"); pad && pad->text != "NOTSET" && pad->text != "VALID")
      g.refuse(*n, "auto_pad", "\"" + pad->text + "\" is not implemented (only NOTSET and VALID)");
    if (n->outputs.size() > 1 && !n->outputs[1].empty())
      g.refuse(*n, "", "its second output (the indices) is not implemented");
    if (in[1] % std::size_t(P) != 0 || in[2] % std::size_t(P) != 0)
      g.refuse(*n, "kernel_shape",
               std::to_string(P) + "x" + std::to_string(P) + " pooling does not divide its input " + shape_string(in));
    g.take(1);
    return imported_layer{shaped({.kind = "max_pool", .input = in, .window = std::size_t(P)}), {}};
  }
};

}  // namespace nndl
