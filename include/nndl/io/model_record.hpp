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

#include "../detail/out_of_line.hpp"

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
NNDL_OUT_OF_LINE nlohmann::json shape_json(const std::array<std::size_t, 3>& s);
}  // namespace detail

/// The record as JSON (the "architecture" of a model file): each layer's fields as its kind writes them.
NNDL_OUT_OF_LINE nlohmann::json record_to_json(const architecture_record& a);

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
NNDL_OUT_OF_LINE architecture_record record_from_json(const nlohmann::json& j, const std::filesystem::path& file);

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "model_record.ipp"
#endif
