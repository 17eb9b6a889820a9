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

inline std::string layer_name(const std::vector<std::size_t>& sizes, std::size_t k) {  // "[0] (784 -> 30)"
  return "[" + std::to_string(k) + "] (" + std::to_string(sizes[k]) + " -> " + std::to_string(sizes[k + 1]) + ")";
}

}  // namespace detail

namespace detail {
/// One parameter tensor for network2.py's format: weights {rows, cols} or biases {rows}.
struct book_tensor {
  std::size_t weighted_layer = 0, rank = 1, rows = 0, cols = 1;
  std::vector<double> values;
};

/// Writes network2.py's JSON (plus an "nndl" key) from a record and its dense layers' tensors.
inline void write_book_json(const std::filesystem::path& file, const architecture_record& rec,
                            const std::vector<book_tensor>& tensors) {
  for (const auto& l : rec.layers)
    if (l.parameters > 0 && l.kind != "dense")
      throw model_error(file, "network2.py's JSON holds only dense layers; this network has " + describe_layer(l) +
                                  " (save it as .npz or .onnx)");
  const auto sizes = book_sizes(rec);
  nlohmann::json weights = nlohmann::json::array(), biases = nlohmann::json::array();
  for (const auto& p : tensors) {
    const std::size_t k = p.weighted_layer;
    nlohmann::json values = nlohmann::json::array();
    for (std::size_t r = 0; r < p.rows; ++r) {
      if (p.rank == 2) {
        nlohmann::json row = nlohmann::json::array();
        for (std::size_t c = 0; c < p.cols; ++c) {
          const double v = p.values[r * p.cols + c];
          if (!std::isfinite(v))
            throw model_error(file, "refusing to save: weights" + layer_name(sizes, k) + " row " + std::to_string(r) +
                                        " column " + std::to_string(c) + " is " + std::to_string(v) + " (not finite)");
          row.push_back(v);
        }
        values.push_back(std::move(row));
      } else {
        const double v = p.values[r];
        if (!std::isfinite(v))
          throw model_error(file, "refusing to save: biases" + layer_name(sizes, k) + " index " + std::to_string(r) +
                                      " is " + std::to_string(v) + " (not finite)");
        values.push_back(nlohmann::json::array({v}));  // a y×1 column, as numpy's tolist()
      }
    }
    (p.rank == 2 ? weights : biases).push_back(std::move(values));
  }
  const nlohmann::json j = {{"sizes", sizes},
                            {"weights", std::move(weights)},
                            {"biases", std::move(biases)},
                            {"cost", rec.cost_book_name},
                            {"nndl",
                             {{"version", 1},
                              {"architecture", book_string(rec)},
                              {"activations", book_activations(rec)},
                              {"scalar", rec.scalar}}}};
  const std::string text = j.dump() + "\n";

  if (const std::string problem = write_file_atomically(file, text); !problem.empty()) throw model_error(file, problem);
}
}  // namespace detail

/// One parameter tensor for network2.py's format: weights {rows, cols} or biases {rows} of the
/// weighted_layer-th dense layer, values row-major.
using book_tensor = detail::book_tensor;

/// Writes network2.py's JSON (plus an "nndl" key) from an architecture record and its dense
/// layers' tensors, atomically; a layer of another kind or a value that is not finite is a model_error.
inline void write_book_json(const std::filesystem::path& file, const architecture_record& rec,
                            const std::vector<book_tensor>& tensors) {
  detail::write_book_json(file, rec, tensors);
}

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

