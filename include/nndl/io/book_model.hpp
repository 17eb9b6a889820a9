// A fully connected network as the older formats hold it (network2.py's JSON, save_npz's .npz):
// sizes, one activation per layer (a dropout before it named in front: "dropout p=0.5 > sigmoid"),
// network2.py's cost name, and the weights and biases. Read once by each format's reader with
// every value checked; then either compared with a typed network and copied into it (load_json,
// load_npz) or turned into a run-time model (load_model).
#pragma once

#include "../detail/out_of_line.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "../errors.hpp"
#include "../network/architecture.hpp"

namespace nndl {

/// A fully connected network as network2.py's files hold it: sizes, activations, cost, weights and biases.
template <class T>
struct book_model {
  std::vector<std::size_t> sizes;        ///< [784, 30, 10]
  std::vector<std::string> activations;  ///< one per weight matrix
  std::string cost;                      ///< "CrossEntropyCost"
  std::vector<std::vector<T>> weights;   ///< weights[k] row-major {sizes[k + 1], sizes[k]}
  std::vector<std::vector<T>> biases;    ///< biases[k] {sizes[k + 1]}

  /// Its architecture string, "[784, 30, 10] sigmoid/sigmoid, CrossEntropyCost".
  std::string architecture() const { return book_string(sizes, activations, cost); }
};

namespace detail {
/// The nndl cost name of network2.py's ("CrossEntropyCost" -> "cross-entropy").
NNDL_OUT_OF_LINE std::string cost_of_book_name(const std::string& book);
}  // namespace detail

/// The architecture record of a book_model: dense layers, with the dropout layers its activation
/// names put before them.
template <class T>
architecture_record record_of(const book_model<T>& m, const std::filesystem::path& file) {
  architecture_record a;
  a.scalar = sizeof(T) == 4 ? "float" : "double";
  a.input = {1, 1, m.sizes.at(0)};
  a.cost = detail::cost_of_book_name(m.cost);
  a.cost_book_name = m.cost;
  a.init = "default";
  a.regularizer = "none";
  std::array<std::size_t, 3> in = a.input;
  for (std::size_t k = 0; k + 1 < m.sizes.size(); ++k) {
    std::string act = m.activations.at(k);
    for (std::size_t at; (at = act.find(" > ")) != std::string::npos; act = act.substr(at + 3)) {
      const std::string before = act.substr(0, at);
      if (before.rfind("dropout p=", 0) != 0)
        throw model_error(file, "activation \"" + m.activations[k] + "\": \"" + before + "\" is not a dropout layer");
      char* end = nullptr;
      const double p = std::strtod(before.c_str() + 10, &end);
      if (*end != '\0' || !(p >= 0 && p < 1))
        throw model_error(file, "activation \"" + m.activations[k] + "\": bad dropout p");
      a.layers.push_back({.kind = "dropout", .input = in, .output = in, .p = p});
    }
    const std::size_t out = m.sizes[k + 1];
    a.layers.push_back({.kind = "dense",
                        .activation = act,
                        .input = in,
                        .output = {1, 1, out},
                        .units = out,
                        .parameters = m.sizes[k] * out + out});
    in = {1, 1, out};
  }
  return a;
}

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "book_model.ipp"
#endif
