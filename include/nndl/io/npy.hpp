// The .npy array format (what numpy.save writes: a header that describes the array, then its
// bytes), parsed without trusting the file: any key order, version 1-3, C or Fortran order; every
// size checked against the entry's bytes before anything is read. Every problem is an
// nndl::model_error naming the file and the entry. npz_container.hpp reads and writes .npz
// archives (zips of such arrays) with it.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <string>
#include <vector>

#include <xtensor/xnpy.hpp>

#include "../detail/xtensor.hpp"
#include "../errors.hpp"
#include "../layers/layer.hpp"

namespace nndl {

/// One array of an .npz file, as its header describes it, with its raw data bytes.
struct npy_array {
  std::string descr;  ///< numpy's dtype string: "<f8", "<f4", "<i8", "|u1", ...
  /// True when the data is column-major (the header's fortran_order).
  bool fortran_order = false;
  /// The dimensions, outermost first.
  std::vector<std::size_t> shape;
  std::string data;  ///< exactly product(shape) * item size bytes

  /// The number of elements (the product of the dimensions).
  std::size_t size() const {
    std::size_t n = 1;
    for (std::size_t d : shape) n *= d;
    return n;
  }
  /// The shape as NumPy prints it: "(30, 784)", "(10,)".
  std::string shape_string() const {  // "(30, 784)", "(10,)"
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
  }
};

namespace detail {

/// The most bytes of a .npy header read before its data (numpy writes a few hundred).
inline constexpr std::size_t max_npy_header_bytes = std::size_t{1} << 20;

/// The header of one .npy entry: the array without its data, where the data starts, and the bytes
/// per value (0 for a dtype whose size nndl does not know).
struct npy_header {
  npy_array array;
  std::size_t data_offset = 0, item = 0;
  /// The entry's size in bytes the header promises (data_offset + values * item), when item != 0.
  std::size_t entry_bytes() const { return data_offset + array.size() * item; }
};

/// The length of a .npy header from its first 12 bytes (or fewer: then 0, not yet known); throws
/// model_error when they are not a .npy header's start.
inline std::size_t npy_header_length(const std::filesystem::path& file, const std::string& name, std::string_view b,
                                     bool complete) {
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

/// Parses a .npy header (`b` holds at least all of it; `name` for messages); throws model_error on
/// anything malformed.
inline npy_header parse_npy_header(const std::filesystem::path& file, const std::string& name, std::string_view b) {
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

/// Parses one .npy entry (`name` for messages); throws model_error on anything malformed.
inline npy_array parse_npy(const std::filesystem::path& file, const std::string& name, const std::string& b) {
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

/// One value of an integer or floating array as double (little-endian data, checked descr).
inline double npy_value(const npy_array& a, std::size_t i) {
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

/// A parameter tensor as an .npy array of its shape ({rows, columns}, or {size} for rank 1).
template <class T>
std::string npy_of(const parameter<const T>& p) {
  if (p.rank == 2) {
    xt::xtensor<T, 2> a =
        xt::adapt(p.value, p.size(), xt::no_ownership(), std::array<std::size_t, 2>{p.shape[0], p.shape[1]});
    return xt::dump_npy(a);
  }
  xt::xtensor<T, 1> a = xt::adapt(p.value, p.size(), xt::no_ownership(), std::array<std::size_t, 1>{p.size()});
  return xt::dump_npy(a);
}

/// A text (UTF-8 bytes) as a 1-D uint8 .npy array, and back: how the formats store strings.
inline std::string bytes_npy(const std::string& text) {
  xt::xtensor<std::uint8_t, 1> a = xt::xtensor<std::uint8_t, 1>::from_shape({text.size()});
  std::memcpy(a.data(), text.data(), text.size());
  return xt::dump_npy(a);
}
inline std::string npy_text(const npy_array& a, const std::filesystem::path& file, const std::string& name) {
  if (a.descr != "|u1" || a.shape.size() != 1) throw model_error(file, "array " + name + " is not a byte string");
  return a.data.substr(0, a.shape[0]);
}

}  // namespace detail
}  // namespace nndl
