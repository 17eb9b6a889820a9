// What a network is, as data: the scalar type, the input shape, a record per layer (layer.hpp's
// layer_record) and the policies. Every description of a network is derived from this one record:
// describe()'s table, network2.py's sizes and the "[784, 30, 10] sigmoid/sigmoid, CrossEntropyCost"
// string of the model files, the checkpoints' layer list, and (for files that describe themselves)
// the record written as JSON.
#pragma once

#include <array>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "../layers/kinds.hpp"

namespace nndl {

/// What a network is, as data: scalar type, input shape, layers, cost, initialisation and regulariser (for describe(),
/// model files and messages).
struct architecture_record {
  std::string scalar;                  ///< "float" or "double"
  std::array<std::size_t, 3> input{};  ///< channels, height, width
  /// Its layers, input side first.
  std::vector<layer_record> layers;
  //! @{
  std::string cost, cost_book_name;  ///< "cross-entropy", "CrossEntropyCost"
  //! @}
  //! @{
  std::string init, regularizer;  ///< "default", "L2"
  //! @}

  /// The number of weights and biases of all its layers.
  std::size_t parameters() const {
    std::size_t n = 0;
    for (const auto& l : layers) n += l.parameters;
    return n;
  }
};

/// network2.py's sizes, [784, 30, 10]: the input and the output of each layer with parameters.
inline std::vector<std::size_t> book_sizes(const architecture_record& a) {
  std::vector<std::size_t> v{shape_size(a.input)};
  for (const auto& l : a.layers)
    if (l.parameters > 0) v.push_back(shape_size(l.output));
  return v;
}

/// The activation of each layer with parameters; a parameterless layer before it (dropout) is named
/// in front, "dropout p=0.5 > sigmoid", because it changes what the weights mean at inference.
inline std::vector<std::string> book_activations(const architecture_record& a) {
  std::vector<std::string> v;
  std::string before;
  for (const auto& l : a.layers) {
    if (l.parameters > 0) {
      v.push_back(before + l.activation);
      before.clear();
    } else {
      before += describe_layer(l) + " > ";
    }
  }
  return v;
}

/// "[784, 30, 10] sigmoid/sigmoid, CrossEntropyCost" from sizes, activations and network2.py's cost name.
inline std::string book_string(const std::vector<std::size_t>& sizes, const std::vector<std::string>& acts,
                               const std::string& cost) {
  std::string s = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  s += "] ";
  for (std::size_t i = 0; i < acts.size(); ++i) s += (i ? "/" : "") + acts[i];
  return s + ", " + cost;
}
/// The network as the book writes it: "[784, 30, 10] sigmoid/sigmoid, quadratic".
inline std::string book_string(const architecture_record& a) {
  return book_string(book_sizes(a), book_activations(a), a.cost_book_name);
}

/// Every layer with its sizes, then the scalar type: "conv 20@5x5 relu 784->11520; ...; float32"
/// (what a checkpoint must match).
inline std::string layers_string(const architecture_record& a) {
  std::string s;
  for (const auto& l : a.layers)
    s += describe_layer(l) + " " + std::to_string(shape_size(l.input)) + "->" + std::to_string(shape_size(l.output)) +
         "; ";
  return s + (a.scalar == "float" ? "float32" : "float64");
}

namespace detail {
inline std::string grouped(std::size_t n) {  // 23860 -> "23,860"
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}
inline std::string table_row(const std::string& a, const std::string& b, const std::string& c, const std::string& d,
                             const std::string& e) {
  char line[160];
  std::snprintf(line, sizeof line, "  %-3s %-22s %10s %10s %12s\n", a.c_str(), b.c_str(), c.c_str(), d.c_str(),
                e.c_str());
  return line;
}
}  // namespace detail

/// The layers, their shapes and parameter counts, and the policies, as a table.
inline std::string describe(const architecture_record& a) {
  std::string sizes = shape_string(a.input);
  std::string table = detail::table_row("#", "layer", "input", "output", "parameters");
  table += detail::table_row("0", "input", "", shape_string(a.input), "");
  std::string in = shape_string(a.input);  // as the layer below gives it: a dense layer after a pool reads "40x4x4"
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    const auto& l = a.layers[i];
    const std::string out = shape_string(l.output);
    table += detail::table_row(std::to_string(i + 1), describe_layer(l), in, out, detail::grouped(l.parameters));
    sizes += " -> " + out;
    in = out;
  }
  return "network<" + a.scalar + ">: " + sizes + ", " + detail::grouped(a.parameters()) + " parameters\n" + table +
         "  cost: " + a.cost + "; weight init: " + a.init + "; regulariser: " + a.regularizer + "\n";
}

}  // namespace nndl
