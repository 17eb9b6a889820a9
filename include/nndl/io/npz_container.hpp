// .npz archives (what numpy.savez writes and numpy.load reads: a zip of .npy arrays, npy.hpp), read and
// written without trusting the file: the .npy headers are parsed strictly (any key order, version
// 1-3, C or Fortran order; every size checked against the entry's bytes before anything is read),
// entries are read through libzip with their CRC checked, and writing is atomic (a temporary file
// beside the target, renamed over it once complete). Every problem is an nndl::model_error naming
// the file. The model formats (mlp_npz.hpp, checkpoint.hpp) are built on this.
//
// Link: libzip (-lzip; Debian libzip-dev).
#pragma once

#include "../detail/out_of_line.hpp"

#include <zip.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "../detail/file.hpp"
#include "../errors.hpp"
#include "npy.hpp"

namespace nndl {
namespace detail {

struct zip_closer {
  void operator()(zip_t* z) const {
    if (z) zip_discard(z);
  }
};
using zip_ptr = std::unique_ptr<zip_t, zip_closer>;

NNDL_OUT_OF_LINE std::string zip_message(int code);

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
NNDL_OUT_OF_LINE void write_npz(const std::filesystem::path& file,
                                const std::vector<std::pair<std::string, std::string>>& entries);

}  // namespace detail
}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "npz_container.ipp"
#endif
