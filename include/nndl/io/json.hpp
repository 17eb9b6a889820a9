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

#include "../describe.hpp"
#include "../errors.hpp"
#include "json_file.hpp"
#include "../layers/dense.hpp"

namespace nndl {

namespace detail {

template <class L>
constexpr bool is_dense_layer = false;
template <class T, std::size_t In, std::size_t Out, class Act>
constexpr bool is_dense_layer<dense_layer<T, In, Out, Act>> = true;

/// Calls f(layer, k) for each layer with parameters, k counting those layers only (weights[k]).
template <class Net, class F>
void for_each_dense(Net& net, F&& f) {
  std::size_t k = 0;
  net.for_each_layer([&](auto& layer, std::size_t) {
    using L = std::decay_t<decltype(layer)>;
    if constexpr (L::has_parameters) {
      static_assert(is_dense_layer<L>, "nndl: save_json/load_json handle dense layers only (network2.py's format)");
      f(layer, k++);
    }
  });
}

/// The activation of each dense layer; a parameterless layer before it (dropout) is named in
/// front, "dropout p=0.5 > sigmoid", because it changes what the weights mean at inference.
template <class Net>
std::vector<std::string> activation_names(const Net& net) {
  std::vector<std::string> v;
  std::string before;
  net.for_each_layer([&](const auto& layer, std::size_t) {
    using L = std::decay_t<decltype(layer)>;
    if constexpr (L::has_parameters) {
      v.push_back(before + std::string(L::activation::name));
      before.clear();
    } else {
      before += L::describe() + " > ";
    }
  });
  return v;
}

/// "[784, 30, 10] sigmoid/sigmoid, CrossEntropyCost"
inline std::string architecture_string(const std::vector<std::size_t>& sizes, const std::vector<std::string>& acts,
                                       const std::string& cost) {
  std::string s = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  s += "] ";
  for (std::size_t i = 0; i < acts.size(); ++i) s += (i ? "/" : "") + acts[i];
  return s + ", " + cost;
}

inline std::string layer_name(const std::vector<std::size_t>& sizes, std::size_t k) {  // "weights[0] (784 -> 30)"
  return "[" + std::to_string(k) + "] (" + std::to_string(sizes[k]) + " -> " + std::to_string(sizes[k + 1]) + ")";
}

}  // namespace detail

/// The network as network2.py's sizes, the activations and the cost: "[784, 30, 10] sigmoid/sigmoid, CrossEntropyCost".
template <class Net>
std::string architecture(const Net& net) {
  return detail::architecture_string(layer_sizes(net), detail::activation_names(net), std::string(Net::cost::book_name));
}

/// Writes the network to `file` in network2.py's JSON format (plus an "nndl" key). Atomic: the
/// data goes to a temporary file next to it that is renamed over `file` only when fully written.
template <class Net>
void save_json(const Net& net, const std::filesystem::path& file) {
  using T = typename Net::scalar;
  const auto sizes = layer_sizes(net);
  nlohmann::json weights = nlohmann::json::array(), biases = nlohmann::json::array();
  detail::for_each_dense(net, [&](const auto& layer, std::size_t k) {
    using L = std::decay_t<decltype(layer)>;
    nlohmann::json w = nlohmann::json::array(), b = nlohmann::json::array();
    for (std::size_t r = 0; r < L::out_size; ++r) {
      nlohmann::json row = nlohmann::json::array();
      for (std::size_t c = 0; c < L::in_size; ++c) {
        const T v = layer.w(r, c);
        if (!std::isfinite(v))
          throw model_error(file, "refusing to save: weights" + detail::layer_name(sizes, k) + " row " + std::to_string(r) +
                                      " column " + std::to_string(c) + " is " + std::to_string(v) + " (not finite)");
        row.push_back(static_cast<double>(v));
      }
      w.push_back(std::move(row));
      const T v = layer.b(r);
      if (!std::isfinite(v))
        throw model_error(file, "refusing to save: biases" + detail::layer_name(sizes, k) + " index " + std::to_string(r) +
                                    " is " + std::to_string(v) + " (not finite)");
      b.push_back(nlohmann::json::array({static_cast<double>(v)}));  // a y×1 column, as numpy's tolist()
    }
    weights.push_back(std::move(w));
    biases.push_back(std::move(b));
  });
  const nlohmann::json j = {
      {"sizes", sizes},
      {"weights", std::move(weights)},
      {"biases", std::move(biases)},
      {"cost", std::string(Net::cost::book_name)},
      {"nndl",
       {{"version", 1},
        {"architecture", architecture(net)},
        {"activations", detail::activation_names(net)},
        {"scalar", std::is_same_v<T, float> ? "float" : "double"}}}};
  const std::string text = j.dump() + "\n";

  if (const std::string problem = detail::write_file_atomically(file, text); !problem.empty())
    throw model_error(file, problem);
}

/// Reads a model written by save_json or network2.py's save() into `net`. Everything is checked
/// before anything is assigned: on any error the network is unchanged.
template <class Net>
void load_json(Net& net, const std::filesystem::path& file) {
  using T = typename Net::scalar;
  using json = nlohmann::json;
  const json j = detail::read_json_file(file);
  if (!j.is_object()) throw model_error(file, std::string("the top level must be an object, found ") + detail::found(j));
  const json& jsizes = detail::field(file, j, "sizes", json::value_t::array, "an array of layer sizes");
  const json& jweights = detail::field(file, j, "weights", json::value_t::array, "an array of weight matrices");
  const json& jbiases = detail::field(file, j, "biases", json::value_t::array, "an array of bias vectors");
  const json& jcost = detail::field(file, j, "cost", json::value_t::string, "a string such as \"CrossEntropyCost\"");

  // 1. The file's own shape: sizes, then weights and biases consistent with them.
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < jsizes.size(); ++i) {
    const json& s = jsizes[i];
    if (!s.is_number_integer() || (s.is_number_unsigned() ? s.get<std::uint64_t>() == 0 : s.get<std::int64_t>() <= 0))
      throw model_error(file, "sizes[" + std::to_string(i) + "] must be a positive integer, found " + detail::brief(s));
    sizes.push_back(s.get<std::size_t>());
  }
  if (sizes.size() < 2) throw model_error(file, "\"sizes\" must list at least two layers, found " + detail::brief(jsizes));
  const std::size_t n = sizes.size() - 1;
  if (jweights.size() != n || jbiases.size() != n)
    throw model_error(file, "inconsistent: \"sizes\" " + detail::brief(jsizes) + " describes " + std::to_string(n) +
                                " weight matrices and bias vectors, the file has " + std::to_string(jweights.size()) +
                                " weight matrices and " + std::to_string(jbiases.size()) + " bias vectors");
  for (std::size_t k = 0; k < n; ++k) {
    const std::string wname = "weights" + detail::layer_name(sizes, k), bname = "biases" + detail::layer_name(sizes, k);
    const json& w = jweights[k];
    if (!w.is_array()) throw model_error(file, wname + " must be an array of rows, found " + detail::found(w));
    if (w.size() != sizes[k + 1])
      throw model_error(file, "inconsistent: " + wname + " has " + std::to_string(w.size()) + " rows, sizes[" +
                                  std::to_string(k + 1) + "] = " + std::to_string(sizes[k + 1]));
    for (std::size_t r = 0; r < w.size(); ++r) {
      if (!w[r].is_array())
        throw model_error(file, wname + " row " + std::to_string(r) + " must be an array, found " + detail::found(w[r]));
      if (w[r].size() != sizes[k])
        throw model_error(file, "ragged array: " + wname + " row " + std::to_string(r) + " has " +
                                    std::to_string(w[r].size()) + " values, expected " + std::to_string(sizes[k]) +
                                    " (sizes[" + std::to_string(k) + "])");
    }
    const json& b = jbiases[k];
    if (!b.is_array()) throw model_error(file, bname + " must be an array, found " + detail::found(b));
    if (b.size() != sizes[k + 1])
      throw model_error(file, "inconsistent: " + bname + " has " + std::to_string(b.size()) + " entries, sizes[" +
                                  std::to_string(k + 1) + "] = " + std::to_string(sizes[k + 1]));
    for (std::size_t r = 0; r < b.size(); ++r)
      if (b[r].is_array() && b[r].size() != 1)
        throw model_error(file, "ragged array: " + bname + " entry " + std::to_string(r) + " has " +
                                    std::to_string(b[r].size()) + " values, expected one ([b] or b)");
  }

