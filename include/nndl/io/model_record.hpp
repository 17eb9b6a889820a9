// The architecture record of a model file as JSON, and back with every field checked: what a
// self-describing model (model_file.hpp) says it is. Reading derives each layer's output shape from
// its input and settings, so a file cannot describe layers that do not fit each other.
//
//   {"scalar": "float32", "input": [1, 28, 28], "cost": "log-likelihood", "init": "default",
//    "regularizer": "L2", "layers": [
//      {"kind": "conv", "maps": 20, "kernel": 5, "activation": "relu", "output": [20, 24, 24]},
//      {"kind": "max_pool", "pool": 2, "output": [20, 12, 12]},
//      {"kind": "dropout", "p": 0.5, "output": [20, 12, 12]},  (the shape it is given)
//      {"kind": "dense", "units": 10, "activation": "softmax", "output": [1, 1, 10]}]}
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "../activation.hpp"
#include "../errors.hpp"
#include "../layers/kinds.hpp"
#include "../network/architecture.hpp"

namespace nndl {

namespace detail {
inline nlohmann::json shape_json(const std::array<std::size_t, 3>& s) { return {s[0], s[1], s[2]}; }
}  // namespace detail

/// The record as JSON (the "architecture" of a model file): each layer's fields as its kind writes them.
inline nlohmann::json record_to_json(const architecture_record& a) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : a.layers) {
    nlohmann::json j = {{"kind", l.kind}};
    record_fields fields;
    with_kind(l.kind, [&]<class K>() { K::write_fields(l, fields); });
    for (const auto& [key, value] : fields) std::visit([&, &key = key](const auto& v) { j[key] = v; }, value);
    j["output"] = detail::shape_json(l.output);
    layers.push_back(std::move(j));
  }
  return {{"scalar", a.scalar == "float" ? "float32" : "float64"},
          {"input", detail::shape_json(a.input)},
          {"layers", std::move(layers)},
          {"cost", a.cost},
          {"cost_book_name", a.cost_book_name},
          {"init", a.init},
          {"regularizer", a.regularizer}};
}

namespace detail {
/// A layer's JSON object as a kind's field_source.
class json_fields final : public field_source {
 public:
  json_fields(const nlohmann::json& o, const std::filesystem::path& file, std::string where)
      : o_(o), file_(file), where_(std::move(where)) {}
  std::size_t size(const char* key) const override {
    const auto it = o_.find(key);
    if (it == o_.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() == 0 ||
        it->get<std::uint64_t>() > (1u << 24))
      bad("\"" + std::string(key) + "\" must be a whole number from 1 to 16777216");
    return std::size_t(it->get<std::uint64_t>());
  }
  double number(const char* key) const override {
    const auto it = o_.find(key);
    if (it == o_.end() || !it->is_number()) bad("\"" + std::string(key) + "\" must be a number");
    return it->get<double>();
  }
  std::string text(const char* key) const override {
    const auto it = o_.find(key);
    if (it == o_.end() || !it->is_string()) bad("\"" + std::string(key) + "\" must be a string");
    return it->get<std::string>();
  }
  [[noreturn]] void bad(const std::string& problem) const override {
    throw model_error(file_, "architecture: " + where_ + problem);
  }

 private:
  const nlohmann::json& o_;
  const std::filesystem::path& file_;
  std::string where_;
};
}  // namespace detail

/// The record a model file describes; every problem is a model_error naming the file and the field.
inline architecture_record record_from_json(const nlohmann::json& j, const std::filesystem::path& file) {
  using json = nlohmann::json;
  auto bad = [&](const std::string& problem) -> void { throw model_error(file, "architecture: " + problem); };
  if (!j.is_object()) bad("not a JSON object");
  auto text = [&](const json& o, const char* key, const std::string& where) {
    const auto it = o.find(key);
    if (it == o.end() || !it->is_string()) bad(where + "\"" + key + "\" must be a string");
    return it->get<std::string>();
  };
  auto shape = [&](const json& v, const std::string& where) {
    if (!v.is_array() || v.size() != 3) bad(where + " must be [channels, height, width]");
    std::array<std::size_t, 3> s{};
    for (std::size_t i = 0; i < 3; ++i) {
      if (!v[i].is_number_unsigned() || v[i].get<std::uint64_t>() == 0 || v[i].get<std::uint64_t>() > (1u << 24))
        bad(where + " must hold three whole numbers from 1 to 16777216");
      s[i] = std::size_t(v[i].get<std::uint64_t>());
    }
    if (double(s[0]) * double(s[1]) * double(s[2]) > double(1u << 26)) bad(where + " is too large");
    return s;
  };
  architecture_record a;
  const std::string scalar = text(j, "scalar", "");
  if (scalar != "float32" && scalar != "float64")
    bad("\"scalar\" must be \"float32\" or \"float64\", found \"" + scalar + "\"");
  a.scalar = scalar == "float32" ? "float" : "double";
  if (!j.contains("input")) bad("\"input\" is missing");
  a.input = shape(j["input"], "\"input\"");
  a.cost = text(j, "cost", "");
  a.cost_book_name = j.contains("cost_book_name") ? text(j, "cost_book_name", "") : std::string();
  a.init = j.contains("init") ? text(j, "init", "") : std::string("default");
  a.regularizer = j.contains("regularizer") ? text(j, "regularizer", "") : std::string("none");
  const auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array() || layers->empty() || layers->size() > 1000)
    bad("\"layers\" must be a list of 1 to 1000 layers");
  std::array<std::size_t, 3> in = a.input;
  double parameters = 0;
  for (std::size_t i = 0; i < layers->size(); ++i) {
    const json& l = (*layers)[i];
    const std::string where = "layer " + std::to_string(i + 1) + ": ";
    if (!l.is_object()) bad(where + "not an object");
    const std::string kind = text(l, "kind", where);
    layer_record r;
    if (!with_kind(kind, [&]<class K>() { r = K::read_fields(detail::json_fields(l, file, where), in); }))
      bad(where + "unknown kind \"" + kind + "\" (" + kind_names() + " are known)");
    if (r.activation.empty()) r.activation = "identity";
    if (!with_activation(r.activation, []<class>() {})) bad(where + "unknown activation \"" + r.activation + "\"");
    if ((r.activation == "softmax" || r.activation == "log_softmax") && (r.kind != "dense" || i + 1 != layers->size()))
      bad(where + r.activation + " can only be the activation of the output layer");
    if (l.contains("output") && shape(l["output"], where + "\"output\"") != r.output)
      bad(where + "\"output\" " + shape_string(shape(l["output"], where)) + " is not what the layer makes of " +
          shape_string(in) + " (" + shape_string(r.output) + ")");
    parameters += double(r.parameters);
    if (parameters > double(1u << 28)) bad("more than 268,435,456 parameters");
    a.layers.push_back(r);
    in = r.output;
  }
  return a;
}

}  // namespace nndl
