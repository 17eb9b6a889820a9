// What a layer kind says of itself, so that every format reads the kind's own description instead
// of comparing kind names: its name, a line that describes it, the fields of its record in a file,
// how its output shape follows from its input, and how it maps to graph nodes (graph.hpp). One
// header per kind (dense.hpp, conv.hpp, max_pool.hpp, dropout.hpp beside this one); the list of
// kinds is layers/kinds.hpp, and each kind's run-time twin is in model/runtime_layers.hpp.
#pragma once

#include "../../detail/out_of_line.hpp"

#include <array>
#include <concepts>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "../../activation.hpp"
#include "../layer.hpp"
#include "graph.hpp"

namespace nndl {

/// The fields a kind writes of a record (besides "kind" and "output"), in order.
using record_fields = std::vector<std::pair<std::string, std::variant<std::size_t, double, std::string>>>;

/// Where a kind reads its fields from (a model file's JSON); each getter refuses a missing or bad
/// field through bad(), which names the file, the layer and the problem.
class field_source {
 public:
  virtual ~field_source() = default;
  virtual std::size_t size(const char* key) const = 0;  ///< a whole number from 1 to 2^24
  /// The number of field `key`.
  virtual double number(const char* key) const = 0;
  /// The text of field `key`.
  virtual std::string text(const char* key) const = 0;
  /// Refuses the field: throws, naming the file, the layer and `problem`.
  [[noreturn]] virtual void bad(const std::string& problem) const = 0;
};

/// A layer read from a graph: its record and its parameter tensors in nndl's layout and walk order.
struct imported_layer {
  /// What the layer is.
  layer_record record;
  /// Its parameter tensors (weights, then biases), in nndl's layout.
  std::vector<std::vector<double>> parameters;
};

/// The contract of a layer kind.
template <class K>
concept layer_kind = requires(const layer_record& r, const field_source& f, record_fields& out,
                              const std::array<std::size_t, 3>& in, std::span<const std::vector<double>> p,
                              graph::writer& w, graph::reader& g) {
  { K::name } -> std::convertible_to<std::string_view>;
  { K::graph_rank } -> std::convertible_to<int>;  // 2: a matrix, 4: maps, 0: the rank of its input
  { K::describe(r) } -> std::same_as<std::string>;
  K::write_fields(r, out);
  { K::read_fields(f, in) } -> std::same_as<layer_record>;
  K::to_graph(r, p, w);
  { K::from_graph(g) } -> std::same_as<std::optional<imported_layer>>;
};

namespace graph {

/// The node of an activation (none for the identity), after the node of a dense or conv layer.
NNDL_OUT_OF_LINE void write_activation(const std::string& name, writer& w);

/// When the next node is an activation nndl has, takes it as the layer's: its name, or none.
NNDL_OUT_OF_LINE std::optional<std::string> read_activation(reader& g);

}  // namespace graph
}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "kind.ipp"
#endif
