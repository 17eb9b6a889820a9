// Reading a JSON file that nobody vouches for (a model file a user passes in), with every problem
// an nndl::model_error naming the file: unreadable, too large, empty, malformed, nested too deeply,
// NaN/Infinity literals (what Python's json.dump writes for non-finite numbers), numbers out of
// range; and the small checks the model formats share (a field of the right type, a finite number
// that fits the network's scalar, a short description of a value for a message).
//
// Nesting is limited while parsing (max_json_depth): nlohmann's dump() and comparisons recurse once
// per level, so a file of 100,000 nested brackets would overflow the stack in them. Messages never
// dump() a value from a file whole: brief() shows its start.
#pragma once

#include "../detail/out_of_line.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "../detail/file.hpp"
#include "../errors.hpp"

namespace nndl::detail {

/// Where a literal NaN, Infinity or -Infinity (what Python's json.dump writes for them) starts, if the
/// parse error at `byte` (1-based, as nlohmann counts) is one; otherwise npos.
NNDL_OUT_OF_LINE std::size_t non_finite_literal_at(const std::string& text, std::size_t byte);

NNDL_OUT_OF_LINE std::string strip_json_prefix(const std::string& what);

/// The deepest nesting of arrays and objects a JSON file may have (a model file needs 4).
inline constexpr int max_json_depth = 64;

/// Parses JSON text from `file` (for messages), refusing nesting deeper than max_json_depth. `what`
/// starts each message when the text is a part of the file ("its state: ").
NNDL_OUT_OF_LINE nlohmann::json parse_json_text(const std::filesystem::path& file, const std::string& text,
                                                const std::string& what = "");

/// Reads and parses a JSON file (at most `max_bytes` of it) that nobody vouches for.
NNDL_OUT_OF_LINE nlohmann::json read_json_file(const std::filesystem::path& file,
                                               std::size_t max_bytes = default_max_file_bytes);

namespace json_brief {
NNDL_OUT_OF_LINE void append(std::string& out, const nlohmann::json& v, std::size_t depth, std::size_t limit);
}  // namespace json_brief

/// A value from a file for a message: its compact JSON (as dump() writes it) when that is short,
/// otherwise its first `limit` characters, "..." and its size. Never recurses more than 3 levels.
NNDL_OUT_OF_LINE std::string brief(const nlohmann::json& v, std::size_t limit = 80);

/// The member `key` of the top-level object, which must exist and be of the given type.
NNDL_OUT_OF_LINE const nlohmann::json& field(const std::filesystem::path& file, const nlohmann::json& j,
                                             const char* key, nlohmann::json::value_t type, const char* type_name);

NNDL_OUT_OF_LINE std::string found(const nlohmann::json& v);

/// One weight or bias from the file, as the network's scalar, checked to be a finite number.
/// `where()` names the value for a message (built only when there is a problem).
template <class T, class Where>
T number(const std::filesystem::path& file, const nlohmann::json& v, Where&& where) {
  if (!v.is_number()) throw model_error(file, where() + " is " + found(v) + ", expected a number");
  const double d = v.get<double>();
  if (!std::isfinite(d)) throw model_error(file, where() + " is not finite");
  const T t = static_cast<T>(d);
  if (!std::isfinite(t)) throw model_error(file, where() + " = " + brief(v) + " does not fit in a float");
  return t;
}

}  // namespace nndl::detail

namespace nndl {

/// A JSON value from a file as a short text for a message: its start, at most about `limit`
/// characters, never the whole of a large value.
NNDL_OUT_OF_LINE std::string json_brief(const nlohmann::json& v, std::size_t limit = 80);

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "untrusted_json.ipp"
#endif
