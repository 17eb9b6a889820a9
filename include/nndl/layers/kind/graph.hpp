// A network as a graph of operations, in neutral terms: what a layer kind says of itself when a
// format that stores graphs (ONNX, io/onnx.hpp) writes or reads it. Nodes, their attributes and
// constant tensors carry ONNX's names ("Gemm", "kernel_shape"), but nothing here needs protobuf:
// the format translates these structs to and from its own bytes.
//
//   writer  a kind appends its nodes to the value that the layer below produced
//   reader  a kind looks at the next nodes of a chain and, when they are its own, takes them
#pragma once

#include "../../detail/out_of_line.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nndl::graph {

/// One attribute of a node: whole numbers (INT, INTS), numbers (FLOAT, FLOATS) or text.
struct attribute {
  /// What an attribute holds.
  enum class type { ints, floats, text, other };
  /// Its name ("kernel_shape", "axis", ...).
  std::string name;
  /// What it holds.
  type kind = type::other;
  /// Its whole numbers (INT, INTS).
  std::vector<std::int64_t> ints;
  /// Its numbers (FLOAT, FLOATS).
  std::vector<double> floats;
  /// Its text (STRING).
  std::string text;
  bool list = false;  ///< INTS or FLOATS (not INT or FLOAT)

  /// An INTS attribute.
  static attribute of_ints(std::string n, std::vector<std::int64_t> v) {
    return {std::move(n), type::ints, std::move(v), {}, {}, true};
  }
  /// An INT attribute.
  static attribute of_int(std::string n, std::int64_t v) { return {std::move(n), type::ints, {v}, {}, {}, false}; }
};

/// One node of a graph: an operation, its inputs and outputs, its attributes.
struct node {
  //! @{
  /// Its name and its operation ("Gemm", "Conv", ...).
  std::string name, op;
  //! @}
  //! @{
  /// The names of the values it reads and writes.
  std::vector<std::string> inputs, outputs;
  //! @}
  /// Its attributes.
  std::vector<attribute> attributes;

  /// The attribute named n, or nullptr.
  const attribute* find(std::string_view n) const {
    for (const auto& a : attributes)
      if (a.name == n) return &a;
    return nullptr;
  }
};

/// A constant tensor's shape and values (as double: float32 values convert exactly).
struct tensor {
  /// Its dimensions, outermost first.
  std::vector<std::int64_t> dims;
  /// Its values, row-major.
  std::vector<double> values;
  /// The number of values.
  std::size_t size() const { return values.size(); }
};

/// "[20, 1, 5, 5]"
NNDL_OUT_OF_LINE std::string dims_string(const std::vector<std::int64_t>& d);

/// Where a layer kind writes its nodes. The current value is what the layer below produced: each
/// node() reads it (and the extra inputs) and makes its output the current value.
class writer {
 public:
  virtual ~writer() = default;
  /// Appends a node of operation op that reads the current value and more_inputs; its output becomes the current value.
  virtual void node(std::string op, std::vector<std::string> more_inputs, std::vector<attribute> attributes) = 0;
  /// A constant (an initializer) of the network's scalar type, named after `hint`; its name.
  virtual std::string constant(const std::string& hint, std::vector<std::int64_t> dims,
                               std::span<const double> values) = 0;
  /// The current value as a matrix {N, features} (a Flatten when it is {N, C, H, W}) ...
  virtual void as_matrix() = 0;
  /// ... or as images {N, C, H, W} (a Reshape when it is a matrix).
  virtual void as_images(const std::array<std::size_t, 3>& chw) = 0;
};

/// The chain of nodes a layer kind reads from, from the value the layers before it produced.
class reader {
 public:
  virtual ~reader() = default;
  /// The node `ahead` places after the current one (0: the next to read), or none at the end.
  virtual const node* peek(std::size_t ahead = 0) const = 0;
  /// Takes the next `count` nodes: they are the layer's.
  virtual void take(std::size_t count) = 0;
  /// The constant (initializer or Constant node) named `name`, or none.
  virtual std::optional<tensor> constant(const std::string& name) const = 0;
  /// The current value per sample: {C, H, W}, or {1, 1, n} for a matrix; and its rank (2 or 4).
  virtual std::array<std::size_t, 3> shape() const = 0;
  /// The current value's rank: 2 (a matrix) or 4 (images).
  virtual int rank() const = 0;
  /// Refuses the graph: throws, naming the node, its operation, the attribute (if any) and why.
  [[noreturn]] virtual void refuse(const node& n, const std::string& attribute, const std::string& why) const = 0;

  /// The whole numbers of attribute `name` of n, or `otherwise` when n has none.
  std::vector<std::int64_t> ints(const node& n, std::string_view name, std::vector<std::int64_t> otherwise) const {
    const attribute* a = n.find(name);
    if (!a) return otherwise;
    if (a->kind != attribute::type::ints) refuse(n, std::string(name), "must hold whole numbers");
    return a->ints;
  }
  /// The constant behind input i of n (refused when it is missing or not a constant).
  tensor input_constant(const node& n, std::size_t i, const std::string& what) const {
    if (i >= n.inputs.size() || n.inputs[i].empty()) refuse(n, "", "has no " + what);
    auto t = constant(n.inputs[i]);
    if (!t) refuse(n, "", "its " + what + " \"" + n.inputs[i] + "\" is not a constant (an initializer)");
    return *t;
  }
};

}  // namespace nndl::graph

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "graph.ipp"
#endif
