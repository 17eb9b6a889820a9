// The dense layer kind (layers/dense.hpp): units and activation; W {units, in}, b {units}.
// As graph nodes: Gemm(X, W, b) with transB = 1 (W as nndl keeps it), then the activation. Read
// back from Gemm (transB 0 or 1, alpha = beta = 1) or from MatMul(X, Wᵀ) followed by Add(b), as
// PyTorch writes nn.Linear.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kind.hpp"

namespace nndl {

/// The fully connected kind ("dense"): units neurons, then an activation.
struct dense_kind {
  /// Its name in model files ("kind").
  static constexpr std::string_view name = "dense";
  static constexpr int graph_rank = 2;  ///< the rank of what it makes in a graph: a matrix {N, units}

  /// "dense 30 sigmoid".
  static std::string describe(const layer_record& r) { return "dense " + std::to_string(r.units) + " " + r.activation; }
  /// Its fields: "units", "activation".
  static void write_fields(const layer_record& r, record_fields& out) {
    out.emplace_back("units", r.units);
    out.emplace_back("activation", r.activation);
  }
  /// The record from its fields and the input shape.
  static layer_record read_fields(const field_source& f, const std::array<std::size_t, 3>& in) {
    layer_record r{.kind = "dense", .activation = f.text("activation"), .input = in};
    r.units = f.size("units");
    return shaped(r);
  }
  /// The record with its output shape {1, 1, units} and parameter count filled in.
  static layer_record shaped(layer_record r) {
    r.output = {1, 1, r.units};
    r.parameters = shape_size(r.input) * r.units + r.units;
    return r;
  }

  /// Its nodes: Gemm with its weights and biases (after a Flatten of images), then its activation's.
  static void to_graph(const layer_record& r, std::span<const std::vector<double>> p, graph::writer& w) {
    using graph::attribute;
    const auto in = std::int64_t(shape_size(r.input)), out = std::int64_t(r.units);
    w.as_matrix();
    const std::string W = w.constant("weights", {out, in}, p[0]), b = w.constant("biases", {out}, p[1]);
    w.node("Gemm", {W, b}, {attribute::of_int("transB", 1)});
    graph::write_activation(r.activation, w);
  }

  /// The layer of a Gemm (or MatMul and Add) node and the activation after it, or none.
  static std::optional<imported_layer> from_graph(graph::reader& g) {
    const graph::node* n = g.peek();
    if (!n || (n->op != "Gemm" && n->op != "MatMul")) return std::nullopt;
    if (g.rank() != 2) g.refuse(*n, "", "a dense layer needs a matrix {N, features} as input: put a Flatten before it");
    const auto in_shape = g.shape();
    const std::size_t in = shape_size(in_shape);
    graph::tensor W = g.input_constant(*n, 1, "weights");
    bool transposed = n->op == "MatMul";  // W {in, out}
    std::optional<graph::tensor> b;
    std::size_t taken = 1;
    if (n->op == "Gemm") {
      for (const char* a : {"alpha", "beta"})
        if (const auto* at = n->find(a); at && (at->floats.size() != 1 || at->floats[0] != 1.0))
          g.refuse(*n, a, "only 1 is implemented");
      if (g.ints(*n, "transA", {0}) != std::vector<std::int64_t>{0}) g.refuse(*n, "transA", "only 0 is implemented");
      const auto tb = g.ints(*n, "transB", {0});
      if (tb != std::vector<std::int64_t>{0} && tb != std::vector<std::int64_t>{1})
        g.refuse(*n, "transB", "must be 0 or 1");
      transposed = tb[0] == 0;
      if (n->inputs.size() > 2 && !n->inputs[2].empty()) b = g.input_constant(*n, 2, "bias");
    } else if (const graph::node* add = g.peek(1); add && add->op == "Add" && add->inputs.size() == 2) {
      const bool first = add->inputs[0] == n->outputs.at(0);
      if (first || add->inputs[1] == n->outputs.at(0)) {
        b = g.constant(add->inputs[first ? 1 : 0]);
        if (!b)
          g.refuse(*add, "", "adds a value that is not a constant to a MatMul: not a dense layer nndl implements");
        taken = 2;
      }
    }
    if (W.dims.size() != 2 || std::size_t(W.dims[transposed ? 0 : 1]) != in)
      g.refuse(*n, "",
               "its weights " + graph::dims_string(W.dims) + " do not take the " + std::to_string(in) +
                   " inputs it is given");
    const std::size_t out = std::size_t(W.dims[transposed ? 1 : 0]);
    std::vector<double> weights(out * in), biases(out, 0.0);
    for (std::size_t j = 0; j < out; ++j)
      for (std::size_t k = 0; k < in; ++k)
        weights[j * in + k] = transposed ? W.values[k * out + j] : W.values[j * in + k];
    if (b) {
      if (b->size() != out || (b->dims.size() == 2 && b->dims[0] != 1) || b->dims.size() > 2)
        g.refuse(
            *g.peek(taken - 1), "",
            "its bias " + graph::dims_string(b->dims) + " is not one value per output (" + std::to_string(out) + ")");
      biases = b->values;
    }
    g.take(taken);
    layer_record r{.kind = "dense", .input = in_shape, .units = out};
    r.activation = graph::read_activation(g).value_or("identity");
    return imported_layer{shaped(r), {std::move(weights), std::move(biases)}};
  }
};

}  // namespace nndl