inline json_book read_json_shape(const std::filesystem::path& file) {
  json_book book;
  using json = nlohmann::json;
  book.j = read_json_file(file);
  const json& j = book.j;
  if (!j.is_object()) throw model_error(file, std::string("the top level must be an object, found ") + found(j));
  const json& jsizes = field(file, j, "sizes", json::value_t::array, "an array of layer sizes");
  const json& jweights = field(file, j, "weights", json::value_t::array, "an array of weight matrices");
  const json& jbiases = field(file, j, "biases", json::value_t::array, "an array of bias vectors");
  const json& jcost = field(file, j, "cost", json::value_t::string, "a string such as \"CrossEntropyCost\"");

  // 1. The file's own shape: sizes, then weights and biases consistent with them.
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < jsizes.size(); ++i) {
    const json& s = jsizes[i];
    if (!s.is_number_integer() || (s.is_number_unsigned() ? s.get<std::uint64_t>() == 0 : s.get<std::int64_t>() <= 0))
      throw model_error(file, "sizes[" + std::to_string(i) + "] must be a positive integer, found " + brief(s));
    sizes.push_back(s.get<std::size_t>());
  }
  if (sizes.size() < 2) throw model_error(file, "\"sizes\" must list at least two layers, found " + brief(jsizes));
  const std::size_t n = sizes.size() - 1;
  if (jweights.size() != n || jbiases.size() != n)
    throw model_error(file, "inconsistent: \"sizes\" " + brief(jsizes) + " describes " + std::to_string(n) +
                                " weight matrices and bias vectors, the file has " + std::to_string(jweights.size()) +
                                " weight matrices and " + std::to_string(jbiases.size()) + " bias vectors");
  for (std::size_t k = 0; k < n; ++k) {
    const std::string wname = "weights" + layer_name(sizes, k), bname = "biases" + layer_name(sizes, k);
    const json& w = jweights[k];
    if (!w.is_array()) throw model_error(file, wname + " must be an array of rows, found " + found(w));
    if (w.size() != sizes[k + 1])
      throw model_error(file, "inconsistent: " + wname + " has " + std::to_string(w.size()) + " rows, sizes[" +
                                  std::to_string(k + 1) + "] = " + std::to_string(sizes[k + 1]));
    for (std::size_t r = 0; r < w.size(); ++r) {
      if (!w[r].is_array())
        throw model_error(file, wname + " row " + std::to_string(r) + " must be an array, found " + found(w[r]));
      if (w[r].size() != sizes[k])
        throw model_error(file, "ragged array: " + wname + " row " + std::to_string(r) + " has " +
                                    std::to_string(w[r].size()) + " values, expected " + std::to_string(sizes[k]) +
                                    " (sizes[" + std::to_string(k) + "])");
    }
    const json& b = jbiases[k];
    if (!b.is_array()) throw model_error(file, bname + " must be an array, found " + found(b));
    if (b.size() != sizes[k + 1])
      throw model_error(file, "inconsistent: " + bname + " has " + std::to_string(b.size()) + " entries, sizes[" +
                                  std::to_string(k + 1) + "] = " + std::to_string(sizes[k + 1]));
    for (std::size_t r = 0; r < b.size(); ++r)
      if (b[r].is_array() && b[r].size() != 1)
        throw model_error(file, "ragged array: " + bname + " entry " + std::to_string(r) + " has " +
                                    std::to_string(b[r].size()) + " values, expected one ([b] or b)");
  }

  // 2. Its activations (network2.py's are all sigmoid; nndl names them in its "nndl" key).
  std::vector<std::string>& acts = book.activations;
  acts.assign(n, "sigmoid");  // network2.py's networks are all-sigmoid
  const auto extra = j.find("nndl");
  const bool has_extra = book.has_extra = extra != j.end();
  if (has_extra) {
    if (!extra->is_object()) throw model_error(file, "field \"nndl\" must be an object, found " + found(*extra));
    const auto v = extra->find("version");
    if (v != extra->end() && (!v->is_number_integer() || v->get<std::int64_t>() != 1))
      throw model_error(file, "\"nndl\".\"version\" is " + brief(*v) + "; this nndl reads version 1");
    const auto a = extra->find("activations");
    if (a == extra->end()) throw model_error(file, "missing field \"nndl\".\"activations\"");
    if (!a->is_array() || a->size() != n)
      throw model_error(
          file, "\"nndl\".\"activations\" must be an array of " + std::to_string(n) + " names, found " + brief(*a));
    for (std::size_t k = 0; k < n; ++k) {
      if (!(*a)[k].is_string())
        throw model_error(
            file, "\"nndl\".\"activations\"[" + std::to_string(k) + "] must be a string, found " + found((*a)[k]));
      acts[k] = (*a)[k].get<std::string>();
    }
    if (const auto sc = extra->find("scalar"); sc != extra->end() && sc->is_string() && *sc == "float")
      book.scalar = "float";
  }
  book.cost = jcost.get<std::string>();
  constexpr std::string_view known_costs[] = {quadratic_cost::book_name, cross_entropy_cost::book_name,
                                              log_likelihood_cost::book_name};
  if (std::find(std::begin(known_costs), std::end(known_costs), book.cost) == std::end(known_costs)) {
    std::string names;
    for (const auto name : known_costs) names += (names.empty() ? "" : ", ") + std::string(name);
    throw model_error(file, "unknown \"cost\" " + brief(jcost) + " (known: " + names + ")");
  }
  book.sizes = std::move(sizes);
  return book;
}

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

}  // namespace detail

/// Reads a model written by save_json or network2.py's save() into `net`. Everything is checked
/// before anything is assigned: on any error the network is unchanged.
template <class Net>
void load_json(Net& net, const std::filesystem::path& file) {
  static_assert(detail::only_dense_parameters<Net>(),
                "nndl: save_json/load_json handle dense layers only (network2.py's format)");
  using T = typename Net::scalar;
  const architecture_record rec = Net::record();
  const detail::json_book book = detail::read_json_shape(file);
  const auto& sizes = book.sizes;
  const auto& acts = book.activations;
  const auto& cost = book.cost;
  const bool has_extra = book.has_extra;
  const std::string theirs = book_string(sizes, acts, cost), ours = book_string(rec);
  const std::string both = "the file holds " + theirs + "; this network is " + ours;
  if (sizes != book_sizes(rec)) throw model_error(file, "architecture mismatch: " + both);
  if (acts != book_activations(rec))
    throw model_error(file, has_extra ? "activation mismatch: " + both
                                      : "activation mismatch: the file has no \"nndl\" key, so it is a network2.py "
                                        "file whose layers are all sigmoid: " +
                                            both);
  if (cost != rec.cost_book_name) throw model_error(file, "cost mismatch: " + both);

  const book_model<T> m = detail::read_json_values<T>(book, file);
  net.for_each_parameter([&](const parameter_slot& at, const parameter<T>& p) {  // same shapes: copies that cannot fail
    const auto& from = p.rank == 2 ? m.weights[at.weighted_layer] : m.biases[at.weighted_layer];
    std::copy(from.begin(), from.end(), p.value);
  });
}

}  // namespace nndl
