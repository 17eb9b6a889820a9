// .npz archives (what numpy.savez writes and numpy.load reads: a zip of .npy arrays), read and
// written without trusting the file: the .npy headers are parsed strictly (any key order, version
// 1-3, C or Fortran order; every size checked against the entry's bytes before anything is read),
// entries are read through libzip with their CRC checked, and writing is atomic (a temporary file
// beside the target, renamed over it once complete). Every problem is an nndl::model_error naming
// the file. The model formats (npz.hpp, checkpoint.hpp) are built on this.
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
  std::string descr;               ///< numpy's dtype string: "<f8", "<f4", "<i8", "|u1", ...
  bool fortran_order = false;
  std::vector<std::size_t> shape;
  std::string data;                ///< exactly product(shape) * item size bytes

  std::size_t size() const {
    std::size_t n = 1;
    for (std::size_t d : shape) n *= d;
    return n;
  }
  std::string shape_string() const {  // "(30, 784)", "(10,)"
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
  }
};

namespace detail {

struct zip_closer {
  void operator()(zip_t* z) const { if (z) zip_discard(z); }
};
using zip_ptr = std::unique_ptr<zip_t, zip_closer>;

inline std::string zip_message(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string s = zip_error_strerror(&e);
  zip_error_fini(&e);
  return s;
}

/// Parses one .npy entry (`name` for messages); throws model_error on anything malformed.
inline npy_array parse_npy(const std::filesystem::path& file, const std::string& name, const std::string& b) {
  auto bad = [&](const std::string& problem) { throw model_error(file, "array " + name + ": " + problem); };
  if (b.size() < 10 || std::memcmp(b.data(), "\x93NUMPY", 6) != 0)
    bad("not a .npy array (no \\x93NUMPY magic; " + std::to_string(b.size()) + " bytes)");
  const unsigned major = static_cast<unsigned char>(b[6]);
  if (major < 1 || major > 3) bad(".npy format version " + std::to_string(major) + " is not supported (1 to 3 are)");
  std::size_t hlen = 0, start = 0;
  if (major == 1) {
    hlen = std::size_t(static_cast<unsigned char>(b[8])) | std::size_t(static_cast<unsigned char>(b[9])) << 8;
    start = 10;
  } else {
    if (b.size() < 12) bad("truncated .npy header");
    for (int i = 3; i >= 0; --i) hlen = hlen << 8 | static_cast<unsigned char>(b[8 + std::size_t(i)]);
    start = 12;
  }
  if (b.size() < start + hlen) bad("truncated .npy header (" + std::to_string(b.size()) + " bytes)");
  std::string h = b.substr(start, hlen);
  std::erase_if(h, [](char c) { return c == ' ' || c == '\n' || c == '\t'; });
  auto value_of = [&](const std::string& key) -> std::string {
    const auto k = h.find("'" + key + "':");
    if (k == std::string::npos) bad(".npy header has no '" + key + "': " + b.substr(start, hlen));
    return h.substr(k + key.size() + 3);
  };
  npy_array a;
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
  std::size_t bytes_per = 0;
  if (a.descr.size() >= 3 && (a.descr[0] == '<' || a.descr[0] == '|' || a.descr[0] == '=')) bytes_per = std::size_t(std::atoi(a.descr.c_str() + 2));
  for (std::size_t i = 1; i < close;) {
    std::size_t v = 0, digits = 0;
    while (i < close && std::isdigit(static_cast<unsigned char>(s[i])) && digits < 12) v = v * 10 + std::size_t(s[i++] - '0'), ++digits;
    if (digits == 0 || (i < close && s[i] != ',')) bad("'shape' " + s.substr(0, close + 1) + " is not a tuple of sizes");
    a.shape.push_back(v);
    ++i;  // the comma
  }
  std::size_t count = 1;
  for (const std::size_t d : a.shape)
    if (__builtin_mul_overflow(count, d, &count)) bad("'shape' " + s.substr(0, close + 1) + " overflows a 64-bit count");
  const std::size_t payload = b.size() - start - hlen;
  if (bytes_per != 0 && (a.size() > payload / bytes_per || a.size() * bytes_per != payload))
    bad("the header declares shape " + a.shape_string() + " of " + a.descr + " (" +
        std::to_string(a.size()) + " values), the entry has " + std::to_string(payload) + " data bytes (truncated or corrupt)");
  a.data = b.substr(start + hlen);
  return a;
}

/// An open .npz archive (read-only) whose entries are read on demand.
class npz_reader {
 public:
  explicit npz_reader(const std::filesystem::path& file) : file_(file) {
    std::error_code ec;
    const auto st = std::filesystem::status(file, ec);
    if (!std::filesystem::exists(st)) throw model_error(file, "no such file");
    if (std::filesystem::is_directory(st)) throw model_error(file, "is a directory, not a model file");
    if (std::filesystem::file_size(file, ec) == 0) throw model_error(file, "is empty, not an .npz archive");
    int err = 0;
    z_.reset(zip_open(file.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err));
    if (!z_) {
      if (err == ZIP_ER_NOZIP) throw model_error(file, "not an .npz (zip) archive");
      throw model_error(file, "corrupt or truncated .npz (zip) archive: " + zip_message(err));
    }
  }
  bool has(const std::string& name) const { return zip_name_locate(z_.get(), (name + ".npy").c_str(), 0) >= 0; }

