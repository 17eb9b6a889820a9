// The convolutional layer kind (layers/conv.hpp): F feature maps of K×K kernels, valid, stride 1;
// W {F, C·K·K} (laid out as ONNX's {F, C, K, K}), b {F}. As graph nodes: Conv with explicit
// kernel_shape, strides 1, pads 0, dilations 1, group 1, then the activation. Read back only with
// those values: any other stride, padding, dilation or grouping is refused, never approximated.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kind.hpp"

namespace nndl {

/// The convolutional kind ("conv"): F feature maps of K × K kernels, then an activation.
struct conv_kind {
  /// Its name in model files ("kind").
  static constexpr std::string_view name = "conv";
  static constexpr int graph_rank = 4;  ///< the rank of what it makes in a graph: maps {N, F, H, W}

  /// "conv 20@5x5 sigmoid".
  static std::string describe(const layer_record& r) {
    return "conv " + std::to_string(r.units) + "@" + std::to_string(r.window) + "x" + std::to_string(r.window) + " " +
           r.activation;
  }
  /// Its fields: "maps", "kernel", "activation".
  static void write_fields(const layer_record& r, record_fields& out) {
    out.emplace_back("maps", r.units);
    out.emplace_back("kernel", r.window);
    out.emplace_back("activation", r.activation);
  }
  /// The record from its fields and the input shape; a kernel larger than the input is refused.
  static layer_record read_fields(const field_source& f, const std::array<std::size_t, 3>& in) {
    layer_record r{.kind = "conv", .activation = f.text("activation"), .input = in};
    r.units = f.size("maps");
    r.window = f.size("kernel");
    if (r.window > in[1] || r.window > in[2])
      f.bad("a " + std::to_string(r.window) + "x" + std::to_string(r.window) + " kernel does not fit its input " +
            shape_string(in));
    return shaped(r);
  }
  /// The record with its output shape (H − K + 1, W − K + 1) and parameter count filled in.
  static layer_record shaped(layer_record r) {
    const auto& in = r.input;
    r.output = {r.units, in[1] - r.window + 1, in[2] - r.window + 1};
    r.parameters = r.units * in[0] * r.window * r.window + r.units;
    return r;
  }

  /// Its nodes: Conv (stride 1, no padding) with its kernels and biases, then its activation's.
  static void to_graph(const layer_record& r, std::span<const std::vector<double>> p, graph::writer& w) {
    using graph::attribute;
    const auto F = std::int64_t(r.units), C = std::int64_t(r.input[0]), K = std::int64_t(r.window);
    w.as_images(r.input);
    const std::string W = w.constant("weights", {F, C, K, K}, p[0]), b = w.constant("biases", {F}, p[1]);
    w.node("Conv", {W, b},
           {attribute::of_ints("kernel_shape", {K, K}), attribute::of_ints("strides", {1, 1}),
            attribute::of_ints("pads", {0, 0, 0, 0}), attribute::of_ints("dilations", {1, 1}),
            attribute::of_int("group", 1)});
    graph::write_activation(r.activation, w);
  }

  /// The layer of a Conv node (and the activation after it) at the reader's place, or none.
  static std::optional<imported_layer> from_graph(graph::reader& g) {
    const graph::node* n = g.peek();
    if (!n || n->op != "Conv") return std::nullopt;
    if (g.rank() != 4) g.refuse(*n, "", "a convolution needs images {N, C, H, W} as input");
    const auto in = g.shape();
    const graph::tensor W = g.input_constant(*n, 1, "weights");
    if (W.dims.size() != 4 || W.dims[2] != W.dims[3] || W.dims[2] < 1)
      g.refuse(*n, "",
               "its weights " + graph::dims_string(W.dims) +
                   " are not {maps, channels, K, K}: nndl implements square kernels");
    const std::int64_t F = W.dims[0], C = W.dims[1], K = W.dims[2];
    if (g.ints(*n, "group", {1}) != std::vector<std::int64_t>{1}) g.refuse(*n, "group", "only group 1 is implemented");
    if (std::size_t(C) != in[0])
      g.refuse(*n, "",
               "its weights " + graph::dims_string(W.dims) + " take " + std::to_string(C) +
                   " channels; its input has " + std::to_string(in[0]));
    if (g.ints(*n, "kernel_shape", {K, K}) != std::vector<std::int64_t>{K, K})
      g.refuse(*n, "kernel_shape", "does not match the weights' " + std::to_string(K) + "x" + std::to_string(K));
    if (g.ints(*n, "strides", {1, 1}) != std::vector<std::int64_t>{1, 1})
      g.refuse(*n, "strides", "only stride 1 is implemented");
    if (g.ints(*n, "dilations", {1, 1}) != std::vector<std::int64_t>{1, 1})
      g.refuse(*n, "dilations", "only dilation 1 is implemented");
    if (g.ints(*n, "pads", {0, 0, 0, 0}) != std::vector<std::int64_t>{0, 0, 0, 0})
      g.refuse(*n, "pads", "only no padding (pads 0) is implemented");
    if (const auto* pad = n->find("auto_pad"); pad && pad->text != "NOTSET" && pad->text != "VALID")
      g.refuse(*n, "auto_pad", "\"" + pad->text + "\" is not implemented (only NOTSET and VALID)");
    if (std::size_t(K) > in[1] || std::size_t(K) > in[2])
      g.refuse(
          *n, "",
          "a " + std::to_string(K) + "x" + std::to_string(K) + " kernel does not fit its input " + shape_string(in));
    std::vector<double> biases(std::size_t(F), 0.0);
    if (n->inputs.size() > 2 && !n->inputs[2].empty()) {
      const graph::tensor b = g.input_constant(*n, 2, "bias");
      if (b.dims.size() != 1 || b.dims[0] != F)
        g.refuse(*n, "", "its bias " + graph::dims_string(b.dims) + " is not one value per map");
      biases = b.values;
    }
    g.take(1);
    layer_record r{.kind = "conv", .input = in, .units = std::size_t(F), .window = std::size_t(K)};
    r.activation = graph::read_activation(g).value_or("identity");
    return imported_layer{shaped(r), {W.values, std::move(biases)}};
  }
};

}  // namespace nndl
