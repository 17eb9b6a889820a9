// Reading a JSON file that nobody vouches for (a model file a user passes in), with every problem
// an nndl::model_error naming the file: unreadable, empty, malformed, NaN/Infinity literals (what
// Python's json.dump writes for non-finite numbers), numbers out of range; and the small checks the
// model formats share (a field of the right type, a finite number that fits the network's scalar).
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
  auto part = [&](std::size_t i) { return std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '-' || text[i] == '+'; };
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

inline nlohmann::json read_json_file(const std::filesystem::path& file) {
  auto [text, problem] = read_whole_file(file, "a model file");
  if (!problem.empty()) throw model_error(file, problem);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw model_error(file, "is empty, not a JSON model");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    if (const std::size_t at = non_finite_literal_at(text, e.byte); at != std::string::npos) {
      const std::size_t line_start = at == 0 ? 0 : text.rfind('\n', at - 1) + 1;  // npos + 1 = 0
      const auto line = std::count(text.begin(), text.begin() + std::ptrdiff_t(at), '\n') + 1;
      throw model_error(file, "NaN/Infinity values are not allowed (one at line " + std::to_string(line) + ", column " +
                                  std::to_string(at - line_start + 1) + "): the weights in the file are not finite");
    }
    throw model_error(file, "malformed JSON (byte " + std::to_string(e.byte) + "): " + strip_json_prefix(e.what()));
  } catch (const nlohmann::json::exception& e) {  // e.g. 1e400: number overflow
    throw model_error(file, "invalid JSON number: " + strip_json_prefix(e.what()));
  }
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
  if (!std::isfinite(t)) throw model_error(file, where() + " = " + v.dump() + " does not fit in a float");
  return t;
}

}  // namespace nndl::detail
