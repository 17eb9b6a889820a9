// IDX files (the MNIST format) read and written through zlib, so .gz and plain files both work.
//
// IDX layout: magic {0, 0, type, ndims}, then ndims big-endian uint32 dimensions, then the data
// (row-major). Only type 0x08 (unsigned byte) is supported, which is all MNIST uses.
//
// Reading never trusts the header with memory: the buffer grows only as data actually arrives,
// so a header claiming terabytes costs nothing until the bytes exist.
#pragma once

#include "../detail/out_of_line.hpp"

#include <zlib.h>
#include <unistd.h>  // getpid

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "../detail/file.hpp"
#include "../errors.hpp"
#include "dataset.hpp"

namespace nndl {

/// One IDX file: element type code, dimensions and the raw data bytes.
struct idx_file {
  /// The file it was read from (for messages).
  std::filesystem::path path;
  /// The element type code of the header (0x08 unsigned byte, 0x09 signed byte, ... 0x0D float, 0x0E double).
  std::uint8_t type = 0x08;
  /// The dimensions, outermost first.
  std::vector<std::size_t> dims;
  /// The data bytes as stored (big-endian elements).
  std::vector<std::uint8_t> bytes;
};

namespace detail {

[[noreturn]] NNDL_OUT_OF_LINE void idx_fail(const std::filesystem::path& p, const std::string& problem);

NNDL_OUT_OF_LINE std::string hex_byte(unsigned v);

NNDL_OUT_OF_LINE std::string dims_string(const std::vector<std::size_t>& dims);

/// The element type names of the IDX specification (0 when the code is not one of them).
NNDL_OUT_OF_LINE const char* idx_type_name(std::uint8_t t);

/// Owns a gzFile; closing is explicit where its result matters (writing).
struct gz_handle {
  gzFile f = nullptr;
  explicit gz_handle(gzFile g) : f(g) {}
  gz_handle(const gz_handle&) = delete;
  gz_handle& operator=(const gz_handle&) = delete;
  ~gz_handle() {
    if (f) gzclose(f);
  }
  int close() {
    int r = gzclose(f);
    f = nullptr;
    return r;
  }
};

/// Reads up to n bytes; returns the count (less than n only at end of data), throws on a zlib
/// error (corrupt gzip stream, failing read).
NNDL_OUT_OF_LINE std::size_t gz_read_some(gzFile f, const std::filesystem::path& p, std::uint8_t* out, std::size_t n);

/// True when zlib stopped because the gzip stream itself ended early (a cut .gz file).
NNDL_OUT_OF_LINE bool gz_cut_short(gzFile f);

NNDL_OUT_OF_LINE void put_be32(std::vector<std::uint8_t>& out, std::uint32_t v);

NNDL_OUT_OF_LINE bool ends_with_gz(const std::filesystem::path& p);

}  // namespace detail

/// Reads an IDX file (.gz or plain). max_bytes bounds the declared data size.
NNDL_OUT_OF_LINE idx_file read_idx(const std::filesystem::path& path, std::size_t max_bytes = std::size_t{1} << 30);

/// Writes bytes as they are (gzip-compressed when the path ends in .gz), atomically (detail::atomic_file).
NNDL_OUT_OF_LINE void write_raw(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);

/// Writes an unsigned-byte IDX file (gzip when the path ends in .gz), atomically.
NNDL_OUT_OF_LINE void write_idx(const std::filesystem::path& path, const std::vector<std::size_t>& dims,
                                std::span<const std::uint8_t> bytes);

namespace detail {

/// Checks an images/labels pair and returns the sample count.
NNDL_OUT_OF_LINE std::size_t check_idx_pair(const idx_file& images, const idx_file& labels, std::size_t classes);

/// Rows [begin, end) of a checked pair as a data set, pixels scaled by 1/255.
template <class T>
dataset<T> idx_rows(const idx_file& images, const idx_file& labels, std::size_t begin, std::size_t end,
                    std::string name, std::size_t classes) {
  const std::size_t features = images.dims[0] == 0 ? 0 : images.bytes.size() / images.dims[0];
  // Pixel scaling: byte / 255, so 0 -> 0 and 255 -> exactly 1. (The book's mnist.pkl.gz is
  // believed to use / 256, max 255/256; nndl reads the original IDX files and uses / 255.)
  std::array<T, 256> scale{};
  for (unsigned v = 0; v < 256; ++v) scale[v] = static_cast<T>(v) / static_cast<T>(255);
  dataset<T> out;
  out.x = matrix<T>::from_shape({end - begin, features});
  const std::uint8_t* src = images.bytes.data() + begin * features;
  T* dst = out.x.data();
  for (std::size_t i = 0, n = (end - begin) * features; i < n; ++i) dst[i] = scale[src[i]];
  out.labels.assign(labels.bytes.begin() + static_cast<std::ptrdiff_t>(begin),
                    labels.bytes.begin() + static_cast<std::ptrdiff_t>(end));
  out.classes = classes;
  out.name = std::move(name);
  return out;
}

}  // namespace detail

/// Loads an images/labels IDX pair as a data set: x is {N, rows*cols} with pixels in [0, 1].
template <class T>
dataset<T> load_idx_dataset(const std::filesystem::path& images_path, const std::filesystem::path& labels_path,
                            std::string name, std::size_t classes = 10) {
  if (classes < 1 || classes > 256)
    throw std::invalid_argument("nndl: load_idx_dataset: classes must be 1 to 256, got " + std::to_string(classes));
  const idx_file images = read_idx(images_path);
  const idx_file labels = read_idx(labels_path);
  const std::size_t n = detail::check_idx_pair(images, labels, classes);
  return detail::idx_rows<T>(images, labels, 0, n, std::move(name), classes);
}

#ifdef NNDL_INSTANTIATE  // compiled once (detail/out_of_line.hpp)
NNDL_INSTANTIATE dataset<float> load_idx_dataset<float>(const std::filesystem::path&, const std::filesystem::path&,
                                                        std::string, std::size_t);
NNDL_INSTANTIATE dataset<double> load_idx_dataset<double>(const std::filesystem::path&, const std::filesystem::path&,
                                                          std::string, std::size_t);
#endif

}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "idx.ipp"
#endif
