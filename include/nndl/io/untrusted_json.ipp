// The bodies of untrusted_json.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of untrusted_json.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE std::size_t non_finite_literal_at(const std::string& text, std::size_t byte) {
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

NNDL_OUT_OF_LINE std::string strip_json_prefix(const std::string& what) {  // drop "[json.exception.parse_error.101] "
  const auto p = what.find("] ");
  return what.rfind("[json.exception.", 0) == 0 && p != std::string::npos ? what.substr(p + 2) : what;
}

NNDL_OUT_OF_LINE nlohmann::json parse_json_text(const std::filesystem::path& file, const std::string& text,
                                                const std::string& what) {
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

NNDL_OUT_OF_LINE nlohmann::json read_json_file(const std::filesystem::path& file, std::size_t max_bytes) {
  auto [text, problem] = read_whole_file(file, "a model file", max_bytes);
  if (!problem.empty()) throw model_error(file, problem);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw model_error(file, "is empty, not a JSON model");
  return parse_json_text(file, text);
}
}  // namespace nndl::detail

namespace nndl::detail::json_brief {

NNDL_OUT_OF_LINE void append(std::string& out, const nlohmann::json& v, std::size_t depth, std::size_t limit) {
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
}  // namespace nndl::detail::json_brief

namespace nndl::detail {

NNDL_OUT_OF_LINE std::string brief(const nlohmann::json& v, std::size_t limit) {
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

NNDL_OUT_OF_LINE const nlohmann::json& field(const std::filesystem::path& file, const nlohmann::json& j,
                                             const char* key, nlohmann::json::value_t type, const char* type_name) {
  const auto it = j.find(key);
  if (it == j.end()) throw model_error(file, std::string("missing field \"") + key + "\"");
  if (it->type() != type)
    throw model_error(file, std::string("field \"") + key + "\" must be " + type_name + ", found " + it->type_name());
  return *it;
}

NNDL_OUT_OF_LINE std::string found(const nlohmann::json& v) {  // "null", "a string", "an array"
  if (v.is_null()) return "null";
  const std::string t = v.type_name();
  return (t == "array" || t == "object" ? "an " : "a ") + t;
}
}  // namespace nndl::detail

namespace nndl {

NNDL_OUT_OF_LINE std::string json_brief(const nlohmann::json& v, std::size_t limit) { return detail::brief(v, limit); }

}  // namespace nndl
