// Model files in the JSON format of the book's network2.py (save() / load()):
//
//   {"sizes": [784, 30, 10], "weights": [[[...784 values], ...30 rows], ...], "biases": [[[b0], [b1], ...], ...],
//    "cost": "CrossEntropyCost",
//    "nndl": {"version": 1, "architecture": "...", "activations": ["sigmoid", "sigmoid"], "scalar": "double"}}
//
// weights[l] is {out, in} like dense_layer::w, biases[l] a column (y×1 nested lists; flat lists are
// accepted too). network2.load ignores the extra "nndl" key, so a sigmoid network saved here loads in
// Python, and a file written by network2.save loads here. Numbers are written with full round-trip
// precision (floats as the exact double they are). Saving is atomic, loading all-or-nothing, and
// every problem is an nndl::model_error whose message names the file.
#pragma once

#include "../detail/out_of_line.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../cost.hpp"
#include "../describe.hpp"
#include "../errors.hpp"
#include "book_model.hpp"
#include "parameter_list.hpp"
#include "untrusted_json.hpp"
#include "../layers/dense.hpp"
#include "../network/network.hpp"

namespace nndl {

namespace detail {

template <class L>
constexpr bool is_dense_layer = false;
template <class T, std::size_t In, std::size_t Out, class Act>
constexpr bool is_dense_layer<dense_layer<T, In, Out, Act>> = true;

/// network2.py's format holds dense layers only (a parameterless dropout between them is named in
/// the activations, book_activations()).
template <class Net>
constexpr bool only_dense_parameters() {
  bool ok = true;
  static_for<Net::depth>([&](auto i) {
    using L = typename Net::template layer_type<i()>;
    ok = ok && (L::parameter_tensors == 0 || is_dense_layer<L>);
  });
  return ok;
}

NNDL_OUT_OF_LINE std::string layer_name(const std::vector<std::size_t>& sizes, std::size_t k);

}  // namespace detail

namespace detail {
/// One parameter tensor for network2.py's format: weights {rows, cols} or biases {rows}.
struct book_tensor {
  std::size_t weighted_layer = 0, rank = 1, rows = 0, cols = 1;
  std::vector<double> values;
};

/// Writes network2.py's JSON (plus an "nndl" key) from a record and its dense layers' tensors.
NNDL_OUT_OF_LINE void write_book_json(const std::filesystem::path& file, const architecture_record& rec,
                                      const std::vector<book_tensor>& tensors);
}  // namespace detail

/// One parameter tensor for network2.py's format: weights {rows, cols} or biases {rows} of the
/// weighted_layer-th dense layer, values row-major.
using book_tensor = detail::book_tensor;

/// Writes network2.py's JSON (plus an "nndl" key) from an architecture record and its dense
/// layers' tensors, atomically; a layer of another kind or a value that is not finite is a model_error.
NNDL_OUT_OF_LINE void write_book_json(const std::filesystem::path& file, const architecture_record& rec,
                                      const std::vector<book_tensor>& tensors);

/// Writes the network to `file` in network2.py's JSON format (plus an "nndl" key). Atomic: the
/// data goes to a temporary file next to it that is renamed over `file` only when fully written.
template <class Net>
void save_json(const Net& net, const std::filesystem::path& file) {
  static_assert(detail::only_dense_parameters<Net>(),
                "nndl: save_json/load_json handle dense layers only (network2.py's format)");
  using T = typename Net::scalar;
  std::vector<detail::book_tensor> tensors;
  net.for_each_parameter([&](const parameter_slot& at, const parameter<const T>& p) {
    tensors.push_back({at.weighted_layer, p.rank, p.shape[0], p.rank == 2 ? p.shape[1] : 1,
                       std::vector<double>(p.value, p.value + p.size())});
  });
  detail::write_book_json(file, Net::record(), tensors);
}

namespace detail {

/// A network2.py JSON file with its shape checked: sizes, weights and biases consistent with them,
/// the activations (all sigmoid without an "nndl" key) and the cost; the values are read later.
struct json_book {
  nlohmann::json j;
  std::vector<std::size_t> sizes;
  std::vector<std::string> activations;
  std::string cost, scalar = "double";
  bool has_extra = false;  ///< the file has nndl's key (else it is a network2.py file)
};

NNDL_OUT_OF_LINE json_book read_json_shape(const std::filesystem::path& file);

/// The weights and biases of a checked file as T, each a finite number that fits in T.
template <class T>
book_model<T> read_json_values(const json_book& book, const std::filesystem::path& file) {
  using json = nlohmann::json;
  const auto& sizes = book.sizes;
  const std::size_t n = sizes.size() - 1;
  const json& jweights = book.j["weights"];
  const json& jbiases = book.j["biases"];
  book_model<T> m{sizes, book.activations, book.cost, std::vector<std::vector<T>>(n), std::vector<std::vector<T>>(n)};
  for (std::size_t k = 0; k < n; ++k) {
    const std::string lname = layer_name(sizes, k);
    m.weights[k].resize(sizes[k + 1] * sizes[k]);
    m.biases[k].resize(sizes[k + 1]);
    for (std::size_t r = 0; r < sizes[k + 1]; ++r) {
      const json& row = jweights[k][r];
      for (std::size_t c = 0; c < sizes[k]; ++c)
        m.weights[k][r * sizes[k] + c] = number<T>(file, row[c], [&] {
          return "weights" + lname + " row " + std::to_string(r) + " column " + std::to_string(c);
        });
      const json& b = jbiases[k][r];
      m.biases[k][r] =
          number<T>(file, b.is_array() ? b[0] : b, [&] { return "biases" + lname + " entry " + std::to_string(r); });
    }
  }
  return m;
}

/// Reads a checked file into the parameters of a network of architecture `rec` (load_json), for float
/// and double networks (compiled once, not once per network type).
NNDL_OUT_OF_LINE void read_json_into(const std::filesystem::path& file, const architecture_record& rec,
                                     const parameter_list<float>& into);
NNDL_OUT_OF_LINE void read_json_into(const std::filesystem::path& file, const architecture_record& rec,
                                     const parameter_list<double>& into);

}  // namespace detail

/// Reads a model written by save_json or network2.py's save() into `net`. Everything is checked
/// before anything is assigned: on any error the network is unchanged.
template <class Net>
void load_json(Net& net, const std::filesystem::path& file) {
  static_assert(detail::only_dense_parameters<Net>(),
                "nndl: save_json/load_json handle dense layers only (network2.py's format)");
  detail::read_json_into(file, Net::record(), detail::parameters_of(net));
}

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "network2_json.ipp"
#endif
