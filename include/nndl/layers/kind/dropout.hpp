// The dropout kind (layers/dropout.hpp): p, the probability of dropping an input; no parameters.
// At inference nndl scales by 1 − p (the book's dropout), where ONNX's Dropout is the identity
// (inverted dropout). So it is written as Dropout(ratio p) followed by Mul(1 − p): ONNX Runtime
// computes what nndl does, and the pair reads back as dropout p. A Dropout alone (what PyTorch
// writes) is the identity, and the reader passes over it.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "kind.hpp"

namespace nndl {

/// The dropout kind ("dropout"): no parameters, the probability p of dropping an input.
struct dropout_kind {
  /// Its name in model files ("kind").
  static constexpr std::string_view name = "dropout";
  static constexpr int graph_rank = 0;  ///< the rank of what it makes in a graph: keeps its input's

  /// "dropout p=0.5".
  static std::string describe(const layer_record& r) {
    std::string s = std::to_string(r.p);
    s.erase(s.find_last_not_of('0') + 1);
    return "dropout p=" + s;
  }
  /// Its field: "p".
  static void write_fields(const layer_record& r, record_fields& out) { out.emplace_back("p", r.p); }
  /// The record from its field (p in [0, 1)) and the input shape.
  static layer_record read_fields(const field_source& f, const std::array<std::size_t, 3>& in) {
    const double p = f.number("p");
    if (!(p >= 0 && p < 1)) f.bad("\"p\" must be a number in [0, 1)");
    return {.kind = "dropout", .input = in, .output = in, .p = p};
  }

  /// Its nodes: Dropout(ratio p), then Mul(1 − p), the book's scaling at inference.
  static void to_graph(const layer_record& r, std::span<const std::vector<double>>, graph::writer& w) {
    const std::vector<double> ratio{r.p}, keep{1 - r.p};
    w.node("Dropout", {w.constant("ratio", {}, ratio)}, {});
    w.node("Mul", {w.constant("keep", {}, keep)}, {});
  }

  /// The layer of a Dropout node followed by its Mul(1 − p) at the reader's place, or none.
  static std::optional<imported_layer> from_graph(graph::reader& g) {
    const graph::node* n = g.peek();
    const graph::node* mul = g.peek(1);
    if (!n || n->op != "Dropout" || !mul || mul->op != "Mul" || mul->inputs.size() != 2) return std::nullopt;
    if (n->inputs.size() < 2 || n->inputs[1].empty() || n->inputs.size() > 2)
      return std::nullopt;  // (training_mode: the reader's)
    const graph::tensor ratio = g.input_constant(*n, 1, "ratio");
    const auto scale = g.constant(mul->inputs[0] == n->outputs.at(0) ? mul->inputs[1] : mul->inputs[0]);
    if (ratio.size() != 1 || !scale || scale->size() != 1) return std::nullopt;
    const double p = ratio.values[0];
    if (!(p >= 0 && p < 1)) g.refuse(*n, "ratio", "must be in [0, 1)");
    if (std::abs(scale->values[0] - (1 - p)) > 1e-6) return std::nullopt;  // some other product: refused as a Mul
    g.take(2);
    const auto in = g.shape();
    return imported_layer{{.kind = "dropout", .input = in, .output = in, .p = p}, {}};
  }
};

}  // namespace nndl