  // 2. The file's architecture against this network's: sizes, activations, cost.
  std::vector<std::string> acts(n, "sigmoid");  // network2.py's networks are all-sigmoid
  const auto extra = j.find("nndl");
  const bool has_extra = extra != j.end();
  if (has_extra) {
    if (!extra->is_object()) throw model_error(file, "field \"nndl\" must be an object, found " + detail::found(*extra));
    const auto v = extra->find("version");
    if (v != extra->end() && (!v->is_number_integer() || v->get<std::int64_t>() != 1))
      throw model_error(file, "\"nndl\".\"version\" is " + detail::brief(*v) + "; this nndl reads version 1");
    const auto a = extra->find("activations");
    if (a == extra->end()) throw model_error(file, "missing field \"nndl\".\"activations\"");
    if (!a->is_array() || a->size() != n)
      throw model_error(file, "\"nndl\".\"activations\" must be an array of " + std::to_string(n) + " names, found " +
                                  detail::brief(*a));
    for (std::size_t k = 0; k < n; ++k) {
      if (!(*a)[k].is_string())
        throw model_error(file, "\"nndl\".\"activations\"[" + std::to_string(k) + "] must be a string, found " +
                                    detail::found((*a)[k]));
      acts[k] = (*a)[k].get<std::string>();
    }
  }
  const auto cost = jcost.get<std::string>();
  const std::string theirs = detail::architecture_string(sizes, acts, cost), ours = architecture(net);
  const std::string both = "the file holds " + theirs + "; this network is " + ours;
  if (sizes != layer_sizes(net)) throw model_error(file, "architecture mismatch: " + both);
  if (acts != detail::activation_names(net))
    throw model_error(file, has_extra ? "activation mismatch: " + both
                                      : "activation mismatch: the file has no \"nndl\" key, so it is a network2.py "
                                        "file whose layers are all sigmoid: " + both);
  if (cost != Net::cost::book_name) throw model_error(file, "cost mismatch: " + both);

