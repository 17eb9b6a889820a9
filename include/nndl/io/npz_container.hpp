// .npz archives (what numpy.savez writes and numpy.load reads: a zip of .npy arrays), read and
// written without trusting the file: the .npy headers are parsed strictly (any key order, version
// 1-3, C or Fortran order; every size checked against the entry's bytes before anything is read),
// entries are read through libzip with their CRC checked, and writing is atomic (a temporary file
// beside the target, renamed over it once complete). Every problem is an nndl::model_error naming
// the file. The model formats (mlp_npz.hpp, checkpoint.hpp) are built on this.
//
// Link: libzip (-lzip; Debian libzip-dev).
#pragma once

#include <zip.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string_view>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <xtensor/xnpy.hpp>

#include "../detail/file.hpp"
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

struct zip_closer {
  void operator()(zip_t* z) const {
    if (z) zip_discard(z);
  }
};
using zip_ptr = std::unique_ptr<zip_t, zip_closer>;

inline std::string zip_message(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string s = zip_error_strerror(&e);
  zip_error_fini(&e);
  return s;
}

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

/// What a caller expects of an entry, checked against its .npy header before its data is read:
/// the shape (empty: any) and the dtypes it takes (empty: any).
struct npy_expected {
  std::vector<std::size_t> shape;
  std::vector<std::string> descrs;
};

/// An open .npz archive (read-only) whose entries are read on demand.
class npz_reader {
 public:
  explicit npz_reader(const std::filesystem::path& file) : file_(file) {
    // A pipe, a device, a socket: refused from its type (libzip would wait on a pipe for a writer).
    if (const std::string problem = regular_file_problem(file, "a model file"); !problem.empty())
      throw model_error(file, problem);
    std::error_code ec;
    if (std::filesystem::file_size(file, ec) == 0) throw model_error(file, "is empty, not an .npz archive");
    int err = 0;
    z_.reset(zip_open(file.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err));
    if (!z_) {
      if (err == ZIP_ER_NOZIP) throw model_error(file, "not an .npz (zip) archive");
      throw model_error(file, "corrupt or truncated .npz (zip) archive: " + zip_message(err));
    }
  }
  bool has(const std::string& name) const { return zip_name_locate(z_.get(), (name + ".npy").c_str(), 0) >= 0; }

