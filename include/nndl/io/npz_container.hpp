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
  explicit npz_reader(const std::filesystem::path& file);
  bool has(const std::string& name) const { return zip_name_locate(z_.get(), (name + ".npy").c_str(), 0) >= 0; }

  /// The array `name` (entry name.npy); throws when it is missing or malformed. The entry's .npy
  /// header is inflated first, and the data it declares must be what the zip entry records, within
  /// max_bytes and (when given) of the expected shape and dtype, before memory for the data is
  /// taken; then the data is inflated up to that size and no further.
  npy_array read(const std::string& name, std::size_t max_bytes = default_max_file_bytes,
                 const npy_expected& expected = {}) const;

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