  // 3. The values, into temporaries of the network's own types; assigned only when all are good.
  std::vector<matrix<T>> ws(n);
  std::vector<vector<T>> bs(n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::string lname = detail::layer_name(sizes, k);
    ws[k] = matrix<T>::from_shape({sizes[k + 1], sizes[k]});
    bs[k] = vector<T>::from_shape({sizes[k + 1]});
    for (std::size_t r = 0; r < sizes[k + 1]; ++r) {
      const json& row = jweights[k][r];
      for (std::size_t c = 0; c < sizes[k]; ++c)
        ws[k](r, c) = detail::number<T>(file, row[c], [&] {
          return "weights" + lname + " row " + std::to_string(r) + " column " + std::to_string(c);
        });
      const json& b = jbiases[k][r];
      bs[k](r) = detail::number<T>(file, b.is_array() ? b[0] : b,
                                   [&] { return "biases" + lname + " entry " + std::to_string(r); });
    }
  }
  detail::for_each_dense(net, [&](auto& layer, std::size_t k) {
    layer.w = std::move(ws[k]);  // same shapes: moves that cannot fail
    layer.b = std::move(bs[k]);
    layer.vw.fill(0);            // momentum belongs to the weights it was gathered on
    layer.vb.fill(0);
  });
}

}  // namespace nndl
