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
inline std::size_t non_finite_literal_at(const std::string& text, std::size_t byte) {
  if (byte == 0 || byte > text.size()) return std::string::npos;
  auto part = [&](std::size_t i) {
    return std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '-' || text[i] == '+';
  };
  std::size_t b = byte - 1, e = byte - 1;
  while (b > 0 && part(b - 1)) --b;
  while (e < text.size() && part(e)) ++e;
  std::string token = text.substr(b, e - b);
  if (!token.empty() && (token[0] == '-' || token[0] == '+')) token.erase(0, 1);
  for (char& c : token) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return token == "nan" || token == "infinity" || token == "inf" ? b : std::string::npos;
}

inline std::string strip_json_prefix(const std::string& what) {  // drop "[json.exception.parse_error.101] "
  const auto p = what.find("] ");
  return what.rfind("[json.exception.", 0) == 0 && p != std::string::npos ? what.substr(p + 2) : what;
}

/// The deepest nesting of arrays and objects a JSON file may have (a model file needs 4).
inline constexpr int max_json_depth = 64;

/// Parses JSON text from `file` (for messages), refusing nesting deeper than max_json_depth. `what`
/// starts each message when the text is a part of the file ("its state: ").
inline nlohmann::json parse_json_text(const std::filesystem::path& file, const std::string& text,
                                      const std::string& what = "") {
  const auto error = [&](const std::string& problem) { return model_error(file, what + problem); };
  try {
    // The callback parser reports the depth of each value as it goes: refuse before going deeper.
    return nlohmann::json::parse(text, [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
      if (depth >= max_json_depth &&
          (event == nlohmann::json::parse_event_t::object_start || event == nlohmann::json::parse_event_t::array_start))
        throw error("nested more than " + std::to_string(max_json_depth) +
                    " levels deep (arrays and objects within arrays and objects)");
      return true;
    });
  } catch (const nlohmann::json::parse_error& e) {
    if (const std::size_t at = non_finite_literal_at(text, e.byte); at != std::string::npos) {
      const std::size_t line_start = at == 0 ? 0 : text.rfind('\n', at - 1) + 1;  // npos + 1 = 0
      const auto line = std::count(text.begin(), text.begin() + std::ptrdiff_t(at), '\n') + 1;
      throw error("NaN/Infinity values are not allowed (one at line " + std::to_string(line) + ", column " +
                  std::to_string(at - line_start + 1) + "): the weights in the file are not finite");
    }
    throw error("malformed JSON (byte " + std::to_string(e.byte) + "): " + strip_json_prefix(e.what()));
  } catch (const nlohmann::json::exception& e) {  // e.g. 1e400: number overflow
    throw error("invalid JSON number: " + strip_json_prefix(e.what()));
  }
}

/// Reads and parses a JSON file (at most `max_bytes` of it) that nobody vouches for.
inline nlohmann::json read_json_file(const std::filesystem::path& file,
                                     std::size_t max_bytes = default_max_file_bytes) {
  auto [text, problem] = read_whole_file(file, "a model file", max_bytes);
  if (!problem.empty()) throw model_error(file, problem);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw model_error(file, "is empty, not a JSON model");
  return parse_json_text(file, text);
}

namespace json_brief {
inline void append(std::string& out, const nlohmann::json& v, std::size_t depth, std::size_t limit) {
  const auto quoted = [&](const std::string& s) {  // a string's start, as JSON (invalid UTF-8 replaced)
    const std::string part = s.size() > limit ? s.substr(0, limit) : s;
    return nlohmann::json(part).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  if (out.size() > limit) return;
  if (v.is_array() || v.is_object()) {
    const bool arr = v.is_array();
    if (depth >= 3) {
      out += arr ? "[...]" : "{...}";
      return;
    }
    out += arr ? '[' : '{';
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (out.size() > limit) break;
      if (!first) out += ',';
      first = false;
      if (!arr) out += quoted(it.key()) + ':';
      append(out, it.value(), depth + 1, limit);
    }
    out += arr ? ']' : '}';
  } else if (v.is_string()) {
    out += quoted(v.get_ref<const std::string&>());
  } else {
    out += v.dump();  // a number, true, false or null: short
  }
}
}  // namespace json_brief

/// A value from a file for a message: its compact JSON (as dump() writes it) when that is short,
/// otherwise its first `limit` characters, "..." and its size. Never recurses more than 3 levels.
inline std::string brief(const nlohmann::json& v, std::size_t limit = 80) {
  std::string s;
  json_brief::append(s, v, 0, limit);
  if (s.size() <= limit) return s;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  s.resize(cut);
  s += "...";
  if (v.is_array()) s += " (an array of " + std::to_string(v.size()) + " values)";
  if (v.is_object()) s += " (an object of " + std::to_string(v.size()) + " members)";
  if (v.is_string()) s += " (a string of " + std::to_string(v.get_ref<const std::string&>().size()) + " bytes)";
  return s;
}

/// The member `key` of the top-level object, which must exist and be of the given type.
inline const nlohmann::json& field(const std::filesystem::path& file, const nlohmann::json& j, const char* key,
                                   nlohmann::json::value_t type, const char* type_name) {
  const auto it = j.find(key);
  if (it == j.end()) throw model_error(file, std::string("missing field \"") + key + "\"");
  if (it->type() != type)
    throw model_error(file, std::string("field \"") + key + "\" must be " + type_name + ", found " + it->type_name());
  return *it;
}

inline std::string found(const nlohmann::json& v) {  // "null", "a string", "an array"
  if (v.is_null()) return "null";
  const std::string t = v.type_name();
  return (t == "array" || t == "object" ? "an " : "a ") + t;
}

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
inline std::string json_brief(const nlohmann::json& v, std::size_t limit = 80) { return detail::brief(v, limit); }

}  // namespace nndl
