// The .npy array format (what numpy.save writes: a header that describes the array, then its
// bytes), parsed without trusting the file: any key order, version 1-3, C or Fortran order; every
// size checked against the entry's bytes before anything is read. Every problem is an
// nndl::model_error naming the file and the entry. npz_container.hpp reads and writes .npz
// archives (zips of such arrays) with it.
#pragma once

#include "../detail/out_of_line.hpp"

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
NNDL_OUT_OF_LINE std::size_t npy_header_length(const std::filesystem::path& file, const std::string& name,
                                               std::string_view b, bool complete);

/// Parses a .npy header (`b` holds at least all of it; `name` for messages); throws model_error on
/// anything malformed.
NNDL_OUT_OF_LINE npy_header parse_npy_header(const std::filesystem::path& file, const std::string& name,
                                             std::string_view b);

/// Parses one .npy entry (`name` for messages); throws model_error on anything malformed.
NNDL_OUT_OF_LINE npy_array parse_npy(const std::filesystem::path& file, const std::string& name, const std::string& b);

/// One value of an integer or floating array as double (little-endian data, checked descr).
NNDL_OUT_OF_LINE double npy_value(const npy_array& a, std::size_t i);

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
NNDL_OUT_OF_LINE std::string bytes_npy(const std::string& text);
NNDL_OUT_OF_LINE std::string npy_text(const npy_array& a, const std::filesystem::path& file, const std::string& name);

}  // namespace detail
}  // namespace nndl

#ifndef NNDL_COMPILED  // else nndl_compiled holds them (detail/out_of_line.hpp)
#include "npy.ipp"
#endif
