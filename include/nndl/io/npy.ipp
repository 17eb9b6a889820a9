// The bodies of npy.hpp's NNDL_OUT_OF_LINE functions (detail/out_of_line.hpp): included at the end
// of npy.hpp, or compiled once into nndl_compiled.
#pragma once

namespace nndl::detail {

NNDL_OUT_OF_LINE std::size_t npy_header_length(const std::filesystem::path& file, const std::string& name,
                                               std::string_view b, bool complete) {
  auto bad = [&](const std::string& problem) { throw model_error(file, "array " + name + ": " + problem); };
  if (b.size() < 10) {
    if (complete) bad("not a .npy array (" + std::to_string(b.size()) + " bytes)");
    return 0;
  }
  if (std::memcmp(b.data(), "\x93NUMPY", 6) != 0)
    bad("not a .npy array (no \\x93NUMPY magic; " + std::to_string(b.size()) + " bytes)");
  const unsigned major = static_cast<unsigned char>(b[6]);
  if (major < 1 || major > 3) bad(".npy format version " + std::to_string(major) + " is not supported (1 to 3 are)");
  if (major == 1)
    return 10 + (std::size_t(static_cast<unsigned char>(b[8])) | std::size_t(static_cast<unsigned char>(b[9])) << 8);
  if (b.size() < 12) {
    if (complete) bad("truncated .npy header");
    return 0;
  }
  std::size_t hlen = 0;
  for (int i = 3; i >= 0; --i) hlen = hlen << 8 | static_cast<unsigned char>(b[8 + std::size_t(i)]);
  return 12 + hlen;
}

NNDL_OUT_OF_LINE npy_header parse_npy_header(const std::filesystem::path& file, const std::string& name,
                                             std::string_view b) {
  auto bad = [&](const std::string& problem) { throw model_error(file, "array " + name + ": " + problem); };
  const std::size_t end = npy_header_length(file, name, b, true);
  const std::size_t start = static_cast<unsigned char>(b[6]) == 1 ? 10 : 12;
  if (b.size() < end) bad("truncated .npy header (" + std::to_string(b.size()) + " bytes)");
  const std::string raw(b.substr(start, end - start));
  std::string h = raw;
  std::erase_if(h, [](char c) { return c == ' ' || c == '\n' || c == '\t'; });
  auto value_of = [&](const std::string& key) -> std::string {
    const auto k = h.find("'" + key + "':");
    if (k == std::string::npos) bad(".npy header has no '" + key + "': " + raw);
    return h.substr(k + key.size() + 3);
  };
  npy_header out;
  npy_array& a = out.array;
  const std::string d = value_of("descr");
  const auto q = d.find('\'', 1);
  if (d.empty() || d[0] != '\'' || q == std::string::npos) bad("'descr' is not a simple dtype string");
  a.descr = d.substr(1, q - 1);
  const std::string f = value_of("fortran_order");
  if (f.rfind("True", 0) == 0)
    a.fortran_order = true;
  else if (f.rfind("False", 0) != 0)
    bad("'fortran_order' is neither True nor False");
  const std::string s = value_of("shape");
  const auto close = s.find(')');
  if (s.empty() || s[0] != '(' || close == std::string::npos) bad("'shape' is not a tuple");
  if (a.descr.size() >= 3 && (a.descr[0] == '<' || a.descr[0] == '|' || a.descr[0] == '='))
    out.item = std::size_t(std::atoi(a.descr.c_str() + 2));
  for (std::size_t i = 1; i < close;) {
    std::size_t v = 0, digits = 0;
    while (i < close && std::isdigit(static_cast<unsigned char>(s[i])) && digits < 12)
      v = v * 10 + std::size_t(s[i++] - '0'), ++digits;
    if (digits == 0 || (i < close && s[i] != ','))
      bad("'shape' " + s.substr(0, close + 1) + " is not a tuple of sizes");
    a.shape.push_back(v);
    ++i;  // the comma
  }
  std::size_t count = 1, bytes = 0;
  for (const std::size_t dim : a.shape)
    if (__builtin_mul_overflow(count, dim, &count))
      bad("'shape' " + s.substr(0, close + 1) + " overflows a 64-bit count");
  if (__builtin_mul_overflow(count, out.item, &bytes) || __builtin_add_overflow(bytes, end, &bytes))
    bad("'shape' " + s.substr(0, close + 1) + " of " + a.descr + " overflows a 64-bit size");
  out.data_offset = end;
  return out;
}

NNDL_OUT_OF_LINE npy_array parse_npy(const std::filesystem::path& file, const std::string& name, const std::string& b) {
  npy_header h = parse_npy_header(file, name, b);
  npy_array& a = h.array;
  const std::size_t payload = b.size() - h.data_offset;
  if (h.item != 0 && (a.size() > payload / h.item || a.size() * h.item != payload))
    throw model_error(file, "array " + name + ": the header declares shape " + a.shape_string() + " of " + a.descr +
                                " (" + std::to_string(a.size()) + " values), the entry has " + std::to_string(payload) +
                                " data bytes (truncated or corrupt)");
  a.data = b.substr(h.data_offset);
  return std::move(a);
}

NNDL_OUT_OF_LINE double npy_value(const npy_array& a, std::size_t i) {
  const char* p = a.data.data();
  auto get = [&](auto tag) {
    decltype(tag) v;
    std::memcpy(&v, p + i * sizeof v, sizeof v);
    return double(v);
  };
  if (a.descr == "<f8") return get(double{});
  if (a.descr == "<f4") return get(float{});
  if (a.descr == "<i8") return get(std::int64_t{});
  if (a.descr == "<i4") return get(std::int32_t{});
  if (a.descr == "<u8") return get(std::uint64_t{});
  if (a.descr == "<u4") return get(std::uint32_t{});
  if (a.descr == "|u1" || a.descr == "|i1")
    return a.descr == "|u1" ? double(static_cast<unsigned char>(p[i])) : double(static_cast<signed char>(p[i]));
  return NAN;
}

NNDL_OUT_OF_LINE std::string bytes_npy(const std::string& text) {
  xt::xtensor<std::uint8_t, 1> a = xt::xtensor<std::uint8_t, 1>::from_shape({text.size()});
  std::memcpy(a.data(), text.data(), text.size());
  return xt::dump_npy(a);
}

NNDL_OUT_OF_LINE std::string npy_text(const npy_array& a, const std::filesystem::path& file, const std::string& name) {
  if (a.descr != "|u1" || a.shape.size() != 1) throw model_error(file, "array " + name + " is not a byte string");
  return a.data.substr(0, a.shape[0]);
}

}  // namespace nndl::detail