  /// The array `name` (entry name.npy); throws when it is missing or malformed. The entry's .npy
  /// header is inflated first, and the data it declares must be what the zip entry records, within
  /// max_bytes and (when given) of the expected shape and dtype, before memory for the data is
  /// taken; then the data is inflated up to that size and no further.
  npy_array read(const std::string& name, std::size_t max_bytes = default_max_file_bytes,
                 const npy_expected& expected = {}) const {
    const zip_int64_t i = zip_name_locate(z_.get(), (name + ".npy").c_str(), 0);
    if (i < 0) throw model_error(file_, "missing array " + name + " (no entry " + name + ".npy)");
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z_.get(), zip_uint64_t(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
      throw model_error(file_, "array " + name + ": cannot read its zip entry: " + zip_strerror(z_.get()));
    // The sizes in a zip header are claims. Check the uncompressed size against the bytes stored
    // for the entry (a stored entry holds exactly its size; deflate expands at most 1032 times)
    // before anything is read.
    if (st.valid & ZIP_STAT_COMP_SIZE) {
      const zip_uint64_t stored = st.comp_size;
      const bool known = (st.valid & ZIP_STAT_COMP_METHOD) != 0;
      const bool plain = known && st.comp_method == ZIP_CM_STORE;
      const bool deflated = known && st.comp_method == ZIP_CM_DEFLATE;
      if ((plain && st.size != stored) || (deflated && st.size / 1032 > stored))
        throw model_error(file_, "array " + name + ": its zip entry claims " + std::to_string(st.size) +
                                     " bytes but stores " + std::to_string(stored) +
                                     (plain ? " (uncompressed)" : " compressed") + " bytes (corrupt or truncated)");
    }
    if (st.size > max_bytes)
      throw model_error(file_, "array " + name + ": entry of " + std::to_string(st.size) +
                                   " bytes is too large (limit " + std::to_string(max_bytes) + " bytes)");
    zip_file_t* f = zip_fopen_index(z_.get(), zip_uint64_t(i), 0);
    if (!f) throw model_error(file_, "array " + name + ": cannot open its zip entry: " + zip_strerror(z_.get()));
    struct closer {
      zip_file_t*& f;
      ~closer() {
        if (f) zip_fclose(f);
      }
    } closed{f};
    std::string bytes;
    // Inflates until `bytes` holds `size` bytes or the entry ends; true when it ended.
    const auto fill = [&](std::size_t size) {
      while (bytes.size() < size) {
        const std::size_t have = bytes.size();
        bytes.resize(std::min(size, have + (std::size_t{1} << 20)));
        const zip_int64_t r = zip_fread(f, bytes.data() + have, bytes.size() - have);
        if (r < 0)
          throw model_error(file_,
                            "array " + name + ": corrupt zip entry: " + zip_error_strerror(zip_file_get_error(f)));
        bytes.resize(have + std::size_t(r));
        if (r == 0) return true;
      }
      return false;
    };
    // 1. The .npy header, and what it declares, against the zip entry and the caller.
    const std::size_t claimed = std::size_t(st.size);
    fill(std::min<std::size_t>(claimed, 12));
    const std::size_t header_end = detail::npy_header_length(file_, name, bytes, bytes.size() == claimed);
    if (header_end > max_npy_header_bytes)
      throw model_error(file_, "array " + name + ": its .npy header claims " + std::to_string(header_end) +
                                   " bytes (the limit is " + std::to_string(max_npy_header_bytes) + ")");
    fill(std::min(claimed, header_end));
    const npy_header h = parse_npy_header(file_, name, bytes);
    const npy_array& a = h.array;
    if (!expected.descrs.empty() &&
        std::find(expected.descrs.begin(), expected.descrs.end(), a.descr) == expected.descrs.end()) {
      std::string list;
      for (const auto& d : expected.descrs) list += (list.empty() ? "" : " or ") + d;
      throw model_error(file_, "array " + name + ": dtype " + a.descr + ", expected " + list);
    }
    if (!expected.shape.empty() && a.shape != expected.shape) {
      npy_array want;
      want.shape = expected.shape;
      throw model_error(file_, "array " + name + ": its header declares shape " + a.shape_string() + ", expected " +
                                   want.shape_string());
    }
    if (h.item != 0 && h.entry_bytes() != claimed)
      throw model_error(file_, "array " + name + ": its .npy header declares shape " + a.shape_string() + " of " +
                                   a.descr + " (" + std::to_string(h.entry_bytes()) +
                                   " bytes with the header), its zip entry records " + std::to_string(claimed) +
                                   " bytes (truncated or corrupt)");
    // 2. The data, up to that size, and then the end of the entry (where libzip checks its CRC).
    bytes.reserve(claimed);
    fill(claimed);
    if (bytes.size() != claimed)
      throw model_error(file_, "array " + name + ": truncated zip entry (" + std::to_string(bytes.size()) + " of " +
                                   std::to_string(claimed) + " bytes)");
    char probe;
    const zip_int64_t more = zip_fread(f, &probe, 1);
    if (more < 0)
      throw model_error(file_, "array " + name + ": corrupt zip entry: " + zip_error_strerror(zip_file_get_error(f)));
    if (more > 0) throw model_error(file_, "array " + name + ": zip entry longer than its recorded size (corrupt)");
    const int closing = zip_fclose(f);
    f = nullptr;
    if (closing != 0) throw model_error(file_, "array " + name + ": corrupt zip entry: " + zip_message(closing));
    return parse_npy(file_, name, bytes);
  }

 private:
  std::filesystem::path file_;
  zip_ptr z_;
};

/// Writes (name.npy, bytes) entries as an uncompressed zip (as numpy.savez), atomically: a
/// temporary file beside `file` renamed over it once complete; on error nothing at `file` changes.
inline void write_npz(const std::filesystem::path& file,
                      const std::vector<std::pair<std::string, std::string>>& entries) {
  detail::atomic_file out(file);
  const auto& tmp = out.temp();
  auto fail = [&](const std::string& problem) { throw model_error(file, problem); };  // out removes tmp
  int err = 0;
  detail::zip_ptr z(zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err));
  if (!z) fail("cannot create " + tmp.string() + ": " + detail::zip_message(err));
  for (const auto& [name, bytes] : entries) {
    zip_source_t* src = zip_source_buffer(z.get(), bytes.data(), bytes.size(), 0);
    if (!src) fail("cannot add " + name + ": " + zip_strerror(z.get()));
    const zip_int64_t i = zip_file_add(z.get(), name.c_str(), src, ZIP_FL_OVERWRITE);
    if (i < 0) {
      zip_source_free(src);
      fail("cannot add " + name + ": " + zip_strerror(z.get()));
    }
    zip_set_file_compression(z.get(), zip_uint64_t(i), ZIP_CM_STORE, 0);  // as numpy.savez
  }
  if (zip_close(z.get()) != 0) fail("writing " + tmp.string() + " failed: " + zip_strerror(z.get()));
  z.release();  // zip_close freed it
  if (const std::string problem = out.commit(); !problem.empty()) fail(problem);
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