  /// The array `name` (entry name.npy); throws when it is missing or malformed.
  npy_array read(const std::string& name, std::size_t max_bytes = std::size_t{1} << 31) const {
    const zip_int64_t i = zip_name_locate(z_.get(), (name + ".npy").c_str(), 0);
    if (i < 0) throw model_error(file_, "missing array " + name + " (no entry " + name + ".npy)");
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z_.get(), zip_uint64_t(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
      throw model_error(file_, "array " + name + ": cannot read its zip entry: " + zip_strerror(z_.get()));
    if (st.size > max_bytes) throw model_error(file_, "array " + name + ": entry of " + std::to_string(st.size) + " bytes is too large");
    // The sizes in a zip header are claims. Check the uncompressed size against the bytes stored
    // for the entry (a stored entry holds exactly its size; deflate expands at most 1032 times)
    // before anything is read, and grow the buffer only as data arrives.
    if (st.valid & ZIP_STAT_COMP_SIZE) {
      const zip_uint64_t stored = st.comp_size;
      const bool known = (st.valid & ZIP_STAT_COMP_METHOD) != 0;
      const bool plain = known && st.comp_method == ZIP_CM_STORE;
      const bool deflated = known && st.comp_method == ZIP_CM_DEFLATE;
      if ((plain && st.size != stored) || (deflated && st.size / 1032 > stored))
        throw model_error(file_, "array " + name + ": its zip entry claims " + std::to_string(st.size) + " bytes but stores " +
                                     std::to_string(stored) + (plain ? " (uncompressed)" : " compressed") +
                                     " bytes (corrupt or truncated)");
    }
    zip_file_t* f = zip_fopen_index(z_.get(), zip_uint64_t(i), 0);
    if (!f) throw model_error(file_, "array " + name + ": cannot open its zip entry: " + zip_strerror(z_.get()));
    std::string bytes;
    bytes.reserve(std::min<zip_uint64_t>(st.size, zip_uint64_t{1} << 20));
    zip_uint64_t got = 0;
    char probe;
    for (;;) {  // until zip_fread says end of data: only then does libzip check the entry's CRC
      if (got < st.size) bytes.resize(std::size_t(got + std::min<zip_uint64_t>(st.size - got, zip_uint64_t{1} << 20)));
      const zip_int64_t r = got < st.size ? zip_fread(f, bytes.data() + got, bytes.size() - got) : zip_fread(f, &probe, 1);
      if (r < 0) {
        const std::string why = zip_error_strerror(zip_file_get_error(f));
        zip_fclose(f);
        throw model_error(file_, "array " + name + ": corrupt zip entry: " + why);
      }
      if (r == 0) break;
      if (got >= st.size) {
        zip_fclose(f);
        throw model_error(file_, "array " + name + ": zip entry longer than its recorded size (corrupt)");
      }
      got += zip_uint64_t(r);
    }
    bytes.resize(std::size_t(got));
    const int closed = zip_fclose(f);
    if (got != st.size)
      throw model_error(file_, "array " + name + ": truncated zip entry (" + std::to_string(got) + " of " + std::to_string(st.size) + " bytes)");
    if (closed != 0) throw model_error(file_, "array " + name + ": corrupt zip entry: " + zip_message(closed));
    return parse_npy(file_, name, bytes);
  }

 private:
  std::filesystem::path file_;
  zip_ptr z_;
};

/// Writes (name.npy, bytes) entries as an uncompressed zip (as numpy.savez), atomically: a
/// temporary file beside `file` renamed over it once complete; on error nothing at `file` changes.
inline void write_npz(const std::filesystem::path& file, const std::vector<std::pair<std::string, std::string>>& entries) {
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
  if (a.descr == "|u1" || a.descr == "|i1") return a.descr == "|u1" ? double(static_cast<unsigned char>(p[i])) : double(static_cast<signed char>(p[i]));
  return NAN;
}

/// A parameter tensor as an .npy array of its shape ({rows, columns}, or {size} for rank 1).
template <class T>
std::string npy_of(const parameter<const T>& p) {
  if (p.rank == 2) {
    xt::xtensor<T, 2> a = xt::adapt(p.value, p.size(), xt::no_ownership(), std::array<std::size_t, 2>{p.shape[0], p.shape[1]});
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
